package controller

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	kstatus "sigs.k8s.io/cli-utils/pkg/kstatus/status"
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

// TestPlantedIncidentIsNotAdopted: BiasIncidents made by hand with the
// evaluation's label, one already acknowledged by mallory and one under the
// very name the operator would choose, are not taken as the evaluation's
// incident (before, the breach arrived acknowledged by mallory). Each gets
// a status saying it is not managed.
func TestPlantedIncidentIsNotAdopted(t *testing.T) {
	stop := startManager(t)
	defer stop()
	ctx := context.Background()
	ns := newNamespace(t)
	var planted []*fairnessv1alpha1.BiasIncident
	for _, name := range []string{"planted", JobName("plant", "g1")} {
		in := &fairnessv1alpha1.BiasIncident{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name,
				Labels: map[string]string{fairnessv1alpha1.EvaluationLabel: "plant"}},
			Spec: fairnessv1alpha1.BiasIncidentSpec{EvaluationRef: fairnessv1alpha1.LocalObjectReference{Name: "plant"},
				State: fairnessv1alpha1.IncidentAcknowledged, AcknowledgedBy: "mallory"},
		}
		if err := k8s.Create(ctx, in); err != nil {
			t.Fatal(err)
		}
		planted = append(planted, in)
	}
	eval := biasedEvaluation(ns, "plant")
	if err := k8s.Create(ctx, eval); err != nil {
		t.Fatal(err)
	}
	job := waitForJobs(t, ns, "plant", 1)[0]
	finishJob(t, &job, podOutcome{})
	waitForRun(t, eval, fairnessv1alpha1.RunSucceeded, "g1")
	if eval.Status.IncidentRef == nil {
		t.Fatal("the breach opened no incident")
	}
	var own fairnessv1alpha1.BiasIncident
	if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: eval.Status.IncidentRef.Name}, &own); err != nil {
		t.Fatal(err)
	}
	if own.Name == planted[0].Name || own.Name == planted[1].Name || own.Spec.State != fairnessv1alpha1.IncidentOpen ||
		own.Spec.AcknowledgedBy != "" || own.Annotations[EvaluationUIDAnnotation] != string(eval.UID) {
		t.Fatalf("the evaluation took %s (state %s, acknowledged by %q) as its incident", own.Name, own.Spec.State, own.Spec.AcknowledgedBy)
	}
	for _, p := range planted {
		eventually(t, waitFor, p.Name+" marked not managed", func() (bool, error) {
			get(t, p)
			c := meta.FindStatusCondition(p.Status.Conditions, fairnessv1alpha1.ConditionReady)
			return c != nil && c.Reason == fairnessv1alpha1.ReasonNotManaged && p.Status.OpenedAt == nil &&
				len(p.Status.Notifications) == 0, nil
		})
	}
}

// TestLongNamesRun: evaluation names at the 63-character label limit and
// at the 253-character name limit, sharded, get Jobs whose names and labels
// the API server accepts and whose pods' hostnames fit (before, names of 64
// or more characters never got a Job).
func TestLongNamesRun(t *testing.T) {
	stop := startManager(t)
	defer stop()
	ns := newNamespace(t)
	for _, n := range []int{63, 64, 253} {
		name := strings.Repeat("a", n-2) + ".b"
		eval := biasedEvaluation(ns, name)
		eval.Spec.Shards = 3
		if err := k8s.Create(context.Background(), eval); err != nil {
			t.Fatal(err)
		}
		job := waitForJobs(t, ns, name, 1)[0]
		if len(job.Name)+len("-999") > 63 || strings.Contains(job.Name, ".") {
			t.Fatalf("Job name %q (%d characters) cannot give its pods hostnames", job.Name, len(job.Name))
		}
		finishJob(t, &job, podOutcome{})
		waitForRun(t, eval, fairnessv1alpha1.RunSucceeded, "g1")
		if eval.Status.IncidentRef == nil || len(incidentsOf(t, ns, name)) != 1 {
			t.Fatalf("%d-character name: incident %v", n, eval.Status.IncidentRef)
		}
	}
}

// TestBadSchedulesStall: a schedule faster than the minimum interval, or one
// that never fires, stalls the evaluation with InvalidSpec and starts no
// Job (before, "@every 1s" started a Job a second and "0 0 30 2 *" ran as
// run s-62135596800 and then stayed Running).
func TestBadSchedulesStall(t *testing.T) {
	stop := startManager(t)
	defer stop()
	ns := newNamespace(t)
	for name, schedule := range map[string]string{"runaway": "@every 1s", "never": "0 0 30 2 *"} {
		eval := biasedEvaluation(ns, name)
		eval.Spec.Schedule = schedule
		if err := k8s.Create(context.Background(), eval); err != nil {
			t.Fatal(err)
		}
		eventually(t, waitFor, name+" stalled", func() (bool, error) {
			get(t, eval)
			c := meta.FindStatusCondition(eval.Status.Conditions, fairnessv1alpha1.ConditionStalled)
			return c != nil && c.Reason == fairnessv1alpha1.ReasonInvalidSpec && strings.Contains(c.Message, schedule), nil
		})
		if jobs := jobsOf(t, ns, name); len(jobs) != 0 || eval.Status.ActiveRun != nil {
			t.Fatalf("%s: %d Jobs, active run %v", name, len(jobs), eval.Status.ActiveRun)
		}
	}
}

// TestSlowTargetsDelayNoOtherNotification: five webhook targets that accept
// the connection and never answer do not hold up an unrelated incident's
// notification: it is delivered while all five sends are still waiting
// (before, one worker waited up to 10 s on each, 60 s in all).
func TestSlowTargetsDelayNoOtherNotification(t *testing.T) {
	stop := startManagerWith(t, Config{NotificationTimeout: time.Minute})
	defer stop()
	ns := newNamespace(t)
	release := make(chan struct{})
	var waiting atomic.Int32
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		waiting.Add(1)
		defer waiting.Add(-1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer hang.Close()
	defer close(release)
	for i := range 5 {
		breach(t, incidentEvaluation(t, ns, fmt.Sprintf("slow%d", i), hang.URL, true, "1h"))
	}
	eventually(t, waitFor, "five sends waiting on the slow targets", func() (bool, error) {
		return waiting.Load() == 5, nil
	})
	rcv, url := newReceiver(t, 0)
	in := breach(t, incidentEvaluation(t, ns, "unrelated", url, true, "1h"))
	eventually(t, waitFor, "the unrelated notification delivered", func() (bool, error) {
		get(t, in)
		return len(in.Status.Notifications) == 1 && in.Status.Notifications[0].Result == fairnessv1alpha1.DeliveryDelivered, nil
	})
	if n, _ := rcv.deliveries(); n != 1 || waiting.Load() != 5 {
		t.Fatalf("%d deliveries to the unrelated target, %d sends still waiting; want 1 and 5", n, waiting.Load())
	}
}

// TestBurstOfRequestsGivesOneEventPerRun: many on-demand requests in a burst
// (each an update that makes the status write conflict) start runs whose
// RunStarted Event is recorded once each, as many as RunSucceeded (before,
// 100 requests gave 18 RunStarted Events for 10 runs: a conflicted attempt
// emitted its Event and the retry emitted it again).
func TestBurstOfRequestsGivesOneEventPerRun(t *testing.T) {
	// Counted at the recorder: the API server folds repeated Events into a
	// series whose count it updates only now and then.
	rec := &countingRecorder{counts: map[string]int{}}
	stop := startManagerWith(t, Config{Recorder: rec})
	defer stop()
	ctx := context.Background()
	ns := newNamespace(t)
	eval := biasedEvaluation(ns, "burst")
	if err := k8s.Create(ctx, eval); err != nil {
		t.Fatal(err)
	}
	finished := map[string]bool{}
	finishAll := func() {
		for _, j := range jobsOf(t, ns, "burst") {
			if !finished[j.Name] {
				finished[j.Name] = true
				finishJob(t, &j, podOutcome{})
			}
		}
	}
	last := ""
	for i := range 30 {
		get(t, eval)
		before := eval.DeepCopy()
		last = fmt.Sprintf("2026-12-01T10:00:%02dZ", i)
		if eval.Annotations == nil {
			eval.Annotations = map[string]string{}
		}
		eval.Annotations[fairnessv1alpha1.RequestedAtAnnotation] = last
		if err := k8s.Patch(ctx, eval, client.MergeFrom(before)); err != nil {
			t.Fatal(err)
		}
		if i%5 == 4 {
			finishAll()
		}
	}
	eventually(t, waitFor, "the last request handled and every run finished", func() (bool, error) {
		finishAll()
		get(t, eval)
		return eval.Status.LastHandledRequestedAt == last && eval.Status.ActiveRun == nil, nil
	})
	// Every run that started finished once; a Job whose start was never
	// recorded (its status write conflicted) is not a run and has no Event.
	started, succeeded := rec.count("RunStarted"), rec.count("RunSucceeded")
	if started != succeeded || started < 2 {
		t.Fatalf("%d RunStarted Events for %d runs that finished (%d Jobs)", started, succeeded, len(finished))
	}
}

// countingRecorder counts Events by reason.
type countingRecorder struct {
	mu     sync.Mutex
	counts map[string]int
}

func (c *countingRecorder) Eventf(_ runtime.Object, _ runtime.Object, _, reason, _, _ string, _ ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts[reason]++
}

func (c *countingRecorder) count(reason string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts[reason]
}

// TestRegradeOfUnreadableStatisticsIsReported: when the stored statistics
// of the last run cannot be decoded, a threshold change leaves Ready=False
// with the reason and the generation unobserved (before, regrade returned
// nil and observedGeneration advanced as though the thresholds applied).
func TestRegradeOfUnreadableStatisticsIsReported(t *testing.T) {
	stop := startManager(t)
	defer stop()
	ctx := context.Background()
	ns := newNamespace(t)
	eval := biasedEvaluation(ns, "regrade")
	if err := k8s.Create(ctx, eval); err != nil {
		t.Fatal(err)
	}
	job := waitForJobs(t, ns, "regrade", 1)[0]
	finishJob(t, &job, podOutcome{})
	waitForRun(t, eval, fairnessv1alpha1.RunSucceeded, "g1")
	eval.Status.LastRun.Statistics = "fairness.dev/result/v1 not-base64!"
	if err := k8s.Status().Update(ctx, eval); err != nil {
		t.Fatal(err)
	}
	get(t, eval)
	eval.Spec.Thresholds[0].Levels[0].Value = 0.3
	if err := k8s.Update(ctx, eval); err != nil {
		t.Fatal(err)
	}
	eventually(t, waitFor, "the regrade failure reported", func() (bool, error) {
		get(t, eval)
		c := meta.FindStatusCondition(eval.Status.Conditions, fairnessv1alpha1.ConditionReady)
		return c != nil && c.Status == metav1.ConditionFalse && c.Reason == fairnessv1alpha1.ReasonResultInvalid &&
			strings.Contains(c.Message, "cannot be decoded"), nil
	})
	if eval.Status.ObservedGeneration == eval.Generation {
		t.Fatalf("observedGeneration %d advanced to the new spec though its thresholds were not applied", eval.Status.ObservedGeneration)
	}
}

// TestFailedRunReadsTheSameToEveryTool: a failed run sets Stalled=True with
// the run's reason, so kstatus (Flux) computes Failed on the object as the
// API server returns it, as the Argo CD script says Degraded (test/gitops);
// before, kstatus said InProgress and a Flux health check waited for its
// timeout. The next run clears it.
func TestFailedRunReadsTheSameToEveryTool(t *testing.T) {
	stop := startManager(t)
	defer stop()
	ctx := context.Background()
	ns := newNamespace(t)
	eval := biasedEvaluation(ns, "fails")
	if err := k8s.Create(ctx, eval); err != nil {
		t.Fatal(err)
	}
	job := waitForJobs(t, ns, "fails", 1)[0]
	finishJob(t, &job, podOutcome{fail: true, message: "line 2: label \"yes\" is not binary"})
	waitForRun(t, eval, fairnessv1alpha1.RunFailed, "g1")
	stalled := meta.FindStatusCondition(eval.Status.Conditions, fairnessv1alpha1.ConditionStalled)
	if stalled == nil || stalled.Status != metav1.ConditionTrue || stalled.Reason != fairnessv1alpha1.ReasonEvaluationFailed {
		t.Fatalf("Stalled %+v", stalled)
	}
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(fairnessv1alpha1.GroupVersion.WithKind("FairnessEvaluation"))
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(eval), u); err != nil {
		t.Fatal(err)
	}
	if res, err := kstatus.Compute(u); err != nil || res.Status != kstatus.FailedStatus {
		t.Fatalf("kstatus %v (%v)", res, err)
	}
	before := eval.DeepCopy()
	eval.Annotations = map[string]string{fairnessv1alpha1.RequestedAtAnnotation: "again"}
	if err := k8s.Patch(ctx, eval, client.MergeFrom(before)); err != nil {
		t.Fatal(err)
	}
	eventually(t, waitFor, "the next run started and Stalled cleared", func() (bool, error) {
		get(t, eval)
		return eval.Status.ActiveRun != nil &&
			meta.FindStatusCondition(eval.Status.Conditions, fairnessv1alpha1.ConditionStalled) == nil, nil
	})
}

// TestConcurrentWorkers: with several workers per controller, each of many
// breaching evaluations gets one run and exactly one incident.
func TestConcurrentWorkers(t *testing.T) {
	stop := startManagerWith(t, Config{MaxConcurrentEvaluations: 4, MaxConcurrentIncidents: 4})
	defer stop()
	ctx := context.Background()
	ns := newNamespace(t)
	const n = 8
	for i := range n {
		if err := k8s.Create(ctx, biasedEvaluation(ns, fmt.Sprintf("w%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		job := waitForJobs(t, ns, fmt.Sprintf("w%d", i), 1)[0]
		finishJob(t, &job, podOutcome{})
	}
	for i := range n {
		name := fmt.Sprintf("w%d", i)
		eventually(t, waitFor, name+" has its one incident", func() (bool, error) {
			list := incidentsOf(t, ns, name)
			return len(list) == 1 && list[0].Status.OpenedAt != nil, nil
		})
		if jobs := jobsOf(t, ns, name); len(jobs) != 1 {
			t.Fatalf("%s: %d Jobs", name, len(jobs))
		}
	}
}
