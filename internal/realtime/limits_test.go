package realtime_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/querytel/livedesk/client"
	"github.com/querytel/livedesk/internal/app/apptest"
	"github.com/querytel/livedesk/internal/config"
	"github.com/querytel/livedesk/internal/realtime"
)

// limited is a server with the given widget limits, behind a trusted
// proxy so that a test can speak from several client addresses.
func limited(t *testing.T, set func(l *config.Limits)) (*apptest.Server, string) {
	t.Helper()
	srv := apptest.New(t, apptest.Configure(func(c *config.Config) {
		c.TrustProxy = true
		c.Limits = config.DefaultLimits()
		set(&c.Limits)
	}))
	return srv, srv.DemoSite(t).WidgetKey
}

func from(ip string) http.Header { return http.Header{"X-Forwarded-For": {ip}} }

func metricsOf(t *testing.T, srv *apptest.Server) string {
	t.Helper()
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var e *client.Error
	if !asErr(err, &e) || e.Code != code {
		t.Fatalf("%v, want %s", err, code)
	}
}

// TestWidgetLimitsPerAddress: one client address gets its budget of
// messages, conversations and heartbeats, then rate_limited (retryable);
// another address on the same site is not held back; refusals are counted.
func TestWidgetLimitsPerAddress(t *testing.T) {
	t.Parallel()
	srv, key := limited(t, func(l *config.Limits) {
		l.IPMessages = config.Rate{N: 3, Per: 3600e9}
		l.IPStarts = config.Rate{N: 1, Per: 3600e9}
		l.IPHeartbeats = config.Rate{N: 2, Per: 3600e9}
	})
	ctx := timeout(t)
	dial := func(ip string) *client.Conn {
		c, err := client.Dial(ctx, srv.WSURL("/widget/v1/ws?key="+key), client.Options{Header: from(ip)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Kill)
		return c
	}
	a := dial("203.0.113.1")
	start, err := a.Do(ctx, "conversation.start", nil)
	if err != nil {
		t.Fatal(err)
	}
	conv := start.ConversationID
	for i := range 3 {
		if _, err := a.Do(ctx, "message.send", map[string]any{"conversation_id": conv, "client_msg_id": "m" + string(rune('a'+i)), "text": "hi"}); err != nil {
			t.Fatalf("message %d: %v", i+1, err)
		}
	}
	_, err = a.Do(ctx, "message.send", map[string]any{"conversation_id": conv, "client_msg_id": "md", "text": "one too many"})
	wantCode(t, err, "rate_limited")
	if e := err.(*client.Error); !e.Retry {
		t.Fatal("rate_limited is not marked retryable")
	}
	// A second visitor from the same address shares its budgets.
	b := dial("203.0.113.1")
	_, err = b.Do(ctx, "conversation.start", nil)
	wantCode(t, err, "rate_limited")
	for range 2 {
		if _, err := a.Do(ctx, "heartbeat", map[string]any{"url": "https://shop.example/"}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = a.Do(ctx, "heartbeat", map[string]any{"url": "https://shop.example/"})
	wantCode(t, err, "rate_limited")
	// Another address is not affected.
	c := dial("198.51.100.9")
	s2, err := c.Do(ctx, "conversation.start", nil)
	if err != nil {
		t.Fatalf("another address: %v", err)
	}
	if _, err := c.Do(ctx, "message.send", map[string]any{"conversation_id": s2.ConversationID, "client_msg_id": "x1", "text": "hello"}); err != nil {
		t.Fatalf("another address: %v", err)
	}
	// The refused message was not stored.
	stored, err := srv.App.Store.GetConversation(ctx, srv.WorkspaceID(t), conv)
	if err != nil || stored.LastSeq != 3 {
		t.Fatalf("the limited conversation holds seq %d (%v), want 3", stored.LastSeq, err)
	}
	m := metricsOf(t, srv)
	for _, line := range []string{`livedesk_limit_refusals_total{limit="ip_messages"} 1`, `livedesk_limit_refusals_total{limit="ip_starts"} 1`,
		`livedesk_limit_refusals_total{limit="ip_heartbeats"} 1`} {
		if !strings.Contains(m, line) {
			t.Errorf("/metrics lacks %s", line)
		}
	}
}

// TestWidgetLimitsPerSite: a site's budget holds whatever the addresses.
func TestWidgetLimitsPerSite(t *testing.T) {
	t.Parallel()
	srv, key := limited(t, func(l *config.Limits) { l.SiteStarts = config.Rate{N: 2, Per: 3600e9} })
	ctx := timeout(t)
	for i, ip := range []string{"203.0.113.1", "203.0.113.2", "203.0.113.3"} {
		c, err := client.Dial(ctx, srv.WSURL("/widget/v1/ws?key="+key), client.Options{Header: from(ip)})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Do(ctx, "conversation.start", nil)
		c.Kill()
		if i < 2 && err != nil {
			t.Fatalf("start %d: %v", i+1, err)
		}
		if i == 2 {
			wantCode(t, err, "rate_limited")
		}
	}
}

// TestNewVisitorsAndSocketsPerAddress: an address that keeps making new
// visitors gets its hello refused with 4029 (try later: a client backs off
// and comes back), and one that keeps opening sockets gets 429 before the
// upgrade; a returning visitor (with its token) is no new visitor.
func TestNewVisitorsAndSocketsPerAddress(t *testing.T) {
	t.Parallel()
	srv, key := limited(t, func(l *config.Limits) {
		l.IPVisitors = config.Rate{N: 2, Per: 3600e9}
		l.IPSockets = config.Rate{N: 4, Per: 3600e9}
	})
	ctx := timeout(t)
	url := srv.WSURL("/widget/v1/ws?key=" + key)
	first, err := client.Dial(ctx, url, client.Options{Header: from("203.0.113.7")})
	if err != nil {
		t.Fatal(err)
	}
	token := first.Welcome.Token
	first.Kill()
	second, err := client.Dial(ctx, url, client.Options{Header: from("203.0.113.7")})
	if err != nil {
		t.Fatal(err)
	}
	second.Kill()
	_, err = client.Dial(ctx, url, client.Options{Header: from("203.0.113.7")})
	wantCode(t, err, "rate_limited")
	// The refused hello's socket closed with 4029.
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{realtime.Subprotocol}, HTTPHeader: from("203.0.113.7")})
	if err == nil {
		ws.Write(ctx, websocket.MessageText, []byte(`{"type":"hello","id":"h"}`)) //nolint:errcheck
		ws.Read(ctx)                                                              //nolint:errcheck // the error frame
		_, _, err = ws.Read(ctx)
		if websocket.CloseStatus(err) != realtime.CloseTryLater {
			t.Fatalf("a refused new visitor: %v, want close %d", err, realtime.CloseTryLater)
		}
	} else {
		t.Fatalf("fourth socket: %v", err)
	}
	// The sockets budget (4) is spent: the next upgrade is refused with 429.
	resp, err := (&http.Client{}).Do(upgradeRequest(t, ctx, srv.URL+"/widget/v1/ws?key="+key, "203.0.113.7"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || !bytes.Contains(body, []byte(`"rate_limited"`)) || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("fifth socket: %d %s", resp.StatusCode, body)
	}
	// A returning visitor from another address still gets in with its token.
	back, err := client.Dial(ctx, url, client.Options{Header: from("198.51.100.1"), Token: token})
	if err != nil || back.Welcome.Token != token {
		t.Fatalf("returning visitor: %v", err)
	}
	back.Kill()
}

func upgradeRequest(t *testing.T, ctx context.Context, url, ip string) *http.Request {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Sec-WebSocket-Version", "13")
	req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	req.Header.Set("Sec-WebSocket-Protocol", realtime.Subprotocol)
	req.Header.Set("X-Forwarded-For", ip)
	return req
}

// TestLowDiskRefusesWidgetWrites: with less free space than the minimum,
// /readyz says not ready and the widget's writes are refused with
// storage_low (retryable), while agents still sign in and answer.
func TestLowDiskRefusesWidgetWrites(t *testing.T) {
	t.Parallel()
	srv, key := limited(t, func(l *config.Limits) { l.MinFreeDiskMB = 1 << 40 }) // more than any disk has
	ctx := timeout(t)
	resp, err := http.Get(srv.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !bytes.Contains(body, []byte("storage_low")) {
		t.Fatalf("/readyz: %d %s", resp.StatusCode, body)
	}
	_, err = client.Dial(ctx, srv.WSURL("/widget/v1/ws?key="+key), client.Options{})
	wantCode(t, err, "storage_low")
	owner := srv.Admin(t) // signing in still works
	if status, body := srv.Do(t, owner, "GET", "/api/v1/me", nil); status != 200 {
		t.Fatalf("an agent on a low disk: %d %s", status, body)
	}
	if !strings.Contains(metricsOf(t, srv), `livedesk_limit_refusals_total{limit="storage_low"}`) {
		t.Error("storage_low refusals are not counted")
	}
}

// TestTypingUpdatesAndReadsPerAddress: typing (which goes to every desk),
// context and identity writes, and history reads have budgets per
// address too, not only the 50 frames/s of a connection.
func TestTypingUpdatesAndReadsPerAddress(t *testing.T) {
	t.Parallel()
	srv, key := limited(t, func(l *config.Limits) {
		l.IPTyping = config.Rate{N: 2, Per: 3600e9}
		l.IPUpdates = config.Rate{N: 1, Per: 3600e9}
		l.IPReads = config.Rate{N: 1, Per: 3600e9}
	})
	ctx := timeout(t)
	w, err := client.Dial(ctx, srv.WSURL("/widget/v1/ws?key="+key), client.Options{Header: from("203.0.113.9")})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Kill()
	conv, err := w.Do(ctx, "conversation.start", nil)
	if err != nil {
		t.Fatal(err)
	}
	typing := map[string]any{"conversation_id": conv.ConversationID, "on": true}
	for range 2 {
		if _, err := w.Do(ctx, "typing", typing); err != nil {
			t.Fatal(err)
		}
	}
	_, err = w.Do(ctx, "typing", typing)
	wantCode(t, err, "rate_limited")
	if _, err := w.Do(ctx, "context.set", map[string]any{"data": map[string]any{"a": 1}}); err != nil {
		t.Fatal(err)
	}
	_, err = w.Do(ctx, "identify", map[string]any{"name": "Vic"})
	wantCode(t, err, "rate_limited")
	if _, err := w.Do(ctx, "sync", map[string]any{"conversation_id": conv.ConversationID}); err != nil {
		t.Fatal(err)
	}
	_, err = w.Do(ctx, "conversations.list", nil)
	wantCode(t, err, "rate_limited")
	m := metricsOf(t, srv)
	for _, l := range []string{`limit="ip_typing"} 1`, `limit="ip_updates"} 1`, `limit="ip_reads"} 1`} {
		if !strings.Contains(m, l) {
			t.Errorf("/metrics lacks %s", l)
		}
	}
}
