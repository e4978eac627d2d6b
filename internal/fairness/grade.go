package fairness

import (
	"fmt"
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
	// Trend, when set, also grades the metric's drift over recent runs (Trends).
	Trend *TrendRule `json:"trend,omitempty"`
}

// Grades tells whether the threshold grades a metric with this name,
// method, aggregation and attribute: its metric in its method (the metric's
// default when unset), worst-case aggregation, on its attribute or on any.
func (t Threshold) Grades(name, method, agg, attribute string) bool {
	return name == t.Metric && method == t.method() && (agg == "" || agg == AggWorstCase) &&
		(t.Attribute == "" || attribute == t.Attribute)
}

// method is the threshold's method, the metric's default when unset.
func (t Threshold) method() string {
	if t.Method != "" {
		return t.Method
	}
	return DefaultMethod(t.Metric)
}

// privilegedOnly lists metrics that exist only against a privileged group (AIF360).
var privilegedOnly = map[string]bool{"statisticalParityDifference": true, "disparateImpact": true,
	"averageOddsDifference": true, "averageAbsoluteOddsDifference": true}

// populationOnly lists metrics over all rows, not per attribute.
var populationOnly = map[string]bool{"generalizedEntropyIndex": true, "theilIndex": true}

// alsoPrivileged lists fairlearn-style metrics that are also computed
// against a privileged group.
var alsoPrivileged = map[string]bool{"equalOpportunityDifference": true, "errorRateDifference": true, "errorRateRatio": true}

// MethodsOf lists the methods a metric is computed with; a threshold with
// any other method cannot be graded. The CRD's CEL rules encode the same table.
func MethodsOf(metric string) []string {
	switch {
	case populationOnly[metric]:
		return []string{MethodPopulation}
	case privilegedOnly[metric]:
		return []string{MethodPrivileged}
	case metric == "betweenGroupGeneralizedEntropy":
		return []string{MethodBetweenGroups}
	case alsoPrivileged[metric]:
		return []string{MethodBetweenGroups, MethodToOverall, MethodPrivileged}
	}
	return []string{MethodBetweenGroups, MethodToOverall}
}

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
	return strings.HasSuffix(metric, "Ratio") || metric == metricDisparateImpact
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
	// Trend is set for a drift found by a trend rule (Threshold is then
	// the rule's amount), not a level crossed.
	Trend *TrendChange `json:"trend,omitempty"`
}

// Why a threshold could not be graded (NotEvaluated.Reason).
const (
	// NotEvaluatedUnknownAttribute: the threshold names an attribute that is
	// neither a protected attribute nor their intersection.
	NotEvaluatedUnknownAttribute = "UnknownAttribute"
	// NotEvaluatedNoPrivilegedGroup: a privileged-method threshold on an
	// attribute with no privileged values declared.
	NotEvaluatedNoPrivilegedGroup = "NoPrivilegedGroup"
	// NotEvaluatedMethodNotApplicable: the metric is not computed with that method.
	NotEvaluatedMethodNotApplicable = "MethodNotApplicable"
	// NotEvaluatedMetricUndefined: the metric is undefined on this data
	// (for example a group with no positives).
	NotEvaluatedMetricUndefined = "MetricUndefined"
	// NotEvaluatedNoLabels: the metric needs outcomes and no row has one
	// (a label-free evaluation, or outcomes that have not arrived).
	NotEvaluatedNoLabels = "NoLabels"
)

// NotEvaluated is a threshold, or one attribute of it, that could not be
// graded: it is neither a breach nor a pass.
type NotEvaluated struct {
	Metric    string `json:"metric"`
	Method    string `json:"method"`
	Attribute string `json:"attribute,omitempty"`
	Reason    string `json:"reason"`
	Message   string `json:"message"`
}

// Grade compares metrics with thresholds: the result is the most severe
// level crossed, every breach (most severe first), and every threshold that
// could not be graded. Undefined metrics never breach; a threshold whose
// metrics are all undefined, or that matches no metric at all, is reported
// as not evaluated rather than passed.
func Grade(metrics []Metric, thresholds []Threshold) (Severity, []Breach, []NotEvaluated) {
	worst := SeverityNone
	var out []Breach
	var skipped []NotEvaluated
	for _, t := range thresholds {
		method := t.method()
		defined := map[string]bool{}     // attribute -> some matching metric is defined
		undefined := map[string]string{} // attribute -> first undefined reason
		var attrs []string
		for _, m := range metrics {
			if !t.Grades(m.Name, m.Method, m.Agg, m.Attribute) {
				continue
			}
			if _, seen := defined[m.Attribute]; !seen {
				attrs = append(attrs, m.Attribute)
				defined[m.Attribute] = false
			}
			if !m.Value.OK() {
				if _, ok := undefined[m.Attribute]; !ok {
					undefined[m.Attribute] = m.UndefinedReason
				}
				continue
			}
			defined[m.Attribute] = true
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
		if len(attrs) == 0 {
			skipped = append(skipped, unmatched(t, method, metrics))
		}
		for _, a := range attrs {
			if !defined[a] && undefined[a] == UndefinedNoLabels {
				skipped = append(skipped, NotEvaluated{Metric: t.Metric, Method: method, Attribute: a, Reason: NotEvaluatedNoLabels,
					Message: fmt.Sprintf("%s (%s) on %s needs outcomes, and no row has one", t.Metric, method, a)})
			} else if !defined[a] {
				skipped = append(skipped, NotEvaluated{Metric: t.Metric, Method: method, Attribute: a,
					Reason: NotEvaluatedMetricUndefined, Message: fmt.Sprintf("%s (%s) on %s is undefined: %s", t.Metric, method, a, undefined[a])})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Breach) int { return a.Severity.Rank() - b.Severity.Rank() })
	return worst, out, skipped
}

// unmatched says why a threshold matched no metric at all.
func unmatched(t Threshold, method string, metrics []Metric) NotEvaluated {
	ne := NotEvaluated{Metric: t.Metric, Method: method, Attribute: t.Attribute}
	var attributes, methods []string
	for _, m := range metrics {
		if m.Method != MethodPopulation && !slices.Contains(attributes, m.Attribute) {
			attributes = append(attributes, m.Attribute)
		}
		if m.Name == t.Metric && !slices.Contains(methods, m.Method) {
			methods = append(methods, m.Method)
		}
	}
	switch {
	case t.Attribute != "" && !slices.Contains(attributes, t.Attribute):
		ne.Reason = NotEvaluatedUnknownAttribute
		ne.Message = fmt.Sprintf("threshold on %s names attribute %q, which is not a protected attribute or their intersection (%s)",
			t.Metric, t.Attribute, strings.Join(attributes, ", "))
	case method == MethodPrivileged:
		ne.Reason = NotEvaluatedNoPrivilegedGroup
		ne.Message = fmt.Sprintf("%s compares with a privileged group, and no privileged values are declared for %s",
			t.Metric, orAll(t.Attribute))
	default:
		ne.Reason = NotEvaluatedMethodNotApplicable
		ne.Message = fmt.Sprintf("%s is not computed with method %s (it is with: %s)", t.Metric, method, strings.Join(methods, ", "))
	}
	return ne
}

func orAll(attribute string) string {
	if attribute == "" {
		return "any protected attribute"
	}
	return attribute
}
