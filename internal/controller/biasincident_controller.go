package controller

import (
	"context"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
)

// BiasIncidentReconciler runs the incident-response lifecycle of BiasIncidents.
type BiasIncidentReconciler struct {
	client.Client
}

// +kubebuilder:rbac:groups=fairness.dev,resources=biasincidents,verbs=get;list;watch
// +kubebuilder:rbac:groups=fairness.dev,resources=biasincidents/status,verbs=get;update;patch

// Reconcile brings one BiasIncident closer to its policy. Deadlines,
// escalation and notifications arrive with the incident issue; for now it only
// reads the object.
func (r *BiasIncidentReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var incident fairnessv1alpha1.BiasIncident
	return ctrl.Result{}, client.IgnoreNotFound(r.Get(ctx, req.NamespacedName, &incident))
}

// SetupWithManager registers the reconciler with the manager.
func (r *BiasIncidentReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&fairnessv1alpha1.BiasIncident{}).
		Named("biasincident").
		Complete(r)
}
