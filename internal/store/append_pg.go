package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// pgAppend is appendOne as one PostgreSQL statement, so that a batch of
// appends can be pipelined: BEGIN, one pgAppend per message and COMMIT
// go to the server together and come back in one round trip, instead of
// three round trips per message plus BEGIN and COMMIT.
//
// It keeps appendOne's steps and rules. prev is the idempotency lookup.
// upd is qNextSeq with its status and owner checks, and runs only when
// prev found nothing. ins stores the message with the seq upd returned.
// A later statement of the same transaction sees the rows an earlier
// one inserted, so a retry later in the batch finds its original in
// prev. All three share the statement's snapshot; upd waits for the
// conversation's row lock like qNextSeq does, and a client_msg_id that
// a concurrent transaction stored meanwhile fails ins with a unique
// violation, which fails the batch (see appender) as in appendOne.
//
// It answers with at most one row: "new" with the seq, the
// conversation's visitor, its assignee ("" for none), its ticket and its
// out-of-hours phase; "prev" with the stored message, the
// conversation's visitor and its out-of-hours phase; "none" (nothing changed: status or owner
// refused it) with the conversation's visitor. No row: no such
// conversation in the workspace. Unused columns are typed blanks.
//
// Parameters: $1 workspace, $2 conversation, $3 client_msg_id, $4 now
// (ms), $5 preview, $6 starts the reply clock, $7 stops it, $8 the
// visitor the conversation must belong to ("" for agents), $9 message
// id, $10 kind, $11 author type, $12 author id, $13 author name,
// $14 body, $15 private, $16 meta, $17 an agent's response, $18 a
// visitor's words (rowChange).
var pgAppend = `WITH prev AS (
	SELECT ` + messageColumns + ` FROM messages
	WHERE conversation_id = $2 AND client_msg_id = $3 AND workspace_id = $1
), cur AS (
	SELECT visitor_id, offhours_phase FROM conversations WHERE workspace_id = $1 AND id = $2
), upd AS (
	UPDATE conversations SET last_seq = last_seq + 1, updated_at = $4,
		last_activity_at = $4, last_message = CASE WHEN $5 = '' THEN last_message ELSE $5 END,
		awaiting_reply_since = CASE WHEN $6 THEN COALESCE(awaiting_reply_since, $4)
			WHEN $7 THEN NULL ELSE awaiting_reply_since END,
		` + factsPG + `
	WHERE workspace_id = $1 AND id = $2 AND status <> 'closed'
		AND ($8 = '' OR (visitor_id = $8 AND status NOT IN ('pending', 'snoozed')))
		AND NOT EXISTS (SELECT 1 FROM prev)
	RETURNING last_seq, visitor_id, COALESCE(assignee_id, '') AS assignee, COALESCE(ticket_id, '') AS ticket_id,
		offhours_phase
), ins AS (
	INSERT INTO messages (` + messageColumns + `)
	SELECT $9::text, $1, $2, last_seq, $3, $10::text, $11::text, $12::text, $13::text, $14::text, $4,
		$15::boolean, $16::text FROM upd
	RETURNING seq
)
SELECT 'new', upd.visitor_id, upd.assignee, upd.ticket_id, upd.offhours_phase, '', '', '', ins.seq, '', '', '', '', '', '', 0::bigint, false, '' FROM ins, upd
UNION ALL
SELECT 'prev', (SELECT visitor_id FROM cur), '', '', (SELECT offhours_phase FROM cur), prev.* FROM prev
UNION ALL
SELECT 'none', cur.visitor_id, '', '', '', '', '', '', 0::bigint, '', '', '', '', '', '', 0::bigint, false, '' FROM cur
	WHERE NOT EXISTS (SELECT 1 FROM prev) AND NOT EXISTS (SELECT 1 FROM ins)`

// pgPending is one message of a batch, ready to send.
type pgPending struct {
	m    Message // with its new ID and CreatedAt
	args []any
	// hook: an endpoint takes message.created, and pgHookMessage follows
	// the message in the batch.
	hook bool
}

// storeBatchPostgres stores live (sorted by conversation) in one
// transaction sent as one pipeline, and sets each request's result. It
// returns an error, having set no result, when the batch as a whole
// failed: then nothing of it was committed (as far as the server told
// before the failure), and the caller stores the messages one by one.
func (a *appender) storeBatchPostgres(ctx context.Context, live []*appendReq) error {
	pend := make([]pgPending, len(live))
	for i, r := range live {
		p, err := pgPrepare(r.m, r.now)
		if err != nil {
			return err // as appendOne would: nothing sent, one by one instead
		}
		if p.hook, err = a.s.hooks.wants(ctx, a.s, r.m.WorkspaceID, EventMessageCreated); err != nil {
			return err
		}
		pend[i] = p
	}
	b := &pgx.Batch{QueuedQueries: make([]*pgx.QueuedQuery, 0, len(pend)+2)}
	b.Queue("BEGIN")
	for _, p := range pend {
		b.Queue(pgAppend, p.args...)
		if p.hook {
			b.Queue(pgHookMessage, NewID(), p.m.WorkspaceID, p.m.ConversationID, p.m.ID, millis(p.m.CreatedAt),
				millis(p.m.CreatedAt.Add(hookDeadline)), p.m.ClientMsgID)
		}
	}
	b.Queue("COMMIT")

	res := make([]appendResult, len(live))
	err := pgPipeline(ctx, a.s, b, func(br pgx.BatchResults) error { return readPgBatch(br, pend, res) })
	if err != nil {
		return mapErr("store: append messages", err)
	}
	for i, r := range live {
		r.res = res[i]
	}
	return nil
}

// readPgBatch reads the results of BEGIN, each pgAppend and COMMIT into
// res. Only an error of the batch as a whole is returned; each message's
// own outcome goes to its res.
func readPgBatch(br pgx.BatchResults, pend []pgPending, res []appendResult) error {
	if _, err := br.Exec(); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	for i, p := range pend {
		if err := readPgOne(br, p, &res[i]); err != nil {
			return err
		}
		if p.hook {
			if _, err := br.Exec(); err != nil {
				return fmt.Errorf("webhook event: %w", err)
			}
		}
	}
	return pgCommitted(br)
}

// readPgOne reads one pgAppend's result into res; only an error of the
// batch as a whole is returned.
func readPgOne(br pgx.BatchResults, p pgPending, res *appendResult) error {
	var (
		visitor                         *string
		kind, assignee, ticketID, phase string
	)
	row := &leading{row: br.QueryRow(), cols: []any{&kind, &visitor, &assignee, &ticketID, &phase}}
	prev, err := scanMessage(row)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		res.err = fmt.Errorf("store: conversation %s: %w", p.m.ConversationID, ErrNotFound)
		return nil
	case err != nil && row.scanned && kind == "prev":
		// The row arrived but the stored message's meta does not
		// decode. Nothing was changed for this message: it fails
		// alone, as it would on its own (appendAlone).
		res.err = mapErr("store: message by client id", err)
		return nil
	case err != nil:
		// A statement failed (the server skips the rest, COMMIT
		// included), or the connection did. Scanning cannot fail
		// otherwise: pgAppend fixes every column's type.
		return err
	}
	m := p.m
	switch kind {
	case "new":
		m.Seq = prev.Seq
		res.Appended = Appended{Message: m, VisitorID: deref(visitor), AssigneeID: assignee, Unassigned: assignee == "", TicketID: ticketID, Offhours: phase}
	case "prev":
		if prev.AuthorType == m.AuthorType && prev.AuthorID == m.AuthorID {
			res.Appended = Appended{Message: prev, Duplicate: true, Offhours: phase}
		} else if refused := pgRefusal(m, visitor); errors.Is(refused, ErrNotFound) {
			res.err = refused // a visitor learns nothing of another's conversation
		} else {
			res.err = fmt.Errorf("store: client_msg_id %q: %w", m.ClientMsgID, ErrIDTaken)
		}
	case "none":
		res.err = pgRefusal(m, visitor)
	default:
		return fmt.Errorf("store: append message: unexpected outcome %q", kind)
	}
	return nil
}

// pgPipeline sends b (a transaction: BEGIN, statements, COMMIT) as one
// pipeline and hands its results to read. The pipeline runs on the raw
// *pgx.Conn under one connection of the write pool, held through
// (*sql.Conn).Raw: no *sql.Tx is open on it, and the connection goes
// back to the pool outside any transaction (or is discarded).
func pgPipeline(ctx context.Context, s *Store, b *pgx.Batch, read func(pgx.BatchResults) error) error {
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("driver connection is %T, not pgx", dc)
		}
		pc := sc.Conn()
		br := pc.SendBatch(ctx, b)
		err := read(br)
		err = errors.Join(err, br.Close())
		if err == nil {
			return nil
		}
		// A failed statement makes the server skip the rest up to the
		// pipeline's end, COMMIT included, and leaves the transaction
		// aborted: roll it back so the connection goes back clean.
		if pc.IsClosed() {
			return errors.Join(err, driver.ErrBadConn)
		}
		if pc.PgConn().TxStatus() != 'I' {
			if _, rerr := pc.Exec(ctx, "ROLLBACK"); rerr != nil {
				return errors.Join(err, rerr, driver.ErrBadConn) // discard the connection
			}
		}
		return err
	})
}

// pgCommitted reads a pipeline's COMMIT.
func pgCommitted(br pgx.BatchResults) error {
	tag, err := br.Exec()
	if err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if tag.String() != "COMMIT" {
		return fmt.Errorf("commit: transaction rolled back (%s)", tag)
	}
	return nil
}

// pgPrepare gives m its id and time and builds pgAppend's arguments, as
// appendOne does before its statements.
func pgPrepare(m Message, now time.Time) (pgPending, error) {
	meta, err := encodeMeta(m)
	if err != nil {
		return pgPending{}, err
	}
	m.ID, m.CreatedAt = NewID(), stored(now)
	ch := conversationUpdate(m)
	args := []any{m.WorkspaceID, m.ConversationID, m.ClientMsgID, millis(now), ch.preview, ch.waits, ch.answers, visitorOnly(m),
		m.ID, m.Kind, m.AuthorType, m.AuthorID, m.AuthorName, m.Body, m.Private, meta, ch.responds, ch.says}
	return pgPending{m: m, args: args}, nil
}

// pgRefusal is whyRefused from the conversation's visitor as pgAppend
// read it (nil: no such conversation in the workspace).
func pgRefusal(m Message, visitor *string) error {
	if visitor == nil || (visitorOnly(m) != "" && *visitor != visitorOnly(m)) {
		return fmt.Errorf("store: conversation %s: %w", m.ConversationID, ErrNotFound)
	}
	return fmt.Errorf("store: conversation %s: %w", m.ConversationID, ErrNotAccepting)
}

// leading scans a row's first columns into cols and the rest into what
// Scan is given (pgAppend's outcome and visitor, pgReceipt's flags, then
// the columns a scan function asks for); scanned tells whether the row
// itself was read.
type leading struct {
	row     pgx.Row
	cols    []any
	scanned bool
}

func (l *leading) Scan(dest ...any) error {
	err := l.row.Scan(append(l.cols, dest...)...)
	l.scanned = err == nil
	return err
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
