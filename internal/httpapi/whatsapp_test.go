package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/querytel/livedesk/internal/app/apptest"
)

// TestWhatsAppWebhookIsRateLimited: the webhook takes no session, so one
// address gets a bounded budget (far above WhatsApp's own traffic); past
// it, 429 with Retry-After, and nothing is looked up.
func TestWhatsAppWebhookIsRateLimited(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	c := s.Client(t)
	get := func() *http.Response {
		resp, err := c.Get(s.URL + "/api/v1/whatsapp/webhook/no-such-site?hub.mode=subscribe&hub.verify_token=x&hub.challenge=1")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	// The burst (500) is always within the budget; the budget refills at
	// 100 a second, so 2,000 requests sent back to back pass it, however
	// slow the machine (2,000 in under 15 s).
	for i := range 2000 {
		resp := get()
		if i < 500 && resp.StatusCode != http.StatusNotFound {
			t.Fatalf("request %d: %d, want 404 (within the burst)", i, resp.StatusCode)
		}
		if resp.StatusCode == http.StatusTooManyRequests {
			if resp.Header.Get("Retry-After") != "1" {
				t.Fatalf("429 with Retry-After %q", resp.Header.Get("Retry-After"))
			}
			return
		}
	}
	t.Fatal("2,000 requests from one address were all let through")
}
