package faults

// This file's name sorts last: go test runs tests in source order, and the
// control-plane restarts are the most disruptive faults.

import (
	"context"
	"fmt"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
)

// The API server restarts, then etcd is killed and comes back, while runs
// are in flight: the manager recovers and nothing is lost or duplicated.
func TestControlPlaneRestarts(t *testing.T) {
	cases := []struct {
		name    string
		restart func() error
	}{
		{"kube-apiserver killed and restarted (SIGKILL, 3s down)", func() error { return cluster.RestartAPIServer(3 * time.Second) }},
		{"etcd killed (SIGKILL, 5s down)", func() error { return cluster.RestartEtcd(5 * time.Second) }},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			var namespaces []string
			var releases []func()
			for j := range 3 {
				ns := newNamespace(t, fmt.Sprintf("controlplane-%d-%d", i, j))
				namespaces = append(namespaces, ns)
				releases = append(releases, data.hold(ns))
				startManager(t, ns, "")
				if err := k8s().Create(ctx, biasedEvaluation(ns)); err != nil {
					t.Fatal(err)
				}
			}
			for _, ns := range namespaces {
				runningPod(t, ns)
			}
			if err := c.restart(); err != nil {
				t.Fatal(err)
			}
			for _, release := range releases {
				release()
			}
			for _, ns := range namespaces {
				s := waitSettledAfterOutage(t, ns)
				if s.runs != 1 || s.jobs != 1 || s.incidents != 1 || s.openIncidents != 1 || s.keys != 1 || s.posts != 1 {
					t.Fatalf("%s after %s: %s; want exactly 1 of each", ns, c.name, s)
				}
			}
			record("%s with 3 runs in flight: each 1 run, 1 Job, 1 open incident, 1 notification in 1 POST", c.name)
		})
	}
}

// waitSettledAfterOutage is waitSettled, tolerating reads that fail while
// the API server comes back.
func waitSettledAfterOutage(t *testing.T, ns string) settled {
	t.Helper()
	eval := biasedEvaluation(ns)
	deadline := time.Now().Add(time.Minute)
	for {
		if err := k8s().Get(context.Background(), client.ObjectKeyFromObject(eval), eval); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the API server did not come back within a minute")
		}
		time.Sleep(500 * time.Millisecond)
	}
	return waitSettled(t, eval, fairnessv1alpha1.RunSucceeded, 3*time.Minute)
}
