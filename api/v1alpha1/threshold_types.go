package v1alpha1

// MetricName names a fairness metric computed from per-group statistics.
// Names ending in Difference are distances (larger is worse); names ending in
// Ratio, and disparateImpact, are ratios in [0, 1] (smaller is worse). See
// docs/metrics.md for every definition.
// +kubebuilder:validation:Enum=demographicParityDifference;demographicParityRatio;equalizedOddsDifference;equalizedOddsRatio;equalOpportunityDifference;equalOpportunityRatio;errorRateDifference;errorRateRatio;falsePositiveRateDifference;falsePositiveRateRatio;falseNegativeRateDifference;falseNegativeRateRatio;positivePredictiveValueDifference;positivePredictiveValueRatio;statisticalParityDifference;disparateImpact;averageOddsDifference;averageAbsoluteOddsDifference;generalizedEntropyIndex;theilIndex;betweenGroupGeneralizedEntropy
type MetricName string

// MetricMethod says how per-group values are aggregated into one number.
// +kubebuilder:validation:Enum=betweenGroups;toOverall;privileged;population
type MetricMethod string

const (
	// MethodBetweenGroups compares the groups with each other (max - min, min / max), as fairlearn does.
	MethodBetweenGroups MetricMethod = "betweenGroups"
	// MethodToOverall compares each group with the whole population, as fairlearn's method="to_overall".
	MethodToOverall MetricMethod = "toOverall"
	// MethodPrivileged compares the unprivileged groups with the declared privileged group, as AIF360 does.
	MethodPrivileged MetricMethod = "privileged"
	// MethodPopulation is for indices over all rows (generalized entropy, Theil).
	MethodPopulation MetricMethod = "population"
)

// MetricThreshold grades one metric: the most severe level the metric
// crosses becomes the evaluation's severity for that metric.
// +kubebuilder:validation:XValidation:rule="self.metric in ['generalizedEntropyIndex', 'theilIndex', 'betweenGroupGeneralizedEntropy'] || self.levels.all(l, l.value <= 1.0)",message="thresholds of rate-based metrics must be within [0, 1]"
// +kubebuilder:validation:XValidation:rule="!has(self.method) || (self.method == 'population') == (self.metric in ['generalizedEntropyIndex', 'theilIndex'])",message="method population is for generalizedEntropyIndex and theilIndex only, and those have no other method"
// +kubebuilder:validation:XValidation:rule="!has(self.method) || self.method != 'privileged' || self.metric in ['statisticalParityDifference', 'disparateImpact', 'equalOpportunityDifference', 'averageOddsDifference', 'averageAbsoluteOddsDifference', 'errorRateDifference', 'errorRateRatio']",message="method privileged is computed for statisticalParityDifference, disparateImpact, equalOpportunityDifference, averageOddsDifference, averageAbsoluteOddsDifference, errorRateDifference and errorRateRatio"
// +kubebuilder:validation:XValidation:rule="!has(self.method) || self.method == 'privileged' || !(self.metric in ['statisticalParityDifference', 'disparateImpact', 'averageOddsDifference', 'averageAbsoluteOddsDifference'])",message="statisticalParityDifference, disparateImpact, averageOddsDifference and averageAbsoluteOddsDifference are computed only against the privileged group (method privileged)"
// +kubebuilder:validation:XValidation:rule="!has(self.method) || self.metric != 'betweenGroupGeneralizedEntropy' || self.method == 'betweenGroups'",message="betweenGroupGeneralizedEntropy is computed only with method betweenGroups"
type MetricThreshold struct {
	// metric is the name of the metric to grade.
	// +required
	Metric MetricName `json:"metric"`
	// method selects the aggregation; defaults to betweenGroups for
	// fairlearn-style metrics and to privileged for AIF360-style ones
	// (statisticalParityDifference, disparateImpact, averageOddsDifference,
	// averageAbsoluteOddsDifference).
	// +optional
	Method MetricMethod `json:"method,omitempty"`
	// attribute restricts the threshold to one protected attribute (or to the
	// intersection, written as the attribute names joined by '&'). Empty
	// grades every attribute.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	Attribute string `json:"attribute,omitempty"`
	// levels maps values of the metric to severities. A difference breaches a
	// level when its absolute value is greater than the level's value; a ratio
	// breaches when it is smaller.
	// +required
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=4
	// +listType=atomic
	Levels []ThresholdLevel `json:"levels"`
	// trend also opens an incident (category Trend) when the metric worsened
	// by at least worsenedBy over the last runs runs without crossing a
	// level, so a team hears of a drift before it becomes a breach. The
	// earlier runs' values come from status.history, which keeps the
	// thresholded metrics of each run.
	// +optional
	Trend *ThresholdTrend `json:"trend,omitempty"`
}

// ThresholdTrend grades a metric's drift over recent runs.
type ThresholdTrend struct {
	// runs is the number of runs compared: the current one and runs-1
	// before it, from 2 to 20 (at most spec.historyLimit).
	// +required
	// +kubebuilder:validation:Minimum=2
	// +kubebuilder:validation:Maximum=20
	Runs int32 `json:"runs"`
	// worsenedBy is how much worse the metric must be than runs-1 runs ago:
	// a larger absolute difference, or a smaller ratio.
	// +required
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:ExclusiveMinimum=true
	// +kubebuilder:validation:Maximum=100
	WorsenedBy float64 `json:"worsenedBy"`
	// severity of the Trend incident.
	// +required
	// +kubebuilder:validation:Enum=Sev1;Sev2;Sev3;Sev4
	Severity Severity `json:"severity"`
}

// ThresholdLevel is one value of a metric and the severity it maps to.
type ThresholdLevel struct {
	// value at which the level is breached.
	// +required
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	Value float64 `json:"value"`
	// severity assigned when this level is breached.
	// +required
	// +kubebuilder:validation:Enum=Sev1;Sev2;Sev3;Sev4
	Severity Severity `json:"severity"`
}
