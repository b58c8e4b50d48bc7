package httpapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/querytel/livedesk/internal/app/apptest"
	"github.com/querytel/livedesk/internal/config"
	"github.com/querytel/livedesk/internal/webhook"
)

// TestWebhooks: an admin registers an endpoint (its secret shown once),
// a contact made over REST reaches it signed, the delivery log shows it
// and it can be sent again; agents and API keys are refused, and so is a
// private target on a server that does not allow them.
func TestWebhooks(t *testing.T) {
	t.Parallel()
	var (
		mu   sync.Mutex
		got  []*http.Request
		body [][]byte
	)
	ep := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got, body = append(got, r), append(body, b)
		mu.Unlock()
	}))
	t.Cleanup(ep.Close)
	srv := apptest.New(t, apptest.Configure(func(c *config.Config) { c.WebhooksAllowPrivate = true }))
	owner := srv.Admin(t)
	email, pw := srv.AddAgent(t, "supervisor", "sup@example.com")
	sup := srv.Login(t, email, pw)

	if code, _ := srv.Do(t, sup, "GET", "/api/v1/webhooks", nil); code != http.StatusForbidden {
		t.Fatalf("a supervisor listed webhooks: %d", code)
	}
	code, raw := srv.Do(t, owner, "POST", "/api/v1/webhooks", map[string]any{"url": ep.URL + "/ld", "description": "CRM",
		"events": []string{"contact.created"}})
	if code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, raw)
	}
	var made struct {
		Webhook struct {
			ID     string   `json:"id"`
			Events []string `json:"events"`
		} `json:"webhook"`
		Secret string `json:"secret"`
	}
	if err := json.Unmarshal(raw, &made); err != nil {
		t.Fatal(err)
	}
	if _, list := srv.Do(t, owner, "GET", "/api/v1/webhooks", nil); strings.Contains(string(list), made.Secret) || !strings.Contains(string(list), made.Webhook.ID) {
		t.Fatalf("the list: %s", list)
	}
	if code, raw := srv.Do(t, owner, "POST", "/api/v1/contacts", map[string]any{"name": "Ann", "email": "ann@example.com"}); code != http.StatusCreated {
		t.Fatalf("contact: %d %s", code, raw)
	}
	if n, err := srv.App.Webhooks.RunDue(t.Context(), 10); err != nil || n != 1 {
		t.Fatalf("delivered %d (%v)", n, err)
	}
	mu.Lock()
	r, b := got[0], body[0]
	mu.Unlock()
	if r.Header.Get(webhook.HeaderEvent) != "contact.created" ||
		!webhook.Verify(made.Secret, r.Header.Get(webhook.HeaderSignature), r.Header.Get(webhook.HeaderTimestamp), b, srv.App.Clock.Now(), 0) {
		t.Fatalf("the delivery: %v %s", r.Header, b)
	}
	var env struct {
		Data struct {
			Contact struct {
				Name string `json:"name"`
			} `json:"contact"`
		} `json:"data"`
	}
	if err := json.Unmarshal(b, &env); err != nil || env.Data.Contact.Name != "Ann" {
		t.Fatalf("the payload: %s", b)
	}

	code, raw = srv.Do(t, owner, "GET", "/api/v1/webhooks/"+made.Webhook.ID+"/deliveries?limit=1", nil)
	var page struct {
		Items []struct {
			EventID    string `json:"event_id"`
			State      string `json:"state"`
			LastStatus int    `json:"last_status"`
		} `json:"items"`
		NextBefore string `json:"next_before"`
	}
	if err := json.Unmarshal(raw, &page); code != http.StatusOK || err != nil || len(page.Items) != 1 ||
		page.Items[0].State != "delivered" || page.Items[0].LastStatus != 200 || page.Items[0].EventID != r.Header.Get(webhook.HeaderEventID) {
		t.Fatalf("deliveries: %d %s", code, raw)
	}
	if code, raw := srv.Do(t, owner, "GET", "/api/v1/webhooks/"+made.Webhook.ID+"/deliveries?before="+page.NextBefore, nil); code != http.StatusOK ||
		strings.Contains(string(raw), page.Items[0].EventID) {
		t.Fatalf("the next page: %d %s", code, raw)
	}
	if code, _ := srv.Do(t, owner, "GET", "/api/v1/webhooks/"+made.Webhook.ID+"/deliveries?before=x", nil); code != http.StatusBadRequest {
		t.Fatalf("a bad cursor: %d", code)
	}
	if code, raw := srv.Do(t, owner, "POST", "/api/v1/webhooks/"+made.Webhook.ID+"/deliveries/"+page.Items[0].EventID+"/redeliver", nil); code != http.StatusAccepted ||
		!strings.Contains(string(raw), `"state":"queued"`) {
		t.Fatalf("redeliver: %d %s", code, raw)
	}
	if code, raw := srv.Do(t, owner, "POST", "/api/v1/webhooks/"+made.Webhook.ID+"/ping", nil); code != http.StatusOK || !strings.Contains(string(raw), `"status":200`) {
		t.Fatalf("ping: %d %s", code, raw)
	}
	if code, _ := srv.Do(t, owner, "PATCH", "/api/v1/webhooks/"+made.Webhook.ID, map[string]any{"events": []string{"contact.deleted"}}); code != http.StatusBadRequest {
		t.Fatalf("an unknown event: %d", code)
	}

	// An API key, whatever its scopes, manages no webhooks.
	if resp, raw := keyCall(t, srv, newKey(t, srv, owner, "contacts:write", "conversations:write"), "GET", "/api/v1/webhooks", nil); resp.StatusCode != http.StatusForbidden || !strings.Contains(string(raw), "not_for_api_keys") {
		t.Fatalf("a key listed webhooks: %d %s", resp.StatusCode, raw)
	}

	if code, _ := srv.Do(t, owner, "DELETE", "/api/v1/webhooks/"+made.Webhook.ID, nil); code != http.StatusNoContent {
		t.Fatalf("delete: %d", code)
	}
	if code, _ := srv.Do(t, owner, "DELETE", "/api/v1/webhooks/"+made.Webhook.ID, nil); code != http.StatusNotFound {
		t.Fatalf("delete again: %d", code)
	}

	// A server that keeps to public addresses refuses this endpoint.
	public := apptest.New(t)
	if code, raw := public.Do(t, public.Admin(t), "POST", "/api/v1/webhooks", map[string]any{"url": "https://127.0.0.1:9/x",
		"events": []string{"contact.created"}}); code != http.StatusBadRequest || !strings.Contains(string(raw), "url_not_allowed") {
		t.Fatalf("a loopback endpoint: %d %s", code, raw)
	}
}
