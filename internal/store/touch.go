package store

import (
	"cmp"
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

// commit applies a batch in one transaction, rows in id order (no
// deadlock between two batches on PostgreSQL; within a batch, two calls
// for one visitor keep their order).
func (p *addresser) commit(batch []*addressCall) {
	live := wantedCalls(batch, "store: set visitor ip")
	if len(live) == 0 {
		return
	}
	ctx, cancel := batchContext()
	defer cancel()
	slices.SortStableFunc(live, func(x, y *addressCall) int { return cmp.Compare(x.in.id, y.in.id) })
	stmts := p.s.writeStmts.prepared(ctx) // outside the transaction: SQLite's write pool has one connection
	inBatch(ctx, p.s, "store: set visitor ips", live, func(error) bool { return false },
		func(tx *sql.Tx, q *addressCall) error {
			_, err := txExec(ctx, tx, stmts, qSetVisitorIP, q.in.workspaceID, q.in.id, q.in.ip)
			q.err = mapErr("store: set visitor ip", err)
			return q.err
		}, func(q *addressCall, err error) { q.err = err })
}

// commit applies a batch in one transaction, visitor rows in id order
// (so two batches on PostgreSQL never deadlock); an unknown visitor fails
// only its own caller.
func (p *toucher) commit(batch []*touchCall) {
	live := wantedCalls(batch, "store: touch visitor")
	if len(live) == 0 {
		return
	}
	ctx, cancel := batchContext()
	defer cancel()
	slices.SortStableFunc(live, func(x, y *touchCall) int { return cmp.Compare(x.in.id, y.in.id) })
	stmts := p.s.writeStmts.prepared(ctx) // outside the transaction: SQLite's write pool has one connection
	inBatch(ctx, p.s, "store: touch visitors", live, func(err error) bool { return errors.Is(err, ErrNotFound) },
		func(tx *sql.Tx, q *touchCall) error {
			q.out, q.err = touchOne(ctx, tx, stmts, p.s.dialect == Postgres, q.in)
			return q.err
		}, func(q *touchCall, err error) { q.out, q.err = Presence{}, err })
}
