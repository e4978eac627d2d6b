package controller

import (
	"context"
	"errors"
	"fmt"
	"slices"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
	"github.com/fairness-operator/fairness-operator/internal/dataset"
	"github.com/fairness-operator/fairness-operator/internal/display"
	"github.com/fairness-operator/fairness-operator/internal/evaluate"
	"github.com/fairness-operator/fairness-operator/internal/fairness"
	"github.com/fairness-operator/fairness-operator/internal/faultpoint"
)

// completionIndexAnnotation is set by the Job controller on pods of Indexed Jobs.
const completionIndexAnnotation = "batch.kubernetes.io/job-completion-index"

// runOutcome is what a finished Job produced.
type runOutcome struct {
	table  *fairness.Table
	rows   int64
	source *evaluate.SourceRead // an object-store source's listing
	join   *dataset.JoinCounts  // what the predictions joined by ID
	window *dataset.WindowCounts
	// buckets are the periods' statistics of a window with a bucket;
	// bucketsOmitted says a pod had to leave them out.
	buckets        map[int]*fairness.Table
	bucketsOmitted bool
	reason         string // set when the run failed
	msg            string
}

// checkActiveRun looks at the active run's Job; when it has finished, it
// reads the results and records the run. It reports whether the run is over.
func (r *FairnessEvaluationReconciler) checkActiveRun(ctx context.Context, eval *fairnessv1alpha1.FairnessEvaluation) (bool, error) {
	run := eval.Status.ActiveRun
	var job batchv1.Job
	key := client.ObjectKey{Namespace: eval.Namespace, Name: run.JobName}
	err := r.Get(ctx, key, &job)
	if apierrors.IsNotFound(err) {
		// The cache may not have seen a Job created a moment ago; only the
		// API server can say that it is gone. If it is there, its watch
		// event brings the next reconcile.
		if err = r.APIReader.Get(ctx, key, &job); err == nil {
			return false, nil
		}
	}
	switch {
	case apierrors.IsNotFound(err):
		return true, r.finishRun(ctx, eval, runOutcome{reason: fairnessv1alpha1.ReasonEvaluationFailed,
			msg: fmt.Sprintf("Job %s was deleted before the run finished", run.JobName)})
	case err != nil:
		return false, err
	}
	finished, failed, jobReason, jobMsg := jobFinished(&job)
	if !finished {
		return false, nil
	}
	var pods corev1.PodList
	if err := r.APIReader.List(ctx, &pods, client.InNamespace(eval.Namespace),
		client.MatchingLabels{fairnessv1alpha1.EvaluationLabel: EvaluationLabelValue(eval.Name), RunLabel: run.ID}); err != nil {
		return false, err
	}
	faultpoint.Hit(faultpoint.RunFinished)
	return true, r.finishRun(ctx, eval, outcomeOf(run, failed, jobReason, jobMsg, pods.Items))
}

// jobFinished reads a Job's terminal conditions. FailureTarget counts: the
// Job has failed and only waits for its pods to terminate, which pods on a
// lost node never do.
func jobFinished(job *batchv1.Job) (finished, failed bool, reason, msg string) {
	for _, c := range job.Status.Conditions {
		if c.Status != corev1.ConditionTrue {
			continue
		}
		switch c.Type {
		case batchv1.JobComplete:
			return true, false, "", c.Message
		case batchv1.JobFailed, batchv1.JobFailureTarget:
			return true, true, c.Reason, c.Message
		}
	}
	return false, false, "", ""
}

func terminationMessage(p *corev1.Pod) (string, bool) {
	for _, cs := range p.Status.ContainerStatuses {
		if cs.Name == containerName && cs.State.Terminated != nil {
			return cs.State.Terminated.Message, true
		}
	}
	return "", false
}

// outcomeOf turns a finished Job's pods into the run's outcome: merged
// statistics when it succeeded, or the reason it failed.
func outcomeOf(run *fairnessv1alpha1.RunStatus, failed bool, jobReason, jobMsg string, pods []corev1.Pod) runOutcome {
	slices.SortFunc(pods, func(a, b corev1.Pod) int { return a.CreationTimestamp.Compare(b.CreationTimestamp.Time) })
	if failed {
		return failureOf(jobReason, jobMsg, pods)
	}
	shards := int64(1)
	var results []*evaluate.Result
	byIndex := map[string]bool{}
	for i := len(pods) - 1; i >= 0; i-- { // newest first: the retry that succeeded
		p := &pods[i]
		if p.Status.Phase != corev1.PodSucceeded {
			continue
		}
		idx := p.Annotations[completionIndexAnnotation]
		if byIndex[idx] {
			continue
		}
		msg, _ := terminationMessage(p)
		res, err := evaluate.DecodeResult(msg)
		if errors.Is(err, evaluate.ErrNotAResult) {
			return runOutcome{reason: fairnessv1alpha1.ReasonResultMissing,
				msg: fmt.Sprintf("pod %s succeeded without a readable result", p.Name)}
		}
		if err != nil {
			return runOutcome{reason: fairnessv1alpha1.ReasonResultInvalid, msg: fmt.Sprintf("pod %s: %v", p.Name, err)}
		}
		byIndex[idx] = true
		shards = max(shards, res.Shards)
		results = append(results, res)
	}
	if len(results) == 0 {
		return runOutcome{reason: fairnessv1alpha1.ReasonResultMissing, msg: "the Job completed but no pod left a result"}
	}
	window := evaluate.MergeWindows(results)
	if window != nil && window.InWindow == 0 {
		return runOutcome{reason: fairnessv1alpha1.ReasonNoData, window: window,
			msg: fmt.Sprintf("no rows in the time window: %d rows fall outside it", window.Outside)}
	}
	table, rows, err := evaluate.MergeResults(run.ID, shards, results)
	if errors.Is(err, evaluate.ErrDataChanged) {
		return runOutcome{reason: fairnessv1alpha1.ReasonSourceChanged, msg: err.Error()}
	}
	if err != nil {
		return runOutcome{reason: fairnessv1alpha1.ReasonResultInvalid, msg: err.Error()}
	}
	buckets, bucketsOmitted, err := evaluate.MergeBuckets(results)
	if err != nil {
		return runOutcome{reason: fairnessv1alpha1.ReasonResultInvalid, msg: err.Error()}
	}
	return runOutcome{table: table, rows: rows, source: evaluate.MergeObjects(results), join: evaluate.MergeJoins(results),
		window: window, buckets: buckets, bucketsOmitted: bucketsOmitted}
}

// sourceStatus is the status form of what a run read from an object store.
func sourceStatus(s *evaluate.SourceRead) *fairnessv1alpha1.SourceStatus {
	if s == nil {
		return nil
	}
	st := &fairnessv1alpha1.SourceStatus{Objects: s.Objects, Bytes: s.Bytes, BytesFetched: s.Fetched, ListHash: s.Hash}
	for _, o := range s.Listed[:min(len(s.Listed), 16)] {
		st.ObjectList = append(st.ObjectList, fairnessv1alpha1.SourceObject{Name: display.Bounded(display.RedactURL(o.Name), 2048),
			ETag: display.Bounded(o.Version, 256), Size: o.Size})
	}
	return st
}

// finishRun records a finished run: status, history, incident hand-off,
// events and metrics.
func (r *FairnessEvaluationReconciler) finishRun(ctx context.Context, eval *fairnessv1alpha1.FairnessEvaluation, out runOutcome) error {
	st := &eval.Status
	out.msg = display.Message(out.msg) // pods' messages quote data
	// One read of the evaluation's incidents serves the bias hand-off and
	// the monitoring-blind check.
	incidents, err := r.incidentsOf(ctx, eval)
	if err != nil {
		return handOff(err)
	}
	run := st.ActiveRun.DeepCopy()
	run.CompletionTime = &metav1.Time{Time: r.now()}
	gen := eval.Generation
	sev := fairnessv1alpha1.SeverityNone
	var headline []fairnessv1alpha1.RunMetric // a failed run has none
	run.Window = WindowStatus(eval.Spec.Window, run.StartTime, out.window)
	if out.reason != "" {
		run.Result, run.Reason, run.Message = fairnessv1alpha1.RunFailed, out.reason, display.Bounded(SafeMessage(out.msg), 4096)
		st.ConsecutiveFailedRuns++
		setCondition(&st.Conditions, gen, fairnessv1alpha1.ConditionReady, metav1.ConditionFalse, out.reason, out.msg)
		// Terminal for this run: Stalled tells every GitOps tool the same
		// (kstatus Failed, Argo CD Degraded) until the next run starts.
		setCondition(&st.Conditions, gen, fairnessv1alpha1.ConditionStalled, metav1.ConditionTrue, out.reason,
			fmt.Sprintf("run %s failed: %s; the next run (schedule, request or spec change) tries again", run.ID, out.msg))
		r.event(eval, corev1.EventTypeWarning, "RunFailed", fmt.Sprintf("run %s failed: %s: %s", run.ID, out.reason, out.msg))
		r.effects.add(eval, func() { r.Metrics.RunFinished(eval, run, false) })
	} else {
		run.Result, run.Rows, run.Source = fairnessv1alpha1.RunSucceeded, out.rows, sourceStatus(out.source)
		run.Join = JoinStatus(out.join, out.table)
		if eval.Spec.Report != nil {
			run.Report = &fairnessv1alpha1.ReportStatus{Result: fairnessv1alpha1.ReportPending, JobName: ReportJobName(eval.Name, run.ID)}
		}
		addPeriods(run.Window, eval.Spec, out.buckets, out.bucketsOmitted)
		if enc, err := evaluate.NewResult(run.ID, 0, 1, out.rows, 0, out.table).Encode(); err == nil && len(enc) <= 65536 {
			run.Statistics = enc
		}
		st.ConsecutiveFailedRuns = 0
		setCondition(&st.Conditions, gen, fairnessv1alpha1.ConditionStalled, metav1.ConditionFalse, "", "")
		if sev, err = r.grade(ctx, eval, out.table, run.ID, run.ID, incidents); err != nil {
			return err
		}
		headline = RunMetrics(st.Metrics, GradeOptions(eval.Spec).Thresholds)
		setCondition(&st.Conditions, gen, fairnessv1alpha1.ConditionReady, metav1.ConditionTrue, fairnessv1alpha1.ReasonSucceeded,
			fmt.Sprintf("run %s evaluated %d rows: severity %s", run.ID, out.rows, sev))
		r.event(eval, corev1.EventTypeNormal, "RunSucceeded", fmt.Sprintf("run %s evaluated %d rows", run.ID, out.rows))
		r.effects.add(eval, func() { r.Metrics.RunFinished(eval, run, true) })
	}
	if err := r.handleBlindness(ctx, eval, run, incidents); err != nil {
		r.eventNow(eval, corev1.EventTypeWarning, "IncidentUpdateFailed", err.Error())
		return handOff(err)
	}
	st.LastRun, st.ActiveRun = run, nil
	if run.SpecHash == RunSpecHash(eval.Spec) {
		st.ObservedGeneration = gen // graded with the current spec already
	}
	st.History = pushHistory(st.History, run, sev, headline, eval.Spec.HistoryLimit)
	setCondition(&st.Conditions, gen, fairnessv1alpha1.ConditionReconciling, metav1.ConditionFalse, "", "")
	return nil
}

// grade computes metrics and severity from statistics into status, and hands
// breaches to the incident. It returns the severity, and a handOffError
// when the incident could not be updated.
func (r *FairnessEvaluationReconciler) grade(ctx context.Context, eval *fairnessv1alpha1.FairnessEvaluation,
	table *fairness.Table, runID, current string, incidents []fairnessv1alpha1.BiasIncident) (fairnessv1alpha1.Severity, error) {
	opts := GradeOptions(eval.Spec)
	report := fairness.Evaluate(table, opts)
	g := StatusFromReport(report, opts.Thresholds)
	AddTrends(&g, report, opts.Thresholds, eval.Status.History, current)
	st := &eval.Status
	st.Severity, st.Metrics, st.Groups, st.GroupsOmitted = g.Severity, g.Metrics, g.Groups, g.GroupsOmitted
	gen := eval.Generation
	if g.OnlyTrends() {
		t := g.Trends[0]
		msg := fmt.Sprintf("%s: %s", t.Severity, t.Trend.Describe(t))
		setCondition(&st.Conditions, gen, fairnessv1alpha1.ConditionBiasDetected, metav1.ConditionTrue,
			fairnessv1alpha1.ReasonTrendDetected, msg)
		r.event(eval, corev1.EventTypeWarning, "TrendDetected", msg)
	} else if g.Severity != fairnessv1alpha1.SeverityNone {
		b := g.Breaches[0]
		msg := fmt.Sprintf("%s: %s on %s is %.4f (threshold %g)", g.Severity, b.Metric, b.Attribute, b.Value, b.Threshold)
		setCondition(&st.Conditions, gen, fairnessv1alpha1.ConditionBiasDetected, metav1.ConditionTrue,
			fairnessv1alpha1.ReasonThresholdBreached, msg)
		r.event(eval, corev1.EventTypeWarning, "BiasDetected", msg)
	} else {
		msg := "no threshold breached"
		if n := len(g.NotEvaluated); n > 0 {
			msg = fmt.Sprintf("no threshold breached; %d not evaluated (see ThresholdsEvaluated)", n)
		}
		setCondition(&st.Conditions, gen, fairnessv1alpha1.ConditionBiasDetected, metav1.ConditionFalse,
			fairnessv1alpha1.ReasonWithinThresholds, msg)
	}
	status, reason, msg := ThresholdsCondition(g.NotEvaluated)
	setCondition(&st.Conditions, gen, fairnessv1alpha1.ConditionThresholdsEvaluated, status, reason, msg)
	if status == metav1.ConditionFalse {
		r.event(eval, corev1.EventTypeWarning, "ThresholdsNotEvaluated", msg)
	}
	status, reason, msg = CoverageCondition(report.Coverage)
	setCondition(&st.Conditions, gen, fairnessv1alpha1.ConditionLabelCoverage, status, reason, msg)
	if status == metav1.ConditionTrue {
		r.event(eval, corev1.EventTypeWarning, "LabelCoverageGap", msg)
	}
	if err := r.handOffToIncident(ctx, eval, runID, g, incidents); err != nil {
		r.eventNow(eval, corev1.EventTypeWarning, "IncidentUpdateFailed", err.Error())
		return g.Severity, handOff(err)
	}
	return g.Severity, nil
}

// regrade grades the last run's stored statistics again, for a spec change
// that does not need a new run (thresholds, minimum group size). It reports
// whether the new spec is now reflected in status: stored statistics that
// cannot be decoded leave Ready=False with the reason, and the generation
// unobserved, rather than pretending the new thresholds were applied.
func (r *FairnessEvaluationReconciler) regrade(ctx context.Context, eval *fairnessv1alpha1.FairnessEvaluation) (bool, error) {
	last := eval.Status.LastRun
	if last == nil || last.Result != fairnessv1alpha1.RunSucceeded || last.Statistics == "" ||
		eval.Status.ObservedGeneration == eval.Generation {
		return true, nil
	}
	stats, err := r.statisticsOf(ctx, eval)
	if err != nil {
		return false, err
	}
	res, err := evaluate.DecodeResult(stats)
	var table *fairness.Table
	if err == nil {
		table, err = res.Table()
	}
	if err != nil {
		setCondition(&eval.Status.Conditions, eval.Generation, fairnessv1alpha1.ConditionReady, metav1.ConditionFalse,
			fairnessv1alpha1.ReasonResultInvalid, fmt.Sprintf("the new thresholds could not be applied: the statistics of run %s "+
				"cannot be decoded (%v); request a run (annotation %s) to grade them", last.ID, err, fairnessv1alpha1.RequestedAtAnnotation))
		return false, nil
	}
	incidents, err := r.incidentsOf(ctx, eval)
	if err != nil {
		return false, err
	}
	sev, err := r.grade(ctx, eval, table, last.ID+"-g"+fmt.Sprint(eval.Generation), last.ID, incidents)
	if err != nil {
		return false, err
	}
	if len(eval.Status.History) > 0 && eval.Status.History[0].ID == last.ID {
		eval.Status.History[0].Severity = sev
		eval.Status.History[0].Metrics = RunMetrics(eval.Status.Metrics, GradeOptions(eval.Spec).Thresholds)
	}
	setCondition(&eval.Status.Conditions, eval.Generation, fairnessv1alpha1.ConditionReady, metav1.ConditionTrue,
		fairnessv1alpha1.ReasonSucceeded, fmt.Sprintf("run %s re-graded with the new thresholds: severity %s", last.ID, sev))
	return true, nil
}

// pruneJobs deletes the finished Jobs of runs that are no longer in the
// (bounded) run history. The history, not creation times, decides: Jobs
// created within the same second would otherwise be ordered at random.
func (r *FairnessEvaluationReconciler) pruneJobs(ctx context.Context, eval *fairnessv1alpha1.FairnessEvaluation) error {
	var jobs batchv1.JobList
	if err := r.List(ctx, &jobs, client.InNamespace(eval.Namespace),
		client.MatchingLabels{fairnessv1alpha1.EvaluationLabel: EvaluationLabelValue(eval.Name)}); err != nil {
		return err
	}
	keep := map[string]bool{}
	for i, h := range eval.Status.History {
		if i < int(max(eval.Spec.HistoryLimit, 1)) {
			keep[h.ID] = true
		}
	}
	if eval.Status.ActiveRun != nil {
		keep[eval.Status.ActiveRun.ID] = true
	}
	for i := range jobs.Items {
		j := &jobs.Items[i]
		if !metav1.IsControlledBy(j, eval) || keep[j.Labels[RunLabel]] {
			continue
		}
		if done, _, _, _ := jobFinished(j); !done {
			continue
		}
		if err := r.Delete(ctx, j, client.PropagationPolicy(metav1.DeletePropagationBackground)); client.IgnoreNotFound(err) != nil {
			return err
		}
	}
	return nil
}
