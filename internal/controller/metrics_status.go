package controller

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
	"github.com/fairness-operator/fairness-operator/internal/display"
)

// maxGroupLabel bounds a group label value; with at most maxStatusGroups
// groups and four rates, fairness_group_rate has at most 256 series per
// evaluation.
const maxGroupLabel = 128

// scrapeTimeout bounds a scrape's read of the cache, which waits while the
// cache has not synced yet (Prometheus's default scrape timeout is 10s).
const scrapeTimeout = 5 * time.Second

var (
	metricValueDesc = prometheus.NewDesc("fairness_metric_value",
		"Value of a fairness metric in the last successful run (between groups, privileged or population).",
		[]string{labelNamespace, labelEvaluation, "metric", "method", "attribute"}, nil)
	groupRateDesc = prometheus.NewDesc("fairness_group_rate", "A rate of one group in the last successful run.",
		[]string{labelNamespace, labelEvaluation, "attribute", "group", "rate"}, nil)
	severityDesc = prometheus.NewDesc("fairness_evaluation_severity",
		"Severity of the last graded run: 0 none, 4 Sev4 ... 1 Sev1.", []string{labelNamespace, labelEvaluation}, nil)
	lastSuccessDesc = prometheus.NewDesc("fairness_evaluation_last_success_timestamp_seconds",
		"When the evaluation's last successful run finished (Unix seconds).", []string{labelNamespace, labelEvaluation}, nil)
	lastDurationDesc = prometheus.NewDesc("fairness_evaluation_last_run_duration_seconds",
		"Wall time of the evaluation's last finished run, from Job creation to the result.",
		[]string{labelNamespace, labelEvaluation}, nil)
	intervalDesc = prometheus.NewDesc("fairness_evaluation_schedule_interval_seconds",
		"Seconds between two runs of the evaluation's cron schedule; absent without a schedule.",
		[]string{labelNamespace, labelEvaluation}, nil)
)

// statusCollector exports the gauges of every evaluation's status when
// Prometheus scrapes, from the manager's cache, as kube-state-metrics does.
// Gauges kept in vectors cost about 800 bytes a series; read from the cache they cost nothing between scrapes, follow
// the status the API server holds, and vanish with the evaluation.
type statusCollector struct {
	evaluations client.Reader
}

func (c *statusCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{metricValueDesc, groupRateDesc, severityDesc, lastSuccessDesc, lastDurationDesc,
		intervalDesc} {
		ch <- d
	}
}

func (c *statusCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	var list fairnessv1alpha1.FairnessEvaluationList
	// Read-only: the cache's objects are not copied for the scrape. A cache
	// that cannot answer (not synced yet, broken: /readyz says which) gives
	// no status gauges rather than an invalid metric, which would fail the
	// whole scrape (controller-runtime serves with HTTPErrorOnError) and
	// hide the workqueue and client metrics that explain the trouble.
	if err := c.evaluations.List(ctx, &list, client.UnsafeDisableDeepCopy); err != nil {
		return
	}
	now := time.Now()
	for i := range list.Items {
		for _, s := range statusSeries(&list.Items[i], now) {
			// The API server keeps strings valid UTF-8, so a refused label
			// value cannot come from a stored status; skip it rather than
			// fail the scrape or panic.
			if m, err := prometheus.NewConstMetric(s.desc, prometheus.GaugeValue, s.value, s.labels...); err == nil {
				ch <- m
			}
		}
	}
}

// series is one gauge sample.
type series struct {
	desc   *prometheus.Desc
	labels []string
	value  float64
}

// statusSeries are the gauges of one evaluation's status at time now: its
// severity, each metric value, each group rate, the last success and the
// schedule's interval. A label set appears once (the last value wins, as a
// gauge set twice would have it), because a scrape refuses duplicates.
func statusSeries(eval *fairnessv1alpha1.FairnessEvaluation, now time.Time) []series {
	ns, name := eval.Namespace, eval.Name
	out := []series{{severityDesc, []string{ns, name}, severityNumber(eval.Status.Severity)}}
	type labelSet struct {
		desc   *prometheus.Desc
		labels [3]string
	}
	seen := map[labelSet]int{}
	add := func(desc *prometheus.Desc, v float64, a, b, c string) {
		key := labelSet{desc, [3]string{a, b, c}}
		if i, ok := seen[key]; ok {
			out[i].value = v
			return
		}
		seen[key] = len(out)
		out = append(out, series{desc, []string{ns, name, a, b, c}, v})
	}
	for _, ms := range eval.Status.Metrics {
		if ms.Value != nil {
			add(metricValueDesc, *ms.Value, string(ms.Name), string(ms.Method), ms.Attribute)
		}
	}
	for _, g := range eval.Status.Groups {
		group := display.Truncate(g.Group, maxGroupLabel)
		for _, r := range []struct {
			name string
			v    *float64
		}{{"selection", g.SelectionRate}, {"truePositive", g.TruePositiveRate},
			{"falsePositive", g.FalsePositiveRate}, {"accuracy", g.Accuracy}} {
			if r.v != nil {
				add(groupRateDesc, *r.v, g.Attribute, group, r.name)
			}
		}
	}
	if lr := eval.Status.LastRun; lr != nil && lr.Result == fairnessv1alpha1.RunSucceeded && lr.CompletionTime != nil {
		out = append(out, series{lastSuccessDesc, []string{ns, name}, float64(lr.CompletionTime.Unix())})
	}
	if lr := eval.Status.LastRun; lr != nil && lr.StartTime != nil && lr.CompletionTime != nil {
		out = append(out, series{lastDurationDesc, []string{ns, name}, lr.CompletionTime.Sub(lr.StartTime.Time).Seconds()})
	}
	if sched, err := ParseSchedule(eval.Spec.Schedule, 0, now); eval.Spec.Schedule != "" && err == nil {
		next := sched.Next(now)
		out = append(out, series{intervalDesc, []string{ns, name}, sched.Next(next).Sub(next).Seconds()})
	}
	return out
}

func severityNumber(s fairnessv1alpha1.Severity) float64 {
	switch s {
	case fairnessv1alpha1.Severity1:
		return 1
	case fairnessv1alpha1.Severity2:
		return 2
	case fairnessv1alpha1.Severity3:
		return 3
	case fairnessv1alpha1.Severity4:
		return 4
	}
	return 0
}
