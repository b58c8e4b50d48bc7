package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Rate is a token bucket: up to N events at once, refilled at N per Per.
// The zero Rate means no limit.
type Rate struct {
	N   int
	Per time.Duration
}

// Off reports whether r limits nothing.
func (r Rate) Off() bool { return r.N <= 0 }

// String is r as a flag takes it: "120/1m", or "0" when off.
func (r Rate) String() string {
	if r.Off() {
		return "0"
	}
	return strconv.Itoa(r.N) + "/" + strings.TrimSuffix(strings.TrimSuffix(r.Per.String(), "0s"), "0m")
}

// ParseRate reads "N/DURATION" (120/1m, 10/1s) or "0" (off).
func ParseRate(s string) (Rate, error) {
	s = strings.TrimSpace(s)
	if s == "0" || s == "off" {
		return Rate{}, nil
	}
	n, per, ok := strings.Cut(s, "/")
	if !ok {
		return Rate{}, fmt.Errorf("%q is not N/DURATION (like 120/1m) or 0", s)
	}
	r := Rate{}
	var err error
	if r.N, err = strconv.Atoi(n); err != nil || r.N < 0 {
		return Rate{}, fmt.Errorf("%q: the count must be a whole number", s)
	}
	if r.Per, err = time.ParseDuration(per); err != nil || r.Per <= 0 {
		return Rate{}, fmt.Errorf("%q: the period must be a duration like 1m or 10s", s)
	}
	return r, nil
}

// Limits bound what unauthenticated traffic may cost the server (the
// widget's endpoints are public: anyone who reads a site's HTML has its
// key). docs/operations.md, "Limits and abuse", lists each with its
// default.
type Limits struct {
	// MaxConns bounds the server's open connections; 0: no bound.
	MaxConns int
	// MaxConnsPerIP bounds the open connections from one client address;
	// 0: no bound. Behind a reverse proxy every connection is the proxy's:
	// set 0 there and let the proxy limit.
	MaxConnsPerIP int
	// PerIP turns the per-address buckets (IP*) on; off for a deployment
	// behind a proxy without --trust-proxy, where every client shares one
	// address, and for load tests from one machine.
	PerIP bool
	// Per client address: widget sockets opened, new visitors, conversations
	// started, messages, heartbeats.
	IPSockets, IPVisitors, IPStarts, IPMessages, IPHeartbeats Rate
	// Per client address: typing signals (each goes to every desk),
	// updates (context.set, identify: writes) and reads (sync,
	// conversations.list).
	IPTyping, IPUpdates, IPReads Rate
	// Per client address: files uploaded from the widget.
	IPUploads Rate
	// Per site, whatever the addresses: the same.
	SiteSockets, SiteVisitors, SiteStarts, SiteMessages, SiteHeartbeats Rate
	SiteTyping, SiteUpdates, SiteReads, SiteUploads                     Rate
	// MinFreeDiskMB: below this much free space in the data directory
	// (SQLite), /readyz says not ready and widget writes are refused with
	// storage_low, so the disk never fills and agents can still sign in.
	// 0: not watched.
	MinFreeDiskMB int
	// VisitorRetentionDays deletes anonymous visitors who never chatted
	// (and their page views) this many days after they were last seen;
	// 0 keeps them.
	VisitorRetentionDays int
	// PageViewsPerVisitor keeps only a visitor's latest page views.
	PageViewsPerVisitor int
	// AppendBudgetMS: a message is refused as busy (retryable) while the
	// messages ahead of it wait longer than this for the database's
	// writer, so overload answers at once instead of queueing for
	// seconds. 0 turns it off.
	AppendBudgetMS int
	// AgentAwaySeconds: an agent who chose online or busy and whose desks
	// have all been closed this long counts as offline (away): offered no
	// chats, its open chats requeued, until a desk returns. 0: never.
	AgentAwaySeconds int
}

// limitFlags holds the raw flag values (a pointer, so Config stays
// comparable).
type limitFlags struct{ list []*limitSetting }

type limitSetting struct {
	name, def, help string
	rate            *Rate
	num             *int
	raw             string
}

func (l *Limits) settings() []*limitSetting {
	r := func(name, def, help string, dst *Rate) *limitSetting {
		return &limitSetting{name: name, def: def, help: help, rate: dst}
	}
	n := func(name, def, help string, dst *int) *limitSetting {
		return &limitSetting{name: name, def: def, help: help, num: dst}
	}
	return []*limitSetting{
		n("max-conns", "50000", "open connections in all (0: no bound)", &l.MaxConns),
		n("max-conns-per-ip", "256", "open connections from one client address (0: no bound; use 0 behind a proxy)", &l.MaxConnsPerIP),
		r("limit-ip-sockets", "120/1m", "widget sockets one client address may open", &l.IPSockets),
		r("limit-ip-visitors", "60/1m", "new visitors from one client address", &l.IPVisitors),
		r("limit-ip-starts", "20/1m", "conversations started from one client address", &l.IPStarts),
		r("limit-ip-messages", "120/1m", "widget messages from one client address", &l.IPMessages),
		r("limit-ip-heartbeats", "240/1m", "widget heartbeats from one client address", &l.IPHeartbeats),
		r("limit-ip-typing", "240/1m", "widget typing signals from one client address", &l.IPTyping),
		r("limit-ip-updates", "60/1m", "widget context.set and identify from one client address", &l.IPUpdates),
		r("limit-ip-reads", "300/1m", "widget sync and conversations.list from one client address", &l.IPReads),
		r("limit-ip-uploads", "20/1m", "files uploaded from the widget by one client address", &l.IPUploads),
		r("limit-site-sockets", "30000/1m", "widget sockets opened on one site", &l.SiteSockets),
		r("limit-site-visitors", "12000/1m", "new visitors on one site", &l.SiteVisitors),
		r("limit-site-starts", "3000/1m", "conversations started on one site", &l.SiteStarts),
		r("limit-site-messages", "30000/1m", "visitor messages on one site", &l.SiteMessages),
		r("limit-site-heartbeats", "240000/1m", "widget heartbeats on one site", &l.SiteHeartbeats),
		r("limit-site-typing", "60000/1m", "widget typing signals on one site", &l.SiteTyping),
		r("limit-site-updates", "30000/1m", "widget context.set and identify on one site", &l.SiteUpdates),
		r("limit-site-reads", "120000/1m", "widget sync and conversations.list on one site", &l.SiteReads),
		r("limit-site-uploads", "3000/1m", "files uploaded from the widget on one site", &l.SiteUploads),
		n("min-free-disk-mb", "512", "free MiB below which the data directory counts as full (0: not watched)", &l.MinFreeDiskMB),
		n("visitor-retention-days", "30", "delete anonymous visitors who never chatted this long after they were last seen (0: keep)", &l.VisitorRetentionDays),
		n("page-views-per-visitor", "50", "page views kept per visitor (the latest)", &l.PageViewsPerVisitor),
		n("append-budget-ms", "200", "refuse messages as busy while those ahead wait longer than this for the writer (0: never)", &l.AppendBudgetMS),
		n("agent-away-seconds", "60", "an online or busy agent with no desk open this long goes offline and its open chats are requeued (0: never)", &l.AgentAwaySeconds),
	}
}

// parse reads the raw flag values into l.
func (l *Limits) parse(raw []*limitSetting) []error {
	var errs []error
	for _, s := range raw {
		switch {
		case s.rate != nil:
			r, err := ParseRate(s.raw)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", s.name, err))
			}
			*s.rate = r
		default:
			v, err := strconv.Atoi(strings.TrimSpace(s.raw))
			if err != nil || v < 0 {
				errs = append(errs, fmt.Errorf("%s must be a whole number ≥ 0, not %q", s.name, s.raw))
			}
			*s.num = v
		}
	}
	if l.PageViewsPerVisitor == 0 {
		errs = append(errs, fmt.Errorf("page-views-per-visitor must be at least 1"))
	}
	return errs
}

// DefaultLimits are the limits with every default.
func DefaultLimits() Limits {
	var l Limits
	set := l.settings()
	for _, s := range set {
		s.raw = s.def
	}
	l.parse(set) //nolint:errcheck // the defaults parse
	l.PerIP = true
	return l
}
