package realtime_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"strings"
	"sync"
	"testing"

	"github.com/querytel/livedesk/client"
	"github.com/querytel/livedesk/internal/app/apptest"
	"github.com/querytel/livedesk/internal/site"
)

// TestWidgetFramesHoldNoAgentFields drives every widget command and every
// event a widget receives (welcome and resume, acks, conversation and
// message events after flags, transfers with notes and wrap-ups, sync,
// identify, context) and checks that no frame a visitor gets carries what
// only agents see: the flag, wrap-up notes and tags, the reply clock,
// private notes, the visitor's address and contact link.
func TestWidgetFramesHoldNoAgentFields(t *testing.T) {
	t.Parallel()
	srv := apptest.New(t)
	ctx := timeout(t)
	st := srv.DemoSite(t)
	desk := srv.DialDesk(t, client.Options{Header: srv.AdminHeader(t)})
	await(t, ctx, desk, "snapshot", nil)

	var mu sync.Mutex
	var seen [][]byte
	record := func(f client.Frame) {
		mu.Lock()
		seen = append(seen, bytes.Clone(f.Raw))
		mu.Unlock()
	}
	w := srv.DialWidget(t, st.WidgetKey, client.Options{})
	record(client.Frame{Raw: w.Welcome.Raw})
	doW := func(typ string, fields map[string]any) client.Frame {
		f := do(t, ctx, w, typ, fields)
		record(f)
		return f
	}
	doW("heartbeat", map[string]any{"url": "https://shop.example/", "title": "Shop"})
	doW("context.set", map[string]any{"data": map[string]any{"plan": "pro"}})
	doW("identify", map[string]any{"external_id": "cust-9", "name": "Vic", "email": "vic@example.com",
		"hash": hex.EncodeToString(site.IdentityHash(st.IdentitySecret, "cust-9"))})
	conv := doW("conversation.start", nil).ConversationID
	doW("message.send", map[string]any{"conversation_id": conv, "client_msg_id": "v1", "text": "hello"})

	// The desk does everything agent-only to the conversation.
	do(t, ctx, desk, "conversation.flag", map[string]any{"conversation_id": conv, "flagged": true})
	do(t, ctx, desk, "conversation.status", map[string]any{"conversation_id": conv, "status": "pending"})
	doW("message.send", map[string]any{"conversation_id": conv, "client_msg_id": "v2", "text": "still there?"})
	do(t, ctx, desk, "conversation.transfer", map[string]any{"conversation_id": conv, "department_id": "", "agent_id": agentID(t, desk), "note": "SECRET-TRANSFER-NOTE"})
	do(t, ctx, desk, "message.send", map[string]any{"conversation_id": conv, "client_msg_id": "a1", "text": "hi Vic"})
	do(t, ctx, desk, "conversation.status", map[string]any{"conversation_id": conv, "status": "closed"})
	do(t, ctx, desk, "conversation.wrapup", map[string]any{"conversation_id": conv, "notes": "SECRET-WRAPUP", "tags": []string{"secret-tag"}})
	doW("conversation.start", nil) // the closed one's successor: a fresh ack
	doW("conversations.list", nil)
	doW("sync", map[string]any{"conversation_id": conv})

	// Everything else the widget was sent: events, sync pages.
	for {
		f, ok := next(w)
		if !ok {
			break
		}
		record(f)
	}
	// And a resume from the start replays the whole history.
	w2 := srv.DialWidget(t, st.WidgetKey, client.Options{Token: w.Welcome.Token, Resume: map[string]int64{conv: 0}})
	record(client.Frame{Raw: w2.Welcome.Raw})
	record(do(t, ctx, w2, "conversations.list", nil)) // after the replay on the wire
	for {
		f, ok := next(w2)
		if !ok {
			break
		}
		record(f)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(seen) < 20 {
		t.Fatalf("only %d frames recorded: the scenario did not run", len(seen))
	}
	for _, raw := range seen {
		s := string(raw)
		for _, bad := range []string{`"flagged":true`, "SECRET-TRANSFER-NOTE", "SECRET-WRAPUP", "secret-tag",
			`"awaiting_reply_since"`, `"ip":`, `"contact_id"`, `"wrapup_notes"`} {
			if strings.Contains(s, bad) {
				t.Errorf("a widget frame holds %s: %s", bad, s)
			}
		}
	}
}

// next returns the next frame already received, without waiting.
func next(c *client.Conn) (client.Frame, bool) {
	done, cancel := context.WithCancel(context.Background())
	cancel()
	f, err := c.Next(done)
	return f, err == nil
}

func agentID(t *testing.T, desk *client.Conn) string {
	t.Helper()
	s := string(desk.Welcome.Raw)
	i := strings.Index(s, `"agent":{"id":"`)
	if i < 0 {
		t.Fatal("no agent in the desk's welcome")
	}
	s = s[i+len(`"agent":{"id":"`):]
	return s[:strings.IndexByte(s, '"')]
}
