package report

import (
	"math"
	"slices"
	"strings"

	"github.com/fairness-operator/fairness-operator/internal/display"
	"github.com/fairness-operator/fairness-operator/internal/fairness"
)

// AttributeTable is the groups of one protected attribute or intersection.
type AttributeTable struct {
	Attribute    string `json:"attribute"`
	Intersection bool   `json:"intersection,omitempty"`
	// Unknown counts the rows in no group of the attribute (unknown category).
	Unknown int64 `json:"unknown"`
	// MostSelected is the group the impact ratios are taken against.
	MostSelected string `json:"mostSelected,omitempty"`
	// Privileged is the privileged values in force, when declared.
	Privileged []string   `json:"privileged,omitempty"`
	Groups     []GroupRow `json:"groups"`
}

// GroupRow is one group's line. Pointers are nil where a value is undefined
// (a group with no rows of a kind), which the page shows as "n/a".
type GroupRow struct {
	Group string `json:"group"`
	Count int64  `json:"count"`
	// Weight and EffectiveSize are those of a group of an estimated
	// attribute (membership probabilities): Count is then its rows with a
	// non-zero weight, and Share its weight's share.
	Weight        *float64 `json:"weight,omitempty"`
	EffectiveSize *float64 `json:"effectiveSize,omitempty"`
	// Share is the group's share of the run's rows.
	Share float64 `json:"share"`
	// Small marks a group under SmallGroupShare of the rows.
	Small bool `json:"small,omitempty"`
	// BelowMinGroupSize marks a group that grading leaves out.
	BelowMinGroupSize bool               `json:"belowMinGroupSize,omitempty"`
	SelectionRate     *float64           `json:"selectionRate"`
	SelectionInterval *fairness.Interval `json:"selectionRateInterval,omitempty"`
	// ImpactRatio is the selection rate over the most-selected group's.
	ImpactRatio *float64 `json:"impactRatio"`
	// PrivilegedImpactRatio is the selection rate over the privileged rows'.
	PrivilegedImpactRatio *float64           `json:"privilegedImpactRatio,omitempty"`
	TruePositiveRate      *float64           `json:"truePositiveRate"`
	TruePositiveInterval  *fairness.Interval `json:"truePositiveRateInterval,omitempty"`
	FalsePositiveRate     *float64           `json:"falsePositiveRate"`
	FalsePositiveInterval *fairness.Interval `json:"falsePositiveRateInterval,omitempty"`
}

// attributeTables groups the report's groups by attribute, each attribute
// first and then the intersections, in the report's order.
// attributeTables are the group tables of each attribute; unknown counts
// the rows left out of every group (predictions with no demographics row),
// which are in no attribute's groups.
func attributeTables(r *fairness.Report, privileged map[string][]string, unknown int64) []AttributeTable {
	var order []string
	byAttr := map[string][]fairness.GroupReport{}
	for _, g := range r.Groups {
		if _, seen := byAttr[g.Attribute]; !seen {
			order = append(order, g.Attribute)
		}
		byAttr[g.Attribute] = append(byAttr[g.Attribute], g)
	}
	slices.SortStableFunc(order, func(a, b string) int {
		return boolCmp(strings.Contains(a, fairness.IntersectionSeparator), strings.Contains(b, fairness.IntersectionSeparator))
	})
	tables := make([]AttributeTable, 0, len(order))
	for _, attr := range order {
		tables = append(tables, attributeTable(attr, byAttr[attr], r.Rows+unknown, privileged))
	}
	return tables
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

func attributeTable(attr string, groups []fairness.GroupReport, rows int64, privileged map[string][]string) AttributeTable {
	attrs := strings.Split(attr, fairness.IntersectionSeparator)
	t := AttributeTable{Attribute: attr, Intersection: len(attrs) > 1}
	best, bestRate := "", -1.0
	var privSelected, privSize, known float64
	isPrivileged := privilegedTest(attrs, privileged)
	for _, g := range groups {
		known += size(g)
		name := groupName(attrs, g)
		if sr := finite(g.SelectionRate); sr != nil && *sr > bestRate {
			best, bestRate = name, *sr
		}
		if isPrivileged != nil && isPrivileged(attrs, g) {
			privSelected += selected(g) // labelled or not: a label-free run's selections are all unlabelled
			privSize += size(g)
		}
	}
	t.Unknown = max(int64(math.Round(float64(rows)-known)), 0)
	if bestRate > 0 {
		t.MostSelected = best
	}
	if isPrivileged != nil {
		for _, a := range attrs {
			t.Privileged = append(t.Privileged, a+"="+strings.Join(privileged[a], "|"))
		}
	}
	for _, g := range groups {
		row := GroupRow{Group: groupName(attrs, g), Count: g.Count, Weight: g.Weight, EffectiveSize: g.EffectiveSize,
			BelowMinGroupSize: g.BelowMinGroupSize, SelectionRate: finite(g.SelectionRate), SelectionInterval: g.SelectionRateInterval,
			TruePositiveRate: finite(g.TruePositiveRate), FalsePositiveRate: finite(g.FalsePositiveRate)}
		if rows > 0 {
			row.Share = size(g) / float64(rows)
			row.Small = row.Share < SmallGroupShare
		}
		if row.SelectionRate != nil && bestRate > 0 {
			row.ImpactRatio = ptr(*row.SelectionRate / bestRate)
		}
		if row.SelectionRate != nil && privSize > 0 && privSelected > 0 {
			row.PrivilegedImpactRatio = ptr(*row.SelectionRate / (privSelected / privSize))
		}
		if row.TruePositiveRate != nil {
			row.TruePositiveInterval = rateInterval(g.TruePositiveRateInterval, g, g.TP, g.TP+g.FN)
		}
		if row.FalsePositiveRate != nil {
			row.FalsePositiveInterval = rateInterval(g.FalsePositiveRateInterval, g, g.FP, g.FP+g.TN)
		}
		t.Groups = append(t.Groups, row)
	}
	return t
}

// groupName joins the group's values as the metrics name groups, each
// value shown as display.Value writes it (no control characters).
func groupName(attrs []string, g fairness.GroupReport) string {
	values := make([]string, len(attrs))
	for i, a := range attrs {
		values[i] = display.Value(g.Attributes[a])
	}
	return strings.Join(values, fairness.IntersectionSeparator)
}

// finite is the value, or nil when it is undefined, NaN or infinite (JSON
// has no NaN, and the page shows n/a).
func finite(v fairness.Value) *float64 {
	p := v.Ptr()
	if p == nil || math.IsNaN(*p) || math.IsInf(*p, 0) {
		return nil
	}
	return p
}

// privilegedTest is nil unless every attribute of the view has privileged
// values; a group is privileged when each of its values is.
func privilegedTest(attrs []string, privileged map[string][]string) func([]string, fairness.GroupReport) bool {
	for _, a := range attrs {
		if len(privileged[a]) == 0 {
			return nil
		}
	}
	// Group values are held as display.Key writes them; so must the test.
	keyed := map[string][]string{}
	for _, a := range attrs {
		for _, v := range privileged[a] {
			keyed[a] = append(keyed[a], display.Key(v))
		}
	}
	return func(attrs []string, g fairness.GroupReport) bool {
		for _, a := range attrs {
			if !slices.Contains(keyed[a], g.Attributes[a]) {
				return false
			}
		}
		return true
	}
}

func ptr(v float64) *float64 { return &v }

// size is a group's rows, or for a group of an estimated attribute its
// weight (the sum of its rows' membership probabilities).
func size(g fairness.GroupReport) float64 {
	if g.Weight != nil {
		return *g.Weight
	}
	return float64(g.Count)
}

// selected is a group's favourable predictions, weighted for a group of an
// estimated attribute.
func selected(g fairness.GroupReport) float64 {
	if w := g.WeightedCounts; w != nil {
		return w.TP + w.FP + w.UnlabelledPos
	}
	return float64(g.Selected())
}

// rateInterval is a rate's interval as the evaluation computed it, or, from
// a run written before it did, the Wilson interval of the group's counts
// (which only a plain group's counts give).
func rateInterval(computed *fairness.Interval, g fairness.GroupReport, x, n int64) *fairness.Interval {
	if computed != nil || g.Weight != nil {
		return computed
	}
	if in, ok := fairness.Wilson(x, n); ok {
		return &in
	}
	return nil
}
