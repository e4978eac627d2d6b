// Package envtestutil starts a real kube-apiserver and etcd for tests, from
// the binaries that hack/build-controlplane.sh builds or downloads.
//
// Tests never skip for lack of binaries: `make test` builds them first, and a
// direct `go test` without them fails with the command to run.
package envtestutil

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"

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
