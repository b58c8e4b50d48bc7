package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// walCheckpointLimit is the WAL size in pages (4 KiB each) at which the
// SQLite writer checkpoints by itself. It is a safety net: normally the
// checkpointer starts the WAL over long before (see walRestartAt).
const walCheckpointLimit = 49152

// checkpointEvery is how often the checkpointer copies committed WAL
// frames back into the database file.
const checkpointEvery = 250 * time.Millisecond

// walRestartAt is the WAL size in frames (96 MiB) from which a pass ends
// by restarting the WAL (see restart): about once a second at 5,000
// msg/s. Each restart holds the writer for 5–15 ms on a small disk, so
// they are kept rare (at 48 MiB, twice as often, the p99 was a third
// higher; docs/benchmarks.md). A larger WAL costs disk only: a read looks
// a page up among the frames not yet copied back, and the passes keep
// those few. Under a light load the WAL starts over long before, as soon
// as a pass copies everything back between two commits.
const walRestartAt = 24576

// Before a restart, passes go on (up to maxCatchUp more) until one finds
// that fewer than restartRemainder frames were committed during the
// pass before it: the restart then has only those to copy.
const (
	maxCatchUp       = 4
	restartRemainder = 256
)

// restartWaitMS bounds how long a restart waits for the readers still on
// the old WAL (busy_timeout, in ms, on the writer's connection meanwhile).
// A read takes well under a millisecond; a long one (an export) must not
// hold every append, so past this the restart gives up until the next pass.
const restartWaitMS = 10

// checkpointer runs SQLite's WAL checkpoints on a connection of its own.
//
// With the default auto-checkpoint, the commit that crosses 1,000 WAL
// pages copies them into the database and fsyncs it before it returns:
// under a steady message load that is every few dozen milliseconds, and
// each time every writer waits behind it. A PASSIVE checkpoint from
// another connection takes no write lock, so commits go on while it
// copies and syncs.
//
// But the writer starts the WAL over only when its transaction begins
// with every frame copied back, and under a steady load a commit always
// lands during a pass. The WAL then grew to the writer's limit, and the
// commit that crossed it copied and fsynced what the last pass had left:
// a 20–40 ms stall every 0.6 s at 5,000 msg/s, which was the whole p99
// (docs/benchmarks.md). So once the WAL is past walRestartAt, a pass ends
// with a restart on the writer's own connection.
type checkpointer struct {
	db        *sql.DB // its own connection
	write     *sql.DB // the writer's pool: one connection
	restartAt int     // walRestartAt; tests set less

	// restarted is the WAL's size when the last restart was done: until
	// the writer's next commit starts it over, the WAL still reports that
	// size, and there is nothing to restart again.
	restarted int

	ctx    context.Context // ends at stop, and a pass in flight with it
	cancel context.CancelFunc
	done   chan struct{} // closed when run returns
}

func newCheckpointer(db, write *sql.DB) *checkpointer {
	ctx, cancel := context.WithCancel(context.Background())
	return &checkpointer{db: db, write: write, restartAt: walRestartAt, ctx: ctx, cancel: cancel, done: make(chan struct{})}
}

func startCheckpointer(db, write *sql.DB) *checkpointer {
	c := newCheckpointer(db, write)
	go c.run()
	return c
}

func (c *checkpointer) run() {
	defer close(c.done)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(c.ctx, 30*time.Second)
		_, err := c.pass(ctx)
		cancel()
		if err != nil && c.ctx.Err() == nil {
			slog.Warn("sqlite checkpoint failed", "err", err)
		}
	}
}

// pass copies back what it can without waiting for any lock and, once
// the WAL is past restartAt, catches up and restarts it (see restart);
// it reports whether the WAL is ready to start over.
func (c *checkpointer) pass(ctx context.Context) (bool, error) {
	w, err := checkpointOn(ctx, c.db, "PASSIVE")
	if err != nil || w.frames < c.restartAt || w.frames == c.restarted {
		return false, err
	}
	for range maxCatchUp {
		next, err := checkpointOn(ctx, c.db, "PASSIVE")
		if err != nil || next.frames < 0 {
			return false, err // < 0: another checkpoint was running
		}
		if next.frames < w.frames {
			return false, nil // the writer started the WAL over by itself
		}
		pinned := next.copied < next.frames && next.copied == w.copied
		grew := next.frames - w.frames
		w = next
		if pinned {
			// A read that began long ago (an export, a slow report)
			// still holds its frames: a restart would only wait for it
			// with every append behind.
			return false, nil
		}
		if grew < restartRemainder {
			break
		}
	}
	return c.restart(ctx)
}

// restart runs a RESTART checkpoint on the writer's own connection: while
// it holds that connection no commit can add to the WAL, so it copies
// back the little the passes left (an fsync of the WAL and one of the
// database), and waits at most restartWaitMS for the readers still on
// the old WAL. The writer's next commit then writes from the WAL's start.
// Appends wait meanwhile. It reports false when readers kept the WAL
// from being ready; the next pass tries again.
func (c *checkpointer) restart(ctx context.Context) (ok bool, err error) {
	conn, err := c.write.Conn(ctx)
	if err != nil {
		return false, fmt.Errorf("store: wal restart: %w", err)
	}
	defer conn.Close()
	// The writer's own wait, for another process's lock (a migration), is
	// busyTimeoutMS again before anyone else has the connection, whatever
	// happens below.
	defer func() {
		if rerr := setBusyTimeout(ctx, conn, busyTimeoutMS); rerr != nil {
			ok, err = false, errors.Join(err, fmt.Errorf("store: wal restart: reset busy_timeout: %w", rerr))
			// A connection left with a short wait would fail writes
			// that should have waited: database/sql drops it instead.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	if err := setBusyTimeout(ctx, conn, restartWaitMS); err != nil {
		return false, fmt.Errorf("store: wal restart: %w", err)
	}
	w, err := checkpointOn(ctx, conn, "RESTART")
	if err != nil || w.busy {
		return false, err
	}
	c.restarted = w.frames
	return true, nil
}

// setBusyTimeout sets conn's busy_timeout even when ctx has ended: the
// restart's short wait must never outlive it.
func setBusyTimeout(ctx context.Context, conn *sql.Conn, ms int) error {
	_, err := conn.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf("PRAGMA busy_timeout = %d", ms))
	return err
}

// walState is what a checkpoint reports: the WAL's size in frames (-1
// when another checkpoint was running), how many of them are copied back,
// and whether it could not finish (readers, or another checkpoint, in
// the way).
type walState struct {
	frames, copied int
	busy           bool
}

// checkpointOn runs wal_checkpoint(mode) on q.
func checkpointOn(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, mode string) (walState, error) {
	var (
		w    walState
		busy int
	)
	if err := q.QueryRowContext(ctx, "PRAGMA wal_checkpoint("+mode+")").Scan(&busy, &w.frames, &w.copied); err != nil {
		return walState{}, fmt.Errorf("store: wal checkpoint: %w", err)
	}
	w.busy = busy != 0
	return w, nil
}

// stop ends the checkpointer and closes its connection.
func (c *checkpointer) stop() error {
	if c == nil {
		return nil
	}
	c.cancel()
	<-c.done
	return c.db.Close()
}
