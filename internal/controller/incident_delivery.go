package controller

// Notification delivery: attempts, retries with backoff, pacing per target,
// and status writes that never forget a notification already sent.

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
	"github.com/fairness-operator/fairness-operator/internal/display"
	"github.com/fairness-operator/fairness-operator/internal/faultpoint"
	"github.com/fairness-operator/fairness-operator/internal/notify"
)

// patchStatus writes the incident's status with optimistic locking. A
// conflict is usually a person editing the spec (acknowledging, adding a
// note) while deliveries were attempted: then the status is rebased onto
// the fresh object and written again at once, a few times. When the status
// itself changed (the evaluation controller recorded a run), only the
// delivery outcomes are carried over and the conflict is returned, so the
// rest is recomputed. A conflict that outlasts the rebases is returned and
// the reconcile requeues: nothing waits here, and nothing is lost, because
// the sender keeps a send's outcome until status records its attempt.
func (r *BiasIncidentReconciler) patchStatus(ctx context.Context, before, in *fairnessv1alpha1.BiasIncident) error {
	err := r.Status().Patch(ctx, in, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{}))
	for attempt := 0; apierrors.IsConflict(err) && attempt < maxStatusRebases; attempt++ {
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

// maxStatusRebases bounds the immediate rebases of a conflicting status
// write; past them the reconcile requeues.
const maxStatusRebases = 3

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

// inFlightRecheck is how soon an incident is looked at again while a send
// runs; the send's own wake-up usually comes first.
const inFlightRecheck = time.Second

// deliveries takes stock of the pending deliveries: outcomes of finished
// sends are recorded, sends that are due are prepared (they start once the
// status is written, see afterWrite), and the soonest retry sets the
// pass's wake-up.
func (r *BiasIncidentReconciler) deliveries(ctx context.Context, p *incidentPass,
	targets []fairnessv1alpha1.NotificationTarget) {
	in, now := p.in, p.now
	for i := range in.Status.Notifications {
		d := &in.Status.Notifications[i]
		if d.Result != fairnessv1alpha1.DeliveryPending {
			continue
		}
		if d.NextAttemptTime != nil && now.Before(d.NextAttemptTime.Time) {
			p.wakeBy(d.NextAttemptTime.Time)
			continue
		}
		if op := r.Sender.current(d); op != nil {
			if !finished(op) {
				p.wakeBy(now.Add(inFlightRecheck))
				continue
			}
			// The sender keeps an outcome until status records its attempt.
			r.recordAttempt(p, d, r.targetKind(targets, d.Target), op.err)
			continue
		}
		target, err := r.resolveTarget(ctx, in, targets, d.Target)
		if err != nil {
			r.recordAttempt(p, d, target.Kind, err)
			continue
		}
		if turn := r.Pacer.wait(target.URL, d.IdempotencyKey, now); turn > 0 {
			p.wakeBy(now.Add(turn)) // the target's turn comes later; waiting is not an attempt
			continue
		}
		p.sends = append(p.sends, dueSend{delivery: *d, target: target, message: messageFor(in, d)})
	}
}

// afterWrite does what the status write allowed: Events and metrics, and
// the due sends. Sends need the incident as the API server has it (a
// cache that lags behind our last write would send a delivered
// notification again); a pass that wrote had that by optimistic locking,
// one that did not checks with an uncached read, and when the cache is
// behind it leaves the sends to the pass that the newer version's watch
// event brings.
func (r *BiasIncidentReconciler) afterWrite(ctx context.Context, p *incidentPass) {
	for _, f := range p.effects {
		f()
	}
	r.Metrics.ObserveIncident(p.in)
	if len(p.sends) == 0 {
		return
	}
	if !p.wrote {
		if stale, err := r.stale(ctx, p.in); err != nil || stale {
			return
		}
	}
	httpClient := r.httpClient()
	for _, ds := range p.sends {
		target, msg := ds.target, ds.message
		r.Sender.start(p.in, &ds.delivery, func(ctx context.Context) error {
			faultpoint.Hit(faultpoint.BeforeNotification)
			err := notify.Send(ctx, httpClient, target, msg)
			if err == nil {
				faultpoint.Hit(faultpoint.AfterNotification)
			}
			return err
		})
		p.wakeBy(p.now.Add(inFlightRecheck))
	}
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

// recordAttempt writes the outcome of one attempt at a delivery.
func (r *BiasIncidentReconciler) recordAttempt(p *incidentPass, d *fairnessv1alpha1.NotificationDelivery,
	kind string, err error) {
	now := p.now
	d.Attempts++
	d.LastAttemptTime = &metav1.Time{Time: now}
	if kind == "" {
		kind = "unknown"
	}
	if err == nil {
		d.Result, d.Message, d.NextAttemptTime = fairnessv1alpha1.DeliveryDelivered, "delivered", nil
		p.after(func() { r.Metrics.Notified(kind, "delivered") })
		return
	}
	d.Message = display.Truncate(err.Error(), 1024)
	if d.Attempts >= r.maxAttempts() {
		d.Result, d.NextAttemptTime = fairnessv1alpha1.DeliveryFailed, nil
		p.after(func() { r.Metrics.Notified(kind, "failed") })
		p.event(r, corev1.EventTypeWarning, "NotificationFailed", fmt.Sprintf("gave up on %s after %d attempts: %s",
			d.Target, d.Attempts, d.Message))
		return
	}
	p.after(func() { r.Metrics.Notified(kind, "retry") })
	d.NextAttemptTime = &metav1.Time{Time: now.Add(r.retryDelay(d.Attempts))}
	p.wakeBy(d.NextAttemptTime.Time)
}

// targetKind is the kind of a named target, for metrics.
func (r *BiasIncidentReconciler) targetKind(targets []fairnessv1alpha1.NotificationTarget, name string) string {
	for _, t := range targets {
		if t.Name == name {
			return string(t.Kind)
		}
	}
	return ""
}

func (r *BiasIncidentReconciler) httpClient() *http.Client {
	if r.HTTP != nil {
		return r.HTTP
	}
	return http.DefaultClient
}

// retryJitter spreads retries: deliveries that failed together (their
// target was down) must not all come back in the same instant.
const retryJitter = 0.2

// retryDelay is the wait after a delivery's failed attempt n (1-based):
// exponential from RetryBase, capped at RetryCap, plus up to retryJitter
// of itself.
func (r *BiasIncidentReconciler) retryDelay(n int32) time.Duration {
	b := wait.Backoff{Duration: r.retryBase(), Factor: 2, Jitter: retryJitter, Steps: int(n), Cap: r.retryCap()}
	var d time.Duration
	for range n {
		d = b.Step()
	}
	return d
}

func (r *BiasIncidentReconciler) retryBase() time.Duration { return cmp.Or(r.RetryBase, 5*time.Second) }

func (r *BiasIncidentReconciler) retryCap() time.Duration { return cmp.Or(r.RetryCap, 10*time.Minute) }

func (r *BiasIncidentReconciler) maxAttempts() int32 { return cmp.Or(r.MaxAttempts, 20) }

// resolveTarget reads a target's URL from its Secret, uncached: the
// manager's role may get a Secret but not list or watch Secrets, and a
// cached read would start an informer that can never sync (the delivery
// then waited forever).
func (r *BiasIncidentReconciler) resolveTarget(ctx context.Context, in *fairnessv1alpha1.BiasIncident,
	targets []fairnessv1alpha1.NotificationTarget, name string) (notify.Target, error) {
	reader := client.Reader(r.Client)
	if r.APIReader != nil {
		reader = r.APIReader
	}
	for _, t := range targets {
		if t.Name != name {
			continue
		}
		var s corev1.Secret
		if err := reader.Get(ctx, client.ObjectKey{Namespace: in.Namespace, Name: t.URLSecretRef.Name}, &s); err != nil {
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
