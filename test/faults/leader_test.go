package faults

import (
	"context"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
)

const leaseName = "fairness-operator.fairness.dev"

var leaderArgs = []string{"--leader-elect", "--leader-election-lease-duration=4s",
	"--leader-election-renew-deadline=3s", "--leader-election-retry-period=500ms"}

// Two replicas with leader election: the leader is killed mid-run and the
// standby takes over and finishes the run, with no duplicate.
func TestLeaderKilledMidRun(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t, "leader")
	args := append([]string{"--leader-election-namespace=" + ns}, leaderArgs...)
	release := data.hold(ns)
	defer release()
	leader := startManager(t, ns, "", args...)
	first := waitForLeader(t, ns, "")
	standby := startManager(t, ns, "", args...)
	defer standby.stop()
	if err := k8s().Create(ctx, biasedEvaluation(ns)); err != nil {
		t.Fatal(err)
	}
	runningPod(t, ns)
	leader.kill()
	release()
	second := waitForLeader(t, ns, first)
	start := time.Now()
	s := waitSettled(t, biasedEvaluation(ns), fairnessv1alpha1.RunSucceeded, 2*time.Minute)
	if s.runs != 1 || s.jobs != 1 || s.incidents != 1 || s.openIncidents != 1 || s.keys != 1 || s.posts != 1 {
		t.Fatalf("after failover: %s; want exactly 1 of each", s)
	}
	record("leader killed mid-run, standby %s took over; run finished %.1fs after the kill: %s",
		second[len(second)-8:], time.Since(start).Seconds(), s)
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
