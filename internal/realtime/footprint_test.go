package realtime_test

import (
	"cmp"
	"context"
	"os"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/querytel/livedesk/client"
	"github.com/querytel/livedesk/internal/app/apptest"
	"github.com/querytel/livedesk/internal/realtime"
)

// TestIdleFootprint: an idle visitor socket (hello done, one heartbeat
// answered) costs the server no goroutine on Linux, where its reader
// parks it (park_linux.go), and one parked with a small stack elsewhere.
//
// LIVEDESK_IDLE_FOOTPRINT=N measures N sockets and logs what each costs
// the server: goroutines, stack, and live heap by allocation site (every
// allocation sampled; the sockets' client ends, in this process too, are
// told apart by their call stacks and left out). Run it alone (-run), as
// other tests' garbage would be counted:
//
//	LIVEDESK_IDLE_FOOTPRINT=2000 go test -count=1 -run TestIdleFootprint -v ./internal/realtime/
func TestIdleFootprint(t *testing.T) {
	n, measure := 50, false
	if v := os.Getenv("LIVEDESK_IDLE_FOOTPRINT"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n <= 0 {
			t.Fatalf("LIVEDESK_IDLE_FOOTPRINT=%q: want a count", v)
		}
		measure = true
		runtime.MemProfileRate = 1
		defer func() { runtime.MemProfileRate = 512 * 1024 }()
	}
	s := apptest.New(t, withRealtime(func(o *realtime.Options) { o.PingInterval = time.Hour }))
	key := s.DemoSite(t).WidgetKey
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	// The client ends read nothing between commands, so they own no
	// goroutine: every goroutine and stack added is the server's.
	open := func() *websocket.Conn {
		ws, _, err := websocket.Dial(ctx, s.WSURL("/widget/v1/ws?key="+key), &websocket.DialOptions{Subprotocols: []string{client.Subprotocol}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ws.CloseNow() }) //nolint:errcheck
		if _, err := client.Hello(ctx, ws, "", nil); err != nil {
			t.Fatal(err)
		}
		hb := `{"type":"heartbeat","id":"hb","url":"https://example.com/pricing","title":"Pricing"}`
		if err := ws.Write(ctx, websocket.MessageText, []byte(hb)); err != nil {
			t.Fatal(err)
		}
		for {
			_, data, err := ws.Read(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(data), `"type":"ack"`) {
				return ws
			}
		}
	}
	open() // warm caches and pools
	settle := func() (runtime.MemStats, int) {
		// Two cycles make the heap profile current; stacks shrink by
		// half per cycle while parked goroutines use under a quarter.
		for range 4 {
			runtime.GC()
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms, runtime.NumGoroutine()
	}
	rt := s.App.Realtime
	waitParked(t, rt, 1) // the warm-up socket
	before, g0 := settle()
	var server0 map[string]int64
	if measure {
		server0 = serverHeap()
	}
	for range n {
		open()
	}
	readers := n // a reader per socket, parked in the library's Read
	if runtime.GOOS == "linux" {
		readers = 0
		waitParked(t, rt, n+1)
	}
	after, g1 := settle()
	perConn := func(a, b uint64) float64 { return (float64(a) - float64(b)) / float64(n) }
	goroutines := float64(g1-g0) / float64(n)
	t.Logf("%d idle sockets: %.2f goroutines, %.0f B stack each (%.0f B starting stack)",
		n, goroutines, perConn(after.StackInuse, before.StackInuse), startingStack())
	if g1-g0 > readers+3 { // a finished command's worker or writer may still be exiting
		t.Errorf("%d idle sockets cost %d goroutines, want %d", n, g1-g0, readers)
	}
	if !measure {
		return
	}
	server1 := serverHeap()
	type site struct {
		name  string
		bytes int64
	}
	var sites []site
	var total int64
	for k, v := range server1 {
		if d := v - server0[k]; d != 0 {
			sites = append(sites, site{k, d})
			total += d
		}
	}
	slices.SortFunc(sites, func(a, b site) int { return cmp.Compare(b.bytes, a.bytes) })
	t.Logf("server live heap: %.0f B each (HeapAlloc, both ends: %.0f B each)", float64(total)/float64(n), perConn(after.HeapAlloc, before.HeapAlloc))
	for _, s := range sites {
		if per := float64(s.bytes) / float64(n); per >= 8 {
			t.Logf("  %7.0f B  %s", per, s.name)
		}
	}
}

// waitParked waits, on Linux, until want sockets of rt are parked (their
// readers wait ReadIdle, a millisecond in tests, then park).
func waitParked(t *testing.T, rt *realtime.Server, want int) {
	t.Helper()
	if runtime.GOOS != "linux" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	waitFor(t, ctx, func() bool { return rt.ParkedConns() == want })
}

// serverHeap sums the live heap by allocation site, leaving out what the
// test's client ends allocated.
func serverHeap() map[string]int64 {
	var recs []runtime.MemProfileRecord
	for {
		n, ok := runtime.MemProfile(recs, true)
		if ok {
			recs = recs[:n]
			break
		}
		recs = make([]runtime.MemProfileRecord, n+100)
	}
	out := map[string]int64{}
	for _, r := range recs {
		if r.InUseBytes() == 0 {
			continue
		}
		frames := runtime.CallersFrames(r.Stack())
		var names []string
		for {
			f, more := frames.Next()
			names = append(names, f.Function)
			if !more {
				break
			}
		}
		if isClient(names) {
			continue
		}
		out[allocSite(names)] += r.InUseBytes()
	}
	return out
}

func isClient(stack []string) bool {
	for _, f := range stack {
		if strings.Contains(f, "TestIdleFootprint") || strings.Contains(f, "coder/websocket.dial") ||
			strings.Contains(f, "net/http.(*persistConn)") || strings.Contains(f, "net/http.(*Transport)") {
			return true
		}
	}
	return false
}

// allocSite names an allocation by its innermost frames outside the
// runtime and the standard library's plumbing.
func allocSite(stack []string) string {
	var parts []string
	for _, f := range stack {
		if strings.HasPrefix(f, "runtime.") {
			continue
		}
		parts = append(parts, f)
		if len(parts) == 3 {
			break
		}
	}
	if len(parts) == 0 && len(stack) > 0 {
		return stack[len(stack)-1] // a goroutine's descriptor (runtime.malg)
	}
	return strings.Join(parts, " < ")
}

// startingStack is the stack new goroutines get (the runtime adapts it
// to the average stack in use).
func startingStack() float64 {
	m := []metrics.Sample{{Name: "/gc/stack/starting-size:bytes"}}
	metrics.Read(m)
	if m[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return float64(m[0].Value.Uint64())
}
