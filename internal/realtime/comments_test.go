package realtime_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/querytel/livedesk/client"
	"github.com/querytel/livedesk/internal/app/apptest"
	"github.com/querytel/livedesk/internal/store"
)

// inboxOf decodes an inbox frame.
func inboxOf(t *testing.T, f client.Frame) (items []store.InboxItem, unread int) {
	t.Helper()
	var in struct {
		Items  []store.InboxItem `json:"items"`
		Unread int               `json:"unread"`
	}
	if err := json.Unmarshal(f.Raw, &in); err != nil {
		t.Fatalf("inbox frame %s: %v", f.Raw, err)
	}
	return in.Items, in.Unread
}

// TestCommentsMentionTheRightAgent: the owner's comment mentioning Ana
// is an internal note on every desk, a hidden event in the widget, and
// an inbox item on Ana's desks only (Bea's first item is her own
// mention); a retry stores it once and tells Ana once; a mention of
// someone who cannot see the chat is refused and stores nothing; the
// author alone edits and deletes; Ana's next welcome has the unread item
// and the chat under Tagged, until the chat closes.
func TestCommentsMentionTheRightAgent(t *testing.T) {
	t.Parallel()
	s, ctx, ana, owner, anaDesk := ownerAndAna(t)
	bea, beaHeader := agentNamed(t, s, "Bea")
	beaDesk := s.DialDesk(t, client.Options{Header: beaHeader})
	w := s.DialWidget(t, s.DemoSite(t).WidgetKey, client.Options{})
	conv := do(t, ctx, w, "conversation.start", nil).ConversationID
	do(t, ctx, w, "message.send", map[string]any{"conversation_id": conv, "client_msg_id": "v1", "text": "I want a refund"})

	comment := map[string]any{"conversation_id": conv, "client_msg_id": "note-1", "text": "@Ana can you check the refund?", "mentions": []string{ana.ID}}
	ack := do(t, ctx, owner, "comment.send", comment)
	m := msgOf(t, ack)
	if m.Kind != store.KindComment || m.Body != "@Ana can you check the refund?" {
		t.Fatalf("the comment: %+v", m)
	}
	items, unread := inboxOf(t, await(t, ctx, anaDesk, "inbox", nil))
	if len(items) != 1 || unread != 1 || items[0].Kind != store.InboxMention || items[0].ConversationID != conv || items[0].ActorName != "Owner" {
		t.Fatalf("Ana's inbox frame: %+v unread %d", items, unread)
	}
	// The visitor gets the comment's seq and nothing of it.
	hidden := msgOf(t, await(t, ctx, w, "message", func(f client.Frame) bool { return bytes.Contains(f.Raw, []byte(`"kind":"hidden"`)) }))
	if hidden.Seq != m.Seq || hidden.Body != "" {
		t.Fatalf("the widget got %+v for the comment", hidden)
	}
	// A retry (the ack was lost) stores nothing more and tells Ana nothing more.
	if again := do(t, ctx, owner, "comment.send", comment); !again.Duplicate || msgOf(t, again).Seq != m.Seq {
		t.Fatalf("retry: %s", again.Raw)
	}

	// Bea's desk was open all along: her first inbox frame is her own.
	do(t, ctx, anaDesk, "comment.send", map[string]any{"conversation_id": conv, "client_msg_id": "note-2", "text": "@Bea yours", "mentions": []string{bea.ID}})
	if items, _ := inboxOf(t, await(t, ctx, beaDesk, "inbox", nil)); len(items) != 1 || items[0].ActorID != ana.ID {
		t.Fatalf("Bea's first inbox frame is not her own mention: %+v", items)
	}

	// Refusals change nothing.
	for code, mentions := range map[string][]string{
		"unknown_mention":      {"no-such-agent"},
		"no_supervisor_online": {"supervisors"},
	} {
		if got := doErr(t, ctx, anaDesk, "comment.send", map[string]any{"conversation_id": conv, "client_msg_id": "bad-" + code,
			"text": "hello?", "mentions": mentions}); got != code {
			t.Fatalf("mentions %v: %q, want %s", mentions, got, code)
		}
	}
	admin := s.Admin(t)
	if status, body := s.Do(t, admin, "POST", "/api/v1/agents/"+bea.ID+"/disable", nil); status != 200 {
		t.Fatalf("disable Bea: %d %s", status, body)
	}
	if got := doErr(t, ctx, owner, "comment.send", map[string]any{"conversation_id": conv, "client_msg_id": "bad-disabled",
		"text": "@Bea?", "mentions": []string{bea.ID}}); got != "mention_not_allowed" {
		t.Fatalf("a disabled agent's mention: %q", got)
	}
	if status, body := s.Do(t, admin, "POST", "/api/v1/agents/"+bea.ID+"/enable", nil); status != 200 {
		t.Fatalf("enable Bea: %d %s", status, body)
	}
	if got := doErr(t, ctx, w, "comment.send", comment); got != "unknown_type" {
		t.Fatalf("a widget's comment.send: %q", got)
	}

	// Only the author edits or deletes.
	if got := doErr(t, ctx, anaDesk, "comment.edit", map[string]any{"conversation_id": conv, "message_id": m.ID, "text": "mine"}); got != "not_author" {
		t.Fatalf("Ana edits the owner's comment: %q", got)
	}
	edited := msgOf(t, do(t, ctx, owner, "comment.edit", map[string]any{"conversation_id": conv, "message_id": m.ID, "text": "@Ana the refund, please"}))
	if edited.Body != "@Ana the refund, please" || edited.Seq != m.Seq {
		t.Fatalf("edited: %+v", edited)
	}
	ev := msgOf(t, await(t, ctx, anaDesk, "message", func(f client.Frame) bool { return bytes.Contains(f.Raw, []byte(`"comment_edited"`)) }))
	if ev.Meta["message_id"] != m.ID || ev.Meta["body"] != "@Ana the refund, please" {
		t.Fatalf("the edit's event: %+v", ev)
	}
	do(t, ctx, owner, "comment.delete", map[string]any{"conversation_id": conv, "message_id": m.ID})
	if got := doErr(t, ctx, owner, "comment.edit", map[string]any{"conversation_id": conv, "message_id": m.ID, "text": "back"}); got != "comment_deleted" {
		t.Fatalf("editing a deleted comment: %q", got)
	}

	// Ana's next desk: the unread item and the chat under Tagged.
	again := s.DialDesk(t, client.Options{Header: s.LoginHeader(t, ana.Email, agentPassword("Ana"))})
	var welcome struct {
		Inbox  struct{ Unread int } `json:"inbox"`
		Tagged []string             `json:"tagged"`
	}
	if err := json.Unmarshal(again.Welcome.Raw, &welcome); err != nil {
		t.Fatal(err)
	}
	if welcome.Inbox.Unread != 1 || len(welcome.Tagged) != 1 || welcome.Tagged[0] != conv {
		t.Fatalf("Ana's welcome: %s", again.Welcome.Raw)
	}
	do(t, ctx, owner, "conversation.status", map[string]any{"conversation_id": conv, "status": "closed"})
	closed := s.DialDesk(t, client.Options{Header: s.LoginHeader(t, ana.Email, agentPassword("Ana"))})
	if bytes.Contains(closed.Welcome.Raw, []byte(conv)) && bytes.Contains(closed.Welcome.Raw, []byte(`"tagged"`)) {
		t.Fatalf("a closed chat is still under Tagged: %s", closed.Welcome.Raw)
	}
}

// TestMentionReachesTheAgentOnAnotherNode: a comment on node 1 reaches
// the mentioned agent's desk on node 2, on both kinds of cluster.
func TestMentionReachesTheAgentOnAnotherNode(t *testing.T) {
	t.Parallel()
	eachDeployment(t, func(t *testing.T, d deployment) {
		nodes := apptest.Cluster(t, 2, d.opts...)
		one, two := nodes[0], nodes[1]
		ctx := testCtx(t)
		ana, header := agentNamed(t, one, "Ana")
		anaDesk := two.DialDesk(t, client.Options{Header: header})
		owner := one.DialDesk(t, client.Options{Header: one.AdminHeader(t)})
		w := one.DialWidget(t, one.DemoSite(t).WidgetKey, client.Options{})
		conv := do(t, ctx, w, "conversation.start", nil).ConversationID
		do(t, ctx, owner, "comment.send", map[string]any{"conversation_id": conv, "client_msg_id": "n1", "text": "@Ana look", "mentions": []string{ana.ID}})
		items, unread := inboxOf(t, await(t, ctx, anaDesk, "inbox", nil))
		if len(items) != 1 || unread != 1 || items[0].AgentID != ana.ID {
			t.Fatalf("Ana on node 2: %+v unread %d", items, unread)
		}
	})
}
