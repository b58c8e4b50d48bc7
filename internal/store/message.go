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
	KindFile   = "file" // an attachment: Meta["file"] names it, Body is its name
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

// insertMessage stores m (its Seq already assigned) in tx, with its
// message.created for the endpoints that take it. It stores the events a
// change of the conversation records, not the messages of AppendMessage,
// whose webhook events go through the store's cache (hookAppended).
func insertMessage(ctx context.Context, tx *sql.Tx, m Message) error {
	meta, err := encodeMeta(m)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, hotQueries[qInsertMessage], m.ID, m.WorkspaceID, m.ConversationID, m.Seq, m.ClientMsgID, m.Kind,
		m.AuthorType, m.AuthorID, m.AuthorName, m.Body, millis(m.CreatedAt), m.Private, meta)
	if err != nil {
		return mapErr("store: insert message", err)
	}
	return hookMessage(ctx, tx, m)
}

// ErrIDTaken means a client_msg_id is already used by another author in
// the conversation.
var ErrIDTaken = errors.New("client_msg_id taken by another author")

// ErrNotAccepting means the conversation exists but does not take the
// message now: it is closed, or the message is its visitor's and the
// conversation waits (pending or snoozed: the caller reopens it first).
// Nothing was changed.
var ErrNotAccepting = errors.New("store: conversation does not accept the message")

// refusesOne reports whether err fails one append and leaves its
// transaction usable for the others of a batch.
func refusesOne(err error) bool {
	return errors.Is(err, ErrNotFound) || errors.Is(err, ErrIDTaken) || errors.Is(err, ErrNotAccepting)
}

// previewLen bounds the conversation's last_message preview.
const previewLen = 200

// Appended is what AppendMessage did.
type Appended struct {
	Message Message
	// Duplicate: Message was stored before under the same ClientMsgID and
	// nothing changed.
	Duplicate bool
	// VisitorID is the conversation's visitor (when not Duplicate), for
	// addressing the new event.
	VisitorID string
	// AssigneeID is the conversation's agent, "" for none (when not
	// Duplicate): the desks that follow only their own chats are
	// addressed by it.
	AssigneeID string
	// Unassigned: the conversation has no assignee (when not Duplicate),
	// so a visitor's message may need an answer from the out-of-hours
	// flow or the ticket rules.
	Unassigned bool
	// TicketID is the conversation's ticket (when not Duplicate): an
	// agent's answer there is also sent by e-mail.
	TicketID string
	// Offhours is the phase of its out-of-hours session, read in the
	// same transaction (for a Duplicate too: a retry whose chat has no
	// session under way needs no read to know its answer is not owed).
	Offhours string
}

// AppendMessage stores m as the conversation's next event and returns it
// with its seq. The seq comes from the conversation row, incremented in the
// same transaction, so seqs are gap-free; the row lock (PostgreSQL) or the
// single writer (SQLite) serializes appends.
//
// The conversation's rules are checked in that transaction, so no close
// can slip between the check and the write: a retry with a ClientMsgID
// already stored returns the stored message with Duplicate (whatever the
// status now); a ClientMsgID stored by another author is ErrIDTaken; an
// unknown conversation, another workspace's, or (for a visitor's message)
// another visitor's is ErrNotFound; a closed conversation, or a waiting one
// for a visitor's message, is ErrNotAccepting. Failures change nothing.
//
// Concurrent calls are group-committed (see appender): each is stored in a
// shared transaction with its own checks and answered with its own result
// only after that transaction's COMMIT.
func (s *Store) AppendMessage(ctx context.Context, m Message, now time.Time) (Appended, error) {
	if m.ClientMsgID == "" {
		m.ClientMsgID = NewID()
	}
	r := s.appender.do(ctx, m, now)
	return r.Appended, r.err
}

// appendOne stores m in tx, or finds it already stored there. It changes
// nothing when it fails with an error refusesOne accepts, so the
// transaction stays usable for the rest of a batch; any other error
// leaves tx in an unknown state.
func appendOne(ctx context.Context, tx *sql.Tx, p *[nQueries]*sql.Stmt, m Message, now time.Time) (Appended, error) {
	if out, err := storedBefore(ctx, tx, p, m); !errors.Is(err, sql.ErrNoRows) {
		return out, err
	}
	meta, err := encodeMeta(m)
	if err != nil {
		return Appended{}, err
	}
	m.ID, m.CreatedAt = NewID(), stored(now)
	ch := conversationUpdate(m)
	var visitorID, assignee, ticketID, phase string
	err = txRow(ctx, tx, p, qNextSeq, m.WorkspaceID, m.ConversationID, millis(now), ch.preview, ch.waits, ch.answers, visitorOnly(m),
		ch.responds, ch.says, m.AuthorID).Scan(&m.Seq, &visitorID, &assignee, &ticketID, &phase)
	if errors.Is(err, sql.ErrNoRows) {
		return Appended{}, whyRefused(ctx, tx, m) // nothing was changed
	}
	if err != nil {
		return Appended{}, mapErr("store: next seq", err)
	}
	_, err = txExec(ctx, tx, p, qInsertMessage, m.ID, m.WorkspaceID, m.ConversationID, m.Seq, m.ClientMsgID, m.Kind,
		m.AuthorType, m.AuthorID, m.AuthorName, m.Body, millis(m.CreatedAt), m.Private, meta)
	if err != nil {
		return Appended{}, mapErr("store: insert message", err)
	}
	return Appended{Message: m, VisitorID: visitorID, AssigneeID: assignee, Unassigned: assignee == "", TicketID: ticketID, Offhours: phase}, nil
}

// appendOneSQLite is appendOne in two statements instead of three, which
// only a single writer allows: the insert takes its seq from the
// conversation row (and its status and owner checks from qNextSeq), and
// skips a client_msg_id already stored; then the row takes the seq. With
// one writer nothing can come between the two. Only when the insert
// stored nothing does it look for why: a retry, someone else's id, or a
// refusal.
func appendOneSQLite(ctx context.Context, tx *sql.Tx, p *[nQueries]*sql.Stmt, m Message, now time.Time) (Appended, error) {
	meta, err := encodeMeta(m)
	if err != nil {
		return Appended{}, err
	}
	m.ID, m.CreatedAt = NewID(), stored(now)
	err = txRow(ctx, tx, p, qInsertNextSQLite, m.ID, m.WorkspaceID, m.ConversationID, m.ClientMsgID, m.Kind,
		m.AuthorType, m.AuthorID, m.AuthorName, m.Body, millis(m.CreatedAt), m.Private, meta, visitorOnly(m)).Scan(&m.Seq)
	if errors.Is(err, sql.ErrNoRows) {
		return appendRefused(ctx, tx, p, m)
	}
	if err != nil {
		return Appended{}, mapErr("store: insert message", err)
	}
	ch := conversationUpdate(m)
	var visitorID, assignee, ticketID, phase string
	err = txRow(ctx, tx, p, qSetSeqSQLite, m.WorkspaceID, m.ConversationID, m.Seq, millis(now), ch.preview, ch.waits, ch.answers,
		ch.responds, ch.says, m.AuthorID).Scan(&visitorID, &assignee, &ticketID, &phase)
	if err != nil {
		return Appended{}, mapErr("store: set seq", err) // unreachable with one writer; fails the batch
	}
	return Appended{Message: m, VisitorID: visitorID, AssigneeID: assignee, Unassigned: assignee == "", TicketID: ticketID, Offhours: phase}, nil
}

// storedBefore answers m when its ClientMsgID is already stored: the
// stored message for its author's retry, ErrIDTaken for anyone else (or
// ErrNotFound for a visitor who does not own the conversation: not even a
// guessed id may tell it the conversation exists). sql.ErrNoRows: not
// stored.
func storedBefore(ctx context.Context, tx *sql.Tx, p *[nQueries]*sql.Stmt, m Message) (Appended, error) {
	prev, err := scanMessage(txRow(ctx, tx, p, qMessageByClientID, m.ConversationID, m.ClientMsgID, m.WorkspaceID))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Appended{}, err
	case err != nil:
		return Appended{}, mapErr("store: message by client id", err)
	case prev.AuthorType == m.AuthorType && prev.AuthorID == m.AuthorID:
		var phase string
		if err := txRow(ctx, tx, p, qOffhoursPhase, m.WorkspaceID, m.ConversationID).Scan(&phase); err != nil {
			return Appended{}, mapErr("store: out-of-hours phase", err)
		}
		return Appended{Message: prev, Duplicate: true, Offhours: phase}, nil
	}
	if err := whyRefused(ctx, tx, m); errors.Is(err, ErrNotFound) {
		return Appended{}, err
	}
	return Appended{}, fmt.Errorf("store: client_msg_id %q: %w", m.ClientMsgID, ErrIDTaken)
}

// appendRefused explains an append that changed nothing: a retry, a
// taken id, or the conversation's refusal.
func appendRefused(ctx context.Context, tx *sql.Tx, p *[nQueries]*sql.Stmt, m Message) (Appended, error) {
	out, err := storedBefore(ctx, tx, p, m)
	if errors.Is(err, sql.ErrNoRows) {
		return Appended{}, whyRefused(ctx, tx, m)
	}
	return out, err
}

// rowChange is what a new message changes on its conversation row besides
// the seq: the preview (none for private or system events); the reply
// clock, which a visitor's message starts unless it runs already and an
// agent's public event stops; and the facts analytics read: the first
// response (an agent's first public text or file, and who wrote it) and
// how many texts and files each side wrote.
type rowChange struct {
	preview        string
	waits, answers bool
	responds, says bool // an agent's public text or file; a visitor's
}

func conversationUpdate(m Message) rowChange {
	var c rowChange
	words := m.Kind == KindText || m.Kind == KindFile
	if words && !m.Private {
		c.preview = m.Body // a file's is its name
		if len(c.preview) > previewLen {
			c.preview = truncateUTF8(c.preview, previewLen)
		}
	}
	c.waits, c.answers = m.AuthorType == AuthorVisitor, m.AuthorType == AuthorAgent && !m.Private
	c.responds, c.says = words && c.answers, words && c.waits
	return c
}

// visitorOnly is the visitor a message's conversation must belong to ("":
// any, for agents).
func visitorOnly(m Message) string {
	if m.AuthorType == AuthorVisitor {
		return m.AuthorID
	}
	return ""
}

// whyRefused tells why m's conversation refused it: ErrNotFound when the
// caller may not know it exists, else ErrNotAccepting.
func whyRefused(ctx context.Context, tx *sql.Tx, m Message) error {
	var visitorID string
	err := tx.QueryRowContext(ctx, `SELECT visitor_id FROM conversations WHERE workspace_id = $1 AND id = $2`,
		m.WorkspaceID, m.ConversationID).Scan(&visitorID)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && visitorOnly(m) != "" && visitorID != visitorOnly(m)) {
		return fmt.Errorf("store: conversation %s: %w", m.ConversationID, ErrNotFound)
	}
	if err != nil {
		return mapErr("store: conversation state", err)
	}
	return fmt.Errorf("store: conversation %s: %w", m.ConversationID, ErrNotAccepting)
}

// appendAlone stores m in a transaction of its own: the path a batch falls
// back to when a statement fails inside it.
func (s *Store) appendAlone(ctx context.Context, p *[nQueries]*sql.Stmt, m Message, now time.Time) (Appended, error) {
	for range 2 {
		var out Appended
		err := s.inTx(ctx, "store: append message", func(tx *sql.Tx) error {
			var err error
			if s.dialect == SQLite {
				out, err = appendOneSQLite(ctx, tx, p, m, now)
			} else {
				out, err = appendOne(ctx, tx, p, m, now)
			}
			if err != nil {
				return err
			}
			return s.hookAppended(ctx, tx, p, out)
		})
		if errors.Is(err, ErrConflict) {
			continue // a concurrent insert of the same client_msg_id (another node) won; find it
		}
		if err != nil {
			return Appended{}, err
		}
		return out, nil
	}
	return Appended{}, fmt.Errorf("store: append message: %w", ErrConflict)
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
	rows, err := s.readRows(ctx, qListMessages, workspaceID, conversationID, afterSeq, untilSeq, limit)
	return collect(rows, err, "store: list messages", scanMessage)
}

// truncateUTF8 cuts s to at most n bytes without splitting a rune.
func truncateUTF8(s string, n int) string {
	if n >= len(s) {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
