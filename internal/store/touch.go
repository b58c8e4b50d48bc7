package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"
)

// toucher group-commits heartbeats, as receipter does receipts: at
// 15,000 idle widgets a transaction each was 40 % of the server's CPU
// (docs/benchmarks.md). Batches are capped as receipts' are
// (maxSideBatch).
type toucher struct {
	committers[*touchCall]
	s *Store
}

// touchCall is one TouchVisitor.
type touchCall = call[touch, Presence]

func startToucher(s *Store, n int) *toucher {
	p := &toucher{committers: newCommitters[*touchCall](), s: s}
	startCalls(&p.committers, n, maxSideBatch, p.commit)
	return p
}

// addresser group-commits visitors' new addresses (SetVisitorIP): a
// reconnect storm brings thousands of visitors back at once, many from
// another address than last time (a phone between networks), and a
// transaction each queued them one by one on SQLite's single writer
// (6 % of the server's CPU in a storm of 10,000; docs/benchmarks.md).
type addresser struct {
	committers[*addressCall]
	s *Store
}

// address is one SetVisitorIP call.
type address struct{ workspaceID, id, ip string }

type addressCall = call[address, struct{}]

func startAddresser(s *Store, n int) *addresser {
	p := &addresser{committers: newCommitters[*addressCall](), s: s}
	startCalls(&p.committers, n, maxSideBatch, p.commit)
	return p
}

// commit applies a batch (see commitVisitorRows); an update touches no
// row when the address is the same, or the visitor another workspace's.
func (p *addresser) commit(batch []*addressCall) {
	commitVisitorRows(p.s, "store: set visitor ip", batch, func(a address) string { return a.id }, func(error) bool { return false },
		func(ctx context.Context, tx *sql.Tx, stmts *[nQueries]*sql.Stmt, q *addressCall) error {
			_, err := txExec(ctx, tx, stmts, qSetVisitorIP, q.in.workspaceID, q.in.id, q.in.ip)
			return mapErr("store: set visitor ip", err)
		})
}

// commit applies a batch (see commitVisitorRows); an unknown visitor
// fails only its own caller.
func (p *toucher) commit(batch []*touchCall) {
	commitVisitorRows(p.s, "store: touch visitor", batch, func(t touch) string { return t.id }, func(err error) bool { return errors.Is(err, ErrNotFound) },
		func(ctx context.Context, tx *sql.Tx, stmts *[nQueries]*sql.Stmt, q *touchCall) error {
			var err error
			q.out, err = touchOne(ctx, tx, stmts, p.s.dialect == Postgres, q.in)
			return err
		})
}

// commitVisitorRows applies a batch of calls that each change a visitor
// row in one transaction, rows in visitor id order: two batches on
// PostgreSQL never deadlock, and two calls for one visitor keep their
// order. A call whose error refuses accepts fails only its own caller;
// any other error rolls the batch back and applies each call alone
// (inBatch).
func commitVisitorRows[In, Out any](s *Store, op string, batch []*call[In, Out], visitorID func(In) string, refuses func(error) bool,
	apply func(ctx context.Context, tx *sql.Tx, stmts *[nQueries]*sql.Stmt, q *call[In, Out]) error) {
	live := wantedCalls(batch, op)
	if len(live) == 0 {
		return
	}
	ctx, cancel := batchContext()
	defer cancel()
	slices.SortStableFunc(live, func(x, y *call[In, Out]) int { return cmp.Compare(visitorID(x.in), visitorID(y.in)) })
	stmts := s.writeStmts.prepared(ctx) // outside the transaction: SQLite's write pool has one connection
	inBatch(ctx, s, op, live, refuses,
		func(tx *sql.Tx, q *call[In, Out]) error {
			q.err = apply(ctx, tx, stmts, q)
			return q.err
		}, func(q *call[In, Out], err error) {
			var zero Out
			q.out, q.err = zero, err
		})
}
