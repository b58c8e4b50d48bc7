package realtime_test

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/querytel/livedesk/client"
	"github.com/querytel/livedesk/internal/app/apptest"
	"github.com/querytel/livedesk/internal/realtime"
)

// TestNodeThatMissedEventsSendsItsClientsToCatchUp: two nodes share one
// SQLite file and an in-process NATS server. While NATS is down, a visitor
// on node 1 sends a message: it is stored, but node 2 may never hear of
// it, and nothing later would reveal the gap to node 2's desk. When node 2
// reconnects it sends its clients to catch up (close 4013, counted in
// livedesk_bus_gaps_total); the desk resumes and holds every message.
// (The other cause, a slow-consumer drop, reaches the same Resync; the bus
// tests prove both causes are reported.)
func TestNodeThatMissedEventsSendsItsClientsToCatchUp(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	ns := startNATSOn(t, port)
	nodes := apptest.Cluster(t, 2, apptest.NATS(ns.ClientURL()))
	one, two := nodes[0], nodes[1]
	ctx := timeout(t)

	desk := two.DialDesk(t, client.Options{Header: two.AdminHeader(t)})
	await(t, ctx, desk, "snapshot", nil)
	w := one.DialWidget(t, one.DemoSite(t).WidgetKey, client.Options{})
	conv := do(t, ctx, w, "conversation.start", nil).ConversationID
	do(t, ctx, w, "message.send", map[string]any{"conversation_id": conv, "client_msg_id": "v1", "text": "before"})
	await(t, ctx, desk, "message", func(f client.Frame) bool { m, _ := f.Msg(); return m.Body == "before" })

	ns.Shutdown()
	ns.WaitForShutdown()
	do(t, ctx, w, "message.send", map[string]any{"conversation_id": conv, "client_msg_id": "v2", "text": "during the outage"})
	startNATSOn(t, port)

	select {
	case <-desk.Done():
	case <-ctx.Done():
		t.Fatal("node 2 did not send its desk to catch up after it reconnected")
	}
	if code := desk.CloseStatus(); code != realtime.CloseResync {
		t.Fatalf("the desk closed with %d, want %d", code, realtime.CloseResync)
	}
	again := two.DialDesk(t, client.Options{Header: two.AdminHeader(t), Resume: map[string]int64{conv: 1}})
	await(t, ctx, again, "message", func(f client.Frame) bool { m, _ := f.Msg(); return m.Body == "during the outage" })

	resp, err := http.Get(two.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `livedesk_bus_gaps_total{cause="reconnect"}`) {
		t.Fatal("the gap is not counted in /metrics")
	}
}
