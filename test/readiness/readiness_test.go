// Package readiness checks that the manager's /readyz follows its caches:
// an object the informers cannot decode (stored before the schema refused
// it) must make the manager unready, not silently blind.
package readiness

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/yaml"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
	"github.com/fairness-operator/fairness-operator/internal/controller"
	"github.com/fairness-operator/fairness-operator/test/envtestutil"
)

// legacyCRD writes the FairnessEvaluation CRD without the duration rules,
// as it was before they existed, so that the API server stores an object
// the manager cannot decode (as an upgraded cluster may still hold).
func legacyCRD(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(envtestutil.RepoRoot(), "config", "crd", "bases", "fairness.dev_fairnessevaluations.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.Unmarshal(data, &crd); err != nil {
		t.Fatal(err)
	}
	policy := crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"].Properties["incidentPolicy"]
	steps := policy.Properties["escalation"]
	after := steps.Items.Schema.Properties["after"]
	if after.Pattern == "" {
		t.Fatal("escalation.after has no pattern: the schema changed, update this test")
	}
	after.Pattern, after.XValidations = "", nil
	steps.Items.Schema.Properties["after"] = after
	policy.Properties["escalation"] = steps
	crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"].Properties["incidentPolicy"] = policy
	out, err := yaml.Marshal(&crd)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "crd.yaml"), out, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// readyz returns the probe's status code and body.
func readyz(addr string) (int, string) {
	resp, err := http.Get("http://" + addr + "/readyz?verbose")
	if err != nil {
		return 0, err.Error()
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func waitFor(t *testing.T, what string, timeout time.Duration, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	last := ""
	for time.Now().Before(deadline) {
		var ok bool
		if ok, last = cond(); ok {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s not reached in %s; last: %s", what, timeout, last)
}

func badEvaluation(name string) *unstructured.Unstructured {
	obj := &unstructured.Unstructured{}
	obj.SetAPIVersion("fairness.dev/v1alpha1")
	obj.SetKind("FairnessEvaluation")
	obj.SetNamespace("default")
	obj.SetName(name)
	obj.Object["spec"] = map[string]any{
		"source":  map[string]any{"builtin": map[string]any{"rows": int64(100)}},
		"columns": map[string]any{"label": "y", "prediction": "p", "protected": []any{"g"}},
		"incidentPolicy": map[string]any{
			"notifications": []any{map[string]any{"name": "x", "kind": "webhook", "urlSecretRef": map[string]any{"name": "s", "key": "url"}}},
			"escalation":    []any{map[string]any{"after": "banana", "target": "x"}},
		},
	}
	return obj
}

// TestReadinessFollowsTheCaches: with an undecodable FairnessEvaluation
// stored, /readyz fails (first before the caches ever sync, then after a
// synced cache breaks) and names the cache; once the object is gone,
// readiness comes back.
func TestReadinessFollowsTheCaches(t *testing.T) {
	ctrl.SetLogger(logr.Discard())
	assets, err := envtestutil.AssetsDir()
	if err != nil {
		t.Fatal(err)
	}
	env := &envtest.Environment{CRDDirectoryPaths: []string{legacyCRD(t),
		filepath.Join(envtestutil.RepoRoot(), "config", "crd", "bases", "fairness.dev_biasincidents.yaml")},
		ErrorIfCRDPathMissing: true, BinaryAssetsDirectory: assets}
	cfg, err := env.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = env.Stop() }()
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, fairnessv1alpha1.AddToScheme} {
		if err := add(scheme); err != nil {
			t.Fatal(err)
		}
	}
	k8s, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	for _, phase := range []string{"present at start", "created after sync"} {
		t.Run(phase, func(t *testing.T) {
			bad := badEvaluation("blinding")
			defer func() { _ = k8s.Delete(ctx, bad) }()
			if phase == "present at start" {
				if err := k8s.Create(ctx, bad); err != nil {
					t.Fatal(err)
				}
			}
			health := &controller.CacheHealth{RecoveryWindow: 10 * time.Minute}
			addr := envtestutil.FreeLoopbackAddr(t)
			mgr, err := ctrl.NewManager(cfg, ctrl.Options{Scheme: scheme, Cache: controller.CacheOptions(health),
				Metrics: metricsserver.Options{BindAddress: "0"}, HealthProbeBindAddress: addr,
				Controller: config.Controller{SkipNameValidation: ptr.To(true)}})
			if err != nil {
				t.Fatal(err)
			}
			if err := controller.Setup(mgr, controller.Config{EvaluationImage: "unused",
				Registerer: prometheus.NewRegistry()}); err != nil {
				t.Fatal(err)
			}
			if err := mgr.AddReadyzCheck("caches", controller.ReadyzCheck(mgr.GetCache(), health)); err != nil {
				t.Fatal(err)
			}
			mctx, cancel := context.WithCancel(ctx)
			done := make(chan error, 1)
			go func() { done <- mgr.Start(mctx) }()
			defer func() { cancel(); _ = <-done }()

			if phase == "created after sync" {
				waitFor(t, "ready before the bad object", time.Minute, func() (bool, string) {
					code, body := readyz(addr)
					return code == http.StatusOK, fmt.Sprint(code, body)
				})
				if err := k8s.Create(ctx, bad); err != nil {
					t.Fatal(err)
				}
			}
			// The probe's body withholds reasons (controller-runtime's healthz
			// handler); the checker's error is what the manager logs.
			check := controller.ReadyzCheck(mgr.GetCache(), health)
			waitFor(t, "unready naming the cache", 2*time.Minute, func() (bool, string) {
				code, body := readyz(addr)
				req, _ := http.NewRequest(http.MethodGet, "/readyz", nil)
				err := fmt.Sprint(check(req))
				return code == http.StatusInternalServerError && strings.Contains(err, "FairnessEvaluation") &&
					strings.Contains(err, `invalid duration "banana"`), fmt.Sprint(code, body, err)
			})
			if err := k8s.Delete(ctx, bad); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "ready again once the object is gone", 2*time.Minute, func() (bool, string) {
				code, body := readyz(addr)
				return code == http.StatusOK, fmt.Sprint(code, body)
			})
		})
	}
}
