package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/fairness-operator/fairness-operator/test/envtestutil"
	"github.com/fairness-operator/fairness-operator/test/localcluster"
)

// chooseNode turns --node into a node kind and says why.
func chooseNode(node string) (localcluster.NodeKind, string, error) {
	switch node {
	case "real":
		if err := localcluster.CanRunRealNode(); err != nil {
			return "", "", err
		}
		return localcluster.NodeReal, "real node: kubelet, containerd, runc", nil
	case "process":
		return localcluster.NodeProcess, "simulated node: pods run as processes (--node process)", nil
	case "auto", "":
		if err := localcluster.CanRunRealNode(); err != nil {
			return localcluster.NodeProcess, fmt.Sprintf("simulated node: pods run as processes; %v", err), nil
		}
		return localcluster.NodeReal, "real node: kubelet, containerd, runc", nil
	}
	return "", "", fmt.Errorf("--node %q: want real, process or auto", node)
}

// helmInstall installs the chart with the demo's image on the real node and
// waits for the manager; it returns the metrics URL (the chart's Service).
func (d demo) helmInstall(ctx context.Context, cluster *localcluster.Cluster) (string, error) {
	helm, err := envtestutil.BuildTool("build-helm.sh")
	if err != nil {
		return "", err
	}
	repo, tag := splitImage(d.image)
	step("helm install fairness-operator charts/fairness-operator -n fairness-system " +
		"(manager log: kubectl logs -n fairness-system deploy/fairness-operator)")
	chart := filepath.Join(envtestutil.RepoRoot(), "charts", "fairness-operator")
	install := exec.CommandContext(ctx, helm, "install", "fairness-operator", chart,
		"--kubeconfig", cluster.Kubeconfig, "-n", "fairness-system", "--create-namespace", "--wait", "--timeout", "3m",
		"--set", "image.repository="+repo, "--set", "image.tag="+tag, "--set", "image.pullPolicy=Never",
		"--set", "crds.install=false", "--set", "metrics.secure=false")
	install.Stdout, install.Stderr = os.Stdout, os.Stderr
	if err := install.Run(); err != nil {
		return "", fmt.Errorf("helm install: %w", err)
	}
	var svc corev1.Service
	key := client.ObjectKey{Namespace: "fairness-system", Name: "fairness-operator-metrics"}
	if err := cluster.Client.Get(ctx, key, &svc); err != nil {
		return "", err
	}
	return fmt.Sprintf("http://%s:%d/metrics", svc.Spec.ClusterIP, svc.Spec.Ports[0].Port), nil
}

// hostManager runs the manager on the host with the admin kubeconfig (the
// simulated node has no containers); the returned function stops it.
func (d demo) hostManager(cluster *localcluster.Cluster) (func(), error) {
	step("starting the manager (log: %s)", filepath.Join(d.dir, "manager.log"))
	logFile, err := os.Create(filepath.Join(d.dir, "manager.log"))
	if err != nil {
		return nil, err
	}
	mgr := exec.Command(d.manager, "--metrics-bind-address=127.0.0.1:18080", "--metrics-secure=false",
		"--health-probe-bind-address=127.0.0.1:18081", "--evaluation-image=fairness-operator:demo")
	mgr.Env = append(os.Environ(), "KUBECONFIG="+cluster.Kubeconfig)
	mgr.Stdout, mgr.Stderr = logFile, logFile
	if err := mgr.Start(); err != nil {
		return nil, err
	}
	return func() {
		_ = mgr.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = mgr.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = mgr.Process.Kill()
		}
		_ = logFile.Close()
	}, nil
}

func splitImage(ref string) (repo, tag string) {
	for i := len(ref) - 1; i >= 0 && ref[i] != '/'; i-- {
		if ref[i] == ':' {
			return ref[:i], ref[i+1:]
		}
	}
	return ref, "latest"
}

func pointers(s []string) []*string {
	p := make([]*string, len(s))
	for i := range s {
		p[i] = &s[i]
	}
	return p
}
