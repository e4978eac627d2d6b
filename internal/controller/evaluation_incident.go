package controller

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
	"github.com/fairness-operator/fairness-operator/internal/display"
	"github.com/fairness-operator/fairness-operator/internal/fairness"
	"github.com/fairness-operator/fairness-operator/internal/faultpoint"
	"github.com/fairness-operator/fairness-operator/internal/incident"
)

const maxTimeline = 50

// handOffToIncident opens or updates the one open BiasIncident of the
// evaluation when a run breached, and records clean runs on it otherwise.
// Incidents have no owner reference: they are audit records and outlive the
// evaluation. Each run is recorded once (status.lastRunID), even when the
// operator restarts half-way.
func (r *FairnessEvaluationReconciler) handOffToIncident(ctx context.Context, eval *fairnessv1alpha1.FairnessEvaluation,
	runID string, g GradedStatus, list []fairnessv1alpha1.BiasIncident) error {
	policy := effectivePolicy(eval, r.DefaultPolicy)
	if policy != nil && policy.Disabled {
		return nil
	}
	open, previous := openIncident(list)
	breached := g.Severity != fairnessv1alpha1.SeverityNone
	if open == nil && !breached {
		eval.Status.IncidentRef = nil
		return nil
	}
	created := open == nil
	if created {
		var err error
		category := fairnessv1alpha1.CategoryBias
		if g.OnlyTrends() {
			category = fairnessv1alpha1.CategoryTrend
		}
		if open, err = r.openIncident(ctx, eval, runID, category); err != nil {
			return err
		}
	}
	eval.Status.IncidentRef = &fairnessv1alpha1.LocalObjectReference{Name: open.Name}
	if open.Status.LastRunID == runID {
		return nil
	}
	before := open.DeepCopy()
	if created {
		open.Status.PreviousIncident = previous
	}
	RecordRun(&open.Status, runID, g, r.now(), deadlineOverrides(r.Deadlines, policy))
	return r.Status().Patch(ctx, open, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{}))
}

// effectivePolicy is the evaluation's incident policy, or the manager's
// default (chart value evaluation.incidentPolicy) when it sets none.
func effectivePolicy(eval *fairnessv1alpha1.FairnessEvaluation, def *fairnessv1alpha1.IncidentPolicy) *fairnessv1alpha1.IncidentPolicy {
	if eval.Spec.IncidentPolicy != nil {
		return eval.Spec.IncidentPolicy
	}
	return def
}

// incidentsOf lists the incidents of an evaluation, found by label, that it
// may take as its own (adoptable): a hand-made BiasIncident with the same
// label is never one of them.
func (r *FairnessEvaluationReconciler) incidentsOf(ctx context.Context,
	eval *fairnessv1alpha1.FairnessEvaluation) ([]fairnessv1alpha1.BiasIncident, error) {
	var list fairnessv1alpha1.BiasIncidentList
	if err := r.List(ctx, &list, client.InNamespace(eval.Namespace),
		client.MatchingLabels{fairnessv1alpha1.EvaluationLabel: EvaluationLabelValue(eval.Name)}); err != nil {
		return nil, err
	}
	out := list.Items[:0]
	for _, in := range list.Items {
		if ok, _ := adoptable(&in, eval); ok {
			out = append(out, in)
		}
	}
	return out, nil
}

// createIncident creates an incident named JobName(base, seed), or adopts
// the one an earlier attempt of the same run created. When that name is
// taken by an incident the evaluation may not adopt (made by hand), it
// creates one under a name that also carries the evaluation's UID.
func (r *FairnessEvaluationReconciler) createIncident(ctx context.Context, eval *fairnessv1alpha1.FairnessEvaluation,
	in *fairnessv1alpha1.BiasIncident, base, seed string) error {
	for attempt := range 2 {
		if attempt == 1 {
			seed += "-" + string(eval.UID)[:min(8, len(eval.UID))]
		}
		in.Name, in.Annotations = JobName(base, seed), incidentMarks(eval, seed)
		err := r.Create(ctx, in)
		if err == nil {
			return nil
		}
		if !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("opening BiasIncident %s: %w", in.Name, err)
		}
		var existing fairnessv1alpha1.BiasIncident
		if err := r.Get(ctx, client.ObjectKeyFromObject(in), &existing); err != nil {
			return err
		}
		ok, why := adoptable(&existing, eval)
		if ok {
			*in = existing // created by an earlier attempt of the same run
			return nil
		}
		r.event(eval, "Warning", "IncidentNotAdopted", fmt.Sprintf("BiasIncident %s is not taken as this evaluation's: %s", existing.Name, why))
	}
	return fmt.Errorf("opening a BiasIncident for run %s: the names it may take are used by incidents it may not adopt", seed)
}

// openIncident returns the open Bias incident, and the newest resolved one.
func openIncident(items []fairnessv1alpha1.BiasIncident) (open *fairnessv1alpha1.BiasIncident, previous string) {
	slices.SortFunc(items, func(a, b fairnessv1alpha1.BiasIncident) int {
		return a.CreationTimestamp.Compare(b.CreationTimestamp.Time)
	})
	for i := range items {
		in := &items[i]
		if in.Spec.Category == fairnessv1alpha1.CategoryEvaluationFailing {
			continue
		}
		if in.Spec.State == fairnessv1alpha1.IncidentResolved {
			previous = in.Name
		} else if open == nil {
			open = in
		}
	}
	return open, previous
}

func (r *FairnessEvaluationReconciler) openIncident(ctx context.Context, eval *fairnessv1alpha1.FairnessEvaluation,
	runID string, category fairnessv1alpha1.IncidentCategory) (*fairnessv1alpha1.BiasIncident, error) {
	in := &fairnessv1alpha1.BiasIncident{
		ObjectMeta: metav1.ObjectMeta{Namespace: eval.Namespace,
			Labels: map[string]string{fairnessv1alpha1.EvaluationLabel: EvaluationLabelValue(eval.Name), ManagedByLabel: managedByValue}},
		Spec: fairnessv1alpha1.BiasIncidentSpec{EvaluationRef: fairnessv1alpha1.LocalObjectReference{Name: eval.Name},
			Category: category, State: fairnessv1alpha1.IncidentOpen},
	}
	faultpoint.Hit(faultpoint.BeforeIncident)
	if err := r.createIncident(ctx, eval, in, eval.Name, runID); err != nil {
		return nil, err
	}
	faultpoint.Hit(faultpoint.AfterIncident)
	r.event(eval, "Warning", "IncidentOpened", fmt.Sprintf("BiasIncident %s opened", in.Name))
	return in, nil
}

// deadlineOverrides merges the manager's default deadlines (flags) with the
// evaluation's own, which win.
func deadlineOverrides(defaults map[fairness.Severity]time.Duration, p *fairnessv1alpha1.IncidentPolicy) map[fairness.Severity]time.Duration {
	out := map[fairness.Severity]time.Duration{}
	maps.Copy(out, defaults)
	if p == nil || p.AcknowledgeWithin == nil {
		return out
	}
	for sev, d := range map[fairness.Severity]*metav1.Duration{fairness.Sev1: p.AcknowledgeWithin.Sev1,
		fairness.Sev2: p.AcknowledgeWithin.Sev2, fairness.Sev3: p.AcknowledgeWithin.Sev3, fairness.Sev4: p.AcknowledgeWithin.Sev4} {
		if d != nil {
			out[sev] = d.Duration
		}
	}
	return out
}

// RecordRun updates an incident's status with one evaluation run: a breach
// raises (never lowers) the severity, refreshes the breaches and moves the
// deadline earlier when the severity rose; a clean run is counted.
func RecordRun(st *fairnessv1alpha1.BiasIncidentStatus, runID string, g GradedStatus, now time.Time,
	overrides map[fairness.Severity]time.Duration) {
	st.LastRunID = runID
	at := metav1.Time{Time: now}
	if g.Severity == fairnessv1alpha1.SeverityNone {
		st.ConsecutiveCleanRuns++
		addTimeline(st, at, fairnessv1alpha1.TimelineCleanRun, fmt.Sprintf("run %s came back clean (%d in a row)", runID, st.ConsecutiveCleanRuns))
		return
	}
	st.ConsecutiveCleanRuns = 0
	st.Occurrences++
	st.LastSeenAt = &at
	st.Breaches = g.Breaches
	if st.OpenedAt == nil {
		st.OpenedAt = &at
		st.Channel = incident.ChannelName(now)
		st.State = fairnessv1alpha1.IncidentOpen
		addTimeline(st, at, fairnessv1alpha1.TimelineOpened, fmt.Sprintf("run %s breached: %s", runID, breachSummary(g)))
	} else {
		addTimeline(st, at, fairnessv1alpha1.TimelineBreachRecorded, fmt.Sprintf("run %s breached: %s", runID, breachSummary(g)))
	}
	raised := fairnessv1alpha1.Severity(incident.Raise(fairness.Severity(st.Severity), fairness.Severity(g.Severity)))
	if raised != st.Severity {
		if st.Severity != "" {
			addTimeline(st, at, fairnessv1alpha1.TimelineSeverityRaised, fmt.Sprintf("%s -> %s", st.Severity, raised))
		}
		st.Severity = raised
		deadline := incident.AcknowledgeBy(fairness.Severity(raised), st.OpenedAt.Time, overrides)
		if st.AcknowledgeBy == nil || deadline.Before(st.AcknowledgeBy.Time) {
			st.AcknowledgeBy = &metav1.Time{Time: deadline}
		}
	}
	st.HighestSeverity = fairnessv1alpha1.Severity(incident.Raise(fairness.Severity(st.HighestSeverity), fairness.Severity(raised)))
}

func breachSummary(g GradedStatus) string {
	b := g.Breaches[0]
	return fmt.Sprintf("%s %s on %s = %.4f (threshold %g)", b.Severity, b.Metric, b.Attribute, b.Value, b.Threshold)
}

func addTimeline(st *fairnessv1alpha1.BiasIncidentStatus, at metav1.Time, typ fairnessv1alpha1.TimelineEntryType, msg string) {
	st.Timeline = append(st.Timeline, fairnessv1alpha1.TimelineEntry{Time: at, Type: typ, Message: display.Truncate(msg, 1024),
		Actor: "fairness-operator"})
	if len(st.Timeline) > maxTimeline {
		st.Timeline = st.Timeline[len(st.Timeline)-maxTimeline:]
	}
}

// handleBlindness opens a Sev2 EvaluationFailing incident when runs keep
// failing (monitoring is blind), and resolves it when a run succeeds.
func (r *FairnessEvaluationReconciler) handleBlindness(ctx context.Context, eval *fairnessv1alpha1.FairnessEvaluation,
	run *fairnessv1alpha1.RunStatus, list []fairnessv1alpha1.BiasIncident) error {
	policy := effectivePolicy(eval, r.DefaultPolicy)
	if policy != nil && policy.Disabled {
		return nil
	}
	var open *fairnessv1alpha1.BiasIncident
	for i := range list {
		in := &list[i]
		if in.Spec.Category == fairnessv1alpha1.CategoryEvaluationFailing && in.Spec.State != fairnessv1alpha1.IncidentResolved {
			open = in
		}
	}
	if run.Result == fairnessv1alpha1.RunSucceeded {
		if open == nil {
			return nil
		}
		before := open.DeepCopy()
		open.Spec.State = fairnessv1alpha1.IncidentResolved
		open.Spec.ResolutionNote = fmt.Sprintf("run %s succeeded: the evaluation monitors again", run.ID)
		return r.Patch(ctx, open, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{}))
	}
	threshold := fairnessv1alpha1.DefaultFailedRunsThreshold
	if policy != nil && policy.FailedRunsThreshold > 0 {
		threshold = policy.FailedRunsThreshold
	}
	if open != nil || !incident.Blind(incident.Policy{FailedRunsThreshold: threshold}, eval.Status.ConsecutiveFailedRuns) {
		return nil
	}
	in := &fairnessv1alpha1.BiasIncident{
		ObjectMeta: metav1.ObjectMeta{Namespace: eval.Namespace,
			Labels: map[string]string{fairnessv1alpha1.EvaluationLabel: EvaluationLabelValue(eval.Name), ManagedByLabel: managedByValue}},
		Spec: fairnessv1alpha1.BiasIncidentSpec{EvaluationRef: fairnessv1alpha1.LocalObjectReference{Name: eval.Name},
			Category: fairnessv1alpha1.CategoryEvaluationFailing, State: fairnessv1alpha1.IncidentOpen},
	}
	if err := r.createIncident(ctx, eval, in, eval.Name+"-blind", run.ID); err != nil {
		return err
	}
	if in.Status.OpenedAt != nil {
		return nil
	}
	before := in.DeepCopy()
	now := metav1.Time{Time: r.now()}
	st := &in.Status
	st.OpenedAt, st.LastSeenAt, st.State, st.Occurrences, st.LastRunID = &now, &now, fairnessv1alpha1.IncidentOpen, 1, run.ID
	st.Severity, st.HighestSeverity = fairnessv1alpha1.Severity2, fairnessv1alpha1.Severity2
	st.Channel = incident.ChannelName(now.Time)
	st.AcknowledgeBy = &metav1.Time{Time: incident.AcknowledgeBy(fairness.Sev2, now.Time, deadlineOverrides(r.Deadlines, policy))}
	addTimeline(st, now, fairnessv1alpha1.TimelineOpened, fmt.Sprintf("monitoring blind: %d runs failed in a row; last: %s: %s",
		eval.Status.ConsecutiveFailedRuns, run.Reason, display.Truncate(run.Message, 400)))
	r.event(eval, "Warning", "MonitoringBlind", fmt.Sprintf("BiasIncident %s opened: %d runs failed in a row", in.Name,
		eval.Status.ConsecutiveFailedRuns))
	return r.Status().Patch(ctx, in, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{}))
}
