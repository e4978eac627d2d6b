package controller

// Notification delivery: attempts, retries with backoff, pacing per target,
// and status writes that never forget a notification already sent.

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
	"github.com/fairness-operator/fairness-operator/internal/faultpoint"
	"github.com/fairness-operator/fairness-operator/internal/incident"
	"github.com/fairness-operator/fairness-operator/internal/notify"
)

// patchStatus writes the incident's status with optimistic locking. A
// conflict is usually a person editing the spec (acknowledging, adding a
// note) while deliveries were attempted: then the status is rebased onto
// the fresh object and written again, because dropping it would forget a
// notification that was already sent. When the status itself changed (the
// evaluation controller recorded a run), only the delivery outcomes are
// carried over and the conflict is returned, so the rest is recomputed.
func (r *BiasIncidentReconciler) patchStatus(ctx context.Context, before, in *fairnessv1alpha1.BiasIncident) error {
	err := r.Status().Patch(ctx, in, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{}))
	// Back off between rebases: a person's script may be writing in a loop.
	delay := 10 * time.Millisecond
	for attempt := 0; apierrors.IsConflict(err) && attempt < 10; attempt++ {
		time.Sleep(delay)
		delay *= 2
		var fresh fairnessv1alpha1.BiasIncident
		if gerr := r.Get(ctx, client.ObjectKeyFromObject(in), &fresh); gerr != nil {
			return gerr
		}
		base := fresh.DeepCopy()
		statusChanged := !equality.Semantic.DeepEqual(fresh.Status, before.Status)
		if statusChanged {
			if !carryDeliveries(&fresh.Status, in.Status.Notifications) {
				return err
			}
		} else {
			fresh.Status = in.Status
		}
		err = r.Status().Patch(ctx, &fresh, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{}))
		if err == nil && statusChanged {
			return apierrors.NewConflict(fairnessv1alpha1.GroupVersion.WithResource("biasincidents").GroupResource(),
				in.Name, fmt.Errorf("status changed meanwhile; delivery outcomes kept"))
		}
		*in, before = fresh, base
	}
	return err
}

// carryDeliveries copies attempted deliveries into st by idempotency key;
// it reports whether anything changed.
func carryDeliveries(st *fairnessv1alpha1.BiasIncidentStatus, mine []fairnessv1alpha1.NotificationDelivery) bool {
	changed := false
	for _, d := range mine {
		for i := range st.Notifications {
			if st.Notifications[i].IdempotencyKey == d.IdempotencyKey && st.Notifications[i].Attempts < d.Attempts {
				st.Notifications[i], changed = d, true
			}
		}
	}
	return changed
}

// dueDeliveries: a pending delivery is due now.
func dueDeliveries(in *fairnessv1alpha1.BiasIncident, now time.Time) bool {
	for _, d := range in.Status.Notifications {
		if d.Result == DeliveryPending && (d.NextAttemptTime == nil || !now.Before(d.NextAttemptTime.Time)) {
			return true
		}
	}
	return false
}

// stale reports whether the cached incident lags behind the API server.
func (r *BiasIncidentReconciler) stale(ctx context.Context, in *fairnessv1alpha1.BiasIncident) (bool, error) {
	if r.APIReader == nil {
		return false, nil
	}
	var live fairnessv1alpha1.BiasIncident
	if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(in), &live); err != nil {
		return false, client.IgnoreNotFound(err)
	}
	return live.ResourceVersion != in.ResourceVersion, nil
}

// deliver attempts the pending deliveries that are due and returns when the
// next retry is due (zero when none is pending).
func (r *BiasIncidentReconciler) deliver(ctx context.Context, in *fairnessv1alpha1.BiasIncident,
	targets []fairnessv1alpha1.NotificationTarget, now time.Time) time.Time {
	var next time.Time
	for i := range in.Status.Notifications {
		d := &in.Status.Notifications[i]
		if d.Result != DeliveryPending {
			continue
		}
		if d.NextAttemptTime != nil && now.Before(d.NextAttemptTime.Time) {
			if next.IsZero() || d.NextAttemptTime.Before(&metav1.Time{Time: next}) {
				next = d.NextAttemptTime.Time
			}
			continue
		}
		target, err := r.resolveTarget(ctx, in, targets, d.Target)
		if err == nil {
			if wait := r.Pacer.wait(target.URL, d.IdempotencyKey, now); wait > 0 {
				// The target's turn comes later; waiting is not an attempt.
				if at := now.Add(wait); next.IsZero() || at.Before(next) {
					next = at
				}
				continue
			}
			faultpoint.Hit(faultpoint.BeforeNotification)
			err = notify.Send(ctx, r.httpClient(), target, messageFor(in, d))
			if err == nil {
				faultpoint.Hit(faultpoint.AfterNotification)
			}
		}
		d.Attempts++
		d.LastAttemptTime = &metav1.Time{Time: now}
		kind := target.Kind
		if kind == "" {
			kind = "unknown"
		}
		if err == nil {
			d.Result, d.Message, d.NextAttemptTime = DeliveryDelivered, "delivered", nil
			r.Metrics.Notified(kind, "delivered")
			continue
		}
		d.Message = truncate(err.Error(), 1024)
		if d.Attempts >= r.maxAttempts() {
			d.Result, d.NextAttemptTime = DeliveryFailed, nil
			r.Metrics.Notified(kind, "failed")
			r.event(in, corev1.EventTypeWarning, "NotificationFailed", fmt.Sprintf("gave up on %s after %d attempts: %s",
				d.Target, d.Attempts, d.Message))
			continue
		}
		r.Metrics.Notified(kind, "retry")
		at := now.Add(incident.Backoff(d.Attempts, r.retryBase(), r.retryCap()))
		d.NextAttemptTime = &metav1.Time{Time: at}
		if next.IsZero() || at.Before(next) {
			next = at
		}
	}
	return next
}

func (r *BiasIncidentReconciler) httpClient() *http.Client {
	if r.HTTP != nil {
		return r.HTTP
	}
	return http.DefaultClient
}

func (r *BiasIncidentReconciler) retryBase() time.Duration {
	if r.RetryBase > 0 {
		return r.RetryBase
	}
	return 5 * time.Second
}

func (r *BiasIncidentReconciler) retryCap() time.Duration {
	if r.RetryCap > 0 {
		return r.RetryCap
	}
	return 10 * time.Minute
}

func (r *BiasIncidentReconciler) maxAttempts() int32 {
	if r.MaxAttempts > 0 {
		return r.MaxAttempts
	}
	return 20
}

// resolveTarget reads a target's URL from its Secret.
func (r *BiasIncidentReconciler) resolveTarget(ctx context.Context, in *fairnessv1alpha1.BiasIncident,
	targets []fairnessv1alpha1.NotificationTarget, name string) (notify.Target, error) {
	for _, t := range targets {
		if t.Name != name {
			continue
		}
		var s corev1.Secret
		if err := r.Get(ctx, client.ObjectKey{Namespace: in.Namespace, Name: t.URLSecretRef.Name}, &s); err != nil {
			return notify.Target{Name: name, Kind: string(t.Kind)}, fmt.Errorf("target %s: Secret %q: %s", name,
				t.URLSecretRef.Name, apierrors.ReasonForError(err))
		}
		url, ok := s.Data[t.URLSecretRef.Key]
		if !ok {
			return notify.Target{Name: name, Kind: string(t.Kind)}, fmt.Errorf("target %s: Secret %q has no key %q", name,
				t.URLSecretRef.Name, t.URLSecretRef.Key)
		}
		return notify.Target{Name: name, Kind: string(t.Kind), URL: string(url)}, nil
	}
	return notify.Target{Name: name}, fmt.Errorf("target %s is not in the evaluation's notifications", name)
}

func messageFor(in *fairnessv1alpha1.BiasIncident, d *fairnessv1alpha1.NotificationDelivery) notify.Message {
	st := in.Status
	m := notify.Message{IdempotencyKey: d.IdempotencyKey, Incident: in.Name, Namespace: in.Namespace,
		Evaluation: in.Spec.EvaluationRef.Name, Severity: string(st.Severity), Category: string(in.Spec.Category),
		State: string(st.State), Channel: st.Channel, Resolved: st.State == fairnessv1alpha1.IncidentResolved}
	if parts := strings.SplitN(d.IdempotencyKey, "/", 3); len(parts) == 3 {
		m.Transition = parts[1]
	}
	if st.OpenedAt != nil {
		m.OpenedAt = st.OpenedAt.Time
	}
	if st.AcknowledgeBy != nil {
		m.AcknowledgeBy = st.AcknowledgeBy.Time
	}
	if len(st.Breaches) > 0 {
		b := st.Breaches[0]
		m.Metric, m.Attribute, m.Group, m.Value, m.Threshold = string(b.Metric), b.Attribute, b.Group, b.Value, b.Threshold
	}
	return m
}
