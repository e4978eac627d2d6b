package controller

import (
	"context"
	"fmt"
	"net/http"
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

// Reconcile runs one incident through its steps, in this order: read it,
// read its policy, retire it (expiry, auto-resolution), apply the
// lifecycle (people's state changes, notifications to queue, escalation),
// take stock of its deliveries, write its status once, and only then do
// what the write allows: start sends, emit Events and metrics.
func (r *BiasIncidentReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	in, err := r.readIncident(ctx, req)
	if in == nil || err != nil {
		return ctrl.Result{}, err
	}
	policy, targets, err := r.policyOf(ctx, in)
	if err != nil {
		return ctrl.Result{}, err // retried with backoff; no delivery is attempted on a guess
	}
	p := newIncidentPass(in, r.now())
	if retired, err := r.retire(ctx, p, policy); retired {
		return ctrl.Result{}, err
	}
	r.lifecycle(p, policy, targets)
	r.deliveries(ctx, p, targets)
	if err := r.writeStatus(ctx, p); err != nil {
		if apierrors.IsConflict(err) {
			return ctrl.Result{RequeueAfter: conflictDelay}, nil
		}
		return ctrl.Result{}, err
	}
	r.afterWrite(ctx, p)
	return r.nextWake(p, policy), nil
}

// readIncident reads the incident; it returns nil when there is nothing to
// do: the incident is gone, not opened yet (the evaluation controller
// writes its first breach), or hand-made (then marked as not managed).
func (r *BiasIncidentReconciler) readIncident(ctx context.Context, req ctrl.Request) (*fairnessv1alpha1.BiasIncident, error) {
	var in fairnessv1alpha1.BiasIncident
	if err := r.Get(ctx, req.NamespacedName, &in); err != nil {
		if apierrors.IsNotFound(err) {
			r.Metrics.ForgetIncident(req.Namespace, req.Name)
		}
		return nil, client.IgnoreNotFound(err)
	}
	if in.Status.OpenedAt != nil {
		return &in, nil
	}
	if openedByOperator(&in) {
		return nil, nil
	}
	return nil, r.markNotManaged(ctx, &in)
}

// retire deletes an incident past its retention or resolves one the
// policy auto-resolves; it reports whether it did (the pass ends there).
func (r *BiasIncidentReconciler) retire(ctx context.Context, p *incidentPass, policy incident.Policy) (bool, error) {
	in := p.in
	if r.expired(in, p.now) {
		r.Metrics.ForgetIncident(in.Namespace, in.Name)
		return true, client.IgnoreNotFound(r.Delete(ctx, in, client.Preconditions{UID: &in.UID}))
	}
	if in.Spec.State != fairnessv1alpha1.IncidentResolved && incident.AutoResolve(policy, view(in)) {
		return true, r.autoResolve(ctx, in, policy)
	}
	return false, nil
}

// lifecycle applies people's state change, queues the Opened notification
// and fires due escalation, all in the pass's status.
func (r *BiasIncidentReconciler) lifecycle(p *incidentPass, policy incident.Policy,
	targets []fairnessv1alpha1.NotificationTarget) {
	r.applyStateChange(p, policy.Deadlines, targets)
	enqueueOpened(p.in, targets)
	r.escalate(p, policy)
}

// writeStatus patches the status when the pass changed it.
func (r *BiasIncidentReconciler) writeStatus(ctx context.Context, p *incidentPass) error {
	p.in.Status.ObservedGeneration = p.in.Generation
	if equality.Semantic.DeepEqual(p.before.Status, p.in.Status) {
		return nil
	}
	if err := r.patchStatus(ctx, p.before, p.in); err != nil {
		return err
	}
	p.wrote = true
	return nil
}

// nextWake is when the incident needs a look again without an event: a
// retry, a deadline, an escalation step or the end of its retention.
func (r *BiasIncidentReconciler) nextWake(p *incidentPass, policy incident.Policy) ctrl.Result {
	if at, ok := incident.NextWakeup(policy, view(p.in), p.now); ok {
		p.wakeBy(at)
	}
	if ttl := r.ttlWait(p.in, p.now); ttl > 0 {
		p.wakeBy(p.now.Add(ttl))
	}
	if p.wake.IsZero() {
		return ctrl.Result{}
	}
	return ctrl.Result{RequeueAfter: max(p.wake.Sub(p.now), minWakeDelay)}
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

// ttlWait is how long until a resolved incident expires (0: never, not
// resolved, or expired already: retire deletes it on this pass).
func (r *BiasIncidentReconciler) ttlWait(in *fairnessv1alpha1.BiasIncident, now time.Time) time.Duration {
	if r.ResolvedTTL <= 0 || in.Status.State != fairnessv1alpha1.IncidentResolved || in.Status.ResolvedAt == nil {
		return 0
	}
	return max(in.Status.ResolvedAt.Add(r.ResolvedTTL).Sub(now), 0)
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
func (r *BiasIncidentReconciler) applyStateChange(p *incidentPass,
	deadlines map[fairness.Severity]time.Duration, targets []fairnessv1alpha1.NotificationTarget) {
	in, now := p.in, p.now
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
		p.event(r, corev1.EventTypeWarning, "InvalidTransition", msg)
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
				took := now.Sub(st.OpenedAt.Time)
				p.after(func() { r.Metrics.Acknowledged(took) })
			}
		}
	case incident.Resolved:
		st.ResolvedAt = &at
		msg += ": " + display.Truncate(in.Spec.ResolutionNote, 512)
		enqueue(in, "Resolved", targets, func(fairnessv1alpha1.NotificationTarget) bool { return true })
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
	p.event(r, corev1.EventTypeNormal, string(typ), msg)
}

// enqueueOpened queues the "Opened" notification for targets that want it.
func enqueueOpened(in *fairnessv1alpha1.BiasIncident, targets []fairnessv1alpha1.NotificationTarget) {
	enqueue(in, "Opened", targets, func(t fairnessv1alpha1.NotificationTarget) bool { return t.OnOpen })
}

// escalate fires due escalation steps, each once.
func (r *BiasIncidentReconciler) escalate(pass *incidentPass, p incident.Policy) {
	in, now := pass.in, pass.now
	st := &in.Status
	if incident.Late(view(in), now) && !apimeta.IsStatusConditionTrue(st.Conditions, fairnessv1alpha1.ConditionEscalated) {
		msg := fmt.Sprintf("not acknowledged by %s (%s)", st.AcknowledgeBy.UTC().Format(time.RFC3339), st.Severity)
		setCondition(&st.Conditions, in.Generation, fairnessv1alpha1.ConditionEscalated, metav1.ConditionTrue,
			fairnessv1alpha1.ReasonAcknowledgementLate, msg)
		st.Escalated = true
		addTimeline(st, metav1.Time{Time: now}, fairnessv1alpha1.TimelineDeadlineMissed, msg)
		pass.event(r, corev1.EventTypeWarning, "Escalated", msg)
	}
	for _, i := range incident.DueSteps(p, view(in), now) {
		step := p.Escalation[i]
		st.EscalationStepsFired = append(st.EscalationStepsFired, int32(i)) //nolint:gosec // at most 10 steps
		st.Escalated = true
		msg := fmt.Sprintf("escalation step %d: notifying %s", i+1, step.Target)
		addTimeline(st, metav1.Time{Time: now}, fairnessv1alpha1.TimelineEscalated, msg)
		pass.event(r, corev1.EventTypeWarning, "Escalated", msg)
		enqueueTo(in, fmt.Sprintf("Escalated-%d", i+1), step.Target)
	}
}

// idempotencyKey identifies one transition of one incident to one target.
func idempotencyKey(in *fairnessv1alpha1.BiasIncident, transition, target string) string {
	return fmt.Sprintf("%s/%s/%s", in.UID, transition, target)
}

func enqueue(in *fairnessv1alpha1.BiasIncident, transition string,
	targets []fairnessv1alpha1.NotificationTarget, want func(fairnessv1alpha1.NotificationTarget) bool) {
	for _, t := range targets {
		if want(t) {
			enqueueTo(in, transition, t.Name)
		}
	}
}

func enqueueTo(in *fairnessv1alpha1.BiasIncident, transition, target string) {
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
	if err := mgr.Add(drainSends{r}); err != nil {
		return err
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&fairnessv1alpha1.BiasIncident{}).
		WatchesRawSource(source.Channel(r.Sender.wake, &handler.EnqueueRequestForObject{})).
		WithOptions(controller.Options{MaxConcurrentReconciles: r.Workers}).
		Named("biasincident").
		Complete(r)
}
