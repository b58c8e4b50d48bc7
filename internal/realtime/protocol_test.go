package realtime_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/querytel/livedesk/client"
	"github.com/querytel/livedesk/internal/app/apptest"
)

func TestVisitorAndAgentChat(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := testCtx(t)
	desk := s.DialDesk(t, client.Options{Header: s.AdminHeader(t)})
	await(t, ctx, desk, "snapshot", nil)

	w := s.DialWidget(t, s.DemoSite(t).WidgetKey, client.Options{})
	if len(w.Welcome.Token) < 22 {
		t.Fatalf("visitor token %q is too short", w.Welcome.Token)
	}
	do(t, ctx, w, "heartbeat", map[string]any{"url": "https://shop.example/pricing", "title": "Pricing"})
	vf := await(t, ctx, desk, "visitor", func(f client.Frame) bool { return bytes.Contains(f.Raw, []byte(`"new":true`)) })
	if !bytes.Contains(vf.Raw, []byte("https://shop.example/pricing")) || !bytes.Contains(vf.Raw, []byte(`"online":true`)) {
		t.Fatalf("desk visitor frame lacks the page or presence: %s", vf.Raw)
	}

	ack := do(t, ctx, w, "conversation.start", nil)
	convID := ack.ConversationID
	if convID == "" {
		t.Fatal("start: no conversation id")
	}
	await(t, ctx, desk, "conversation", func(f client.Frame) bool { return f.Conversation != nil && f.Conversation.ID == convID })

	sent := do(t, ctx, w, "message.send", map[string]any{"conversation_id": convID, "client_msg_id": "v1", "text": "Hello?"})
	if sent.Seq != 1 {
		t.Fatalf("first message seq = %d, want 1", sent.Seq)
	}
	got := msgOf(t, await(t, ctx, desk, "message", nil))
	if got.Body != "Hello?" || got.Seq != 1 || got.AuthorType != "visitor" {
		t.Fatalf("desk got %+v", got)
	}

	do(t, ctx, desk, "typing", map[string]any{"conversation_id": convID, "on": true})
	tf := await(t, ctx, w, "typing", nil)
	if !tf.On || tf.AuthorType != "agent" {
		t.Fatalf("visitor typing frame %+v", tf)
	}
	do(t, ctx, w, "typing", map[string]any{"conversation_id": convID, "on": true})
	await(t, ctx, desk, "typing", func(f client.Frame) bool { return f.AuthorType == "visitor" && f.On })

	reply := do(t, ctx, desk, "message.send", map[string]any{"conversation_id": convID, "client_msg_id": "a1", "text": "Hi, how can I help?"})
	if reply.Seq != 2 {
		t.Fatalf("reply seq = %d, want 2", reply.Seq)
	}
	vm := msgOf(t, await(t, ctx, w, "message", func(f client.Frame) bool { m, _ := f.Msg(); return m.Seq == 2 }))
	if vm.Body != "Hi, how can I help?" || vm.AuthorName != "Owner" {
		t.Fatalf("visitor got %+v", vm)
	}
}

func TestSendIsIdempotent(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := testCtx(t)
	w := s.DialWidget(t, s.DemoSite(t).WidgetKey, client.Options{})
	convID := do(t, ctx, w, "conversation.start", nil).ConversationID
	first := do(t, ctx, w, "message.send", map[string]any{"conversation_id": convID, "client_msg_id": "same", "text": "once"})
	again := do(t, ctx, w, "message.send", map[string]any{"conversation_id": convID, "client_msg_id": "same", "text": "once"})
	if !again.Duplicate || again.Seq != first.Seq {
		t.Fatalf("retry: duplicate=%v seq=%d, want true and %d", again.Duplicate, again.Seq, first.Seq)
	}
	if msgOf(t, again).ID != msgOf(t, first).ID {
		t.Fatal("retry returned a different message")
	}
	next := do(t, ctx, w, "message.send", map[string]any{"conversation_id": convID, "client_msg_id": "other", "text": "twice"})
	if next.Seq != 2 {
		t.Fatalf("next seq = %d, want 2 (no gap, no second copy)", next.Seq)
	}
	msgs, err := s.App.Store.ListMessages(ctx, s.WorkspaceID(t), convID, 0, 0, 100)
	if err != nil || len(msgs) != 2 {
		t.Fatalf("stored %d messages (%v), want 2", len(msgs), err)
	}
}

func TestResumeReplaysMissedMessages(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := testCtx(t)
	cookie := s.AdminHeader(t)
	desk := s.DialDesk(t, client.Options{Header: cookie})
	w := s.DialWidget(t, s.DemoSite(t).WidgetKey, client.Options{})
	token := w.Welcome.Token
	convID := do(t, ctx, w, "conversation.start", nil).ConversationID
	do(t, ctx, w, "message.send", map[string]any{"conversation_id": convID, "client_msg_id": "v1", "text": "first"})
	w.Kill()

	for i := range 3 {
		do(t, ctx, desk, "message.send", map[string]any{"conversation_id": convID, "client_msg_id": fmt.Sprint("a", i), "text": fmt.Sprint("missed ", i)})
	}
	w2 := s.DialWidget(t, s.DemoSite(t).WidgetKey, client.Options{Token: token, Resume: map[string]int64{convID: 1}})
	if w2.Welcome.Token != token {
		t.Fatal("resume with a valid token made a new visitor")
	}
	for want := int64(2); want <= 4; want++ {
		m := msgOf(t, await(t, ctx, w2, "message", nil))
		if m.Seq != want {
			t.Fatalf("replayed seq %d, want %d", m.Seq, want)
		}
	}
	// Gap fill: ask for a range explicitly.
	ack := do(t, ctx, w2, "sync", map[string]any{"conversation_id": convID, "after_seq": 1, "until_seq": 2})
	if ack.LastSeq == nil || *ack.LastSeq != 4 {
		t.Fatalf("sync last_seq = %v, want 4", ack.LastSeq)
	}
	if m := msgOf(t, await(t, ctx, w2, "message", nil)); m.Seq != 2 {
		t.Fatalf("sync sent seq %d, want 2", m.Seq)
	}
}
