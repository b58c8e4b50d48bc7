package realtime_test

import (
	"context"
	"fmt"
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
// (as its heartbeats do) is not pinged; once it falls silent it is
// pinged every turn, and one that answers no ping is closed with 4010.
func TestWidgetPingedOnlyWhenSilent(t *testing.T) {
	t.Parallel()
	const turn = 100 * time.Millisecond
	s := apptest.New(t, withRealtime(func(o *realtime.Options) { o.PingInterval, o.PongTimeout = turn, 150*time.Millisecond }))
	ctx := testCtx(t)
	ws, _, err := websocket.Dial(ctx, s.WSURL("/widget/v1/ws?key="+s.DemoSite(t).WidgetKey), &websocket.DialOptions{Subprotocols: []string{client.Subprotocol}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.CloseNow() }) //nolint:errcheck
	if _, err := client.Hello(ctx, ws, "", nil); err != nil {
		t.Fatal(err)
	}
	// Chatty for 15 turns: a frame every 10 ms. Were it pinged, this
	// client (which reads nothing, so it answers no ping) would be cut
	// and its writes would fail. One or two pings are allowed for a
	// stall of the whole test process longer than a turn.
	end := time.Now().Add(15 * turn)
	for i := 0; time.Now().Before(end); i++ {
		hb := fmt.Sprintf(`{"type":"ping","id":"p%d"}`, i)
		if err := ws.Write(ctx, websocket.MessageText, []byte(hb)); err != nil {
			t.Fatalf("after %d frames the chatty widget was cut: %v", i, err)
		}
		time.Sleep(10 * time.Millisecond) // the client's pace, not a wait for the server
	}
	if n := metric(t, s, "livedesk_ws_pings_total"); n > 2 {
		t.Fatalf("a widget that sent a frame every turn was pinged %d times in 15 turns", n)
	}
	// Silent, and answering no ping: closed with 4010. The read below
	// starts once the server has let the socket go (reading earlier would
	// answer the ping).
	waitFor(t, ctx, func() bool { return metric(t, s, `livedesk_ws_connections{role="visitor"}`) == 0 })
	for {
		_, _, err := ws.Read(ctx)
		if err == nil {
			continue // the pongs to its pings, sent before
		}
		if code := websocket.CloseStatus(err); code != realtime.ClosePingTimeout {
			t.Fatalf("the silent widget: %v, want close %d", err, realtime.ClosePingTimeout)
		}
		return
	}
}

// metric reads one series of the server's /metrics.
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
		t.Fatalf("no %s in /metrics", series)
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
