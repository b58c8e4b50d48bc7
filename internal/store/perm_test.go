package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestSQLiteFilesAreOwnerOnly: the database and its WAL and shared-memory
// files hold password hashes and identity secrets, so only their owner may
// read them, whatever the umask; a file an older version left readable is
// tightened on open.
func TestSQLiteFilesAreOwnerOnly(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, "livedesk.db")
	ctx := context.Background()
	open := func() *Store {
		st, err := Open(ctx, path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Migrate(ctx, time.Unix(0, 0)); err != nil {
			t.Fatal(err)
		}
		return st
	}
	check := func(when string) {
		t.Helper()
		if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s: data dir mode %v (%v)", when, fi.Mode().Perm(), err)
		}
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatalf("%s: %v", when, err)
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("%s: %s has mode %v, want 0600", when, filepath.Base(p), fi.Mode().Perm())
			}
		}
	}
	st := open()
	check("first open")
	st.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		os.Chmod(p, 0o644) //nolint:errcheck // some may be gone after a clean close
	}
	st = open()
	defer st.Close()
	check("reopened after an older version left them 0644")
}
