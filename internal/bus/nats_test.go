package bus_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/querytel/livedesk/internal/bus"
	"github.com/querytel/livedesk/internal/bus/bustest"
)

// TestNATS runs the contract on an in-process server, so it needs nothing
// installed.
func TestNATS(t *testing.T) {
	srv := startServer(t, -1)
	bustest.Run(t, func(t *testing.T) (bus.Bus, bus.Bus) { return natsPair(t, srv.ClientURL()) })
}

// TestNATSExternal runs the contract on a real server, as deployed. CI must
// provide one; a developer without one skips it.
func TestNATSExternal(t *testing.T) {
	url := os.Getenv("LIVEDESK_TEST_NATS_URL")
	if url == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("LIVEDESK_TEST_NATS_URL must be set in CI")
		}
		t.Skip("LIVEDESK_TEST_NATS_URL not set (e.g. nats://127.0.0.1:4222)")
	}
	bustest.Run(t, func(t *testing.T) (bus.Bus, bus.Bus) { return natsPair(t, url) })
}

func TestNATSPrefixesIsolate(t *testing.T) {
	srv := startServer(t, -1)
	a, _ := natsPair(t, srv.ClientURL())
	other, _ := natsPair(t, srv.ClientURL())
	ra, ro := bustest.NewRecorder(), bustest.NewRecorder()
	mustSubscribe(t, a, ra.Handle)
	mustSubscribe(t, other, ro.Handle)

	mustPublish(t, other, "conv.1", "other deployment")
	mustPublish(t, a, "conv.1", "mine")
	ra.WaitForData(t, "conv.1", "mine")
	ro.WaitForData(t, "conv.1", "other deployment")
	if got := ra.Events(); len(got) != 1 {
		t.Errorf("bus saw another prefix's events: %v", got)
	}
	if got := ro.Events(); len(got) != 1 {
		t.Errorf("bus saw another prefix's events: %v", got)
	}
}

func TestNewNATSErrors(t *testing.T) {
	srv := startServer(t, -1)
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	tests := []struct {
		name   string
		ctx    context.Context
		url    string
		prefix string
		want   error // nil: any error
	}{
		{"empty prefix", t.Context(), srv.ClientURL(), "", nil},
		{"wildcard prefix", t.Context(), srv.ClientURL(), "livedesk.*", nil},
		{"no server", t.Context(), "nats://" + freeAddr(t), "livedesk", nil},
		{"cancelled", cancelled, srv.ClientURL(), "livedesk", context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := bus.NewNATS(tt.ctx, tt.url, tt.prefix, nil)
			if err == nil {
				n.Close()
				t.Fatal("NewNATS succeeded, want an error")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("NewNATS = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestNATSReconnect restarts the server under two connected nodes: Publish
// must not hang while it is down, and delivery must resume after.
func TestNATSReconnect(t *testing.T) {
	addr := freeAddr(t)
	_, portStr, _ := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(portStr)
	srv := startServer(t, port)
	url := srv.ClientURL()
	prefix := uniquePrefix(t)

	type node struct {
		bus           *bus.NATS
		rec           *bustest.Recorder
		down, up, gap chan struct{}
	}
	open := func() node {
		nd := node{rec: bustest.NewRecorder(), down: make(chan struct{}, 8), up: make(chan struct{}, 8), gap: make(chan struct{}, 8)}
		n, err := bus.NewNATSForTest(t.Context(), url, prefix, testLogger(t), bus.NATSTestConfig{
			ReconnectWait: 20 * time.Millisecond,
			OnDisconnect:  func() { notify(nd.down) },
			OnReconnect:   func() { notify(nd.up) },
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { closeBus(t, n) })
		nd.bus = n
		n.OnGap(func(cause string) {
			if cause == bus.GapReconnect {
				notify(nd.gap)
			}
		})
		mustSubscribe(t, n, nd.rec.Handle)
		return nd
	}
	a, b := open(), open()

	mustPublish(t, a.bus, "conv.1", "before")
	a.rec.WaitForData(t, "conv.1", "before")
	b.rec.WaitForData(t, "conv.1", "before")

	srv.Shutdown()
	srv.WaitForShutdown()
	wait(t, a.down, "a to notice the outage")
	wait(t, b.down, "b to notice the outage")

	published := make(chan error, 1)
	go func() { published <- a.bus.Publish(t.Context(), "conv.1", []byte("during")) }()
	select {
	case err := <-published:
		if err != nil {
			t.Fatalf("Publish during outage = %v, want nil (buffered)", err)
		}
	case <-time.After(bustest.Timeout):
		t.Fatal("Publish blocked while NATS was down")
	}

	startServer(t, port)
	wait(t, a.up, "a to reconnect")
	wait(t, b.up, "b to reconnect")
	// Each node says it may have missed events, so its clients catch up.
	wait(t, a.gap, "a to report a gap")
	wait(t, b.gap, "b to report a gap")
	ctx, cancel := context.WithTimeout(t.Context(), bustest.Timeout)
	defer cancel()
	if err := bus.FlushForTest(ctx, b.bus); err != nil { // b's SUB is on the server
		t.Fatal(err)
	}

	mustPublish(t, a.bus, "conv.1", "after")
	b.rec.WaitForData(t, "conv.1", "after")
	got := a.rec.WaitForData(t, "conv.1", "after")
	// a re-subscribed before sending its reconnect buffer, so it sees its
	// own buffered event, in order. b may or may not have: at most once.
	want := []bustest.Event{{Topic: "conv.1", Data: "before"}, {Topic: "conv.1", Data: "during"}, {Topic: "conv.1", Data: "after"}}
	if !slices.Equal(got, want) {
		t.Errorf("a got %v, want %v", got, want)
	}
}

// TestNATSSlowConsumer proves drops are counted and logged, and that the
// node keeps working once its handler catches up.
func TestNATSSlowConsumer(t *testing.T) {
	srv := startServer(t, -1)
	logs := make(chan slog.Record, 100)
	n, err := bus.NewNATSForTest(t.Context(), srv.ClientURL(), uniquePrefix(t),
		slog.New(captureHandler{logs}), bus.NATSTestConfig{PendingMsgs: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeBus(t, n) })
	gaps := make(chan string, 100)
	n.OnGap(func(cause string) { gaps <- cause })

	entered, release := make(chan struct{}), make(chan struct{})
	blocked := false
	mustSubscribe(t, n, func(topic string, _ []byte) {
		if topic == "conv.block" && !blocked {
			blocked = true // only the delivery goroutine touches it
			close(entered)
			<-release
		}
	})
	r := bustest.NewRecorder()
	mustSubscribe(t, n, r.Handle)

	mustPublish(t, n, "conv.block", "")
	wait(t, entered, "the handler to block")
	const burst = 10
	for i := range burst {
		mustPublish(t, n, "conv.1", strconv.Itoa(i))
	}
	// The server sends our events back before answering the flush, and
	// nats.go counts a drop as it reads each one.
	ctx, cancel := context.WithTimeout(t.Context(), bustest.Timeout)
	defer cancel()
	if err := bus.FlushForTest(ctx, n); err != nil {
		t.Fatal(err)
	}
	dropped := int(n.Dropped())
	if dropped < burst-2 {
		t.Errorf("Dropped() = %d, want at least %d", dropped, burst-2)
	}
	select {
	case cause := <-gaps:
		if cause != bus.GapSlowConsumer {
			t.Fatalf("gap cause %q, want %q", cause, bus.GapSlowConsumer)
		}
	case <-time.After(bustest.Timeout):
		t.Fatal("dropped events were not reported as a gap")
	}
	timer := time.NewTimer(bustest.Timeout)
	defer timer.Stop()
	for found := false; !found; {
		select {
		case rec := <-logs:
			found = rec.Level == slog.LevelWarn && strings.Contains(rec.Message, "slow consumer")
		case <-timer.C:
			t.Fatal("no slow-consumer warning logged")
		}
	}

	// Publish again only once the queue is empty, or the new event could
	// be dropped too.
	close(release)
	r.WaitFor(t, "the queued events", func(ev []bustest.Event) bool { return len(ev) == 1+burst-dropped })
	mustPublish(t, n, "conv.1", "recovered")
	r.WaitForData(t, "conv.1", "recovered")
}

func natsPair(t *testing.T, url string) (bus.Bus, bus.Bus) {
	t.Helper()
	prefix := uniquePrefix(t)
	open := func() bus.Bus {
		n, err := bus.NewNATS(t.Context(), url, prefix, testLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { closeBus(t, n) })
		return n
	}
	return open(), open()
}

func startServer(t *testing.T, port int) *server.Server {
	t.Helper()
	srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: port, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	t.Cleanup(srv.Shutdown)
	if !srv.ReadyForConnections(bustest.Timeout) {
		t.Fatal("nats-server not ready")
	}
	return srv
}

// freeAddr returns a loopback address nothing listens on, for a server to
// restart on or for a connection to fail against.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// uniquePrefix keeps runs that share a server (CI, -count, parallel
// subtests) from hearing each other.
func uniquePrefix(t *testing.T) string {
	t.Helper()
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "test" + hex.EncodeToString(b)
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), nil))
}

func closeBus(t *testing.T, b bus.Bus) {
	if err := b.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func mustSubscribe(t *testing.T, b bus.Bus, h bus.Handler) {
	t.Helper()
	unsub, err := b.Subscribe(h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(unsub)
}

func mustPublish(t *testing.T, b bus.Bus, topic, data string) {
	t.Helper()
	if err := b.Publish(t.Context(), topic, []byte(data)); err != nil {
		t.Fatal(err)
	}
}

func notify(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

func wait(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(bustest.Timeout):
		t.Fatalf("timed out waiting for %s", what)
	}
}

// captureHandler sends each log record to a channel (dropping when full).
type captureHandler struct{ ch chan<- slog.Record }

func (h captureHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h captureHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h captureHandler) WithGroup(string) slog.Handler            { return h }
func (h captureHandler) Handle(_ context.Context, r slog.Record) error {
	select {
	case h.ch <- r.Clone():
	default:
	}
	return nil
}
