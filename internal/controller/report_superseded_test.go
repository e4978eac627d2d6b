package controller

import (
	"context"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
)

// finishedReportJob creates run runID's report Job with a pod that ended
// with message, as the kubelet and the Job controller would.
func finishedReportJob(t *testing.T, ns, evaluation, runID, message string, fail bool) *batchv1.Job {
	t.Helper()
	job := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: ReportJobName(evaluation, runID), Namespace: ns,
			Labels: map[string]string{fairnessv1alpha1.EvaluationLabel: EvaluationLabelValue(evaluation), RunLabel: runID}},
		Spec: batchv1.JobSpec{BackoffLimit: ptr.To[int32](0), Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{
				fairnessv1alpha1.EvaluationLabel: EvaluationLabelValue(evaluation), ReportRunLabel: runID}},
			Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever,
				Containers: []corev1.Container{{Name: containerName, Image: "fairness-operator:test"}}}}},
	}
	if err := k8s.Create(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	finishJob(t, job, podOutcome{message: message, fail: fail})
	return job
}

// TestReportsFinishedAfterTheNextRunAreRecorded: a report Job that finishes
// after a later run replaced status.lastRun still gets its objects into its
// run's history entry, or its failure said once by an Event; the last run's
// own report is left to keepLastReport.
func TestReportsFinishedAfterTheNextRunAreRecorded(t *testing.T) {
	ns := newNamespace(t)
	ctx := context.Background()
	const name = "credit"
	written := finishedReportJob(t, ns, name, "run-2", `{"objects":["s3://audit/run-2.json","s3://audit/run-2.html"]}`, false)
	failed := finishedReportJob(t, ns, name, "run-1", `{"error":"writing s3://audit/run-1.html: access denied"}`, true)
	last := finishedReportJob(t, ns, name, "run-3", `{"objects":["s3://audit/run-3.json"]}`, false)

	eval := &fairnessv1alpha1.FairnessEvaluation{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: fairnessv1alpha1.FairnessEvaluationSpec{Report: &fairnessv1alpha1.ReportSettings{}}}
	eval.Status.LastRun = &fairnessv1alpha1.RunStatus{ID: "run-3", Report: &fairnessv1alpha1.ReportStatus{
		Result: fairnessv1alpha1.ReportPending, JobName: last.Name}}
	eval.Status.History = []fairnessv1alpha1.RunRecord{{ID: "run-3"}, {ID: "run-2"}, {ID: "run-1"}, {ID: "run-0"}}
	r := directEvaluationReconciler(time.Now)
	recorder := r.Recorder.(*events.FakeRecorder)
	if err := r.keepSupersededReports(ctx, eval); err != nil {
		t.Fatal(err)
	}
	h := eval.Status.History
	if got := strings.Join(h[1].ReportObjects, " "); got != "s3://audit/run-2.json s3://audit/run-2.html" {
		t.Fatalf("run-2's report objects %q", got)
	}
	if len(h[0].ReportObjects)+len(h[2].ReportObjects)+len(h[3].ReportObjects) != 0 {
		t.Fatalf("objects recorded for other runs: %+v", h)
	}
	if eval.Status.LastRun.Report.Result != fairnessv1alpha1.ReportPending {
		t.Fatalf("the last run's report went %s here; keepLastReport records it", eval.Status.LastRun.Report.Result)
	}
	for _, effect := range r.effects.take(client.ObjectKeyFromObject(eval)) {
		effect() // what Reconcile does once status is written
	}
	var said []string
	for len(recorder.Events) > 0 {
		said = append(said, <-recorder.Events)
	}
	if len(said) != 2 || !strings.Contains(strings.Join(said, "\n"), "Normal ReportWritten run run-2's report (finished after a later run)") ||
		!strings.Contains(strings.Join(said, "\n"), "Warning ReportFailed run run-1's report was not written: writing s3://audit/run-1.html: access denied") {
		t.Fatalf("events %q", said)
	}
	// The failure is said once: its Job is deleted; the written report's
	// Job stays (its entry has the objects) and the last run's is untouched.
	var job batchv1.Job
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(failed), &job); !apierrors.IsNotFound(err) && job.DeletionTimestamp == nil {
		t.Fatalf("the failed report's Job is still there (%v)", err)
	}
	for _, kept := range []*batchv1.Job{written, last} {
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(kept), &job); err != nil || job.DeletionTimestamp != nil {
			t.Fatalf("Job %s: %v, deleting %v", kept.Name, err, job.DeletionTimestamp)
		}
	}
	if err := r.keepSupersededReports(ctx, eval); err != nil {
		t.Fatal(err)
	}
	if len(recorder.Events) != 0 || len(r.effects.take(client.ObjectKeyFromObject(eval))) != 0 {
		t.Fatal("a second pass said something again")
	}
}

// TestAFailedReportIsSaidOnce: the last run's failed report is recorded in
// status and its Job deleted once status is written, so a later run does
// not make keepSupersededReports say the failure again.
func TestAFailedReportIsSaidOnce(t *testing.T) {
	ns := newNamespace(t)
	ctx := context.Background()
	const name = "credit"
	job := finishedReportJob(t, ns, name, "run-1", `{"error":"writing s3://audit/run-1.json: no such bucket"}`, true)
	eval := &fairnessv1alpha1.FairnessEvaluation{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: fairnessv1alpha1.FairnessEvaluationSpec{Report: &fairnessv1alpha1.ReportSettings{}}}
	eval.Status.LastRun = &fairnessv1alpha1.RunStatus{ID: "run-1", Report: &fairnessv1alpha1.ReportStatus{
		Result: fairnessv1alpha1.ReportPending, JobName: job.Name}}
	eval.Status.History = []fairnessv1alpha1.RunRecord{{ID: "run-1"}}
	r := directEvaluationReconciler(time.Now)
	recorder := r.Recorder.(*events.FakeRecorder)
	if err := r.keepReport(ctx, eval); err != nil {
		t.Fatal(err)
	}
	if rs := eval.Status.LastRun.Report; rs.Result != fairnessv1alpha1.ReportFailed || !strings.Contains(rs.Message, "no such bucket") {
		t.Fatalf("report status %+v", rs)
	}
	for _, effect := range r.effects.take(client.ObjectKeyFromObject(eval)) {
		effect()
	}
	if got := <-recorder.Events; !strings.HasPrefix(got, "Warning ReportFailed run run-1's report was not written") {
		t.Fatalf("event %q", got)
	}
	var left batchv1.Job
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(job), &left); !apierrors.IsNotFound(err) && left.DeletionTimestamp == nil {
		t.Fatalf("the failed report's Job is still there once its failure is in status (%v)", err)
	}
	// The next run replaces lastRun; the failure is not said again.
	eval.Status.LastRun = &fairnessv1alpha1.RunStatus{ID: "run-2"}
	eval.Status.History = append([]fairnessv1alpha1.RunRecord{{ID: "run-2"}}, eval.Status.History...)
	if err := r.keepReport(ctx, eval); err != nil {
		t.Fatal(err)
	}
	if len(recorder.Events) != 0 || len(r.effects.take(client.ObjectKeyFromObject(eval))) != 0 {
		t.Fatal("the failure was said again after the next run")
	}
}
