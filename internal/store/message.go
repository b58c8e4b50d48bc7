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

// encodeMeta is m.Meta as stored.
func encodeMeta(m Message) (string, error) {
	if len(m.Meta) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(m.Meta)
	if err != nil {
		return "", fmt.Errorf("store: encode meta: %w", err)
	}
	return string(b), nil
}

// insertMessage stores m (its Seq already assigned) in tx.
func insertMessage(ctx context.Context, tx *sql.Tx, m Message) error {
	meta, err := encodeMeta(m)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, hotQueries[qInsertMessage], m.ID, m.WorkspaceID, m.ConversationID, m.Seq, m.ClientMsgID, m.Kind,
		m.AuthorType, m.AuthorID, m.AuthorName, m.Body, millis(m.CreatedAt), m.Private, meta)
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
// nothing; a ClientMsgID stored by another author is ErrIDTaken. Whether
// the conversation accepts the event (its status) is the caller's rule,
// not the store's.
//
// Concurrent calls are group-committed (see appender): each is stored in a
// shared transaction with its own checks and answered with its own result
// only after that transaction's COMMIT.
func (s *Store) AppendMessage(ctx context.Context, m Message, now time.Time) (Message, bool, error) {
	if m.ClientMsgID == "" {
		m.ClientMsgID = NewID()
	}
	// A retry of a stored message needs no write: answer it from a reader.
	if prev, err := s.MessageByClientID(ctx, m.WorkspaceID, m.ConversationID, m.ClientMsgID); err == nil {
		return retryOf(prev, m)
	} else if !errors.Is(err, ErrNotFound) {
		return Message{}, false, err
	}
	r := s.appender.do(ctx, m, now)
	return r.m, r.dup, r.err
}

// retryOf answers a send whose ClientMsgID is already stored as prev.
func retryOf(prev, m Message) (Message, bool, error) {
	if prev.AuthorType != m.AuthorType || prev.AuthorID != m.AuthorID {
		// Someone else's message: never hand it out as a retry.
		return Message{}, false, fmt.Errorf("store: client_msg_id %q: %w", m.ClientMsgID, ErrIDTaken)
	}
	return prev, true, nil
}

// appendOne stores m in tx, or finds it already stored there. It changes
// nothing when it fails with ErrNotFound or ErrIDTaken, so the
// transaction stays usable for the rest of a batch; any other error
// leaves tx in an unknown state.
func appendOne(ctx context.Context, tx *sql.Tx, p *[nQueries]*sql.Stmt, m Message, now time.Time) (Message, bool, error) {
	prev, err := scanMessage(txRow(ctx, tx, p, qMessageByClientID, m.ConversationID, m.ClientMsgID, m.WorkspaceID))
	if err == nil {
		return retryOf(prev, m)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return Message{}, false, mapErr("store: message by client id", err)
	}
	meta, err := encodeMeta(m)
	if err != nil {
		return Message{}, false, err
	}
	m.ID, m.CreatedAt = NewID(), stored(now)
	preview := m.Body
	if m.Kind != KindText || m.Private {
		preview = ""
	}
	if len(preview) > previewLen {
		preview = truncateUTF8(preview, previewLen)
	}
	// A visitor's message starts the reply clock unless it runs already;
	// an agent's public reply stops it.
	waits := m.AuthorType == AuthorVisitor
	answers := m.AuthorType == AuthorAgent && !m.Private
	err = txRow(ctx, tx, p, qNextSeq, m.WorkspaceID, m.ConversationID, millis(now), preview, waits, answers).Scan(&m.Seq)
	if err != nil {
		// No row: an unknown conversation or another workspace's;
		// nothing was changed.
		return Message{}, false, mapErr("store: next seq", err)
	}
	_, err = txExec(ctx, tx, p, qInsertMessage, m.ID, m.WorkspaceID, m.ConversationID, m.Seq, m.ClientMsgID, m.Kind,
		m.AuthorType, m.AuthorID, m.AuthorName, m.Body, millis(m.CreatedAt), m.Private, meta)
	if err != nil {
		return Message{}, false, mapErr("store: insert message", err)
	}
	return m, false, nil
}

// appendAlone stores m in a transaction of its own: the path a batch falls
// back to when a statement fails inside it.
func (s *Store) appendAlone(ctx context.Context, p *[nQueries]*sql.Stmt, m Message, now time.Time) (Message, bool, error) {
	for range 2 {
		var (
			out Message
			dup bool
		)
		err := s.inTx(ctx, "store: append message", func(tx *sql.Tx) error {
			var err error
			out, dup, err = appendOne(ctx, tx, p, m, now)
			return err
		})
		if errors.Is(err, ErrConflict) {
			continue // a concurrent insert of the same client_msg_id (another node) won; find it
		}
		if err != nil {
			return Message{}, false, err
		}
		return out, dup, nil
	}
	return Message{}, false, fmt.Errorf("store: append message: %w", ErrConflict)
}

// MessageByClientID finds a conversation's message by the id its author's
// client gave it.
func (s *Store) MessageByClientID(ctx context.Context, workspaceID, conversationID, clientMsgID string) (Message, error) {
	m, err := scanMessage(s.readRow(ctx, qMessageByClientID, conversationID, clientMsgID, workspaceID))
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
