package realtime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/querytel/livedesk/client"
	"github.com/querytel/livedesk/internal/app/apptest"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/realtime"
)

// boundary is a full server with its demo site's key, for the refusals
// issue #10 names (and the ones the protocol documents).
type boundary struct {
	srv *apptest.Server
	key string
}

func newBoundary(t *testing.T) boundary {
	t.Helper()
	srv := apptest.New(t)
	sites, err := srv.App.Store.ListSites(t.Context(), srv.WorkspaceID(t))
	if err != nil || len(sites) == 0 {
		t.Fatalf("demo site: %v", err)
	}
	return boundary{srv: srv, key: sites[0].WidgetKey}
}

func (b boundary) ws(path string) string { return "ws" + strings.TrimPrefix(b.srv.URL, "http") + path }

func (b boundary) widget(t *testing.T, ctx context.Context) *client.Conn {
	t.Helper()
	c, err := client.Dial(ctx, b.ws("/widget/v1/ws?key="+b.key), client.Options{})
	if err != nil {
		t.Fatalf("widget: %v", err)
	}
	t.Cleanup(c.Kill)
	return c
}

// rawReply writes frame as is (it must carry "id":"raw") and returns the
// reply to it.
func rawReply(t *testing.T, ctx context.Context, c *client.Conn, frame string) client.Frame {
	t.Helper()
	if err := c.WriteRaw(ctx, []byte(frame)); err != nil {
		t.Fatal(err)
	}
	for {
		f, err := c.Next(ctx)
		if err != nil {
			t.Fatalf("waiting for the reply to %s: %v", frame, err)
		}
		if f.ID == "raw" {
			return f
		}
	}
}

func timeout(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestBadTextIsRefused: invalid UTF-8 and escaped lone surrogates are
// refused with invalid_text on the socket and over REST, and nothing is
// stored (the JSON decoder would have stored U+FFFD in their place).
func TestBadTextIsRefused(t *testing.T) {
	t.Parallel()
	b := newBoundary(t)
	ctx := timeout(t)
	w := b.widget(t, ctx)
	start, err := w.Do(ctx, "conversation.start", nil)
	if err != nil {
		t.Fatal(err)
	}
	conv := start.ConversationID
	for _, text := range []string{`"\udc00"`, `"ok \ud83d then"`, "\"raw \xff byte\""} {
		f := rawReply(t, ctx, w, `{"type":"message.send","id":"raw","conversation_id":"`+conv+`","client_msg_id":"bad1","text":`+text+`}`)
		if f.Type != "error" || f.Code != "invalid_text" {
			t.Errorf("socket, text %s: %s %s, want error invalid_text", text, f.Type, f.Code)
		}
	}

	owner := b.srv.Admin(t)
	for _, body := range []string{`{"client_msg_id":"bad2","text":"\udc00"}`, "{\"client_msg_id\":\"bad2\",\"text\":\"\xfe\"}"} {
		req, _ := http.NewRequestWithContext(ctx, "POST", b.srv.URL+"/api/v1/conversations/"+conv+"/messages", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := owner.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !bytes.Contains(got, []byte(`"code":"invalid_text"`)) {
			t.Errorf("REST %q: %d %s, want 400 invalid_text", body, resp.StatusCode, got)
		}
	}
	c, err := b.srv.App.Store.GetConversation(ctx, b.srv.WorkspaceID(t), conv)
	if err != nil || c.LastSeq != 0 {
		t.Fatalf("after the refusals the conversation holds seq %d (%v); want nothing stored", c.LastSeq, err)
	}
	// Valid text, surrogate pairs included, still goes through.
	if f := rawReply(t, ctx, w, `{"type":"message.send","id":"raw","conversation_id":"`+conv+`","client_msg_id":"ok1","text":"smile \ud83d\ude00"}`); f.Type != "ack" {
		t.Fatalf("a valid surrogate pair: %s %s", f.Type, f.Code)
	}
}

// TestLongTitleIsRefused: a page title over 300 characters is refused
// with invalid_title, not cut; 300 is accepted.
func TestLongTitleIsRefused(t *testing.T) {
	t.Parallel()
	b := newBoundary(t)
	ctx := timeout(t)
	w := b.widget(t, ctx)
	title := strings.Repeat("é", 300)
	if _, err := w.Do(ctx, "heartbeat", map[string]any{"url": "https://shop.example/", "title": title}); err != nil {
		t.Fatalf("300 characters: %v", err)
	}
	_, err := w.Do(ctx, "heartbeat", map[string]any{"url": "https://shop.example/", "title": title + "x"})
	var e *client.Error
	if !asErr(err, &e) || e.Code != "invalid_title" || e.Field != "title" {
		t.Fatalf("301 characters: %v, want invalid_title on title", err)
	}
}

func asErr(err error, target **client.Error) bool {
	e, ok := err.(*client.Error)
	if ok {
		*target = e
	}
	return ok
}

// TestPlainGetOnSocketRoutes: opening a socket URL without an upgrade
// answers 426 with the API's JSON error shape.
func TestPlainGetOnSocketRoutes(t *testing.T) {
	t.Parallel()
	b := newBoundary(t)
	for _, path := range []string{"/widget/v1/ws?key=" + b.key, "/api/v1/ws"} {
		resp, err := http.Get(b.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Error struct{ Code, Message, RequestID string } `json:"error"`
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUpgradeRequired || err != nil || body.Error.Code != "upgrade_required" ||
			!strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || resp.Header.Get("Upgrade") != "websocket" {
			t.Errorf("GET %s: %d %s %+v (%v)", path, resp.StatusCode, resp.Header.Get("Content-Type"), body, err)
		}
	}
}

// TestDeskReceivesItsPermissions: the desk's welcome and GET /api/v1/me
// carry the caller's permissions, from the one role rule.
func TestDeskReceivesItsPermissions(t *testing.T) {
	t.Parallel()
	b := newBoundary(t)
	ctx := timeout(t)
	for _, role := range []auth.Role{auth.Agent, auth.Supervisor, auth.Admin} {
		email, pw := b.srv.AddAgent(t, string(role), string(role)+"@example.com")
		hc := b.srv.Login(t, email, pw)
		desk, err := client.Dial(ctx, b.ws("/api/v1/ws"), client.Options{HTTPClient: hc})
		if err != nil {
			t.Fatalf("%s desk: %v", role, err)
		}
		var welcome struct {
			Permissions []string `json:"permissions"`
		}
		if err := json.Unmarshal(desk.Welcome.Raw, &welcome); err != nil {
			t.Fatal(err)
		}
		desk.Kill()
		_, me := b.srv.Do(t, hc, "GET", "/api/v1/me", nil)
		meBody := apptest.Decode[struct {
			Permissions []string `json:"permissions"`
		}](t, me)
		want := strings.Join(permStrings(role.Permissions()), ",")
		if got := strings.Join(welcome.Permissions, ","); got != want {
			t.Errorf("%s welcome permissions %q, want %q", role, got, want)
		}
		if got := strings.Join(meBody.Permissions, ","); got != want {
			t.Errorf("%s /me permissions %q, want %q", role, got, want)
		}
	}
}

func permStrings(ps []auth.Permission) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = string(p)
	}
	return out
}

// TestFrameTypeMetricIsBounded: client-chosen frame types are counted as
// "unknown", never as labels of their own (a label per string would grow
// /metrics without bound).
func TestFrameTypeMetricIsBounded(t *testing.T) {
	t.Parallel()
	b := newBoundary(t)
	ctx := timeout(t)
	w := b.widget(t, ctx)
	for i := range 5 {
		f := rawReply(t, ctx, w, `{"type":"made-up-`+strings.Repeat("x", i*100)+`","id":"raw"}`)
		if f.Code != "unknown_type" {
			t.Fatalf("made-up type: %s %s", f.Type, f.Code)
		}
	}
	if _, err := w.Do(ctx, "heartbeat", map[string]any{"url": "https://shop.example/"}); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(b.srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if bytes.Contains(metrics, []byte("made-up")) {
		t.Fatal("/metrics holds a client-chosen frame type")
	}
	for _, line := range []string{`livedesk_ws_frames_in_total{type="unknown"} 5`, `livedesk_ws_frames_in_total{type="heartbeat"} 1`} {
		if !bytes.Contains(metrics, []byte(line)) {
			t.Errorf("/metrics lacks %s", line)
		}
	}
}

// TestResumeIsBounded: a hello naming more conversations than a client
// can hold is refused whole, before it costs a read per made-up id.
func TestResumeIsBounded(t *testing.T) {
	t.Parallel()
	b := newBoundary(t)
	ctx := timeout(t)
	resume := func(n int) map[string]int64 {
		m := map[string]int64{}
		for i := range n {
			m[fmt.Sprintf("made-up-%d", i)] = 1
		}
		return m
	}
	c, err := client.Dial(ctx, b.ws("/widget/v1/ws?key="+b.key), client.Options{Resume: resume(realtime.MaxResumeVisitor)})
	if err != nil {
		t.Fatalf("%d conversations: %v", realtime.MaxResumeVisitor, err)
	}
	c.Kill()
	_, err = client.Dial(ctx, b.ws("/widget/v1/ws?key="+b.key), client.Options{Resume: resume(realtime.MaxResumeVisitor + 1)})
	var e *client.Error
	if !asErr(err, &e) || e.Code != "too_many_resume" {
		t.Fatalf("%d conversations: %v, want too_many_resume", realtime.MaxResumeVisitor+1, err)
	}
	email, pw := b.srv.AddAgent(t, "agent", "resumer@example.com")
	_, err = client.Dial(ctx, b.ws("/api/v1/ws"), client.Options{HTTPClient: b.srv.Login(t, email, pw), Resume: resume(realtime.MaxResumeDesk + 1)})
	if !asErr(err, &e) || e.Code != "too_many_resume" {
		t.Fatalf("a desk naming %d conversations: %v, want too_many_resume", realtime.MaxResumeDesk+1, err)
	}
}
