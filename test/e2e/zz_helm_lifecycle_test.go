package e2e

// These run last (go test runs files in name order): they upgrade and then
// uninstall the release the other tests use.

import (
	"context"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
)

// `helm upgrade` replaces the manager's pod; evaluations and incidents stay
// as they were (same objects, no second incident), and the new manager runs
// new evaluations.
func TestHelmUpgradeKeepsEvaluationsAndIncidents(t *testing.T) {
	ctx := context.Background()
	ns := namespace(t, "upgrade")
	before := evaluation(ns, "before", 1, 0.3)
	if err := k8s().Create(ctx, before); err != nil {
		t.Fatal(err)
	}
	waitForResult(t, before, fairnessv1alpha1.RunSucceeded, 2*time.Minute)
	incident := incidentsIn(t, ns)
	if len(incident) != 1 {
		t.Fatalf("%d incidents before the upgrade, want 1", len(incident))
	}
	oldPod := managerPod(t)
	if out, err := helmInstall("upgrade", "workers.evaluations=2"); err != nil {
		t.Fatalf("helm upgrade: %v\n%s", err, out)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		p := managerPod(t)
		var d appsv1.Deployment
		if err := k8s().Get(ctx, client.ObjectKey{Namespace: releaseNS, Name: releaseName}, &d); err != nil {
			t.Fatal(err)
		}
		if p.UID != oldPod.UID && d.Status.UpdatedReplicas == 1 && d.Status.AvailableReplicas == 1 && d.Status.Replicas == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the upgrade did not replace the manager's pod: %+v", d.Status)
		}
		time.Sleep(500 * time.Millisecond)
	}
	after := evaluation(ns, "after", 1, 0)
	if err := k8s().Create(ctx, after); err != nil {
		t.Fatal(err)
	}
	waitForResult(t, after, fairnessv1alpha1.RunSucceeded, 2*time.Minute)
	var kept fairnessv1alpha1.FairnessEvaluation
	if err := k8s().Get(ctx, client.ObjectKeyFromObject(before), &kept); err != nil {
		t.Fatal(err)
	}
	if kept.UID != before.UID || kept.Status.LastRun == nil || kept.Status.LastRun.ID != before.Status.LastRun.ID {
		t.Fatalf("the evaluation changed over the upgrade: %+v", kept.Status.LastRun)
	}
	if got := incidentsIn(t, ns); len(got) != 1 || got[0] != incident[0] {
		t.Fatalf("incidents after the upgrade %v, before %v", got, incident)
	}
}

func incidentsIn(t *testing.T, ns string) []types.UID {
	t.Helper()
	var list fairnessv1alpha1.BiasIncidentList
	if err := k8s().List(context.Background(), &list, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	var uids []types.UID
	for _, in := range list.Items {
		uids = append(uids, in.UID)
	}
	return uids
}

// `helm uninstall` removes the manager and its RBAC but keeps the CRDs
// (crds.keep, the default) and so every evaluation and incident.
func TestHelmUninstallKeepsCRDsAndObjects(t *testing.T) {
	ctx := context.Background()
	var evals fairnessv1alpha1.FairnessEvaluationList
	if err := k8s().List(ctx, &evals); err != nil {
		t.Fatal(err)
	}
	var incidents fairnessv1alpha1.BiasIncidentList
	if err := k8s().List(ctx, &incidents); err != nil {
		t.Fatal(err)
	}
	if len(evals.Items) == 0 || len(incidents.Items) == 0 {
		t.Fatalf("%d evaluations and %d incidents before uninstalling: nothing to keep", len(evals.Items), len(incidents.Items))
	}
	if out, err := runCommand(helm, "uninstall", releaseName, "--kubeconfig", cluster.Kubeconfig, "-n", releaseNS, "--wait"); err != nil {
		t.Fatalf("helm uninstall: %v\n%s", err, out)
	}
	var d appsv1.Deployment
	if err := k8s().Get(ctx, client.ObjectKey{Namespace: releaseNS, Name: releaseName}, &d); !apierrors.IsNotFound(err) {
		t.Fatalf("the manager Deployment after uninstall: %v", err)
	}
	for _, name := range []string{"fairnessevaluations.fairness.dev", "biasincidents.fairness.dev"} {
		var crd apiextensionsv1.CustomResourceDefinition
		if err := k8s().Get(ctx, client.ObjectKey{Name: name}, &crd); err != nil {
			t.Fatalf("CRD %s after uninstall: %v", name, err)
		}
	}
	var evalsAfter fairnessv1alpha1.FairnessEvaluationList
	if err := k8s().List(ctx, &evalsAfter); err != nil {
		t.Fatal(err)
	}
	var incidentsAfter fairnessv1alpha1.BiasIncidentList
	if err := k8s().List(ctx, &incidentsAfter); err != nil {
		t.Fatal(err)
	}
	if len(evalsAfter.Items) != len(evals.Items) || len(incidentsAfter.Items) != len(incidents.Items) {
		t.Fatalf("uninstall left %d of %d evaluations and %d of %d incidents", len(evalsAfter.Items), len(evals.Items),
			len(incidentsAfter.Items), len(incidents.Items))
	}
}
