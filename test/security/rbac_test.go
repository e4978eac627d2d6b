// Package security checks the operator's privileges: the manager's RBAC
// grants nothing beyond a reviewed allow-list.
package security

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"

	"github.com/fairness-operator/fairness-operator/test/envtestutil"
)

type allowed struct {
	Group    string   `json:"group"`
	Resource string   `json:"resource"`
	Verbs    []string `json:"verbs"`
}

func TestManagerRoleStaysWithinTheAllowList(t *testing.T) {
	root := envtestutil.RepoRoot()
	data, err := os.ReadFile(filepath.Join(root, "config", "rbac", "role.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var role rbacv1.ClusterRole
	if err := yaml.Unmarshal(data, &role); err != nil {
		t.Fatal(err)
	}
	data, err = os.ReadFile("rbac_allowlist.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var list []allowed
	if err := yaml.Unmarshal(data, &list); err != nil {
		t.Fatal(err)
	}
	permitted := func(group, resource, verb string) bool {
		for _, a := range list {
			if a.Group == group && a.Resource == resource && slices.Contains(a.Verbs, verb) {
				return true
			}
		}
		return false
	}
	if len(role.Rules) == 0 {
		t.Fatal("the manager role has no rules")
	}
	for _, r := range role.Rules {
		if len(r.NonResourceURLs) > 0 || len(r.ResourceNames) > 0 {
			t.Errorf("unexpected rule shape %+v", r)
		}
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				for _, v := range r.Verbs {
					switch {
					case g == "*" || res == "*" || v == "*":
						t.Errorf("wildcard in %+v", r)
					case v == "escalate" || v == "bind" || v == "impersonate":
						t.Errorf("verb %s on %s/%s", v, g, res)
					case !permitted(g, res, v):
						t.Errorf("%s on %q/%s is not in the allow-list", v, g, res)
					}
				}
			}
		}
	}
}
