package controller

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
)

// TestBuildReportJob: the report Job tries once, reads its input from a
// ConfigMap of its name (the evaluation without inline data), writes with
// the destination's keys by reference, and its pods are not the run's.
func TestBuildReportJob(t *testing.T) {
	eval := biasedEvaluation("ns", "credit")
	eval.Spec.Source = fairnessv1alpha1.DataSource{Inline: "y,p,g\n1,1,a\n"}
	eval.Spec.Report = &fairnessv1alpha1.ReportSettings{Destination: fairnessv1alpha1.ReportDestination{
		ObjectStore: fairnessv1alpha1.ObjectStoreSource{URL: "s3://audit/credit/", Endpoint: "http://minio:9000",
			CredentialsSecretRef: &fairnessv1alpha1.LocalObjectReference{Name: "writer"}}}}
	eval.Status.LastRun = &fairnessv1alpha1.RunStatus{ID: "g1", Result: fairnessv1alpha1.RunSucceeded, Statistics: "stats"}
	job, cm, err := BuildReportJob(eval, []fairnessv1alpha1.BiasIncident{{}}, "g1", "example/fairness:1")
	if err != nil {
		t.Fatal(err)
	}
	if job.Name != "credit-g1-report" || cm.Name != job.Name || *job.Spec.BackoffLimit != 0 || job.Labels[RunLabel] != "g1" {
		t.Fatalf("job %s (backoff %d, labels %v), config map %s", job.Name, *job.Spec.BackoffLimit, job.Labels, cm.Name)
	}
	pod := job.Spec.Template
	if _, run := pod.Labels[RunLabel]; run || pod.Labels[ReportRunLabel] != "g1" {
		t.Fatalf("pod labels %v: the run's pods are listed by %s", pod.Labels, RunLabel)
	}
	c := pod.Spec.Containers[0]
	args := strings.Join(c.Args, " ")
	if !strings.Contains(args, "publish-report") || !strings.Contains(args, "--to s3://audit/credit/") ||
		!strings.Contains(args, "--endpoint http://minio:9000") || !strings.Contains(args, "--input /etc/fairness/report/input.json") {
		t.Fatalf("args %s", args)
	}
	if pod.Spec.Volumes[0].ConfigMap == nil || pod.Spec.Volumes[0].ConfigMap.Name != cm.Name || *pod.Spec.AutomountServiceAccountToken {
		t.Fatalf("volumes %+v", pod.Spec.Volumes)
	}
	if !slices.ContainsFunc(c.Env, func(e corev1.EnvVar) bool {
		return e.Name == "AWS_SECRET_ACCESS_KEY" && e.Value == "" && e.ValueFrom.SecretKeyRef.Name == "writer"
	}) {
		t.Fatalf("env %+v, want the writer's keys by reference", c.Env)
	}
	var in ReportJobInput
	if err := json.Unmarshal([]byte(cm.Data["input.json"]), &in); err != nil {
		t.Fatal(err)
	}
	if in.Evaluation.Status.LastRun.Statistics != "stats" || strings.Contains(cm.Data["input.json"], "1,1,a") || len(in.Incidents) != 1 {
		t.Fatalf("input: statistics %q, inline data left in: %v", in.Evaluation.Status.LastRun.Statistics,
			strings.Contains(cm.Data["input.json"], "1,1,a"))
	}
}

// TestReportOutcomeOf: the pod's message names the objects, or the error.
func TestReportOutcomeOf(t *testing.T) {
	pod := func(msg string) corev1.Pod {
		return corev1.Pod{Status: corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{{Name: containerName,
			State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Message: msg}}}}}}
	}
	if out := reportOutcomeOf([]corev1.Pod{pod(`{"objects":["s3://a/r.json","s3://a/r.html"]}`)}); len(out.Objects) != 2 {
		t.Fatalf("%+v", out)
	}
	if out := reportOutcomeOf([]corev1.Pod{pod("panic: out of memory")}); out.Error != "panic: out of memory" {
		t.Fatalf("%+v", out)
	}
	if out := reportOutcomeOf(nil); out.Error != "" || out.Objects != nil {
		t.Fatalf("%+v", out)
	}
}

// TestRefusedOr: what the API server will refuse again fails the report;
// anything else is tried again on the next pass.
func TestRefusedOr(t *testing.T) {
	gr := schema.GroupResource{Resource: "configmaps"}
	for _, c := range []struct {
		err     error
		refused bool
	}{
		{apierrors.NewForbidden(gr, "r", errors.New("exceeded quota")), true},
		{apierrors.NewRequestEntityTooLargeError("limit is 1048576"), true},
		{apierrors.NewInvalid(schema.GroupKind{Kind: "ConfigMap"}, "r", nil), true},
		{apierrors.NewServerTimeout(gr, "create", 1), false},
		{apierrors.NewTooManyRequests("slow down", 1), false},
	} {
		_, refused := errors.AsType[*reportRefusedError](refusedOr(c.err))
		if refused != c.refused {
			t.Errorf("%v: refused %v, want %v", c.err, refused, c.refused)
		}
	}
}

// TestRecordReportObjects: the objects go to the run's own history entry.
func TestRecordReportObjects(t *testing.T) {
	history := []fairnessv1alpha1.RunRecord{{ID: "g2"}, {ID: "g1"}}
	recordReportObjects(history, "g1", []string{"s3://a/g1.json", "s3://a/g1.html"})
	if history[0].ReportObjects != nil || strings.Join(history[1].ReportObjects, " ") != "s3://a/g1.json s3://a/g1.html" {
		t.Fatalf("history %+v", history)
	}
	recordReportObjects(history, "g0", []string{"x"}) // pruned from the history: nothing to record
	if history[0].ReportObjects != nil || len(history[1].ReportObjects) != 2 {
		t.Fatalf("history %+v", history)
	}
}
