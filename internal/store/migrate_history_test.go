package store

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// TestSQLiteMessagesRebuildKeepsHistory: 0004 rebuilds the messages table
// (clustered by conversation); every stored message must come through it
// unchanged, and appends and retries must work on the new table.
func TestSQLiteMessagesRebuildKeepsHistory(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s, ws, now := migratedTo(t, "0003_lifecycle")
	site := rawSite(t, s, ws, "wk_before", now)
	var convs []string
	for i := range 3 {
		// Raw SQL: the store's visitor reads need columns of later schemas.
		v := Visitor{ID: NewID()}
		if _, err := s.write.ExecContext(ctx, `INSERT INTO visitors (id, workspace_id, site_id, token_hash, session_start, last_seen_at, created_at)
			VALUES ($1, $2, $3, $4, $5, $5, $5)`, v.ID, ws.ID, site, fmt.Sprint("token", i), millis(now)); err != nil {
			t.Fatal(err)
		}
		c := Conversation{ID: rawConversation(t, s, ws, site, v.ID, StatusOpen, now)}
		convs = append(convs, c.ID)
		for k := range 4 {
			m := Message{WorkspaceID: ws.ID, ConversationID: c.ID, ClientMsgID: fmt.Sprint("m", k), Kind: KindText,
				AuthorType: AuthorVisitor, AuthorID: v.ID, Body: fmt.Sprintf("visitor %d, message %d", i, k)}
			if k == 3 {
				m.Kind, m.AuthorType, m.AuthorID, m.Private, m.Meta = KindSystem, AuthorSystem, "", true, map[string]any{"event": "note"}
			}
			// Raw SQL too: the store's append reads columns of later schemas.
			meta, err := encodeMeta(m)
			if err != nil {
				t.Fatal(err)
			}
			at := millis(now.Add(time.Duration(k) * time.Second))
			if _, err := s.write.ExecContext(ctx, `INSERT INTO messages (`+messageColumns+`)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`, NewID(), ws.ID, c.ID, k+1, m.ClientMsgID, m.Kind,
				m.AuthorType, m.AuthorID, m.AuthorName, m.Body, at, m.Private, meta); err != nil {
				t.Fatal(err)
			}
			if _, err := s.write.ExecContext(ctx, `UPDATE conversations SET last_seq = $2 WHERE id = $1`, c.ID, k+1); err != nil {
				t.Fatal(err)
			}
		}
	}
	before := map[string][]Message{}
	for _, id := range convs {
		var err error
		before[id], err = s.ListMessages(ctx, ws.ID, id, 0, 0, 100)
		if err != nil || len(before[id]) != 4 {
			t.Fatalf("before: %d messages, %v", len(before[id]), err)
		}
	}

	applied, err := s.Migrate(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(applied, []string{"0004_cheaper_appends", "0005_abuse", "0006_visitor_reads", "0007_agent_presence", "0008_agent_reads", "0009_agent_disabled", "0010_read_receipts", "0011_site_look", "0012_delivery", "0013_tickets", "0014_mail", "0015_department_hours", "0016_inbox", "0017_contacts", "0018_quick_responses", "0019_files", "0020_boards", "0021_ticket_fields", "0022_tickets_without_chat", "0023_ratings", "0024_conversation_facts", "0025_analytics_indexes", "0026_first_visitor_message", "0027_analytics_rollups", "0028_activity_analytics", "0029_broadcasts", "0030_api_keys", "0031_webhooks", "0032_whatsapp", "0033_last_visitor_message", "0034_avatars", "0035_identity_secret_shown"}) {
		t.Fatalf("applied %v", applied)
	}
	for _, id := range convs {
		after, err := s.ListMessages(ctx, ws.ID, id, 0, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(after, before[id]) {
			t.Errorf("conversation %s changed:\nbefore %+v\nafter  %+v", id, before[id], after)
		}
	}
	retry := before[convs[0]][0]
	res, err := s.AppendMessage(ctx, retry, now)
	if err != nil || !res.Duplicate || res.Message.ID != retry.ID {
		t.Errorf("retry after the rebuild: %+v, %v; want the stored message as a duplicate", res, err)
	}
	res, err = s.AppendMessage(ctx, Message{WorkspaceID: ws.ID, ConversationID: convs[0], ClientMsgID: "new", Kind: KindText,
		AuthorType: AuthorAgent, AuthorID: "agent", Body: "after"}, now)
	if err != nil || res.Message.Seq != 5 {
		t.Errorf("append after the rebuild: seq %d, %v; want 5", res.Message.Seq, err)
	}
}

// TestSiteLookDefaultsForOlderSites: a site stored before 0011 reads back
// with the default look (in English) and no closed days (the new column's default is
// '{}' and the old business hours lack the key; scanSite fills both in,
// the same code on either engine).
func TestSiteLookDefaultsForOlderSites(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s, ws, now := migratedTo(t, "0010_read_receipts")
	id := NewID()
	if _, err := s.write.ExecContext(ctx, `INSERT INTO sites (id, workspace_id, name, widget_key, business_hours, identity_secret, created_at, updated_at)
		VALUES ($1, $2, 'Shop', 'wk_old', '{"time_zone":"Europe/Paris","days":[{"weekday":1,"open":"09:00","close":"17:00"}]}', '', $3, $3)`,
		id, ws.ID, millis(now)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Migrate(ctx, now); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetSite(ctx, ws.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	want := SiteLook{Color: DefaultLookColor, AgentNames: true, Languages: []string{"en"}, Texts: map[string]map[string]string{}, Ratings: true}
	if !reflect.DeepEqual(got.Look, want) {
		t.Errorf("look of an older site = %+v, want %+v", got.Look, want)
	}
	// A look stored before widget languages (or with them null) reads back
	// in English with no texts of the owner's, its other keys kept.
	for _, look := range []string{`{"color":"#0a7f5a","greeting":"Hi","agent_names":false,"team_name":"Shop"}`,
		`{"color":"#0a7f5a","greeting":"Hi","agent_names":false,"team_name":"Shop","languages":null,"texts":null}`} {
		if _, err := s.write.ExecContext(ctx, `UPDATE sites SET look = $2 WHERE id = $1`, id, look); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetSite(ctx, ws.ID, id)
		want := SiteLook{Color: "#0a7f5a", Greeting: "Hi", TeamName: "Shop", Languages: []string{"en"}, Texts: map[string]map[string]string{}, Ratings: true}
		if err != nil || !reflect.DeepEqual(got.Look, want) {
			t.Errorf("look %s reads back as %+v (%v), want %+v", look, got.Look, err, want)
		}
	}
	if got.BusinessHours.ClosedDays == nil || len(got.BusinessHours.ClosedDays) != 0 || len(got.BusinessHours.Days) != 1 {
		t.Errorf("business hours of an older site = %+v, want its day and no closed days", got.BusinessHours)
	}
}

// rawSite and rawConversation insert the rows a migration test starts
// from in raw SQL: the store's own writes and reads name columns of later
// schemas.
func rawSite(t *testing.T, s *Store, ws Workspace, key string, now time.Time) string {
	t.Helper()
	id := NewID()
	if _, err := s.write.ExecContext(t.Context(), `INSERT INTO sites (id, workspace_id, name, widget_key, identity_secret, created_at, updated_at)
		VALUES ($1, $2, 'Shop', $3, '', $4, $4)`, id, ws.ID, key, millis(now)); err != nil {
		t.Fatal(err)
	}
	return id
}

func rawConversation(t *testing.T, s *Store, ws Workspace, site, visitor, status string, now time.Time) string {
	t.Helper()
	id := NewID()
	if _, err := s.write.ExecContext(t.Context(), `INSERT INTO conversations (id, workspace_id, site_id, visitor_id, status, context,
		created_at, updated_at, last_activity_at, status_changed_at) VALUES ($1, $2, $3, $4, $5, '{}', $6, $6, $6, $6)`,
		id, ws.ID, site, visitor, status, millis(now)); err != nil {
		t.Fatal(err)
	}
	return id
}

// migratedTo opens a fresh SQLite store migrated up to and including
// version, with one workspace made then: the state an older release left.
func migratedTo(t *testing.T, version string) (*Store, Workspace, time.Time) {
	t.Helper()
	ctx := t.Context()
	now := time.UnixMilli(1_700_000_000_000).UTC()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "livedesk.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.migrate(ctx, now, version); err != nil {
		t.Fatal(err)
	}
	ws, err := s.CreateWorkspace(ctx, "Before", now)
	if err != nil {
		t.Fatal(err)
	}
	return s, ws, now
}

// TestSQLiteTicketsRebuildKeepsReferences: 0022 rebuilds the tickets
// table (a chat-less ticket has no site, visitor or conversation); every
// row that references a ticket (its chats, history, watchers, the
// duplicate merged into it) must survive the rebuild, and foreign keys
// must be on again afterwards.
func TestSQLiteTicketsRebuildKeepsReferences(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s, ws, now := migratedTo(t, "0021_ticket_fields")
	// Inserted as CreateSite does, without reading it back (sites had no
	// channel column yet).
	site := Site{ID: NewID(), WorkspaceID: ws.ID, Name: "Shop"}
	if err := s.inTx(ctx, "site", func(tx *sql.Tx) error { return insertSite(ctx, tx, site, now) }); err != nil {
		t.Fatal(err)
	}
	v, err := s.CreateVisitor(ctx, ws.ID, site.ID, "token", now)
	if err != nil {
		t.Fatal(err)
	}
	c := Conversation{ID: rawConversation(t, s, ws, site.ID, v.ID, StatusOpen, now)}
	a := Agent{ID: NewID()} // as this schema had agents (CreateAgent records states, which came later)
	if _, err := s.write.ExecContext(ctx, `INSERT INTO agents (`+agentInsertColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $9, $9)`,
		a.ID, ws.ID, "ann@example.com", "Ann", "agent", "", 0, "offline", millis(now)); err != nil {
		t.Fatal(err)
	}
	ticket, dup := NewID(), NewID()
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO tickets (id, workspace_id, site_id, visitor_id, conversation_id, status, reason, subject, created_at, updated_at, public)
			VALUES ($1, $2, $3, $4, $5, 'open', 'offline', 'Refund', $6, $6, 1)`, []any{ticket, ws.ID, site.ID, v.ID, c.ID, millis(now)}},
		{`INSERT INTO tickets (id, workspace_id, site_id, visitor_id, conversation_id, status, stage, reason, subject, created_at, updated_at, merged_into)
			VALUES ($1, $2, $3, $4, $5, 'closed', 'closed', 'offline', 'Refund again', $6, $6, $7)`, []any{dup, ws.ID, site.ID, v.ID, c.ID, millis(now), ticket}},
		{`UPDATE conversations SET ticket_id = $1 WHERE id = $2`, []any{ticket, c.ID}},
		{`INSERT INTO ticket_events (id, workspace_id, ticket_id, actor_id, actor_name, action, detail, created_at)
			VALUES ($1, $2, $3, $4, 'Ann', 'created', '{}', $5)`, []any{NewID(), ws.ID, ticket, a.ID, millis(now)}},
		{`INSERT INTO ticket_watchers (ticket_id, workspace_id, agent_id, created_at) VALUES ($1, $2, $3, $4)`, []any{ticket, ws.ID, a.ID, millis(now)}},
	} {
		if _, err := s.write.ExecContext(ctx, q.sql, q.args...); err != nil {
			t.Fatal(err)
		}
	}
	before, err := s.GetTicket(ctx, ws.ID, ticket)
	if err != nil {
		t.Fatal(err)
	}

	applied, err := s.Migrate(ctx, now)
	if err != nil || !reflect.DeepEqual(applied, []string{"0022_tickets_without_chat", "0023_ratings", "0024_conversation_facts", "0025_analytics_indexes", "0026_first_visitor_message", "0027_analytics_rollups", "0028_activity_analytics", "0029_broadcasts", "0030_api_keys", "0031_webhooks", "0032_whatsapp", "0033_last_visitor_message", "0034_avatars", "0035_identity_secret_shown"}) {
		t.Fatalf("applied %v, %v", applied, err)
	}
	after, err := s.GetTicket(ctx, ws.ID, ticket)
	if err != nil || !reflect.DeepEqual(after, before) {
		t.Errorf("ticket changed:\nbefore %+v\nafter  %+v (%v)", before, after, err)
	}
	if d, err := s.GetTicket(ctx, ws.ID, dup); err != nil || d.MergedInto != ticket {
		t.Errorf("duplicate after the rebuild: merged into %q, %v; want %s", d.MergedInto, err, ticket)
	}
	var convTicket string
	var events, watchers int
	if err := s.read.QueryRowContext(ctx, `SELECT ticket_id, (SELECT COUNT(*) FROM ticket_events WHERE ticket_id = $2),
		(SELECT COUNT(*) FROM ticket_watchers WHERE ticket_id = $2) FROM conversations WHERE id = $1`, c.ID, ticket).Scan(&convTicket, &events, &watchers); err != nil {
		t.Fatal(err)
	}
	if convTicket != ticket || events != 1 || watchers != 1 {
		t.Errorf("after the rebuild: chat's ticket %q, %d events, %d watchers; want %s, 1, 1", convTicket, events, watchers, ticket)
	}
	// Foreign keys are on again: a watcher of no ticket is refused. And a
	// ticket needs no chat now.
	if _, err := s.write.ExecContext(ctx, `INSERT INTO ticket_watchers (ticket_id, workspace_id, agent_id, created_at) VALUES ('nope', $1, $2, 0)`,
		ws.ID, a.ID); err == nil {
		t.Error("a watcher of no ticket was stored: foreign keys are off after the migration")
	}
	if _, err := s.write.ExecContext(ctx, `INSERT INTO tickets (id, workspace_id, status, reason, subject, created_at, updated_at)
		VALUES ($1, $2, 'open', 'agent', 'Chat-less', 0, 0)`, NewID(), ws.ID); err != nil {
		t.Errorf("a ticket without a chat: %v", err)
	}
}

// TestConversationFactsFilledInFromHistory: 0024 fills in the facts of the
// conversations stored before it from their messages: the first public
// text or file of an agent (not a "picked up" event, not a private note)
// and who wrote it, and each side's texts and files.
func TestConversationFactsFilledInFromHistory(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s, ws, now := migratedTo(t, "0023_ratings")
	site := rawSite(t, s, ws, "wk_facts", now)
	v, err := s.CreateVisitor(ctx, ws.ID, site, "token", now)
	if err != nil {
		t.Fatal(err)
	}
	quiet := rawConversation(t, s, ws, site, v.ID, StatusClosed, now)
	busy := rawConversation(t, s, ws, site, v.ID, StatusOpen, now)
	type msg struct {
		kind, author, authorID string
		private                bool
	}
	for i, m := range []msg{
		{KindText, AuthorVisitor, v.ID, false},
		{KindSystem, AuthorAgent, "ann", false}, // "Ann picked up the conversation"
		{KindText, AuthorAgent, "ann", true},    // a note
		{KindText, AuthorAgent, "bob", false},   // the first answer
		{KindFile, AuthorAgent, "ann", false},
		{KindFile, AuthorVisitor, v.ID, false},
	} {
		at := millis(now.Add(time.Duration(i) * time.Minute))
		if _, err := s.write.ExecContext(ctx, `INSERT INTO messages (`+messageColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '', 'x', $9, $10, '{}')`, NewID(), ws.ID, busy, i+1, fmt.Sprint("m", i), m.kind,
			m.author, m.authorID, at, m.private); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.write.ExecContext(ctx, `UPDATE conversations SET last_seq = 6 WHERE id = $1`, busy); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Migrate(ctx, now); err != nil {
		t.Fatal(err)
	}
	c, err := s.GetConversation(ctx, ws.ID, busy)
	if err != nil {
		t.Fatal(err)
	}
	if c.FirstResponseAt == nil || !c.FirstResponseAt.Equal(now.Add(3*time.Minute)) || c.FirstResponderID != "bob" ||
		c.AgentMessages != 2 || c.VisitorMessages != 2 {
		t.Errorf("facts filled in: first response %v by %q, %d agent and %d visitor messages; want at +3m by bob, 2 and 2",
			c.FirstResponseAt, c.FirstResponderID, c.AgentMessages, c.VisitorMessages)
	}
	c, err = s.GetConversation(ctx, ws.ID, quiet)
	if err != nil || c.FirstResponseAt != nil || c.AgentMessages != 0 || c.VisitorMessages != 0 {
		t.Errorf("a conversation without messages: %+v (%v)", c, err)
	}
}
