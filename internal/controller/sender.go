package controller

import (
	"cmp"
	"context"
	"maps"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/event"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
)

// sender runs notification sends in the background, so that a target that
// never answers holds no reconcile worker: a reconcile starts the sends
// that are due once its status write succeeded, and a send that finishes
// wakes its incident, whose next reconcile records the outcome. One send per delivery (idempotency key) is in flight
// at a time, and a finished send is kept until the incident's status records
// its attempt: a status write that fails must not lose an outcome (that
// would send the notification again).
type sender struct {
	// timeout bounds one send (default 10s).
	timeout time.Duration
	// wake receives the incident of a send that finished in the background
	// (nil: nobody is told; the reconcile's requeue picks it up).
	wake chan event.GenericEvent

	mu    sync.Mutex
	sends map[string]*send
	// closed: the manager is stopping; no new send starts (see drainSends).
	closed bool
}

// send is one attempt at one delivery.
type send struct {
	done       chan struct{}
	err        error
	finishedAt time.Time
	// attempt is the attempt number this send is (the delivery's attempts + 1).
	attempt int32
	// incident is where the outcome is recorded.
	incident types.NamespacedName
}

func (s *sender) sendTimeout() time.Duration { return cmp.Or(s.timeout, DefaultNotificationTimeout) }

// current returns the send of a delivery, in flight or finished, when it is
// for the delivery's next attempt; a send whose outcome status already
// records is forgotten.
func (s *sender) current(d *fairnessv1alpha1.NotificationDelivery) *send {
	s.mu.Lock()
	defer s.mu.Unlock()
	op := s.sends[d.IdempotencyKey]
	if op != nil && op.attempt <= d.Attempts {
		delete(s.sends, d.IdempotencyKey)
		return nil
	}
	return op
}

// start runs do in the background as the next attempt of a delivery,
// unless the manager is stopping: then the delivery stays Pending for the
// next manager, and start returns nil.
func (s *sender) start(in *fairnessv1alpha1.BiasIncident, d *fairnessv1alpha1.NotificationDelivery,
	do func(context.Context) error) *send {
	op := &send{done: make(chan struct{}), attempt: d.Attempts + 1,
		incident: types.NamespacedName{Namespace: in.Namespace, Name: in.Name}}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	if s.sends == nil {
		s.sends = map[string]*send{}
	}
	s.expire(time.Now())
	s.sends[d.IdempotencyKey] = op
	s.mu.Unlock()
	wakeObj := &fairnessv1alpha1.BiasIncident{}
	wakeObj.Namespace, wakeObj.Name = in.Namespace, in.Name
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), s.sendTimeout())
		defer cancel()
		op.err = do(ctx)
		op.finishedAt = time.Now()
		close(op.done)
		if s.wake != nil {
			select {
			case s.wake <- event.GenericEvent{Object: wakeObj}:
			case <-time.After(time.Second): // the controller stopped; the requeue covers it
			}
		}
	}()
	return op
}

// expire drops sends that finished long ago and were never looked at again
// (their incident was deleted or resolved). Called with s.mu held.
func (s *sender) expire(now time.Time) {
	for key, op := range s.sends {
		if finished(op) && now.Sub(op.finishedAt) > 10*time.Minute {
			delete(s.sends, key)
		}
	}
}

func finished(op *send) bool {
	select {
	case <-op.done:
		return true
	default:
		return false
	}
}

// close stops new sends and returns the sends not yet forgotten, by
// idempotency key: those in flight and those whose outcome status may not
// record yet.
func (s *sender) close() map[string]*send {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return maps.Clone(s.sends)
}
