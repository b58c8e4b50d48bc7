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
	ctx := t.Context()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "livedesk.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	plan := func(statuses ...string) string {
		t.Helper()
		q := `SELECT id FROM conversations WHERE workspace_id = $1 AND ` + statusIn(statuses) +
			` ORDER BY last_activity_at DESC, id DESC LIMIT 100`
		rows, err := s.read.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, "w")
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
	if p := plan(StatusClosed); !strings.Contains(p, "conversations_closed_recent") || strings.Contains(p, "TEMP B-TREE") {
		t.Errorf("closed list plan: %s", p)
	}
	if p := plan(StatusOpen, StatusPending, StatusSnoozed); !strings.Contains(p, "conversations_workspace_status") {
		t.Errorf("live list plan: %s", p)
	}
}
