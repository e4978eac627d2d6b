package faults

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
)

func k8s() client.Client { return cluster.Client }

// newNamespace creates a namespace with the webhook Secret in it.
func newNamespace(t *testing.T, name string) string {
	t.Helper()
	ctx := context.Background()
	if err := k8s().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}); err != nil {
		t.Fatal(err)
	}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: name, Name: "hook"},
		StringData: map[string]string{"url": receiver.URL + "/hook"}}
	if err := k8s().Create(ctx, secret); err != nil {
		t.Fatal(err)
	}
	return name
}

// biasedEvaluation reads the data server's biased log, breaches at Sev2 and
// notifies the receiver when its incident opens.
func biasedEvaluation(ns string) *fairnessv1alpha1.FairnessEvaluation {
	return &fairnessv1alpha1.FairnessEvaluation{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "credit"},
		Spec: fairnessv1alpha1.FairnessEvaluationSpec{
			Source: fairnessv1alpha1.DataSource{URL: &fairnessv1alpha1.URLSource{
				URL: fmt.Sprintf("%s/%s.csv", data.URL, ns), TimeoutSeconds: 300}},
			Columns: fairnessv1alpha1.ColumnMapping{Label: "y", Prediction: "p", Protected: []string{"g"}},
			Shards:  1, BackoffLimit: new(int32(2)), ActiveDeadlineSeconds: 600, MinGroupSize: new(int32(30)), HistoryLimit: 5,
			Thresholds: []fairnessv1alpha1.MetricThreshold{{Metric: "demographicParityDifference",
				Levels: []fairnessv1alpha1.ThresholdLevel{{Value: 0.1, Severity: fairnessv1alpha1.Severity2}}}},
			IncidentPolicy: &fairnessv1alpha1.IncidentPolicy{
				Notifications: []fairnessv1alpha1.NotificationTarget{{Name: "oncall", Kind: fairnessv1alpha1.NotificationWebhook,
					URLSecretRef: fairnessv1alpha1.SecretKeyReference{Name: "hook", Key: "url"}, OnOpen: true}},
			},
		},
	}
}

// settled is the state of a namespace once its run, incident and
// notification are done.
type settled struct {
	runs, jobs, incidents, openIncidents int
	keys, posts                          int
}

func (s settled) String() string {
	return fmt.Sprintf("%d run(s), %d Job(s), %d incident(s) (%d open), %d notification(s) in %d POST(s)",
		s.runs, s.jobs, s.incidents, s.openIncidents, s.keys, s.posts)
}

// waitSettled waits until the evaluation's run finished with the expected
// result, its incident (if any) has delivered its notifications, and then
// a little longer, so that a duplicate would have time to show.
func waitSettled(t *testing.T, eval *fairnessv1alpha1.FairnessEvaluation, want fairnessv1alpha1.RunResult,
	timeout time.Duration) settled {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(timeout)
	for {
		if err := k8s().Get(ctx, client.ObjectKeyFromObject(eval), eval); err != nil {
			t.Fatal(err)
		}
		if done(t, eval, want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s/%s not settled after %v: %+v", eval.Namespace, eval.Name, timeout, eval.Status)
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(2 * time.Second)
	return observe(t, eval)
}

func done(t *testing.T, eval *fairnessv1alpha1.FairnessEvaluation, want fairnessv1alpha1.RunResult) bool {
	st := eval.Status
	if st.ActiveRun != nil || st.LastRun == nil {
		return false
	}
	if st.LastRun.Result != want {
		t.Fatalf("run %s ended %s (%s: %s), want %s", st.LastRun.ID, st.LastRun.Result, st.LastRun.Reason, st.LastRun.Message, want)
	}
	if want != fairnessv1alpha1.RunSucceeded {
		return true
	}
	if st.IncidentRef == nil {
		return false
	}
	var in fairnessv1alpha1.BiasIncident
	if err := k8s().Get(context.Background(), client.ObjectKey{Namespace: eval.Namespace, Name: st.IncidentRef.Name}, &in); err != nil {
		return false
	}
	if len(in.Status.Notifications) == 0 {
		return false
	}
	for _, d := range in.Status.Notifications {
		if d.Result != "Delivered" {
			return false
		}
	}
	return true
}

func observe(t *testing.T, eval *fairnessv1alpha1.FairnessEvaluation) settled {
	t.Helper()
	ctx := context.Background()
	var jobs batchv1.JobList
	var incidents fairnessv1alpha1.BiasIncidentList
	if err := k8s().List(ctx, &jobs, client.InNamespace(eval.Namespace)); err != nil {
		t.Fatal(err)
	}
	if err := k8s().List(ctx, &incidents, client.InNamespace(eval.Namespace)); err != nil {
		t.Fatal(err)
	}
	s := settled{runs: len(eval.Status.History), jobs: len(jobs.Items), incidents: len(incidents.Items)}
	for _, in := range incidents.Items {
		if in.Spec.State != fairnessv1alpha1.IncidentResolved {
			s.openIncidents++
		}
	}
	s.keys, s.posts = receiver.deliveries(eval.Namespace)
	return s
}

// report collects one line per fault case for the summary printed at the end.
var report struct {
	sync.Mutex
	lines []string
}

func record(format string, args ...any) {
	report.Lock()
	report.lines = append(report.lines, fmt.Sprintf(format, args...))
	report.Unlock()
}

func printReport(w interface{ Write([]byte) (int, error) }) {
	report.Lock()
	defer report.Unlock()
	if len(report.lines) == 0 {
		return
	}
	fmt.Fprintln(w, "fault-injection summary:\n  "+strings.Join(report.lines, "\n  "))
}

func slackSecret(ns, url string) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "slack"}, StringData: map[string]string{"url": url}}
}
