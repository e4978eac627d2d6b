package fairness

import "math"

// z95 is the two-sided 95% standard normal quantile.
const z95 = 1.959963984540054

// Interval is a 95% confidence interval.
type Interval struct {
	Lower float64 `json:"lower"`
	Upper float64 `json:"upper"`
}

// Wilson is the Wilson score interval of the proportion x/n. It behaves at
// 0, 1 and small n where the normal approximation does not.
func Wilson(x, n int64) (Interval, bool) {
	if n <= 0 || x < 0 || x > n {
		return Interval{}, false
	}
	return wilson(float64(x)/float64(n), float64(n)), true
}

// wilson is the Wilson interval of a proportion p over a sample of size nf,
// which for weighted rows is Kish's effective size.
func wilson(p, nf float64) Interval {
	z2 := z95 * z95
	denom := 1 + z2/nf
	center := (p + z2/(2*nf)) / denom
	half := z95 / denom * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf))
	return Interval{Lower: math.Max(0, center-half), Upper: math.Min(1, center+half)}
}

// Newcombe is Newcombe's hybrid score interval (his method 10) for the
// difference x1/n1 - x2/n2 of two independent proportions, built from their
// Wilson intervals.
func Newcombe(x1, n1, x2, n2 int64) (Interval, bool) {
	if n1 <= 0 || x1 < 0 || x1 > n1 || n2 <= 0 || x2 < 0 || x2 > n2 {
		return Interval{}, false
	}
	return newcombe(float64(x1)/float64(n1), float64(n1), float64(x2)/float64(n2), float64(n2)), true
}

// newcombe is Newcombe's interval of p1 - p2 over samples of sizes n1, n2.
func newcombe(p1, n1, p2, n2 float64) Interval {
	w1, w2 := wilson(p1, n1), wilson(p2, n2)
	d := p1 - p2
	lower := d - math.Sqrt((p1-w1.Lower)*(p1-w1.Lower)+(w2.Upper-p2)*(w2.Upper-p2))
	upper := d + math.Sqrt((w1.Upper-p1)*(w1.Upper-p1)+(p2-w2.Lower)*(p2-w2.Lower))
	return Interval{Lower: math.Max(-1, lower), Upper: math.Min(1, upper)}
}
