package api

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
	"github.com/fairness-operator/fairness-operator/internal/evaluate"
	"github.com/fairness-operator/fairness-operator/internal/fairness"
)

// TestReportOfAnEvaluationOnTheCluster runs `kubectl fairness report NAME`
// against the real API server: the last run's stored statistics are graded
// with the spec, and the history and the incident trail come along.
func TestReportOfAnEvaluationOnTheCluster(t *testing.T) {
	ns := createNamespace(t, "report-cli")
	c := typedClient(t)
	ctx := context.Background()
	eval := &fairnessv1alpha1.FairnessEvaluation{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "credit"},
		Spec: fairnessv1alpha1.FairnessEvaluationSpec{
			Source: fairnessv1alpha1.DataSource{ConfigMap: &fairnessv1alpha1.ConfigMapSource{Name: "preds", Key: "preds.csv"}},
			Columns: fairnessv1alpha1.ColumnMapping{Label: "y", Prediction: "p", Protected: []string{"sex"},
				Privileged: []fairnessv1alpha1.PrivilegedValues{{Attribute: "sex", Values: []string{"male"}}}},
			MinGroupSize: new(int32(10)),
			Thresholds: []fairnessv1alpha1.MetricThreshold{{Metric: "demographicParityDifference",
				Levels: []fairnessv1alpha1.ThresholdLevel{{Value: 0.1, Severity: fairnessv1alpha1.Severity2}}}},
		}}
	if err := c.Create(ctx, eval); err != nil {
		t.Fatal(err)
	}
	stats := womenAtHalfTheMensRate(t, "r2", 3)
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *metav1.Time { return &metav1.Time{Time: t0.Add(d)} }
	eval.Status = fairnessv1alpha1.FairnessEvaluationStatus{Severity: fairnessv1alpha1.Severity2,
		LastRun: &fairnessv1alpha1.RunStatus{ID: "r2", JobName: "credit-r2", Result: fairnessv1alpha1.RunSucceeded,
			StartTime: at(time.Hour), CompletionTime: at(time.Hour + time.Minute), Rows: 200, Statistics: stats},
		History: []fairnessv1alpha1.RunRecord{
			{ID: "r2", CompletionTime: at(time.Hour + time.Minute), Result: fairnessv1alpha1.RunSucceeded, Severity: fairnessv1alpha1.Severity2,
				Metrics: []fairnessv1alpha1.RunMetric{{Name: "demographicParityDifference", Method: "betweenGroups", Attribute: "sex", Value: 0.3}}},
			{ID: "r1", CompletionTime: at(time.Minute), Result: fairnessv1alpha1.RunSucceeded, Severity: fairnessv1alpha1.SeverityNone,
				Metrics: []fairnessv1alpha1.RunMetric{{Name: "demographicParityDifference", Method: "betweenGroups", Attribute: "sex", Value: 0.05}}},
		}}
	if err := c.Status().Update(ctx, eval); err != nil {
		t.Fatal(err)
	}
	operatorLabels := map[string]string{fairnessv1alpha1.EvaluationLabel: "credit",
		"app.kubernetes.io/managed-by": "fairness-operator"}
	in := &fairnessv1alpha1.BiasIncident{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "credit-r2", Labels: operatorLabels},
		Spec: fairnessv1alpha1.BiasIncidentSpec{EvaluationRef: fairnessv1alpha1.LocalObjectReference{Name: "credit"}}}
	if err := c.Create(ctx, in); err != nil {
		t.Fatal(err)
	}
	// Neither a hand-made incident with the operator's labels nor one opened
	// for an earlier evaluation of the same name belongs in this one's trail.
	forged := &fairnessv1alpha1.BiasIncident{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "credit-forged", Labels: operatorLabels},
		Spec: fairnessv1alpha1.BiasIncidentSpec{EvaluationRef: fairnessv1alpha1.LocalObjectReference{Name: "credit"}}}
	earlier := &fairnessv1alpha1.BiasIncident{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "credit-earlier", Labels: operatorLabels,
		Annotations: map[string]string{"fairness.dev/evaluation-uid": "uid-of-a-deleted-evaluation"}},
		Spec: fairnessv1alpha1.BiasIncidentSpec{EvaluationRef: fairnessv1alpha1.LocalObjectReference{Name: "credit"}}}
	for _, other := range []*fairnessv1alpha1.BiasIncident{forged, earlier} {
		if err := c.Create(ctx, other); err != nil {
			t.Fatal(err)
		}
	}
	earlier.Status = fairnessv1alpha1.BiasIncidentStatus{Severity: fairnessv1alpha1.Severity1, State: fairnessv1alpha1.IncidentOpen,
		OpenedAt: at(-time.Hour)}
	if err := c.Status().Update(ctx, earlier); err != nil {
		t.Fatal(err)
	}
	in.Status = fairnessv1alpha1.BiasIncidentStatus{Severity: fairnessv1alpha1.Severity2, HighestSeverity: fairnessv1alpha1.Severity2,
		State: fairnessv1alpha1.IncidentAcknowledged, OpenedAt: at(time.Hour + time.Minute),
		Timeline: []fairnessv1alpha1.TimelineEntry{
			{Time: *at(time.Hour + 20*time.Minute), Type: fairnessv1alpha1.TimelineAcknowledged, Actor: "alice", Message: "looking at the cutoff"},
			{Time: *at(time.Hour + time.Minute), Type: fairnessv1alpha1.TimelineOpened, Message: "demographicParityDifference 0.3"},
		},
		Notifications: []fairnessv1alpha1.NotificationDelivery{{Target: "oncall", IdempotencyKey: "k1",
			Result: fairnessv1alpha1.DeliveryDelivered, Attempts: 1, LastAttemptTime: at(time.Hour + 2*time.Minute)}}}
	if err := c.Status().Update(ctx, in); err != nil {
		t.Fatal(err)
	}

	code, out, errOut := fairctl("report", "credit", "-n", ns, "--format", "json")
	if code != 0 {
		t.Fatalf("report: exit %d: %s", code, errOut)
	}
	var ev struct {
		Summary struct {
			Evaluation, Namespace, RunID string
			Severity                     string
			Breaches                     []struct{ Metric string }
		}
		Provenance struct {
			Rows   int64
			Source struct {
				Description string
				RowsRead    int64
				RowsBad     int64
			}
		}
		Attributes []struct {
			Groups []struct {
				Group                 string
				PrivilegedImpactRatio *float64
			}
		}
		History []struct {
			RunID   string
			Metrics map[string]float64
		}
		Incidents []struct {
			Name  string
			Trail []struct {
				State, By, Note string
			}
			Notifications []struct{ Target, Result string }
		}
	}
	if err := json.Unmarshal([]byte(out), &ev); err != nil {
		t.Fatal(err)
	}
	s := ev.Summary
	if s.Evaluation != "credit" || s.Namespace != ns || s.RunID != "r2" || s.Severity != "Sev2" ||
		len(s.Breaches) != 1 || s.Breaches[0].Metric != "demographicParityDifference" {
		t.Fatalf("summary %+v", s)
	}
	if p := ev.Provenance; p.Rows != 200 || p.Source.RowsRead != 203 || p.Source.RowsBad != 3 ||
		p.Source.Description != "ConfigMap preds, key preds.csv" {
		t.Fatalf("provenance %+v", p)
	}
	if g := ev.Attributes[0].Groups; len(g) != 2 || g[0].Group != "female" || g[0].PrivilegedImpactRatio == nil ||
		*g[0].PrivilegedImpactRatio != 0.5 {
		t.Fatalf("groups %+v: want female at 0.30/0.60 = 0.5 of the privileged rate", g)
	}
	// The trend follows the headline value the history recorded, not the severity.
	const series = "demographicParityDifference (sex)"
	if h := ev.History; len(h) != 2 || h[0].RunID != "r1" || len(h[0].Metrics) != 1 || h[0].Metrics[series] != 0.05 ||
		h[1].Metrics[series] != 0.3 {
		t.Fatalf("history %+v, want r1 at 0.05 then r2 at 0.3", ev.History)
	}
	if len(ev.Incidents) != 1 || ev.Incidents[0].Name != "credit-r2" || len(ev.Incidents[0].Trail) != 2 || ev.Incidents[0].Trail[0].State != "Opened" ||
		ev.Incidents[0].Trail[1].By != "alice" || ev.Incidents[0].Notifications[0].Result != "Delivered" {
		t.Fatalf("incidents %+v", ev.Incidents)
	}

	code, out, _ = fairctl("report", "credit", "-n", ns)
	if code != 0 || !strings.Contains(out, `id="severity">Sev2<`) || !strings.Contains(out, "looking at the cutoff") ||
		!strings.Contains(out, ">"+series+"<") {
		t.Fatalf("html report: exit %d, %d bytes", code, len(out))
	}
	if code, _, errOut := fairctl("report", "missing", "-n", ns); code == 0 ||
		!strings.Contains(errOut, "evaluation "+ns+"/missing") {
		t.Fatalf("missing evaluation: exit %d %q", code, errOut)
	}
}

// A train-mode evaluation's report places its method on the methods chart:
// the accuracy of the stored test split and its demographic-parity gap.
func TestReportOfATrainModeEvaluation(t *testing.T) {
	ns := createNamespace(t, "report-train")
	c := typedClient(t)
	ctx := context.Background()
	eval := &fairnessv1alpha1.FairnessEvaluation{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "trained"},
		Spec: fairnessv1alpha1.FairnessEvaluationSpec{Mode: fairnessv1alpha1.ModeTrain,
			Source:  fairnessv1alpha1.DataSource{ConfigMap: &fairnessv1alpha1.ConfigMapSource{Name: "train", Key: "train.csv"}},
			Columns: fairnessv1alpha1.ColumnMapping{Label: "y", Protected: []string{"sex"}},
			Train:   &fairnessv1alpha1.TrainSettings{Method: fairnessv1alpha1.MethodExpgrad}}}
	if err := c.Create(ctx, eval); err != nil {
		t.Fatal(err)
	}
	stats := womenAtHalfTheMensRate(t, "t1", 0) // as the test split: 155 of 200 right
	done := &metav1.Time{Time: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	eval.Status = fairnessv1alpha1.FairnessEvaluationStatus{LastRun: &fairnessv1alpha1.RunStatus{ID: "t1", JobName: "trained-t1",
		Result: fairnessv1alpha1.RunSucceeded, StartTime: done, CompletionTime: done, Rows: 200, Statistics: stats}}
	if err := c.Status().Update(ctx, eval); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := fairctl("report", "trained", "-n", ns, "--format", "json")
	if code != 0 {
		t.Fatalf("report: exit %d: %s", code, errOut)
	}
	var ev struct {
		Summary struct{ Mode string }
		Methods []struct {
			Name                        string
			Accuracy                    float64
			DemographicParityDifference float64
		}
	}
	if err := json.Unmarshal([]byte(out), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Summary.Mode != "train" || len(ev.Methods) != 1 || ev.Methods[0].Name != "expgrad" ||
		math.Abs(ev.Methods[0].Accuracy-0.775) > 1e-12 || math.Abs(ev.Methods[0].DemographicParityDifference-0.3) > 1e-12 {
		t.Fatalf("mode %q, methods %+v; want expgrad at accuracy 155/200 and a gap of 0.6 - 0.3", ev.Summary.Mode, ev.Methods)
	}
}

// womenAtHalfTheMensRate is a run's encoded statistics: 100 women, 30
// approved; 100 men, 60 approved; 155 of the 200 decisions right.
func womenAtHalfTheMensRate(t *testing.T, run string, badRows int64) string {
	t.Helper()
	table := fairness.NewTable([]string{"sex"}, 0)
	table.GroupFor("female").Counts = fairness.Counts{TP: 20, FP: 10, TN: 60, FN: 10}
	table.GroupFor("male").Counts = fairness.Counts{TP: 45, FP: 15, TN: 30, FN: 10}
	stats, err := evaluate.NewResult(run, 0, 1, 200, badRows, table).Encode()
	if err != nil {
		t.Fatal(err)
	}
	return stats
}
