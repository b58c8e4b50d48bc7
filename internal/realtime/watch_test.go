package realtime_test

import (
	"context"

	"testing"

	"github.com/querytel/livedesk/client"
)

// TestDeskWatchMine: a desk that follows only its own chats (desk.watch
// "mine") gets the messages, typing and receipts of its agent's chats and
// of the one it shows, not those of another agent's; conversation
// changes still reach it. Widening to "all" answers with the list as it
// is now (the previews it missed) and the events come again. A desk that
// never asked gets everything, as before.
func TestDeskWatchMine(t *testing.T) {
	t.Parallel()
	s, ctx, ana, owner, anaDesk := ownerAndAna(t)
	ownerID := agentID(t, owner)
	site := s.DemoSite(t)
	w1 := s.DialWidget(t, site.WidgetKey, client.Options{})
	w2 := s.DialWidget(t, site.WidgetKey, client.Options{})
	theirs := do(t, ctx, w1, "conversation.start", nil).ConversationID
	hers := do(t, ctx, w2, "conversation.start", nil).ConversationID
	do(t, ctx, owner, "conversation.assign", map[string]any{"conversation_id": theirs, "agent_id": ownerID})
	do(t, ctx, owner, "conversation.assign", map[string]any{"conversation_id": hers, "agent_id": ana.ID})

	if code := doErr(t, ctx, anaDesk, "desk.watch", map[string]any{"scope": "some"}); code != "invalid_scope" {
		t.Fatalf("scope some: %q", code)
	}
	if code := doErr(t, ctx, anaDesk, "desk.watch", nil); code != "required" {
		t.Fatalf("no scope: %q", code)
	}
	do(t, ctx, anaDesk, "desk.watch", map[string]any{"scope": "mine"})
	send := func(c *client.Conn, conv, id string) {
		do(t, ctx, c, "message.send", map[string]any{"conversation_id": conv, "client_msg_id": id, "text": id})
	}
	send(w2, hers, "fence-0") // what came before the watch is behind it
	until(t, ctx, anaDesk, "fence-0")

	// The owner's chat: its visitor types and writes, the owner answers.
	// Then Ana's own chat gets a message: the fence. Events of one
	// workspace reach a desk in the order they were published, so had
	// anything of the owner's chat been sent to Ana's desk, it would
	// come before the fence.
	do(t, ctx, w1, "typing", map[string]any{"conversation_id": theirs, "on": true})
	send(w1, theirs, "theirs-1")
	send(owner, theirs, "theirs-2")
	do(t, ctx, owner, "conversation.seen", map[string]any{"conversation_id": theirs, "seq": 3})
	send(w2, hers, "fence-1")
	got := until(t, ctx, anaDesk, "fence-1")
	for _, f := range got {
		if f.ConversationID == theirs || (f.Type == "message" && msgOf(t, f).ConversationID == theirs) {
			t.Fatalf("a desk watching its own chats got %s of another agent's chat: %s", f.Type, f.Raw)
		}
	}
	// The owner's desk (never asked) got everything of Ana's chat.
	until(t, ctx, owner, "fence-1")

	// Shown on Ana's screen, the owner's chat reaches her desk; once she
	// shows her own again, it no longer does.
	do(t, ctx, anaDesk, "conversation.view", map[string]any{"conversation_id": theirs, "on": true})
	send(w1, theirs, "theirs-3")
	until(t, ctx, anaDesk, "theirs-3")
	do(t, ctx, anaDesk, "conversation.view", map[string]any{"conversation_id": hers, "on": true})
	send(w1, theirs, "theirs-4")
	send(w2, hers, "fence-2")
	for _, f := range until(t, ctx, anaDesk, "fence-2") {
		if f.Type == "message" && msgOf(t, f).ConversationID == theirs {
			t.Fatalf("the chat Ana left reached her desk: %s", f.Raw)
		}
	}

	// An unassigned chat is everyone's: its messages reach Ana's desk.
	w3 := s.DialWidget(t, site.WidgetKey, client.Options{})
	queued := do(t, ctx, w3, "conversation.start", nil).ConversationID
	if f := do(t, ctx, owner, "conversation.status", map[string]any{"conversation_id": queued, "status": "pending"}); f.Conversation == nil || f.Conversation.AssigneeID != "" {
		t.Fatalf("the third chat was routed to someone: %s", f.Raw)
	}
	do(t, ctx, owner, "conversation.status", map[string]any{"conversation_id": queued, "status": "open"})
	send(owner, queued, "queued-1")
	until(t, ctx, anaDesk, "queued-1")

	// A chat handed to her is hers from the change on.
	do(t, ctx, owner, "conversation.transfer", map[string]any{"conversation_id": theirs, "agent_id": ana.ID})
	send(w1, theirs, "theirs-after-transfer")
	until(t, ctx, anaDesk, "theirs-after-transfer")
	do(t, ctx, owner, "conversation.assign", map[string]any{"conversation_id": theirs, "agent_id": ownerID})
	missed := do(t, ctx, w1, "message.send", map[string]any{"conversation_id": theirs, "client_msg_id": "theirs-missed", "text": "theirs-missed"}).Seq
	send(w2, hers, "fence-3")
	for _, f := range until(t, ctx, anaDesk, "fence-3") {
		if f.Type == "message" && msgOf(t, f).ConversationID == theirs && msgOf(t, f).ClientMsgID == "theirs-missed" {
			t.Fatalf("the chat taken back from Ana still reached her desk: %s", f.Raw)
		}
	}

	// A conversation change goes to every desk: the owner snoozes theirs.
	do(t, ctx, owner, "conversation.status", map[string]any{"conversation_id": theirs, "status": "pending"})
	await(t, ctx, anaDesk, "conversation", func(f client.Frame) bool {
		return f.Conversation != nil && f.Conversation.ID == theirs && f.Conversation.Status == "pending"
	})

	// Widening: the ack holds the owner's chat as it is now: the status
	// change's line after the missed message, and the preview of that
	// message, which her desk was not sent.
	ack := do(t, ctx, anaDesk, "desk.watch", map[string]any{"scope": "all"})
	var listed bool
	for _, c := range ack.Conversations {
		if c.ID == theirs {
			listed = true
			if c.LastSeq != missed+1 || c.LastMessage != "theirs-missed" {
				t.Fatalf("the list after widening: seq %d, last %q; want %d and theirs-missed", c.LastSeq, c.LastMessage, missed+1)
			}
		}
	}
	if !listed {
		t.Fatalf("the owner's chat is not in the list after widening: %s", ack.Raw)
	}
	send(owner, theirs, "theirs-5")
	until(t, ctx, anaDesk, "theirs-5")
	// Asking for what it has is answered, and changes nothing.
	if ack := do(t, ctx, anaDesk, "desk.watch", map[string]any{"scope": "all"}); len(ack.Conversations) != 0 {
		t.Fatalf("a desk already watching all got the list again: %s", ack.Raw)
	}
}

// until returns the frames c receives up to and including the message
// whose client_msg_id is id.
func until(t *testing.T, ctx context.Context, c *client.Conn, id string) []client.Frame {
	t.Helper()
	var got []client.Frame
	for {
		f, err := c.Next(ctx)
		if err != nil {
			t.Fatalf("waiting for message %s: %v", id, err)
		}
		got = append(got, f)
		if f.Type == "message" && msgOf(t, f).ClientMsgID == id {
			return got
		}
	}
}
