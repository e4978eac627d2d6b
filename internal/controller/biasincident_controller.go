package controller

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/source"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
	"github.com/fairness-operator/fairness-operator/internal/display"
	"github.com/fairness-operator/fairness-operator/internal/fairness"
	"github.com/fairness-operator/fairness-operator/internal/incident"
)

const maxDeliveries = 32

// BiasIncidentReconciler runs the incident-response lifecycle: people's
// state changes, deadlines and escalation, notifications, auto-resolution.
type BiasIncidentReconciler struct {
	client.Client
	// APIReader reads the incident uncached before a notification is sent
	// (a cache that lags behind our own last write would send it again),
	// and reads notification Secrets, which the manager may not list or watch.
	APIReader client.Reader
	// Pacer limits notifications per target (nil: unlimited).
	Pacer *targetPacer
	// Sender runs sends in the background, so that a target that does not
	// answer holds no worker (its zero value works).
	Sender *sender
	// Workers is the number of incidents reconciled at once (0: one).
	Workers  int
	Recorder events.EventRecorder
	HTTP     *http.Client
	Now      func() time.Time
	Metrics  *Metrics
	// RetryBase and RetryCap shape the exponential backoff of deliveries;
	// MaxAttempts gives up (Failed) after that many.
	RetryBase, RetryCap time.Duration
	MaxAttempts         int32
	// Deadlines override the severity scale's defaults (manager flags).
	Deadlines map[fairness.Severity]time.Duration
	// ResolvedTTL deletes incidents this long after resolution; 0 keeps them.
	ResolvedTTL time.Duration
	// DefaultPolicy applies to evaluations without an incidentPolicy.
	DefaultPolicy *fairnessv1alpha1.IncidentPolicy
}

// +kubebuilder:rbac:groups=fairness.dev,resources=biasincidents,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups=fairness.dev,resources=biasincidents/status,verbs=get;update;patch
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get

func (r *BiasIncidentReconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// Reconcile applies the policy to one incident and patches its status once.
func (r *BiasIncidentReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var in fairnessv1alpha1.BiasIncident
	if err := r.Get(ctx, req.NamespacedName, &in); err != nil {
		if apierrors.IsNotFound(err) {
			r.Metrics.ForgetIncident(req.Namespace, req.Name)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if in.Status.OpenedAt == nil {
		if openedByOperator(&in) {
			// Not opened yet: the evaluation controller writes the first breach.
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, r.markNotManaged(ctx, &in)
	}
	policy, targets, err := r.policyOf(ctx, &in)
	if err != nil {
		return ctrl.Result{}, err // retried with backoff; no delivery is attempted on a guess
	}
	before := in.DeepCopy()
	now := r.now()
	if r.expired(&in, now) {
		r.Metrics.ForgetIncident(in.Namespace, in.Name)
		return ctrl.Result{}, client.IgnoreNotFound(r.Delete(ctx, &in, client.Preconditions{UID: &in.UID}))
	}
	if in.Spec.State != fairnessv1alpha1.IncidentResolved && incident.AutoResolve(policy, view(&in)) {
		return ctrl.Result{}, r.autoResolve(ctx, &in, policy)
	}
	r.applyStateChange(&in, now, policy.Deadlines, targets)
	r.enqueueOpened(&in, targets)
	r.escalate(&in, policy, now)
	persistFirst := hasUnpersisted(before, &in)
	var wake time.Time
	if !persistFirst && dueDeliveries(&in, now) {
		if stale, err := r.stale(ctx, &in); err != nil || stale {
			return ctrl.Result{RequeueAfter: staleCacheDelay}, err
		}
	}
	if !persistFirst {
		// Pending deliveries are written to status before any attempt, so a
		// restart never loses one; Delivered is written right after.
		wake = r.deliver(ctx, &in, targets, now)
	}
	in.Status.ObservedGeneration = in.Generation
	if !equality.Semantic.DeepEqual(before.Status, in.Status) {
		if err := r.patchStatus(ctx, before, &in); err != nil {
			if apierrors.IsConflict(err) {
				return ctrl.Result{RequeueAfter: conflictDelay}, nil
			}
			return ctrl.Result{}, err
		}
	}
	r.Metrics.ObserveIncident(&in)
	if persistFirst {
		return ctrl.Result{RequeueAfter: persistedDelay}, nil
	}
	if at, ok := incident.NextWakeup(policy, view(&in), now); ok && (wake.IsZero() || at.Before(wake)) {
		wake = at
	}
	if ttl := r.ttlWait(&in, now); ttl > 0 && (wake.IsZero() || now.Add(ttl).Before(wake)) {
		wake = now.Add(ttl)
	}
	if !wake.IsZero() {
		return ctrl.Result{RequeueAfter: max(wake.Sub(now), minWakeDelay)}, nil
	}
	return ctrl.Result{}, nil
}

// markNotManaged says, in its status, that a hand-made incident is not the
// operator's: no deadline, escalation or notification applies, and no
// evaluation adopts it.
func (r *BiasIncidentReconciler) markNotManaged(ctx context.Context, in *fairnessv1alpha1.BiasIncident) error {
	before := in.DeepCopy()
	setCondition(&in.Status.Conditions, in.Generation, fairnessv1alpha1.ConditionReady, metav1.ConditionFalse, fairnessv1alpha1.ReasonNotManaged,
		fmt.Sprintf("not opened by the operator: evaluation %q never takes it as its incident, and no deadline, "+
			"escalation or notification applies; incidents are opened by FairnessEvaluations", in.Spec.EvaluationRef.Name))
	in.Status.ObservedGeneration = in.Generation
	if equality.Semantic.DeepEqual(before.Status, in.Status) {
		return nil
	}
	return client.IgnoreNotFound(r.Status().Patch(ctx, in, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})))
}

// ttlWait is how long until a resolved incident expires (0: never, or not resolved).
func (r *BiasIncidentReconciler) ttlWait(in *fairnessv1alpha1.BiasIncident, now time.Time) time.Duration {
	if r.ResolvedTTL <= 0 || in.Status.State != fairnessv1alpha1.IncidentResolved || in.Status.ResolvedAt == nil {
		return 0
	}
	return max(in.Status.ResolvedAt.Add(r.ResolvedTTL).Sub(now), expiredDelay)
}

// expired reports whether a resolved incident is past its retention.
func (r *BiasIncidentReconciler) expired(in *fairnessv1alpha1.BiasIncident, now time.Time) bool {
	return r.ResolvedTTL > 0 && in.Status.State == fairnessv1alpha1.IncidentResolved && in.Status.ResolvedAt != nil &&
		!now.Before(in.Status.ResolvedAt.Add(r.ResolvedTTL))
}

func view(in *fairnessv1alpha1.BiasIncident) incident.View {
	v := incident.View{Severity: fairness.Severity(in.Status.Severity), State: string(in.Status.State),
		Fired: in.Status.EscalationStepsFired, CleanRuns: in.Status.ConsecutiveCleanRuns}
	if in.Status.AcknowledgeBy != nil {
		v.AcknowledgeBy = in.Status.AcknowledgeBy.Time
	}
	return v
}

// policyOf reads the incident policy of the incident's evaluation (the
// defaults when the evaluation is gone: incidents outlive it). Any other
// error of the read is returned: a transient API error must not turn into
// the default policy, and so into a failed delivery attempt.
func (r *BiasIncidentReconciler) policyOf(ctx context.Context,
	in *fairnessv1alpha1.BiasIncident) (incident.Policy, []fairnessv1alpha1.NotificationTarget, error) {
	var eval fairnessv1alpha1.FairnessEvaluation
	p := incident.Policy{Deadlines: r.Deadlines}
	ip := r.DefaultPolicy
	err := r.Get(ctx, client.ObjectKey{Namespace: in.Namespace, Name: in.Spec.EvaluationRef.Name}, &eval)
	switch {
	case err == nil:
		ip = effectivePolicy(&eval, r.DefaultPolicy)
	case !apierrors.IsNotFound(err):
		return p, nil, fmt.Errorf("reading the incident's evaluation %s: %w", in.Spec.EvaluationRef.Name, err)
	}
	if ip == nil {
		return p, nil, nil
	}
	p.Deadlines = deadlineOverrides(r.Deadlines, ip)
	p.AutoResolveAfter, p.FailedRunsThreshold = ip.AutoResolveAfterCleanRuns, ip.FailedRunsThreshold
	for _, s := range ip.Escalation {
		step := incident.Step{After: s.After.Duration, Target: s.Target}
		for _, sev := range s.Severities {
			step.Severities = append(step.Severities, fairness.Severity(sev))
		}
		p.Escalation = append(p.Escalation, step)
	}
	return p, ip.Notifications, nil
}

// applyStateChange validates and records a state change people made in the
// spec; a reopened incident gets a new deadline from the configured ones.
func (r *BiasIncidentReconciler) applyStateChange(in *fairnessv1alpha1.BiasIncident, now time.Time,
	deadlines map[fairness.Severity]time.Duration, targets []fairnessv1alpha1.NotificationTarget) {
	st := &in.Status
	from, to := string(st.State), string(in.Spec.State)
	if from == "" {
		from = incident.Open
	}
	// Handled, whatever the outcome below: people may change the state again.
	st.HandledState = in.Spec.State
	if st.HandledState == "" {
		st.HandledState = fairnessv1alpha1.IncidentOpen
	}
	if to == "" || from == to {
		setCondition(&st.Conditions, in.Generation, fairnessv1alpha1.ConditionReady, metav1.ConditionTrue, "Handled",
			"the incident's state is "+from)
		return
	}
	if err := incident.CheckTransition(from, to, in.Spec.ReopenReason); err != nil {
		msg := fmt.Sprintf("state change refused: %v; the incident stays %s", err, from)
		setCondition(&st.Conditions, in.Generation, fairnessv1alpha1.ConditionReady, metav1.ConditionFalse, "InvalidTransition", msg)
		r.event(in, corev1.EventTypeWarning, "InvalidTransition", msg)
		return
	}
	at := metav1.Time{Time: now}
	actor := in.Spec.AcknowledgedBy
	typ, msg := fairnessv1alpha1.TimelineEntryType(to), fmt.Sprintf("%s -> %s", from, to)
	switch to {
	case incident.Acknowledged, incident.Mitigating:
		if st.AcknowledgedAt == nil {
			st.AcknowledgedAt = &at
			if st.OpenedAt != nil {
				r.Metrics.Acknowledged(now.Sub(st.OpenedAt.Time))
			}
		}
	case incident.Resolved:
		st.ResolvedAt = &at
		msg += ": " + display.Truncate(in.Spec.ResolutionNote, 512)
		r.enqueue(in, "Resolved", targets, func(fairnessv1alpha1.NotificationTarget) bool { return true })
	case incident.Open:
		typ, msg = fairnessv1alpha1.TimelineReopened, "reopened: "+display.Truncate(in.Spec.ReopenReason, 512)
		st.ResolvedAt, st.AcknowledgedAt, st.Escalated, st.EscalationStepsFired = nil, nil, false, nil
		deadline := incident.AcknowledgeBy(fairness.Severity(st.Severity), now, deadlines)
		st.AcknowledgeBy = &metav1.Time{Time: deadline}
		setCondition(&st.Conditions, in.Generation, fairnessv1alpha1.ConditionEscalated, metav1.ConditionFalse, "Reopened", "reopened")
	}
	st.State = in.Spec.State
	addTimeline(st, at, typ, msg)
	if actor != "" {
		st.Timeline[len(st.Timeline)-1].Actor = actor
	}
	setCondition(&st.Conditions, in.Generation, fairnessv1alpha1.ConditionReady, metav1.ConditionTrue, "Handled",
		"the incident's state is "+to)
	r.event(in, corev1.EventTypeNormal, string(typ), msg)
}

// enqueueOpened queues the "Opened" notification for targets that want it.
func (r *BiasIncidentReconciler) enqueueOpened(in *fairnessv1alpha1.BiasIncident, targets []fairnessv1alpha1.NotificationTarget) {
	r.enqueue(in, "Opened", targets, func(t fairnessv1alpha1.NotificationTarget) bool { return t.OnOpen })
}

// escalate fires due escalation steps, each once.
func (r *BiasIncidentReconciler) escalate(in *fairnessv1alpha1.BiasIncident, p incident.Policy, now time.Time) {
	st := &in.Status
	if incident.Late(view(in), now) && !apimeta.IsStatusConditionTrue(st.Conditions, fairnessv1alpha1.ConditionEscalated) {
		msg := fmt.Sprintf("not acknowledged by %s (%s)", st.AcknowledgeBy.UTC().Format(time.RFC3339), st.Severity)
		setCondition(&st.Conditions, in.Generation, fairnessv1alpha1.ConditionEscalated, metav1.ConditionTrue,
			fairnessv1alpha1.ReasonAcknowledgementLate, msg)
		st.Escalated = true
		addTimeline(st, metav1.Time{Time: now}, fairnessv1alpha1.TimelineDeadlineMissed, msg)
		r.event(in, corev1.EventTypeWarning, "Escalated", msg)
	}
	for _, i := range incident.DueSteps(p, view(in), now) {
		step := p.Escalation[i]
		st.EscalationStepsFired = append(st.EscalationStepsFired, int32(i)) //nolint:gosec // at most 10 steps
		st.Escalated = true
		msg := fmt.Sprintf("escalation step %d: notifying %s", i+1, step.Target)
		addTimeline(st, metav1.Time{Time: now}, fairnessv1alpha1.TimelineEscalated, msg)
		r.event(in, corev1.EventTypeWarning, "Escalated", msg)
		name := step.Target
		r.enqueueTo(in, fmt.Sprintf("Escalated-%d", i+1), name)
	}
}

// idempotencyKey identifies one transition of one incident to one target.
func idempotencyKey(in *fairnessv1alpha1.BiasIncident, transition, target string) string {
	return fmt.Sprintf("%s/%s/%s", in.UID, transition, target)
}

func (r *BiasIncidentReconciler) enqueue(in *fairnessv1alpha1.BiasIncident, transition string,
	targets []fairnessv1alpha1.NotificationTarget, want func(fairnessv1alpha1.NotificationTarget) bool) {
	for _, t := range targets {
		if want(t) {
			r.enqueueTo(in, transition, t.Name)
		}
	}
}

func (r *BiasIncidentReconciler) enqueueTo(in *fairnessv1alpha1.BiasIncident, transition, target string) {
	key := idempotencyKey(in, transition, target)
	for _, d := range in.Status.Notifications {
		if d.IdempotencyKey == key {
			return
		}
	}
	in.Status.Notifications = append(in.Status.Notifications, fairnessv1alpha1.NotificationDelivery{
		Target: target, IdempotencyKey: key, Result: fairnessv1alpha1.DeliveryPending})
	if n := len(in.Status.Notifications); n > maxDeliveries {
		// Drop the oldest finished deliveries first; never a pending one.
		kept := in.Status.Notifications[:0]
		drop := n - maxDeliveries
		for _, d := range in.Status.Notifications {
			if drop > 0 && d.Result != fairnessv1alpha1.DeliveryPending {
				drop--
				continue
			}
			kept = append(kept, d)
		}
		in.Status.Notifications = kept
	}
}

// hasUnpersisted reports whether new pending deliveries were queued in this
// reconcile (they must reach status before they are attempted).
func hasUnpersisted(before, after *fairnessv1alpha1.BiasIncident) bool {
	for _, d := range after.Status.Notifications {
		if !slices.ContainsFunc(before.Status.Notifications, func(b fairnessv1alpha1.NotificationDelivery) bool {
			return b.IdempotencyKey == d.IdempotencyKey
		}) {
			return true
		}
	}
	return false
}

// autoResolve resolves the incident in its spec, as a person would, with a note.
func (r *BiasIncidentReconciler) autoResolve(ctx context.Context, in *fairnessv1alpha1.BiasIncident, p incident.Policy) error {
	before := in.DeepCopy()
	in.Spec.State = fairnessv1alpha1.IncidentResolved
	in.Spec.ResolutionNote = fmt.Sprintf("auto-resolved by fairness-operator after %d consecutive clean runs (policy: %d)",
		in.Status.ConsecutiveCleanRuns, p.AutoResolveAfter)
	if err := r.Patch(ctx, in, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})); err != nil {
		return client.IgnoreNotFound(err)
	}
	r.event(in, corev1.EventTypeNormal, "AutoResolved", in.Spec.ResolutionNote)
	return nil
}

func (r *BiasIncidentReconciler) event(obj client.Object, typ, reason, msg string) {
	if r.Recorder != nil {
		r.Recorder.Eventf(obj, nil, typ, reason, "Respond", "%s", EventNote(msg))
	}
}

// SetupWithManager registers the reconciler with the manager; a send that
// finishes in the background wakes its incident.
func (r *BiasIncidentReconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Sender == nil {
		r.Sender = &sender{}
	}
	if r.Sender.wake == nil {
		r.Sender.wake = make(chan event.GenericEvent, 64)
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&fairnessv1alpha1.BiasIncident{}).
		WatchesRawSource(source.Channel(r.Sender.wake, &handler.EnqueueRequestForObject{})).
		WithOptions(controller.Options{MaxConcurrentReconciles: r.Workers}).
		Named("biasincident").
		Complete(r)
}
