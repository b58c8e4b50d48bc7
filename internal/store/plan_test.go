package store

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSQLiteListPlans: the conversation lists an agent opens all day read
// through indexes, not the whole table: the closed list through its
// ordered partial index without a sort, the live list through
// (workspace_id, status).
func TestSQLiteListPlans(t *testing.T) {
	t.Parallel()
	s := migratedSQLite(t, Options{}, time.Now())
	plan := func(statuses ...string) string {
		t.Helper()
		return explain(t, s, `SELECT id FROM conversations WHERE workspace_id = $1 AND `+statusIn(statuses)+
			` ORDER BY last_activity_at DESC, id DESC LIMIT 100`, "w")
	}
	if p := plan(StatusClosed); !strings.Contains(p, "conversations_closed_recent") || strings.Contains(p, "TEMP B-TREE") {
		t.Errorf("closed list plan: %s", p)
	}
	if p := plan(StatusOpen, StatusPending, StatusSnoozed); !strings.Contains(p, "conversations_workspace_status") {
		t.Errorf("live list plan: %s", p)
	}
}

// TestSQLiteHelloPlans: what every widget hello reads goes straight to
// the visitor's rows, however large the workspace: its conversations
// through the visitor's index (not every conversation of the workspace),
// and its blocks by the whole key (not every block of the workspace).
func TestSQLiteHelloPlans(t *testing.T) {
	t.Parallel()
	s := migratedSQLite(t, Options{}, time.Now())
	if p := explain(t, s, hotQueries[qVisitorConversations], "w", "v", 20); !strings.Contains(p, "conversations_visitor (visitor_id=? AND workspace_id=?)") {
		t.Errorf("a visitor's conversations: %s", p)
	}
	p := explain(t, s, hotQueries[qBlocked], "w", "v", "ip", "c")
	if n := strings.Count(p, "blocks_key (workspace_id=? AND kind=? AND value=?)"); n != 3 {
		t.Errorf("blocks, want three probes of the whole key: %s", p)
	}
}

// explain is SQLite's query plan of q, its steps joined by "; ".
func explain(t *testing.T, s *Store, q string, args ...any) string {
	t.Helper()
	rows, err := s.read.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		out = append(out, detail)
	}
	return strings.Join(out, "; ")
}

// migratedSQLite opens a migrated SQLite store in a temporary directory,
// closed when the test ends.
func migratedSQLite(t *testing.T, opts Options, now time.Time) *Store {
	t.Helper()
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "livedesk.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(t.Context(), now); err != nil {
		t.Fatal(err)
	}
	return s
}
