package realtime_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/querytel/livedesk/client"
	"github.com/querytel/livedesk/internal/app/apptest"
)

// TestDemotedAgentLosesRightsAtOnce: a supervisor demoted to agent while
// its desk is open can no longer act on a colleague's chat over that
// socket (it could: the socket kept the role it said hello with); its desk
// is closed with 4011 and its next welcome carries the new permissions. A
// deleted agent's desk is closed with 4401 and the others are told.
func TestDemotedAgentLosesRightsAtOnce(t *testing.T) {
	t.Parallel()
	srv := apptest.New(t)
	ctx := timeout(t)
	supEmail, supPw := srv.AddAgent(t, "supervisor", "sup@example.com")
	supDesk := srv.DialDesk(t, client.Options{Header: srv.LoginHeader(t, supEmail, supPw)})
	ownerDesk := srv.DialDesk(t, client.Options{Header: srv.AdminHeader(t)})

	// A chat the owner holds.
	w := srv.DialWidget(t, srv.DemoSite(t).WidgetKey, client.Options{})
	conv := do(t, ctx, w, "conversation.start", nil).ConversationID
	var me struct {
		Agent struct{ ID string } `json:"agent"`
	}
	if err := json.Unmarshal(ownerDesk.Welcome.Raw, &me); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, ownerDesk, "conversation.assign", map[string]any{"conversation_id": conv, "agent_id": me.Agent.ID})

	// The admin demotes the supervisor.
	admin := srv.Admin(t)
	supID := agentIDByEmail(t, srv, supEmail)
	if status, body := srv.Do(t, admin, "PATCH", "/api/v1/agents/"+supID, map[string]any{"role": "agent"}); status != 200 {
		t.Fatalf("demote: %d %s", status, body)
	}
	_, err := supDesk.Do(ctx, "conversation.flag", map[string]any{"conversation_id": conv, "flagged": true})
	if err == nil {
		t.Fatal("the demoted supervisor's open desk still acted on a colleague's chat")
	}
	if e, ok := err.(*client.Error); ok && e.Code != "forbidden" {
		t.Fatalf("after the demotion: %v, want forbidden (or the socket closed)", err)
	}
	<-supDesk.Done()
	if code := supDesk.CloseStatus(); code != 4011 {
		t.Fatalf("the demoted desk closed with %d, want 4011", code)
	}
	again := srv.DialDesk(t, client.Options{Header: srv.LoginHeader(t, supEmail, supPw)})
	if strings.Contains(string(again.Welcome.Raw), "conversations.manage_any") {
		t.Fatalf("the new welcome still grants manage_any: %s", again.Welcome.Raw)
	}

	// Removal closes its desk and tells the others.
	if status, body := srv.Do(t, admin, "DELETE", "/api/v1/agents/"+supID, nil); status != 204 {
		t.Fatalf("delete: %d %s", status, body)
	}
	<-again.Done()
	if code := again.CloseStatus(); code != 4401 {
		t.Fatalf("the removed agent's desk closed with %d, want 4401", code)
	}
	await(t, ctx, ownerDesk, "agent.removed", func(f client.Frame) bool { return strings.Contains(string(f.Raw), supID) })
}

func agentIDByEmail(t *testing.T, srv *apptest.Server, email string) string {
	t.Helper()
	a, err := srv.App.Store.AgentByEmail(t.Context(), email)
	if err != nil {
		t.Fatal(err)
	}
	return a.ID
}

// TestGrantedAgentGainsAndLosesAtOnce: an admin grants an agent the
// broadcasts permission: its open desk is closed with 4011, its next
// welcome lists the permission and the broadcast routes open to it;
// taking the grant back closes them again. The agent cannot grant itself
// anything, and a permission that only a role gives cannot be granted.
func TestGrantedAgentGainsAndLosesAtOnce(t *testing.T) {
	t.Parallel()
	srv := apptest.New(t)
	email, pw := srv.AddAgent(t, "agent", "granted@example.com")
	id := agentIDByEmail(t, srv, email)
	desk := srv.DialDesk(t, client.Options{Header: srv.LoginHeader(t, email, pw)})
	if strings.Contains(string(desk.Welcome.Raw), "broadcasts.manage") {
		t.Fatalf("an agent's welcome lists broadcasts.manage before any grant: %s", desk.Welcome.Raw)
	}
	agent := srv.Login(t, email, pw)
	if status, _ := srv.Do(t, agent, "PATCH", "/api/v1/agents/"+id, map[string]any{"grants": []string{"broadcasts.manage"}}); status != 403 {
		t.Fatalf("an agent granting itself: %d, want 403", status)
	}
	admin := srv.Admin(t)
	if status, body := srv.Do(t, admin, "PATCH", "/api/v1/agents/"+id, map[string]any{"grants": []string{"workspace.manage"}}); status != 400 || !strings.Contains(string(body), "invalid_grant") {
		t.Fatalf("granting a role's permission: %d %s, want 400 invalid_grant", status, body)
	}
	if status, _ := srv.Do(t, agent, "GET", "/api/v1/broadcasts", nil); status != 403 {
		t.Fatalf("before the grant: %d, want 403", status)
	}

	if status, body := srv.Do(t, admin, "PATCH", "/api/v1/agents/"+id, map[string]any{"grants": []string{"broadcasts.manage", "analytics.view"}}); status != 200 ||
		!strings.Contains(string(body), `"grants":["analytics.view","broadcasts.manage"]`) {
		t.Fatalf("grant: %d %s", status, body)
	}
	<-desk.Done()
	if code := desk.CloseStatus(); code != 4011 {
		t.Fatalf("the granted agent's desk closed with %d, want 4011", code)
	}
	again := srv.DialDesk(t, client.Options{Header: srv.LoginHeader(t, email, pw)})
	for _, p := range []string{`"broadcasts.manage"`, `"analytics.view"`} {
		if !strings.Contains(string(again.Welcome.Raw), p) {
			t.Fatalf("the new welcome lacks %s: %s", p, again.Welcome.Raw)
		}
	}
	for _, path := range []string{"/api/v1/broadcasts", "/api/v1/analytics/broadcasts", "/api/v1/analytics/conversations"} {
		if status, body := srv.Do(t, agent, "GET", path, nil); status != 200 {
			t.Fatalf("granted, GET %s: %d %s", path, status, body)
		}
	}

	if status, _ := srv.Do(t, admin, "PATCH", "/api/v1/agents/"+id, map[string]any{"grants": []string{}}); status != 200 {
		t.Fatalf("take back: %d", status)
	}
	<-again.Done()
	if status, _ := srv.Do(t, agent, "GET", "/api/v1/broadcasts", nil); status != 403 {
		t.Fatalf("after the grant was taken back: %d, want 403", status)
	}
}
