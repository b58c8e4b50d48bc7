package httpapi_test

import (
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/store"
)

// ticketOf makes a ticket of a new visitor of site st (the no-agent rule).
func ticketOf(t *testing.T, e *env, st store.Site, name string) store.Ticket {
	t.Helper()
	ctx := t.Context()
	s, now := e.srv.App.Store, e.srv.Clock.Now()
	v, err := s.CreateVisitor(ctx, st.WorkspaceID, st.ID, "token-"+name+"-"+st.ID, now)
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := s.StartConversation(ctx, st.WorkspaceID, v.ID, "", now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendMessage(ctx, store.Message{WorkspaceID: st.WorkspaceID, ConversationID: c.ID, ClientMsgID: "m1", Kind: store.KindText,
		AuthorType: store.AuthorVisitor, AuthorID: v.ID, Body: "help " + name}, now); err != nil {
		t.Fatal(err)
	}
	h, err := s.Hold(ctx, st.WorkspaceID, c.ID, store.Hold{Unheld: true, Ticket: store.TicketNoAgent}, now)
	if err != nil || h.Ticket == nil {
		t.Fatalf("ticket: %v", err)
	}
	return *h.Ticket
}

// TestBoardsAPI: boards over REST with role checks; every refusal has its
// code and changes nothing.
func TestBoardsAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	owner := auth.Actor{WorkspaceID: e.site.WorkspaceID, AgentID: e.ids["{owner}"], Role: auth.Owner}
	boards, err := e.srv.App.Boards.List(ctx, owner, false)
	if err != nil || len(boards) != 1 {
		t.Fatalf("the first board: %v %v", boards, err)
	}
	b := boards[0]
	for _, c := range b.Columns {
		e.ids["{"+c.Stage+"}"] = c.ID
	}
	e.ids["{board}"] = b.ID
	one, two := ticketOf(t, e, e.site, "one"), ticketOf(t, e, e.site, "two")
	e.ids["{t1}"], e.ids["{t2}"] = one.ID, two.ID
	bOwner := auth.Actor{WorkspaceID: e.ids["{b-ws}"], AgentID: e.ids["{b-agent}"], Role: auth.Owner}
	bBoards, err := e.srv.App.Boards.List(ctx, bOwner, false)
	if err != nil {
		t.Fatal(err)
	}
	e.ids["{b-board}"], e.ids["{b-column}"] = bBoards[0].ID, bBoards[0].Columns[0].ID
	e.ids["{b-ticket}"] = ticketOf(t, e, e.bSite, "b").ID
	chatless, err := e.srv.App.Store.CreateTicket(ctx, e.site.WorkspaceID, store.NewTicket{TicketFields: store.TicketFields{Subject: "No chat"},
		AssigneeID: e.ids["{agent}"]}, e.srv.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	e.ids["{chatless}"] = chatless.ID

	e.run(t, []scenario{
		{name: "nobody lists", method: "GET", path: "/api/v1/boards", status: 401, code: "unauthenticated"},
		{name: "an agent lists", as: "agent", method: "GET", path: "/api/v1/boards", status: 200,
			has: []string{`"name":"Support"`, `"stage":"in_progress"`, `"name":"Waiting"`}, hasNot: []string{"{b-board}"}},
		{name: "the board shows the new tickets in New", as: "agent", method: "GET", path: "/api/v1/boards/{board}", status: 200,
			has: []string{`"id":"{t1}"`, `"column_id":"{new}"`, `"stage":"new"`}, hasNot: []string{"{b-ticket}"}},
		{name: "an agent may not make a board", as: "agent", method: "POST", path: "/api/v1/boards", body: `{"name":"Mine"}`, status: 403, code: "forbidden"},
		{name: "a bad stage", as: "admin", method: "POST", path: "/api/v1/boards", body: `{"name":"Bugs","columns":[{"name":"X","stage":"doing"}]}`,
			status: 400, code: "invalid_stage", field: "columns.stage"},
		{name: "an empty name", as: "admin", method: "POST", path: "/api/v1/boards", body: `{"name":" "}`, status: 400, code: "invalid_name"},
		{name: "an admin makes a board", as: "admin", method: "POST", path: "/api/v1/boards", body: `{"name":"Bugs"}`, status: 201,
			has: []string{`"name":"Bugs"`, `"position":1`, `"stage":"resolved"`}},
		{name: "B's board", as: "owner", method: "GET", path: "/api/v1/boards/{b-board}", status: 404, code: "board_not_found"},
		{name: "B's board renamed", as: "owner", method: "PATCH", path: "/api/v1/boards/{b-board}", body: `{"name":"x"}`, status: 404, code: "board_not_found"},
		{name: "a move needs a column", as: "agent", method: "POST", path: "/api/v1/tickets/{t1}/move", body: `{}`, status: 400, code: "required"},
		{name: "a move into B's column", as: "agent", method: "POST", path: "/api/v1/tickets/{t1}/move", body: `{"column_id":"{b-column}"}`,
			status: 404, code: "invalid_position"},
		{name: "B's ticket moved", as: "owner", method: "POST", path: "/api/v1/tickets/{b-ticket}/move", body: `{"column_id":"{waiting}"}`,
			status: 404, code: "ticket_not_found"},
		{name: "an agent moves a ticket to Waiting", as: "agent", method: "POST", path: "/api/v1/tickets/{t1}/move", body: `{"column_id":"{waiting}"}`,
			status: 200, has: []string{`"stage":"waiting"`, `"column_id":"{waiting}"`, `"board_id":"{board}"`, `"status":"open"`}},
		{name: "before a ticket of another column", as: "agent", method: "POST", path: "/api/v1/tickets/{t2}/move",
			body: `{"column_id":"{resolved}","before_id":"{t1}"}`, status: 404, code: "invalid_position"},
		{name: "a column with an open ticket cannot be archived", as: "admin", method: "PATCH", path: "/api/v1/boards/{board}/columns/{waiting}",
			body: `{"archived":true}`, status: 409, code: "column_not_empty"},
		{name: "an agent may not change a column", as: "agent", method: "PATCH", path: "/api/v1/boards/{board}/columns/{new}", body: `{"name":"x"}`,
			status: 403, code: "forbidden"},
		{name: "an admin renames a column", as: "admin", method: "PATCH", path: "/api/v1/boards/{board}/columns/{new}", body: `{"name":"Inbox"}`,
			status: 200, has: []string{`"name":"Inbox"`}},
		{name: "a reorder naming one board of two", as: "admin", method: "POST", path: "/api/v1/boards/order", body: `{"ids":["{board}"]}`,
			status: 400, code: "invalid_order"},
		{name: "a column reorder with B's column", as: "admin", method: "POST", path: "/api/v1/boards/{board}/columns/order",
			body: `{"ids":["{b-column}","{new}","{in_progress}","{waiting}","{resolved}","{closed}"]}`, status: 400, code: "invalid_order"},
		{name: "into Closed: the ticket closes", as: "agent", method: "POST", path: "/api/v1/tickets/{t2}/move", body: `{"column_id":"{closed}"}`,
			status: 200, has: []string{`"status":"closed"`, `"stage":"closed"`, `"closed_by":"agent"`}},
		{name: "the history", as: "agent", method: "GET", path: "/api/v1/tickets/{t2}/history", status: 200,
			has: []string{`"action":"moved"`, `"stage":"closed"`, `"actor_name":"`}},
		{name: "B's history", as: "owner", method: "GET", path: "/api/v1/tickets/{b-ticket}/history", status: 404, code: "ticket_not_found"},
		{name: "a link needs a chat", as: "agent", method: "POST", path: "/api/v1/tickets/{t1}/links", body: `{}`, status: 400, code: "required"},
		{name: "a link to B's ticket", as: "owner", method: "POST", path: "/api/v1/tickets/{b-ticket}/links", body: `{"conversation_id":"x"}`,
			status: 404, code: "ticket_not_found"},
		{name: "an agent watches", as: "agent", method: "PUT", path: "/api/v1/tickets/{t1}/watchers/me", status: 200, has: []string{`"{agent}"`}},
		{name: "the watchers", as: "owner", method: "GET", path: "/api/v1/tickets/{t1}/watchers", status: 200, has: []string{`"{agent}"`}},
		{name: "B's ticket watched", as: "owner", method: "PUT", path: "/api/v1/tickets/{b-ticket}/watchers/me", status: 404, code: "ticket_not_found"},
		{name: "the owner moves the watched ticket", as: "owner", method: "POST", path: "/api/v1/tickets/{t1}/move", body: `{"column_id":"{resolved}"}`,
			status: 200, has: []string{`"stage":"resolved"`}},
		{name: "the watcher is told", as: "agent", method: "GET", path: "/api/v1/inbox", status: 200,
			has: []string{`"kind":"ticket_changed"`, `moved to resolved`}},
		{name: "the mover is not", as: "owner", method: "GET", path: "/api/v1/inbox", status: 200, hasNot: []string{`ticket_changed`}},
		{name: "a ticket's chats", as: "agent", method: "GET", path: "/api/v1/tickets/{t1}/conversations", status: 200,
			has: []string{`"ticket_id":"{t1}"`, `help one`}},
		{name: "a chat from a ticket without one", as: "agent", method: "POST", path: "/api/v1/tickets/{chatless}/start-chat",
			status: 409, code: "ticket_without_chat"},
		{name: "nobody makes a ticket", method: "POST", path: "/api/v1/tickets", body: `{"subject":"x"}`, status: 401, code: "unauthenticated"},
		{name: "a ticket needs a subject", as: "agent", method: "POST", path: "/api/v1/tickets", body: `{"priority":"high"}`,
			status: 400, code: "required", field: "subject"},
		{name: "a blank subject", as: "agent", method: "POST", path: "/api/v1/tickets", body: `{"subject":"  "}`, status: 400, code: "invalid_subject"},
		{name: "a bad priority", as: "agent", method: "POST", path: "/api/v1/tickets", body: `{"subject":"x","priority":"asap"}`,
			status: 400, code: "invalid_priority"},
		{name: "an unknown field", as: "agent", method: "POST", path: "/api/v1/tickets", body: `{"subject":"x","visitor_id":"v"}`, status: 400},
		{name: "a new ticket is never closed", as: "agent", method: "POST", path: "/api/v1/tickets", body: `{"subject":"x","column_id":"{closed}"}`,
			status: 400, code: "closed_column"},
		{name: "into B's column", as: "owner", method: "POST", path: "/api/v1/tickets", body: `{"subject":"x","column_id":"{b-column}"}`,
			status: 400, code: "unknown_column"},
		{name: "for a contact of no one's", as: "agent", method: "POST", path: "/api/v1/tickets", body: `{"subject":"x","contact_id":"nope"}`,
			status: 400, code: "unknown_contact"},
		{name: "an agent gives it to someone else", as: "agent", method: "POST", path: "/api/v1/tickets",
			body: `{"subject":"x","assignee_id":"{owner}"}`, status: 403, code: "not_your_ticket"},
		{name: "for B's agent", as: "owner", method: "POST", path: "/api/v1/tickets", body: `{"subject":"x","assignee_id":"{b-agent}"}`,
			status: 400, code: "unknown_agent"},
		{name: "an agent makes a ticket on the board", as: "agent", method: "POST", path: "/api/v1/tickets",
			body:   `{"subject":"Export fails for big accounts","priority":"high","tags":["Export"],"column_id":"{waiting}","assignee_id":"{agent}"}`,
			status: 201, has: []string{`"subject":"Export fails for big accounts"`, `"stage":"waiting"`, `"column_id":"{waiting}"`,
				`"conversation_id":""`, `"assignee_id":"{agent}"`, `"tags":["export"]`, `"reason":"agent"`}},
		{name: "the board shows it", as: "owner", method: "GET", path: "/api/v1/boards/{board}", status: 200,
			has: []string{`Export fails for big accounts`}},
		{name: "a supervisor gives a new ticket to an agent", as: "owner", method: "POST", path: "/api/v1/tickets",
			body: `{"subject":"Call Mrs Lee back","assignee_id":"{agent}"}`, status: 201, has: []string{`"stage":"in_progress"`}},
		{name: "who finds it in the inbox", as: "agent", method: "GET", path: "/api/v1/inbox", status: 200,
			has: []string{`"kind":"ticket_assigned"`, `Call Mrs Lee back`}},
		{name: "a requester of no one's", as: "agent", method: "PATCH", path: "/api/v1/tickets/{chatless}", body: `{"contact_id":"nope"}`,
			status: 400, code: "unknown_contact", field: "contact_id"},
		{name: "an agent moves a ticket into a department not its own", as: "agent", method: "PATCH", path: "/api/v1/tickets/{chatless}",
			body: `{"department_id":"{dept}"}`, status: 400, code: "unknown_department"},
		{name: "the queue too", as: "agent", method: "GET", path: "/api/v1/tickets?queue=assigned&q=export", status: 200,
			has: []string{`Export fails for big accounts`}},
	})
}

// TestRatingsAPI: supervisors read every agent's ratings, an agent its
// own; bad periods are refused with their codes.
func TestRatingsAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	s, now := e.srv.App.Store, e.srv.Clock.Now()
	rated := func(name, agent, rating, comment string) {
		v, err := s.CreateVisitor(ctx, e.site.WorkspaceID, e.site.ID, "token-"+name, now)
		if err != nil {
			t.Fatal(err)
		}
		c, _, err := s.StartConversation(ctx, e.site.WorkspaceID, v.ID, "", now)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.AppendMessage(ctx, store.Message{WorkspaceID: e.site.WorkspaceID, ConversationID: c.ID, ClientMsgID: "v1",
			Kind: store.KindText, AuthorType: store.AuthorVisitor, AuthorID: v.ID, Body: "hello"}, now); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Transition(ctx, e.site.WorkspaceID, c.ID, store.Transition{SetAssignee: &agent, Status: store.StatusClosed,
			ClosedBy: store.AuthorAgent}, now); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RateConversation(ctx, e.site.WorkspaceID, c.ID, v.ID, rating, comment, now.Add(-time.Hour), now); err != nil {
			t.Fatal(err)
		}
	}
	rated("one", e.ids["{agent}"], store.RatingGood, "Lovely")
	rated("two", e.ids["{agent}"], store.RatingGood, "")
	rated("three", e.ids["{owner}"], store.RatingBad, "Too slow")
	e.srv.Clock.Advance(time.Minute)

	e.run(t, []scenario{
		{name: "nobody reads ratings", method: "GET", path: "/api/v1/ratings", status: 401, code: "unauthenticated"},
		{name: "a supervisor reads all", as: "supervisor", method: "GET", path: "/api/v1/ratings", status: 200,
			has: []string{`"good":2`, `"bad":1`, `"agent_id":"{agent}"`, `"agent_id":"{owner}"`, `Too slow`, `Lovely`}},
		{name: "only the commented", as: "supervisor", method: "GET", path: "/api/v1/ratings?commented=true", status: 200,
			has: []string{`Too slow`, `Lovely`}, hasNot: []string{`"comment":""`}},
		{name: "an agent reads its own", as: "agent", method: "GET", path: "/api/v1/ratings", status: 200,
			has: []string{`"good":2`, `"bad":0`, `"score":1`}, hasNot: []string{`Too slow`, `{owner}`}},
		{name: "an agent reads another's", as: "agent", method: "GET", path: "/api/v1/ratings?agent_id={owner}", status: 403, code: "forbidden"},
		{name: "a bad time", as: "owner", method: "GET", path: "/api/v1/ratings?from=yesterday", status: 400, code: "invalid_time", field: "from"},
		{name: "a period backwards", as: "owner", method: "GET", path: "/api/v1/ratings?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z",
			status: 400, code: "invalid_period"},
		{name: "a period too long", as: "owner", method: "GET", path: "/api/v1/ratings?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z",
			status: 400, code: "invalid_period"},
		{name: "a period with none", as: "owner", method: "GET", path: "/api/v1/ratings?from=2020-01-01T00:00:00Z&to=2020-02-01T00:00:00Z",
			status: 200, has: []string{`"good":0`, `"score":null`, `"agents":[]`}},
		{name: "an agent reads no analytics", as: "agent", method: "GET", path: "/api/v1/analytics/conversations", status: 403, code: "forbidden"},
		{name: "a supervisor reads the week", as: "supervisor", method: "GET", path: "/api/v1/analytics/conversations", status: 200,
			has: []string{`"time_zone":"UTC"`, `"totals":{"started":3,"answered":0,"missed":3,"returning":0,"closed":3}`, `"days":[`}},
		{name: "an agent reads no tickets' figures", as: "agent", method: "GET", path: "/api/v1/analytics/tickets", status: 403, code: "forbidden"},
		{name: "a supervisor reads the tickets' week", as: "supervisor", method: "GET", path: "/api/v1/analytics/tickets?days=7", status: 200,
			has: []string{`"totals":{"created":`, `"time_to_accept":{"count":`}},
		{name: "a supervisor reads the new contacts", as: "supervisor", method: "GET", path: "/api/v1/analytics/contacts?days=30", status: 200,
			has: []string{`"new":`, `"previous_new":0`}},
		{name: "an agent reads no operators' time", as: "agent", method: "GET", path: "/api/v1/analytics/operators", status: 403, code: "forbidden"},
		{name: "a supervisor reads the operators' time", as: "supervisor", method: "GET", path: "/api/v1/analytics/operators?days=1", status: 200,
			has: []string{`"agents":[{"agent_id":`, `"online_s":`}},
		{name: "a period of no days", as: "owner", method: "GET", path: "/api/v1/analytics/operators?days=0", status: 400,
			code: "invalid_period", field: "days"},
		{name: "a period too long", as: "owner", method: "GET", path: "/api/v1/analytics/tickets?days=400", status: 400,
			code: "invalid_period", field: "days"},
		{name: "a day that is no date", as: "owner", method: "GET", path: "/api/v1/analytics/conversations?from=yesterday", status: 400,
			code: "invalid_date", field: "from"},
	})
}
