package realtime_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/querytel/livedesk/client"
	"github.com/querytel/livedesk/internal/app/apptest"
	"github.com/querytel/livedesk/internal/realtime"
	"github.com/querytel/livedesk/internal/store"
)

// TestAgentWhoLeavesGoesAwayAndComesBack: an agent who closes the desk
// keeps its chats through the grace period (a reload, a flaky network);
// after it, the agent counts as offline on every desk, gets no new chats,
// and its open chats go back to the queue with a system event, except a
// flagged one. A desk that returns brings back the status it chose, and
// the waiting chats come back to it.
func TestAgentWhoLeavesGoesAwayAndComesBack(t *testing.T) {
	t.Parallel()
	s, ctx, ana, owner, anaDesk := ownerAndAna(t)
	grace := time.Duration(s.App.Config.Limits.AgentAwaySeconds) * time.Second
	do(t, ctx, anaDesk, "agent.status", map[string]any{"status": "online"})

	start := func() string {
		t.Helper()
		w := s.DialWidget(t, s.DemoSite(t).WidgetKey, client.Options{})
		c := do(t, ctx, w, "conversation.start", nil)
		if c.Conversation.AssigneeID != ana.ID {
			t.Fatalf("the only online agent did not get the chat: %+v", c.Conversation)
		}
		return c.ConversationID
	}
	plain, flagged := start(), start()
	do(t, ctx, anaDesk, "conversation.flag", map[string]any{"conversation_id": flagged, "flagged": true})

	// Ana closes the tab. Within the grace period nothing changes.
	anaDesk.Close()
	for s.App.Realtime.DeskCount(ana.ID) > 0 { // its hang-up starts the grace period
		select {
		case <-ctx.Done():
			t.Fatal("the server never hung up Ana's desk")
		case <-time.After(time.Millisecond):
		}
	}
	s.Clock.Advance(grace / 2)
	if n, err := s.App.ExpireAbsentAgents(ctx); err != nil || n != 0 {
		t.Fatalf("within the grace period: %d away, %v", n, err)
	}
	s.Clock.Advance(grace)
	if n, err := s.App.ExpireAbsentAgents(ctx); err != nil || n != 1 {
		t.Fatalf("after the grace period: %d away (want Ana), %v", n, err)
	}
	await(t, ctx, owner, "agent", func(f client.Frame) bool {
		return bytes.Contains(f.Raw, []byte(ana.ID)) && bytes.Contains(f.Raw, []byte(`"away":true`))
	})
	back := await(t, ctx, owner, "message", func(f client.Frame) bool { return bytes.Contains(f.Raw, []byte(`"reason":"agent_away"`)) })
	if msgOf(t, back).ConversationID != plain {
		t.Fatalf("requeued %s, want the unflagged chat %s", msgOf(t, back).ConversationID, plain)
	}
	if c, err := s.App.Store.GetConversation(ctx, s.WorkspaceID(t), plain); err != nil || c.AssigneeID != "" {
		t.Fatalf("the unflagged chat: assignee %q, %v; want the queue", c.AssigneeID, err)
	}
	if c, err := s.App.Store.GetConversation(ctx, s.WorkspaceID(t), flagged); err != nil || c.AssigneeID != ana.ID {
		t.Fatalf("the flagged chat: assignee %q, %v; want Ana still", c.AssigneeID, err)
	}
	if n, err := s.App.ExpireAbsentAgents(ctx); err != nil || n != 0 {
		t.Fatalf("a second pass: %d away, %v; each absence is handled once", n, err)
	}
	// Away, Ana is offered nothing new, though her chosen status is online.
	w := s.DialWidget(t, s.DemoSite(t).WidgetKey, client.Options{})
	if c := do(t, ctx, w, "conversation.start", nil); c.Conversation.AssigneeID != "" {
		t.Fatalf("a new chat went to an away agent: %+v", c.Conversation)
	}

	// Ana comes back: online again, announced, and the waiting chats are hers.
	anaDesk = s.DialDesk(t, client.Options{Header: s.LoginHeader(t, ana.Email, agentPassword("Ana"))})
	if bytes.Contains(anaDesk.Welcome.Raw, []byte(`"away":true`)) || !bytes.Contains(anaDesk.Welcome.Raw, []byte(`"status":"online"`)) {
		t.Fatalf("Ana's welcome: %s", anaDesk.Welcome.Raw)
	}
	await(t, ctx, owner, "agent", func(f client.Frame) bool {
		return bytes.Contains(f.Raw, []byte(ana.ID)) && bytes.Contains(f.Raw, []byte(`"away":false`))
	})
	if c, err := s.App.Store.GetConversation(ctx, s.WorkspaceID(t), plain); err != nil || c.AssigneeID != ana.ID {
		t.Fatalf("after Ana's return the waiting chat is assigned to %q (%v), want Ana", c.AssigneeID, err)
	}
}

// TestAnOpenDeskKeepsItsAgentPresent: a desk that stays connected, saying
// nothing for far longer than the grace period (no hello, no hang-up, no
// ping in between), keeps its agent online: the node's heartbeat records
// it, so the agent keeps its chats and gets the next one.
func TestAnOpenDeskKeepsItsAgentPresent(t *testing.T) {
	t.Parallel()
	s, ctx, ana, _, anaDesk := ownerAndAna(t)
	grace := time.Duration(s.App.Config.Limits.AgentAwaySeconds) * time.Second
	do(t, ctx, anaDesk, "agent.status", map[string]any{"status": "online"})
	w := s.DialWidget(t, s.DemoSite(t).WidgetKey, client.Options{})
	first := do(t, ctx, w, "conversation.start", nil).Conversation
	if first.AssigneeID != ana.ID {
		t.Fatalf("the only online agent did not get the chat: %+v", first)
	}
	for range 3 {
		s.Clock.Advance(2 * grace)
		if n, err := s.App.ExpireAbsentAgents(ctx); err != nil || n != 0 {
			t.Fatalf("with Ana's desk open: %d away, %v", n, err)
		}
	}
	if c, err := s.App.Store.GetConversation(ctx, s.WorkspaceID(t), first.ID); err != nil || c.AssigneeID != ana.ID {
		t.Fatalf("Ana's chat: assignee %q, %v; want Ana still", c.AssigneeID, err)
	}
	w2 := s.DialWidget(t, s.DemoSite(t).WidgetKey, client.Options{})
	if c := do(t, ctx, w2, "conversation.start", nil).Conversation; c.AssigneeID != ana.ID {
		t.Fatalf("a new chat went to %q, want Ana, whose desk is open", c.AssigneeID)
	}
}

// TestAgentsSeeWhoViewsAChat: a desk that opens a conversation is shown
// to the other desks as viewing it; opening another leaves the first;
// closing the tab leaves it too. Widgets learn nothing of it and may not
// send it.
func TestAgentsSeeWhoViewsAChat(t *testing.T) {
	t.Parallel()
	s, ctx, ana, owner, anaDesk := ownerAndAna(t)
	w1 := s.DialWidget(t, s.DemoSite(t).WidgetKey, client.Options{})
	c1 := do(t, ctx, w1, "conversation.start", nil).ConversationID
	w2 := s.DialWidget(t, s.DemoSite(t).WidgetKey, client.Options{})
	c2 := do(t, ctx, w2, "conversation.start", nil).ConversationID

	viewing := func(conv string, on bool) func(client.Frame) bool {
		want := []byte(`"on":false`)
		if on {
			want = []byte(`"on":true`)
		}
		return func(f client.Frame) bool {
			return bytes.Contains(f.Raw, []byte(conv)) && bytes.Contains(f.Raw, []byte(ana.ID)) && bytes.Contains(f.Raw, want)
		}
	}
	if code := doErr(t, ctx, anaDesk, "conversation.view", map[string]any{"conversation_id": c1}); code != "required" {
		t.Fatalf("view without on: %q", code)
	}
	if code := doErr(t, ctx, anaDesk, "conversation.view", map[string]any{"conversation_id": "nope", "on": true}); code != "conversation_not_found" {
		t.Fatalf("view of an unknown conversation: %q", code)
	}
	do(t, ctx, anaDesk, "conversation.view", map[string]any{"conversation_id": c1, "on": true})
	if f := await(t, ctx, owner, "viewing", viewing(c1, true)); !bytes.Contains(f.Raw, []byte(`"agent_name":"Ana"`)) {
		t.Fatalf("viewing frame: %s", f.Raw)
	}
	do(t, ctx, anaDesk, "conversation.view", map[string]any{"conversation_id": c2, "on": true})
	await(t, ctx, owner, "viewing", viewing(c1, false))
	await(t, ctx, owner, "viewing", viewing(c2, true))
	anaDesk.Close()
	await(t, ctx, owner, "viewing", viewing(c2, false))

	if code := doErr(t, ctx, w1, "conversation.view", map[string]any{"conversation_id": c1, "on": true}); code != "unknown_type" {
		t.Fatalf("a widget sent conversation.view: %q", code)
	}
	// The widget never got a viewing frame: none comes before the agent's
	// message, sent after all of the above.
	do(t, ctx, owner, "message.send", map[string]any{"conversation_id": c1, "client_msg_id": "a1", "text": "hi"})
	for {
		f, err := w1.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if f.Type == "viewing" {
			t.Fatalf("a widget got %s", f.Raw)
		}
		if f.Type == "message" {
			break
		}
	}
}

// TestReadMarkersFollowTheAgent: how far an agent has read a chat is kept
// by the server: its other tab hears of it at once, a new desk gets it in
// its welcome, it never moves back or past the last message, and bad
// input is refused. Each side learns how far the other has seen.
func TestReadMarkersFollowTheAgent(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := testCtx(t)
	tab1 := s.DialDesk(t, client.Options{Header: s.AdminHeader(t)})
	tab2 := s.DialDesk(t, client.Options{Header: s.AdminHeader(t)})
	w := s.DialWidget(t, s.DemoSite(t).WidgetKey, client.Options{})
	conv := do(t, ctx, w, "conversation.start", nil).ConversationID
	for i := range 3 {
		do(t, ctx, w, "message.send", map[string]any{"conversation_id": conv, "client_msg_id": fmt.Sprint("v", i), "text": "hello"})
	}

	do(t, ctx, tab1, "conversation.seen", map[string]any{"conversation_id": conv, "seq": 99})
	f := await(t, ctx, tab2, "seen", func(f client.Frame) bool { return bytes.Contains(f.Raw, []byte(conv)) })
	if !bytes.Contains(f.Raw, []byte(`"seq":3`)) {
		t.Fatalf("seen frame %s: want seq 3 (the last message, not 99)", f.Raw)
	}
	do(t, ctx, tab1, "conversation.seen", map[string]any{"conversation_id": conv, "seq": 1}) // never moves back
	fresh := s.DialDesk(t, client.Options{Header: s.AdminHeader(t)})
	if !bytes.Contains(fresh.Welcome.Raw, []byte(`"seen":{"`+conv+`":3}`)) {
		t.Fatalf("a new desk's welcome lacks the marker: %s", fresh.Welcome.Raw)
	}
	if code := doErr(t, ctx, tab1, "conversation.seen", map[string]any{"conversation_id": conv, "seq": -1}); code != "invalid_seq" {
		t.Fatalf("negative seq: %q", code)
	}
	if code := doErr(t, ctx, tab1, "conversation.seen", map[string]any{"conversation_id": "nope", "seq": 1}); code != "conversation_not_found" {
		t.Fatalf("unknown conversation: %q", code)
	}
	// Seen states: the visitor learns how far the agents have read, and the
	// desks how far the visitor has.
	await(t, ctx, w, "receipts", receiptsOf(conv, `"agent_read_seq":3`))
	do(t, ctx, w, "conversation.seen", map[string]any{"conversation_id": conv, "seq": 2})
	await(t, ctx, tab2, "receipts", receiptsOf(conv, `"visitor_read_seq":2`))
	if code := doErr(t, ctx, w, "conversation.seen", map[string]any{"conversation_id": "nope", "seq": 1}); code != "conversation_not_found" {
		t.Fatalf("a widget's seen for an unknown conversation: %q", code)
	}
}

// TestDeliveredStatesBothWays: a device that receives messages without
// showing them says so, and the other side sees how far: the visitor from
// the assigned agent's desk (another agent's desk may not say it), the
// desks from the widget. A read marker carries delivery with it; a marker
// never moves back, and bad input is refused and changes nothing.
func TestDeliveredStatesBothWays(t *testing.T) {
	t.Parallel()
	s, ctx, ana, owner, anaDesk := ownerAndAna(t)
	w := s.DialWidget(t, s.DemoSite(t).WidgetKey, client.Options{})
	conv := do(t, ctx, w, "conversation.start", nil).ConversationID
	for i := range 3 {
		do(t, ctx, w, "message.send", map[string]any{"conversation_id": conv, "client_msg_id": fmt.Sprint("v", i), "text": "hello"})
	}
	do(t, ctx, owner, "conversation.assign", map[string]any{"conversation_id": conv, "agent_id": ana.ID})

	if code := doErr(t, ctx, owner, "conversation.delivered", map[string]any{"conversation_id": conv, "seq": 3}); code != "not_assignee" {
		t.Fatalf("delivered from another agent's desk: %q", code)
	}
	do(t, ctx, anaDesk, "conversation.delivered", map[string]any{"conversation_id": conv, "seq": 99})
	f := await(t, ctx, w, "receipts", receiptsOf(conv, `"agent_delivered_seq":4`)) // 4 (the assignment is 4): the last seq, not 99
	if !bytes.Contains(f.Raw, []byte(`"agent_read_seq":0`)) {
		t.Fatalf("the visitor's markers: %s (delivered is not seen)", f.Raw)
	}
	if code := doErr(t, ctx, anaDesk, "conversation.delivered", map[string]any{"conversation_id": conv, "seq": -1}); code != "invalid_seq" {
		t.Fatalf("negative seq: %q", code)
	}
	if code := doErr(t, ctx, anaDesk, "conversation.delivered", map[string]any{"conversation_id": "nope", "seq": 1}); code != "conversation_not_found" {
		t.Fatalf("unknown conversation: %q", code)
	}

	// Ana answers; the visitor's widget has it but the panel is closed.
	do(t, ctx, anaDesk, "message.send", map[string]any{"conversation_id": conv, "client_msg_id": "a1", "text": "hi"})
	do(t, ctx, w, "conversation.delivered", map[string]any{"conversation_id": conv, "seq": 5})
	await(t, ctx, anaDesk, "receipts", receiptsOf(conv, `"visitor_delivered_seq":5`))
	do(t, ctx, w, "conversation.delivered", map[string]any{"conversation_id": conv, "seq": 2}) // never back
	if code := doErr(t, ctx, w, "conversation.delivered", map[string]any{"seq": 1}); code != "required" {
		t.Fatalf("no conversation_id: %q", code)
	}

	// A new desk gets the markers in its welcome; seen carries delivery.
	fresh := s.DialDesk(t, client.Options{Header: s.AdminHeader(t)})
	if !bytes.Contains(fresh.Welcome.Raw, []byte(`"visitor_delivered_seq":5`)) || !bytes.Contains(fresh.Welcome.Raw, []byte(`"agent_delivered_seq":4`)) {
		t.Fatalf("a new desk's welcome lacks the delivered markers: %s", fresh.Welcome.Raw)
	}
	do(t, ctx, anaDesk, "conversation.seen", map[string]any{"conversation_id": conv, "seq": 5})
	await(t, ctx, w, "receipts", receiptsOf(conv, `"agent_delivered_seq":5`))
}

// receiptsOf matches the receipts event of conversation conv that
// carries field (a marker and its value).
func receiptsOf(conv, field string) func(client.Frame) bool {
	return func(f client.Frame) bool {
		return bytes.Contains(f.Raw, []byte(`"conversation_id":"`+conv+`"`)) && bytes.Contains(f.Raw, []byte(field))
	}
}

// TestDisabledAgentIsSignedOutAtOnce: disabling an agent closes its open
// desk at once (4401), every desk hears of it, and its open chats go back
// to the queue.
func TestDisabledAgentIsSignedOutAtOnce(t *testing.T) {
	t.Parallel()
	s, ctx, ana, owner, anaDesk := ownerAndAna(t)
	do(t, ctx, anaDesk, "agent.status", map[string]any{"status": "online"})
	w := s.DialWidget(t, s.DemoSite(t).WidgetKey, client.Options{})
	conv := do(t, ctx, w, "conversation.start", nil)
	if conv.Conversation.AssigneeID != ana.ID {
		t.Fatalf("setup: the chat went to %q, want Ana", conv.Conversation.AssigneeID)
	}

	if code, body := s.Do(t, s.Admin(t), http.MethodPost, "/api/v1/agents/"+ana.ID+"/disable", nil); code != http.StatusOK {
		t.Fatalf("disable: %d %s", code, body)
	}
	select {
	case <-anaDesk.Done():
	case <-ctx.Done():
		t.Fatal("Ana's desk stayed open")
	}
	if got := anaDesk.CloseStatus(); got != realtime.CloseUnauthorized {
		t.Fatalf("Ana's desk closed with %d, want %d", got, realtime.CloseUnauthorized)
	}
	await(t, ctx, owner, "agent", func(f client.Frame) bool {
		return bytes.Contains(f.Raw, []byte(ana.ID)) && bytes.Contains(f.Raw, []byte(`"disabled":true`))
	})
	await(t, ctx, owner, "message", func(f client.Frame) bool {
		return bytes.Contains(f.Raw, []byte(conv.ConversationID)) && bytes.Contains(f.Raw, []byte(`"reason":"agent_disabled"`))
	})
}

// ownerAndAna is a server with the owner's desk and an agent Ana's, both
// open.
func ownerAndAna(t *testing.T) (*apptest.Server, context.Context, store.Agent, *client.Conn, *client.Conn) {
	t.Helper()
	s := apptest.New(t)
	ana, anaHeader := agentNamed(t, s, "Ana")
	owner := s.DialDesk(t, client.Options{Header: s.AdminHeader(t)})
	anaDesk := s.DialDesk(t, client.Options{Header: anaHeader})
	return s, testCtx(t), ana, owner, anaDesk
}
