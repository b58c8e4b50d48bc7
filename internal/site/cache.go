package site

import (
	"slices"
	"time"

	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/readcache"
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

// newKeyCache caches sites by widget key (ByWidgetKey) and by id
// (Cached).
func newKeyCache(clk clock.Clock) *readcache.Cache[store.Site] {
	return readcache.New(clk, KeyCacheTTL, maxCachedKeys, cloneSite)
}

// invalidateSite drops every cached key of site id.
func invalidateSite(c *readcache.Cache[store.Site], id string) {
	c.Invalidate(func(_ string, st store.Site) bool { return st.ID == id })
}

// cloneSite copies the slices a caller could modify, so that no caller
// can change what another one gets from the cache.
func cloneSite(st store.Site) store.Site {
	st.AllowedOrigins = slices.Clone(st.AllowedOrigins)
	st.BusinessHours.Days = slices.Clone(st.BusinessHours.Days)
	st.BusinessHours.ClosedDays = slices.Clone(st.BusinessHours.ClosedDays)
	return st
}
