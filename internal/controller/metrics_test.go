package controller

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
)

func TestMetricsFollowStatusAndForget(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	v, w := 0.25, 0.5
	eval := biasedEvaluation("risk", "credit")
	eval.Spec.Schedule = "0 * * * *"
	eval.Status.Severity = fairnessv1alpha1.Severity2
	finished := metav1.NewTime(time.Unix(1_790_000_000, 0))
	started := metav1.NewTime(finished.Add(-42 * time.Second))
	eval.Status.LastRun = &fairnessv1alpha1.RunStatus{Result: fairnessv1alpha1.RunSucceeded, StartTime: &started,
		CompletionTime: &finished}
	dp := fairnessv1alpha1.MetricStatus{Name: "demographicParityDifference",
		Method: fairnessv1alpha1.MethodBetweenGroups, Attribute: "sex", Value: &v}
	again := dp
	again.Value = &w
	eval.Status.Metrics = []fairnessv1alpha1.MetricStatus{dp, again}
	long := strings.Repeat("x", 2*maxGroupLabel)
	eval.Status.Groups = []fairnessv1alpha1.GroupStatus{{Attribute: "sex", Group: "female", Count: 10, SelectionRate: &v},
		{Attribute: "sex", Group: long + "a", Count: 10, SelectionRate: &v}, {Attribute: "sex", Group: long + "b", Count: 10,
			SelectionRate: &w}}
	cache := fakeClient(t, eval)
	m := NewMetrics(reg, cache)
	start := metav1.Now()
	end := metav1.NewTime(start.Add(3 * time.Second))
	m.RunFinished(eval, &fairnessv1alpha1.RunStatus{StartTime: &start, CompletionTime: &end}, true)
	want := `
# HELP fairness_metric_value Value of a fairness metric in the last successful run (between groups, privileged or population).
# TYPE fairness_metric_value gauge
fairness_metric_value{attribute="sex",evaluation="credit",method="betweenGroups",metric="demographicParityDifference",namespace="risk"} 0.5
# HELP fairness_evaluation_severity Severity of the last graded run: 0 none, 4 Sev4 ... 1 Sev1.
# TYPE fairness_evaluation_severity gauge
fairness_evaluation_severity{evaluation="credit",namespace="risk"} 2
# HELP fairness_evaluation_last_success_timestamp_seconds When the evaluation's last successful run finished (Unix seconds).
# TYPE fairness_evaluation_last_success_timestamp_seconds gauge
fairness_evaluation_last_success_timestamp_seconds{evaluation="credit",namespace="risk"} 1.79e+09
# HELP fairness_evaluation_last_run_duration_seconds Wall time of the evaluation's last finished run, from Job creation to the result.
# TYPE fairness_evaluation_last_run_duration_seconds gauge
fairness_evaluation_last_run_duration_seconds{evaluation="credit",namespace="risk"} 42
# HELP fairness_evaluation_run_duration_seconds Wall time of evaluation runs, from Job creation to the result, by namespace.
# TYPE fairness_evaluation_run_duration_seconds histogram
fairness_evaluation_run_duration_seconds_bucket{namespace="risk",le="1"} 0
fairness_evaluation_run_duration_seconds_bucket{namespace="risk",le="2"} 0
fairness_evaluation_run_duration_seconds_bucket{namespace="risk",le="4"} 1
fairness_evaluation_run_duration_seconds_bucket{namespace="risk",le="8"} 1
fairness_evaluation_run_duration_seconds_bucket{namespace="risk",le="16"} 1
fairness_evaluation_run_duration_seconds_bucket{namespace="risk",le="32"} 1
fairness_evaluation_run_duration_seconds_bucket{namespace="risk",le="64"} 1
fairness_evaluation_run_duration_seconds_bucket{namespace="risk",le="128"} 1
fairness_evaluation_run_duration_seconds_bucket{namespace="risk",le="256"} 1
fairness_evaluation_run_duration_seconds_bucket{namespace="risk",le="512"} 1
fairness_evaluation_run_duration_seconds_bucket{namespace="risk",le="1024"} 1
fairness_evaluation_run_duration_seconds_bucket{namespace="risk",le="2048"} 1
fairness_evaluation_run_duration_seconds_bucket{namespace="risk",le="4096"} 1
fairness_evaluation_run_duration_seconds_bucket{namespace="risk",le="8192"} 1
fairness_evaluation_run_duration_seconds_bucket{namespace="risk",le="+Inf"} 1
fairness_evaluation_run_duration_seconds_sum{namespace="risk"} 3
fairness_evaluation_run_duration_seconds_count{namespace="risk"} 1
# HELP fairness_evaluation_schedule_interval_seconds Seconds between two runs of the evaluation's cron schedule; absent without a schedule.
# TYPE fairness_evaluation_schedule_interval_seconds gauge
fairness_evaluation_schedule_interval_seconds{evaluation="credit",namespace="risk"} 3600
# HELP fairness_evaluation_runs_total Finished evaluation runs by result.
# TYPE fairness_evaluation_runs_total counter
fairness_evaluation_runs_total{evaluation="credit",namespace="risk",result="succeeded"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "fairness_metric_value",
		"fairness_evaluation_severity", "fairness_evaluation_last_success_timestamp_seconds",
		"fairness_evaluation_last_run_duration_seconds", "fairness_evaluation_run_duration_seconds",
		"fairness_evaluation_schedule_interval_seconds", "fairness_evaluation_runs_total"); err != nil {
		t.Fatal(err)
	}
	// The two long groups truncate to one label value: one series, the last value.
	if n, err := testutil.GatherAndCount(reg, "fairness_group_rate"); err != nil || n != 2 {
		t.Fatalf("%d group-rate series (%v), want 2", n, err)
	}
	in := &fairnessv1alpha1.BiasIncident{ObjectMeta: metav1.ObjectMeta{Namespace: "risk", Name: "credit-g1"},
		Spec:   fairnessv1alpha1.BiasIncidentSpec{Category: fairnessv1alpha1.CategoryBias},
		Status: fairnessv1alpha1.BiasIncidentStatus{Severity: fairnessv1alpha1.Severity2, State: fairnessv1alpha1.IncidentOpen}}
	m.ObserveIncident(in)
	if got := testutil.ToFloat64(m.incidentsOpen.WithLabelValues("Sev2", "Bias")); got != 1 {
		t.Fatalf("open Sev2 incidents %v, want 1", got)
	}
	in.Status.State = fairnessv1alpha1.IncidentResolved
	m.ObserveIncident(in)
	if n := testutil.CollectAndCount(m.incidentsOpen); n != 0 {
		t.Fatalf("%d open-incident series after resolution", n)
	}
	m.Notified("slack", "delivered")
	if got := testutil.ToFloat64(m.notifications.WithLabelValues("slack", "delivered")); got != 1 {
		t.Fatalf("notifications %v", got)
	}
	if err := cache.Delete(t.Context(), eval); err != nil {
		t.Fatal(err)
	}
	m.Forget("risk", "credit")
	if n, err := testutil.GatherAndCount(reg, "fairness_metric_value", "fairness_group_rate",
		"fairness_evaluation_severity", "fairness_evaluation_last_success_timestamp_seconds",
		"fairness_evaluation_last_run_duration_seconds", "fairness_evaluation_schedule_interval_seconds",
		"fairness_evaluation_runs_total"); err != nil || n != 0 {
		t.Fatalf("%d series left after the evaluation was deleted (%v)", n, err)
	}
}

// failingReader is a cache that cannot answer.
type failingReader struct{ client.Reader }

func (failingReader) List(context.Context, client.ObjectList, ...client.ListOption) error {
	return errors.New("cache not synced")
}

// TestAScrapeSurvivesACacheThatCannotAnswer: the other metrics are still
// served, with no status gauges, when the cache fails.
func TestAScrapeSurvivesACacheThatCannotAnswer(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg, failingReader{})
	m.Notified("slack", "delivered")
	families, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	names := map[string]bool{}
	for _, f := range families {
		names[f.GetName()] = true
	}
	if !names["fairness_notifications_total"] || names["fairness_evaluation_severity"] {
		t.Fatalf("families %v, want the notification counter and no status gauge", names)
	}
}
