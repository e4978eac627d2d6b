package learn

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Postprocessing by per-group thresholds on a model's scores (Hardt, Price
// and Srebro 2016; fairlearn's ThresholdOptimizer with objective accuracy):
// each group's achievable operating points form a curve as its threshold
// moves; randomising between two thresholds reaches any point of the curve's
// upper convex hull. The common operating point that maximises accuracy
// under the constraint is found on a grid, and each group gets the two
// thresholds (and mixing probability) that reach it.

// point is an operating point of one group: selecting the rows with score
// at or above threshold gives rate x (selection rate, or false-positive rate
// for equalized odds) and value y (accuracy, or true-positive rate).
type point struct {
	x, y      float64
	threshold float64
}

// GroupRule is the randomised threshold rule of one group: select when the
// score is at or above Low with probability PLow... precisely: with
// probability P use threshold A, otherwise threshold B; then, with
// probability Ignore, replace the decision by a coin with P(1) = Constant.
type GroupRule struct {
	A, B     float64
	P        float64
	Ignore   float64
	Constant float64
}

// ThresholdRules are fitted per-group rules.
type ThresholdRules map[string]GroupRule

// gridSize is the number of candidate operating points (fairlearn's default).
const gridSize = 1000

// curve returns the operating points of one group as the threshold moves
// from above every score to below every score.
func curve(scores, y []float64, rows []int, roc bool) []point {
	slices.SortFunc(rows, func(a, b int) int { return cmp.Compare(scores[b], scores[a]) })
	var pos, neg float64
	for _, i := range rows {
		if y[i] == 1 {
			pos++
		} else {
			neg++
		}
	}
	n := float64(len(rows))
	var tp, fp float64
	pts := []point{{x: 0, y: value(0, 0, pos, neg, n, roc), threshold: math.Inf(1)}}
	for k := 0; k < len(rows); {
		t := scores[rows[k]]
		for k < len(rows) && scores[rows[k]] == t { // ties move together
			if y[rows[k]] == 1 {
				tp++
			} else {
				fp++
			}
			k++
		}
		x := (tp + fp) / n
		if roc {
			x = safeDiv(fp, neg)
		}
		pts = append(pts, point{x: x, y: value(tp, fp, pos, neg, n, roc), threshold: t})
	}
	return pts
}

func safeDiv(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// value is the accuracy of a threshold (demographic parity), or its
// true-positive rate (equalized odds, where x is the false-positive rate).
func value(tp, fp, pos, neg, n float64, roc bool) float64 {
	if roc {
		return safeDiv(tp, pos)
	}
	return (tp + (neg - fp)) / n
}

// upperHull keeps the points of the upper convex hull, sorted by x.
func upperHull(pts []point) []point {
	slices.SortStableFunc(pts, func(a, b point) int {
		if c := cmp.Compare(a.x, b.x); c != 0 {
			return c
		}
		return cmp.Compare(b.y, a.y)
	})
	var h []point
	for _, p := range pts {
		if len(h) > 0 && h[len(h)-1].x == p.x {
			continue // same x, lower y
		}
		for len(h) >= 2 {
			a, b := h[len(h)-2], h[len(h)-1]
			if (b.x-a.x)*(p.y-a.y)-(b.y-a.y)*(p.x-a.x) >= 0 { // b is not above the chord a-p
				h = h[:len(h)-1]
				continue
			}
			break
		}
		h = append(h, p)
	}
	return h
}

// at interpolates the hull at x and returns the bracketing points and the
// weight of the right one.
func at(h []point, x float64) (y float64, a, b point, lambda float64) {
	if x <= h[0].x {
		return h[0].y, h[0], h[0], 0
	}
	for k := 1; k < len(h); k++ {
		if x <= h[k].x {
			a, b = h[k-1], h[k]
			lambda = (x - a.x) / (b.x - a.x)
			return a.y + lambda*(b.y-a.y), a, b, lambda
		}
	}
	last := h[len(h)-1]
	return last.y, last, last, 0
}

// FitThresholds fits per-group threshold rules on training scores, labels
// and groups, for demographic parity or equalized odds, maximising accuracy.
func FitThresholds(scores, y []float64, group []string, constraint Constraint) (ThresholdRules, error) {
	roc := false
	switch constraint {
	case DemographicParity, "":
	case EqualizedOdds:
		roc = true
	default:
		return nil, fmt.Errorf("postprocess supports demographicParity and equalizedOdds, not %s", constraint)
	}
	rowsOf := map[string][]int{}
	for i, g := range group {
		rowsOf[g] = append(rowsOf[g], i)
	}
	if len(rowsOf) < 2 {
		return nil, errors.New("postprocess needs at least two groups")
	}
	hulls := map[string][]point{}
	var pos float64
	for i := range y {
		pos += y[i]
	}
	n := float64(len(y))
	for g, rows := range rowsOf {
		hulls[g] = upperHull(curve(scores, y, rows, roc))
	}
	bestX, bestAcc := 0.0, math.Inf(-1)
	for k := range gridSize + 1 {
		x := float64(k) / gridSize
		acc := 0.0
		if roc {
			// Every group must reach the same (FPR, TPR): the lowest hull
			// value at x is reachable by all (mixing with a coin).
			tpr := math.Inf(1)
			for _, h := range hulls {
				v, _, _, _ := at(h, x)
				tpr = math.Min(tpr, v)
			}
			acc = pos/n*tpr + (n-pos)/n*(1-x)
		} else {
			for g, h := range hulls {
				v, _, _, _ := at(h, x)
				acc += float64(len(rowsOf[g])) / n * v
			}
		}
		if acc > bestAcc {
			bestX, bestAcc = x, acc
		}
	}
	rules := ThresholdRules{}
	var target float64
	if roc {
		target = math.Inf(1)
		for _, h := range hulls {
			v, _, _, _ := at(h, bestX)
			target = math.Min(target, v)
		}
	}
	for g, h := range hulls {
		v, a, b, lambda := at(h, bestX)
		r := GroupRule{A: b.threshold, B: a.threshold, P: lambda}
		if roc && v-bestX > 1e-12 && v > target {
			// Mix with a coin of P(1) = bestX, which sits at (bestX, bestX) in ROC space.
			r.Ignore = (v - target) / (v - bestX)
			r.Constant = bestX
		}
		rules[g] = r
	}
	return rules, nil
}

// Predict applies the rules with a seeded random source. Groups unseen in
// training are predicted with the plain 0.5 threshold.
func (tr ThresholdRules) Predict(scores []float64, group []string, seed int64) []float64 {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x706f7374)) //nolint:gosec // reproducible randomised predictions
	out := make([]float64, len(scores))
	for i, s := range scores {
		r, ok := tr[group[i]]
		if !ok {
			if s >= 0.5 {
				out[i] = 1
			}
			continue
		}
		t := r.B
		if rng.Float64() < r.P {
			t = r.A
		}
		pred := 0.0
		if s >= t {
			pred = 1
		}
		if r.Ignore > 0 && rng.Float64() < r.Ignore {
			pred = 0
			if rng.Float64() < r.Constant {
				pred = 1
			}
		}
		out[i] = pred
	}
	return out
}
