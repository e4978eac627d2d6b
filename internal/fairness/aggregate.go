package fairness

import (
	"fmt"
	"math"
)

// Metric methods, agg modes and kinds, with their JSON names.
const (
	MethodBetweenGroups = "betweenGroups"
	MethodToOverall     = "toOverall"
	MethodPrivileged    = "privileged"
	MethodPopulation    = "population"

	AggWorstCase = "worstCase"
	AggMean      = "mean"
)

// Metric is one aggregate fairness metric.
type Metric struct {
	Name      string `json:"name"`
	Method    string `json:"method"`
	Agg       string `json:"agg,omitempty"`
	Attribute string `json:"attribute"`
	Value     Value  `json:"value"`
	// UndefinedReason says why Value is null.
	UndefinedReason string    `json:"undefinedReason,omitempty"`
	Interval        *Interval `json:"interval,omitempty"`
	// Group is the worst-off group behind the value, where one is.
	Group string `json:"group,omitempty"`
	// Reference is the group it is compared with (the best-off group, the
	// privileged group, or "overall").
	Reference string `json:"reference,omitempty"`
}

func (m *Metric) setValue(v Value) {
	m.Value = v
	m.UndefinedReason = v.Undefined
}

// family is a fairlearn-style metric family: the rates it compares.
type family struct {
	name  string
	rates []Rate
}

var families = []family{
	{"demographicParity", []Rate{SelectionRate}},
	{"equalizedOdds", []Rate{TruePositiveRate, FalsePositiveRate}},
	{"equalOpportunity", []Rate{TruePositiveRate}},
	{"errorRate", []Rate{ErrorRate}},
	{"falsePositiveRate", []Rate{FalsePositiveRate}},
	{"falseNegativeRate", []Rate{FalseNegativeRate}},
	{"positivePredictiveValue", []Rate{PositivePredValue}},
}

// higherIsWorse tells, per rate, which end of the range is the worst-off group.
var higherIsWorse = map[Rate]bool{FalsePositiveRate: true, FalseNegativeRate: true, ErrorRate: true,
	FalseDiscovery: true, FalseOmission: true}

// NamedCounts is the statistics of one group of an attribute.
type NamedCounts struct {
	Name   string
	Counts Counts
	// Key is the group's attribute values (Name joins them with '&', which a
	// value may itself contain, so tests of membership read Key).
	Key []string
	// Squares holds the squared weights of a probabilistic group, whose
	// Counts are then weighted (see Weights); nil for a plain group.
	Squares *Counts
}

// rateAggregate is one rate aggregated over groups by one method.
type rateAggregate struct {
	diff, ratio Value
	worst, best string
	interval    *Interval
}

// groupRates computes one rate for every group; the first undefined one makes
// the whole aggregate undefined.
func groupRates(groups []NamedCounts, r Rate, zeroDiv bool) ([]float64, Value) {
	vals := make([]float64, len(groups))
	for i, g := range groups {
		v := g.Counts.Rate(r, zeroDiv)
		if !v.OK() {
			return nil, Undef(fmt.Sprintf("%s undefined for group %s: %s", r, g.Name, v.Undefined))
		}
		vals[i] = v.V
	}
	return vals, Value{}
}

func betweenGroups(groups []NamedCounts, r Rate, zeroDiv bool) rateAggregate {
	if len(groups) < 2 {
		u := Undef("fewer than two groups")
		return rateAggregate{diff: u, ratio: u}
	}
	vals, bad := groupRates(groups, r, zeroDiv)
	if vals == nil {
		return rateAggregate{diff: bad, ratio: bad}
	}
	lo, hi := 0, 0
	for i, v := range vals {
		if v < vals[lo] {
			lo = i
		}
		if v > vals[hi] {
			hi = i
		}
	}
	a := rateAggregate{diff: Defined(vals[hi] - vals[lo])}
	if vals[hi] == 0 {
		a.ratio = Undef(fmt.Sprintf("%s is 0 in every group", r))
	} else {
		a.ratio = Defined(vals[lo] / vals[hi])
	}
	worst, best := lo, hi
	if higherIsWorse[r] {
		worst, best = hi, lo
	}
	a.worst, a.best = groups[worst].Name, groups[best].Name
	if iv, ok := differenceInterval(groups[hi].Counts, groups[hi].Squares, groups[lo].Counts, groups[lo].Squares, r); ok {
		a.interval = iv
	}
	return a
}

func toOverall(groups []NamedCounts, overall Counts, r Rate, zeroDiv bool) rateAggregate {
	if len(groups) == 0 {
		u := Undef("no groups")
		return rateAggregate{diff: u, ratio: u}
	}
	ov := overall.Rate(r, zeroDiv)
	if !ov.OK() {
		u := Undef(fmt.Sprintf("%s undefined overall: %s", r, ov.Undefined))
		return rateAggregate{diff: u, ratio: u}
	}
	vals, bad := groupRates(groups, r, zeroDiv)
	if vals == nil {
		return rateAggregate{diff: bad, ratio: bad}
	}
	a := rateAggregate{best: "overall"}
	maxDiff, minRatio, worstD := -1.0, math.Inf(1), 0
	for i, v := range vals {
		if d := math.Abs(v - ov.V); d > maxDiff {
			maxDiff, worstD = d, i
		}
		if ov.V != 0 {
			q := v / ov.V
			if q > 1 {
				q = 1 / q
			}
			minRatio = math.Min(minRatio, q)
		}
	}
	a.diff = Defined(maxDiff)
	if ov.V == 0 {
		a.ratio = Undef(fmt.Sprintf("%s is 0 overall", r))
	} else {
		a.ratio = Defined(minRatio)
	}
	a.worst = groups[worstD].Name
	return a
}

// groupMetrics computes the fairlearn-style aggregates of one attribute.
func groupMetrics(attribute string, groups []NamedCounts, overall Counts, zeroDiv bool) []Metric {
	var out []Metric
	for _, method := range []string{MethodBetweenGroups, MethodToOverall} {
		for _, f := range families {
			aggs := make([]rateAggregate, len(f.rates))
			for i, r := range f.rates {
				if method == MethodBetweenGroups {
					aggs[i] = betweenGroups(groups, r, zeroDiv)
				} else {
					aggs[i] = toOverall(groups, overall, r, zeroDiv)
				}
			}
			modes := []string{""}
			if len(f.rates) > 1 {
				modes = []string{AggWorstCase, AggMean}
			}
			for _, agg := range modes {
				for _, kind := range []string{"Difference", "Ratio"} {
					m := Metric{Name: f.name + kind, Method: method, Agg: agg, Attribute: attribute}
					combine(&m, aggs, kind == "Difference", agg)
					out = append(out, m)
				}
			}
		}
	}
	return out
}

// combine folds per-rate aggregates into one metric: the worst of them
// (largest difference, smallest ratio) or their mean.
func combine(m *Metric, aggs []rateAggregate, difference bool, agg string) {
	pick := func(a rateAggregate) Value {
		if difference {
			return a.diff
		}
		return a.ratio
	}
	worst := -1
	sum := 0.0
	for i, a := range aggs {
		v := pick(a)
		if !v.OK() {
			m.setValue(v)
			return
		}
		sum += v.V
		if worst < 0 || (difference && v.V > pick(aggs[worst]).V) || (!difference && v.V < pick(aggs[worst]).V) {
			worst = i
		}
	}
	a := aggs[worst]
	m.Group, m.Reference = a.worst, a.best
	if agg == AggMean {
		m.setValue(Defined(sum / float64(len(aggs))))
		return
	}
	m.setValue(pick(a))
	if difference {
		m.Interval = a.interval
	}
}

// BetweenGroups is fairlearn's between_groups aggregate of one rate: the
// difference max - min and the ratio min / max over groups.
func BetweenGroups(groups []NamedCounts, r Rate, zeroDiv bool) (difference, ratio Value) {
	a := betweenGroups(groups, r, zeroDiv)
	return a.diff, a.ratio
}

// ToOverall is fairlearn's to_overall aggregate of one rate: the largest
// |group - overall| and the smallest of group/overall folded into [0, 1].
func ToOverall(groups []NamedCounts, overall Counts, r Rate, zeroDiv bool) (difference, ratio Value) {
	a := toOverall(groups, overall, r, zeroDiv)
	return a.diff, a.ratio
}
