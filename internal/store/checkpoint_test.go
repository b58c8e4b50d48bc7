package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// walStore is a migrated SQLite store whose background checkpointer is
// stopped, a checkpointer the test drives pass by pass instead, and a
// function that tells the WAL file's size. The WAL starts empty: its file
// grows while commits append to it, and stops growing once a restart
// makes them write from its start again.
func walStore(t *testing.T) (*Store, *checkpointer, func() int64) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "livedesk.db")
	s, err := Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(t.Context(), time.Unix(1_700_000_000, 0)); err != nil {
		t.Fatal(err)
	}
	if err := s.checkpoint.stop(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	if _, err := s.write.ExecContext(t.Context(), `CREATE TABLE wal_test (b BLOB)`); err != nil {
		t.Fatal(err)
	}
	if w, err := checkpointOn(t.Context(), db, "TRUNCATE"); err != nil || w.busy {
		t.Fatalf("truncate the WAL: %+v, %v", w, err)
	}
	size := func() int64 {
		t.Helper()
		fi, err := os.Stat(path + "-wal")
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	return s, newCheckpointer(db, s.write), size
}

// commit writes about 32 pages through the writer.
func commit(t *testing.T, s *Store) {
	t.Helper()
	if _, err := s.write.ExecContext(t.Context(), `INSERT INTO wal_test
		SELECT randomblob(4000) FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 32) SELECT i FROM n)`); err != nil {
		t.Fatal(err)
	}
}

// snapshot begins a read transaction and reads in it, so that it holds
// the WAL as it is now until it ends; it returns the rows it saw.
func snapshot(t *testing.T, s *Store) (*sql.Tx, int) {
	t.Helper()
	read, err := s.read.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { read.Rollback() }) //nolint:errcheck // a no-op once ended
	var n int
	if err := read.QueryRow(`SELECT count(*) FROM wal_test`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return read, n
}

// behindPass leaves the WAL as a steady load does: a pass copied back
// the commits before it, and one more landed during it (here: a read
// that began before it kept the pass from copying it).
func behindPass(t *testing.T, s *Store, c *checkpointer) {
	t.Helper()
	commit(t, s)
	read, _ := snapshot(t, s)
	commit(t, s)
	if _, err := checkpointOn(t.Context(), c.db, "PASSIVE"); err != nil {
		t.Fatal(err)
	}
	if err := read.Rollback(); err != nil {
		t.Fatal(err)
	}
}

// TestCheckpointerRestartsTheWAL: under a steady load a commit lands
// during every pass, so the writer never finds the WAL fully copied back
// and never starts it over by itself (its file grows on); the restart on
// the writer's connection does, and the next commit writes from the
// WAL's start.
func TestCheckpointerRestartsTheWAL(t *testing.T) {
	t.Parallel()
	s, c, size := walStore(t)
	behindPass(t, s, c)
	before := size()
	commit(t, s)
	if size() <= before {
		t.Fatalf("the WAL file stayed at %d bytes after a commit with one not copied back: the writer started it over by itself, so this test shows nothing", before)
	}

	ok, err := c.restart(t.Context())
	if err != nil || !ok {
		t.Fatalf("restart = %v, %v; want done", ok, err)
	}
	before = size()
	commit(t, s)
	if after := size(); after != before {
		t.Fatalf("after the restart a commit grew the WAL file from %d to %d bytes; want it written from the start", before, after)
	}
	var wait int
	if err := s.write.QueryRowContext(t.Context(), "PRAGMA busy_timeout").Scan(&wait); err != nil || wait != busyTimeoutMS {
		t.Fatalf("the writer's busy_timeout after a restart = %d, %v; want %d", wait, err, busyTimeoutMS)
	}
}

// TestCheckpointerPassRestartsPastTheLimit: a pass that finds the WAL
// past restartAt catches up and restarts it; one below does not.
func TestCheckpointerPassRestartsPastTheLimit(t *testing.T) {
	t.Parallel()
	s, c, _ := walStore(t)
	behindPass(t, s, c)
	c.restartAt = 1 << 20
	if restarted, err := c.pass(t.Context()); err != nil || restarted {
		t.Fatalf("a pass below restartAt = %v, %v; want no restart", restarted, err)
	}
	commit(t, s)
	c.restartAt = 1
	if restarted, err := c.pass(t.Context()); err != nil || !restarted {
		t.Fatalf("a pass past restartAt = %v, %v; want a restart", restarted, err)
	}
}

// TestCheckpointerRestartGivesWayToALongRead: a read transaction still on
// the old WAL (an export) keeps the WAL from starting over; the restart
// gives up after restartWaitMS instead of holding every append until the
// read ends (busy_timeout, 10 s), and the writer and the read go on.
func TestCheckpointerRestartGivesWayToALongRead(t *testing.T) {
	t.Parallel()
	s, c, _ := walStore(t)
	commit(t, s)
	tx, before := snapshot(t, s)
	commit(t, s)

	// Far below busy_timeout: a restart that waited for the read would be
	// interrupted and fail here.
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	ok, err := c.restart(ctx)
	if err != nil || ok {
		t.Fatalf("restart with a read on the old WAL = %v, %v; want given up, no error", ok, err)
	}
	commit(t, s)
	var still int
	if err := tx.QueryRow(`SELECT count(*) FROM wal_test`).Scan(&still); err != nil || still != before {
		t.Fatalf("the read's snapshot: %d rows, %v; want %d", still, err, before)
	}
	var wait int
	if err := s.write.QueryRowContext(t.Context(), "PRAGMA busy_timeout").Scan(&wait); err != nil || wait != busyTimeoutMS {
		t.Fatalf("the writer's busy_timeout after a restart = %d, %v; want %d", wait, err, busyTimeoutMS)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if ok, err := c.restart(t.Context()); err != nil || !ok {
		t.Fatalf("restart once the read ended = %v, %v; want done", ok, err)
	}
}

// holdWriter takes the writer's only connection until the test ends: a
// checkpointer call that needs it can then only fail with its context.
func holdWriter(t *testing.T, s *Store) {
	t.Helper()
	conn, err := s.write.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
}

// TestCheckpointerRestartTakesTheWriter: the restart runs on the writer's
// own connection, so that no commit can land while it copies back what is
// left; with the connection taken it waits for it.
func TestCheckpointerRestartTakesTheWriter(t *testing.T) {
	t.Parallel()
	s, c, _ := walStore(t)
	behindPass(t, s, c)
	holdWriter(t, s)
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	if ok, err := c.restart(ctx); ok || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("restart with the writer's connection taken = %v, %v; want it to wait for the connection", ok, err)
	}
}

// TestCheckpointerPassLeavesTheWriterAlone: a pass does not take the
// writer's connection when a restart could not help: a read that began
// long ago still holds its frames (the passes copy nothing more), or the
// WAL was restarted and nothing was written since.
func TestCheckpointerPassLeavesTheWriterAlone(t *testing.T) {
	t.Parallel()
	s, c, _ := walStore(t)
	c.restartAt = 1
	commit(t, s)
	read, _ := snapshot(t, s)
	commit(t, s)
	commit(t, s)

	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	conn, err := s.write.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := c.pass(ctx); ok || err != nil {
		t.Fatalf("a pass with a long read holding frames = %v, %v; want it to leave the writer alone", ok, err)
	}
	conn.Close()
	if err := read.Rollback(); err != nil {
		t.Fatal(err)
	}

	if ok, err := c.pass(t.Context()); err != nil || !ok {
		t.Fatalf("a pass once the read ended = %v, %v; want a restart", ok, err)
	}
	holdWriter(t, s)
	if ok, err := c.pass(ctx); ok || err != nil {
		t.Fatalf("a pass with nothing written since the restart = %v, %v; want it to leave the writer alone", ok, err)
	}
}
