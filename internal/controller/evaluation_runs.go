package controller

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/robfig/cron/v3"
	"k8s.io/utils/ptr"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
)

// RunSpecHash identifies what a run computes: thresholds, minimum group size,
// incident policy, schedule and history are left out on purpose, so changing
// them re-grades or reschedules instead of running again.
func RunSpecHash(spec fairnessv1alpha1.FairnessEvaluationSpec) string {
	relevant := struct {
		Source    fairnessv1alpha1.DataSource
		Mode      fairnessv1alpha1.EvaluationMode
		Columns   fairnessv1alpha1.ColumnMapping
		Train     *fairnessv1alpha1.TrainSettings
		Shards    int32
		Resources any
		Deadline  int64
		Backoff   int32
		// The joins, omitted when unset so that older specs keep their hash.
		Outcomes     *fairnessv1alpha1.DataSource `json:",omitempty"`
		Demographics *fairnessv1alpha1.DataSource `json:",omitempty"`
		MaxJoinKeys  *int64                       `json:",omitempty"`
		Window       *fairnessv1alpha1.TimeWindow `json:",omitempty"`
	}{Source: spec.Source, Mode: spec.Mode, Columns: spec.Columns, Train: spec.Train, Shards: spec.Shards, Resources: spec.Resources,
		Deadline: spec.ActiveDeadlineSeconds, Backoff: backoffLimit(spec.BackoffLimit), Window: spec.Window}
	if spec.Outcomes != nil {
		relevant.Outcomes = &spec.Outcomes.Source
	}
	if spec.Demographics != nil {
		relevant.Demographics = &spec.Demographics.Source
	}
	if relevant.Outcomes != nil || relevant.Demographics != nil {
		relevant.MaxJoinKeys = new(ptr.Deref(spec.MaxJoinKeys, fairnessv1alpha1.DefaultMaxJoinKeys))
	}
	data, _ := json.Marshal(relevant) // plain structs always marshal
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])[:16]
}

// PlannedRun is a run that should start now.
type PlannedRun struct {
	ID      string
	Trigger fairnessv1alpha1.RunTrigger
	// RequestedAt is the annotation value it handles (Request only).
	RequestedAt string
	// ScheduledAt is the cron time it handles (Schedule only).
	ScheduledAt time.Time
}

// ParseSchedule parses a cron schedule (five fields or a macro), in UTC.
//
// A schedule must fire (a date such as February 30 never does) and never
// more often than minInterval: each run is a Job, and "@every 1s" would
// start one a second. The gap is checked over the next firings from now.
func ParseSchedule(s string, minInterval time.Duration, now time.Time) (cron.Schedule, error) {
	sched, err := cron.ParseStandard(s)
	if err != nil {
		return nil, fmt.Errorf("schedule %q: %w", s, err)
	}
	at := sched.Next(now.UTC())
	if at.IsZero() {
		return nil, fmt.Errorf("schedule %q never fires (no such date in the next five years)", s)
	}
	for range 16 {
		next := sched.Next(at)
		if next.IsZero() {
			break
		}
		if gap := next.Sub(at); gap < minInterval {
			return nil, fmt.Errorf("schedule %q runs every %s, more often than the minimum of %s (manager flag --min-schedule-interval)",
				s, gap, minInterval)
		}
		at = next
	}
	return sched, nil
}

// PlanRun decides whether a run is due and which, from the evaluation and
// the current time. Run ids are deterministic, so a restart that repeats the
// decision finds the Job it already created instead of making a second one.
// A new spec comes first, then an on-demand request, then the schedule.
func PlanRun(eval *fairnessv1alpha1.FairnessEvaluation, sched cron.Schedule, now time.Time) (*PlannedRun, bool) {
	st := eval.Status
	if eval.Spec.Suspend || st.ActiveRun != nil {
		return nil, false
	}
	hash := RunSpecHash(eval.Spec)
	if st.LastRun == nil || st.LastRun.SpecHash != hash {
		return &PlannedRun{ID: fmt.Sprintf("g%d", eval.Generation), Trigger: fairnessv1alpha1.TriggerGeneration}, true
	}
	if req := eval.Annotations[fairnessv1alpha1.RequestedAtAnnotation]; req != "" && req != st.LastHandledRequestedAt {
		sum := sha256.Sum256([]byte(req))
		return &PlannedRun{ID: "r" + hex.EncodeToString(sum[:])[:10], Trigger: fairnessv1alpha1.TriggerRequest, RequestedAt: req}, true
	}
	if sched != nil && st.NextScheduledRun != nil && !now.Before(st.NextScheduledRun.Time) {
		at := st.NextScheduledRun.UTC()
		return &PlannedRun{ID: fmt.Sprintf("s%d", at.Unix()), Trigger: fairnessv1alpha1.TriggerSchedule, ScheduledAt: at}, true
	}
	return nil, false
}

// NextScheduled is the next cron time strictly after from.
func NextScheduled(sched cron.Schedule, from time.Time) time.Time {
	return sched.Next(from.UTC())
}
