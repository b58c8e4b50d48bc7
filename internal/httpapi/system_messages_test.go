package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/querytel/livedesk/internal/app/apptest"
)

// TestSendAsSystem: a key of an admin posts a notice as the system into a
// visitor's chat; an agent may not, and "as" takes only agent or system.
func TestSendAsSystem(t *testing.T) {
	t.Parallel()
	srv := apptest.New(t)
	owner := srv.Admin(t)
	ctx := t.Context()
	ws := srv.WorkspaceID(t)
	site := srv.DemoSite(t)
	v, err := srv.App.Store.CreateVisitor(ctx, ws, site.ID, "tok-system", srv.App.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := srv.App.Store.StartConversation(ctx, ws, v.ID, "", srv.App.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	code, raw := srv.Do(t, owner, "POST", "/api/v1/api-keys", map[string]any{"name": "shop", "scopes": []string{"messages:write"}})
	var key struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(raw, &key); code != http.StatusCreated || err != nil {
		t.Fatalf("key: %d %s", code, raw)
	}
	path := "/api/v1/conversations/" + c.ID + "/messages"
	resp, raw := keyCall(t, srv, key.Token, "POST", path, map[string]any{"client_msg_id": "refund-1", "text": "Your refund went out.", "as": "system"})
	var m struct {
		AuthorType string `json:"author_type"`
		AuthorID   string `json:"author_id"`
		AuthorName string `json:"author_name"`
		Kind       string `json:"kind"`
	}
	if err := json.Unmarshal(raw, &m); resp.StatusCode != http.StatusCreated || err != nil ||
		m != (struct {
			AuthorType string `json:"author_type"`
			AuthorID   string `json:"author_id"`
			AuthorName string `json:"author_name"`
			Kind       string `json:"kind"`
		}{"system", "", "System", "text"}) {
		t.Fatalf("as system: %d %s", resp.StatusCode, raw)
	}
	if resp, raw := keyCall(t, srv, key.Token, "POST", path, map[string]any{"client_msg_id": "x-1", "text": "hi", "as": "visitor"}); resp.StatusCode != http.StatusBadRequest ||
		!strings.Contains(string(raw), "invalid_author") {
		t.Fatalf("as a visitor: %d %s", resp.StatusCode, raw)
	}
	email, pw := srv.AddAgent(t, "agent", "plain-system@example.com")
	agent := srv.Login(t, email, pw)
	if code, _ := srv.Do(t, agent, "POST", path, map[string]any{"client_msg_id": "a-1", "text": "hi", "as": "system"}); code != http.StatusForbidden {
		t.Fatalf("an agent sent as the system: %d", code)
	}
	msgs, err := srv.App.Store.ListMessages(ctx, ws, c.ID, 0, 0, 10)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("stored %d messages (%v), want the system's only", len(msgs), err)
	}
}
