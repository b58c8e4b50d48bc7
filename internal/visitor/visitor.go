// Package visitor tracks the people browsing the sites: their sessions
// (server-issued tokens bound to one site), presence (heartbeats with the
// current page, expiring by TTL), identity (optionally verified by the
// site's HMAC) and the context data the host page attaches.
//
// Presence lives in the database so that every node sees the same list and
// one node claims each expiry. A Service is stateless and safe for
// concurrent use; it keeps only a short-lived cache of workspace settings.
package visitor

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/event"
	"github.com/querytel/livedesk/internal/printable"
	"github.com/querytel/livedesk/internal/site"
	"github.com/querytel/livedesk/internal/store"
	"github.com/querytel/livedesk/internal/workspace"
)

// Store is what visitor needs from the database.
type Store interface {
	GetWorkspace(ctx context.Context, id string) (store.Workspace, error)
	CreateVisitor(ctx context.Context, workspaceID, siteID, tokenHash string, now time.Time) (store.Visitor, error)
	VisitorByToken(ctx context.Context, siteID, tokenHash string) (store.Visitor, error)
	GetVisitor(ctx context.Context, workspaceID, id string) (store.Visitor, error)
	GetSite(ctx context.Context, workspaceID, id string) (store.Site, error)
	TouchVisitor(ctx context.Context, workspaceID, id string, page store.PageView, now, expires time.Time, keepPages int) (store.Presence, error)
	SetVisitorIP(ctx context.Context, workspaceID, id, ip string) error
	DeleteIdleVisitors(ctx context.Context, cutoff time.Time, limit int) (int, error)
	DeleteOrphanClaims(ctx context.Context, cutoff time.Time, limit int) (int, error)
	ExpirePresence(ctx context.Context, now time.Time, limit int) ([]store.Visitor, error)
	ListOnlineVisitors(ctx context.Context, workspaceID string, limit int) ([]store.Visitor, error)
	ListPageViews(ctx context.Context, workspaceID, visitorID string, limit int) ([]store.PageView, error)
	UpsertContact(ctx context.Context, workspaceID, externalID, name, email string, now time.Time) (store.Contact, error)
	ClaimContact(ctx context.Context, workspaceID, email, name string, now time.Time) (store.Contact, error)
	GetContact(ctx context.Context, workspaceID, id string) (store.Contact, error)
	SetVisitorIdentity(ctx context.Context, workspaceID, id, name, email, contactID string) (store.Visitor, error)
	SetVisitorContext(ctx context.Context, workspaceID, id string, data map[string]any, now time.Time) error
}

// Service tracks visitors.
type Service struct {
	store  Store
	clock  clock.Clock
	pub    *event.Publisher
	opts   Options
	deltas *deltas

	mu       sync.Mutex
	settings map[string]cachedSettings // workspace id → settings, for heartbeats
}

type cachedSettings struct {
	set store.Settings
	at  time.Time // wall time of the read
}

// Settings cache bounds. Every heartbeat needs the workspace's visitor
// TTL; reading the workspace each time was a third of a heartbeat's
// queries. A changed TTL applies to heartbeats within settingsTTL (of
// wall time: this bounds staleness, it is no rule of the product, so it
// does not follow the injected clock).
const (
	settingsTTL     = 5 * time.Second
	maxCachedWSpace = 10000
)

// Options are the visitor data retention rules; the zero Options keep
// everything.
type Options struct {
	// PageViews keeps a visitor's latest page views only; 0 keeps all.
	PageViews int
	// RetentionDays deletes anonymous visitors who never chatted this many
	// days after they were last seen (DeleteIdle); 0 keeps them.
	RetentionDays int
}

// New returns a Service.
func New(st Store, clk clock.Clock, pub *event.Publisher, opts Options) *Service {
	s := &Service{store: st, clock: clk, pub: pub, opts: opts, settings: map[string]cachedSettings{}}
	s.deltas = newDeltas(func(f event.VisitorFrame) {
		// The change is stored; its announcement may outlive the request
		// that made it (a merged delta goes out up to a second later).
		pub.Publish(context.Background(), f.Visitor.WorkspaceID, f.Visitor.ID, event.Desk, f)
	})
	return s
}

// DeleteIdle deletes anonymous visitors who never started a conversation
// and were last seen more than RetentionDays ago, with their page views
// (the retention job; a no-op when RetentionDays is 0). It returns how
// many; run on every node, each visitor is deleted once.
func (s *Service) DeleteIdle(ctx context.Context) (int, error) {
	if s.opts.RetentionDays <= 0 {
		return 0, nil
	}
	cutoff := s.clock.Now().Add(-time.Duration(s.opts.RetentionDays) * 24 * time.Hour)
	total := 0
	for {
		n, err := s.store.DeleteIdleVisitors(ctx, cutoff, 1000)
		total += n
		if err != nil {
			return total, err
		}
		if n < 1000 {
			break
		}
	}
	// Then the contacts of claims those visitors left with nothing.
	for {
		n, err := s.store.DeleteOrphanClaims(ctx, cutoff, 1000)
		if err != nil || n < 1000 {
			return total, err
		}
	}
}

// workspaceSettings returns a workspace's settings, read at most
// settingsTTL ago.
func (s *Service) workspaceSettings(ctx context.Context, workspaceID string) (store.Settings, error) {
	now := time.Now()
	s.mu.Lock()
	c, ok := s.settings[workspaceID]
	s.mu.Unlock()
	if ok && now.Sub(c.at) < settingsTTL {
		return c.set, nil
	}
	ws, err := s.store.GetWorkspace(ctx, workspaceID)
	if err != nil {
		return store.Settings{}, err
	}
	set := workspace.Effective(ws.Settings)
	s.mu.Lock()
	if len(s.settings) >= maxCachedWSpace {
		clear(s.settings)
	}
	s.settings[workspaceID] = cachedSettings{set: set, at: now}
	s.mu.Unlock()
	return set, nil
}

// TokenBytes is the visitor token's entropy: 256 bits (DESIGN asks ≥128).
const TokenBytes = 32

// Session resumes the site's visitor that holds token, or makes a new
// visitor with a new token when token is empty or unknown (a token of
// another site is unknown here), and records ip as the address it came
// from. The returned token is the one to keep. allowNew, when not nil, is
// asked before a new visitor is made (the limits on new visitors, a
// blocked address); admit, when not nil, is asked of a returning visitor
// before anything of it is written (a blocked visitor). Their errors are
// returned as they are.
func (s *Service) Session(ctx context.Context, st store.Site, token, ip string, allowNew func() error, admit func(store.Visitor) error) (store.Visitor, string, error) {
	v, fresh, err := s.session(ctx, st, token, allowNew)
	if err != nil {
		return store.Visitor{}, "", err
	}
	if admit != nil && fresh == token {
		if err := admit(v); err != nil {
			return store.Visitor{}, "", err
		}
	}
	token = fresh
	if v.IP == ip {
		return v, token, nil
	}
	if err := s.store.SetVisitorIP(ctx, v.WorkspaceID, v.ID, ip); err != nil {
		return store.Visitor{}, "", err
	}
	v.IP = ip
	return v, token, nil
}

// ErrUnknownToken: a request outside the socket (a file's upload or
// download) carries no token of the site's visitors.
var ErrUnknownToken = apperr.New(apperr.Unauthorized, "unauthenticated", "send Authorization: Bearer with the visitor token of this site")

// ByToken returns the site's visitor that holds token, for a request
// outside the socket; it never makes one.
func (s *Service) ByToken(ctx context.Context, st store.Site, token string) (store.Visitor, error) {
	if token == "" || len(token) > 128 {
		return store.Visitor{}, ErrUnknownToken
	}
	v, err := s.store.VisitorByToken(ctx, st.ID, auth.HashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return store.Visitor{}, ErrUnknownToken
	}
	return v, err
}

func (s *Service) session(ctx context.Context, st store.Site, token string, allowNew func() error) (store.Visitor, string, error) {
	if token != "" {
		if len(token) > 128 {
			return store.Visitor{}, "", apperr.Invalidf("token", "invalid_token", "malformed visitor token")
		}
		v, err := s.store.VisitorByToken(ctx, st.ID, auth.HashToken(token))
		if err == nil {
			return v, token, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return store.Visitor{}, "", err
		}
	}
	if allowNew != nil {
		if err := allowNew(); err != nil {
			return store.Visitor{}, "", err
		}
	}
	token = auth.RandomToken(TokenBytes)
	v, err := s.store.CreateVisitor(ctx, st.WorkspaceID, st.ID, auth.HashToken(token), s.clock.Now())
	if err != nil {
		return store.Visitor{}, "", fmt.Errorf("visitor: new session: %w", err)
	}
	return v, token, nil
}

// Page is what a heartbeat reports.
type Page struct {
	URL      string `json:"url"`
	Title    string `json:"title"`
	Referrer string `json:"referrer"`
}

// Page field limits.
const (
	maxURL   = 2048
	maxTitle = 300
)

func (p Page) validate() (store.PageView, error) {
	for _, u := range []struct{ field, v string }{{"url", p.URL}, {"referrer", p.Referrer}} {
		if u.v == "" {
			continue
		}
		if len(u.v) > maxURL || !utf8.ValidString(u.v) {
			return store.PageView{}, apperr.Invalidf(u.field, "invalid_url", "%s must be a URL of at most %d bytes", u.field, maxURL)
		}
		pu, err := url.Parse(u.v)
		if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") {
			return store.PageView{}, apperr.Invalidf(u.field, "invalid_url", "%s must be an http(s) URL", u.field)
		}
	}
	if !utf8.ValidString(p.Title) || utf8.RuneCountInString(p.Title) > maxTitle {
		return store.PageView{}, apperr.Invalidf("title", "invalid_title", "title must be UTF-8 of at most %d characters", maxTitle)
	}
	// The host page chose the title, not the visitor or an agent: hidden
	// characters are dropped rather than refused.
	return store.PageView{URL: p.URL, Title: printable.Clean(p.Title), Referrer: p.Referrer}, nil
}

// Heartbeat marks the visitor present on page for the workspace's TTL and
// tells the desk when it came online or changed page.
//
// A heartbeat that changes nothing the desk sees (online, same page) is
// not written while the stored expiry is more than half the TTL and more
// than MaxHeartbeatGap away: the visitor stays online, and the due time
// in the database is still one the next heartbeat renews before it
// passes, so presence expiry stays exact. This spares the single SQLite
// writer most heartbeats (a read instead of a write transaction);
// last_seen_at then lags by at most half a TTL. v is the visitor as the
// caller has just read it (Current): it is not read again.
//
// The Beat it returns lets the connection answer the next heartbeats
// without even that read (Quiet).
func (s *Service) Heartbeat(ctx context.Context, v store.Visitor, page Page, connected bool) (store.Visitor, Beat, error) {
	pv, err := page.validate()
	if err != nil {
		return store.Visitor{}, Beat{}, err
	}
	set, err := s.workspaceSettings(ctx, v.WorkspaceID)
	if err != nil {
		return store.Visitor{}, Beat{}, err
	}
	now := s.clock.Now()
	ttl := time.Duration(set.VisitorTTLSeconds) * time.Second
	quiet := max(ttl/2, MaxHeartbeatGap)
	if v.Online && v.OnPage(pv) && v.PresenceExpiresAt.Sub(now) > quiet {
		return v, beatOf(v, quiet), nil
	}
	p, err := s.store.TouchVisitor(ctx, v.WorkspaceID, v.ID, pv, now, now.Add(ttl), s.opts.PageViews)
	if err != nil {
		return store.Visitor{}, Beat{}, err
	}
	if p.CameOnline || p.PageChanged {
		s.announce(ctx, p.Visitor, connected, p.CameOnline)
	}
	return p.Visitor, beatOf(p.Visitor, quiet), nil
}

// A Beat is what a connection's last heartbeat left: until QuietUntil, a
// heartbeat on the same page would store nothing (see Heartbeat), so it
// needs no read either. Kept per connection, small (a socket's memory is
// a budget).
type Beat struct {
	URL, Title string
	QuietUntil time.Time
}

// beatOf copies the page's strings: they may share memory with the
// heartbeat's frame, which a Beat would otherwise keep alive for as long
// as the socket is open.
func beatOf(v store.Visitor, quiet time.Duration) Beat {
	return Beat{URL: strings.Clone(v.PageURL), Title: strings.Clone(v.PageTitle), QuietUntil: v.PresenceExpiresAt.Add(-quiet)}
}

// Quiet tells whether a heartbeat on page may be answered from b alone:
// a valid page, the one b was on (or none), before b.QuietUntil. The
// visitor's presence then runs on as stored. A visitor's other tab may
// have moved its current page meanwhile; this tab, staying where it is,
// does not move it back until its next stored heartbeat.
func (s *Service) Quiet(b Beat, page Page) bool {
	pv, err := page.validate()
	return err == nil && s.clock.Now().Before(b.QuietUntil) && (pv.URL == "" || (pv.URL == b.URL && pv.Title == b.Title))
}

// MaxHeartbeatGap bounds the time between two heartbeats of a live widget:
// the realtime server's default heartbeat period (30 s) plus slack for a
// busy client or network. A heartbeat is skipped only while the stored
// expiry is further away than this, so the next one always comes first.
const MaxHeartbeatGap = 45 * time.Second

// Connection tells the desk that a visitor's widget socket opened or
// closed; presence itself runs on until its TTL.
func (s *Service) Connection(ctx context.Context, v store.Visitor, connected bool) {
	s.announce(ctx, v, connected, false)
}

// announce tells the desks of a visitor's new state, at most once a
// second per visitor (deltas.go).
func (s *Service) announce(_ context.Context, v store.Visitor, connected, isNew bool) {
	s.deltas.offer(event.VisitorFrame{Type: event.TypeVisitor, Visitor: event.VisitorView{Visitor: v, Connected: connected}, New: isNew})
}

// ExpireDue marks offline every visitor whose presence expired and tells
// the desk; it returns how many. Each expiry is claimed by one node.
func (s *Service) ExpireDue(ctx context.Context) (int, error) {
	total := 0
	for {
		gone, err := s.store.ExpirePresence(ctx, s.clock.Now(), 500)
		if err != nil {
			return total, err
		}
		for _, v := range gone {
			s.deltas.drop(v.ID)
			s.pub.Publish(ctx, v.WorkspaceID, v.ID, event.Desk, event.VisitorLeftFrame{Type: event.TypeVisitorLeft, VisitorID: v.ID})
		}
		total += len(gone)
		if len(gone) < 500 {
			return total, nil
		}
	}
}

// Online lists a workspace's online visitors (the desk's snapshot).
func (s *Service) Online(ctx context.Context, workspaceID string) ([]store.Visitor, error) {
	return s.store.ListOnlineVisitors(ctx, workspaceID, 1000)
}

// Current reads the acting visitor as it is now (another tab of the same
// visitor may have changed its identity or context).
func (s *Service) Current(ctx context.Context, a auth.Actor) (store.Visitor, error) {
	if !a.IsVisitor() {
		return store.Visitor{}, apperr.New(apperr.Forbidden, "forbidden", "only a visitor has a visitor session")
	}
	return s.store.GetVisitor(ctx, a.WorkspaceID, a.VisitorID)
}

// Get reads one visitor with its latest pages.
func (s *Service) Get(ctx context.Context, workspaceID, id string) (store.Visitor, []store.PageView, error) {
	v, err := s.store.GetVisitor(ctx, workspaceID, id)
	if err != nil {
		return store.Visitor{}, nil, err
	}
	pages, err := s.store.ListPageViews(ctx, workspaceID, id, 50)
	return v, pages, err
}

// Identity is what the host page says about the visitor.
type Identity struct {
	ExternalID string `json:"external_id"`
	Name       string `json:"name"`
	Email      string `json:"email"`
	Hash       string `json:"hash"`
}

// ErrIdentityRejected means the identity hash does not verify.
var ErrIdentityRejected = apperr.New(apperr.Forbidden, "identity_rejected", "the identity hash does not match")

// vouched reports whether a contact is one the site vouched for (it has
// an external id): a contact of claims says nothing of who the person is,
// so moving from it to a verified one is no change of person.
func (s *Service) vouched(ctx context.Context, workspaceID, contactID string) bool {
	c, err := s.store.GetContact(ctx, workspaceID, contactID)
	return err != nil || c.ExternalID != ""
}

// Identify records who the visitor is. With an external id and a hash that
// verifies under the site's secret (read fresh, never cached), the visitor
// is linked to that contact (created when new). Without a hash, the name
// and e-mail are the visitor's claim: shown, and an e-mail address links
// a visitor without a contact to the contact of claims with that address
// (store.ClaimContact), never to one the site vouched for; a wrong hash
// is refused.
//
// A browser shared by two people (a family computer, a kiosk) keeps one
// visitor token. When a verified identify names a different person than
// the one the visitor is already linked to, the visitor is not reused: a
// new visitor is made for the new person, with a new token (returned in
// Identified.Token; the widget must switch to it), so the second person
// never sees the first one's conversations.
func (s *Service) Identify(ctx context.Context, v store.Visitor, id Identity) (Identified, error) {
	id.Email, id.ExternalID = strings.TrimSpace(id.Email), strings.TrimSpace(id.ExternalID)
	name, ok := printable.Name(id.Name, printable.MaxName, true)
	if !ok {
		return Identified{}, apperr.Invalidf("name", "invalid_name", "name may have at most 100 characters, without control characters")
	}
	id.Name = name
	if len(id.Email) > 254 || (id.Email != "" && !strings.Contains(id.Email, "@")) {
		return Identified{}, apperr.Invalidf("email", "invalid_email", "not a valid e-mail address")
	}
	if len(id.ExternalID) > 128 {
		return Identified{}, apperr.Invalidf("external_id", "invalid_external_id", "external_id may have at most 128 characters")
	}
	contactID := v.ContactID
	verified := false
	if id.Hash != "" || id.ExternalID != "" {
		if id.ExternalID == "" || id.Hash == "" {
			if id.Hash != "" {
				return Identified{}, apperr.Invalidf("external_id", "required", "a hash needs an external_id")
			}
			// An unverified external id is not trusted: it is ignored.
		} else if st, err := s.store.GetSite(ctx, v.WorkspaceID, v.SiteID); err != nil {
			return Identified{}, fmt.Errorf("visitor: identify: the visitor's site: %w", err)
		} else if vouched := site.VerifyProfile(st, id.ExternalID, id.Email, id.Name, id.Hash); vouched == site.VouchedNothing {
			return Identified{}, ErrIdentityRejected
		} else {
			// The contact's name and e-mail are what the site vouched
			// for: with a hash of the id alone, the name and e-mail of
			// this call are the visitor's claim (kept on the visitor,
			// shown as such), never written to the verified contact.
			cname, cemail := "", ""
			if vouched == site.VouchedProfile {
				cname, cemail = id.Name, id.Email
			}
			c, err := s.store.UpsertContact(ctx, v.WorkspaceID, id.ExternalID, cname, cemail, s.clock.Now())
			if err != nil {
				return Identified{}, err
			}
			contactID, verified = c.ID, true
		}
	}
	if !verified && contactID == "" && id.Email != "" {
		// An e-mail address given without proof (the offline form) groups
		// this visitor's chats with that address's earlier ones, in a
		// contact of claims: never one the site vouched for.
		c, err := s.store.ClaimContact(ctx, v.WorkspaceID, strings.ToLower(id.Email), id.Name, s.clock.Now())
		if err != nil {
			return Identified{}, err
		}
		contactID = c.ID
	}
	token := ""
	if verified && v.ContactID != "" && v.ContactID != contactID && s.vouched(ctx, v.WorkspaceID, v.ContactID) {
		nv, tok, err := s.session(ctx, store.Site{ID: v.SiteID, WorkspaceID: v.WorkspaceID}, "", nil)
		if err != nil {
			return Identified{}, err
		}
		if v.IP != "" {
			if err := s.store.SetVisitorIP(ctx, nv.WorkspaceID, nv.ID, v.IP); err != nil {
				return Identified{}, err
			}
		}
		v, token = nv, tok
	}
	name, email := id.Name, id.Email
	if name == "" {
		name = v.Name
	}
	if email == "" {
		email = v.Email
	}
	nv, err := s.store.SetVisitorIdentity(ctx, v.WorkspaceID, v.ID, name, email, contactID)
	if err != nil {
		return Identified{}, err
	}
	s.announce(ctx, nv, true, token != "")
	return Identified{Visitor: nv, Verified: verified, Token: token}, nil
}

// Identified is the outcome of Identify.
type Identified struct {
	Visitor  store.Visitor
	Verified bool   // the external id was verified: the visitor is linked to its contact
	Token    string // set when a new visitor was made for another person: the widget's new token
}

// Context limits: the host page passes small facts (plan, cart value), not
// documents.
const (
	MaxContextKeys   = 50
	MaxContextKey    = 64
	MaxContextString = 1000
	MaxContextBytes  = 8 << 10
)

var contextKey = regexp.MustCompile(`^[A-Za-z0-9_.\-]+$`)

// SetContext merges data into the visitor's context: string, number and
// bool values set a key, null removes it. The result is copied onto the
// visitor's open conversation.
func (s *Service) SetContext(ctx context.Context, v store.Visitor, data map[string]any) (map[string]any, error) {
	if len(data) == 0 {
		return nil, apperr.Invalidf("data", "empty_context", "data must have at least one key")
	}
	merged := make(map[string]any, len(v.Context)+len(data))
	for k, val := range v.Context {
		merged[k] = val
	}
	for k, val := range data {
		if len(k) > MaxContextKey || !contextKey.MatchString(k) {
			return nil, apperr.Invalidf("data."+k, "invalid_context_key", "keys need 1 to %d of A-Z a-z 0-9 _ . -", MaxContextKey)
		}
		switch x := val.(type) {
		case nil:
			delete(merged, k)
			continue
		case string:
			if utf8.RuneCountInString(x) > MaxContextString || !utf8.ValidString(x) {
				return nil, apperr.Invalidf("data."+k, "invalid_context_value", "strings may have at most %d characters", MaxContextString)
			}
		case float64:
			if math.IsInf(x, 0) || math.IsNaN(x) {
				return nil, apperr.Invalidf("data."+k, "invalid_context_value", "numbers must be finite")
			}
		case bool:
		default:
			return nil, apperr.Invalidf("data."+k, "invalid_context_value", "values must be a string, number, bool or null")
		}
		merged[k] = val
	}
	if len(merged) > MaxContextKeys {
		return nil, apperr.Invalidf("data", "too_many_context_keys", "at most %d keys", MaxContextKeys)
	}
	size := 0
	for k, val := range merged {
		size += len(k) + len(fmt.Sprint(val)) + 8
	}
	if size > MaxContextBytes {
		return nil, apperr.Invalidf("data", "context_too_large", "context data may hold at most %d bytes", MaxContextBytes)
	}
	if err := s.store.SetVisitorContext(ctx, v.WorkspaceID, v.ID, merged, s.clock.Now()); err != nil {
		return nil, err
	}
	v.Context = merged
	s.announce(ctx, v, true, false)
	return merged, nil
}

// Own is what a visitor's widget is told about the visitor itself: what
// the visitor gave (name, e-mail, context) and where it is, without what
// only agents see (the address it came from, the contact it is linked
// to). Every visitor object sent to a widget goes through it.
func Own(v store.Visitor) store.Visitor {
	v.IP, v.ContactID = "", ""
	return v
}
