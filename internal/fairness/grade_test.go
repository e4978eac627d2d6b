package fairness

import (
	"strings"
	"testing"
)

// TestThresholdsThatCannotBeGraded: a threshold that matches no metric, or
// only undefined ones, is reported as not evaluated with its reason, never
// as a pass (before, each of these graded None with no trace).
func TestThresholdsThatCannotBeGraded(t *testing.T) {
	// DP difference between a and b is 0.297-ish: far past every level below.
	table := tableOf(map[string]Counts{"a": {TP: 60, TN: 30, FP: 10}, "b": {TP: 10, TN: 70, FP: 10, FN: 10}})
	level := []Level{{0.001, Sev1}}
	cases := map[string]struct {
		threshold  Threshold
		privileged map[string][]string
		wantReason string
		wantText   string
	}{
		"disparate impact without privileged values": {Threshold{Metric: "disparateImpact", Levels: level}, nil,
			NotEvaluatedNoPrivilegedGroup, "no privileged values are declared for any protected attribute"},
		"attribute that is not protected": {Threshold{Metric: "demographicParityDifference", Attribute: "sexx", Levels: level}, nil,
			NotEvaluatedUnknownAttribute, `attribute "sexx"`},
		"attribute with spaces": {Threshold{Metric: "demographicParityDifference", Attribute: " g ", Levels: level}, nil,
			NotEvaluatedUnknownAttribute, `attribute " g "`},
		"population method on a group metric": {Threshold{Metric: "demographicParityDifference", Method: MethodPopulation, Levels: level}, nil,
			NotEvaluatedMethodNotApplicable, "not computed with method population (it is with: betweenGroups, toOverall)"},
		"undefined on this data": {Threshold{Metric: "equalOpportunityDifference", Levels: level}, nil,
			NotEvaluatedMetricUndefined, "equalOpportunityDifference (betweenGroups) on g is undefined"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			tb := table
			if c.wantReason == NotEvaluatedMetricUndefined {
				tb = tableOf(map[string]Counts{"a": {TP: 5, TN: 5}, "b": {TN: 5, FP: 5}}) // b has no positives: TPR undefined
			}
			r := Evaluate(tb, Options{Privileged: c.privileged, Thresholds: []Threshold{c.threshold}})
			if r.Severity != SeverityNone || len(r.Breaches) != 0 {
				t.Fatalf("graded %s with %v, want no breach", r.Severity, r.Breaches)
			}
			if len(r.NotEvaluated) != 1 || r.NotEvaluated[0].Reason != c.wantReason ||
				!strings.Contains(r.NotEvaluated[0].Message, c.wantText) {
				t.Fatalf("not evaluated %+v, want one with reason %s and a message containing %q", r.NotEvaluated, c.wantReason, c.wantText)
			}
		})
	}
	// The same thresholds, made applicable, breach: the data does have the disparity.
	r := Evaluate(table, Options{Privileged: map[string][]string{"g": {"a"}}, Thresholds: []Threshold{
		{Metric: "disparateImpact", Levels: []Level{{0.8, Sev2}}},
		{Metric: "demographicParityDifference", Attribute: "g", Levels: level}}})
	if r.Severity != Sev1 || len(r.Breaches) != 2 || len(r.NotEvaluated) != 0 {
		t.Fatalf("applicable thresholds: severity %s, breaches %v, not evaluated %v", r.Severity, r.Breaches, r.NotEvaluated)
	}
}
