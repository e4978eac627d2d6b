package controller

import (
	"context"
	"fmt"

	batchv1 "k8s.io/api/batch/v1"

	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
)

// statisticsElided stands in the cache for a last run's encoded statistics
// (up to 64 KiB, most of what an evaluation weighs): the informer would
// otherwise hold every evaluation's copy, though only a re-grade reads
// them, for one evaluation at a time, uncached (statisticsOf). A value,
// not an empty field, so that a status patch computed from a cached
// object still removes the statistics when a new last run has none.
const statisticsElided = "elided-in-cache"

// stripManagedFields is the cache transform of every kind: the operator
// patches, it does not apply, so it never reads managed fields.
var stripManagedFields = cache.TransformStripManagedFields()

// slimEvaluation is the cache transform of FairnessEvaluations: no managed
// fields and no encoded statistics.
func slimEvaluation(obj any) (any, error) {
	obj, err := stripManagedFields(obj)
	if err != nil {
		return obj, err
	}
	if eval, ok := obj.(*fairnessv1alpha1.FairnessEvaluation); ok && eval.Status.LastRun != nil &&
		eval.Status.LastRun.Statistics != "" {
		eval.Status.LastRun.Statistics = statisticsElided
	}
	return obj, nil
}

// slimJob is the cache transform of the evaluation Jobs: the operator
// reads a cached Job's metadata (labels, owner) and its conditions, never
// its spec, whose pod template carries the run's whole configuration.
func slimJob(obj any) (any, error) {
	obj, err := stripManagedFields(obj)
	if err != nil {
		return obj, err
	}
	if job, ok := obj.(*batchv1.Job); ok {
		job.Spec = batchv1.JobSpec{}
		job.Status = batchv1.JobStatus{Conditions: job.Status.Conditions}
	}
	return obj, nil
}

// statisticsOf returns the encoded statistics of the evaluation's last run,
// reading them from the API server when the cache elided them. A cache
// behind the server (another last run there) is an error: the reconcile is
// retried and its status write would have conflicted anyway.
func (r *FairnessEvaluationReconciler) statisticsOf(ctx context.Context, eval *fairnessv1alpha1.FairnessEvaluation) (string, error) {
	last := eval.Status.LastRun
	if last.Statistics != statisticsElided {
		return last.Statistics, nil
	}
	var live fairnessv1alpha1.FairnessEvaluation
	if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(eval), &live); err != nil {
		return "", fmt.Errorf("reading the statistics of run %s: %w", last.ID, err)
	}
	if live.Status.LastRun == nil || live.Status.LastRun.ID != last.ID {
		return "", fmt.Errorf("reading the statistics of run %s: the cache is behind the API server", last.ID)
	}
	return live.Status.LastRun.Statistics, nil
}
