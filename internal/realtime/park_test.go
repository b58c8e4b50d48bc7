//go:build linux

package realtime_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/querytel/livedesk/client"
	"github.com/querytel/livedesk/internal/app/apptest"
	"github.com/querytel/livedesk/internal/realtime"
)

// TestParkedSocketsWake: a quiet socket's reader parks it (after a
// millisecond in tests, apptest) and exits; whatever comes next wakes it.
// Frames that arrive together are all answered, in order; the peer's
// close ends the connection; and so does a close from the server's side
// (its shutdown), which must not wait for the peer to speak.
func TestParkedSocketsWake(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := testCtx(t)
	key := s.DemoSite(t).WidgetKey
	rt := s.App.Realtime

	hc := &holdConn{}
	ws := dialHeld(t, ctx, s, key, hc)
	if _, err := client.Hello(ctx, ws, "", nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, func() bool { return rt.ParkedConns() == 1 })

	// Three commands in one TCP segment: the reader that wakes must not
	// leave the second and third behind in a buffer once it parks again.
	hc.hold()
	for _, id := range []string{"a", "b", "c"} {
		if err := ws.Write(ctx, websocket.MessageText, []byte(`{"type":"ping","id":"`+id+`"}`)); err != nil {
			t.Fatal(err)
		}
	}
	if err := hc.release(); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for len(ids) < 3 {
		_, data, err := ws.Read(ctx)
		if err != nil {
			t.Fatalf("after %v answered: %v", ids, err)
		}
		for line := range strings.SplitSeq(string(data), "\n") {
			var f client.Frame
			if err := json.Unmarshal([]byte(line), &f); err != nil {
				t.Fatalf("frame %q: %v", line, err)
			}
			if f.ID != "" {
				ids = append(ids, f.ID)
			}
		}
	}
	if strings.Join(ids, "") != "abc" {
		t.Fatalf("answered %v, want a, b, c", ids)
	}
	waitFor(t, ctx, func() bool { return rt.ParkedConns() == 1 })

	// The peer's close.
	ws.Close(websocket.StatusNormalClosure, "") //nolint:errcheck
	waitFor(t, ctx, func() bool { return metric(t, s, `livedesk_ws_connections{role="visitor"}`) == 0 })

	// The server's close, while every socket is parked.
	var socks []*websocket.Conn
	for range 3 {
		ws := dialHeld(t, ctx, s, key, &holdConn{})
		if _, err := client.Hello(ctx, ws, "", nil); err != nil {
			t.Fatal(err)
		}
		socks = append(socks, ws)
	}
	waitFor(t, ctx, func() bool { return rt.ParkedConns() == 3 })
	for _, ws := range socks {
		go func() {
			for { // read, so that the client answers the close handshake
				if _, _, err := ws.Read(ctx); err != nil {
					return
				}
			}
		}()
	}
	if err := rt.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown with parked sockets: %v", err)
	}
	if n := metric(t, s, `livedesk_ws_connections{role="visitor"}`); n != 0 {
		t.Fatalf("%d connections left after shutdown", n)
	}
}

// dialHeld opens a widget socket whose writes go through hc.
func dialHeld(t *testing.T, ctx context.Context, s *apptest.Server, key string, hc *holdConn) *websocket.Conn {
	t.Helper()
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		nc, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		hc.Conn = nc
		return hc, err
	}}
	ws, _, err := websocket.Dial(ctx, s.WSURL("/widget/v1/ws?key="+key), &websocket.DialOptions{
		Subprotocols: []string{client.Subprotocol}, HTTPClient: &http.Client{Transport: tr}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.CloseNow() }) //nolint:errcheck
	return ws
}

// holdConn holds its writes, between hold and release, to send them in
// one write.
type holdConn struct {
	net.Conn
	mu      sync.Mutex
	holding bool
	held    []byte
}

func (h *holdConn) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.holding {
		h.held = append(h.held, p...)
		return len(p), nil
	}
	return h.Conn.Write(p)
}

func (h *holdConn) hold() {
	h.mu.Lock()
	h.holding = true
	h.mu.Unlock()
}

func (h *holdConn) release() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.holding = false
	_, err := h.Conn.Write(h.held)
	h.held = nil
	return err
}

// TestPingedSocketsParkAgain: a ping's pong wakes a parked socket (only a
// reader reads it), and the socket parks again after it, a desk (pinged
// every turn, silent otherwise) as well as a widget: the reader does not
// stay behind waiting for a message that may not come for hours.
func TestPingedSocketsParkAgain(t *testing.T) {
	t.Parallel()
	s := apptest.New(t, withRealtime(func(o *realtime.Options) { o.PingInterval = 50 * time.Millisecond }))
	ctx := testCtx(t)
	rt := s.App.Realtime
	s.DialWidget(t, s.DemoSite(t).WidgetKey, client.Options{}) // these clients answer pings
	s.DialDesk(t, client.Options{Header: s.AdminHeader(t)})
	waitFor(t, ctx, func() bool { return rt.ParkedConns() == 2 })
	pinged := metric(t, s, "livedesk_ws_pings_total")
	waitFor(t, ctx, func() bool {
		return metric(t, s, "livedesk_ws_pings_total") >= pinged+6 && rt.ParkedConns() == 2
	})
	if n := metric(t, s, `livedesk_ws_connections{role="visitor"}`) + metric(t, s, `livedesk_ws_connections{role="agent"}`); n != 2 {
		t.Fatalf("%d connections after the pings, want both", n)
	}
}
