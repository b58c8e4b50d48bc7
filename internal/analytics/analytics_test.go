package analytics_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/analytics"
	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/store"
	"github.com/querytel/livedesk/internal/store/storetest"
)

// zone is a workspace's time zone.
type zone string

func (z zone) Settings(context.Context, string) (store.Settings, error) {
	return store.Settings{TimeZone: string(z)}, nil
}

// TestFiguresMatchTheSeededHistory seeds a known history around the end
// of summer time in Berlin (25 October 2026: 03:00 CEST falls back to
// 02:00 CET, so 02:30 happens twice and the day has 25 hours) and checks
// every figure, on both databases.
func TestFiguresMatchTheSeededHistory(t *testing.T) {
	onBoth(t, figures)
}

// onBoth runs test on a store of each database, in parallel.
func onBoth(t *testing.T, test func(*testing.T, *store.Store)) {
	t.Parallel()
	for name, open := range map[string]storetest.NewStore{"sqlite": storetest.SQLite, "postgres": storetest.Postgres} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			test(t, open(t))
		})
	}
}

func figures(t *testing.T, s *store.Store) {
	ctx := t.Context()
	at := func(utc string) time.Time {
		v, err := time.Parse(time.RFC3339, utc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	ws, err := s.CreateWorkspace(ctx, "Shop", storetest.Epoch)
	must(t, err)
	site, err := s.CreateSite(ctx, store.Site{WorkspaceID: ws.ID, Name: "Shop", WidgetKey: "wk_figures"}, storetest.Epoch)
	must(t, err)
	ann, err := s.CreateAgent(ctx, store.Agent{WorkspaceID: ws.ID, Email: "ann@figures.example", Name: "Ann", Role: "agent"}, storetest.Epoch)
	must(t, err)
	bob, err := s.CreateAgent(ctx, store.Agent{WorkspaceID: ws.ID, Email: "bob@figures.example", Name: "Bob", Role: "agent"}, storetest.Epoch)
	must(t, err)

	// chat starts a chat at start; agent (if any) takes it and answers
	// after answer; it ends at end (zero: still open).
	n := 0
	visitors := map[string]store.Visitor{}
	chat := func(start time.Time, agent string, answer time.Duration, end time.Time, who ...string) string {
		t.Helper()
		n++
		token := "token-" + start.String()
		if len(who) > 0 {
			token = who[0]
		}
		v, ok := visitors[token]
		if !ok {
			var err error
			v, err = s.CreateVisitor(ctx, ws.ID, site.ID, token, start)
			must(t, err)
			visitors[token] = v
		}
		c, _, err := s.StartConversation(ctx, ws.ID, v.ID, "", start)
		must(t, err)
		_, err = s.AppendMessage(ctx, store.Message{WorkspaceID: ws.ID, ConversationID: c.ID, ClientMsgID: "v", Kind: store.KindText,
			AuthorType: store.AuthorVisitor, AuthorID: v.ID, Body: "hello"}, start)
		must(t, err)
		if agent != "" {
			_, _, err = s.Transition(ctx, ws.ID, c.ID, store.Transition{SetAssignee: &agent}, start)
			must(t, err)
			_, err = s.AppendMessage(ctx, store.Message{WorkspaceID: ws.ID, ConversationID: c.ID, ClientMsgID: "a", Kind: store.KindText,
				AuthorType: store.AuthorAgent, AuthorID: agent, Body: "hi"}, start.Add(answer))
			must(t, err)
		}
		if !end.IsZero() {
			_, _, err = s.Transition(ctx, ws.ID, c.ID, store.Transition{Status: store.StatusClosed, ClosedBy: store.AuthorVisitor}, end)
			must(t, err)
		}
		return c.ID
	}
	chat(at("2026-10-22T08:00:00Z"), ann.ID, time.Minute, at("2026-10-22T09:00:00Z"))                    // the period before
	saturday := chat(at("2026-10-24T21:30:00Z"), ann.ID, time.Minute, at("2026-10-24T22:10:00Z"), "eve") // Sat 23:30 CEST, ends Sun 00:10
	chat(at("2026-10-25T00:30:00Z"), bob.ID, 2*time.Minute, time.Time{})                                 // Sun 02:30 CEST
	missed := chat(at("2026-10-25T01:30:00Z"), "", 0, at("2026-10-25T01:40:00Z"))                        // Sun 02:30 CET, again: missed
	chat(at("2026-10-25T22:59:00Z"), ann.ID, 30*time.Second, at("2026-10-25T23:05:00Z"), "eve")          // Sun 23:59, ends Mon 00:05: Eve again
	waiting := chat(at("2026-10-26T11:00:00Z"), "", 0, time.Time{})                                      // Mon 12:00: waiting
	chat(at("2026-10-27T08:00:00Z"), bob.ID, time.Minute, time.Time{})                                   // the next day: outside

	// Eve rates her Saturday chat on Sunday morning.
	_, err = s.RateConversation(ctx, ws.ID, saturday, visitors["eve"].ID, store.RatingGood, "", time.Time{}, at("2026-10-25T08:00:00Z"))
	must(t, err)

	svc := analytics.New(s, zone("Europe/Berlin"), clock.NewFake(at("2026-10-27T09:00:00Z")))
	boss := auth.Actor{WorkspaceID: ws.ID, AgentID: "boss", Role: auth.Supervisor}
	got, err := svc.ConversationsOf(ctx, boss, analytics.Query{From: "2026-10-24", To: "2026-10-26"})
	must(t, err)
	sec := func(v float64) *float64 { return &v }
	want := analytics.Conversations{
		Period: analytics.Period{TimeZone: "Europe/Berlin", From: "2026-10-24", To: "2026-10-26",
			Start: at("2026-10-23T22:00:00Z"), End: at("2026-10-26T23:00:00Z")}, // midnight CEST, and midnight CET three days (73 hours) on
		Totals:   analytics.Counts{Started: 5, Answered: 3, Missed: 1, Returning: 1, Closed: 3},
		Previous: analytics.Counts{Started: 1, Answered: 1, Closed: 1},
		Days: []analytics.Day{
			{Date: "2026-10-24", Counts: analytics.Counts{Started: 1, Answered: 1}},
			{Date: "2026-10-25", Counts: analytics.Counts{Started: 3, Answered: 2, Missed: 1, Returning: 1, Closed: 2}, Good: 1},
			{Date: "2026-10-26", Counts: analytics.Counts{Started: 1, Closed: 1}},
		},
		FirstResponse: analytics.Spread{Count: 3, MedianS: sec(60), P90S: sec(120)},
		Resolution:    analytics.Spread{Count: 3, MedianS: sec(600), P90S: sec(2400)},
		Agents: []analytics.Agent{
			{AgentID: ann.ID, Chats: 2, Messages: 2, FirstResponse: analytics.Spread{Count: 2, MedianS: sec(30), P90S: sec(60)}},
			{AgentID: bob.ID, Chats: 1, Messages: 1, FirstResponse: analytics.Spread{Count: 1, MedianS: sec(120), P90S: sec(120)}},
		},
	}
	want.Hours[23], want.Hours[2], want.Hours[12] = 2, 2, 1
	want.Weekdays[5], want.Weekdays[6], want.Weekdays[0] = 1, 3, 1 // Saturday, Sunday, Monday
	if !reflect.DeepEqual(got, want) {
		t.Errorf("figures:\n got %+v\nwant %+v", got, want)
	}

	// One agent's part.
	got, err = svc.ConversationsOf(ctx, boss, analytics.Query{From: "2026-10-24", To: "2026-10-26", AgentID: bob.ID})
	must(t, err)
	if got.Totals != (analytics.Counts{Started: 1, Answered: 1}) {
		t.Errorf("Bob's totals %+v", got.Totals)
	}
	ofBob := got

	// Rolled up (every whole UTC day before today, 27 October), the same
	// figures, read from the rollups for the whole days and from the
	// conversations for the hours around them.
	rolled, err := s.RollAnalytics(ctx, at("2026-10-27T09:00:00Z"), 400)
	must(t, err)
	if rolled != 5 { // 22 to 26 October: from the first chat to yesterday
		t.Errorf("rolled %d days, want 5", rolled)
	}
	got, err = svc.ConversationsOf(ctx, boss, analytics.Query{From: "2026-10-24", To: "2026-10-26"})
	must(t, err)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("figures, rolled up:\n got %+v\nwant %+v", got, want)
	}
	got, err = svc.ConversationsOf(ctx, boss, analytics.Query{From: "2026-10-24", To: "2026-10-26", AgentID: bob.ID})
	must(t, err)
	if !reflect.DeepEqual(got, ofBob) {
		t.Errorf("Bob's figures, rolled up:\n got %+v\nwant %+v", got, ofBob)
	}
	// Changes to rolled days are rolled at the next pass: the waiting chat
	// answered and closed today, the missed one reopened.
	_, err = s.AppendMessage(ctx, store.Message{WorkspaceID: ws.ID, ConversationID: waiting, ClientMsgID: "late", Kind: store.KindText,
		AuthorType: store.AuthorAgent, AuthorID: bob.ID, Body: "sorry"}, at("2026-10-27T09:10:00Z"))
	must(t, err)
	_, _, err = s.Transition(ctx, ws.ID, waiting, store.Transition{Status: store.StatusClosed, ClosedBy: store.AuthorAgent}, at("2026-10-27T09:20:00Z"))
	must(t, err)
	_, _, err = s.Transition(ctx, ws.ID, missed, store.Transition{Status: store.StatusOpen}, at("2026-10-27T09:30:00Z"))
	must(t, err)
	if _, err := s.RollAnalytics(ctx, at("2026-10-27T09:40:00Z"), 400); err != nil {
		t.Fatal(err)
	}
	got, err = svc.ConversationsOf(ctx, boss, analytics.Query{From: "2026-10-24", To: "2026-10-26"})
	must(t, err)
	after := analytics.Counts{Started: 5, Answered: 4, Missed: 0, Returning: 1, Closed: 2}
	if got.Totals != after || got.Days[1].Counts != (analytics.Counts{Started: 3, Answered: 2, Returning: 1, Closed: 1}) ||
		got.Days[2].Counts != (analytics.Counts{Started: 1, Answered: 1, Closed: 1}) || got.FirstResponse.Count != 4 {
		t.Errorf("after the changes, rolled again: totals %+v, days %+v, first answers %+v", got.Totals, got.Days, got.FirstResponse)
	}
	// The retention rules delete the period before's chat: it is counted
	// nowhere once its day is rolled again.
	deleted, err := s.DeleteClosedConversations(ctx, ws.ID, at("2026-10-23T00:00:00Z"), 100)
	if deleted != 1 || err != nil {
		t.Fatalf("retention: %d, %v", deleted, err)
	}
	if _, err := s.RollAnalytics(ctx, at("2026-10-27T09:50:00Z"), 400); err != nil {
		t.Fatal(err)
	}
	got, err = svc.ConversationsOf(ctx, boss, analytics.Query{From: "2026-10-24", To: "2026-10-26"})
	must(t, err)
	if got.Previous != (analytics.Counts{}) || got.Totals != after {
		t.Errorf("after the retention rules: previous %+v, totals %+v", got.Previous, got.Totals)
	}
	// The default period: the 7 days up to today (27 October in Berlin).
	got, err = svc.ConversationsOf(ctx, boss, analytics.Query{})
	must(t, err)
	if got.From != "2026-10-21" || got.To != "2026-10-27" || len(got.Days) != 7 || got.Totals.Started != 6 { // the 22nd's chat deleted above
		t.Errorf("the default period: %s to %s, %d days, %d started", got.From, got.To, len(got.Days), got.Totals.Started)
	}

	got, err = svc.ConversationsOf(ctx, boss, analytics.Query{Days: 1})
	must(t, err)
	if got.From != "2026-10-27" || got.To != "2026-10-27" || got.Totals.Started != 1 {
		t.Errorf("today: %s to %s, %d started", got.From, got.To, got.Totals.Started)
	}

	// Where the clocks skip midnight (Santiago, 8 September 2024: 00:00
	// is 01:00), a day begins at its first local time, and is one day.
	santiago := analytics.New(s, zone("America/Santiago"), clock.NewFake(at("2024-09-10T12:00:00Z")))
	got, err = santiago.ConversationsOf(ctx, boss, analytics.Query{From: "2024-09-08", To: "2024-09-08"})
	must(t, err)
	if got.From != "2024-09-08" || len(got.Days) != 1 || !got.Start.Equal(at("2024-09-08T04:00:00Z")) || !got.End.Equal(at("2024-09-09T03:00:00Z")) {
		t.Errorf("a day without a midnight: %s, %d days, %s to %s", got.From, len(got.Days), got.Start, got.End)
	}

	for _, c := range []struct {
		name string
		a    auth.Actor
		q    analytics.Query
		code string
	}{
		{"an agent", auth.Actor{WorkspaceID: ws.ID, AgentID: ann.ID, Role: auth.Agent}, analytics.Query{}, "forbidden"},
		{"a bad date", boss, analytics.Query{From: "24.10.2026"}, "invalid_date"},
		{"backwards", boss, analytics.Query{From: "2026-10-26", To: "2026-10-24"}, "invalid_period"},
		{"too long", boss, analytics.Query{From: "2025-01-01", To: "2026-10-24"}, "invalid_period"},
		{"no days", boss, analytics.Query{Days: -1}, "invalid_period"},
	} {
		if _, err := svc.ConversationsOf(ctx, c.a, c.q); apperr.From(err).Code != c.code {
			t.Errorf("%s: %v, want %s", c.name, err, c.code)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
