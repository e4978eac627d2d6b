package v1alpha1_test

import (
	"strings"
	"testing"

	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
	"github.com/fairness-operator/fairness-operator/internal/dataset"
	"github.com/fairness-operator/fairness-operator/internal/fairness"
	"github.com/fairness-operator/fairness-operator/internal/incident"
)

// schemaDefault is the default the CRD's schema gives the field at a dotted path.
func schemaDefault(t *testing.T, s *structuralschema.Structural, path string) any {
	t.Helper()
	for part := range strings.SplitSeq(path, ".") {
		if part == "items" && s.Items != nil { // a list's elements
			s = s.Items
			continue
		}
		next, ok := s.Properties[part]
		if !ok {
			t.Fatalf("%s: no field %q in the schema", path, part)
		}
		s = &next
	}
	if s.Default.Object == nil {
		t.Fatalf("%s has no default in the schema", path)
	}
	return s.Default.Object
}

// The Go constants are the one source the code reads; the schema's markers
// must say the same, or objects built in Go and objects created through
// the API server would mean different things.
func TestGoDefaultsMatchTheSchema(t *testing.T) {
	t.Parallel()
	eval := loadAdmission(t, "fairness.dev_fairnessevaluations.yaml").structural
	cases := []struct {
		path string
		want any
	}{
		{"spec.minGroupSize", int64(fairnessv1alpha1.DefaultMinGroupSize)},
		{"spec.backoffLimit", int64(fairnessv1alpha1.DefaultBackoffLimit)},
		{"spec.train.testSize", fairnessv1alpha1.DefaultTestSize},
		{"spec.train.randomState", fairnessv1alpha1.DefaultRandomState},
		{"spec.train.method", string(fairnessv1alpha1.DefaultTrainMethod)},
		{"spec.source.builtin.rows", fairnessv1alpha1.DefaultBuiltinRows},
		{"spec.source.builtin.seed", fairnessv1alpha1.DefaultBuiltinSeed},
		{"spec.incidentPolicy.failedRunsThreshold", int64(fairnessv1alpha1.DefaultFailedRunsThreshold)},
		{"spec.maxJoinKeys", fairnessv1alpha1.DefaultMaxJoinKeys},
		{"spec.outcomes.maxCoverageGap", fairnessv1alpha1.DefaultMaxCoverageGap},
		{"spec.columns.protectedProbabilities.items.tolerance", fairnessv1alpha1.DefaultProbabilityTolerance},
	}
	if fairnessv1alpha1.DefaultProbabilityTolerance != fairness.DefaultProbabilityTolerance {
		t.Errorf("the API's probability tolerance %v is not fairctl's %v", fairnessv1alpha1.DefaultProbabilityTolerance,
			fairness.DefaultProbabilityTolerance)
	}
	if fairnessv1alpha1.DefaultMaxJoinKeys != dataset.DefaultMaxJoinKeys || fairnessv1alpha1.DefaultMaxCoverageGap != fairness.DefaultMaxCoverageGap {
		t.Errorf("the API's join defaults (%d keys, gap %v) are not fairctl's (%d, %v)", fairnessv1alpha1.DefaultMaxJoinKeys,
			fairnessv1alpha1.DefaultMaxCoverageGap, dataset.DefaultMaxJoinKeys, fairness.DefaultMaxCoverageGap)
	}
	for _, c := range cases {
		got := schemaDefault(t, eval, c.path)
		if f, ok := got.(float64); ok {
			if w, isInt := c.want.(int64); isInt && f == float64(w) {
				continue // the YAML decoder reads whole numbers as floats
			}
		}
		if got != c.want {
			t.Errorf("%s: schema default %v (%T), Go constant %v (%T)", c.path, got, got, c.want, c.want)
		}
	}
}

// The manager's default acknowledgement deadlines are the runbook's
// severity scale, held once in internal/incident.
func TestDefaultDeadlinesAreTheRunbooks(t *testing.T) {
	t.Parallel()
	want := map[fairnessv1alpha1.Severity]string{fairnessv1alpha1.Severity1: "15m0s", fairnessv1alpha1.Severity2: "1h0m0s",
		fairnessv1alpha1.Severity3: "4h0m0s", fairnessv1alpha1.Severity4: "24h0m0s"}
	if len(incident.DefaultDeadlines) != len(want) {
		t.Fatalf("deadlines %v", incident.DefaultDeadlines)
	}
	for sev, d := range want {
		if got := incident.DefaultDeadlines[fairness.Severity(sev)].String(); got != d {
			t.Errorf("%s: deadline %q, want %q", sev, got, d)
		}
	}
}
