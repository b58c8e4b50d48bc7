package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/coder/websocket"
	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/clientip"
	"github.com/querytel/livedesk/internal/guard"
	"github.com/querytel/livedesk/internal/site"
	"github.com/querytel/livedesk/internal/store"
)

// writeHTTPError answers a request that never became a socket with the
// API's JSON error shape, with the request id the HTTP layer assigned.
func writeHTTPError(w http.ResponseWriter, status int, code, msg string) {
	e := map[string]string{"code": code, "message": msg}
	if rid := w.Header().Get("X-Request-Id"); rid != "" {
		e["request_id"] = rid
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": e}) //nolint:errcheck
}

// upgradeRequested reports whether r asks for a WebSocket. Anything else
// (a browser opening the URL, a plain GET from a script) is answered 426
// in JSON here, rather than by the WebSocket library's plain-text error.
func upgradeRequested(w http.ResponseWriter, r *http.Request) bool {
	if headerHas(r.Header, "Connection", "upgrade") && headerHas(r.Header, "Upgrade", "websocket") {
		return true
	}
	w.Header().Set("Upgrade", "websocket")
	writeHTTPError(w, http.StatusUpgradeRequired, "upgrade_required",
		"this URL is a WebSocket endpoint: connect with the "+Subprotocol+" subprotocol")
	return false
}

// headerHas reports whether a comma-separated header lists token
// (case-insensitively).
func headerHas(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// ServeWidget upgrades GET /widget/v1/ws?key=WIDGET_KEY. The key names the
// site; the Origin header must be on the site's allow-list. Refusals are
// sent as close codes after the upgrade (4404 unknown key, 4403 origin),
// because a browser cannot read the HTTP status of a failed upgrade and
// would retry forever; a refused connection is closed before it can do
// anything.
func (s *Server) ServeWidget(w http.ResponseWriter, r *http.Request) {
	if !upgradeRequested(w, r) {
		return
	}
	ip := clientip.Of(r, s.trust)
	st, err := s.sites.ByWidgetKey(r.Context(), r.URL.Query().Get("key"))
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
			s.sites.OriginRefused(st.ID, origin) // shown to the site's admins
		} else if err := s.guard.Allow(guard.Socket, ip, st.ID); err != nil {
			// Refused before the upgrade, where it costs least; a browser
			// sees a failed connection and backs off, as for any other.
			w.Header().Set("Retry-After", "10")
			writeHTTPError(w, http.StatusTooManyRequests, apperr.From(err).Code, apperr.From(err).Message)
			return
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
	s.run(ws, wc, func(ctx context.Context, c *conn, hello HelloRequest, id string) error {
		c.ip = ip
		return s.helloWidget(ctx, c, st, hello, id)
	})
}

// ServeDesk upgrades GET /api/v1/ws for a signed-in agent. The Origin must
// be this server's own (coder/websocket checks it against Host), which
// stops cross-site WebSocket hijacking with the session cookie. A missing
// or ended session is closed with 4401 after the upgrade.
func (s *Server) ServeDesk(w http.ResponseWriter, r *http.Request) {
	if !upgradeRequested(w, r) {
		return
	}
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
	s.run(ws, wc, func(ctx context.Context, c *conn, hello HelloRequest, id string) error {
		c.session = token
		return s.helloDesk(ctx, c, p, hello, id)
	})
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
	if !s.admitHello(c, s.clock.Now()) {
		return false
	}
	ok := false
	offStack(func() {
		defer s.hellos.leave() // on a panic too (raised again here, and survived: see done)
		ok = s.helloFrame(c, typ, data, hello)
	})
	if !ok {
		return false
	}
	s.metrics.conns.WithLabelValues(c.role()).Inc()
	c.startWriter()
	return true
}

// admitHello waits for the hello's turn (s.hellos) and reports whether
// to handle it; if not, it has closed the socket. A hello that waited
// longer than HelloTimeout is not handled: its client gave up on a
// welcome by then (the apps wait 10 s) and is back in the queue on a new
// socket, so the work would go to nobody.
func (s *Server) admitHello(c *conn, read time.Time) bool {
	if !s.hellos.enter(s.stopping) {
		c.ws.Close(CloseGoingAway, "server shutting down") //nolint:errcheck
		return false
	}
	if s.clock.Now().Sub(read) > s.opts.HelloTimeout {
		s.hellos.leave()
		c.ws.Close(CloseTryLater, "server busy") //nolint:errcheck
		return false
	}
	return true
}

// helloFrame decodes the first frame, which must be hello, and runs the
// hello handler, on a worker. It reports whether the connection is
// established (c.commands set); if not, it has closed the socket.
func (s *Server) helloFrame(c *conn, typ websocket.MessageType, data []byte, hello helloFunc) bool {
	ctx := c.ctx
	refuse := func(f ErrorFrame) bool {
		f.Type = TypeError
		s.writeDirect(ctx, c, f)                     //nolint:errcheck
		c.ws.Close(CloseBadFrames, "hello required") //nolint:errcheck
		return false
	}
	env, err := decodeFrame(typ, data)
	if err != nil {
		fe, _ := err.(frameError) // decodeFrame returns no other error
		return refuse(ErrorFrame{ID: fe.id, Code: fe.code, Message: fe.msg, Field: fe.field})
	}
	if env.Type != TypeHello {
		return refuse(ErrorFrame{ID: env.ID, Code: "hello_required", Message: "the first frame must be hello"})
	}
	var req HelloRequest
	if err := json.Unmarshal(data, &req); err != nil {
		return refuse(ErrorFrame{ID: env.ID, Code: "invalid_frame", Message: "a field has the wrong type"})
	}
	if err := hello(ctx, c, req, env.ID); err != nil {
		if errors.Is(err, errClientGone) {
			// A page left before its welcome: no fault of the server's.
			s.log.Debug("realtime: hello: the client is gone", "err", err, "conn_id", c.id)
			c.ws.CloseNow() //nolint:errcheck
			return false
		}
		e := apperr.From(err)
		if e.Kind == apperr.Internal {
			s.log.Error("realtime: hello", "err", err, "conn_id", c.id)
		}
		s.writeDirect(ctx, c, errorFrame(env.ID, err)) //nolint:errcheck
		code := CloseUnauthorized
		switch {
		case e.Code == "blocked":
			code = CloseBlocked
		case e.Kind == apperr.Internal:
			code = CloseGoingAway
		case e.Kind == apperr.RateLimited, e.Kind == apperr.Unavailable:
			code = CloseTryLater // a limit: the same hello may pass later
		}
		c.ws.Close(code, e.Code) //nolint:errcheck
		return false
	}
	return true
}

// writeDirect writes a frame before the writer goroutine runs (hello).
// It ends with ctx as well as on the write timeout; a failed write is
// errClientGone.
func (s *Server) writeDirect(ctx context.Context, c *conn, v any) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := c.write(encode(v)); err != nil {
		return fmt.Errorf("%w: %w", errClientGone, err)
	}
	return nil
}

// errClientGone is a write of the hello phase that failed: the client
// closed the socket, or stopped reading for the whole write timeout.
var errClientGone = errors.New("realtime: the client is gone")
