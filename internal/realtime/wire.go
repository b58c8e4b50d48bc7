package realtime

import (
	"bufio"
	"bytes"
	"net"
	"net/http"
	"time"

	"github.com/coder/websocket"
)

// Buffers of an upgraded connection.
//
// coder/websocket reads and writes through the bufio.Reader and
// bufio.Writer that Hijack hands it, for the socket's whole life. net/http's
// are 4 KiB each: 8 KiB of an idle socket's heap (about two thirds of it),
// doubled in RSS by the GC's headroom. accept hands the library buffers of
// 16 bytes instead (bufio's minimum for a reader; a client frame header is 6
// to 14 bytes), so a parked reader holds no buffer worth the name:
//
//   - Reads: a frame's header comes through the small buffer, and its
//     payload is read straight into the message buffer (bufio reads past
//     its buffer when the caller's is larger), so a client frame costs one
//     read more than with 4 KiB; client frames are commands (at most 50/s
//     a connection), each far dearer than a read.
//   - Writes: wireConn.Write coalesces what the library writes of one frame
//     (header and first bytes from the full small buffer, then the rest of
//     the payload) into one writev, so a frame still goes out in one
//     syscall and one TCP segment.
const (
	readBufSize  = 16
	writeBufSize = 16
)

// accept is websocket.Accept with the small buffers described above. It
// also returns the socket under the library, for write deadlines.
func accept(w http.ResponseWriter, r *http.Request, opts *websocket.AcceptOptions) (*websocket.Conn, *wireConn, error) {
	h := &leanHijacker{ResponseWriter: w}
	ws, err := websocket.Accept(h, r, opts)
	if err != nil {
		return nil, nil, err
	}
	return ws, h.wc, nil
}

// leanHijacker passes everything to the ResponseWriter but Hijack, which
// swaps net/http's buffers for small ones around a wireConn.
type leanHijacker struct {
	http.ResponseWriter
	wc *wireConn
}

// Hijack hijacks the connection; bytes net/http has read ahead of the
// handshake (a client that did not wait for the 101) are kept for the
// first reads.
func (h *leanHijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	if brw.Writer.Buffered() > 0 { // net/http flushed the 101 already; be sure
		if err := brw.Writer.Flush(); err != nil {
			nc.Close() //nolint:errcheck
			return nil, nil, err
		}
	}
	// net/http's ReadTimeout and WriteTimeout deadlines are still set on
	// the connection: a socket lives for hours, reads with no deadline and
	// sets one per write itself.
	if err := nc.SetDeadline(time.Time{}); err != nil {
		nc.Close() //nolint:errcheck
		return nil, nil, err
	}
	wc := &wireConn{Conn: nc}
	if n := brw.Reader.Buffered(); n > 0 {
		b, _ := brw.Reader.Peek(n)
		wc.pending = bytes.Clone(b)
	}
	h.wc = wc
	return wc, bufio.NewReadWriter(bufio.NewReaderSize(wc, readBufSize), bufio.NewWriterSize(wc, writeBufSize)), nil
}

// wireConn is the socket under coder/websocket. The library reads it only
// under its read lock and writes it only under its write lock, so Read and
// Write each run on one goroutine at a time.
type wireConn struct {
	net.Conn
	pending []byte // read ahead by net/http before the upgrade

	// Write side: the bytes of an unfinished frame held back until the
	// frame's end is written (at most one full small buffer).
	out    frameEnd
	stage  [writeBufSize]byte
	staged int
	iov    [2][]byte
	bufs   net.Buffers
}

// Read serves the bytes read ahead by net/http first.
func (c *wireConn) Read(p []byte) (int, error) {
	if len(c.pending) > 0 {
		n := copy(p, c.pending)
		if c.pending = c.pending[n:]; len(c.pending) == 0 {
			c.pending = nil
		}
		return n, nil
	}
	return c.Conn.Read(p)
}

// Write writes p, except that a write that leaves a frame unfinished is
// held back (when it fits the stage) and goes out with the write that
// finishes the frame, in one writev. The library finishes every frame it
// starts within one call (header and payload, then a flush) unless the
// connection fails, so nothing held back waits for a later frame. If the
// stage is full the bytes are written as they come: never held for
// longer than one write call of the library's frame.
func (c *wireConn) Write(p []byte) (int, error) {
	c.out.feed(p)
	if !c.out.boundary() && c.staged+len(p) <= len(c.stage) {
		c.staged += copy(c.stage[c.staged:], p)
		return len(p), nil
	}
	if c.staged == 0 {
		return c.Conn.Write(p)
	}
	staged := c.staged
	c.staged = 0
	c.iov = [2][]byte{c.stage[:staged], p}
	c.bufs = c.iov[:]
	n, err := c.bufs.WriteTo(c.Conn)
	c.iov, c.bufs = [2][]byte{}, nil // keep no reference to p
	return max(int(n)-staged, 0), err
}

// frameEnd follows WebSocket frames (RFC 6455 §5.2) through a byte stream
// to tell whether the bytes fed so far end on a frame boundary.
type frameEnd struct {
	n    int    // header bytes seen of the current frame; 0 in its payload or between frames
	ext  int    // extended payload length bytes (0, 2 or 8), from the second byte
	size int    // header length, from the second byte
	plen uint64 // payload length, assembled from the header
	left uint64 // payload bytes still to come
}

func (f *frameEnd) boundary() bool { return f.n == 0 && f.left == 0 }

func (f *frameEnd) feed(p []byte) {
	for len(p) > 0 {
		if f.n == 0 && f.left > 0 {
			k := min(f.left, uint64(len(p)))
			f.left -= k
			p = p[k:]
			continue
		}
		b := p[0]
		p = p[1:]
		f.n++
		switch {
		case f.n == 1:
			f.size, f.ext, f.plen = 2, 0, 0
			continue
		case f.n == 2:
			switch l := b & 0x7f; l {
			case 126:
				f.ext = 2
			case 127:
				f.ext = 8
			default:
				f.plen = uint64(l)
			}
			f.size += f.ext
			if b&0x80 != 0 { // masked: a client's frame
				f.size += 4
			}
		case f.n <= 2+f.ext:
			f.plen = f.plen<<8 | uint64(b)
		}
		if f.n == f.size {
			f.n, f.left = 0, f.plen
		}
	}
}
