package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/chat"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/event"
	"github.com/querytel/livedesk/internal/routing"
	"github.com/querytel/livedesk/internal/site"
	"github.com/querytel/livedesk/internal/store"
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
}

// Store is what the socket layer reads directly: entry points and
// snapshots. Everything that changes state goes through a domain service.
type Store interface {
	SiteByWidgetKey(ctx context.Context, key string) (store.Site, error)
	GetSite(ctx context.Context, workspaceID, id string) (store.Site, error)
	GetVisitor(ctx context.Context, workspaceID, id string) (store.Visitor, error)
	ListAgents(ctx context.Context, workspaceID string) ([]store.Agent, error)
}

// Config wires a Server.
type Config struct {
	Log      *slog.Logger
	Clock    clock.Clock
	Store    Store
	Auth     *auth.Service
	Chat     *chat.Service
	Visitors *visitor.Service
	Routing  *routing.Service
	Registry prometheus.Registerer // nil: not registered
	Options  Options
}

// Server accepts WebSocket connections.
type Server struct {
	log      *slog.Logger
	clock    clock.Clock
	store    Store
	auth     *auth.Service
	chat     *chat.Service
	visitors *visitor.Service
	routing  *routing.Service
	opts     Options
	hub      *Hub
	metrics  *metrics

	mu     sync.Mutex
	conns  map[*conn]struct{}
	ctx    context.Context // ends at shutdown
	cancel context.CancelFunc
	wg     sync.WaitGroup
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
		log: cfg.Log, clock: cfg.Clock, store: cfg.Store, auth: cfg.Auth, chat: cfg.Chat, visitors: cfg.Visitors,
		routing: cfg.Routing, opts: cfg.Options, metrics: m, conns: map[*conn]struct{}{}, ctx: ctx, cancel: cancel,
	}
	s.hub = newHub(cfg.Log, m)
	return s
}

// Hub returns the connection index, whose HandleBus the bus feeds.
func (s *Server) Hub() *Hub { return s.hub }

// Shutdown closes every connection with 4000 (reconnect) and waits for
// their goroutines, or until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
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

func writeHTTPError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "message": msg}}) //nolint:errcheck
}

// ServeWidget upgrades GET /widget/v1/ws?key=WIDGET_KEY. The key names the
// site; the Origin header must be on the site's allow-list. Refusals are
// sent as close codes after the upgrade (4404 unknown key, 4403 origin),
// because a browser cannot read the HTTP status of a failed upgrade and
// would retry forever; a refused connection is closed before it can do
// anything.
func (s *Server) ServeWidget(w http.ResponseWriter, r *http.Request) {
	st, err := s.store.SiteByWidgetKey(r.Context(), r.URL.Query().Get("key"))
	var refuse websocket.StatusCode
	var reason string
	switch {
	case errors.Is(err, store.ErrNotFound):
		refuse, reason = CloseUnknownKey, "unknown_widget_key"
	case err != nil:
		s.log.Error("realtime: site lookup", "err", err)
		writeHTTPError(w, http.StatusServiceUnavailable, "unavailable", "try again")
		return
	default:
		if origin := r.Header.Get("Origin"); origin != "" && !site.OriginAllowed(st, origin) {
			refuse, reason = CloseOriginRefused, "origin_not_allowed"
		}
	}
	ws, wc, err := accept(w, r, &websocket.AcceptOptions{
		Subprotocols: []string{Subprotocol},
		// The site's allow-list was checked above; the widget is
		// cross-origin by nature and carries no cookies.
		InsecureSkipVerify: true,
	})
	if err != nil {
		return // Accept wrote the HTTP error
	}
	if refuse != 0 {
		ws.Close(refuse, reason) //nolint:errcheck
		return
	}
	s.run(ws, wc, func(ctx context.Context, c *conn, hello Inbound) (handler, error) {
		return s.helloWidget(ctx, c, st, hello)
	})
}

// ServeDesk upgrades GET /api/v1/ws for a signed-in agent. The Origin must
// be this server's own (coder/websocket checks it against Host), which
// stops cross-site WebSocket hijacking with the session cookie. A missing
// or ended session is closed with 4401 after the upgrade.
func (s *Server) ServeDesk(w http.ResponseWriter, r *http.Request) {
	var (
		p     auth.Principal
		token string
		err   error = auth.ErrNoSession
	)
	if ck, cerr := r.Cookie(auth.SessionCookie); cerr == nil {
		token = ck.Value
		p, err = s.auth.Authenticate(r.Context(), token)
	}
	if err != nil && !apperr.Is(err, apperr.Unauthorized) {
		s.log.Error("realtime: authenticate", "err", err)
		writeHTTPError(w, http.StatusServiceUnavailable, "unavailable", "try again")
		return
	}
	ws, wc, aerr := accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{Subprotocol}})
	if aerr != nil {
		return
	}
	if err != nil {
		ws.Close(CloseUnauthorized, "unauthenticated") //nolint:errcheck
		return
	}
	s.run(ws, wc, func(ctx context.Context, c *conn, hello Inbound) (handler, error) {
		c.session = token
		return s.helloDesk(ctx, c, p, hello)
	})
}

// handler handles one command after hello.
type handler func(ctx context.Context, c *conn, in Inbound)

// helloFunc authenticates a connection from its hello, writes the welcome
// and initial state directly to the socket, and returns the command
// handler.
type helloFunc func(ctx context.Context, c *conn, hello Inbound) (handler, error)

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
// commands grow and drop their own stacks. While parked in Read it holds
// the library's read path (~2 KiB) under the frames of serve and readLoop,
// which are kept small (the hello and the teardown are functions of their
// own; serve's frame was 856 bytes when it held them) so that the reader's
// deepest path fits a 4 KiB stack (~3 KiB usable): once grown to 8 KiB a
// stack is halved by the GC only while under ~1.2 KiB of it is in use,
// which a reader parked in Read never is.
func (s *Server) serve(c *conn, hello helloFunc) {
	defer s.done(c)
	if !s.handshake(c, hello) {
		return
	}
	s.readLoop(c)
	s.hangUp(c)
}

// handshake reads the hello within HelloTimeout, runs it on a worker and
// starts the writer; it reports whether the connection is established.
func (s *Server) handshake(c *conn, hello helloFunc) bool {
	// A read whose context ends tears the socket down without a close
	// code, so the timeout closes it explicitly instead.
	timer := time.AfterFunc(s.opts.HelloTimeout, func() {
		c.ws.Close(CloseHelloTimeout, "send hello first") //nolint:errcheck
	})
	typ, data, err := c.ws.Read(context.Background())
	if !timer.Stop() {
		return false
	}
	if err != nil {
		c.ws.CloseNow() //nolint:errcheck
		return false
	}
	ok := false
	offStack(func() { ok = s.helloFrame(c, typ, data, hello) })
	if !ok {
		return false
	}
	s.metrics.conns.WithLabelValues(c.role()).Inc()
	c.startWriter()
	return true
}

// readLoop reads frames until the socket closes or fails.
func (s *Server) readLoop(c *conn) {
	for {
		typ, data, err := c.ws.Read(context.Background())
		if err != nil {
			return
		}
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
	if c.visitorID != "" && !s.hub.visitorConnected(c.visitorID) {
		ctx := context.WithoutCancel(c.ctx)
		if v, err := s.store.GetVisitor(ctx, c.workspaceID, c.visitorID); err == nil {
			s.visitors.Connection(ctx, v, false)
		}
	}
}

// done runs when the reader returns, also by a panic: as net/http would
// for a handler, a panic ends this connection, not the process.
func (s *Server) done(c *conn) {
	if v := recover(); v != nil {
		s.log.Error("realtime: panic", "panic", v, "conn_id", c.id, "stack", string(debug.Stack()))
		c.ws.CloseNow() //nolint:errcheck
	}
	if c.handle != nil { // established: see handshake
		s.hub.unregister(c)
		s.metrics.conns.WithLabelValues(c.role()).Dec()
	}
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.wg.Done()
}

// helloFrame decodes the first frame, which must be hello, and runs the
// hello handler, on a worker. It reports whether the connection is
// established (c.handle set); if not, it has closed the socket.
func (s *Server) helloFrame(c *conn, typ websocket.MessageType, data []byte, hello helloFunc) bool {
	ctx := c.ctx
	in, err := decodeFrame(typ, data)
	if err != nil {
		fe, _ := err.(frameError)                                                                     // decodeFrame returns no other error
		s.writeDirect(ctx, c, ErrorFrame{Type: TypeError, ID: fe.id, Code: fe.code, Message: fe.msg}) //nolint:errcheck
		c.ws.Close(CloseBadFrames, "hello required")                                                  //nolint:errcheck
		return false
	}
	if in.Type != TypeHello {
		s.writeDirect(ctx, c, ErrorFrame{Type: TypeError, ID: in.ID, Code: "hello_required", Message: "the first frame must be hello"}) //nolint:errcheck
		c.ws.Close(CloseBadFrames, "hello required")                                                                                    //nolint:errcheck
		return false
	}
	handle, err := hello(ctx, c, in)
	if err != nil {
		e := apperr.From(err)
		if e.Kind == apperr.Internal {
			s.log.Error("realtime: hello", "err", err, "conn_id", c.id)
		}
		s.writeDirect(ctx, c, errorFrame(in.ID, err)) //nolint:errcheck
		code := CloseUnauthorized
		if e.Kind == apperr.Internal || e.Kind == apperr.Unavailable {
			code = CloseGoingAway
		}
		c.ws.Close(code, e.Code) //nolint:errcheck
		return false
	}
	c.handle = handle
	return true
}

// frame decodes and handles one client frame after hello, on a worker:
// frames are handled in order, one at a time.
func (s *Server) frame(c *conn, typ websocket.MessageType, data []byte) {
	in, err := decodeFrame(typ, data)
	if err != nil {
		fe, _ := err.(frameError) // decodeFrame returns no other error
		c.send(ErrorFrame{Type: TypeError, ID: fe.id, Code: fe.code, Message: fe.msg})
		if c.bad++; c.bad >= 20 {
			c.closeWith(CloseBadFrames, "too many invalid frames")
		}
		return
	}
	if !c.limiter.Allow() {
		c.send(ErrorFrame{Type: TypeError, ID: in.ID, Code: "rate_limited", Message: "slow down", Retry: true})
		return
	}
	s.metrics.framesIn.WithLabelValues(in.Type).Inc()
	switch in.Type {
	case TypePing:
		c.send(PongFrame{Type: TypePong, ID: in.ID, ServerTime: s.clock.Now().UnixMilli()})
	case TypeHello:
		c.send(ErrorFrame{Type: TypeError, ID: in.ID, Code: "already_authenticated", Message: "hello was already accepted"})
	default:
		c.handle(c.ctx, c, in)
	}
}

func (c *conn) role() string {
	if c.visitorID != "" {
		return "visitor"
	}
	return "agent"
}

// frameError is a client frame that could not be decoded or lacks an id.
type frameError struct{ id, code, msg string }

func (e frameError) Error() string { return e.code + ": " + e.msg }

// decodeFrame decodes one client frame; every error is a frameError
// (answered, not fatal).
func decodeFrame(typ websocket.MessageType, data []byte) (Inbound, error) {
	if typ != websocket.MessageText {
		return Inbound{}, frameError{code: "invalid_frame", msg: "frames are JSON text"}
	}
	return decodeInbound(data)
}

// decodeInbound parses one client frame and checks its envelope.
func decodeInbound(data []byte) (Inbound, error) {
	var in Inbound
	if err := json.Unmarshal(data, &in); err != nil {
		return Inbound{}, frameError{code: "invalid_frame", msg: "a frame is one JSON object"}
	}
	if in.Type == "" {
		return Inbound{}, frameError{id: in.ID, code: "invalid_frame", msg: "type is required"}
	}
	if in.ID == "" || len(in.ID) > MaxIDLen {
		return Inbound{}, frameError{code: "invalid_frame", msg: "id is required (1 to 64 characters)"}
	}
	return in, nil
}

// writeDirect writes a frame before the writer goroutine runs (hello).
// It ends with ctx as well as on the write timeout.
func (s *Server) writeDirect(ctx context.Context, c *conn, v any) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return c.write(encode(v))
}

// replay writes a conversation's events after seq directly, in pages,
// before the writer starts. It returns the last seq written.
func (s *Server) replay(ctx context.Context, c *conn, actor chat.Actor, conversationID string, after int64) error {
	for {
		msgs, _, err := s.chat.History(ctx, actor, conversationID, after, 0, chat.MaxHistoryPage)
		if err != nil {
			return err
		}
		for _, m := range msgs {
			if err := s.writeDirect(ctx, c, event.MessageFrame{Type: event.TypeMessage, Message: m}); err != nil {
				return err
			}
			after = m.Seq
		}
		if len(msgs) < chat.MaxHistoryPage {
			return nil
		}
	}
}

// reply sends the ack, or the error frame for err.
func (s *Server) reply(c *conn, id string, ack AckFrame, err error) {
	if err != nil {
		e := apperr.From(err)
		if e.Kind == apperr.Internal {
			s.log.Error("realtime: command failed", "err", err, "conn_id", c.id, "workspace_id", c.workspaceID)
		}
		c.send(errorFrame(id, err))
		return
	}
	ack.Type, ack.ID = TypeAck, id
	c.send(ack)
}

func unknownType(in Inbound) error {
	return apperr.New(apperr.Invalid, "unknown_type", "unknown frame type "+in.Type)
}
