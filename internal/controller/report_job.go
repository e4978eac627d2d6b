package controller

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
	"github.com/fairness-operator/fairness-operator/internal/display"
)

// ReportJobInput is what a report Job renders: the evaluation as the API
// server has it (with its last run's statistics) and its incidents. The
// manager hands it over in a ConfigMap, so the pod needs no API access.
type ReportJobInput struct {
	Evaluation fairnessv1alpha1.FairnessEvaluation `json:"evaluation"`
	Incidents  []fairnessv1alpha1.BiasIncident     `json:"incidents,omitempty"`
}

// Report Jobs' settings.
const (
	// ReportRunLabel marks a report Job's pods with their run (not RunLabel:
	// the run's own pods are listed by that).
	ReportRunLabel = "fairness.dev/report-run"
	// reportMountDir is where the pod reads its input.
	reportMountDir = "/etc/fairness/report"
	// reportInputKey is the input's key in the ConfigMap.
	reportInputKey = "input.json"
	// maxReportIncidents bounds the incidents a report carries (newest
	// first), so that the input fits a ConfigMap.
	maxReportIncidents = 50
	// reportDeadline bounds a report Job: rendering and two writes.
	reportDeadline = 600
)

// ReportJobName is the name of the Job (and ConfigMap) that writes a run's report.
func ReportJobName(evaluation, runID string) string { return JobName(evaluation, runID+"-report") }

// reportCopy is the evaluation as its report needs it: without inline
// data, which the ConfigMap's readers need not see.
func reportCopy(eval *fairnessv1alpha1.FairnessEvaluation) fairnessv1alpha1.FairnessEvaluation {
	c := *eval.DeepCopy()
	c.ManagedFields = nil
	for _, src := range dataSources(&c.Spec) {
		if src != nil && src.Inline != "" {
			src.Inline = "(inline data)"
		}
	}
	return c
}

// BuildReportJob builds the ConfigMap holding a run's report input and the
// Job that renders it and writes RUN.html and RUN.json to the evaluation's
// report destination, with the pods' object-store identity. The Job tries
// once: a second try would find its own first object and refuse.
func BuildReportJob(eval *fairnessv1alpha1.FairnessEvaluation, incidents []fairnessv1alpha1.BiasIncident, runID, image string) (
	*batchv1.Job, *corev1.ConfigMap, error) {
	if eval.Spec.Report == nil {
		return nil, nil, fmt.Errorf("evaluation %s/%s keeps no reports", eval.Namespace, eval.Name)
	}
	in := ReportJobInput{Evaluation: reportCopy(eval), Incidents: incidents}
	if len(in.Incidents) > maxReportIncidents {
		in.Incidents = in.Incidents[len(in.Incidents)-maxReportIncidents:]
	}
	data, err := json.Marshal(in)
	if err != nil {
		return nil, nil, err
	}
	name := ReportJobName(eval.Name, runID)
	labels := map[string]string{fairnessv1alpha1.EvaluationLabel: EvaluationLabelValue(eval.Name), ManagedByLabel: managedByValue}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: eval.Namespace, Labels: labels},
		Data: map[string]string{reportInputKey: string(data)}}
	dest := eval.Spec.Report.Destination.ObjectStore
	args := []string{"publish-report", "--termination-log", corev1.TerminationMessagePathDefault,
		"--input", reportMountDir + "/" + reportInputKey, "--to", dest.URL}
	if dest.Endpoint != "" {
		args = append(args, "--endpoint", dest.Endpoint)
	}
	if dest.Region != "" {
		args = append(args, "--region", dest.Region)
	}
	if dest.ForcePathStyle != nil {
		args = append(args, fmt.Sprintf("--force-path-style=%t", *dest.ForcePathStyle))
	}
	container := podContainer(image, args)
	container.VolumeMounts = []corev1.VolumeMount{{Name: "report", MountPath: reportMountDir, ReadOnly: true}}
	pod := restrictedPod()
	pod.Volumes = []corev1.Volume{{Name: "report", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
		LocalObjectReference: corev1.LocalObjectReference{Name: name}}}}}
	if access := objectStoreIdentity(eval.Spec); access != nil {
		addObjectStoreAccess(&pod, &container, access)
	}
	pod.Containers = []corev1.Container{container}
	jobLabels := map[string]string{RunLabel: runID} // pruned with its run's Job
	podLabels := map[string]string{ReportRunLabel: runID}
	for k, v := range labels {
		jobLabels[k], podLabels[k] = v, v
	}
	job := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: eval.Namespace, Labels: jobLabels},
		Spec: batchv1.JobSpec{
			BackoffLimit:          ptr.To[int32](0),
			ActiveDeadlineSeconds: ptr.To[int64](reportDeadline),
			Template:              corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: podLabels}, Spec: pod},
		},
	}
	return job, cm, nil
}

// ReportOutcome is what a report pod says in its termination message.
type ReportOutcome struct {
	Objects []string `json:"objects,omitempty"`
	Error   string   `json:"error,omitempty"`
}

// keepReport writes the last run's audit report (spec.report) by a Job of
// its own and records what it wrote. A run recorded with a Pending report
// gets its Job and input; once the Job has finished, its pod's termination
// message says which objects it wrote, or why it could not. Reports of
// earlier runs whose Jobs finished after the next run was recorded are
// recorded in their history entries (keepSupersededReports).
func (r *FairnessEvaluationReconciler) keepReport(ctx context.Context, eval *fairnessv1alpha1.FairnessEvaluation) error {
	if err := r.keepSupersededReports(ctx, eval); err != nil {
		return err
	}
	return r.keepLastReport(ctx, eval)
}

func (r *FairnessEvaluationReconciler) keepLastReport(ctx context.Context, eval *fairnessv1alpha1.FairnessEvaluation) error {
	last := eval.Status.LastRun
	if last == nil || last.Report == nil || last.Report.Result != fairnessv1alpha1.ReportPending {
		return nil
	}
	if eval.Spec.Report == nil {
		last.Report.Result, last.Report.Message = fairnessv1alpha1.ReportFailed, "spec.report was removed before the report was written"
		return nil
	}
	var job batchv1.Job
	err := r.Get(ctx, client.ObjectKey{Namespace: eval.Namespace, Name: last.Report.JobName}, &job)
	if apierrors.IsNotFound(err) {
		err := r.startReport(ctx, eval, last)
		if refused, ok := errors.AsType[*reportRefusedError](err); ok {
			// A report is kept beside the run: its failure must not hold up the next runs.
			last.Report.Result, last.Report.Message = fairnessv1alpha1.ReportFailed, display.Bounded(SafeMessage(refused.Error()), 1024)
			r.event(eval, corev1.EventTypeWarning, "ReportFailed", fmt.Sprintf("run %s's report was not started: %s", last.ID, last.Report.Message))
			return nil
		}
		return err // a read that failed: the next pass tries again
	}
	if err != nil {
		return err
	}
	finished, failed, _, jobMsg := jobFinished(&job)
	if !finished {
		return nil
	}
	out, err := r.reportOutcome(ctx, eval, last.ID)
	if err != nil {
		return err
	}
	switch {
	case !failed && len(out.Objects) > 0:
		last.Report.Result, last.Report.Objects = fairnessv1alpha1.ReportWritten, out.Objects
		recordReportObjects(eval.Status.History, last.ID, out.Objects)
		r.event(eval, corev1.EventTypeNormal, "ReportWritten", fmt.Sprintf("run %s's report: %s", last.ID, strings.Join(out.Objects, ", ")))
	default:
		msg := cmp.Or(out.Error, jobMsg, "the report's pod left no message")
		last.Report.Result, last.Report.Message = fairnessv1alpha1.ReportFailed, display.Bounded(SafeMessage(display.Message(msg)), 1024)
		r.event(eval, corev1.EventTypeWarning, "ReportFailed", fmt.Sprintf("run %s's report was not written: %s", last.ID, last.Report.Message))
		// Once the failure is in status, the Job goes: a failed report Job
		// still there after the next run is one whose failure was never
		// said (keepSupersededReports).
		r.effects.add(eval, func() {
			ctx, cancel := context.WithTimeout(context.Background(), reportCleanupTimeout)
			defer cancel()
			_ = r.Delete(ctx, &job, client.PropagationPolicy(metav1.DeletePropagationBackground)) // left: said once more later
		})
	}
	return nil
}

// reportCleanupTimeout bounds the deletion of a failed report's Job.
const reportCleanupTimeout = 10 * time.Second

// reportOutcome reads what the report pod of run runID said.
func (r *FairnessEvaluationReconciler) reportOutcome(ctx context.Context, eval *fairnessv1alpha1.FairnessEvaluation,
	runID string) (ReportOutcome, error) {
	var pods corev1.PodList
	if err := r.APIReader.List(ctx, &pods, client.InNamespace(eval.Namespace),
		client.MatchingLabels{fairnessv1alpha1.EvaluationLabel: EvaluationLabelValue(eval.Name), ReportRunLabel: runID}); err != nil {
		return ReportOutcome{}, err
	}
	return reportOutcomeOf(pods.Items), nil
}

// keepSupersededReports records the reports of earlier runs whose Jobs
// finished after the next run had replaced status.lastRun: written objects
// go into the run's history entry (as for the last run), and a report that
// was not written is said by an Event, after which its Job is deleted so
// that it is not said twice. A history entry with report objects is done.
// Reads the cache, and the API server only for a finished Job not yet
// recorded.
func (r *FairnessEvaluationReconciler) keepSupersededReports(ctx context.Context, eval *fairnessv1alpha1.FairnessEvaluation) error {
	if eval.Spec.Report == nil {
		return nil // no reports: no cache reads on every pass (a removed spec.report fails the pending one)
	}
	for i := range eval.Status.History {
		entry := &eval.Status.History[i]
		if len(entry.ReportObjects) > 0 || (eval.Status.LastRun != nil && entry.ID == eval.Status.LastRun.ID) {
			continue
		}
		var job batchv1.Job
		err := r.Get(ctx, client.ObjectKey{Namespace: eval.Namespace, Name: ReportJobName(eval.Name, entry.ID)}, &job)
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return err
		}
		finished, failed, _, jobMsg := jobFinished(&job)
		if !finished || job.DeletionTimestamp != nil {
			continue
		}
		out, err := r.reportOutcome(ctx, eval, entry.ID)
		if err != nil {
			return err
		}
		if !failed && len(out.Objects) > 0 {
			recordReportObjects(eval.Status.History, entry.ID, out.Objects)
			r.event(eval, corev1.EventTypeNormal, "ReportWritten", fmt.Sprintf("run %s's report (finished after a later run): %s",
				entry.ID, strings.Join(out.Objects, ", ")))
			continue
		}
		msg := display.Bounded(SafeMessage(display.Message(cmp.Or(out.Error, jobMsg, "the report's pod left no message"))), 1024)
		// Said now, not after the status write: status does not change, and
		// the Job that would say it again goes next.
		r.eventNow(eval, corev1.EventTypeWarning, "ReportFailed", fmt.Sprintf("run %s's report was not written: %s", entry.ID, msg))
		if err := r.Delete(ctx, &job, client.PropagationPolicy(metav1.DeletePropagationBackground)); client.IgnoreNotFound(err) != nil {
			return err
		}
	}
	return nil
}

// startReport creates a run's report Job and then its input, owned by the
// Job so that they go together; an input that cannot be created takes the
// Job back, and the next pass starts over.
func (r *FairnessEvaluationReconciler) startReport(ctx context.Context, eval *fairnessv1alpha1.FairnessEvaluation,
	last *fairnessv1alpha1.RunStatus) error {
	stats, err := r.statisticsOf(ctx, eval) // the cache holds none
	if err != nil {
		return err
	}
	full := eval.DeepCopy()
	full.Status.LastRun.Statistics = stats
	incidents, err := r.incidentsOf(ctx, eval)
	if err != nil {
		return err
	}
	slices.SortFunc(incidents, func(a, b fairnessv1alpha1.BiasIncident) int {
		return a.CreationTimestamp.Compare(b.CreationTimestamp.Time)
	})
	job, cm, err := BuildReportJob(full, incidents, last.ID, r.Image)
	if err != nil {
		return err
	}
	if err := controllerutil.SetControllerReference(eval, job, r.Scheme()); err != nil {
		return err
	}
	switch err := r.Create(ctx, job); {
	case apierrors.IsAlreadyExists(err):
		return nil // an earlier pass made it (and its input); the cache had not seen it
	case err != nil:
		return refusedOr(fmt.Errorf("creating Job %s: %w", job.Name, err))
	}
	if err := controllerutil.SetOwnerReference(job, cm, r.Scheme()); err != nil {
		return err
	}
	if err := r.Create(ctx, cm); client.IgnoreAlreadyExists(err) != nil {
		_ = r.Delete(ctx, job, client.PropagationPolicy(metav1.DeletePropagationBackground))
		return refusedOr(fmt.Errorf("creating ConfigMap %s (the report's input): %w", cm.Name, err))
	}
	return nil
}

// refusedOr marks what the API server will refuse again (a quota, an
// admission policy, an input over a ConfigMap's 1 MiB) as refused; other
// errors are tried again.
func refusedOr(err error) error {
	if apierrors.IsForbidden(err) || apierrors.IsInvalid(err) || apierrors.IsRequestEntityTooLargeError(err) ||
		apierrors.IsBadRequest(err) {
		return &reportRefusedError{err}
	}
	return err
}

// reportRefusedError is the API server refusing a report's Job or input
// for good.
type reportRefusedError struct{ err error }

func (e *reportRefusedError) Error() string { return e.err.Error() }
func (e *reportRefusedError) Unwrap() error { return e.err }

// reportOutcomeOf reads the report pod's termination message.
func reportOutcomeOf(pods []corev1.Pod) ReportOutcome {
	for i := range pods {
		msg, ok := terminationMessage(&pods[i])
		if !ok || msg == "" {
			continue
		}
		var out ReportOutcome
		if err := json.Unmarshal([]byte(msg), &out); err != nil {
			return ReportOutcome{Error: msg}
		}
		return out
	}
	return ReportOutcome{}
}

// recordReportObjects keeps a run's report objects in its history entry
// too, where they stay after the next run replaces the last one.
func recordReportObjects(history []fairnessv1alpha1.RunRecord, runID string, objects []string) {
	for i := range history {
		if history[i].ID == runID {
			history[i].ReportObjects = slices.Clone(objects)
			return
		}
	}
}
