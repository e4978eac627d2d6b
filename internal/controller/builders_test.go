package controller

import (
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
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

// evaluationBuilder builds FairnessEvaluations for tests.
type evaluationBuilder struct {
	fairnessv1alpha1.FairnessEvaluation
}

func makeEvaluation(ns, name string) *evaluationBuilder {
	b := &evaluationBuilder{}
	b.Namespace, b.Name = ns, name
	b.Spec.Columns = fairnessv1alpha1.ColumnMapping{Label: "repaid", Prediction: "approved", Score: "score",
		Protected: []string{"sex"}, Privileged: []fairnessv1alpha1.PrivilegedValues{{Attribute: "sex", Values: []string{"male"}}}}
	return b
}

// builtin reads the built-in credit dataset with the given disparity between the sexes.
func (b *evaluationBuilder) builtin(rows int64, disparity float64) *evaluationBuilder {
	b.Spec.Source = fairnessv1alpha1.DataSource{Builtin: &fairnessv1alpha1.BuiltinSource{Rows: rows, Seed: new(int64(1)),
		Disparity: disparity}}
	return b
}

// threshold grades a metric with one level.
func (b *evaluationBuilder) threshold(metric string, value float64, sev fairnessv1alpha1.Severity) *evaluationBuilder {
	b.Spec.Thresholds = append(b.Spec.Thresholds, fairnessv1alpha1.MetricThreshold{Metric: fairnessv1alpha1.MetricName(metric),
		Levels: []fairnessv1alpha1.ThresholdLevel{{Value: value, Severity: sev}}})
	return b
}

func (b *evaluationBuilder) obj() *fairnessv1alpha1.FairnessEvaluation { return b.DeepCopy() }

// biasedEvaluation breaches its Sev2 demographic-parity threshold on every run.
func biasedEvaluation(ns, name string) *fairnessv1alpha1.FairnessEvaluation {
	return makeEvaluation(ns, name).builtin(5000, 0.25).threshold("demographicParityDifference", 0.1,
		fairnessv1alpha1.Severity2).obj()
}

// podBuilder builds evaluation pods as a Job's pods look when a run ends.
type podBuilder struct{ corev1.Pod }

func makePod(name string) *podBuilder {
	b := &podBuilder{}
	b.Name = name
	b.Spec.Containers = []corev1.Container{{Name: containerName}}
	return b
}

// terminated: the container exited with code (and the kubelet's reason and termination message).
func (b *podBuilder) terminated(code int32, reason, msg string) *podBuilder {
	b.Spec.Containers[0].Resources.Limits = corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")}
	b.Status.Phase = corev1.PodFailed
	b.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: containerName,
		State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: code, Reason: reason, Message: msg}}}}
	return b
}

// running: the pod runs on node-a, ready or not (a lost node makes it unready).
func (b *podBuilder) running(ready corev1.ConditionStatus) *podBuilder {
	b.Spec.NodeName = "node-a"
	b.Status.Phase = corev1.PodRunning
	b.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: ready}}
	return b
}

func (b *podBuilder) obj() corev1.Pod { return *b.DeepCopy() }

func failedPod(name string, code int32, reason, msg string) corev1.Pod {
	return makePod(name).terminated(code, reason, msg).obj()
}

func runningPod(name string, ready corev1.ConditionStatus) corev1.Pod {
	return makePod(name).running(ready).obj()
}

// jobBuilder builds a run's Job.
type jobBuilder struct{ batchv1.Job }

func makeJob(ns, name string) *jobBuilder {
	b := &jobBuilder{}
	b.Namespace, b.Name = ns, name
	return b
}

func (b *jobBuilder) obj() *batchv1.Job { return b.DeepCopy() }
