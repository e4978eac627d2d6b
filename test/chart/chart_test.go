// Package chart tests the Helm chart: helm lint and template with default
// and non-default values, values.schema.json refusing wrong values, the
// rendered manifests accepted by a real API server (server-side dry run),
// and the alert rules with promtool.
package chart

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/fairness-operator/fairness-operator/test/envtestutil"
)

var (
	chartDir   = filepath.Join(envtestutil.RepoRoot(), "charts", "fairness-operator")
	helm       string
	kubeconfig string
	testEnv    *envtest.Environment
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	var err error
	if helm, err = envtestutil.BuildTool("build-helm.sh"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var stop func()
	if testEnv, _, kubeconfig, stop, err = envtestutil.StartWithKubeconfig(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer stop()
	return m.Run()
}

func runCmd(t *testing.T, name string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(name, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// nonDefault exercises every optional part of the chart.
var nonDefault = []string{"--set", "replicaCount=2", "--set", "serviceMonitor.enabled=true", "--set", "prometheusRule.enabled=true",
	"--set", "grafanaDashboard.enabled=true", "--set", "watchNamespaces={team-a,team-b}", "--set", "crds.keep=false",
	"--set", "image.tag=v9.9.9", "--set", "evaluation.deadlines.sev1=10m", "--set", "metrics.secure=false",
	"--set-json", "notifications.ratePerSecond=0.5", "--set", "kubeAPI.qps=80",
	"--set", "notifications.timeout=3s", "--set", "evaluation.minScheduleInterval=5m",
	"--set", "workers.evaluations=4", "--set", "workers.incidents=2",
	"--set-json", `evaluation.incidentPolicy={"escalation":[{"after":"0s","target":"oncall"}]}`}

func TestLintAndTemplate(t *testing.T) {
	if out, err := runCmd(t, helm, "lint", chartDir); err != nil {
		t.Fatalf("helm lint: %v\n%s", err, out)
	}
	if out, err := runCmd(t, helm, append([]string{"lint", chartDir}, nonDefault...)...); err != nil {
		t.Fatalf("helm lint (non-default): %v\n%s", err, out)
	}
	out, err := runCmd(t, helm, "template", "fo", chartDir, "-n", "fairness-system")
	if err != nil {
		t.Fatalf("helm template: %v\n%s", err, out)
	}
	for _, want := range []string{"kind: CustomResourceDefinition", "helm.sh/resource-policy: keep", "kind: ClusterRole",
		"path: /healthz", "path: /readyz", "readOnlyRootFilesystem: true", "--leader-elect=true", "kind: Deployment",
		`--evaluation-resources={"limits":{"memory":"512Mi"}`} {
		if !strings.Contains(out, want) {
			t.Errorf("default rendering lacks %q", want)
		}
	}
	for _, absent := range []string{"kind: ServiceMonitor", "kind: PrometheusRule", "grafana_dashboard"} {
		if strings.Contains(out, absent) {
			t.Errorf("default rendering has %q", absent)
		}
	}
	out, err = runCmd(t, helm, append([]string{"template", "fo", chartDir, "-n", "fairness-system"}, nonDefault...)...)
	if err != nil {
		t.Fatalf("helm template (non-default): %v\n%s", err, out)
	}
	for _, want := range []string{"kind: ServiceMonitor", "kind: PrometheusRule", "alert: FairnessSev1IncidentOpen",
		"grafana_dashboard: \"1\"", "fairness_metric_value", "kind: Role\n", "namespace: team-b", "--watch-namespaces=team-a,team-b",
		"replicas: 2", ":v9.9.9", "--ack-deadline-sev1=10m", "--metrics-secure=false", "--notification-rate=0.5", "--kube-api-qps=80",
		"--notification-timeout=3s", "--min-schedule-interval=5m",
		"--max-concurrent-evaluations=4", "--max-concurrent-incidents=2",
		`--default-incident-policy={"escalation":[{"after":"0s","target":"oncall"}]}`} {
		if !strings.Contains(out, want) {
			t.Errorf("non-default rendering lacks %q", want)
		}
	}
	if strings.Contains(out, "helm.sh/resource-policy: keep") || strings.Contains(out, "kind: ClusterRoleBinding\nmetadata:\n  name: fo-fairness-operator-manager") {
		t.Error("crds.keep=false or namespaced mode not honoured")
	}
}

func TestSchemaRejectsWrongValues(t *testing.T) {
	cases := map[string]struct {
		set  string
		want string
	}{
		"replicaCount as a string":   {"replicaCount=two", "replicaCount"},
		"zero replicas":              {"replicaCount=0", "replicaCount"},
		"unknown pull policy":        {"image.pullPolicy=Sometimes", "pullPolicy"},
		"bad namespace name":         {"watchNamespaces={Team_A}", "watchNamespaces"},
		"bad deadline":               {"evaluation.deadlines.sev1=soon", "sev1"},
		"crds.keep not a boolean":    {"crds.keep=maybe", "keep"},
		"unknown top-level value":    {"replicas=3", "replicas"},
		"port out of range":          {"metrics.port=70000", "port"},
		"unknown notification kind":  {"evaluation.incidentPolicy.notifications[0].kind=pigeon", "kind"},
		"no notification pacing":     {"notifications.ratePerSecond=0", "ratePerSecond"},
		"zero API burst":             {"kubeAPI.burst=0", "burst"},
		"bad notification timeout":   {"notifications.timeout=forever", "timeout"},
		"bad schedule interval":      {"evaluation.minScheduleInterval=often", "minScheduleInterval"},
		"zero workers":               {"workers.evaluations=0", "evaluations"},
		"bad fullnameOverride":       {"fullnameOverride=Credit_Fairness", "fullnameOverride"},
		"unknown serviceAccount key": {"serviceAccount.role=admin", "serviceAccount"},
		"extraArgs not a flag":       {"extraArgs={verbose}", "extraArgs"},
		"unknown PDB key":            {"podDisruptionBudget.min=1", "podDisruptionBudget"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			out, err := runCmd(t, helm, "template", "fo", chartDir, "--set", c.set)
			if err == nil {
				t.Fatalf("--set %s was accepted", c.set)
			}
			if !strings.Contains(out, "values don't meet the specifications of the schema") || !strings.Contains(out, c.want) {
				t.Fatalf("--set %s: error does not name the value:\n%s", c.set, out)
			}
		})
	}
}

// TestServerSideDryRun applies the rendered chart (default values, and
// namespaced mode) to a real API server with --dry-run=server.
func TestServerSideDryRun(t *testing.T) {
	if out, err := runCmd(t, "kubectl", "--kubeconfig", kubeconfig, "create", "namespace", "fairness-system"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for name, extra := range map[string][]string{"default": nil, "namespaced": {"--set", "watchNamespaces={default}",
		"--set", "grafanaDashboard.enabled=true", "--set", "podDisruptionBudget.enabled=true", "--set", "networkPolicy.enabled=true",
		"--set", "serviceAccount.annotations.iam\\.gke\\.io/gcp-service-account=fairness@project.iam.gserviceaccount.com"}} {
		t.Run(name, func(t *testing.T) {
			rendered, err := runCmd(t, helm, append([]string{"template", "fo", chartDir, "-n", "fairness-system"}, extra...)...)
			if err != nil {
				t.Fatalf("helm template: %v\n%s", err, rendered)
			}
			file := filepath.Join(t.TempDir(), "chart.yaml")
			if err := os.WriteFile(file, []byte(rendered), 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := runCmd(t, "kubectl", "--kubeconfig", kubeconfig, "apply", "--dry-run=server", "-f", file)
			if err != nil {
				t.Fatalf("kubectl apply --dry-run=server: %v\n%s", err, out)
			}
			wants := []string{"deployment.apps/fo-fairness-operator created (server dry run)",
				"customresourcedefinition.apiextensions.k8s.io/fairnessevaluations.fairness.dev",
				"clusterrole.rbac.authorization.k8s.io/fo-fairness-operator-view created (server dry run)"}
			if name == "namespaced" {
				wants = append(wants, "poddisruptionbudget.policy/fo-fairness-operator created (server dry run)",
					"networkpolicy.networking.k8s.io/fo-fairness-operator created (server dry run)")
			}
			for _, want := range wants {
				if !strings.Contains(out, want) {
					t.Errorf("dry run output lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

func TestAlertRulesWithPromtool(t *testing.T) {
	promtool, err := envtestutil.BuildTool("build-promtool.sh")
	if err != nil {
		t.Fatal(err)
	}
	if out, err := runCmd(t, promtool, "check", "rules", filepath.Join(chartDir, "files", "prometheus-rules.yaml")); err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
	out, err := runCmd(t, promtool, "test", "rules", filepath.Join(chartDir, "tests", "prometheus-rules.test.yaml"))
	if err != nil {
		t.Fatalf("promtool test rules: %v\n%s", err, out)
	}
	if !strings.Contains(out, "SUCCESS") {
		t.Fatalf("promtool test rules:\n%s", out)
	}
}
