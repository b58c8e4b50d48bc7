package realtime

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// wsPair returns a server-side conn, started as after hello, and the
// client socket at the other end.
func wsPair(t *testing.T, o Options) (*conn, *websocket.Conn) {
	t.Helper()
	accepted := make(chan *websocket.Conn, 1)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		accepted <- ws
		<-r.Context().Done()
	}))
	t.Cleanup(hs.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	cl, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(hs.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	cl.SetReadLimit(1 << 20)
	t.Cleanup(func() { cl.CloseNow() }) //nolint:errcheck
	ws := <-accepted
	o.PingInterval = time.Hour
	c := newConn(testServer(o), ws, "c1")
	c.ctx = ctx
	return c, cl
}

// readFrames reads newline-separated frames until the socket closes and
// returns them with the close code.
func readFrames(t *testing.T, cl *websocket.Conn) ([]string, websocket.StatusCode) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var frames []string
	for {
		_, data, err := cl.Read(ctx)
		if err != nil {
			return frames, websocket.CloseStatus(err)
		}
		frames = append(frames, strings.Split(string(data), "\n")...)
	}
}

// TestWriterOnDemandOrderAndClose: frames enqueued from many goroutines,
// racing with the writer starting and exiting, all arrive, each
// goroutine's in order, and a close issued after them flushes them before
// the close code.
func TestWriterOnDemandOrderAndClose(t *testing.T) {
	c, cl := wsPair(t, Options{QueueFrames: 1 << 20, QueueBytes: 1 << 30})
	c.enqueue([]byte("early")) // during hello: waits for the writer
	c.mu.Lock()
	if c.writing {
		t.Fatal("a writer started before hello ended")
	}
	c.mu.Unlock()
	c.startWriter()
	const senders, per = 8, 300
	var wg sync.WaitGroup
	for g := range senders {
		wg.Go(func() {
			for i := range per {
				c.enqueue([]byte(fmt.Sprintf("%c%d", 'a'+g, i)))
				if i%50 == 0 {
					time.Sleep(time.Millisecond) // let the writer drain and exit
				}
			}
		})
	}
	wg.Wait()
	c.closeWith(CloseGoingAway, "bye")
	c.enqueue([]byte("late")) // dropped: closing
	frames, code := readFrames(t, cl)
	if code != CloseGoingAway {
		t.Fatalf("close code %d, want %d", code, CloseGoingAway)
	}
	if len(frames) != 1+senders*per || frames[0] != "early" {
		t.Fatalf("%d frames (first %q), want %d starting with early", len(frames), frames[0], 1+senders*per)
	}
	next := make([]int, senders)
	for _, f := range frames[1:] {
		g, i := int(f[0]-'a'), 0
		fmt.Sscan(f[1:], &i) //nolint:errcheck
		if i != next[g] {
			t.Fatalf("sender %d: frame %d, want %d", g, i, next[g])
		}
		next[g]++
	}
}

// TestWriterStartsAndExits: an idle connection has no writer; a frame
// starts one, which exits after it is written; a close with an empty queue
// starts one that closes the socket.
func TestWriterStartsAndExits(t *testing.T) {
	c, cl := wsPair(t, Options{})
	c.startWriter()
	writing := func() bool { c.mu.Lock(); defer c.mu.Unlock(); return c.writing }
	if writing() {
		t.Fatal("writer running with nothing to write")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range 3 {
		c.send(map[string]int{"n": i})
		if _, data, err := cl.Read(ctx); err != nil || string(data) != `{"n":`+string(rune('0'+i))+`}` {
			t.Fatalf("read %d: %q %v", i, data, err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for writing() {
			if time.Now().After(deadline) {
				t.Fatal("the writer did not exit after draining")
			}
			time.Sleep(time.Millisecond)
		}
	}
	c.closeWith(CloseSlowConsumer, "x")
	if _, code := readFrames(t, cl); code != CloseSlowConsumer {
		t.Fatalf("close code %d", code)
	}
	if !writing() {
		t.Fatal("a closed connection could start another writer")
	}
}

// TestWriterEnqueueCloseRace: enqueues and a close from other goroutines
// race with the writer's exit; the socket is always closed with the code.
func TestWriterEnqueueCloseRace(t *testing.T) {
	for range 30 {
		c, cl := wsPair(t, Options{})
		c.startWriter()
		var wg sync.WaitGroup
		var sent atomic.Int32
		for range 4 {
			wg.Go(func() {
				for range 20 {
					c.enqueue([]byte("x"))
					sent.Add(1)
				}
			})
		}
		wg.Go(func() { time.Sleep(time.Duration(sent.Load()) * time.Microsecond); c.closeWith(CloseGoingAway, "") })
		wg.Wait()
		if _, code := readFrames(t, cl); code != CloseGoingAway {
			t.Fatalf("close code %d, want %d", code, CloseGoingAway)
		}
	}
}
