package fairness

import (
	"slices"
	"strings"

	"github.com/fairness-operator/fairness-operator/internal/display"
)

// IntersectionSeparator joins attribute names (and values) of intersectional groups.
const IntersectionSeparator = "&"

// Options configure Evaluate.
type Options struct {
	// Privileged maps an attribute to its privileged values, enabling the
	// AIF360-style directional metrics for it.
	Privileged map[string][]string
	// MinGroupSize flags smaller groups: they are reported, and metrics
	// include them, but grading leaves them out so they cannot open incidents.
	MinGroupSize int64
	// Thresholds grade the metrics.
	Thresholds []Threshold
	// ZeroDivisionAsZero reports 0 for rates with a zero denominator, as
	// scikit-learn (and so fairlearn) does, instead of undefined.
	ZeroDivisionAsZero bool
}

// GroupReport is the rates of one group. Undefined rates are null, with
// their reasons in Undefined.
type GroupReport struct {
	// Attribute is the attribute name, or names joined by '&' for an intersection.
	Attribute  string            `json:"attribute"`
	Attributes map[string]string `json:"attributes"`
	Count      int64             `json:"count"`
	Counts
	BaseRate                Value             `json:"baseRate"`
	SelectionRate           Value             `json:"selectionRate"`
	SelectionRateInterval   *Interval         `json:"selectionRateInterval,omitempty"`
	Accuracy                Value             `json:"accuracy"`
	TruePositiveRate        Value             `json:"truePositiveRate"`
	FalsePositiveRate       Value             `json:"falsePositiveRate"`
	TrueNegativeRate        Value             `json:"trueNegativeRate"`
	FalseNegativeRate       Value             `json:"falseNegativeRate"`
	PositivePredictiveValue Value             `json:"positivePredictiveValue"`
	NegativePredictiveValue Value             `json:"negativePredictiveValue"`
	FalseDiscoveryRate      Value             `json:"falseDiscoveryRate"`
	FalseOmissionRate       Value             `json:"falseOmissionRate"`
	ErrorRate               Value             `json:"errorRate"`
	AUC                     *Value            `json:"auc,omitempty"`
	CalibrationError        *Value            `json:"expectedCalibrationError,omitempty"`
	BelowMinGroupSize       bool              `json:"belowMinGroupSize,omitempty"`
	Undefined               map[string]string `json:"undefined,omitempty"`
}

// Report is the result of grading a Table: the JSON contract of
// `fairctl evaluate -o json` and the source of an evaluation's status.
type Report struct {
	Rows       int64         `json:"rows"`
	Attributes []string      `json:"attributes"`
	Groups     []GroupReport `json:"groups"`
	Overall    GroupReport   `json:"overall"`
	Metrics    []Metric      `json:"metrics"`
	Severity   Severity      `json:"severity"`
	Breaches   []Breach      `json:"breaches"`
	// NotEvaluated lists the thresholds that could not be graded, with why.
	NotEvaluated []NotEvaluated `json:"notEvaluated,omitempty"`
}

// attributeView is the groups of one attribute or of the intersection.
type attributeView struct {
	name   string
	attrs  []string
	groups []*Group // sorted by key
}

func views(t *Table) []attributeView {
	var out []attributeView
	add := func(m *Table) {
		keys := make([]string, 0, len(m.Groups))
		for k := range m.Groups {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		v := attributeView{name: strings.Join(m.Attributes, IntersectionSeparator), attrs: m.Attributes}
		for _, k := range keys {
			v.groups = append(v.groups, m.Groups[k])
		}
		out = append(out, v)
	}
	for i := range t.Attributes {
		add(t.Marginal(i))
	}
	if len(t.Attributes) > 1 {
		all := make([]int, len(t.Attributes))
		for i := range all {
			all[i] = i
		}
		add(t.Marginal(all...))
	}
	return out
}

func groupName(g *Group) string { return strings.Join(g.Key, IntersectionSeparator) }

// Evaluate computes every group rate and metric of t and grades them.
func Evaluate(t *Table, opts Options) *Report {
	overall := t.Overall()
	r := &Report{Rows: overall.Counts.N(), Attributes: t.Attributes, Overall: groupReport("", nil, overall, opts)}
	r.Overall.Attributes = map[string]string{}
	var graded []Metric
	for _, v := range views(t) {
		var all, eligible []NamedCounts
		for _, g := range v.groups {
			gr := groupReport(v.name, v.attrs, g, opts)
			r.Groups = append(r.Groups, gr)
			nc := NamedCounts{Name: groupName(g), Counts: g.Counts, Key: g.Key}
			all = append(all, nc)
			if !gr.BelowMinGroupSize {
				eligible = append(eligible, nc)
			}
		}
		ms := attributeMetrics(v, all, overall.Counts, opts)
		r.Metrics = append(r.Metrics, ms...)
		if len(eligible) == len(all) {
			graded = append(graded, ms...)
		} else {
			graded = append(graded, attributeMetrics(v, eligible, overall.Counts, opts)...)
		}
	}
	pop := populationMetrics(overall.Counts)
	r.Metrics = append(r.Metrics, pop...)
	graded = append(graded, pop...)
	r.Severity, r.Breaches, r.NotEvaluated = Grade(graded, opts.Thresholds)
	if r.Breaches == nil {
		r.Breaches = []Breach{}
	}
	return r
}

func attributeMetrics(v attributeView, groups []NamedCounts, overall Counts, opts Options) []Metric {
	ms := groupMetrics(v.name, groups, overall, opts.ZeroDivisionAsZero)
	ms = append(ms, betweenGroupMetric(v.name, groups))
	if isPriv := privilegedTest(v.attrs, opts.Privileged); isPriv != nil {
		ms = append(ms, privilegedMetrics(v.name, groups, isPriv, opts.ZeroDivisionAsZero)...)
	}
	return ms
}

// privilegedTest tells whether a group (its attribute values) is
// privileged: every attribute's value must be privileged. Nil when some
// attribute of the view has no privileged values declared.
func privilegedTest(attrs []string, privileged map[string][]string) func([]string) bool {
	for _, a := range attrs {
		if len(privileged[a]) == 0 {
			return nil
		}
	}
	// Group keys hold values as display.Key writes them; so must the test.
	keyed := make([][]string, len(attrs))
	for i, a := range attrs {
		for _, v := range privileged[a] {
			keyed[i] = append(keyed[i], display.Key(v))
		}
	}
	return func(key []string) bool {
		for i := range attrs {
			if i >= len(key) || !slices.Contains(keyed[i], key[i]) {
				return false
			}
		}
		return true
	}
}

func groupReport(attribute string, attrs []string, g *Group, opts Options) GroupReport {
	c := g.Counts
	zd := opts.ZeroDivisionAsZero
	gr := GroupReport{Attribute: attribute, Attributes: map[string]string{}, Count: c.N(), Counts: c}
	for i, a := range attrs {
		gr.Attributes[a] = g.Key[i]
	}
	fields := map[Rate]*Value{BaseRate: &gr.BaseRate, SelectionRate: &gr.SelectionRate, Accuracy: &gr.Accuracy,
		TruePositiveRate: &gr.TruePositiveRate, FalsePositiveRate: &gr.FalsePositiveRate,
		TrueNegativeRate: &gr.TrueNegativeRate, FalseNegativeRate: &gr.FalseNegativeRate,
		PositivePredValue: &gr.PositivePredictiveValue, NegativePredValue: &gr.NegativePredictiveValue,
		FalseDiscovery: &gr.FalseDiscoveryRate, FalseOmission: &gr.FalseOmissionRate, ErrorRate: &gr.ErrorRate}
	for _, r := range AllRates {
		v := c.Rate(r, zd)
		*fields[r] = v
		if !v.OK() {
			gr.undefined(string(r), v.Undefined)
		}
	}
	if iv, ok := Wilson(c.TP+c.FP, c.N()); ok {
		gr.SelectionRateInterval = &iv
	}
	if g.Scores != nil {
		auc, ece := AUC(g.Scores), CalibrationError(g.Scores)
		gr.AUC, gr.CalibrationError = &auc, &ece
		if !auc.OK() {
			gr.undefined("auc", auc.Undefined)
		}
		if !ece.OK() {
			gr.undefined("expectedCalibrationError", ece.Undefined)
		}
	}
	gr.BelowMinGroupSize = attrs != nil && c.N() < opts.MinGroupSize
	return gr
}

func (g *GroupReport) undefined(field, reason string) {
	if g.Undefined == nil {
		g.Undefined = map[string]string{}
	}
	g.Undefined[field] = reason
}
