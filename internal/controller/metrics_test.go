package controller

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
)

func TestMetricsFollowStatusAndForget(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	v := 0.25
	eval := biasedEvaluation("risk", "credit")
	eval.Status.Severity = fairnessv1alpha1.Severity2
	eval.Status.Metrics = []fairnessv1alpha1.MetricStatus{{Name: "demographicParityDifference",
		Method: fairnessv1alpha1.MethodBetweenGroups, Attribute: "sex", Value: &v}}
	eval.Status.Groups = []fairnessv1alpha1.GroupStatus{{Attribute: "sex", Group: "female", Count: 10, SelectionRate: &v}}
	m.Observe(eval)
	start := metav1.Now()
	end := metav1.NewTime(start.Add(3 * time.Second))
	m.RunFinished(eval, &fairnessv1alpha1.RunStatus{StartTime: &start, CompletionTime: &end}, true)
	want := `
# HELP fairness_metric_value Value of a fairness metric in the last successful run (between groups, privileged or population).
# TYPE fairness_metric_value gauge
fairness_metric_value{attribute="sex",evaluation="credit",method="betweenGroups",metric="demographicParityDifference",namespace="risk"} 0.25
# HELP fairness_evaluation_severity Severity of the last graded run: 0 none, 4 Sev4 ... 1 Sev1.
# TYPE fairness_evaluation_severity gauge
fairness_evaluation_severity{evaluation="credit",namespace="risk"} 2
# HELP fairness_evaluation_runs_total Finished evaluation runs by result.
# TYPE fairness_evaluation_runs_total counter
fairness_evaluation_runs_total{evaluation="credit",namespace="risk",result="succeeded"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "fairness_metric_value",
		"fairness_evaluation_severity", "fairness_evaluation_runs_total"); err != nil {
		t.Fatal(err)
	}
	if n := testutil.CollectAndCount(m.groupRate); n != 1 {
		t.Fatalf("%d group-rate series, want 1", n)
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
	m.Forget("risk", "credit")
	for _, c := range []prometheus.Collector{m.metricValue, m.groupRate, m.severity, m.runs, m.duration, m.lastSuccess, m.interval} {
		if n := testutil.CollectAndCount(c); n != 0 {
			t.Fatalf("%d series left after the evaluation was deleted", n)
		}
	}
}
