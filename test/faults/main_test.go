// Package faults is the fault-injection suite: the manager runs as its own
// process (built with -tags faultinject) against a local control plane and
// is killed at each step of a run, replaced by a standby replica, cut off
// from its API server, and its evaluation pods crash, are OOM-killed, run
// out of time or lose their node. After each fault the suite checks that no
// run, finding or notification was lost or duplicated.
//
// FAULT_REPEAT sets how often each kill point is exercised (default 2;
// `make faults-long` runs 10).
package faults

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/go-logr/logr"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/fairness-operator/fairness-operator/test/envtestutil"
	"github.com/fairness-operator/fairness-operator/test/localcluster"
)

var (
	cluster  *localcluster.Cluster
	manager  string // the manager binary, built with -tags faultinject
	workDir  string
	data     *dataServer
	receiver *hookReceiver
	rootCtx  context.Context
)

func TestMain(m *testing.M) {
	ctrl.SetLogger(logr.Discard())
	os.Exit(run(m))
}

func run(m *testing.M) int {
	var err error
	if workDir, err = os.MkdirTemp("", "fairness-faults"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if os.Getenv("FAIRNESS_E2E_KEEP") == "" {
		defer func() { _ = os.RemoveAll(workDir) }()
	} else {
		fmt.Fprintln(os.Stderr, "faults: keeping", workDir)
	}
	fairctl := filepath.Join(workDir, "fairctl")
	manager = filepath.Join(workDir, "manager")
	builds := [][]string{{"-o", fairctl, "./cmd/fairctl"}, {"-tags", "faultinject", "-o", manager, "./cmd/main.go"}}
	for _, args := range builds {
		build := exec.Command("go", append([]string{"build"}, args...)...)
		build.Dir = envtestutil.RepoRoot()
		if out, err := build.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "go build %v: %v\n%s", args, err, out)
			return 1
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rootCtx = ctx
	data, receiver = newDataServer(), newHookReceiver()
	defer data.Close()
	defer receiver.Close()
	cluster, err = localcluster.Start(ctx, localcluster.Options{Dir: workDir, Fairctl: fairctl, Log: os.Stderr})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer cluster.Stop()
	code := m.Run()
	printReport(os.Stderr)
	return code
}

// repeat is how often each kill point is exercised.
func repeat() int {
	if n, err := strconv.Atoi(os.Getenv("FAULT_REPEAT")); err == nil && n > 0 {
		return n
	}
	return 2
}
