package controller

import (
	"context"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
	"github.com/fairness-operator/fairness-operator/internal/fairness"
)

// TestReopenedIncidentKeepsTheConfiguredDeadline: with a 5-minute Sev2
// deadline configured, a reopened Sev2 incident must be acknowledged within
// 5 minutes (before, it got the scale's default hour).
func TestReopenedIncidentKeepsTheConfiguredDeadline(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	in := &fairnessv1alpha1.BiasIncident{
		Spec: fairnessv1alpha1.BiasIncidentSpec{State: fairnessv1alpha1.IncidentOpen, ReopenReason: "the bias came back"},
		Status: fairnessv1alpha1.BiasIncidentStatus{State: fairnessv1alpha1.IncidentResolved, Severity: fairnessv1alpha1.Severity2,
			ResolvedAt: &metav1.Time{Time: now.Add(-time.Hour)}},
	}
	r := &BiasIncidentReconciler{}
	r.applyStateChange(newIncidentPass(in, now), map[fairness.Severity]time.Duration{fairness.Sev2: 5 * time.Minute}, nil)
	if in.Status.State != fairnessv1alpha1.IncidentOpen || in.Status.AcknowledgeBy == nil ||
		!in.Status.AcknowledgeBy.Time.Equal(now.Add(5*time.Minute)) {
		t.Fatalf("reopened: state %s, acknowledge by %v; want Open by %v", in.Status.State, in.Status.AcknowledgeBy, now.Add(5*time.Minute))
	}
}

// TestPolicyOfReturnsReadErrors: a transient error reading the evaluation is
// returned (the reconcile retries with backoff); before, it silently meant
// the default policy, and a delivery to an unknown target failed an attempt.
// A missing evaluation still means the defaults: incidents outlive it.
func TestPolicyOfReturnsReadErrors(t *testing.T) {
	t.Parallel()
	scheme := runtime.NewScheme()
	if err := fairnessv1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	in := &fairnessv1alpha1.BiasIncident{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "i"},
		Spec: fairnessv1alpha1.BiasIncidentSpec{EvaluationRef: fairnessv1alpha1.LocalObjectReference{Name: "e"}}}
	unavailable := interceptor.Funcs{Get: func(context.Context, client.WithWatch, client.ObjectKey, client.Object, ...client.GetOption) error {
		return apierrors.NewServiceUnavailable("etcd is restarting")
	}}
	r := &BiasIncidentReconciler{Client: interceptor.NewClient(fake.NewClientBuilder().WithScheme(scheme).Build(), unavailable)}
	if _, _, err := r.policyOf(context.Background(), in); err == nil || !strings.Contains(err.Error(), "etcd is restarting") {
		t.Fatalf("policyOf with the API unavailable: %v", err)
	}
	r.Client = fake.NewClientBuilder().WithScheme(scheme).Build()
	if _, targets, err := r.policyOf(context.Background(), in); err != nil || targets != nil {
		t.Fatalf("policyOf of a deleted evaluation: %v, %v", targets, err)
	}
}
