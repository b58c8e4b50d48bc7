package realtime_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/coder/websocket"

	"github.com/querytel/livedesk/client"
	"github.com/querytel/livedesk/internal/app/apptest"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/chat"
	"github.com/querytel/livedesk/internal/event"
	"github.com/querytel/livedesk/internal/realtime"
	"github.com/querytel/livedesk/internal/site"
	"github.com/querytel/livedesk/internal/store"
)

// framesUntilPong pings and returns every event the server sent before
// the pong: all of the welcome's replay, and whatever was queued live
// during the hello.
func framesUntilPong(t *testing.T, ctx context.Context, c *client.Conn) []client.Frame {
	t.Helper()
	do(t, ctx, c, "ping", nil)
	done, cancel := context.WithCancel(ctx)
	cancel()
	var out []client.Frame
	for {
		f, err := c.Next(done)
		if err != nil {
			return out
		}
		out = append(out, f)
	}
}

// seqs lists the seqs of the message frames of conversation conv.
func seqs(t *testing.T, frames []client.Frame, conv string) []int64 {
	t.Helper()
	var out []int64
	for _, f := range frames {
		if f.Type != "message" {
			continue
		}
		if m := msgOf(t, f); m.ConversationID == conv {
			out = append(out, m.Seq)
		}
	}
	return out
}

// TestResumeFromTheWelcomeList covers the resume paths: a listed
// conversation is replayed from the client's seq with private events as
// hidden stubs, an up-to-date one replays nothing and then gets live
// events, one older than the welcome's list is still replayed, and
// another visitor's replays nothing.
func TestResumeFromTheWelcomeList(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := testCtx(t)
	key := s.DemoSite(t).WidgetKey
	desk := s.DialDesk(t, client.Options{Header: s.AdminHeader(t)})

	// An old conversation, then 20 newer ones: the old one is not in the
	// welcome's list of 20.
	w := s.DialWidget(t, key, client.Options{})
	token := w.Welcome.Token
	var convs []string
	for i := range 21 {
		conv := do(t, ctx, w, "conversation.start", nil).ConversationID
		do(t, ctx, w, "message.send", map[string]any{"conversation_id": conv, "client_msg_id": fmt.Sprint("v", i), "text": "hello"})
		do(t, ctx, w, "conversation.close", map[string]any{"conversation_id": conv})
		convs = append(convs, conv)
	}
	old := convs[0]
	conv := do(t, ctx, w, "conversation.start", nil).ConversationID
	do(t, ctx, w, "message.send", map[string]any{"conversation_id": conv, "client_msg_id": "v-last", "text": "first"})
	w.Kill()

	// While away: a reply, a close, and a private wrap-up note.
	do(t, ctx, desk, "message.send", map[string]any{"conversation_id": conv, "client_msg_id": "a1", "text": "reply"})
	do(t, ctx, desk, "conversation.status", map[string]any{"conversation_id": conv, "status": "closed"})
	do(t, ctx, desk, "conversation.wrapup", map[string]any{"conversation_id": conv, "notes": "secret note"})

	other := s.DialWidget(t, key, client.Options{})
	foreign := do(t, ctx, other, "conversation.start", nil).ConversationID
	do(t, ctx, other, "message.send", map[string]any{"conversation_id": foreign, "client_msg_id": "o1", "text": "not yours"})

	w2 := s.DialWidget(t, key, client.Options{Token: token, Resume: map[string]int64{conv: 1, old: 0, foreign: 0}})
	if w2.Welcome.Token != token {
		t.Fatal("resume made a new visitor")
	}
	listed := map[string]int64{}
	for _, cv := range w2.Welcome.Conversations {
		listed[cv.ID] = cv.LastSeq
	}
	if _, ok := listed[old]; ok || len(listed) != 20 || listed[conv] != 4 {
		t.Fatalf("welcome lists %d conversations (old one listed: %v, last_seq %d); want the latest 20 with last_seq 4", len(listed), ok, listed[conv])
	}
	frames := framesUntilPong(t, ctx, w2)
	if got := seqs(t, frames, conv); fmt.Sprint(got) != "[2 3 4]" {
		t.Errorf("replayed seqs %v of the listed conversation, want [2 3 4]", got)
	}
	if got := seqs(t, frames, old); fmt.Sprint(got) != "[1 2]" {
		t.Errorf("replayed seqs %v of the unlisted own conversation, want [1 2]", got)
	}
	if got := seqs(t, frames, foreign); len(got) != 0 {
		t.Errorf("replayed %v of another visitor's conversation", got)
	}
	for _, f := range frames {
		if f.Type != "message" {
			continue
		}
		if m := msgOf(t, f); m.Seq == 4 && m.ConversationID == conv {
			if bytes.Contains(f.Raw, []byte("secret")) || !bytes.Contains(f.Raw, []byte(`"kind":"hidden"`)) {
				t.Errorf("the private note reached the visitor as %s", f.Raw)
			}
		}
	}
	w2.Kill()

	// Up to date: nothing is replayed, and what comes next arrives live.
	open := do(t, ctx, other, "conversation.start", nil).ConversationID
	w3 := s.DialWidget(t, key, client.Options{Token: other.Welcome.Token, Resume: map[string]int64{open: 1}})
	if got := seqs(t, framesUntilPong(t, ctx, w3), open); len(got) != 0 {
		t.Errorf("an up-to-date resume replayed %v", got)
	}
	do(t, ctx, desk, "message.send", map[string]any{"conversation_id": open, "client_msg_id": "a2", "text": "live"})
	if m := msgOf(t, await(t, ctx, w3, "message", nil)); m.Seq != 2 || m.ConversationID != open {
		t.Errorf("live message seq %d of %s, want 2 of %s", m.Seq, m.ConversationID, open)
	}
}

// listHook is the store as the chat service sees it, with a hook that runs
// right after a visitor's conversation list is read.
type listHook struct {
	*store.Store
	after func(f store.ConversationFilter)
}

func (h listHook) ListConversations(ctx context.Context, workspaceID string, f store.ConversationFilter) ([]store.Conversation, error) {
	list, err := h.Store.ListConversations(ctx, workspaceID, f)
	h.after(f)
	return list, err
}

// TestResumeKeepsAMessageStoredDuringHello: a message stored just after
// the welcome's list was read (so the list's last_seq, which the client
// already holds, does not count it and nothing is replayed) still reaches
// the visitor, live, because the connection was subscribed before the read.
func TestResumeKeepsAMessageStoredDuringHello(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := testCtx(t)
	key := s.DemoSite(t).WidgetKey
	w := s.DialWidget(t, key, client.Options{})
	conv := do(t, ctx, w, "conversation.start", nil).ConversationID
	do(t, ctx, w, "message.send", map[string]any{"conversation_id": conv, "client_msg_id": "v1", "text": "hi"})
	w.Kill()
	visitorID := visitorIDOf(t, s, conv)

	owner := ownerOf(t, s).Agent
	agent := auth.Principal{Agent: owner}.Actor()
	var once sync.Once
	hooked := chat.New(listHook{Store: s.App.Store, after: func(f store.ConversationFilter) {
		if f.VisitorID != visitorID {
			return
		}
		once.Do(func() {
			if _, _, err := s.App.Chat.Send(ctx, agent, conv, "during-hello", "stored during the hello"); err != nil {
				t.Errorf("send during hello: %v", err)
			}
		})
	}}, s.Clock, event.NewPublisher(s.App.Bus, nil))
	rt := realtime.New(realtime.Config{Clock: s.Clock, Auth: s.App.Auth, Sites: s.App.Sites, Team: s.App.Team, Chat: hooked,
		Visitors: s.App.Visitors})
	unsubscribe, err := s.App.Bus.Subscribe(rt.Hub().HandleBus)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /widget/v1/ws", rt.ServeWidget)
	hs := httptest.NewServer(mux)
	t.Cleanup(func() {
		hs.CloseClientConnections()
		hs.Close()
		unsubscribe()
		rt.Shutdown(context.Background()) //nolint:errcheck
	})

	w2, err := client.Dial(ctx, "ws"+strings.TrimPrefix(hs.URL, "http")+"/widget/v1/ws?key="+key,
		client.Options{Token: w.Welcome.Token, Resume: map[string]int64{conv: 1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w2.Kill() })
	if len(w2.Welcome.Conversations) != 1 || w2.Welcome.Conversations[0].LastSeq != 1 {
		t.Fatalf("welcome %+v: want the conversation at last_seq 1 (read before the send)", w2.Welcome.Conversations)
	}
	if got := seqs(t, framesUntilPong(t, ctx, w2), conv); fmt.Sprint(got) != "[2]" {
		t.Fatalf("the visitor got seqs %v before the pong, want [2] (the message stored during its hello)", got)
	}
}

func visitorIDOf(t *testing.T, s *apptest.Server, conv string) string {
	t.Helper()
	c, err := s.App.Store.GetConversation(context.Background(), s.WorkspaceID(t), conv)
	if err != nil {
		t.Fatal(err)
	}
	return c.VisitorID
}

// TestSiteChangesApplyToTheNextSocket: the widget-key lookup is cached,
// but a rotation, an origin change or a deletion made on this node applies
// to the very next connection.
func TestSiteChangesApplyToTheNextSocket(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := testCtx(t)
	st := s.DemoSite(t)
	owner := ownerOf(t, s)
	closeCode := func(key, origin string) websocket.StatusCode {
		t.Helper()
		ws, _, err := websocket.Dial(ctx, s.WSURL("/widget/v1/ws?key="+key),
			&websocket.DialOptions{Subprotocols: []string{"livedesk.v1"}, HTTPHeader: http.Header{"Origin": {origin}}})
		if err != nil {
			t.Fatal(err)
		}
		defer ws.CloseNow() //nolint:errcheck
		if err := ws.Write(ctx, websocket.MessageText, []byte(`{"type":"hello","id":"h"}`)); err != nil {
			t.Fatal(err)
		}
		_, data, err := ws.Read(ctx)
		if err == nil && bytes.Contains(data, []byte(`"welcome"`)) {
			return 0 // accepted
		}
		return websocket.CloseStatus(err)
	}
	if got := closeCode(st.WidgetKey, "https://evil.example"); got != 0 {
		t.Fatalf("open site refused the connection: %d", got)
	}
	origins := []string{"https://shop.example"}
	if _, err := s.App.Sites.Update(ctx, owner.Actor(), st.ID, site.Input{AllowedOrigins: &origins}); err != nil {
		t.Fatal(err)
	}
	if got := closeCode(st.WidgetKey, "https://evil.example"); got != realtime.CloseOriginRefused {
		t.Errorf("narrowed origins: close %d, want %d", got, realtime.CloseOriginRefused)
	}
	// The site's admins see where the widget was refused, to fix the
	// allow-list; agents may not look.
	closeCode(st.WidgetKey, "https://evil.example")
	code, body := s.Do(t, s.Admin(t), http.MethodGet, "/api/v1/sites/"+st.ID+"/refused-origins", nil)
	if code != http.StatusOK || !bytes.Contains(body, []byte(`"origin":"https://evil.example","count":2`)) {
		t.Errorf("refused origins: %d %s, want evil.example twice", code, body)
	}
	email, pw := s.AddAgent(t, "agent", "refused-reader@example.com")
	if code, body := s.Do(t, s.Login(t, email, pw), http.MethodGet, "/api/v1/sites/"+st.ID+"/refused-origins", nil); code != http.StatusForbidden {
		t.Errorf("an agent read the refused origins: %d %s", code, body)
	}
	rotated, err := s.App.Sites.RotateKey(ctx, owner.Actor(), st.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := closeCode(st.WidgetKey, "https://shop.example"); got != realtime.CloseUnknownKey {
		t.Errorf("rotated-out key: close %d, want %d", got, realtime.CloseUnknownKey)
	}
	if got := closeCode(rotated.WidgetKey, "https://shop.example"); got != 0 {
		t.Errorf("new key: close %d, want accepted", got)
	}
	if err := s.App.Sites.Delete(ctx, owner.Actor(), st.ID); err != nil {
		t.Fatal(err)
	}
	if got := closeCode(rotated.WidgetKey, "https://shop.example"); got != realtime.CloseUnknownKey {
		t.Errorf("deleted site: close %d, want %d", got, realtime.CloseUnknownKey)
	}
}

// TestHellosTakenInTurn: with one hello handled at a time, a crowd of
// widgets saying hello at once is answered in full, the refused ones too
// (a first frame that is not a hello): every way out of a hello frees
// its turn.
func TestHellosTakenInTurn(t *testing.T) {
	t.Parallel()
	s := apptest.New(t, withRealtime(func(o *realtime.Options) { o.Hellos = 1 }))
	ctx := testCtx(t)
	key := s.DemoSite(t).WidgetKey
	const n = 18
	errs := make(chan error, n)
	for i := range n {
		go func() {
			ws, _, err := websocket.Dial(ctx, s.WSURL("/widget/v1/ws?key="+key), &websocket.DialOptions{Subprotocols: []string{client.Subprotocol}})
			if err != nil {
				errs <- err
				return
			}
			defer ws.CloseNow() //nolint:errcheck
			if i%3 != 0 {
				_, err = client.Hello(ctx, ws, "", nil)
				errs <- err
				return
			}
			if err := ws.Write(ctx, websocket.MessageText, []byte(`{"type":"ping","id":"p1"}`)); err != nil {
				errs <- err
				return
			}
			for {
				if _, _, err = ws.Read(ctx); err != nil {
					break
				}
			}
			if code := websocket.CloseStatus(err); code != realtime.CloseBadFrames {
				errs <- fmt.Errorf("a first frame that is not a hello: %v, want close %d", err, realtime.CloseBadFrames)
				return
			}
			errs <- nil
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if got := metric(t, s, "livedesk_ws_hellos_waiting"); got != 0 {
		t.Fatalf("hellos still waiting: %d", got)
	}
}
