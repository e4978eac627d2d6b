package controller

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Direct calls: a test that must show that something does NOT happen calls
// a reconciler itself, uncached, and looks right after the call returns,
// instead of sleeping and hoping the manager's reconcile came and went.

func directEvaluationReconciler(now func() time.Time) *FairnessEvaluationReconciler {
	return &FairnessEvaluationReconciler{Client: k8s, APIReader: k8s, Recorder: events.NewFakeRecorder(64),
		Image: "fairness-operator:test", Now: now, Metrics: NewMetrics(prometheus.NewRegistry())}
}

// directIncidentReconciler is a reconciler as a restarted manager has it:
// a new sender with no send in flight.
func directIncidentReconciler(now func() time.Time) *BiasIncidentReconciler {
	return &BiasIncidentReconciler{Client: k8s, APIReader: k8s, Recorder: events.NewFakeRecorder(64),
		Now: now, Metrics: NewMetrics(prometheus.NewRegistry()), Sender: &sender{},
		RetryBase: 50 * time.Millisecond, RetryCap: time.Second}
}

func reconcileDirectly(t *testing.T, r interface {
	Reconcile(context.Context, ctrl.Request) (ctrl.Result, error)
}, obj client.Object) {
	t.Helper()
	if _, err := r.Reconcile(context.Background(), ctrl.Request{NamespacedName: client.ObjectKeyFromObject(obj)}); err != nil {
		t.Fatalf("reconciling %s directly: %v", obj.GetName(), err)
	}
}

// sendsStarted is how many sends the reconciler's sender holds.
func sendsStarted(r *BiasIncidentReconciler) int {
	r.Sender.mu.Lock()
	defer r.Sender.mu.Unlock()
	return len(r.Sender.sends)
}
