package controller

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
)

// A Job the cache has not seen yet is not a deleted Job: on a real node the
// reconcile after a run's start often came before the Job's watch event,
// and the run was recorded as failed ("Job ... was deleted before the run
// finished") while its pod ran. Only the API server's NotFound ends a run.
func TestActiveRunSurvivesACacheThatLagsBehindTheJob(t *testing.T) {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, fairnessv1alpha1.AddToScheme} {
		if err := add(scheme); err != nil {
			t.Fatal(err)
		}
	}
	eval := &fairnessv1alpha1.FairnessEvaluation{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "e"},
		Status: fairnessv1alpha1.FairnessEvaluationStatus{ActiveRun: &fairnessv1alpha1.RunStatus{ID: "g1", JobName: "e-g1"}}}
	job := makeJob("ns", "e-g1").obj() // running: no terminal condition yet
	lagging := fake.NewClientBuilder().WithScheme(scheme).WithObjects(eval.DeepCopy()).
		WithStatusSubresource(&fairnessv1alpha1.FairnessEvaluation{}).Build()
	server := fake.NewClientBuilder().WithScheme(scheme).WithObjects(eval.DeepCopy(), job).Build()
	r := &FairnessEvaluationReconciler{Client: lagging, APIReader: server}
	over, err := r.checkActiveRun(context.Background(), eval)
	if err != nil || over || eval.Status.ActiveRun == nil {
		t.Fatalf("with the Job on the API server but not in the cache: over %v, err %v, active run %v", over, err, eval.Status.ActiveRun)
	}
}
