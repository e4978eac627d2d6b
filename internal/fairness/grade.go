package fairness

import (
	"math"
	"slices"
	"strings"
)

// Severity is a grade on the incident-response scale; Sev1 is the most severe.
type Severity string

// The severities, most severe first.
const (
	SeverityNone Severity = "None"
	Sev1         Severity = "Sev1"
	Sev2         Severity = "Sev2"
	Sev3         Severity = "Sev3"
	Sev4         Severity = "Sev4"
)

// Rank orders severities: 1 for Sev1 up to 4 for Sev4, 5 for None and
// anything unknown. A smaller rank is more severe.
func (s Severity) Rank() int {
	switch s {
	case Sev1:
		return 1
	case Sev2:
		return 2
	case Sev3:
		return 3
	case Sev4:
		return 4
	}
	return 5
}

// AtLeast reports whether s is as severe as other or more.
func (s Severity) AtLeast(other Severity) bool { return s.Rank() <= other.Rank() }

// ParseSeverity accepts Sev1..Sev4 and None, case-insensitively.
func ParseSeverity(s string) (Severity, bool) {
	for _, v := range []Severity{Sev1, Sev2, Sev3, Sev4, SeverityNone} {
		if strings.EqualFold(s, string(v)) {
			return v, true
		}
	}
	return "", false
}

// Level is one value of a threshold and the severity it maps to.
type Level struct {
	Value    float64  `json:"value"`
	Severity Severity `json:"severity"`
}

// Threshold grades one metric. Method defaults by metric (DefaultMethod);
// an empty Attribute grades every attribute.
type Threshold struct {
	Metric    string  `json:"metric"`
	Method    string  `json:"method,omitempty"`
	Attribute string  `json:"attribute,omitempty"`
	Levels    []Level `json:"levels"`
}

// privilegedOnly lists metrics that exist only against a privileged group (AIF360).
var privilegedOnly = map[string]bool{"statisticalParityDifference": true, "disparateImpact": true,
	"averageOddsDifference": true, "averageAbsoluteOddsDifference": true}

// populationOnly lists metrics over all rows, not per attribute.
var populationOnly = map[string]bool{"generalizedEntropyIndex": true, "theilIndex": true}

// DefaultMethod is the method a threshold on metric grades when it names none.
func DefaultMethod(metric string) string {
	switch {
	case privilegedOnly[metric]:
		return MethodPrivileged
	case populationOnly[metric]:
		return MethodPopulation
	}
	return MethodBetweenGroups
}

// lowerIsWorse tells whether a metric is a ratio, where small values are disparities.
func lowerIsWorse(metric string) bool {
	return strings.HasSuffix(metric, "Ratio") || metric == "disparateImpact"
}

// disparity maps a metric value onto "larger is worse" for comparison with a
// level: differences by absolute value; privileged ratios (which may exceed 1
// when the unprivileged group is favoured) folded to min(v, 1/v).
func breaches(m Metric, level float64) bool {
	v := m.Value.V
	if !lowerIsWorse(m.Name) {
		return math.Abs(v) > level
	}
	if m.Method == MethodPrivileged && v > 1 {
		v = 1 / v
	}
	return v < level
}

// Breach is a metric past a threshold level.
type Breach struct {
	Metric    string   `json:"metric"`
	Method    string   `json:"method"`
	Agg       string   `json:"agg,omitempty"`
	Attribute string   `json:"attribute,omitempty"`
	Group     string   `json:"group,omitempty"`
	Value     float64  `json:"value"`
	Threshold float64  `json:"threshold"`
	Severity  Severity `json:"severity"`
}

// Grade compares metrics with thresholds: the result is the most severe
// level crossed and every breach, most severe first. Undefined metrics never
// breach (they are reported as undefined instead).
func Grade(metrics []Metric, thresholds []Threshold) (Severity, []Breach) {
	worst := SeverityNone
	var out []Breach
	for _, t := range thresholds {
		method := t.Method
		if method == "" {
			method = DefaultMethod(t.Metric)
		}
		for _, m := range metrics {
			if m.Name != t.Metric || m.Method != method || !m.Value.OK() ||
				(m.Agg != "" && m.Agg != AggWorstCase) ||
				(t.Attribute != "" && m.Attribute != t.Attribute) {
				continue
			}
			hit, found := Level{}, false
			for _, l := range t.Levels {
				if breaches(m, l.Value) && (!found || l.Severity.Rank() < hit.Severity.Rank()) {
					hit, found = l, true
				}
			}
			if !found {
				continue
			}
			out = append(out, Breach{Metric: m.Name, Method: m.Method, Agg: m.Agg, Attribute: m.Attribute,
				Group: m.Group, Value: m.Value.V, Threshold: hit.Value, Severity: hit.Severity})
			if hit.Severity.Rank() < worst.Rank() {
				worst = hit.Severity
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Breach) int { return a.Severity.Rank() - b.Severity.Rank() })
	return worst, out
}
