// Package api tests the CRDs on a real kube-apiserver: samples are accepted,
// bad manifests are refused with specific messages, and kubectl can explain
// and list the kinds.
package api

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"

	"github.com/fairness-operator/fairness-operator/test/envtestutil"
)

var (
	testEnv    *envtest.Environment
	cfg        *rest.Config
	k8s        client.Client
	kubeconfig string
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	var err error
	var stop func()
	testEnv, cfg, kubeconfig, stop, err = envtestutil.StartWithKubeconfig()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer stop()
	if k8s, err = client.New(cfg, client.Options{}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

func decode(t *testing.T, doc []byte) *unstructured.Unstructured {
	t.Helper()
	obj := &unstructured.Unstructured{}
	if err := yaml.Unmarshal(doc, &obj.Object); err != nil {
		t.Fatalf("decoding manifest: %v", err)
	}
	if obj.GetNamespace() == "" {
		obj.SetNamespace("default")
	}
	return obj
}

// TestSamplesAreAccepted creates every manifest under config/samples.
func TestSamplesAreAccepted(t *testing.T) {
	root := filepath.Join(envtestutil.RepoRoot(), "config", "samples")
	var files []string
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasPrefix(d.Name(), "fairness_") && strings.HasSuffix(path, ".yaml") {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 4 {
		t.Fatalf("expected at least 4 samples, found %d", len(files))
	}
	ns := createNamespace(t, "samples")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			obj := decode(t, data)
			obj.SetNamespace(ns)
			if err := k8s.Create(context.Background(), obj); err != nil {
				t.Fatalf("sample %s refused: %v", f, err)
			}
		})
	}
}

func createNamespace(t *testing.T, name string) string {
	t.Helper()
	ns := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": name},
	}}
	if err := k8s.Create(context.Background(), ns); err != nil {
		t.Fatalf("creating namespace %s: %v", name, err)
	}
	return name
}

// kubectl runs the system kubectl against the test API server.
func kubectl(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("kubectl", append([]string{"--kubeconfig", kubeconfig}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestKubectlExplainShowsFieldDocs(t *testing.T) {
	out := kubectl(t, "explain", "fairnessevaluation.spec.source")
	for _, want := range []string{
		"source says where the data is",
		"inline holds a small CSV document",
		"configMap reads the CSV",
		"persistentVolumeClaim",
		"builtin generates a synthetic dataset",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("kubectl explain output lacks %q:\n%s", want, out)
		}
	}
	out = kubectl(t, "explain", "biasincident.spec.state")
	if !strings.Contains(out, "state is the response state") {
		t.Errorf("kubectl explain biasincident.spec.state lacks the field doc:\n%s", out)
	}
}

func TestKubectlGetFairnessListsBothKinds(t *testing.T) {
	ns := createNamespace(t, "category")
	eval := decode(t, []byte(validEvaluation))
	eval.SetNamespace(ns)
	incident := decode(t, []byte(validIncident))
	incident.SetNamespace(ns)
	for _, o := range []*unstructured.Unstructured{eval, incident} {
		if err := k8s.Create(context.Background(), o); err != nil {
			t.Fatal(err)
		}
	}
	out := kubectl(t, "get", "fairness", "-n", ns)
	for _, want := range []string{"fairnessevaluation.fairness.dev/credit", "biasincident.fairness.dev/credit-incident"} {
		if !strings.Contains(out, want) {
			t.Errorf("kubectl get fairness lacks %q:\n%s", want, out)
		}
	}
	// Short names and print columns.
	out = kubectl(t, "get", "feval", "-n", ns)
	for _, col := range []string{"MODE", "SEVERITY", "READY", "LAST RUN", "AGE"} {
		if !strings.Contains(out, col) {
			t.Errorf("kubectl get feval lacks column %s:\n%s", col, out)
		}
	}
	out = kubectl(t, "get", "bi", "-n", ns)
	for _, col := range []string{"SEVERITY", "EVALUATION", "METRIC", "VALUE", "STATE", "ACK BY", "AGE"} {
		if !strings.Contains(out, col) {
			t.Errorf("kubectl get bi lacks column %s:\n%s", col, out)
		}
	}
}
