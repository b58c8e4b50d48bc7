package realtime

import (
	"context"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/visitor"
)

// conn is one WebSocket client.
//
// An idle connection owns no goroutine (on Linux): its reader parks the
// socket once it has been quiet for ReadIdle and exits, and the next
// bytes start another (park_linux.go); nor does it hold a read buffer
// (wire.go). Elsewhere the reader stays parked in the library's Read. The
// writer is started on demand when the queue gains work and exits once
// it has drained it; the pinger is a timer (no goroutine while it waits)
// whose callback pings on a short-lived goroutine; each frame read is
// decoded and handled on a short-lived goroutine, so the reader's stack
// stays shallow while it waits.
//
// An idle connection holds no context of its own: reads take
// context.Background() (the library then registers nothing per read; a
// read ends when the socket is closed, which every way out of a connection
// does), writes and pings a timeout of their own.
type conn struct {
	id       string
	ws       *websocket.Conn
	wire     *wireConn // the socket under ws, for write deadlines and parking; nil in some tests
	wake     func()    // runs the reader of a parked socket that woke (Server.resume)
	srv      *Server
	ctx      context.Context // commands' context: the server's, which ends at shutdown
	actor    auth.Actor      // who the client is, from its hello
	ip       string          // the client's address (clientip), for the limits
	session  string          // a desk's session token, re-checked on every ping
	limiter  *rate.Limiter
	commands commandTable // the role's commands; set once hello succeeded
	beat     visitor.Beat // a widget's last heartbeat (its commands run one at a time)
	page     string       // the page a widget last asked for broadcasts on (under mu: the hub reads it)
	bad      int          // invalid frames so far; only the frame worker touches it
	// afterReply, when set by a command, closes the connection once the
	// command's reply is queued (closeAfterReply); frame worker only.
	afterReply     websocket.StatusCode
	afterReplyNote string
	// shown is the conversation this desk shows (conversation.view), nil
	// for none; mine: the desk follows only its agent's chats, the
	// queue's and the one shown (desk.watch). The frame worker writes
	// them and the hub reads them on the bus's goroutine.
	shown atomic.Pointer[string]
	mine  atomic.Bool
	// heard: a frame came from the peer since the last ping turn (the
	// reader sets it, pingOnce takes it).
	heard atomic.Bool
	// spared counts the ping turns skipped in a row (pingOnce only).
	spared uint8
	// agentID is a desk's agent, fixed at hello: the hub reads it for
	// every event it narrows, without c.mu.
	agentID string

	// mu guards the send queue and the writer's and pinger's state.
	//
	// Writer state machine: started is false during hello (frames are
	// written directly; enqueued ones wait). Once started, whoever adds
	// work (a frame, or closing) while writing is false sets writing and
	// starts the writer. The writer pops frames under mu and, in the same
	// critical section in which it finds the queue empty, clears writing
	// and exits — so a frame enqueued after that point starts a new writer
	// and one enqueued before it is seen: no lost wake-up, and never two
	// writers. A writer that closes the socket (closing and drained) or
	// fails a write leaves writing set for good: nothing is written after.
	mu          sync.Mutex
	queue       [][]byte // FIFO; head at queue[head]
	head        int
	queuedBytes int
	closing     bool
	closeCode   websocket.StatusCode
	closeReason string
	started     bool        // the writer may run (hello is done)
	writing     bool        // a writer goroutine owns the socket's writes
	ended       bool        // run has returned: no more pings
	ping        *time.Timer // next ping; nil until the writer starts
}

// who is the client as it acts now. An agent's role follows changes while
// its desk is open: pushed by the hub (agent events) and re-read on every
// ping (a backstop for a missed bus event), so each command is judged by
// the current role. The hub and the pinger write under c.mu.
func (c *conn) who() auth.Actor {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.actor
}

// viewing is the conversation this desk shows, "" for none.
func (c *conn) viewing() string {
	if p := c.shown.Load(); p != nil {
		return *p
	}
	return ""
}

func (c *conn) setViewing(id string) {
	if id == "" {
		c.shown.Store(nil)
		return
	}
	c.shown.Store(&id)
}

// follows reports whether this desk receives an event of conversation
// convID, whose assignee is owner (event.Envelope): every one, unless it
// follows only its own chats.
func (c *conn) follows(convID, owner string) bool {
	if !c.mine.Load() || owner == c.agentID {
		return true
	}
	p := c.shown.Load()
	return p != nil && *p == convID
}

// closeAfterReply closes the connection after the current command's reply.
func (c *conn) closeAfterReply(code websocket.StatusCode, reason string) {
	c.afterReply, c.afterReplyNote = code, reason
}

// setPage records the page a widget is on, as its last broadcasts.sync
// said.
func (c *conn) setPage(url string) {
	c.mu.Lock()
	if c.page != url {
		c.page = strings.Clone(url) // not the frame's memory
	}
	c.mu.Unlock()
}

// onPage is the page a widget last said it is on ("" before it said).
func (c *conn) onPage() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.page
}

// setName records a visitor's new name (identify).
func (c *conn) setName(name string) {
	c.mu.Lock()
	c.actor.Name = name
	c.mu.Unlock()
}

// setAgent applies an agent's current role, grants and name to its desk
// and reports whether its permissions changed.
func (c *conn) setAgent(role auth.Role, grants []auth.Permission, name string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	changed := c.actor.Role != role || !slices.Equal(c.actor.Grants, grants)
	c.actor.Role, c.actor.Grants, c.actor.Name = role, grants, name
	return changed
}

func newConn(srv *Server, ws *websocket.Conn, id string) *conn {
	ctx := srv.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	return &conn{
		id: id, ws: ws, srv: srv, ctx: ctx,
		limiter: rate.NewLimiter(rate.Limit(srv.opts.FrameRate), srv.opts.FrameBurst),
	}
}

// claimWriter reports whether the caller, which has just added work under
// c.mu, must start the writer.
func (c *conn) claimWriter() bool {
	if !c.started || c.writing {
		return false
	}
	c.writing = true
	return true
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
		start := c.claimWriter()
		c.mu.Unlock()
		c.srv.metrics.slow.Inc()
		if start {
			go c.writeLoop()
		}
		return
	}
	c.queue = append(c.queue, frame)
	c.queuedBytes += len(frame)
	start := c.claimWriter()
	c.mu.Unlock()
	if start {
		go c.writeLoop()
	}
}

// send encodes v and enqueues it.
func (c *conn) send(v any) { c.enqueue(encode(v)) }

// closeWith asks the writer to close the socket with code after it has
// flushed what is queued.
func (c *conn) closeWith(code websocket.StatusCode, reason string) {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	c.closing, c.closeCode, c.closeReason = true, code, reason
	start := c.claimWriter()
	c.mu.Unlock()
	if start {
		go c.writeLoop()
	}
}

// startWriter ends the hello phase: from now on the queue is written by
// the on-demand writer, and the connection is pinged.
func (c *conn) startWriter() {
	c.mu.Lock()
	c.started = true
	start := (len(c.queue) > c.head || c.closing) && c.claimWriter()
	if !c.ended {
		c.ping = time.AfterFunc(c.srv.opts.PingInterval, c.pingOnce)
	}
	c.mu.Unlock()
	if start {
		go c.writeLoop()
	}
}

// stopPing stops the pinger for good; a ping in flight ends with the
// connection's context.
func (c *conn) stopPing() {
	c.mu.Lock()
	c.ended = true
	if c.ping != nil {
		c.ping.Stop()
	}
	c.mu.Unlock()
}

// maxBatch frames go out in one WebSocket message, separated by newlines:
// fewer syscalls and frames under load, no extra latency when idle.
const maxBatch = 16

// take pops up to maxBatch frames. It reports closing once the queue is
// drained and the connection is closing; when the queue is drained and it
// is not closing, it clears writing: the caller, the writer, must exit.
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
	if n == 0 && !c.closing {
		c.writing = false
	}
	return buf, c.closing && n == 0, c.closeCode, c.closeReason
}

// writeLoop is the writer: it drains the queue in batches, then exits, or
// closes the socket once the queue is drained and the connection is
// closing. Only one runs at a time (see conn.mu).
func (c *conn) writeLoop() {
	var (
		batch [][]byte
		msg   []byte
	)
	for {
		var (
			closing bool
			code    websocket.StatusCode
			reason  string
		)
		batch, closing, code, reason = c.take(batch)
		if closing {
			c.ws.Close(code, reason) //nolint:errcheck // the peer may be gone already
			return
		}
		if len(batch) == 0 {
			return // writing was cleared by take
		}
		msg = msg[:0]
		for i, f := range batch {
			if i > 0 {
				msg = append(msg, '\n')
			}
			msg = append(msg, f...)
		}
		clear(batch)
		if err := c.write(msg); err != nil {
			c.ws.CloseNow() //nolint:errcheck
			// Nothing more can be written: drop the queue and keep
			// writing set so no writer starts again.
			c.mu.Lock()
			if !c.closing {
				c.closing, c.closeCode, c.closeReason = true, websocket.StatusAbnormalClosure, "write failed"
			}
			c.queue, c.head, c.queuedBytes = nil, 0, 0
			c.mu.Unlock()
			return
		}
		c.srv.metrics.framesOut.Add(float64(len(batch)))
	}
}

// write writes one message within WriteTimeout. The timeout is the
// socket's write deadline rather than a context: the library keeps the
// context of a connection's last write until its next one (a timer, a
// channel and a context per idle connection) and registers a callback
// on it for every write.
func (c *conn) write(msg []byte) error {
	if c.wire == nil {
		ctx, cancel := context.WithTimeout(context.Background(), c.srv.opts.WriteTimeout)
		defer cancel()
		return c.ws.Write(ctx, websocket.MessageText, msg)
	}
	c.wire.SetWriteDeadline(time.Now().Add(c.srv.opts.WriteTimeout)) //nolint:errcheck // a closed socket fails the write
	err := c.ws.Write(context.Background(), websocket.MessageText, msg)
	c.wire.SetWriteDeadline(time.Time{}) //nolint:errcheck
	return err
}

// pingOnce runs on the ping timer's goroutine: it checks that the peer
// answers (one that does not is dropped) and that a desk's session is
// still valid, then arms the next ping. A ping in flight when the
// connection ends fails at once (the library's Ping also waits on the
// socket's close).
func (c *conn) pingOnce() {
	if c.session == "" && c.heard.Swap(false) && c.spared < maxSparedPings {
		// The peer has sent a frame since the last ping: it is there,
		// and the path is not idle. A widget's heartbeat comes every 30 s,
		// so this spares most of a widget's pings and the pongs they
		// bring back (a fifth of an idle server's CPU at 15,000
		// visitors). A peer that falls silent is pinged at the next
		// turn; one that sends but never reads (a stuck client) is pinged
		// every few turns all the same, and cut when it does not answer.
		// A desk is pinged each time: the ping re-checks its session.
		c.spared++
		c.rearmPing()
		return
	}
	c.spared = 0
	c.srv.metrics.pings.Inc()
	pctx, cancel := context.WithTimeout(context.Background(), c.srv.opts.PongTimeout)
	err := c.ws.Ping(pctx)
	cancel()
	if err != nil {
		if !c.isEnded() {
			c.ws.Close(ClosePingTimeout, "ping timeout") //nolint:errcheck
		}
		return
	}
	// A desk whose session was revoked (logout, password change) or
	// expired is closed within one ping interval.
	if c.session != "" {
		p, err := c.srv.auth.Authenticate(c.ctx, c.session)
		if apperr.Is(err, apperr.Unauthorized) {
			c.closeWith(CloseUnauthorized, "session ended")
			return
		}
		if err == nil && c.setAgent(auth.Role(p.Agent.Role), auth.GrantsOf(p.Agent), p.Agent.Name) {
			c.closeWith(CloseRoleChanged, "role changed") // a bus event was missed
			return
		}
		// The desk's presence is the node's heartbeat (Hub.Desks), one
		// write per workspace rather than one per desk.
	}
	c.rearmPing()
}

// maxSparedPings bounds the ping turns a widget heard from may skip in a
// row: with 25 s turns, a widget is pinged at least every 100 s.
const maxSparedPings = 3

// rearmPing arms the next ping, unless the connection has ended.
func (c *conn) rearmPing() {
	c.mu.Lock()
	if !c.ended {
		c.ping.Reset(c.srv.opts.PingInterval)
	}
	c.mu.Unlock()
}

// isClosing reports whether the connection is being closed.
func (c *conn) isClosing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closing
}

func (c *conn) isEnded() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ended
}
