package controller

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
)

// CacheHealth makes the manager's readiness follow its informers: a cache
// that cannot list or watch (an object it cannot decode, an API server it
// cannot reach) leaves every reconciler blind while /healthz still answers,
// so /readyz must say so.
//
// A reflector that fails calls WatchErrorHandler and then retries with a
// backoff of at most about a minute; it has recovered when its last synced
// resource version moves past the one seen at the failure, or when it has
// not failed again for RecoveryWindow.
type CacheHealth struct {
	// RecoveryWindow is how long after its last failure a reflector counts
	// as failing when nothing shows it recovered (default 2 minutes).
	RecoveryWindow time.Duration
	// Now is the clock (nil: the wall clock).
	Now func() time.Time

	mu       sync.Mutex
	failures map[*toolscache.Reflector]reflectorFailure
}

type reflectorFailure struct {
	at              time.Time
	resourceVersion string
	err             string
}

// WatchErrorHandler records a reflector's failure and logs it as client-go
// does by default. Expired resource versions and closed watches are routine
// (the reflector lists again) and are not failures.
func (h *CacheHealth) WatchErrorHandler(ctx context.Context, r *toolscache.Reflector, err error) {
	toolscache.DefaultWatchErrorHandler(ctx, r, err)
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		apierrors.IsResourceExpired(err) || apierrors.IsGone(err) || errors.Is(err, context.Canceled) {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.failures == nil {
		h.failures = map[*toolscache.Reflector]reflectorFailure{}
	}
	h.failures[r] = reflectorFailure{at: h.now(), resourceVersion: r.LastSyncResourceVersion(), err: err.Error()}
}

// Failing describes the reflectors that are failing now, one line each,
// sorted; empty when every cache lists and watches.
func (h *CacheHealth) Failing() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	window := h.RecoveryWindow
	if window <= 0 {
		window = 2 * time.Minute
	}
	var out []string
	for r, f := range h.failures {
		if r.LastSyncResourceVersion() != f.resourceVersion || h.now().Sub(f.at) > window {
			delete(h.failures, r)
			continue
		}
		out = append(out, fmt.Sprintf("cache of %s cannot list or watch: %s", r.TypeDescription(), f.err))
	}
	slices.Sort(out)
	return out
}

func (h *CacheHealth) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// ReadyzCheck fails until the cache has synced, and while any of its
// informers keeps failing to list or watch.
func ReadyzCheck(c cache.Cache, h *CacheHealth) healthz.Checker {
	return func(req *http.Request) error {
		ctx, cancel := context.WithTimeout(req.Context(), time.Second)
		defer cancel()
		if !c.WaitForCacheSync(ctx) {
			if failing := h.Failing(); len(failing) > 0 {
				return fmt.Errorf("caches not synced: %s", strings.Join(failing, "; "))
			}
			return errors.New("caches not synced yet")
		}
		if failing := h.Failing(); len(failing) > 0 {
			return errors.New(strings.Join(failing, "; "))
		}
		return nil
	}
}
