package controller

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
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
	stop := startManager(t)
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
	for i := range 20 { // spread over the ~11s of retries, so that the writes interleave
		time.Sleep(400 * time.Millisecond)
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
		return len(in.Status.Notifications) == 1 && in.Status.Notifications[0].Result == DeliveryDelivered &&
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
