package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Message kinds and author types.
const (
	KindText   = "text"
	KindSystem = "system"
	KindHidden = "hidden" // a private event as a visitor sees it

	AuthorVisitor = "visitor"
	AuthorAgent   = "agent"
	AuthorSystem  = "system"
)

// Message is one persisted conversation event: a text message or a system
// event. (ConversationID, Seq) and (ConversationID, ClientMsgID) are unique.
type Message struct {
	ID             string    `json:"id"`
	WorkspaceID    string    `json:"-"`
	ConversationID string    `json:"conversation_id"`
	Seq            int64     `json:"seq"`
	ClientMsgID    string    `json:"client_msg_id"`
	Kind           string    `json:"kind"`
	AuthorType     string    `json:"author_type"`
	AuthorID       string    `json:"author_id,omitempty"`
	AuthorName     string    `json:"author_name,omitempty"`
	Body           string    `json:"body"`
	CreatedAt      time.Time `json:"created_at"`
	// Private events (transfer notes, wrap-ups) are for agents only;
	// visitors receive them redacted, keeping their seq.
	Private bool `json:"private,omitempty"`
	// Meta holds a system event's structured data ({"event":"closed",...}).
	Meta map[string]any `json:"meta,omitempty"`
}

const messageColumns = `id, workspace_id, conversation_id, seq, client_msg_id, kind, author_type, author_id, author_name, body,
	created_at, private, meta`

func scanMessage(sc scanner) (Message, error) {
	var (
		m    Message
		cre  int64
		meta string
	)
	err := sc.Scan(&m.ID, &m.WorkspaceID, &m.ConversationID, &m.Seq, &m.ClientMsgID, &m.Kind, &m.AuthorType, &m.AuthorID,
		&m.AuthorName, &m.Body, &cre, &m.Private, &meta)
	if err != nil {
		return Message{}, err
	}
	m.CreatedAt = fromMillis(cre)
	if meta != "{}" && meta != "" {
		if err := json.Unmarshal([]byte(meta), &m.Meta); err != nil {
			return Message{}, fmt.Errorf("message %s meta: %w", m.ID, err)
		}
	}
	return m, nil
}

// Redacted is what a visitor may see of a private event: its place in the
// sequence and nothing else.
func (m Message) Redacted() Message {
	if !m.Private {
		return m
	}
	return Message{ID: m.ID, ConversationID: m.ConversationID, Seq: m.Seq, ClientMsgID: m.ClientMsgID, Kind: KindHidden,
		AuthorType: AuthorSystem, CreatedAt: m.CreatedAt, Private: true}
}

// insertMessage stores m (its Seq already assigned) in tx.
func insertMessage(ctx context.Context, tx *sql.Tx, m Message) error {
	meta := "{}"
	if len(m.Meta) > 0 {
		b, err := json.Marshal(m.Meta)
		if err != nil {
			return fmt.Errorf("store: encode meta: %w", err)
		}
		meta = string(b)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO messages (`+messageColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		m.ID, m.WorkspaceID, m.ConversationID, m.Seq, m.ClientMsgID, m.Kind, m.AuthorType, m.AuthorID,
		m.AuthorName, m.Body, millis(m.CreatedAt), m.Private, meta)
	return mapErr("store: insert message", err)
}

// ErrIDTaken means a client_msg_id is already used by another author in
// the conversation.
var ErrIDTaken = errors.New("client_msg_id taken by another author")

// previewLen bounds the conversation's last_message preview.
const previewLen = 200

// AppendMessage stores m as the conversation's next event and returns it
// with its seq. The seq comes from the conversation row, incremented in the
// same transaction, so seqs are gap-free; the row lock (PostgreSQL) or the
// single writer (SQLite) serializes appends. A retry with a ClientMsgID
// already stored returns the stored message and duplicate=true, changing
// nothing. Whether the conversation accepts the event (its status) is the
// caller's rule, not the store's.
func (s *Store) AppendMessage(ctx context.Context, m Message, now time.Time) (Message, bool, error) {
	if m.ClientMsgID == "" {
		m.ClientMsgID = NewID()
	}
	for range 2 {
		if prev, err := s.MessageByClientID(ctx, m.WorkspaceID, m.ConversationID, m.ClientMsgID); err == nil {
			if prev.AuthorType != m.AuthorType || prev.AuthorID != m.AuthorID {
				// Someone else's message: never hand it out as a retry.
				return Message{}, false, fmt.Errorf("store: client_msg_id %q: %w", m.ClientMsgID, ErrIDTaken)
			}
			return prev, true, nil
		} else if !errors.Is(err, ErrNotFound) {
			return Message{}, false, err
		}
		m.ID, m.CreatedAt = NewID(), stored(now)
		err := s.inTx(ctx, "store: append message", func(tx *sql.Tx) error {
			preview := m.Body
			if m.Kind != KindText {
				preview = ""
			}
			if len(preview) > previewLen {
				preview = truncateUTF8(preview, previewLen)
			}
			if m.Private {
				preview = ""
			}
			// A visitor's message starts the reply clock unless it runs
			// already; an agent's public reply stops it.
			waits := m.AuthorType == AuthorVisitor
			answers := m.AuthorType == AuthorAgent && !m.Private
			err := tx.QueryRowContext(ctx, `UPDATE conversations SET last_seq = last_seq + 1, updated_at = $3,
				last_activity_at = $3, last_message = CASE WHEN $4 = '' THEN last_message ELSE $4 END,
				awaiting_reply_since = CASE WHEN $5 THEN COALESCE(awaiting_reply_since, $3)
					WHEN $6 THEN NULL ELSE awaiting_reply_since END
				WHERE workspace_id = $1 AND id = $2 RETURNING last_seq`,
				m.WorkspaceID, m.ConversationID, millis(now), preview, waits, answers).Scan(&m.Seq)
			if err != nil {
				return mapErr("store: next seq", err)
			}
			return insertMessage(ctx, tx, m)
		})
		if errors.Is(err, ErrConflict) {
			continue // a concurrent retry of the same client_msg_id won; return its message
		}
		if err != nil {
			return Message{}, false, err
		}
		return m, false, nil
	}
	return Message{}, false, fmt.Errorf("store: append message: %w", ErrConflict)
}

// MessageByClientID finds a conversation's message by the id its author's
// client gave it.
func (s *Store) MessageByClientID(ctx context.Context, workspaceID, conversationID, clientMsgID string) (Message, error) {
	m, err := scanMessage(s.read.QueryRowContext(ctx, `SELECT `+messageColumns+` FROM messages
		WHERE conversation_id = $1 AND client_msg_id = $2 AND workspace_id = $3`, conversationID, clientMsgID, workspaceID))
	return m, mapErr("store: message by client id", err)
}

// ListMessages returns a conversation's events with afterSeq < seq <=
// untilSeq (0: no upper bound), in seq order, at most limit of them.
func (s *Store) ListMessages(ctx context.Context, workspaceID, conversationID string, afterSeq, untilSeq int64, limit int) ([]Message, error) {
	if untilSeq <= 0 {
		untilSeq = 1<<62 - 1
	}
	rows, err := s.read.QueryContext(ctx, `SELECT `+messageColumns+` FROM messages
		WHERE workspace_id = $1 AND conversation_id = $2 AND seq > $3 AND seq <= $4 ORDER BY seq LIMIT $5`,
		workspaceID, conversationID, afterSeq, untilSeq, limit)
	return collect(rows, err, "store: list messages", scanMessage)
}

// truncateUTF8 cuts s to at most n bytes without splitting a rune.
func truncateUTF8(s string, n int) string {
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
