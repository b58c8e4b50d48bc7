package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/store"
)

func runBoards(t *testing.T, newStore NewStore) {
	t.Helper()
	runCases(t, newStore, []storeCase{
		{"boards/boards and columns: made, renamed, reordered, archived; a column with open tickets stays", testBoards},
		{"boards/a ticket no agent placed shows in its stage's column; accepting moves it on", testBoardUnplaced},
		{"boards/moves keep the order, change the stage, close and reopen, and are in the history", testBoardMoves},
		{"boards/agents dropping tickets into one slot at once: every ticket placed, no two ranks alike", testBoardConcurrentMoves},
		{"boards/a slot halved past a number's precision renumbers the column, keeping the order", testBoardRenumber},
		{"boards/an agent makes a live chat a ticket: it joins the user's open one, the chat goes on", testTicketFromConversation},
		{"boards/a ticket's fields are stored and each change is in its history", testTicketFields},
		{"boards/a stage changed from a queue takes a placed ticket to its new stage's column", testBoardFollowsQueues},
		{"boards/closing by a move is the holder's or a supervisor's; the last board stays; archiving unplaces", testBoardRules},
		{"boards/merging a duplicate moves its chats, closes it with a pointer, tells its requester, once", testTicketMergeDuplicate},
		{"boards/a public ticket is its requester's to follow: subject and stage only", testPublicTickets},
		{"boards/a chat of the same request is linked to a ticket, once; one in another open ticket is not", testLinkConversation},
		{"boards/agents watch a ticket and stop; a merge moves the duplicate's watchers", testTicketWatchers},
		{"boards/a ticket made without a chat: placed, queued, followed by its contact; the first chat linked or merged is its chat", testTicketWithoutChat},
	})
}

// stageColumns are the columns of a board of every stage.
func stageColumns() []store.Column {
	var cols []store.Column
	for _, st := range store.Stages {
		cols = append(cols, store.Column{Name: st, Stage: st})
	}
	return cols
}

// supportBoard is a tenant with its first board, a column per stage.
func supportBoard(t *testing.T, s *store.Store) (context.Context, tenant, string, store.Board) {
	t.Helper()
	tn := newTenant(t, s, "a")
	b, err := s.CreateBoard(t.Context(), tn.ws.ID, "Support", stageColumns(), true, Epoch)
	noErr(t, "board", err)
	return t.Context(), tn, tn.ws.ID, b
}

// columnOf is the column of a stage on b.
func columnOf(b store.Board, stage string) string {
	for _, c := range b.Columns {
		if c.Stage == stage {
			return c.ID
		}
	}
	return ""
}

// shown is what a board shows: ticket ids by column id, in order.
func shown(t *testing.T, s *store.Store, ws string, b store.Board, isDefault bool) map[string][]string {
	t.Helper()
	ts, err := s.BoardTickets(t.Context(), ws, b, isDefault, 100)
	noErr(t, "board tickets", err)
	out := map[string][]string{}
	for _, tk := range ts {
		out[tk.ColumnID] = append(out[tk.ColumnID], tk.ID)
	}
	return out
}

func move(t *testing.T, s *store.Store, ws, ticket, column, before string, at time.Time) store.Moved {
	t.Helper()
	m, err := s.MoveTicket(t.Context(), ws, store.Move{TicketID: ticket, ColumnID: column, BeforeID: before, AgentID: "agent-1", AgentName: "Ann",
		Close: store.TicketClose{By: store.AuthorAgent, AgentID: "agent-1"}}, at)
	noErr(t, "move", err)
	return m
}

// openTickets makes n tickets of new visitors, a minute apart.
func openTickets(t *testing.T, s *store.Store, tn tenant, n int) []store.Ticket {
	t.Helper()
	var out []store.Ticket
	for i := range n {
		_, c := writer(t, s, tn, fmt.Sprint("w", i), "", Epoch.Add(time.Duration(i)*time.Minute))
		out = append(out, *toTicket(t, s, tn.ws.ID, c, Epoch.Add(time.Duration(i)*time.Minute)).Ticket)
	}
	return out
}

func testBoards(t *testing.T, s *store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "a")
	ws := tn.ws.ID
	support, err := s.CreateBoard(ctx, ws, "Support", stageColumns(), true, Epoch)
	noErr(t, "first board", err)
	_, err = s.CreateBoard(ctx, ws, "Again", stageColumns(), true, Epoch)
	wantErr(t, err, store.ErrConflict) // a first board exists
	bugs, err := s.CreateBoard(ctx, ws, "Bugs", []store.Column{{Name: "Triage", Stage: store.StageNew}}, false, Epoch)
	noErr(t, "second board", err)
	equal(t, "positions", [2]int{support.Position, bugs.Position}, [2]int{0, 1})
	col, err := s.CreateColumn(ctx, ws, bugs.ID, "Fixed", store.StageResolved, Epoch)
	noErr(t, "column", err)
	equal(t, "a column goes last", col.Position, 1)

	noErr(t, "reorder boards", s.ReorderBoards(ctx, ws, []string{bugs.ID, support.ID}))
	wantErr(t, s.ReorderBoards(ctx, ws, []string{bugs.ID}), store.ErrNotFound) // not every board
	noErr(t, "reorder columns", s.ReorderColumns(ctx, ws, bugs.ID, []string{col.ID, bugs.Columns[0].ID}))
	list, err := s.ListBoards(ctx, ws, false)
	noErr(t, "list", err)
	equal(t, "boards in order", ids(list, func(b store.Board) string { return b.Name }), []string{"Bugs", "Support"})
	equal(t, "columns in order", ids(list[0].Columns, func(c store.Column) string { return c.Name }), []string{"Fixed", "Triage"})

	// A column that holds an open ticket can neither be archived nor change its stage.
	tk := openTickets(t, s, tn, 1)[0]
	move(t, s, ws, tk.ID, col.ID, "", Epoch.Add(time.Hour))
	_, err = s.UpdateColumn(ctx, ws, store.Column{ID: col.ID, Name: "Fixed", Stage: store.StageResolved}, true, Epoch)
	wantErr(t, err, store.ErrNotEmpty)
	_, err = s.UpdateColumn(ctx, ws, store.Column{ID: col.ID, Name: "Fixed", Stage: store.StageWaiting}, false, Epoch)
	wantErr(t, err, store.ErrNotEmpty)
	// Bugs is the default board now: its Triage, the only column of the new
	// stage, shows the unplaced new tickets, so it holds them as well.
	_, c2 := writer(t, s, tn, "unplaced", "", Epoch)
	toTicket(t, s, ws, c2, Epoch)
	_, err = s.UpdateColumn(ctx, ws, store.Column{ID: bugs.Columns[0].ID, Name: "Triage", Stage: store.StageNew}, true, Epoch)
	wantErr(t, err, store.ErrNotEmpty)
	renamed, err := s.UpdateColumn(ctx, ws, store.Column{ID: col.ID, Name: "Done", Stage: store.StageResolved}, false, Epoch)
	noErr(t, "rename column", err)
	equal(t, "renamed", renamed.Name, "Done")
	archived, err := s.UpdateColumn(ctx, ws, store.Column{ID: support.Columns[2].ID, Name: "x", Stage: support.Columns[2].Stage}, true, Epoch)
	noErr(t, "archive an empty column", err)
	if archived.ArchivedAt == nil {
		t.Fatal("the column is not archived")
	}
	b, err := s.UpdateBoard(ctx, ws, bugs.ID, "Bugs and errors", true, Epoch.Add(time.Minute))
	noErr(t, "archive board", err)
	if b.Name != "Bugs and errors" || b.ArchivedAt == nil {
		t.Fatalf("archived board: %+v", b)
	}
	list, err = s.ListBoards(ctx, ws, false)
	noErr(t, "list", err)
	equal(t, "archived boards and columns are left out", [2]int{len(list), len(list[0].Columns)}, [2]int{1, 4})
	all, err := s.ListBoards(ctx, ws, true)
	noErr(t, "list all", err)
	equal(t, "all", len(all), 2)
	// An archived board takes no move.
	_, err = s.MoveTicket(ctx, ws, store.Move{TicketID: tk.ID, ColumnID: col.ID}, Epoch.Add(2*time.Hour))
	wantErr(t, err, store.ErrNotFound)
}

func testBoardUnplaced(t *testing.T, s *store.Store) {
	ctx, tn, ws, b := supportBoard(t, s)
	other, err := s.CreateBoard(ctx, ws, "Other", stageColumns(), false, Epoch)
	noErr(t, "board", err)
	tks := openTickets(t, s, tn, 3)
	equal(t, "a new ticket's stage", tks[0].Stage, store.StageNew)
	equal(t, "shown in New on the default board, oldest first", shown(t, s, ws, b, true)[columnOf(b, store.StageNew)],
		[]string{tks[0].ID, tks[1].ID, tks[2].ID})
	equal(t, "not on another board", len(shown(t, s, ws, other, false)), 0)

	accepted, err := s.AcceptTickets(ctx, ws, tn.agent.ID, tks[1].ID, 1, false, Epoch.Add(time.Hour))
	noErr(t, "accept", err)
	equal(t, "accepting starts the work", accepted[0].Stage, store.StageInProgress)
	got := shown(t, s, ws, b, true)
	equal(t, "in progress", got[columnOf(b, store.StageInProgress)], []string{tks[1].ID})
	unassigned, err := s.AssignTicket(ctx, ws, tks[1].ID, "", "boss", "Boss", Epoch.Add(2*time.Hour))
	noErr(t, "unassign", err)
	equal(t, "back to new", unassigned.Stage, store.StageNew)
	closed, err := s.CloseTicket(ctx, ws, tks[2].ID, store.TicketClose{By: store.AuthorSystem}, Epoch.Add(3*time.Hour))
	noErr(t, "close", err)
	equal(t, "a closed ticket's stage", closed.Ticket.Stage, store.StageClosed)
	equal(t, "shown closed", shown(t, s, ws, b, true)[columnOf(b, store.StageClosed)], []string{tks[2].ID})
}

func testBoardMoves(t *testing.T, s *store.Store) {
	ctx, tn, ws, b := supportBoard(t, s)
	newCol, waiting, closedCol := columnOf(b, store.StageNew), columnOf(b, store.StageWaiting), columnOf(b, store.StageClosed)
	tks := openTickets(t, s, tn, 4)
	a, bb, c, d := tks[0].ID, tks[1].ID, tks[2].ID, tks[3].ID

	// Within New: D before B. The others, never placed, keep the order shown.
	m := move(t, s, ws, d, newCol, bb, Epoch.Add(time.Hour))
	equal(t, "placed", [2]string{m.Ticket.BoardID, m.Ticket.ColumnID}, [2]string{b.ID, newCol})
	equal(t, "order", shown(t, s, ws, b, true)[newCol], []string{a, d, bb, c})
	// To Waiting: the stage follows the column.
	m = move(t, s, ws, bb, waiting, "", Epoch.Add(2*time.Hour))
	equal(t, "stage", [2]string{m.Ticket.Stage, m.Ticket.Status}, [2]string{store.StageWaiting, store.TicketOpen})
	move(t, s, ws, a, waiting, bb, Epoch.Add(3*time.Hour))
	got := shown(t, s, ws, b, true)
	equal(t, "new", got[newCol], []string{d, c})
	equal(t, "waiting", got[waiting], []string{a, bb})
	// Into Closed: the ticket closes, with its conversation.
	m = move(t, s, ws, c, closedCol, "", Epoch.Add(4*time.Hour))
	if m.Closed == nil || m.Ticket.Status != store.TicketClosed || m.Ticket.ClosedBy != store.AuthorAgent {
		t.Fatalf("moved into closed: %+v", m)
	}
	conv, err := s.GetConversation(ctx, ws, tks[2].ConversationID)
	noErr(t, "conversation", err)
	equal(t, "its conversation closed", conv.Status, store.StatusClosed)
	// Out of Closed: it reopens.
	m = move(t, s, ws, c, waiting, "", Epoch.Add(5*time.Hour))
	if !m.Reopened || m.Ticket.Status != store.TicketOpen || m.Ticket.ClosedAt != nil {
		t.Fatalf("moved out of closed: %+v", m)
	}
	// A reopen that would give a visitor two open tickets is refused, and changes nothing.
	move(t, s, ws, d, closedCol, "", Epoch.Add(6*time.Hour))
	visitorD := tks[3].VisitorID
	conv2, _, err := s.StartConversation(ctx, ws, visitorD, "", Epoch.Add(7*time.Hour))
	noErr(t, "the same visitor chats again", err)
	_, err = s.AppendMessage(ctx, store.Message{WorkspaceID: ws, ConversationID: conv2.ID, ClientMsgID: "again", Kind: store.KindText,
		AuthorType: store.AuthorVisitor, AuthorID: visitorD, Body: "again"}, Epoch.Add(7*time.Hour))
	noErr(t, "message", err)
	toTicket(t, s, ws, conv2, Epoch.Add(7*time.Hour))
	_, err = s.MoveTicket(ctx, ws, store.Move{TicketID: d, ColumnID: waiting, AgentID: "agent-1", AgentName: "Ann"}, Epoch.Add(8*time.Hour))
	wantErr(t, err, store.ErrConflict)
	still, err := s.GetTicket(ctx, ws, d)
	noErr(t, "ticket", err)
	equal(t, "still closed", still.Status, store.TicketClosed)
	// Before a ticket of another column: refused.
	_, err = s.MoveTicket(ctx, ws, store.Move{TicketID: a, ColumnID: newCol, BeforeID: bb}, Epoch.Add(9*time.Hour))
	wantErr(t, err, store.ErrNotFound)

	hist, err := s.TicketHistory(ctx, ws, c, 10)
	noErr(t, "history", err)
	equal(t, "history", ids(hist, func(e store.TicketEvent) string {
		return e.Action + " " + e.Detail["stage"].(string) + " by " + e.ActorName
	}),
		[]string{"moved closed by Ann", "moved waiting by Ann"})
}

func testBoardConcurrentMoves(t *testing.T, s *store.Store) {
	ctx, tn, ws, b := supportBoard(t, s)
	waiting := columnOf(b, store.StageWaiting)
	tks := openTickets(t, s, tn, 9)
	anchor := tks[0].ID
	move(t, s, ws, anchor, waiting, "", Epoch.Add(time.Hour))
	var wg sync.WaitGroup
	errs := make(chan error, len(tks))
	for _, tk := range tks[1:] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.MoveTicket(ctx, ws, store.Move{TicketID: tk.ID, ColumnID: waiting, BeforeID: anchor, AgentID: "x", AgentName: "X"},
				Epoch.Add(2*time.Hour))
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		noErr(t, "a concurrent move", err)
	}
	placed, err := s.BoardTickets(ctx, ws, b, true, 100)
	noErr(t, "board", err)
	var ranks []float64
	var order []string
	for _, tk := range placed {
		if tk.ColumnID == waiting {
			ranks, order = append(ranks, *tk.Rank), append(order, tk.ID)
		}
	}
	equal(t, "every ticket in the column", len(order), len(tks))
	equal(t, "the anchor last", order[len(order)-1], anchor)
	sorted := slices.Clone(ranks)
	slices.Sort(sorted)
	equal(t, "no two ranks alike", len(slices.Compact(sorted)), len(ranks))
}

func testBoardRenumber(t *testing.T, s *store.Store) {
	_, tn, ws, b := supportBoard(t, s)
	waiting := columnOf(b, store.StageWaiting)
	tks := openTickets(t, s, tn, 3)
	x, y, z := tks[0].ID, tks[1].ID, tks[2].ID
	move(t, s, ws, x, waiting, "", Epoch)
	move(t, s, ws, y, waiting, "", Epoch)
	// Drop z just before y, then y just before z, again and again: each
	// drop halves the gap in front of the other.
	at := Epoch
	for i := range 60 {
		at = at.Add(time.Second)
		if i%2 == 0 {
			move(t, s, ws, z, waiting, y, at)
		} else {
			move(t, s, ws, y, waiting, z, at)
		}
	}
	equal(t, "order after 60 drops", shown(t, s, ws, b, true)[waiting], []string{x, y, z})
}

func testTicketFromConversation(t *testing.T, s *store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "a")
	ws := tn.ws.ID
	v, c := writer(t, s, tn, "ann", "", Epoch)
	c, _, err := s.Transition(ctx, ws, c.ID, store.Transition{SetAssignee: &tn.agent.ID}, Epoch)
	noErr(t, "assign", err)
	ev := func(tk store.Ticket, merged bool) store.Message {
		return store.Message{Kind: store.KindSystem, AuthorType: store.AuthorAgent, Body: "ticket", Private: true, Meta: map[string]any{"ticket_id": tk.ID}}
	}
	tk, merged, m, err := s.TicketFromConversation(ctx, ws, c.ID, tn.agent.ID, "Ann", "Refund for order 7", ev, Epoch.Add(time.Minute))
	noErr(t, "make", err)
	if merged || m == nil || tk.Reason != store.TicketByAgent || tk.AssigneeID != tn.agent.ID || tk.Stage != store.StageInProgress ||
		tk.Subject != "Refund for order 7" || tk.ConversationID != c.ID {
		t.Fatalf("made: %+v merged %v event %v", tk, merged, m)
	}
	live, err := s.GetConversation(ctx, ws, c.ID)
	noErr(t, "conversation", err)
	equal(t, "the chat goes on", [3]string{live.Status, live.AssigneeID, live.TicketID}, [3]string{store.StatusOpen, tn.agent.ID, tk.ID})
	again, merged, m, err := s.TicketFromConversation(ctx, ws, c.ID, tn.agent.ID, "Ann", "", ev, Epoch.Add(2*time.Minute))
	noErr(t, "again", err)
	equal(t, "the same ticket, nothing appended", [3]any{again.ID, merged, m == nil}, [3]any{tk.ID, true, true})
	// The same visitor's next chat joins it.
	_, _, err = s.Transition(ctx, ws, c.ID, store.Transition{Status: store.StatusClosed, ClosedBy: store.AuthorAgent}, Epoch.Add(time.Hour))
	noErr(t, "close the first chat", err)
	c2, _, err := s.StartConversation(ctx, ws, v.ID, "", Epoch.Add(time.Hour))
	noErr(t, "next chat", err)
	// In the queue, nobody's: someone takes it first.
	_, _, _, err = s.TicketFromConversation(ctx, ws, c2.ID, tn.owner.ID, "Owner", "", ev, Epoch.Add(2*time.Hour))
	wantErr(t, err, store.ErrUnassigned)
	_, _, err = s.Transition(ctx, ws, c2.ID, store.Transition{SetAssignee: &tn.owner.ID}, Epoch.Add(2*time.Hour))
	noErr(t, "owner takes it", err)
	joined, merged, _, err := s.TicketFromConversation(ctx, ws, c2.ID, tn.owner.ID, "Owner", "", ev, Epoch.Add(2*time.Hour))
	noErr(t, "join", err)
	equal(t, "joined the user's open ticket", [3]any{joined.ID, merged, joined.ConversationID}, [3]any{tk.ID, true, c2.ID})
	hist, err := s.TicketHistory(ctx, ws, tk.ID, 10)
	noErr(t, "history", err)
	equal(t, "made twice", ids(hist, func(e store.TicketEvent) string { return e.Action + " by " + e.ActorName }), []string{"made by Ann", "made by Owner"})
	// A closed chat is no new ticket.
	_, c3 := writer(t, s, tn, "bo", "", Epoch)
	_, _, err = s.Transition(ctx, ws, c3.ID, store.Transition{Status: store.StatusClosed, ClosedBy: store.AuthorAgent}, Epoch)
	noErr(t, "close", err)
	_, _, _, err = s.TicketFromConversation(ctx, ws, c3.ID, tn.agent.ID, "Ann", "", ev, Epoch.Add(time.Minute))
	wantErr(t, err, store.ErrStale)
}

func testTicketFields(t *testing.T, s *store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "a")
	ws := tn.ws.ID
	tk := openTickets(t, s, tn, 1)[0]
	equal(t, "defaults", [3]any{tk.Priority, tk.Type, len(tk.Tags)}, [3]any{"normal", "", 0})
	due := Epoch.Add(48 * time.Hour)
	f := store.TicketFields{Subject: "Zipper broke", Description: "Second time this month.", Priority: "high", Type: "bug", DueAt: &due,
		Tags: []string{"warranty", "vip"}, DepartmentID: tn.dept.ID}
	got, err := s.UpdateTicket(ctx, ws, tk.ID, f, tn.agent.ID, "Ann", Epoch.Add(time.Hour))
	noErr(t, "update", err)
	read, err := s.GetTicket(ctx, ws, tk.ID)
	noErr(t, "read", err)
	equal(t, "read back", read, got)
	equal(t, "stored", [7]any{got.Subject, got.Description, got.Priority, got.Type, got.DueAt.Equal(due), got.Tags, got.DepartmentID},
		[7]any{"Zipper broke", "Second time this month.", "high", "bug", true, []string{"warranty", "vip"}, tn.dept.ID})
	// The same fields again change nothing in the history.
	_, err = s.UpdateTicket(ctx, ws, tk.ID, f, tn.agent.ID, "Ann", Epoch.Add(2*time.Hour))
	noErr(t, "again", err)
	f.DueAt, f.Priority, f.DepartmentID = nil, "urgent", ""
	_, err = s.UpdateTicket(ctx, ws, tk.ID, f, tn.owner.ID, "Owner", Epoch.Add(3*time.Hour))
	noErr(t, "clear", err)
	hist, err := s.TicketHistory(ctx, ws, tk.ID, 10)
	noErr(t, "history", err)
	if len(hist) != 2 || hist[0].ActorName != "Ann" || hist[1].Detail["priority"] != "urgent" || hist[1].Detail["due_at"] != nil {
		t.Fatalf("history: %+v", hist)
	}
	if _, ok := hist[1].Detail["due_at"]; !ok {
		t.Fatal("clearing the due time is not in the history")
	}
}

func testBoardFollowsQueues(t *testing.T, s *store.Store) {
	ctx, tn, ws, b := supportBoard(t, s)
	newCol, progress, closedCol := columnOf(b, store.StageNew), columnOf(b, store.StageInProgress), columnOf(b, store.StageClosed)
	tks := openTickets(t, s, tn, 3)
	// Placed in New (a reorder places them all).
	move(t, s, ws, tks[2].ID, newCol, tks[0].ID, Epoch.Add(time.Hour))
	equal(t, "placed", shown(t, s, ws, b, true)[newCol], []string{tks[2].ID, tks[0].ID, tks[1].ID})
	_, err := s.AcceptTickets(ctx, ws, tn.agent.ID, tks[0].ID, 1, false, Epoch.Add(2*time.Hour))
	noErr(t, "accept", err)
	_, err = s.CloseTicket(ctx, ws, tks[1].ID, store.TicketClose{By: store.AuthorSystem}, Epoch.Add(3*time.Hour))
	noErr(t, "close", err)
	got := shown(t, s, ws, b, true)
	equal(t, "new", got[newCol], []string{tks[2].ID})
	equal(t, "accepted: in progress", got[progress], []string{tks[0].ID})
	equal(t, "closed from the queue: closed", got[closedCol], []string{tks[1].ID})
	for id, want := range map[string]string{tks[0].ID: "accepted by " + tn.agent.Name, tks[1].ID: "closed by System"} {
		hist, err := s.TicketHistory(ctx, ws, id, 10)
		noErr(t, "history", err)
		equal(t, "the queue's change is in the history", hist[len(hist)-1].Action+" by "+hist[len(hist)-1].ActorName, want)
	}
	// A drop before a card of the Closed column just closes it there.
	m := move(t, s, ws, tks[2].ID, closedCol, tks[1].ID, Epoch.Add(4*time.Hour))
	equal(t, "closed by the move", m.Ticket.Status, store.TicketClosed)
}

func testBoardRules(t *testing.T, s *store.Store) {
	ctx, tn, ws, b := supportBoard(t, s)
	closedCol := columnOf(b, store.StageClosed)
	tks := openTickets(t, s, tn, 2)
	_, err := s.AcceptTickets(ctx, ws, tn.agent.ID, tks[0].ID, 1, false, Epoch.Add(time.Hour))
	noErr(t, "accept", err)
	_, err = s.MoveTicket(ctx, ws, store.Move{TicketID: tks[0].ID, ColumnID: closedCol, AgentID: tn.owner.ID, AgentName: "Owner"}, Epoch.Add(2*time.Hour))
	wantErr(t, err, store.ErrNotAuthor) // another agent's ticket
	_, err = s.MoveTicket(ctx, ws, store.Move{TicketID: tks[0].ID, ColumnID: closedCol, AgentID: tn.owner.ID, AgentName: "Owner", CloseAny: true,
		Close: store.TicketClose{By: store.AuthorAgent, AgentID: tn.owner.ID}}, Epoch.Add(2*time.Hour))
	noErr(t, "a supervisor closes it", err)

	_, err = s.UpdateBoard(ctx, ws, b.ID, "Support", true, Epoch.Add(3*time.Hour))
	wantErr(t, err, store.ErrLastBoard)
	other, err := s.CreateBoard(ctx, ws, "Other", stageColumns(), false, Epoch)
	noErr(t, "other", err)
	move(t, s, ws, tks[1].ID, columnOf(other, store.StageWaiting), "", Epoch.Add(4*time.Hour))
	_, err = s.UpdateBoard(ctx, ws, other.ID, "Other", true, Epoch.Add(5*time.Hour))
	noErr(t, "archive", err)
	got, err := s.GetTicket(ctx, ws, tks[1].ID)
	noErr(t, "ticket", err)
	equal(t, "off the archived board", [2]string{got.BoardID, got.ColumnID}, [2]string{"", ""})
	equal(t, "shown on the default board again", shown(t, s, ws, b, true)[columnOf(b, store.StageWaiting)], []string{tks[1].ID})
}

func testTicketMergeDuplicate(t *testing.T, s *store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "a")
	ws := tn.ws.ID
	tks := openTickets(t, s, tn, 3)
	into, dup := tks[0], tks[1]
	note := func(into, from store.Ticket) store.Message {
		return store.Message{Kind: store.KindSystem, AuthorType: store.AuthorSystem, Body: "continues in " + into.ID, Meta: map[string]any{"event": "ticket_merged"}}
	}
	m, err := s.MergeTickets(ctx, ws, into.ID, dup.ID, tn.agent.ID, "Ann", note, Epoch.Add(time.Hour))
	noErr(t, "merge", err)
	if m.Again || m.Note == nil || m.Note.ConversationID != dup.ConversationID || len(m.Conversations) != 1 {
		t.Fatalf("merged: %+v", m)
	}
	equal(t, "the duplicate closes with a pointer", [3]string{m.From.Status, m.From.MergedInto, m.From.Stage}, [3]string{store.TicketClosed, into.ID, store.StageClosed})
	moved, err := s.GetConversation(ctx, ws, dup.ConversationID)
	noErr(t, "conversation", err)
	equal(t, "its chat is the ticket's now", moved.TicketID, into.ID)
	msgs, err := s.ListMessages(ctx, ws, dup.ConversationID, 0, 0, 100)
	noErr(t, "messages", err)
	equal(t, "its requester is told", msgs[len(msgs)-1].Body, "continues in "+into.ID)

	again, err := s.MergeTickets(ctx, ws, into.ID, dup.ID, tn.agent.ID, "Ann", note, Epoch.Add(2*time.Hour))
	noErr(t, "again", err)
	after, err := s.ListMessages(ctx, ws, dup.ConversationID, 0, 0, 100)
	noErr(t, "messages", err)
	equal(t, "idempotent", [2]any{again.Again, len(after)}, [2]any{true, len(msgs)})

	_, err = s.MergeTickets(ctx, ws, into.ID, into.ID, tn.agent.ID, "Ann", note, Epoch)
	wantErr(t, err, store.ErrConflict)
	_, err = s.MergeTickets(ctx, ws, tks[2].ID, dup.ID, tn.agent.ID, "Ann", note, Epoch) // merged into another already
	wantErr(t, err, store.ErrConflict)
	_, err = s.MergeTickets(ctx, ws, dup.ID, tks[2].ID, tn.agent.ID, "Ann", note, Epoch) // into a merged (closed) one
	wantErr(t, err, store.ErrConflict)
	_, err = s.CloseTicket(ctx, ws, tks[2].ID, store.TicketClose{By: store.AuthorSystem}, Epoch.Add(3*time.Hour))
	noErr(t, "close", err)
	_, err = s.MergeTickets(ctx, ws, tks[2].ID, into.ID, tn.agent.ID, "Ann", note, Epoch) // into a closed one
	wantErr(t, err, store.ErrStale)
	hist, err := s.TicketHistory(ctx, ws, into.ID, 10)
	noErr(t, "history", err)
	equal(t, "into's history", hist[len(hist)-1].Action, "merged")
}

func testPublicTickets(t *testing.T, s *store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "a")
	ws := tn.ws.ID
	tks := openTickets(t, s, tn, 2)
	mine, other := tks[0], tks[1]
	list, err := s.PublicTicketsOf(ctx, ws, mine.VisitorID, "", 20)
	noErr(t, "none yet", err)
	equal(t, "not public: not shown", len(list), 0)
	for _, tk := range tks {
		_, err := s.UpdateTicket(ctx, ws, tk.ID, store.TicketFields{Subject: "Zipper " + tk.ID, Description: "internal notes", Priority: "high",
			Tags: []string{"x"}, Public: true}, tn.agent.ID, "Ann", Epoch.Add(time.Hour))
		noErr(t, "public", err)
	}
	list, err = s.PublicTicketsOf(ctx, ws, mine.VisitorID, "", 20)
	noErr(t, "public tickets", err)
	equal(t, "the requester's own, and only what it may see", list,
		[]store.PublicTicket{{ID: mine.ID, Subject: "Zipper " + mine.ID, Stage: store.StageNew, UpdatedAt: Epoch.Add(time.Hour), Public: true}})
	_, err = s.MergeTickets(ctx, ws, other.ID, mine.ID, tn.agent.ID, "Ann", nil, Epoch.Add(2*time.Hour))
	noErr(t, "merge", err)
	list, err = s.PublicTicketsOf(ctx, ws, mine.VisitorID, "", 20)
	noErr(t, "public tickets", err)
	equal(t, "a merged one is no longer followed", len(list), 0)
}

func testLinkConversation(t *testing.T, s *store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "a")
	ws := tn.ws.ID
	tks := openTickets(t, s, tn, 2)
	_, c := writer(t, s, tn, "other browser", "", Epoch.Add(time.Hour))
	_, err := s.LinkConversation(ctx, ws, tks[0].ID, c.ID, tn.agent.ID, "Ann", Epoch.Add(time.Hour))
	wantErr(t, err, store.ErrUnassigned) // still in the queue
	_, _, err = s.Transition(ctx, ws, c.ID, store.Transition{SetAssignee: &tn.agent.ID}, Epoch.Add(time.Hour))
	noErr(t, "take it", err)
	linked, err := s.LinkConversation(ctx, ws, tks[0].ID, c.ID, tn.agent.ID, "Ann", Epoch.Add(2*time.Hour))
	noErr(t, "link", err)
	again, err := s.LinkConversation(ctx, ws, tks[0].ID, c.ID, tn.agent.ID, "Ann", Epoch.Add(3*time.Hour))
	noErr(t, "again", err)
	equal(t, "linked once", [2]bool{linked, again}, [2]bool{true, false})
	convs, err := s.TicketConversations(ctx, ws, tks[0].ID, 10)
	noErr(t, "conversations", err)
	equal(t, "the ticket's chats", ids(convs, convID), []string{c.ID, tks[0].ConversationID})
	_, err = s.LinkConversation(ctx, ws, tks[1].ID, c.ID, tn.agent.ID, "Ann", Epoch.Add(4*time.Hour))
	wantErr(t, err, store.ErrInTicket)
	hist, err := s.TicketHistory(ctx, ws, tks[0].ID, 10)
	noErr(t, "history", err)
	equal(t, "in the history", hist[len(hist)-1].Action, "linked")
}

func testTicketWatchers(t *testing.T, s *store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "a")
	ws := tn.ws.ID
	tks := openTickets(t, s, tn, 2)
	noErr(t, "watch", s.WatchTicket(ctx, ws, tks[0].ID, tn.agent.ID, true, Epoch))
	noErr(t, "watch again", s.WatchTicket(ctx, ws, tks[0].ID, tn.agent.ID, true, Epoch.Add(time.Minute)))
	noErr(t, "the owner watches the duplicate", s.WatchTicket(ctx, ws, tks[1].ID, tn.owner.ID, true, Epoch.Add(time.Minute)))
	noErr(t, "and the ticket too", s.WatchTicket(ctx, ws, tks[1].ID, tn.agent.ID, true, Epoch.Add(2*time.Minute)))
	got, err := s.TicketWatchers(ctx, ws, tks[0].ID)
	noErr(t, "watchers", err)
	equal(t, "once each", got, []string{tn.agent.ID})
	_, err = s.MergeTickets(ctx, ws, tks[0].ID, tks[1].ID, tn.agent.ID, "Ann", nil, Epoch.Add(time.Hour))
	noErr(t, "merge", err)
	got, err = s.TicketWatchers(ctx, ws, tks[0].ID)
	noErr(t, "watchers", err)
	equal(t, "the duplicate's watchers moved, none twice", got, []string{tn.agent.ID, tn.owner.ID})
	gone, err := s.TicketWatchers(ctx, ws, tks[1].ID)
	noErr(t, "duplicate's watchers", err)
	equal(t, "none left on the duplicate", len(gone), 0)
	noErr(t, "stop", s.WatchTicket(ctx, ws, tks[0].ID, tn.agent.ID, false, Epoch.Add(2*time.Hour)))
	got, err = s.TicketWatchers(ctx, ws, tks[0].ID)
	noErr(t, "watchers", err)
	equal(t, "stopped", got, []string{tn.owner.ID})
	wantErr(t, s.WatchTicket(ctx, ws, "no-such-ticket", tn.agent.ID, true, Epoch), store.ErrNotFound)
}

func testTicketWithoutChat(t *testing.T, s *store.Store) {
	ctx, tn, ws, b := supportBoard(t, s)
	waiting := columnOf(b, store.StageWaiting)
	ct, err := s.CreateContact(ctx, store.Contact{WorkspaceID: ws, Name: "Rita Requester", Email: "rita@example.com", ExternalID: "crm-7"}, Epoch)
	noErr(t, "contact", err)
	first, err := s.CreateTicket(ctx, ws, store.NewTicket{TicketFields: store.TicketFields{Subject: "Export fails", Priority: "high", Public: true,
		Tags: []string{"export"}, ContactID: ct.ID}, ColumnID: waiting, ActorID: tn.agent.ID, ActorName: "Ann"}, Epoch.Add(time.Minute))
	noErr(t, "create", err)
	equal(t, "made without a chat, in the column's stage, named by its contact",
		[]any{first.SiteID, first.VisitorID, first.ConversationID, first.Status, first.Stage, first.ColumnID, first.BoardID, first.VisitorName,
			first.VisitorEmail, first.Reason, first.Tags},
		[]any{"", "", "", store.TicketOpen, store.StageWaiting, waiting, b.ID, "Rita Requester", "rita@example.com", store.TicketByAgent, []string{"export"}})
	second, err := s.CreateTicket(ctx, ws, store.NewTicket{TicketFields: store.TicketFields{Subject: "Second"}, ColumnID: waiting,
		AssigneeID: tn.agent.ID}, Epoch.Add(2*time.Minute))
	noErr(t, "second", err)
	equal(t, "a new ticket goes to the column's end", shown(t, s, ws, b, true)[waiting], []string{first.ID, second.ID})
	equal(t, "priority defaults to normal; an assignee accepts it", []any{second.Priority, second.AcceptedAt != nil}, []any{"normal", true})
	unplaced, err := s.CreateTicket(ctx, ws, store.NewTicket{TicketFields: store.TicketFields{Subject: "Unplaced"}}, Epoch.Add(3*time.Minute))
	noErr(t, "unplaced", err)
	equal(t, "without a column: new, shown in the first column of its stage",
		[]any{unplaced.Stage, slices.Contains(shown(t, s, ws, b, true)[columnOf(b, store.StageNew)], unplaced.ID)}, []any{store.StageNew, true})
	intoNew, err := s.CreateTicket(ctx, ws, store.NewTicket{TicketFields: store.TicketFields{Subject: "Into New"}, ColumnID: columnOf(b, store.StageNew)},
		Epoch.Add(4*time.Minute))
	noErr(t, "into New", err)
	equal(t, "a new ticket goes after the ones the column showed unplaced", shown(t, s, ws, b, true)[columnOf(b, store.StageNew)],
		[]string{unplaced.ID, intoNew.ID})
	_, err = s.CreateTicket(ctx, ws, store.NewTicket{TicketFields: store.TicketFields{Subject: "x"}, ColumnID: columnOf(b, store.StageClosed)}, Epoch)
	wantErr(t, err, store.ErrClosedStage)
	_, err = s.CreateTicket(ctx, ws, store.NewTicket{TicketFields: store.TicketFields{Subject: "x"}, ColumnID: "no-such-column"}, Epoch)
	wantErr(t, err, store.ErrNotFound)

	queue, err := s.ListTickets(ctx, ws, store.TicketFilter{Queue: store.QueueUnassigned, Query: "rita"})
	noErr(t, "queue", err)
	equal(t, "in the queues, found by its requester's name", ids(queue, ticketID), []string{first.ID})
	list, err := s.PublicTicketsOf(ctx, ws, "", ct.ID, 20)
	noErr(t, "public", err)
	equal(t, "its verified contact follows it", ids(list, func(p store.PublicTicket) string { return p.ID }), []string{first.ID})
	hist, err := s.TicketHistory(ctx, ws, first.ID, 10)
	noErr(t, "history", err)
	equal(t, "the history starts with who made it", []string{hist[0].Action, hist[0].ActorName}, []string{"created", "Ann"})

	// The first chat linked to it is its chat: where answers go, and its
	// visitor's widget shows it.
	v, c := writer(t, s, tn, "rita", "", Epoch.Add(time.Hour))
	_, _, err = s.Transition(ctx, ws, c.ID, store.Transition{SetAssignee: &tn.agent.ID}, Epoch.Add(time.Hour))
	noErr(t, "take it", err)
	_, err = s.LinkConversation(ctx, ws, first.ID, c.ID, tn.agent.ID, "Ann", Epoch.Add(2*time.Hour))
	noErr(t, "link", err)
	got, err := s.GetTicket(ctx, ws, first.ID)
	noErr(t, "get", err)
	equal(t, "the linked chat is its chat", []string{got.ConversationID, got.VisitorID, got.SiteID, got.ContactID},
		[]string{c.ID, v.ID, tn.site.ID, ct.ID})
	list, err = s.PublicTicketsOf(ctx, ws, v.ID, "", 20)
	noErr(t, "public", err)
	equal(t, "its visitor follows it", len(list), 1)

	// A duplicate with a chat merged into a chat-less ticket gives it its
	// chat (the duplicate closes first, so its visitor is free).
	dupV, dupC := writer(t, s, tn, "dup", "", Epoch.Add(3*time.Hour))
	dup := toTicket(t, s, ws, dupC, Epoch.Add(3*time.Hour)).Ticket
	_, err = s.MergeTickets(ctx, ws, unplaced.ID, dup.ID, tn.agent.ID, "Ann", nil, Epoch.Add(4*time.Hour))
	noErr(t, "merge", err)
	got, err = s.GetTicket(ctx, ws, unplaced.ID)
	noErr(t, "get", err)
	equal(t, "the duplicate's chat is its chat", []string{got.ConversationID, got.VisitorID}, []string{dupC.ID, dupV.ID})

	// A supervisor's reassignment is in the history.
	_, err = s.AssignTicket(ctx, ws, second.ID, tn.owner.ID, "boss", "Boss", Epoch.Add(5*time.Hour))
	noErr(t, "assign", err)
	hist, err = s.TicketHistory(ctx, ws, second.ID, 10)
	noErr(t, "history", err)
	last := hist[len(hist)-1]
	equal(t, "reassigned, by whom, to whom", []any{last.Action, last.ActorName, last.Detail["assignee_id"]}, []any{"assigned", "Boss", tn.owner.ID})

	// The requester is a field like the others.
	got, err = s.UpdateTicket(ctx, ws, second.ID, store.TicketFields{Subject: second.Subject, Priority: second.Priority, Tags: second.Tags,
		ContactID: ct.ID}, tn.agent.ID, "Ann", Epoch.Add(6*time.Hour))
	noErr(t, "requester", err)
	hist, err = s.TicketHistory(ctx, ws, second.ID, 10)
	noErr(t, "history", err)
	last = hist[len(hist)-1]
	equal(t, "a requester given, in the history", []any{got.ContactID, got.VisitorName, last.Action, last.Detail["contact_id"]},
		[]any{ct.ID, "Rita Requester", "edited", ct.ID})
}
