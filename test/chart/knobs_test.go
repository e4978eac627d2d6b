package chart

import (
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// renderDocs renders the chart with the given --set flags and splits it
// into objects by kind/name.
func renderDocs(t *testing.T, sets ...string) map[string]map[string]any {
	t.Helper()
	args := []string{"template", "fo", chartDir, "-n", "fairness-system"}
	for _, s := range sets {
		args = append(args, "--set", s)
	}
	out, err := runCmd(t, helm, args...)
	if err != nil {
		t.Fatalf("helm template %v: %v\n%s", sets, err, out)
	}
	docs := map[string]map[string]any{}
	for doc := range strings.SplitSeq(out, "\n---\n") {
		var obj map[string]any
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil || obj == nil {
			continue
		}
		meta, _ := obj["metadata"].(map[string]any)
		docs[obj["kind"].(string)+"/"+meta["name"].(string)] = obj
	}
	return docs
}

func field(obj map[string]any, path ...string) any {
	var cur any = obj
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[p]
	}
	return cur
}

func podSpec(t *testing.T, docs map[string]map[string]any, name string) map[string]any {
	t.Helper()
	d := docs["Deployment/"+name]
	if d == nil {
		t.Fatalf("no Deployment %s in %v", name, keys(docs))
	}
	return field(d, "spec", "template", "spec").(map[string]any)
}

func keys(m map[string]map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// Each knob a chart user expects renders where it should.
func TestChartKnobs(t *testing.T) {
	defaults := renderDocs(t)
	spec := podSpec(t, defaults, "fo-fairness-operator")
	if spec["serviceAccountName"] != "fo-fairness-operator" || defaults["ServiceAccount/fo-fairness-operator"] == nil {
		t.Fatalf("default service account: %v", spec["serviceAccountName"])
	}
	if field(spec, "securityContext", "runAsNonRoot") != true || field(spec, "securityContext", "seccompProfile", "type") != "RuntimeDefault" {
		t.Fatalf("default pod security context: %v", spec["securityContext"])
	}
	container := spec["containers"].([]any)[0].(map[string]any)
	if field(container, "securityContext", "readOnlyRootFilesystem") != true ||
		field(container, "securityContext", "allowPrivilegeEscalation") != false {
		t.Fatalf("default container security context: %v", container["securityContext"])
	}
	for _, absent := range []string{"PodDisruptionBudget/fo-fairness-operator", "NetworkPolicy/fo-fairness-operator"} {
		if defaults[absent] != nil {
			t.Errorf("default rendering has %s", absent)
		}
	}
	view, edit := defaults["ClusterRole/fo-fairness-operator-view"], defaults["ClusterRole/fo-fairness-operator-edit"]
	if field(view, "metadata", "labels", "rbac.authorization.k8s.io/aggregate-to-view") != "true" ||
		field(edit, "metadata", "labels", "rbac.authorization.k8s.io/aggregate-to-edit") != "true" ||
		field(edit, "metadata", "labels", "rbac.authorization.k8s.io/aggregate-to-admin") != "true" {
		t.Fatalf("aggregated roles: view %v edit %v", view, edit)
	}

	set := renderDocs(t, "fullnameOverride=credit-fairness", "serviceAccount.name=fairness-sa",
		"serviceAccount.annotations.eks\\.amazonaws\\.com/role-arn=arn:aws:iam::111122223333:role/fairness",
		"podSecurityContext.runAsUser=65532", "securityContext.readOnlyRootFilesystem=true", "priorityClassName=system-cluster-critical",
		"podDisruptionBudget.enabled=true", "podDisruptionBudget.minAvailable=1", "networkPolicy.enabled=true",
		"rbac.aggregatedRoles=false", "serviceMonitor.enabled=true", "image.tag=v1.2.3")
	spec = podSpec(t, set, "credit-fairness")
	sa := set["ServiceAccount/fairness-sa"]
	if spec["serviceAccountName"] != "fairness-sa" || field(sa, "metadata", "annotations", "eks.amazonaws.com/role-arn") !=
		"arn:aws:iam::111122223333:role/fairness" {
		t.Fatalf("service account name and annotations: %v %v", spec["serviceAccountName"], sa)
	}
	binding := set["ClusterRoleBinding/credit-fairness-manager"]
	if subjects := field(binding, "subjects").([]any); field(subjects[0].(map[string]any), "name") != "fairness-sa" {
		t.Fatalf("the manager's binding does not name the service account: %v", subjects)
	}
	if field(spec, "securityContext", "runAsUser") != float64(65532) || spec["priorityClassName"] != "system-cluster-critical" {
		t.Fatalf("pod security context %v, priority class %v", spec["securityContext"], spec["priorityClassName"])
	}
	pdb := set["PodDisruptionBudget/credit-fairness"]
	if field(pdb, "spec", "minAvailable") != float64(1) || field(pdb, "spec", "selector", "matchLabels", "control-plane") != "controller-manager" {
		t.Fatalf("PodDisruptionBudget: %v", pdb)
	}
	np := set["NetworkPolicy/credit-fairness"]
	if field(np, "spec", "podSelector", "matchLabels", "control-plane") != "controller-manager" ||
		!strings.Contains(fmtYAML(t, np), "metrics: enabled") {
		t.Fatalf("NetworkPolicy: %v", np)
	}
	if set["ClusterRole/credit-fairness-view"] != nil {
		t.Error("rbac.aggregatedRoles=false still renders the view role")
	}
	// The ServiceMonitor selects the metrics Service by labels an upgrade
	// does not change (not the version or chart labels).
	sm := set["ServiceMonitor/credit-fairness"]
	sel := field(sm, "spec", "selector", "matchLabels").(map[string]any)
	svc := set["Service/credit-fairness-metrics"]
	svcLabels := field(svc, "metadata", "labels").(map[string]any)
	for k, v := range sel {
		if svcLabels[k] != v {
			t.Errorf("ServiceMonitor selects %s=%v, the Service has %v", k, v, svcLabels[k])
		}
		if k == "app.kubernetes.io/version" || k == "helm.sh/chart" {
			t.Errorf("ServiceMonitor selects on %s, which changes on upgrade", k)
		}
	}
	if _, err := runCmd(t, helm, "template", "fo", chartDir, "--set", "serviceAccount.create=false"); err == nil {
		t.Error("serviceAccount.create=false without a name was accepted")
	}
	noSA := renderDocs(t, "serviceAccount.create=false", "serviceAccount.name=existing")
	if noSA["ServiceAccount/existing"] != nil || podSpec(t, noSA, "fo-fairness-operator")["serviceAccountName"] != "existing" {
		t.Error("serviceAccount.create=false: the chart must use, not create, the named account")
	}
}

func fmtYAML(t *testing.T, obj map[string]any) string {
	t.Helper()
	b, err := yaml.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Evaluation pods' ServiceAccounts for workload identity: created in their
// namespaces with the cloud's annotations and no API token.
func TestEvaluationServiceAccounts(t *testing.T) {
	docs := renderDocs(t, "evaluationServiceAccounts[0].namespace=credit-risk",
		"evaluationServiceAccounts[0].name=loans-log-reader",
		`evaluationServiceAccounts[0].annotations.eks\.amazonaws\.com/role-arn=arn:aws:iam::123456789012:role/reader`)
	sa := docs["ServiceAccount/loans-log-reader"]
	if sa == nil {
		t.Fatalf("no evaluation ServiceAccount in %v", keys(docs))
	}
	if field(sa, "metadata", "namespace") != "credit-risk" || sa["automountServiceAccountToken"] != false ||
		field(sa, "metadata", "annotations", "eks.amazonaws.com/role-arn") != "arn:aws:iam::123456789012:role/reader" {
		t.Fatalf("ServiceAccount %v", sa)
	}
	if _, ok := renderDocs(t)["ServiceAccount/loans-log-reader"]; ok {
		t.Fatal("rendered by default")
	}
}
