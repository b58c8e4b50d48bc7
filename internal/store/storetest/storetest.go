// Package storetest is the store's contract suite: Run executes the same
// cases against any *store.Store, and the store package runs it on SQLite
// (always) and PostgreSQL (when LIVEDESK_TEST_POSTGRES_URL is set; required
// when CI=true). It also hands out fresh, migrated stores to other
// packages' tests: SQLite in t.TempDir(), and PostgreSQL in a new schema
// per test (pgtest.URL) that is dropped in t.Cleanup.
//
// Tenant isolation (isolation.go) is part of the contract: every method
// that can name a row is aimed, as one workspace, at another's rows, and a
// check fails the suite when a new such method has no case.
//
// Fixtures are built through the store API, never loaded from a committed
// database file, so every fixture is reviewable Go.
package storetest

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/pgtest"
	"github.com/querytel/livedesk/internal/store"
)

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
	runTickets(t, newStore)
	runInbox(t, newStore)
	runContacts(t, newStore)
	runFiles(t, newStore)
	runBoards(t, newStore)
	runRatings(t, newStore)
	runBroadcasts(t, newStore)
	runAPIKeys(t, newStore)
	runWebhooks(t, newStore)
	runIsolation(t, newStore)
}

// SQLiteDSN returns the path of a not yet existing SQLite database in a
// fresh t.TempDir().
func SQLiteDSN(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "livedesk.db")
}

// SQLite returns a migrated SQLite store in t.TempDir().
func SQLite(t *testing.T) *store.Store {
	t.Helper()
	return Open(t, SQLiteDSN(t))
}

// Postgres returns a migrated PostgreSQL store in a fresh schema; see
// pgtest.Require for when it skips.
func Postgres(t *testing.T) *store.Store {
	t.Helper()
	return Open(t, pgtest.URL(t))
}

// Open opens dsn, migrates it at Epoch and closes it when the test ends.
// It admits every append: the contract does not depend on how fast the
// machine is (a loaded CI machine answered a burst of appends "busy"; the
// admission budget has tests of its own, admit_test.go).
func Open(t *testing.T, dsn string) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), dsn, store.Options{AppendBudget: -1})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background(), Epoch); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return s
}

// storeCase is one contract test, run on a store of its own.
type storeCase struct {
	name string
	run  func(t *testing.T, s *store.Store)
}

// runCases runs each case in parallel, each on a fresh store.
func runCases(t *testing.T, newStore NewStore, cases []storeCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, newStore(t))
		})
	}
}
