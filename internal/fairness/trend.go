package fairness

import (
	"fmt"
	"math"
)

// TrendRule opens an incident on a drift: the metric worsened by at least
// WorsenedBy over the last Runs runs (the current one and Runs-1 before
// it) without crossing one of the threshold's levels.
type TrendRule struct {
	Runs       int      `json:"runs"`
	WorsenedBy float64  `json:"worsenedBy"`
	Severity   Severity `json:"severity"`
}

// TrendChange is how a metric moved over a trend rule's runs.
type TrendChange struct {
	Runs int `json:"runs"`
	// From is the metric's value in the oldest of those runs.
	From float64 `json:"from"`
	// Worsening is how much worse the value is now: a larger absolute
	// difference, or a smaller ratio.
	Worsening float64 `json:"worsening"`
}

// PastValue is a metric's value in an earlier run (the run history keeps
// each run's headline values).
type PastValue struct {
	Name, Method, Attribute string
	Value                   float64
}

// badness maps a value onto "larger is worse", as breaches compares it.
func badness(m Metric, v float64) float64 {
	if !lowerIsWorse(m.Name) {
		return math.Abs(v)
	}
	if m.Method == MethodPrivileged && v > 1 {
		v = 1 / v
	}
	return -v
}

// Trends finds the metrics of the current run that drifted under a
// threshold's trend rule: each graded, defined metric that did not breach
// (breached holds the breaches' keys), with values in the history's
// Runs-1 earlier runs (newest first), worse now than in the oldest of them
// by at least WorsenedBy. The findings are breaches carrying their Trend,
// with the rule's amount as Threshold.
func Trends(thresholds []Threshold, current []Metric, breached map[string]bool, history [][]PastValue) []Breach {
	var out []Breach
	for _, t := range thresholds {
		if t.Trend == nil || t.Trend.Runs < 2 || len(history) < t.Trend.Runs-1 {
			continue
		}
		for _, m := range current {
			if !t.Grades(m.Name, m.Method, m.Agg, m.Attribute) || !m.Value.OK() || breached[m.Key()] {
				continue
			}
			oldest, ok := pastValue(history[t.Trend.Runs-2], m)
			if !ok {
				continue // too little history for this metric: no trend either way
			}
			worsening := badness(m, m.Value.V) - badness(m, oldest)
			if worsening < t.Trend.WorsenedBy {
				continue
			}
			out = append(out, Breach{Metric: m.Name, Method: m.Method, Agg: m.Agg, Attribute: m.Attribute, Group: m.Group,
				Value: m.Value.V, Threshold: t.Trend.WorsenedBy, Severity: t.Trend.Severity,
				Trend: &TrendChange{Runs: t.Trend.Runs, From: oldest, Worsening: worsening}})
		}
	}
	return out
}

func pastValue(run []PastValue, m Metric) (float64, bool) {
	for _, p := range run {
		if p.Name == m.Name && p.Method == m.Method && p.Attribute == m.Attribute {
			return p.Value, true
		}
	}
	return 0, false
}

// Describe says what a trend finding is, for conditions and incidents.
func (c *TrendChange) Describe(b Breach) string {
	return fmt.Sprintf("%s on %s worsened by %.4f over %d runs (from %.4f to %.4f), under its levels", b.Metric, b.Attribute,
		c.Worsening, c.Runs, c.From, b.Value)
}
