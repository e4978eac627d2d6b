package learn

import (
	"testing"
)

func adultDesign(b *testing.B, protected string) (*Design, []int) {
	b.Helper()
	fr := loadFrame(b, "adult.csv")
	n := len(fr.Rows)
	// income-per-year is the label's text form: leave it out.
	var feats []string
	for _, c := range fr.Columns {
		if c != "income_gt_50k" && c != "income-per-year" {
			feats = append(feats, c)
		}
	}
	y := make([]float64, n)
	train, _, err := Split(n, y, 0.3, 42, false)
	if err != nil {
		b.Fatal(err)
	}
	d, err := Encode(fr, Spec{Label: "income_gt_50k", Features: feats, Protected: []string{protected}}, train)
	if err != nil {
		b.Fatal(err)
	}
	return d.Subset(train), train
}

// BenchmarkFitAdult fits the baseline logistic regression on Adult's
// training split (70% of 32,561 rows, 108 encoded features).
func BenchmarkFitAdult(b *testing.B) {
	d, _ := adultDesign(b, "sex")
	b.ResetTimer()
	for b.Loop() {
		m, err := Fit(d, d.Y, nil, FitOptions{})
		if err != nil || !m.Converged {
			b.Fatalf("fit: %v %+v", err, m)
		}
		b.ReportMetric(float64(m.Iterations), "iterations")
	}
}

func benchExpgrad(b *testing.B, protected string, c Constraint) {
	d, _ := adultDesign(b, protected)
	b.ResetTimer()
	for b.Loop() {
		m, err := ExponentiatedGradient(d, c, FitOptions{}, ExpgradOptions{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(m.Iterations), "iterations")
	}
}

// BenchmarkExpgradAdultDP runs expgrad (demographic parity, eps 0.01,
// 50 iterations at most) on Adult's training split.
func BenchmarkExpgradAdultDP(b *testing.B) { benchExpgrad(b, "sex", DemographicParity) }

// BenchmarkExpgradAdultEO is the same with equalized odds.
func BenchmarkExpgradAdultEO(b *testing.B) { benchExpgrad(b, "sex", EqualizedOdds) }

// BenchmarkExpgradAdultRaceDP is demographic parity over Adult's five race
// groups (ten constraints).
func BenchmarkExpgradAdultRaceDP(b *testing.B) { benchExpgrad(b, "race", DemographicParity) }
