package e2e

import (
	"context"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
	"github.com/fairness-operator/fairness-operator/test/envtestutil"
)

func namespace(t *testing.T, name string) string {
	t.Helper()
	if err := k8s().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}); err != nil {
		t.Fatal(err)
	}
	return name
}

func evaluation(ns, name string, shards int32, disparity float64) *fairnessv1alpha1.FairnessEvaluation {
	return &fairnessv1alpha1.FairnessEvaluation{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: fairnessv1alpha1.FairnessEvaluationSpec{
			Source:  fairnessv1alpha1.DataSource{Builtin: &fairnessv1alpha1.BuiltinSource{Rows: 40000, Seed: new(int64(11)), Disparity: disparity}},
			Columns: fairnessv1alpha1.ColumnMapping{Label: "repaid", Prediction: "approved", Score: "score", Protected: []string{"sex", "age_group"}},
			Shards:  shards, BackoffLimit: new(int32(4)), ActiveDeadlineSeconds: 600, MinGroupSize: new(int32(30)), HistoryLimit: 5,
			Thresholds: []fairnessv1alpha1.MetricThreshold{{Metric: "demographicParityDifference",
				Levels: []fairnessv1alpha1.ThresholdLevel{{Value: 0.1, Severity: fairnessv1alpha1.Severity2}}}},
		},
	}
}

func waitForResult(t *testing.T, eval *fairnessv1alpha1.FairnessEvaluation, want fairnessv1alpha1.RunResult, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if err := k8s().Get(context.Background(), client.ObjectKeyFromObject(eval), eval); err != nil {
			t.Fatal(err)
		}
		if lr := eval.Status.LastRun; lr != nil && eval.Status.ActiveRun == nil {
			if lr.Result != want {
				t.Fatalf("run %s ended %s (%s: %s), want %s", lr.ID, lr.Result, lr.Reason, lr.Message, want)
			}
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("no finished run of %s after %v: %+v", eval.Name, timeout, eval.Status)
}

func statistics(t *testing.T, eval *fairnessv1alpha1.FairnessEvaluation) string {
	t.Helper()
	stats, err := envtestutil.GradedStatistics(eval.Status.LastRun.Statistics)
	if err != nil {
		t.Fatal(err)
	}
	return stats
}

func TestShardedRunEqualsUnshardedRun(t *testing.T) {
	ns := namespace(t, "sharding")
	whole, sharded := evaluation(ns, "whole", 1, 0.2), evaluation(ns, "sharded", 4, 0.2)
	for _, e := range []*fairnessv1alpha1.FairnessEvaluation{whole, sharded} {
		if err := k8s().Create(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	waitForResult(t, whole, fairnessv1alpha1.RunSucceeded, 2*time.Minute)
	waitForResult(t, sharded, fairnessv1alpha1.RunSucceeded, 2*time.Minute)
	var job batchv1.Job
	if err := k8s().Get(context.Background(), client.ObjectKey{Namespace: ns, Name: sharded.Status.LastRun.JobName}, &job); err != nil {
		t.Fatal(err)
	}
	if job.Status.Succeeded != 4 || job.Spec.CompletionMode == nil || *job.Spec.CompletionMode != batchv1.IndexedCompletion {
		t.Fatalf("sharded Job: %d pods succeeded, mode %v", job.Status.Succeeded, job.Spec.CompletionMode)
	}
	if whole.Status.LastRun.Rows != 40000 || sharded.Status.LastRun.Rows != 40000 {
		t.Fatalf("rows %d and %d, want 40000", whole.Status.LastRun.Rows, sharded.Status.LastRun.Rows)
	}
	if statistics(t, whole) != statistics(t, sharded) {
		t.Fatal("4 shards gave different statistics from 1")
	}
}

// A pod whose data source answers 503 fails; the Job controller's retry
// (after its backoff) succeeds.
func TestPodFailsThenSucceedsUnderBackoff(t *testing.T) {
	ctx := context.Background()
	ns := namespace(t, "backoff")
	var requests atomic.Int32
	srv := hostServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The first GET fails; the HEAD that asks whether the file can be
		// read in parts on every core does not count (this server has no ranges).
		if r.Method == http.MethodGet && requests.Add(1) == 1 {
			http.Error(w, "warming up", http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, "y,p,g\n1,1,a\n0,0,a\n1,0,b\n0,1,b\n")
	}))
	eval := evaluation(ns, "retry", 1, 0)
	eval.Spec.Source = fairnessv1alpha1.DataSource{URL: &fairnessv1alpha1.URLSource{URL: srv.URL + "/preds.csv", TimeoutSeconds: 30}}
	eval.Spec.Columns = fairnessv1alpha1.ColumnMapping{Label: "y", Prediction: "p", Protected: []string{"g"}}
	if err := k8s().Create(ctx, eval); err != nil {
		t.Fatal(err)
	}
	waitForResult(t, eval, fairnessv1alpha1.RunSucceeded, 2*time.Minute)
	var job batchv1.Job
	if err := k8s().Get(ctx, client.ObjectKey{Namespace: ns, Name: eval.Status.LastRun.JobName}, &job); err != nil {
		t.Fatal(err)
	}
	if job.Status.Failed < 1 || job.Status.Succeeded != 1 || eval.Status.LastRun.Rows != 4 {
		t.Fatalf("Job failed %d succeeded %d, rows %d", job.Status.Failed, job.Status.Succeeded, eval.Status.LastRun.Rows)
	}
}

func TestDeletedEvaluationLeavesItsIncident(t *testing.T) {
	ctx := context.Background()
	ns := namespace(t, "audit")
	eval := evaluation(ns, "biased", 2, 0.3)
	if err := k8s().Create(ctx, eval); err != nil {
		t.Fatal(err)
	}
	waitForResult(t, eval, fairnessv1alpha1.RunSucceeded, 2*time.Minute)
	if eval.Status.Severity != fairnessv1alpha1.Severity2 || eval.Status.IncidentRef == nil {
		t.Fatalf("severity %s incident %v", eval.Status.Severity, eval.Status.IncidentRef)
	}
	name := eval.Status.IncidentRef.Name
	if err := k8s().Delete(ctx, eval, client.PropagationPolicy(metav1.DeletePropagationForeground)); err != nil {
		t.Fatal(err)
	}
	// The garbage collector removes the owned Jobs; the incident stays.
	deadline := time.Now().Add(time.Minute)
	for {
		var jobs batchv1.JobList
		if err := k8s().List(ctx, &jobs, client.InNamespace(ns)); err != nil {
			t.Fatal(err)
		}
		if len(jobs.Items) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d Jobs left after deleting their evaluation", len(jobs.Items))
		}
		time.Sleep(250 * time.Millisecond)
	}
	var in fairnessv1alpha1.BiasIncident
	if err := k8s().Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &in); err != nil {
		t.Fatalf("incident %s after the evaluation was deleted: %v", name, err)
	}
}
