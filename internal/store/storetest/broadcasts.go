package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/store"
)

func runBroadcasts(t *testing.T, newStore NewStore) {
	t.Helper()
	runCases(t, newStore, []storeCase{
		{"broadcasts/stored, edited only from the status read, listed newest first, deleted with their counts", testBroadcastRecords},
		{"broadcasts/each frequency shows a broadcast as often as it says, never again after a dismissal, a page view's reconnect counted once", testBroadcastFrequencies},
		{"broadcasts/events count once per showing or visitor, only for visitors shown it, by slot", testBroadcastEvents},
		{"broadcasts/the schedule starts and ends broadcasts once, whichever node asks", testBroadcastSchedule},
		{"broadcasts/two tabs claiming at once show a once-per-visitor broadcast in one of them", testBroadcastTwoTabs},
	})
}

// newCast stores an active banner of tn with frequency freq.
func newCast(t *testing.T, s *store.Store, tn tenant, name, freq string) store.Broadcast {
	t.Helper()
	b, err := s.CreateBroadcast(t.Context(), store.Broadcast{WorkspaceID: tn.ws.ID, Name: name, Kind: store.BroadcastBanner,
		Placement: store.PlaceTop, Text: name + " text", Frequency: freq, Status: store.BroadcastActive, CreatedBy: tn.owner.ID,
		Audience: store.Audience{Visitors: "all", Identity: "all", Pages: []store.PageRule{{Match: "equals", Value: "/pricing"}}}}, Epoch)
	noErr(t, "broadcast", err)
	return b
}

func testBroadcastRecords(t *testing.T, s *store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "a")
	start, end := Epoch.Add(time.Hour), Epoch.Add(48*time.Hour)
	in := store.Broadcast{WorkspaceID: tn.ws.ID, Name: "Launch", Kind: store.BroadcastBanner, Placement: store.PlaceBottom,
		Text: "We launched", Button: &store.Button{Label: "See", URL: "https://a.example/new"}, Frequency: store.OncePerDay,
		Status: store.BroadcastScheduled, StartsAt: &start, EndsAt: &end, CreatedBy: tn.owner.ID,
		Audience: store.Audience{SiteIDs: []string{tn.site.ID}, Pages: []store.PageRule{{Match: "glob", Value: "/docs/*"}},
			Visitors: "returning", Identity: "identified", Fields: []store.FieldRule{{Key: "plan", Value: "pro"}}, Languages: []string{"en"}}}
	b, err := s.CreateBroadcast(ctx, in, Epoch)
	noErr(t, "create", err)
	want := in
	want.ID, want.CreatedAt, want.UpdatedAt = b.ID, Epoch, Epoch
	equal(t, "created", b, want)
	got, err := s.GetBroadcast(ctx, tn.ws.ID, b.ID)
	noErr(t, "get", err)
	equal(t, "read back", got, want)

	msg, err := s.CreateBroadcast(ctx, store.Broadcast{WorkspaceID: tn.ws.ID, Name: "Hello", Kind: store.BroadcastMessage, Text: "Hi there",
		SenderID: tn.agent.ID, Frequency: store.OncePerVisitor, Status: store.BroadcastDraft}, Epoch.Add(time.Minute))
	noErr(t, "create message", err)
	_, err = s.CreateBroadcast(ctx, store.Broadcast{WorkspaceID: tn.ws.ID, Name: "Ghost", Kind: store.BroadcastMessage, Text: "x",
		SenderID: store.NewID(), Frequency: store.OncePerVisitor, Status: store.BroadcastDraft}, Epoch)
	wantErr(t, err, store.ErrNotFound)

	list, err := s.ListBroadcasts(ctx, tn.ws.ID, "", "", 10)
	noErr(t, "list", err)
	equal(t, "newest first", ids(list, castID), []string{msg.ID, b.ID})
	list, err = s.ListBroadcasts(ctx, tn.ws.ID, "", msg.ID, 10)
	noErr(t, "next page", err)
	equal(t, "the page after the newest", ids(list, castID), []string{b.ID})
	list, err = s.ListBroadcasts(ctx, tn.ws.ID, store.BroadcastDraft, "", 10)
	noErr(t, "list drafts", err)
	equal(t, "drafts", ids(list, castID), []string{msg.ID})

	// An edit checks the status it was read in: a pause that came first wins.
	paused := b
	paused.Status = store.BroadcastPaused
	_, err = s.UpdateBroadcast(ctx, paused, []string{store.BroadcastScheduled}, Epoch.Add(2*time.Minute))
	noErr(t, "pause", err)
	edit := b
	edit.Text = "Edited"
	_, err = s.UpdateBroadcast(ctx, edit, []string{store.BroadcastScheduled}, Epoch.Add(3*time.Minute))
	wantErr(t, err, store.ErrStale)
	got, err = s.GetBroadcast(ctx, tn.ws.ID, b.ID)
	noErr(t, "get", err)
	equal(t, "the refused edit changed nothing", got.Text, "We launched")
	edit.Status, edit.Button = store.BroadcastActive, nil
	got, err = s.UpdateBroadcast(ctx, edit, []string{store.BroadcastPaused}, Epoch.Add(4*time.Minute))
	noErr(t, "edit", err)
	equal(t, "edited", [3]any{got.Text, got.Status, got.Button == nil}, [3]any{"Edited", store.BroadcastActive, true})
	live, err := s.LiveBroadcasts(ctx, tn.ws.ID)
	noErr(t, "live", err)
	equal(t, "live", ids(live, castID), []string{b.ID})

	v, err := s.CreateVisitor(ctx, tn.ws.ID, tn.site.ID, "tok-records", Epoch)
	noErr(t, "visitor", err)
	_, err = s.ClaimBroadcasts(ctx, store.Showing{WorkspaceID: tn.ws.ID, VisitorID: v.ID, PageView: "view-0001", Session: Epoch, Day: "2025-03-14"},
		[]store.Offer{{BroadcastID: b.ID, Frequency: b.Frequency}}, Epoch)
	noErr(t, "claim", err)
	noErr(t, "delete", s.DeleteBroadcast(ctx, tn.ws.ID, b.ID))
	wantErr(t, s.DeleteBroadcast(ctx, tn.ws.ID, b.ID), store.ErrNotFound)
	totals, err := s.BroadcastTotals(ctx, tn.ws.ID, []string{b.ID})
	noErr(t, "totals", err)
	equal(t, "counts went with it", len(totals), 0)
	_, err = s.RecordBroadcastEvent(ctx, tn.ws.ID, b.ID, v.ID, store.BroadcastDismissed, "", Epoch)
	wantErr(t, err, store.ErrNotShown)
}

func castID(b store.Broadcast) string { return b.ID }

func testBroadcastFrequencies(t *testing.T, s *store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "a")
	v, err := s.CreateVisitor(ctx, tn.ws.ID, tn.site.ID, "tok-freq", Epoch)
	noErr(t, "visitor", err)
	casts := map[string]store.Broadcast{}
	for _, f := range []string{store.OncePerVisitor, store.OncePerSession, store.OncePerDay, store.EveryPageView} {
		casts[f] = newCast(t, s, tn, f, f)
	}
	// show says which frequencies a showing shows, in a fixed order.
	show := func(view string, session time.Time, day string) []string {
		t.Helper()
		var offers []store.Offer
		for _, f := range []string{store.OncePerVisitor, store.OncePerSession, store.OncePerDay, store.EveryPageView} {
			offers = append(offers, store.Offer{BroadcastID: casts[f].ID, Frequency: f})
		}
		shown, err := s.ClaimBroadcasts(ctx, store.Showing{WorkspaceID: tn.ws.ID, VisitorID: v.ID, PageView: view, Session: session, Day: day}, offers, Epoch)
		noErr(t, "claim", err)
		var out []string
		for _, id := range shown {
			for f, b := range casts {
				if b.ID == id {
					out = append(out, f)
				}
			}
		}
		return out
	}
	all := []string{store.OncePerVisitor, store.OncePerSession, store.OncePerDay, store.EveryPageView}
	s1, s2 := Epoch, Epoch.Add(3*time.Hour)
	equal(t, "first page view", show("view-0001", s1, "2025-03-14"), all)
	equal(t, "the same page view after a reconnect", show("view-0001", s1, "2025-03-14"), all)
	equal(t, "the next page of the visit", show("view-0002", s1, "2025-03-14"), []string{store.EveryPageView})
	equal(t, "a new visit the same day", show("view-0003", s2, "2025-03-14"), []string{store.OncePerSession, store.EveryPageView})
	equal(t, "the next day, same visit", show("view-0004", s2, "2025-03-15"), []string{store.OncePerDay, store.EveryPageView})

	for _, f := range all {
		_, err := s.RecordBroadcastEvent(ctx, tn.ws.ID, casts[f].ID, v.ID, store.BroadcastDismissed, "", Epoch)
		noErr(t, "dismiss", err)
	}
	equal(t, "dismissed: never again", len(show("view-0005", Epoch.Add(72*time.Hour), "2025-03-17")), 0)
	equal(t, "not even on the page view it showed on", len(show("view-0004", s2, "2025-03-15")), 0)

	totals, err := s.BroadcastTotals(ctx, tn.ws.ID, []string{casts[store.EveryPageView].ID, casts[store.OncePerVisitor].ID})
	noErr(t, "totals", err)
	equal(t, "a visitor is reached once", totals[casts[store.EveryPageView].ID].Reached, 1)
	equal(t, "dismissed once", totals[casts[store.OncePerVisitor].ID].Dismissed, 1)
}

func testBroadcastEvents(t *testing.T, s *store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "a")
	b := newCast(t, s, tn, "Sale", store.EveryPageView)
	v, c := writer(t, s, tn, "eve", "", Epoch)
	other, err := s.CreateVisitor(ctx, tn.ws.ID, tn.site.ID, "tok-other", Epoch)
	noErr(t, "other visitor", err)

	_, err = s.RecordBroadcastEvent(ctx, tn.ws.ID, b.ID, other.ID, store.BroadcastClicked, "", Epoch)
	wantErr(t, err, store.ErrNotShown) // never shown it: nothing to count
	_, err = s.RecordBroadcastEvent(ctx, tn.ws.ID, b.ID, v.ID, "liked", "", Epoch)
	wantErr(t, err, store.ErrNotFound)

	at := func(view string, when time.Time) {
		t.Helper()
		_, err := s.ClaimBroadcasts(ctx, store.Showing{WorkspaceID: tn.ws.ID, VisitorID: v.ID, PageView: view, Session: Epoch, Day: "2025-03-14"},
			[]store.Offer{{BroadcastID: b.ID, Frequency: b.Frequency}}, when)
		noErr(t, "claim", err)
	}
	count := func(what, conv string, when time.Time) bool {
		t.Helper()
		ok, err := s.RecordBroadcastEvent(ctx, tn.ws.ID, b.ID, v.ID, what, conv, when)
		noErr(t, what, err)
		return ok
	}
	first, later := Epoch, Epoch.Add(20*time.Minute) // two slots
	wantErr(t, s.ShownBroadcast(ctx, tn.ws.ID, b.ID, v.ID), store.ErrNotShown)
	at("view-0001", first)
	noErr(t, "shown to", s.ShownBroadcast(ctx, tn.ws.ID, b.ID, v.ID))
	wantErr(t, s.ShownBroadcast(ctx, tn.ws.ID, b.ID, other.ID), store.ErrNotShown)
	equal(t, "shown", count(store.BroadcastShown, "", first), true)
	equal(t, "shown again on the same showing", count(store.BroadcastShown, "", first), false)
	at("view-0002", later)
	equal(t, "shown on the next page view", count(store.BroadcastShown, "", later), true)
	equal(t, "clicked", count(store.BroadcastClicked, "", later), true)
	equal(t, "clicked twice: one visitor", count(store.BroadcastClicked, "", later), false)
	equal(t, "replied", count(store.BroadcastReplied, c.ID, later), true)
	equal(t, "replied twice", count(store.BroadcastReplied, c.ID, later), false)
	equal(t, "dismissed", count(store.BroadcastDismissed, "", later), true)
	wantErr(t, s.ShownBroadcast(ctx, tn.ws.ID, b.ID, v.ID), store.ErrNotShown) // dismissed: no longer shown

	slots, err := s.BroadcastActivity(ctx, tn.ws.ID, b.ID, Epoch.Add(-time.Hour), Epoch.Add(time.Hour))
	noErr(t, "activity", err)
	equal(t, "two slots", len(slots), 2)
	equal(t, "the first slot", slots[0].BroadcastStats, store.BroadcastStats{Reached: 1, Shown: 1})
	equal(t, "the second slot", slots[1].BroadcastStats, store.BroadcastStats{Shown: 1, Dismissed: 1, Clicked: 1, Replied: 1})
	slots, err = s.BroadcastActivity(ctx, tn.ws.ID, "", Epoch.Add(10*time.Minute), Epoch.Add(time.Hour))
	noErr(t, "activity from", err)
	equal(t, "from the second slot", len(slots), 1)
	totals, err := s.BroadcastTotals(ctx, tn.ws.ID, []string{b.ID})
	noErr(t, "totals", err)
	equal(t, "totals", totals[b.ID], store.BroadcastStats{Reached: 1, Shown: 2, Dismissed: 1, Clicked: 1, Replied: 1})
}

func testBroadcastSchedule(t *testing.T, s *store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "a")
	start, end := Epoch.Add(time.Hour), Epoch.Add(2*time.Hour)
	mk := func(name, status string, starts, ends *time.Time) store.Broadcast {
		b, err := s.CreateBroadcast(ctx, store.Broadcast{WorkspaceID: tn.ws.ID, Name: name, Kind: store.BroadcastBanner, Placement: store.PlaceTop,
			Text: name, Frequency: store.OncePerVisitor, Status: status, StartsAt: starts, EndsAt: ends}, Epoch)
		noErr(t, name, err)
		return b
	}
	later := mk("later", store.BroadcastScheduled, &start, &end)
	running := mk("running", store.BroadcastActive, nil, &start)
	paused := mk("paused", store.BroadcastPaused, &start, &start)

	due, err := s.DueBroadcasts(ctx, Epoch.Add(time.Minute), 10)
	noErr(t, "due", err)
	equal(t, "nothing due yet", len(due), 0)
	due, err = s.DueBroadcasts(ctx, start, 10)
	noErr(t, "due at the start", err)
	statusOf := map[string]string{}
	for _, b := range due {
		statusOf[b.Name] = b.Status
	}
	equal(t, "at the start", statusOf, map[string]string{"later": store.BroadcastActive, "running": store.BroadcastEnded})
	due, err = s.DueBroadcasts(ctx, start, 10)
	noErr(t, "due again", err)
	equal(t, "each move made once", len(due), 0)
	due, err = s.DueBroadcasts(ctx, end, 10)
	noErr(t, "due at the end", err)
	equal(t, "at the end", ids(due, castID), []string{later.ID})
	got, err := s.GetBroadcast(ctx, tn.ws.ID, paused.ID)
	noErr(t, "paused", err)
	equal(t, "a paused one waits for a person", got.Status, store.BroadcastPaused)
	got, err = s.GetBroadcast(ctx, tn.ws.ID, running.ID)
	noErr(t, "running", err)
	equal(t, "ended", got.Status, store.BroadcastEnded)
}

func testBroadcastTwoTabs(t *testing.T, s *store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "a")
	b := newCast(t, s, tn, "Once", store.OncePerVisitor)
	v, err := s.CreateVisitor(ctx, tn.ws.ID, tn.site.ID, "tok-tabs", Epoch)
	noErr(t, "visitor", err)
	const tabs = 6
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		shown int
	)
	for i := range tabs {
		wg.Go(func() {
			got, err := s.ClaimBroadcasts(ctx, store.Showing{WorkspaceID: tn.ws.ID, VisitorID: v.ID, PageView: "tab-view-" + string(rune('a'+i)),
				Session: Epoch, Day: "2025-03-14"}, []store.Offer{{BroadcastID: b.ID, Frequency: b.Frequency}}, Epoch)
			if err != nil {
				t.Errorf("tab %d: %v", i, err)
				return
			}
			mu.Lock()
			shown += len(got)
			mu.Unlock()
		})
	}
	wg.Wait()
	equal(t, "tabs that show it", shown, 1)
	totals, err := s.BroadcastTotals(ctx, tn.ws.ID, []string{b.ID})
	noErr(t, "totals", err)
	equal(t, "reached", totals[b.ID].Reached, 1)
}
