package realtime_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/querytel/livedesk/client"
	"github.com/querytel/livedesk/internal/app/apptest"
)

// TestLifecycleOverTheSocket: status changes, transfers and wrap-ups reach
// every desk at once, and the visitor sees the status and the seq of a
// private event but never its text.
func TestLifecycleOverTheSocket(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := testCtx(t)
	bob, bobHeader := agentNamed(t, s, "Bob")
	owner := s.DialDesk(t, client.Options{Header: s.AdminHeader(t)})
	bobDesk := s.DialDesk(t, client.Options{Header: bobHeader})
	do(t, ctx, owner, "agent.status", map[string]any{"status": "online"})

	w := s.DialWidget(t, s.DemoSite(t).WidgetKey, client.Options{})
	started := do(t, ctx, w, "conversation.start", nil)
	conv := started.ConversationID
	if started.Conversation.AssigneeID == "" {
		t.Fatal("the only online agent did not get the new chat")
	}
	do(t, ctx, w, "message.send", map[string]any{"conversation_id": conv, "client_msg_id": "v1", "text": "hi"})

	do(t, ctx, owner, "conversation.status", map[string]any{"conversation_id": conv, "status": "pending"})
	await(t, ctx, w, "conversation", func(f client.Frame) bool { return f.Conversation != nil && f.Conversation.Status == "pending" })
	await(t, ctx, bobDesk, "conversation", func(f client.Frame) bool { return f.Conversation != nil && f.Conversation.Status == "pending" })

	until := s.Clock.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	if code := doErr(t, ctx, owner, "conversation.status", map[string]any{"conversation_id": conv, "status": "snoozed", "snooze_until": "tomorrow"}); code != "invalid_snooze_until" {
		t.Fatalf("bad snooze time: %q", code)
	}
	do(t, ctx, owner, "conversation.status", map[string]any{"conversation_id": conv, "status": "snoozed", "snooze_until": until})
	// The visitor writes: the chat is open again.
	do(t, ctx, w, "message.send", map[string]any{"conversation_id": conv, "client_msg_id": "v2", "text": "back"})
	await(t, ctx, bobDesk, "conversation", func(f client.Frame) bool { return f.Conversation != nil && f.Conversation.Status == "open" })

	// Transfer to Bob with an internal note (the owner may exceed limits).
	do(t, ctx, owner, "conversation.transfer", map[string]any{"conversation_id": conv, "agent_id": bob.ID, "note": "VIP, be nice"})
	deskEv := await(t, ctx, bobDesk, "message", func(f client.Frame) bool { return bytes.Contains(f.Raw, []byte(`"transfer"`)) })
	if !bytes.Contains(deskEv.Raw, []byte("VIP, be nice")) {
		t.Fatalf("the desk did not get the note: %s", deskEv.Raw)
	}
	hidden := await(t, ctx, w, "message", func(f client.Frame) bool { m, _ := f.Msg(); return m.Seq == msgOf(t, deskEv).Seq })
	if bytes.Contains(hidden.Raw, []byte("VIP")) || !bytes.Contains(hidden.Raw, []byte(`"kind":"hidden"`)) {
		t.Fatalf("the visitor saw a private note: %s", hidden.Raw)
	}
	// Bob closes and wraps up; the visitor sees the end.
	if code := doErr(t, ctx, owner, "conversation.wrapup", map[string]any{"conversation_id": conv, "notes": "x"}); code != "invalid_transition" {
		t.Fatalf("wrap-up of an open chat: %q", code)
	}
	do(t, ctx, bobDesk, "conversation.status", map[string]any{"conversation_id": conv, "status": "closed"})
	closed := await(t, ctx, w, "conversation", func(f client.Frame) bool { return f.Conversation != nil && f.Conversation.Status == "closed" })
	if bytes.Contains(closed.Raw, []byte("wrapup_notes")) {
		t.Fatalf("visitor frame leaks internals: %s", closed.Raw)
	}
	do(t, ctx, bobDesk, "conversation.wrapup", map[string]any{"conversation_id": conv, "notes": "Solved", "tags": []string{"billing"}})
	list := do(t, ctx, bobDesk, "conversations.list", map[string]any{"status": "closed", "closed_by_agent_id": bob.ID})
	if len(list.Conversations) != 1 || list.Conversations[0].ID != conv {
		t.Fatalf("closed by me: %+v", list.Conversations)
	}
	if code := doErr(t, ctx, w, "message.send", map[string]any{"conversation_id": conv, "client_msg_id": "v3", "text": "hello?"}); code != "conversation_closed" {
		t.Fatalf("visitor message to a closed chat: %q", code)
	}
	// The visitor can start a new one.
	if next := do(t, ctx, w, "conversation.start", nil); next.ConversationID == conv {
		t.Fatal("a closed conversation was returned as the open one")
	}
}
