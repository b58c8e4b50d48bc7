package realtime_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/querytel/livedesk/client"
	"github.com/querytel/livedesk/internal/app/apptest"
)

// TestAgentInvitesABrowsingVisitor: an agent starts a chat with a visitor
// who has none (proactive chat): the conversation is the agent's, and the
// widget gets it and the first message at once. A retry stores nothing
// twice; another agent cannot take the visitor over; bad input is refused.
func TestAgentInvitesABrowsingVisitor(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := testCtx(t)
	owner := s.DialDesk(t, client.Options{Header: s.AdminHeader(t)})
	await(t, ctx, owner, "snapshot", nil)
	_, anaHeader := agentNamed(t, s, "Ana")
	ana := s.DialDesk(t, client.Options{Header: anaHeader})
	w := s.DialWidget(t, s.DemoSite(t).WidgetKey, client.Options{})
	do(t, ctx, w, "heartbeat", map[string]any{"url": "https://shop.example/pricing", "title": "Pricing"})
	visitorID := visitorOf(t, w)

	invite := map[string]any{"visitor_id": visitorID, "client_msg_id": "inv1", "text": "Hi! Can I help you choose a plan?"}
	ack := do(t, ctx, owner, "conversation.invite", invite)
	if ack.ConversationID == "" || ack.Conversation == nil || ack.Conversation.AssigneeID == "" || ack.Seq == 0 {
		t.Fatalf("invite ack: %s", ack.Raw)
	}
	await(t, ctx, w, "conversation", func(f client.Frame) bool { return f.Conversation != nil && f.Conversation.ID == ack.ConversationID })
	got := msgOf(t, await(t, ctx, w, "message", func(f client.Frame) bool { return bytes.Contains(f.Raw, []byte("choose a plan")) }))
	if got.AuthorType != "agent" || got.Seq != ack.Seq {
		t.Fatalf("the visitor got %+v", got)
	}
	if again := do(t, ctx, owner, "conversation.invite", invite); !again.Duplicate || again.Seq != ack.Seq {
		t.Fatalf("a retried invite: %s", again.Raw)
	}
	// The visitor answers in the same conversation.
	do(t, ctx, w, "message.send", map[string]any{"conversation_id": ack.ConversationID, "client_msg_id": "v1", "text": "Yes please"})

	refusals := []struct {
		name  string
		desk  *client.Conn
		input map[string]any
		code  string
	}{
		{"another agent's visitor", ana, map[string]any{"visitor_id": visitorID, "client_msg_id": "inv2", "text": "Hello"}, "visitor_in_chat"},
		{"no such visitor", owner, map[string]any{"visitor_id": "nope", "client_msg_id": "inv3", "text": "Hello"}, "visitor_not_found"},
		{"no text", owner, map[string]any{"visitor_id": visitorID, "client_msg_id": "inv4", "text": " "}, "empty_text"},
		{"no client_msg_id", owner, map[string]any{"visitor_id": visitorID, "text": "Hello"}, "invalid_client_msg_id"},
	}
	for _, r := range refusals {
		if code := doErr(t, ctx, r.desk, "conversation.invite", r.input); code != r.code {
			t.Errorf("%s: %q, want %q", r.name, code, r.code)
		}
	}
	if code := doErr(t, ctx, w, "conversation.invite", invite); code != "unknown_type" {
		t.Fatalf("a widget invited: %q", code)
	}
}

// TestInviteFollowsAClosedChat: a returning visitor whose last chat is
// closed gets the new invitation as a new conversation.
func TestInviteFollowsAClosedChat(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := testCtx(t)
	owner := s.DialDesk(t, client.Options{Header: s.AdminHeader(t)})
	w := s.DialWidget(t, s.DemoSite(t).WidgetKey, client.Options{})
	first := do(t, ctx, w, "conversation.start", nil).ConversationID
	do(t, ctx, w, "conversation.close", map[string]any{"conversation_id": first})
	ack := do(t, ctx, owner, "conversation.invite", map[string]any{"visitor_id": visitorOf(t, w), "client_msg_id": "inv1", "text": "Welcome back!"})
	if ack.ConversationID == first || ack.Conversation.Status != "open" {
		t.Fatalf("invite after a closed chat: %s", ack.Raw)
	}
}

// visitorOf is the id of the visitor a widget connection is.
func visitorOf(t *testing.T, w *client.Conn) string {
	t.Helper()
	var v struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(w.Welcome.Visitor, &v); err != nil || v.ID == "" {
		t.Fatalf("the welcome names no visitor: %s (%v)", w.Welcome.Visitor, err)
	}
	return v.ID
}
