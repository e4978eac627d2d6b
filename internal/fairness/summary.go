package fairness

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
