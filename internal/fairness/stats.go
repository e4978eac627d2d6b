package fairness

import (
	"fmt"
	"slices"
	"strings"
)

// Counts is a confusion matrix of the rows whose outcome (label) is known,
// and the predictions of the rows whose outcome is not known (yet): a label
// arrives months after a credit decision, and selection rates need none.
// "Positive" is the favourable outcome.
type Counts struct {
	TP int64 `json:"tp"`
	FP int64 `json:"fp"`
	TN int64 `json:"tn"`
	FN int64 `json:"fn"`
	// UnlabelledPos and UnlabelledNeg count the favourable and unfavourable
	// predictions of rows with no outcome.
	UnlabelledPos int64 `json:"unlabelledPos,omitempty"`
	UnlabelledNeg int64 `json:"unlabelledNeg,omitempty"`
}

// N is the number of predictions counted, labelled or not.
func (c Counts) N() int64 { return c.Labelled() + c.UnlabelledPos + c.UnlabelledNeg }

// Labelled is the number of rows counted with their outcome: the rows the
// label-based rates (TPR, FPR, accuracy...) are computed from.
func (c Counts) Labelled() int64 { return c.TP + c.FP + c.TN + c.FN }

// Selected is the number of favourable predictions, labelled or not.
func (c Counts) Selected() int64 { return c.TP + c.FP + c.UnlabelledPos }

// Add adds o to c.
func (c *Counts) Add(o Counts) {
	c.TP += o.TP
	c.FP += o.FP
	c.TN += o.TN
	c.FN += o.FN
	c.UnlabelledPos += o.UnlabelledPos
	c.UnlabelledNeg += o.UnlabelledNeg
}

// ObserveUnlabelled counts the prediction of a row whose outcome is not known.
func (c *Counts) ObserveUnlabelled(prediction bool) {
	if prediction {
		c.UnlabelledPos++
	} else {
		c.UnlabelledNeg++
	}
}

// Observe counts one row.
func (c *Counts) Observe(label, prediction bool) {
	switch {
	case label && prediction:
		c.TP++
	case !label && prediction:
		c.FP++
	case !label && !prediction:
		c.TN++
	default:
		c.FN++
	}
}

// scoreScale turns scores into integers so that score sums add up exactly
// whatever the order of shards.
const scoreScale = 1e9

// Histogram is a fixed-bin histogram of scores in [0, 1], kept separately for
// favourable and unfavourable labels, for AUC and calibration.
type Histogram struct {
	// Pos and Neg count rows per bin with a favourable / unfavourable label.
	Pos []int64 `json:"pos"`
	Neg []int64 `json:"neg"`
	// ScoreSum is the sum of scores per bin, in units of 1e-9.
	ScoreSum []int64 `json:"scoreSum"`
}

// NewHistogram makes an empty histogram of bins equal-width bins.
func NewHistogram(bins int) *Histogram {
	return &Histogram{Pos: make([]int64, bins), Neg: make([]int64, bins), ScoreSum: make([]int64, bins)}
}

// Bins is the number of bins.
func (h *Histogram) Bins() int { return len(h.Pos) }

// Observe counts one score. Scores must be finite and in [0, 1].
func (h *Histogram) Observe(score float64, label bool) {
	b := BinOf(score, len(h.Pos))
	if label {
		h.Pos[b]++
	} else {
		h.Neg[b]++
	}
	h.ScoreSum[b] += ScoreUnits(score) // round half up: scores are not negative
}

// ScoreUnits is a score in the units of ScoreSum.
func ScoreUnits(score float64) int64 { return int64(score*scoreScale + 0.5) }

// ObserveWeighted counts a row's share of a probabilistic group: its weight
// units and its part of the score's units (apportioned as the weights are,
// so that the parts of a row add up to ScoreUnits(score)).
func (h *Histogram) ObserveWeighted(score float64, label bool, units, scoreUnits int64) {
	b := BinOf(score, len(h.Pos))
	if label {
		h.Pos[b] += units
	} else {
		h.Neg[b] += units
	}
	h.ScoreSum[b] += scoreUnits
}

// BinOf is the bin of a score in [0, 1] among bins equal-width bins.
func BinOf(score float64, bins int) int {
	b := int(score * float64(bins))
	if b >= bins {
		b = bins - 1
	}
	if b < 0 {
		b = 0
	}
	return b
}

func (h *Histogram) add(o *Histogram) error {
	if len(h.Pos) != len(o.Pos) || len(o.Neg) != len(o.Pos) || len(o.ScoreSum) != len(o.Pos) {
		return fmt.Errorf("score histograms have different bin counts (%d and %d)", len(h.Pos), len(o.Pos))
	}
	for i := range h.Pos {
		h.Pos[i] += o.Pos[i]
		h.Neg[i] += o.Neg[i]
		h.ScoreSum[i] += o.ScoreSum[i]
	}
	return nil
}

// Group holds the statistics of one group: the rows whose protected
// attributes take the values Key (in the order of Table.Attributes).
//
// In a table with a probabilistic attribute (Table.Weighted), Counts counts
// the rows with a non-zero weight in the group, Weights their weighted
// statistics, and Scores is weighted (counts in weight units).
type Group struct {
	Key     []string   `json:"key"`
	Counts  Counts     `json:"counts"`
	Scores  *Histogram `json:"scores,omitempty"`
	Weights *Weights   `json:"weights,omitempty"`
}

// keySeparator joins attribute values into map keys. Unit separator: it does
// not occur in real CSV group values, and if it does the key is still unique
// because the number of attributes is fixed.
const keySeparator = "\x1f"

// Table is the sufficient statistics of a run: one Group per distinct
// combination of protected-attribute values. Tables of shards merge exactly.
type Table struct {
	Attributes []string `json:"attributes"`
	// ScoreBins is the number of histogram bins; 0 when there are no scores.
	ScoreBins int `json:"scoreBins,omitempty"`
	// Weighted names the attribute (one of Attributes) whose membership is
	// a probability per row; every group of the table is then weighted.
	Weighted string            `json:"weighted,omitempty"`
	Groups   map[string]*Group `json:"-"`
}

// NewTable makes an empty table over the given protected attributes.
func NewTable(attributes []string, scoreBins int) *Table {
	return &Table{Attributes: append([]string(nil), attributes...), ScoreBins: scoreBins, Groups: map[string]*Group{}}
}

// GroupFor returns the group with the given joined key, creating it.
func (t *Table) GroupFor(key string) *Group {
	if g, ok := t.Groups[key]; ok {
		return g
	}
	g := &Group{Key: strings.Split(key, keySeparator)}
	if len(t.Attributes) == 1 {
		g.Key = []string{key}
	}
	if t.ScoreBins > 0 {
		g.Scores = NewHistogram(t.ScoreBins)
	}
	if t.Weighted != "" {
		g.Weights = &Weights{}
	}
	t.Groups[key] = g
	return g
}

// JoinKey joins attribute values into a group key.
func JoinKey(values []string) string { return strings.Join(values, keySeparator) }

// Rows is the number of rows counted.
func (t *Table) Rows() int64 { return t.Overall().Counts.N() }

// Merge adds the statistics of o (another shard of the same run) to t.
func (t *Table) Merge(o *Table) error {
	if strings.Join(t.Attributes, ",") != strings.Join(o.Attributes, ",") {
		return fmt.Errorf("cannot merge statistics over attributes %v with %v", o.Attributes, t.Attributes)
	}
	if t.ScoreBins != o.ScoreBins {
		return fmt.Errorf("cannot merge statistics with %d score bins into %d", o.ScoreBins, t.ScoreBins)
	}
	if t.Weighted != o.Weighted {
		return fmt.Errorf("cannot merge statistics weighted by %q into statistics weighted by %q", o.Weighted, t.Weighted)
	}
	for k, og := range o.Groups {
		if len(og.Key) != len(t.Attributes) {
			return fmt.Errorf("group %q has %d values for %d attributes", k, len(og.Key), len(t.Attributes))
		}
		g := t.GroupFor(k)
		g.Counts.Add(og.Counts)
		if (og.Weights == nil) != (g.Weights == nil) {
			return fmt.Errorf("group %q is weighted in one shard only", k)
		}
		if og.Weights != nil {
			g.Weights.Add(*og.Weights)
		}
		if og.Scores != nil {
			if g.Scores == nil {
				return fmt.Errorf("group %q has scores in one shard only", k)
			}
			if err := g.Scores.add(og.Scores); err != nil {
				return err
			}
		}
	}
	return nil
}

// Marginal sums the table over all attributes but those at indexes idx,
// giving the groups of that attribute (or sub-intersection) alone. Summed
// over a probabilistic attribute, the weights of each row add up to
// exactly one row (see Apportion), so the marginal holds plain counts.
func (t *Table) Marginal(idx ...int) *Table {
	attrs := make([]string, len(idx))
	for i, j := range idx {
		attrs[i] = t.Attributes[j]
	}
	m := NewTable(attrs, t.ScoreBins)
	if slices.Contains(attrs, t.Weighted) {
		m.Weighted = t.Weighted
	}
	vals := make([]string, len(idx))
	for _, g := range t.Groups {
		for i, j := range idx {
			vals[i] = g.Key[j]
		}
		m.GroupFor(JoinKey(vals)).addSummed(g, m.Weighted != "")
	}
	if t.Weighted != "" && m.Weighted == "" {
		for _, g := range m.Groups {
			g.unweigh()
		}
	}
	return m
}

// addSummed adds o to g, o's weights into g's when keepWeights, else into
// g's counts and histogram in weight units (see unweigh).
func (g *Group) addSummed(o *Group, keepWeights bool) {
	switch {
	case o.Weights == nil:
		g.Counts.Add(o.Counts)
	case keepWeights:
		g.Counts.Add(o.Counts)
		g.Weights.Add(*o.Weights)
	default:
		g.Counts.Add(o.Weights.Sum)
	}
	if o.Scores != nil {
		_ = g.Scores.add(o.Scores) // same bin count by construction
	}
}

// unweigh turns a group summed over a probabilistic attribute from weight
// units back into rows: each row's weights add up to exactly WeightScale.
func (g *Group) unweigh() {
	c := &g.Counts
	for _, n := range []*int64{&c.TP, &c.FP, &c.TN, &c.FN, &c.UnlabelledPos, &c.UnlabelledNeg} {
		*n /= WeightScale
	}
	if g.Scores != nil {
		for i := range g.Scores.Pos {
			g.Scores.Pos[i] /= WeightScale
			g.Scores.Neg[i] /= WeightScale
		}
	}
}

// Overall sums every group into one.
func (t *Table) Overall() *Group {
	all := &Group{Key: nil}
	if t.ScoreBins > 0 {
		all.Scores = NewHistogram(t.ScoreBins)
	}
	for _, g := range t.Groups {
		all.addSummed(g, false)
	}
	if t.Weighted != "" {
		all.unweigh()
	}
	return all
}
