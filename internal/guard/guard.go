// Package guard bounds what unauthenticated widget traffic may cost the
// server. A site's widget key is public (it is in the site's HTML), so
// anyone may open sockets, make visitors, start conversations and send
// messages and heartbeats; each of these takes a token from a bucket for
// the client's address and one for the site, and the free space of the
// data directory is watched so that the disk never fills: below the
// configured minimum the widget's writes are refused with storage_low,
// /readyz says not ready, and agents can still sign in and work.
//
// Refusals are counted in livedesk_limit_refusals_total{limit}. A Guard
// is safe for concurrent use; its buckets follow the injected clock.
package guard

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/clientip"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/config"
	"github.com/querytel/livedesk/internal/ratelimit"
)

// Action is something a widget does that costs the server.
type Action int

// The actions.
const (
	Socket    Action = iota // a widget socket opened
	Visitor                 // a new visitor made
	Start                   // a conversation started
	Message                 // a visitor's message
	Heartbeat               // a heartbeat
	Typing                  // a typing signal (it goes to every desk)
	Update                  // context.set, identify (each a write)
	Read                    // sync, conversations.list (database reads)
	Upload                  // a file uploaded
	nActions
)

var actionNames = [nActions]string{"sockets", "visitors", "starts", "messages", "heartbeats", "typing", "updates", "reads", "uploads"}

func (a Action) String() string { return actionNames[a] }

// Errors.
var (
	ErrLimited = apperr.New(apperr.RateLimited, "rate_limited",
		"too many requests from your address or for this site; try again later")
	ErrStorageLow = apperr.New(apperr.Unavailable, "storage_low",
		"the server is short of disk space and accepts no new data for now; try again later")
)

// Guard holds the buckets and the disk watch. A nil *Guard allows
// everything (tests that build a server by hand).
type Guard struct {
	clock   clock.Clock
	ip      [nActions]*ratelimit.Keyed // nil: no limit
	site    [nActions]*ratelimit.Keyed
	disk    *diskWatch // nil: not watched
	refused *prometheus.CounterVec
}

// New returns a Guard for limits; dataDir is watched for free space when
// limits.MinFreeDiskMB > 0 and dataDir is not empty (SQLite; a remote
// PostgreSQL's disk is its operator's to watch).
func New(limits config.Limits, dataDir string, clk clock.Clock, reg prometheus.Registerer) *Guard {
	g := &Guard{clock: clk, refused: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "livedesk_limit_refusals_total",
		Help: "Requests refused by a limit on unauthenticated traffic, by limit (ip_messages, site_starts, storage_low, …).",
	}, []string{"limit"})}
	if reg != nil {
		reg.MustRegister(g.refused)
	}
	keyed := func(r config.Rate) *ratelimit.Keyed {
		if r.Off() {
			return nil
		}
		return ratelimit.New(r.Per/time.Duration(r.N), r.N)
	}
	if limits.PerIP {
		for a, r := range [nActions]config.Rate{limits.IPSockets, limits.IPVisitors, limits.IPStarts, limits.IPMessages, limits.IPHeartbeats,
			limits.IPTyping, limits.IPUpdates, limits.IPReads, limits.IPUploads} {
			g.ip[a] = keyed(r)
		}
	}
	for a, r := range [nActions]config.Rate{limits.SiteSockets, limits.SiteVisitors, limits.SiteStarts, limits.SiteMessages, limits.SiteHeartbeats,
		limits.SiteTyping, limits.SiteUpdates, limits.SiteReads, limits.SiteUploads} {
		g.site[a] = keyed(r)
	}
	if limits.MinFreeDiskMB > 0 && dataDir != "" {
		g.disk = newDiskWatch(dataDir, uint64(limits.MinFreeDiskMB)<<20)
	}
	return g
}

// Allow takes one a from ip on site, or refuses it with ErrLimited (or
// ErrStorageLow for an action that stores something while the disk is
// low). Both buckets must have a token; a refusal by the address's bucket
// takes nothing from the site's, so one client cannot drain a site's
// budget for everyone by being refused.
func (g *Guard) Allow(a Action, ip, siteID string) error {
	if g == nil {
		return nil
	}
	if a != Socket && a != Typing && a != Read {
		if err := g.Writable(); err != nil {
			return err
		}
	}
	now := g.clock.Now()
	if b := g.ip[a]; b != nil && !b.Allow(clientip.Key(ip), now) {
		g.refused.WithLabelValues("ip_" + a.String()).Inc()
		return ErrLimited
	}
	if b := g.site[a]; b != nil && !b.Allow(siteID, now) {
		g.refused.WithLabelValues("site_" + a.String()).Inc()
		return ErrLimited
	}
	return nil
}

// Writable reports ErrStorageLow while the data directory's free space is
// under the minimum.
func (g *Guard) Writable() error {
	if g != nil && g.disk != nil && g.disk.low() {
		g.refused.WithLabelValues("storage_low").Inc()
		return ErrStorageLow
	}
	return nil
}

// DiskLow reports whether the data directory is short of space (for
// /readyz), without counting a refusal.
func (g *Guard) DiskLow() bool { return g != nil && g.disk != nil && g.disk.low() }
