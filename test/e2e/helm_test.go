package e2e

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/fairness-operator/fairness-operator/test/envtestutil"
)

// `helm install` of the chart into the local control plane creates every
// object, and the manager Deployment becomes available: the node agent runs
// its /manager container as the locally built manager and probes /readyz.
func TestHelmInstall(t *testing.T) {
	helm, err := envtestutil.BuildTool("build-helm.sh")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ns := namespace(t, "fairness-system")
	watched := namespace(t, "team-a")
	install := exec.Command(helm, "install", "fairness-operator", filepath.Join(envtestutil.RepoRoot(), "charts", "fairness-operator"),
		"--kubeconfig", cluster.Kubeconfig, "-n", ns, "--set", "watchNamespaces={"+watched+"}", "--set", "metrics.secure=false",
		"--set", "crds.install=false", "--wait=false")
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("helm install: %v\n%s", err, out)
	} else if !strings.Contains(string(out), "kubectl get fairness -w") {
		t.Fatalf("helm install printed no next steps:\n%s", out)
	}
	var role rbacv1.Role
	if err := k8s().Get(ctx, client.ObjectKey{Namespace: watched, Name: "fairness-operator-manager"}, &role); err != nil {
		t.Fatalf("the namespaced Role: %v", err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var d appsv1.Deployment
		if err := k8s().Get(ctx, client.ObjectKey{Namespace: ns, Name: "fairness-operator"}, &d); err != nil {
			t.Fatal(err)
		}
		if d.Status.AvailableReplicas == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the manager Deployment is not available: %+v", d.Status)
		}
		time.Sleep(500 * time.Millisecond)
	}
}
