// Package storetest is the store's contract suite: Run executes the same
// cases against any *store.Store, and the store package runs it on SQLite
// (always) and PostgreSQL (when LIVEDESK_TEST_POSTGRES_URL is set; required
// when CI=true). It also hands out fresh, isolated databases to other
// packages' tests: SQLite in t.TempDir(), and PostgreSQL as a new schema per
// test that is dropped in t.Cleanup.
//
// Fixtures are built through the store API, never loaded from a committed
// database file, so every fixture is reviewable Go.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver for the admin connection

	"github.com/querytel/livedesk/internal/store"
)

// PostgresEnv names the variable holding the PostgreSQL URL the tests use,
// for example postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const PostgresEnv = "LIVEDESK_TEST_POSTGRES_URL"

// Epoch is the fixed fake time the helpers migrate at and the suite starts
// from. It has no sub-millisecond part, so times survive the store's
// millisecond representation unchanged.
var Epoch = time.Date(2025, time.March, 14, 9, 26, 53, 0, time.UTC)

// NewStore returns a fresh, migrated, empty store that is closed when the
// test ends.
type NewStore func(t *testing.T) *store.Store

// Run runs the whole contract suite against stores made by newStore. Each
// case asks for its own store, so cases run in parallel.
func Run(t *testing.T, newStore NewStore) {
	t.Helper()
	runFoundation(t, newStore)
	runChat(t, newStore)
}

// SQLiteDSN returns the path of a not yet existing SQLite database in a
// fresh t.TempDir().
func SQLiteDSN(t *testing.T) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "livedesk.db")
}

// SQLite returns a migrated SQLite store in t.TempDir().
func SQLite(t *testing.T) *store.Store {
	t.Helper()
	return Open(t, SQLiteDSN(t))
}

// Postgres returns a migrated PostgreSQL store in a fresh schema; see
// PostgresURL for when it skips.
func Postgres(t *testing.T) *store.Store {
	t.Helper()
	return Open(t, PostgresURL(t))
}

// Open opens dsn, migrates it at Epoch and closes it when the test ends.
func Open(t *testing.T, dsn string) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), dsn, store.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background(), Epoch); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return s
}

// PostgresURL creates an empty schema with a random name in the database
// named by LIVEDESK_TEST_POSTGRES_URL and returns a URL whose connections
// use it (search_path is passed as a startup parameter). The schema is
// dropped when the test ends. Without the variable the test is skipped,
// except under CI=true, where a missing database fails the run.
func PostgresURL(t *testing.T) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal(PostgresEnv + " must be set in CI")
		}
		t.Skip(PostgresEnv + " is not set; skipping the PostgreSQL run")
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("%s must be a postgres:// URL, not %q", PostgresEnv, base)
	}
	var b [8]byte
	rand.Read(b[:])
	schema := "livedesk_test_" + hex.EncodeToString(b[:])

	if err := adminExec(base, `CREATE SCHEMA `+schema); err != nil {
		t.Fatalf("postgres: create schema (is %s reachable?): %v", PostgresEnv, err)
	}
	t.Cleanup(func() {
		if err := adminExec(base, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("postgres: drop schema %s: %v", schema, err)
		}
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// adminExec runs one statement on a short-lived connection to dsn, so that
// parallel tests do not each hold an idle admin connection.
func adminExec(dsn, stmt string) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(context.Background(), stmt)
	return err
}
