// Package envtestutil starts a real kube-apiserver and etcd for tests, from
// the binaries that hack/build-controlplane.sh builds or downloads.
//
// Tests never skip for lack of binaries: `make test` builds them first, and a
// direct `go test` without them fails with the command to run.
package envtestutil

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// KubernetesVersion is the control-plane version the tests run against; keep
// it in step with hack/build-controlplane.sh.
const KubernetesVersion = "1.37.2"

// RepoRoot is the root of this repository.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// AssetsDir finds the folder holding etcd and kube-apiserver:
// KUBEBUILDER_ASSETS if set, otherwise the cache that hack/build-controlplane.sh fills.
func AssetsDir() (string, error) {
	dir := os.Getenv("KUBEBUILDER_ASSETS")
	if dir == "" {
		cache := os.Getenv("FAIRNESS_CACHE_DIR")
		if cache == "" {
			base, err := os.UserCacheDir()
			if err != nil {
				return "", err
			}
			cache = filepath.Join(base, "fairness-operator")
		}
		dir = filepath.Join(cache, "controlplane", "v"+KubernetesVersion)
	}
	for _, bin := range []string{"etcd", "kube-apiserver"} {
		if _, err := os.Stat(filepath.Join(dir, bin)); err != nil {
			return "", fmt.Errorf("control-plane binary %s not found in %s: run `make controlplane` first", bin, dir)
		}
	}
	return dir, nil
}

// Start starts etcd and kube-apiserver with this repository's CRDs installed.
func Start() (*envtest.Environment, *rest.Config, error) {
	dir, err := AssetsDir()
	if err != nil {
		return nil, nil, err
	}
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join(RepoRoot(), "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		BinaryAssetsDirectory: dir,
	}
	cfg, err := env.Start()
	if err != nil {
		// A failed start (a CRD the API server refuses) leaves etcd and
		// kube-apiserver running: stop them, or they outlive the test.
		if stopErr := env.Stop(); stopErr != nil {
			err = fmt.Errorf("%w (stopping it: %v)", err, stopErr)
		}
		return nil, nil, fmt.Errorf("starting the test control plane: %w", err)
	}
	return env, cfg, nil
}

// WriteKubeconfig writes an admin kubeconfig for env to a file in dir, for
// commands such as kubectl that run as separate processes.
func WriteKubeconfig(env *envtest.Environment, dir string) (string, error) {
	user, err := env.ControlPlane.AddUser(envtest.User{Name: "admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return "", err
	}
	data, err := user.KubeConfig()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "kubeconfig")
	return path, os.WriteFile(path, data, 0o600)
}

// BuildTool runs one of the hack/build-*.sh scripts (which build a tool from
// its Go module, or find it cached) and returns the binary's path.
func BuildTool(script string) (string, error) {
	cmd := exec.Command(filepath.Join(RepoRoot(), "hack", script))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s: %w", script, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// StartWithKubeconfig starts the control plane and writes an admin
// kubeconfig for separate processes (kubectl, helm, fairctl); stop undoes both.
func StartWithKubeconfig() (env *envtest.Environment, cfg *rest.Config, kubeconfig string, stop func(), err error) {
	if env, cfg, err = Start(); err != nil {
		return nil, nil, "", nil, err
	}
	dir, err := os.MkdirTemp("", "fairness-kubeconfig")
	if err != nil {
		_ = env.Stop()
		return nil, nil, "", nil, err
	}
	stop = func() {
		_ = env.Stop()
		_ = os.RemoveAll(dir)
	}
	if kubeconfig, err = WriteKubeconfig(env, dir); err != nil {
		stop()
		return nil, nil, "", nil, err
	}
	return env, cfg, kubeconfig, stop, nil
}

// FreeLoopbackAddr is a loopback address (host:port) nothing listens on
// now, for a server a test starts in another process.
func FreeLoopbackAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}
