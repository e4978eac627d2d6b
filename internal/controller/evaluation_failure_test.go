package controller

import (
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
)

func TestFailureOf(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, jobReason string
		pods            []corev1.Pod
		reason, inMsg   string
	}{
		{"evaluation error", "BackoffLimitExceeded", []corev1.Pod{failedPod("p1", 1, "Error", "column \"sex\" not found")},
			fairnessv1alpha1.ReasonEvaluationFailed, `column "sex" not found`},
		{"newest message wins", "BackoffLimitExceeded", []corev1.Pod{failedPod("p1", 1, "Error", "first"), failedPod("p2", 1, "Error", "second")},
			fairnessv1alpha1.ReasonEvaluationFailed, "second"},
		{"crash without message", "BackoffLimitExceeded", []corev1.Pod{failedPod("p1", 2, "Error", "")},
			fairnessv1alpha1.ReasonContainerCrashed, "exited with code 2"},
		{"oom kill", "BackoffLimitExceeded", []corev1.Pod{failedPod("p1", 1, "Error", "x"), failedPod("p2", 137, "OOMKilled", "")},
			fairnessv1alpha1.ReasonOOMKilled, "memory limit (64Mi)"},
		{"result too large", "BackoffLimitExceeded", []corev1.Pod{failedPod("p1", 1, "Error", "ResultTooLarge: 5000 groups")},
			fairnessv1alpha1.ReasonResultTooLarge, "5000 groups"},
		{"deadline", batchv1.JobReasonDeadlineExceeded, []corev1.Pod{runningPod("p1", corev1.ConditionTrue)},
			fairnessv1alpha1.ReasonDeadlineExceeded, "activeDeadlineSeconds"},
		{"node lost", batchv1.JobReasonDeadlineExceeded, []corev1.Pod{runningPod("p1", corev1.ConditionFalse)},
			fairnessv1alpha1.ReasonNodeLost, "node node-a stopped reporting"},
		{"no pods", "BackoffLimitExceeded", nil, fairnessv1alpha1.ReasonEvaluationFailed, "BackoffLimitExceeded"},
		{"access denied", "BackoffLimitExceeded", []corev1.Pod{failedPod("p1", 1, "Error",
			"SourceAccessDenied: s3://logs/: access denied")}, fairnessv1alpha1.ReasonSourceAccessDenied, "s3://logs/: access denied"},
		{"no objects", "BackoffLimitExceeded", []corev1.Pod{failedPod("p1", 1, "Error",
			"SourceNotFound: s3://logs/x/: not found")}, fairnessv1alpha1.ReasonSourceNotFound, "s3://logs/x/"},
		{"object changed", "BackoffLimitExceeded", []corev1.Pod{failedPod("p1", 1, "Error",
			"SourceChanged: s3://logs/a.csv: the object changed")}, fairnessv1alpha1.ReasonSourceChanged, "s3://logs/a.csv"},
		{"corrupt data", "BackoffLimitExceeded", []corev1.Pod{failedPod("p1", 1, "Error",
			"InvalidData: s3://logs/a.parquet: not a Parquet file")}, fairnessv1alpha1.ReasonInvalidData, "not a Parquet file"},
		{"an unknown prefix is a message", "BackoffLimitExceeded", []corev1.Pod{failedPod("p1", 1, "Error",
			"Panic: something")}, fairnessv1alpha1.ReasonEvaluationFailed, "Panic: something"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := failureOf(c.jobReason, "", c.pods)
			if out.reason != c.reason || !strings.Contains(out.msg, c.inMsg) {
				t.Fatalf("got %s: %q, want %s containing %q", out.reason, out.msg, c.reason, c.inMsg)
			}
		})
	}
}
