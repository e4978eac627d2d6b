package api

import (
	"context"
	"maps"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
)

func threshold(metric string, extra map[string]any) []any {
	t := map[string]any{"metric": metric, "levels": []any{map[string]any{"value": 0.1, "severity": "Sev1"}}}
	maps.Copy(t, extra)
	return []any{t}
}

// TestHostileManifestsAreRefused: the issue #19 manifests that the API
// server used to accept (and that then blinded the manager, never applied,
// or left the evaluation without a status) are refused at apply, each with
// a message that names the rule.
func TestHostileManifestsAreRefused(t *testing.T) {
	ns := createNamespace(t, "hostile")
	policy := func(p map[string]any) map[string]any {
		p["notifications"] = []any{map[string]any{"name": "x", "kind": "webhook", "urlSecretRef": map[string]any{"name": "s", "key": "url"}}}
		return p
	}
	cases := map[string]struct {
		base    string
		create  []mutation
		wantErr string
	}{
		"escalation after banana": {validEvaluation, []mutation{set(policy(map[string]any{
			"escalation": []any{map[string]any{"after": "banana", "target": "x"}}}), spec("incidentPolicy")...)},
			"spec.incidentPolicy.escalation[0].after in body should match"},
		"deadline of one fortnight": {validEvaluation, []mutation{set(map[string]any{"sev2": "1 fortnight"}, spec("incidentPolicy", "acknowledgeWithin")...)},
			"spec.incidentPolicy.acknowledgeWithin.sev2 in body should match"},
		"negative deadline": {validEvaluation, []mutation{set(map[string]any{"sev2": "-1h"}, spec("incidentPolicy", "acknowledgeWithin")...)},
			"spec.incidentPolicy.acknowledgeWithin.sev2 in body should match"},
		"memory request with a fractional exponent": {validEvaluation, []mutation{set(map[string]any{
			"requests": map[string]any{"memory": "1e.00000"}}, spec("resources")...)},
			"spec.resources.requests: Invalid value: memory is not a quantity, for example 500m or 256Mi"},
		"deadline over a week": {validEvaluation, []mutation{set(map[string]any{"sev4": "200h"}, spec("incidentPolicy", "acknowledgeWithin")...)},
			"must be a duration from 1s to 168h"},
		"disparate impact without privileged values": {validEvaluation, []mutation{set(threshold("disparateImpact", nil), spec("thresholds")...)},
			"needs columns.privileged for its attribute"},
		"threshold on an attribute that is not protected": {validEvaluation, []mutation{set(threshold("demographicParityDifference",
			map[string]any{"attribute": "sexx"}), spec("thresholds")...)}, "a threshold's attribute must be one of columns.protected"},
		"population method on a group metric": {validEvaluation, []mutation{set(threshold("demographicParityDifference",
			map[string]any{"method": "population"}), spec("thresholds")...)}, "method population is for generalizedEntropyIndex and theilIndex only"},
		"empty protected column": {validEvaluation, []mutation{set([]any{""}, spec("columns", "protected")...)},
			"spec.columns.protected[0] in body should be at least 1 chars long"},
		"ConfigMap name with a slash": {validEvaluation, []mutation{del(spec("source", "builtin")...),
			set(map[string]any{"name": "a/b", "key": "preds.csv"}, spec("source", "configMap")...)}, "spec.source.configMap.name in body should match"},
		"header Secret name with a slash": {validEvaluation, []mutation{del(spec("source", "builtin")...),
			set(map[string]any{"url": "https://example.com/p.csv", "headersSecretRef": map[string]any{"name": "../x"}}, spec("source", "url")...)},
			"spec.source.url.headersSecretRef.name in body should match"},
		"escalation to a target that is not configured": {validEvaluation, []mutation{set(policy(map[string]any{
			"escalation": []any{map[string]any{"after": "5m", "target": "nobody"}}}), spec("incidentPolicy")...)},
			"every escalation step's target must name one of notifications"},
		"acknowledged by blanks": {validIncident, []mutation{set("Acknowledged", spec("state")...), set("   ", spec("acknowledgedBy")...)},
			"needs an acknowledgedBy that is not blank"},
		"resolved with a blank note": {validIncident, []mutation{set("Resolved", spec("state")...), set(" \n ", spec("resolutionNote")...)},
			"needs a resolutionNote that is not blank"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			obj := decode(t, []byte(c.base))
			obj.SetNamespace(ns)
			obj.SetName(strings.NewReplacer(" ", "-").Replace(name))
			for _, m := range c.create {
				m(obj.Object)
			}
			err := k8s.Create(context.Background(), obj, client.FieldValidation("Strict"))
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("got %v, want refusal containing %q", err, c.wantErr)
			}
		})
	}
	// The same rules accept what is valid: zero after (fires at the deadline),
	// a privileged threshold with its group, the intersection by name.
	obj := decode(t, []byte(validEvaluation))
	obj.SetNamespace(ns)
	obj.SetName("valid-edges")
	set([]any{"sex", "age"}, spec("columns", "protected")...)(obj.Object)
	set([]any{map[string]any{"attribute": "sex", "values": []any{"male"}}}, spec("columns", "privileged")...)(obj.Object)
	set(append(threshold("disparateImpact", map[string]any{"attribute": "sex"}),
		threshold("demographicParityDifference", map[string]any{"attribute": "sex&age"})...), spec("thresholds")...)(obj.Object)
	set(policy(map[string]any{"escalation": []any{map[string]any{"after": "0s", "target": "x"}},
		"acknowledgeWithin": map[string]any{"sev1": "90s", "sev4": "168h"}}), spec("incidentPolicy")...)(obj.Object)
	if err := k8s.Create(context.Background(), obj, client.FieldValidation("Strict")); err != nil {
		t.Fatalf("valid edges refused: %v", err)
	}
}

// TestQuickStateChangesWaitForTheOperator: a person's second state change
// is refused until the operator has handled the first (status.handledState),
// so the timeline can never lose a step (before, Acknowledged -> Open ->
// Resolved in quick edits recorded only Acknowledged -> Resolved). No
// manager runs here: the test writes status as the operator would.
func TestQuickStateChangesWaitForTheOperator(t *testing.T) {
	ctx := context.Background()
	k8s := typedClient(t)
	ns := createNamespace(t, "quick-edits")
	in := &fairnessv1alpha1.BiasIncident{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "quick"},
		Spec: fairnessv1alpha1.BiasIncidentSpec{EvaluationRef: fairnessv1alpha1.LocalObjectReference{Name: "credit"}}}
	if err := k8s.Create(ctx, in); err != nil {
		t.Fatal(err)
	}
	handled := func(s fairnessv1alpha1.IncidentState) {
		t.Helper()
		in.Status.State, in.Status.HandledState = s, s
		if err := k8s.Status().Update(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	change := func(s fairnessv1alpha1.IncidentState) error {
		in.Spec.State, in.Spec.AcknowledgedBy, in.Spec.ResolutionNote = s, "alice", "retrained"
		return k8s.Update(ctx, in)
	}
	handled(fairnessv1alpha1.IncidentOpen)
	if err := change(fairnessv1alpha1.IncidentAcknowledged); err != nil {
		t.Fatalf("first change refused: %v", err)
	}
	err := change(fairnessv1alpha1.IncidentResolved)
	if err == nil || !strings.Contains(err.Error(), "the change to Acknowledged is not handled by the operator yet") {
		t.Fatalf("second change before the operator handled the first: %v", err)
	}
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(in), in); err != nil {
		t.Fatal(err)
	}
	handled(fairnessv1alpha1.IncidentAcknowledged)
	if err := change(fairnessv1alpha1.IncidentResolved); err != nil {
		t.Fatalf("change after the operator handled the first: %v", err)
	}
}
