package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"
)

// A group committer takes requests from many callers and commits those
// that queued while its last batch committed in one transaction: the
// appender (messages), the receipter (receipts) and the toucher
// (heartbeats) are one each. This file is what they share.

// committers are a group committer's goroutines and the channel its
// callers hand them requests over (unbuffered: a request is either taken
// by a committer or still the caller's).
type committers[R any] struct {
	reqs chan R
	quit chan struct{}
	once sync.Once
	wg   sync.WaitGroup
}

func newCommitters[R any]() committers[R] {
	return committers[R]{reqs: make(chan R), quit: make(chan struct{})}
}

// start runs n committers. Each gathers a batch of up to size requests,
// commits it, then finishes each request (answers its caller); took sees
// each request as it is taken.
func (g *committers[R]) start(n, size int, took func(R), commit func([]R), finish func(R)) {
	for range n {
		g.wg.Add(1)
		go func() {
			defer g.wg.Done()
			batch := make([]R, 0, size)
			for {
				var ok bool
				if batch, ok = gather(g.reqs, g.quit, batch, took); !ok {
					return
				}
				commit(batch)
				for _, r := range batch {
					finish(r)
				}
				clear(batch)
			}
		}()
	}
}

// stop ends the committers; a batch in progress is answered first.
func (g *committers[R]) stop() {
	g.once.Do(func() { close(g.quit) })
	g.wg.Wait()
}

// gather is a group committer's wait for work: it blocks for one request,
// then takes every other one already waiting, up to cap(batch), without
// waiting for more (a batch is what queued while the last one committed,
// so it grows with load and adds no delay when the load is light). It
// reports false when quit closes first. took sees each request taken.
func gather[R any](reqs <-chan R, quit <-chan struct{}, batch []R, took func(R)) ([]R, bool) {
	batch = batch[:0]
	select {
	case r := <-reqs:
		took(r)
		batch = append(batch, r)
	case <-quit:
		return batch, false
	}
	for len(batch) < cap(batch) {
		select {
		case r := <-reqs:
			took(r)
			batch = append(batch, r)
		default:
			return batch, true
		}
	}
	return batch, true
}

// stillWanted returns the requests of batch whose caller still waits
// (its context is not done), and fails the others.
func stillWanted[R any](batch []R, ctxOf func(R) context.Context, fail func(R, error)) []R {
	live := batch[:0:0]
	for _, r := range batch {
		if err := ctxOf(r).Err(); err != nil {
			fail(r, err)
			continue
		}
		live = append(live, r)
	}
	return live
}

// inBatch applies every request of live in one transaction. A request
// that apply refuses alone (refuses(err): nothing of it was changed)
// fails by itself; any other error rolls the batch back, and each
// request is then applied in a transaction of its own, so one bad
// request never fails the others. apply records its request's outcome;
// fail records the error of a request's own transaction.
func inBatch[R any](ctx context.Context, s *Store, op string, live []R, refuses func(error) bool,
	apply func(*sql.Tx, R) error, fail func(R, error)) {
	err := s.inTx(ctx, op, func(tx *sql.Tx) error {
		for _, r := range live {
			if err := apply(tx, r); err != nil && !refuses(err) {
				return err
			}
		}
		return nil
	})
	if err == nil {
		return
	}
	for _, r := range live {
		if err := s.inTx(ctx, op, func(tx *sql.Tx) error { return apply(tx, r) }); err != nil {
			fail(r, err)
		}
	}
}

// batchTimeout bounds a receipt or heartbeat batch: its callers wait for
// it past their own contexts (see submit), so a stuck lock or connection
// must not hold them for ever. Far above any healthy batch.
const batchTimeout = 30 * time.Second

// batchContext is a batch's context: shared by several callers, so none
// of theirs, and bounded by batchTimeout.
func batchContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), batchTimeout)
}

// call is one caller's request to a group committer and, once done is
// closed, its outcome. (The appender has a request type of its own: it
// also admits by queueing delay.)
type call[In, Out any] struct {
	ctx  context.Context
	in   In
	out  Out
	err  error
	done chan struct{}
}

// startCalls runs n committers of calls in batches of up to size.
func startCalls[In, Out any](g *committers[*call[In, Out]], n, size int, commit func([]*call[In, Out])) {
	g.start(n, size, func(*call[In, Out]) {}, commit, func(q *call[In, Out]) { close(q.done) })
}

// submit hands in to one of g's committers and waits for the outcome,
// which comes only after the batch holding it has committed or failed:
// once handed over it may be applied, so a caller that gives up then
// still waits, and a success is never reported as a failure.
func submit[In, Out any](ctx context.Context, g *committers[*call[In, Out]], op string, in In) (Out, error) {
	q := &call[In, Out]{ctx: ctx, in: in, done: make(chan struct{})}
	var zero Out
	select {
	case g.reqs <- q:
	case <-g.quit:
		return zero, errStoreClosed
	case <-ctx.Done():
		return zero, fmt.Errorf("%s: %w", op, ctx.Err())
	}
	<-q.done
	return q.out, q.err
}

// wantedCalls is stillWanted for calls: a call whose caller gave up
// before its batch began fails with op and the reason.
func wantedCalls[In, Out any](batch []*call[In, Out], op string) []*call[In, Out] {
	return stillWanted(batch, func(q *call[In, Out]) context.Context { return q.ctx },
		func(q *call[In, Out], err error) { q.err = fmt.Errorf("%s: %w", op, err) })
}
