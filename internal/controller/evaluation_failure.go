package controller

import (
	"fmt"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
)

// failureOf explains a failed run from its Job's failure reason and its pods
// (oldest first), most specific cause first: a memory kill, a lost node, the
// deadline, the evaluation's own message, a crash without a message.
func failureOf(jobReason, jobMsg string, pods []corev1.Pod) runOutcome {
	for i := len(pods) - 1; i >= 0; i-- {
		if t := terminatedState(&pods[i]); t != nil && t.Reason == "OOMKilled" {
			return runOutcome{reason: fairnessv1alpha1.ReasonOOMKilled, msg: fmt.Sprintf(
				"pod %s was killed for exceeding its memory limit (%s); raise spec.resources.limits.memory or use more shards",
				pods[i].Name, memoryLimit(&pods[i]))}
		}
	}
	if jobReason == batchv1.JobReasonDeadlineExceeded {
		for i := range pods {
			if lostOnNode(&pods[i]) {
				return runOutcome{reason: fairnessv1alpha1.ReasonNodeLost, msg: fmt.Sprintf(
					"pod %s on node %s stopped reporting (node not ready) and the run passed its deadline",
					pods[i].Name, pods[i].Spec.NodeName)}
			}
		}
		return runOutcome{reason: fairnessv1alpha1.ReasonDeadlineExceeded, msg: strings.TrimSpace("the run passed spec.activeDeadlineSeconds: " + jobMsg)}
	}
	for i := len(pods) - 1; i >= 0; i-- { // the newest failed pod says why
		t := terminatedState(&pods[i])
		if t == nil || pods[i].Status.Phase != corev1.PodFailed {
			continue
		}
		reason, rest, _ := strings.Cut(t.Message, ": ")
		switch {
		case strings.HasPrefix(t.Message, "ResultTooLarge:"):
			return runOutcome{reason: fairnessv1alpha1.ReasonResultTooLarge, msg: t.Message}
		case podReasons[reason]:
			return runOutcome{reason: reason, msg: rest}
		case t.Message != "":
			return runOutcome{reason: fairnessv1alpha1.ReasonEvaluationFailed, msg: t.Message}
		default:
			return runOutcome{reason: fairnessv1alpha1.ReasonContainerCrashed, msg: fmt.Sprintf(
				"pod %s exited with code %d (%s) and left no message; see its logs", pods[i].Name, t.ExitCode, t.Reason)}
		}
	}
	return runOutcome{reason: fairnessv1alpha1.ReasonEvaluationFailed, msg: strings.TrimSpace(jobReason + ": " + jobMsg)}
}

// podReasons are the reasons a pod's termination message may start with
// ("Reason: message"), as fairctl run writes them.
var podReasons = map[string]bool{fairnessv1alpha1.ReasonSourceAccessDenied: true, fairnessv1alpha1.ReasonSourceNotFound: true,
	fairnessv1alpha1.ReasonSourceChanged: true, fairnessv1alpha1.ReasonInvalidData: true,
	fairnessv1alpha1.ReasonDuplicateIDs: true, fairnessv1alpha1.ReasonJoinTooLarge: true, fairnessv1alpha1.ReasonNoData: true}

func terminatedState(p *corev1.Pod) *corev1.ContainerStateTerminated {
	for _, cs := range p.Status.ContainerStatuses {
		if cs.Name == containerName {
			if cs.State.Terminated != nil {
				return cs.State.Terminated
			}
			return cs.LastTerminationState.Terminated
		}
	}
	return nil
}

func memoryLimit(p *corev1.Pod) string {
	for _, c := range p.Spec.Containers {
		if c.Name == containerName {
			if q, ok := c.Resources.Limits[corev1.ResourceMemory]; ok {
				return q.String()
			}
		}
	}
	return "no limit set"
}

// lostOnNode: a pod the node lifecycle controller marked not ready while it
// was still running (evaluation pods have no readiness probe, so only a node
// that stopped reporting turns a running pod not ready).
func lostOnNode(p *corev1.Pod) bool {
	if p.Status.Phase != corev1.PodRunning {
		return false
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status != corev1.ConditionTrue
		}
	}
	return false
}
