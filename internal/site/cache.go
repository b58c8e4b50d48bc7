package site

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/store"
)

// KeyCacheTTL bounds how long ByWidgetKey serves a site read earlier. Every
// widget connection looks its site up by key before the upgrade; after a
// mass disconnect thousands do so at once, and the read was a fifth of a
// reconnect's database work (docs/benchmarks.md, storm).
//
// A change made through this Service (Update, RotateKey, Delete) drops the
// cached site at once, so on the node that made it an old key is refused
// and a narrowed origin list applies to the very next connection. Another
// node of a cluster sees the change within KeyCacheTTL of its commit: until
// then it may still accept the rotated-out key or a removed origin for new
// sockets of that same site. Nothing else follows from a stale entry: a key
// maps only to the site that owned it (keys are random and never reused),
// the identity secret is read fresh when it is used, and a deleted site's
// visitors cannot be resumed or created (the store checks the site).
// Sockets opened before a change are not cut by it, with or without the
// cache.
const KeyCacheTTL = 5 * time.Second

// maxCachedKeys bounds the cache's memory; it is cleared when full. Only
// keys that exist are cached, so guessing keys cannot fill it.
const maxCachedKeys = 10000

// keyCache maps widget keys to their sites for at most KeyCacheTTL, by
// the injected clock. Concurrent misses for one key share one read
// (after a storm, 10,000 sockets of 100 sites make 100 reads, not 10,000).
//
// Invalidation is exact on this node: invalidate bumps gen under mu, and a
// read that began before it does not fill the cache when it ends, so a
// site read before a change cannot be stored after the change dropped it.
// A lookup that arrives after an invalidation never joins a read that
// began before it (the flights are forgotten too).
type keyCache struct {
	clock clock.Clock

	mu      sync.Mutex
	gen     uint64 // bumped by every invalidation
	byKey   map[string]cachedSite
	flights map[string]*keyFlight // reads in progress, by key
}

type cachedSite struct {
	site  store.Site
	until time.Time // by the injected clock
}

// keyFlight is one read of a key that concurrent lookups wait for.
type keyFlight struct {
	done chan struct{} // closed when site and err are set
	site store.Site
	err  error
}

func newKeyCache(clk clock.Clock) *keyCache {
	return &keyCache{clock: clk, byKey: map[string]cachedSite{}, flights: map[string]*keyFlight{}}
}

// get returns the site of key from the cache, or reads it with read.
func (c *keyCache) get(ctx context.Context, key string, read func(ctx context.Context, key string) (store.Site, error)) (store.Site, error) {
	now := c.clock.Now()
	c.mu.Lock()
	if e, ok := c.byKey[key]; ok && now.Before(e.until) {
		c.mu.Unlock()
		return cloneSite(e.site), nil
	}
	if f, ok := c.flights[key]; ok {
		c.mu.Unlock()
		select {
		case <-f.done:
			return cloneSite(f.site), f.err
		case <-ctx.Done():
			return store.Site{}, ctx.Err()
		}
	}
	f := &keyFlight{done: make(chan struct{})}
	c.flights[key] = f
	gen := c.gen
	c.mu.Unlock()

	// The read serves every waiter: the first caller's cancellation must
	// not fail the others.
	f.site, f.err = read(context.WithoutCancel(ctx), key)

	c.mu.Lock()
	if c.flights[key] == f {
		delete(c.flights, key)
	}
	if f.err == nil && c.gen == gen {
		if len(c.byKey) >= maxCachedKeys {
			clear(c.byKey)
		}
		// The entry's age counts from before the read, so it never
		// outlives a change committed during the read by more than the TTL.
		c.byKey[key] = cachedSite{site: f.site, until: now.Add(KeyCacheTTL)}
	}
	c.mu.Unlock()
	close(f.done)
	return cloneSite(f.site), f.err
}

// invalidate drops every cached key of site id. Call it after the change
// is committed (or failed: it is harmless when nothing changed).
func (c *keyCache) invalidate(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for k, e := range c.byKey {
		if e.site.ID == id {
			delete(c.byKey, k)
		}
	}
	clear(c.flights)
}

// cloneSite copies the slices a caller could modify, so that no caller
// can change what another one gets from the cache.
func cloneSite(st store.Site) store.Site {
	st.AllowedOrigins = slices.Clone(st.AllowedOrigins)
	st.BusinessHours.Days = slices.Clone(st.BusinessHours.Days)
	st.BusinessHours.ClosedDays = slices.Clone(st.BusinessHours.ClosedDays)
	return st
}
