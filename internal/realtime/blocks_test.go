package realtime_test

import (
	"encoding/hex"
	"encoding/json"
	"testing"

	"github.com/querytel/livedesk/client"
	"github.com/querytel/livedesk/internal/app/apptest"
	"github.com/querytel/livedesk/internal/config"
	"github.com/querytel/livedesk/internal/realtime"
	"github.com/querytel/livedesk/internal/site"
)

// TestBlockClosesAndRefuses: blocking a visitor, or an address, closes
// their open sockets at once (4405) and refuses their next hello; an
// agent without the permission cannot block; lifting the block lets them
// back; other visitors are untouched.
func TestBlockClosesAndRefuses(t *testing.T) {
	t.Parallel()
	srv := apptest.New(t, apptest.Configure(func(c *config.Config) { c.TrustProxy = true }))
	ctx := timeout(t)
	key := srv.DemoSite(t).WidgetKey
	dial := func(ip, token string) (*client.Conn, error) {
		return client.Dial(ctx, srv.WSURL("/widget/v1/ws?key="+key), client.Options{Header: from(ip), Token: token})
	}
	spammer, err := dial("203.0.113.66", "")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		ID string `json:"id"`
	}
	json.Unmarshal(spammer.Welcome.Visitor, &v) //nolint:errcheck
	bystander, err := dial("198.51.100.3", "")
	if err != nil {
		t.Fatal(err)
	}
	defer bystander.Kill()

	agentEmail, agentPw := srv.AddAgent(t, "agent", "plain@example.com")
	plain := srv.Login(t, agentEmail, agentPw)
	if status, _ := srv.Do(t, plain, "POST", "/api/v1/blocks", map[string]any{"kind": "visitor", "visitor_id": v.ID}); status != 403 {
		t.Fatalf("an agent without visitors.block: %d, want 403", status)
	}
	owner := srv.Admin(t)
	status, body := srv.Do(t, owner, "POST", "/api/v1/blocks", map[string]any{"kind": "ip", "visitor_id": v.ID, "reason": "spam"})
	if status != 201 {
		t.Fatalf("block: %d %s", status, body)
	}
	b := apptest.Decode[struct {
		ID    string `json:"id"`
		Value string `json:"value"`
	}](t, body)
	if b.Value != "203.0.113.66" {
		t.Fatalf("blocked address %q, want the visitor's", b.Value)
	}
	<-spammer.Done()
	if code := spammer.CloseStatus(); code != realtime.CloseBlocked {
		t.Fatalf("the blocked visitor's socket closed with %d, want %d", code, realtime.CloseBlocked)
	}
	_, err = dial("203.0.113.66", spammer.Welcome.Token)
	wantCode(t, err, "blocked")
	_, err = dial("203.0.113.66", "") // a fresh visitor from the same address too
	wantCode(t, err, "blocked")
	if _, err := bystander.Do(ctx, "heartbeat", map[string]any{"url": "https://shop.example/"}); err != nil {
		t.Fatalf("a visitor from another address: %v", err)
	}
	if status, body := srv.Do(t, owner, "POST", "/api/v1/blocks", map[string]any{"kind": "ip", "value": "203.0.113.66"}); status != 409 {
		t.Fatalf("the same block twice: %d %s, want 409", status, body)
	}
	if status, _ := srv.Do(t, owner, "DELETE", "/api/v1/blocks/"+b.ID, nil); status != 204 {
		t.Fatalf("unblock: %d", status)
	}
	back, err := dial("203.0.113.66", spammer.Welcome.Token)
	if err != nil {
		t.Fatalf("after the block was lifted: %v", err)
	}
	back.Kill()
}

// TestBlockedContactCannotComeBackAnonymously: a blocked contact who
// returns as a fresh anonymous visitor is refused and cut off as soon as
// it identifies; a blocked address is refused at hello (before a visitor
// is made for it).
func TestBlockedContactCannotComeBackAnonymously(t *testing.T) {
	t.Parallel()
	srv := apptest.New(t, apptest.Configure(func(c *config.Config) { c.TrustProxy = true }))
	ctx := timeout(t)
	st := srv.DemoSite(t)
	hash := hex.EncodeToString(site.IdentityHash(st.IdentitySecret, "troll-1"))
	w := srv.DialWidget(t, st.WidgetKey, client.Options{})
	do(t, ctx, w, "identify", map[string]any{"external_id": "troll-1", "hash": hash})
	var v struct {
		ID string `json:"id"`
	}
	json.Unmarshal(w.Welcome.Visitor, &v) //nolint:errcheck
	owner := srv.Admin(t)
	if status, body := srv.Do(t, owner, "POST", "/api/v1/blocks", map[string]any{"kind": "contact", "visitor_id": v.ID}); status != 201 {
		t.Fatalf("block contact: %d %s", status, body)
	}
	<-w.Done()

	fresh, err := client.Dial(ctx, srv.WSURL("/widget/v1/ws?key="+st.WidgetKey), client.Options{Header: from("198.51.100.200")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = fresh.Do(ctx, "identify", map[string]any{"external_id": "troll-1", "hash": hash})
	wantCode(t, err, "blocked")
	<-fresh.Done()
	if code := fresh.CloseStatus(); code != realtime.CloseBlocked {
		t.Fatalf("the identified blocked contact's socket closed with %d, want %d", code, realtime.CloseBlocked)
	}

	// A blocked address is refused at hello.
	if status, body := srv.Do(t, owner, "POST", "/api/v1/blocks", map[string]any{"kind": "ip", "value": "203.0.113.250"}); status != 201 {
		t.Fatalf("block address: %d %s", status, body)
	}
	_, err = client.Dial(ctx, srv.WSURL("/widget/v1/ws?key="+st.WidgetKey), client.Options{Header: from("203.0.113.250")})
	wantCode(t, err, "blocked")
}
