package faults

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
	"github.com/fairness-operator/fairness-operator/internal/faultpoint"
)

// podsRunning is the one kill point that is not in the code: the suite
// deletes the manager's pod (--grace-period=0 --force) while the evaluation
// pod holds its data request.
const podsRunning = "run/pods-running"

// TestManagerKilledAtEachStep kills the manager's container with SIGKILL at
// every step of a breaching run; the release is then upgraded without the
// fault point and the Deployment's next pod carries on: afterwards there is exactly one run,
// one Job, one open incident, and the notification was delivered once per
// idempotency key.
func TestManagerKilledAtEachStep(t *testing.T) {
	points := []string{faultpoint.BeforeJobCreate, faultpoint.AfterJobCreate, podsRunning, faultpoint.RunFinished,
		faultpoint.BeforeIncident, faultpoint.AfterIncident, faultpoint.BeforeStatusPatch,
		faultpoint.BeforeNotification, faultpoint.AfterNotification}
	// The kill points run at once, each in its own namespace with its own
	// release (the node holds them all); a point's repeats run in turn.
	var wg sync.WaitGroup
	for _, point := range points {
		wg.Go(func() {
			t.Run(point, func(t *testing.T) {
				var posts []int
				for i := range repeat() {
					posts = append(posts, killAndRestart(t, point, i))
				}
				record("%-28s x%d: 1 run, 1 Job, 1 open incident, 1 notification each; POSTs per run %v",
					point, repeat(), posts)
			})
		})
	}
	wg.Wait()
}

// repeatablePOST are the kill points at which the incident already exists,
// so its controller (a second worker of the same process) may have POSTed
// the notification and been killed before its status recorded that: the
// next manager POSTs again with the same Idempotency-Key, and the receiver
// sees one notification.
var repeatablePOST = map[string]bool{faultpoint.AfterIncident: true, faultpoint.BeforeStatusPatch: true,
	faultpoint.AfterNotification: true}

func killAndRestart(t *testing.T, point string, i int) (posts int) {
	ctx := context.Background()
	ns := newNamespace(t, fmt.Sprintf("kill-%s-%d", strings.NewReplacer("/", "-").Replace(point), i))
	if point == podsRunning {
		release := data.hold(ns)
		defer release()
		m := startManager(t, ns, "")
		defer m.uninstall() // each repetition's release goes when it is done, not at the end of all
		eval := biasedEvaluation(ns)
		if err := k8s().Create(ctx, eval); err != nil {
			t.Fatal(err)
		}
		runningPod(t, ns)
		m.deletePodNow(m.runningPod().Name)
		release()
	} else {
		m := startManager(t, ns, point)
		defer m.uninstall()
		if err := k8s().Create(ctx, biasedEvaluation(ns)); err != nil {
			t.Fatal(err)
		}
		m.waitForDeath(90 * time.Second)
		m.restartWithoutFault()
	}
	s := waitSettled(t, biasedEvaluation(ns), fairnessv1alpha1.RunSucceeded, 2*time.Minute)
	if s.runs != 1 || s.jobs != 1 || s.incidents != 1 || s.openIncidents != 1 || s.keys != 1 {
		t.Fatalf("after a kill at %s: %s; want 1 of each", point, s)
	}
	if s.posts != 1 && !repeatablePOST[point] {
		t.Fatalf("after a kill at %s: %d POSTs for one notification", point, s.posts)
	}
	return s.posts
}
