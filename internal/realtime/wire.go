package realtime

import (
	"bufio"
	"bytes"
	"errors"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
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
//   - Reads: wireConn reads the socket into a read-ahead buffer taken
//     from a pool once the socket has bytes and given back once they are
//     all handed over, and hands the library at most the rest of the
//     frame under way: bytes of a later frame are never inside the
//     library's buffer, so once a message has been read, wireConn alone
//     knows whether more has arrived (which parking needs: see
//     park_linux.go). A burst of frames costs one read. Where the socket
//     cannot be read so (not Linux), it is read straight into the
//     library's buffer, a frame's header and payload in turn.
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
	wc := newWireConn(nc)
	if n := brw.Reader.Buffered(); n > 0 {
		b, _ := brw.Reader.Peek(n)
		wc.ahead = bytes.Clone(b)
		wc.unread.Store(int32(n))
	}
	h.wc = wc
	return wc, bufio.NewReadWriter(bufio.NewReaderSize(wc, readBufSize), bufio.NewWriterSize(wc, writeBufSize)), nil
}

// wireConn is the socket under coder/websocket. The library reads it only
// under its read lock and writes it only under its write lock, so Read and
// Write each run on one goroutine at a time.
type wireConn struct {
	net.Conn

	// Read side (Read, under the library's read lock): the bytes read
	// from the socket and not yet handed to the library, in a pooled
	// buffer (rbuf) or, at first, what net/http read ahead of the
	// upgrade; in follows the frames handed over. unread is len(ahead),
	// for the connection's reader between messages (ready), which may
	// run while the library's close handshake reads. quiet (a duration)
	// is how long a read at a message's start waits for bytes before it
	// fails with errQuiet; 0, during the hello, for as long as it takes.
	ahead  []byte
	rbuf   *[readAheadSize]byte // ahead's buffer, from readAhead; nil for net/http's bytes
	in     frameEnd
	unread atomic.Int32
	quiet  atomic.Int64

	parking parking // see park_linux.go

	// Write side: the bytes of an unfinished frame held back until the
	// frame's end is written (at most one full small buffer).
	out    frameEnd
	stage  [writeBufSize]byte
	staged int
	iov    [2][]byte
	bufs   net.Buffers
}

// readAheadSize is the read-ahead buffer, borrowed per burst of frames:
// a read takes what the socket holds, up to this.
const readAheadSize = 4096

var readAhead = sync.Pool{New: func() any { return new([readAheadSize]byte) }}

func newWireConn(nc net.Conn) *wireConn {
	c := &wireConn{Conn: nc}
	c.parking.init(nc)
	return c
}

// Read hands over what is read ahead, never past the end of the frame
// under way, reading the socket when nothing is: into a read-ahead buffer
// taken only once the socket has bytes (parking.fill), so that a reader
// blocked here holds none; where that cannot be done, straight into p.
//
// A read at the start of a message (between two, or after a control
// frame) that finds nothing for the quiet time fails with errQuiet,
// having taken no byte: the library's Read returns it and the connection
// is as it was, so the reader can park the socket (Server.readLoop).
func (c *wireConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if len(c.ahead) == 0 {
		var quiet time.Duration
		if c.in.atMessage() {
			quiet = c.quietFor()
		}
		buf, n, ok, err := c.parking.fill(c.Conn, quiet)
		if !ok {
			n, err := c.Conn.Read(p[:min(len(p), c.in.room())])
			c.in.feed(p[:n])
			return n, err
		}
		if n == 0 {
			return 0, err
		}
		c.rbuf, c.ahead = buf, buf[:n] // an error comes again with the next read
	}
	n := copy(p, c.ahead[:c.in.through(c.ahead[:min(len(p), len(c.ahead))])])
	c.ahead = c.ahead[n:]
	c.unread.Store(int32(len(c.ahead)))
	if len(c.ahead) == 0 {
		c.ahead = nil
		if c.rbuf != nil {
			readAhead.Put(c.rbuf) // an idle socket holds no buffer
			c.rbuf = nil
		}
	}
	return n, nil
}

// errQuiet fails a read at a message's start that found nothing for the
// quiet time (wireConn.Read).
var errQuiet = errors.New("realtime: the socket is quiet")

// quietFor is how long the reader waits for bytes before it parks the
// socket; 0 when it does not (during the hello, when parking failed, or
// without a wireConn).
func (c *wireConn) quietFor() time.Duration {
	if c == nil {
		return 0
	}
	return time.Duration(c.quiet.Load())
}

// ready waits up to idle for the peer's next bytes; it reports false if
// none came, and true if some did or the socket failed or closed (the
// library's Read then reports it). The connection's reader calls it
// between messages, when the library holds no byte of the socket.
func (c *wireConn) ready(idle time.Duration) bool {
	return c.unread.Load() > 0 || c.parking.wait(c.Conn, idle)
}

// Close closes the socket; a parked socket's reader is woken to end it.
func (c *wireConn) Close() error {
	err := c.Conn.Close()
	c.parking.closed()
	return err
}

// park hands the quiet socket to the poller and reports whether its
// reader must exit; wake will run the next one (see parking.park).
func (c *wireConn) park(wake func()) bool { return c.parking.park(wake) }

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
	frag bool   // within a fragmented message: its last data frame had no FIN bit
}

func (f *frameEnd) boundary() bool { return f.n == 0 && f.left == 0 }

// atMessage reports whether the bytes fed so far end a message (control
// frames may come between a message's fragments).
func (f *frameEnd) atMessage() bool { return f.boundary() && !f.frag }

// room is how many bytes may be read without going past the end of the
// frame under way (or of its header, whose length shows in its second
// byte).
func (f *frameEnd) room() int {
	switch {
	case f.n == 0 && f.left > 0:
		return int(min(f.left, 1<<30))
	case f.n == 0:
		return 2
	case f.n == 1:
		return 1
	}
	return f.size - f.n
}

// through feeds the bytes of p up to the end of the frame under way (or
// all of p, if it ends first) and reports how many that is.
func (f *frameEnd) through(p []byte) int {
	n := 0
	for n < len(p) {
		if f.n == 0 && f.left > 0 {
			k := int(min(f.left, uint64(len(p)-n)))
			f.feed(p[n : n+k])
			n += k
		} else {
			f.feed(p[n : n+1])
			n++
		}
		if f.boundary() {
			break
		}
	}
	return n
}

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
			if b&0x08 == 0 { // a data frame: text, binary or continuation
				f.frag = b&0x80 == 0
			}
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
