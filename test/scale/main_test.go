// Package scale holds the scale benchmarks of docs/benchmarks.md. They run
// only with -bench (each starts its own local control plane):
//
//	make bench-controller  # 1,000 and 5,000 evaluations, fake fast runner
//	make bench-storm       # 1,000 evaluations breaching at once
//	make bench-shards      # a 100,000,000-row log, shards 1, 2, 4, 8
//
// Figures are reported as benchmark metrics, so benchstat compares runs.
package scale

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/fairness-operator/fairness-operator/test/envtestutil"
	"github.com/fairness-operator/fairness-operator/test/localcluster"
)

var binDir string

func TestMain(m *testing.M) {
	flag.Parse()
	if f := flag.Lookup("test.bench"); f == nil || f.Value.String() == "" {
		os.Exit(m.Run()) // no benchmark asked for: nothing to set up
	}
	ctrl.SetLogger(logr.Discard())
	var err error
	if binDir, err = os.MkdirTemp("", "fairness-scale-bin"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := func() int {
		defer func() { _ = os.RemoveAll(binDir) }()
		for bin, pkg := range map[string]string{"fairctl": "./cmd/fairctl", "manager": "./cmd/main.go"} {
			build := exec.Command("go", "build", "-o", filepath.Join(binDir, bin), pkg)
			build.Dir = envtestutil.RepoRoot()
			if out, err := build.CombinedOutput(); err != nil {
				fmt.Fprintf(os.Stderr, "building %s: %v\n%s", pkg, err, out)
				return 1
			}
		}
		return m.Run()
	}()
	os.Exit(code)
}

// startCluster starts a local control plane for one benchmark.
func startCluster(b *testing.B, fast func(*corev1.Pod) (int32, string)) *localcluster.Cluster {
	b.Helper()
	dir := b.TempDir()
	c, err := localcluster.Start(context.Background(), localcluster.Options{Dir: dir,
		Fairctl: filepath.Join(binDir, "fairctl"), FastRunner: fast})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(c.Stop)
	return c
}

// fastClient is a client without client-go's default 5 requests/second,
// for creating thousands of objects.
func fastClient(b *testing.B, c *localcluster.Cluster) client.Client {
	b.Helper()
	cfg := *c.Config
	cfg.QPS, cfg.Burst = 2000, 4000
	cl, err := client.New(&cfg, client.Options{Scheme: c.Scheme})
	if err != nil {
		b.Fatal(err)
	}
	return cl
}

// intsFromEnv reads a comma-separated list of counts, or the default.
func intsFromEnv(name string, def ...int) []int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	var out []int
	for f := range strings.SplitSeq(v, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && n > 0 {
			out = append(out, n)
		}
	}
	return out
}
