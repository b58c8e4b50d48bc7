package realtime

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// frameBytes encodes one frame as RFC 6455 §5.2 lays it out.
func frameBytes(opcode byte, payload []byte, maskKey []byte) []byte {
	b := []byte{0x80 | opcode}
	mask := byte(0)
	if maskKey != nil {
		mask = 0x80
	}
	switch n := len(payload); {
	case n < 126:
		b = append(b, mask|byte(n))
	case n <= 0xffff:
		b = append(b, mask|126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, mask|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	if maskKey == nil {
		return append(b, payload...)
	}
	b = append(b, maskKey...)
	for i, c := range payload {
		b = append(b, c^maskKey[i%4])
	}
	return b
}

// TestFrameEndFindsBoundaries: fed a stream of frames of every length
// class, masked or not, cut at random points, frameEnd reports a boundary
// exactly where a frame ends.
func TestFrameEndFindsBoundaries(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	sizes := []int{0, 1, 13, 14, 125, 126, 127, 1000, 0xffff, 0x10000, 70000}
	var stream []byte
	ends := map[int]bool{}
	for i := range 200 {
		var key []byte
		if i%3 == 0 {
			key = []byte{1, 2, 3, 4}
		}
		op := byte(1)
		if i%5 == 0 {
			op = 0x9 // ping
		}
		stream = append(stream, frameBytes(op, make([]byte, sizes[rng.IntN(len(sizes))]), key)...)
		ends[len(stream)] = true
	}
	for range 20 {
		var f frameEnd
		for pos := 0; pos < len(stream); {
			n := min(1+rng.IntN(40), len(stream)-pos)
			if rng.IntN(4) == 0 {
				n = min(1+rng.IntN(100000), len(stream)-pos)
			}
			// Feed one byte at a time near boundaries to check every
			// position, in chunks elsewhere.
			f.feed(stream[pos : pos+n])
			pos += n
			if got := f.boundary(); got != ends[pos] {
				t.Fatalf("at %d: boundary %v, want %v", pos, got, ends[pos])
			}
		}
	}
	var f frameEnd
	for pos := range stream {
		f.feed(stream[pos : pos+1])
		if got := f.boundary(); got != ends[pos+1] {
			t.Fatalf("byte by byte, at %d: boundary %v, want %v", pos+1, got, ends[pos+1])
		}
	}
}

// writeSyscalls is this process's count of write system calls (write,
// writev), from /proc/self/io.
func writeSyscalls(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		t.Skipf("no write syscall count here: %v", err)
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "syscw: "); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Skip("no syscw in /proc/self/io")
	return 0
}

// TestWireWritesOneFrameInOneWrite: through the small buffers, every
// message the server writes, of every length class, reaches the socket in
// one write system call and arrives intact; nothing stays held back after
// a write.
func TestWireWritesOneFrameInOneWrite(t *testing.T) {
	got := make(chan *conn, 1)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, wc, err := accept(w, r, nil)
		if err != nil {
			return
		}
		c := newConn(testServer(Options{}), ws, "c1")
		c.wire = wc
		got <- c
	}))
	defer hs.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cl, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(hs.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.CloseNow() //nolint:errcheck
	cl.SetReadLimit(1 << 20)
	c := <-got
	received := make(chan []byte)
	go func() {
		for {
			_, data, err := cl.Read(ctx)
			if err != nil {
				close(received)
				return
			}
			received <- data
		}
	}()
	for _, n := range []int{0, 1, 5, 6, 7, 8, 13, 14, 15, 16, 17, 30, 100, 125, 126, 127, 4096, 0xffff, 0x10000, 200000} {
		msg := bytes.Repeat([]byte{'a' + byte(n%26)}, n)
		before := writeSyscalls(t)
		if err := c.write(msg); err != nil {
			t.Fatalf("write %d: %v", n, err)
		}
		// A write larger than the socket buffer may take more than one
		// syscall, whatever the buffering.
		if w := writeSyscalls(t) - before; w != 1 && n < 1<<16 {
			t.Errorf("a %d-byte message took %d write syscalls, want 1", n, w)
		}
		if c.wire.staged != 0 || !c.wire.out.boundary() {
			t.Fatalf("after a %d-byte message: %d bytes held back", n, c.wire.staged)
		}
		if data := <-received; !bytes.Equal(data, msg) {
			t.Fatalf("the %d-byte message arrived as %d bytes", n, len(data))
		}
	}
}

// TestWireReadsThroughSmallBuffer: client frames of every length class,
// sent back to back and also in the same packet as the upgrade request
// (read ahead by net/http), reach the server whole and in order.
func TestWireReadsThroughSmallBuffer(t *testing.T) {
	got := make(chan *websocket.Conn, 1)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, _, err := accept(w, r, nil)
		if err != nil {
			return
		}
		ws.SetReadLimit(1 << 20)
		got <- ws
	}))
	defer hs.Close()
	sizes := []int{0, 1, 9, 10, 11, 125, 126, 200, 0xffff, 0x10000, 100000}
	var frames []byte
	key := []byte{9, 8, 7, 6}
	for _, n := range sizes {
		frames = append(frames, frameBytes(1, bytes.Repeat([]byte{'a' + byte(n%26)}, n), key)...)
	}
	nc, err := net.Dial("tcp", strings.TrimPrefix(hs.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	// The upgrade request and the first frames in one write, before the
	// 101: net/http reads some of them ahead.
	req := "GET / HTTP/1.1\r\nHost: " + strings.TrimPrefix(hs.URL, "http://") + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := nc.Write(append([]byte(req), frames...)); err != nil {
		t.Fatal(err)
	}
	ws := <-got
	defer ws.CloseNow() //nolint:errcheck
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, n := range sizes {
		typ, data, err := ws.Read(ctx)
		if err != nil {
			t.Fatalf("read the %d-byte frame: %v", n, err)
		}
		if typ != websocket.MessageText || !bytes.Equal(data, bytes.Repeat([]byte{'a' + byte(n%26)}, n)) {
			t.Fatalf("the %d-byte frame arrived as %d bytes", n, len(data))
		}
	}
}

// streamConn is a socket whose reads return as much of data as asked
// for: a burst of frames arrives in one read.
type streamConn struct {
	net.Conn
	data []byte
}

func (s *streamConn) Read(p []byte) (int, error) {
	if len(s.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p, s.data)
	s.data = s.data[n:]
	return n, nil
}

// TestWireReadStopsAtFrameEnd: whatever the reader asks for, a read never
// hands over bytes of two frames (the rest waits in the read-ahead, and
// the read-ahead keeps it), so the library never holds a byte of a frame
// it has not begun; the read-ahead buffer goes back to its pool once
// empty.
func TestWireReadStopsAtFrameEnd(t *testing.T) {
	t.Parallel()
	key := []byte{1, 2, 3, 4}
	var stream []byte
	var ends []int // offsets where frames end
	for i, n := range []int{0, 1, 5, 125, 126, 300, 5000, 0x10000, 3} {
		op := byte(1)
		if i == 2 {
			op = 9 // a ping between messages
		}
		stream = append(stream, frameBytes(op, bytes.Repeat([]byte{'x'}, n), key)...)
		ends = append(ends, len(stream))
	}
	// A socket (read ahead in bursts, on Linux) and a stream that is no
	// socket (read straight into the caller's buffer).
	socket := func() net.Conn {
		cc, sc := tcpPair(t)
		go cc.Write(stream) //nolint:errcheck // the reads below fail if it does
		return sc
	}
	for _, size := range []int{1, 7, 16, 4096, 1 << 20, -16, -4096, -(1 << 20)} {
		var wc *wireConn
		if size > 0 {
			wc = newWireConn(&streamConn{data: bytes.Clone(stream)})
		} else {
			size = -size
			wc = newWireConn(socket())
		}
		off := 0
		buf := make([]byte, size)
		for off < len(stream) {
			n, err := wc.Read(buf)
			if err != nil || n == 0 {
				t.Fatalf("reads of %d: at %d: %d, %v", size, off, n, err)
			}
			if !bytes.Equal(buf[:n], stream[off:off+n]) {
				t.Fatalf("reads of %d: the bytes at %d are not the stream's", size, off)
			}
			for _, e := range ends {
				if off < e && off+n > e {
					t.Fatalf("reads of %d: a read of %d at %d crosses the frame end at %d", size, n, off, e)
				}
			}
			off += n
		}
		if wc.rbuf != nil || wc.ahead != nil {
			t.Fatalf("reads of %d: the drained connection still holds its read-ahead", size)
		}
	}
}

// tcpPair is both ends of a loopback TCP connection, closed when the test
// ends.
func tcpPair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	server, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close() })
	return client, server
}

// deadlineConn records the deadlines set on it.
type deadlineConn struct {
	net.Conn
	read, write []time.Time
}

func (d *deadlineConn) SetDeadline(t time.Time) error {
	d.read, d.write = append(d.read, t), append(d.write, t)
	return nil
}
func (d *deadlineConn) SetReadDeadline(t time.Time) error  { d.read = append(d.read, t); return nil }
func (d *deadlineConn) SetWriteDeadline(t time.Time) error { d.write = append(d.write, t); return nil }

type hijackable struct {
	http.ResponseWriter
	conn net.Conn
}

func (h hijackable) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return h.conn, bufio.NewReadWriter(bufio.NewReader(h.conn), bufio.NewWriter(h.conn)), nil
}

// TestHijackClearsServerDeadlines: net/http's ReadTimeout (which bounds a
// request's body) leaves a deadline on the connection it hands over; a
// socket that kept it would be cut after 30 s of life. The hijack clears
// both deadlines.
func TestHijackClearsServerDeadlines(t *testing.T) {
	t.Parallel()
	a, b := net.Pipe()
	defer b.Close()
	dc := &deadlineConn{Conn: a}
	h := &leanHijacker{ResponseWriter: hijackable{ResponseWriter: httptest.NewRecorder(), conn: dc}}
	nc, _, err := h.Hijack()
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if len(dc.read) == 0 || !dc.read[len(dc.read)-1].IsZero() || len(dc.write) == 0 || !dc.write[len(dc.write)-1].IsZero() {
		t.Fatalf("deadlines after the hijack: read %v, write %v; want both cleared", dc.read, dc.write)
	}
}
