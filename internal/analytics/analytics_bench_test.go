package analytics_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/analytics"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/store"
)

// The seeded workspace of BenchmarkConversationsOf: a year of chats.
const (
	benchConversations = 1_000_000
	benchPerChat       = 10 // messages: 10,000,000 in all
	benchVisitors      = 100_000
	benchAgents        = 20
)

// benchEnd is the end of the seeded year (the benchmark's "now").
var benchEnd = time.Date(2026, time.November, 30, 12, 0, 0, 0, time.UTC)

// BenchmarkConversationsOf times the analytics request on a workspace of
// 1,000,000 conversations spread over a year and 10,000,000 messages, for
// periods of 1 to 365 days, and reports the 95th percentile. The SQLite
// file named by LIVEDESK_ANALYTICS_BENCH_DB is seeded once (it takes
// minutes) and reused; without it the benchmark is skipped. See
// docs/benchmarks.md, Analytics.
func BenchmarkConversationsOf(b *testing.B) {
	path := os.Getenv("LIVEDESK_ANALYTICS_BENCH_DB")
	if path == "" {
		b.Skip("LIVEDESK_ANALYTICS_BENCH_DB is not set: it names the SQLite file to seed (about 2 GB) and reuse")
	}
	ctx := context.Background()
	s, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx, benchEnd); err != nil {
		b.Fatal(err)
	}
	ws := benchSeed(b, s, path)
	svc := analytics.New(s, utc{}, clock.NewFake(benchEnd))
	boss := auth.Actor{WorkspaceID: ws, AgentID: "boss", Role: auth.Supervisor}
	for _, days := range []int{1, 7, 30, 90, 365} {
		b.Run(fmt.Sprintf("%dd", days), func(b *testing.B) {
			var took []time.Duration
			for b.Loop() {
				t0 := time.Now()
				got, err := svc.ConversationsOf(ctx, boss, analytics.Query{Days: days})
				if err != nil || got.Totals.Started == 0 {
					b.Fatalf("%d days: %+v, %v", days, got.Totals, err)
				}
				took = append(took, time.Since(t0))
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)*95/100].Microseconds())/1000, "p95-ms")
		})
	}
}

type utc struct{}

func (utc) Settings(context.Context, string) (store.Settings, error) {
	return store.Settings{TimeZone: "UTC"}, nil
}

// benchSeed fills the store once (a workspace named "bench" marks it done)
// and returns the workspace's id.
func benchSeed(b *testing.B, s *store.Store, path string) string {
	ctx := context.Background()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(off)")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	var ws string
	if db.QueryRowContext(ctx, `SELECT id FROM workspaces WHERE name = 'bench'`).Scan(&ws) == nil {
		return ws
	}
	w, err := s.CreateWorkspace(ctx, "bench", benchEnd)
	if err != nil {
		b.Fatal(err)
	}
	site, err := s.CreateSite(ctx, store.Site{WorkspaceID: w.ID, Name: "Shop", WidgetKey: "wk_bench"}, benchEnd)
	if err != nil {
		b.Fatal(err)
	}
	var agents []string
	for i := range benchAgents {
		a, err := s.CreateAgent(ctx, store.Agent{WorkspaceID: w.ID, Email: fmt.Sprintf("agent%d@bench.example", i), Name: fmt.Sprint("Agent ", i),
			Role: "agent"}, benchEnd)
		if err != nil {
			b.Fatal(err)
		}
		agents = append(agents, a.ID)
	}
	start := benchEnd.AddDate(-1, 0, 0).UnixMilli()
	step := (benchEnd.UnixMilli() - start) / benchConversations
	agentOf := "(SELECT id FROM bench_agents WHERE n = i % " + fmt.Sprint(benchAgents) + ")"
	stmts := []string{
		`CREATE TEMP TABLE bench_agents (n INTEGER PRIMARY KEY, id TEXT)`,
		`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ` + fmt.Sprint(benchVisitors-1) + `)
		INSERT INTO visitors (id, workspace_id, site_id, token_hash, session_start, last_seen_at, created_at)
		SELECT 'v' || i, '` + w.ID + `', '` + site.ID + `', 'bench-token-' || i, ` + fmt.Sprint(start) + `, ` + fmt.Sprint(start) + `, ` + fmt.Sprint(start) + ` FROM n`,
		// Every chat closed 20 minutes after it began; an agent answered
		// all but one in ten, within 0 to 10 minutes.
		`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ` + fmt.Sprint(benchConversations-1) + `)
		INSERT INTO conversations (id, workspace_id, site_id, visitor_id, assignee_id, status, context, last_seq, created_at, updated_at,
			last_activity_at, status_changed_at, closed_at, closed_by, first_response_at, first_responder_id, agent_messages, visitor_messages,
			first_visitor_at)
		SELECT 'c' || i, '` + w.ID + `', '` + site.ID + `', 'v' || (i % ` + fmt.Sprint(benchVisitors) + `),
			CASE WHEN i % 10 = 0 THEN NULL ELSE ` + agentOf + ` END, 'closed', '{}', ` + fmt.Sprint(benchPerChat) + `,
			` + fmt.Sprint(start) + ` + i * ` + fmt.Sprint(step) + `, 0, 0, 0, ` + fmt.Sprint(start) + ` + i * ` + fmt.Sprint(step) + ` + 1200000, 'agent',
			CASE WHEN i % 10 = 0 THEN NULL ELSE ` + fmt.Sprint(start) + ` + i * ` + fmt.Sprint(step) + ` + (i * 7919) % 600000 END,
			CASE WHEN i % 10 = 0 THEN NULL ELSE ` + agentOf + ` END, ` + fmt.Sprint(benchPerChat/2) + `, ` + fmt.Sprint(benchPerChat/2) + `,
			` + fmt.Sprint(start) + ` + i * ` + fmt.Sprint(step) + ` FROM n`,
		`WITH RECURSIVE k(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM k WHERE j < ` + fmt.Sprint(benchPerChat) + `)
		INSERT INTO messages (conversation_id, seq, id, workspace_id, client_msg_id, kind, author_type, author_id, body, created_at)
		SELECT c.id, k.j, c.id || '-' || k.j, c.workspace_id, 'm' || k.j, 'text', CASE WHEN k.j % 2 = 1 THEN 'visitor' ELSE 'agent' END,
			'', 'A message of about the length people write in a chat, give or take.', c.created_at + k.j * 60000
		FROM conversations c, k WHERE c.workspace_id = '` + w.ID + `'`,
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback() //nolint:errcheck
	if _, err := tx.ExecContext(ctx, stmts[0]); err != nil {
		b.Fatal(err)
	}
	for i, id := range agents {
		if _, err := tx.ExecContext(ctx, `INSERT INTO bench_agents (n, id) VALUES ($1, $2)`, i, id); err != nil {
			b.Fatal(err)
		}
	}
	for _, q := range stmts[1:] {
		t0 := time.Now()
		if _, err := tx.ExecContext(ctx, q); err != nil {
			b.Fatalf("seed: %v", err)
		}
		b.Logf("seeded in %s", time.Since(t0).Round(time.Second))
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	return w.ID
}
