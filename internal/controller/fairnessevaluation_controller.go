package controller

import (
	"context"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
)

// FairnessEvaluationReconciler turns FairnessEvaluations into evaluation Jobs
// and their results into status.
type FairnessEvaluationReconciler struct {
	client.Client
}

// +kubebuilder:rbac:groups=fairness.dev,resources=fairnessevaluations,verbs=get;list;watch
// +kubebuilder:rbac:groups=fairness.dev,resources=fairnessevaluations/status,verbs=get;update;patch

// Reconcile brings one FairnessEvaluation closer to its spec. Runs, results
// and status arrive with the controller issue; for now it only reads the object.
func (r *FairnessEvaluationReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var eval fairnessv1alpha1.FairnessEvaluation
	return ctrl.Result{}, client.IgnoreNotFound(r.Get(ctx, req.NamespacedName, &eval))
}

// SetupWithManager registers the reconciler with the manager.
func (r *FairnessEvaluationReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&fairnessv1alpha1.FairnessEvaluation{}).
		Named("fairnessevaluation").
		Complete(r)
}
