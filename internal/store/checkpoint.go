package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// walCheckpointLimit is the WAL size in pages (4 KiB each) at which the
// SQLite writer checkpoints by itself. It is a safety net: normally the
// checkpointer keeps the WAL far smaller.
const walCheckpointLimit = 16384

// checkpointEvery is how often the checkpointer copies committed WAL
// frames back into the database file.
const checkpointEvery = 250 * time.Millisecond

// checkpointer runs SQLite's WAL checkpoints on a connection of its own.
//
// With the default auto-checkpoint, the commit that crosses 1,000 WAL
// pages copies them into the database and fsyncs it before it returns:
// under a steady message load that is every few dozen milliseconds, and
// each time every writer waits behind it. A PASSIVE checkpoint from
// another connection takes no write lock, so commits go on while it
// copies and syncs; the writer then reuses the WAL from its start.
type checkpointer struct {
	db   *sql.DB
	quit chan struct{}
	done chan struct{}
	once sync.Once
}

func startCheckpointer(db *sql.DB) *checkpointer {
	c := &checkpointer{db: db, quit: make(chan struct{}), done: make(chan struct{})}
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
		if err := c.passive(); err != nil {
			slog.Warn("sqlite checkpoint failed", "err", err)
		}
	}
}

// passive checkpoints what it can without waiting for any lock.
func (c *checkpointer) passive() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var busy, logFrames, done int
	if err := c.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logFrames, &done); err != nil {
		return fmt.Errorf("store: wal checkpoint: %w", err)
	}
	return nil
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
