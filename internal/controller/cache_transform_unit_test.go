package controller

import (
	"context"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
)

func withLastRun(ns, name, runID, stats string) *fairnessv1alpha1.FairnessEvaluation {
	e := makeEvaluation(ns, name).builtin(100, 0).obj()
	e.Status.LastRun = &fairnessv1alpha1.RunStatus{ID: runID, JobName: name + "-" + runID,
		Result: fairnessv1alpha1.RunSucceeded, Statistics: stats}
	return e
}

func TestSlimEvaluationElidesStatisticsAndManagedFields(t *testing.T) {
	t.Parallel()
	full := withLastRun("ns", "e", "g1", strings.Repeat("s", 60<<10))
	full.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "kubectl", Operation: metav1.ManagedFieldsOperationUpdate,
		APIVersion: "fairness.dev/v1alpha1"}}
	obj, err := slimEvaluation(full)
	if err != nil {
		t.Fatal(err)
	}
	e := obj.(*fairnessv1alpha1.FairnessEvaluation)
	if e.Status.LastRun.Statistics != statisticsElided || e.ManagedFields != nil {
		t.Fatalf("cached: statistics %.20q, managed fields %v", e.Status.LastRun.Statistics, e.ManagedFields)
	}
	bare := withLastRun("ns", "e", "g1", "")
	obj, _ = slimEvaluation(bare)
	if got := obj.(*fairnessv1alpha1.FairnessEvaluation).Status.LastRun.Statistics; got != "" {
		t.Fatalf("a run without statistics got %q in the cache", got)
	}
}

// A status patch computed from a cached (slim) evaluation keeps the stored
// statistics when the last run is unchanged, and removes them when a new
// last run has none: the placeholder never reaches the API server.
func TestPatchFromTheSlimCacheKeepsOrReplacesStatistics(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	stored := withLastRun("ns", "e", "g1", "real-statistics")
	c := fakeClient(t, stored)
	read := func() *fairnessv1alpha1.FairnessEvaluation {
		var e fairnessv1alpha1.FairnessEvaluation
		if err := c.Get(ctx, client.ObjectKeyFromObject(stored), &e); err != nil {
			t.Fatal(err)
		}
		obj, _ := slimEvaluation(&e)
		return obj.(*fairnessv1alpha1.FairnessEvaluation)
	}
	patch := func(mutate func(*fairnessv1alpha1.FairnessEvaluationStatus)) {
		cached := read()
		before := cached.DeepCopy()
		mutate(&cached.Status)
		if err := c.Status().Patch(ctx, cached, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})); err != nil {
			t.Fatal(err)
		}
	}
	stats := func() string {
		var e fairnessv1alpha1.FairnessEvaluation
		if err := c.Get(ctx, client.ObjectKeyFromObject(stored), &e); err != nil {
			t.Fatal(err)
		}
		return e.Status.LastRun.Statistics
	}
	patch(func(st *fairnessv1alpha1.FairnessEvaluationStatus) { st.Severity = fairnessv1alpha1.Severity3 })
	if got := stats(); got != "real-statistics" {
		t.Fatalf("after an unrelated patch the stored statistics are %q", got)
	}
	patch(func(st *fairnessv1alpha1.FairnessEvaluationStatus) {
		st.LastRun = &fairnessv1alpha1.RunStatus{ID: "g2", JobName: "e-g2", Result: fairnessv1alpha1.RunFailed}
	})
	if got := stats(); got != "" {
		t.Fatalf("a failed last run kept the previous run's statistics %q", got)
	}
}

func TestStatisticsOfReadsUncachedAndRefusesALaggingCache(t *testing.T) {
	t.Parallel()
	c := fakeClient(t, withLastRun("ns", "e", "g2", "g2-statistics"))
	r := &FairnessEvaluationReconciler{Client: c, APIReader: c}
	for _, tc := range []struct {
		name, runID, cached, want, wantErr string
	}{
		{"kept in the object", "g2", "inline", "inline", ""},
		{"elided, current", "g2", statisticsElided, "g2-statistics", ""},
		{"elided, cache behind", "g1", statisticsElided, "", "the cache is behind"},
	} {
		got, err := r.statisticsOf(context.Background(), withLastRun("ns", "e", tc.runID, tc.cached))
		if got != tc.want || (tc.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%s: %q, %v; want %q, error containing %q", tc.name, got, err, tc.want, tc.wantErr)
		}
	}
}

// TestSlimJobKeepsWhatTheControllerReads: a cached Job keeps its labels,
// owner and conditions (what checkActiveRun and pruneJobs read) and drops
// the spec with the run's configuration.
func TestSlimJobKeepsWhatTheControllerReads(t *testing.T) {
	t.Parallel()
	eval := withLastRun("ns", "e", "g1", "")
	eval.UID = "uid-e"
	full, err := BuildJob(eval, "g2", "fairness-operator:test", nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	full.OwnerReferences = []metav1.OwnerReference{*metav1.NewControllerRef(eval,
		fairnessv1alpha1.GroupVersion.WithKind("FairnessEvaluation"))}
	full.Status = batchv1.JobStatus{Succeeded: 1, Conditions: []batchv1.JobCondition{
		{Type: batchv1.JobFailed, Status: corev1.ConditionTrue, Reason: "DeadlineExceeded", Message: "too slow"}}}
	before := full.DeepCopy()
	obj, err := slimJob(full)
	if err != nil {
		t.Fatal(err)
	}
	slim := obj.(*batchv1.Job)
	if !equality.Semantic.DeepEqual(slim.ObjectMeta, before.ObjectMeta) || !metav1.IsControlledBy(slim, eval) {
		t.Fatalf("metadata changed: %+v", slim.ObjectMeta)
	}
	if done, failed, reason, msg := jobFinished(slim); !done || !failed || reason != "DeadlineExceeded" || msg != "too slow" {
		t.Fatalf("jobFinished on the cached Job: %v %v %q %q", done, failed, reason, msg)
	}
	if len(slim.Spec.Template.Spec.Containers) != 0 || slim.Status.Succeeded != 0 {
		t.Fatalf("the cached Job keeps its spec or counts: %+v", slim.Spec)
	}
}
