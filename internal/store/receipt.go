package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// A Receipt is one side's report on a conversation: its device has
// received the messages up to Seq (delivered), or shown them (seen, which
// carries delivery with it). Every message a client receives is answered
// with one, so they come as often as messages do and are committed in
// groups, as messages are (see receipter).
type Receipt struct {
	WorkspaceID    string
	ConversationID string
	// Visitor: the visitor's side; otherwise the agents'.
	Visitor bool
	// Seen: shown on screen; otherwise only delivered.
	Seen bool
	// AgentID, for an agent's seen: that agent's own read marker (what
	// its unread counts and its other desks follow) moves too.
	AgentID string
	Seq     int64
	// Owner, when set, is the visitor the conversation must belong to
	// (a widget's receipt): another visitor's is ErrNotFound.
	Owner string
	// Assignee, when set, is the agent the conversation must be assigned
	// to (a desk's delivered): otherwise ErrNotAssignee.
	Assignee string
}

// ErrNotAssignee refuses a receipt whose conversation is not assigned to
// Receipt.Assignee; nothing changed.
var ErrNotAssignee = errors.New("store: the conversation is assigned to another agent")

// Receipted is what a Receipt moved. A marker never moves back nor past
// the conversation's last seq, so a late or repeated receipt moves
// nothing.
type Receipted struct {
	// Moved: the conversation's marker of the side moved; Conversation is
	// the row after the move.
	Moved        bool
	Conversation Conversation
	// ReadMoved: the agent's own read marker moved (Receipt.AgentID).
	ReadMoved bool
	// ReadSeq is where the agent's read marker stands after the
	// receipt.
	ReadSeq int64
}

// Receive applies a receipt. An unknown conversation or agent of the
// workspace, or a conversation of another visitor than the Owner, is
// ErrNotFound; one not assigned to the Assignee is ErrNotAssignee.
// Either changes nothing. The receipt needs no read before it: the
// checks are in its statements.
func (s *Store) Receive(ctx context.Context, r Receipt, now time.Time) (Receipted, error) {
	if r.AgentID != "" && (r.Owner != "" || r.Assignee != "" || r.Visitor || !r.Seen) {
		// An agent's read marker is written before the Owner and Assignee
		// checks could refuse the receipt: never both in one.
		return Receipted{}, errors.New("store: receipt: AgentID is for an agent's seen alone")
	}
	return submit(ctx, &s.receipter.committers, "store: receipt", receiptIn{r: r, now: now})
}

// maxSideBatch bounds a transaction of the committers beside the
// message appender (receipts, heartbeats). On SQLite it holds the one
// write connection, and messages wait behind it: 64 receipts take about
// 4 ms there, which bounds what they add to a message's latency.
const maxSideBatch = 64

// receipter group-commits receipts: one transaction for every receipt
// that queued while the last one committed, where a transaction each made
// them the SQLite writer's main cost (a chat at 2,500 msg/s with receipts
// queued for seconds; docs/benchmarks.md). As many committers as the
// appender has (SQLite one, PostgreSQL a few, whose round trips overlap);
// a batch takes its row locks in conversation order (an agent's read
// marker, then the conversation) as the appender does, so no two batches
// deadlock on PostgreSQL.
type receipter struct {
	committers[*receiptCall]
	s *Store
}

// receiptCall is one Receive.
type receiptCall = call[receiptIn, Receipted]

type receiptIn struct {
	r   Receipt
	now time.Time
}

func startReceipter(s *Store, n int) *receipter {
	p := &receipter{committers: newCommitters[*receiptCall](), s: s}
	startCalls(&p.committers, n, maxSideBatch, p.commit)
	return p
}

// commit applies a batch in one transaction. A receipt that refuses only
// itself (an unknown conversation) fails its own caller; any other error
// rolls the batch back and applies each receipt alone.
func (p *receipter) commit(batch []*receiptCall) {
	live := wantedCalls(batch, "store: receipt")
	if len(live) == 0 {
		return
	}
	ctx, cancel := batchContext()
	defer cancel()
	slices.SortStableFunc(live, func(x, y *receiptCall) int {
		return cmp.Or(cmp.Compare(x.in.r.ConversationID, y.in.r.ConversationID), cmp.Compare(x.in.r.AgentID, y.in.r.AgentID))
	})
	if p.s.dialect == Postgres && p.commitPostgres(ctx, live) == nil {
		return
	}
	stmts := p.s.writeStmts.prepared(ctx) // outside the transaction: SQLite's write pool has one connection
	inBatch(ctx, p.s, "store: receipts", live, refusesReceipt, func(tx *sql.Tx, q *receiptCall) error {
		q.out, q.err = applyReceipt(ctx, tx, stmts, p.s.dialect == Postgres, q.in.r, q.in.now)
		return q.err
	}, func(q *receiptCall, err error) { q.out, q.err = Receipted{}, err })
}

// refusesReceipt tells the errors that fail one receipt of a batch, not
// the batch.
func refusesReceipt(err error) bool {
	return errors.Is(err, ErrNotFound) || errors.Is(err, ErrNotAssignee)
}

// receiptUpdate is the statement that moves a side's seen (and with it
// delivered) or delivered marker to $3, when the marker is behind both $3
// and the last seq, the conversation is the visitor $4's (unless "") and
// assigned to the agent $5 (unless ""), and the condition also holds
// (when not ""); it returns the row.
func receiptUpdate(visitor, seen bool, also string) string {
	seenCol, delivered := receiptColumns(visitor)
	col, set := delivered, delivered+` = `+boundedSeq
	if seen {
		col, set = seenCol, seenCol+` = `+boundedSeq+`, `+
			delivered+` = CASE WHEN `+delivered+` > `+boundedSeq+` THEN `+delivered+` ELSE `+boundedSeq+` END`
	}
	return `UPDATE conversations SET ` + set + `
		WHERE workspace_id = $1 AND id = $2 AND ` + col + ` < $3 AND ` + col + ` < last_seq
			AND ($4 = '' OR visitor_id = $4) AND ($5 = '' OR assignee_id = $5)` + also + `
		RETURNING ` + conversationColumns
}

// receiptQuery picks r's receiptUpdate among the hot statements.
func receiptQuery(r Receipt) int {
	switch {
	case r.Visitor && r.Seen:
		return qReceiptVisitorSeen
	case r.Visitor:
		return qReceiptVisitorDelivered
	case r.Seen:
		return qReceiptAgentSeen
	}
	return qReceiptAgentDelivered
}

// refused tells why a receipt that moved nothing on c was refused, if it
// was.
func (r Receipt) refused(c Conversation) error {
	if r.Owner != "" && c.VisitorID != r.Owner {
		return fmt.Errorf("store: receipt: conversation %s: %w", r.ConversationID, ErrNotFound)
	}
	if r.Assignee != "" && c.AssigneeID != r.Assignee {
		return fmt.Errorf("store: receipt: conversation %s: %w", r.ConversationID, ErrNotAssignee)
	}
	return nil
}

// applyReceipt moves the markers r names, in tx (p: the prepared hot
// statements, or nil). On PostgreSQL (lock) the conversation's row is
// locked first, as pgReceipt and the appender lock it: an agent's read
// marker locked before it would let two batches wait on each other.
func applyReceipt(ctx context.Context, tx *sql.Tx, p *[nQueries]*sql.Stmt, lock bool, r Receipt, now time.Time) (Receipted, error) {
	var out Receipted
	if lock {
		if _, err := tx.ExecContext(ctx, `SELECT 1 FROM conversations WHERE workspace_id = $1 AND id = $2 FOR NO KEY UPDATE`,
			r.WorkspaceID, r.ConversationID); err != nil {
			return Receipted{}, mapErr("store: receipt", err)
		}
	}
	if r.Seen && !r.Visitor && r.AgentID != "" {
		res, err := txExec(ctx, tx, p, qMarkRead, r.WorkspaceID, r.AgentID, r.ConversationID, r.Seq, millis(now))
		n, err := affected(res, err)
		if err != nil {
			return Receipted{}, mapErr("store: mark read", err)
		}
		if n == 0 { // not moved, or no such agent or conversation here: tell which
			var one int
			err := txRow(ctx, tx, p, qAgentSeesConversation, r.WorkspaceID, r.AgentID, r.ConversationID).Scan(&one)
			if err != nil {
				return Receipted{}, mapErr("store: mark read", err)
			}
		}
		out.ReadMoved = n > 0
	}
	c, err := scanConversation(txRow(ctx, tx, p, receiptQuery(r), r.WorkspaceID, r.ConversationID, r.Seq, r.Owner, r.Assignee))
	switch {
	case err == nil:
		out.Moved, out.Conversation = true, c
	case errors.Is(err, sql.ErrNoRows):
		// Not moved, or refused: tell which.
		c, err = scanConversation(txRow(ctx, tx, p, qGetConversation, r.WorkspaceID, r.ConversationID))
		if err != nil {
			return Receipted{}, mapErr("store: receipt", err)
		}
		if err := r.refused(c); err != nil {
			return Receipted{}, err
		}
		out.Conversation = c
	default:
		return Receipted{}, mapErr("store: receipt", err)
	}
	if out.ReadMoved {
		out.ReadSeq = min(r.Seq, c.LastSeq)
	}
	return out, nil
}

// pgReceipt is applyReceipt as one PostgreSQL statement, so that a batch
// of receipts goes to the server as one pipeline (BEGIN, a pgReceipt per
// receipt, COMMIT) in one round trip: one at a time, their round trips
// left a chat with receipts at 2,500 msg/s queued for seconds.
//
// conv locks the conversation's row first, as the appender and
// applyReceipt do: rd and upd both read it, so it runs before rd takes
// the read marker's row (a fixed lock order, no deadlock between
// batches), and before upd changes the row (a row this statement has
// already changed would be skipped by the lock, and rd would see none). rd moves
// the agent's read marker ($6; none when ""), upd the conversation's
// marker (receiptUpdate's), unless $6 names no agent of the workspace:
// then nothing changes. It answers with
// one row: whether upd moved, the read marker rd set (NULL: not moved),
// whether the agent is one of the workspace's, then the conversation's
// columns (after the move, or as they were). No row: no such
// conversation in the workspace. Parameters: $1 workspace, $2
// conversation, $3 seq, $4 owner, $5 assignee (receiptUpdate's), $6
// agent or "", $7 now (ms).
func pgReceipt(visitor, seen bool) string {
	return `WITH conv AS (
	SELECT id, last_seq FROM conversations WHERE workspace_id = $1 AND id = $2 FOR NO KEY UPDATE
), agent AS (
	SELECT $6 = '' OR EXISTS (SELECT 1 FROM agents WHERE workspace_id = $1 AND id = $6) AS known
), rd AS (
	INSERT INTO agent_reads (workspace_id, agent_id, conversation_id, seq, updated_at)
	SELECT $1, a.id, c.id, LEAST($3, c.last_seq), $7
	FROM conv c, agents a
	WHERE $6 <> '' AND a.workspace_id = $1 AND a.id = $6
	ON CONFLICT (agent_id, conversation_id) DO UPDATE SET seq = excluded.seq, updated_at = excluded.updated_at
		WHERE agent_reads.seq < excluded.seq
	RETURNING seq
), upd AS (` + receiptUpdate(visitor, seen, ` AND (SELECT known FROM agent) AND id IN (SELECT id FROM conv)`) + `
)
SELECT true, (SELECT seq FROM rd), agent.known, upd.* FROM upd, agent
UNION ALL
SELECT false, (SELECT seq FROM rd), agent.known, ` + conversationColumns + ` FROM conversations, agent
	WHERE workspace_id = $1 AND id = $2 AND NOT EXISTS (SELECT 1 FROM upd)`
}

// pgReceipts holds the four pgReceipt statements, by receiptQuery's
// numbering relative to qReceiptVisitorDelivered.
var pgReceipts = [4]string{
	pgReceipt(true, false), pgReceipt(true, true), pgReceipt(false, false), pgReceipt(false, true),
}

// commitPostgres applies live (sorted) in one pipelined transaction and
// sets each request's outcome; an error means the batch as a whole
// failed and set nothing.
func (p *receipter) commitPostgres(ctx context.Context, live []*receiptCall) error {
	b := &pgx.Batch{QueuedQueries: make([]*pgx.QueuedQuery, 0, len(live)+2)}
	b.Queue("BEGIN")
	for _, q := range live {
		agent := ""
		if q.in.r.Seen && !q.in.r.Visitor {
			agent = q.in.r.AgentID
		}
		b.Queue(pgReceipts[receiptQuery(q.in.r)-qReceiptVisitorDelivered], q.in.r.WorkspaceID, q.in.r.ConversationID, q.in.r.Seq,
			q.in.r.Owner, q.in.r.Assignee, agent, millis(q.in.now))
	}
	b.Queue("COMMIT")
	outs := make([]Receipted, len(live))
	errs := make([]error, len(live))
	err := pgPipeline(ctx, p.s, b, func(br pgx.BatchResults) error {
		if _, err := br.Exec(); err != nil {
			return fmt.Errorf("begin: %w", err)
		}
		for i := range live {
			var (
				out   Receipted
				read  *int64
				known bool
			)
			c, err := scanConversation(&leading{row: br.QueryRow(), cols: []any{&out.Moved, &read, &known}})
			switch {
			case errors.Is(err, pgx.ErrNoRows):
				errs[i] = fmt.Errorf("store: receipt: conversation %s: %w", live[i].in.r.ConversationID, ErrNotFound)
				continue
			case err != nil:
				return err
			case !known:
				errs[i] = fmt.Errorf("store: receipt: agent %s: %w", live[i].in.r.AgentID, ErrNotFound)
				continue
			case !out.Moved:
				if errs[i] = live[i].in.r.refused(c); errs[i] != nil {
					continue
				}
			}
			out.Conversation = c
			if read != nil {
				out.ReadMoved, out.ReadSeq = true, *read
			}
			outs[i] = out
		}
		return pgCommitted(br)
	})
	if err != nil {
		return mapErr("store: receipts", err)
	}
	for i, q := range live {
		q.out, q.err = outs[i], errs[i]
	}
	return nil
}
