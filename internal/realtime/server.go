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
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{
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
	s.run(ws, func(ctx context.Context, c *conn, hello Inbound) (handler, error) {
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
	ws, aerr := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{Subprotocol}})
	if aerr != nil {
		return
	}
	if err != nil {
		ws.Close(CloseUnauthorized, "unauthenticated") //nolint:errcheck
		return
	}
	s.run(ws, func(ctx context.Context, c *conn, hello Inbound) (handler, error) {
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
func (s *Server) run(ws *websocket.Conn, hello helloFunc) {
	if ws.Subprotocol() != Subprotocol {
		ws.Close(CloseBadProtocol, "offer subprotocol "+Subprotocol) //nolint:errcheck
		return
	}
	ws.SetReadLimit(s.opts.ReadLimit)
	c := newConn(s, ws, store.NewID())
	s.mu.Lock()
	if s.ctx.Err() != nil {
		s.mu.Unlock()
		ws.Close(CloseGoingAway, "server shutting down") //nolint:errcheck
		return
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	go s.serve(ws, c, hello)
}

// serve is a connection's reader: it reads the hello, then every frame,
// and hands each command to a short-lived worker (offStack).
func (s *Server) serve(ws *websocket.Conn, c *conn, hello helloFunc) {
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		s.wg.Done()
	}()
	defer func() {
		// As net/http would for the handler: a panic ends this
		// connection, not the process.
		if v := recover(); v != nil {
			s.log.Error("realtime: panic", "panic", v, "conn_id", c.id, "stack", string(debug.Stack()))
			ws.CloseNow() //nolint:errcheck
		}
	}()

	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	c.ctx = ctx

	// hello. A read whose context ends tears the socket down without a
	// close code, so the timeout closes it explicitly instead.
	timer := time.AfterFunc(s.opts.HelloTimeout, func() {
		ws.Close(CloseHelloTimeout, "send hello first") //nolint:errcheck
	})
	in, err := s.readFrame(ctx, c)
	if !timer.Stop() {
		return
	}
	if err != nil {
		var fe frameError
		if errors.As(err, &fe) {
			s.writeDirect(ctx, c, ErrorFrame{Type: TypeError, ID: fe.id, Code: fe.code, Message: fe.msg})
			ws.Close(CloseBadFrames, "hello required") //nolint:errcheck
			return
		}
		ws.CloseNow() //nolint:errcheck
		return
	}
	if in.Type != TypeHello {
		s.writeDirect(ctx, c, ErrorFrame{Type: TypeError, ID: in.ID, Code: "hello_required", Message: "the first frame must be hello"})
		ws.Close(CloseBadFrames, "hello required") //nolint:errcheck
		return
	}
	var handle handler
	offStack(func() { handle, err = hello(ctx, c, in) })
	if err != nil {
		e := apperr.From(err)
		if e.Kind == apperr.Internal {
			s.log.Error("realtime: hello", "err", err, "conn_id", c.id)
		}
		s.writeDirect(ctx, c, errorFrame(in.ID, err))
		code := CloseUnauthorized
		if e.Kind == apperr.Internal || e.Kind == apperr.Unavailable {
			code = CloseGoingAway
		}
		ws.Close(code, e.Code) //nolint:errcheck
		return
	}
	s.metrics.conns.WithLabelValues(c.role()).Inc()
	defer s.metrics.conns.WithLabelValues(c.role()).Dec()
	defer s.hub.unregister(c)

	c.startWriter()

	bad := 0
	for {
		in, err := s.readFrame(ctx, c)
		if err != nil {
			var fe frameError
			if errors.As(err, &fe) {
				c.send(ErrorFrame{Type: TypeError, ID: fe.id, Code: fe.code, Message: fe.msg})
				if bad++; bad >= 20 {
					c.closeWith(CloseBadFrames, "too many invalid frames")
				}
				continue
			}
			break
		}
		if !c.limiter.Allow() {
			c.send(ErrorFrame{Type: TypeError, ID: in.ID, Code: "rate_limited", Message: "slow down", Retry: true})
			continue
		}
		s.metrics.framesIn.WithLabelValues(in.Type).Inc()
		if in.Type == TypePing {
			c.send(PongFrame{Type: TypePong, ID: in.ID, ServerTime: s.clock.Now().UnixMilli()})
			continue
		}
		if in.Type == TypeHello {
			c.send(ErrorFrame{Type: TypeError, ID: in.ID, Code: "already_authenticated", Message: "hello was already accepted"})
			continue
		}
		offStack(func() { handle(ctx, c, in) })
	}
	c.stopPing()
	c.closeWith(websocket.StatusNormalClosure, "")
	s.hub.unregister(c)
	if c.visitorID != "" && !s.hub.visitorConnected(c.visitorID) {
		if v, err := s.store.GetVisitor(context.WithoutCancel(ctx), c.workspaceID, c.visitorID); err == nil {
			s.visitors.Connection(context.WithoutCancel(ctx), v, false)
		}
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

// readFrame reads and decodes one client frame. A malformed frame is a
// frameError (answered, not fatal); anything else ends the connection.
func (s *Server) readFrame(ctx context.Context, c *conn) (Inbound, error) {
	typ, data, err := c.ws.Read(ctx)
	if err != nil {
		return Inbound{}, err
	}
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
func (s *Server) writeDirect(ctx context.Context, c *conn, v any) error {
	wctx, cancel := context.WithTimeout(ctx, s.opts.WriteTimeout)
	defer cancel()
	return c.ws.Write(wctx, websocket.MessageText, encode(v))
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
