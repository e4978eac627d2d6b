// Package tools tests the hack/ scripts that build and cache the tools the
// tests run.
package tools

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/fairness-operator/fairness-operator/test/envtestutil"
)

// fakeGo is a go command that "builds" by writing a file after a pause
// (so that concurrent builders overlap) and counts its builds.
const fakeGo = `#!/bin/sh
out=""
while [ $# -gt 0 ]; do
  if [ "$1" = "-o" ]; then out="$2"; shift; fi
  shift
done
sleep 1
echo built >> "$FAKE_GO_COUNT"
printf '#!/bin/sh\necho fake\n' > "$out"
`

// Two builds of the same binary at once: both succeed, the binary is built
// once (the second waits for the lock, then finds it), and no temporary
// file is left behind. Before the lock and unique names, both wrote
// $DEST/$b.tmp and one failed with "mv: cannot stat".
func TestConcurrentControlPlaneBuildsDoNotCollide(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	if err := os.MkdirAll(bin, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "go"), []byte(fakeGo), 0o700); err != nil { //nolint:gosec // a test script
		t.Fatal(err)
	}
	count := filepath.Join(dir, "count")
	cache := filepath.Join(dir, "cache")
	script := filepath.Join(envtestutil.RepoRoot(), "hack", "build-controlplane.sh")
	var wg sync.WaitGroup
	outs := make([][]byte, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Go(func() {
			cmd := exec.Command("bash", script, "etcd", "kubelet")
			cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
				"FAIRNESS_CACHE_DIR="+cache, "FAIRNESS_SKIP_SETUP_ENVTEST=1", "FAKE_GO_COUNT="+count)
			outs[i], errs[i] = cmd.CombinedOutput()
		})
	}
	wg.Wait()
	for i := range 2 {
		if errs[i] != nil {
			t.Fatalf("build %d: %v\n%s", i, errs[i], outs[i])
		}
	}
	built, err := os.ReadFile(count)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(built), "built"); n != 2 { // etcd and kubelet, once each
		t.Fatalf("%d builds for two binaries, want 2", n)
	}
	dest := filepath.Join(cache, "controlplane", "v"+envtestutil.KubernetesVersion)
	entries, err := os.ReadDir(dest)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	for _, want := range []string{"etcd", "kubelet"} {
		if st, err := os.Stat(filepath.Join(dest, want)); err != nil || st.Mode()&0o111 == 0 {
			t.Fatalf("%s not built executable: %v (folder: %v)", want, err, names)
		}
	}
	for _, n := range names {
		if strings.HasPrefix(n, ".etcd.") || strings.HasPrefix(n, ".kubelet.") || strings.HasSuffix(n, ".tmp") {
			t.Fatalf("temporary file %s left in %s", n, dest)
		}
	}
}
