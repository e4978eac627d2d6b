package api

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
	"github.com/fairness-operator/fairness-operator/internal/cli"
)

func fairctl(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := cli.Execute(append(args, "--kubeconfig", kubeconfig), strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestIncidentCommands runs `fairctl incident` against the real API server.
func TestIncidentCommands(t *testing.T) {
	ns := createNamespace(t, "incident-cli")
	c := typedClient(t)
	ctx := context.Background()
	in := &fairnessv1alpha1.BiasIncident{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "credit-g1"},
		Spec: fairnessv1alpha1.BiasIncidentSpec{EvaluationRef: fairnessv1alpha1.LocalObjectReference{Name: "credit"}}}
	if err := c.Create(ctx, in); err != nil {
		t.Fatal(err)
	}
	now := metav1.Now()
	in.Status = fairnessv1alpha1.BiasIncidentStatus{Severity: fairnessv1alpha1.Severity1, State: fairnessv1alpha1.IncidentOpen,
		OpenedAt: &now, AcknowledgeBy: &metav1.Time{Time: now.Add(15 * time.Minute)}, Channel: "#incident-2026-11-27-0900",
		Breaches: []fairnessv1alpha1.Breach{{Metric: "disparateImpact", Attribute: "race", Group: "Black", Value: 0.61,
			Threshold: 0.8, Severity: fairnessv1alpha1.Severity1}}}
	if err := c.Status().Update(ctx, in); err != nil {
		t.Fatal(err)
	}

	code, out, errOut := fairctl("incident", "list", "-n", ns)
	if code != 0 || !strings.Contains(out, "credit-g1") || !strings.Contains(out, "Sev1") || !strings.Contains(out, "disparateImpact") {
		t.Fatalf("list: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = fairctl("incident", "show", "credit-g1", "-n", ns)
	if code != 0 || !strings.Contains(out, "Severity:    Sev1") || !strings.Contains(out, `"Black"`) ||
		!strings.Contains(out, "kubectl fairness incident ack credit-g1") {
		t.Fatalf("show: exit %d\n%s", code, out)
	}
	if code, _, errOut := fairctl("incident", "ack", "credit-g1", "-n", ns); code != cli.ExitUsage ||
		errOut != "fairctl: ack needs --by (who takes the incident)\n" {
		t.Fatalf("ack without --by: exit %d %q", code, errOut)
	}
	if code, out, errOut := fairctl("incident", "ack", "credit-g1", "-n", ns, "--by", "alice"); code != 0 ||
		out != "biasincident.fairness.dev/credit-g1 acknowledged\n" {
		t.Fatalf("ack: exit %d %q %q", code, out, errOut)
	}
	if err := c.Get(ctx, client.ObjectKeyFromObject(in), in); err != nil || in.Spec.State != fairnessv1alpha1.IncidentAcknowledged ||
		in.Spec.AcknowledgedBy != "alice" {
		t.Fatalf("after ack: %+v %v", in.Spec, err)
	}
	if code, _, errOut := fairctl("incident", "resolve", "credit-g1", "-n", ns); code != cli.ExitUsage ||
		!strings.Contains(errOut, "resolve needs --note") {
		t.Fatalf("resolve without a note: exit %d %q", code, errOut)
	}
	if code, _, errOut := fairctl("incident", "resolve", "credit-g1", "-n", ns, "--note", "retrained with reweighing"); code != 0 {
		t.Fatalf("resolve: exit %d %q", code, errOut)
	}
	if code, _, errOut := fairctl("incident", "reopen", "credit-g1", "-n", ns, "--reason", "bias came back"); code != 0 {
		t.Fatalf("reopen: exit %d %q", code, errOut)
	}
	if code, _, errOut := fairctl("incident", "show", "nope", "-n", ns); code == 0 || !strings.Contains(errOut, "not found") {
		t.Fatalf("show of a missing incident: exit %d %q", code, errOut)
	}
}
