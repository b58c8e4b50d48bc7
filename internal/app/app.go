// Package app wires Live Desk together: it opens the store, migrates it,
// makes the first workspace on a first start, builds the domains and the
// HTTP server, and runs and stops them in order. It is the only package
// that imports everything.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/querytel/livedesk/internal/analytics"
	"github.com/querytel/livedesk/internal/apikey"
	"github.com/querytel/livedesk/internal/audit"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/block"
	"github.com/querytel/livedesk/internal/board"
	"github.com/querytel/livedesk/internal/broadcast"
	"github.com/querytel/livedesk/internal/bus"
	"github.com/querytel/livedesk/internal/chat"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/config"
	"github.com/querytel/livedesk/internal/connlimit"
	"github.com/querytel/livedesk/internal/contact"
	"github.com/querytel/livedesk/internal/event"
	"github.com/querytel/livedesk/internal/file"
	"github.com/querytel/livedesk/internal/guard"
	"github.com/querytel/livedesk/internal/httpapi"
	"github.com/querytel/livedesk/internal/inbox"
	"github.com/querytel/livedesk/internal/mail"
	"github.com/querytel/livedesk/internal/quick"
	"github.com/querytel/livedesk/internal/rating"
	"github.com/querytel/livedesk/internal/realtime"
	"github.com/querytel/livedesk/internal/site"
	"github.com/querytel/livedesk/internal/store"
	"github.com/querytel/livedesk/internal/team"
	"github.com/querytel/livedesk/internal/visitor"
	"github.com/querytel/livedesk/internal/webhook"
	"github.com/querytel/livedesk/internal/whatsapp"
	"github.com/querytel/livedesk/internal/workspace"
)

// Options are what tests and main inject; zero values mean production
// defaults.
type Options struct {
	Clock clock.Clock  // nil: the wall clock
	Log   *slog.Logger // nil: discard
	Out   io.Writer    // where first-start credentials are printed; nil: discard
	// Realtime tunes the socket layer; zero fields take its defaults.
	Realtime realtime.Options
	// NoBackground skips the timer loops (presence expiry, session
	// cleanup), so tests drive them by hand with a fake clock.
	NoBackground bool
	// Bus, when set, is the event bus instead of one made from the config
	// (memory, or NATS with --nats-url); App.Close leaves it open. Tests
	// join several nodes on one SQLite file with one shared memory bus.
	Bus bus.Bus
	// BodyReadTimeout bounds reading one request, headers and body; zero
	// means DefaultBodyReadTimeout.
	BodyReadTimeout time.Duration
	// Hasher hashes passwords; zero means auth.DefaultHasher. Only tests
	// set it (auth.TestHasher), to keep suites that sign in often fast.
	Hasher auth.Hasher
	// MailSender delivers ticket answers by e-mail; nil means SMTP with
	// the workspace's settings. Tests point it at their own server.
	MailSender mail.Sender
}

// App is a built server, not yet listening.
type App struct {
	Config    config.Config
	Store     *store.Store
	Clock     clock.Clock
	Log       *slog.Logger
	Handler   http.Handler
	Auth      *auth.Service
	Team      *team.Service
	Sites     *site.Service
	Chat      *chat.Service
	Mail      *mail.Service
	Visitors  *visitor.Service
	Blocks    *block.Service
	Audit     *audit.Service
	Realtime  *realtime.Server
	Inbox     *inbox.Service
	Contacts  *contact.Service
	Quick     *quick.Service
	Ratings   *rating.Service
	Analytics *analytics.Service
	Files     *file.Service
	Boards    *board.Service
	// Broadcasts decides what widgets show and keeps the broadcasts.
	Broadcasts *broadcast.Service
	// Webhooks keeps the endpoints and delivers the outbox's events.
	Webhooks *webhook.Service
	// WhatsApp is the WhatsApp channel: its webhook, its runner, its
	// 24-hour rule.
	WhatsApp *whatsapp.Service
	Guard    *guard.Guard
	Bus      bus.Bus
	// Bootstrap is what a first start created (zero on later starts).
	Bootstrap Bootstrap

	unsubscribe func()
	started     time.Time // for ExpireAbsentAgents
	background  bool
	registry    *prometheus.Registry
	bodyTimeout time.Duration
	ownBus      bool // Close closes the bus: it was made here
}

// New opens and migrates the store, bootstraps a first start and builds
// every service. Close releases what it opened.
func New(ctx context.Context, cfg config.Config, opts Options) (*App, error) {
	a := &App{Config: cfg, Clock: opts.Clock, Log: opts.Log}
	if a.Clock == nil {
		a.Clock = clock.Real{}
	}
	a.started = a.Clock.Now()
	if a.Log == nil {
		a.Log = slog.New(slog.DiscardHandler)
	}
	budget := time.Duration(cfg.Limits.AppendBudgetMS) * time.Millisecond
	if budget == 0 {
		budget = -1 // off (store.Options' zero means its default)
	}
	st, err := store.Open(ctx, cfg.DSN(), store.Options{SQLiteSynchronous: cfg.SQLiteSync, AppendBudget: budget})
	if err != nil {
		return nil, err
	}
	a.Store = st
	if _, err := st.Migrate(ctx, a.Clock.Now()); err != nil {
		st.Close()
		return nil, fmt.Errorf("app: migrate: %w", err)
	}

	switch {
	case opts.Bus != nil:
		a.Bus = opts.Bus
	case cfg.NATSURL != "":
		a.Bus, err = bus.NewNATS(ctx, cfg.NATSURL, cfg.NATSPrefix, a.Log)
		if err != nil {
			st.Close()
			return nil, fmt.Errorf("app: nats: %w", err)
		}
	default:
		a.Bus = bus.NewMemory()
	}
	a.ownBus = opts.Bus == nil
	pub := event.NewPublisher(a.Bus, a.Log)

	a.Audit = audit.New(st, a.Clock, a.Log)
	a.Auth = auth.New(st, a.Clock, opts.Hasher, a.Audit)
	a.Chat = chat.New(st, a.Clock, pub)
	sender := opts.MailSender
	if sender == nil {
		sender = mail.SMTP{}
	}
	a.Mail = mail.New(st, a.Clock, sender, a.Chat.TicketChanged)
	a.Chat.SetMailer(a.Mail)
	a.Team = team.New(st, a.Clock, pub, opts.Hasher, a.Chat, a.Audit)
	a.Sites = site.New(st, a.Clock, a.Audit)
	a.Chat.SetSites(a.Sites)
	a.Chat.SetHours(a.Team)
	a.Inbox = inbox.New(st, a.Clock, pub)
	a.Chat.SetInbox(a.Inbox)
	workspaces := workspace.New(st, a.Clock, a.Audit)
	tenants := workspace.NewTenants(st, a.Team, workspaces)

	a.Bootstrap, err = bootstrap(ctx, a, cfg)
	if err != nil {
		a.closeBus()
		st.Close()
		return nil, err
	}

	a.Blocks = block.New(st, a.Clock, pub, a.Audit)
	a.Contacts = contact.New(st, a.Clock, pub, a.Audit)
	a.Quick = quick.New(st, a.Clock)
	a.Ratings = rating.New(st, a.Clock)
	a.Analytics = analytics.New(st, workspaces, a.Clock)
	a.Boards = board.New(st, a.Clock, pub)
	a.Broadcasts = broadcast.New(st, a.Clock, pub)
	a.Files = file.New(st, file.DBBlobs{Store: st, Clock: a.Clock}, a.Chat, workspaces, a.Clock, a.Log)
	a.Visitors = visitor.New(st, a.Clock, pub, visitor.Options{
		PageViews: cfg.Limits.PageViewsPerVisitor, RetentionDays: cfg.Limits.VisitorRetentionDays})

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	a.registry = reg
	dataDir := cfg.DataDir
	if cfg.DatabaseURL != "" {
		dataDir = "" // PostgreSQL's disk is not ours to watch
	}
	a.Guard = guard.New(cfg.Limits, dataDir, a.Clock, reg)
	a.Webhooks = webhook.New(st, a.Clock, webhook.Options{AllowPrivate: cfg.WebhooksAllowPrivate, Audit: a.Audit, Disabled: a.webhookDisabled})
	a.WhatsApp = whatsapp.New(whatsapp.Config{Store: st, Chat: a.Chat, Files: a.Files, Sites: a.Sites, Publisher: pub, Clock: a.Clock,
		Cloud: whatsapp.NewCloud(cfg.WhatsAppAPIURL), Audit: a.Audit, Log: a.Log, PublicURL: cfg.PublicURL})
	a.Chat.SetChannel(a.WhatsApp)
	a.Realtime = realtime.New(realtime.Config{
		Log: a.Log, Clock: a.Clock, Auth: a.Auth, Sites: a.Sites, Team: a.Team, Chat: a.Chat, Visitors: a.Visitors,
		Blocks: a.Blocks, Inbox: a.Inbox, Files: a.Files, Broadcasts: a.Broadcasts, Guard: a.Guard, TrustProxy: cfg.TrustProxy, Registry: reg, Options: opts.Realtime,
	})
	a.Bus.OnGap(a.Realtime.Resync)
	if a.unsubscribe, err = a.Bus.Subscribe(a.Realtime.Hub().HandleBus); err != nil {
		a.closeBus()
		st.Close()
		return nil, fmt.Errorf("app: subscribe: %w", err)
	}
	a.Handler = httpapi.New(httpapi.Config{
		Log: a.Log, Auth: a.Auth, Team: a.Team, Sites: a.Sites, Workspaces: workspaces, Tenants: tenants, Chat: a.Chat,
		Mail: a.Mail, Visitors: a.Visitors, Blocks: a.Blocks, Inbox: a.Inbox, Contacts: a.Contacts, Quick: a.Quick, Ratings: a.Ratings, Analytics: a.Analytics, Files: a.Files, Boards: a.Boards, Broadcasts: a.Broadcasts, Keys: apikey.New(st, a.Clock, a.Audit), Webhooks: a.Webhooks, WhatsApp: a.WhatsApp, Idempotency: st, Guard: a.Guard, Audit: a.Audit, DB: st, DiskLow: a.Guard.DiskLow, Registry: reg,
		Metrics: cfg.MetricsAddr == "", MetricsToken: cfg.MetricsToken, SecureCookies: cfg.Secure(), TrustProxy: cfg.TrustProxy,
		Extra: func(mux *http.ServeMux) {
			mux.HandleFunc("GET /widget/v1/ws", a.Realtime.ServeWidget)
			mux.HandleFunc("GET /api/v1/ws", a.Realtime.ServeDesk)
			uiRoutes(mux, a)
		},
	})
	a.background = !opts.NoBackground
	a.bodyTimeout = opts.BodyReadTimeout
	if a.bodyTimeout <= 0 {
		a.bodyTimeout = DefaultBodyReadTimeout
	}
	return a, nil
}

// DefaultBodyReadTimeout bounds reading one request, headers and body:
// bodies are at most 1 MiB, which any client sends well within it.
const DefaultBodyReadTimeout = 30 * time.Second

// Close stops the socket layer and releases the bus and the store.
func (a *App) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	a.Realtime.Shutdown(ctx) //nolint:errcheck // best effort on close
	a.unsubscribe()
	var busErr error
	if a.ownBus {
		busErr = a.Bus.Close()
	}
	return errors.Join(busErr, a.Store.Close())
}

// Serve listens on ln until ctx ends, then drains in-flight requests for up
// to drain before returning.
func (a *App) Serve(ctx context.Context, ln net.Listener, drain time.Duration) error {
	srv := &http.Server{
		Handler:           a.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		// A request's body must arrive within ReadTimeout (bodies are at
		// most 1 MiB): a client that sends headers and then trickles, or
		// nothing, does not hold its connection longer. Sockets clear the
		// deadline when they take the connection over (realtime/wire.go).
		ReadTimeout:  a.bodyTimeout,
		WriteTimeout: 60 * time.Second,
		IdleTimeout:  120 * time.Second,
		ErrorLog:     slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
		BaseContext:  func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	bctx, stopBackground := context.WithCancel(ctx)
	defer stopBackground()
	if a.background {
		go a.runTimers(bctx)
		go a.runMail(bctx)
		go a.runWebhooks(bctx)
		go a.WhatsApp.Run(bctx)
		go a.runRollups(bctx)
	}
	select {
	case err := <-errc:
		return fmt.Errorf("app: serve: %w", err)
	case <-ctx.Done():
	}
	a.Log.Info("shutting down", "drain", drain)
	sctx, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	// Sockets are hijacked, so http.Server.Shutdown does not see them:
	// close them first with "going away" so clients reconnect elsewhere.
	a.Realtime.Shutdown(sctx) //nolint:errcheck // bounded by sctx
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("app: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("app: serve: %w", err)
	}
	return nil
}

// Run builds the app, prints where to open it, and serves until ctx ends.
func Run(ctx context.Context, cfg config.Config, opts Options) error {
	a, err := New(ctx, cfg, opts)
	if err != nil {
		return err
	}
	defer a.Close()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("app: listen: %w", err)
	}
	ln = a.LimitConns(ln)
	if strings.HasSuffix(a.Config.PublicURL, ":0") {
		// A port chosen by the kernel: tell people the real one.
		a.Config.PublicURL = "http://" + ln.Addr().String()
	}
	a.Log.Info("listening", "addr", ln.Addr().String(), "database", string(a.Store.Dialect()))
	if cfg.MetricsAddr != "" {
		stop, err := a.ServeMetrics(cfg.MetricsAddr)
		if err != nil {
			return err
		}
		defer stop()
	}
	if cfg.PprofAddr != "" {
		stop, err := servePprof(cfg.PprofAddr, a.Log)
		if err != nil {
			return err
		}
		defer stop()
	}
	if opts.Out != nil {
		a.PrintWelcome(opts.Out)
	}
	return a.Serve(ctx, ln, 20*time.Second)
}

func (a *App) closeBus() {
	if a.ownBus {
		a.Bus.Close()
	}
}

// LimitConns bounds the connections ln hands out, in all and per client
// address (config.Limits), counting refusals in
// livedesk_conn_refusals_total{reason}. Per-address bounds apply only with
// Limits.PerIP and without -trust-proxy: behind a proxy every connection
// has the proxy's address.
func (a *App) LimitConns(ln net.Listener) net.Listener {
	refused := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "livedesk_conn_refusals_total",
		Help: "Connections closed at accept because a bound was reached, by reason (total, per_ip).",
	}, []string{"reason"})
	a.registry.MustRegister(refused)
	perIP := a.Config.Limits.MaxConnsPerIP
	if !a.Config.Limits.PerIP || a.Config.TrustProxy {
		// Behind a proxy every connection is the proxy's: the per-address
		// bound would cap the whole server. The buckets still see the
		// client's address (X-Forwarded-For); the connection count cannot.
		perIP = 0
	}
	return connlimit.New(ln, a.Config.Limits.MaxConns, perIP, func(reason string) { refused.WithLabelValues(reason).Inc() })
}

// ServeMetrics serves /metrics alone on addr (-metrics-addr), for a
// network only the monitoring reaches; stop closes it.
func (a *App) ServeMetrics(addr string) (stop func(), err error) {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", httpapi.MetricsHandler(a.registry, a.Config.MetricsToken))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("app: metrics listen: %w", err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // ends with Close
	a.Log.Info("metrics listening", "addr", ln.Addr().String())
	return func() { srv.Close() }, nil
}
