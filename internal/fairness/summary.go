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
// defined value, in report order, from its summarised ones.
func HeadlineValues(metrics []Metric, thresholds []Threshold, max int) []Metric {
	var out []Metric
	for _, m := range metrics {
		if len(out) == max {
			break
		}
		if m.Value.OK() && Summarised(m, thresholds) && Followed(m.Name, m.Method, m.Agg, m.Attribute, thresholds) {
			out = append(out, m)
		}
	}
	return out
}
