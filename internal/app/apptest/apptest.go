// Package apptest boots the whole Live Desk server for tests: app.New with a
// fresh SQLite database in t.TempDir() (or a fresh PostgreSQL schema), the
// in-process bus, a fake clock, cheap password hashes (auth.TestHasher) and
// known owner credentials, served by httptest. Requests go through the real
// handler chain (request ids, CSRF protection, metrics), and sockets
// through the real upgrade, so a test sees what a browser, a widget or an
// API client would. It is the one full-server harness: REST tests drive it
// with Do, socket tests with DialWidget and DialDesk (the public client
// package), and Cluster joins several nodes on one database and one bus.
//
// Each Server has its own store, clock and login rate limits; the limits
// are real (20 rapid sign-ins per address), so a test that signs in often
// advances the clock between bursts.
package apptest

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/querytel/livedesk/client"
	"github.com/querytel/livedesk/internal/app"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/bus"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/config"
	"github.com/querytel/livedesk/internal/pgtest"
	"github.com/querytel/livedesk/internal/store"
	"github.com/querytel/livedesk/internal/store/storetest"
	"github.com/querytel/livedesk/internal/team"
)

// The first owner's credentials on every Server.
const (
	AdminEmail    = "owner@example.com"
	AdminPassword = "correct horse battery staple"
)

// Server is a running server under test.
type Server struct {
	// URL is the base URL, http://127.0.0.1:port, without a trailing slash.
	URL string
	// App is the built application: its store and services are there for
	// arranging fixtures and checking effects.
	App *app.App
	// Clock is the server's clock; advance it to expire sessions or refill
	// rate limits. (A test that sets app.Options.Clock through AppOptions,
	// as the load generator's does, runs on that clock instead.)
	Clock *clock.Fake
	// AdminEmail and AdminPassword sign in as the first owner.
	AdminEmail, AdminPassword string
	// HTTP is the underlying test server.
	HTTP *httptest.Server
}

type options struct {
	postgres    bool
	databaseURL string // made by resolve when postgres
	natsURL     string
	dataDir     string
	configure   []func(*config.Config)
	app         []func(*app.Options)
}

// Option changes how New and Cluster build servers.
type Option func(*options)

// Postgres runs the server on a fresh PostgreSQL schema (pgtest.URL):
// the test is skipped when LIVEDESK_TEST_POSTGRES_URL is unset, and fails
// under CI=true.
func Postgres() Option { return func(o *options) { o.postgres = true } }

// NATS uses the NATS server at url as the bus, under a subject prefix of
// its own, instead of the in-process memory bus. With Cluster, every node
// shares the prefix.
func NATS(url string) Option { return func(o *options) { o.natsURL = url } }

// DataDir uses dir instead of a fresh t.TempDir(), to start a second server
// on the data of a first.
func DataDir(dir string) Option { return func(o *options) { o.dataDir = dir } }

// Configure edits the configuration after the defaults are set and before
// the app is built.
func Configure(fn func(*config.Config)) Option {
	return func(o *options) { o.configure = append(o.configure, fn) }
}

// AppOptions edits the app.Options (clock, logger and auth.TestHasher are
// already set), for example to tune the socket layer through Realtime.
func AppOptions(fn func(*app.Options)) Option {
	return func(o *options) { o.app = append(o.app, fn) }
}

// New boots a server and stops it when the test ends. The server's log is
// printed only if the test fails.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	o := resolve(t, opts)
	return start(t, o, natsPrefix(), nil)
}

// Cluster boots n nodes of one deployment and stops them when the test
// ends. They share one database: the first node's SQLite file (every node
// runs on the same data dir, as processes on one host would), or with
// Postgres one fresh schema. They share one bus: an in-process memory bus
// that every node subscribes to and that outlives them, or with NATS one
// subject prefix on that server. Each node has its own clock, caches, hub
// and rate limits, as separate processes would.
func Cluster(t testing.TB, n int, opts ...Option) []*Server {
	t.Helper()
	o := resolve(t, opts)
	var shared bus.Bus
	if o.natsURL == "" {
		shared = bus.NewMemory()
		t.Cleanup(func() { shared.Close() }) // after every node: cleanups run last first
	}
	prefix := natsPrefix()
	nodes := make([]*Server, n)
	for i := range nodes {
		nodes[i] = start(t, o, prefix, shared)
	}
	return nodes
}

// resolve applies opts and makes what they ask for: the data dir and the
// PostgreSQL schema.
func resolve(t testing.TB, opts []Option) options {
	t.Helper()
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if o.dataDir == "" {
		o.dataDir = t.TempDir()
	}
	if o.postgres {
		o.databaseURL = pgtest.URL(t)
	}
	return o
}

// natsPrefix is a fresh NATS subject prefix, so tests sharing one NATS
// server never see each other's events.
func natsPrefix() string {
	var b [8]byte
	rand.Read(b[:])
	return "t" + hex.EncodeToString(b[:])
}

// start boots one node: on shared when it is not nil, else on a bus of
// its own (NATS under prefix, or memory).
func start(t testing.TB, o options, prefix string, shared bus.Bus) *Server {
	t.Helper()
	args := []string{"--data-dir", o.dataDir, "--admin-email", AdminEmail, "--admin-password", AdminPassword}
	if o.databaseURL != "" {
		args = append(args, "--database-url", o.databaseURL)
	}
	if o.natsURL != "" {
		args = append(args, "--nats-url", o.natsURL, "--nats-prefix", prefix)
	}
	cfg, err := config.Parse("serve", args, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatalf("apptest: config: %v", err)
	}
	// The listener exists before the app, so the app knows its own URL.
	hs := httptest.NewUnstartedServer(nil)
	cfg.Addr = hs.Listener.Addr().String()
	cfg.PublicURL = "http://" + cfg.Addr
	// Every test client comes from 127.0.0.1: the per-address limits are
	// for tests that ask for them (apptest.Configure).
	cfg.Limits.PerIP = false
	for _, fn := range o.configure {
		fn(&cfg)
	}

	clk := clock.NewFake(storetest.Epoch)
	logs := &syncBuffer{}
	aopts := app.Options{Clock: clk, NoBackground: true, Hasher: auth.TestHasher, Bus: shared,
		Log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	// Sockets park as soon as they are quiet, so that every test goes
	// through parked readers and their waking (realtime.Options.ReadIdle).
	aopts.Realtime.ReadIdle = time.Millisecond
	for _, fn := range o.app {
		fn(&aopts)
	}
	a, err := app.New(t.Context(), cfg, aopts)
	if err != nil {
		hs.Close()
		t.Fatalf("apptest: app: %v", err)
	}
	hs.Config.Handler = a.Handler
	hs.Listener = a.LimitConns(hs.Listener) // as app.Run does
	hs.Start()
	t.Cleanup(func() {
		hs.CloseClientConnections()
		hs.Close()
		if err := a.Close(); err != nil {
			t.Errorf("apptest: close: %v", err)
		}
		if t.Failed() {
			t.Logf("server log (%s):\n%s", hs.URL, logs.String())
		}
	})
	return &Server{URL: hs.URL, App: a, Clock: clk, AdminEmail: AdminEmail, AdminPassword: AdminPassword, HTTP: hs}
}

// Client returns a client with its own cookie jar, signed in as nobody.
func (s *Server) Client(t testing.TB) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 30 * time.Second}
}

// Login signs in with email and password and returns a client holding the
// session cookie; anything but 200 fails the test.
func (s *Server) Login(t testing.TB, email, password string) *http.Client {
	t.Helper()
	c := s.Client(t)
	status, body := s.Do(t, c, http.MethodPost, "/api/v1/auth/login", map[string]string{"email": email, "password": password})
	if status != http.StatusOK {
		t.Fatalf("apptest: login %s: %d %s", email, status, body)
	}
	return c
}

// Admin signs in as the first owner.
func (s *Server) Admin(t testing.TB) *http.Client {
	t.Helper()
	return s.Login(t, s.AdminEmail, s.AdminPassword)
}

// AddAgent creates an agent with role in the first workspace, directly
// through the team service, and returns its e-mail and password.
func (s *Server) AddAgent(t testing.TB, role, email string) (string, string) {
	t.Helper()
	password := "password-of-" + role
	name := strings.ToUpper(role[:1]) + role[1:]
	_, err := s.App.Team.CreateAgentUnchecked(t.Context(), s.WorkspaceID(t), team.AgentInput{
		Email: &email, Name: &name, Role: &role, Password: &password})
	if err != nil {
		t.Fatalf("apptest: add %s %s: %v", role, email, err)
	}
	return email, password
}

// WorkspaceID is the id of the workspace the first start made.
func (s *Server) WorkspaceID(t testing.TB) string {
	t.Helper()
	ws, err := s.App.Store.FirstWorkspace(t.Context())
	if err != nil {
		t.Fatalf("apptest: first workspace: %v", err)
	}
	return ws.ID
}

// Do sends a request and returns the status and body. body may be nil (no
// body), a string or []byte (sent as is, for malformed input), or anything
// else (sent as JSON). Requests with a body carry Content-Type:
// application/json.
func (s *Server) Do(t testing.TB, c *http.Client, method, path string, body any) (int, []byte) {
	t.Helper()
	return s.Send(t, c, s.NewRequest(t, method, path, body))
}

// NewRequest builds the request Do would send, for tests that add headers.
func (s *Server) NewRequest(t testing.TB, method, path string, body any) *http.Request {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("apptest: encode body: %v", err)
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, s.URL+path, r)
	if err != nil {
		t.Fatalf("apptest: %v", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

// Send sends req with c and returns the status and body.
func (s *Server) Send(t testing.TB, c *http.Client, req *http.Request) (int, []byte) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("apptest: %s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("apptest: read %s %s: %v", req.Method, req.URL.Path, err)
	}
	return resp.StatusCode, data
}

// WSURL is the socket URL of path on this server (ws://127.0.0.1:port/path).
func (s *Server) WSURL(path string) string {
	return "ws" + strings.TrimPrefix(s.URL, "http") + path
}

// DemoSite is the site the first start made: the oldest site of the first
// workspace (ids are time-ordered, so it stays the oldest even when the fake
// clock has not moved), read alike on every node of a Cluster.
func (s *Server) DemoSite(t testing.TB) store.Site {
	t.Helper()
	sites, err := s.App.Store.ListSites(t.Context(), s.WorkspaceID(t))
	if err != nil || len(sites) == 0 {
		t.Fatalf("apptest: demo site: %d sites, %v", len(sites), err)
	}
	return slices.MinFunc(sites, func(a, b store.Site) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
	})
}

// LoginHeader signs in and returns a header carrying the session cookie,
// for a desk socket (client.Options.Header) or a request sent without a
// cookie jar; anything but 200 fails the test.
func (s *Server) LoginHeader(t testing.TB, email, password string) http.Header {
	t.Helper()
	req := s.NewRequest(t, http.MethodPost, "/api/v1/auth/login", map[string]string{"email": email, "password": password})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("apptest: login %s: %v", email, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("apptest: login %s: %d %s", email, resp.StatusCode, body)
	}
	h := http.Header{}
	for _, c := range resp.Cookies() {
		h.Add("Cookie", c.Name+"="+c.Value)
	}
	return h
}

// AdminHeader signs in as the first owner (see LoginHeader).
func (s *Server) AdminHeader(t testing.TB) http.Header {
	t.Helper()
	return s.LoginHeader(t, s.AdminEmail, s.AdminPassword)
}

// DialWidget opens a visitor's socket on the site with widget key key and
// says hello (opts.Token and opts.Resume resume a visitor). The socket is
// killed when the test ends; a refused dial or hello fails the test.
func (s *Server) DialWidget(t testing.TB, key string, opts client.Options) *client.Conn {
	t.Helper()
	return s.dial(t, "/widget/v1/ws?key="+key, opts)
}

// DialDesk opens a desk socket and says hello; opts.Header carries the
// session (LoginHeader) and opts.Resume the seqs the desk holds. The socket
// is killed when the test ends; a refused dial or hello fails the test.
func (s *Server) DialDesk(t testing.TB, opts client.Options) *client.Conn {
	t.Helper()
	return s.dial(t, "/api/v1/ws", opts)
}

func (s *Server) dial(t testing.TB, path string, opts client.Options) *client.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, s.WSURL(path), opts)
	if err != nil {
		t.Fatalf("apptest: dial %s: %v", path, err)
	}
	t.Cleanup(func() { c.Kill() })
	return c
}

// Decode unmarshals a JSON response body into a T, failing the test on
// malformed JSON.
func Decode[T any](t testing.TB, body []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("apptest: decode %s: %v", body, err)
	}
	return v
}

// Error is the body of every API error.
type Error struct {
	Error struct {
		Code      string `json:"code"`
		Message   string `json:"message"`
		Field     string `json:"field"`
		RequestID string `json:"request_id"`
	} `json:"error"`
}

// Snapshot is everything the first workspace holds, read through the store
// (secrets and password hashes included), to prove a refused request
// changed nothing.
type Snapshot struct {
	Workspace   store.Workspace
	Sites       []store.Site
	Agents      []store.Agent
	Departments []store.Department
}

// Snapshot reads the first workspace.
func (s *Server) Snapshot(t testing.TB) Snapshot {
	t.Helper()
	ctx := t.Context()
	id := s.WorkspaceID(t)
	var sn Snapshot
	var err error
	if sn.Workspace, err = s.App.Store.GetWorkspace(ctx, id); err != nil {
		t.Fatal(err)
	}
	if sn.Sites, err = s.App.Store.ListSites(ctx, id); err != nil {
		t.Fatal(err)
	}
	if sn.Agents, err = s.App.Store.ListAgents(ctx, id); err != nil {
		t.Fatal(err)
	}
	if sn.Departments, err = s.App.Store.ListDepartments(ctx, id); err != nil {
		t.Fatal(err)
	}
	return sn
}

// logKeep is how much of a server's log a Server keeps for a failing
// test: the tail, so that a long chaos or fuzz run stays bounded.
const logKeep = 1 << 20

// syncBuffer keeps the last logKeep bytes of the server's concurrent
// logging.
type syncBuffer struct {
	mu      sync.Mutex
	buf     []byte
	dropped bool
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if len(b.buf) > 2*logKeep {
		b.buf = append(b.buf[:0], b.buf[len(b.buf)-logKeep:]...)
		b.dropped = true
	}
	return len(p), nil
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.dropped {
		return "[earlier lines dropped]\n" + string(b.buf)
	}
	return string(b.buf)
}
