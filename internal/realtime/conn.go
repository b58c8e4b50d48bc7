package realtime

import (
	"context"
	"sync"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"

	"github.com/querytel/livedesk/internal/apperr"
)

// conn is one WebSocket client.
type conn struct {
	id          string
	ws          *websocket.Conn
	srv         *Server
	workspaceID string
	visitorID   string // set for widgets
	agentID     string // set for desks
	name        string
	session     string // a desk's session token, re-checked on every ping
	limiter     *rate.Limiter

	mu          sync.Mutex
	queue       [][]byte // FIFO; head at queue[head]
	head        int
	queuedBytes int
	closing     bool
	closeCode   websocket.StatusCode
	closeReason string
	wake        chan struct{} // cap 1: "the queue has work or we are closing"
	done        chan struct{} // closed when the connection ends
}

func newConn(srv *Server, ws *websocket.Conn, id string) *conn {
	return &conn{
		id: id, ws: ws, srv: srv,
		limiter: rate.NewLimiter(rate.Limit(srv.opts.FrameRate), srv.opts.FrameBurst),
		wake:    make(chan struct{}, 1),
		done:    make(chan struct{}),
	}
}

func (c *conn) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// enqueue adds a frame to the send queue without blocking. When the queue
// would exceed its bounds the connection is closed as a slow consumer: it
// will resume by seq from the database, which is cheaper for everyone than
// buffering without limit.
func (c *conn) enqueue(frame []byte) {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	if len(c.queue)-c.head >= c.srv.opts.QueueFrames || c.queuedBytes+len(frame) > c.srv.opts.QueueBytes {
		c.closing, c.closeCode, c.closeReason = true, CloseSlowConsumer, "slow consumer"
		c.queue, c.head, c.queuedBytes = nil, 0, 0
		c.mu.Unlock()
		c.srv.metrics.slow.Inc()
		c.signal()
		return
	}
	c.queue = append(c.queue, frame)
	c.queuedBytes += len(frame)
	c.mu.Unlock()
	c.signal()
}

// send encodes v and enqueues it.
func (c *conn) send(v any) { c.enqueue(encode(v)) }

// closeWith asks the writer to close the socket with code after it has
// flushed what is queued.
func (c *conn) closeWith(code websocket.StatusCode, reason string) {
	c.mu.Lock()
	if !c.closing {
		c.closing, c.closeCode, c.closeReason = true, code, reason
	}
	c.mu.Unlock()
	c.signal()
}

// maxBatch frames go out in one WebSocket message, separated by newlines:
// fewer syscalls and frames under load, no extra latency when idle.
const maxBatch = 16

// take pops up to maxBatch frames.
func (c *conn) take(buf [][]byte) ([][]byte, bool, websocket.StatusCode, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := min(len(c.queue)-c.head, maxBatch)
	buf = append(buf[:0], c.queue[c.head:c.head+n]...)
	for i := c.head; i < c.head+n; i++ {
		c.queuedBytes -= len(c.queue[i])
		c.queue[i] = nil
	}
	c.head += n
	if c.head == len(c.queue) {
		// Drop the backing array when drained, so an idle connection
		// holds no queue memory.
		c.queue, c.head = nil, 0
	}
	return buf, c.closing && n == 0, c.closeCode, c.closeReason
}

// writeLoop drains the queue until the connection closes.
func (c *conn) writeLoop(ctx context.Context) {
	var (
		batch [][]byte
		msg   []byte
	)
	for {
		select {
		case <-c.wake:
		case <-ctx.Done():
			return
		}
		for {
			var closing bool
			var code websocket.StatusCode
			var reason string
			batch, closing, code, reason = c.take(batch)
			if closing {
				c.ws.Close(code, reason) //nolint:errcheck // the peer may be gone already
				return
			}
			if len(batch) == 0 {
				break
			}
			msg = msg[:0]
			for i, f := range batch {
				if i > 0 {
					msg = append(msg, '\n')
				}
				msg = append(msg, f...)
			}
			wctx, cancel := context.WithTimeout(ctx, c.srv.opts.WriteTimeout)
			err := c.ws.Write(wctx, websocket.MessageText, msg)
			cancel()
			if err != nil {
				c.ws.CloseNow() //nolint:errcheck
				return
			}
			c.srv.metrics.framesOut.Add(float64(len(batch)))
			if cap(msg) > 64<<10 {
				msg = nil // do not keep a large buffer for an idle connection
			}
		}
	}
}

// pingLoop checks that the peer answers; one that does not is dropped.
func (c *conn) pingLoop(ctx context.Context) {
	t := time.NewTicker(c.srv.opts.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			pctx, cancel := context.WithTimeout(ctx, c.srv.opts.PongTimeout)
			err := c.ws.Ping(pctx)
			cancel()
			if err != nil {
				if ctx.Err() == nil {
					c.ws.Close(ClosePingTimeout, "ping timeout") //nolint:errcheck
				}
				return
			}
			// A desk whose session was revoked (logout, password change)
			// or expired is closed within one ping interval.
			if c.session != "" {
				if _, err := c.srv.auth.Authenticate(ctx, c.session); apperr.Is(err, apperr.Unauthorized) {
					c.closeWith(CloseUnauthorized, "session ended")
					return
				}
			}
		}
	}
}
