package analytics_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/analytics"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/store"
)

// The seeded workspace of BenchmarkAnalytics: a year of chats.
const (
	benchConversations = 1_000_000
	benchPerChat       = 10 // messages: 10,000,000 in all
	benchVisitors      = 100_000
	benchAgents        = 20
)

// benchEnd is the end of the seeded year (the benchmark's "now").
var benchEnd = time.Date(2026, time.November, 30, 12, 0, 0, 0, time.UTC)

// BenchmarkAnalytics times the analytics requests on a workspace of
// 1,000,000 conversations spread over a year and 10,000,000 messages (and
// 100,000 tickets, 50,000 contacts, the agents' states), for periods of 1
// to 365 days, and reports the 95th percentile; first it rolls the year up
// as the timer runner would, and logs how long that took. The SQLite
// file named by LIVEDESK_ANALYTICS_BENCH_DB is seeded once (it takes
// minutes) and reused; without it the benchmark is skipped. See
// docs/benchmarks.md, Analytics.
func BenchmarkAnalytics(b *testing.B) {
	path := os.Getenv("LIVEDESK_ANALYTICS_BENCH_DB")
	if path == "" {
		b.Skip("LIVEDESK_ANALYTICS_BENCH_DB is not set: it names the SQLite file (about 3 GB) or the PostgreSQL URL to seed and reuse")
	}
	ctx := context.Background()
	if strings.HasPrefix(path, "postgres://") {
		// In a schema of its own (the URL's search_path), made if need be.
		u, err := url.Parse(path)
		if err != nil || u.Query().Get("search_path") == "" {
			b.Fatalf("a PostgreSQL URL names its schema: ?search_path=abench (%v)", err)
		}
		db := benchDB(b, path)
		_, err = db.ExecContext(ctx, `CREATE SCHEMA IF NOT EXISTS `+u.Query().Get("search_path"))
		db.Close()
		if err != nil {
			b.Fatal(err)
		}
	}
	s, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx, benchEnd); err != nil {
		b.Fatal(err)
	}
	ws, agent := benchSeed(b, s, path)
	benchSeedActivity(b, path, ws)
	// The timer runner's work: the whole year rolled up once (what a
	// pass does for a month of backlog, twelve times over).
	t0 := time.Now()
	n, err := s.RollAnalytics(ctx, benchEnd, 400)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("rolled %d days in %s", n, time.Since(t0).Round(time.Millisecond))
	// A steady pass: yesterday's chats changed, and nothing older.
	t0 = time.Now()
	if _, err := s.RollAnalytics(ctx, benchEnd.Add(time.Minute), 400); err != nil {
		b.Fatal(err)
	}
	b.Logf("a pass with nothing to roll took %s", time.Since(t0).Round(time.Millisecond))

	svc := analytics.New(s, utc{}, clock.NewFake(benchEnd))
	boss := auth.Actor{WorkspaceID: ws, AgentID: "boss", Role: auth.Supervisor}
	chats := func(days int, agent string) func() error {
		return func() error {
			got, err := svc.ConversationsOf(ctx, boss, analytics.Query{Days: days, AgentID: agent})
			if err == nil && got.Totals.Started == 0 {
				err = fmt.Errorf("no chats: %+v", got.Totals)
			}
			return err
		}
	}
	section := func(days int, of func(context.Context, auth.Actor, analytics.Query) error) func() error {
		return func() error { return of(ctx, boss, analytics.Query{Days: days}) }
	}
	tickets := func(ctx context.Context, a auth.Actor, q analytics.Query) error {
		got, err := svc.TicketsOf(ctx, a, q)
		if err == nil && got.Totals.Created == 0 {
			err = fmt.Errorf("no tickets: %+v", got.Totals)
		}
		return err
	}
	contacts := func(ctx context.Context, a auth.Actor, q analytics.Query) error {
		got, err := svc.ContactsOf(ctx, a, q)
		if err == nil && got.New == 0 {
			err = fmt.Errorf("no contacts")
		}
		return err
	}
	operators := func(ctx context.Context, a auth.Actor, q analytics.Query) error {
		got, err := svc.OperatorsOf(ctx, a, q)
		if err == nil && (len(got.Agents) == 0 || got.Agents[0].OnlineS == 0) {
			err = fmt.Errorf("no time online: %+v", got.Agents)
		}
		return err
	}
	for _, c := range []struct {
		name string
		call func() error
	}{
		{"conversations/1d", chats(1, "")}, {"conversations/7d", chats(7, "")}, {"conversations/30d", chats(30, "")},
		{"conversations/90d", chats(90, "")}, {"conversations/365d", chats(365, "")},
		{"conversations/30d-one-agent", chats(30, agent)}, {"conversations/365d-one-agent", chats(365, agent)},
		{"tickets/30d", section(30, tickets)}, {"tickets/365d", section(365, tickets)},
		{"contacts/30d", section(30, contacts)}, {"contacts/365d", section(365, contacts)},
		{"operators/30d", section(30, operators)}, {"operators/365d", section(365, operators)},
	} {
		b.Run(c.name, func(b *testing.B) {
			var took []time.Duration
			for b.Loop() {
				t0 := time.Now()
				if err := c.call(); err != nil {
					b.Fatal(err)
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
// and returns the workspace's id and one of its agents'.
func benchSeed(b *testing.B, s *store.Store, path string) (string, string) {
	ctx := context.Background()
	db := benchDB(b, path)
	defer db.Close()
	var ws, agent string
	if db.QueryRowContext(ctx, `SELECT w.id, a.id FROM workspaces w JOIN agents a ON a.workspace_id = w.id WHERE w.name = 'bench'
		ORDER BY a.id LIMIT 1 OFFSET 1`).Scan(&ws, &agent) == nil {
		return ws, agent
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
		`WITH RECURSIVE n(i) AS (SELECT CAST(0 AS BIGINT) UNION ALL SELECT i + 1 FROM n WHERE i < ` + fmt.Sprint(benchVisitors-1) + `)
		INSERT INTO visitors (id, workspace_id, site_id, token_hash, session_start, last_seen_at, created_at)
		SELECT 'v' || i, '` + w.ID + `', '` + site.ID + `', 'bench-token-' || i, ` + fmt.Sprint(start) + `, ` + fmt.Sprint(start) + `, ` + fmt.Sprint(start) + ` FROM n`,
		// Every chat closed 20 minutes after it began; an agent answered
		// all but one in ten, within 0 to 10 minutes.
		`WITH RECURSIVE n(i) AS (SELECT CAST(0 AS BIGINT) UNION ALL SELECT i + 1 FROM n WHERE i < ` + fmt.Sprint(benchConversations-1) + `)
		INSERT INTO conversations (id, workspace_id, site_id, visitor_id, assignee_id, status, context, last_seq, created_at, updated_at,
			last_activity_at, status_changed_at, closed_at, closed_by, first_response_at, first_responder_id, agent_messages, visitor_messages,
			first_visitor_at)
		SELECT 'c' || i, '` + w.ID + `', '` + site.ID + `', 'v' || (i % ` + fmt.Sprint(benchVisitors) + `),
			CASE WHEN i % 10 = 0 THEN NULL ELSE ` + agentOf + ` END, 'closed', '{}', ` + fmt.Sprint(benchPerChat) + `,
			` + fmt.Sprint(start) + ` + i * ` + fmt.Sprint(step) + `, 0, 0, 0, ` + fmt.Sprint(start) + ` + i * ` + fmt.Sprint(step) + ` + 1200000, 'agent',
			CASE WHEN i % 10 = 0 THEN NULL ELSE ` + fmt.Sprint(start) + ` + i * ` + fmt.Sprint(step) + ` + (i * 7919) % 600000 END,
			CASE WHEN i % 10 = 0 THEN NULL ELSE ` + agentOf + ` END, ` + fmt.Sprint(benchPerChat/2) + `, ` + fmt.Sprint(benchPerChat/2) + `,
			` + fmt.Sprint(start) + ` + i * ` + fmt.Sprint(step) + ` FROM n`,
		`WITH RECURSIVE k(j) AS (SELECT CAST(1 AS BIGINT) UNION ALL SELECT j + 1 FROM k WHERE j < ` + fmt.Sprint(benchPerChat) + `)
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
	return w.ID, agents[1] // the first has only the unanswered chats' turns
}

// benchSeedActivity adds, once, the year's tickets (one for every tenth
// chat, accepted within half an hour, closed a day later: 100,000),
// contacts (50,000) and the agents' states (six changes a day each).
func benchSeedActivity(b *testing.B, path, ws string) {
	ctx := context.Background()
	db := benchDB(b, path)
	defer db.Close()
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM tickets WHERE workspace_id = $1`, ws).Scan(&n); err != nil || n > 0 {
		return
	}
	start := benchEnd.AddDate(-1, 0, 0).UnixMilli()
	year := benchEnd.UnixMilli() - start
	const contacts, states = 50_000, benchAgents * 6 * 365
	tx, err := db.BeginTx(ctx, nil) // the temporary table is the transaction's connection's
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback() //nolint:errcheck
	for _, q := range []string{
		`CREATE TEMP TABLE bench_agents AS SELECT ROW_NUMBER() OVER (ORDER BY id) - 1 AS n, id FROM agents WHERE workspace_id = '` + ws + `'`,
		`INSERT INTO tickets (id, workspace_id, site_id, visitor_id, conversation_id, status, stage, reason, subject, created_at, updated_at,
			accepted_at, assignee_id, closed_at, closed_by)
		SELECT 't' || substr(id, 2), workspace_id, site_id, visitor_id, id, 'closed', 'closed', 'no_agent', 'A question', created_at, created_at,
			created_at + (CAST(substr(id, 2) AS BIGINT) * 7919) % 1800000, assignee_id, created_at + 86400000, 'agent'
		FROM conversations WHERE workspace_id = '` + ws + `' AND CAST(substr(id, 2) AS BIGINT) % 10 = 3`,
		`WITH RECURSIVE k(i) AS (SELECT CAST(0 AS BIGINT) UNION ALL SELECT i + 1 FROM k WHERE i < ` + fmt.Sprint(contacts-1) + `)
		INSERT INTO contacts (id, workspace_id, name, email, created_at, updated_at)
		SELECT 'k' || i, '` + ws + `', 'Contact ' || i, '', ` + fmt.Sprint(start) + ` + i * ` + fmt.Sprint(year/contacts) + `,
			` + fmt.Sprint(start) + ` FROM k`,
		`WITH RECURSIVE k(i) AS (SELECT CAST(0 AS BIGINT) UNION ALL SELECT i + 1 FROM k WHERE i < ` + fmt.Sprint(states-1) + `)
		INSERT INTO agent_states (workspace_id, agent_id, at, state)
		SELECT '` + ws + `', (SELECT id FROM bench_agents WHERE n = i % ` + fmt.Sprint(benchAgents) + `),
			` + fmt.Sprint(start) + ` + i * ` + fmt.Sprint(year/states) + `,
			CASE (i / ` + fmt.Sprint(benchAgents) + `) % 3 WHEN 0 THEN 'online' WHEN 1 THEN 'busy' ELSE 'offline' END FROM k`,
	} {
		t0 := time.Now()
		if _, err := tx.ExecContext(ctx, q); err != nil {
			b.Fatalf("seed activity: %v", err)
		}
		b.Logf("seeded in %s", time.Since(t0).Round(time.Second))
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
}

// benchDB opens the benchmark's database for seeding it directly.
func benchDB(b *testing.B, path string) *sql.DB {
	driver, dsn := "sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(off)"
	if strings.HasPrefix(path, "postgres://") {
		driver, dsn = "pgx", path
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		b.Fatal(err)
	}
	return db
}
