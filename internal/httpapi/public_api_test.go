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
	token := newKey(t, srv, owner, "messages:write")
	path := "/api/v1/conversations/" + c.ID + "/messages"
	resp, raw := keyCall(t, srv, token, "POST", path, map[string]any{"client_msg_id": "refund-1", "text": "Your refund went out.", "as": "system"})
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
	if resp, raw := keyCall(t, srv, token, "POST", path, map[string]any{"client_msg_id": "x-1", "text": "hi", "as": "visitor"}); resp.StatusCode != http.StatusBadRequest ||
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

// TestListsGiveTheirNextCursor: a full page of conversations names the
// next page's before_id, and that page continues where it stopped.
func TestListsGiveTheirNextCursor(t *testing.T) {
	t.Parallel()
	srv := apptest.New(t)
	owner := srv.Admin(t)
	ctx := t.Context()
	ws := srv.WorkspaceID(t)
	site := srv.DemoSite(t)
	for i := range 3 {
		v, err := srv.App.Store.CreateVisitor(ctx, ws, site.ID, "tok-page-"+string(rune('a'+i)), srv.App.Clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := srv.App.Store.StartConversation(ctx, ws, v.ID, "", srv.App.Clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	type page struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
		NextBefore string `json:"next_before"`
	}
	get := func(path string) page {
		t.Helper()
		code, raw := srv.Do(t, owner, "GET", path, nil)
		var p page
		if err := json.Unmarshal(raw, &p); code != http.StatusOK || err != nil {
			t.Fatalf("%s: %d %s", path, code, raw)
		}
		return p
	}
	first := get("/api/v1/conversations?limit=2")
	if len(first.Items) != 2 || first.NextBefore != first.Items[1].ID {
		t.Fatalf("a full first page: %+v", first)
	}
	second := get("/api/v1/conversations?limit=2&before_id=" + first.NextBefore)
	if len(second.Items) != 1 || second.NextBefore != "" || second.Items[0].ID == first.Items[0].ID || second.Items[0].ID == first.Items[1].ID {
		t.Fatalf("the last page: %+v after %+v", second, first)
	}
	if audit := get("/api/v1/audit?limit=1"); len(audit.Items) != 1 || audit.NextBefore != audit.Items[0].ID {
		t.Fatalf("a full page of the audit log: %+v", audit)
	}
}
