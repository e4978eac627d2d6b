package controller

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
)

// eventsOf lists the Events about one object.
func eventsOf(t *testing.T, ns, name string) []eventsv1.Event {
	t.Helper()
	var evs eventsv1.EventList
	if err := k8s.List(context.Background(), &evs, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	var out []eventsv1.Event
	for _, e := range evs.Items {
		if e.Regarding.Name == name {
			out = append(out, e)
		}
	}
	return out
}

// TestSecretsInURLsNeverShow: a data URL with a password and a token, and a
// pod message that repeats them (as net/http errors do), leave no secret
// in status or Events, and the evaluation warns that the URL carries
// credentials. The pod's message is also longer than an Event may be: the
// Event is kept, cut to the API server's limit.
func TestSecretsInURLsNeverShow(t *testing.T) {
	stop := startManager(t)
	defer stop()
	ns := newNamespace(t)
	secretURL := "http://admin:hunter2@127.0.0.1:1/x.csv?token=SECRETTOKEN"
	eval := biasedEvaluation(ns, "leaky")
	eval.Spec.Source = fairnessv1alpha1.DataSource{URL: &fairnessv1alpha1.URLSource{URL: secretURL}}
	if err := k8s.Create(context.Background(), eval); err != nil {
		t.Fatal(err)
	}
	job := waitForJobs(t, ns, "leaky", 1)[0]
	podMsg := `fetching ` + secretURL + `: Get "http://admin:***@127.0.0.1:1/x.csv?token=SECRETTOKEN": dial tcp: refused; ` +
		`bad URL "http://admin:p@ss%zz@host/" ` + strings.Repeat("x", 2000)
	finishJob(t, &job, podOutcome{fail: true, message: podMsg})
	waitForRun(t, eval, fairnessv1alpha1.RunFailed, "g1")

	var shown []string
	shown = append(shown, eval.Status.LastRun.Message)
	for _, c := range eval.Status.Conditions {
		shown = append(shown, c.Message)
	}
	var runFailed *eventsv1.Event
	evs := eventsOf(t, ns, "leaky")
	for i, e := range evs {
		shown = append(shown, e.Note)
		if e.Reason == "RunFailed" {
			runFailed = &evs[i]
		}
	}
	for _, s := range shown {
		for _, secret := range []string{"hunter2", "SECRETTOKEN", "admin", "p@ss"} {
			if strings.Contains(s, secret) {
				t.Errorf("%q shows %q", s, secret)
			}
		}
	}
	if runFailed == nil || len(runFailed.Note) > 1024 || !strings.HasSuffix(runFailed.Note, "…") ||
		!strings.Contains(runFailed.Note, "http://REDACTED@127.0.0.1:1/x.csv?token=REDACTED") {
		t.Fatalf("RunFailed event %+v, want one cut to 1024 bytes with the URL redacted", runFailed)
	}
	warn := meta.FindStatusCondition(eval.Status.Conditions, fairnessv1alpha1.ConditionCredentialsInURL)
	if warn == nil || warn.Status != metav1.ConditionTrue || warn.Reason != fairnessv1alpha1.ReasonURLCarriesCredentials ||
		!strings.Contains(warn.Message, "headersSecretRef") {
		t.Fatalf("CredentialsInURL condition %+v", warn)
	}
	// Moving the token out of the URL clears the warning.
	get(t, eval)
	eval.Spec.Source.URL.URL = "http://127.0.0.1:1/x.csv"
	if err := k8s.Update(context.Background(), eval); err != nil {
		t.Fatal(err)
	}
	eventually(t, waitFor, "the warning cleared", func() (bool, error) {
		get(t, eval)
		return meta.FindStatusCondition(eval.Status.Conditions, fairnessv1alpha1.ConditionCredentialsInURL) == nil, nil
	})
}

// TestThresholdNotEvaluatedIsNotAPass: a privileged group with no rows makes
// disparate impact undefined; the evaluation says the threshold was not
// evaluated (before, it read "no threshold breached").
func TestThresholdNotEvaluatedIsNotAPass(t *testing.T) {
	stop := startManager(t)
	defer stop()
	ns := newNamespace(t)
	eval := biasedEvaluation(ns, "unprivileged")
	eval.Spec.Columns.Privileged = []fairnessv1alpha1.PrivilegedValues{{Attribute: "sex", Values: []string{"nobody"}}}
	eval.Spec.Thresholds = []fairnessv1alpha1.MetricThreshold{{Metric: "disparateImpact",
		Levels: []fairnessv1alpha1.ThresholdLevel{{Value: 0.8, Severity: fairnessv1alpha1.Severity1}}}}
	if err := k8s.Create(context.Background(), eval); err != nil {
		t.Fatal(err)
	}
	job := waitForJobs(t, ns, "unprivileged", 1)[0]
	finishJob(t, &job, podOutcome{})
	waitForRun(t, eval, fairnessv1alpha1.RunSucceeded, "g1")
	c := meta.FindStatusCondition(eval.Status.Conditions, fairnessv1alpha1.ConditionThresholdsEvaluated)
	if c == nil || c.Status != metav1.ConditionFalse || c.Reason != "MetricUndefined" ||
		!strings.Contains(c.Message, "no rows in the privileged group") {
		t.Fatalf("ThresholdsEvaluated %+v", c)
	}
	bias := meta.FindStatusCondition(eval.Status.Conditions, fairnessv1alpha1.ConditionBiasDetected)
	if bias == nil || !strings.Contains(bias.Message, "1 not evaluated") {
		t.Fatalf("BiasDetected %+v", bias)
	}
	warned := false
	for _, e := range eventsOf(t, ns, "unprivileged") {
		warned = warned || (e.Reason == "ThresholdsNotEvaluated" && e.Type == corev1.EventTypeWarning)
	}
	if !warned {
		t.Fatal("no ThresholdsNotEvaluated Warning event")
	}
}
