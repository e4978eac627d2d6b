package controller

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
	"github.com/fairness-operator/fairness-operator/internal/incident"
)

// recordingTransport answers every request with 200 and keeps the URLs,
// so sends are seen without any network.
type recordingTransport struct {
	mu   sync.Mutex
	urls []string
}

func (rt *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	rt.mu.Lock()
	rt.urls = append(rt.urls, req.URL.String())
	rt.mu.Unlock()
	return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Body: io.NopCloser(strings.NewReader("")),
		Request: req}, nil
}

func (rt *recordingTransport) sent() []string {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return append([]string(nil), rt.urls...)
}

var stepsNow = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)

func stepsReconciler(c client.Client, rt *recordingTransport) *BiasIncidentReconciler {
	return &BiasIncidentReconciler{Client: c, APIReader: c, Sender: &sender{}, HTTP: &http.Client{Transport: rt},
		Recorder: events.NewFakeRecorder(16), Now: func() time.Time { return stepsNow }}
}

func TestReadIncident(t *testing.T) {
	t.Parallel()
	handMade := makeIncident("ns", "hand-made").obj()
	notOpened := makeIncident("ns", "not-opened").obj()
	notOpened.Labels = map[string]string{ManagedByLabel: managedByValue}
	notOpened.Annotations = map[string]string{NameSeedAnnotation: "credit-g1", EvaluationUIDAnnotation: "e-uid"}
	open := makeIncident("ns", "open").opened(stepsNow, fairnessv1alpha1.Severity2).obj()
	c := fakeClient(t, handMade, notOpened, open)
	r := stepsReconciler(c, &recordingTransport{})
	cases := []struct {
		name     string
		wantRead bool
	}{{"gone", false}, {"hand-made", false}, {"not-opened", false}, {"open", true}}
	for _, tc := range cases {
		in, err := r.readIncident(context.Background(), ctrl.Request{NamespacedName: client.ObjectKey{Namespace: "ns", Name: tc.name}})
		if err != nil || (in != nil) != tc.wantRead {
			t.Errorf("%s: read %v, err %v; want read %v", tc.name, in != nil, err, tc.wantRead)
		}
	}
	var got fairnessv1alpha1.BiasIncident
	if err := c.Get(context.Background(), client.ObjectKeyFromObject(handMade), &got); err != nil {
		t.Fatal(err)
	}
	ready := meta.FindStatusCondition(got.Status.Conditions, fairnessv1alpha1.ConditionReady)
	if ready == nil || ready.Reason != fairnessv1alpha1.ReasonNotManaged {
		t.Fatalf("the hand-made incident's Ready condition: %+v", ready)
	}
}

func TestRetire(t *testing.T) {
	t.Parallel()
	expired := makeIncident("ns", "expired").opened(stepsNow.Add(-3*time.Hour), fairnessv1alpha1.Severity3).
		resolvedAt(stepsNow.Add(-2 * time.Hour)).obj()
	clean := makeIncident("ns", "clean").opened(stepsNow.Add(-time.Hour), fairnessv1alpha1.Severity3).obj()
	clean.Status.ConsecutiveCleanRuns = 3
	kept := makeIncident("ns", "kept").opened(stepsNow.Add(-time.Hour), fairnessv1alpha1.Severity3).obj()
	c := fakeClient(t, expired, clean, kept)
	r := stepsReconciler(c, &recordingTransport{})
	r.ResolvedTTL = time.Hour
	policy := incident.Policy{AutoResolveAfter: 3}
	for _, in := range []*fairnessv1alpha1.BiasIncident{expired, clean, kept} {
		retired, err := r.retire(context.Background(), newIncidentPass(in.DeepCopy(), stepsNow), policy)
		if want := in.Name != "kept"; err != nil || retired != want {
			t.Errorf("%s: retired %v, err %v; want %v", in.Name, retired, err, want)
		}
	}
	if err := c.Get(context.Background(), client.ObjectKeyFromObject(expired), expired); !apierrors.IsNotFound(err) {
		t.Errorf("the expired incident is still there: %v", err)
	}
	if err := c.Get(context.Background(), client.ObjectKeyFromObject(clean), clean); err != nil ||
		clean.Spec.State != fairnessv1alpha1.IncidentResolved || !strings.Contains(clean.Spec.ResolutionNote, "3 consecutive clean runs") {
		t.Errorf("the clean incident: state %q, note %q, err %v", clean.Spec.State, clean.Spec.ResolutionNote, err)
	}
}

// The lifecycle step changes only the pass's status; its Events wait for the write.
func TestLifecycleDefersItsEvents(t *testing.T) {
	t.Parallel()
	in := makeIncident("ns", "late").opened(stepsNow.Add(-2*time.Hour), fairnessv1alpha1.Severity2).
		state(fairnessv1alpha1.IncidentAcknowledged).obj()
	in.Spec.AcknowledgedBy = "ana"
	r := stepsReconciler(fakeClient(t), &recordingTransport{})
	recorder := r.Recorder.(*events.FakeRecorder)
	p := newIncidentPass(in, stepsNow)
	r.lifecycle(p, incident.Policy{}, []fairnessv1alpha1.NotificationTarget{webhookTarget("oncall", true), webhookTarget("quiet", false)})

	want := []fairnessv1alpha1.NotificationDelivery{{Target: "oncall", IdempotencyKey: "uid-late/Opened/oncall",
		Result: fairnessv1alpha1.DeliveryPending}}
	if diff := cmp.Diff(want, in.Status.Notifications); diff != "" {
		t.Errorf("queued deliveries (-want +got):\n%s", diff)
	}
	if in.Status.State != fairnessv1alpha1.IncidentAcknowledged || in.Status.AcknowledgedAt == nil {
		t.Errorf("state %s, acknowledged at %v", in.Status.State, in.Status.AcknowledgedAt)
	}
	wantReady := metav1.Condition{Type: fairnessv1alpha1.ConditionReady, Status: metav1.ConditionTrue, Reason: "Handled",
		Message: "the incident's state is Acknowledged"}
	if diff := cmp.Diff(&wantReady, meta.FindStatusCondition(in.Status.Conditions, fairnessv1alpha1.ConditionReady),
		cmpopts.IgnoreFields(metav1.Condition{}, "LastTransitionTime", "ObservedGeneration")); diff != "" {
		t.Errorf("Ready (-want +got):\n%s", diff)
	}
	if n := len(recorder.Events); n != 0 {
		t.Fatalf("%d Events emitted before the status write", n)
	}
	if len(p.effects) == 0 {
		t.Fatal("no effect deferred for the acknowledgement")
	}
}

func TestDeliveriesStartNothingBeforeTheWrite(t *testing.T) {
	t.Parallel()
	rt := &recordingTransport{}
	in := makeIncident("ns", "i").opened(stepsNow, fairnessv1alpha1.Severity2).
		pending("oncall", "uid-i/Opened/oncall", 0, time.Time{}).
		pending("later", "uid-i/Opened/later", 1, stepsNow.Add(time.Minute)).obj()
	c := fakeClient(t, in, hooksSecret("ns", map[string]string{"oncall": "https://hooks.invalid/oncall"}))
	r := stepsReconciler(c, rt)
	targets := []fairnessv1alpha1.NotificationTarget{webhookTarget("oncall", true), webhookTarget("later", true)}
	p := newIncidentPass(in.DeepCopy(), stepsNow)
	r.deliveries(context.Background(), p, targets)
	if len(p.sends) != 1 || p.sends[0].delivery.Target != "oncall" {
		t.Fatalf("due sends %+v, want the one to oncall", p.sends)
	}
	if !p.wake.Equal(stepsNow.Add(time.Minute)) {
		t.Errorf("wake %v, want the later delivery's retry at %v", p.wake, stepsNow.Add(time.Minute))
	}
	if got := rt.sent(); len(got) != 0 {
		t.Fatalf("sent before the write: %v", got)
	}
}

// A pass that wrote nothing starts its sends only when the cached incident
// is the API server's: a cache behind our own last write would repeat a
// delivered notification.
func TestAfterWriteChecksFreshnessWithoutAWrite(t *testing.T) {
	t.Parallel()
	in := makeIncident("ns", "i").opened(stepsNow, fairnessv1alpha1.Severity2).
		pending("oncall", "uid-i/Opened/oncall", 0, time.Time{}).obj()
	c := fakeClient(t, in, hooksSecret("ns", map[string]string{"oncall": "https://hooks.invalid/oncall"}))
	var live fairnessv1alpha1.BiasIncident
	if err := c.Get(context.Background(), client.ObjectKeyFromObject(in), &live); err != nil {
		t.Fatal(err)
	}
	targets := []fairnessv1alpha1.NotificationTarget{webhookTarget("oncall", true)}
	for _, tc := range []struct {
		name      string
		rv        string
		wantSends int
	}{{"stale cache", "1", 0}, {"fresh cache", live.ResourceVersion, 1}} {
		rt := &recordingTransport{}
		r := stepsReconciler(c, rt)
		cached := live.DeepCopy()
		cached.ResourceVersion = tc.rv
		p := newIncidentPass(cached, stepsNow)
		r.deliveries(context.Background(), p, targets)
		r.afterWrite(context.Background(), p)
		// The sender records a send when it starts it, before any request.
		if got := sendsStarted(r); got != tc.wantSends {
			t.Errorf("%s: %d sends started, want %d", tc.name, got, tc.wantSends)
		}
		deadline := time.Now().Add(10 * time.Second)
		for tc.wantSends > 0 && len(rt.sent()) < tc.wantSends && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond) // the send runs in the background
		}
		if got := len(rt.sent()); got != tc.wantSends {
			t.Errorf("%s: %d sends, want %d", tc.name, got, tc.wantSends)
		}
	}
}

func TestWriteStatusOnlyWhenChanged(t *testing.T) {
	t.Parallel()
	in := makeIncident("ns", "i").opened(stepsNow, fairnessv1alpha1.Severity2).obj()
	in.Generation = 1
	in.Status.ObservedGeneration = 1
	c := fakeClient(t, in)
	var cached fairnessv1alpha1.BiasIncident
	if err := c.Get(context.Background(), client.ObjectKeyFromObject(in), &cached); err != nil {
		t.Fatal(err)
	}
	r := stepsReconciler(c, &recordingTransport{})
	p := newIncidentPass(cached.DeepCopy(), stepsNow)
	if err := r.writeStatus(context.Background(), p); err != nil || p.wrote {
		t.Fatalf("an unchanged status: wrote %v, err %v", p.wrote, err)
	}
	p = newIncidentPass(cached.DeepCopy(), stepsNow)
	p.in.Status.Channel = "#credit-risk"
	if err := r.writeStatus(context.Background(), p); err != nil || !p.wrote {
		t.Fatalf("a changed status: wrote %v, err %v", p.wrote, err)
	}
	var got fairnessv1alpha1.BiasIncident
	if err := c.Get(context.Background(), client.ObjectKeyFromObject(in), &got); err != nil || got.Status.Channel != "#credit-risk" {
		t.Fatalf("stored channel %q, err %v", got.Status.Channel, err)
	}
}

func TestNextWake(t *testing.T) {
	t.Parallel()
	open := makeIncident("ns", "i").opened(stepsNow, fairnessv1alpha1.Severity2).obj()
	resolved := makeIncident("ns", "r").opened(stepsNow.Add(-time.Hour), fairnessv1alpha1.Severity2).resolvedAt(stepsNow).obj()
	cases := []struct {
		name  string
		in    *fairnessv1alpha1.BiasIncident
		retry time.Time
		ttl   time.Duration
		want  time.Duration
	}{
		{"the acknowledgement deadline", open, time.Time{}, 0, time.Hour},
		{"a retry before the deadline", open, stepsNow.Add(time.Minute), 0, time.Minute},
		{"resolved and kept", resolved, time.Time{}, 0, 0},
		{"resolved, until its retention ends", resolved, time.Time{}, 2 * time.Hour, 2 * time.Hour},
		{"a wake-up in the past does not spin", open, stepsNow.Add(-time.Minute), 0, minWakeDelay},
	}
	for _, tc := range cases {
		r := &BiasIncidentReconciler{ResolvedTTL: tc.ttl}
		p := newIncidentPass(tc.in.DeepCopy(), stepsNow)
		if !tc.retry.IsZero() {
			p.wakeBy(tc.retry)
		}
		if got := r.nextWake(p, incident.Policy{}).RequeueAfter; got != tc.want {
			t.Errorf("%s: requeue after %v, want %v", tc.name, got, tc.want)
		}
	}
}

// Retries grow from the base to the cap, each with up to retryJitter more.
func TestRetryDelay(t *testing.T) {
	t.Parallel()
	r := &BiasIncidentReconciler{RetryBase: time.Second, RetryCap: time.Minute}
	for n, floor := range map[int32]time.Duration{1: time.Second, 2: 2 * time.Second, 4: 8 * time.Second, 7: time.Minute,
		20: time.Minute} {
		ceiling := time.Duration(float64(floor) * (1 + retryJitter))
		seen := map[time.Duration]bool{}
		for range 50 {
			d := r.retryDelay(n)
			if d < floor || d > ceiling {
				t.Fatalf("retryDelay(%d) = %v, want within [%v, %v]", n, d, floor, ceiling)
			}
			seen[d] = true
		}
		if len(seen) < 2 {
			t.Errorf("retryDelay(%d) gave one value in 50 tries: no jitter", n)
		}
	}
}
