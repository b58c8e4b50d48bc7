package bus

import (
	"slices"
	"sync"
	"sync/atomic"
)

// registry holds the local handlers of one bus value. Writers copy the list
// under mu and publish it atomically, so delivery reads a consistent
// snapshot without a lock and a handler may subscribe, unsubscribe or
// publish from inside a delivery without deadlocking.
type registry struct {
	mu     sync.Mutex
	list   atomic.Pointer[[]*subscription]
	closed atomic.Bool
}

// subscription is a pointer identity for one Subscribe call, so the same
// func value can be registered twice and removed once.
type subscription struct{ h Handler }

func (r *registry) add(h Handler) (func(), error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed.Load() {
		return nil, ErrClosed
	}
	s := &subscription{h: h}
	r.store(append(slices.Clone(r.snapshot()), s))
	var once sync.Once
	return func() { once.Do(func() { r.remove(s) }) }, nil
}

func (r *registry) remove(s *subscription) {
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.snapshot()
	i := slices.Index(old, s)
	if i < 0 {
		return // removed by close
	}
	r.store(slices.Delete(slices.Clone(old), i, i+1))
}

// close marks the registry closed and drops every handler. It reports
// whether this call was the first.
func (r *registry) close() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed.Swap(true) {
		return false
	}
	r.store(nil)
	return true
}

func (r *registry) isClosed() bool { return r.closed.Load() }

// snapshot returns the current handlers; callers must not modify it.
func (r *registry) snapshot() []*subscription {
	if p := r.list.Load(); p != nil {
		return *p
	}
	return nil
}

func (r *registry) store(l []*subscription) { r.list.Store(&l) }

// deliver calls every current handler in subscription order.
func (r *registry) deliver(topic string, data []byte) {
	for _, s := range r.snapshot() {
		s.h(topic, data)
	}
}
