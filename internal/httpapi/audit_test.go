package httpapi_test

import (
	"strings"
	"testing"

	"github.com/querytel/livedesk/internal/app/apptest"
)

// TestAuditLog: sign-ins, failed sign-ins, role changes, password resets
// and blocks are recorded with who, what and from where, and only admins
// read them.
func TestAuditLog(t *testing.T) {
	t.Parallel()
	srv := apptest.New(t)
	owner := srv.Admin(t)
	email, pw := srv.AddAgent(t, "agent", "ann@example.com")
	annID := func() string {
		a, err := srv.App.Store.AgentByEmail(t.Context(), email)
		if err != nil {
			t.Fatal(err)
		}
		return a.ID
	}()
	if status, _ := srv.Do(t, srv.Client(t), "POST", "/api/v1/auth/login", map[string]string{"email": email, "password": "wrong password!"}); status != 401 {
		t.Fatalf("a wrong password: %d", status)
	}
	ann := srv.Login(t, email, pw)
	if status, body := srv.Do(t, owner, "PATCH", "/api/v1/agents/"+annID, map[string]any{"role": "supervisor"}); status != 200 {
		t.Fatalf("promote: %d %s", status, body)
	}
	if status, body := srv.Do(t, owner, "POST", "/api/v1/agents/"+annID+"/password", map[string]any{}); status != 200 {
		t.Fatalf("reset: %d %s", status, body)
	}
	if status, body := srv.Do(t, owner, "POST", "/api/v1/blocks", map[string]any{"kind": "ip", "value": "203.0.113.5", "reason": "spam"}); status != 201 {
		t.Fatalf("block: %d %s", status, body)
	}

	if status, body := srv.Do(t, owner, "PATCH", "/api/v1/workspace", map[string]any{"settings": map[string]any{"closed_retention_days": 1}}); status != 200 {
		t.Fatalf("settings: %d %s", status, body)
	}
	if status, _ := srv.Do(t, ann, "GET", "/api/v1/audit", nil); status != 401 && status != 403 {
		t.Fatalf("a non-admin reads the audit log: %d", status) // 401: the reset signed Ann out
	}
	status, body := srv.Do(t, owner, "GET", "/api/v1/audit?limit=50", nil)
	if status != 200 {
		t.Fatalf("audit: %d %s", status, body)
	}
	got := apptest.Decode[struct {
		Items []struct {
			Action    string         `json:"action"`
			ActorName string         `json:"actor_name"`
			TargetID  string         `json:"target_id"`
			IP        string         `json:"ip"`
			Detail    map[string]any `json:"detail"`
		} `json:"items"`
	}](t, body)
	var actions []string
	for _, e := range got.Items {
		actions = append(actions, e.Action)
		if e.IP == "" {
			t.Errorf("entry %s has no address", e.Action)
		}
	}
	// Newest first.
	want := "workspace_updated,block_created,password_reset,role_changed,sign_in,sign_in_failed,sign_in" // Ann was added by the CLI path, which records nothing
	if strings.Join(actions, ",") != want {
		t.Fatalf("actions %s, want %s", strings.Join(actions, ","), want)
	}
	if d := got.Items[3].Detail; d["from"] != "agent" || d["to"] != "supervisor" || got.Items[3].TargetID != annID {
		t.Fatalf("role change entry: %+v", got.Items[3])
	}
}
