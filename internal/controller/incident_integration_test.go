package controller

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
)

// webhookReceiver is a real HTTP server that fails its first attempts and
// records what it accepted, by idempotency key.
type webhookReceiver struct {
	mu       sync.Mutex
	failures int
	attempts int
	got      map[string]int
	bodies   []string
}

func newReceiver(t *testing.T, failures int) (*webhookReceiver, string) {
	r := &webhookReceiver{failures: failures, got: map[string]int{}}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return r, srv.URL + "/hooks/secret-token"
}

func (r *webhookReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.attempts++
	if r.failures > 0 {
		r.failures--
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	b, _ := io.ReadAll(req.Body)
	r.bodies = append(r.bodies, string(b))
	r.got[req.Header.Get("Idempotency-Key")]++
}

func (r *webhookReceiver) deliveries() (total int, perKey map[string]int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	perKey = map[string]int{}
	for k, v := range r.got {
		perKey[k] = v
		total += v
	}
	return total, perKey
}

// incidentEvaluation breaches at Sev2 with a short deadline, escalation to
// a webhook, and optionally a notification when the incident opens.
func incidentEvaluation(t *testing.T, ns, name, url string, onOpen bool, deadline string) *fairnessv1alpha1.FairnessEvaluation {
	t.Helper()
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name + "-hook"},
		Data: map[string][]byte{"url": []byte(url)}}
	if err := k8s.Create(context.Background(), secret); err != nil {
		t.Fatal(err)
	}
	e := biasedEvaluation(ns, name)
	d, err := time.ParseDuration(deadline)
	if err != nil {
		t.Fatal(err)
	}
	e.Spec.IncidentPolicy = &fairnessv1alpha1.IncidentPolicy{
		AcknowledgeWithin: &fairnessv1alpha1.ResponseDeadlines{Sev2: &metav1.Duration{Duration: d}},
		Escalation:        []fairnessv1alpha1.EscalationStep{{After: metav1.Duration{}, Target: "oncall"}},
		Notifications: []fairnessv1alpha1.NotificationTarget{{Name: "oncall", Kind: fairnessv1alpha1.NotificationWebhook,
			URLSecretRef: fairnessv1alpha1.SecretKeyReference{Name: name + "-hook", Key: "url"}, OnOpen: onOpen}},
	}
	return e
}

// breach creates the evaluation, completes its run and returns the incident.
func breach(t *testing.T, e *fairnessv1alpha1.FairnessEvaluation) *fairnessv1alpha1.BiasIncident {
	t.Helper()
	if err := k8s.Create(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	job := waitForJobs(t, e.Namespace, e.Name, 1)[0]
	finishJob(t, &job, podOutcome{})
	var in fairnessv1alpha1.BiasIncident
	eventually(t, waitFor, "an open incident", func() (bool, error) {
		list := incidentsOf(t, e.Namespace, e.Name)
		if len(list) == 1 && list[0].Status.OpenedAt != nil {
			in = list[0]
			return true, nil
		}
		return false, nil
	})
	return &in
}

func setState(t *testing.T, in *fairnessv1alpha1.BiasIncident, mutate func(*fairnessv1alpha1.BiasIncidentSpec)) error {
	t.Helper()
	get(t, in)
	before := in.DeepCopy()
	mutate(&in.Spec)
	return k8s.Patch(context.Background(), in, client.MergeFrom(before))
}

func TestAcknowledgedInTimeDoesNotEscalate(t *testing.T) {
	stop := startManager(t)
	defer stop()
	ns := newNamespace(t)
	rcv, url := newReceiver(t, 0)
	in := breach(t, incidentEvaluation(t, ns, "ontime", url, false, "3s"))
	if err := setState(t, in, func(s *fairnessv1alpha1.BiasIncidentSpec) {
		s.State, s.AcknowledgedBy = fairnessv1alpha1.IncidentAcknowledged, "alice@example.com"
	}); err != nil {
		t.Fatal(err)
	}
	eventually(t, waitFor, "the acknowledgement recorded", func() (bool, error) {
		get(t, in)
		return in.Status.State == fairnessv1alpha1.IncidentAcknowledged && in.Status.AcknowledgedAt != nil, nil
	})
	// A reconcile past the deadline (by a clock, not by waiting) leaves it alone.
	reconcileDirectly(t, directIncidentReconciler(func() time.Time { return time.Now().Add(time.Minute) }), in)
	get(t, in)
	if in.Status.Escalated || meta.IsStatusConditionTrue(in.Status.Conditions, fairnessv1alpha1.ConditionEscalated) {
		t.Fatalf("acknowledged incident escalated: %+v", in.Status)
	}
	if n, _ := rcv.deliveries(); n != 0 {
		t.Fatalf("%d notifications for an incident acknowledged in time", n)
	}
	last := in.Status.Timeline[len(in.Status.Timeline)-1]
	if last.Type != "Acknowledged" || last.Actor != "alice@example.com" {
		t.Fatalf("timeline %+v", in.Status.Timeline)
	}
}

func TestLateAcknowledgementEscalatesOnce(t *testing.T) {
	stop := startManager(t)
	defer stop()
	ns := newNamespace(t)
	rcv, url := newReceiver(t, 2) // the receiver fails the first two attempts
	in := breach(t, incidentEvaluation(t, ns, "late", url, false, "1s"))
	eventually(t, waitFor, "Escalated and the notification delivered", func() (bool, error) {
		get(t, in)
		return meta.IsStatusConditionTrue(in.Status.Conditions, fairnessv1alpha1.ConditionEscalated) &&
			len(in.Status.Notifications) == 1 && in.Status.Notifications[0].Result == fairnessv1alpha1.DeliveryDelivered, nil
	})
	d := in.Status.Notifications[0]
	if d.Attempts != 3 || d.Target != "oncall" || !strings.HasSuffix(d.IdempotencyKey, "/Escalated-1/oncall") {
		t.Fatalf("delivery %+v", d)
	}
	direct := directIncidentReconciler(nil)
	reconcileDirectly(t, direct, in)
	if n := sendsStarted(direct); n != 0 {
		t.Fatalf("a reconcile after the delivery started %d sends", n)
	}
	n, perKey := rcv.deliveries()
	if n != 1 || perKey[d.IdempotencyKey] != 1 {
		t.Fatalf("receiver got %d deliveries %v, want exactly one", n, perKey)
	}
	var body map[string]any
	_ = json.Unmarshal([]byte(rcv.bodies[0]), &body)
	if body["incident"] != in.Name || body["transition"] != "Escalated-1" || body["severity"] != "Sev2" {
		t.Fatalf("webhook body %v", body)
	}
	for _, s := range []string{in.Status.Notifications[0].Message, in.Status.Timeline[len(in.Status.Timeline)-1].Message} {
		if strings.Contains(s, "secret-token") {
			t.Fatalf("the secret URL leaked into status: %q", s)
		}
	}
	var evs eventsv1.EventList
	if err := k8s.List(context.Background(), &evs, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	escalations := 0
	for _, e := range evs.Items {
		if e.Regarding.Name == in.Name && e.Reason == "Escalated" && e.Type == corev1.EventTypeWarning {
			escalations++
		}
	}
	if escalations < 1 {
		t.Fatalf("no Warning Escalated event for %s", in.Name)
	}
}

// The manager restarts while a notification is pending: it is delivered
// exactly once.
func TestRestartDeliversPendingNotificationOnce(t *testing.T) {
	ns := newNamespace(t)
	rcv, url := newReceiver(t, 3)
	stop := startManager(t)
	in := breach(t, incidentEvaluation(t, ns, "restart", url, true, "1h"))
	eventually(t, waitFor, "a first failed attempt", func() (bool, error) {
		get(t, in)
		return len(in.Status.Notifications) == 1 && in.Status.Notifications[0].Attempts >= 1, nil
	})
	stop()
	stop = startManager(t)
	defer func() { stop() }() // the last manager started
	eventually(t, waitFor, "the Opened notification delivered", func() (bool, error) {
		get(t, in)
		return len(in.Status.Notifications) == 1 && in.Status.Notifications[0].Result == fairnessv1alpha1.DeliveryDelivered, nil
	})
	stop()
	stop = func() {}
	// A restarted manager's reconciler (a new sender) reads the delivered
	// notification and sends nothing.
	direct := directIncidentReconciler(nil)
	reconcileDirectly(t, direct, in)
	if n := sendsStarted(direct); n != 0 {
		t.Fatalf("a reconcile after the restart started %d sends", n)
	}
	if n, perKey := rcv.deliveries(); n != 1 {
		t.Fatalf("receiver got %d deliveries %v across restarts, want exactly one", n, perKey)
	}
}

func TestInvalidTransitionsAreRefused(t *testing.T) {
	stop := startManager(t)
	defer stop()
	ns := newNamespace(t)
	_, url := newReceiver(t, 0)
	in := breach(t, incidentEvaluation(t, ns, "refuse", url, false, "1h"))
	if err := setState(t, in, func(s *fairnessv1alpha1.BiasIncidentSpec) {
		s.State, s.AcknowledgedBy = fairnessv1alpha1.IncidentAcknowledged, "bob"
	}); err != nil {
		t.Fatal(err)
	}
	eventually(t, waitFor, "Acknowledged", func() (bool, error) {
		get(t, in)
		return in.Status.State == fairnessv1alpha1.IncidentAcknowledged, nil
	})
	// Back to Open without resolving: the schema allows it, the policy does not.
	if err := setState(t, in, func(s *fairnessv1alpha1.BiasIncidentSpec) { s.State = fairnessv1alpha1.IncidentOpen }); err != nil {
		t.Fatal(err)
	}
	eventually(t, waitFor, "the refusal", func() (bool, error) {
		get(t, in)
		c := meta.FindStatusCondition(in.Status.Conditions, fairnessv1alpha1.ConditionReady)
		return c != nil && c.Reason == "InvalidTransition" && in.Status.State == fairnessv1alpha1.IncidentAcknowledged, nil
	})
	// The schema refuses resolving without a note.
	err := setState(t, in, func(s *fairnessv1alpha1.BiasIncidentSpec) { s.State = fairnessv1alpha1.IncidentResolved })
	if err == nil || !strings.Contains(err.Error(), "a Resolved incident needs a resolutionNote") {
		t.Fatalf("resolve without a note: %v", err)
	}
	if err := setState(t, in, func(s *fairnessv1alpha1.BiasIncidentSpec) {
		s.State, s.ResolutionNote = fairnessv1alpha1.IncidentResolved, "model retrained with reweighing"
	}); err != nil {
		t.Fatal(err)
	}
	eventually(t, waitFor, "Resolved", func() (bool, error) {
		get(t, in)
		return in.Status.State == fairnessv1alpha1.IncidentResolved && in.Status.ResolvedAt != nil, nil
	})
}

// Runs that keep failing open a Sev2 EvaluationFailing incident; the next
// successful run resolves it.
func TestMonitoringBlindIncident(t *testing.T) {
	stop := startManager(t)
	defer stop()
	ns := newNamespace(t)
	e := biasedEvaluation(ns, "blind")
	e.Spec.Thresholds = nil
	e.Spec.IncidentPolicy = &fairnessv1alpha1.IncidentPolicy{FailedRunsThreshold: 2}
	if err := k8s.Create(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	runs := 0
	finishNext := func(out podOutcome, result fairnessv1alpha1.RunResult) {
		t.Helper()
		runs++
		if runs > 1 {
			get(t, e)
			e.Annotations = map[string]string{fairnessv1alpha1.RequestedAtAnnotation: time.Now().Format(time.RFC3339Nano)}
			if err := k8s.Update(context.Background(), e); err != nil {
				t.Fatal(err)
			}
		}
		jobs := waitForJobs(t, ns, "blind", runs)
		eventually(t, waitFor, "the active run", func() (bool, error) {
			get(t, e)
			return e.Status.ActiveRun != nil, nil
		})
		id := e.Status.ActiveRun.ID
		for i := range jobs {
			if jobs[i].Labels[RunLabel] == id {
				finishJob(t, &jobs[i], out)
			}
		}
		waitForRun(t, e, result, id)
	}
	fail := podOutcome{fail: true, message: "opening data: connection refused"}
	finishNext(fail, fairnessv1alpha1.RunFailed)
	if n := len(incidentsOf(t, ns, "blind")); n != 0 {
		t.Fatalf("one failure opened %d incidents", n)
	}
	finishNext(fail, fairnessv1alpha1.RunFailed)
	var blind fairnessv1alpha1.BiasIncident
	eventually(t, waitFor, "the monitoring-blind incident", func() (bool, error) {
		list := incidentsOf(t, ns, "blind")
		if len(list) == 1 && list[0].Status.OpenedAt != nil {
			blind = list[0]
			return true, nil
		}
		return false, nil
	})
	if blind.Spec.Category != fairnessv1alpha1.CategoryEvaluationFailing || blind.Status.Severity != fairnessv1alpha1.Severity2 {
		t.Fatalf("blind incident %+v", blind)
	}
	finishNext(podOutcome{}, fairnessv1alpha1.RunSucceeded)
	eventually(t, waitFor, "the blind incident resolved", func() (bool, error) {
		get(t, &blind)
		return blind.Spec.State == fairnessv1alpha1.IncidentResolved && blind.Status.State == fairnessv1alpha1.IncidentResolved, nil
	})
}

// Clean runs resolve the incident when the policy says so; a new breach
// afterwards opens a new incident that links the resolved one.
func TestAutoResolutionAndReopenLink(t *testing.T) {
	stop := startManager(t)
	defer stop()
	ns := newNamespace(t)
	e := biasedEvaluation(ns, "auto")
	e.Spec.IncidentPolicy = &fairnessv1alpha1.IncidentPolicy{AutoResolveAfterCleanRuns: 2}
	first := breach(t, e)
	setThreshold := func(v float64) {
		t.Helper()
		get(t, e)
		e.Spec.Thresholds[0].Levels[0].Value = v
		if err := k8s.Update(context.Background(), e); err != nil {
			t.Fatal(err)
		}
		eventually(t, waitFor, "re-graded", func() (bool, error) {
			get(t, e)
			return e.Status.ObservedGeneration == e.Generation, nil
		})
	}
	// Two re-grades under a lenient threshold count as two clean runs.
	setThreshold(0.5)
	setThreshold(0.6)
	eventually(t, waitFor, "auto-resolution", func() (bool, error) {
		get(t, first)
		return first.Spec.State == fairnessv1alpha1.IncidentResolved && first.Status.State == fairnessv1alpha1.IncidentResolved, nil
	})
	if !strings.Contains(first.Spec.ResolutionNote, "auto-resolved") {
		t.Fatalf("resolution note %q", first.Spec.ResolutionNote)
	}
	setThreshold(0.1)
	eventually(t, waitFor, "a second incident linked to the first", func() (bool, error) {
		for _, in := range incidentsOf(t, ns, "auto") {
			if in.Name != first.Name && in.Status.PreviousIncident == first.Name && in.Status.OpenedAt != nil {
				return true, nil
			}
		}
		return false, nil
	})
}

func TestResolvedIncidentRetention(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	resolved := &fairnessv1alpha1.BiasIncident{Status: fairnessv1alpha1.BiasIncidentStatus{State: fairnessv1alpha1.IncidentResolved,
		ResolvedAt: &metav1.Time{Time: now.Add(-time.Hour)}}}
	cases := map[string]struct {
		ttl         time.Duration
		in          *fairnessv1alpha1.BiasIncident
		wantExpired bool
		wantWait    time.Duration
	}{
		"kept by default":      {0, resolved, false, 0},
		"expired":              {30 * time.Minute, resolved, true, 0},
		"not yet":              {3 * time.Hour, resolved, false, 2 * time.Hour},
		"open incidents never": {time.Second, &fairnessv1alpha1.BiasIncident{}, false, 0},
	}
	for name, c := range cases {
		r := &BiasIncidentReconciler{ResolvedTTL: c.ttl}
		if got := r.expired(c.in, now); got != c.wantExpired {
			t.Errorf("%s: expired %v, want %v", name, got, c.wantExpired)
		}
		if got := r.ttlWait(c.in, now); got != c.wantWait {
			t.Errorf("%s: wait %v, want %v", name, got, c.wantWait)
		}
	}
}

// The manager's default incident policy applies to evaluations that set none.
func TestDefaultIncidentPolicy(t *testing.T) {
	ns := newNamespace(t)
	rcv, url := newReceiver(t, 0)
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "team-hook"}, Data: map[string][]byte{"url": []byte(url)}}
	if err := k8s.Create(context.Background(), secret); err != nil {
		t.Fatal(err)
	}
	stop := startManagerWith(t, Config{DefaultIncidentPolicy: &fairnessv1alpha1.IncidentPolicy{
		Notifications: []fairnessv1alpha1.NotificationTarget{{Name: "team", Kind: fairnessv1alpha1.NotificationWebhook, OnOpen: true,
			URLSecretRef: fairnessv1alpha1.SecretKeyReference{Name: "team-hook", Key: "url"}}}}})
	defer stop()
	in := breach(t, biasedEvaluation(ns, "defaults"))
	eventually(t, waitFor, "the default target notified", func() (bool, error) {
		n, _ := rcv.deliveries()
		return n == 1, nil
	})
	get(t, in)
	if len(in.Status.Notifications) != 1 || in.Status.Notifications[0].Target != "team" {
		t.Fatalf("notifications %+v", in.Status.Notifications)
	}
}

// A manager that stops while a notification is on the wire waits for the
// answer and records it: the next manager finds it Delivered and does not
// send it again (before, the outcome was lost with the process and the
// restarted manager sent the notification a second time).
func TestStopRecordsTheSendInFlight(t *testing.T) {
	ns := newNamespace(t)
	arrived := make(chan struct{}, 1)
	var mu sync.Mutex
	posts := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		select {
		case arrived <- struct{}{}:
		default:
		}
		time.Sleep(500 * time.Millisecond) // the manager stops meanwhile
		mu.Lock()
		posts++
		mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	stop := startManager(t)
	in := breach(t, incidentEvaluation(t, ns, "inflight", srv.URL+"/hooks/x", true, "1h"))
	select {
	case <-arrived:
	case <-time.After(waitFor):
		stop()
		t.Fatal("the Opened notification never arrived")
	}
	stop() // returns once the drain has recorded the answer
	get(t, in)
	if len(in.Status.Notifications) != 1 || in.Status.Notifications[0].Result != fairnessv1alpha1.DeliveryDelivered ||
		in.Status.Notifications[0].Attempts != 1 {
		t.Fatalf("after the stop, notifications %+v; want the one in flight Delivered after 1 attempt", in.Status.Notifications)
	}
	stop = startManager(t)
	defer stop()
	time.Sleep(time.Second) // a restarted manager that resent would do it now
	mu.Lock()
	defer mu.Unlock()
	if posts != 1 {
		t.Fatalf("%d POSTs across the restart, want 1", posts)
	}
}
