// Package faults is the fault-injection suite, on a real node (kubelet,
// containerd, runc): the operator is installed per namespace by `helm
// install` of the chart, its manager the faultinject build of the suite's
// image. The manager's container is killed (SIGKILL) at each step of a run,
// its pod deleted with --grace-period=0, a standby replica takes over, the
// control plane restarts under it, and its evaluation pods are OOM-killed by
// the kernel, crash, run out of time or lose their node (the kubelet is
// killed). After each fault the suite checks that no run, finding or
// notification was lost or duplicated.
//
// FAULT_REPEAT sets how often each kill point is exercised (default 2;
// `make faults-long` runs 10).
package faults

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/go-logr/logr"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/fairness-operator/fairness-operator/test/envtestutil"
	"github.com/fairness-operator/fairness-operator/test/localcluster"
)

// faultsImage is the tag of the suite's image (manager built with -tags faultinject).
const faultsImage = "local.test/fairness-operator:faults"

var (
	cluster  *localcluster.Cluster
	helm     string
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
	if err := localcluster.CanRunRealNode(); err != nil {
		fmt.Fprintln(os.Stderr, "faults: the fault suite runs on a real node:", err)
		return 1
	}
	if helm, err = envtestutil.BuildTool("build-helm.sh"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	built, err := localcluster.BuildImages(workDir, faultsImage, "faultinject")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rootCtx = ctx
	cluster, err = localcluster.Start(ctx, localcluster.Options{Dir: filepath.Join(workDir, "cluster"), Node: localcluster.NodeReal,
		Images: built.Images, Log: os.Stderr})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer cluster.Stop()
	dataListener, err := cluster.Listen()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	data = newDataServer(dataListener)
	defer data.Close()
	hookListener, err := cluster.Listen()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	receiver = newHookReceiver(hookListener)
	defer receiver.Close()
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
