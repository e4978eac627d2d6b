package controller

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// targetPacer spaces out notifications per target URL (Slack accepts about
// one message a second per webhook): a delivery that would exceed the rate
// gets a reserved slot and waits for it. Waiting is not an attempt, so a
// storm of incidents delays notifications but never fails or drops one.
type targetPacer struct {
	mu       sync.Mutex
	rate     rate.Limit
	burst    int
	limiters map[string]*rate.Limiter
	slots    map[string]time.Time // idempotency key -> reserved send time
}

// newTargetPacer returns nil (no pacing) when perSecond is not positive.
func newTargetPacer(perSecond float64, burst int) *targetPacer {
	if perSecond <= 0 {
		return nil
	}
	return &targetPacer{rate: rate.Limit(perSecond), burst: max(burst, 1),
		limiters: map[string]*rate.Limiter{}, slots: map[string]time.Time{}}
}

// wait reports how long the delivery with this key must still wait before
// it may be sent to url at now; zero means send now.
func (p *targetPacer) wait(url, key string, now time.Time) time.Duration {
	if p == nil {
		return 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if slot, ok := p.slots[key]; ok {
		if now.Before(slot) {
			return slot.Sub(now)
		}
		delete(p.slots, key)
		return 0
	}
	lim, ok := p.limiters[url]
	if !ok {
		lim = rate.NewLimiter(p.rate, p.burst)
		p.limiters[url] = lim
	}
	d := lim.ReserveN(now, 1).DelayFrom(now)
	if d > 0 {
		p.forgetAbandoned(now)
		p.slots[key] = now.Add(d)
	}
	return d
}

// forgetAbandoned drops slots an hour past their time: their incident was
// resolved or deleted while it waited (mu held).
func (p *targetPacer) forgetAbandoned(now time.Time) {
	for k, at := range p.slots {
		if now.Sub(at) > time.Hour {
			delete(p.slots, k)
		}
	}
}
