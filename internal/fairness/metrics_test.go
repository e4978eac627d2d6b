package fairness

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func tableOf(groups map[string]Counts) *Table {
	t := NewTable([]string{"g"}, 0)
	for k, c := range groups {
		t.GroupFor(k).Counts = c
	}
	return t
}

func metric(t *testing.T, r *Report, name, method, agg, attr string) Metric {
	t.Helper()
	m, ok := findMetric(r.Metrics, name, method, agg, attr)
	if !ok {
		t.Fatalf("metric %s/%s/%s@%s not reported", name, method, agg, attr)
	}
	return m
}

// Hand-computed values on a two-group table:
// a: TP 30 FP 10 TN 50 FN 10 (n 100, SR .4, TPR .75, FPR 1/6, ERR .2)
// b: TP 10 FP 10 TN 70 FN 10 (n 100, SR .2, TPR .5,  FPR 1/8, ERR .2)
func TestMetricsByHand(t *testing.T) {
	tab := tableOf(map[string]Counts{"a": {TP: 30, FP: 10, TN: 50, FN: 10}, "b": {TP: 10, FP: 10, TN: 70, FN: 10}})
	r := Evaluate(tab, Options{Privileged: map[string][]string{"g": {"a"}}})
	cases := map[string]struct {
		name, method, agg string
		want              float64
	}{
		"DP difference":              {"demographicParityDifference", MethodBetweenGroups, "", 0.2},
		"DP ratio":                   {"demographicParityRatio", MethodBetweenGroups, "", 0.5},
		"DP difference to overall":   {"demographicParityDifference", MethodToOverall, "", 0.1},
		"DP ratio to overall":        {"demographicParityRatio", MethodToOverall, "", 0.2 / 0.3},
		"EO difference worst case":   {"equalizedOddsDifference", MethodBetweenGroups, AggWorstCase, 0.25},
		"EO difference mean":         {"equalizedOddsDifference", MethodBetweenGroups, AggMean, (0.25 + (1.0/6 - 1.0/8)) / 2},
		"EO ratio worst case":        {"equalizedOddsRatio", MethodBetweenGroups, AggWorstCase, 0.5 / 0.75},
		"equal opportunity diff":     {"equalOpportunityDifference", MethodBetweenGroups, "", 0.25},
		"error rate difference":      {"errorRateDifference", MethodBetweenGroups, "", 0},
		"error rate ratio":           {"errorRateRatio", MethodBetweenGroups, "", 1},
		"FPR difference":             {"falsePositiveRateDifference", MethodBetweenGroups, "", 1.0/6 - 1.0/8},
		"FNR difference":             {"falseNegativeRateDifference", MethodBetweenGroups, "", 0.25},
		"PPV ratio":                  {"positivePredictiveValueRatio", MethodBetweenGroups, "", 0.5 / 0.75},
		"statistical parity diff":    {"statisticalParityDifference", MethodPrivileged, "", -0.2},
		"disparate impact":           {"disparateImpact", MethodPrivileged, "", 0.5},
		"AIF equal opportunity diff": {"equalOpportunityDifference", MethodPrivileged, "", -0.25},
		"average odds difference":    {"averageOddsDifference", MethodPrivileged, "", ((1.0/8 - 1.0/6) + (0.5 - 0.75)) / 2},
		"average abs odds diff":      {"averageAbsoluteOddsDifference", MethodPrivileged, "", ((1.0/6 - 1.0/8) + 0.25) / 2},
		"AIF error rate difference":  {"errorRateDifference", MethodPrivileged, "", 0},
		"AIF error rate ratio":       {"errorRateRatio", MethodPrivileged, "", 1},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			m := metric(t, r, c.name, c.method, c.agg, "g")
			if !m.Value.OK() || math.Abs(m.Value.V-c.want) > 1e-12 {
				t.Fatalf("%s = %+v, want %v", c.name, m.Value, c.want)
			}
		})
	}
	if m := metric(t, r, "demographicParityDifference", MethodBetweenGroups, "", "g"); m.Group != "b" || m.Reference != "a" {
		t.Errorf("worst-off group %q vs %q, want b vs a", m.Group, m.Reference)
	}
}

// Generalized entropy from counts equals the AIF360 formula over rows.
func TestEntropyMatchesRowFormula(t *testing.T) {
	c := Counts{TP: 7, FP: 3, TN: 5, FN: 2}
	var b []float64
	for range c.TP + c.TN {
		b = append(b, 1)
	}
	for range c.FP {
		b = append(b, 2)
	}
	for range c.FN {
		b = append(b, 0)
	}
	mu := 0.0
	for _, x := range b {
		mu += x
	}
	mu /= float64(len(b))
	ge2, theil := 0.0, 0.0
	for _, x := range b {
		ge2 += math.Pow(x/mu, 2) - 1
		if x > 0 {
			theil += x / mu * math.Log(x/mu)
		}
	}
	ge2 /= float64(len(b)) * 2
	theil /= float64(len(b))
	if got := GeneralizedEntropy(c, 2); math.Abs(got.V-ge2) > 1e-12 {
		t.Errorf("GE(2) = %v, want %v", got.V, ge2)
	}
	if got := GeneralizedEntropy(c, 1); math.Abs(got.V-theil) > 1e-12 {
		t.Errorf("Theil = %v, want %v", got.V, theil)
	}
	if got := GeneralizedEntropy(Counts{FN: 4}, 2); got.OK() {
		t.Errorf("all false negatives: %+v, want undefined", got)
	}
}

func TestUndefinedValuesHaveReasons(t *testing.T) {
	cases := map[string]struct {
		groups     map[string]Counts
		metric     string
		wantReason string
	}{
		"single group": {map[string]Counts{"a": {TP: 1, TN: 1}}, "demographicParityDifference", "fewer than two groups"},
		"group with no positives": {map[string]Counts{"a": {TP: 1, TN: 1}, "b": {TN: 2, FP: 1}},
			"equalOpportunityDifference", "truePositiveRate undefined for group b: no favourable labels"},
		"no selections anywhere": {map[string]Counts{"a": {TN: 1, FN: 1}, "b": {TN: 2}},
			"demographicParityRatio", "selectionRate is 0 in every group"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			r := Evaluate(tableOf(c.groups), Options{})
			m := metric(t, r, c.metric, MethodBetweenGroups, "", "g")
			if m.Value.OK() || m.UndefinedReason != c.wantReason {
				t.Fatalf("value %+v reason %q, want undefined with %q", m.Value, m.UndefinedReason, c.wantReason)
			}
			data, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(data), "NaN") || strings.Contains(string(data), "Inf") {
				t.Fatalf("JSON holds NaN or Inf: %s", data)
			}
		})
	}
	// fairlearn compatibility: 0 for 0/0.
	r := Evaluate(tableOf(cases["group with no positives"].groups), Options{ZeroDivisionAsZero: true})
	if m := metric(t, r, "equalOpportunityDifference", MethodBetweenGroups, "", "g"); !m.Value.OK() || m.Value.V != 1 {
		t.Fatalf("with zero division as zero: %+v, want 1 (TPR 1 against 0)", m.Value)
	}
}

func TestGradingAndMinGroupSize(t *testing.T) {
	groups := map[string]Counts{"a": {TP: 40, TN: 40, FP: 10, FN: 10}, "b": {TP: 20, TN: 60, FP: 10, FN: 10},
		"tiny": {TN: 5}}
	thresholds := []Threshold{
		{Metric: "demographicParityDifference", Levels: []Level{{0.25, Sev1}, {0.1, Sev3}}},
		{Metric: "disparateImpact", Levels: []Level{{0.8, Sev2}}},
	}
	cases := map[string]struct {
		minSize      int64
		wantSeverity Severity
		wantBreaches int
	}{
		// With the 5-row group selecting nobody, DP difference is 0.5: Sev1.
		"tiny group counts": {0, Sev1, 1},
		// Left out of grading, a and b differ by 0.2: Sev3.
		"tiny group flagged": {10, Sev3, 1},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			r := Evaluate(tableOf(groups), Options{MinGroupSize: c.minSize, Thresholds: thresholds})
			if r.Severity != c.wantSeverity || len(r.Breaches) != c.wantBreaches {
				t.Fatalf("severity %s breaches %+v, want %s and %d", r.Severity, r.Breaches, c.wantSeverity, c.wantBreaches)
			}
			// The reported metric always includes every group (as fairlearn does).
			if m := metric(t, r, "demographicParityDifference", MethodBetweenGroups, "", "g"); math.Abs(m.Value.V-0.5) > 1e-12 {
				t.Fatalf("reported DP difference %v, want 0.5", m.Value.V)
			}
		})
	}
	// disparateImpact: privileged ratio folded, so a favoured unprivileged group breaches too.
	r := Evaluate(tableOf(map[string]Counts{"p": {TP: 10, TN: 90}, "u": {TP: 50, TN: 50}}),
		Options{Privileged: map[string][]string{"g": {"p"}}, Thresholds: thresholds[1:]})
	if r.Severity != Sev2 {
		t.Fatalf("disparate impact 5.0 graded %s, want Sev2", r.Severity)
	}
}

func TestIntervals(t *testing.T) {
	// Wilson (1927) for 0/10: [0, 0.2775]; Newcombe (1998) example 1: 56/70 - 48/80 = 0.2, [0.0524, 0.3339].
	if iv, _ := Wilson(0, 10); iv.Lower != 0 || math.Abs(iv.Upper-0.27753) > 1e-4 {
		t.Errorf("Wilson(0,10) = %+v", iv)
	}
	if iv, _ := Newcombe(56, 70, 48, 80); math.Abs(iv.Lower-0.0524) > 1e-4 || math.Abs(iv.Upper-0.3339) > 1e-4 {
		t.Errorf("Newcombe = %+v, want [0.0524, 0.3339]", iv)
	}
	if _, ok := Wilson(1, 0); ok {
		t.Error("Wilson with n = 0 should be undefined")
	}
}

// Properties over random tables: rates in [0, 1], between-groups ratio <= 1,
// difference >= 0, and merging shards equals the whole.
func TestProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for iter := range 300 {
		whole := NewTable([]string{"g", "h"}, 8)
		shards := []*Table{NewTable([]string{"g", "h"}, 8), NewTable([]string{"g", "h"}, 8)}
		for range 1 + rng.IntN(400) {
			key := JoinKey([]string{string(rune('a' + rng.IntN(3))), string(rune('x' + rng.IntN(2)))})
			label, pred, score := rng.IntN(2) == 1, rng.IntN(3) == 1, rng.Float64()
			for _, tab := range []*Table{whole, shards[rng.IntN(2)]} {
				g := tab.GroupFor(key)
				g.Counts.Observe(label, pred)
				g.Scores.Observe(score, label)
			}
		}
		if err := shards[0].Merge(shards[1]); err != nil {
			t.Fatal(err)
		}
		a, _ := json.Marshal(Evaluate(whole, Options{}))
		b, _ := json.Marshal(Evaluate(shards[0], Options{}))
		if string(a) != string(b) {
			t.Fatalf("iteration %d: merged shards differ from the whole", iter)
		}
		r := Evaluate(whole, Options{})
		for _, g := range r.Groups {
			for _, v := range []Value{g.SelectionRate, g.TruePositiveRate, g.FalsePositiveRate, g.Accuracy, g.ErrorRate, *g.AUC} {
				if v.OK() && (v.V < 0 || v.V > 1) {
					t.Fatalf("rate %v outside [0, 1]", v.V)
				}
			}
		}
		for _, m := range r.Metrics {
			if !m.Value.OK() || m.Method == MethodPrivileged || m.Method == MethodPopulation {
				continue
			}
			if strings.HasSuffix(m.Name, "Ratio") && (m.Value.V < 0 || m.Value.V > 1) {
				t.Fatalf("%s %s = %v outside [0, 1]", m.Name, m.Method, m.Value.V)
			}
			if strings.HasSuffix(m.Name, "Difference") && m.Value.V < 0 {
				t.Fatalf("%s %s = %v < 0", m.Name, m.Method, m.Value.V)
			}
		}
	}
}

func TestAUCFromHistogram(t *testing.T) {
	h := NewHistogram(4)
	for _, s := range []float64{0.9, 0.8, 0.6} {
		h.Observe(s, true)
	}
	for _, s := range []float64{0.1, 0.3, 0.7} {
		h.Observe(s, false)
	}
	// Pairs (pos, neg): 9 total; 0.7 neg ties with 0.6 pos in bin 2 (half), beats nothing else.
	// pos above neg: (.9,.1)(.9,.3)(.9,.7)(.8,.1)(.8,.3)(.8,.7)(.6,.1)(.6,.3) = 8, plus the tie .6/.7 = 0.5.
	if got := AUC(h); math.Abs(got.V-8.5/9) > 1e-12 {
		t.Fatalf("AUC = %v, want %v", got.V, 8.5/9)
	}
	if got := CalibrationError(h); !got.OK() || got.V < 0 || got.V > 1 {
		t.Fatalf("ECE = %+v", got)
	}
}

func FuzzMetricsFromCounts(f *testing.F) {
	f.Add(int64(1), int64(2), int64(3), int64(4), int64(0), int64(0), int64(5), int64(6))
	f.Add(int64(0), int64(0), int64(0), int64(0), int64(0), int64(0), int64(0), int64(0))
	f.Fuzz(func(t *testing.T, a, b, c, d, e, g, h, i int64) {
		clamp := func(x int64) int64 {
			if x < 0 {
				x = -x
			}
			return x % 1_000_000_000
		}
		// Unlabelled predictions too: a log whose outcomes are partly known.
		tab := tableOf(map[string]Counts{
			"p": {TP: clamp(a), FP: clamp(b), TN: clamp(c), FN: clamp(d), UnlabelledPos: clamp(a^i) % 100, UnlabelledNeg: clamp(b^h) % 100},
			"u": {TP: clamp(e), FP: clamp(g), TN: clamp(h), FN: clamp(i), UnlabelledPos: clamp(e^d) % 100}})
		r := Evaluate(tab, Options{Privileged: map[string][]string{"g": {"p"}}, MinGroupSize: 3,
			Thresholds: []Threshold{{Metric: "disparateImpact", Levels: []Level{{0.8, Sev1}}}}})
		data, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), "NaN") || strings.Contains(string(data), "Inf") {
			t.Fatalf("JSON holds NaN or Inf: %s", data)
		}
		for _, m := range r.Metrics {
			if m.Value.OK() && (math.IsNaN(m.Value.V) || math.IsInf(m.Value.V, 0)) {
				t.Fatalf("%s = %v", m.Name, m.Value.V)
			}
			if !m.Value.OK() && m.UndefinedReason == "" {
				t.Fatalf("%s undefined without a reason", m.Name)
			}
		}
	})
}
