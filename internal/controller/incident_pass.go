package controller

import (
	"time"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
	"github.com/fairness-operator/fairness-operator/internal/notify"
)

// incidentPass is one reconcile of one incident: the status as read, the
// status the steps compute, and what may happen only once that status is
// written (a send must never start before its Pending delivery is stored,
// and an Event or a metric must not repeat when a write is redone).
type incidentPass struct {
	before, in *fairnessv1alpha1.BiasIncident
	now        time.Time
	// wrote: this pass patched the status (with optimistic locking, so the
	// incident it read was the API server's latest).
	wrote bool
	// wake is the soonest time the incident needs a look again (zero: none).
	wake    time.Time
	effects []func()
	sends   []dueSend
}

// dueSend is a delivery whose attempt starts once the pass's status is written.
type dueSend struct {
	delivery fairnessv1alpha1.NotificationDelivery
	target   notify.Target
	message  notify.Message
}

func newIncidentPass(in *fairnessv1alpha1.BiasIncident, now time.Time) *incidentPass {
	return &incidentPass{before: in.DeepCopy(), in: in, now: now}
}

// after defers f until the status is written.
func (p *incidentPass) after(f func()) { p.effects = append(p.effects, f) }

// event records an Event about the incident once the status is written.
func (p *incidentPass) event(r *BiasIncidentReconciler, typ, reason, msg string) {
	in := p.in
	p.after(func() { r.event(in, typ, reason, msg) })
}

// wakeBy asks for a look at the incident no later than at.
func (p *incidentPass) wakeBy(at time.Time) {
	if p.wake.IsZero() || at.Before(p.wake) {
		p.wake = at
	}
}
