package fairness

import (
	"math"
	"slices"
)

// WeightScale is the fixed-point unit of probabilistic group membership: a
// weight w in [0, 1] is counted as the integer w*WeightScale, so that
// weighted sums add up exactly whatever the order of rows and shards, as
// the integer counts do.
const WeightScale = 1_000_000_000

// DefaultProbabilityTolerance is how far a row's membership probabilities
// may sum from 1 before the row is bad.
const DefaultProbabilityTolerance = 1e-6

// Weights are the statistics of a group whose membership is a probability
// per row (a proxy such as BISG for an attribute that is not collected):
// each row counts in the group with its probability as weight.
type Weights struct {
	// Sum holds the sums of weights per confusion cell, in units of
	// 1/WeightScale: the weighted counts the rates are computed from.
	Sum Counts `json:"sum"`
	// Squares holds the sums of squared weights per cell, in the same
	// units: with Sum they give Kish's effective sample size.
	Squares Counts `json:"squares"`
}

// Add adds o to w.
func (w *Weights) Add(o Weights) {
	w.Sum.Add(o.Sum)
	w.Squares.Add(o.Squares)
}

// Observe counts one row with weight units (0 to WeightScale); labelled
// false counts its prediction as unlabelled.
func (w *Weights) Observe(label, labelled, prediction bool, units int64) {
	sq := squareUnits(units)
	w.Sum.add(label, labelled, prediction, units)
	w.Squares.add(label, labelled, prediction, sq)
}

// squareUnits is the square of a weight in weight units, rounded.
func squareUnits(units int64) int64 {
	return (units*units + WeightScale/2) / WeightScale // at most 1e18: fits int64
}

// add counts n in the cell of a row.
func (c *Counts) add(label, labelled, prediction bool, n int64) {
	switch {
	case !labelled && prediction:
		c.UnlabelledPos += n
	case !labelled:
		c.UnlabelledNeg += n
	case label && prediction:
		c.TP += n
	case !label && prediction:
		c.FP += n
	case !label && !prediction:
		c.TN += n
	default:
		c.FN += n
	}
}

// Weight is the sum of the group's weights (labelled or not).
func (w Weights) Weight() float64 { return float64(w.Sum.N()) / WeightScale }

// EffectiveSize is Kish's effective sample size (sum w)^2 / sum w^2 of
// every row of the group: the number of equally weighted rows that would
// give an estimate the same variance.
func (w Weights) EffectiveSize() float64 { return effectiveSize(w.Sum.N(), w.Squares.N()) }

// effectiveSize is Kish's size from a sum of weights and of squared
// weights, both in weight units.
func effectiveSize(sum, squares int64) float64 {
	if squares <= 0 {
		return 0
	}
	s := float64(sum)
	return s * s / (float64(squares) * WeightScale)
}

// Apportion splits total into integer parts proportional to shares, which
// add up to exactly total (largest remainder; ties to the lower index).
// Shares must be non-negative with a positive sum. Exact sums are what let
// a table summed over a probabilistic attribute equal the plain counts.
func Apportion(total int64, shares []float64, out []int64) {
	sum := 0.0
	for _, s := range shares {
		sum += s
	}
	// It runs once or twice a row: small scratch arrays stay on the stack.
	var remBuf [32]float64
	var orderBuf [32]int
	rem, order := remBuf[:0], orderBuf[:0]
	var given int64
	for i, s := range shares {
		exact := float64(total) * s / sum
		out[i] = int64(math.Floor(exact))
		rem = append(rem, exact-float64(out[i]))
		order = append(order, i)
		given += out[i]
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case rem[a] > rem[b]:
			return -1
		case rem[a] < rem[b]:
			return 1
		}
		return 0
	})
	for k := 0; given < total; k++ {
		out[order[k%len(order)]]++
		given++
	}
	// Rounding in the division can make the floors overshoot by a unit:
	// take it back from the smallest remainders.
	for k := len(order) - 1; given > total && k >= 0; k-- {
		if out[order[k]] > 0 {
			out[order[k]]--
			given--
		}
	}
}

// rateCounts is what a group's rates and intervals are computed from: the
// counts (weighted for a probabilistic group) and, for a probabilistic
// group, the squared weights.
func (g *Group) rateCounts() (Counts, *Counts) {
	if g.Weights != nil {
		return g.Weights.Sum, &g.Weights.Squares
	}
	return g.Counts, nil
}

// proportion is a rate's estimate and the sample size its interval uses:
// the denominator, or for weighted counts Kish's effective size over the
// denominator's cells.
func proportion(c Counts, squares *Counts, r Rate) (p, n float64, ok bool) {
	f := c.fraction(r)
	if f.den <= 0 {
		return 0, 0, false
	}
	p, n = float64(f.num)/float64(f.den), float64(f.den)
	if squares != nil {
		n = effectiveSize(f.den, squares.fraction(r).den)
	}
	return p, n, n > 0
}

// differenceInterval is Newcombe's interval of the difference of a rate
// between two groups (or pools of groups).
func differenceInterval(a Counts, aSquares *Counts, b Counts, bSquares *Counts, r Rate) (*Interval, bool) {
	p1, n1, ok1 := proportion(a, aSquares, r)
	p2, n2, ok2 := proportion(b, bSquares, r)
	if !ok1 || !ok2 {
		return nil, false
	}
	iv := newcombe(p1, n1, p2, n2)
	return &iv, true
}

// Shares is one row's membership of the groups of a probabilistic
// attribute: Units[i] is its weight in Groups[i], in weight units adding up
// to WeightScale (see Apportion). Score parts are scratch space.
type Shares struct {
	Groups     []*Group
	Units      []int64
	scoreParts []int64
	shareBuf   []float64
}

// Observe counts the row in each group it has a non-zero weight in (the
// groups of zero weight may be nil). Scores
// are histogrammed for labelled rows only, as Histogram.Observe is.
func (s *Shares) Observe(label, labelled, prediction bool, score float64) {
	scored := labelled && s.scored()
	if scored {
		s.scoreParts = slices.Grow(s.scoreParts[:0], len(s.Units))[:len(s.Units)]
		s.shareBuf = s.shareBuf[:0]
		for _, u := range s.Units {
			s.shareBuf = append(s.shareBuf, float64(u))
		}
		Apportion(ScoreUnits(score), s.shareBuf, s.scoreParts)
	}
	for i, g := range s.Groups {
		u := s.Units[i]
		if u == 0 {
			continue
		}
		g.Counts.add(label, labelled, prediction, 1)
		g.Weights.Observe(label, labelled, prediction, u)
		if scored {
			g.Scores.ObserveWeighted(score, label, u, s.scoreParts[i])
		}
	}
}

// scored tells whether the groups keep score histograms (a group with no
// weight may be left nil).
func (s *Shares) scored() bool {
	for i, g := range s.Groups {
		if s.Units[i] != 0 {
			return g.Scores != nil
		}
	}
	return false
}
