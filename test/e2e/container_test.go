package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
	"github.com/fairness-operator/fairness-operator/internal/evaluate"
)

// An evaluation container runs as the restricted standard promises, as the
// kernel sees it: uid 65532, no capabilities, no new privileges, seccomp
// filtering, a read-only root filesystem. Its result comes back through the
// kubelet's termination message, and `kubectl logs` shows fairctl's output.
func TestEvaluationContainerIsConfined(t *testing.T) {
	ctx := context.Background()
	ns := namespace(t, "confined")
	release := make(chan struct{})
	srv := hostServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select { // hold the container running while the test reads it
		case <-release:
		case <-r.Context().Done():
			return
		}
		_, _ = fmt.Fprint(w, "y,p,g\n1,1,a\n0,0,a\n1,0,b\n0,1,b\n1,1,b\n")
	}))
	eval := evaluation(ns, "confined", 1, 0)
	eval.Spec.Source = fairnessv1alpha1.DataSource{URL: &fairnessv1alpha1.URLSource{URL: srv.URL + "/preds.csv", TimeoutSeconds: 120}}
	eval.Spec.Columns = fairnessv1alpha1.ColumnMapping{Label: "y", Prediction: "p", Protected: []string{"g"}}
	if err := k8s().Create(ctx, eval); err != nil {
		t.Fatal(err)
	}
	pod := runningPod(t, ns)
	pid, err := cluster.ContainerPID(pod.Status.ContainerStatuses[0].ContainerID)
	if err != nil {
		close(release)
		t.Fatal(err)
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		close(release)
		t.Fatal(err)
	}
	for _, want := range []string{
		`(?m)^Uid:\s+65532\s+65532\s+65532\s+65532$`, `(?m)^Gid:\s+65532\s+65532\s+65532\s+65532$`,
		`(?m)^CapPrm:\s+0+$`, `(?m)^CapEff:\s+0+$`, `(?m)^CapBnd:\s+0+$`, `(?m)^CapAmb:\s+0+$`,
		`(?m)^NoNewPrivs:\s+1$`, `(?m)^Seccomp:\s+2$`,
	} {
		if !regexp.MustCompile(want).Match(status) {
			t.Errorf("/proc/%d/status of the evaluation container does not match %s", pid, want)
		}
	}
	probe := filepath.Join(fmt.Sprintf("/proc/%d/root", pid), "written-by-e2e")
	if f, err := os.Create(probe); err == nil {
		_ = f.Close()
		t.Errorf("created %s: the container's root filesystem is writable", probe)
	} else if !errors.Is(err, syscall.EROFS) {
		t.Errorf("creating a file in the container's root: %v, want a read-only file system", err)
	}
	close(release)
	waitForResult(t, eval, fairnessv1alpha1.RunSucceeded, 2*time.Minute)
	if eval.Status.LastRun.Rows != 5 {
		t.Fatalf("the run read %d rows, want 5", eval.Status.LastRun.Rows)
	}
	if err := k8s().Get(ctx, client.ObjectKeyFromObject(&pod), &pod); err != nil {
		t.Fatal(err)
	}
	term := pod.Status.ContainerStatuses[0].State.Terminated
	if term == nil || term.ExitCode != 0 || !strings.HasPrefix(term.Message, evaluate.ResultPrefix) {
		t.Fatalf("the kubelet's termination message: %+v", term)
	}
	logs, err := kubectl("logs", "-n", ns, pod.Name)
	if err != nil || strings.TrimSpace(string(logs)) != strings.TrimSpace(term.Message) {
		t.Fatalf("kubectl logs %s (%v) is not fairctl's output:\n%s\nwant:\n%s", pod.Name, err, logs, term.Message)
	}
}

// runningPod waits for the namespace's one pod to run a container.
func runningPod(t *testing.T, ns string) corev1.Pod {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var pods corev1.PodList
		if err := k8s().List(context.Background(), &pods, client.InNamespace(ns)); err != nil {
			t.Fatal(err)
		}
		for _, p := range pods.Items {
			if s := p.Status.ContainerStatuses; len(s) == 1 && s[0].State.Running != nil && s[0].ContainerID != "" {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no running evaluation pod in %s: %d pods", ns, len(pods.Items))
		}
		time.Sleep(200 * time.Millisecond)
	}
}
