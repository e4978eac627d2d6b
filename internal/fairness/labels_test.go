package fairness

import (
	"math"
	"testing"
)

// TestLabelFreeEvaluation: a log with predictions and no outcomes gives the
// selection-rate metrics, by hand: a selects 30 of 40, b 10 of 40, so DP
// difference 0.5, ratio 1/3, SPD -0.5 and DI 1/3 with a privileged. The
// label-based metrics are undefined for one reason, even with scikit-learn's
// zero-division rule (which would otherwise report TPR 0 for every group and
// pass an equalized-odds threshold), and thresholds on them are NoLabels.
func TestLabelFreeEvaluation(t *testing.T) {
	table := tableOf(map[string]Counts{"a": {UnlabelledPos: 30, UnlabelledNeg: 10}, "b": {UnlabelledPos: 10, UnlabelledNeg: 30}})
	r := Evaluate(table, Options{Privileged: map[string][]string{"g": {"a"}}, ZeroDivisionAsZero: true, Thresholds: []Threshold{
		{Metric: "disparateImpact", Levels: []Level{{0.8, Sev1}}},
		{Metric: "equalizedOddsDifference", Levels: []Level{{0.1, Sev2}}},
		{Metric: "theilIndex", Method: MethodPopulation, Levels: []Level{{0.1, Sev2}}},
	}})
	want := map[string]float64{"demographicParityDifference/betweenGroups@g": 0.5, "demographicParityRatio/betweenGroups@g": 1.0 / 3,
		"statisticalParityDifference/privileged@g": -0.5, "disparateImpact/privileged@g": 1.0 / 3}
	for _, m := range r.Metrics {
		if m.Method == MethodToOverall || m.Agg == AggMean {
			continue
		}
		w, selection := want[m.Key()]
		switch {
		case selection && (!m.Value.OK() || math.Abs(m.Value.V-w) > 1e-12):
			t.Errorf("%s = %+v, want %v", m.Key(), m.Value, w)
		case !selection && m.Value.Undefined != UndefinedNoLabels:
			t.Errorf("%s = %+v, want undefined for %q", m.Key(), m.Value, UndefinedNoLabels)
		}
	}
	if r.Severity != Sev1 || len(r.Breaches) != 1 || r.Breaches[0].Metric != "disparateImpact" {
		t.Fatalf("severity %s breaches %+v, want the disparate impact at Sev1 alone", r.Severity, r.Breaches)
	}
	if len(r.NotEvaluated) != 2 {
		t.Fatalf("not evaluated %+v, want the equalized-odds and Theil thresholds", r.NotEvaluated)
	}
	for _, ne := range r.NotEvaluated {
		if ne.Reason != NotEvaluatedNoLabels {
			t.Errorf("%s: reason %s, want %s (%s)", ne.Metric, ne.Reason, NotEvaluatedNoLabels, ne.Message)
		}
	}
	for _, g := range r.Groups {
		if g.Count != 40 || g.Labelled != 0 || g.TruePositiveRate.Undefined != UndefinedNoLabels {
			t.Errorf("group %s: count %d labelled %d TPR %+v", g.Attributes["g"], g.Count, g.Labelled, g.TruePositiveRate)
		}
		if g.SelectionRateInterval == nil {
			t.Errorf("group %s has no selection-rate interval", g.Attributes["g"])
		}
	}
}

// TestPartlyLabelledRates: the selection rate counts every prediction and
// the label-based rates count only the labelled rows. a: 10 labelled
// (TP 4, FP 1, TN 3, FN 2) and 10 unlabelled (6 selected): selection
// (4+1+6)/20, TPR 4/6, FPR 1/4, accuracy 7/10, base rate 6/10.
func TestPartlyLabelledRates(t *testing.T) {
	c := Counts{TP: 4, FP: 1, TN: 3, FN: 2, UnlabelledPos: 6, UnlabelledNeg: 4}
	cases := map[Rate]float64{SelectionRate: 11.0 / 20, TruePositiveRate: 4.0 / 6, FalsePositiveRate: 1.0 / 4,
		Accuracy: 7.0 / 10, BaseRate: 6.0 / 10, ErrorRate: 3.0 / 10, PositivePredValue: 4.0 / 5}
	for rate, want := range cases {
		if v := c.Rate(rate, false); !v.OK() || math.Abs(v.V-want) > 1e-15 {
			t.Errorf("%s = %+v, want %v", rate, v, want)
		}
	}
	if c.N() != 20 || c.Labelled() != 10 || c.Selected() != 11 {
		t.Fatalf("N %d labelled %d selected %d, want 20, 10, 11", c.N(), c.Labelled(), c.Selected())
	}
	// A group whose outcomes have not arrived while others' have: its TPR is
	// undefined for want of labels, not 0.
	u := Counts{UnlabelledPos: 3}
	if v := u.Rate(TruePositiveRate, true); v.Undefined != UndefinedNoLabels {
		t.Fatalf("TPR of an unlabelled group with zero division as zero = %+v, want undefined", v)
	}
}

// TestCoverageGap: outcomes arrived for 36 of a's 40 predictions and 20 of
// b's 40: coverage 0.9 and 0.5, a gap of 0.4 over the default 0.1; with a
// maximum of 0.5 it passes. A group below the minimum size does not count.
func TestCoverageGap(t *testing.T) {
	table := tableOf(map[string]Counts{
		"a": {TP: 20, TN: 16, UnlabelledPos: 3, UnlabelledNeg: 1},
		"b": {TP: 10, FN: 10, UnlabelledPos: 5, UnlabelledNeg: 15},
		"c": {UnlabelledPos: 2}, // coverage 0, but only 2 rows
	})
	cases := map[string]struct {
		maxGap       float64
		wantExceeded bool
	}{"default maximum": {0, true}, "wider maximum": {0.5, false}}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			r := Evaluate(table, Options{MinGroupSize: 10, MaxCoverageGap: c.maxGap})
			cov := r.Coverage
			if cov == nil {
				t.Fatal("no coverage reported for partly labelled outcomes")
			}
			if math.Abs(cov.Overall-56.0/82) > 1e-12 || math.Abs(cov.Gap-0.4) > 1e-12 || cov.Lowest != "b" || cov.Highest != "a" ||
				cov.Exceeded != c.wantExceeded {
				t.Fatalf("coverage %+v, want overall 56/82, gap 0.4 from b to a, exceeded %v", cov, c.wantExceeded)
			}
		})
	}
	full := Evaluate(tableOf(map[string]Counts{"a": {TP: 1, TN: 1}, "b": {FP: 1, FN: 1}}), Options{})
	if full.Coverage != nil || full.Groups[0].Coverage != nil {
		t.Fatalf("a fully labelled run reports coverage %+v", full.Coverage)
	}
}

// TestTrends: a demographic-parity difference of 0.02, 0.04, 0.06 and now
// 0.08 over four runs worsened by 0.06: a rule of 4 runs and 0.05 finds it,
// one of 0.07 does not, nor one of 3 runs (0.04 from 0.04), nor a metric
// that breached a level, nor one with too little history. A ratio worsens
// downward.
func TestTrends(t *testing.T) {
	past := func(vals ...float64) [][]PastValue { // newest first
		var h [][]PastValue
		for _, v := range vals {
			h = append(h, []PastValue{{Name: "demographicParityDifference", Method: MethodBetweenGroups, Attribute: "g", Value: v},
				{Name: "demographicParityRatio", Method: MethodBetweenGroups, Attribute: "g", Value: 1 - v}})
		}
		return h
	}
	now := []Metric{{Name: "demographicParityDifference", Method: MethodBetweenGroups, Attribute: "g", Value: Defined(-0.08)},
		{Name: "demographicParityRatio", Method: MethodBetweenGroups, Attribute: "g", Value: Defined(0.92)}}
	rule := func(metric string, runs int, by float64) []Threshold {
		return []Threshold{{Metric: metric, Levels: []Level{{0.5, Sev1}}, Trend: &TrendRule{Runs: runs, WorsenedBy: by, Severity: Sev3}}}
	}
	cases := map[string]struct {
		thresholds []Threshold
		history    [][]PastValue
		breached   map[string]bool
		want       float64 // worsening found; 0 for none
	}{
		"worsened enough":     {rule("demographicParityDifference", 4, 0.05), past(0.06, 0.04, 0.02), nil, 0.06},
		"not enough":          {rule("demographicParityDifference", 4, 0.07), past(0.06, 0.04, 0.02), nil, 0},
		"fewer runs":          {rule("demographicParityDifference", 3, 0.05), past(0.06, 0.04, 0.02), nil, 0},
		"a ratio falls":       {rule("demographicParityRatio", 4, 0.05), past(0.06, 0.04, 0.02), nil, 0.06},
		"too little history":  {rule("demographicParityDifference", 4, 0.05), past(0.06, 0.04), nil, 0},
		"breached its levels": {rule("demographicParityDifference", 4, 0.05), past(0.06, 0.04, 0.02), map[string]bool{now[0].Key(): true}, 0},
		"improving":           {rule("demographicParityDifference", 2, 0.01), past(0.2), nil, 0},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			got := Trends(c.thresholds, now, c.breached, c.history)
			switch {
			case c.want == 0 && len(got) != 0:
				t.Fatalf("found %+v, want none", got)
			case c.want != 0 && (len(got) != 1 || math.Abs(got[0].Trend.Worsening-c.want) > 1e-12 || got[0].Severity != Sev3):
				t.Fatalf("found %+v, want one worsening by %v at Sev3", got, c.want)
			}
		})
	}
}
