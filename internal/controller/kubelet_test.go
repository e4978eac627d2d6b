package controller

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/fairness-operator/fairness-operator/internal/evaluate"
)

// podOutcome says how a fake pod ends: with the real result of its shard
// (message ""), or failed / succeeded with a given termination message.
type podOutcome struct {
	fail    bool
	message string
	// forge replaces the computed result (for results from another run).
	forge bool
}

// configArg is the value of the pod's --config argument.
func configArg(t *testing.T, job *batchv1.Job) string {
	t.Helper()
	args := job.Spec.Template.Spec.Containers[0].Args
	for i := range len(args) - 1 {
		if args[i] == "--config" {
			return args[i+1]
		}
	}
	t.Fatalf("no --config in pod args %v", args)
	return ""
}

// finishJob plays the kubelet and the Job controller for one Job: it creates
// the Job's pods, sets their terminated status with the termination message
// `fairctl run` writes for the pod's own --config (or out's message), and
// marks the Job complete or failed.
func finishJob(t *testing.T, job *batchv1.Job, out podOutcome) {
	t.Helper()
	ctx := context.Background()
	n := int(ptr.Deref(job.Spec.Completions, 1))
	for i := range n {
		msg, exit := out.message, int32(0)
		if out.fail {
			exit = 1
		} else if msg == "" || out.forge {
			rc, err := evaluate.ParseRunConfig(configArg(t, job))
			if err != nil {
				t.Fatal(err)
			}
			cfg := *rc
			if out.forge {
				cfg.RunID = "another-run"
			}
			if msg, err = evaluate.RunShard(ctx, &cfg, int64(i)); err != nil {
				t.Fatal(err)
			}
		}
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-%d", job.Name, i), Namespace: job.Namespace,
				Labels:      job.Spec.Template.Labels,
				Annotations: map[string]string{completionIndexAnnotation: strconv.Itoa(i)}},
			Spec: *job.Spec.Template.Spec.DeepCopy(),
		}
		if err := k8s.Create(ctx, pod); err != nil {
			t.Fatal(err)
		}
		phase := corev1.PodSucceeded
		if out.fail {
			phase = corev1.PodFailed
		}
		pod.Status = corev1.PodStatus{Phase: phase, StartTime: &metav1.Time{Time: time.Now()},
			ContainerStatuses: []corev1.ContainerStatus{{Name: containerName, Image: pod.Spec.Containers[0].Image,
				State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: exit, Message: msg,
					Reason: "Completed", StartedAt: metav1.Now(), FinishedAt: metav1.Now()}}}}}
		if err := k8s.Status().Update(ctx, pod); err != nil {
			t.Fatal(err)
		}
	}
	now := metav1.Now()
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(job), job); err != nil {
		t.Fatal(err)
	}
	job.Status.StartTime = &now
	if out.fail {
		job.Status.Failed = int32(n) //nolint:gosec // small
		job.Status.Conditions = []batchv1.JobCondition{
			{Type: batchv1.JobFailureTarget, Status: corev1.ConditionTrue, Reason: "BackoffLimitExceeded",
				Message: "Job has reached the specified backoff limit", LastTransitionTime: now},
			{Type: batchv1.JobFailed, Status: corev1.ConditionTrue, Reason: "BackoffLimitExceeded",
				Message: "Job has reached the specified backoff limit", LastTransitionTime: now}}
	} else {
		job.Status.Succeeded = int32(n) //nolint:gosec // small
		job.Status.CompletionTime = &now
		if job.Spec.CompletionMode != nil && *job.Spec.CompletionMode == batchv1.IndexedCompletion {
			job.Status.CompletedIndexes = fmt.Sprintf("0-%d", n-1)
			if n == 1 {
				job.Status.CompletedIndexes = "0"
			}
		}
		job.Status.Conditions = []batchv1.JobCondition{
			{Type: batchv1.JobSuccessCriteriaMet, Status: corev1.ConditionTrue, Reason: "CompletionsReached", LastTransitionTime: now},
			{Type: batchv1.JobComplete, Status: corev1.ConditionTrue, Reason: "CompletionsReached", LastTransitionTime: now}}
	}
	if err := k8s.Status().Update(ctx, job); err != nil {
		t.Fatalf("updating Job status: %v", err)
	}
}
