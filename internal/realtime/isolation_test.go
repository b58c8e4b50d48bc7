package realtime_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/querytel/livedesk/client"
	"github.com/querytel/livedesk/internal/app/apptest"
	"github.com/querytel/livedesk/internal/site"
	"github.com/querytel/livedesk/internal/store"
	"github.com/querytel/livedesk/internal/team"
)

// tenant is a visitor with an open conversation holding one message.
type tenant struct {
	site  store.Site
	conn  *client.Conn
	token string
	conv  string
}

func newTenant(t *testing.T, ctx context.Context, s *apptest.Server, st store.Site) tenant {
	t.Helper()
	w := s.DialWidget(t, st.WidgetKey, client.Options{})
	conv := do(t, ctx, w, "conversation.start", nil).ConversationID
	do(t, ctx, w, "message.send", map[string]any{"conversation_id": conv, "client_msg_id": "own", "text": "mine"})
	return tenant{site: st, conn: w, token: w.Welcome.Token, conv: conv}
}

func mustSite(t *testing.T, s *apptest.Server, workspaceID, name string) store.Site {
	t.Helper()
	st, err := s.App.Sites.CreateUnchecked(context.Background(), workspaceID, site.Input{Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestTenantIsolation proves, for every frame type that names an id, that a
// visitor of site A and an agent of workspace 1 get "not found" for
// anything of site B or workspace 2, and change nothing there.
func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := testCtx(t)
	ws1 := s.WorkspaceID(t)
	ws2, err := s.App.Store.CreateWorkspace(ctx, "Other", s.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	email, name, role, pw := "other@example.com", "Other Agent", "owner", "another long password"
	if _, err := s.App.Team.CreateAgentUnchecked(ctx, ws2.ID, team.AgentInput{Email: &email, Name: &name, Role: &role, Password: &pw}); err != nil {
		t.Fatal(err)
	}
	dept2, err := s.App.Store.CreateDepartment(ctx, ws2.ID, "Sales", s.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}

	a := newTenant(t, ctx, s, s.DemoSite(t))               // site A, workspace 1
	b := newTenant(t, ctx, s, mustSite(t, s, ws1, "B"))    // site B, workspace 1
	c := newTenant(t, ctx, s, mustSite(t, s, ws2.ID, "C")) // site C, workspace 2

	for _, victim := range []tenant{b, c} {
		for _, tc := range []struct {
			typ    string
			fields map[string]any
		}{
			{"message.send", map[string]any{"conversation_id": victim.conv, "client_msg_id": "x1", "text": "intrusion"}},
			{"typing", map[string]any{"conversation_id": victim.conv, "on": true}},
			{"sync", map[string]any{"conversation_id": victim.conv, "after_seq": 0}},
		} {
			if code := doErr(t, ctx, a.conn, tc.typ, tc.fields); code != "conversation_not_found" {
				t.Errorf("visitor A %s on %s's conversation: code %q, want conversation_not_found", tc.typ, victim.site.Name, code)
			}
		}
	}
	fresh := s.DialWidget(t, s.DemoSite(t).WidgetKey, client.Options{})
	if code := doErr(t, ctx, fresh, "conversation.start", map[string]any{"department_id": dept2.ID}); code != "unknown_department" {
		t.Errorf("start in another workspace's department: %q, want unknown_department", code)
	}

	// A token of site B presented on site A makes a new visitor: it does
	// not resume B's visitor, and B's conversation is not listed.
	stolen := s.DialWidget(t, a.site.WidgetKey, client.Options{Token: b.token, Resume: map[string]int64{b.conv: 0, c.conv: 0}})
	if stolen.Welcome.Token == b.token {
		t.Error("site B's token resumed a session on site A")
	}
	if len(stolen.Welcome.Conversations) != 0 {
		t.Errorf("site B's token listed %d conversations on site A", len(stolen.Welcome.Conversations))
	}
	// resume named foreign conversations: nothing may be replayed. A pong
	// marks the end of what the server sent first.
	do(t, ctx, stolen, "ping", nil)
	drainNoMessages(t, ctx, stolen)

	// The desk of workspace 2 sees nothing of workspace 1.
	desk2 := s.DialDesk(t, client.Options{Header: s.LoginHeader(t, email, pw), Resume: map[string]int64{a.conv: 0}})
	for _, cv := range desk2.Welcome.Conversations {
		if cv.ID == a.conv || cv.ID == b.conv {
			t.Errorf("workspace 2's desk lists workspace 1's conversation %s", cv.ID)
		}
	}
	for _, tc := range []struct {
		typ    string
		fields map[string]any
		want   string
	}{
		{"message.send", map[string]any{"conversation_id": a.conv, "client_msg_id": "x2", "text": "intrusion"}, "conversation_not_found"},
		{"typing", map[string]any{"conversation_id": a.conv, "on": true}, "conversation_not_found"},
		{"sync", map[string]any{"conversation_id": a.conv, "after_seq": 0}, "conversation_not_found"},
		{"visitor.get", map[string]any{"visitor_id": stolenVisitorID(a)}, "not_found"},
	} {
		if code := doErr(t, ctx, desk2, tc.typ, tc.fields); code != tc.want {
			t.Errorf("workspace 2 desk %s on workspace 1: %q, want %q", tc.typ, code, tc.want)
		}
	}
	do(t, ctx, desk2, "ping", nil)
	drainNoMessages(t, ctx, desk2)
	req, _ := http.NewRequestWithContext(ctx, "GET", s.URL+"/api/v1/conversations/"+a.conv, nil)
	req.Header = s.LoginHeader(t, email, pw)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("REST read of another workspace's conversation: %d, want 404", resp.StatusCode)
	}

	// Nothing changed for the victims: each still has exactly its one message.
	for _, victim := range []tenant{a, b, c} {
		conv, err := s.App.Store.GetConversation(ctx, victim.site.WorkspaceID, victim.conv)
		if err != nil || conv.LastSeq != 1 {
			t.Errorf("%s's conversation: last_seq %d (%v), want 1", victim.site.Name, conv.LastSeq, err)
		}
	}
}

// stolenVisitorID returns the visitor id of a tenant (from its welcome).
func stolenVisitorID(tn tenant) string {
	var v struct {
		ID string `json:"id"`
	}
	jsonUnmarshal(tn.conn.Welcome.Visitor, &v)
	return v.ID
}

// drainNoMessages fails if any message frame is queued.
func drainNoMessages(t *testing.T, ctx context.Context, c *client.Conn) {
	t.Helper()
	done, cancel := context.WithCancel(ctx)
	cancel()
	for {
		f, err := c.Next(done)
		if err != nil {
			return
		}
		if f.Type == "message" {
			t.Errorf("received a message it may not see: %s", f.Raw)
		}
	}
}
