package faults

import (
	"context"
	"strings"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
)

const leaseName = "fairness-operator.fairness.dev"

// Two replicas of the chart's Deployment with leader election: the leader's
// pod is deleted mid-run (--grace-period=0 --force) and the standby takes
// over and finishes the run, with no duplicate.
func TestLeaderKilledMidRun(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t, "leader")
	release := data.hold(ns)
	defer release()
	m := &managerRelease{t: t, ns: ns, name: "fo-" + ns, replicas: 2, extraArgs: fastLease}
	m.helm("install", "")
	t.Cleanup(m.uninstall)
	first := waitForLeader(t, ns, "")
	if err := k8s().Create(ctx, biasedEvaluation(ns)); err != nil {
		t.Fatal(err)
	}
	runningPod(t, ns)
	leaderPod := first[:strings.LastIndex(first, "_")] // the holder identity is <pod name>_<uuid>
	m.deletePodNow(leaderPod)
	release()
	second := waitForLeader(t, ns, first)
	start := time.Now()
	s := waitSettled(t, biasedEvaluation(ns), fairnessv1alpha1.RunSucceeded, 2*time.Minute)
	if s.runs != 1 || s.jobs != 1 || s.incidents != 1 || s.openIncidents != 1 || s.keys != 1 || s.posts != 1 {
		t.Fatalf("after failover: %s; want exactly 1 of each", s)
	}
	if strings.HasPrefix(second, leaderPod+"_") {
		t.Fatalf("the lease went back to the deleted pod %s", leaderPod)
	}
	record("leader pod deleted mid-run (grace 0), standby %s took over; run finished %.1fs after: %s",
		second[:strings.LastIndex(second, "_")], time.Since(start).Seconds(), s)
}

// waitForLeader waits until the lease is held by someone other than not.
func waitForLeader(t *testing.T, ns, not string) string {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		var lease coordinationv1.Lease
		err := k8s().Get(context.Background(), client.ObjectKey{Namespace: ns, Name: leaseName}, &lease)
		if err == nil && lease.Spec.HolderIdentity != nil && *lease.Spec.HolderIdentity != "" &&
			*lease.Spec.HolderIdentity != not {
			return *lease.Spec.HolderIdentity
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no new leader in namespace %s", ns)
	return ""
}
