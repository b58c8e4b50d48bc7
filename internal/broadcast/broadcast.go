// Package broadcast keeps broadcasts: announcements through the widget
// (a banner, or a chat message from the team) for an audience, shown at a
// frequency, with a status the timer runner moves along its schedule.
//
// Who sees what is decided by the server in one place (Sync): a widget
// asks, on connect and whenever its page changes or it is told that a
// broadcast changed, what its page view should show now; the store
// claims each showing in one transaction per visitor, so two tabs, two
// nodes or a reconnect never show a broadcast twice where its frequency
// says once. Activating, pausing, editing or ending a broadcast tells
// every node (a "broadcast" desk frame on the bus); each node tells the
// widgets it holds that could be concerned (Concerns) and they ask again.
package broadcast

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/event"
	"github.com/querytel/livedesk/internal/printable"
	"github.com/querytel/livedesk/internal/store"
)

// Store is what broadcast needs from the database.
type Store interface {
	CreateBroadcast(ctx context.Context, b store.Broadcast, now time.Time) (store.Broadcast, error)
	GetBroadcast(ctx context.Context, workspaceID, id string) (store.Broadcast, error)
	UpdateBroadcast(ctx context.Context, b store.Broadcast, from []string, now time.Time) (store.Broadcast, error)
	DeleteBroadcast(ctx context.Context, workspaceID, id string) error
	ListBroadcasts(ctx context.Context, workspaceID, status, beforeID string, limit int) ([]store.Broadcast, error)
	LiveBroadcasts(ctx context.Context, workspaceID string) ([]store.Broadcast, error)
	DueBroadcasts(ctx context.Context, now time.Time, limit int) ([]store.Broadcast, error)
	ClaimBroadcasts(ctx context.Context, at store.Showing, offers []store.Offer, now time.Time) ([]string, error)
	RecordBroadcastEvent(ctx context.Context, workspaceID, broadcastID, visitorID, what, conversationID string, now time.Time) (bool, error)
	ShownBroadcast(ctx context.Context, workspaceID, broadcastID, visitorID string) error
	BroadcastTotals(ctx context.Context, workspaceID string, ids []string) (map[string]store.BroadcastStats, error)
	GetVisitor(ctx context.Context, workspaceID, id string) (store.Visitor, error)
	GetContact(ctx context.Context, workspaceID, id string) (store.Contact, error)
	GetAgent(ctx context.Context, workspaceID, id string) (store.Agent, error)
	ListOnlineVisitors(ctx context.Context, workspaceID string, limit int) ([]store.Visitor, error)
	OnlineContactFields(ctx context.Context, workspaceID string, limit int) (map[string]map[string]store.ContactField, error)
	OpenConversation(ctx context.Context, workspaceID, visitorID string) (store.Conversation, error)
	GetWorkspace(ctx context.Context, id string) (store.Workspace, error)
	GetSite(ctx context.Context, workspaceID, id string) (store.Site, error)
}

// Limits.
const (
	MaxText      = 1000
	MaxLabel     = 40
	MaxRules     = 20 // page rules, field rules, languages, sites: each
	MaxRuleValue = 500
	MaxList      = 200 // broadcasts listed
	// MaxLive bounds the active broadcasts of a workspace: each is
	// matched against every widget that asks.
	MaxLive = 50
	// cacheTTL bounds how long a node serves a workspace's active
	// broadcasts from memory when a change's bus event was missed.
	cacheTTL = 10 * time.Second
	// estimateCap bounds the online visitors an estimate reads.
	estimateCap = 10000
	// returningAfter: a visitor whose current visit began this long after
	// its first is returning.
	returningAfter = 30 * time.Minute
)

// Errors.
var (
	ErrNotFound = apperr.New(apperr.NotFound, "broadcast_not_found", "no such broadcast")
	ErrEnded    = apperr.New(apperr.Conflict, "broadcast_ended", "this broadcast has ended; duplicate it to send it again")
	ErrTooMany  = apperr.New(apperr.Conflict, "too_many_live_broadcasts", fmt.Sprintf("at most %d broadcasts are active or scheduled at once; pause or end one first", MaxLive))
	ErrChanged  = apperr.New(apperr.Conflict, "broadcast_changed", "the broadcast changed meanwhile; reload it")
)

// Service manages broadcasts and decides what each widget shows.
type Service struct {
	store Store
	clock clock.Clock
	pub   *event.Publisher

	mu   sync.Mutex
	live map[string]liveSet // by workspace
	// gen counts each workspace's changes (Forget): a read that began
	// before a change must not store what it read after it.
	gen map[string]uint64
}

// liveSet is a workspace's active broadcasts as read at, with its time
// zone (once a day counts its days).
type liveSet struct {
	list []store.Broadcast
	loc  *time.Location
	at   time.Time
}

// New returns a Service.
func New(st Store, clk clock.Clock, pub *event.Publisher) *Service {
	return &Service{store: st, clock: clk, pub: pub, live: map[string]liveSet{}, gen: map[string]uint64{}}
}

// Input is a broadcast as an agent writes it.
type Input struct {
	Name      string          `json:"name"`
	Kind      string          `json:"kind"`
	Placement string          `json:"placement"`
	Text      string          `json:"text"`
	Button    *store.Button   `json:"button"`
	SenderID  string          `json:"sender_id"`
	Audience  *store.Audience `json:"audience"`
	Frequency string          `json:"frequency"`
	StartsAt  *time.Time      `json:"starts_at"`
	EndsAt    *time.Time      `json:"ends_at"`
}

// inputOf is b as an Input: what a PATCH starts from.
func inputOf(b store.Broadcast) Input {
	aud := b.Audience
	return Input{Name: b.Name, Kind: b.Kind, Placement: b.Placement, Text: b.Text, Button: b.Button, SenderID: b.SenderID,
		Audience: &aud, Frequency: b.Frequency, StartsAt: b.StartsAt, EndsAt: b.EndsAt}
}

var (
	kinds       = []string{store.BroadcastBanner, store.BroadcastMessage}
	placements  = []string{store.PlaceTop, store.PlaceBottom, store.PlaceWidget}
	frequencies = []string{store.OncePerVisitor, store.OncePerSession, store.OncePerDay, store.EveryPageView}
	matches     = []string{"equals", "contains", "starts_with", "glob"}
)

// valid checks in and copies it onto b.
func valid(in Input, b *store.Broadcast) error {
	name, ok := printable.Name(in.Name, printable.MaxName, false)
	if !ok {
		return apperr.Invalidf("name", "invalid_name", "a name needs 1 to %d characters", printable.MaxName)
	}
	if !slices.Contains(kinds, in.Kind) {
		return apperr.Invalidf("kind", "invalid_kind", "kind is banner or message")
	}
	text := strings.TrimSpace(in.Text)
	if text == "" || !utf8.ValidString(text) || utf8.RuneCountInString(text) > MaxText || strings.ContainsRune(text, 0) {
		return apperr.Invalidf("text", "invalid_text", "a text needs 1 to %d characters", MaxText)
	}
	b.Name, b.Kind, b.Text, b.Placement, b.Button, b.SenderID = name, in.Kind, text, "", nil, ""
	switch in.Kind {
	case store.BroadcastBanner:
		if !slices.Contains(placements, in.Placement) {
			return apperr.Invalidf("placement", "invalid_placement", "a banner's placement is top, bottom or widget")
		}
		b.Placement = in.Placement
		if in.Button != nil && (in.Button.Label != "" || in.Button.URL != "") {
			label, ok := printable.Name(in.Button.Label, MaxLabel, false)
			if !ok {
				return apperr.Invalidf("button.label", "invalid_button", "a button's label needs 1 to %d characters", MaxLabel)
			}
			if !webURL(in.Button.URL) {
				return apperr.Invalidf("button.url", "invalid_button", "a button's link is an http or https URL")
			}
			b.Button = &store.Button{Label: label, URL: in.Button.URL}
		}
	case store.BroadcastMessage:
		if in.Button != nil && in.Button.Label != "" {
			return apperr.Invalidf("button", "invalid_button", "a chat message has no button: the visitor replies")
		}
		b.SenderID = in.SenderID
	}
	if !slices.Contains(frequencies, in.Frequency) {
		return apperr.Invalidf("frequency", "invalid_frequency", "frequency is once, session, day or page_view")
	}
	b.Frequency = in.Frequency
	aud := store.Audience{Visitors: "all", Identity: "all"}
	if in.Audience != nil {
		aud = *in.Audience
	}
	if err := validAudience(&aud); err != nil {
		return err
	}
	b.Audience = aud
	if in.StartsAt != nil && in.EndsAt != nil && !in.EndsAt.After(*in.StartsAt) {
		return apperr.Invalidf("ends_at", "invalid_schedule", "a broadcast ends after it starts")
	}
	b.StartsAt, b.EndsAt = in.StartsAt, in.EndsAt
	return nil
}

func webURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && len(s) <= 2048 && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// validAudience checks an audience and puts it in its stored shape (no
// nil lists, "all" for unset choices, lower-case languages).
func validAudience(a *store.Audience) error {
	if a.Visitors == "" {
		a.Visitors = "all"
	}
	if a.Identity == "" {
		a.Identity = "all"
	}
	if !slices.Contains([]string{"all", "new", "returning"}, a.Visitors) {
		return apperr.Invalidf("audience.visitors", "invalid_audience", "visitors is all, new or returning")
	}
	if !slices.Contains([]string{"all", "identified", "anonymous"}, a.Identity) {
		return apperr.Invalidf("audience.identity", "invalid_audience", "identity is all, identified or anonymous")
	}
	for field, n := range map[string]int{"audience.site_ids": len(a.SiteIDs), "audience.pages": len(a.Pages),
		"audience.fields": len(a.Fields), "audience.languages": len(a.Languages)} {
		if n > MaxRules {
			return apperr.Invalidf(field, "invalid_audience", "at most %d rules of a kind", MaxRules)
		}
	}
	for i, p := range a.Pages {
		if !slices.Contains(matches, p.Match) {
			return apperr.Invalidf(fmt.Sprintf("audience.pages[%d].match", i), "invalid_audience", "a page rule matches by equals, contains, starts_with or glob")
		}
		if p.Value == "" || len(p.Value) > MaxRuleValue || !utf8.ValidString(p.Value) {
			return apperr.Invalidf(fmt.Sprintf("audience.pages[%d].value", i), "invalid_audience", "a page rule needs a value of 1 to %d bytes", MaxRuleValue)
		}
	}
	for i, f := range a.Fields {
		if f.Key == "" || len(f.Key) > 64 || len(f.Value) > MaxRuleValue || !utf8.ValidString(f.Key+f.Value) {
			return apperr.Invalidf(fmt.Sprintf("audience.fields[%d]", i), "invalid_audience", "a field rule needs a key of 1 to 64 bytes and a value of at most %d", MaxRuleValue)
		}
	}
	for i, l := range a.Languages {
		l = strings.ToLower(strings.TrimSpace(l))
		if len(l) < 2 || len(l) > 8 || strings.Trim(l, "abcdefghijklmnopqrstuvwxyz") != "" {
			return apperr.Invalidf(fmt.Sprintf("audience.languages[%d]", i), "invalid_audience", "a language is a primary subtag such as en or pt")
		}
		a.Languages[i] = l
	}
	for _, list := range []*[]string{&a.SiteIDs, &a.Languages} {
		if *list == nil {
			*list = []string{}
		}
	}
	if a.Pages == nil {
		a.Pages = []store.PageRule{}
	}
	if a.Fields == nil {
		a.Fields = []store.FieldRule{}
	}
	return nil
}

// WithStats is a broadcast as REST answers it: with its all-time counts.
type WithStats struct {
	store.Broadcast
	Stats store.BroadcastStats `json:"stats"`
}

func mayManage(a auth.Actor) error {
	if !a.Can(auth.ManageBroadcasts) {
		return apperr.ErrForbidden
	}
	return nil
}

func mapErr(err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return ErrNotFound
	case errors.Is(err, store.ErrStale):
		return ErrChanged
	}
	return err
}

// Create stores a new draft. A chat message comes from its author unless
// it names another agent.
func (s *Service) Create(ctx context.Context, a auth.Actor, in Input) (WithStats, error) {
	if err := mayManage(a); err != nil {
		return WithStats{}, err
	}
	if in.Kind == store.BroadcastMessage && in.SenderID == "" {
		in.SenderID = a.AgentID
	}
	b := store.Broadcast{WorkspaceID: a.WorkspaceID, Status: store.BroadcastDraft, CreatedBy: a.AgentID}
	if err := valid(in, &b); err != nil {
		return WithStats{}, err
	}
	if err := s.sitesOwned(ctx, a.WorkspaceID, b.Audience.SiteIDs); err != nil {
		return WithStats{}, err
	}
	out, err := s.store.CreateBroadcast(ctx, b, s.clock.Now())
	if errors.Is(err, store.ErrNotFound) {
		return WithStats{}, apperr.Invalidf("sender_id", "unknown_agent", "no such agent")
	}
	if err != nil {
		return WithStats{}, err
	}
	s.changed(ctx, out, false)
	return WithStats{Broadcast: out}, nil
}

// sitesOwned refuses site ids that are not the workspace's.
func (s *Service) sitesOwned(ctx context.Context, workspaceID string, ids []string) error {
	for _, id := range ids {
		_, err := s.store.GetSite(ctx, workspaceID, id)
		if errors.Is(err, store.ErrNotFound) {
			return apperr.Invalidf("audience.site_ids", "unknown_site", "no such site: %s", id)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Get reads one broadcast with its counts.
func (s *Service) Get(ctx context.Context, a auth.Actor, id string) (WithStats, error) {
	if err := mayManage(a); err != nil {
		return WithStats{}, err
	}
	b, err := s.store.GetBroadcast(ctx, a.WorkspaceID, id)
	if err != nil {
		return WithStats{}, mapErr(err)
	}
	totals, err := s.store.BroadcastTotals(ctx, a.WorkspaceID, []string{b.ID})
	return WithStats{Broadcast: b, Stats: totals[b.ID]}, err
}

// List lists the workspace's broadcasts of one status ("": any), newest
// first, with their counts: a page of at most MaxList, after the
// broadcast beforeID ("": from the newest).
func (s *Service) List(ctx context.Context, a auth.Actor, status, beforeID string) ([]WithStats, error) {
	if err := mayManage(a); err != nil {
		return nil, err
	}
	if status != "" && !slices.Contains([]string{store.BroadcastDraft, store.BroadcastScheduled, store.BroadcastActive, store.BroadcastPaused, store.BroadcastEnded}, status) {
		return nil, apperr.Invalidf("status", "invalid_status", "status is draft, scheduled, active, paused or ended")
	}
	if beforeID != "" {
		if _, err := s.store.GetBroadcast(ctx, a.WorkspaceID, beforeID); err != nil {
			return nil, apperr.Invalidf("before_id", "unknown_broadcast", "before_id names no broadcast of this workspace")
		}
	}
	list, err := s.store.ListBroadcasts(ctx, a.WorkspaceID, status, beforeID, MaxList)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(list))
	for i, b := range list {
		ids[i] = b.ID
	}
	totals, err := s.store.BroadcastTotals(ctx, a.WorkspaceID, ids)
	out := make([]WithStats, len(list))
	for i, b := range list {
		out[i] = WithStats{Broadcast: b, Stats: totals[b.ID]}
	}
	return out, err
}

// Update changes a broadcast: apply fills in the changes over what it is
// now (a PATCH's fields). An active one's widgets follow at once.
func (s *Service) Update(ctx context.Context, a auth.Actor, id string, apply func(*Input) error) (WithStats, error) {
	b, err := s.changeable(ctx, a, id)
	if err != nil {
		return WithStats{}, err
	}
	in := inputOf(b)
	if err := apply(&in); err != nil {
		return WithStats{}, err
	}
	if in.Kind == store.BroadcastMessage && in.SenderID == "" {
		in.SenderID = a.AgentID
	}
	if err := valid(in, &b); err != nil {
		return WithStats{}, err
	}
	if err := s.sitesOwned(ctx, a.WorkspaceID, b.Audience.SiteIDs); err != nil {
		return WithStats{}, err
	}
	// A scheduled broadcast follows its new start (the limit of live ones
	// counts it already).
	from := b.Status
	if b.Status == store.BroadcastScheduled && (b.StartsAt == nil || !b.StartsAt.After(s.clock.Now())) {
		b.Status = store.BroadcastActive
	}
	return s.save(ctx, a, b, []string{from})
}

// save stores b if its status is still one of from, and tells everyone.
func (s *Service) save(ctx context.Context, a auth.Actor, b store.Broadcast, from []string) (WithStats, error) {
	out, err := s.store.UpdateBroadcast(ctx, b, from, s.clock.Now())
	if errors.Is(err, store.ErrNotFound) && b.SenderID != "" {
		if _, gone := s.store.GetBroadcast(ctx, a.WorkspaceID, b.ID); gone == nil {
			return WithStats{}, apperr.Invalidf("sender_id", "unknown_agent", "no such agent")
		}
	}
	if err != nil {
		return WithStats{}, mapErr(err)
	}
	s.changed(ctx, out, false)
	totals, err := s.store.BroadcastTotals(ctx, a.WorkspaceID, []string{out.ID})
	return WithStats{Broadcast: out, Stats: totals[out.ID]}, err
}

// Activate starts a broadcast now, or schedules it when its start is to
// come. An ended one stays ended; one whose end has passed cannot start.
func (s *Service) Activate(ctx context.Context, a auth.Actor, id string) (WithStats, error) {
	return s.move(ctx, a, id, func(b *store.Broadcast) error {
		now := s.clock.Now()
		if b.EndsAt != nil && !b.EndsAt.After(now) {
			return apperr.Invalidf("ends_at", "invalid_schedule", "its end has passed: set a later end (or none) first")
		}
		if b.Status != store.BroadcastActive && b.Status != store.BroadcastScheduled {
			n, err := s.liveCount(ctx, a.WorkspaceID)
			if err != nil {
				return err
			}
			if n >= MaxLive {
				return ErrTooMany
			}
		}
		if b.StartsAt != nil && b.StartsAt.After(now) {
			b.Status = store.BroadcastScheduled
		} else {
			b.Status = store.BroadcastActive
		}
		return nil
	})
}

// liveCount is how many of a workspace's broadcasts are active or
// scheduled: the schedule makes the one kind the other, so the limit
// counts both.
func (s *Service) liveCount(ctx context.Context, workspaceID string) (int, error) {
	n := 0
	for _, status := range []string{store.BroadcastActive, store.BroadcastScheduled} {
		list, err := s.store.ListBroadcasts(ctx, workspaceID, status, "", MaxLive)
		if err != nil {
			return 0, err
		}
		n += len(list)
	}
	return n, nil
}

// Pause withdraws a broadcast from every widget until it is activated again.
func (s *Service) Pause(ctx context.Context, a auth.Actor, id string) (WithStats, error) {
	return s.move(ctx, a, id, func(b *store.Broadcast) error {
		b.Status = store.BroadcastPaused
		return nil
	})
}

// End ends a broadcast for good.
func (s *Service) End(ctx context.Context, a auth.Actor, id string) (WithStats, error) {
	return s.move(ctx, a, id, func(b *store.Broadcast) error {
		b.Status = store.BroadcastEnded
		return nil
	})
}

// changeable reads a broadcast the actor may change: one that has not
// ended.
func (s *Service) changeable(ctx context.Context, a auth.Actor, id string) (store.Broadcast, error) {
	if err := mayManage(a); err != nil {
		return store.Broadcast{}, err
	}
	b, err := s.store.GetBroadcast(ctx, a.WorkspaceID, id)
	if err != nil {
		return store.Broadcast{}, mapErr(err)
	}
	if b.Status == store.BroadcastEnded {
		return store.Broadcast{}, ErrEnded
	}
	return b, nil
}

// move changes a broadcast's status by to, from the status it has now.
func (s *Service) move(ctx context.Context, a auth.Actor, id string, to func(*store.Broadcast) error) (WithStats, error) {
	b, err := s.changeable(ctx, a, id)
	if err != nil {
		return WithStats{}, err
	}
	from := b.Status
	if err := to(&b); err != nil {
		return WithStats{}, err
	}
	return s.save(ctx, a, b, []string{from})
}

// Delete removes a broadcast, its views and its counts; widgets showing
// it withdraw it.
func (s *Service) Delete(ctx context.Context, a auth.Actor, id string) error {
	if err := mayManage(a); err != nil {
		return err
	}
	if err := s.store.DeleteBroadcast(ctx, a.WorkspaceID, id); err != nil {
		return mapErr(err)
	}
	s.changed(ctx, store.Broadcast{ID: id, WorkspaceID: a.WorkspaceID}, true)
	return nil
}

// RunDue starts the scheduled broadcasts whose time came and ends those
// whose end passed (the timer runner, every few seconds); it returns how
// many moved. Each move is made by one node.
func (s *Service) RunDue(ctx context.Context) (int, error) {
	moved, err := s.store.DueBroadcasts(ctx, s.clock.Now(), 100)
	for _, b := range moved {
		s.changed(ctx, b, false)
	}
	return len(moved), err
}

// Frame is a broadcast's change as desks receive it (and every node's
// hub, which tells the widgets concerned).
type Frame struct {
	Type      string          `json:"type"` // "broadcast"
	Broadcast store.Broadcast `json:"broadcast"`
}

// RemovedFrame tells that a broadcast was deleted.
type RemovedFrame struct {
	Type        string `json:"type"` // "broadcast.removed"
	BroadcastID string `json:"broadcast_id"`
}

// Frame types.
const (
	TypeBroadcast = "broadcast"
	TypeRemoved   = "broadcast.removed"
	// TypeChanged is what a widget is told: a broadcast it may show (or
	// shows) changed; live says whether it may be shown now.
	TypeChanged = "broadcast.changed"
)

// ChangedFrame is TypeChanged.
type ChangedFrame struct {
	Type        string `json:"type"`
	BroadcastID string `json:"broadcast_id"`
	Live        bool   `json:"live"`
}

// changed forgets this node's copy of the workspace's active broadcasts
// and tells every desk and every node.
func (s *Service) changed(ctx context.Context, b store.Broadcast, removed bool) {
	s.Forget(b.WorkspaceID)
	if removed {
		s.pub.Publish(ctx, b.WorkspaceID, "", event.Desk, RemovedFrame{Type: TypeRemoved, BroadcastID: b.ID})
		return
	}
	s.pub.Publish(ctx, b.WorkspaceID, "", event.Desk, Frame{Type: TypeBroadcast, Broadcast: b})
}

// Forget drops this node's copy of a workspace's active broadcasts: the
// next widget that asks reads them again.
func (s *Service) Forget(workspaceID string) {
	s.mu.Lock()
	delete(s.live, workspaceID)
	s.gen[workspaceID]++
	s.mu.Unlock()
}

// Live lists a workspace's active broadcasts, from memory when read less
// than cacheTTL ago: every widget's hello asks, and most workspaces have
// none or a few.
func (s *Service) Live(ctx context.Context, workspaceID string) ([]store.Broadcast, error) {
	set, err := s.liveSet(ctx, workspaceID)
	return set.list, err
}

func (s *Service) liveSet(ctx context.Context, workspaceID string) (liveSet, error) {
	now := s.clock.Now()
	s.mu.Lock()
	set, ok := s.live[workspaceID]
	gen := s.gen[workspaceID]
	s.mu.Unlock()
	if ok && now.Sub(set.at) < cacheTTL {
		return set, nil
	}
	list, err := s.store.LiveBroadcasts(ctx, workspaceID)
	if err != nil {
		return liveSet{}, err
	}
	set = liveSet{list: list, loc: time.UTC, at: now}
	if len(list) > 0 {
		ws, err := s.store.GetWorkspace(ctx, workspaceID)
		if err != nil {
			return liveSet{}, err
		}
		if loc, err := time.LoadLocation(ws.Settings.TimeZone); err == nil {
			set.loc = loc
		}
	}
	s.mu.Lock()
	if len(s.live) > 100000 {
		clear(s.live) // bounded: a node serving very many workspaces reads again
		clear(s.gen)
	}
	if s.gen[workspaceID] == gen {
		s.live[workspaceID] = set // else a change came meanwhile: the next question reads again
	}
	s.mu.Unlock()
	return set, nil
}

// Where is what a widget says about where it is.
type Where struct {
	URL  string `json:"url"`
	Lang string `json:"lang"`
	// View is the page view's id: random per page load, the same across
	// the socket's reconnects.
	View string `json:"view"`
}

// View is a broadcast as a widget shows it.
type View struct {
	ID        string        `json:"id"`
	Kind      string        `json:"kind"`
	Placement string        `json:"placement,omitempty"`
	Text      string        `json:"text"`
	Button    *store.Button `json:"button,omitempty"`
	Sender    string        `json:"sender,omitempty"`
}

// Sync decides what a visitor's page view shows now: the active
// broadcasts whose audience it is in, less those its frequency or a
// dismissal rule out. A widget asks on connect, when its page changes and
// when told a broadcast changed; what it shows and is not in the answer,
// it withdraws.
func (s *Service) Sync(ctx context.Context, a auth.Actor, w Where) ([]View, error) {
	if !a.IsVisitor() {
		return nil, apperr.New(apperr.Forbidden, "forbidden", "only a visitor's widget shows broadcasts")
	}
	if len(w.View) < 8 || len(w.View) > 64 {
		return nil, apperr.Invalidf("view", "invalid_view", "view is the page view's random id, 8 to 64 characters")
	}
	if len(w.URL) > 2048 || len(w.Lang) > 35 {
		return nil, apperr.Invalidf("url", "invalid_url", "url is at most 2048 bytes, lang at most 35")
	}
	set, err := s.liveSet(ctx, a.WorkspaceID)
	if err != nil || len(set.list) == 0 {
		return []View{}, err
	}
	v, err := s.store.GetVisitor(ctx, a.WorkspaceID, a.VisitorID)
	if err != nil {
		return nil, err
	}
	var (
		contact  *store.Contact
		banners  []store.Offer
		messages []store.Offer
		byID     = map[string]store.Broadcast{}
	)
	for _, b := range set.list {
		if !onPage(b.Audience, v.SiteID, w.URL) || !s.matchesVisitor(b.Audience, v, w.Lang) {
			continue
		}
		if len(b.Audience.Fields) > 0 {
			if contact == nil && v.ContactID != "" {
				c, err := s.store.GetContact(ctx, a.WorkspaceID, v.ContactID)
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					return nil, err
				}
				contact = &c
			}
			if contact == nil || !fieldsMatch(b.Audience.Fields, *contact) {
				continue
			}
		}
		o := store.Offer{BroadcastID: b.ID, Frequency: b.Frequency}
		if b.Kind == store.BroadcastMessage {
			messages = append(messages, o)
		} else {
			banners = append(banners, o)
		}
		byID[b.ID] = b
	}
	if len(banners) == 0 && len(messages) == 0 {
		return []View{}, nil
	}
	// A visitor in a chat is shown no chat message: its reply would go
	// to the chat under way.
	if len(messages) > 0 {
		if _, err := s.store.OpenConversation(ctx, a.WorkspaceID, v.ID); err == nil {
			messages = nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	at := store.Showing{WorkspaceID: a.WorkspaceID, VisitorID: v.ID, PageView: w.View, Session: v.SessionStart,
		Day: s.clock.Now().In(set.loc).Format(time.DateOnly)}
	shown, err := s.store.ClaimBroadcasts(ctx, at, banners, s.clock.Now())
	if err != nil {
		return nil, err
	}
	// One chat message at a time, the oldest that may still show: the
	// others are not spent on a showing nobody sees.
	for _, m := range messages {
		got, err := s.store.ClaimBroadcasts(ctx, at, []store.Offer{m}, s.clock.Now())
		if err != nil {
			return nil, err
		}
		if len(got) > 0 {
			shown = append(shown, got...)
			break
		}
	}
	out := make([]View, 0, len(shown))
	for _, id := range shown {
		b := byID[id]
		view := View{ID: b.ID, Kind: b.Kind, Placement: b.Placement, Text: b.Text, Button: b.Button}
		if b.Kind == store.BroadcastMessage {
			view.Sender = s.senderName(ctx, b)
		}
		out = append(out, view)
	}
	return out, nil
}

// senderName is the name a chat message is signed with: its sender's,
// or none (the widget signs it with the team's) when the sender is gone.
func (s *Service) senderName(ctx context.Context, b store.Broadcast) string {
	if b.SenderID == "" {
		return ""
	}
	ag, err := s.store.GetAgent(ctx, b.WorkspaceID, b.SenderID)
	if err != nil {
		return ""
	}
	return ag.Name
}

// Concerns tells whether a widget of a visitor of site, on page pageURL,
// may be in an audience as far as its site and page go: the rules a node
// checks on its own sockets before telling them of a change. A page not
// known yet ("") may be: the widget is told, asks, and Sync decides.
func Concerns(a store.Audience, siteID, pageURL string) bool {
	if pageURL == "" {
		return len(a.SiteIDs) == 0 || slices.Contains(a.SiteIDs, siteID)
	}
	return onPage(a, siteID, pageURL)
}

// onPage tells whether a visitor of site on page pageURL is in an
// audience as far as its site and page go. A page rule never matches an
// unknown page ("": a page that is no http(s) URL).
func onPage(a store.Audience, siteID, pageURL string) bool {
	if len(a.SiteIDs) > 0 && !slices.Contains(a.SiteIDs, siteID) {
		return false
	}
	if len(a.Pages) == 0 {
		return true
	}
	for _, r := range a.Pages {
		if pageURL != "" && PageMatches(r, pageURL) {
			return true
		}
	}
	return false
}

// PageMatches tells whether a page rule matches a page's URL. A value
// that starts with "/" is matched against the URL's path (with its query
// when the value has a "?"); any other against the whole URL without its
// fragment. Glob: "*" stands for any run of characters, "/" included.
func PageMatches(r store.PageRule, pageURL string) bool {
	subject, _, _ := strings.Cut(pageURL, "#")
	if strings.HasPrefix(r.Value, "/") {
		u, err := url.Parse(subject)
		if err != nil {
			return false
		}
		subject = u.EscapedPath()
		if subject == "" {
			subject = "/"
		}
		if strings.Contains(r.Value, "?") && u.RawQuery != "" {
			subject += "?" + u.RawQuery
		}
	}
	switch r.Match {
	case "equals":
		return subject == r.Value || (len(subject) > 1 && strings.TrimSuffix(subject, "/") == strings.TrimSuffix(r.Value, "/"))
	case "contains":
		return strings.Contains(subject, r.Value)
	case "starts_with":
		return strings.HasPrefix(subject, r.Value)
	case "glob":
		return glob(r.Value, subject)
	}
	return false
}

// glob matches s against a pattern where "*" is any run of characters.
func glob(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return s == pattern
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return strings.HasSuffix(s, last)
}

// matchesVisitor checks the rules about the visitor itself: new or
// returning, identified or anonymous, and its browser's language.
func (s *Service) matchesVisitor(a store.Audience, v store.Visitor, lang string) bool {
	returning := v.SessionStart.Sub(v.CreatedAt) >= returningAfter
	switch {
	case a.Visitors == "new" && returning, a.Visitors == "returning" && !returning:
		return false
	case a.Identity == "identified" && v.ContactID == "", a.Identity == "anonymous" && v.ContactID != "":
		return false
	}
	if len(a.Languages) == 0 {
		return true
	}
	primary, _, _ := strings.Cut(strings.ToLower(lang), "-")
	return slices.Contains(a.Languages, primary)
}

// fieldsMatch tells whether a contact's fields equal every rule's value
// (compared as text: "pro", "42", "true", "2026-01-31").
func fieldsMatch(rules []store.FieldRule, c store.Contact) bool {
	for _, r := range rules {
		f, ok := c.Fields[r.Key]
		if !ok || fmt.Sprint(f.Value) != r.Value {
			return false
		}
	}
	return true
}

// Event records what a visitor did with a broadcast it was shown: shown
// (the widget displayed it), dismissed or clicked. Repeats count once.
func (s *Service) Event(ctx context.Context, a auth.Actor, broadcastID, what string) error {
	if !a.IsVisitor() {
		return apperr.New(apperr.Forbidden, "forbidden", "only a visitor's widget reports broadcast events")
	}
	if !slices.Contains([]string{store.BroadcastShown, store.BroadcastDismissed, store.BroadcastClicked}, what) {
		return apperr.Invalidf("event", "invalid_event", "event is shown, dismissed or clicked")
	}
	if what == store.BroadcastClicked {
		// Only a button is clicked: a forged click on anything else would
		// count for nothing real.
		if b, err := s.store.GetBroadcast(ctx, a.WorkspaceID, broadcastID); errors.Is(err, store.ErrNotFound) || err == nil && b.Button == nil {
			return ErrNotFound
		} else if err != nil {
			return err
		}
	}
	_, err := s.store.RecordBroadcastEvent(ctx, a.WorkspaceID, broadcastID, a.VisitorID, what, "", s.clock.Now())
	if errors.Is(err, store.ErrNotShown) {
		return ErrNotFound
	}
	return err
}

// Opening is the first message of a conversation that replies to a chat
// message broadcast: the broadcast's text, signed by its sender.
// ErrNotFound unless it is a chat message the visitor was shown (and did
// not dismiss).
func (s *Service) Opening(ctx context.Context, a auth.Actor, broadcastID string) (store.Message, error) {
	if !a.IsVisitor() {
		return store.Message{}, apperr.New(apperr.Forbidden, "forbidden", "only a visitor replies to a broadcast")
	}
	b, err := s.store.GetBroadcast(ctx, a.WorkspaceID, broadcastID)
	if errors.Is(err, store.ErrNotFound) || err == nil && (b.Kind != store.BroadcastMessage || b.Status != store.BroadcastActive) {
		return store.Message{}, ErrNotFound
	}
	if err != nil {
		return store.Message{}, err
	}
	if err := s.store.ShownBroadcast(ctx, a.WorkspaceID, b.ID, a.VisitorID); errors.Is(err, store.ErrNotShown) {
		return store.Message{}, ErrNotFound
	} else if err != nil {
		return store.Message{}, err
	}
	meta := map[string]any{"event": "broadcast", "broadcast_id": b.ID, "broadcast_name": b.Name}
	if name := s.senderName(ctx, b); name != "" {
		return store.Message{Kind: store.KindText, AuthorType: store.AuthorAgent, AuthorID: b.SenderID, AuthorName: name, Body: b.Text, Meta: meta}, nil
	}
	return store.Message{Kind: store.KindSystem, AuthorType: store.AuthorSystem, Body: b.Text, Meta: meta}, nil
}

// Replied records that a visitor's reply to a broadcast started a
// conversation (once per visitor). ErrNotFound when it was never shown
// the broadcast.
func (s *Service) Replied(ctx context.Context, a auth.Actor, broadcastID, conversationID string) error {
	_, err := s.store.RecordBroadcastEvent(ctx, a.WorkspaceID, broadcastID, a.VisitorID, store.BroadcastReplied, conversationID, s.clock.Now())
	if errors.Is(err, store.ErrNotShown) {
		return ErrNotFound
	}
	return err
}

// Estimate is how many visitors are online now and how many of them an
// audience matches by site, page, visit, identity and contact fields
// (the language is known only when a widget asks, so it is not counted).
type Estimate struct {
	Online   int  `json:"online"`
	Matching int  `json:"matching"`
	Capped   bool `json:"capped,omitempty"` // more were online than counted
}

// Estimate counts the online visitors an audience matches now.
func (s *Service) Estimate(ctx context.Context, a auth.Actor, aud store.Audience) (Estimate, error) {
	if err := mayManage(a); err != nil {
		return Estimate{}, err
	}
	if err := validAudience(&aud); err != nil {
		return Estimate{}, err
	}
	aud.Languages = nil
	online, err := s.store.ListOnlineVisitors(ctx, a.WorkspaceID, estimateCap+1)
	if err != nil {
		return Estimate{}, err
	}
	out := Estimate{Online: min(len(online), estimateCap), Capped: len(online) > estimateCap}
	var fields map[string]map[string]store.ContactField
	if len(aud.Fields) > 0 {
		if fields, err = s.store.OnlineContactFields(ctx, a.WorkspaceID, estimateCap); err != nil {
			return Estimate{}, err
		}
	}
	for _, v := range online[:out.Online] {
		if !onPage(aud, v.SiteID, v.PageURL) || !s.matchesVisitor(aud, v, "") {
			continue
		}
		if len(aud.Fields) > 0 {
			f, ok := fields[v.ID]
			if !ok || !fieldsMatch(aud.Fields, store.Contact{Fields: f}) {
				continue
			}
		}
		out.Matching++
	}
	return out, nil
}
