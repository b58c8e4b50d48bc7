package realtime_test

import (
	"bytes"
	"os"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"

	"github.com/querytel/livedesk/client"
	"github.com/querytel/livedesk/internal/app/apptest"
	"github.com/querytel/livedesk/internal/pgtest"
	"github.com/querytel/livedesk/internal/workspace"
)

// deployment is how the nodes of an apptest.Cluster share their state.
type deployment struct {
	postgres bool
	opts     []apptest.Option
}

// eachDeployment runs test on both kinds of cluster: one SQLite file with
// the in-process memory bus (always, so `make test` needs no service), and
// PostgreSQL with NATS (skipped without LIVEDESK_TEST_POSTGRES_URL, and
// failing under CI=true).
func eachDeployment(t *testing.T, test func(t *testing.T, d deployment)) {
	t.Helper()
	t.Run("sqlite+memory", func(t *testing.T) {
		t.Parallel()
		test(t, deployment{})
	})
	t.Run("postgres+nats", func(t *testing.T) {
		t.Parallel()
		pgtest.Require(t)
		test(t, deployment{postgres: true, opts: []apptest.Option{apptest.Postgres(), apptest.NATS(natsURL(t))}})
	})
}

// natsEnv names the NATS server the tests use when it is set, for example
// nats://127.0.0.1:4222.
const natsEnv = "LIVEDESK_TEST_NATS_URL"

// natsURL is the server in LIVEDESK_TEST_NATS_URL. Without it, an
// in-process server stands in, except under CI=true, where the run fails:
// CI tests against a real one.
func natsURL(t *testing.T) string {
	t.Helper()
	if u := os.Getenv(natsEnv); u != "" {
		return u
	}
	if os.Getenv("CI") == "true" {
		t.Fatal(natsEnv + " must be set in CI")
	}
	return startNATS(t)
}

// startNATS runs an in-process NATS server on a free loopback port.
func startNATS(t *testing.T) string {
	t.Helper()
	return startNATSOn(t, -1).ClientURL()
}

// startNATSOn runs an in-process NATS server on loopback port (-1: a free
// one), stopped when the test ends.
func startNATSOn(t *testing.T, port int) *natsserver.Server {
	t.Helper()
	ns, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: port, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats server did not start")
	}
	t.Cleanup(ns.Shutdown)
	return ns
}

// TestTwoNodes: a visitor on node 1 and an agent on node 2 chat both ways
// and see typing and presence, and a timer due on both nodes fires once.
func TestTwoNodes(t *testing.T) {
	t.Parallel()
	eachDeployment(t, func(t *testing.T, d deployment) {
		testTwoNodes(t, apptest.Cluster(t, 2, append(d.opts, chaosOpts)...))
	})
}

func testTwoNodes(t *testing.T, nodes []*apptest.Server) {
	one, two := nodes[0], nodes[1]
	ctx := testCtx(t)
	desk := two.DialDesk(t, client.Options{Header: two.AdminHeader(t)})
	await(t, ctx, desk, "snapshot", nil)

	w := one.DialWidget(t, one.DemoSite(t).WidgetKey, client.Options{})
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

	// An agent whose only desk is on node 2 stays present for node 1's
	// expiry pass, long after its hello: node 2's heartbeat says so.
	do(t, ctx, desk, "agent.status", map[string]any{"status": "online"})
	grace := time.Duration(one.App.Config.Limits.AgentAwaySeconds) * time.Second
	for range 3 {
		one.Clock.Advance(2 * grace)
		two.Clock.Advance(2 * grace)
		two.App.Heartbeat(ctx)
		if n, err := one.App.ExpireAbsentAgents(ctx); err != nil || n != 0 {
			t.Fatalf("node 1 made %d agents away (%v), though a desk is open on node 2", n, err)
		}
	}
}
