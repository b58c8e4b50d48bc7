package app_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/app"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/config"
	"github.com/querytel/livedesk/internal/pgtest"
	"github.com/querytel/livedesk/internal/store"
	"github.com/querytel/livedesk/internal/store/storetest"
)

// parse builds a serve configuration the way main does.
func parse(t *testing.T, args ...string) config.Config {
	t.Helper()
	cfg, err := config.Parse("serve", args, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func newApp(t *testing.T, cfg config.Config) *app.App {
	t.Helper()
	a, err := app.New(t.Context(), cfg, app.Options{Clock: clock.NewFake(storetest.Epoch), NoBackground: true, Hasher: auth.TestHasher})
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	return a
}

func welcome(a *app.App) string {
	var b bytes.Buffer
	a.PrintWelcome(&b)
	return b.String()
}

// TestFirstAndSecondStart: the first start on an empty data dir makes a
// workspace, an owner with a generated password and a demo site, and says
// how to sign in; the second start reuses everything and prints no
// credentials; the printed password signs in through the API.
func TestFirstAndSecondStart(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		testFirstAndSecondStart(t, "--data-dir", t.TempDir()+"/data")
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		testFirstAndSecondStart(t, "--data-dir", t.TempDir(), "--database-url", pgtest.URL(t))
	})
}

func testFirstAndSecondStart(t *testing.T, args ...string) {
	cfg := parse(t, append(args, "--public-url", "http://desk.example.com:8420", "--demo", "on")...)

	first := newApp(t, cfg)
	b := first.Bootstrap
	if !b.Created || !strings.HasPrefix(b.Email, "owner-") || !strings.HasSuffix(b.Email, "@"+app.DefaultAdminDomain) || len(b.Password) != 24 || b.DemoSiteKey == "" || b.WorkspaceID == "" {
		t.Fatalf("first start: %+v", b)
	}
	if other := newApp(t, parse(t, "--data-dir", t.TempDir())).Bootstrap.Email; other == b.Email {
		t.Fatalf("two first starts made the same owner e-mail %s: it can be guessed", other)
	}
	demo, err := first.Store.SiteByWidgetKey(t.Context(), b.DemoSiteKey)
	if err != nil || demo.WorkspaceID != b.WorkspaceID {
		t.Fatalf("demo site: %+v, %v", demo, err)
	}
	out := welcome(first)
	for _, want := range []string{"http://desk.example.com:8420/", "http://desk.example.com:8420/demo", b.Email, b.Password} {
		if !strings.Contains(out, want) {
			t.Errorf("first welcome lacks %q:\n%s", want, out)
		}
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}

	second := newApp(t, cfg)
	defer second.Close()
	if second.Bootstrap != (app.Bootstrap{}) {
		t.Fatalf("second start bootstrapped again: %+v", second.Bootstrap)
	}
	out = welcome(second)
	if strings.Contains(out, b.Password) || strings.Contains(out, "Password") || !strings.Contains(out, "http://desk.example.com:8420/") {
		t.Fatalf("second welcome must show the URLs and no credentials:\n%s", out)
	}
	if n, err := second.Store.CountWorkspaces(t.Context()); err != nil || n != 1 {
		t.Fatalf("%d workspaces after two starts (err %v), want 1", n, err)
	}

	srv := httptest.NewServer(second.Handler)
	defer srv.Close()
	body := `{"email":"` + b.Email + `","password":"` + b.Password + `"}`
	resp, err := http.Post(srv.URL+"/api/v1/auth/login", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("the printed password does not sign in: %d", resp.StatusCode)
	}
}

// TestConfiguredAdmin: with LIVEDESK_ADMIN_EMAIL/PASSWORD the owner gets
// them, and the welcome never echoes the password.
func TestConfiguredAdmin(t *testing.T) {
	t.Parallel()
	a := newApp(t, parse(t, "--data-dir", t.TempDir(), "--admin-email", "Boss@Example.com", "--admin-password", "configured-secret"))
	defer a.Close()
	if !a.Bootstrap.Created || a.Bootstrap.Password != "" || a.Bootstrap.Email != "Boss@Example.com" {
		t.Fatalf("bootstrap %+v", a.Bootstrap)
	}
	out := welcome(a)
	if strings.Contains(out, "configured-secret") || !strings.Contains(out, "LIVEDESK_ADMIN_PASSWORD") {
		t.Fatalf("welcome:\n%s", out)
	}
	owner, err := a.Store.AgentByEmail(t.Context(), "boss@example.com")
	if err != nil || owner.Role != "owner" {
		t.Fatalf("owner %+v, %v", owner, err)
	}
}

// TestSchemaTooNew: a binary refuses a database migrated by a newer one.
// TestProductionHashCost: app.Options without a Hasher, as main passes
// them, hash at auth.DefaultHasher's cost; only tests ask for
// auth.TestHasher (apptest does, by default).
func TestProductionHashCost(t *testing.T) {
	t.Parallel()
	a, err := app.New(t.Context(), parse(t, "--data-dir", t.TempDir()), app.Options{NoBackground: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	owner, err := a.Store.AgentByEmail(t.Context(), a.Bootstrap.Email)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=1$", auth.DefaultHasher.MemoryKiB, auth.DefaultHasher.Time)
	if !strings.HasPrefix(owner.PasswordHash, want) {
		t.Fatalf("the first owner's hash %.40s… does not start with %s", owner.PasswordHash, want)
	}
}

func TestSchemaTooNew(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := parse(t, "--data-dir", dir)
	a := newApp(t, cfg)
	a.Close()
	// Record a migration this binary does not have, through a plain
	// connection: the store has no method for it, on purpose.
	db := openRaw(t, cfg.DSN())
	if _, err := db.ExecContext(t.Context(), `INSERT INTO schema_migrations (version, applied_at) VALUES ('9999_future', 0)`); err != nil {
		t.Fatal(err)
	}
	_, err := app.New(t.Context(), cfg, app.Options{NoBackground: true, Hasher: auth.TestHasher})
	if !errors.Is(err, store.ErrSchemaTooNew) {
		t.Fatalf("app.New on a newer schema: %v, want ErrSchemaTooNew", err)
	}
}

// TestServeDrainsInFlightRequests: when the context ends (SIGTERM in
// main), Serve stops accepting connections but lets a request that is
// already being handled finish, then returns nil.
func TestServeDrainsInFlightRequests(t *testing.T) {
	t.Parallel()
	cfg := parse(t, "--data-dir", t.TempDir(), "--admin-email", "owner@livedesk.local", "--admin-password", "drain-test-password")
	a, err := app.New(t.Context(), cfg, app.Options{NoBackground: true, Hasher: auth.TestHasher})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- a.Serve(ctx, ln, 30*time.Second) }()

	// A login whose body is still on its way: the handler has started
	// (it asked for the body, so the server sent 100 Continue) but cannot
	// finish until the rest arrives.
	pr, pw := io.Pipe()
	reading := make(chan struct{})
	var once sync.Once
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(t.Context(), &httptrace.ClientTrace{
		Got100Continue: func() { once.Do(func() { close(reading) }) },
	}), "POST", "http://"+addr+"/api/v1/auth/login", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Expect", "100-continue")
	client := &http.Client{Transport: &http.Transport{ExpectContinueTimeout: time.Minute}}
	type result struct {
		status int
		err    error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := client.Do(req)
		if err != nil {
			done <- result{err: err}
			return
		}
		resp.Body.Close()
		done <- result{status: resp.StatusCode}
	}()
	// The first half goes once the transport reads the body (after 100
	// Continue); the second may only follow it, or the server would get
	// them the wrong way round on a slow machine.
	firstHalf := make(chan error, 1)
	go func() {
		_, err := pw.Write([]byte(`{"email":"owner@livedesk.local",`))
		firstHalf <- err
	}()
	<-reading

	cancel()
	// Wait until the listener is closed: shutdown has begun.
	for {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			break
		}
		c.Close()
	}
	select {
	case err := <-served:
		t.Fatalf("Serve returned (%v) while a request was in flight", err)
	default:
	}
	if err := <-firstHalf; err != nil {
		t.Fatal(err)
	}
	if _, err := pw.Write([]byte(`"password":"drain-test-password"}`)); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	if r := <-done; r.err != nil || r.status != 200 {
		t.Fatalf("the in-flight request: %d, %v; want it to complete with 200", r.status, r.err)
	}
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v, want nil after a graceful shutdown", err)
	}
}

func openRaw(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
