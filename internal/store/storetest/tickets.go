package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/store"
)

func runTickets(t *testing.T, newStore NewStore) {
	t.Helper()
	runCases(t, newStore, []storeCase{
		{"tickets/one open ticket per user: a visitor's or a contact's next chat merges into it", testTicketMerge},
		{"tickets/a held conversation leaves the live queue and the inactivity rule", testTicketHeld},
		{"tickets/queues: newest first, departments, closed by me, paging, search", testTicketQueues},
		{"tickets/accepting: one by one, the oldest N, taken meanwhile", testTicketAccept},
		{"tickets/two agents quick-accepting at once get disjoint tickets", testTicketQuickAcceptRace},
		{"tickets/closing closes the ticket's open conversations; retention keeps an open ticket's chat", testTicketClose},
		{"tickets/archived after the cutoff, and listed apart", testTicketArchive},
		{"tickets/an out-of-hours step answers each visitor message once; a retry reports the phase as it is now", testHoldOnce},
		{"mail/an answer is queued once, claimed by one sender, retried, and shows on its ticket", testMailOutbox},
	})
}

// writer starts a conversation for a new visitor of tn that holds one
// message from the visitor, at the given time.
func writer(t *testing.T, s *store.Store, tn tenant, name, deptID string, at time.Time) (store.Visitor, store.Conversation) {
	t.Helper()
	ctx := t.Context()
	v, err := s.CreateVisitor(ctx, tn.ws.ID, tn.site.ID, "token-"+tn.ws.ID+"-"+name, at)
	noErr(t, "visitor", err)
	c, _, err := s.StartConversation(ctx, tn.ws.ID, v.ID, deptID, at)
	noErr(t, "start", err)
	_, err = s.AppendMessage(ctx, visitorMessage(v, c.ID, name+"-1", "hello from "+name), at)
	noErr(t, "message", err)
	return v, c
}

// toTicket makes c a ticket (the no-agent rule) at the given time.
func toTicket(t *testing.T, s *store.Store, ws string, c store.Conversation, at time.Time) store.Held {
	t.Helper()
	h, err := s.Hold(t.Context(), ws, c.ID, store.Hold{Unheld: true, Ticket: store.TicketNoAgent,
		TicketEvent: func(tk store.Ticket, merged bool) *store.Message {
			return &store.Message{Kind: store.KindSystem, AuthorType: store.AuthorSystem, Body: "ticket", Private: true,
				Meta: map[string]any{"event": "ticket", "ticket_id": tk.ID, "merged": merged}}
		}}, at)
	noErr(t, "to ticket", err)
	return h
}

func testTicketMerge(t *testing.T, s *store.Store) {
	ctx := t.Context()
	a := newTenant(t, s, "a")
	ws := a.ws.ID
	v, c := writer(t, s, a, "ann", "", Epoch)
	h := toTicket(t, s, ws, c, Epoch.Add(time.Minute))
	if h.Ticket == nil || h.Merged || h.Ticket.Status != store.TicketOpen || h.Ticket.Reason != store.TicketNoAgent ||
		h.Ticket.ConversationID != c.ID || h.Conversation.TicketID != h.Ticket.ID || len(h.Events) != 1 || !h.Events[0].Private {
		t.Fatalf("held = %+v", h)
	}
	first := *h.Ticket
	equal(t, "the ticket's visitor", first.VisitorName+"/"+first.VisitorID, "/"+v.ID)
	equal(t, "its preview", first.LastMessage, "hello from ann")

	// The visitor ends that chat and writes again: the new chat, finding
	// no agent either, joins the same ticket.
	_, _, err := s.Transition(ctx, ws, c.ID, store.Transition{Status: store.StatusClosed, ClosedBy: store.AuthorVisitor}, Epoch.Add(2*time.Minute))
	noErr(t, "close", err)
	c2, _, err := s.StartConversation(ctx, ws, v.ID, "", Epoch.Add(3*time.Minute))
	noErr(t, "start again", err)
	_, err = s.AppendMessage(ctx, visitorMessage(v, c2.ID, "ann-2", "me again"), Epoch.Add(3*time.Minute))
	noErr(t, "message", err)
	h2 := toTicket(t, s, ws, c2, Epoch.Add(4*time.Minute))
	if !h2.Merged || h2.Ticket.ID != first.ID || h2.Ticket.ConversationID != c2.ID || h2.Events[0].Meta["merged"] != true {
		t.Fatalf("second chat: merged %v into %+v", h2.Merged, h2.Ticket)
	}

	// A contact's browsers: the first that finds no agent makes the
	// contact's ticket (Ann's first browser was anonymous then, so its
	// ticket has no contact); the next merges into it.
	ct, err := s.UpsertContact(ctx, ws, "ext-ann", "Ann", "ann@example.com", Epoch)
	noErr(t, "contact", err)
	var contactTickets []string
	for i, name := range []string{"phone", "tablet"} {
		at := Epoch.Add(time.Duration(5+i) * time.Minute)
		b, err := s.CreateVisitor(ctx, ws, a.site.ID, "token-"+name, at)
		noErr(t, "visitor", err)
		_, err = s.SetVisitorIdentity(ctx, ws, b.ID, "Ann", "ann@example.com", ct.ID)
		noErr(t, "identify", err)
		bc, _, err := s.StartConversation(ctx, ws, b.ID, "", at)
		noErr(t, "start", err)
		_, err = s.AppendMessage(ctx, visitorMessage(b, bc.ID, name, "from my "+name), at)
		noErr(t, "message", err)
		h := toTicket(t, s, ws, bc, at)
		equal(t, name+" merged", h.Merged, i == 1)
		equal(t, name+"'s ticket's contact", h.Ticket.ContactID, ct.ID)
		contactTickets = append(contactTickets, h.Ticket.ID)
	}
	equal(t, "the tablet joined the phone's ticket", contactTickets[1], contactTickets[0])
	open, err := s.OpenTicketsOf(ctx, ws, v.ID, ct.ID)
	noErr(t, "open tickets of the user", err)
	equal(t, "the user's open tickets, by visitor and by contact", ids(open, ticketID), []string{first.ID, contactTickets[0]})
}

func testTicketHeld(t *testing.T, s *store.Store) {
	ctx := t.Context()
	a := newTenant(t, s, "a")
	ws := a.ws.ID
	_, queued := writer(t, s, a, "queued", "", Epoch)
	_, held := writer(t, s, a, "held", "", Epoch)
	_, session := writer(t, s, a, "session", "", Epoch)
	toTicket(t, s, ws, held, Epoch)
	due := Epoch.Add(10 * time.Minute)
	_, err := s.Hold(ctx, ws, session.ID, store.Hold{AfterSeq: 1, SetPhase: store.OffhoursAsked, Due: &due,
		Replies: []store.Message{{Kind: store.KindText, AuthorType: store.AuthorSystem, Body: "We are closed", ClientMsgID: "oh-1-0"}}}, Epoch)
	noErr(t, "session", err)

	q, err := s.Queue(ctx, ws, 10)
	noErr(t, "queue", err)
	equal(t, "the live queue", ids(q, convID), []string{queued.ID})

	later := Epoch.Add(time.Hour)
	d, err := s.DueConversations(ctx, ws, store.Cutoffs{Now: later, Inactive: later, Unattended: later}, 10)
	noErr(t, "due", err)
	equal(t, "inactive", ids(d.Inactive, convID), []string{queued.ID})
	equal(t, "sessions due", ids(d.Offhours, convID), []string{session.ID})
	equal(t, "unattended", ids(d.Unattended, convID), []string{queued.ID})

	// A held conversation is not routed: the assigning transition's
	// Unheld condition refuses it.
	agent := a.agent.ID
	_, _, err = s.Transition(ctx, ws, held.ID, store.Transition{Unheld: true, SetAssignee: &agent}, later)
	wantErr(t, err, store.ErrStale)
	_, _, err = s.Transition(ctx, ws, session.ID, store.Transition{Unheld: true, SetAssignee: &agent}, later)
	wantErr(t, err, store.ErrStale)
	_, _, err = s.Transition(ctx, ws, queued.ID, store.Transition{Unheld: true, SetAssignee: &agent}, later)
	noErr(t, "route the queued chat", err)

	// An agent may still take a held chat by hand (no Unheld condition):
	// then the inactivity rule applies again to the session's chat.
	_, _, err = s.Transition(ctx, ws, session.ID, store.Transition{SetAssignee: &agent}, later)
	noErr(t, "take the session's chat", err)
	d, err = s.DueConversations(ctx, ws, store.Cutoffs{Now: later.Add(time.Hour), Inactive: later.Add(time.Hour)}, 10)
	noErr(t, "due", err)
	equal(t, "inactive", ids(d.Inactive, convID), []string{queued.ID, session.ID})
	equal(t, "sessions due", len(d.Offhours), 0)
}

func testTicketQueues(t *testing.T, s *store.Store) {
	ctx := t.Context()
	a := newTenant(t, s, "a")
	ws := a.ws.ID
	sales, err := s.CreateDepartment(ctx, ws, "Refunds", Epoch)
	noErr(t, "department", err)
	ag := a.agent
	ag.DepartmentIDs = []string{a.dept.ID}
	_, err = s.UpdateAgent(ctx, ag, Epoch)
	noErr(t, "member", err)

	var made []store.Ticket
	for i, dept := range []string{"", a.dept.ID, sales.ID, "", a.dept.ID} {
		at := Epoch.Add(time.Duration(i) * time.Minute)
		_, c := writer(t, s, a, fmt.Sprint("w", i), dept, at)
		made = append(made, *toTicket(t, s, ws, c, at).Ticket)
	}
	id := ticketID
	list, err := s.ListTickets(ctx, ws, store.TicketFilter{Queue: store.QueueUnassigned})
	noErr(t, "unassigned", err)
	equal(t, "unassigned, newest first", ids(list, id), []string{made[4].ID, made[3].ID, made[2].ID, made[1].ID, made[0].ID})
	list, err = s.ListTickets(ctx, ws, store.TicketFilter{Queue: store.QueueUnassigned, VisibleTo: a.agent.ID})
	noErr(t, "visible", err)
	equal(t, "what the agent may see (not Sales)", ids(list, id), []string{made[4].ID, made[3].ID, made[1].ID, made[0].ID})
	n, err := s.CountUnassigned(ctx, ws, a.agent.ID)
	noErr(t, "count", err)
	equal(t, "count the agent may see", n, 4)

	list, err = s.ListTickets(ctx, ws, store.TicketFilter{Queue: store.QueueUnassigned, Limit: 2, Before: &made[3]})
	noErr(t, "page", err)
	equal(t, "the page after the fourth", ids(list, id), []string{made[2].ID, made[1].ID})
	list, err = s.ListTickets(ctx, ws, store.TicketFilter{Queue: store.QueueUnassigned, Query: "FROM W3"})
	noErr(t, "search", err)
	equal(t, "search", ids(list, id), []string{made[3].ID})
	list, err = s.ListTickets(ctx, ws, store.TicketFilter{Queue: store.QueueUnassigned, Query: "100%_"})
	noErr(t, "search wildcards", err)
	equal(t, "wildcards match themselves", len(list), 0)

	_, err = s.AcceptTickets(ctx, ws, a.agent.ID, made[1].ID, 0, true, Epoch.Add(time.Hour))
	noErr(t, "accept", err)
	_, err = s.AcceptTickets(ctx, ws, a.owner.ID, made[2].ID, 0, false, Epoch.Add(time.Hour))
	noErr(t, "accept", err)
	list, err = s.ListTickets(ctx, ws, store.TicketFilter{Queue: store.QueueAssigned, AgentID: a.agent.ID})
	noErr(t, "assigned", err)
	equal(t, "the agent's", ids(list, id), []string{made[1].ID})

	mine, theirs := a.agent.ID, a.owner.ID
	_, err = s.CloseTicket(ctx, ws, made[1].ID, store.TicketClose{Assignee: &mine, By: store.AuthorAgent, AgentID: mine}, Epoch.Add(2*time.Hour))
	noErr(t, "close", err)
	_, err = s.CloseTicket(ctx, ws, made[2].ID, store.TicketClose{Assignee: &theirs, By: store.AuthorAgent, AgentID: theirs}, Epoch.Add(3*time.Hour))
	noErr(t, "close", err)
	list, err = s.ListTickets(ctx, ws, store.TicketFilter{Queue: store.QueueClosed})
	noErr(t, "closed", err)
	equal(t, "closed, latest first", ids(list, id), []string{made[2].ID, made[1].ID})
	list, err = s.ListTickets(ctx, ws, store.TicketFilter{Queue: store.QueueClosed, AgentID: mine, ClosedByMe: true})
	noErr(t, "closed by me", err)
	equal(t, "closed by me", ids(list, id), []string{made[1].ID})
	list, err = s.ListTickets(ctx, ws, store.TicketFilter{Queue: store.QueueClosed, Limit: 1, Before: &list[0]})
	noErr(t, "closed page", err)
	equal(t, "closed after the one closed by me", len(list), 0)
}

func testTicketAccept(t *testing.T, s *store.Store) {
	ctx := t.Context()
	a := newTenant(t, s, "a")
	ws := a.ws.ID
	var made []store.Ticket
	for i := range 5 {
		at := Epoch.Add(time.Duration(i) * time.Minute)
		_, c := writer(t, s, a, fmt.Sprint("w", i), "", at)
		made = append(made, *toTicket(t, s, ws, c, at).Ticket)
	}
	now := Epoch.Add(time.Hour)
	got, err := s.AcceptTickets(ctx, ws, a.agent.ID, made[2].ID, 0, true, now)
	noErr(t, "accept", err)
	if len(got) != 1 || got[0].AssigneeID != a.agent.ID || got[0].AcceptedAt == nil || !got[0].AcceptedAt.Equal(now) {
		t.Fatalf("accepted %+v", got)
	}
	_, err = s.AcceptTickets(ctx, ws, a.owner.ID, made[2].ID, 0, false, now)
	wantErr(t, err, store.ErrStale)
	_, err = s.AcceptTickets(ctx, ws, a.owner.ID, "no-such-ticket", 0, false, now)
	wantErr(t, err, store.ErrNotFound)

	got, err = s.AcceptTickets(ctx, ws, a.owner.ID, "", 3, false, now)
	noErr(t, "quick accept", err)
	equal(t, "the three oldest left, oldest first", ids(got, ticketID),
		[]string{made[0].ID, made[1].ID, made[3].ID})
	got, err = s.AcceptTickets(ctx, ws, a.owner.ID, "", 3, false, now)
	noErr(t, "quick accept the rest", err)
	equal(t, "what was left", len(got), 1)

	// A supervisor hands one back and to someone else.
	tk, err := s.AssignTicket(ctx, ws, made[0].ID, "", "boss", "Boss", now)
	noErr(t, "unassign", err)
	if tk.AssigneeID != "" || tk.AcceptedAt != nil {
		t.Fatalf("unassigned ticket %+v", tk)
	}
	tk, err = s.AssignTicket(ctx, ws, made[0].ID, a.agent.ID, "boss", "Boss", now)
	noErr(t, "reassign", err)
	equal(t, "reassigned to", tk.AssigneeID, a.agent.ID)
}

func testTicketQuickAcceptRace(t *testing.T, s *store.Store) {
	ctx := t.Context()
	a := newTenant(t, s, "a")
	ws := a.ws.ID
	const tickets = 24
	for i := range tickets {
		at := Epoch.Add(time.Duration(i) * time.Second)
		_, c := writer(t, s, a, fmt.Sprint("w", i), "", at)
		toTicket(t, s, ws, c, at)
	}
	// Two agents press "accept 5" over and over at the same moments.
	agents := []string{a.owner.ID, a.agent.ID}
	got := make([][]string, len(agents))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, ag := range agents {
		wg.Go(func() {
			<-start
			for range tickets {
				list, err := s.AcceptTickets(ctx, ws, ag, "", 5, false, Epoch.Add(time.Hour))
				if err != nil {
					t.Errorf("agent %d: %v", i, err)
					return
				}
				for _, tk := range list {
					if tk.AssigneeID != ag {
						t.Errorf("agent %d got ticket %s assigned to %s", i, tk.ID, tk.AssigneeID)
					}
					got[i] = append(got[i], tk.ID)
				}
				if len(list) == 0 {
					return
				}
			}
		})
	}
	close(start)
	wg.Wait()
	all := append(slices.Clone(got[0]), got[1]...)
	slices.Sort(all)
	if len(slices.Compact(slices.Clone(all))) != len(all) {
		t.Fatalf("a ticket went to both agents: %v and %v", got[0], got[1])
	}
	equal(t, "accepted in all", len(all), tickets)
	for i, ag := range agents {
		list, err := s.ListTickets(ctx, ws, store.TicketFilter{Queue: store.QueueAssigned, AgentID: ag, Limit: 100})
		noErr(t, "assigned", err)
		equal(t, fmt.Sprintf("agent %d's queue", i), len(list), len(got[i]))
	}
}

func testTicketClose(t *testing.T, s *store.Store) {
	ctx := t.Context()
	a := newTenant(t, s, "a")
	ws := a.ws.ID
	_, c := writer(t, s, a, "ann", "", Epoch)
	tk := toTicket(t, s, ws, c, Epoch).Ticket
	mine := a.agent.ID
	_, err := s.CloseTicket(ctx, ws, tk.ID, store.TicketClose{Assignee: &mine, By: store.AuthorAgent, AgentID: mine}, Epoch)
	wantErr(t, err, store.ErrStale) // not the agent's
	closedAt := Epoch.Add(time.Hour)
	out, err := s.CloseTicket(ctx, ws, tk.ID, store.TicketClose{By: store.AuthorAgent, AgentID: mine,
		Event: func(c store.Conversation) *store.Message {
			return &store.Message{Kind: store.KindSystem, AuthorType: store.AuthorSystem, Body: "closed with its ticket"}
		}}, closedAt)
	noErr(t, "close", err)
	if out.Ticket.Status != store.TicketClosed || out.Ticket.ClosedByAgentID != mine || len(out.Conversations) != 1 ||
		out.Conversations[0].Status != store.StatusClosed || len(out.Events) != 1 || out.Events[0].Seq != out.Conversations[0].LastSeq {
		t.Fatalf("closed %+v", out)
	}
	_, err = s.CloseTicket(ctx, ws, tk.ID, store.TicketClose{By: store.AuthorAgent}, closedAt)
	wantErr(t, err, store.ErrStale)

	// Retention keeps the closed chat of a ticket still open (where its
	// answer goes), and deletes the chats of closed tickets.
	_, open := writer(t, s, a, "bob", "", Epoch)
	openTk := toTicket(t, s, ws, open, Epoch).Ticket
	_, _, err = s.Transition(ctx, ws, open.ID, store.Transition{Status: store.StatusClosed, ClosedBy: store.AuthorVisitor}, Epoch)
	noErr(t, "the visitor ends bob's chat", err)
	deleted, err := s.DeleteClosedConversations(ctx, ws, closedAt.Add(time.Hour), 100)
	noErr(t, "retention", err)
	equal(t, "deleted by retention", deleted, 1) // ann's, with its closed ticket
	_, err = s.GetConversation(ctx, ws, open.ID)
	noErr(t, "the open ticket's chat", err)
	_, err = s.GetTicket(ctx, ws, openTk.ID)
	noErr(t, "the open ticket", err)
	_, err = s.GetTicket(ctx, ws, tk.ID)
	wantErr(t, err, store.ErrNotFound)
}

func testTicketArchive(t *testing.T, s *store.Store) {
	ctx := t.Context()
	a := newTenant(t, s, "a")
	ws := a.ws.ID
	_, c := writer(t, s, a, "ann", "", Epoch)
	tk := toTicket(t, s, ws, c, Epoch).Ticket
	closedAt := Epoch.Add(time.Hour)
	_, err := s.CloseTicket(ctx, ws, tk.ID, store.TicketClose{By: store.AuthorAgent, AgentID: a.agent.ID}, closedAt)
	noErr(t, "close", err)
	n, err := s.ArchiveTickets(ctx, ws, closedAt, closedAt, 10)
	noErr(t, "archive before", err)
	equal(t, "archived at the cutoff", n, 0)
	n, err = s.ArchiveTickets(ctx, ws, closedAt.Add(time.Millisecond), closedAt, 10)
	noErr(t, "archive", err)
	equal(t, "archived", n, 1)
	list, err := s.ListTickets(ctx, ws, store.TicketFilter{Queue: store.QueueClosed, Archived: true})
	noErr(t, "archived", err)
	if len(list) != 1 || list[0].ArchivedAt == nil {
		t.Fatalf("archived list %+v", list)
	}
	list, err = s.ListTickets(ctx, ws, store.TicketFilter{Queue: store.QueueClosed})
	noErr(t, "closed", err)
	equal(t, "closed, not archived", len(list), 0)
}

func testHoldOnce(t *testing.T, s *store.Store) {
	ctx := t.Context()
	a := newTenant(t, s, "a")
	ws := a.ws.ID
	v, c := writer(t, s, a, "ann", "", Epoch)
	retry := func(want string) {
		t.Helper()
		res, err := s.AppendMessage(ctx, visitorMessage(v, c.ID, "ann-1", "hello from ann"), Epoch)
		noErr(t, "retry", err)
		// A retry's answer check trusts this phase to skip reading the
		// conversation: it must be the phase now, not the first try's.
		if !res.Duplicate || res.Message.Seq != 1 || res.Offhours != want {
			t.Fatalf("retry: duplicate %v seq %d phase %q, want phase %q", res.Duplicate, res.Message.Seq, res.Offhours, want)
		}
	}
	retry("")
	due := Epoch.Add(time.Minute)
	step := store.Hold{AfterSeq: 1, SetPhase: store.OffhoursAsked, Due: &due, Replies: []store.Message{
		{Kind: store.KindText, AuthorType: store.AuthorSystem, Body: "We are closed", ClientMsgID: "oh-1-0"},
		{Kind: store.KindText, AuthorType: store.AuthorSystem, Body: "YES or NO?", ClientMsgID: "oh-1-1"},
	}}
	h, err := s.Hold(ctx, ws, c.ID, step, Epoch)
	noErr(t, "step", err)
	retry(store.OffhoursAsked)
	if len(h.Events) != 2 || h.Events[0].Seq != 2 || h.Events[1].Seq != 3 || h.Conversation.LastSeq != 3 ||
		h.Conversation.Offhours != store.OffhoursAsked || h.Conversation.OffhoursSeq != 1 || h.Conversation.LastMessage != "YES or NO?" {
		t.Fatalf("held %+v", h)
	}
	_, err = s.Hold(ctx, ws, c.ID, step, Epoch)
	wantErr(t, err, store.ErrStale)
	msgs, err := s.ListMessages(ctx, ws, c.ID, 0, 0, 10)
	noErr(t, "messages", err)
	equal(t, "messages after the step ran twice", len(msgs), 3)

	// The clock's step: only when due, only in that phase.
	_, err = s.Hold(ctx, ws, c.ID, store.Hold{Phase: store.OffhoursLeaving, DueBy: due, SetPhase: store.OffhoursEnded}, due)
	wantErr(t, err, store.ErrStale)
	_, err = s.Hold(ctx, ws, c.ID, store.Hold{Phase: store.OffhoursAsked, DueBy: due.Add(-time.Millisecond), SetPhase: store.OffhoursEnded}, due)
	wantErr(t, err, store.ErrStale)
	h, err = s.Hold(ctx, ws, c.ID, store.Hold{Phase: store.OffhoursAsked, DueBy: due, SetPhase: store.OffhoursEnded,
		Close: &store.Message{Kind: store.KindSystem, AuthorType: store.AuthorSystem, Body: "No answer"}}, due)
	noErr(t, "expire", err)
	if h.Conversation.Status != store.StatusClosed || h.Conversation.Offhours != store.OffhoursEnded || h.Conversation.OffhoursDue != nil {
		t.Fatalf("expired %+v", h.Conversation)
	}
	_, err = s.Hold(ctx, ws, "no-such-conversation", store.Hold{}, due)
	wantErr(t, err, store.ErrNotFound)
}

func testMailOutbox(t *testing.T, s *store.Store) {
	ctx := t.Context()
	a := newTenant(t, s, "a")
	ws := a.ws.ID
	_, err := s.GetMailSettings(ctx, ws)
	wantErr(t, err, store.ErrNotFound)
	set := store.MailSettings{WorkspaceID: ws, Host: "smtp.example.com", Port: 587, Security: "starttls", Username: "u",
		Password: "p", FromAddress: "help@example.com", FromName: "Help"}
	noErr(t, "set", s.SetMailSettings(ctx, set, Epoch))
	set.Port = 2525
	noErr(t, "set again", s.SetMailSettings(ctx, set, Epoch.Add(time.Second)))
	got, err := s.GetMailSettings(ctx, ws)
	noErr(t, "get", err)
	if got.Port != 2525 || got.Password != "p" || !got.UpdatedAt.Equal(Epoch.Add(time.Second)) {
		t.Fatalf("settings %+v", got)
	}

	var tickets []store.Ticket
	for i := range 6 {
		_, c := writer(t, s, a, fmt.Sprint("w", i), "", Epoch)
		tickets = append(tickets, *toTicket(t, s, ws, c, Epoch).Ticket)
	}
	for i, tk := range tickets {
		m := store.OutMail{WorkspaceID: ws, TicketID: tk.ID, MessageID: fmt.Sprint("answer-", i), ConversationID: tk.ConversationID,
			Seq: 5, To: "c@example.com", Subject: "Re", Body: "first"}
		queued, err := s.QueueMail(ctx, m, Epoch, Epoch)
		noErr(t, "queue", err)
		again, err := s.QueueMail(ctx, m, Epoch, Epoch)
		noErr(t, "queue again", err)
		if !queued || again {
			t.Fatalf("queued %v, then again %v", queued, again)
		}
		// A second answer of the burst joins the waiting mail.
		m.MessageID, m.Seq, m.Body = fmt.Sprint("answer-", i, "b"), 6, "second"
		joined, err := s.QueueMail(ctx, m, Epoch, Epoch)
		noErr(t, "join", err)
		equal(t, "joined", joined, true)
	}
	first, err := s.TicketMail(ctx, ws, tickets[0].ID)
	noErr(t, "ticket mail", err)
	if first.Body != "first\n\nsecond" || first.Seq != 6 || first.MessageID != "answer-0" {
		t.Fatalf("the burst's mail %+v", first)
	}
	tk, err := s.GetTicket(ctx, ws, tickets[0].ID)
	noErr(t, "ticket", err)
	equal(t, "the ticket's mail state", tk.MailState, store.MailQueued)

	// Two senders claim at once: each mail goes to one of them.
	now := Epoch.Add(time.Minute)
	var wg sync.WaitGroup
	claimed := make([][]store.OutMail, 2)
	for i := range claimed {
		wg.Go(func() {
			var err error
			claimed[i], err = s.ClaimMail(ctx, now, now.Add(2*time.Minute), 10)
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	var ids []string
	for _, list := range claimed {
		for _, m := range list {
			ids = append(ids, m.ID)
			equal(t, "attempts", m.Attempts, 1)
		}
	}
	slices.Sort(ids)
	equal(t, "claimed in all", len(slices.Compact(slices.Clone(ids))), 6)
	equal(t, "claimed twice", len(ids), 6)
	later, err := s.ClaimMail(ctx, now, now.Add(2*time.Minute), 10)
	noErr(t, "claim during the lease", err)
	equal(t, "claimable during the lease", len(later), 0)

	all := append(slices.Clone(claimed[0]), claimed[1]...)
	noErr(t, "sent", s.MailSent(ctx, ws, all[0].ID, now))
	noErr(t, "retry", s.MailFailed(ctx, ws, all[1].ID, "451 try later", now.Add(5*time.Minute)))
	noErr(t, "give up", s.MailFailed(ctx, ws, all[2].ID, "550 no such user", time.Time{}))
	noErr(t, "skip", s.MailSkipped(ctx, ws, all[3].ID, now))
	// After the lease, the three others are due again; the retried one at its time.
	again, err := s.ClaimMail(ctx, now.Add(3*time.Minute), now.Add(30*time.Minute), 10)
	noErr(t, "claim after the lease", err)
	equal(t, "due after the lease", len(again), 2)
	retried, err := s.ClaimMail(ctx, now.Add(5*time.Minute), now.Add(7*time.Minute), 10)
	noErr(t, "claim the retry", err)
	if len(retried) != 1 || retried[0].ID != all[1].ID || retried[0].Attempts != 2 || retried[0].LastError != "451 try later" {
		t.Fatalf("retried %+v", retried)
	}
	for i, want := range []string{store.MailSent, store.MailQueued, store.MailFailed, store.MailSkipped} {
		m, err := s.TicketMail(ctx, ws, all[i].TicketID)
		noErr(t, "ticket mail", err)
		equal(t, fmt.Sprint("mail ", i), m.State, want)
	}
	failed, err := s.GetTicket(ctx, ws, all[2].TicketID)
	noErr(t, "ticket", err)
	if failed.MailState != store.MailFailed || failed.MailError != "550 no such user" {
		t.Fatalf("the failed mail's ticket %+v", failed)
	}
	// A mail that had its first attempt takes no more answers: the next
	// answer is a mail of its own.
	sent, err := s.GetTicket(ctx, ws, all[0].TicketID)
	noErr(t, "ticket", err)
	_, err = s.QueueMail(ctx, store.OutMail{WorkspaceID: ws, TicketID: sent.ID, MessageID: "later", ConversationID: sent.ConversationID,
		Seq: 9, To: "c@example.com", Subject: "Re", Body: "later"}, now, now)
	noErr(t, "queue after sending", err)
	latest, err := s.TicketMail(ctx, ws, sent.ID)
	noErr(t, "latest mail", err)
	if latest.ID == all[0].ID || latest.Body != "later" || latest.State != store.MailQueued {
		t.Fatalf("the answer after a sent mail %+v", latest)
	}
	noErr(t, "delete settings", s.DeleteMailSettings(ctx, ws))
	wantErr(t, s.DeleteMailSettings(ctx, ws), store.ErrNotFound)
}
