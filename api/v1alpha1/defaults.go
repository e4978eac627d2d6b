package v1alpha1

// Defaults of optional fields: the values the schema's +kubebuilder:default
// markers apply. Code that sees an object the API server did not default
// (one built in Go, or fairctl's flags for the same settings) uses these,
// and TestGoDefaultsMatchTheSchema fails when a marker and its constant part.
const (
	// DefaultMinGroupSize: spec.minGroupSize.
	DefaultMinGroupSize int32 = 30
	// DefaultBackoffLimit: spec.backoffLimit.
	DefaultBackoffLimit int32 = 2
	// DefaultTestSize: spec.train.testSize.
	DefaultTestSize = 0.3
	// DefaultRandomState: spec.train.randomState.
	DefaultRandomState int64 = 42
	// DefaultBuiltinRows: spec.source.builtin.rows.
	DefaultBuiltinRows int64 = 10000
	// DefaultBuiltinSeed: spec.source.builtin.seed.
	DefaultBuiltinSeed int64 = 42
	// DefaultFailedRunsThreshold: spec.incidentPolicy.failedRunsThreshold.
	DefaultFailedRunsThreshold int32 = 3
	// DefaultTrainMethod: spec.train.method.
	DefaultTrainMethod = MethodBaseline
	// DefaultMaxJoinKeys: spec.maxJoinKeys (dataset.DefaultMaxJoinKeys).
	DefaultMaxJoinKeys int64 = 20_000_000
	// DefaultMaxCoverageGap: spec.outcomes.maxCoverageGap (fairness.DefaultMaxCoverageGap).
	DefaultMaxCoverageGap = 0.1
	// DefaultProbabilityTolerance: spec.columns.protectedProbabilities[].tolerance
	// (fairness.DefaultProbabilityTolerance).
	DefaultProbabilityTolerance = 0.000001
)
