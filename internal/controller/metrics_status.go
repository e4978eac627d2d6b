package controller

import (
	"sync"
	"time"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
	"github.com/fairness-operator/fairness-operator/internal/display"
)

// maxGroupLabel bounds a group label value; with at most maxStatusGroups
// groups and four rates, fairness_group_rate has at most 256 series per
// evaluation.
const maxGroupLabel = 128

// statusFamily is one gauge family read from every evaluation's status at
// scrape time. Its series carry the labels namespace and evaluation, then
// labels.
type statusFamily struct {
	name, help string
	labels     []string
	// samples gives the evaluation's samples at time now: a value and one
	// label value per name in labels.
	samples func(eval *fairnessv1alpha1.FairnessEvaluation, now time.Time) []sample

	sortLabels   sync.Once
	sortedLabels []int // see labelOrder
}

// sample is one series of a statusFamily for one evaluation.
type sample struct {
	labels []string
	value  float64
}

// statusFamilies are the gauges of an evaluation's status, in the order a
// scrape writes them.
var statusFamilies = []*statusFamily{
	{name: "fairness_metric_value",
		help:    "Value of a fairness metric in the last successful run (between groups, privileged or population).",
		labels:  []string{"metric", "method", "attribute"},
		samples: metricValueSamples},
	{name: "fairness_group_rate", help: "A rate of one group in the last successful run.",
		labels: []string{"attribute", "group", "rate"}, samples: groupRateSamples},
	{name: "fairness_evaluation_severity", help: "Severity of the last graded run: 0 none, 4 Sev4 ... 1 Sev1.",
		samples: func(eval *fairnessv1alpha1.FairnessEvaluation, _ time.Time) []sample {
			return []sample{{value: severityNumber(eval.Status.Severity)}}
		}},
	{name: "fairness_evaluation_last_success_timestamp_seconds",
		help: "When the evaluation's last successful run finished (Unix seconds).",
		samples: func(eval *fairnessv1alpha1.FairnessEvaluation, _ time.Time) []sample {
			if lr := eval.Status.LastRun; lr != nil && lr.Result == fairnessv1alpha1.RunSucceeded && lr.CompletionTime != nil {
				return []sample{{value: float64(lr.CompletionTime.Unix())}}
			}
			return nil
		}},
	{name: "fairness_evaluation_last_run_duration_seconds",
		help: "Wall time of the evaluation's last finished run, from Job creation to the result.",
		samples: func(eval *fairnessv1alpha1.FairnessEvaluation, _ time.Time) []sample {
			if lr := eval.Status.LastRun; lr != nil && lr.StartTime != nil && lr.CompletionTime != nil {
				return []sample{{value: lr.CompletionTime.Sub(lr.StartTime.Time).Seconds()}}
			}
			return nil
		}},
	{name: "fairness_evaluation_schedule_interval_seconds",
		help: "Seconds between two runs of the evaluation's cron schedule; absent without a schedule.",
		samples: func(eval *fairnessv1alpha1.FairnessEvaluation, now time.Time) []sample {
			if sched, err := ParseSchedule(eval.Spec.Schedule, 0, now); eval.Spec.Schedule != "" && err == nil {
				next := sched.Next(now)
				return []sample{{value: sched.Next(next).Sub(next).Seconds()}}
			}
			return nil
		}},
}

func metricValueSamples(eval *fairnessv1alpha1.FairnessEvaluation, _ time.Time) []sample {
	var out lastWins
	for _, ms := range eval.Status.Metrics {
		if ms.Value != nil {
			out.add(*ms.Value, string(ms.Name), string(ms.Method), ms.Attribute)
		}
	}
	return out.samples
}

func groupRateSamples(eval *fairnessv1alpha1.FairnessEvaluation, _ time.Time) []sample {
	var out lastWins
	for _, g := range eval.Status.Groups {
		group := display.Truncate(g.Group, maxGroupLabel)
		for _, r := range []struct {
			name string
			v    *float64
		}{{"selection", g.SelectionRate}, {"truePositive", g.TruePositiveRate},
			{"falsePositive", g.FalsePositiveRate}, {"accuracy", g.Accuracy}} {
			if r.v != nil {
				out.add(*r.v, g.Attribute, group, r.name)
			}
		}
	}
	return out.samples
}

// lastWins keeps one sample per label set, the last value set, as a gauge set
// twice would have it: a scrape refuses duplicate series (two long group
// names can truncate to the same label).
type lastWins struct {
	samples []sample
	seen    map[[3]string]int
}

func (l *lastWins) add(v float64, a, b, c string) {
	key := [3]string{a, b, c}
	if i, ok := l.seen[key]; ok {
		l.samples[i].value = v
		return
	}
	if l.seen == nil {
		l.seen = map[[3]string]int{}
	}
	l.seen[key] = len(l.samples)
	l.samples = append(l.samples, sample{labels: []string{a, b, c}, value: v})
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
