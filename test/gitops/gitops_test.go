// Package gitops checks how GitOps tools see the operator's objects: the
// Argo CD health scripts (run in gopher-lua, the Lua Argo CD embeds) and
// kstatus, which Flux and kpt use.
package gitops

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	lua "github.com/yuin/gopher-lua"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/yaml"

	"github.com/fairness-operator/fairness-operator/test/envtestutil"
)

const evaluationYAML = `
apiVersion: fairness.dev/v1alpha1
kind: FairnessEvaluation
metadata: {name: credit, namespace: risk, generation: 2}
spec: {}
`

func object(t *testing.T, base string, st map[string]any) map[string]any {
	t.Helper()
	var obj map[string]any
	if err := yaml.Unmarshal([]byte(base), &obj); err != nil {
		t.Fatal(err)
	}
	if st != nil {
		obj["status"] = st
	}
	return obj
}

func cond(typ, st, msg string) map[string]any {
	return map[string]any{"type": typ, "status": st, "reason": "Test", "message": msg}
}

func conditions(cs ...map[string]any) []any {
	out := make([]any, len(cs))
	for i, c := range cs {
		out[i] = c
	}
	return out
}

// toLua converts decoded JSON into Lua values as Argo CD does.
func toLua(L *lua.LState, v any) lua.LValue {
	switch x := v.(type) {
	case map[string]any:
		t := L.NewTable()
		for k, e := range x {
			t.RawSetString(k, toLua(L, e))
		}
		return t
	case []any:
		t := L.NewTable()
		for _, e := range x {
			t.Append(toLua(L, e))
		}
		return t
	case string:
		return lua.LString(x)
	case bool:
		return lua.LBool(x)
	case float64:
		return lua.LNumber(x)
	case int64:
		return lua.LNumber(x)
	case nil:
		return lua.LNil
	}
	return lua.LNil
}

func health(t *testing.T, kind string, obj map[string]any) (string, string) {
	t.Helper()
	script, err := os.ReadFile(filepath.Join(envtestutil.RepoRoot(), "config", "argocd", "health", "fairness.dev", kind, "health.lua"))
	if err != nil {
		t.Fatal(err)
	}
	L := lua.NewState(lua.Options{SkipOpenLibs: false})
	defer L.Close()
	L.SetGlobal("obj", toLua(L, obj))
	if err := L.DoString(string(script)); err != nil {
		t.Fatalf("health.lua: %v", err)
	}
	ret, ok := L.Get(-1).(*lua.LTable)
	if !ok {
		t.Fatalf("health.lua returned %v, want a table", L.Get(-1))
	}
	return ret.RawGetString("status").String(), ret.RawGetString("message").String()
}

func TestEvaluationHealth(t *testing.T) {
	cases := map[string]struct {
		status     map[string]any
		wantStatus string
	}{
		"new": {nil, "Progressing"},
		"run in flight": {map[string]any{"observedGeneration": int64(2), "conditions": conditions(
			cond("Ready", "Unknown", "run g2 started"), cond("Reconciling", "True", "run g2 started"))}, "Progressing"},
		"ready, no bias": {map[string]any{"observedGeneration": int64(2), "conditions": conditions(
			cond("Ready", "True", "run g2 evaluated 5000 rows"), cond("BiasDetected", "False", "no threshold breached"))}, "Healthy"},
		"ready with a finding is still healthy": {map[string]any{"observedGeneration": int64(2), "conditions": conditions(
			cond("Ready", "True", "run g2 evaluated 5000 rows"), cond("BiasDetected", "True", "Sev1: disparateImpact"))}, "Healthy"},
		"stalled": {map[string]any{"observedGeneration": int64(2), "conditions": conditions(
			cond("Ready", "False", "bad schedule"), cond("Stalled", "True", "bad schedule"))}, "Degraded"},
		"failed run": {map[string]any{"observedGeneration": int64(2), "conditions": conditions(
			cond("Ready", "False", "EvaluationFailed"), cond("Stalled", "True", "run g2 failed"))}, "Degraded"},
		"old generation": {map[string]any{"observedGeneration": int64(1), "conditions": conditions(
			cond("Ready", "True", "ok"))}, "Progressing"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			got, msg := health(t, "FairnessEvaluation", object(t, evaluationYAML, c.status))
			if got != c.wantStatus {
				t.Fatalf("health %s (%s), want %s", got, msg, c.wantStatus)
			}
		})
	}
}

func TestIncidentHealth(t *testing.T) {
	base := `
apiVersion: fairness.dev/v1alpha1
kind: BiasIncident
metadata: {name: credit-g1, namespace: risk}
spec: {evaluationRef: {name: credit}, state: Open}
`
	cases := map[string]struct {
		severity, state, wantStatus string
	}{
		"open Sev1":         {"Sev1", "Open", "Degraded"},
		"acknowledged Sev2": {"Sev2", "Acknowledged", "Degraded"},
		"open Sev3":         {"Sev3", "Open", "Healthy"},
		"resolved Sev1":     {"Sev1", "Resolved", "Healthy"},
		"not opened yet":    {"", "", "Progressing"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			st := map[string]any{}
			if c.severity != "" {
				st = map[string]any{"severity": c.severity, "state": c.state, "acknowledgeBy": "2026-11-27T10:00:00Z"}
			}
			got, msg := health(t, "BiasIncident", object(t, base, st))
			if got != c.wantStatus {
				t.Fatalf("health %s (%s), want %s", got, msg, c.wantStatus)
			}
		})
	}
}

func TestKstatus(t *testing.T) {
	cases := map[string]struct {
		status map[string]any
		want   status.Status
	}{
		"ready": {map[string]any{"observedGeneration": int64(2), "conditions": conditions(
			cond("Ready", "True", "ok"), cond("BiasDetected", "True", "Sev2 finding"))}, status.CurrentStatus},
		"run in flight": {map[string]any{"observedGeneration": int64(2), "conditions": conditions(
			cond("Ready", "Unknown", "running"), cond("Reconciling", "True", "run g2 started"))}, status.InProgressStatus},
		"stalled": {map[string]any{"observedGeneration": int64(2), "conditions": conditions(
			cond("Ready", "False", "bad"), cond("Stalled", "True", "invalid schedule"))}, status.FailedStatus},
		"old generation": {map[string]any{"observedGeneration": int64(1), "conditions": conditions(
			cond("Ready", "True", "ok"))}, status.InProgressStatus},
		// As the controller writes a failed run (internal/controller
		// TestFailedRunReadsTheSameToEveryTool checks it does): Failed, so a
		// Flux health check stops waiting, as Argo CD's Degraded does.
		"failed run": {map[string]any{"observedGeneration": int64(2), "conditions": conditions(
			cond("Ready", "False", "EvaluationFailed"), cond("Stalled", "True", "run g2 failed"))}, status.FailedStatus},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			// Through JSON, as objects come from the API server (integers stay integers).
			data, err := json.Marshal(object(t, evaluationYAML, c.status))
			if err != nil {
				t.Fatal(err)
			}
			u := &unstructured.Unstructured{}
			if err := u.UnmarshalJSON(data); err != nil {
				t.Fatal(err)
			}
			res, err := status.Compute(u)
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != c.want {
				t.Fatalf("kstatus %s (%s), want %s", res.Status, res.Message, c.want)
			}
		})
	}
}
