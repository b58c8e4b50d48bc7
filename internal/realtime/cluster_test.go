package realtime_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/querytel/livedesk/client"
	"github.com/querytel/livedesk/internal/workspace"
)

// TestTwoNodes: a visitor on node 1 and an agent on node 2 (PostgreSQL +
// NATS) chat both ways and see typing and presence.
func TestTwoNodes(t *testing.T) {
	t.Parallel()
	nodes := cluster(t, 2, true)
	one, two := nodes[0], nodes[1]
	ctx := testCtx(t)
	desk := two.desk(ctx, two.login(adminEmail, adminPassword), nil)
	await(t, ctx, desk, "snapshot", nil)

	w := one.widget(ctx, one.demoSite().WidgetKey, client.Options{})
	do(t, ctx, w, "heartbeat", map[string]any{"url": "https://shop.example/", "title": "Home"})
	await(t, ctx, desk, "visitor", func(f client.Frame) bool { return bytes.Contains(f.Raw, []byte(`"new":true`)) })

	conv := do(t, ctx, w, "conversation.start", nil).ConversationID
	await(t, ctx, desk, "conversation", func(f client.Frame) bool { return f.Conversation != nil && f.Conversation.ID == conv })
	do(t, ctx, w, "typing", map[string]any{"conversation_id": conv, "on": true})
	await(t, ctx, desk, "typing", func(f client.Frame) bool { return f.On && f.AuthorType == "visitor" })
	do(t, ctx, w, "message.send", map[string]any{"conversation_id": conv, "client_msg_id": "v1", "text": "from node 1"})
	if m := msgOf(t, await(t, ctx, desk, "message", nil)); m.Body != "from node 1" {
		t.Fatalf("agent on node 2 got %q", m.Body)
	}
	do(t, ctx, desk, "typing", map[string]any{"conversation_id": conv, "on": true})
	await(t, ctx, w, "typing", func(f client.Frame) bool { return f.On && f.AuthorType == "agent" })
	do(t, ctx, desk, "message.send", map[string]any{"conversation_id": conv, "client_msg_id": "a1", "text": "from node 2"})
	if m := msgOf(t, await(t, ctx, w, "message", func(f client.Frame) bool { m, _ := f.Msg(); return m.Seq == 2 })); m.Body != "from node 2" {
		t.Fatalf("visitor on node 1 got %q", m.Body)
	}

	// Presence expiry is claimed once across the two nodes.
	ttl := time.Duration(workspace.Defaults.VisitorTTLSeconds+1) * time.Second
	one.Clock.Advance(ttl)
	two.Clock.Advance(ttl)
	n1, err1 := one.App.Visitors.ExpireDue(ctx)
	n2, err2 := two.App.Visitors.ExpireDue(ctx)
	if err1 != nil || err2 != nil || n1+n2 != 1 {
		t.Fatalf("expiries: node 1 %d (%v), node 2 %d (%v); want 1 in all", n1, err1, n2, err2)
	}
	await(t, ctx, desk, "visitor.left", nil)
}
