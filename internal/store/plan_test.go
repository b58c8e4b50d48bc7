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
// its public tickets through theirs, and its blocks by the whole key (not
// every block of the workspace).
func TestSQLiteHelloPlans(t *testing.T) {
	t.Parallel()
	s := migratedSQLite(t, Options{}, time.Now())
	if p := explain(t, s, hotQueries[qVisitorConversations], "w", "v", 20); !strings.Contains(p, "conversations_visitor (visitor_id=? AND workspace_id=?)") {
		t.Errorf("a visitor's conversations: %s", p)
	}
	if p := explain(t, s, hotQueries[qPublicTicketsVisitor], "w", "v", 20); !strings.Contains(p, "USING INDEX tickets_") || !strings.Contains(p, "(visitor_id=?)") {
		t.Errorf("a visitor's public tickets: %s", p)
	}
	p := explain(t, s, hotQueries[qBlocked], "w", "v", "ip", "c")
	if n := strings.Count(p, "blocks_key (workspace_id=? AND kind=? AND value=?)"); n != 3 {
		t.Errorf("blocks, want three probes of the whole key: %s", p)
	}
}

// TestSQLiteAnalyticsPlans: analytics read a period's chats through the
// index by start or by end, whatever filter is added: never every chat
// of the workspace (a term on the start once made SQLite read them all
// to answer a question about the end).
func TestSQLiteAnalyticsPlans(t *testing.T) {
	t.Parallel()
	s := migratedSQLite(t, Options{}, time.Now())
	// The statistics ANALYZE left on the benchmark's workspace (a million
	// chats, every one ended; docs/benchmarks.md, Analytics): the planner
	// chooses by them. The index by start has none yet, as after its
	// migration.
	for _, q := range []string{`ANALYZE`, `DELETE FROM sqlite_stat1`,
		`INSERT INTO sqlite_stat1 VALUES ('conversations', 'conversations_ended', '1000000 1000000 1')`,
		`INSERT INTO sqlite_stat1 VALUES ('conversations', 'conversations_rated', '0 0 0')`,
		`INSERT INTO sqlite_stat1 VALUES ('conversations', 'conversations_contact', '1000000 1000000')`,
		`INSERT INTO sqlite_stat1 VALUES ('conversations', 'conversations_ticket', '1000000 1000000')`,
		`INSERT INTO sqlite_stat1 VALUES ('conversations', 'conversations_offhours', '1000000 1000000 1000000 1000000')`,
		`INSERT INTO sqlite_stat1 VALUES ('conversations', 'conversations_visitor', '1000000 10 10 10')`,
		`INSERT INTO sqlite_stat1 VALUES ('conversations', 'conversations_closed_recent', '1000000 1000000 1000000 1000000 1')`,
		`INSERT INTO sqlite_stat1 VALUES ('conversations', 'conversations_workspace_status', '1000000 1000000 1000000')`,
		`INSERT INTO sqlite_stat1 VALUES ('conversations', 'conversations_queue', '1000000 1000000 1000000 52632 1')`,
		`INSERT INTO sqlite_stat1 VALUES ('conversations', 'conversations_snooze', '1000000 1000000 1000000')`,
		`INSERT INTO sqlite_stat1 VALUES ('conversations', 'conversations_assignee', '1000000 52632 52632')`,
		`INSERT INTO sqlite_stat1 VALUES ('conversations', 'conversations_one_open', '0 0')`,
		`INSERT INTO sqlite_stat1 VALUES ('conversations', 'sqlite_autoindex_conversations_1', '1000000 1')`,
		`ANALYZE sqlite_schema`} {
		if _, err := s.write.ExecContext(t.Context(), q); err != nil {
			t.Fatal(err)
		}
	}
	s.read.SetMaxIdleConns(0) // connections opened from here on read the statistics
	want := func(m measure) string {
		if m.by == "closed_at" {
			return "conversations_ended (workspace_id=? AND closed_at>? AND closed_at<?)"
		}
		return "conversations_started (workspace_id=? AND first_visitor_at>? AND first_visitor_at<?)"
	}
	for _, m := range []measure{startedSlots, closedSlots, firstResponses, resolutions, chatsByAgent} {
		for _, f := range []AnalyticsFilter{{}, {SiteID: "s"}, {DepartmentID: "d", AgentID: "a"}} {
			q, args := analyticsSQL("w", f, m)
			if p := explain(t, s, q, args...); !strings.Contains(p, want(m)) {
				t.Errorf("%s, %+v: %s", m.selects, f, p)
			}
		}
		// Rolling a day reads that day's chats alone.
		if p := explain(t, s, rollSQL(m), "w", 0, DayMillis); !strings.Contains(p, want(m)) {
			t.Errorf("rolling %s: %s", m.selects, p)
		}
	}
	// The runner finds the changed days through the indexes by status and end.
	if p := explain(t, s, changedDaysSQL, "w", 0, 0); !strings.Contains(p, "conversations_workspace_status (workspace_id=? AND status=?)") ||
		!strings.Contains(p, "conversations_ended (workspace_id=? AND closed_at>?)") {
		t.Errorf("changed days: %s", p)
	}
}

// TestSQLiteRollupPlans: the rollups are read by their keys, never by
// every row of the workspace (with no statistics, as ANALYZE never runs
// on a live database: a day read to be rolled again once took the key by
// workspace and read a year of rows).
func TestSQLiteRollupPlans(t *testing.T) {
	t.Parallel()
	s := migratedSQLite(t, Options{}, time.Now())
	for _, c := range []struct{ name, q, want string }{
		{"a day's rows", `SELECT dim, kind, grain, day, agent_id, seconds, n, messages FROM analytics_days WHERE workspace_id = $1 AND grain = $2 AND day = $3`,
			"COVERING INDEX analytics_days_by_day (workspace_id=? AND grain=? AND day=?)"},
		{"a block's days", `SELECT dim, kind, agent_id, seconds, SUM(n), SUM(messages) FROM analytics_days
			WHERE workspace_id = $1 AND grain = $2 AND day >= $3 AND day < $4 GROUP BY dim, kind, agent_id, seconds`,
			"COVERING INDEX analytics_days_by_day (workspace_id=? AND grain=? AND day>? AND day<?)"},
		{"a day's slots", `SELECT dim, slot FROM analytics_slots WHERE workspace_id = $1 AND slot >= $2 AND slot < $3`,
			"analytics_slots_by_slot (workspace_id=? AND slot>? AND slot<?)"},
		{"a period's spans", `SELECT agent_id, seconds, n, messages FROM analytics_days
			WHERE workspace_id = $1 AND dim = $2 AND kind = $3 AND grain = $4 AND day >= $5 AND day < $6`,
			"PRIMARY KEY (workspace_id=? AND dim=? AND kind=? AND grain=? AND day>? AND day<?)"},
		{"a period's slots", `SELECT slot, started FROM analytics_slots WHERE workspace_id = $1 AND dim = $2 AND slot >= $3 AND slot < $4`,
			"PRIMARY KEY (workspace_id=? AND dim=? AND slot>? AND slot<?)"},
		{"tickets made", ticketSQL(t, TicketsMade, AnalyticsFilter{SiteID: "s"}), "COVERING INDEX tickets_created (workspace_id=? AND created_at>? AND created_at<?)"},
		{"tickets accepted", ticketSQL(t, TicketsAccepted, AnalyticsFilter{AgentID: "a"}),
			"COVERING INDEX tickets_accepted (workspace_id=? AND accepted_at>? AND accepted_at<?)"},
		{"tickets closed", ticketSQL(t, TicketsClosed, AnalyticsFilter{}), "COVERING INDEX tickets_ended (workspace_id=? AND closed_at>? AND closed_at<?)"},
		{"tickets changed", changedTicketDaysSQL, "tickets_updated (workspace_id=? AND updated_at>?)"},
		{"a day's tickets made", ticketRollSQL(TicketsMade, "COUNT(*)", "", "created_at"), "INDEX tickets_created (workspace_id=? AND created_at>? AND created_at<?)"},
	} {
		if p := explain(t, s, c.q, "w", "x", "y", 1, 2, 3); !strings.Contains(p, c.want) {
			t.Errorf("%s: %s", c.name, p)
		}
	}
}

func ticketSQL(t *testing.T, moment string, f AnalyticsFilter) string {
	q, _, err := ticketSlotsSQL("w", f, moment)
	if err != nil {
		t.Fatal(err)
	}
	return q
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

// TestSQLiteBroadcastPlans: the timer's pass every few seconds reads only
// the scheduled and active broadcasts (the partial index), every widget's
// question reads a workspace's active ones by index, and a period's
// counts are read by slot.
func TestSQLiteBroadcastPlans(t *testing.T) {
	t.Parallel()
	s := migratedSQLite(t, Options{}, time.Now())
	for _, q := range []string{dueEndSQL, dueStartSQL} {
		if p := explain(t, s, q, 1, 10); !strings.Contains(p, "broadcasts_live") {
			t.Errorf("due broadcasts: %s", p)
		}
	}
	if p := explain(t, s, dueAnySQL, 1); !strings.Contains(p, "broadcasts_live") {
		t.Errorf("any broadcast due: %s", p)
	}
	if p := explain(t, s, liveBroadcastsSQL, "w"); !strings.Contains(p, "broadcasts_workspace") && !strings.Contains(p, "broadcasts_live") {
		t.Errorf("live broadcasts: %s", p)
	}
	if p := explain(t, s, visitorViewsSQL, "v", "w"); !strings.Contains(p, "broadcast_views_visitor") {
		t.Errorf("a visitor's showings: %s", p)
	}
	if p := explain(t, s, broadcastActivitySQL, "w", 0, 1, ""); !strings.Contains(p, "broadcast_stats_by_slot") {
		t.Errorf("broadcast activity: %s", p)
	}
}

// TestSQLiteWebhookPlans: a claim reads the due deliveries in the due
// index's order and stops at its batch, however long the backlog (only
// deliveries due at the same millisecond are sorted by position), and
// finds the older ones of a subject through the queue's index.
func TestSQLiteWebhookPlans(t *testing.T) {
	t.Parallel()
	s := migratedSQLite(t, Options{}, time.Now())
	p := explain(t, s, claimDueSQL, 1, 64)
	if !strings.Contains(p, "SEARCH d USING INDEX webhook_deliveries_due") || strings.Contains(p, "TEMP B-TREE FOR ORDER BY") ||
		!strings.Contains(p, "webhook_deliveries_order (endpoint_id=? AND subject=? AND pos<?)") {
		t.Errorf("claim plan: %s", p)
	}
}
