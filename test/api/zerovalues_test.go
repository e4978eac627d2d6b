package api

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
)

// TestMeaningfulZerosSurvive: minGroupSize 0, seed 0 and randomState 0 are
// kept as given, through a typed Go client and through kubectl apply
// (before, omitempty dropped them and the schema defaults made them 30, 42
// and 42), while omitting them still gives the defaults.
func TestMeaningfulZerosSurvive(t *testing.T) {
	ctx := context.Background()
	ns := createNamespace(t, "zeros")
	c := typedClient(t)
	typed := &fairnessv1alpha1.FairnessEvaluation{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "typed"},
		Spec: fairnessv1alpha1.FairnessEvaluationSpec{Mode: fairnessv1alpha1.ModeTrain,
			Source:       fairnessv1alpha1.DataSource{Builtin: &fairnessv1alpha1.BuiltinSource{Rows: 100, Seed: new(int64(0))}},
			Columns:      fairnessv1alpha1.ColumnMapping{Label: "repaid", Protected: []string{"sex"}},
			MinGroupSize: new(int32(0)),
			Train:        &fairnessv1alpha1.TrainSettings{Method: fairnessv1alpha1.MethodBaseline, TestSize: 0.3, RandomState: new(int64(0))}}}
	if err := c.Create(ctx, typed); err != nil {
		t.Fatal(err)
	}
	manifest := filepath.Join(t.TempDir(), "zeros.yaml")
	if err := os.WriteFile(manifest, []byte(`apiVersion: fairness.dev/v1alpha1
kind: FairnessEvaluation
metadata: {name: applied, namespace: `+ns+`}
spec:
  mode: train
  source: {builtin: {rows: 100, seed: 0}}
  columns: {label: repaid, protected: [sex]}
  minGroupSize: 0
  train: {method: baseline, randomState: 0}
---
apiVersion: fairness.dev/v1alpha1
kind: FairnessEvaluation
metadata: {name: defaulted, namespace: `+ns+`}
spec:
  mode: train
  source: {builtin: {rows: 100}}
  columns: {label: repaid, protected: [sex]}
  train: {method: baseline}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	kubectl(t, "apply", "-f", manifest)
	for name, want := range map[string]int64{"typed": 0, "applied": 0, "defaulted": -1} {
		var got fairnessv1alpha1.FairnessEvaluation
		if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &got); err != nil {
			t.Fatal(err)
		}
		minSize, seed, state := int64(ptr.Deref(got.Spec.MinGroupSize, -7)), ptr.Deref(got.Spec.Source.Builtin.Seed, -7),
			ptr.Deref(got.Spec.Train.RandomState, -7)
		wantMin, wantSeed := want, want
		if want < 0 {
			wantMin, wantSeed = 30, 42
		}
		if minSize != wantMin || seed != wantSeed || state != wantSeed {
			t.Errorf("%s: minGroupSize %d, seed %d, randomState %d; want %d, %d, %d", name, minSize, seed, state, wantMin, wantSeed, wantSeed)
		}
	}
}

// TestIncidentValueColumnIsShort: kubectl get biasincidents shows the worst
// breach's value to four significant digits (before, all 17:
// 0.25686672848662934); status keeps every digit in value.
func TestIncidentValueColumnIsShort(t *testing.T) {
	ctx := context.Background()
	ns := createNamespace(t, "columns")
	c := typedClient(t)
	in := &fairnessv1alpha1.BiasIncident{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "credit-g1"},
		Spec: fairnessv1alpha1.BiasIncidentSpec{EvaluationRef: fairnessv1alpha1.LocalObjectReference{Name: "credit"}}}
	if err := c.Create(ctx, in); err != nil {
		t.Fatal(err)
	}
	// As the operator writes it (internal/controller TestStatusFromReportIsBounded checks valueText is set).
	in.Status.Breaches = []fairnessv1alpha1.Breach{{Metric: "demographicParityDifference", Value: 0.25686672848662934,
		ValueText: "0.2569", Threshold: 0.1, Severity: fairnessv1alpha1.Severity2}}
	if err := c.Status().Update(ctx, in); err != nil {
		t.Fatal(err)
	}
	out := kubectl(t, "get", "biasincidents", "-n", ns)
	if !strings.Contains(out, " 0.2569 ") || strings.Contains(out, "0.25686672848662934") {
		t.Fatalf("kubectl get biasincidents:\n%s", out)
	}
}

// typedClient is a client that knows this API's Go types.
func typedClient(t *testing.T) client.Client {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := fairnessv1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
