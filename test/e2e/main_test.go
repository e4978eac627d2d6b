// Package e2e runs the operator end to end as its users run it: a real
// node (kubelet, containerd, runc) registered with a local control plane,
// the operator's image built by the same code as `make image` and imported
// into containerd, and the operator installed by `helm install` of
// charts/fairness-operator. The manager is the chart's Deployment, in a
// container under the chart's ServiceAccount and RBAC with in-cluster
// configuration; evaluation pods are real containers. No test gives the
// manager an administrator's credentials; the tests themselves act as the
// cluster's administrator.
package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/go-logr/logr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/fairness-operator/fairness-operator/test/envtestutil"
	"github.com/fairness-operator/fairness-operator/test/localcluster"
)

const (
	// operatorImage is the tag the suite builds and the chart runs.
	operatorImage = "local.test/fairness-operator:e2e"
	releaseName   = "fairness-operator"
	releaseNS     = "fairness-system"
)

var (
	cluster *localcluster.Cluster
	built   localcluster.Built
	helm    string
	workDir string
)

func TestMain(m *testing.M) {
	ctrl.SetLogger(logr.Discard())
	os.Exit(run(m))
}

func run(m *testing.M) int {
	var err error
	if workDir, err = os.MkdirTemp("", "fairness-e2e"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if os.Getenv("FAIRNESS_E2E_KEEP") == "" {
		defer func() { _ = os.RemoveAll(workDir) }()
	} else {
		fmt.Fprintln(os.Stderr, "e2e: keeping", workDir)
	}
	if err := localcluster.CanRunRealNode(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: the end-to-end suite runs on a real node:", err)
		return 1
	}
	if helm, err = envtestutil.BuildTool("build-helm.sh"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if built, err = localcluster.BuildImages(workDir, operatorImage); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cluster, err = localcluster.Start(ctx, localcluster.Options{Dir: filepath.Join(workDir, "cluster"), Node: localcluster.NodeReal,
		Images: built.Images, ChartInstallsCRDs: true, Log: os.Stderr})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer cluster.Stop()
	// Schedules as often as every 10s: the trend test waits for four runs.
	if out, err := helmInstall("install", "evaluation.minScheduleInterval=10s"); err != nil {
		fmt.Fprintf(os.Stderr, "helm install: %v\n%s", err, out)
		saveManagerLogs()
		return 1
	}
	code := m.Run()
	if code != 0 {
		saveManagerLogs()
	}
	return code
}

// helmInstall runs `helm install` (or upgrade) of the chart from this
// repository with the suite's image, and waits for the Deployment.
func helmInstall(verb string, set ...string) ([]byte, error) {
	args := []string{verb, releaseName, filepath.Join(envtestutil.RepoRoot(), "charts", "fairness-operator"),
		"--kubeconfig", cluster.Kubeconfig, "-n", releaseNS, "--create-namespace", "--wait", "--timeout", "3m",
		"--set", "image.repository=local.test/fairness-operator", "--set", "image.tag=e2e",
		"--set", "image.pullPolicy=Never"}
	for _, s := range set {
		args = append(args, "--set", s)
	}
	return exec.Command(helm, args...).CombinedOutput()
}

// saveManagerLogs keeps the manager's log (kubectl logs) next to the
// cluster's for a failed run.
func saveManagerLogs() {
	out, _ := kubectl("logs", "-n", releaseNS, "deploy/"+releaseName, "--all-containers", "--tail=-1")
	path := filepath.Join(workDir, "cluster", "manager.log")
	_ = os.WriteFile(path, out, 0o600)
	fmt.Fprintln(os.Stderr, "e2e: the manager's log is in", path, "(FAIRNESS_E2E_KEEP=1 keeps it)")
	fmt.Fprintln(os.Stderr, lastLines(string(out), 40))
}

func kubectl(args ...string) ([]byte, error) {
	return exec.Command("kubectl", append([]string{"--kubeconfig", cluster.Kubeconfig}, args...)...).CombinedOutput()
}

// runCommand runs a command and returns its combined output.
func runCommand(name string, args ...string) ([]byte, error) {
	return exec.Command(name, args...).CombinedOutput()
}

func lastLines(text string, n int) string {
	lines := 0
	for i := len(text) - 1; i >= 0; i-- {
		if text[i] == '\n' {
			if lines++; lines > n {
				return text[i+1:]
			}
		}
	}
	return text
}

func k8s() client.Client { return cluster.Client }

// hostServer serves h on the node's host address, where evaluation pods and
// the manager's pod reach it.
func hostServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	l, err := cluster.Listen()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	_ = srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}
