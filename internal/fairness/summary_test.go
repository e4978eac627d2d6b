package fairness

import "testing"

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
