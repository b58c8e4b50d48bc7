package httpapi

import (
	"context"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/querytel/livedesk/internal/analytics"
	"github.com/querytel/livedesk/internal/apikey"
	"github.com/querytel/livedesk/internal/audit"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/block"
	"github.com/querytel/livedesk/internal/board"
	"github.com/querytel/livedesk/internal/broadcast"
	"github.com/querytel/livedesk/internal/chat"
	"github.com/querytel/livedesk/internal/contact"
	"github.com/querytel/livedesk/internal/file"
	"github.com/querytel/livedesk/internal/guard"
	"github.com/querytel/livedesk/internal/inbox"
	"github.com/querytel/livedesk/internal/mail"
	"github.com/querytel/livedesk/internal/quick"
	"github.com/querytel/livedesk/internal/ratelimit"
	"github.com/querytel/livedesk/internal/rating"
	"github.com/querytel/livedesk/internal/site"
	"github.com/querytel/livedesk/internal/store"
	"github.com/querytel/livedesk/internal/team"
	"github.com/querytel/livedesk/internal/visitor"
	"github.com/querytel/livedesk/internal/webhook"
	"github.com/querytel/livedesk/internal/whatsapp"
	"github.com/querytel/livedesk/internal/workspace"
)

// Pinger reports whether the database answers (/readyz).
type Pinger interface {
	Ping(ctx context.Context) error
}

// Config wires an API. Every service is required unless noted.
type Config struct {
	Log        *slog.Logger // nil: discard
	Auth       *auth.Service
	Team       *team.Service
	Sites      *site.Service
	Workspaces *workspace.Service
	Tenants    *workspace.Tenants
	Chat       *chat.Service
	Mail       *mail.Service
	Visitors   *visitor.Service
	Blocks     *block.Service
	Inbox      *inbox.Service
	Contacts   *contact.Service
	Quick      *quick.Service
	Broadcasts *broadcast.Service
	Ratings    *rating.Service
	Analytics  *analytics.Service
	Files      *file.Service
	Boards     *board.Service
	Audit      *audit.Service
	DB         Pinger
	// Keys manages API keys; Idempotency keeps the answers of requests
	// sent with an Idempotency-Key.
	Keys        *apikey.Service
	Idempotency Idempotency
	// Webhooks keeps the endpoints events are delivered to.
	Webhooks *webhook.Service
	// WhatsApp is the WhatsApp channel.
	WhatsApp *whatsapp.Service
	// Guard limits the widget's uploads (nil: no limit).
	Guard *guard.Guard
	// DiskLow, when set, reports that the data directory is short of space:
	// /readyz then says not ready (storage_low). nil: never.
	DiskLow func() bool
	// Registry receives the HTTP metrics and is served at /metrics; nil
	// uses a fresh registry.
	Registry *prometheus.Registry
	// SecureCookies marks the session cookie Secure (set when the public
	// URL is https or TLS terminates here).
	SecureCookies bool
	// TrustProxy takes the client IP from X-Forwarded-For (only behind a
	// proxy that sets it).
	TrustProxy bool
	// Metrics serves /metrics on the API's own mux; false when it has a
	// listener of its own (app: -metrics-addr).
	Metrics bool
	// MetricsToken, when set, is asked for as a bearer token on /metrics.
	MetricsToken string
	// Extra lets other transports (the realtime socket, the web UI) add
	// routes to the same mux before CSRF protection and observation wrap it.
	Extra func(mux *http.ServeMux)
}

// API is the HTTP surface.
type API struct {
	log        *slog.Logger
	auth       *auth.Service
	team       *team.Service
	sites      *site.Service
	workspaces *workspace.Service
	tenants    *workspace.Tenants
	chat       *chat.Service
	mail       *mail.Service
	visitors   *visitor.Service
	blocks     *block.Service
	inbox      *inbox.Service
	contacts   *contact.Service
	quick      *quick.Service
	casts      *broadcast.Service
	ratings    *rating.Service
	analytics  *analytics.Service
	files      *file.Service
	boards     *board.Service
	guard      *guard.Guard
	audit      *audit.Service
	db         Pinger
	keys       *apikey.Service
	hooks      *webhook.Service
	whatsapp   *whatsapp.Service
	waLimit    [2]*ratelimit.Keyed // the WhatsApp webhook's budgets: per address, per channel
	idem       Idempotency
	keyLimit   *ratelimit.Keyed
	diskLow    func() bool
	secure     bool
	trustProxy bool
	metrics    metrics
	handler    http.Handler
}

type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// Idempotency keeps the first answers of requests sent with an
// Idempotency-Key (the store).
type Idempotency interface {
	BeginIdempotent(ctx context.Context, workspaceID, owner, key, request string, now time.Time) (store.Idempotent, bool, error)
	EndIdempotent(ctx context.Context, workspaceID, owner, key string, status int, body string) error
}

// New builds the API and its routes.
func New(cfg Config) *API {
	a := &API{
		log: cfg.Log, auth: cfg.Auth, team: cfg.Team, sites: cfg.Sites, workspaces: cfg.Workspaces, tenants: cfg.Tenants,
		chat: cfg.Chat, mail: cfg.Mail, visitors: cfg.Visitors, blocks: cfg.Blocks, inbox: cfg.Inbox, contacts: cfg.Contacts, quick: cfg.Quick, casts: cfg.Broadcasts, ratings: cfg.Ratings, analytics: cfg.Analytics, files: cfg.Files, boards: cfg.Boards, guard: cfg.Guard, audit: cfg.Audit, db: cfg.DB, keys: cfg.Keys, hooks: cfg.Webhooks, whatsapp: cfg.WhatsApp, idem: cfg.Idempotency, keyLimit: newKeyLimiter(), waLimit: newWhatsAppLimits(), diskLow: cfg.DiskLow, secure: cfg.SecureCookies, trustProxy: cfg.TrustProxy,
	}
	if a.log == nil {
		a.log = discardLogger
	}
	reg := cfg.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	a.metrics = metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "livedesk_http_requests_total", Help: "HTTP requests by route pattern and status.",
		}, []string{"route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "livedesk_http_request_seconds", Help: "HTTP request latency by route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
	}
	reg.MustRegister(a.metrics.requests, a.metrics.latency)

	mux := http.NewServeMux()
	a.routes(mux)
	if cfg.Metrics {
		mux.Handle("GET /metrics", MetricsHandler(reg, cfg.MetricsToken))
	}
	if cfg.Extra != nil {
		cfg.Extra(mux)
	}
	csrf := http.NewCrossOriginProtection()
	// The widget API is cross-origin by design and authenticates with a
	// token in the body, never a cookie, so CSRF does not apply to it.
	csrf.AddInsecureBypassPattern("/widget/")
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusForbidden, errorBody{Error: errorDetail{
			Code: "cross_origin_request", Message: "cross-origin request refused", RequestID: requestID(r.Context())}})
	}))
	a.handler = a.observe(securityHeaders(csrf.Handler(mux)))
	return a
}

// ServeHTTP serves every route.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.handler.ServeHTTP(w, r) }

// MetricsHandler serves reg in Prometheus' format, asking for
// "Authorization: Bearer token" when token is not empty (compared in
// constant time): the metrics tell load, sizes and refusals, which an
// operator may not want public.
func MetricsHandler(reg *prometheus.Registry, token string) http.Handler {
	h := promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
	if token == "" {
		return h
	}
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			writeJSON(w, http.StatusUnauthorized, errorBody{Error: errorDetail{Code: "unauthenticated",
				Message: "send Authorization: Bearer with the metrics token", RequestID: requestID(r.Context())}})
			return
		}
		h.ServeHTTP(w, r)
	})
}
