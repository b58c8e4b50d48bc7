package realtime_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/querytel/livedesk/client"
	"github.com/querytel/livedesk/internal/app/apptest"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/realtime"
	"github.com/querytel/livedesk/internal/site"
)

func TestBadInputGetsClearErrorsAndChangesNothing(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := testCtx(t)
	w := s.DialWidget(t, s.DemoSite(t).WidgetKey, client.Options{})
	conv := do(t, ctx, w, "conversation.start", nil).ConversationID
	long := strings.Repeat("é", 4001)
	cases := []struct {
		name   string
		typ    string
		fields map[string]any
		want   string
	}{
		{"empty text", "message.send", map[string]any{"conversation_id": conv, "client_msg_id": "a", "text": "  \n "}, "empty_text"},
		{"text too long", "message.send", map[string]any{"conversation_id": conv, "client_msg_id": "a", "text": long}, "text_too_long"},
		{"no client_msg_id", "message.send", map[string]any{"conversation_id": conv, "text": "hi"}, "invalid_client_msg_id"},
		{"bad client_msg_id", "message.send", map[string]any{"conversation_id": conv, "client_msg_id": "a b", "text": "hi"}, "invalid_client_msg_id"},
		{"no conversation", "message.send", map[string]any{"client_msg_id": "a", "text": "hi"}, "required"},
		{"unknown conversation", "message.send", map[string]any{"conversation_id": "nope", "client_msg_id": "a", "text": "hi"}, "conversation_not_found"},
		{"typing without on", "typing", map[string]any{"conversation_id": conv}, "required"},
		{"negative seq", "sync", map[string]any{"conversation_id": conv, "after_seq": -1}, "invalid_seq"},
		{"bad page url", "heartbeat", map[string]any{"url": "javascript:alert(1)"}, "invalid_url"},
		{"bad context key", "context.set", map[string]any{"data": map[string]any{"bad key": 1}}, "invalid_context_key"},
		{"bad context value", "context.set", map[string]any{"data": map[string]any{"k": []int{1}}}, "invalid_context_value"},
		{"empty context", "context.set", map[string]any{"data": map[string]any{}}, "empty_context"},
		{"context string too long", "context.set", map[string]any{"data": map[string]any{"k": strings.Repeat("x", 1001)}}, "invalid_context_value"},
		{"wrong identity hash", "identify", map[string]any{"external_id": "u1", "hash": "00ff"}, "identity_rejected"},
		{"desk-only command", "agent.status", map[string]any{"status": "online"}, "unknown_type"},
		{"unknown type", "teleport", nil, "unknown_type"},
		{"second hello", "hello", nil, "already_authenticated"},
	}
	for _, tc := range cases {
		if code := doErr(t, ctx, w, tc.typ, tc.fields); code != tc.want {
			t.Errorf("%s: code %q, want %q", tc.name, code, tc.want)
		}
	}
	// Malformed frames: answered, connection kept.
	for _, raw := range []string{`not json`, `{"type":"ping"}`, `{"id":"x"}`, `[1,2]`} {
		if err := w.WriteRaw(ctx, []byte(raw)); err != nil {
			t.Fatal(err)
		}
		f := await(t, ctx, w, "error", nil)
		if f.Code != "invalid_frame" {
			t.Errorf("%s: code %q, want invalid_frame", raw, f.Code)
		}
	}
	do(t, ctx, w, "ping", nil) // still connected

	c, err := s.App.Store.GetConversation(ctx, s.WorkspaceID(t), conv)
	if err != nil || c.LastSeq != 0 || len(c.Context) != 0 {
		t.Fatalf("bad input changed the conversation: last_seq %d context %v (%v)", c.LastSeq, c.Context, err)
	}
}

func TestHandshakeErrors(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := testCtx(t)
	key := s.DemoSite(t).WidgetKey

	status := func(path string, h http.Header) int {
		t.Helper()
		_, resp, err := websocket.Dial(ctx, s.WSURL(path), &websocket.DialOptions{Subprotocols: []string{"livedesk.v1"}, HTTPHeader: h})
		if err == nil {
			t.Fatalf("%s: upgrade succeeded", path)
		}
		return resp.StatusCode
	}
	// Refusals a browser must be able to see arrive as close codes.
	closeCode := func(path string, h http.Header) websocket.StatusCode {
		t.Helper()
		ws, _, err := websocket.Dial(ctx, s.WSURL(path), &websocket.DialOptions{Subprotocols: []string{"livedesk.v1"}, HTTPHeader: h})
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		_, _, err = ws.Read(ctx)
		return websocket.CloseStatus(err)
	}
	if got := closeCode("/widget/v1/ws?key=wk_unknown", nil); got != 4404 {
		t.Errorf("unknown widget key: close %d, want 4404", got)
	}
	if got := closeCode("/api/v1/ws", nil); got != 4401 {
		t.Errorf("desk without session: close %d, want 4401", got)
	}
	h := s.AdminHeader(t)
	h.Set("Origin", "https://evil.example")
	if got := status("/api/v1/ws", h); got != http.StatusForbidden {
		t.Errorf("desk from a foreign origin: %d, want 403", got)
	}

	// An allow-list on the site refuses other origins.
	st := s.DemoSite(t)
	origins := []string{"https://shop.example"}
	if _, err := s.App.Sites.Update(ctx, ownerOf(t, s).Actor(), st.ID, site.Input{AllowedOrigins: &origins}); err != nil {
		t.Fatal(err)
	}
	if got := closeCode("/widget/v1/ws?key="+key, http.Header{"Origin": {"https://evil.example"}}); got != 4403 {
		t.Errorf("widget from a foreign origin: close %d, want 4403", got)
	}
	w, err := client.Dial(ctx, s.WSURL("/widget/v1/ws?key="+key), client.Options{Header: http.Header{"Origin": {"https://shop.example"}}})
	if err != nil {
		t.Fatalf("widget from an allowed origin: %v", err)
	}
	w.Kill()

	// No subprotocol: closed with 4426.
	ws, _, err := websocket.Dial(ctx, s.WSURL("/widget/v1/ws?key="+key), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ws.Read(ctx); websocket.CloseStatus(err) != 4426 {
		t.Errorf("no subprotocol: %v, want close 4426", err)
	}

	// First frame not hello: error then close 4400.
	ws, _, err = websocket.Dial(ctx, s.WSURL("/widget/v1/ws?key="+key), &websocket.DialOptions{Subprotocols: []string{"livedesk.v1"}})
	if err != nil {
		t.Fatal(err)
	}
	ws.Write(ctx, websocket.MessageText, []byte(`{"type":"ping","id":"1"}`)) //nolint:errcheck
	_, data, err := ws.Read(ctx)
	if err != nil || !bytes.Contains(data, []byte(`"hello_required"`)) {
		t.Errorf("first frame not hello: %s %v", data, err)
	}
	if _, _, err := ws.Read(ctx); websocket.CloseStatus(err) != 4400 {
		t.Errorf("first frame not hello: %v, want close 4400", err)
	}
}

func TestHelloTimeout(t *testing.T) {
	t.Parallel()
	s := apptest.New(t, withRealtime(func(o *realtime.Options) { o.HelloTimeout = 50 * time.Millisecond }))
	ctx := testCtx(t)
	ws, _, err := websocket.Dial(ctx, s.WSURL("/widget/v1/ws?key="+s.DemoSite(t).WidgetKey), &websocket.DialOptions{Subprotocols: []string{"livedesk.v1"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ws.Read(ctx); websocket.CloseStatus(err) != 4009 {
		t.Errorf("silent client: %v, want close 4009", err)
	}
}

func TestPresenceContextAndIdentity(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := testCtx(t)
	desk := s.DialDesk(t, client.Options{Header: s.AdminHeader(t)})
	await(t, ctx, desk, "snapshot", nil)
	st := s.DemoSite(t)
	w := s.DialWidget(t, st.WidgetKey, client.Options{})
	vid := stolenVisitorID(tenant{conn: w})

	do(t, ctx, w, "heartbeat", map[string]any{"url": "https://shop.example/", "title": "Home"})
	await(t, ctx, desk, "visitor", func(f client.Frame) bool { return bytes.Contains(f.Raw, []byte(`"new":true`)) })
	do(t, ctx, w, "heartbeat", map[string]any{"url": "https://shop.example/cart", "title": "Cart"})
	await(t, ctx, desk, "visitor", func(f client.Frame) bool { return bytes.Contains(f.Raw, []byte(`"pages_seen":2`)) })
	info := do(t, ctx, desk, "visitor.get", map[string]any{"visitor_id": vid})
	if !bytes.Contains(info.Raw, []byte("https://shop.example/cart")) || !bytes.Contains(info.Raw, []byte(`"title":"Home"`)) {
		t.Fatalf("visitor.get lacks pages seen: %s", info.Raw)
	}

	// Context data merges and reaches the desk.
	ack := do(t, ctx, w, "context.set", map[string]any{"data": map[string]any{"plan": "pro", "cart": 42.5, "vip": true}})
	if !bytes.Contains(ack.Raw, []byte(`"plan":"pro"`)) {
		t.Fatalf("context ack: %s", ack.Raw)
	}
	ack = do(t, ctx, w, "context.set", map[string]any{"data": map[string]any{"plan": nil}})
	if bytes.Contains(ack.Raw, []byte(`"plan"`)) || !bytes.Contains(ack.Raw, []byte(`"vip":true`)) {
		t.Fatalf("null did not remove the key: %s", ack.Raw)
	}
	conv := do(t, ctx, w, "conversation.start", nil)
	if conv.Conversation == nil || conv.Conversation.Context["vip"] != true {
		t.Fatalf("the conversation did not take the visitor's context: %+v", conv.Conversation)
	}

	// Identity: unverified external ids never link; a correct hash does.
	linked := func() string { // the visitor's contact, as agents see it
		t.Helper()
		var v struct {
			ID string `json:"id"`
		}
		json.Unmarshal(w.Welcome.Visitor, &v) //nolint:errcheck
		sv, err := s.App.Store.GetVisitor(ctx, s.WorkspaceID(t), v.ID)
		if err != nil {
			t.Fatal(err)
		}
		return sv.ContactID
	}
	unverified := do(t, ctx, w, "identify", map[string]any{"external_id": "user-7", "name": "Ann"})
	if !bytes.Contains(unverified.Raw, []byte(`"verified":false`)) || linked() != "" {
		t.Fatalf("unverified identify linked a contact: %s", unverified.Raw)
	}
	mac := hmac.New(sha256.New, []byte(st.IdentitySecret))
	mac.Write([]byte("user-7"))
	verified := do(t, ctx, w, "identify", map[string]any{"external_id": "user-7", "name": "Ann", "hash": hex.EncodeToString(mac.Sum(nil))})
	if !bytes.Contains(verified.Raw, []byte(`"verified":true`)) || linked() == "" {
		t.Fatalf("verified identify did not link a contact: %s", verified.Raw)
	}

	// Presence expires by itself when heartbeats stop.
	s.Clock.Advance(89 * time.Second)
	if n, err := s.App.Visitors.ExpireDue(ctx); err != nil || n != 0 {
		t.Fatalf("expired %d before the TTL (%v)", n, err)
	}
	s.Clock.Advance(2 * time.Second)
	if n, err := s.App.Visitors.ExpireDue(ctx); err != nil || n != 1 {
		t.Fatalf("expired %d after the TTL, want 1 (%v)", n, err)
	}
	left := await(t, ctx, desk, "visitor.left", nil)
	if left.VisitorID != vid {
		t.Fatalf("visitor.left for %q, want %q", left.VisitorID, vid)
	}
	if n, _ := s.App.Visitors.ExpireDue(ctx); n != 0 {
		t.Fatalf("the same expiry fired twice")
	}
}

func TestAgentStatusReachesOtherDesks(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := testCtx(t)
	cookie := s.AdminHeader(t)
	one := s.DialDesk(t, client.Options{Header: cookie})
	two := s.DialDesk(t, client.Options{Header: cookie})
	await(t, ctx, two, "snapshot", nil)
	if code := doErr(t, ctx, one, "agent.status", map[string]any{"status": "away"}); code != "invalid_status" {
		t.Fatalf("bad status: %q", code)
	}
	do(t, ctx, one, "agent.status", map[string]any{"status": "busy"})
	f := await(t, ctx, two, "agent", nil)
	if !bytes.Contains(f.Raw, []byte(`"status":"busy"`)) {
		t.Fatalf("agent frame: %s", f.Raw)
	}
	a, err := s.App.Store.AgentByEmail(ctx, apptest.AdminEmail)
	if err != nil || a.Status != "busy" {
		t.Fatalf("status not persisted: %q %v", a.Status, err)
	}
}

func TestVisitorDisconnectReachesDesk(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := testCtx(t)
	desk := s.DialDesk(t, client.Options{Header: s.AdminHeader(t)})
	await(t, ctx, desk, "snapshot", nil)
	w := s.DialWidget(t, s.DemoSite(t).WidgetKey, client.Options{})
	await(t, ctx, desk, "visitor", func(f client.Frame) bool { return bytes.Contains(f.Raw, []byte(`"connected":true`)) })
	w.Kill()
	await(t, ctx, desk, "visitor", func(f client.Frame) bool { return bytes.Contains(f.Raw, []byte(`"connected":false`)) })
}

func ownerOf(t *testing.T, s *apptest.Server) auth.Principal {
	t.Helper()
	a, err := s.App.Store.AgentByEmail(context.Background(), apptest.AdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	return auth.Principal{Agent: a}
}

// TestRevokedSessionClosesTheDesk: a desk socket whose session is logged
// out is closed with 4401 at the next ping.
func TestRevokedSessionClosesTheDesk(t *testing.T) {
	t.Parallel()
	s := apptest.New(t, withRealtime(func(o *realtime.Options) { o.PingInterval = 20 * time.Millisecond }))
	ctx := testCtx(t)
	cookie := s.AdminHeader(t)
	desk := s.DialDesk(t, client.Options{Header: cookie})
	req, _ := http.NewRequestWithContext(ctx, "POST", s.URL+"/api/v1/auth/logout", nil)
	req.Header = cookie
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("logout: %v %v", resp, err)
	}
	resp.Body.Close()
	<-desk.Done()
	if code := desk.CloseStatus(); code != 4401 {
		t.Fatalf("close %d, want 4401", code)
	}
}

// TestClientMsgIDOfAnotherAuthor: reusing another author's client_msg_id
// is refused and never returns that author's message as a "retry".
func TestClientMsgIDOfAnotherAuthor(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := testCtx(t)
	w := s.DialWidget(t, s.DemoSite(t).WidgetKey, client.Options{})
	conv := do(t, ctx, w, "conversation.start", nil).ConversationID
	do(t, ctx, w, "message.send", map[string]any{"conversation_id": conv, "client_msg_id": "shared", "text": "visitor's"})
	desk := s.DialDesk(t, client.Options{Header: s.AdminHeader(t)})
	if code := doErr(t, ctx, desk, "message.send", map[string]any{"conversation_id": conv, "client_msg_id": "shared", "text": "agent's"}); code != "client_msg_id_taken" {
		t.Fatalf("reused id: %q, want client_msg_id_taken", code)
	}
}

// TestNewAgentReachesOpenDesks: an agent created over REST appears on the
// open desks at once (the transfer dialog lists it without a reload).
func TestNewAgentReachesOpenDesks(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := testCtx(t)
	cookie := s.AdminHeader(t)
	desk := s.DialDesk(t, client.Options{Header: cookie})
	await(t, ctx, desk, "snapshot", nil)
	body := strings.NewReader(`{"email":"new@example.com","name":"Newcomer","role":"agent"}`)
	req, _ := http.NewRequestWithContext(ctx, "POST", s.URL+"/api/v1/agents", body)
	req.Header = cookie.Clone()
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("create agent: %v %v", resp, err)
	}
	resp.Body.Close()
	f := await(t, ctx, desk, "agent", nil)
	if !bytes.Contains(f.Raw, []byte(`"name":"Newcomer"`)) {
		t.Fatalf("agent frame: %s", f.Raw)
	}
}
