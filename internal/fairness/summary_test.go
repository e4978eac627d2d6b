package fairness

import (
	"slices"
	"testing"
)

func TestSummarised(t *testing.T) {
	t.Parallel()
	graded := []Threshold{{Metric: "falsePositiveRateDifference"}}
	cases := []struct {
		name string
		m    Metric
		want bool
	}{
		{"headline between groups", Metric{Name: "demographicParityDifference", Method: MethodBetweenGroups}, true},
		{"headline, privileged", Metric{Name: "disparateImpact", Method: MethodPrivileged}, true},
		{"headline, to overall", Metric{Name: "demographicParityDifference", Method: MethodToOverall}, false},
		{"headline, mean aggregation", Metric{Name: "equalizedOddsDifference", Method: MethodBetweenGroups, Agg: AggMean}, false},
		{"headline, worst case", Metric{Name: "equalizedOddsDifference", Method: MethodBetweenGroups, Agg: AggWorstCase}, true},
		{"thresholded", Metric{Name: "falsePositiveRateDifference", Method: MethodBetweenGroups}, true},
		{"neither", Metric{Name: "selectionRateDifference", Method: MethodBetweenGroups}, false},
	}
	for _, c := range cases {
		if got := Summarised(c.m, graded); got != c.want {
			t.Errorf("%s: Summarised(%+v) = %v, want %v", c.name, c.m, got, c.want)
		}
	}
	if got := Summarised(Metric{Name: "falsePositiveRateDifference", Method: MethodBetweenGroups}, nil); got {
		t.Error("an unthresholded, non-headline metric is summarised")
	}
}

func TestMetricAndBreachShareAKey(t *testing.T) {
	t.Parallel()
	m := Metric{Name: "disparateImpact", Method: MethodPrivileged, Attribute: "sex&age"}
	b := Breach{Metric: "disparateImpact", Method: MethodPrivileged, Attribute: "sex&age"}
	if m.Key() != b.Key() {
		t.Fatalf("metric key %q, breach key %q", m.Key(), b.Key())
	}
	if other := (Breach{Metric: "disparateImpact", Method: MethodPrivileged, Attribute: "sex"}); other.Key() == m.Key() {
		t.Fatalf("keys of different attributes collide: %q", m.Key())
	}
}

// TestHeadlineOrder: the headline values run history and a window's periods
// keep, trend-graded first, bounded.
func TestHeadlineOrder(t *testing.T) {
	bg := MethodBetweenGroups
	metrics := []MetricID{
		{"demographicParityDifference", bg, AggWorstCase, "sex"},  // 0
		{"demographicParityDifference", bg, AggWorstCase, "race"}, // 1
		{"equalizedOddsDifference", bg, AggWorstCase, "sex"},      // 2
		{"equalizedOddsDifference", bg, AggMean, "sex"},           // 3: not the worst case
		{"equalizedOddsDifference", bg, AggWorstCase, "race"},     // 4
		{"errorRateDifference", bg, AggWorstCase, "sex"},          // 5
		{"errorRateDifference", bg, AggWorstCase, "race"},         // 6
	}
	trend := &TrendRule{Runs: 3, WorsenedBy: 0.02, Severity: Sev3}
	cases := []struct {
		name       string
		thresholds []Threshold
		max        int
		want       []int
	}{
		{"no thresholds: the demographic-parity difference", nil, 4, []int{0, 1}},
		{"a threshold on one attribute", []Threshold{{Metric: "equalizedOddsDifference", Attribute: "race"}}, 4, []int{4}},
		{"thresholds on every attribute, in the given order", []Threshold{{Metric: "equalizedOddsDifference"},
			{Metric: "demographicParityDifference"}}, 4, []int{0, 1, 2, 4}},
		{"bounded", []Threshold{{Metric: "equalizedOddsDifference"}, {Metric: "demographicParityDifference"},
			{Metric: "errorRateDifference"}}, 3, []int{0, 1, 2}},
		{"a trend rule's metric first, so a fifth one is kept", []Threshold{{Metric: "demographicParityDifference"},
			{Metric: "equalizedOddsDifference"}, {Metric: "errorRateDifference", Attribute: "race", Trend: trend}}, 4,
			[]int{6, 0, 1, 2}},
		{"a threshold on another method keeps none", []Threshold{{Metric: "demographicParityDifference", Method: MethodToOverall}}, 4, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := HeadlineOrder(len(metrics), func(i int) MetricID { return metrics[i] }, c.thresholds, c.max)
			if !slices.Equal(got, c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}
