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
	// MaxCoverageGap is the largest difference in label coverage between
	// groups that passes without a warning (0: DefaultMaxCoverageGap).
	MaxCoverageGap float64
}

// GroupReport is the rates of one group. Undefined rates are null, with
// their reasons in Undefined.
type GroupReport struct {
	// Attribute is the attribute name, or names joined by '&' for an intersection.
	Attribute  string            `json:"attribute"`
	Attributes map[string]string `json:"attributes"`
	// Count is the number of predictions of the group; Labelled those with
	// an outcome, which the confusion counts (tp, fp, tn, fn) count.
	Count    int64 `json:"count"`
	Labelled int64 `json:"labelled"`
	Counts
	BaseRate              Value     `json:"baseRate"`
	SelectionRate         Value     `json:"selectionRate"`
	SelectionRateInterval *Interval `json:"selectionRateInterval,omitempty"`
	// TruePositiveRateInterval and FalsePositiveRateInterval are 95% Wilson
	// intervals (over Kish's effective size for a probabilistic group).
	TruePositiveRateInterval  *Interval         `json:"truePositiveRateInterval,omitempty"`
	FalsePositiveRateInterval *Interval         `json:"falsePositiveRateInterval,omitempty"`
	Accuracy                  Value             `json:"accuracy"`
	TruePositiveRate          Value             `json:"truePositiveRate"`
	FalsePositiveRate         Value             `json:"falsePositiveRate"`
	TrueNegativeRate          Value             `json:"trueNegativeRate"`
	FalseNegativeRate         Value             `json:"falseNegativeRate"`
	PositivePredictiveValue   Value             `json:"positivePredictiveValue"`
	NegativePredictiveValue   Value             `json:"negativePredictiveValue"`
	FalseDiscoveryRate        Value             `json:"falseDiscoveryRate"`
	FalseOmissionRate         Value             `json:"falseOmissionRate"`
	ErrorRate                 Value             `json:"errorRate"`
	AUC                       *Value            `json:"auc,omitempty"`
	CalibrationError          *Value            `json:"expectedCalibrationError,omitempty"`
	BelowMinGroupSize         bool              `json:"belowMinGroupSize,omitempty"`
	Undefined                 map[string]string `json:"undefined,omitempty"`
	// Coverage is Labelled / Count, when the run's outcomes are partly known
	// (weighted for a probabilistic group).
	Coverage *float64 `json:"coverage,omitempty"`
	// Weight is the sum of a probabilistic group's membership weights and
	// EffectiveSize Kish's effective sample size (sum w)^2 / sum w^2, which
	// its intervals and the minimum group size use; WeightedCounts are its
	// weighted confusion counts, which its rates are computed from. Count
	// and the confusion counts above count the rows with a non-zero weight.
	Weight         *float64        `json:"weight,omitempty"`
	EffectiveSize  *float64        `json:"effectiveSize,omitempty"`
	WeightedCounts *WeightedCounts `json:"weightedCounts,omitempty"`
	groupName      string
	rated          Counts // the counts rates are computed from
}

// WeightedCounts are a probabilistic group's confusion counts as sums of
// weights.
type WeightedCounts struct {
	TP            float64 `json:"tp"`
	FP            float64 `json:"fp"`
	TN            float64 `json:"tn"`
	FN            float64 `json:"fn"`
	UnlabelledPos float64 `json:"unlabelledPos,omitempty"`
	UnlabelledNeg float64 `json:"unlabelledNeg,omitempty"`
}

func weightedCounts(c Counts) *WeightedCounts {
	f := func(n int64) float64 { return float64(n) / WeightScale }
	return &WeightedCounts{TP: f(c.TP), FP: f(c.FP), TN: f(c.TN), FN: f(c.FN),
		UnlabelledPos: f(c.UnlabelledPos), UnlabelledNeg: f(c.UnlabelledNeg)}
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
	// Coverage is how many predictions have their outcome, when some do
	// and some do not.
	Coverage *Coverage `json:"coverage,omitempty"`
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
			gr.groupName = groupName(g)
			r.Groups = append(r.Groups, gr)
			counts, squares := g.rateCounts()
			nc := NamedCounts{Name: groupName(g), Counts: counts, Key: g.Key, Squares: squares}
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
	if overall.Counts.Labelled() == 0 && overall.Counts.N() > 0 {
		markNoLabels(r.Metrics)
		markNoLabels(graded)
	}
	if partly := overall.Counts.Labelled() > 0 && overall.Counts.Labelled() < overall.Counts.N(); partly {
		for i := range r.Groups {
			if c := r.Groups[i].rated; c.N() > 0 {
				cov := float64(c.Labelled()) / float64(c.N())
				r.Groups[i].Coverage = &cov
			}
		}
		r.Coverage = coverageOf(overall.Counts, r.Groups, opts.MaxCoverageGap)
	}
	r.Severity, r.Breaches, r.NotEvaluated = Grade(graded, opts.Thresholds)
	if r.Breaches == nil {
		r.Breaches = []Breach{}
	}
	return r
}

// selectionMetrics are the metrics computed from selection rates alone:
// the ones a log with no outcomes still gives.
var selectionMetrics = map[string]bool{"demographicParityDifference": true, "demographicParityRatio": true,
	"statisticalParityDifference": true, metricDisparateImpact: true}

// metricDisparateImpact is AIF360's ratio of selection rates, the four-fifths rule's.
const metricDisparateImpact = "disparateImpact"

// MetricNeedsLabels reports whether a metric is computed from outcomes.
func MetricNeedsLabels(name string) bool { return !selectionMetrics[name] }

// markNoLabels makes every label-based metric of a run with no outcomes
// undefined for that one reason, so that a threshold on it is reported as
// not evaluated (NoLabels) rather than by the first group's rate.
func markNoLabels(ms []Metric) {
	for i := range ms {
		if MetricNeedsLabels(ms[i].Name) {
			ms[i] = Metric{Name: ms[i].Name, Method: ms[i].Method, Agg: ms[i].Agg, Attribute: ms[i].Attribute}
			ms[i].setValue(Undef(UndefinedNoLabels))
		}
	}
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
	c, squares := g.rateCounts()
	zd := opts.ZeroDivisionAsZero
	gr := GroupReport{Attribute: attribute, Attributes: map[string]string{}, Count: g.Counts.N(),
		Labelled: g.Counts.Labelled(), Counts: g.Counts, rated: c}
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
	for r, iv := range map[Rate]**Interval{SelectionRate: &gr.SelectionRateInterval,
		TruePositiveRate: &gr.TruePositiveRateInterval, FalsePositiveRate: &gr.FalsePositiveRateInterval} {
		if p, n, ok := proportion(c, squares, r); ok {
			*iv = new(wilson(p, n))
		}
	}
	size, unit := float64(c.N()), 1.0
	if g.Weights != nil {
		weight, effective := g.Weights.Weight(), g.Weights.EffectiveSize()
		gr.Weight, gr.EffectiveSize, gr.WeightedCounts = &weight, &effective, weightedCounts(c)
		size, unit = effective, WeightScale
	}
	if g.Scores != nil {
		auc, ece := AUC(g.Scores), calibrationError(g.Scores, unit)
		gr.AUC, gr.CalibrationError = &auc, &ece
		if !auc.OK() {
			gr.undefined("auc", auc.Undefined)
		}
		if !ece.OK() {
			gr.undefined("expectedCalibrationError", ece.Undefined)
		}
	}
	gr.BelowMinGroupSize = attrs != nil && size < float64(opts.MinGroupSize)
	return gr
}

func (g *GroupReport) undefined(field, reason string) {
	if g.Undefined == nil {
		g.Undefined = map[string]string{}
	}
	g.Undefined[field] = reason
}
