// Package apptest boots the whole Live Desk server for tests: app.New with a
// fresh SQLite database in t.TempDir() (or a fresh PostgreSQL schema), the
// in-process bus, a fake clock and known owner credentials, served by
// httptest. Requests go through the real handler chain (request ids, CSRF
// protection, metrics), so a test sees what a browser or API client would.
//
// Each Server has its own store, clock and login rate limits; the limits
// are real (20 rapid sign-ins per address), so a test that signs in often
// advances the clock between bursts.
package apptest

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/app"
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
	// rate limits.
	Clock *clock.Fake
	// AdminEmail and AdminPassword sign in as the first owner.
	AdminEmail, AdminPassword string
	// HTTP is the underlying test server.
	HTTP *httptest.Server
}

type options struct {
	postgres  bool
	dataDir   string
	configure []func(*config.Config)
	app       []func(*app.Options)
}

// Option changes how New builds a Server.
type Option func(*options)

// Postgres runs the server on a fresh PostgreSQL schema (pgtest.URL):
// the test is skipped when LIVEDESK_TEST_POSTGRES_URL is unset, and fails
// under CI=true.
func Postgres() Option { return func(o *options) { o.postgres = true } }

// DataDir uses dir instead of a fresh t.TempDir(), to start a second server
// on the data of a first.
func DataDir(dir string) Option { return func(o *options) { o.dataDir = dir } }

// Configure edits the configuration after the defaults are set and before
// the app is built.
func Configure(fn func(*config.Config)) Option {
	return func(o *options) { o.configure = append(o.configure, fn) }
}

// AppOptions edits the app.Options (clock and logger are already set).
func AppOptions(fn func(*app.Options)) Option {
	return func(o *options) { o.app = append(o.app, fn) }
}

// New boots a server and stops it when the test ends. The server's log is
// printed only if the test fails.
func New(t *testing.T, opts ...Option) *Server {
	t.Helper()
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if o.dataDir == "" {
		o.dataDir = t.TempDir()
	}
	args := []string{"--data-dir", o.dataDir, "--admin-email", AdminEmail, "--admin-password", AdminPassword}
	if o.postgres {
		args = append(args, "--database-url", pgtest.URL(t))
	}
	cfg, err := config.Parse("serve", args, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatalf("apptest: config: %v", err)
	}
	// The listener exists before the app, so the app knows its own URL.
	hs := httptest.NewUnstartedServer(nil)
	cfg.Addr = hs.Listener.Addr().String()
	cfg.PublicURL = "http://" + cfg.Addr
	for _, fn := range o.configure {
		fn(&cfg)
	}

	clk := clock.NewFake(storetest.Epoch)
	logs := &syncBuffer{}
	aopts := app.Options{Clock: clk, NoBackground: true,
		Log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	for _, fn := range o.app {
		fn(&aopts)
	}
	a, err := app.New(t.Context(), cfg, aopts)
	if err != nil {
		hs.Close()
		t.Fatalf("apptest: app: %v", err)
	}
	hs.Config.Handler = a.Handler
	hs.Start()
	t.Cleanup(func() {
		hs.CloseClientConnections()
		hs.Close()
		if err := a.Close(); err != nil {
			t.Errorf("apptest: close: %v", err)
		}
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	return &Server{URL: hs.URL, App: a, Clock: clk, AdminEmail: AdminEmail, AdminPassword: AdminPassword, HTTP: hs}
}

// Client returns a client with its own cookie jar, signed in as nobody.
func (s *Server) Client(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 30 * time.Second}
}

// Login signs in with email and password and returns a client holding the
// session cookie; anything but 200 fails the test.
func (s *Server) Login(t *testing.T, email, password string) *http.Client {
	t.Helper()
	c := s.Client(t)
	status, body := s.Do(t, c, http.MethodPost, "/api/v1/auth/login", map[string]string{"email": email, "password": password})
	if status != http.StatusOK {
		t.Fatalf("apptest: login %s: %d %s", email, status, body)
	}
	return c
}

// Admin signs in as the first owner.
func (s *Server) Admin(t *testing.T) *http.Client {
	t.Helper()
	return s.Login(t, s.AdminEmail, s.AdminPassword)
}

// AddAgent creates an agent with role in the first workspace, directly
// through the team service, and returns its e-mail and password.
func (s *Server) AddAgent(t *testing.T, role, email string) (string, string) {
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
func (s *Server) WorkspaceID(t *testing.T) string {
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
func (s *Server) Do(t *testing.T, c *http.Client, method, path string, body any) (int, []byte) {
	t.Helper()
	return s.Send(t, c, s.NewRequest(t, method, path, body))
}

// NewRequest builds the request Do would send, for tests that add headers.
func (s *Server) NewRequest(t *testing.T, method, path string, body any) *http.Request {
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
func (s *Server) Send(t *testing.T, c *http.Client, req *http.Request) (int, []byte) {
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

// Decode unmarshals a JSON response body into a T, failing the test on
// malformed JSON.
func Decode[T any](t *testing.T, body []byte) T {
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
func (s *Server) Snapshot(t *testing.T) Snapshot {
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

// syncBuffer is a bytes.Buffer safe for the server's concurrent logging.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
