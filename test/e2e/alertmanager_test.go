package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
	"github.com/fairness-operator/fairness-operator/test/envtestutil"
)

// startAlertmanager runs a real Alertmanager (built from its Go module by
// hack/build-alertmanager.sh) on the node's host address, where the
// manager's pod reaches it.
func startAlertmanager(t *testing.T) string {
	t.Helper()
	bin, err := envtestutil.BuildTool("build-alertmanager.sh")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "alertmanager.yml")
	if err := os.WriteFile(cfg, []byte("route:\n  receiver: none\nreceivers:\n- name: none\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := cluster.Listen()
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	am := exec.Command(bin, "--config.file="+cfg, "--storage.path="+dir, "--web.listen-address="+addr, "--cluster.listen-address=")
	logs, _ := os.Create(filepath.Join(dir, "alertmanager.log"))
	am.Stdout, am.Stderr = logs, logs
	if err := am.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = am.Process.Kill(); _ = am.Wait() })
	url := "http://" + addr
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(url + "/-/ready")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return url
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("alertmanager not ready at %s", url)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

type amAlert struct {
	Labels map[string]string `json:"labels"`
	Status struct {
		State string `json:"state"`
	} `json:"status"`
}

func alertsFor(t *testing.T, url, incident string) []amAlert {
	t.Helper()
	resp, err := http.Get(url + "/api/v2/alerts?filter=" + fmt.Sprintf("incident=%q", incident))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var alerts []amAlert
	if err := json.NewDecoder(resp.Body).Decode(&alerts); err != nil {
		t.Fatal(err)
	}
	return alerts
}

// An incident shows up as an alert in a real Alertmanager, and the alert
// resolves when the incident does. The Alertmanager URL is in a Secret that
// the manager reads under the chart's RBAC (get, no list or watch): a read
// through the cache never synced and left the delivery Pending forever.
func TestIncidentAlertsInAlertmanager(t *testing.T) {
	url := startAlertmanager(t)
	ctx := context.Background()
	ns := namespace(t, "alerting")
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "am"}, Data: map[string][]byte{"url": []byte(url)}}
	if err := k8s().Create(ctx, secret); err != nil {
		t.Fatal(err)
	}
	eval := evaluation(ns, "alerting", 1, 0.3)
	eval.Spec.IncidentPolicy = &fairnessv1alpha1.IncidentPolicy{Notifications: []fairnessv1alpha1.NotificationTarget{{
		Name: "alertmanager", Kind: fairnessv1alpha1.NotificationAlertmanager, OnOpen: true,
		URLSecretRef: fairnessv1alpha1.SecretKeyReference{Name: "am", Key: "url"}}}}
	if err := k8s().Create(ctx, eval); err != nil {
		t.Fatal(err)
	}
	waitForResult(t, eval, fairnessv1alpha1.RunSucceeded, 2*time.Minute)
	name := eval.Status.IncidentRef.Name
	wait := func(what string, cond func([]amAlert) bool) {
		t.Helper()
		deadline := time.Now().Add(time.Minute)
		for {
			alerts := alertsFor(t, url, name)
			if cond(alerts) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("Alertmanager: %s; alerts %+v", what, alerts)
			}
			time.Sleep(250 * time.Millisecond)
		}
	}
	wait("the incident's alert firing", func(a []amAlert) bool {
		return len(a) == 1 && a[0].Status.State == "active" && a[0].Labels["severity"] == "sev2" &&
			a[0].Labels["evaluation"] == "alerting" && a[0].Labels["category"] == "Bias"
	})
	var in fairnessv1alpha1.BiasIncident
	if err := k8s().Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &in); err != nil {
		t.Fatal(err)
	}
	before := in.DeepCopy()
	in.Spec.State, in.Spec.ResolutionNote = fairnessv1alpha1.IncidentResolved, "threshold policy reviewed"
	if err := k8s().Patch(ctx, &in, client.MergeFrom(before)); err != nil {
		t.Fatal(err)
	}
	// Resolved alerts leave the list of active alerts.
	wait("the alert resolved", func(a []amAlert) bool { return len(a) == 0 })
}
