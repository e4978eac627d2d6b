package faults

import (
	"context"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
)

// failingEvaluation gives up after one pod and opens the monitoring-blind
// incident after two failed runs in a row.
func failingEvaluation(ns string) *fairnessv1alpha1.FairnessEvaluation {
	e := biasedEvaluation(ns)
	e.Spec.BackoffLimit = new(int32(0))
	e.Spec.IncidentPolicy.FailedRunsThreshold = 2
	return e
}

// runOnce waits for the evaluation's current run to end, Failed with the
// given reason; the message must contain inMsg.
func runOnce(t *testing.T, eval *fairnessv1alpha1.FairnessEvaluation, reason, inMsg string, timeout time.Duration) {
	t.Helper()
	waitSettled(t, eval, fairnessv1alpha1.RunFailed, timeout)
	lr := eval.Status.LastRun
	if lr.Reason != reason || !strings.Contains(lr.Message, inMsg) {
		t.Fatalf("run %s failed %s: %q; want %s containing %q", lr.ID, lr.Reason, lr.Message, reason, inMsg)
	}
	ready := findCondition(eval.Status.Conditions, fairnessv1alpha1.ConditionReady)
	if ready == nil || ready.Reason != reason {
		t.Fatalf("Ready condition %+v, want reason %s", ready, reason)
	}
}

func findCondition(conds []metav1.Condition, typ string) *metav1.Condition {
	for i := range conds {
		if conds[i].Type == typ {
			return &conds[i]
		}
	}
	return nil
}

// rerun asks for an on-demand run and waits for it to start.
func rerun(t *testing.T, eval *fairnessv1alpha1.FairnessEvaluation) {
	t.Helper()
	last := eval.Status.LastRun.ID
	before := eval.DeepCopy()
	eval.Annotations = map[string]string{fairnessv1alpha1.RequestedAtAnnotation: time.Now().Format(time.RFC3339Nano)}
	if err := k8s().Patch(context.Background(), eval, client.MergeFrom(before)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for eval.Status.ActiveRun == nil && (eval.Status.LastRun == nil || eval.Status.LastRun.ID == last) {
		if time.Now().After(deadline) {
			t.Fatal("the requested run did not start")
		}
		time.Sleep(100 * time.Millisecond)
		if err := k8s().Get(context.Background(), client.ObjectKeyFromObject(eval), eval); err != nil {
			t.Fatal(err)
		}
	}
}

func blindIncidents(t *testing.T, ns string) []fairnessv1alpha1.BiasIncident {
	t.Helper()
	var list fairnessv1alpha1.BiasIncidentList
	if err := k8s().List(context.Background(), &list, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	var blind []fairnessv1alpha1.BiasIncident
	for _, in := range list.Items {
		if in.Spec.Category == fairnessv1alpha1.CategoryEvaluationFailing && in.Status.OpenedAt != nil {
			blind = append(blind, in)
		}
	}
	return blind
}

// A pod OOM-killed twice by the kernel: train mode holds its table in
// memory, a million rows do not fit in 40Mi, so each run ends OOMKilled and
// the second opens the monitoring-blind incident at Sev2.
func TestOOMKilledRunsOpenTheBlindIncident(t *testing.T) {
	ns := newNamespace(t, "pod-oom")
	startManager(t, ns, "")
	eval := failingEvaluation(ns)
	eval.Spec.Source = fairnessv1alpha1.DataSource{Builtin: &fairnessv1alpha1.BuiltinSource{Rows: 1_000_000, Disparity: 0.2}}
	eval.Spec.Columns = fairnessv1alpha1.ColumnMapping{Label: "repaid", Protected: []string{"sex"}}
	eval.Spec.Mode, eval.Spec.Train = fairnessv1alpha1.ModeTrain, &fairnessv1alpha1.TrainSettings{Method: fairnessv1alpha1.MethodBaseline}
	eval.Spec.Resources = &fairnessv1alpha1.PodResources{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("40Mi")}}
	if err := k8s().Create(context.Background(), eval); err != nil {
		t.Fatal(err)
	}
	runOnce(t, eval, fairnessv1alpha1.ReasonOOMKilled, "memory limit (40Mi)", 2*time.Minute)
	if n := len(blindIncidents(t, ns)); n != 0 {
		t.Fatalf("%d blind incidents after one failed run, want 0", n)
	}
	rerun(t, eval)
	runOnce(t, eval, fairnessv1alpha1.ReasonOOMKilled, "memory limit", 2*time.Minute)
	blind := eventuallyBlind(t, ns)
	if blind.Status.Severity != fairnessv1alpha1.Severity2 || eval.Status.ConsecutiveFailedRuns != 2 {
		t.Fatalf("blind incident at %s after %d failed runs", blind.Status.Severity, eval.Status.ConsecutiveFailedRuns)
	}
	record("pod OOM-killed by the kernel (train mode, 1M rows, limit 40Mi) x2: reason OOMKilled each run; monitoring-blind incident %s opened at Sev2", blind.Name)
}

func eventuallyBlind(t *testing.T, ns string) fairnessv1alpha1.BiasIncident {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if blind := blindIncidents(t, ns); len(blind) == 1 {
			return blind[0]
		} else if len(blind) > 1 || time.Now().After(deadline) {
			t.Fatalf("%d monitoring-blind incidents, want exactly 1", len(blind))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// A container that dies of a signal, leaving no message: ContainerCrashed.
func TestCrashedPod(t *testing.T) {
	eval, release := heldRun(t, "pod-crash", func(*fairnessv1alpha1.FairnessEvaluation) {})
	defer release()
	pod := runningPod(t, eval.Namespace)
	if err := cluster.SignalContainer(&pod, syscall.SIGABRT); err != nil {
		t.Fatal(err)
	}
	runOnce(t, eval, fairnessv1alpha1.ReasonContainerCrashed, "exited with code 2", time.Minute)
	record("pod crashed (SIGABRT, Go runtime exits 2 after a stack dump): reason ContainerCrashed, %q", eval.Status.LastRun.Message)
}

// A run that outlives spec.activeDeadlineSeconds: DeadlineExceeded.
func TestDeadlineExceeded(t *testing.T) {
	eval, release := heldRun(t, "pod-deadline", func(e *fairnessv1alpha1.FairnessEvaluation) { e.Spec.ActiveDeadlineSeconds = 3 })
	defer release()
	runOnce(t, eval, fairnessv1alpha1.ReasonDeadlineExceeded, "activeDeadlineSeconds", time.Minute)
	record("run past activeDeadlineSeconds=3: reason DeadlineExceeded, %q", eval.Status.LastRun.Message)
}

// The node's kubelet dies (SIGKILL) with the pod on it: the node lifecycle
// controller marks the node and its pods not ready, the deadline passes:
// NodeLost. The manager's own pod runs on the same node and carries on (a
// container outlives its kubelet).
func TestNodeLost(t *testing.T) {
	eval, release := heldRun(t, "pod-nodelost", func(e *fairnessv1alpha1.FairnessEvaluation) { e.Spec.ActiveDeadlineSeconds = 30 })
	defer release()
	runningPod(t, eval.Namespace)
	if err := cluster.VanishNode(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := cluster.ReviveNode(rootCtx); err != nil {
			t.Error(err)
		}
	}()
	runOnce(t, eval, fairnessv1alpha1.ReasonNodeLost, "stopped reporting", 2*time.Minute)
	record("kubelet killed mid-run (deadline 30s): reason NodeLost, %q", eval.Status.LastRun.Message)
}

// heldRun creates a namespace, its manager, and a failing evaluation whose
// data request is held open until release is called.
func heldRun(t *testing.T, ns string, mutate func(*fairnessv1alpha1.FairnessEvaluation)) (
	eval *fairnessv1alpha1.FairnessEvaluation, release func()) {
	t.Helper()
	newNamespace(t, ns)
	release = data.hold(ns)
	startManager(t, ns, "") // stopped by t.Cleanup
	eval = failingEvaluation(ns)
	mutate(eval)
	if err := k8s().Create(context.Background(), eval); err != nil {
		release()
		t.Fatal(err)
	}
	return eval, release
}

func runningPod(t *testing.T, ns string) corev1.Pod {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		var pods corev1.PodList
		// The namespace holds the manager's pods too: only evaluation pods count.
		if err := k8s().List(context.Background(), &pods, client.InNamespace(ns),
			client.HasLabels{fairnessv1alpha1.EvaluationLabel}); err != nil {
			t.Fatal(err)
		}
		for _, p := range pods.Items {
			if cs := p.Status.ContainerStatuses; p.Status.Phase == corev1.PodRunning && len(cs) == 1 && cs[0].State.Running != nil {
				return p
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("no evaluation pod running after 90s")
	return corev1.Pod{}
}
