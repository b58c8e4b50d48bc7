package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Ticket statuses: what the queues read. A ticket's stage (its board
// column's) refines open; the closed stage is the closed status.
const (
	TicketOpen   = "open"
	TicketClosed = "closed"
)

// Ticket stages, the fixed set a board column maps to (docs/api.md,
// Boards).
const (
	StageNew        = "new"         // not taken yet
	StageInProgress = "in_progress" // an agent works on it
	StageWaiting    = "waiting"     // on the customer or someone else
	StageResolved   = "resolved"    // done, not closed yet (the customer may answer)
	StageClosed     = "closed"      // closed: the status closed
)

// agentName is an agent's name for the history ("" when it has none).
func agentName(ctx context.Context, tx *sql.Tx, id string) string {
	var name string
	tx.QueryRowContext(ctx, `SELECT name FROM agents WHERE id = $1`, id).Scan(&name) //nolint:errcheck // "" is the answer
	return name
}

// unplaceIf is the SET clauses that take a ticket off its board place
// when cond (on the row before the change) holds: a ticket whose stage
// changes away from its column shows, until an agent places it again, in
// the first column of its new stage on the default board; a board and
// the queues never disagree.
func unplaceIf(cond string) string {
	return `board_id = CASE WHEN ` + cond + ` THEN NULL ELSE board_id END,
		column_id = CASE WHEN ` + cond + ` THEN NULL ELSE column_id END,
		rank = CASE WHEN ` + cond + ` THEN NULL ELSE rank END`
}

// Ticket priorities.
var Priorities = []string{"low", "normal", "high", "urgent"}

// Stages lists the stages in their order on a board.
var Stages = []string{StageNew, StageInProgress, StageWaiting, StageResolved, StageClosed}

// Why a chat became a ticket.
const (
	TicketOutOfHours = "out_of_hours" // the visitor said YES to the out-of-hours question
	TicketNoAgent    = "no_agent"     // no agent took the chat in time, or none was online
	TicketByAgent    = "agent"        // an agent made it from a conversation
)

// Out-of-hours session phases, as stored in conversations.offhours_phase
// (the rules are in package offhours).
const (
	OffhoursAsked   = "asked"
	OffhoursLeaving = "leaving"
	OffhoursEnded   = "ended"
)

// unheld is the SQL condition of a conversation that waits in the live
// queue: not in an out-of-hours session, and not in a ticket that is
// still open (a ticket's conversation waits in the ticket queues until
// an agent takes it).
const unheld = `(conversations.offhours_phase NOT IN ('asked', 'leaving') AND (conversations.ticket_id IS NULL OR
	NOT EXISTS (SELECT 1 FROM tickets t WHERE t.id = conversations.ticket_id AND t.status = 'open')))`

// Ticket is work that outlives a chat: a user's conversations that found
// no agent, waiting to be accepted and answered. Its messages are those
// of its conversations; ConversationID is the latest, where an answer
// goes.
type Ticket struct {
	ID              string     `json:"id"`
	WorkspaceID     string     `json:"workspace_id"`
	SiteID          string     `json:"site_id"`
	VisitorID       string     `json:"visitor_id"`
	ContactID       string     `json:"contact_id,omitempty"`
	DepartmentID    string     `json:"department_id,omitempty"`
	ConversationID  string     `json:"conversation_id"`
	AssigneeID      string     `json:"assignee_id,omitempty"`
	Status          string     `json:"status"`
	Reason          string     `json:"reason"`
	Subject         string     `json:"subject"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
	AcceptedAt      *time.Time `json:"accepted_at,omitempty"`
	ClosedAt        *time.Time `json:"closed_at,omitempty"`
	ClosedBy        string     `json:"closed_by,omitempty"`
	ClosedByAgentID string     `json:"closed_by_agent_id,omitempty"`
	ArchivedAt      *time.Time `json:"archived_at,omitempty"`
	// Stage is where the ticket stands (Stages); BoardID, ColumnID and
	// Rank place it on a board once an agent moved it there (Rank orders
	// a column: a number between the neighbours').
	Stage    string   `json:"stage"`
	BoardID  string   `json:"board_id,omitempty"`
	ColumnID string   `json:"column_id,omitempty"`
	Rank     *float64 `json:"rank,omitempty"`
	// What agents set: priority (Priorities), type (one of the
	// workspace's), a due time, tags and a description.
	Priority    string     `json:"priority"`
	Type        string     `json:"type,omitempty"`
	DueAt       *time.Time `json:"due_at,omitempty"`
	Tags        []string   `json:"tags"`
	Description string     `json:"description,omitempty"`
	// MergedInto is the ticket a duplicate was merged into.
	MergedInto string `json:"merged_into,omitempty"`
	// Public: its requester follows it in the widget (PublicTicket).
	Public bool `json:"public"`
	// Read with the ticket, for the queues: who wrote, and the latest
	// message of its conversation.
	VisitorName    string    `json:"visitor_name"`
	VisitorEmail   string    `json:"visitor_email,omitempty"`
	LastMessage    string    `json:"last_message"`
	LastActivityAt time.Time `json:"last_activity_at"`
	// MailState is where the e-mail of the latest answer stands (queued,
	// sent, failed; "" = none was sent); MailError says why it failed
	// last.
	MailState string `json:"mail_state,omitempty"`
	MailError string `json:"mail_error,omitempty"`
}

// A ticket made on a board or through the API has no chat yet: no site,
// visitor or conversation. Its requester's name is its contact's, and its
// latest activity its own.
const ticketSelect = `SELECT t.id, t.workspace_id, COALESCE(t.site_id, ''), COALESCE(t.visitor_id, ''), COALESCE(t.contact_id, ''),
	COALESCE(t.department_id, ''), COALESCE(t.conversation_id, ''), COALESCE(t.assignee_id, ''), t.status, t.reason, t.subject,
	t.created_at, t.updated_at, t.accepted_at, t.closed_at, t.closed_by, t.closed_by_agent_id, t.archived_at,
	t.stage, COALESCE(t.board_id, ''), COALESCE(t.column_id, ''), t.rank, t.priority, t.type, t.due_at, t.tags, t.description, COALESCE(t.merged_into, ''), t.public, COALESCE(NULLIF(v.name, ''), ct.name, ''), COALESCE(NULLIF(v.email, ''), ct.email, ''),
	COALESCE(c.last_message, ''), COALESCE(c.last_activity_at, t.updated_at),
	COALESCE((SELECT o.state FROM mail_outbox o WHERE o.ticket_id = t.id ORDER BY o.created_at DESC, o.id DESC LIMIT 1), ''),
	COALESCE((SELECT o.last_error FROM mail_outbox o WHERE o.ticket_id = t.id ORDER BY o.created_at DESC, o.id DESC LIMIT 1), '')
	FROM tickets t LEFT JOIN visitors v ON v.id = t.visitor_id LEFT JOIN conversations c ON c.id = t.conversation_id
	LEFT JOIN contacts ct ON ct.id = t.contact_id`

func scanTicket(sc scanner) (Ticket, error) {
	var (
		t                          Ticket
		cre, upd, activity         int64
		accepted, closed, archived sql.NullInt64
		rank                       sql.NullFloat64
		due                        sql.NullInt64
		tags                       string
	)
	err := sc.Scan(&t.ID, &t.WorkspaceID, &t.SiteID, &t.VisitorID, &t.ContactID, &t.DepartmentID, &t.ConversationID,
		&t.AssigneeID, &t.Status, &t.Reason, &t.Subject, &cre, &upd, &accepted, &closed, &t.ClosedBy, &t.ClosedByAgentID,
		&archived, &t.Stage, &t.BoardID, &t.ColumnID, &rank, &t.Priority, &t.Type, &due, &tags, &t.Description, &t.MergedInto, &t.Public, &t.VisitorName, &t.VisitorEmail, &t.LastMessage, &activity, &t.MailState, &t.MailError)
	if err != nil {
		return Ticket{}, err
	}
	t.CreatedAt, t.UpdatedAt, t.LastActivityAt = fromMillis(cre), fromMillis(upd), fromMillis(activity)
	t.AcceptedAt, t.ClosedAt, t.ArchivedAt = optTime(accepted), optTime(closed), optTime(archived)
	if rank.Valid {
		t.Rank = &rank.Float64
	}
	t.DueAt = optTime(due)
	if err := json.Unmarshal([]byte(tags), &t.Tags); err != nil || t.Tags == nil {
		t.Tags = []string{}
	}
	return t, nil
}

// GetTicket reads one ticket of the workspace.
func (s *Store) GetTicket(ctx context.Context, workspaceID, id string) (Ticket, error) {
	t, err := scanTicket(s.read.QueryRowContext(ctx, ticketSelect+` WHERE t.workspace_id = $1 AND t.id = $2`, workspaceID, id))
	return t, mapErr("store: get ticket", err)
}

func getTicketTx(ctx context.Context, tx *sql.Tx, workspaceID, id string) (Ticket, error) {
	t, err := scanTicket(tx.QueryRowContext(ctx, ticketSelect+` WHERE t.workspace_id = $1 AND t.id = $2`, workspaceID, id))
	return t, mapErr("store: get ticket", err)
}

// Ticket queues.
const (
	QueueUnassigned = "unassigned" // open, nobody's; newest first
	QueueAssigned   = "assigned"   // open, the agent's; newest first
	QueueClosed     = "closed"     // closed; latest closed first
)

// TicketFilter selects a page of a ticket queue.
type TicketFilter struct {
	Queue string
	// AgentID: the assigned queue's agent; in the closed queue, only the
	// tickets that agent closed ("Closed by me") when ClosedByMe.
	AgentID    string
	ClosedByMe bool
	// VisibleTo, when set, keeps only the tickets this agent may see:
	// those without a department and those of its departments.
	VisibleTo string
	// Archived: the closed queue's archived tickets instead of the
	// others.
	Archived bool
	// Query matches the visitor's name or e-mail, the subject or the
	// latest message (case-insensitive substring).
	Query string
	// Before is the last ticket of the previous page.
	Before *Ticket
	Limit  int
}

// visibleTo is the condition that agent (argument n) may see ticket t.
func visibleTo(n int) string {
	return fmt.Sprintf(`(t.department_id IS NULL OR EXISTS (SELECT 1 FROM department_members m
		WHERE m.agent_id = $%d AND m.department_id = t.department_id))`, n)
}

// ListTickets reads a page of a queue.
func (s *Store) ListTickets(ctx context.Context, workspaceID string, f TicketFilter) ([]Ticket, error) {
	args := []any{workspaceID}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	where := []string{"t.workspace_id = $1"}
	order := "t.created_at"
	switch f.Queue {
	case QueueUnassigned:
		where = append(where, "t.status = "+arg(TicketOpen), "t.assignee_id IS NULL")
	case QueueAssigned:
		where = append(where, "t.status = "+arg(TicketOpen), "t.assignee_id = "+arg(f.AgentID))
	case QueueClosed:
		order = "t.closed_at"
		where = append(where, "t.status = "+arg(TicketClosed))
		if f.Archived {
			where = append(where, "t.archived_at IS NOT NULL")
		} else {
			where = append(where, "t.archived_at IS NULL")
		}
		if f.ClosedByMe {
			where = append(where, "t.closed_by_agent_id = "+arg(f.AgentID))
		}
	default:
		return nil, fmt.Errorf("store: list tickets: unknown queue %q", f.Queue)
	}
	if f.VisibleTo != "" {
		args = append(args, f.VisibleTo)
		where = append(where, visibleTo(len(args)))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		p := arg("%" + strings.ToLower(likeEscape(q)) + "%")
		// The requester as ticketSelect names it: the visitor, or its contact.
		where = append(where, `(LOWER(COALESCE(NULLIF(v.name, ''), ct.name, '')) LIKE `+p+` ESCAPE '\'
			OR LOWER(COALESCE(NULLIF(v.email, ''), ct.email, '')) LIKE `+p+` ESCAPE '\'
			OR LOWER(t.subject) LIKE `+p+` ESCAPE '\' OR LOWER(c.last_message) LIKE `+p+` ESCAPE '\')`)
	}
	if b := f.Before; b != nil {
		at := b.CreatedAt
		if f.Queue == QueueClosed && b.ClosedAt != nil {
			at = *b.ClosedAt
		}
		ms, id := arg(millis(at)), arg(b.ID)
		where = append(where, fmt.Sprintf("(%s < %s OR (%s = %s AND t.id < %s))", order, ms, order, ms, id))
	}
	limit := f.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	rows, err := s.read.QueryContext(ctx, ticketSelect+` WHERE `+strings.Join(where, " AND ")+
		` ORDER BY `+order+` DESC, t.id DESC LIMIT `+arg(limit), args...)
	return collect(rows, err, "store: list tickets", scanTicket)
}

// likeEscape escapes LIKE's wildcards in s (the escape character is \).
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// CountUnassigned counts the open unassigned tickets agent (or, for "",
// anyone) may see: the desk's quick-accept buttons show only when that
// many exist.
func (s *Store) CountUnassigned(ctx context.Context, workspaceID, visibleToAgent string) (int, error) {
	q := `SELECT COUNT(*) FROM tickets t WHERE t.workspace_id = $1 AND t.status = 'open' AND t.assignee_id IS NULL`
	args := []any{workspaceID}
	if visibleToAgent != "" {
		args = append(args, visibleToAgent)
		q += " AND " + visibleTo(2)
	}
	var n int
	err := s.read.QueryRowContext(ctx, q, args...).Scan(&n)
	return n, mapErr("store: count unassigned tickets", err)
}

// AcceptTickets assigns open unassigned tickets to agentID: the one named
// by id, or (id "") the n oldest, oldest first. visible restricts them to
// the tickets the agent may see. Two agents accepting at once get
// disjoint sets: SQLite has one writer, and PostgreSQL skips the rows
// another transaction holds. Naming a ticket that is taken meanwhile is
// ErrStale.
func (s *Store) AcceptTickets(ctx context.Context, workspaceID, agentID, id string, n int, visible bool, now time.Time) ([]Ticket, error) {
	args := []any{workspaceID, agentID, millis(now)}
	pick := `SELECT t.id FROM tickets t WHERE t.workspace_id = $1 AND t.status = 'open' AND t.assignee_id IS NULL`
	if visible {
		pick += " AND " + visibleTo(2)
	}
	if id != "" {
		args = append(args, id)
		pick += " AND t.id = $4"
	} else {
		args = append(args, n)
		pick += " ORDER BY t.created_at, t.id LIMIT $4"
	}
	if s.dialect == Postgres {
		// The oldest N skip what another accept holds (disjoint sets);
		// one named ticket waits for its row instead, so a merge or a
		// subject being written is not mistaken for an accept.
		if id == "" {
			pick += " FOR UPDATE SKIP LOCKED"
		} else {
			pick += " FOR UPDATE"
		}
	}
	var out []Ticket
	err := s.inTx(ctx, "store: accept tickets", func(tx *sql.Tx) error {
		if err := ownedBy(ctx, tx, "agents", workspaceID, agentID); err != nil {
			return err
		}
		// The pick is a CTE so that PostgreSQL runs it once: as an IN
		// subquery its LIMIT may be applied per row of a join.
		rows, err := tx.QueryContext(ctx, `WITH picked AS (`+pick+`)
			UPDATE tickets SET assignee_id = $2, accepted_at = $3, updated_at = $3,
				stage = CASE WHEN stage = 'new' THEN 'in_progress' ELSE stage END, `+unplaceIf(`stage = 'new'`)+`
			WHERE workspace_id = $1 AND status = 'open' AND assignee_id IS NULL AND id IN (SELECT id FROM picked) RETURNING id`, args...)
		ids, err := collect(rows, err, "store: accept tickets", scanString)
		if err != nil {
			return err
		}
		name := agentName(ctx, tx, agentID)
		for _, tid := range ids {
			if err := addTicketEvent(ctx, tx, workspaceID, TicketEvent{TicketID: tid, ActorID: agentID, ActorName: name, Action: "accepted",
				Detail: map[string]any{}}, now); err != nil {
				return err
			}
		}
		if id != "" && len(ids) == 0 {
			if err := ownedBy(ctx, tx, "tickets", workspaceID, id); err != nil {
				return err
			}
			return fmt.Errorf("store: accept ticket %s: %w", id, ErrStale)
		}
		out, err = ticketsTx(ctx, tx, workspaceID, ids)
		return err
	})
	return out, err
}

// changedOrStale is mustAffect for a conditional change of one row of
// table: when nothing changed, ErrNotFound if the workspace has no such
// row, else ErrStale (it is not in the expected state).
func changedOrStale(ctx context.Context, tx *sql.Tx, op, table, workspaceID, id string, res sql.Result, err error) error {
	err = mustAffect(op, res, err)
	if !errors.Is(err, ErrNotFound) {
		return err
	}
	if err := ownedBy(ctx, tx, table, workspaceID, id); err != nil {
		return err
	}
	return fmt.Errorf("%s %s: %w", op, id, ErrStale)
}

func scanString(sc scanner) (string, error) {
	var s string
	return s, sc.Scan(&s)
}

// ticketsTx reads tickets by id, oldest first.
func ticketsTx(ctx context.Context, tx *sql.Tx, workspaceID string, ids []string) ([]Ticket, error) {
	out := make([]Ticket, 0, len(ids))
	for _, id := range ids {
		t, err := getTicketTx(ctx, tx, workspaceID, id)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	for i := 1; i < len(out); i++ { // insertion sort: a handful at most
		for j := i; j > 0 && out[j].CreatedAt.Before(out[j-1].CreatedAt); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out, nil
}

// AssignTicket gives an open ticket to agentID, or back to the
// unassigned queue ("") (a supervisor's reassignment); the history says
// who did it.
func (s *Store) AssignTicket(ctx context.Context, workspaceID, id, agentID, actorID, actorName string, now time.Time) (Ticket, error) {
	var t Ticket
	err := s.inTx(ctx, "store: assign ticket", func(tx *sql.Tx) error {
		if err := ownedBy(ctx, tx, "agents", workspaceID, agentID); err != nil {
			return err
		}
		// Its acceptance moves or is cleared: the day it was accepted is
		// rolled again.
		if err := markRolledTickets(ctx, tx, workspaceID, false, "id = $2 AND accepted_at IS NOT NULL", id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE tickets SET assignee_id = $3, updated_at = $4,
			accepted_at = CASE WHEN $5 THEN CAST($4 AS BIGINT) END,
			stage = CASE WHEN $5 AND stage = 'new' THEN 'in_progress' WHEN NOT $5 AND stage = 'in_progress' THEN 'new' ELSE stage END,
			`+unplaceIf(`($5 AND stage = 'new') OR (NOT $5 AND stage = 'in_progress')`)+`
			WHERE workspace_id = $1 AND id = $2 AND status = 'open'`, workspaceID, id, nullString(agentID), millis(now), agentID != "")
		if err := changedOrStale(ctx, tx, "store: assign ticket", "tickets", workspaceID, id, res, err); err != nil {
			return err
		}
		if err := addTicketEvent(ctx, tx, workspaceID, TicketEvent{TicketID: id, ActorID: actorID, ActorName: actorName, Action: "assigned",
			Detail: map[string]any{"assignee_id": agentID, "assignee_name": agentName(ctx, tx, agentID)}}, now); err != nil {
			return err
		}
		t, err = getTicketTx(ctx, tx, workspaceID, id)
		return err
	})
	return t, err
}

// TicketClose closes a ticket; its conversations that are still open
// close with it, each with Event; when the latest is closed already, it
// gets Event all the same (the note of why the ticket closed).
type TicketClose struct {
	// Assignee, when set, must be the ticket's assignee ("" = none).
	Assignee *string
	// By is "agent" or "system"; AgentID names the agent.
	By, AgentID string
	// Event is appended to each conversation it closes (nil: none
	// appended).
	Event func(c Conversation) *Message
	// inHistory is set by the moves and merges that close a ticket: they
	// record themselves, so the close is not recorded twice.
	inHistory bool
}

// Closed is what a close changed.
type Closed struct {
	Ticket        Ticket
	Conversations []Conversation
	Events        []Message
}

// CloseTicket closes an open ticket (ErrStale when it is not open, or
// not the expected assignee's).
func (s *Store) CloseTicket(ctx context.Context, workspaceID, id string, tc TicketClose, now time.Time) (Closed, error) {
	var out Closed
	err := s.inTx(ctx, "store: close ticket", func(tx *sql.Tx) error {
		var err error
		out, err = closeTicket(ctx, tx, s.dialect, workspaceID, id, tc, now)
		return err
	})
	return out, err
}

func closeTicket(ctx context.Context, tx *sql.Tx, d Dialect, workspaceID, id string, tc TicketClose, now time.Time) (Closed, error) {
	var out Closed
	// The ticket's conversations first, then the ticket: the order Hold
	// takes them in (a conversation, then its ticket), so the two never
	// deadlock. SQLite has one writer; the clause is PostgreSQL's.
	if _, err := tx.ExecContext(ctx, `SELECT id FROM conversations WHERE workspace_id = $1 AND (ticket_id = $2
		OR id = (SELECT conversation_id FROM tickets WHERE workspace_id = $1 AND id = $2)) ORDER BY id`+forUpdate(d), workspaceID, id); err != nil {
		return out, mapErr("store: lock ticket conversations", err)
	}
	args := []any{workspaceID, id, millis(now), tc.By, tc.AgentID}
	q := `UPDATE tickets SET status = 'closed', stage = 'closed', closed_at = $3, updated_at = $3, closed_by = $4, closed_by_agent_id = $5,
		board_id = NULL, column_id = NULL, rank = NULL
		WHERE workspace_id = $1 AND id = $2 AND status = 'open'`
	if tc.Assignee != nil {
		if *tc.Assignee == "" {
			q += " AND assignee_id IS NULL"
		} else {
			args = append(args, *tc.Assignee)
			q += " AND assignee_id = $6"
		}
	}
	res, err := tx.ExecContext(ctx, q, args...)
	if err := changedOrStale(ctx, tx, "store: close ticket", "tickets", workspaceID, id, res, err); err != nil {
		return out, err
	}
	if !tc.inHistory {
		name := "System"
		if tc.AgentID != "" {
			name = agentName(ctx, tx, tc.AgentID)
		}
		if err := addTicketEvent(ctx, tx, workspaceID, TicketEvent{TicketID: id, ActorID: tc.AgentID, ActorName: name, Action: "closed",
			Detail: map[string]any{"by": tc.By}}, now); err != nil {
			return out, err
		}
	}
	rows, err := tx.QueryContext(ctx, `SELECT id FROM conversations WHERE workspace_id = $1 AND ticket_id = $2
		AND status <> 'closed' ORDER BY id`, workspaceID, id)
	convs, err := collect(rows, err, "store: ticket conversations", scanString)
	if err != nil {
		return out, err
	}
	if tc.Event != nil {
		// The ticket's latest conversation, closed already (the visitor
		// left), still gets the note saying why the ticket closed.
		var latest string
		err := tx.QueryRowContext(ctx, `SELECT t.conversation_id FROM tickets t JOIN conversations c ON c.id = t.conversation_id
			WHERE t.workspace_id = $1 AND t.id = $2 AND c.status = 'closed'`, workspaceID, id).Scan(&latest)
		switch {
		case err == nil:
			c, err := scanConversation(tx.QueryRowContext(ctx, `SELECT `+conversationColumns+` FROM conversations
				WHERE workspace_id = $1 AND id = $2`, workspaceID, latest))
			if err != nil {
				return out, mapErr("store: ticket conversation", err)
			}
			m, err := appendEvent(ctx, tx, workspaceID, latest, *tc.Event(c), now)
			if err != nil {
				return out, err
			}
			c.LastSeq = m.Seq
			out.Conversations, out.Events = append(out.Conversations, c), append(out.Events, m)
		case !errors.Is(err, sql.ErrNoRows):
			return out, mapErr("store: ticket's latest conversation", err)
		}
	}
	for _, cid := range convs {
		c, err := scanConversation(tx.QueryRowContext(ctx, `SELECT `+conversationColumns+` FROM conversations
			WHERE workspace_id = $1 AND id = $2`, workspaceID, cid))
		if err != nil {
			return out, mapErr("store: ticket conversation", err)
		}
		tr := Transition{Status: StatusClosed, ClosedBy: tc.By, ClosedByAgentID: tc.AgentID}
		if tc.Event != nil {
			tr.Event = tc.Event(c)
		}
		nc, ev, err := transition(ctx, tx, d, workspaceID, cid, tr, now)
		if err != nil {
			return out, err
		}
		out.Conversations = append(out.Conversations, nc)
		if ev != nil {
			out.Events = append(out.Events, *ev)
		}
	}
	out.Ticket, err = getTicketTx(ctx, tx, workspaceID, id)
	return out, err
}

// forUpdate is the row-locking clause of a SELECT on PostgreSQL; SQLite's
// single writer needs none.
func forUpdate(d Dialect) string {
	if d == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// OpenTicketsOf lists the open tickets of a user: the visitor's, and the
// contact's when contactID is set and the site vouched for it (a contact
// of claims is whoever typed an address: never the same user for sure).
func (s *Store) OpenTicketsOf(ctx context.Context, workspaceID, visitorID, contactID string) ([]Ticket, error) {
	rows, err := s.read.QueryContext(ctx, ticketSelect+` WHERE t.workspace_id = $1 AND t.status = 'open'
		AND (t.visitor_id = $2 OR ($3 <> '' AND t.contact_id = $3 AND EXISTS (SELECT 1 FROM contacts k WHERE k.workspace_id = $1 AND k.id = $3 AND k.external_id IS NOT NULL))) ORDER BY t.created_at, t.id`,
		workspaceID, visitorID, contactID)
	return collect(rows, err, "store: open tickets of", scanTicket)
}

// ArchiveTickets archives, in a workspace, up to limit tickets closed
// before cutoff, and returns how many.
func (s *Store) ArchiveTickets(ctx context.Context, workspaceID string, cutoff, now time.Time, limit int) (int, error) {
	// The conditions are repeated outside the subquery: on PostgreSQL a
	// second node's statement, having waited for the first's row locks,
	// re-checks only the outer ones against the rows the first changed.
	res, err := s.write.ExecContext(ctx, `UPDATE tickets SET archived_at = $3 WHERE workspace_id = $1 AND status = 'closed'
		AND archived_at IS NULL AND id IN (
		SELECT id FROM tickets WHERE workspace_id = $1 AND status = 'closed' AND archived_at IS NULL AND closed_at < $2
		ORDER BY closed_at LIMIT $4)`, workspaceID, millis(cutoff), millis(now), limit)
	if err != nil {
		return 0, mapErr("store: archive tickets", err)
	}
	n, err := res.RowsAffected()
	return int(n), mapErr("store: archive tickets", err)
}

// Hold is one step of the out-of-hours flow or the ticket rules on an
// open, unassigned conversation, made in one transaction: the session's
// new state, the replies to the visitor, and the ticket.
type Hold struct {
	// Conditions (ErrStale when one fails), besides open and unassigned.
	// AfterSeq: the session has not answered the visitor message with
	// this seq yet (offhours_seq < AfterSeq); the step records it.
	AfterSeq int64
	// Phase and DueBy: the session is in this phase and due by then (the
	// clock's step).
	Phase string
	DueBy time.Time
	// AwaitingBefore: the visitor has waited since before this; Unheld:
	// the conversation waits in the live queue (the no-agent rule).
	AwaitingBefore time.Time
	Unheld         bool
	// FromPhase, FromSeq and TicketIs: the session's phase, the seq it
	// last answered, and the conversation's ticket are still what the
	// caller read (conditions on the row itself: see Transition.TicketIs).
	FromPhase *string
	FromSeq   *int64
	TicketIs  *string

	// Changes. SetPhase "" keeps the phase; Due is the session's end.
	SetPhase string
	Due      *time.Time
	// Replies are appended in order, each with its ClientMsgID set by the
	// caller (so a step that runs again stores nothing twice).
	Replies []Message
	// Ticket, when set, is the reason the conversation becomes a ticket
	// now: the user's open ticket takes it (merged), or a new one. Its
	// private event is made by TicketEvent.
	Ticket      string
	TicketEvent func(t Ticket, merged bool) *Message
	// Subject names the conversation's ticket when it has no subject yet.
	Subject string
	// Close closes the conversation with this event (by the system).
	Close *Message
}

// Held is what a Hold changed.
type Held struct {
	Conversation Conversation
	Events       []Message
	Ticket       *Ticket
	Merged       bool
}

// Hold applies h to a conversation (see Hold).
func (s *Store) Hold(ctx context.Context, workspaceID, id string, h Hold, now time.Time) (Held, error) {
	var out Held
	var err error
	// On PostgreSQL two conversions of one visitor can race to make its
	// open ticket; the loser's unique violation is retried once, and then
	// merges.
	for range 2 {
		err = s.inTx(ctx, "store: hold", func(tx *sql.Tx) error {
			var err error
			out, err = hold(ctx, tx, s.dialect, workspaceID, id, h, now)
			return err
		})
		if !errors.Is(err, ErrConflict) {
			break
		}
	}
	return out, err
}

func hold(ctx context.Context, tx *sql.Tx, d Dialect, workspaceID, id string, h Hold, now time.Time) (Held, error) {
	var out Held
	args := []any{workspaceID, id, millis(now)}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	set := []string{"updated_at = $3"}
	where := []string{"workspace_id = $1", "id = $2", "status = 'open'", "assignee_id IS NULL"}
	if h.AfterSeq > 0 {
		s := arg(h.AfterSeq)
		where = append(where, "offhours_seq < "+s)
		set = append(set, "offhours_seq = "+s)
	}
	if h.Phase != "" {
		where = append(where, "offhours_phase = "+arg(h.Phase))
	}
	if !h.DueBy.IsZero() {
		where = append(where, "offhours_due <= "+arg(millis(h.DueBy)))
	}
	if !h.AwaitingBefore.IsZero() {
		where = append(where, "awaiting_reply_since < "+arg(millis(h.AwaitingBefore)))
	}
	if h.Unheld {
		where = append(where, unheld)
	}
	if h.FromPhase != nil {
		where = append(where, "offhours_phase = "+arg(*h.FromPhase))
	}
	if h.FromSeq != nil {
		where = append(where, "offhours_seq = "+arg(*h.FromSeq))
	}
	if h.TicketIs != nil {
		where = append(where, "COALESCE(ticket_id, '') = "+arg(*h.TicketIs))
	}
	if h.SetPhase != "" {
		set = append(set, "offhours_phase = "+arg(h.SetPhase))
	}
	if h.Due != nil {
		set = append(set, "offhours_due = "+arg(millis(*h.Due)))
	} else if h.SetPhase != "" {
		set = append(set, "offhours_due = NULL")
	}
	res, err := tx.ExecContext(ctx, `UPDATE conversations SET `+strings.Join(set, ", ")+` WHERE `+strings.Join(where, " AND "), args...)
	if err := changedOrStale(ctx, tx, "store: hold", "conversations", workspaceID, id, res, err); err != nil {
		return out, err
	}
	for _, r := range h.Replies {
		m, err := appendEvent(ctx, tx, workspaceID, id, r, now)
		if err != nil {
			return out, err
		}
		out.Events = append(out.Events, m)
	}
	if h.Ticket != "" {
		t, merged, err := openTicket(ctx, tx, d, workspaceID, id, h.Ticket, now)
		if err != nil {
			return out, err
		}
		out.Ticket, out.Merged = &t, merged
		if h.TicketEvent != nil {
			m, err := appendEvent(ctx, tx, workspaceID, id, *h.TicketEvent(t, merged), now)
			if err != nil {
				return out, err
			}
			out.Events = append(out.Events, m)
		}
	}
	if h.Subject != "" {
		rows, err := tx.QueryContext(ctx, `UPDATE tickets SET subject = $3, updated_at = $4 WHERE workspace_id = $1 AND subject = ''
			AND id = (SELECT ticket_id FROM conversations WHERE workspace_id = $1 AND id = $2) RETURNING id`,
			workspaceID, id, h.Subject, millis(now))
		named, err := collect(rows, err, "store: ticket subject", scanString)
		if err != nil {
			return out, err
		}
		// A ticket made in this same change reports its subject in its
		// ticket.created (below); an earlier one, in a ticket.updated.
		for _, t := range named {
			if out.Ticket != nil && out.Ticket.ID == t && !out.Merged {
				continue
			}
			if err := hookTicket(ctx, tx, EventTicketUpdated, workspaceID, t, now); err != nil {
				return out, err
			}
		}
	}
	if h.Close != nil {
		_, ev, err := transition(ctx, tx, d, workspaceID, id, Transition{Status: StatusClosed, ClosedBy: AuthorSystem, Event: h.Close}, now)
		if err != nil {
			return out, err
		}
		out.Events = append(out.Events, *ev)
	}
	out.Conversation, err = scanConversation(tx.QueryRowContext(ctx, `SELECT `+conversationColumns+` FROM conversations
		WHERE workspace_id = $1 AND id = $2`, workspaceID, id))
	if err != nil {
		return out, mapErr("store: hold", err)
	}
	if out.Ticket != nil {
		t, err := getTicketTx(ctx, tx, workspaceID, out.Ticket.ID)
		if err != nil {
			return out, err
		}
		out.Ticket = &t
		// The out-of-hours flow's ticket has no history entry: its
		// webhook event is written here, with the subject it was given.
		typ := EventTicketCreated
		if out.Merged {
			typ = EventTicketUpdated
		}
		if err := hook(ctx, tx, hookEvent{workspaceID: workspaceID, typ: typ, subject: t.ID, at: now,
			data: func() (any, error) { return map[string]any{"ticket": t}, nil }}); err != nil {
			return out, err
		}
	}
	return out, nil
}

// appendEvent appends m to a conversation in tx with the next seq. A
// ClientMsgID already stored there is skipped by the caller's
// conditions, not here: it fails the transaction (ErrConflict).
func appendEvent(ctx context.Context, tx *sql.Tx, workspaceID, id string, m Message, now time.Time) (Message, error) {
	preview := conversationUpdate(m).preview
	m.ID, m.WorkspaceID, m.ConversationID, m.CreatedAt = NewID(), workspaceID, id, stored(now)
	if m.ClientMsgID == "" {
		m.ClientMsgID = "sys-" + m.ID
	}
	err := tx.QueryRowContext(ctx, `UPDATE conversations SET last_seq = last_seq + 1, updated_at = $3, last_activity_at = $3,
		last_message = CASE WHEN $4 = '' THEN last_message ELSE $4 END
		WHERE workspace_id = $1 AND id = $2 RETURNING last_seq`, workspaceID, id, millis(now), preview).Scan(&m.Seq)
	if err != nil {
		return Message{}, mapErr("store: append event", err)
	}
	return m, insertMessage(ctx, tx, m)
}

// openTicket puts a conversation into its user's open ticket (the
// visitor's, or its contact's), or into a new one, and returns it.
func openTicket(ctx context.Context, tx *sql.Tx, d Dialect, workspaceID, convID, reason string, now time.Time) (Ticket, bool, error) {
	var visitorID, contactID, siteID, deptID string
	err := tx.QueryRowContext(ctx, `SELECT visitor_id, COALESCE(contact_id, ''), site_id, COALESCE(department_id, '')
		FROM conversations WHERE workspace_id = $1 AND id = $2`, workspaceID, convID).Scan(&visitorID, &contactID, &siteID, &deptID)
	if err != nil {
		return Ticket{}, false, mapErr("store: open ticket", err)
	}
	if contactID != "" && d == Postgres {
		// Two visitors of one contact converting at once: one waits for
		// the other, then merges into its ticket.
		if _, err := tx.ExecContext(ctx, `SELECT 1 FROM contacts WHERE id = $1 FOR UPDATE`, contactID); err != nil {
			return Ticket{}, false, mapErr("store: lock contact", err)
		}
	}
	var ticketID string
	err = tx.QueryRowContext(ctx, `SELECT id FROM tickets WHERE workspace_id = $1 AND status = 'open'
		AND (visitor_id = $2 OR ($3 <> '' AND contact_id = $3 AND EXISTS (SELECT 1 FROM contacts k WHERE k.workspace_id = $1 AND k.id = $3 AND k.external_id IS NOT NULL))) ORDER BY created_at, id LIMIT 1`,
		workspaceID, visitorID, contactID).Scan(&ticketID)
	merged := err == nil
	switch {
	case merged:
		if err := adoptChat(ctx, tx, workspaceID, ticketID, convID); err != nil {
			return Ticket{}, false, err
		}
		// Only into a ticket still open: one closing meanwhile (its row
		// lock waited for) takes nothing more, and the chat gets a ticket
		// of its own.
		res, err := tx.ExecContext(ctx, `UPDATE tickets SET conversation_id = $3, updated_at = $4
			WHERE workspace_id = $1 AND id = $2 AND status = 'open'`, workspaceID, ticketID, convID, millis(now))
		if err != nil {
			return Ticket{}, false, mapErr("store: merge ticket", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return openTicket(ctx, tx, d, workspaceID, convID, reason, now)
		}
	case errors.Is(err, sql.ErrNoRows):
		ticketID = NewID()
		_, err := tx.ExecContext(ctx, `INSERT INTO tickets (id, workspace_id, site_id, visitor_id, contact_id, department_id,
			conversation_id, status, reason, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8, $9, $9)`,
			ticketID, workspaceID, siteID, visitorID, nullString(contactID), nullString(deptID), convID, reason, millis(now))
		if err != nil {
			return Ticket{}, false, mapErr("store: new ticket", err)
		}
	default:
		return Ticket{}, false, mapErr("store: open ticket", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE conversations SET ticket_id = $3 WHERE workspace_id = $1 AND id = $2`,
		workspaceID, convID, ticketID); err != nil {
		return Ticket{}, false, mapErr("store: link ticket", err)
	}
	t, err := getTicketTx(ctx, tx, workspaceID, ticketID)
	return t, merged, err
}

// NewTicket is a ticket an agent makes on a board, or a client through
// the API: no chat yet (linking one gives it its chat), a requester
// contact or none.
type NewTicket struct {
	TicketFields
	AssigneeID string
	// ColumnID places it at the end of that column, in its stage (never
	// the closed stage: ErrClosedStage); "" leaves it unplaced, new (or in
	// progress when it has an assignee).
	ColumnID string
	// Who makes it, for the history.
	ActorID, ActorName string
}

// ErrClosedStage means a ticket would be made closed.
var ErrClosedStage = errors.New("store: a new ticket cannot be closed")

// CreateTicket stores a ticket without a chat and records who made it.
// Its department, contact, assignee and column must be the workspace's
// (ErrNotFound).
func (s *Store) CreateTicket(ctx context.Context, workspaceID string, nt NewTicket, now time.Time) (Ticket, error) {
	var out Ticket
	err := s.inTx(ctx, "store: create ticket", func(tx *sql.Tx) error {
		for _, ref := range [][2]string{{"departments", nt.DepartmentID}, {"contacts", nt.ContactID}, {"agents", nt.AssigneeID}} {
			if err := ownedBy(ctx, tx, ref[0], workspaceID, ref[1]); err != nil {
				return err
			}
		}
		id := NewID()
		stage := StageNew
		var accepted sql.NullInt64
		if nt.AssigneeID != "" {
			stage, accepted = StageInProgress, sql.NullInt64{Int64: millis(now), Valid: true}
		}
		var boardID, columnID sql.NullString
		var rank sql.NullFloat64
		if nt.ColumnID != "" {
			col, err := lockColumn(ctx, tx, workspaceID, nt.ColumnID)
			if err != nil {
				return err
			}
			if col.Stage == StageClosed {
				return ErrClosedStage
			}
			// What the column showed stays ahead of the new ticket.
			if err := placeUnplaced(ctx, tx, workspaceID, col, id); err != nil {
				return err
			}
			r, _, err := rankBefore(ctx, tx, workspaceID, col.ID, id, "")
			if err != nil {
				return err
			}
			stage = col.Stage
			boardID, columnID = sql.NullString{String: col.BoardID, Valid: true}, sql.NullString{String: col.ID, Valid: true}
			rank = sql.NullFloat64{Float64: r, Valid: true}
		}
		if nt.Tags == nil {
			nt.Tags = []string{}
		}
		if nt.Priority == "" {
			nt.Priority = "normal"
		}
		tags, err := json.Marshal(nt.Tags)
		if err != nil {
			return fmt.Errorf("store: create ticket: %w", err)
		}
		var due sql.NullInt64
		if nt.DueAt != nil {
			due = sql.NullInt64{Int64: millis(*nt.DueAt), Valid: true}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO tickets (id, workspace_id, contact_id, department_id, assignee_id, status, reason,
			subject, description, priority, type, due_at, tags, public, stage, board_id, column_id, rank, accepted_at, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, 'open', $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19)`,
			id, workspaceID, nullString(nt.ContactID), nullString(nt.DepartmentID), nullString(nt.AssigneeID), TicketByAgent,
			nt.Subject, nt.Description, nt.Priority, nt.Type, due, string(tags), nt.Public, stage, boardID, columnID, rank, accepted,
			millis(now)); err != nil {
			return mapErr("store: create ticket", err)
		}
		if err := addTicketEvent(ctx, tx, workspaceID, TicketEvent{TicketID: id, ActorID: nt.ActorID, ActorName: nt.ActorName, Action: "created",
			Detail: map[string]any{"stage": stage, "column_id": columnID.String}}, now); err != nil {
			return err
		}
		out, err = getTicketTx(ctx, tx, workspaceID, id)
		return err
	})
	return out, err
}

// adoptChat makes a conversation the chat of a ticket that has none (one
// made on a board or through the API): where its answers go, and, when
// the ticket names no requester, its contact. The visitor is taken only
// when it holds no other open ticket (one open ticket per visitor); the
// ticket then shows in that visitor's widget when it is public.
func adoptChat(ctx context.Context, tx *sql.Tx, workspaceID, ticketID, convID string) error {
	if err := markRolledTickets(ctx, tx, workspaceID, false, "id = $2 AND conversation_id IS NULL", ticketID); err != nil { // it takes the chat's site
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE tickets SET conversation_id = c.id, site_id = c.site_id,
		contact_id = COALESCE(tickets.contact_id, c.contact_id),
		visitor_id = CASE WHEN EXISTS (SELECT 1 FROM tickets o WHERE o.visitor_id = c.visitor_id AND o.status = 'open' AND o.id <> tickets.id)
			THEN NULL ELSE c.visitor_id END
		FROM conversations c WHERE c.workspace_id = $1 AND c.id = $3
		AND tickets.workspace_id = $1 AND tickets.id = $2 AND tickets.conversation_id IS NULL AND tickets.status = 'open'`,
		workspaceID, ticketID, convID)
	return mapErr("store: adopt chat", err)
}

// TicketFields are what an agent edits on a ticket.
type TicketFields struct {
	Subject      string
	Description  string
	Priority     string
	Type         string
	DueAt        *time.Time
	Tags         []string
	DepartmentID string
	Public       bool
	// ContactID is the requester ("" = none).
	ContactID string
}

// UpdateTicket stores a ticket's fields (its department and contact must
// be the workspace's) and records in its history which changed, by whom. An
// archived ticket is ErrStale.
func (s *Store) UpdateTicket(ctx context.Context, workspaceID, id string, f TicketFields, agentID, agentName string, now time.Time) (Ticket, error) {
	var out Ticket
	err := s.inTx(ctx, "store: update ticket", func(tx *sql.Tx) error {
		if err := ownedBy(ctx, tx, "departments", workspaceID, f.DepartmentID); err != nil {
			return err
		}
		if err := ownedBy(ctx, tx, "contacts", workspaceID, f.ContactID); err != nil {
			return err
		}
		cur, err := getTicketTx(ctx, tx, workspaceID, id)
		if err != nil {
			return err
		}
		if cur.ArchivedAt != nil {
			return fmt.Errorf("store: update ticket: archived: %w", ErrStale)
		}
		tags, err := json.Marshal(f.Tags)
		if err != nil {
			return fmt.Errorf("store: update ticket: %w", err)
		}
		var due sql.NullInt64
		if f.DueAt != nil {
			due = sql.NullInt64{Int64: millis(*f.DueAt), Valid: true}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE tickets SET subject = $3, description = $4, priority = $5, type = $6, due_at = $7,
			tags = $8, department_id = $9, updated_at = $10, public = $11, contact_id = $12 WHERE workspace_id = $1 AND id = $2`, workspaceID, id,
			f.Subject, f.Description, f.Priority, f.Type, due, string(tags), nullString(f.DepartmentID), millis(now), f.Public,
			nullString(f.ContactID)); err != nil {
			return mapErr("store: update ticket", err)
		}
		if out, err = getTicketTx(ctx, tx, workspaceID, id); err != nil {
			return err
		}
		changed := ticketChanges(cur, out)
		if len(changed) == 0 {
			return nil
		}
		return addTicketEvent(ctx, tx, workspaceID, TicketEvent{TicketID: id, ActorID: agentID, ActorName: agentName, Action: "edited",
			Detail: changed}, now)
	})
	return out, err
}

// ticketChanges names the fields that differ from before to after, with
// their new values.
func ticketChanges(before, after Ticket) map[string]any {
	out := map[string]any{}
	if before.Subject != after.Subject {
		out["subject"] = after.Subject
	}
	if before.Description != after.Description {
		out["description"] = true // its text is on the ticket; the history says it changed
	}
	if before.Priority != after.Priority {
		out["priority"] = after.Priority
	}
	if before.Type != after.Type {
		out["type"] = after.Type
	}
	if !optTimeEqual(before.DueAt, after.DueAt) {
		out["due_at"] = after.DueAt
	}
	if !slices.Equal(before.Tags, after.Tags) {
		out["tags"] = after.Tags
	}
	if before.DepartmentID != after.DepartmentID {
		out["department_id"] = after.DepartmentID
	}
	if before.Public != after.Public {
		out["public"] = after.Public
	}
	if before.ContactID != after.ContactID {
		out["contact_id"] = after.ContactID
	}
	return out
}

func optTimeEqual(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

// TicketFromConversation makes a conversation a ticket at an agent's
// request: it joins its user's open ticket (merged) or starts one, which
// the agent takes (in progress) when nobody holds it; the conversation
// stays as it is (a live chat goes on). ev, a private event naming the
// ticket, is appended to it. A conversation already in an open ticket
// returns that ticket, unchanged (ErrStale for a closed conversation).
func (s *Store) TicketFromConversation(ctx context.Context, workspaceID, convID, agentID, agentName, subject string,
	ev func(t Ticket, merged bool) Message, now time.Time) (Ticket, bool, *Message, error) {
	var (
		t      Ticket
		merged bool
		event  *Message
		err    error
	)
	// Two conversions of one user at once on PostgreSQL: the loser's
	// unique violation is retried once, and then merges (as Hold does).
	for range 2 {
		err = s.inTx(ctx, "store: ticket from conversation", func(tx *sql.Tx) error {
			if err := ownedBy(ctx, tx, "agents", workspaceID, agentID); err != nil {
				return err
			}
			var status, current, assignee string
			if err := tx.QueryRowContext(ctx, `SELECT status, COALESCE(ticket_id, ''), COALESCE(assignee_id, '') FROM conversations
			WHERE workspace_id = $1 AND id = $2`+forUpdate(s.dialect), workspaceID, convID).Scan(&status, &current, &assignee); err != nil {
				return mapErr("store: ticket from conversation", err)
			}
			if current != "" {
				cur, err := getTicketTx(ctx, tx, workspaceID, current)
				if err != nil {
					return err
				}
				if cur.Status == TicketOpen {
					t, merged = cur, true
					return nil
				}
			}
			if status == StatusClosed {
				return fmt.Errorf("store: ticket from a closed conversation: %w", ErrStale)
			}
			if status == StatusOpen && assignee == "" {
				// A chat in the live queue would leave it for the ticket's
				// (open tickets hold their chats): someone takes it first.
				return ErrUnassigned
			}
			var err error
			if t, merged, err = openTicket(ctx, tx, s.dialect, workspaceID, convID, TicketByAgent, now); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE tickets SET assignee_id = COALESCE(assignee_id, $3),
			accepted_at = COALESCE(accepted_at, $4), stage = CASE WHEN stage = 'new' THEN 'in_progress' ELSE stage END,
			`+unplaceIf(`stage = 'new'`)+`,
			subject = CASE WHEN subject = '' THEN $5 ELSE subject END, updated_at = $4 WHERE workspace_id = $1 AND id = $2`,
				workspaceID, t.ID, agentID, millis(now), subject); err != nil {
				return mapErr("store: ticket from conversation", err)
			}
			if t, err = getTicketTx(ctx, tx, workspaceID, t.ID); err != nil {
				return err
			}
			if ev != nil {
				m, err := appendEvent(ctx, tx, workspaceID, convID, ev(t, merged), now)
				if err != nil {
					return err
				}
				event = &m
			}
			return addTicketEvent(ctx, tx, workspaceID, TicketEvent{TicketID: t.ID, ActorID: agentID, ActorName: agentName, Action: "made",
				Detail: map[string]any{"conversation_id": convID, "merged": merged}}, now)
		})
		if !errors.Is(err, ErrConflict) {
			break
		}
	}
	return t, merged, event, err
}

// PublicTicket is what a ticket's requester sees of it in the widget:
// never its internal fields, comments or assignee.
type PublicTicket struct {
	ID        string    `json:"id"`
	Subject   string    `json:"subject"`
	Stage     string    `json:"stage"`
	UpdatedAt time.Time `json:"updated_at"`
	// Public false withdraws it (the widget drops it).
	Public bool `json:"public"`
}

// PublicOf is what t's requester sees of it.
func PublicOf(t Ticket) PublicTicket {
	return PublicTicket{ID: t.ID, Subject: t.Subject, Stage: t.Stage, UpdatedAt: t.UpdatedAt, Public: t.Public && t.MergedInto == "" && t.ArchivedAt == nil}
}

// PublicTicketsOf lists, newest first and at most limit, the tickets a
// visitor follows: public, not merged or archived, the visitor's own or
// (when the site vouched for the contact) its contact's.
func (s *Store) PublicTicketsOf(ctx context.Context, workspaceID, visitorID, contactID string, limit int) ([]PublicTicket, error) {
	var (
		rows *sql.Rows
		err  error
	)
	if contactID == "" {
		rows, err = s.readRows(ctx, qPublicTicketsVisitor, workspaceID, visitorID, limit)
	} else {
		rows, err = s.readRows(ctx, qPublicTicketsContact, workspaceID, visitorID, contactID, limit)
	}
	return collect(rows, err, "store: public tickets", func(sc scanner) (PublicTicket, error) {
		var (
			p   PublicTicket
			upd int64
		)
		err := sc.Scan(&p.ID, &p.Subject, &p.Stage, &upd)
		p.UpdatedAt, p.Public = fromMillis(upd), true
		return p, err
	})
}

// Merged is what a merge of tickets changed.
type Merged struct {
	Into, From Ticket
	// Note is the message that tells the duplicate's requester where to
	// follow (in the duplicate's latest conversation); nil on a repeat.
	Note *Message
	// Conversations moved from the duplicate to the ticket.
	Conversations []string
	// Again: the duplicate was merged into this ticket before; nothing
	// changed.
	Again bool
}

// MergeTickets merges the duplicate from into into: from's conversations
// (with their messages and comments) become into's, from closes with a
// pointer to into, note (built with both) is appended to from's latest
// conversation to tell its requester where to follow, and both histories
// say so. Merging again is Again and changes nothing. ErrConflict: the
// same ticket, or from merged into another; ErrStale: into is closed or
// archived.
func (s *Store) MergeTickets(ctx context.Context, workspaceID, intoID, fromID, agentID, agentName string, note func(into, from Ticket) Message,
	now time.Time) (Merged, error) {
	var out Merged
	if intoID == fromID {
		return out, fmt.Errorf("store: merge a ticket into itself: %w", ErrConflict)
	}
	err := s.inTx(ctx, "store: merge tickets", func(tx *sql.Tx) error {
		// Conversations, then tickets, each in id order: the order closes
		// and moves take them in.
		ids := []string{intoID, fromID}
		slices.Sort(ids)
		if _, err := tx.ExecContext(ctx, `SELECT id FROM conversations WHERE workspace_id = $1 AND (ticket_id IN ($2, $3)
			OR id IN (SELECT conversation_id FROM tickets WHERE workspace_id = $1 AND id IN ($2, $3))) ORDER BY id`+forUpdate(s.dialect),
			workspaceID, ids[0], ids[1]); err != nil {
			return mapErr("store: merge: lock conversations", err)
		}
		if _, err := tx.ExecContext(ctx, `SELECT id FROM tickets WHERE workspace_id = $1 AND id IN ($2, $3) ORDER BY id`+forUpdate(s.dialect),
			workspaceID, ids[0], ids[1]); err != nil {
			return mapErr("store: merge: lock tickets", err)
		}
		into, err := getTicketTx(ctx, tx, workspaceID, intoID)
		if err != nil {
			return err
		}
		from, err := getTicketTx(ctx, tx, workspaceID, fromID)
		if err != nil {
			return err
		}
		switch {
		case from.MergedInto == intoID:
			out = Merged{Into: into, From: from, Again: true}
			return nil
		case from.MergedInto != "" || into.MergedInto != "":
			return fmt.Errorf("store: merge: a ticket merged before: %w", ErrConflict)
		case into.Status != TicketOpen || into.ArchivedAt != nil || from.ArchivedAt != nil:
			return fmt.Errorf("store: merge into a closed ticket: %w", ErrStale)
		}
		rows, err := tx.QueryContext(ctx, `UPDATE conversations SET ticket_id = $3 WHERE workspace_id = $1 AND ticket_id = $2 RETURNING id`,
			workspaceID, fromID, intoID)
		if out.Conversations, err = collect(rows, err, "store: merge: move conversations", scanString); err != nil {
			return err
		}
		// Its watchers watch the ticket now.
		if _, err := tx.ExecContext(ctx, `INSERT INTO ticket_watchers (ticket_id, workspace_id, agent_id, created_at)
			SELECT $3, workspace_id, agent_id, created_at FROM ticket_watchers WHERE workspace_id = $1 AND ticket_id = $2
			ON CONFLICT (ticket_id, agent_id) DO NOTHING`, workspaceID, fromID, intoID); err != nil {
			return mapErr("store: merge: move watchers", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM ticket_watchers WHERE workspace_id = $1 AND ticket_id = $2`, workspaceID, fromID); err != nil {
			return mapErr("store: merge: move watchers", err)
		}
		if from.Status == TicketOpen {
			if _, err := closeTicket(ctx, tx, s.dialect, workspaceID, fromID, TicketClose{By: AuthorAgent, AgentID: agentID, inHistory: true}, now); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE tickets SET merged_into = $3, updated_at = $4 WHERE workspace_id = $1 AND id = $2`,
			workspaceID, fromID, intoID, millis(now)); err != nil {
			return mapErr("store: merge", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE tickets SET updated_at = $3 WHERE workspace_id = $1 AND id = $2`,
			workspaceID, intoID, millis(now)); err != nil {
			return mapErr("store: merge", err)
		}
		if from.ConversationID != "" {
			if err := adoptChat(ctx, tx, workspaceID, intoID, from.ConversationID); err != nil {
				return err
			}
		}
		if note != nil && from.ConversationID != "" {
			m, err := appendEvent(ctx, tx, workspaceID, from.ConversationID, note(into, from), now)
			if err != nil {
				return err
			}
			out.Note = &m
		}
		for _, e := range []TicketEvent{
			{TicketID: intoID, Action: "merged", Detail: map[string]any{"from_id": fromID, "from_subject": from.Subject, "conversations": len(out.Conversations)}},
			{TicketID: fromID, Action: "merged_into", Detail: map[string]any{"into_id": intoID, "into_subject": into.Subject}},
		} {
			e.ActorID, e.ActorName = agentID, agentName
			if err := addTicketEvent(ctx, tx, workspaceID, e, now); err != nil {
				return err
			}
		}
		if out.Into, err = getTicketTx(ctx, tx, workspaceID, intoID); err != nil {
			return err
		}
		out.From, err = getTicketTx(ctx, tx, workspaceID, fromID)
		return err
	})
	return out, err
}

// ErrInTicket means a conversation belongs to another open ticket (merge
// the tickets instead).
var ErrInTicket = errors.New("store: the conversation is in another open ticket")

// LinkConversation adds a conversation of the workspace to a ticket (more
// of the same request, another chat of the same person): it becomes one of
// the ticket's conversations, and the history says who linked it. A chat
// already the ticket's changes nothing (false); one in another open
// ticket is ErrInTicket; a live chat nobody holds, ErrUnassigned (it
// would leave the queue); an archived or closed ticket, ErrStale.
func (s *Store) LinkConversation(ctx context.Context, workspaceID, ticketID, convID, agentID, agentName string, now time.Time) (bool, error) {
	linked := false
	err := s.inTx(ctx, "store: link conversation", func(tx *sql.Tx) error {
		var status, current, assignee string
		if err := tx.QueryRowContext(ctx, `SELECT status, COALESCE(ticket_id, ''), COALESCE(assignee_id, '') FROM conversations
			WHERE workspace_id = $1 AND id = $2`+forUpdate(s.dialect), workspaceID, convID).Scan(&status, &current, &assignee); err != nil {
			return mapErr("store: link conversation", err)
		}
		if _, err := tx.ExecContext(ctx, `SELECT id FROM tickets WHERE workspace_id = $1 AND id = $2`+forUpdate(s.dialect),
			workspaceID, ticketID); err != nil {
			return mapErr("store: link conversation: lock", err)
		}
		t, err := getTicketTx(ctx, tx, workspaceID, ticketID)
		if err != nil {
			return err
		}
		switch {
		case current == ticketID:
			return nil
		case t.Status != TicketOpen || t.ArchivedAt != nil:
			return fmt.Errorf("store: link to a closed ticket: %w", ErrStale)
		case status == StatusOpen && assignee == "":
			return ErrUnassigned
		}
		if current != "" {
			var other string
			if err := tx.QueryRowContext(ctx, `SELECT status FROM tickets WHERE id = $1`, current).Scan(&other); err != nil {
				return mapErr("store: link conversation", err)
			}
			if other == TicketOpen {
				return ErrInTicket
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE conversations SET ticket_id = $3 WHERE workspace_id = $1 AND id = $2`,
			workspaceID, convID, ticketID); err != nil {
			return mapErr("store: link conversation", err)
		}
		if err := adoptChat(ctx, tx, workspaceID, ticketID, convID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE tickets SET updated_at = $3 WHERE workspace_id = $1 AND id = $2`,
			workspaceID, ticketID, millis(now)); err != nil {
			return mapErr("store: link conversation", err)
		}
		linked = true
		return addTicketEvent(ctx, tx, workspaceID, TicketEvent{TicketID: ticketID, ActorID: agentID, ActorName: agentName, Action: "linked",
			Detail: map[string]any{"conversation_id": convID}}, now)
	})
	return linked, err
}

// WatchTicket makes an agent of the workspace watch one of its tickets
// (on) or stop; either again changes nothing.
func (s *Store) WatchTicket(ctx context.Context, workspaceID, ticketID, agentID string, on bool, now time.Time) error {
	return s.inTx(ctx, "store: watch ticket", func(tx *sql.Tx) error {
		for table, id := range map[string]string{"tickets": ticketID, "agents": agentID} {
			if err := ownedBy(ctx, tx, table, workspaceID, id); err != nil {
				return err
			}
		}
		q := `DELETE FROM ticket_watchers WHERE workspace_id = $1 AND ticket_id = $2 AND agent_id = $3`
		args := []any{workspaceID, ticketID, agentID}
		if on {
			q = `INSERT INTO ticket_watchers (ticket_id, workspace_id, agent_id, created_at) VALUES ($2, $1, $3, $4)
				ON CONFLICT (ticket_id, agent_id) DO NOTHING`
			args = append(args, millis(now))
		}
		_, err := tx.ExecContext(ctx, q, args...)
		return mapErr("store: watch ticket", err)
	})
}

// TicketWatchers lists the agents who watch a ticket, in the order they
// started.
func (s *Store) TicketWatchers(ctx context.Context, workspaceID, ticketID string) ([]string, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT agent_id FROM ticket_watchers WHERE workspace_id = $1 AND ticket_id = $2
		ORDER BY created_at, agent_id`, workspaceID, ticketID)
	return collect(rows, err, "store: ticket watchers", scanString)
}

// TicketConversations lists a ticket's conversations, newest activity
// first, at most limit.
func (s *Store) TicketConversations(ctx context.Context, workspaceID, ticketID string, limit int) ([]Conversation, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+conversationColumns+` FROM conversations WHERE workspace_id = $1 AND ticket_id = $2
		ORDER BY last_activity_at DESC, id LIMIT $3`, workspaceID, ticketID, limit)
	return collect(rows, err, "store: ticket conversations", scanConversation)
}

// ErrUnassigned means a live chat nobody holds yet cannot become a ticket.
var ErrUnassigned = errors.New("store: the chat is in the queue, unassigned")

// AgentsOnline reports whether an agent who could take a chat of the
// department ("" = any) is online: not away, not disabled, and not one of
// except. Capacity is not asked: a full desk still frees up.
func (s *Store) AgentsOnline(ctx context.Context, workspaceID, departmentID string, except ...string) (bool, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT a.id FROM agents a WHERE a.workspace_id = $1 AND a.status = 'online'
		AND a.away = $3 AND a.disabled = $3
		AND ($2 = '' OR EXISTS (SELECT 1 FROM department_members m WHERE m.agent_id = a.id AND m.department_id = $2))`,
		workspaceID, departmentID, false)
	ids, err := collect(rows, err, "store: agents online", func(sc scanner) (string, error) {
		var id string
		return id, sc.Scan(&id)
	})
	if err != nil {
		return false, err
	}
	for _, id := range ids {
		if !slices.Contains(except, id) {
			return true, nil
		}
	}
	return false, nil
}
