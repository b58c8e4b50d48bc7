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
