package realtime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/querytel/livedesk/client"
	"github.com/querytel/livedesk/internal/app"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/config"
	"github.com/querytel/livedesk/internal/realtime"
	"github.com/querytel/livedesk/internal/store"
)

const (
	adminEmail    = "owner@example.com"
	adminPassword = "correct horse battery"
)

// server is one Live Desk node under test.
type server struct {
	t     testing.TB
	App   *app.App
	HTTP  *httptest.Server
	Clock *clock.Fake
}

type serverOpts struct {
	databaseURL string // "" = SQLite in a temp dir
	natsURL     string
	natsPrefix  string // "" = a fresh one
	dataDir     string
	realtime    realtime.Options
}

func newServer(t testing.TB, o serverOpts) *server {
	t.Helper()
	if o.dataDir == "" {
		o.dataDir = t.TempDir()
	}
	cfg := config.Config{
		Addr: "127.0.0.1:0", DataDir: o.dataDir, DatabaseURL: o.databaseURL, NATSURL: o.natsURL,
		NATSPrefix: "t" + strings.ReplaceAll(store.NewID(), "-", "")[:16], LogLevel: "info", LogFormat: "text",
		SQLiteSync: "normal", AdminEmail: adminEmail, AdminPassword: adminPassword,
	}
	if o.natsPrefix != "" {
		cfg.NATSPrefix = o.natsPrefix
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(time.Now())
	a, err := app.New(context.Background(), cfg, app.Options{Clock: clk, NoBackground: true, Realtime: o.realtime})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(a.Handler)
	s := &server{t: t, App: a, HTTP: ts, Clock: clk}
	t.Cleanup(func() {
		ts.CloseClientConnections()
		ts.Close()
		a.Close()
	})
	return s
}

func (s *server) wsURL(path string) string {
	return "ws" + strings.TrimPrefix(s.HTTP.URL, "http") + path
}

// demoKey returns the widget key of the bootstrap demo site.
func (s *server) demoSite() store.Site {
	s.t.Helper()
	sites, err := s.App.Store.ListSites(context.Background(), s.workspaceID())
	if err != nil || len(sites) == 0 {
		s.t.Fatalf("demo site: %v", err)
	}
	return sites[0]
}

func (s *server) workspaceID() string {
	s.t.Helper()
	ws, err := s.App.Store.FirstWorkspace(context.Background())
	if err != nil {
		s.t.Fatal(err)
	}
	return ws.ID
}

// login signs in and returns the session cookie header.
func (s *server) login(email, password string) http.Header {
	s.t.Helper()
	return s.loginAt(s.HTTP.URL, email, password)
}

func (s *server) loginAt(base, email, password string) http.Header {
	s.t.Helper()
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	resp, err := http.Post(base+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		s.t.Fatalf("login %s: %d", email, resp.StatusCode)
	}
	h := http.Header{}
	for _, c := range resp.Cookies() {
		h.Add("Cookie", c.Name+"="+c.Value)
	}
	return h
}

func (s *server) widget(ctx context.Context, key string, opts client.Options) *client.Conn {
	s.t.Helper()
	c, err := client.Dial(ctx, s.wsURL("/widget/v1/ws?key="+key), opts)
	if err != nil {
		s.t.Fatalf("widget dial: %v", err)
	}
	s.t.Cleanup(func() { c.Kill() })
	return c
}

func (s *server) desk(ctx context.Context, cookie http.Header, resume map[string]int64) *client.Conn {
	s.t.Helper()
	c, err := client.Dial(ctx, s.wsURL("/api/v1/ws"), client.Options{Header: cookie, Resume: resume})
	if err != nil {
		s.t.Fatalf("desk dial: %v", err)
	}
	s.t.Cleanup(func() { c.Kill() })
	return c
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// await returns the next event frame of type typ (skipping others), or
// fails the test.
func await(t *testing.T, ctx context.Context, c *client.Conn, typ string, match func(client.Frame) bool) client.Frame {
	t.Helper()
	for {
		f, err := c.Next(ctx)
		if err != nil {
			t.Fatalf("waiting for %s: %v", typ, err)
		}
		if f.Type == typ && (match == nil || match(f)) {
			return f
		}
	}
}

func do(t *testing.T, ctx context.Context, c *client.Conn, typ string, fields map[string]any) client.Frame {
	t.Helper()
	f, err := c.Do(ctx, typ, fields)
	if err != nil {
		t.Fatalf("%s: %v", typ, err)
	}
	return f
}

// doErr runs a command that must fail and returns its error code.
func doErr(t *testing.T, ctx context.Context, c *client.Conn, typ string, fields map[string]any) string {
	t.Helper()
	_, err := c.Do(ctx, typ, fields)
	pe, ok := err.(*client.Error)
	if !ok {
		t.Fatalf("%s: want an error frame, got %v", typ, err)
	}
	return pe.Code
}

func jsonUnmarshal(b []byte, v any) {
	if err := json.Unmarshal(b, v); err != nil {
		panic(err)
	}
}

func msgOf(t *testing.T, f client.Frame) client.Message {
	t.Helper()
	m, err := f.Msg()
	if err != nil {
		t.Fatalf("decode message: %v", err)
	}
	return m
}

type authPrincipal = auth.Principal

type rtOpts = realtime.Options

func realtimeOpts(f func(*rtOpts)) realtime.Options {
	var o realtime.Options
	f(&o)
	return o
}

func getJSON(t *testing.T, ctx context.Context, url string, h http.Header, v any) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = h
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}
