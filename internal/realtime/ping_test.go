package realtime_test

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/querytel/livedesk/client"
	"github.com/querytel/livedesk/internal/app/apptest"
	"github.com/querytel/livedesk/internal/realtime"
)

// TestWidgetPingedOnlyWhenSilent: a widget that sends a frame every turn
// (as its heartbeats do) is pinged only every fourth turn; once it falls
// silent it is pinged every turn. (This client answers pings by itself.)
func TestWidgetPingedOnlyWhenSilent(t *testing.T) {
	t.Parallel()
	const turn = 100 * time.Millisecond
	s := apptest.New(t, withRealtime(func(o *realtime.Options) { o.PingInterval = turn }))
	ctx := testCtx(t)
	w := s.DialWidget(t, s.DemoSite(t).WidgetKey, client.Options{})
	// Chatty for 24 turns: a frame every 25 ms (under the 50 frames/s limit).
	end := time.Now().Add(24 * turn)
	for time.Now().Before(end) {
		do(t, ctx, w, "ping", nil)
		time.Sleep(25 * time.Millisecond) // the client's pace, not a wait for the server
	}
	chatty := metric(t, s, "livedesk_ws_pings_total")
	// 6 when every fourth turn pings; 24 if none were spared. A stall of
	// the whole test process longer than a turn adds one or two.
	if chatty > 12 {
		t.Fatalf("a widget that sent a frame every turn was pinged %d times in 24 turns", chatty)
	}
	// Silent: pinged again, turn after turn.
	waitFor(t, ctx, func() bool { return metric(t, s, "livedesk_ws_pings_total") >= chatty+12 })
}

// TestSilentWidgetIsCut: a widget that sends nothing and answers no ping
// (this client reads nothing, so it answers none) is closed with 4010.
func TestSilentWidgetIsCut(t *testing.T) {
	t.Parallel()
	s := apptest.New(t, withRealtime(func(o *realtime.Options) { o.PingInterval, o.PongTimeout = 20*time.Millisecond, 50*time.Millisecond }))
	ctx := testCtx(t)
	ws, _, err := websocket.Dial(ctx, s.WSURL("/widget/v1/ws?key="+s.DemoSite(t).WidgetKey), &websocket.DialOptions{Subprotocols: []string{client.Subprotocol}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.CloseNow() }) //nolint:errcheck
	if _, err := client.Hello(ctx, ws, "", nil); err != nil {
		t.Fatal(err)
	}
	// The read below starts once the server has let the socket go
	// (reading earlier would answer the ping).
	waitFor(t, ctx, func() bool { return metric(t, s, `livedesk_ws_connections{role="visitor"}`) == 0 })
	for {
		_, _, err := ws.Read(ctx)
		if err == nil {
			continue
		}
		if code := websocket.CloseStatus(err); code != realtime.ClosePingTimeout {
			t.Fatalf("the silent widget: %v, want close %d", err, realtime.ClosePingTimeout)
		}
		return
	}
}

// metric reads one series of the server's /metrics; -1 while it is not
// there.
func metric(t *testing.T, s *apptest.Server, series string) int {
	t.Helper()
	resp, err := http.Get(s.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\d+)`).FindSubmatch(body)
	if m == nil {
		return -1 // a labelled series appears with its first use
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// waitFor polls cond until it holds or ctx ends.
func waitFor(t *testing.T, ctx context.Context, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatal("condition not met in time")
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// TestRateLimitedSaysWhenToRetry: past the frame limit a command is
// answered rate_limited with the wait until the connection may send again.
func TestRateLimitedSaysWhenToRetry(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := testCtx(t)
	w := s.DialWidget(t, s.DemoSite(t).WidgetKey, client.Options{})
	for i := range 300 {
		_, err := w.Do(ctx, "ping", nil)
		if err == nil {
			continue
		}
		ce, ok := err.(*client.Error)
		if !ok {
			t.Fatalf("ping %d: %v", i, err)
		}
		if ce.Code != "rate_limited" || !ce.Retry || ce.RetryAfter < 100*time.Millisecond || ce.RetryAfter > time.Second {
			t.Fatalf("past the frame limit: %+v, want rate_limited, retry, a wait of 100 ms to 1 s", ce)
		}
		return
	}
	t.Fatal("300 frames at once were all taken: the frame limit is not applied")
}
