package controller

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// poke makes the controller look at an incident now (fake time does not
// fire the requeue timers, which run on the wall clock).
func poke(t *testing.T, in *fairnessv1alpha1.BiasIncident, i int) {
	t.Helper()
	patch := fmt.Appendf(nil, `{"metadata":{"annotations":{"test.fairness.dev/poke":"%d"}}}`, i)
	if err := k8s.Patch(context.Background(), in, client.RawPatch("application/merge-patch+json", patch)); err != nil {
		t.Fatal(err)
	}
}

// The notification target is down for an hour of (fake) time with the
// production retry schedule (5s doubling to 10m, 20 attempts): every pending
// notification (three incidents' Opened and Escalated) is delivered once
// when it comes back, and none is given up.
func TestTargetDownForAnHour(t *testing.T) {
	ns := newNamespace(t)
	rcv, url := newReceiver(t, 1<<30) // fails until told otherwise
	clock := &fakeClock{now: time.Now()}
	stop := startManagerWith(t, Config{Now: clock.Now, RetryBase: 5 * time.Second, RetryCap: 10 * time.Minute})
	defer stop()
	var incidents []*fairnessv1alpha1.BiasIncident
	for i := range 3 {
		incidents = append(incidents, breach(t, incidentEvaluation(t, ns, fmt.Sprintf("outage-%d", i), url, true, "30m")))
	}
	for minute := 1; minute <= 60; minute++ {
		clock.Advance(time.Minute)
		for _, in := range incidents {
			poke(t, in, minute)
		}
		time.Sleep(30 * time.Millisecond)
	}
	attemptsWhileDown := attempts(rcv)
	rcv.mu.Lock()
	rcv.failures = 0
	rcv.mu.Unlock()
	for minute := 61; minute <= 75; minute++ {
		clock.Advance(time.Minute)
		for _, in := range incidents {
			poke(t, in, minute)
		}
		time.Sleep(30 * time.Millisecond)
	}
	eventually(t, waitFor, "every notification delivered", func() (bool, error) {
		for _, in := range incidents {
			get(t, in)
			if len(in.Status.Notifications) != 2 {
				return false, nil
			}
			for _, d := range in.Status.Notifications {
				if d.Result != fairnessv1alpha1.DeliveryDelivered {
					return false, nil
				}
			}
		}
		return true, nil
	})
	total, perKey := rcv.deliveries()
	if total != 6 || len(perKey) != 6 {
		t.Fatalf("%d deliveries over %d keys, want each of 6 notifications once: %v", total, len(perKey), perKey)
	}
	t.Logf("target down 60 fake minutes: %d failed attempts for 6 notifications, then each delivered once", attemptsWhileDown)
}

func attempts(r *webhookReceiver) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.attempts
}
