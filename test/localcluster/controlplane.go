package localcluster

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"time"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/fairness-operator/fairness-operator/test/envtestutil"
)

// The cluster's Service range; the API server's own Service gets its first
// address, which kube-proxy sends to the API server on a real node.
const (
	serviceCIDR      = "10.0.0.0/24"
	apiServiceIP     = "10.0.0.1"
	serviceAccountIs = "https://kubernetes.default.svc.cluster.local"
	loopback         = "127.0.0.1"
)

// startControlPlane starts etcd and kube-apiserver with the cluster's own
// certificate authority: client-certificate authentication, Node and RBAC
// authorization with NodeRestriction, signed ServiceAccount tokens. The API
// server listens on bindIP; with advertise it also publishes itself as the
// kubernetes Service (so pods reach it through kube-proxy).
func (c *Cluster) startControlPlane(ctx context.Context, assets, bindIP string, advertise bool) error {
	etcdPort, peerPort, apiPort, err := freePorts3()
	if err != nil {
		return err
	}
	c.etcdURL = "http://127.0.0.1:" + strconv.Itoa(etcdPort)
	peer := "http://127.0.0.1:" + strconv.Itoa(peerPort)
	if err := c.startProcess(filepath.Join(assets, "etcd"), "etcd.log",
		"--name=local", "--data-dir="+filepath.Join(c.opts.Dir, "etcd"),
		"--listen-client-urls="+c.etcdURL, "--advertise-client-urls="+c.etcdURL,
		"--listen-peer-urls="+peer, "--initial-advertise-peer-urls="+peer, "--initial-cluster=local="+peer,
		"--unsafe-no-fsync=true", "--log-level=warn"); err != nil {
		return err
	}
	p := c.pki
	hosts := []string{"localhost", loopback, bindIP, apiServiceIP, "kubernetes", "kubernetes.default",
		"kubernetes.default.svc", "kubernetes.default.svc.cluster.local"}
	for _, cert := range []struct {
		name, cn string
		orgs     []string
		hosts    []string
	}{
		{"apiserver", "kube-apiserver", nil, hosts},
		{"admin", "admin", []string{"system:masters"}, nil},
		// The control-plane components run with full rights: this harness
		// tests the operator's RBAC and the node's, not theirs.
		{"controller-manager", "system:kube-controller-manager", []string{"system:masters"}, nil},
		{"scheduler", "system:kube-scheduler", []string{"system:masters"}, nil},
		{"apiserver-kubelet-client", "kube-apiserver-kubelet-client", []string{"system:masters"}, nil},
		{"kube-proxy", "system:kube-proxy", nil, nil},
		{"node", "system:node:" + NodeName, []string{"system:nodes"}, nil},
	} {
		if err := p.issue(cert.name, cert.cn, cert.orgs, cert.hosts...); err != nil {
			return err
		}
	}
	c.apiURL = "https://" + net.JoinHostPort(bindIP, strconv.Itoa(apiPort))
	args := []string{
		"--etcd-servers=" + c.etcdURL, "--bind-address=" + bindIP, "--secure-port=" + strconv.Itoa(apiPort),
		"--cert-dir=" + filepath.Join(c.opts.Dir, "apiserver-certs"),
		"--tls-cert-file=" + p.path("apiserver.crt"), "--tls-private-key-file=" + p.path("apiserver.key"),
		"--client-ca-file=" + p.path("ca.crt"),
		"--service-account-key-file=" + p.path("sa.pub"), "--service-account-signing-key-file=" + p.path("sa.key"),
		"--service-account-issuer=" + serviceAccountIs,
		"--authorization-mode=Node,RBAC", "--enable-admission-plugins=NodeRestriction",
		"--service-cluster-ip-range=" + serviceCIDR,
		"--kubelet-client-certificate=" + p.path("apiserver-kubelet-client.crt"),
		"--kubelet-client-key=" + p.path("apiserver-kubelet-client.key"),
		"--kubelet-preferred-address-types=InternalIP",
		"--max-requests-inflight=2000", "--max-mutating-requests-inflight=1000",
	}
	if advertise {
		args = append(args, "--advertise-address="+bindIP)
	} else {
		// A loopback address cannot be published as the kubernetes Service.
		args = append(args, "--endpoint-reconciler-type=none")
	}
	if err := c.startProcess(filepath.Join(assets, "kube-apiserver"), "kube-apiserver.log", args...); err != nil {
		return err
	}
	if c.Kubeconfig, err = p.kubeconfig("admin", c.apiURL); err != nil {
		return err
	}
	c.Config = &rest.Config{Host: c.apiURL, QPS: 1000, Burst: 2000, TLSClientConfig: rest.TLSClientConfig{
		CAFile: p.path("ca.crt"), CertFile: p.path("admin.crt"), KeyFile: p.path("admin.key")}}
	if err := c.waitReady(ctx, time.Minute); err != nil {
		return err
	}
	if c.opts.ChartInstallsCRDs {
		return nil
	}
	_, err = envtest.InstallCRDs(c.Config, envtest.CRDInstallOptions{
		Paths: []string{filepath.Join(envtestutil.RepoRoot(), "config", "crd", "bases")}, ErrorIfPathMissing: true})
	return err
}

// waitReady polls the API server's /readyz.
func (c *Cluster) waitReady(ctx context.Context, timeout time.Duration) error {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(c.pki.CAPEM())
	cert, err := tls.LoadX509KeyPair(c.pki.path("admin.crt"), c.pki.path("admin.key"))
	if err != nil {
		return err
	}
	httpClient := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}}}
	defer httpClient.CloseIdleConnections()
	u, _ := url.JoinPath(c.apiURL, "readyz")
	deadline := time.Now().Add(timeout)
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return err
		}
		resp, err := httpClient.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("kube-apiserver not ready after %v (log: %s): %v", timeout,
				filepath.Join(c.opts.Dir, "kube-apiserver.log"), err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// freePorts3 finds three free loopback ports at once (held open together so
// they differ).
func freePorts3() (int, int, int, error) {
	var ports [3]int
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			_ = l.Close()
		}
	}()
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, 0, 0, err
		}
		listeners = append(listeners, l)
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	return ports[0], ports[1], ports[2], nil
}
