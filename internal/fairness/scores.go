package fairness

import (
	"math"
	"slices"
)

// AUC is the area under the ROC curve from a score histogram: the chance
// that a random favourable row scores above a random unfavourable one,
// counting rows in the same bin as ties (half). Exact to the bin width.
func AUC(h *Histogram) Value {
	var pos, neg int64
	for i := range h.Pos {
		pos += h.Pos[i]
		neg += h.Neg[i]
	}
	if pos == 0 {
		return Undef("no favourable labels")
	}
	if neg == 0 {
		return Undef("no unfavourable labels")
	}
	var above float64 // favourable rows in higher bins, walking down from the top
	var sum float64
	for i, p := range slices.Backward(h.Pos) {
		sum += float64(h.Neg[i]) * (above + 0.5*float64(p))
		above += float64(p)
	}
	return Defined(sum / (float64(pos) * float64(neg)))
}

// CalibrationError is the expected calibration error over the histogram's
// bins: the row-weighted mean of |mean score - fraction favourable| per bin.
func CalibrationError(h *Histogram) Value {
	var n int64
	var total float64
	for i := range h.Pos {
		cnt := h.Pos[i] + h.Neg[i]
		n += cnt
		total += math.Abs(float64(h.ScoreSum[i])/scoreScale - float64(h.Pos[i]))
	}
	if n == 0 {
		return Undef("no rows with scores")
	}
	return Defined(total / float64(n))
}
