package controller

import (
	"context"
	"slices"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
)

// drainSends is a manager Runnable for graceful stops: when the manager
// stops, no new send starts, the sends in flight finish (within their
// timeout), and their outcomes are written to the incidents' status. A send
// that reached its receiver while the manager stopped would otherwise be
// unrecorded, and the next manager would send it again. (A crash cannot be
// drained; there the Idempotency-Key header lets receivers drop the repeat.)
type drainSends struct{ r *BiasIncidentReconciler }

var _ manager.LeaderElectionRunnable = drainSends{}

// NeedLeaderElection: only the leader sends, so only the leader drains.
func (drainSends) NeedLeaderElection() bool { return true }

func (d drainSends) Start(ctx context.Context) error {
	<-ctx.Done()
	sends := d.r.Sender.close()
	// Bounded by one send's timeout and a few status writes, well inside the
	// manager's graceful-shutdown period (30 s by default).
	wctx, cancel := context.WithTimeout(context.Background(), d.r.Sender.sendTimeout()+5*time.Second)
	defer cancel()
	for key, op := range sends {
		select {
		case <-op.done:
		case <-wctx.Done():
			return nil // the send outlived its timeout; the next manager retries it
		}
		if err := d.r.recordStopped(wctx, key, op); err != nil {
			logf.FromContext(ctx).Info("could not record a notification's outcome while stopping; the next manager retries it",
				"incident", op.incident.String(), "error", err.Error())
		}
	}
	return nil
}

// recordStopped writes a finished send's outcome unless status records it
// already (the incident's reconciler may have got there first).
func (r *BiasIncidentReconciler) recordStopped(ctx context.Context, key string, op *send) error {
	reader := client.Reader(r.Client)
	if r.APIReader != nil {
		reader = r.APIReader // the cache may be stopping too
	}
	for range maxStatusRebases + 1 {
		var live fairnessv1alpha1.BiasIncident
		if err := reader.Get(ctx, op.incident, &live); err != nil {
			return client.IgnoreNotFound(err)
		}
		p := newIncidentPass(&live, r.now())
		i := slices.IndexFunc(live.Status.Notifications, func(d fairnessv1alpha1.NotificationDelivery) bool {
			return d.IdempotencyKey == key
		})
		if i < 0 {
			return nil
		}
		d := &live.Status.Notifications[i]
		if d.Result != fairnessv1alpha1.DeliveryPending || d.Attempts >= op.attempt {
			return nil // recorded already
		}
		r.recordAttempt(p, d, "", op.err)
		err := r.Status().Patch(ctx, &live, client.MergeFromWithOptions(p.before, client.MergeFromWithOptimisticLock{}))
		if !apierrors.IsConflict(err) {
			return err
		}
	}
	return nil
}
