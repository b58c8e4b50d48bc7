package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// walCheckpointLimit is the WAL size in pages (4 KiB each) at which the
// SQLite writer checkpoints by itself. It is a safety net: normally the
// checkpointer starts the WAL over long before (see walRestartAt).
const walCheckpointLimit = 32768

// checkpointEvery is how often the checkpointer copies committed WAL
// frames back into the database file.
const checkpointEvery = 250 * time.Millisecond

// walRestartAt is the WAL size in frames (48 MiB) from which a pass ends
// by letting the writer start the WAL over (see restart): about every
// half second at 5,000 msg/s. Each restart holds the writer for about an
// fsync, so they are kept rare; the WAL-index lookups a read makes grow
// with the WAL's size, so it is kept below the 64 MiB it reached before.
const walRestartAt = 12288

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
	quit      chan struct{}
	done      chan struct{}
	once      sync.Once
}

func newCheckpointer(db, write *sql.DB) *checkpointer {
	return &checkpointer{db: db, write: write, restartAt: walRestartAt, quit: make(chan struct{}), done: make(chan struct{})}
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
		case <-c.quit:
			return
		case <-t.C:
		}
		if _, err := c.pass(); err != nil {
			slog.Warn("sqlite checkpoint failed", "err", err)
		}
	}
}

// pass copies back what it can without waiting for any lock and, once
// the WAL is past restartAt, catches up and lets the writer start it
// over; it reports whether it did.
func (c *checkpointer) pass() (bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	frames, _, err := checkpointOn(ctx, c.db, "PASSIVE")
	if err != nil || frames < c.restartAt {
		return false, err
	}
	for range maxCatchUp {
		next, _, err := checkpointOn(ctx, c.db, "PASSIVE")
		if err != nil || next < 0 {
			return false, err // < 0: another checkpoint was running
		}
		grew := next - frames
		frames = next
		if grew < restartRemainder {
			break
		}
	}
	return c.restart(ctx)
}

// restart runs a RESTART checkpoint on the writer's own connection: while
// it holds that connection no commit can add to the WAL, so it copies
// back the little the passes left, waits (at most restartWaitMS) for the
// readers still on the old WAL, and starts the WAL over. Appends wait
// meanwhile, for about one fsync. It reports false when readers kept it
// from restarting; the next pass tries again.
func (c *checkpointer) restart(ctx context.Context) (bool, error) {
	conn, err := c.write.Conn(ctx)
	if err != nil {
		return false, fmt.Errorf("store: wal restart: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", restartWaitMS)); err != nil {
		return false, fmt.Errorf("store: wal restart: %w", err)
	}
	_, busy, err := checkpointOn(ctx, conn, "RESTART")
	// The writer's own wait, for another process's lock (a migration),
	// is busyTimeoutMS again before anyone else has the connection.
	if _, rerr := conn.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf("PRAGMA busy_timeout = %d", busyTimeoutMS)); rerr != nil {
		err = errors.Join(err, fmt.Errorf("store: wal restart: reset busy_timeout: %w", rerr))
		// A connection left with a short wait would fail writes that
		// should have waited: database/sql drops it instead.
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	return err == nil && !busy, err
}

// checkpointOn runs wal_checkpoint(mode) on q and returns the WAL's size
// in frames (-1 when another checkpoint was running) and whether it could
// not finish (readers, or another checkpoint, in the way).
func checkpointOn(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, mode string) (frames int, busy bool, err error) {
	var b, done int
	if err := q.QueryRowContext(ctx, "PRAGMA wal_checkpoint("+mode+")").Scan(&b, &frames, &done); err != nil {
		return 0, false, fmt.Errorf("store: wal checkpoint: %w", err)
	}
	return frames, b != 0, nil
}

// stop ends the checkpointer and closes its connection.
func (c *checkpointer) stop() error {
	if c == nil {
		return nil
	}
	c.once.Do(func() { close(c.quit) })
	<-c.done
	return c.db.Close()
}
