package httpapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/querytel/livedesk/internal/app/apptest"
)

// keyCall sends a request with an API key and returns its answer.
func keyCall(t *testing.T, srv *apptest.Server, token, method, path string, body any, header ...string) (*http.Response, []byte) {
	t.Helper()
	req := srv.NewRequest(t, method, path, body)
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := srv.Client(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, data
}

// newKey has the session c make an API key with scopes and returns its
// token.
func newKey(t *testing.T, srv *apptest.Server, c *http.Client, scopes ...string) string {
	t.Helper()
	code, raw := srv.Do(t, c, "POST", "/api/v1/api-keys", map[string]any{"name": "test key", "scopes": scopes})
	var k struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(raw, &k); code != http.StatusCreated || err != nil || k.Token == "" {
		t.Fatalf("new key: %d %s", code, raw)
	}
	return k.Token
}

// TestAPIKeys: an admin makes a key shown once; the key reaches exactly
// the routes its scopes open, is rate-limited with RateLimit headers, and
// stops at once when revoked; a create retried with its Idempotency-Key
// creates once. Every refusal has its code and changes nothing.
func TestAPIKeys(t *testing.T) {
	t.Parallel()
	srv := apptest.New(t)
	owner := srv.Admin(t)
	email, pw := srv.AddAgent(t, "agent", "plain@example.com")
	agent := srv.Login(t, email, pw)

	if code, _ := srv.Do(t, agent, "POST", "/api/v1/api-keys", map[string]any{"name": "x", "scopes": []string{"contacts:read"}}); code != http.StatusForbidden {
		t.Fatalf("an agent made a key: %d", code)
	}
	for _, bad := range []map[string]any{
		{"name": "x", "scopes": []string{}},
		{"name": "x", "scopes": []string{"contacts:delete"}},
		{"name": "x", "scopes": []string{"agents:write"}},
		{"name": "", "scopes": []string{"contacts:read"}},
	} {
		if code, body := srv.Do(t, owner, "POST", "/api/v1/api-keys", bad); code != http.StatusBadRequest {
			t.Fatalf("%v: %d %s", bad, code, body)
		}
	}
	code, body := srv.Do(t, owner, "POST", "/api/v1/api-keys", map[string]any{"name": "CRM sync", "scopes": []string{"contacts:write", "analytics:read"}})
	if code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, body)
	}
	var made struct {
		Key struct {
			ID     string   `json:"id"`
			Prefix string   `json:"prefix"`
			Scopes []string `json:"scopes"`
		} `json:"key"`
		Token string `json:"token"`
	}
	if err := json.Unmarshal(body, &made); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(made.Token, "ld_") || made.Token[3:11] != made.Key.Prefix || strings.Contains(string(body), "token_hash") {
		t.Fatalf("the new key: %s", body)
	}
	if _, list := srv.Do(t, owner, "GET", "/api/v1/api-keys", nil); strings.Contains(string(list), made.Token) {
		t.Fatal("the list shows the token again")
	}

	for _, c := range []struct {
		method, path string
		body         any
		status       int
		code         string
	}{
		{"GET", "/api/v1/contacts", nil, 200, ""},
		{"GET", "/api/v1/analytics/conversations", nil, 200, ""},
		{"GET", "/api/v1/me", nil, 200, ""},
		{"GET", "/api/v1/tickets", nil, 403, "insufficient_scope"},
		{"POST", "/api/v1/broadcasts", map[string]any{"name": "x"}, 403, "insufficient_scope"},
		{"GET", "/api/v1/agents", nil, 403, "not_for_api_keys"},
		{"POST", "/api/v1/api-keys", map[string]any{"name": "more", "scopes": []string{"contacts:read"}}, 403, "not_for_api_keys"},
		{"GET", "/api/v1/workspace", nil, 403, "not_for_api_keys"},
		{"DELETE", "/api/v1/contacts/nobody", nil, 403, "insufficient_scope"},     // erasing takes chats and tickets too: their write scopes
		{"GET", "/api/v1/contacts/nobody/export", nil, 403, "insufficient_scope"}, // every message: messages:read too
	} {
		resp, body := keyCall(t, srv, made.Token, c.method, c.path, c.body)
		if resp.StatusCode != c.status || c.code != "" && !strings.Contains(string(body), `"code":"`+c.code+`"`) {
			t.Errorf("%s %s with the key: %d %s, want %d %s", c.method, c.path, resp.StatusCode, body, c.status, c.code)
		}
		if resp.Header.Get("RateLimit-Limit") != "100" || resp.Header.Get("RateLimit-Remaining") == "" || resp.Header.Get("RateLimit-Policy") != "100;w=5" {
			t.Errorf("%s %s: no RateLimit headers: %v", c.method, c.path, resp.Header)
		}
	}
	if resp, _ := keyCall(t, srv, "ld_not-a-real-key", "GET", "/api/v1/contacts", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("an unknown key: %d", resp.StatusCode)
	}

	// A create retried with its Idempotency-Key creates once.
	contact := map[string]any{"name": "Ida Empotent", "email": "ida@example.com"}
	first, one := keyCall(t, srv, made.Token, "POST", "/api/v1/contacts", contact, "Idempotency-Key", "crm-42")
	again, two := keyCall(t, srv, made.Token, "POST", "/api/v1/contacts", contact, "Idempotency-Key", "crm-42")
	if first.StatusCode != 201 || again.StatusCode != 201 || string(one) != string(two) || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("retried create: %d %s, then %d %s (%v)", first.StatusCode, one, again.StatusCode, two, again.Header)
	}
	if resp, body := keyCall(t, srv, made.Token, "POST", "/api/v1/contacts", map[string]any{"name": "Other"}, "Idempotency-Key", "crm-42"); resp.StatusCode != 400 ||
		!strings.Contains(string(body), "idempotency_key_reused") {
		t.Fatalf("the same key for another create: %d %s", resp.StatusCode, body)
	}
	if resp, body := keyCall(t, srv, made.Token, "POST", "/api/v1/contacts", contact, "Idempotency-Key", "no spaces allowed"); resp.StatusCode != 400 ||
		!strings.Contains(string(body), "invalid_idempotency_key") {
		t.Fatalf("a bad key: %d %s", resp.StatusCode, body)
	}
	_, list := keyCall(t, srv, made.Token, "GET", "/api/v1/contacts?q=ida%40example.com", nil)
	if n := strings.Count(string(list), `"email":"ida@example.com"`); n != 1 {
		t.Fatalf("%d contacts made by a retried create, want 1: %s", n, list)
	}

	// The budget: a burst of 100, then 429 with Retry-After.
	limited := false
	for range 300 {
		resp, _ := keyCall(t, srv, made.Token, "GET", "/api/v1/me", nil)
		if resp.StatusCode == http.StatusTooManyRequests {
			if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || s < 1 || resp.Header.Get("RateLimit-Remaining") != "0" {
				t.Fatalf("429 without Retry-After: %v", resp.Header)
			}
			limited = true
			break
		}
	}
	if !limited {
		t.Fatal("300 quick requests with one key were never limited")
	}

	// A key of an admin made an agent works no more.
	adminEmail, adminPw := srv.AddAgent(t, "admin", "maker@example.com")
	maker := srv.Login(t, adminEmail, adminPw)
	code, body = srv.Do(t, maker, "POST", "/api/v1/api-keys", map[string]any{"name": "Maker's", "scopes": []string{"contacts:read"}})
	if code != http.StatusCreated {
		t.Fatalf("the admin's key: %d %s", code, body)
	}
	var theirs struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(body, &theirs); err != nil {
		t.Fatal(err)
	}
	if resp, _ := keyCall(t, srv, theirs.Token, "GET", "/api/v1/contacts", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("the admin's key: %d", resp.StatusCode)
	}
	var makerID string
	for _, a := range mustAgents(t, srv, owner) {
		if a.Email == adminEmail {
			makerID = a.ID
		}
	}
	if code, _ := srv.Do(t, owner, "PATCH", "/api/v1/agents/"+makerID, map[string]any{"role": "agent"}); code != http.StatusOK {
		t.Fatalf("demote: %d", code)
	}
	if resp, _ := keyCall(t, srv, theirs.Token, "GET", "/api/v1/contacts", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a key of a maker made an agent: %d", resp.StatusCode)
	}

	// Revoked: refused at once.
	if code, _ := srv.Do(t, owner, "DELETE", "/api/v1/api-keys/"+made.Key.ID, nil); code != http.StatusNoContent {
		t.Fatalf("revoke: %d", code)
	}
	if resp, body := keyCall(t, srv, made.Token, "GET", "/api/v1/me", nil); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), "invalid_api_key") {
		t.Fatalf("a revoked key: %d %s", resp.StatusCode, body)
	}
	if code, _ := srv.Do(t, owner, "DELETE", "/api/v1/api-keys/"+made.Key.ID, nil); code != http.StatusNotFound {
		t.Fatalf("revoking twice: %d", code)
	}
}

// mustAgents lists the workspace's agents as c sees them.
func mustAgents(t *testing.T, srv *apptest.Server, c *http.Client) []struct{ ID, Email string } {
	t.Helper()
	code, body := srv.Do(t, c, "GET", "/api/v1/agents", nil)
	if code != http.StatusOK {
		t.Fatalf("agents: %d", code)
	}
	var out struct {
		Items []struct{ ID, Email string } `json:"items"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	return out.Items
}
