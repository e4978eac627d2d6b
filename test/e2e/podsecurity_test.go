package e2e

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
)

// Evaluation pods pass the restricted Pod Security Standard: in a namespace
// that enforces it, the API server admits them and the run succeeds. A pod
// that breaks the standard is refused there (so the check is live).
func TestEvaluationPodsPassRestrictedPodSecurity(t *testing.T) {
	ctx := context.Background()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "restricted",
		Labels: map[string]string{"pod-security.kubernetes.io/enforce": "restricted"}}}
	if err := k8s().Create(ctx, ns); err != nil {
		t.Fatal(err)
	}
	bad := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "privileged"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "x",
			SecurityContext: &corev1.SecurityContext{Privileged: new(true)}}}}}
	if err := k8s().Create(ctx, bad); err == nil {
		t.Fatal("a privileged pod was admitted: the namespace does not enforce the restricted standard")
	}
	eval := evaluation(ns.Name, "restricted", 2, 0)
	if err := k8s().Create(ctx, eval); err != nil {
		t.Fatal(err)
	}
	waitForResult(t, eval, fairnessv1alpha1.RunSucceeded, 2*time.Minute)
	var pods corev1.PodList
	if err := k8s().List(ctx, &pods, client.InNamespace(ns.Name)); err != nil {
		t.Fatal(err)
	}
	if len(pods.Items) < 2 {
		t.Fatalf("%d evaluation pods admitted, want 2 (one per shard)", len(pods.Items))
	}
	for _, p := range pods.Items {
		if p.Spec.AutomountServiceAccountToken == nil || *p.Spec.AutomountServiceAccountToken {
			t.Errorf("pod %s mounts a service-account token", p.Name)
		}
		for _, v := range p.Spec.Volumes {
			if v.Projected != nil {
				t.Errorf("pod %s has a projected (token) volume %s", p.Name, v.Name)
			}
		}
	}
}
