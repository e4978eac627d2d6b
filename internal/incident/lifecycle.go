package incident

import (
	"fmt"
	"slices"
	"time"

	"github.com/fairness-operator/fairness-operator/internal/fairness"
)

// States people move an incident through.
const (
	Open         = "Open"
	Acknowledged = "Acknowledged"
	Mitigating   = "Mitigating"
	Resolved     = "Resolved"
)

// allowed lists the state changes people may make; reopening a resolved
// incident needs a reason (checked by the API schema too).
var allowed = map[string][]string{
	Open:         {Acknowledged, Mitigating, Resolved},
	Acknowledged: {Mitigating, Resolved},
	Mitigating:   {Acknowledged, Resolved},
	Resolved:     {Open},
}

// CheckTransition reports whether moving from one state to another is
// allowed, with the reason when it is not.
func CheckTransition(from, to, reopenReason string) error {
	if from == "" {
		from = Open
	}
	if from == to {
		return nil
	}
	if !slices.Contains(allowed[from], to) {
		return fmt.Errorf("cannot go from %s to %s (allowed: %v)", from, to, allowed[from])
	}
	if from == Resolved && reopenReason == "" {
		return fmt.Errorf("reopening a Resolved incident needs a reason")
	}
	return nil
}

// Step is one escalation step: After the acknowledgement deadline, notify
// Target, for the listed severities (all when empty).
type Step struct {
	After      time.Duration
	Target     string
	Severities []fairness.Severity
}

// Policy is an evaluation's incident policy.
type Policy struct {
	Deadlines  map[fairness.Severity]time.Duration
	Escalation []Step
	// AutoResolveAfter resolves after this many consecutive clean runs (0: never).
	AutoResolveAfter int32
	// FailedRunsThreshold opens the monitoring-blind incident after this many
	// consecutive failed runs.
	FailedRunsThreshold int32
}

// View is what the policy needs to know about an incident.
type View struct {
	Severity      fairness.Severity
	State         string
	AcknowledgeBy time.Time
	Fired         []int32
	CleanRuns     int32
}

// DueSteps are the escalation steps that must fire at now: the incident is
// still Open (nobody acknowledged it), the step's time has come, its
// severity matches, and it has not fired before. Each step fires once.
func DueSteps(p Policy, v View, now time.Time) []int {
	if v.State != Open && v.State != "" {
		return nil
	}
	var due []int
	for i, s := range p.Escalation {
		if slices.Contains(v.Fired, int32(i)) || !appliesTo(s, v.Severity) { //nolint:gosec // at most 10 steps
			continue
		}
		if !now.Before(v.AcknowledgeBy.Add(s.After)) {
			due = append(due, i)
		}
	}
	return due
}

func appliesTo(s Step, sev fairness.Severity) bool {
	return len(s.Severities) == 0 || slices.Contains(s.Severities, sev)
}

// NextWakeup is the earliest future time at which DueSteps could change:
// the deadline or a later step. ok is false when nothing is pending.
func NextWakeup(p Policy, v View, now time.Time) (at time.Time, ok bool) {
	if v.State != Open && v.State != "" {
		return time.Time{}, false
	}
	for i, s := range p.Escalation {
		if slices.Contains(v.Fired, int32(i)) || !appliesTo(s, v.Severity) { //nolint:gosec // at most 10 steps
			continue
		}
		t := v.AcknowledgeBy.Add(s.After)
		if t.After(now) && (!ok || t.Before(at)) {
			at, ok = t, true
		}
	}
	if v.AcknowledgeBy.After(now) && (!ok || v.AcknowledgeBy.Before(at)) {
		at, ok = v.AcknowledgeBy, true
	}
	return at, ok
}

// Late reports whether the acknowledgement deadline has passed unacknowledged.
func Late(v View, now time.Time) bool {
	return (v.State == Open || v.State == "") && !v.AcknowledgeBy.IsZero() && !now.Before(v.AcknowledgeBy)
}

// AutoResolve reports whether the policy resolves the incident now.
func AutoResolve(p Policy, v View) bool {
	return p.AutoResolveAfter > 0 && v.State != Resolved && v.CleanRuns >= p.AutoResolveAfter
}

// Blind reports whether an evaluation whose runs failed failures times in a
// row has gone blind (monitoring that no longer monitors): a Sev2 incident.
// The caller supplies the threshold (the schema defaults it); without one
// nothing is blind.
func Blind(p Policy, failures int32) bool {
	return p.FailedRunsThreshold > 0 && failures >= p.FailedRunsThreshold
}
