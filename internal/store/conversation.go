package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Conversation statuses.
const (
	StatusOpen    = "open"
	StatusPending = "pending"
	StatusSnoozed = "snoozed"
	StatusClosed  = "closed"
)

// Conversation is one chat between a visitor and the desk. LastSeq is the
// seq of its latest event; events are numbered 1, 2, 3... with no gaps.
type Conversation struct {
	ID           string         `json:"id"`
	WorkspaceID  string         `json:"workspace_id"`
	SiteID       string         `json:"site_id"`
	VisitorID    string         `json:"visitor_id"`
	ContactID    string         `json:"contact_id,omitempty"`
	DepartmentID string         `json:"department_id,omitempty"`
	AssigneeID   string         `json:"assignee_id,omitempty"`
	Status       string         `json:"status"`
	Context      map[string]any `json:"context"`
	LastSeq      int64          `json:"last_seq"`
	// VisitorReadSeq and AgentReadSeq: how far the visitor, and the agent
	// furthest along, have had the conversation on screen (seen states).
	VisitorReadSeq int64 `json:"visitor_read_seq"`
	AgentReadSeq   int64 `json:"agent_read_seq"`
	// VisitorDeliveredSeq and AgentDeliveredSeq: how far a device of the
	// visitor, and a desk of the assigned agent, has received it
	// (delivered states); never behind the same side's read marker.
	VisitorDeliveredSeq int64      `json:"visitor_delivered_seq"`
	AgentDeliveredSeq   int64      `json:"agent_delivered_seq"`
	LastMessage         string     `json:"last_message"`
	CreatedAt           time.Time  `json:"created_at"`
	UpdatedAt           time.Time  `json:"updated_at"`
	LastActivityAt      time.Time  `json:"last_activity_at"`
	ClosedAt            *time.Time `json:"closed_at,omitempty"`
	// ClosedBy is "agent", "visitor" or "system"; ClosedByAgentID names
	// the agent.
	ClosedBy           string     `json:"closed_by,omitempty"`
	ClosedByAgentID    string     `json:"closed_by_agent_id,omitempty"`
	StatusChangedAt    time.Time  `json:"status_changed_at"`
	SnoozeUntil        *time.Time `json:"snooze_until,omitempty"`
	Flagged            bool       `json:"flagged"`
	AssignedAt         *time.Time `json:"assigned_at,omitempty"`
	AwaitingReplySince *time.Time `json:"awaiting_reply_since,omitempty"`
	WrapupNotes        string     `json:"wrapup_notes,omitempty"`
	WrapupTags         []string   `json:"wrapup_tags"`
	// TicketID is the ticket the conversation belongs to: while the
	// conversation is unassigned it waits there, not in the live queue.
	TicketID string `json:"ticket_id,omitempty"`
	// Offhours is the phase of its out-of-hours session (offhours.Phase:
	// asked, leaving, ended; "" = none); OffhoursDue is when an asked or
	// leaving session ends by itself.
	Offhours    string     `json:"offhours,omitempty"`
	OffhoursDue *time.Time `json:"offhours_due,omitempty"`
	// OffhoursSeq is the seq of the last visitor message the session has
	// answered.
	OffhoursSeq int64 `json:"-"`
	// Rating is the visitor's verdict on the chat once it ended (Ratings:
	// "good" or "bad"; "" = none), with its comment, when it was last
	// given, and the agent it counts for (who held the chat then).
	Rating        string     `json:"rating,omitempty"`
	RatingComment string     `json:"rating_comment,omitempty"`
	RatedAt       *time.Time `json:"rated_at,omitempty"`
	RatedAgentID  string     `json:"rated_agent_id,omitempty"`
	// What analytics read: when the visitor first wrote, when an agent
	// first answered after that (its first public text or file) and who,
	// and how many texts and files each side wrote.
	FirstVisitorAt   *time.Time `json:"first_visitor_at,omitempty"`
	FirstResponseAt  *time.Time `json:"first_response_at,omitempty"`
	FirstResponderID string     `json:"first_responder_id,omitempty"`
	AgentMessages    int        `json:"agent_messages,omitempty"`
	VisitorMessages  int        `json:"visitor_messages,omitempty"`
	// LastVisitorAt is when the visitor last wrote: what "New customer
	// activity" sorts by (LastActivityAt moves with every message).
	LastVisitorAt *time.Time `json:"last_visitor_at,omitempty"`
}

// Ratings a visitor gives a chat.
const (
	RatingGood = "good"
	RatingBad  = "bad"
)

const conversationColumns = `id, workspace_id, site_id, visitor_id, COALESCE(contact_id, ''), COALESCE(department_id, ''),
	COALESCE(assignee_id, ''), status, context, last_seq, last_message, created_at, updated_at, last_activity_at,
	closed_at, closed_by, closed_by_agent_id, status_changed_at, snooze_until, flagged, assigned_at,
	awaiting_reply_since, wrapup_notes, wrapup_tags, visitor_read_seq, agent_read_seq,
	visitor_delivered_seq, agent_delivered_seq, COALESCE(ticket_id, ''), offhours_phase, offhours_due, offhours_seq,
	rating, rating_comment, rated_at, COALESCE(rated_agent_id, ''), first_visitor_at, first_response_at, COALESCE(first_responder_id, ''),
	agent_messages, visitor_messages, last_visitor_at`

func scanConversation(sc scanner) (Conversation, error) {
	var (
		c                                  Conversation
		ctxJSON, tagsJSON                  string
		cre, upd, activity, changed        int64
		closed, snooze, assigned, awaiting sql.NullInt64
		offhoursDue, rated                 sql.NullInt64
		firstVisitor, firstResponse        sql.NullInt64
		lastVisitor                        sql.NullInt64
	)
	if err := sc.Scan(&c.ID, &c.WorkspaceID, &c.SiteID, &c.VisitorID, &c.ContactID, &c.DepartmentID, &c.AssigneeID,
		&c.Status, &ctxJSON, &c.LastSeq, &c.LastMessage, &cre, &upd, &activity, &closed, &c.ClosedBy,
		&c.ClosedByAgentID, &changed, &snooze, &c.Flagged, &assigned, &awaiting, &c.WrapupNotes, &tagsJSON,
		&c.VisitorReadSeq, &c.AgentReadSeq, &c.VisitorDeliveredSeq, &c.AgentDeliveredSeq,
		&c.TicketID, &c.Offhours, &offhoursDue, &c.OffhoursSeq, &c.Rating, &c.RatingComment, &rated, &c.RatedAgentID,
		&firstVisitor, &firstResponse, &c.FirstResponderID, &c.AgentMessages, &c.VisitorMessages, &lastVisitor); err != nil {
		return Conversation{}, err
	}
	if err := json.Unmarshal([]byte(ctxJSON), &c.Context); err != nil {
		return Conversation{}, fmt.Errorf("conversation %s context: %w", c.ID, err)
	}
	if err := json.Unmarshal([]byte(tagsJSON), &c.WrapupTags); err != nil {
		return Conversation{}, fmt.Errorf("conversation %s tags: %w", c.ID, err)
	}
	if c.WrapupTags == nil {
		c.WrapupTags = []string{}
	}
	c.CreatedAt, c.UpdatedAt, c.LastActivityAt = fromMillis(cre), fromMillis(upd), fromMillis(activity)
	c.StatusChangedAt = fromMillis(changed)
	c.ClosedAt, c.SnoozeUntil = optTime(closed), optTime(snooze)
	c.AssignedAt, c.AwaitingReplySince = optTime(assigned), optTime(awaiting)
	c.OffhoursDue, c.RatedAt, c.FirstVisitorAt, c.FirstResponseAt = optTime(offhoursDue), optTime(rated), optTime(firstVisitor), optTime(firstResponse)
	c.LastVisitorAt = optTime(lastVisitor)
	return c, nil
}

// ErrRatingClosed means a chat's rating window has passed.
var ErrRatingClosed = errors.New("store: the chat can no longer be rated")

// RateConversation stores the visitor's rating of its chat: only once the
// chat has ended, and while it ended no earlier than since (the window in
// which a rating may be given or changed); a rating given before the chat
// was reopened and ended again stays as it was (ErrRatingClosed). A conversation of another
// visitor is ErrNotFound; one not closed, ErrStale; one closed before
// since, ErrRatingClosed. Rating again replaces the rating: one per chat,
// counted for the agent who held the chat when it was first rated.
func (s *Store) RateConversation(ctx context.Context, workspaceID, id, visitorID, rating, comment string, since, now time.Time) (Conversation, error) {
	var out Conversation
	err := s.inTx(ctx, "store: rate conversation", func(tx *sql.Tx) error {
		var err error
		// The agent it counts for is the one who last answered the visitor
		// (the chat may have been requeued, transferred or taken over
		// since), else the one who holds it; fixed at the first rating. A
		// rating given before the chat was reopened is that session's: once
		// the chat ends again it is no longer changed.
		out, err = scanConversation(tx.QueryRowContext(ctx, `UPDATE conversations SET rating = $4, rating_comment = $5, rated_at = $6,
			rated_agent_id = CASE WHEN rated_at IS NULL THEN COALESCE((SELECT m.author_id FROM messages m
				WHERE m.conversation_id = conversations.id AND m.author_type = 'agent' AND m.private = FALSE AND m.kind IN ('text', 'file')
				AND EXISTS (SELECT 1 FROM agents a WHERE a.id = m.author_id) ORDER BY m.seq DESC LIMIT 1), assignee_id) ELSE rated_agent_id END,
			updated_at = $6
			WHERE workspace_id = $1 AND id = $2 AND visitor_id = $3 AND status = 'closed' AND closed_at >= $7
			AND (rated_at IS NULL OR rated_at >= closed_at)
			RETURNING `+conversationColumns, workspaceID, id, visitorID, rating, comment, millis(now), millis(since)))
		if err == nil {
			return hookConversation(ctx, tx, EventConversationRated, out, now)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return mapErr("store: rate conversation", err)
		}
		var status string
		if err := tx.QueryRowContext(ctx, `SELECT status FROM conversations WHERE workspace_id = $1 AND id = $2 AND visitor_id = $3`,
			workspaceID, id, visitorID).Scan(&status); err != nil {
			return mapErr("store: rate conversation", err)
		}
		if status != StatusClosed {
			return fmt.Errorf("store: rate a chat that has not ended: %w", ErrStale)
		}
		return ErrRatingClosed
	})
	return out, err
}

// StartConversation returns the visitor's conversation that is not closed,
// or creates one (created reports which). Two concurrent starts for one
// visitor get the same conversation: a partial unique index allows one
// open conversation per visitor.
func (s *Store) StartConversation(ctx context.Context, workspaceID, visitorID, departmentID string, now time.Time) (Conversation, bool, error) {
	for range 2 {
		c, err := s.OpenConversation(ctx, workspaceID, visitorID)
		if err == nil {
			return c, false, nil
		}
		if !errors.Is(err, ErrNotFound) {
			return Conversation{}, false, err
		}
		id := NewID()
		err = s.inTx(ctx, "store: start conversation", func(tx *sql.Tx) error {
			if err := ownedBy(ctx, tx, "departments", workspaceID, departmentID); err != nil {
				return err
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO conversations (id, workspace_id, site_id, visitor_id, contact_id,
				department_id, status, context, created_at, updated_at, last_activity_at, status_changed_at)
				SELECT $1, workspace_id, site_id, id, contact_id, $3, $4, context, CAST($5 AS BIGINT), CAST($5 AS BIGINT),
				CAST($5 AS BIGINT), CAST($5 AS BIGINT)
				FROM visitors WHERE workspace_id = $2 AND id = $6`,
				id, workspaceID, nullString(departmentID), StatusOpen, millis(now), visitorID)
			if err := mustAffect("store: start conversation", res, err); err != nil {
				return err
			}
			return hook(ctx, tx, hookEvent{workspaceID: workspaceID, typ: EventConversationStarted, subject: id, at: now,
				data: func() (any, error) {
					c, err := scanConversation(tx.QueryRowContext(ctx, hotQueries[qGetConversation], workspaceID, id))
					return map[string]any{"conversation": c}, mapErr("store: get conversation", err)
				}})
		})
		if errors.Is(err, ErrConflict) {
			continue // another tab won the race; read its conversation
		}
		if err != nil {
			return Conversation{}, false, err
		}
		c, err = s.GetConversation(ctx, workspaceID, id)
		return c, true, err
	}
	return Conversation{}, false, fmt.Errorf("store: start conversation: %w", ErrConflict)
}

// OpenConversation returns the visitor's conversation that is not closed.
func (s *Store) OpenConversation(ctx context.Context, workspaceID, visitorID string) (Conversation, error) {
	c, err := scanConversation(s.read.QueryRowContext(ctx, `SELECT `+conversationColumns+` FROM conversations
		WHERE workspace_id = $1 AND visitor_id = $2 AND status <> 'closed'`, workspaceID, visitorID))
	return c, mapErr("store: open conversation", err)
}

// GetConversation reads one conversation of a workspace.
func (s *Store) GetConversation(ctx context.Context, workspaceID, id string) (Conversation, error) {
	c, err := scanConversation(s.readRow(ctx, qGetConversation, workspaceID, id))
	return c, mapErr("store: get conversation", err)
}

// ConversationFilter narrows ListConversations. Zero fields do not filter.
type ConversationFilter struct {
	Statuses        []string // any of these
	VisitorID       string
	AssigneeID      string // "none" for unassigned
	ClosedByAgentID string
	// Before pages: only conversations after this one in the list's order
	// (newest activity first); its id breaks ties of equal times.
	Before *Conversation
	// Query keeps conversations whose last message, or whose visitor's name
	// or e-mail, contains it (case-insensitively for ASCII).
	Query string
	Limit int // default and maximum 500
}

// knownStatus reports whether st is one of the conversation statuses.
func knownStatus(st string) bool {
	return st == StatusOpen || st == StatusPending || st == StatusSnoozed || st == StatusClosed
}

// statusIn is the condition "status is one of statuses" (known statuses
// only), with literals rather than parameters and "=" for a single one:
// the planner must see the value to use the partial index of closed
// conversations.
func statusIn(statuses []string) string {
	if len(statuses) == 1 {
		return "status = '" + statuses[0] + "'"
	}
	return "status IN ('" + strings.Join(statuses, "', '") + "')"
}

// ListConversations lists a workspace's conversations, latest activity
// first.
func (s *Store) ListConversations(ctx context.Context, workspaceID string, f ConversationFilter) ([]Conversation, error) {
	if f.VisitorID != "" && f.AssigneeID == "" && f.ClosedByAgentID == "" && len(f.Statuses) == 0 {
		// A widget's welcome: a prepared statement (storm: thousands at once).
		if f.Limit <= 0 || f.Limit > 500 {
			f.Limit = 500
		}
		rows, err := s.readRows(ctx, qVisitorConversations, workspaceID, f.VisitorID, f.Limit)
		return collect(rows, err, "store: list conversations", scanConversation)
	}
	q := `SELECT ` + conversationColumns + ` FROM conversations WHERE workspace_id = $1`
	args := []any{workspaceID}
	if f.VisitorID != "" {
		args = append(args, f.VisitorID)
		q += fmt.Sprintf(" AND visitor_id = $%d", len(args))
	}
	if f.AssigneeID == "none" {
		q += " AND assignee_id IS NULL"
	} else if f.AssigneeID != "" {
		args = append(args, f.AssigneeID)
		q += fmt.Sprintf(" AND assignee_id = $%d", len(args))
	}
	if f.ClosedByAgentID != "" {
		args = append(args, f.ClosedByAgentID)
		q += fmt.Sprintf(" AND closed_by_agent_id = $%d", len(args))
	}
	if len(f.Statuses) > 0 {
		for _, st := range f.Statuses {
			if !knownStatus(st) {
				return nil, fmt.Errorf("store: list conversations: unknown status %q", st)
			}
		}
		q += " AND " + statusIn(f.Statuses)
	}
	if f.Before != nil {
		args = append(args, millis(f.Before.LastActivityAt), f.Before.ID)
		q += fmt.Sprintf(" AND (last_activity_at < $%d OR (last_activity_at = $%d AND id < $%d))", len(args)-1, len(args)-1, len(args))
	}
	if f.Query != "" {
		args = append(args, "%"+likeEscaper.Replace(strings.ToLower(f.Query))+"%")
		n := len(args)
		q += fmt.Sprintf(` AND (LOWER(last_message) LIKE $%d ESCAPE '\' OR visitor_id IN (SELECT id FROM visitors
			WHERE workspace_id = $1 AND (LOWER(name) LIKE $%d ESCAPE '\' OR LOWER(email) LIKE $%d ESCAPE '\')))`, n, n, n)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 500
	}
	args = append(args, f.Limit)
	q += fmt.Sprintf(" ORDER BY last_activity_at DESC, id DESC LIMIT $%d", len(args))
	rows, err := s.read.QueryContext(ctx, q, args...)
	return collect(rows, err, "store: list conversations", scanConversation)
}

// boundedSeq is $3, the marker asked for, at most the last seq.
const boundedSeq = `CASE WHEN $3 > last_seq THEN last_seq ELSE $3 END`

// receiptColumns names a side's seen and delivered markers.
func receiptColumns(visitor bool) (seen, delivered string) {
	if visitor {
		return "visitor_read_seq", "visitor_delivered_seq"
	}
	return "agent_read_seq", "agent_delivered_seq"
}

// likeEscaper makes text match itself in a LIKE pattern with ESCAPE '\'.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// DeleteClosedConversations deletes up to limit of a workspace's
// conversations closed before cutoff, with their messages (the retention
// job, per workspace setting); it returns how many. Deleting twice is
// harmless, so two nodes may run it at once. The latest conversation of
// a ticket still open is kept: it is where the ticket's answer goes.
func (s *Store) DeleteClosedConversations(ctx context.Context, workspaceID string, cutoff time.Time, limit int) (int, error) {
	var n int64
	err := s.inTx(ctx, "store: delete closed conversations", func(tx *sql.Tx) error {
		// The chats picked, then their rolled days marked (analytics count
		// what is kept), then the chats deleted.
		rows, err := tx.QueryContext(ctx, `SELECT id FROM conversations WHERE workspace_id = $1 AND status = 'closed' AND closed_at < $2
			AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.conversation_id = conversations.id AND t.status = 'open') LIMIT $3`,
			workspaceID, millis(cutoff), limit)
		ids, err := collect(rows, err, "store: delete closed conversations", func(sc scanner) (string, error) {
			var id string
			return id, sc.Scan(&id)
		})
		if err != nil || len(ids) == 0 {
			return err
		}
		args, marks := []any{}, make([]string, len(ids))
		for i, id := range ids {
			args = append(args, id)
			marks[i] = fmt.Sprintf("$%d", i+2)
		}
		in := "id IN (" + strings.Join(marks, ", ") + ")"
		if err := markRolledChats(ctx, tx, workspaceID, in, args...); err != nil {
			return err
		}
		if err := markRolledTickets(ctx, tx, workspaceID, true, "conversation_"+in, args...); err != nil { // they go with their chat
			return err
		}
		n, err = affected(tx.ExecContext(ctx, `DELETE FROM conversations WHERE workspace_id = $1 AND `+in, append([]any{workspaceID}, args...)...))
		return mapErr("store: delete closed conversations", err)
	})
	return int(n), err
}
