package faults

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/fairness-operator/fairness-operator/internal/faultpoint"
	"github.com/fairness-operator/fairness-operator/test/envtestutil"
)

// fastLease makes a standby take over within seconds of a leader's death.
var fastLease = []string{"--leader-election-lease-duration=4s", "--leader-election-renew-deadline=3s",
	"--leader-election-retry-period=500ms"}

// managerRelease is the operator installed by `helm install` of the chart
// into one namespace, watching only it: the manager (the faultinject build
// of the suite's image) runs in the chart's Deployment under the chart's
// RBAC, with leader election on.
type managerRelease struct {
	t         *testing.T
	ns, name  string
	replicas  int
	extraArgs []string
	gone      bool // uninstalled
}

// startManager installs the release. faultPoint, when set, makes the
// manager kill itself (SIGKILL) there.
func startManager(t *testing.T, ns, faultPoint string, extraArgs ...string) *managerRelease {
	t.Helper()
	m := &managerRelease{t: t, ns: ns, name: "fo-" + ns, replicas: 1, extraArgs: append(append([]string{}, fastLease...), extraArgs...)}
	m.helm("install", faultPoint)
	t.Cleanup(m.uninstall)
	return m
}

// helm installs or upgrades the release (without waiting: the suite waits
// for what it needs).
func (m *managerRelease) helm(verb, faultPoint string) {
	m.t.Helper()
	args := []string{verb, m.name, filepath.Join(envtestutil.RepoRoot(), "charts", "fairness-operator"),
		"--kubeconfig", cluster.Kubeconfig, "-n", m.ns,
		"--set", "image.repository=local.test/fairness-operator", "--set", "image.tag=faults", "--set", "image.pullPolicy=Never",
		"--set", "crds.install=false", "--set", "metrics.secure=false", "--set", "watchNamespaces={" + m.ns + "}",
		"--set", fmt.Sprintf("replicaCount=%d", m.replicas),
		// Slack and webhook targets are paced by the chart's 1/s default; the suite checks counts, not pace.
		"--set", "notifications.ratePerSecond=20"}
	for i, a := range m.extraArgs {
		args = append(args, "--set", fmt.Sprintf("extraArgs[%d]=%s", i, a))
	}
	if faultPoint != "" {
		args = append(args, "--set", "extraEnv[0].name="+faultpoint.EnvVar, "--set", "extraEnv[0].value="+faultPoint)
	}
	if out, err := exec.Command(helm, args...).CombinedOutput(); err != nil {
		m.t.Fatalf("helm %s %s: %v\n%s", verb, m.name, err, out)
	}
}

// restartWithoutFault upgrades the release without the fault point: the
// Deployment replaces the killed manager's pod with one that runs on.
func (m *managerRelease) restartWithoutFault() { m.helm("upgrade", "") }

// uninstall saves the managers' logs and removes the release (once).
func (m *managerRelease) uninstall() {
	if m.gone || os.Getenv("FAIRNESS_E2E_KEEP") != "" && m.t.Failed() {
		return
	}
	m.gone = true
	out, _ := exec.Command("kubectl", "--kubeconfig", cluster.Kubeconfig, "logs", "-n", m.ns, "-l", "app.kubernetes.io/instance="+m.name,
		"--tail=-1", "--prefix").CombinedOutput()
	_ = os.WriteFile(filepath.Join(workDir, "manager-"+m.ns+".log"), out, 0o600)
	_ = exec.Command(helm, "uninstall", m.name, "--kubeconfig", cluster.Kubeconfig, "-n", m.ns).Run()
}

// pods are the release's manager pods that are not being deleted.
func (m *managerRelease) pods() []corev1.Pod {
	m.t.Helper()
	var list corev1.PodList
	if err := k8s().List(context.Background(), &list, client.InNamespace(m.ns),
		client.MatchingLabels{"app.kubernetes.io/instance": m.name}); err != nil {
		m.t.Fatal(err)
	}
	var live []corev1.Pod
	for _, p := range list.Items {
		if p.DeletionTimestamp == nil {
			live = append(live, p)
		}
	}
	return live
}

// waitForDeath waits until a manager container was killed by SIGKILL at its
// fault point (exit code 137, as the kubelet records it).
func (m *managerRelease) waitForDeath(timeout time.Duration) {
	m.t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		for _, p := range m.pods() {
			for _, cs := range p.Status.ContainerStatuses {
				for _, term := range []*corev1.ContainerStateTerminated{cs.State.Terminated, cs.LastTerminationState.Terminated} {
					if term != nil && term.ExitCode == 137 {
						return
					}
					if term != nil {
						m.t.Fatalf("the manager exited %d (%s) without being killed", term.ExitCode, term.Reason)
					}
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	m.t.Fatalf("the manager did not reach its fault point within %v", timeout)
}

// runningPod waits for a manager pod whose container runs.
func (m *managerRelease) runningPod() corev1.Pod {
	m.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		for _, p := range m.pods() {
			if cs := p.Status.ContainerStatuses; len(cs) == 1 && cs[0].State.Running != nil {
				return p
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	m.t.Fatal("no manager pod running after a minute")
	return corev1.Pod{}
}

// deletePodNow deletes a manager pod with --grace-period=0 --force, as an
// operator clearing a stuck pod does: the Deployment starts a new one.
func (m *managerRelease) deletePodNow(pod string) {
	m.t.Helper()
	out, err := exec.Command("kubectl", "--kubeconfig", cluster.Kubeconfig, "delete", "pod", "-n", m.ns, pod,
		"--grace-period=0", "--force").CombinedOutput()
	if err != nil {
		m.t.Fatalf("kubectl delete pod %s: %v\n%s", pod, err, out)
	}
}

// metricsAddr is the chart's metrics Service (plain HTTP: the suite installs
// with metrics.secure=false), which kube-proxy sends to the manager's pod.
func (m *managerRelease) metricsAddr() string {
	m.t.Helper()
	var svc corev1.Service
	if err := k8s().Get(context.Background(), client.ObjectKey{Namespace: m.ns, Name: m.name + "-fairness-operator-metrics"}, &svc); err != nil {
		m.t.Fatal(err)
	}
	return net.JoinHostPort(svc.Spec.ClusterIP, strconv.Itoa(int(svc.Spec.Ports[0].Port)))
}
