package dataset

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/fairness-operator/fairness-operator/internal/display"
	"github.com/fairness-operator/fairness-operator/internal/fairness"
)

// Probabilities is a protected attribute that is not recorded but
// estimated: one column per group holds the row's probability of belonging
// to it (a proxy such as BISG for race). Each row counts in every group
// with its probability as weight (see fairness.Weights).
type Probabilities struct {
	Attribute string             `json:"attribute"`
	Groups    []ProbabilityGroup `json:"groups"`
	// Tolerance is how far a row's probabilities may sum from 1; 0 means
	// fairness.DefaultProbabilityTolerance.
	Tolerance float64 `json:"tolerance,omitempty"`
}

// ProbabilityGroup is one group of a probabilistic attribute and the
// column of its probability.
type ProbabilityGroup struct {
	Name   string `json:"name"`
	Column string `json:"column"`
}

// ParseProbabilities reads the command line's form
// "race=p_white:White,p_black:Black".
func ParseProbabilities(s string) (*Probabilities, error) {
	attr, list, ok := strings.Cut(s, "=")
	attr = strings.TrimSpace(attr)
	if !ok || attr == "" || strings.TrimSpace(list) == "" {
		return nil, fmt.Errorf("%q: want ATTRIBUTE=COLUMN:GROUP,COLUMN:GROUP (one COLUMN:GROUP per group)", s)
	}
	p := &Probabilities{Attribute: attr}
	for item := range strings.SplitSeq(list, ",") {
		col, name, ok := strings.Cut(item, ":")
		col, name = strings.TrimSpace(col), strings.TrimSpace(name)
		if !ok || col == "" || name == "" {
			return nil, fmt.Errorf("%q: group %q is not COLUMN:GROUP", s, item)
		}
		p.Groups = append(p.Groups, ProbabilityGroup{Name: name, Column: col})
	}
	return p, p.Check()
}

// Check says what is wrong with the attribute's definition.
func (p *Probabilities) Check() error {
	if p.Attribute == "" {
		return fmt.Errorf("probabilistic attribute has no name")
	}
	if len(p.Groups) < 2 {
		return fmt.Errorf("probabilistic attribute %q has %d group(s), want at least 2", p.Attribute, len(p.Groups))
	}
	if len(p.Groups) > maxProbabilityGroups {
		return fmt.Errorf("probabilistic attribute %q has %d groups, at most %d", p.Attribute, len(p.Groups), maxProbabilityGroups)
	}
	names, cols := map[string]bool{}, map[string]bool{}
	for _, g := range p.Groups {
		if names[g.Name] {
			return fmt.Errorf("probabilistic attribute %q names group %q twice", p.Attribute, g.Name)
		}
		if cols[g.Column] {
			return fmt.Errorf("probabilistic attribute %q reads column %q twice", p.Attribute, g.Column)
		}
		names[g.Name], cols[g.Column] = true, true
	}
	if p.Tolerance < 0 || p.Tolerance >= 1 {
		return fmt.Errorf("probability tolerance %v: want 0 to 1", p.Tolerance)
	}
	return nil
}

// maxProbabilityGroups bounds the columns of one probabilistic attribute
// (BISG has six); fairness.Apportion keeps that many on the stack.
const maxProbabilityGroups = 32

// readsProbabilities tells whether a scan reads the probability columns:
// the demographics' load when the demographics are joined, else the
// predictions'.
func (o ScanOptions) readsProbabilities() bool {
	if o.Probabilities == nil {
		return false
	}
	if o.Into != nil {
		return o.Side == SideDemographics
	}
	return !o.Join.Has(SideDemographics)
}

func (p *Probabilities) columns() []string {
	if p == nil {
		return nil
	}
	out := make([]string, len(p.Groups))
	for i, g := range p.Groups {
		out[i] = g.Column
	}
	return out
}

func (p *Probabilities) tolerance() float64 {
	if p.Tolerance == 0 {
		return fairness.DefaultProbabilityTolerance
	}
	return p.Tolerance
}

// tableAttributes are the attributes of a scan's statistics: the plain
// protected attributes, then the probabilistic one.
func (o ScanOptions) tableAttributes() []string {
	if o.Probabilities == nil || o.Into != nil {
		return o.Protected
	}
	return append(append([]string(nil), o.Protected...), o.Probabilities.Attribute)
}

// newTable is an empty table of a scan's statistics.
func (o ScanOptions) newTable() *fairness.Table {
	t := fairness.NewTable(o.tableAttributes(), scoreBins(o))
	if o.Probabilities != nil && o.Into == nil {
		t.Weighted = o.Probabilities.Attribute
	}
	return t
}

// probabilities parses a row's membership probabilities into the row's
// shares (weight units adding up to fairness.WeightScale), or says why the
// row is bad.
func (s *scanner) probabilities(f [][]byte) string {
	p := s.o.Probabilities
	s.probs = s.probs[:0]
	sum := 0.0
	for i, c := range s.cols.probabilities {
		b := f[c]
		v, err := 0.0, error(nil)
		if len(b) > 0 {
			v, err = parseFloat(b)
		}
		if len(b) == 0 || err != nil || math.IsNaN(v) || v < 0 || v > 1 {
			return fmt.Sprintf("probability %s of %s group %s (column %s) is not a number in [0, 1]",
				quoteField(b), p.Attribute, display.Value(p.Groups[i].Name), display.Value(p.Groups[i].Column))
		}
		s.probs = append(s.probs, v)
		sum += v
	}
	// The slack keeps a sum that is off by exactly the tolerance in decimal
	// (0.500001 + 0.5) in, whatever binary floating point makes of it.
	if math.Abs(sum-1) > p.tolerance()+1e-12 {
		return fmt.Sprintf("probabilities of %s sum to %.9g, not 1 (tolerance %g)", p.Attribute, sum, p.tolerance())
	}
	s.shares.Units = s.shares.Units[:len(s.probs)]
	fairness.Apportion(fairness.WeightScale, s.probs, s.shares.Units)
	return ""
}

// sharesOf points the row's shares at the groups of the probabilistic
// attribute that go with its plain group base (a group of the scan's index
// of plain attributes), creating each on the first row with a weight in it:
// a group no row weighs is not one the data holds. Groups of zero weight
// stay nil, which Shares.Observe skips.
func (s *scanner) sharesOf(base *fairness.Group) error {
	groups, ok := s.weighted[base]
	if !ok {
		groups = make([]*fairness.Group, len(s.o.Probabilities.Groups))
		s.weighted[base] = groups
	}
	t := s.res.Table
	for i, pg := range s.o.Probabilities.Groups {
		if groups[i] != nil || s.shares.Units[i] == 0 {
			continue
		}
		if len(t.Groups) >= s.o.MaxGroups {
			return tooManyGroupsError{s.o.MaxGroups}
		}
		plain := base.Key[:len(s.o.Protected)] // a table of no attribute keys its one group [""]
		groups[i] = t.GroupFor(fairness.JoinKey(append(slices.Clone(plain), display.Key(pg.Name))))
	}
	s.shares.Groups = groups
	return nil
}
