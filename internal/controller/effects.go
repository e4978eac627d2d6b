package controller

import (
	"sync"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// afterWrite holds the side effects of a reconcile (Events, run metrics)
// until its status write succeeded: a conflict or a failed incident
// hand-off redoes the reconcile, which would otherwise count a run twice
// and repeat its Events. A key is never reconciled by two workers at once,
// so effects are kept per object.
type afterWrite struct {
	mu      sync.Mutex
	pending map[types.NamespacedName][]func()
}

// add defers f until the object's status is written.
func (a *afterWrite) add(obj client.Object, f func()) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.pending == nil {
		a.pending = map[types.NamespacedName][]func(){}
	}
	key := client.ObjectKeyFromObject(obj)
	a.pending[key] = append(a.pending[key], f)
}

// take removes and returns the deferred effects of key.
func (a *afterWrite) take(key types.NamespacedName) []func() {
	a.mu.Lock()
	defer a.mu.Unlock()
	fs := a.pending[key]
	delete(a.pending, key)
	return fs
}
