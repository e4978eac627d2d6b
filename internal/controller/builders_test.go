package controller

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
)

// incidentBuilder builds BiasIncidents for tests, one named property at a
// time, so a test shows only what matters to it.
type incidentBuilder struct{ fairnessv1alpha1.BiasIncident }

func makeIncident(ns, name string) *incidentBuilder {
	b := &incidentBuilder{}
	b.Namespace, b.Name, b.UID = ns, name, types.UID("uid-"+name)
	b.Spec.EvaluationRef.Name = "credit"
	return b
}

// opened makes it an incident the operator opened at `at`, acknowledgement due an hour later.
func (b *incidentBuilder) opened(at time.Time, sev fairnessv1alpha1.Severity) *incidentBuilder {
	b.Labels = map[string]string{ManagedByLabel: managedByValue}
	b.Status.OpenedAt = &metav1.Time{Time: at}
	b.Status.AcknowledgeBy = &metav1.Time{Time: at.Add(time.Hour)}
	b.Status.State, b.Status.HandledState, b.Status.Severity = fairnessv1alpha1.IncidentOpen, fairnessv1alpha1.IncidentOpen, sev
	return b
}

func (b *incidentBuilder) state(s fairnessv1alpha1.IncidentState) *incidentBuilder {
	b.Spec.State = s
	return b
}

func (b *incidentBuilder) resolvedAt(at time.Time) *incidentBuilder {
	b.Spec.State, b.Status.State, b.Status.HandledState = fairnessv1alpha1.IncidentResolved,
		fairnessv1alpha1.IncidentResolved, fairnessv1alpha1.IncidentResolved
	b.Status.ResolvedAt = &metav1.Time{Time: at}
	return b
}

// pending adds a Pending delivery to target, due at `due` (zero: now).
func (b *incidentBuilder) pending(target, key string, attempts int32, due time.Time) *incidentBuilder {
	d := fairnessv1alpha1.NotificationDelivery{Target: target, IdempotencyKey: key,
		Result: fairnessv1alpha1.DeliveryPending, Attempts: attempts}
	if !due.IsZero() {
		d.NextAttemptTime = &metav1.Time{Time: due}
	}
	b.Status.Notifications = append(b.Status.Notifications, d)
	return b
}

func (b *incidentBuilder) obj() *fairnessv1alpha1.BiasIncident { return b.DeepCopy() }

// webhookTarget is a notification target whose URL is in Secret "hooks".
func webhookTarget(name string, onOpen bool) fairnessv1alpha1.NotificationTarget {
	return fairnessv1alpha1.NotificationTarget{Name: name, Kind: fairnessv1alpha1.NotificationWebhook, OnOpen: onOpen,
		URLSecretRef: fairnessv1alpha1.SecretKeyReference{Name: "hooks", Key: name}}
}

// hooksSecret holds the URLs of webhook targets.
func hooksSecret(ns string, urls map[string]string) *corev1.Secret {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "hooks"}, Data: map[string][]byte{}}
	for k, v := range urls {
		s.Data[k] = []byte(v)
	}
	return s
}

// fakeClient is controller-runtime's fake client with the API's types and
// the status subresource of both kinds.
func fakeClient(t *testing.T, objs ...client.Object) client.WithWatch {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := fairnessv1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := corev1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	return fake.NewClientBuilder().WithScheme(scheme).WithObjects(objs...).
		WithStatusSubresource(&fairnessv1alpha1.BiasIncident{}, &fairnessv1alpha1.FairnessEvaluation{}).Build()
}
