package e2e

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TestMain installed the operator with `helm install`: its manager runs in a
// container of the image the suite built, under the chart's ServiceAccount,
// with in-cluster configuration and the chart's probes.
func TestManagerRunsAsTheChartsDeployment(t *testing.T) {
	ctx := context.Background()
	var d appsv1.Deployment
	if err := k8s().Get(ctx, client.ObjectKey{Namespace: releaseNS, Name: releaseName}, &d); err != nil {
		t.Fatal(err)
	}
	if d.Status.AvailableReplicas != 1 {
		t.Fatalf("the manager Deployment is not available: %+v", d.Status)
	}
	pod := managerPod(t)
	if pod.Spec.ServiceAccountName != releaseName || pod.Spec.NodeName == "" {
		t.Fatalf("manager pod %s: service account %q, node %q", pod.Name, pod.Spec.ServiceAccountName, pod.Spec.NodeName)
	}
	st := pod.Status.ContainerStatuses
	if len(st) != 1 || !st[0].Ready || st[0].Image != operatorImage || !strings.HasPrefix(st[0].ContainerID, "containerd://") {
		t.Fatalf("manager container status %+v", st)
	}
	c := pod.Spec.Containers[0]
	if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet.Path != "/readyz" || c.LivenessProbe.HTTPGet.Path != "/healthz" {
		t.Fatalf("probes %+v %+v", c.ReadinessProbe, c.LivenessProbe)
	}
	// kubectl describe shows the image `make image` builds.
	out, err := kubectl("describe", "pod", "-n", releaseNS, pod.Name)
	if err != nil || !regexp.MustCompile(`(?m)^\s+Image:\s+`+regexp.QuoteMeta(operatorImage)+`$`).Match(out) {
		t.Fatalf("kubectl describe pod: %v\n%s", err, out)
	}
}

func managerPod(t *testing.T) corev1.Pod {
	t.Helper()
	var pods corev1.PodList
	if err := k8s().List(context.Background(), &pods, client.InNamespace(releaseNS),
		client.MatchingLabels{"app.kubernetes.io/name": "fairness-operator"}); err != nil {
		t.Fatal(err)
	}
	for _, p := range pods.Items {
		if p.DeletionTimestamp == nil && p.Status.Phase == corev1.PodRunning {
			return p
		}
	}
	t.Fatalf("no running manager pod among %d", len(pods.Items))
	return corev1.Pod{}
}

// The manager's metrics are served through the chart's Service, behind the
// API server's authentication and authorization: a ServiceAccount allowed to
// get /metrics scrapes them, a request without a token is refused.
func TestMetricsThroughTheChartsService(t *testing.T) {
	ctx := context.Background()
	var svc corev1.Service
	if err := k8s().Get(ctx, client.ObjectKey{Namespace: releaseNS, Name: releaseName + "-metrics"}, &svc); err != nil {
		t.Fatal(err)
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: releaseNS, Name: "scraper"}}
	role := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "e2e-metrics-reader"},
		Rules: []rbacv1.PolicyRule{{NonResourceURLs: []string{"/metrics"}, Verbs: []string{"get"}}}}
	binding := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "e2e-metrics-reader"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.Name},
		Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Namespace: releaseNS, Name: sa.Name}}}
	for _, o := range []client.Object{sa, role, binding} {
		if err := k8s().Create(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	clientset, err := kubernetes.NewForConfig(cluster.Config)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := clientset.CoreV1().ServiceAccounts(releaseNS).CreateToken(ctx, sa.Name, &authenticationv1.TokenRequest{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The manager serves a self-signed certificate unless one is mounted.
	httpClient := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec // the test checks authorization, not the certificate
	url := fmt.Sprintf("https://%s:%d/metrics", svc.Spec.ClusterIP, svc.Spec.Ports[0].Port)
	get := func(token string) (int, string) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := httpClient.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer func() { _ = resp.Body.Close() }()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		code, body := get(tr.Status.Token)
		if code == http.StatusOK && strings.Contains(body, "controller_runtime_reconcile_total") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s with the scraper's token: %d %s", url, code, lastLines(body, 5))
		}
		time.Sleep(time.Second)
	}
	if code, _ := get(""); code != http.StatusUnauthorized && code != http.StatusForbidden {
		t.Fatalf("GET %s without a token: %d, want 401 or 403", url, code)
	}
}
