package controller

import (
	"fmt"
	"reflect"
	"slices"
	"testing"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
	"github.com/fairness-operator/fairness-operator/internal/fairness"
)

func TestRunMetricsKeepsTheGradedValues(t *testing.T) {
	t.Parallel()
	v := func(x float64) *float64 { return &x }
	dpd, eod := fairnessv1alpha1.MetricName("demographicParityDifference"), fairnessv1alpha1.MetricName("equalizedOddsDifference")
	between := fairnessv1alpha1.MetricMethod("betweenGroups")
	status := []fairnessv1alpha1.MetricStatus{
		{Name: eod, Method: between, Attribute: "sex", Value: v(0.2)},
		{Name: dpd, Method: between, Attribute: "sex", Value: v(0.1)},
		{Name: dpd, Method: between, Attribute: "age", Value: v(0.3)},
		{Name: eod, Method: between, Attribute: "age", UndefinedReason: "no positives in group old"},
	}
	dpOnSex := fairness.Threshold{Metric: string(dpd), Attribute: "sex"}
	dpAll := fairness.Threshold{Metric: string(dpd)}
	eodAll := fairness.Threshold{Metric: string(eod)}
	dpToOverall := fairness.Threshold{Metric: string(dpd), Method: "toOverall"}
	rm := func(name fairnessv1alpha1.MetricName, attr string, x float64) fairnessv1alpha1.RunMetric {
		return fairnessv1alpha1.RunMetric{Name: name, Method: between, Attribute: attr, Value: x}
	}
	many := make([]fairnessv1alpha1.MetricStatus, 12)
	for i := range many {
		many[i] = fairnessv1alpha1.MetricStatus{Name: dpd, Method: between, Attribute: fmt.Sprint("a", i), Value: v(float64(i))}
	}
	cases := map[string]struct {
		metrics    []fairnessv1alpha1.MetricStatus
		thresholds []fairness.Threshold
		want       []fairnessv1alpha1.RunMetric
	}{
		"no thresholds: the demographic-parity difference, undefined left out": {status, nil,
			[]fairnessv1alpha1.RunMetric{rm(dpd, "sex", 0.1), rm(dpd, "age", 0.3)}},
		"a threshold on one attribute": {status, []fairness.Threshold{dpOnSex},
			[]fairnessv1alpha1.RunMetric{rm(dpd, "sex", 0.1)}},
		"thresholds on every attribute, in status order": {status, []fairness.Threshold{dpAll, eodAll},
			[]fairnessv1alpha1.RunMetric{rm(eod, "sex", 0.2), rm(dpd, "sex", 0.1), rm(dpd, "age", 0.3)}},
		"bounded to 4": {many, nil, []fairnessv1alpha1.RunMetric{rm(dpd, "a0", 0), rm(dpd, "a1", 1), rm(dpd, "a2", 2),
			rm(dpd, "a3", 3)}},
		"nothing graded": {nil, []fairness.Threshold{dpAll}, nil},
		"a trend rule's metric is kept first, so a fifth one is not lost": {append(slices.Clone(many[:4]),
			fairnessv1alpha1.MetricStatus{Name: eod, Method: between, Attribute: "sex", Value: v(0.2)}),
			[]fairness.Threshold{dpAll, {Metric: string(eod), Attribute: "sex", Trend: &fairness.TrendRule{Runs: 3, WorsenedBy: 0.05}}},
			[]fairnessv1alpha1.RunMetric{rm(eod, "sex", 0.2), rm(dpd, "a0", 0), rm(dpd, "a1", 1), rm(dpd, "a2", 2)}},
		"a threshold on another method keeps none of these": {status, []fairness.Threshold{dpToOverall}, nil},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := RunMetrics(tc.metrics, tc.thresholds); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestPushHistoryKeepsTheHeadlineValues(t *testing.T) {
	t.Parallel()
	values := []fairnessv1alpha1.RunMetric{{Name: "demographicParityDifference", Attribute: "sex", Value: 0.25}}
	run := &fairnessv1alpha1.RunStatus{ID: "r2", Result: fairnessv1alpha1.RunSucceeded}
	old := []fairnessv1alpha1.RunRecord{{ID: "r1"}, {ID: "r0"}}
	h := pushHistory(old, run, fairnessv1alpha1.Severity2, values, 2)
	if len(h) != 2 || h[0].ID != "r2" || h[1].ID != "r1" || !reflect.DeepEqual(h[0].Metrics, values) ||
		h[0].Severity != fairnessv1alpha1.Severity2 {
		t.Fatalf("history %+v", h)
	}
	if again := pushHistory(h, run, fairnessv1alpha1.Severity2, nil, 2); !reflect.DeepEqual(again, h) {
		t.Fatalf("a repeated reconcile changed the history: %+v", again)
	}
}
