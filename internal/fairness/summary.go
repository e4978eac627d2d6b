package fairness

import "slices"

// headlineMetrics are the metrics every summary of a run shows (an
// evaluation's status, fairctl's text and Markdown output), whether or not
// a threshold grades them; JSON and YAML output carry every metric.
var headlineMetrics = map[string]bool{
	"demographicParityDifference": true, "demographicParityRatio": true,
	"equalizedOddsDifference": true, "equalizedOddsRatio": true, "equalOpportunityDifference": true,
	"errorRateDifference": true, "statisticalParityDifference": true, "disparateImpact": true,
	"averageOddsDifference": true, "theilIndex": true,
}

// Summarised reports whether a metric belongs in a run's summary: a
// headline metric or one a threshold grades, in its worst-case aggregation
// and not the per-group comparison with the overall rate (those are many,
// and the between-groups value already bounds them).
func Summarised(m Metric, thresholds []Threshold) bool {
	if m.Method == MethodToOverall || m.Agg == AggMean {
		return false
	}
	if headlineMetrics[m.Name] {
		return true
	}
	for _, t := range thresholds {
		if t.Metric == m.Name {
			return true
		}
	}
	return false
}

// Key identifies a metric by name, method and attribute: the breach of a
// metric has the same key.
func (m Metric) Key() string { return m.Name + "/" + m.Method + "@" + m.Attribute }

// Key identifies the metric a breach is about (see Metric.Key).
func (b Breach) Key() string { return b.Metric + "/" + b.Method + "@" + b.Attribute }

// TrendMetric is the headline value followed when no threshold names one:
// the approval-rate gap a fair-lending review starts from.
const TrendMetric = "demographicParityDifference"

// Followed reports whether a metric is one of a run's headline values,
// which history and per-period reports keep: one a threshold grades, or
// without thresholds the demographic-parity difference.
func Followed(name, method, agg, attribute string, thresholds []Threshold) bool {
	if len(thresholds) == 0 {
		return name == TrendMetric
	}
	return slices.ContainsFunc(thresholds, func(t Threshold) bool { return t.Grades(name, method, agg, attribute) })
}

// HeadlineValues picks up to max of a report's followed metrics with a
// defined value from its summarised ones, in HeadlineOrder.
func HeadlineValues(metrics []Metric, thresholds []Threshold, max int) []Metric {
	var candidates []Metric
	for _, m := range metrics {
		if m.Value.OK() && Summarised(m, thresholds) {
			candidates = append(candidates, m)
		}
	}
	var out []Metric
	for _, i := range HeadlineOrder(len(candidates), func(i int) MetricID {
		m := candidates[i]
		return MetricID{m.Name, m.Method, m.Agg, m.Attribute}
	}, thresholds, max) {
		out = append(out, candidates[i])
	}
	return out
}

// MetricID names a metric for Followed: name, method, aggregation, attribute.
type MetricID struct{ Name, Method, Agg, Attribute string }

// HeadlineOrder picks, of n metrics with a value (id(i) names the i-th),
// up to max of those Followed: first the ones a trend rule follows, then the
// others, each in the given order, so that a trend never lacks its history
// when more than max metrics are graded. It returns their indexes. Run
// history and the periods inside a window both choose with it.
func HeadlineOrder(n int, id func(i int) MetricID, thresholds []Threshold, max int) []int {
	var trended []Threshold
	for _, t := range thresholds {
		if t.Trend != nil {
			trended = append(trended, t)
		}
	}
	followedBy := func(i int, by []Threshold) bool {
		m := id(i)
		return Followed(m.Name, m.Method, m.Agg, m.Attribute, by)
	}
	isTrended := func(i int) bool { return len(trended) > 0 && followedBy(i, trended) }
	var out []int
	for _, first := range []bool{true, false} {
		for i := range n {
			if len(out) < max && isTrended(i) == first && (first || followedBy(i, thresholds)) {
				out = append(out, i)
			}
		}
	}
	return out
}
