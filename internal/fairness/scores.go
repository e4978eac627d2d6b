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
func CalibrationError(h *Histogram) Value { return calibrationError(h, 1) }

// calibrationError is CalibrationError of a histogram that counts rows in
// units of 1/unit (WeightScale for a probabilistic group, whose score sums
// are weighted too).
func calibrationError(h *Histogram, unit float64) Value {
	var n int64
	var total float64
	for i := range h.Pos {
		cnt := h.Pos[i] + h.Neg[i]
		n += cnt
		total += math.Abs(float64(h.ScoreSum[i])/scoreScale - float64(h.Pos[i])/unit)
	}
	if n == 0 {
		return Undef("no rows with scores")
	}
	return Defined(total * unit / float64(n))
}
