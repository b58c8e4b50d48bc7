package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// maxBatch bounds how many appends share one transaction: large enough to
// amortize a commit (a WAL append and fsync on SQLite, a round trip and a
// WAL flush on PostgreSQL) over many messages, small enough that the
// first caller of a batch is not held long behind the others.
const maxBatch = 512

// appender group-commits AppendMessage calls. Callers hand their message
// to a committer goroutine over an unbuffered channel; a committer takes
// one, then every other caller already waiting (up to maxBatch), stores
// them all in one transaction and answers each caller with its own
// result after COMMIT. SQLite has one committer (it has one writer
// anyway); PostgreSQL has a few, so that round trips overlap.
//
// Each message keeps its own checks in the shared transaction: the
// idempotency lookup (which sees the batch's earlier inserts, so a retry
// in the same batch is answered as a duplicate), then the seq update and
// the insert. An unknown conversation or a taken client_msg_id changes
// nothing and fails only its own caller. Any other statement error rolls
// the batch back and stores each of its messages in a transaction of its
// own, so one bad message never fails the others.
//
// On PostgreSQL a batch locks conversation rows in id order, so two
// batches (on one node or two) cannot deadlock on each other.
type appender struct {
	committers[*appendReq]
	s *Store

	// Admission (see admit): the appends waiting for a committer, and how
	// long the recent ones waited before a committer took them (an EWMA, in
	// nanoseconds).
	budget  time.Duration // 0: admit everything
	waiting atomic.Int64
	sojourn atomic.Int64
	// refusing is the share of recent appends refused at the door (an
	// EWMA in millionths): under a storm of retries it rises, and the
	// wait clients are told grows with it (retryAfter).
	refusing atomic.Int64
}

// ErrBusy refuses an append while the appends ahead of it are waiting
// longer than the store's latency budget (Options.AppendBudget): under
// overload the store keeps the latency of what it accepts bounded and
// answers the rest at once, instead of queueing for seconds. Nothing was
// stored; the same message may be sent again later.
var ErrBusy = errors.New("store: busy")

// admit reports whether an append may join the queue. The signal is the
// queueing delay itself, as CoDel uses it: how long recent appends waited
// for a committer, whatever the disk, the batch sizes or the CPU make that
// cost. An empty queue always admits, so the estimate can never lock the
// door for good: the appends it then lets in wait little, and pull the
// estimate back down.
func (a *appender) admit() bool {
	return a.budget <= 0 || a.waiting.Load() == 0 || time.Duration(a.sojourn.Load()) <= a.budget
}

// retryAfter is how long a refused append should wait before it is sent
// again: four times what the queue makes appends wait now (at least
// 250 ms), stretched by how many are being refused, up to 30 s. Told to
// clients, it spreads their retries over the time the queue needs to
// drain instead of bringing them back at once.
func (a *appender) retryAfter() time.Duration {
	base := min(max(4*time.Duration(a.sojourn.Load()), 250*time.Millisecond), 30*time.Second) // bounded before it is scaled
	// With a share p of the appends refused, retries come back 1/(1-p)
	// times slower: when nine in ten are refused (clients retrying
	// faster than the store drains), ten times the wait.
	kept := max(1_000_000-a.refusing.Load(), 30_000) // at most ~33 times
	return min(base*1_000_000/time.Duration(kept), 30*time.Second)
}

// admitted folds one decision at the door into refusing (weight 1/64: a
// second of traffic at a few thousand appends a second, not one burst).
func (a *appender) admitted(ok bool) {
	x := int64(0)
	if !ok {
		x = 1_000_000
	}
	for {
		old := a.refusing.Load()
		if a.refusing.CompareAndSwap(old, old+(x-old)/64) {
			return
		}
	}
}

// RetryAfter is how long a message refused with ErrBusy should wait
// before it is sent again (see appender.retryAfter).
func (s *Store) RetryAfter() time.Duration { return s.appender.retryAfter() }

// waited folds one append's wait into the EWMA (weight 1/8: it follows a
// change of load within a batch or two, not one slow fsync).
func (a *appender) waited(d time.Duration) {
	for {
		old := a.sojourn.Load()
		next := old + (int64(d)-old)/8
		if a.sojourn.CompareAndSwap(old, next) {
			return
		}
	}
}

type appendReq struct {
	ctx    context.Context
	m      Message
	now    time.Time
	queued time.Time // when it began to wait for a committer
	res    appendResult
	done   chan struct{}
}

type appendResult struct {
	Appended
	err error
}

// errStoreClosed answers appends made after Close.
var errStoreClosed = errors.New("store: closed")

func startAppender(s *Store, n int, budget time.Duration) *appender {
	a := &appender{committers: newCommitters[*appendReq](), s: s, budget: budget}
	a.start(n, maxBatch, func(r *appendReq) { a.waited(time.Since(r.queued)) }, a.commit, func(r *appendReq) { close(r.done) })
	return a
}

// do stores m through a committer and waits for the outcome, which comes
// only after the COMMIT that stored m (or after a failure).
func (a *appender) do(ctx context.Context, m Message, now time.Time) appendResult {
	ok := a.admit()
	if a.budget > 0 {
		a.admitted(ok)
	}
	if !ok {
		return appendResult{err: ErrBusy}
	}
	r := &appendReq{ctx: ctx, m: m, now: now, done: make(chan struct{}), queued: time.Now()}
	a.waiting.Add(1)
	select {
	case a.reqs <- r:
		a.waiting.Add(-1)
	case <-a.quit:
		a.waiting.Add(-1)
		return appendResult{err: errStoreClosed}
	case <-ctx.Done():
		a.waiting.Add(-1)
		return appendResult{err: fmt.Errorf("store: append message: %w", ctx.Err())}
	}
	// Once handed over the message may be stored: wait for the answer
	// even if ctx ends, so that a success is never reported as a failure.
	<-r.done
	return r.res
}

// commit stores a batch and sets every request's result.
func (a *appender) commit(batch []*appendReq) {
	live := stillWanted(batch, func(r *appendReq) context.Context { return r.ctx },
		func(r *appendReq, err error) { r.res.err = fmt.Errorf("store: append message: %w", err) }) // never stored
	if len(live) == 0 {
		return
	}
	// The batch serves several callers: no single caller's cancellation
	// may abort it.
	ctx := context.Background()
	slices.SortStableFunc(live, func(x, y *appendReq) int { return cmp.Compare(x.m.ConversationID, y.m.ConversationID) })
	q := a.s.writeStmts.prepared(ctx) // outside the transaction: SQLite's write pool has one connection
	var err error
	if a.s.dialect == Postgres {
		// The same steps and rules, the whole batch in one round trip.
		err = a.storeBatchPostgres(ctx, live)
	} else {
		err = a.s.inTx(ctx, "store: append messages", func(tx *sql.Tx) error {
			for _, r := range live {
				out, err := appendOneSQLite(ctx, tx, q, r.m, r.now)
				if err != nil && !refusesOne(err) {
					return err // tx state unknown: roll back, then one by one
				}
				if err == nil {
					if err := a.s.hookAppended(ctx, tx, q, out); err != nil {
						return err
					}
				}
				r.res = appendResult{Appended: out, err: err}
			}
			return nil
		})
	}
	if err == nil {
		return
	}
	for _, r := range live {
		r.res.Appended, r.res.err = a.s.appendAlone(ctx, q, r.m, r.now)
	}
}

// Hot statements, prepared once per connection instead of parsed on
// every call (15–21 % of server CPU on SQLite before; see
// docs/benchmarks.md).
const (
	qMessageByClientID = iota
	qNextSeq
	qInsertMessage
	qGetConversation
	qGetVisitor
	qGetWorkspace
	qInsertNextSQLite
	qSetSeqSQLite
	qVisitorByToken
	qListMessages
	qVisitorConversations
	qBlocked
	qReceiptVisitorDelivered
	qReceiptVisitorSeen
	qReceiptAgentDelivered
	qReceiptAgentSeen
	qMarkRead
	qAgentSeesConversation
	qTouchVisitor
	qHookEvent
	qHookDeliveries
	qPublicTicketsVisitor
	qPublicTicketsContact
	qOffhoursPhase
	qSetVisitorIP
	nQueries
)

// facts is the SET clause of the facts a message adds to its
// conversation (rowChange): when the visitor first wrote, the first
// answer after that (its time, now, and author), and the count of each
// side's words. responds and says are booleans.
func facts(now, responds, says, author string) string {
	// An answer answers the visitor: an agent's words before the visitor
	// wrote anything (a proactive chat's invitation) are none.
	answers := responds + ` AND first_response_at IS NULL AND first_visitor_at IS NOT NULL`
	return `first_visitor_at = CASE WHEN ` + says + ` AND first_visitor_at IS NULL THEN ` + now + ` ELSE first_visitor_at END,
		first_response_at = CASE WHEN ` + answers + ` THEN ` + now + ` ELSE first_response_at END,
		first_responder_id = CASE WHEN ` + answers + ` THEN ` + author + ` ELSE first_responder_id END,
		agent_messages = agent_messages + CASE WHEN ` + responds + ` THEN 1 ELSE 0 END,
		visitor_messages = visitor_messages + CASE WHEN ` + says + ` THEN 1 ELSE 0 END,
		last_visitor_at = CASE WHEN ` + says + ` THEN ` + now + ` ELSE last_visitor_at END`
}

// factsPG is facts in pgAppend's parameters, typed for PostgreSQL.
var factsPG = facts("$4", "$17::boolean", "$18::boolean", "$12::text")

var hotQueries = [nQueries]string{
	qMessageByClientID: `SELECT ` + messageColumns + ` FROM messages
		WHERE conversation_id = $1 AND client_msg_id = $2 AND workspace_id = $3`,
	qNextSeq: `UPDATE conversations SET last_seq = last_seq + 1, updated_at = $3,
		last_activity_at = $3, last_message = CASE WHEN $4 = '' THEN last_message ELSE $4 END,
		awaiting_reply_since = CASE WHEN $5 THEN COALESCE(awaiting_reply_since, $3)
			WHEN $6 THEN NULL ELSE awaiting_reply_since END,
		` + facts("$3", "$8", "$9", "$10") + `
		WHERE workspace_id = $1 AND id = $2 AND status <> 'closed'
			AND ($7 = '' OR (visitor_id = $7 AND status NOT IN ('pending', 'snoozed')))
		RETURNING last_seq, visitor_id, COALESCE(assignee_id, ''), COALESCE(ticket_id, ''), offhours_phase`,
	qInsertMessage: `INSERT INTO messages (` + messageColumns + `)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
	qGetConversation: `SELECT ` + conversationColumns + ` FROM conversations WHERE workspace_id = $1 AND id = $2`,
	qGetVisitor:      `SELECT ` + visitorColumns + ` FROM visitors WHERE workspace_id = $1 AND id = $2`,
	qGetWorkspace:    `SELECT id, name, settings, created_at, updated_at FROM workspaces WHERE id = $1`,
	// SQLite's appendOneSQLite: the insert with qNextSeq's checks, then the
	// row's update (see there).
	qInsertNextSQLite: `INSERT INTO messages (` + messageColumns + `)
		SELECT $1, workspace_id, id, last_seq + 1, $4, $5, $6, $7, $8, $9, $10, $11, $12 FROM conversations
		WHERE workspace_id = $2 AND id = $3 AND status <> 'closed'
			AND ($13 = '' OR (visitor_id = $13 AND status NOT IN ('pending', 'snoozed')))
		ON CONFLICT (conversation_id, client_msg_id) DO NOTHING
		RETURNING seq`,
	qSetSeqSQLite: `UPDATE conversations SET last_seq = $3, updated_at = $4,
		last_activity_at = $4, last_message = CASE WHEN $5 = '' THEN last_message ELSE $5 END,
		awaiting_reply_since = CASE WHEN $6 THEN COALESCE(awaiting_reply_since, $4)
			WHEN $7 THEN NULL ELSE awaiting_reply_since END,
		` + facts("$4", "$8", "$9", "$10") + `
		WHERE workspace_id = $1 AND id = $2 RETURNING visitor_id, COALESCE(assignee_id, ''), COALESCE(ticket_id, ''), offhours_phase`,
	// A returning visitor's new address (addresser).
	qSetVisitorIP: `UPDATE visitors SET ip = $3 WHERE workspace_id = $1 AND id = $2 AND ip <> $3`,
	// A retried message's answer check (storedBefore).
	qOffhoursPhase: `SELECT offhours_phase FROM conversations WHERE workspace_id = $1 AND id = $2`,
	// What a widget's resume reads (storm: 10,000 of each at once).
	qVisitorByToken: `SELECT ` + visitorColumns + ` FROM visitors WHERE site_id = $1 AND token_hash = $2`,
	qListMessages: `SELECT ` + messageColumns + ` FROM messages
		WHERE workspace_id = $1 AND conversation_id = $2 AND seq > $3 AND seq <= $4 ORDER BY seq LIMIT $5`,
	qVisitorConversations: `SELECT ` + conversationColumns + ` FROM conversations WHERE workspace_id = $1 AND visitor_id = $2
		ORDER BY last_activity_at DESC, id DESC LIMIT $3`,
	// Every widget hello asks it, once or twice (storm: 15 % of the
	// server's CPU when it was parsed per call).
	// Three probes of the whole key: one condition with ORs read every
	// block of the workspace.
	qBlocked: `SELECT CASE WHEN
		EXISTS (SELECT 1 FROM blocks WHERE workspace_id = $1 AND kind = 'visitor' AND value = $2) OR
		EXISTS (SELECT 1 FROM blocks WHERE workspace_id = $1 AND kind = 'ip' AND value = $3) OR
		EXISTS (SELECT 1 FROM blocks WHERE workspace_id = $1 AND kind = 'contact' AND value = $4)
		THEN 1 ELSE 0 END`,
	// Receipts come as often as messages (see receipter).
	qReceiptVisitorDelivered: receiptUpdate(true, false, ""),
	qReceiptVisitorSeen:      receiptUpdate(true, true, ""),
	qReceiptAgentDelivered:   receiptUpdate(false, false, ""),
	qReceiptAgentSeen:        receiptUpdate(false, true, ""),
	qMarkRead: `INSERT INTO agent_reads (workspace_id, agent_id, conversation_id, seq, updated_at)
		SELECT c.workspace_id, a.id, c.id, CASE WHEN $4 > c.last_seq THEN c.last_seq ELSE $4 END, $5
		FROM conversations c, agents a
		WHERE c.workspace_id = $1 AND c.id = $3 AND a.workspace_id = $1 AND a.id = $2
		ON CONFLICT (agent_id, conversation_id) DO UPDATE SET seq = excluded.seq, updated_at = excluded.updated_at
			WHERE agent_reads.seq < excluded.seq`,
	qAgentSeesConversation: `SELECT 1 FROM agents a, conversations c
		WHERE a.workspace_id = $1 AND a.id = $2 AND c.workspace_id = $1 AND c.id = $3`,
	// Heartbeats (see toucher).
	qTouchVisitor: `UPDATE visitors SET online = $3, last_seen_at = $4, presence_expires_at = $5,
		session_start = $6, page_url = $7, page_title = $8, referrer = $9, pages_seen = $10
		WHERE workspace_id = $1 AND id = $2`,
	// A webhook event and its deliveries (writeHook): with every message
	// when an endpoint takes message.created.
	qHookEvent: `INSERT INTO webhook_events (id, workspace_id, type, subject, ref, payload, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING pos`,
	// What a widget's hello shows of its tickets (storm: 28 % of the
	// server's CPU when it was parsed per call). Each lookup goes by its
	// partial index (public = TRUE written out, so that both databases
	// match the index's condition): the visitor's own, and, only for a
	// visitor linked to a contact, its contact's when the site vouched
	// for it. The workspace is compared as an expression (|| '') so that
	// SQLite does not read every ticket of the workspace by its index on
	// (workspace, updated_at) to skip a sort of a handful of rows.
	qPublicTicketsVisitor: `SELECT id, subject, stage, updated_at FROM tickets WHERE visitor_id = $2 AND public = TRUE
		AND workspace_id || '' = $1 AND merged_into IS NULL AND archived_at IS NULL ORDER BY updated_at DESC, id LIMIT $3`,
	qPublicTicketsContact: `SELECT id, subject, stage, updated_at FROM (
		SELECT t.id, t.subject, t.stage, t.updated_at FROM tickets t WHERE t.visitor_id = $2 AND t.public = TRUE
			AND t.workspace_id || '' = $1 AND t.merged_into IS NULL AND t.archived_at IS NULL
		UNION
		SELECT t.id, t.subject, t.stage, t.updated_at FROM tickets t WHERE t.contact_id = $3 AND t.public = TRUE
			AND t.workspace_id || '' = $1 AND t.merged_into IS NULL AND t.archived_at IS NULL
			AND EXISTS (SELECT 1 FROM contacts k WHERE k.workspace_id = $1 AND k.id = $3 AND k.external_id IS NOT NULL)
		) p ORDER BY updated_at DESC, id LIMIT $4`,
	qHookDeliveries: `INSERT INTO webhook_deliveries (endpoint_id, pos, workspace_id, subject, state, next_attempt_at, deadline)
		SELECT id, CAST($3 AS BIGINT), workspace_id, CAST($4 AS TEXT), 'queued', CAST($5 AS BIGINT), CAST($6 AS BIGINT)
		FROM webhook_endpoints WHERE ` + subscribed("", 2),
}

// stmtSet is the hot statements prepared on one *sql.DB. database/sql
// prepares each on a connection the first time it runs there and keeps
// it. Preparing needs the schema, so it happens on first use (the store
// is opened before it is migrated) and is retried until it succeeds; a
// nil set means "run the SQL text".
type stmtSet struct {
	db  *sql.DB
	set atomic.Pointer[[nQueries]*sql.Stmt]
	mu  sync.Mutex
}

// prepared returns the prepared statements, or nil when they cannot be
// prepared yet. On SQLite's write pool (one connection) it must not be
// called inside a transaction: it would wait for that transaction's
// connection.
func (c *stmtSet) prepared(ctx context.Context) *[nQueries]*sql.Stmt {
	if c == nil {
		return nil
	}
	if p := c.set.Load(); p != nil {
		return p
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if p := c.set.Load(); p != nil {
		return p
	}
	var p [nQueries]*sql.Stmt
	for i, q := range hotQueries {
		st, err := c.db.PrepareContext(ctx, q)
		if err != nil {
			for _, st := range p[:i] {
				st.Close()
			}
			return nil
		}
		p[i] = st
	}
	c.set.Store(&p)
	return &p
}

func (c *stmtSet) close() error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var err error
	if p := c.set.Swap(nil); p != nil {
		for _, st := range p {
			err = errors.Join(err, st.Close())
		}
	}
	return err
}

// readRow runs hot query i on the read pool.
func (s *Store) readRow(ctx context.Context, i int, args ...any) *sql.Row {
	if p := s.readStmts.prepared(ctx); p != nil {
		return p[i].QueryRowContext(ctx, args...)
	}
	return s.read.QueryRowContext(ctx, hotQueries[i], args...)
}

// readRows runs hot query i on the read pool.
func (s *Store) readRows(ctx context.Context, i int, args ...any) (*sql.Rows, error) {
	if p := s.readStmts.prepared(ctx); p != nil {
		return p[i].QueryContext(ctx, args...)
	}
	return s.read.QueryContext(ctx, hotQueries[i], args...)
}

// txRow runs hot query i in tx, prepared when p is not nil.
func txRow(ctx context.Context, tx *sql.Tx, p *[nQueries]*sql.Stmt, i int, args ...any) *sql.Row {
	if p != nil {
		return tx.StmtContext(ctx, p[i]).QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, hotQueries[i], args...)
}

// txExec runs hot statement i in tx, prepared when p is not nil.
func txExec(ctx context.Context, tx *sql.Tx, p *[nQueries]*sql.Stmt, i int, args ...any) (sql.Result, error) {
	if p != nil {
		return tx.StmtContext(ctx, p[i]).ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, hotQueries[i], args...)
}
