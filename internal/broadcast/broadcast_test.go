package broadcast_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/broadcast"
	"github.com/querytel/livedesk/internal/bus"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/event"
	"github.com/querytel/livedesk/internal/store"
	"github.com/querytel/livedesk/internal/store/storetest"
)

func TestPageRules(t *testing.T) {
	t.Parallel()
	cases := []struct {
		match, value, url string
		want              bool
	}{
		{"equals", "/pricing", "https://shop.example/pricing", true},
		{"equals", "/pricing", "https://shop.example/pricing/", true},
		{"equals", "/pricing", "https://shop.example/pricing?plan=pro#faq", true},
		{"equals", "/pricing", "https://shop.example/pricing/plans", false},
		{"equals", "/", "https://shop.example", true},
		{"equals", "/", "https://shop.example/pricing", false},
		{"starts_with", "/pricing", "https://shop.example/pricing/plans", true},
		{"starts_with", "/pricing", "https://shop.example/about/pricing", false},
		{"contains", "sale", "https://shop.example/summer-sale", true},
		{"contains", "utm_source=mail", "https://shop.example/?utm_source=mail", true},
		{"glob", "/docs/*/install", "https://shop.example/docs/v2/install", true},
		{"glob", "/docs/*/install", "https://shop.example/docs/v2/setup", false},
		{"glob", "*.example/blog*", "https://shop.example/blog/post", true},
		{"glob", "/pricing?plan=*", "https://shop.example/pricing?plan=pro", true},
		{"equals", "https://shop.example/a", "https://shop.example/a#top", true},
		{"equals", "/a", "not a url \x7f", false},
	}
	for _, c := range cases {
		if got := broadcast.PageMatches(store.PageRule{Match: c.match, Value: c.value}, c.url); got != c.want {
			t.Errorf("%s %q on %q = %v, want %v", c.match, c.value, c.url, got, c.want)
		}
	}
	aud := store.Audience{SiteIDs: []string{"s1"}, Pages: []store.PageRule{{Match: "equals", Value: "/a"}, {Match: "equals", Value: "/b"}}}
	for _, c := range []struct {
		site, url string
		want      bool
	}{{"s1", "https://x.example/b", true}, {"s2", "https://x.example/b", false}, {"s1", "https://x.example/c", false}, {"s1", "", true}} {
		if got := broadcast.Concerns(aud, c.site, c.url); got != c.want {
			t.Errorf("Concerns(%s, %q) = %v, want %v", c.site, c.url, got, c.want)
		}
	}
}

// fixture is a workspace with a site, its owner and a broadcast service
// on a fake clock.
type fixture struct {
	st    *store.Store
	clk   *clock.Fake
	svc   *broadcast.Service
	owner auth.Actor
	site  store.Site
}

func newFixture(t testing.TB, zone string) fixture {
	t.Helper()
	st, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "broadcast.db"), store.Options{AppendBudget: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(t.Context(), storetest.Epoch); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	clk := clock.NewFake(time.Date(2026, 11, 30, 22, 30, 0, 0, time.UTC))
	ws, err := st.CreateWorkspace(ctx, "W", clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	ws.Settings.TimeZone = zone
	if err := st.UpdateWorkspace(ctx, ws, clk.Now()); err != nil {
		t.Fatal(err)
	}
	site, err := st.CreateSite(ctx, store.Site{WorkspaceID: ws.ID, Name: "Shop", WidgetKey: "wk_" + ws.ID, IdentitySecret: "s"}, clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	ag, err := st.CreateAgent(ctx, store.Agent{WorkspaceID: ws.ID, Email: "o@" + ws.ID + ".example", Name: "Olga", Role: "owner", PasswordHash: "h"}, clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	return fixture{st: st, clk: clk, svc: broadcast.New(st, clk, event.NewPublisher(bus.NewMemory(), nil)), site: site,
		owner: auth.Actor{WorkspaceID: ws.ID, AgentID: ag.ID, Role: auth.Owner, Name: "Olga"}}
}

func (f fixture) visitor(t testing.TB, name string) auth.Actor {
	t.Helper()
	v, err := f.st.CreateVisitor(t.Context(), f.site.WorkspaceID, f.site.ID, "tok-"+name, f.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	return auth.Actor{WorkspaceID: v.WorkspaceID, VisitorID: v.ID, SiteID: v.SiteID}
}

func sync(t *testing.T, f fixture, v auth.Actor, view string) []string {
	t.Helper()
	list, err := f.svc.Sync(t.Context(), v, broadcast.Where{URL: "https://shop.example/", Lang: "de-AT", View: view})
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, b := range list {
		out = append(out, b.ID)
	}
	return out
}

// TestScheduleAndDayInTheWorkspaceZone: a broadcast scheduled for a time
// starts when the timer runner passes it and ends at its end; "once a
// day" counts days in the workspace's zone (23:30 UTC is already the next
// day in Vienna).
func TestScheduleAndDayInTheWorkspaceZone(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "Europe/Vienna")
	ctx := t.Context()
	start, end := f.clk.Now().Add(30*time.Minute), f.clk.Now().Add(26*time.Hour)
	b, err := f.svc.Create(ctx, f.owner, broadcast.Input{Name: "Daily", Kind: store.BroadcastBanner, Placement: store.PlaceTop, Text: "Hello",
		Frequency: store.OncePerDay, StartsAt: &start, EndsAt: &end, Audience: &store.Audience{Languages: []string{"DE"}}})
	if err != nil {
		t.Fatal(err)
	}
	if b.Audience.Languages[0] != "de" {
		t.Fatalf("languages are kept lower-case: %v", b.Audience.Languages)
	}
	got, err := f.svc.Activate(ctx, f.owner, b.ID)
	if err != nil || got.Status != store.BroadcastScheduled {
		t.Fatalf("activated before its start: %v %v, want scheduled", got.Status, err)
	}
	v := f.visitor(t, "vera")
	if ids := sync(t, f, v, "view-00001"); len(ids) != 0 {
		t.Fatalf("scheduled, yet shown: %v", ids)
	}
	f.clk.Advance(29 * time.Minute)
	if n, err := f.svc.RunDue(ctx); n != 0 || err != nil {
		t.Fatalf("a minute early: moved %d (%v)", n, err)
	}
	f.clk.Advance(time.Minute) // 23:30 UTC: 00:30 on December 1st in Vienna
	if n, err := f.svc.RunDue(ctx); n != 1 || err != nil {
		t.Fatalf("at its start: moved %d (%v)", n, err)
	}
	if ids := sync(t, f, v, "view-00002"); len(ids) != 1 {
		t.Fatalf("active: shown %v", ids)
	}
	f.clk.Advance(23 * time.Hour) // 22:30 UTC, 23:30 in Vienna: the same local day
	if ids := sync(t, f, v, "view-00003"); len(ids) != 0 {
		t.Fatalf("the same day in Vienna, shown again: %v", ids)
	}
	f.clk.Advance(time.Hour) // 00:30 in Vienna: the next day
	if ids := sync(t, f, v, "view-00004"); len(ids) != 1 {
		t.Fatalf("the next day in Vienna: shown %v", ids)
	}
	f.clk.Advance(2 * time.Hour)
	if n, err := f.svc.RunDue(ctx); n != 1 || err != nil {
		t.Fatalf("at its end: moved %d (%v)", n, err)
	}
	if ids := sync(t, f, v, "view-00005"); len(ids) != 0 {
		t.Fatalf("ended, yet shown: %v", ids)
	}
	if _, err := f.svc.Activate(ctx, f.owner, b.ID); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("activating an ended broadcast: %v", err)
	}
}

// TestAudienceRules: new or returning, identified or anonymous, contact
// fields and the browser's language each narrow who is shown it.
func TestAudienceRules(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	ctx := t.Context()
	mk := func(name string, aud store.Audience) string {
		t.Helper()
		b, err := f.svc.Create(ctx, f.owner, broadcast.Input{Name: name, Kind: store.BroadcastBanner, Placement: store.PlaceTop, Text: name,
			Frequency: store.EveryPageView, Audience: &aud})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Activate(ctx, f.owner, b.ID); err != nil {
			t.Fatal(err)
		}
		return b.ID
	}
	pro := mk("pro", store.Audience{Identity: "identified", Fields: []store.FieldRule{{Key: "plan", Value: "pro"}}})
	anon := mk("anonymous", store.Audience{Identity: "anonymous"})
	fresh := mk("new", store.Audience{Visitors: "new"})
	back := mk("returning", store.Audience{Visitors: "returning"})
	french := mk("french", store.Audience{Languages: []string{"fr"}})

	v := f.visitor(t, "nina")
	has := func(ids []string, id string) bool {
		for _, x := range ids {
			if x == id {
				return true
			}
		}
		return false
	}
	first := sync(t, f, v, "view-10001")
	if !has(first, anon) || !has(first, fresh) || has(first, back) || has(first, pro) || has(first, french) {
		t.Fatalf("a new anonymous German visitor: %v", first)
	}
	c, err := f.st.CreateContact(ctx, store.Contact{WorkspaceID: v.WorkspaceID, Name: "Nina", Email: "nina@example.com",
		Fields: map[string]store.ContactField{"plan": {Type: store.FieldText, Value: "pro"}}}, f.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.SetVisitorIdentity(ctx, v.WorkspaceID, v.VisitorID, "Nina", "nina@example.com", c.ID); err != nil {
		t.Fatal(err)
	}
	// A visit that began an hour after the first is a returning one.
	f.clk.Advance(time.Hour)
	if _, err := f.st.TouchVisitor(ctx, v.WorkspaceID, v.VisitorID, store.PageView{URL: "https://shop.example/"}, f.clk.Now(), f.clk.Now().Add(time.Minute), 10); err != nil {
		t.Fatal(err)
	}
	later := sync(t, f, v, "view-10002")
	if !has(later, pro) || has(later, anon) || has(later, fresh) || !has(later, back) {
		t.Fatalf("the identified pro, returning: %v", later)
	}
	list, err := f.svc.Sync(ctx, v, broadcast.Where{URL: "https://shop.example/", Lang: "fr-CA", View: "view-10003"})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, b := range list {
		ids = append(ids, b.ID)
	}
	if !has(ids, french) {
		t.Fatalf("a French browser is not shown the French broadcast: %v", ids)
	}
}

// TestRefusals: only managers of broadcasts write them; bad input is
// refused with its field and stores nothing.
func TestRefusals(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	ctx := context.Background()
	agent := auth.Actor{WorkspaceID: f.owner.WorkspaceID, AgentID: f.owner.AgentID, Role: auth.Agent}
	in := broadcast.Input{Name: "x", Kind: store.BroadcastBanner, Placement: store.PlaceTop, Text: "x", Frequency: store.OncePerVisitor}
	if _, err := f.svc.Create(ctx, agent, in); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("an agent without the grant: %v", err)
	}
	agent.Grants = []auth.Permission{auth.ManageBroadcasts}
	if _, err := f.svc.Create(ctx, agent, in); err != nil {
		t.Fatalf("an agent with the grant: %v", err)
	}
	for field, bad := range map[string]broadcast.Input{
		"name":                  {Kind: in.Kind, Placement: in.Placement, Text: "x", Frequency: in.Frequency},
		"text":                  {Name: "x", Kind: in.Kind, Placement: in.Placement, Text: "   ", Frequency: in.Frequency},
		"audience.site_ids":     {Name: "x", Kind: in.Kind, Placement: in.Placement, Text: "x", Frequency: in.Frequency, Audience: &store.Audience{SiteIDs: []string{store.NewID()}}},
		"audience.languages[0]": {Name: "x", Kind: in.Kind, Placement: in.Placement, Text: "x", Frequency: in.Frequency, Audience: &store.Audience{Languages: []string{"english!"}}},
		"button":                {Name: "x", Kind: store.BroadcastMessage, Text: "x", Frequency: in.Frequency, Button: &store.Button{Label: "Go", URL: "https://x.example"}},
		"sender_id":             {Name: "x", Kind: store.BroadcastMessage, Text: "x", Frequency: in.Frequency, SenderID: store.NewID()},
	} {
		_, err := f.svc.Create(ctx, f.owner, bad)
		var e *apperr.Error
		if !errors.As(err, &e) || e.Field != field {
			t.Errorf("%s: %v, want a refusal on that field", field, err)
		}
	}
	list, err := f.svc.List(ctx, f.owner, "", "")
	if err != nil || len(list) != 1 {
		t.Fatalf("refusals stored broadcasts: %d (%v)", len(list), err)
	}
}

// TestSyncDecidesStrictly: a page rule never matches a page the widget
// could not name (and such a view uses nothing up); one chat message
// shows at a time and none during a chat; a click on a banner without a
// button, or a reply to a paused message, counts for nothing.
func TestSyncDecidesStrictly(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	ctx := t.Context()
	mk := func(in broadcast.Input) string {
		t.Helper()
		b, err := f.svc.Create(ctx, f.owner, in)
		if err == nil {
			_, err = f.svc.Activate(ctx, f.owner, b.ID)
		}
		if err != nil {
			t.Fatal(err)
		}
		return b.ID
	}
	pricing := mk(broadcast.Input{Name: "p", Kind: store.BroadcastBanner, Placement: store.PlaceTop, Text: "p", Frequency: store.OncePerVisitor,
		Audience: &store.Audience{Pages: []store.PageRule{{Match: "starts_with", Value: "/pricing"}}}})
	first := mk(broadcast.Input{Name: "m1", Kind: store.BroadcastMessage, Text: "first", Frequency: store.OncePerVisitor})
	second := mk(broadcast.Input{Name: "m2", Kind: store.BroadcastMessage, Text: "second", Frequency: store.OncePerVisitor})

	v := f.visitor(t, "strict")
	where := func(url, view string) []string {
		t.Helper()
		list, err := f.svc.Sync(ctx, v, broadcast.Where{URL: url, View: view})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, b := range list {
			ids = append(ids, b.ID)
		}
		return ids
	}
	if got := where("", "view-strict-1"); len(got) != 1 || got[0] != first {
		t.Fatalf("an unnamed page: %v, want the first message only (no page banner)", got)
	}
	if got := where("https://shop.example/pricing", "view-strict-2"); len(got) != 2 || got[0] != pricing || got[1] != second {
		t.Fatalf("on /pricing: %v, want the banner, and the next message (the first is spent)", got)
	}
	if err := f.svc.Event(ctx, v, pricing, store.BroadcastClicked); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("a click on a banner without a button: %v", err)
	}
	if _, err := f.svc.Pause(ctx, f.owner, second); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Opening(ctx, v, second); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("a reply to a paused message opens with it: %v", err)
	}

	// During a chat, no message is offered (nor spent).
	chatter := f.visitor(t, "chatter")
	if _, _, err := f.st.StartConversation(ctx, chatter.WorkspaceID, chatter.VisitorID, "", f.clk.Now()); err != nil {
		t.Fatal(err)
	}
	list, err := f.svc.Sync(ctx, chatter, broadcast.Where{URL: "https://shop.example/", View: "view-chat-01"})
	if err != nil || len(list) != 0 {
		t.Fatalf("in a chat: %v %v, want no message", list, err)
	}
}

// TestEditingAScheduledBroadcastToStartNow: moving a scheduled
// broadcast's start to now makes it active at once.
func TestEditingAScheduledBroadcastToStartNow(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	ctx := t.Context()
	later := f.clk.Now().Add(time.Hour)
	b, err := f.svc.Create(ctx, f.owner, broadcast.Input{Name: "s", Kind: store.BroadcastBanner, Placement: store.PlaceBottom, Text: "s",
		Frequency: store.EveryPageView, StartsAt: &later})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := f.svc.Activate(ctx, f.owner, b.ID); err != nil || got.Status != store.BroadcastScheduled {
		t.Fatalf("activate: %v %v", got.Status, err)
	}
	got, err := f.svc.Update(ctx, f.owner, b.ID, func(in *broadcast.Input) error {
		in.StartsAt = nil
		return nil
	})
	if err != nil || got.Status != store.BroadcastActive {
		t.Fatalf("a scheduled broadcast whose start is now: %v %v, want active", got.Status, err)
	}
}
