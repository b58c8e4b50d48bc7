package analytics_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/analytics"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/store"
	"github.com/querytel/livedesk/internal/store/storetest"
)

// TestActivityMatchesTheSeededHistory checks the tickets', contacts' and
// operators' figures of a known history around Berlin's fall-back (the
// 25th of October 2026 has 25 hours), on both databases.
func TestActivityMatchesTheSeededHistory(t *testing.T) {
	onBoth(t, activity)
}

func activity(t *testing.T, s *store.Store) {
	ctx := t.Context()
	at := func(utc string) time.Time {
		v, err := time.Parse(time.RFC3339, utc)
		must(t, err)
		return v
	}
	ws, err := s.CreateWorkspace(ctx, "Shop", storetest.Epoch)
	must(t, err)
	ann, err := s.CreateAgent(ctx, store.Agent{WorkspaceID: ws.ID, Email: "ann@activity.example", Name: "Ann", Role: "agent"}, storetest.Epoch)
	must(t, err)
	bob, err := s.CreateAgent(ctx, store.Agent{WorkspaceID: ws.ID, Email: "bob@activity.example", Name: "Bob", Role: "agent"}, storetest.Epoch)
	must(t, err)

	// Contacts: one the day before, two on the 25th (at 02:30 CEST and
	// at 02:30 CET), one at 00:30 CET on the 27th (the day after).
	for _, c := range []string{"2026-10-23T10:00:00Z", "2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z", "2026-10-26T23:30:00Z"} {
		_, err := s.CreateContact(ctx, store.Contact{WorkspaceID: ws.ID, Name: "C " + c}, at(c))
		must(t, err)
	}

	// Tickets: made on the 24th and accepted 90 s later, closed on the
	// 26th; made on the 25th, accepted after 10 min 7 s (counted as 10 min: to 30 s past ten minutes), still open;
	// made on the 26th and never accepted.
	ticket := func(made string) store.Ticket {
		tk, err := s.CreateTicket(ctx, ws.ID, store.NewTicket{TicketFields: store.TicketFields{Subject: "T " + made}}, at(made))
		must(t, err)
		return tk
	}
	first := ticket("2026-10-24T09:00:00Z")
	_, err = s.AcceptTickets(ctx, ws.ID, ann.ID, first.ID, 1, false, at("2026-10-24T09:01:30Z"))
	must(t, err)
	_, err = s.CloseTicket(ctx, ws.ID, first.ID, store.TicketClose{By: "agent", AgentID: ann.ID}, at("2026-10-26T08:00:00Z"))
	must(t, err)
	second := ticket("2026-10-25T12:00:00Z")
	_, err = s.AcceptTickets(ctx, ws.ID, bob.ID, second.ID, 1, false, at("2026-10-25T12:10:07Z"))
	must(t, err)
	ticket("2026-10-26T15:00:00Z")
	ticket("2026-10-22T15:00:00Z") // the period before

	// Operators: Ann online from 08:00 UTC on the 24th, busy at 12:00,
	// away (her desk gone) at 13:00, back online at 14:00 on the 26th.
	// Bob never changed: offline since he was made.
	must(t, s.SetAgentStatus(ctx, ws.ID, ann.ID, store.StateOnline, at("2026-10-24T08:00:00Z")))
	must(t, s.SetAgentStatus(ctx, ws.ID, ann.ID, store.StateBusy, at("2026-10-24T12:00:00Z")))
	must(t, s.SetAgentStatus(ctx, ws.ID, ann.ID, store.StateBusy, at("2026-10-24T12:30:00Z"))) // the same: no change
	ok, err := s.MarkAway(ctx, ws.ID, ann.ID, at("2026-10-24T13:00:00Z"), at("2026-10-24T13:00:00Z"))
	if !ok || err != nil {
		t.Fatalf("away: %v, %v", ok, err)
	}
	must(t, s.SetAgentStatus(ctx, ws.ID, ann.ID, store.StateOnline, at("2026-10-26T13:59:00Z"))) // chosen while away: still offline
	back, err := s.TouchDesk(ctx, ws.ID, ann.ID, at("2026-10-26T14:00:00Z"))
	if !back || err != nil {
		t.Fatalf("back: %v, %v", back, err)
	}

	// Now: the 26th at 18:00 UTC (19:00 CET), in the last day.
	svc := analytics.New(s, zone("Europe/Berlin"), clock.NewFake(at("2026-10-26T18:00:00Z")))
	boss := auth.Actor{WorkspaceID: ws.ID, AgentID: "boss", Role: auth.Supervisor}
	q := analytics.Query{From: "2026-10-24", To: "2026-10-26"}
	period := analytics.Period{TimeZone: "Europe/Berlin", From: "2026-10-24", To: "2026-10-26",
		Start: at("2026-10-23T22:00:00Z"), End: at("2026-10-26T23:00:00Z")}
	sec := func(v float64) *float64 { return &v }

	tickets, err := svc.TicketsOf(ctx, boss, q)
	must(t, err)
	wantTickets := analytics.Tickets{Period: period,
		Totals:   analytics.TicketCounts{Created: 3, Accepted: 2, Closed: 1},
		Previous: analytics.TicketCounts{Created: 1},
		Days: []analytics.TicketDay{
			{Date: "2026-10-24", TicketCounts: analytics.TicketCounts{Created: 1, Accepted: 1}},
			{Date: "2026-10-25", TicketCounts: analytics.TicketCounts{Created: 1, Accepted: 1}},
			{Date: "2026-10-26", TicketCounts: analytics.TicketCounts{Created: 1, Closed: 1}},
		},
		TimeToAccept: analytics.Spread{Count: 2, MedianS: sec(90), P90S: sec(600)},
	}
	if !reflect.DeepEqual(tickets, wantTickets) {
		t.Errorf("tickets:\n got %+v\nwant %+v", tickets, wantTickets)
	}
	mine, err := svc.TicketsOf(ctx, boss, analytics.Query{From: "2026-10-24", To: "2026-10-26", AgentID: bob.ID})
	must(t, err)
	if mine.Totals != (analytics.TicketCounts{Created: 1, Accepted: 1}) {
		t.Errorf("Bob's tickets %+v", mine.Totals)
	}

	// Rolled up (the whole UTC days before the 26th), the same figures; a
	// ticket closed after its day was rolled, and one reopened (its end
	// cleared), are rolled again at the next pass.
	if _, err := s.RollAnalytics(ctx, at("2026-10-26T18:00:00Z"), 400); err != nil {
		t.Fatal(err)
	}
	tickets, err = svc.TicketsOf(ctx, boss, q)
	must(t, err)
	if !reflect.DeepEqual(tickets, wantTickets) {
		t.Errorf("tickets, rolled up:\n got %+v\nwant %+v", tickets, wantTickets)
	}
	mine, err = svc.TicketsOf(ctx, boss, analytics.Query{From: "2026-10-24", To: "2026-10-26", AgentID: bob.ID})
	must(t, err)
	if mine.Totals != (analytics.TicketCounts{Created: 1, Accepted: 1}) {
		t.Errorf("Bob's tickets, rolled up: %+v", mine.Totals)
	}
	_, err = s.AssignTicket(ctx, ws.ID, second.ID, "", "", "", at("2026-10-26T18:10:00Z")) // Bob lets it go: no longer accepted
	must(t, err)
	if _, err := s.RollAnalytics(ctx, at("2026-10-26T18:20:00Z"), 400); err != nil {
		t.Fatal(err)
	}
	tickets, err = svc.TicketsOf(ctx, boss, q)
	must(t, err)
	if tickets.Totals != (analytics.TicketCounts{Created: 3, Accepted: 1, Closed: 1}) || tickets.Days[1].Accepted != 0 || tickets.TimeToAccept.Count != 1 {
		t.Errorf("after a ticket was let go, rolled again: %+v, %+v, %+v", tickets.Totals, tickets.Days, tickets.TimeToAccept)
	}

	contacts, err := svc.ContactsOf(ctx, boss, q)
	must(t, err)
	wantContacts := analytics.Contacts{Period: period, New: 2, PreviousNew: 1, Days: []analytics.ContactDay{
		{Date: "2026-10-24"}, {Date: "2026-10-25", New: 2}, {Date: "2026-10-26"}}}
	if !reflect.DeepEqual(contacts, wantContacts) {
		t.Errorf("contacts:\n got %+v\nwant %+v", contacts, wantContacts)
	}

	ops, err := svc.OperatorsOf(ctx, boss, q)
	must(t, err)
	// The period runs from 22:00 UTC on the 23rd to now (18:00 UTC on the
	// 26th): 68 hours. Ann: offline until 08:00 on the 24th (10 h: her
	// state from when she was made), online 4 h, busy 1 h, offline 49 h
	// (to 14:00 on the 26th), online 4 h. Bob: offline throughout.
	h := int64(3600)
	want := []analytics.AgentTime{
		{AgentID: ann.ID, OnlineS: 8 * h, BusyS: 1 * h, OfflineS: 59 * h},
		{AgentID: bob.ID, OfflineS: 68 * h},
	}
	if !reflect.DeepEqual(ops.Agents, want) {
		t.Errorf("operators:\n got %+v\nwant %+v", ops.Agents, want)
	}
	ops, err = svc.OperatorsOf(ctx, boss, analytics.Query{From: "2026-10-24", To: "2026-10-26", AgentID: bob.ID})
	must(t, err)
	if len(ops.Agents) != 1 || ops.Agents[0].AgentID != bob.ID {
		t.Errorf("Bob's time: %+v", ops.Agents)
	}
	// The retention rule deletes the states before the 25th but each
	// agent's last one before it: a period from the 25th reads the same.
	from25 := analytics.Query{From: "2026-10-25", To: "2026-10-26"}
	before, err := svc.OperatorsOf(ctx, boss, from25)
	must(t, err)
	deleted, err := s.DeleteOldAgentStates(ctx, at("2026-10-24T22:00:00Z"))
	must(t, err)
	if deleted != 3 { // Ann's first (made), online and busy; her away and Bob's first are each the last before
		t.Errorf("deleted %d old states, want 3", deleted)
	}
	after, err := svc.OperatorsOf(ctx, boss, from25)
	must(t, err)
	if !reflect.DeepEqual(after, before) {
		t.Errorf("operators after the retention rule:\n got %+v\nwant %+v", after.Agents, before.Agents)
	}

	// Agents read none of it.
	agent := auth.Actor{WorkspaceID: ws.ID, AgentID: ann.ID, Role: auth.Agent}
	if _, err := svc.OperatorsOf(ctx, agent, q); err == nil {
		t.Error("an agent read the operators' time")
	}
}
