package realtime

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/querytel/livedesk/internal/clock"
)

// TestStaleHelloIsNotHandled: a hello that waited its turn longer than
// HelloTimeout (its client has given up on a welcome) is closed with 4029
// and never handled; the one before it, and the one after, are.
func TestStaleHelloIsNotHandled(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	s := New(Config{Clock: clk, Options: Options{Hellos: 1, PingInterval: time.Hour}})
	release := make(chan struct{})
	handled := make(chan string, 3)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, wc, err := accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{Subprotocol}})
		if err != nil {
			return
		}
		s.run(ws, wc, func(_ context.Context, _ *conn, _ HelloRequest, id string) error {
			handled <- id
			if id == "first" {
				<-release
			}
			return errors.New("refused here: the test needs only the turn")
		})
	}))
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	hello := func(id string) *websocket.Conn {
		ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), &websocket.DialOptions{Subprotocols: []string{Subprotocol}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ws.CloseNow() }) //nolint:errcheck
		if err := ws.Write(ctx, websocket.MessageText, []byte(`{"type":"hello","id":"`+id+`"}`)); err != nil {
			t.Fatal(err)
		}
		return ws
	}
	closeCode := func(ws *websocket.Conn) websocket.StatusCode {
		for {
			if _, _, err := ws.Read(ctx); err != nil {
				return websocket.CloseStatus(err)
			}
		}
	}
	first := hello("first")
	if id := <-handled; id != "first" {
		t.Fatalf("handled %q first", id)
	}
	late := hello("late")
	until(t, func() bool { return s.hellos.waiting() == 1 })
	clk.Advance(s.opts.HelloTimeout + time.Second)
	close(release)
	closeCode(first) // read, so the server's close handshake ends at once
	if code := closeCode(late); code != CloseTryLater {
		t.Fatalf("the stale hello's socket closed with %d, want %d", code, CloseTryLater)
	}
	next := hello("next") // the place the stale hello gave back
	if id := <-handled; id != "next" {
		t.Fatalf("handled %q after the first, want next (the stale one never)", id)
	}
	closeCode(next)
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestHelloToAGoneClientIsNoError: a client that leaves before its
// welcome is written (a page navigated away) is logged at debug level,
// not as a server error; a hello that fails inside the server still is.
func TestHelloToAGoneClientIsNoError(t *testing.T) {
	var logs syncLog
	s := New(Config{Log: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Clock: clock.NewFake(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)), Options: Options{PingInterval: time.Hour}})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, wc, err := accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{Subprotocol}})
		if err != nil {
			return
		}
		s.run(ws, wc, func(ctx context.Context, c *conn, _ HelloRequest, id string) error {
			if id == "broken" {
				return errors.New("the store failed")
			}
			c.wire.Conn.Close() //nolint:errcheck // the client is gone
			return s.writeDirect(ctx, c, map[string]string{"type": "welcome"})
		})
	}))
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, id := range []string{"gone", "broken"} {
		ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), &websocket.DialOptions{Subprotocols: []string{Subprotocol}})
		if err != nil {
			t.Fatal(err)
		}
		if err := ws.Write(ctx, websocket.MessageText, []byte(`{"type":"hello","id":"`+id+`"}`)); err != nil {
			t.Fatal(err)
		}
		for { // until the server has closed the socket
			if _, _, err := ws.Read(ctx); err != nil {
				break
			}
		}
		ws.CloseNow() //nolint:errcheck
	}
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	if n := strings.Count(out, "level=ERROR"); n != 1 || !strings.Contains(out, "the store failed") {
		t.Fatalf("want one error logged, the store's; the log:\n%s", out)
	}
	if !strings.Contains(out, "level=DEBUG") || !strings.Contains(out, "the client is gone") {
		t.Fatalf("the gone client is not in the debug log:\n%s", out)
	}
}

// syncLog is a log sink safe for the server's goroutines.
type syncLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
