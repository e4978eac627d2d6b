package controller

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
)

// A person edits an incident (kubectl edit: read, change, write with the
// resourceVersion read) twenty times while the operator keeps writing its
// status (a notification retried fifteen times). Both sides use optimistic
// concurrency and retry on conflict: every edit and every status write
// survives.
func TestConflictingWritersLoseNothing(t *testing.T) {
	ns := newNamespace(t)
	rcv, url := newReceiver(t, 15)
	// Short retries: the test paces itself by the operator's attempts, not by a clock.
	stop := startManagerWith(t, Config{RetryBase: 20 * time.Millisecond, RetryCap: 200 * time.Millisecond})
	defer stop()
	in := breach(t, incidentEvaluation(t, ns, "conflict", url, true, "1h"))
	var conflicts atomic.Int32
	edit := func(mutate func(*fairnessv1alpha1.BiasIncident)) {
		err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			var cur fairnessv1alpha1.BiasIncident
			if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(in), &cur); err != nil {
				return err
			}
			mutate(&cur)
			err := k8s.Update(context.Background(), &cur)
			if apierrors.IsConflict(err) {
				conflicts.Add(1)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := range 20 {
		// Edit i once the operator made attempt 3i/4, so the edits interleave
		// with its status writes over the whole run of retries.
		eventually(t, waitFor, fmt.Sprintf("attempt %d", 3*i/4), func() (bool, error) { return attempts(rcv) >= 3*i/4, nil })
		edit(func(cur *fairnessv1alpha1.BiasIncident) {
			if cur.Annotations == nil {
				cur.Annotations = map[string]string{}
			}
			cur.Annotations[fmt.Sprintf("notes.example.com/%d", i)] = fmt.Sprintf("checked segment %d", i)
		})
	}
	edit(func(cur *fairnessv1alpha1.BiasIncident) {
		cur.Spec.State, cur.Spec.AcknowledgedBy = fairnessv1alpha1.IncidentAcknowledged, "alice"
	})
	eventually(t, waitFor, "the operator's status and the person's edits", func() (bool, error) {
		get(t, in)
		return len(in.Status.Notifications) == 1 && in.Status.Notifications[0].Result == fairnessv1alpha1.DeliveryDelivered &&
			in.Status.State == fairnessv1alpha1.IncidentAcknowledged, nil
	})
	for i := range 20 {
		if _, ok := in.Annotations[fmt.Sprintf("notes.example.com/%d", i)]; !ok {
			t.Fatalf("edit %d lost: annotations %v", i, in.Annotations)
		}
	}
	if in.Spec.AcknowledgedBy != "alice" || in.Status.Notifications[0].Attempts != 16 {
		t.Fatalf("acknowledgedBy %q, %d attempts made, %d recorded (want alice, 16)", in.Spec.AcknowledgedBy, attempts(rcv),
			in.Status.Notifications[0].Attempts)
	}
	if n, _ := rcv.deliveries(); n != 1 {
		t.Fatalf("%d deliveries, want 1", n)
	}
	t.Logf("21 edits during 16 status writes: %d conflicts retried, nothing lost", conflicts.Load())
}

// patchStatus itself, without timing luck: the incident changes between
// the operator's read and its status write, once in the spec (a person) and
// once in the status (the evaluation controller).
func TestPatchStatusRebasesOverConcurrentWrites(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	r := &BiasIncidentReconciler{Client: k8s}
	for _, c := range []struct {
		name         string
		other        func(cur *fairnessv1alpha1.BiasIncident) error
		wantConflict bool
	}{
		{"person edits the spec", func(cur *fairnessv1alpha1.BiasIncident) error {
			cur.Annotations = map[string]string{"notes.example.com/a": "checked"}
			cur.Spec.State, cur.Spec.AcknowledgedBy = fairnessv1alpha1.IncidentAcknowledged, "alice"
			return k8s.Update(ctx, cur)
		}, false},
		{"evaluation controller records a run", func(cur *fairnessv1alpha1.BiasIncident) error {
			cur.Status.Occurrences = 5
			return k8s.Status().Update(ctx, cur)
		}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := &fairnessv1alpha1.BiasIncident{
				ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: strings.ReplaceAll(c.name, " ", "-")},
				Spec: fairnessv1alpha1.BiasIncidentSpec{EvaluationRef: fairnessv1alpha1.LocalObjectReference{Name: "e"},
					State: fairnessv1alpha1.IncidentOpen}}
			if err := k8s.Create(ctx, in); err != nil {
				t.Fatal(err)
			}
			in.Status.Occurrences = 1
			in.Status.Notifications = []fairnessv1alpha1.NotificationDelivery{{Target: "oncall", IdempotencyKey: "k", Result: fairnessv1alpha1.DeliveryPending}}
			if err := k8s.Status().Update(ctx, in); err != nil {
				t.Fatal(err)
			}
			before := in.DeepCopy()
			in.Status.Notifications[0].Result, in.Status.Notifications[0].Attempts = fairnessv1alpha1.DeliveryDelivered, 1
			cur := before.DeepCopy()
			if err := c.other(cur); err != nil {
				t.Fatal(err)
			}
			err := r.patchStatus(ctx, before, in)
			if got := apierrors.IsConflict(err); got != c.wantConflict || (err != nil && !got) {
				t.Fatalf("patchStatus: %v (conflict %v, want %v)", err, got, c.wantConflict)
			}
			get(t, cur)
			if d := cur.Status.Notifications[0]; d.Result != fairnessv1alpha1.DeliveryDelivered || d.Attempts != 1 {
				t.Fatalf("the delivery was forgotten: %+v", d)
			}
			if c.wantConflict && cur.Status.Occurrences != 5 {
				t.Fatalf("the other status write was lost: occurrences %d", cur.Status.Occurrences)
			}
			if !c.wantConflict && (cur.Spec.AcknowledgedBy != "alice" || cur.Annotations["notes.example.com/a"] != "checked") {
				t.Fatalf("the person's edit was lost: %+v %v", cur.Spec, cur.Annotations)
			}
		})
	}
}
