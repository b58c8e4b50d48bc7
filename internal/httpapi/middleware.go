package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/clientip"
	"github.com/querytel/livedesk/internal/store"
)

type ctxKey int

const (
	ridKey ctxKey = iota
	principalKey
)

func requestID(ctx context.Context) string {
	s, _ := ctx.Value(ridKey).(string)
	return s
}

// statusRecorder remembers the status for logs and metrics.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach Hijack and Flush (WebSocket).
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// observe assigns a request id, recovers panics, logs and counts requests.
func (a *API) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rid := r.Header.Get("X-Request-Id")
		if rid == "" || len(rid) > 64 {
			rid = store.NewID()
		}
		w.Header().Set("X-Request-Id", rid)
		r = r.WithContext(context.WithValue(r.Context(), ridKey, rid))
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				a.log.Error("panic", "panic", v, "request_id", rid, "stack", string(debug.Stack()))
				if rec.status == 0 {
					writeJSON(rec, http.StatusInternalServerError, errorBody{Error: errorDetail{
						Code: "internal", Message: "internal error", RequestID: rid}})
				}
			}
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			status := rec.status
			if status == 0 {
				status = http.StatusOK
			}
			a.metrics.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
			a.metrics.latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
			level := slog.LevelDebug
			if status >= 500 {
				level = slog.LevelWarn
			}
			a.log.Log(r.Context(), level, "http", "method", r.Method, "route", route, "status", status,
				"ms", time.Since(start).Milliseconds(), "request_id", rid)
		}()
		next.ServeHTTP(rec, r)
	})
}

// clientIP is the client's address (see clientip.Of).
func (a *API) clientIP(r *http.Request) string { return clientip.Of(r, a.trustProxy) }

// SessionCookie is the desk's session cookie name.
const SessionCookie = auth.SessionCookie

// authed wraps a handler that needs a signed-in agent.
func (a *API) authed(h func(http.ResponseWriter, *http.Request, auth.Principal)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := a.principal(r)
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		if p.Key != nil {
			if err := a.admitKey(w, r, p.Key); err != nil {
				a.writeError(w, r, err)
				return
			}
		}
		p.IP = a.clientIP(r)
		a.idempotent(w, r, p, h)
	}
}

// principal authenticates the request's API key (an Authorization: Bearer
// header) or, without one, its session cookie.
func (a *API) principal(r *http.Request) (auth.Principal, error) {
	if token := bearer(r); token != "" {
		return a.auth.AuthenticateKey(r.Context(), token)
	}
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		return auth.Principal{}, auth.ErrNoSession
	}
	return a.auth.Authenticate(r.Context(), c.Value)
}

// securityHeaders sets the headers every response gets. The UI's
// Content-Security-Policy is set where the UI is served (internal/app).
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		next.ServeHTTP(w, r)
	})
}
