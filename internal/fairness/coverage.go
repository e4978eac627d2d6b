package fairness

import "fmt"

// DefaultMaxCoverageGap is the largest difference in label coverage between
// the groups of one attribute that passes without a warning.
const DefaultMaxCoverageGap = 0.1

// Coverage is how many predictions have their outcome, overall and per
// group: outcomes that arrive for one group sooner than another make every
// label-based metric lean toward the better-covered group, so a gap
// between groups is itself a bias risk.
type Coverage struct {
	// Overall is labelled predictions over all predictions.
	Overall float64 `json:"overall"`
	// Gap is the largest difference in coverage between two groups of one
	// attribute (groups below the minimum size left out), between Lowest
	// and Highest of Attribute.
	Gap       float64 `json:"gap"`
	Attribute string  `json:"attribute,omitempty"`
	Lowest    string  `json:"lowest,omitempty"`
	Highest   string  `json:"highest,omitempty"`
	// MaxGap is the gap allowed; Exceeded says the run's gap is larger.
	MaxGap   float64 `json:"maxGap"`
	Exceeded bool    `json:"exceeded"`
}

// Message says what the coverage gap is, for a warning.
func (c *Coverage) Message() string {
	return fmt.Sprintf("label coverage differs by %.3f between %s groups %s and %s (more than %.3f): "+
		"label-based metrics lean toward the better-covered group", c.Gap, c.Attribute, c.Lowest, c.Highest, c.MaxGap)
}

// coverageOf is the coverage of a run whose outcomes are partly known; nil
// when every prediction, or none, has its outcome.
func coverageOf(overall Counts, groups []GroupReport, maxGap float64) *Coverage {
	if overall.Labelled() == 0 || overall.Labelled() == overall.N() {
		return nil
	}
	if maxGap <= 0 {
		maxGap = DefaultMaxCoverageGap
	}
	c := &Coverage{Overall: float64(overall.Labelled()) / float64(overall.N()), MaxGap: maxGap}
	type extremes struct{ lo, hi *GroupReport }
	byAttr := map[string]*extremes{}
	var order []string
	for i := range groups {
		g := &groups[i]
		if g.Count == 0 || g.BelowMinGroupSize {
			continue
		}
		e := byAttr[g.Attribute]
		if e == nil {
			e = &extremes{g, g}
			byAttr[g.Attribute] = e
			order = append(order, g.Attribute)
		}
		if *g.Coverage < *e.lo.Coverage {
			e.lo = g
		}
		if *g.Coverage > *e.hi.Coverage {
			e.hi = g
		}
	}
	for _, a := range order {
		e := byAttr[a]
		if gap := *e.hi.Coverage - *e.lo.Coverage; gap > c.Gap || c.Attribute == "" {
			c.Gap, c.Attribute, c.Lowest, c.Highest = gap, a, e.lo.name(), e.hi.name()
		}
	}
	c.Exceeded = c.Gap > maxGap
	return c
}

// name is the group's values joined as in metrics ("female&young").
func (g *GroupReport) name() string { return g.groupName }
