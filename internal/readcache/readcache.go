// Package readcache keeps database reads that the live path repeats (a
// site by its widget key, a workspace's department hours) for a short
// time, with exact invalidation on the node that made a change.
package readcache

import (
	"context"
	"sync"
	"time"

	"github.com/querytel/livedesk/internal/clock"
)

// Cache maps keys to values read from the database for at most its TTL,
// by the injected clock. Concurrent misses for one key share one read
// (after a storm, 10,000 sockets of 100 sites make 100 reads, not 10,000).
//
// Invalidation is exact on this node: Invalidate bumps gen under mu, and a
// read that began before it does not fill the cache when it ends, so a
// value read before a change cannot be stored after the change dropped it.
// A lookup that arrives after an invalidation never joins a read that
// began before it (the flights are forgotten too).
type Cache[V any] struct {
	clock clock.Clock
	ttl   time.Duration
	max   int
	clone func(V) V // nil: values are handed out as they are

	mu      sync.Mutex
	gen     uint64 // bumped by every invalidation
	byKey   map[string]entry[V]
	flights map[string]*flight[V] // reads in progress, by key
}

type entry[V any] struct {
	v     V
	until time.Time // by the injected clock
}

// flight is one read of a key that concurrent lookups wait for.
type flight[V any] struct {
	done chan struct{} // closed when v and err are set
	v    V
	err  error
}

// New returns a Cache that keeps each value for ttl and at most max
// values (it is cleared when full: only values that exist are cached, so
// the keys callers guess cannot fill it). clone, when not nil, copies
// what a caller could modify, so that no caller changes what another
// one gets.
func New[V any](clk clock.Clock, ttl time.Duration, max int, clone func(V) V) *Cache[V] {
	return &Cache[V]{clock: clk, ttl: ttl, max: max, clone: clone, byKey: map[string]entry[V]{}, flights: map[string]*flight[V]{}}
}

func (c *Cache[V]) out(v V) V {
	if c.clone != nil {
		return c.clone(v)
	}
	return v
}

// Get returns the value of key from the cache, or reads it with read.
func (c *Cache[V]) Get(ctx context.Context, key string, read func(ctx context.Context) (V, error)) (V, error) {
	now := c.clock.Now()
	c.mu.Lock()
	if e, ok := c.byKey[key]; ok && now.Before(e.until) {
		c.mu.Unlock()
		return c.out(e.v), nil
	}
	if f, ok := c.flights[key]; ok {
		c.mu.Unlock()
		select {
		case <-f.done:
			return c.out(f.v), f.err
		case <-ctx.Done():
			var zero V
			return zero, ctx.Err()
		}
	}
	f := &flight[V]{done: make(chan struct{})}
	c.flights[key] = f
	gen := c.gen
	c.mu.Unlock()

	// The read serves every waiter: the first caller's cancellation must
	// not fail the others.
	f.v, f.err = read(context.WithoutCancel(ctx))

	c.mu.Lock()
	if c.flights[key] == f {
		delete(c.flights, key)
	}
	if f.err == nil && c.gen == gen {
		if len(c.byKey) >= c.max {
			clear(c.byKey)
		}
		// The entry's age counts from before the read, so it never
		// outlives a change committed during the read by more than the TTL.
		c.byKey[key] = entry[V]{v: f.v, until: now.Add(c.ttl)}
	}
	c.mu.Unlock()
	close(f.done)
	return c.out(f.v), f.err
}

// Invalidate drops every cached value that drop matches. Call it after
// the change is committed (or failed: it is harmless when nothing
// changed).
func (c *Cache[V]) Invalidate(drop func(key string, v V) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for k, e := range c.byKey {
		if drop(k, e.v) {
			delete(c.byKey, k)
		}
	}
	clear(c.flights)
}
