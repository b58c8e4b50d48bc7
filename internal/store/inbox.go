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

// Inbox item kinds: what happened that needs an agent's attention.
const (
	InboxMention        = "mention"         // a comment mentioned the agent
	InboxAssigned       = "assigned"        // someone else gave the agent a chat
	InboxTransferred    = "transferred"     // someone else transferred a chat to the agent
	InboxTicketAssigned = "ticket_assigned" // someone else gave the agent a ticket
	InboxTicketReply    = "ticket_reply"    // the visitor wrote on the agent's ticket
	InboxTicketChanged  = "ticket_changed"  // someone else changed a ticket the agent watches
	// InboxWebhookDisabled: an endpoint was disabled after a day of
	// failures (owners and admins; about no chat or ticket).
	InboxWebhookDisabled = "webhook_disabled"
)

// InboxItem is one thing in an agent's inbox. It opens its conversation
// (and ticket, when it has one). Seq orders an agent's items: it grows by
// one with each item added or renewed.
type InboxItem struct {
	ID             string         `json:"id"`
	WorkspaceID    string         `json:"-"`
	AgentID        string         `json:"agent_id"`
	Seq            int64          `json:"seq"`
	Kind           string         `json:"kind"`
	Dedupe         string         `json:"-"`
	ConversationID string         `json:"conversation_id,omitempty"`
	TicketID       string         `json:"ticket_id,omitempty"`
	ActorID        string         `json:"actor_id,omitempty"`
	ActorName      string         `json:"actor_name,omitempty"`
	Summary        string         `json:"summary"`
	Data           map[string]any `json:"data,omitempty"`
	CreatedAt      time.Time      `json:"created_at"`
	UpdatedAt      time.Time      `json:"updated_at"`
	ReadAt         *time.Time     `json:"read_at,omitempty"`
	ArchivedAt     *time.Time     `json:"archived_at,omitempty"`
}

const inboxColumns = `id, workspace_id, agent_id, seq, kind, dedupe, COALESCE(conversation_id, ''), COALESCE(ticket_id, ''),
	actor_id, actor_name, summary, data, created_at, updated_at, read_at, archived_at`

func scanInboxItem(sc scanner) (InboxItem, error) {
	var (
		it                 InboxItem
		data               string
		cre, upd           int64
		readAt, archivedAt sql.NullInt64
	)
	err := sc.Scan(&it.ID, &it.WorkspaceID, &it.AgentID, &it.Seq, &it.Kind, &it.Dedupe, &it.ConversationID, &it.TicketID,
		&it.ActorID, &it.ActorName, &it.Summary, &data, &cre, &upd, &readAt, &archivedAt)
	if err != nil {
		return InboxItem{}, err
	}
	it.CreatedAt, it.UpdatedAt, it.ReadAt, it.ArchivedAt = fromMillis(cre), fromMillis(upd), optTime(readAt), optTime(archivedAt)
	if data != "{}" && data != "" {
		if err := json.Unmarshal([]byte(data), &it.Data); err != nil {
			return InboxItem{}, fmt.Errorf("inbox item %s data: %w", it.ID, err)
		}
	}
	return it, nil
}

// AddInboxItem gives it.AgentID the item, with the agent's next seq. An
// item with the same Dedupe is the same happening: a retry returns it as
// it is (added false); with renew, it comes back instead (a new seq,
// unread and not archived, with its summary, actor and data), which is
// how one item stands for a run of replies on a ticket.
func (s *Store) AddInboxItem(ctx context.Context, it InboxItem, renew bool, now time.Time) (out InboxItem, added bool, err error) {
	data := "{}"
	if len(it.Data) > 0 {
		b, err := json.Marshal(it.Data)
		if err != nil {
			return InboxItem{}, false, fmt.Errorf("store: inbox item data: %w", err)
		}
		data = string(b)
	}
	err = s.inTx(ctx, "store: add inbox item", func(tx *sql.Tx) error {
		for table, id := range map[string]string{"conversations": it.ConversationID, "tickets": it.TicketID} {
			if err := ownedBy(ctx, tx, table, it.WorkspaceID, id); err != nil {
				return err
			}
		}
		prev, err := scanInboxItem(tx.QueryRowContext(ctx, `SELECT `+inboxColumns+` FROM inbox_items
			WHERE workspace_id = $1 AND agent_id = $2 AND dedupe = $3`+forUpdate(s.dialect), it.WorkspaceID, it.AgentID, it.Dedupe))
		switch {
		case err == nil && !renew:
			out = prev
			return nil
		case err != nil && !errors.Is(err, sql.ErrNoRows):
			return mapErr("store: add inbox item", err)
		}
		// The agent's row is the counter, and its lock orders two adds.
		res, err := tx.ExecContext(ctx, `UPDATE agents SET inbox_seq = inbox_seq + 1 WHERE workspace_id = $1 AND id = $2`,
			it.WorkspaceID, it.AgentID)
		if err := mustAffect("store: add inbox item", res, err); err != nil {
			return err
		}
		var seq int64
		if err := tx.QueryRowContext(ctx, `SELECT inbox_seq FROM agents WHERE workspace_id = $1 AND id = $2`, it.WorkspaceID, it.AgentID).Scan(&seq); err != nil {
			return mapErr("store: add inbox item", err)
		}
		if prev.ID != "" {
			_, err = tx.ExecContext(ctx, `UPDATE inbox_items SET seq = $3, actor_id = $4, actor_name = $5, summary = $6, data = $7,
				updated_at = $8, read_at = NULL, archived_at = NULL WHERE workspace_id = $1 AND id = $2`,
				it.WorkspaceID, prev.ID, seq, it.ActorID, it.ActorName, it.Summary, data, millis(now))
			it.ID, it.CreatedAt = prev.ID, prev.CreatedAt
		} else {
			it.ID, it.CreatedAt = NewID(), stored(now)
			_, err = tx.ExecContext(ctx, `INSERT INTO inbox_items (id, workspace_id, agent_id, seq, kind, dedupe, conversation_id, ticket_id,
				actor_id, actor_name, summary, data, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)`,
				it.ID, it.WorkspaceID, it.AgentID, seq, it.Kind, it.Dedupe, nullString(it.ConversationID), nullString(it.TicketID),
				it.ActorID, it.ActorName, it.Summary, data, millis(now))
		}
		if err != nil {
			return mapErr("store: add inbox item", err)
		}
		it.Seq, it.UpdatedAt, it.ReadAt, it.ArchivedAt = seq, stored(now), nil, nil
		out, added = it, true
		return nil
	})
	return out, added, err
}

// Inbox filters.
const (
	InboxAll      = "all"      // everything not archived
	InboxUnread   = "unread"   // not read, not archived
	InboxArchived = "archived" // archived only
)

// InboxQuery selects a page of an agent's inbox, newest first.
type InboxQuery struct {
	Filter string // InboxAll ("" too), InboxUnread or InboxArchived
	Before int64  // seq; 0 = from the newest
	Limit  int
}

// ListInbox reads a page of an agent's inbox, newest (highest seq) first.
func (s *Store) ListInbox(ctx context.Context, workspaceID, agentID string, q InboxQuery) ([]InboxItem, error) {
	where := ` WHERE workspace_id = $1 AND agent_id = $2`
	switch q.Filter {
	case InboxUnread:
		where += ` AND read_at IS NULL AND archived_at IS NULL`
	case InboxArchived:
		where += ` AND archived_at IS NOT NULL`
	default:
		where += ` AND archived_at IS NULL`
	}
	args := []any{workspaceID, agentID}
	if q.Before > 0 {
		args = append(args, q.Before)
		where += fmt.Sprintf(` AND seq < $%d`, len(args))
	}
	args = append(args, q.Limit)
	rows, err := s.read.QueryContext(ctx, `SELECT `+inboxColumns+` FROM inbox_items`+where+
		fmt.Sprintf(` ORDER BY seq DESC LIMIT $%d`, len(args)), args...)
	return collect(rows, err, "store: list inbox", scanInboxItem)
}

// InboxState is an agent's unread count and the seq of its newest item.
func (s *Store) InboxState(ctx context.Context, workspaceID, agentID string) (unread int, seq int64, err error) {
	err = s.read.QueryRowContext(ctx, `SELECT inbox_seq, (SELECT COUNT(*) FROM inbox_items
		WHERE workspace_id = $1 AND agent_id = $2 AND read_at IS NULL AND archived_at IS NULL)
		FROM agents WHERE workspace_id = $1 AND id = $2`, workspaceID, agentID).Scan(&seq, &unread)
	return unread, seq, mapErr("store: inbox state", err)
}

// InboxChange marks items read or unread, archived or not; nil fields
// stay as they are.
type InboxChange struct {
	Read     *bool
	Archived *bool
}

// MarkInbox applies change to those of ids that are the agent's items and
// returns them as they are now (items of others are left out).
func (s *Store) MarkInbox(ctx context.Context, workspaceID, agentID string, ids []string, change InboxChange, now time.Time) ([]InboxItem, error) {
	if len(ids) == 0 {
		return []InboxItem{}, nil
	}
	var sets []string
	args := []any{workspaceID, agentID, millis(now)}
	if change.Read != nil {
		sets = append(sets, map[bool]string{true: `read_at = COALESCE(read_at, $3)`, false: `read_at = NULL`}[*change.Read])
	}
	if change.Archived != nil {
		sets = append(sets, map[bool]string{true: `archived_at = COALESCE(archived_at, $3)`, false: `archived_at = NULL`}[*change.Archived])
	}
	in := func(args []any) ([]any, string) {
		marks := make([]string, len(ids))
		for i, id := range ids {
			args = append(args, id)
			marks[i] = fmt.Sprintf("$%d", len(args))
		}
		return args, strings.Join(marks, ", ")
	}
	var out []InboxItem
	err := s.inTx(ctx, "store: mark inbox", func(tx *sql.Tx) error {
		if len(sets) > 0 {
			args, ids := in(args)
			if _, err := tx.ExecContext(ctx, `UPDATE inbox_items SET `+strings.Join(sets, ", ")+`, updated_at = $3
				WHERE workspace_id = $1 AND agent_id = $2 AND id IN (`+ids+`)`, args...); err != nil {
				return mapErr("store: mark inbox", err)
			}
		}
		args, ids := in([]any{workspaceID, agentID})
		rows, err := tx.QueryContext(ctx, `SELECT `+inboxColumns+` FROM inbox_items
			WHERE workspace_id = $1 AND agent_id = $2 AND id IN (`+ids+`) ORDER BY seq DESC`, args...)
		out, err = collect(rows, err, "store: mark inbox", scanInboxItem)
		return err
	})
	return out, err
}

// TaggedConversations lists the conversations an agent was mentioned in
// that are not closed, newest activity first (the desk's Tagged tab).
func (s *Store) TaggedConversations(ctx context.Context, workspaceID, agentID string) ([]string, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT c.id FROM conversations c WHERE c.workspace_id = $1 AND c.status <> $3
		AND EXISTS (SELECT 1 FROM inbox_items i WHERE i.workspace_id = $1 AND i.agent_id = $2 AND i.kind = $4 AND i.conversation_id = c.id)
		ORDER BY c.last_activity_at DESC, c.id LIMIT 500`, workspaceID, agentID, StatusClosed, InboxMention)
	return collect(rows, err, "store: tagged conversations", func(sc scanner) (string, error) {
		var id string
		return id, sc.Scan(&id)
	})
}
