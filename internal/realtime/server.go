package realtime

import (
	"context"
	"errors"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/block"
	"github.com/querytel/livedesk/internal/broadcast"
	"github.com/querytel/livedesk/internal/bus"
	"github.com/querytel/livedesk/internal/chat"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/file"
	"github.com/querytel/livedesk/internal/guard"
	"github.com/querytel/livedesk/internal/inbox"
	"github.com/querytel/livedesk/internal/site"
	"github.com/querytel/livedesk/internal/store"
	"github.com/querytel/livedesk/internal/team"
	"github.com/querytel/livedesk/internal/visitor"
)

// Options tunes the server; a zero field takes the default in brackets.
type Options struct {
	HelloTimeout time.Duration // [10s] to receive hello after the upgrade
	PingInterval time.Duration // [25s] between pings; well under proxies' 60 s idle cut
	PongTimeout  time.Duration // [20s] for a pong
	WriteTimeout time.Duration // [10s] for one write
	QueueFrames  int           // [1024] frames queued per connection before it is cut
	QueueBytes   int           // [1 MiB] bytes queued per connection before it is cut
	ReadLimit    int64         // [64 KiB] largest client frame
	FrameRate    float64       // [50/s] sustained client frames per connection
	FrameBurst   int           // [100] client frame burst
	HeartbeatMS  int           // [30000] how often widgets should send heartbeats
	// Hellos is how many hellos are handled at once [64]; the rest wait
	// their turn, first come first served (see gate).
	Hellos int
	// ReadIdle [2s] is how long a connection's reader waits for the next
	// frame before it parks the socket and exits (see park_linux.go).
	ReadIdle time.Duration
}

func (o *Options) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.HelloTimeout, 10*time.Second)
	def(&o.PingInterval, 25*time.Second)
	def(&o.PongTimeout, 20*time.Second)
	def(&o.WriteTimeout, 10*time.Second)
	def(&o.ReadIdle, 2*time.Second)
	if o.QueueFrames <= 0 {
		o.QueueFrames = 1024
	}
	if o.QueueBytes <= 0 {
		o.QueueBytes = 1 << 20
	}
	if o.ReadLimit <= 0 {
		o.ReadLimit = 64 << 10
	}
	if o.FrameRate <= 0 {
		o.FrameRate = 50
	}
	if o.FrameBurst <= 0 {
		o.FrameBurst = 100
	}
	if o.HeartbeatMS <= 0 {
		o.HeartbeatMS = 30000
	}
	if o.Hellos <= 0 {
		o.Hellos = 64
	}
}

// Config wires a Server. The socket layer reads and changes nothing
// itself: every read and every change goes through a domain service.
type Config struct {
	Log      *slog.Logger
	Clock    clock.Clock
	Auth     *auth.Service
	Sites    *site.Service
	Team     *team.Service
	Chat     *chat.Service
	Visitors *visitor.Service
	Blocks   *block.Service // nil: nobody is blocked
	Inbox    *inbox.Service // nil: desks get no inbox in their welcome
	Files    *file.Service  // nil: welcomes carry no file policy
	// Broadcasts decides what widgets show; nil: none.
	Broadcasts *broadcast.Service
	// Guard bounds widget traffic per client address and per site; nil
	// allows everything.
	Guard *guard.Guard
	// TrustProxy takes client addresses from X-Forwarded-For (clientip).
	TrustProxy bool
	Registry   prometheus.Registerer // nil: not registered
	Options    Options
}

// Server accepts WebSocket connections.
type Server struct {
	log      *slog.Logger
	clock    clock.Clock
	auth     *auth.Service
	sites    *site.Service
	team     *team.Service
	chat     *chat.Service
	visitors *visitor.Service
	blocks   *block.Service
	inbox    *inbox.Service
	files    *file.Service
	casts    *broadcast.Service
	guard    *guard.Guard
	trust    bool // TrustProxy
	opts     Options
	hub      *Hub
	metrics  *metrics
	hellos   *gate // hellos handled at once (handshake)

	mu         sync.Mutex
	conns      map[*conn]struct{}
	lastResync time.Time       // guarded by mu
	ctx        context.Context // ends once shutdown has waited for the connections
	cancel     context.CancelFunc
	stopping   chan struct{} // closed as shutdown begins
	stopOnce   sync.Once
	wg         sync.WaitGroup
}

// New returns a Server. Subscribe Hub().HandleBus to the bus to deliver
// events.
func New(cfg Config) *Server {
	cfg.Options.defaults()
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	m := newMetrics(cfg.Registry)
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		log: cfg.Log, clock: cfg.Clock, auth: cfg.Auth, sites: cfg.Sites, team: cfg.Team, chat: cfg.Chat,
		visitors: cfg.Visitors, blocks: cfg.Blocks, inbox: cfg.Inbox, files: cfg.Files, casts: cfg.Broadcasts, guard: cfg.Guard, trust: cfg.TrustProxy, opts: cfg.Options, metrics: m, conns: map[*conn]struct{}{}, ctx: ctx, cancel: cancel,
		hellos: newGate(cfg.Options.Hellos), stopping: make(chan struct{}),
	}
	if cfg.Registry != nil {
		cfg.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "livedesk_ws_hellos_waiting", Help: "Hellos received and waiting their turn (a reconnect storm: at most 64 are handled at once).",
		}, func() float64 { return float64(s.hellos.waiting()) }))
		cfg.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "livedesk_ws_parked", Help: "Sockets quiet for a while whose reader has exited until they speak again (Linux).",
		}, func() float64 { return float64(parkedNow.Load()) }))
	}
	s.hub = newHub(cfg.Log, m)
	if cfg.Broadcasts != nil {
		s.hub.forget = cfg.Broadcasts.Forget
	}
	return s
}

// filePolicy is what a welcome says about attachments (nil without a
// file service).
func (s *Server) filePolicy(ctx context.Context, workspaceID string) (*file.Policy, error) {
	if s.files == nil {
		return nil, nil
	}
	p, err := s.files.Policy(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// Hub returns the connection index, whose HandleBus the bus feeds.
func (s *Server) Hub() *Hub { return s.hub }

// Shutdown closes every connection with 4000 (reconnect) and waits for
// their goroutines, or until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stopOnce.Do(func() { close(s.stopping) }) // hellos waiting their turn give up
	s.mu.Lock()
	for c := range s.conns {
		c.closeWith(CloseGoingAway, "server shutting down")
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
	s.cancel()
	return ctx.Err()
}

// helloFunc authenticates a connection from its hello, writes the welcome
// and initial state directly to the socket, and sets the connection's
// actor and command table.
type helloFunc func(ctx context.Context, c *conn, hello HelloRequest, id string) error

// run registers an upgraded connection and drives it, from hello to close,
// on a goroutine of its own, then returns: the HTTP handler's goroutine
// (deep net/http frames, the request and its headers) is not kept for the
// connection's lifetime; the new reader starts with a small stack.
func (s *Server) run(ws *websocket.Conn, wc *wireConn, hello helloFunc) {
	if ws.Subprotocol() != Subprotocol {
		ws.Close(CloseBadProtocol, "offer subprotocol "+Subprotocol) //nolint:errcheck
		return
	}
	ws.SetReadLimit(s.opts.ReadLimit)
	c := newConn(s, ws, store.NewID())
	c.wire = wc
	c.wake = func() { s.resume(c) }
	s.mu.Lock()
	if s.ctx.Err() != nil {
		s.mu.Unlock()
		ws.Close(CloseGoingAway, "server shutting down") //nolint:errcheck
		return
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	go s.serve(c, hello)
}

// serve is a connection's reader: the hello, every frame, the teardown.
// It only reads whole frames and hands each, undecoded, to a short-lived
// worker (offStack) that decodes and handles it: JSON decoding and
// commands grow and drop their own stacks. A socket quiet for ReadIdle is
// parked (park_linux.go): this goroutine exits, and the next bytes or the
// socket's closing start another (resume), which goes on reading.
func (s *Server) serve(c *conn, hello helloFunc) {
	away := false
	defer func() { s.done(c, away, recover()) }()
	if !s.handshake(c, hello) {
		return
	}
	away = s.read(c)
}

// resume is the reader of a parked socket that woke.
func (s *Server) resume(c *conn) {
	away := false
	defer func() { s.done(c, away, recover()) }()
	away = s.read(c)
}

// read reads frames until the socket closes or fails, then hangs up; or
// until it parks the socket, which it reports.
func (s *Server) read(c *conn) bool {
	if s.readLoop(c) {
		return true
	}
	s.hangUp(c)
	return false
}

// readLoop reads frames until the socket closes or fails (false), or
// parks it once it has been quiet for ReadIdle (true).
func (s *Server) readLoop(c *conn) bool {
	if c.wire != nil {
		c.wire.quiet.Store(int64(s.opts.ReadIdle))
	}
	// quiet parks the socket; one that cannot be is waited for in Read.
	quiet := func() bool {
		if c.wire.park(c.wake) {
			return true
		}
		c.wire.quiet.Store(0)
		return false
	}
	for {
		// The wait between messages is here, on a shallow stack; the one
		// after a ping or pong is in Read (errQuiet).
		if q := c.wire.quietFor(); q > 0 && !c.wire.ready(q) && quiet() {
			return true
		}
		typ, data, err := c.ws.Read(context.Background())
		if errors.Is(err, errQuiet) {
			if quiet() {
				return true
			}
			continue
		}
		if err != nil {
			return false
		}
		c.heard.Store(true)
		offStack(func() { s.frame(c, typ, data) })
	}
}

// hangUp ends an established connection whose reading has ended: it
// closes the socket after what is queued, and marks a visitor with no
// other socket on this node offline.
func (s *Server) hangUp(c *conn) {
	c.stopPing()
	c.closeWith(websocket.StatusNormalClosure, "")
	s.hub.unregister(c)
	if c.who().AgentID != "" {
		s.deskSeen(c) // the grace period runs from the last desk's close
		if v := c.viewing(); v != "" {
			s.chat.Viewing(context.WithoutCancel(c.ctx), c.who(), v, false) //nolint:errcheck // the desks expire it anyway
		}
	}
	if c.actor.IsVisitor() && !s.hub.visitorConnected(c.actor.VisitorID) {
		ctx := context.WithoutCancel(c.ctx)
		if v, err := s.visitors.Current(ctx, c.actor); err == nil {
			s.visitors.Connection(ctx, v, false)
		}
	}
}

// deskSeen records that an agent's desk was connected just now (see
// team.DeskSeen); a failure only delays the agent's return.
func (s *Server) deskSeen(c *conn) {
	who := c.who()
	if err := s.team.DeskSeen(context.WithoutCancel(c.ctx), who.WorkspaceID, who.AgentID); err != nil && !apperr.Is(err, apperr.NotFound) {
		s.log.Warn("realtime: desk presence", "err", err, "conn_id", c.id)
	}
}

// done runs when a reader returns, also by a panic (v): as net/http
// would for a handler, a panic ends this connection, not the process. A
// reader that parked the socket (away) leaves the end to the next one.
func (s *Server) done(c *conn, away bool, v any) {
	if v != nil {
		s.log.Error("realtime: panic", "panic", v, "conn_id", c.id, "stack", string(debug.Stack()))
		c.ws.CloseNow() //nolint:errcheck
	} else if away {
		return
	}
	if c.wire != nil {
		c.wire.parking.forget()
	}
	if c.commands != nil { // established: see handshake
		s.hub.unregister(c)
		s.metrics.conns.WithLabelValues(c.role()).Dec()
	}
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.wg.Done()
}

func (c *conn) role() string {
	if c.actor.IsVisitor() {
		return "visitor"
	}
	return "agent"
}

// ResyncEvery bounds how often a node sends its clients to catch up: a
// flapping link or a node that keeps falling behind reports gap after gap,
// and one reconnect per client covers them all.
const ResyncEvery = 5 * time.Second

// Resync is the bus's gap report (bus.Bus.OnGap): this node may have
// missed events that its clients were owed, and nothing would tell them
// (no later event need come to reveal a seq gap). Every established
// connection is closed with 4013; clients reconnect with backoff and
// resume from their last seq, which the database answers in full, and
// desks reload their lists. Reports within ResyncEvery of the last one are
// counted but send nobody again.
func (s *Server) Resync(cause string) {
	if cause != bus.GapReconnect && cause != bus.GapSlowConsumer {
		cause = "other" // a fixed label set
	}
	s.metrics.gaps.WithLabelValues(cause).Inc()
	now := time.Now()
	s.mu.Lock()
	if now.Sub(s.lastResync) < ResyncEvery {
		s.mu.Unlock()
		return
	}
	s.lastResync = now
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	s.log.Warn("realtime: events may have been missed; clients reconnect and resume", "cause", cause, "connections", len(conns))
	for _, c := range conns {
		// A connection still in its hello is closed too (after its welcome,
		// if it gets that far): it may have read its state before the gap.
		c.closeWith(CloseResync, "events may have been missed")
	}
}
