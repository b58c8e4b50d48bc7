package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
)

// toucher group-commits heartbeats, as receipter does receipts: at
// 15,000 idle widgets a transaction each was 40 % of the server's CPU
// (docs/benchmarks.md). Batches are capped as receipts' are: a batch
// holds SQLite's one write connection, and messages wait behind it.
type toucher struct {
	committers[*touchReq]
	s *Store
}

type touchReq struct {
	ctx  context.Context
	t    touch
	out  Presence
	err  error
	done chan struct{}
}

func startToucher(s *Store, n int) *toucher {
	p := &toucher{committers: newCommitters[*touchReq](), s: s}
	p.start(n, maxReceiptBatch, func(*touchReq) {}, p.commit, func(q *touchReq) { close(q.done) })
	return p
}

func (p *toucher) do(ctx context.Context, t touch) (Presence, error) {
	q := &touchReq{ctx: ctx, t: t, done: make(chan struct{})}
	select {
	case p.reqs <- q:
	case <-p.quit:
		return Presence{}, errStoreClosed
	case <-ctx.Done():
		return Presence{}, fmt.Errorf("store: touch visitor: %w", ctx.Err())
	}
	<-q.done // handed over: it may be applied, so wait for the outcome
	return q.out, q.err
}

// commit applies a batch in one transaction, visitor rows in id order
// (so two batches on PostgreSQL never deadlock); an unknown visitor fails
// only its own caller.
func (p *toucher) commit(batch []*touchReq) {
	live := stillWanted(batch, func(q *touchReq) context.Context { return q.ctx },
		func(q *touchReq, err error) { q.err = fmt.Errorf("store: touch visitor: %w", err) })
	if len(live) == 0 {
		return
	}
	ctx := context.Background() // shared by several callers
	slices.SortStableFunc(live, func(x, y *touchReq) int { return cmp.Compare(x.t.id, y.t.id) })
	stmts := p.s.writeStmts.prepared(ctx) // outside the transaction: SQLite's write pool has one connection
	inBatch(ctx, p.s, "store: touch visitors", live, func(err error) bool { return errors.Is(err, ErrNotFound) },
		func(tx *sql.Tx, q *touchReq) error {
			q.out, q.err = touchOne(ctx, tx, stmts, p.s.dialect == Postgres, q.t)
			return q.err
		}, func(q *touchReq, err error) { q.out, q.err = Presence{}, err })
}
