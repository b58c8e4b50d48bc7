package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"time"
)

// ErrStale means a conditional change found the conversation no longer in
// the expected state (another node, agent or timer changed it first). It
// is how every rule fires exactly once.
var ErrStale = errors.New("store: conversation changed meanwhile")

// Transition is one conditional change of a conversation, made in one
// transaction together with the system event that records it.
type Transition struct {
	// Conditions: every one that is set must hold, or ErrStale.
	FromStatuses        []string
	ActivityBefore      time.Time // last_activity_at < this
	StatusChangedBefore time.Time // status_changed_at < this
	SnoozeDueBy         time.Time // snooze_until <= this
	AwaitingBefore      time.Time // awaiting_reply_since < this
	Unflagged           bool      // not flagged
	Assignee            *string   // current assignee ("" = none)
	// Unheld: the conversation waits in the live queue, not in an
	// out-of-hours session or an open ticket. On PostgreSQL the ticket's
	// state is read from the statement's snapshot: pair it with TicketIs.
	Unheld bool
	// TicketIs: the conversation's ticket is still the one the caller
	// read ("" = none). It is a condition on the row itself, so a
	// conversion committed while this change waited for the row is seen.
	TicketIs *string

	// Changes.
	Status          string     // "" keeps the status
	SnoozeUntil     *time.Time // with Status snoozed
	SetAssignee     *string    // "" unassigns
	SetDepartmentID *string    // "" clears
	SetFlagged      *bool
	ClosedBy        string // with Status closed: agent, visitor or system
	ClosedByAgentID string
	WrapupNotes     *string
	WrapupTags      *[]string

	// Event, if set, is appended with the next seq.
	Event *Message
}

// Transition applies tr to a conversation of the workspace. It returns the
// new conversation and the appended event (nil when tr.Event is nil).
func (s *Store) Transition(ctx context.Context, workspaceID, id string, tr Transition, now time.Time) (Conversation, *Message, error) {
	var (
		c   Conversation
		ev  *Message
		err error
	)
	err = s.inTx(ctx, "store: transition", func(tx *sql.Tx) error {
		if tr.SetAssignee != nil && *tr.SetAssignee != "" {
			if err := ownedBy(ctx, tx, "agents", workspaceID, *tr.SetAssignee); err != nil {
				return err
			}
		}
		if tr.SetDepartmentID != nil {
			if err := ownedBy(ctx, tx, "departments", workspaceID, *tr.SetDepartmentID); err != nil {
				return err
			}
		}
		c, ev, err = transition(ctx, tx, s.dialect, workspaceID, id, tr, now)
		return err
	})
	return c, ev, err
}

func transition(ctx context.Context, tx *sql.Tx, d Dialect, workspaceID, id string, tr Transition, now time.Time) (Conversation, *Message, error) {
	args := []any{workspaceID, id, millis(now)}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	set := []string{"updated_at = $3"}
	if tr.Status != "" {
		set = append(set, "status = "+arg(tr.Status), "status_changed_at = $3")
		switch tr.Status {
		case StatusClosed:
			set = append(set, "closed_at = $3", "closed_by = "+arg(tr.ClosedBy), "closed_by_agent_id = "+arg(tr.ClosedByAgentID),
				"snooze_until = NULL", "awaiting_reply_since = NULL")
		case StatusSnoozed:
			if tr.SnoozeUntil == nil {
				return Conversation{}, nil, errors.New("store: snoozing needs a time")
			}
			set = append(set, "snooze_until = "+arg(millis(*tr.SnoozeUntil)))
		default:
			set = append(set, "snooze_until = NULL", "closed_at = NULL", "closed_by = ''", "closed_by_agent_id = ''")
		}
	}
	if tr.SetAssignee != nil {
		if *tr.SetAssignee == "" {
			set = append(set, "assignee_id = NULL", "assigned_at = NULL")
		} else {
			// A new assignee gets the full reply time for a visitor who
			// is already waiting.
			set = append(set, "assignee_id = "+arg(*tr.SetAssignee), "assigned_at = $3",
				"awaiting_reply_since = CASE WHEN awaiting_reply_since IS NULL THEN NULL ELSE CAST($3 AS BIGINT) END")
		}
	}
	if tr.SetDepartmentID != nil {
		set = append(set, "department_id = "+arg(nullString(*tr.SetDepartmentID)))
	}
	if tr.SetFlagged != nil {
		set = append(set, "flagged = "+arg(*tr.SetFlagged))
	}
	if tr.WrapupNotes != nil {
		set = append(set, "wrapup_notes = "+arg(*tr.WrapupNotes))
	}
	if tr.WrapupTags != nil {
		b, _ := json.Marshal(*tr.WrapupTags)
		set = append(set, "wrapup_tags = "+arg(string(b)))
	}
	if tr.Event != nil {
		set = append(set, "last_seq = last_seq + 1", "last_activity_at = $3")
	}
	where := []string{"workspace_id = $1", "id = $2"}
	if len(tr.FromStatuses) > 0 {
		ph := make([]string, len(tr.FromStatuses))
		for i, st := range tr.FromStatuses {
			ph[i] = arg(st)
		}
		where = append(where, "status IN ("+strings.Join(ph, ", ")+")")
	}
	if !tr.ActivityBefore.IsZero() {
		where = append(where, "last_activity_at < "+arg(millis(tr.ActivityBefore)))
	}
	if !tr.StatusChangedBefore.IsZero() {
		where = append(where, "status_changed_at < "+arg(millis(tr.StatusChangedBefore)))
	}
	if !tr.SnoozeDueBy.IsZero() {
		where = append(where, "snooze_until <= "+arg(millis(tr.SnoozeDueBy)))
	}
	if !tr.AwaitingBefore.IsZero() {
		where = append(where, "awaiting_reply_since < "+arg(millis(tr.AwaitingBefore)))
	}
	if tr.Unflagged {
		where = append(where, "flagged = "+arg(false))
	}
	if tr.Unheld {
		where = append(where, unheld)
	}
	if tr.TicketIs != nil {
		where = append(where, "COALESCE(ticket_id, '') = "+arg(*tr.TicketIs))
	}
	if tr.Assignee != nil {
		if *tr.Assignee == "" {
			where = append(where, "assignee_id IS NULL")
		} else {
			where = append(where, "assignee_id = "+arg(*tr.Assignee))
		}
	}
	// Webhooks report an assignee that changes, not one set again.
	var before string
	if tr.SetAssignee != nil {
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(assignee_id, '') FROM conversations WHERE workspace_id = $1 AND id = $2`+forUpdate(d),
			workspaceID, id).Scan(&before); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return Conversation{}, nil, mapErr("store: transition", err)
		}
	}
	if (tr.Status != "" && tr.Status != StatusClosed) || tr.SetAssignee != nil || tr.SetDepartmentID != nil {
		// A closed chat reopened, or moved to another agent or department,
		// changes the rolled days of its start and end, which the analytics
		// runner cannot find once its end is cleared.
		if err := markRolledChats(ctx, tx, workspaceID, "id = $2 AND status = 'closed'", id); err != nil {
			return Conversation{}, nil, err
		}
	}
	c, err := scanConversation(tx.QueryRowContext(ctx, `UPDATE conversations SET `+strings.Join(set, ", ")+
		` WHERE `+strings.Join(where, " AND ")+` RETURNING `+conversationColumns, args...))
	if errors.Is(err, sql.ErrNoRows) {
		// Tell "no such conversation" from "not in the expected state".
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM conversations WHERE workspace_id = $1 AND id = $2`, workspaceID, id).Scan(&one); err != nil {
			return Conversation{}, nil, mapErr("store: transition", err)
		}
		return Conversation{}, nil, fmt.Errorf("store: transition %s: %w", id, ErrStale)
	}
	if err != nil {
		return Conversation{}, nil, mapErr("store: transition", err)
	}
	if tr.SetAssignee != nil && *tr.SetAssignee != "" {
		if _, err := tx.ExecContext(ctx, `UPDATE agents SET last_assigned_at = $3 WHERE workspace_id = $1 AND id = $2`,
			workspaceID, *tr.SetAssignee, millis(now)); err != nil {
			return Conversation{}, nil, mapErr("store: agent last assigned", err)
		}
	}
	// Webhooks: an assignee set or cleared, and an end.
	if tr.SetAssignee != nil && *tr.SetAssignee != before {
		if err := hookConversation(ctx, tx, EventConversationAssigned, c, now); err != nil {
			return Conversation{}, nil, err
		}
	}
	if tr.Status == StatusClosed {
		if err := hookConversation(ctx, tx, EventConversationClosed, c, now); err != nil {
			return Conversation{}, nil, err
		}
	}
	if tr.Event == nil {
		return c, nil, nil
	}
	ev := *tr.Event
	ev.ID, ev.WorkspaceID, ev.ConversationID, ev.Seq, ev.CreatedAt = NewID(), workspaceID, id, c.LastSeq, stored(now)
	if ev.ClientMsgID == "" {
		ev.ClientMsgID = "sys-" + ev.ID
	}
	if err := insertMessage(ctx, tx, ev); err != nil {
		return Conversation{}, nil, err
	}
	return c, &ev, nil
}

// Due lists, per kind of timer, the conversations whose time has come:
// candidates only; each is then claimed by a conditional Transition, so a
// candidate seen by two nodes still changes once.
type Due struct {
	Snoozed      []Conversation // snooze_until <= now
	Pending      []Conversation // pending since before the cutoff
	Inactive     []Conversation // open, unflagged, no activity since the cutoff
	ReplyOverdue []Conversation // open, assigned, unflagged, visitor waiting since the cutoff
	// Offhours: out-of-hours sessions (asked or leaving) due by now.
	Offhours []Conversation
	// Unattended: open, unassigned, in the live queue, the visitor waiting
	// since before the Unattended cutoff (the ticket rule's candidates).
	Unattended []Conversation
}

// Cutoffs are a workspace's timer thresholds (zero time: rule off).
type Cutoffs struct {
	Now, Pending, Inactive, Reply, Unattended time.Time
}

// DueConversations finds a workspace's due timers, at most limit of each.
func (s *Store) DueConversations(ctx context.Context, workspaceID string, cut Cutoffs, limit int) (Due, error) {
	var d Due
	q := func(dst *[]Conversation, where string, args ...any) error {
		args = append([]any{workspaceID}, args...)
		args = append(args, limit)
		rows, err := s.read.QueryContext(ctx, `SELECT `+conversationColumns+` FROM conversations WHERE workspace_id = $1 AND `+
			where+fmt.Sprintf(" ORDER BY id LIMIT $%d", len(args)), args...)
		*dst, err = collect(rows, err, "store: due conversations", scanConversation)
		return err
	}
	if err := q(&d.Snoozed, `status = $2 AND snooze_until <= $3`, StatusSnoozed, millis(cut.Now)); err != nil {
		return d, err
	}
	if !cut.Pending.IsZero() {
		if err := q(&d.Pending, `status = $2 AND status_changed_at < $3`, StatusPending, millis(cut.Pending)); err != nil {
			return d, err
		}
	}
	if !cut.Inactive.IsZero() {
		// A conversation that waits in a ticket or an out-of-hours session
		// follows their rules, not this one.
		if err := q(&d.Inactive, `status = $2 AND flagged = $3 AND last_activity_at < $4
			AND (assignee_id IS NOT NULL OR (ticket_id IS NULL AND offhours_phase NOT IN ('asked', 'leaving')))`,
			StatusOpen, false, millis(cut.Inactive)); err != nil {
			return d, err
		}
	}
	if !cut.Reply.IsZero() {
		if err := q(&d.ReplyOverdue, `status = $2 AND flagged = $3 AND assignee_id IS NOT NULL AND awaiting_reply_since < $4`,
			StatusOpen, false, millis(cut.Reply)); err != nil {
			return d, err
		}
	}
	if err := q(&d.Offhours, `offhours_phase IN ($2, $3) AND offhours_due <= $4 AND status = $5 AND assignee_id IS NULL`,
		OffhoursAsked, OffhoursLeaving, millis(cut.Now), StatusOpen); err != nil {
		return d, err
	}
	if !cut.Unattended.IsZero() {
		if err := q(&d.Unattended, `status = $2 AND assignee_id IS NULL AND awaiting_reply_since < $3 AND `+unheld,
			StatusOpen, millis(cut.Unattended)); err != nil {
			return d, err
		}
	}
	return d, nil
}

// ListWorkspaces lists every workspace (the timer loop walks them).
func (s *Store) ListWorkspaces(ctx context.Context) ([]Workspace, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id FROM workspaces ORDER BY id`)
	ids, err := collect(rows, err, "store: list workspaces", func(sc scanner) (string, error) {
		var id string
		return id, sc.Scan(&id)
	})
	if err != nil {
		return nil, err
	}
	out := make([]Workspace, 0, len(ids))
	for _, id := range ids {
		w, err := s.GetWorkspace(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, nil
}

// Pick describes whom Assign may choose.
type Pick struct {
	DepartmentID    string   // "" = any agent of the workspace
	ExcludeAgentIDs []string // never these agents (reassignment)
	DefaultMaxChats int      // for agents without their own limit
}

// Assign gives a conversation to the least-loaded online agent with free
// capacity (open chats below their limit), ties going to the agent idle
// longest, and appends event with the agent filled in by fill. The choice
// and the assignment happen in one transaction under a per-workspace lock,
// so two nodes never overfill one agent. It returns ErrStale when the
// conversation no longer meets tr's conditions, and ok=false when no agent
// has capacity.
func (s *Store) Assign(ctx context.Context, workspaceID, id string, p Pick, tr Transition, fill func(a Agent) *Message, now time.Time) (Conversation, *Message, Agent, bool, error) {
	var (
		c  Conversation
		ev *Message
		a  Agent
		ok bool
	)
	err := s.inTx(ctx, "store: assign", func(tx *sql.Tx) error {
		if s.dialect == Postgres {
			h := fnv.New64a()
			h.Write([]byte(workspaceID))
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(h.Sum64())); err != nil {
				return mapErr("store: assign lock", err)
			}
		}
		load := `(SELECT COUNT(*) FROM conversations c WHERE c.assignee_id = a.id AND c.status = 'open')`
		var err error
		args := []any{workspaceID, p.DepartmentID, p.DefaultMaxChats, false}
		var exclude strings.Builder
		for _, id := range p.ExcludeAgentIDs {
			args = append(args, id)
			fmt.Fprintf(&exclude, " AND a.id <> $%d", len(args))
		}
		a, err = scanAgent(tx.QueryRowContext(ctx, `SELECT `+prefixed("a.", agentColumns)+` FROM agents a
			WHERE a.workspace_id = $1 AND a.status = 'online' AND a.away = $4 AND a.disabled = $4`+exclude.String()+`
			AND ($2 = '' OR EXISTS (SELECT 1 FROM department_members m WHERE m.agent_id = a.id AND m.department_id = $2))
			AND `+load+` < CASE WHEN a.max_chats > 0 THEN a.max_chats ELSE $3 END
			ORDER BY `+load+`, a.last_assigned_at, a.id LIMIT 1`, args...))
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return mapErr("store: pick agent", err)
		}
		tr.SetAssignee = &a.ID
		tr.Event = fill(a)
		c, ev, err = transition(ctx, tx, s.dialect, workspaceID, id, tr, now)
		ok = err == nil
		return err
	})
	return c, ev, a, ok, err
}

// ReplyTimeouts reads the conversation's current wait (its messages since
// an agent last replied in public) and returns the agents the chat was
// taken from for not replying in it (reassigned from, or sent back to the
// queue from), and whether the desks were told the visitor is waiting.
// An assignment restarts the reply clock but not the wait, so an agent
// stays tried until someone answers. It reads back at most 500 messages.
func (s *Store) ReplyTimeouts(ctx context.Context, workspaceID, conversationID string) (tried []string, waiting bool, err error) {
	rows, err := s.read.QueryContext(ctx, `SELECT kind, author_type, private, meta FROM messages
		WHERE workspace_id = $1 AND conversation_id = $2 ORDER BY seq DESC LIMIT 500`, workspaceID, conversationID)
	if err != nil {
		return nil, false, mapErr("store: reply timeouts", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			kind, author, raw string
			private           bool
		)
		if err := rows.Scan(&kind, &author, &private, &raw); err != nil {
			return nil, false, mapErr("store: reply timeouts", err)
		}
		if author == AuthorAgent && !private && (kind == KindText || kind == KindFile) {
			break // an answer: the wait began after it
		}
		if kind != KindSystem {
			continue
		}
		var m struct {
			Event, Reason string
			From          string `json:"from_agent_id"`
		}
		if json.Unmarshal([]byte(raw), &m) != nil || m.Reason != "reply_timeout" {
			continue
		}
		if m.From != "" && !slices.Contains(tried, m.From) {
			tried = append(tried, m.From)
		}
		if m.Event == "waiting" {
			waiting = true
		}
	}
	return tried, waiting, mapErr("store: reply timeouts", rows.Err())
}

// prefixed qualifies each column of a list with p.
func prefixed(p, columns string) string {
	parts := strings.Split(columns, ",")
	for i, c := range parts {
		parts[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// Queue lists a workspace's open unassigned conversations in arrival
// order, leaving out those that wait in a ticket or an out-of-hours
// session.
func (s *Store) Queue(ctx context.Context, workspaceID string, limit int) ([]Conversation, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+conversationColumns+` FROM conversations
		WHERE workspace_id = $1 AND status = $2 AND assignee_id IS NULL AND `+unheld+` ORDER BY created_at, id LIMIT $3`,
		workspaceID, StatusOpen, limit)
	return collect(rows, err, "store: queue", scanConversation)
}

// OpenChats counts an agent's open conversations (its load).
func (s *Store) OpenChats(ctx context.Context, workspaceID, agentID string) (int, error) {
	var n int
	err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM conversations WHERE workspace_id = $1 AND assignee_id = $2 AND status = $3`,
		workspaceID, agentID, StatusOpen).Scan(&n)
	return n, mapErr("store: open chats", err)
}
