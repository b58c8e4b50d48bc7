package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/config"
	"github.com/querytel/livedesk/internal/store"
	"github.com/querytel/livedesk/internal/store/storetest"
)

// livedesk runs the command line with an empty environment plus env.
func livedesk(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(t.Context(), args, func(k string) string { return env[k] }, &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestVersionAndHelp(t *testing.T) {
	t.Parallel()
	out, _, err := livedesk(t, nil, "version")
	if err != nil || out != "livedesk dev\n" {
		t.Fatalf("version: %q, %v", out, err)
	}
	out, _, err = livedesk(t, nil, "help")
	if err != nil || !strings.Contains(out, "serve") || !strings.Contains(out, "user create") || !strings.Contains(out, "workspace create -name N -owner-email E") {
		t.Fatalf("help: %q, %v", out, err)
	}
}

// TestBareHelpListsEveryCommand: `livedesk --help` names every command
// before serve's flags.
func TestBareHelpListsEveryCommand(t *testing.T) {
	t.Parallel()
	for _, flagName := range []string{"--help", "-h"} {
		out, flags, err := livedesk(t, nil, flagName)
		if !errors.Is(err, flag.ErrHelp) {
			t.Fatalf("%s: %v", flagName, err)
		}
		for _, cmd := range []string{"livedesk [serve]", "livedesk migrate", "livedesk user create", "livedesk workspace create", "livedesk version", "livedesk help"} {
			if !strings.Contains(out, cmd) {
				t.Errorf("%s does not name %q:\n%s", flagName, cmd, out)
			}
		}
		if !strings.Contains(flags, "-addr") {
			t.Errorf("%s lacks serve's flags:\n%s", flagName, flags)
		}
	}
	// An explicit `serve --help` is about serve only.
	if out, _, _ := livedesk(t, nil, "serve", "--help"); out != "" {
		t.Errorf("serve --help printed the commands: %q", out)
	}
}

func TestUnknownCommands(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"frobnicate"}, {"user"}, {"user", "delete"}, {"workspace"}, {"workspace", "delete"}, {"serve", "extra"}, {"serve", "--colour"}} {
		if _, _, err := livedesk(t, nil, args...); err == nil {
			t.Errorf("livedesk %v succeeded", args)
		}
	}
	_, _, err := livedesk(t, nil, "frobnicate")
	if err == nil || !strings.Contains(err.Error(), `unknown command "frobnicate"`) {
		t.Fatalf("unknown command: %v", err)
	}
}

// TestServeHelp: `livedesk serve --help` (and a bare `--help`, serve being
// the default) documents every setting and its variable; main exits 0.
func TestServeHelp(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"serve", "--help"}, {"--help"}, {"serve", "-h"}} {
		_, help, err := livedesk(t, nil, args...)
		if !errors.Is(err, flag.ErrHelp) {
			t.Fatalf("%v: %v, want flag.ErrHelp (exit 0)", args, err)
		}
		for _, v := range []string{"ADDR", "DATA_DIR", "DATABASE_URL", "NATS_URL", "NATS_PREFIX", "PUBLIC_URL", "LOG_LEVEL",
			"LOG_FORMAT", "SQLITE_SYNC", "TRUST_PROXY", "ADMIN_EMAIL", "ADMIN_PASSWORD"} {
			flagName := "-" + strings.ReplaceAll(strings.ToLower(v), "_", "-")
			if !strings.Contains(help, "$LIVEDESK_"+v) || !strings.Contains(help, flagName) {
				t.Errorf("%v lacks %s / $LIVEDESK_%s:\n%s", args, flagName, v, help)
			}
		}
	}
}

func TestServeRefusesBadSettings(t *testing.T) {
	t.Parallel()
	_, _, err := livedesk(t, map[string]string{"LIVEDESK_LOG_FORMAT": "xml"}, "serve", "--data-dir", t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "log-format") {
		t.Fatalf("bad LIVEDESK_LOG_FORMAT: %v", err)
	}
}

func TestMigrate(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "fresh")
	out, _, err := livedesk(t, nil, "migrate", "--data-dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	names, err := store.Migrations(store.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	for _, n := range names {
		fmt.Fprintf(&want, "applied %s\n", n)
	}
	if out != want.String() {
		t.Fatalf("first migrate printed %q, want %q", out, want.String())
	}
	// The data dir also comes from the environment.
	out, _, err = livedesk(t, map[string]string{"LIVEDESK_DATA_DIR": dir}, "migrate")
	if err != nil || out != "the schema is up to date\n" {
		t.Fatalf("second migrate: %q, %v", out, err)
	}
}

// TestUserCreate: after a first start, `user create` adds an agent and
// prints a generated password that signs in.
func TestUserCreate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := t.Context()

	_, _, err := livedesk(t, nil, "user", "create", "--data-dir", dir, "--email", "a@example.com", "--name", "A")
	if err == nil || !strings.Contains(err.Error(), "livedesk migrate") {
		t.Fatalf("user create on an empty data dir: %v, want advice to run `livedesk migrate`", err)
	}
	if _, _, err := livedesk(t, nil, "migrate", "--data-dir", dir); err != nil {
		t.Fatal(err)
	}
	_, _, err = livedesk(t, nil, "user", "create", "--data-dir", dir, "--email", "a@example.com", "--name", "A")
	if err == nil || !strings.Contains(err.Error(), "start the server once first") {
		t.Fatalf("user create before a first start: %v", err)
	}

	wsID := firstStart(t, dir)
	out, _, err := livedesk(t, nil, "user", "create", "--data-dir", dir, "--email", "Sam@Example.com", "--name", "Sam", "--role", "admin")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^created admin sam@example\.com \(([0-9a-f-]{36})\) in workspace ` + regexp.QuoteMeta(wsID) +
		`\npassword: (\S+) \(shown only now\)\n$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("user create printed:\n%s", out)
	}
	password := m[2]

	st := storetest.Open(t, filepath.Join(dir, "livedesk.db"))
	// Login checks each hash at the cost written in it (the CLI's default);
	// the cheap hasher only makes the service's own dummy hash cheap.
	svc := auth.New(st, clock.Real{}, auth.TestHasher, nil)
	_, agent, err := svc.Login(ctx, "sam@example.com", password, "127.0.0.1", "test")
	if err != nil || agent.ID != m[1] || agent.Role != "admin" || agent.WorkspaceID != wsID {
		t.Fatalf("signing in with the printed password: %+v, %v", agent, err)
	}

	out, _, err = livedesk(t, nil, "user", "create", "--data-dir", dir, "--email", "kim@example.com", "--name", "Kim",
		"--password", "kims-own-password", "--workspace", wsID)
	if err != nil || strings.Contains(out, "password") {
		t.Fatalf("user create with a chosen password: %q, %v (the password must not be printed)", out, err)
	}
	if _, _, err := svc.Login(ctx, "kim@example.com", "kims-own-password", "127.0.0.1", "test"); err != nil {
		t.Fatalf("signing in with the chosen password: %v", err)
	}

	refusals := []struct {
		name string
		args []string
		want string
	}{
		{"taken e-mail", []string{"--email", "SAM@example.com", "--name", "Sam 2"}, "email_taken"},
		{"unknown role", []string{"--email", "x@example.com", "--name", "X", "--role", "root"}, "invalid_role"},
		{"unknown workspace", []string{"--email", "x@example.com", "--name", "X", "--workspace", store.NewID()}, "workspace"},
		{"no name", []string{"--email", "x@example.com"}, "required"},
		{"short password", []string{"--email", "x@example.com", "--name", "X", "--password", "short"}, "password_too_short"},
	}
	for _, c := range refusals {
		_, _, err := livedesk(t, nil, append([]string{"user", "create", "--data-dir", dir}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error mentioning %q", c.name, err, c.want)
		}
	}
	if agents, err := st.ListAgents(ctx, wsID); err != nil || len(agents) != 3 {
		t.Fatalf("%d agents (err %v), want the owner, Sam and Kim", len(agents), err)
	}
}

// TestWorkspaceCreate: `workspace create` makes another tenant with its
// owner and first site, prints what the owner needs (a password that
// signs in, the widget key), and refuses bad input leaving nothing
// behind.
func TestWorkspaceCreate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := t.Context()
	if _, _, err := livedesk(t, nil, "migrate", "--data-dir", dir); err != nil {
		t.Fatal(err)
	}
	_, _, err := livedesk(t, nil, "workspace", "create", "--data-dir", dir, "--name", "Acme", "--owner-email", "o@acme.example")
	if err == nil || !strings.Contains(err.Error(), "start the server once first") {
		t.Fatalf("workspace create before a first start: %v", err)
	}
	first := firstStart(t, dir)

	out, _, err := livedesk(t, nil, "workspace", "create", "--data-dir", dir, "--name", "Acme", "--owner-email", "Ops@Acme.example", "--site-name", "Acme shop")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`^created workspace "Acme" \(([0-9a-f-]{36})\)\nowner: ops@acme\.example\npassword: (\S+) \(shown only now\)\n` +
		`widget key of "Acme shop": (wk_\S+)\n$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("workspace create printed:\n%s", out)
	}
	if m[1] == first {
		t.Fatal("the new workspace is the first one")
	}
	st := storetest.Open(t, filepath.Join(dir, "livedesk.db"))
	svc := auth.New(st, clock.Real{}, auth.TestHasher, nil)
	_, owner, err := svc.Login(ctx, "ops@acme.example", m[2], "127.0.0.1", "test")
	if err != nil || owner.WorkspaceID != m[1] || owner.Role != "owner" {
		t.Fatalf("signing in as the new owner: %+v, %v", owner, err)
	}
	site, err := st.SiteByWidgetKey(ctx, m[3])
	if err != nil || site.WorkspaceID != m[1] || site.Name != "Acme shop" {
		t.Fatalf("the printed widget key: %+v, %v", site, err)
	}

	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"taken e-mail", []string{"--name", "Other", "--owner-email", "OPS@acme.example"}, "email_taken"},
		{"no name", []string{"--owner-email", "x@acme.example"}, "required"},
		{"control characters", []string{"--name", "A\x07B", "--owner-email", "x@acme.example"}, "invalid_name"},
		{"bad e-mail", []string{"--name", "X", "--owner-email", "not-an-email"}, "invalid_email"},
		{"short password", []string{"--name", "X", "--owner-email", "x@acme.example", "--owner-password", "short"}, "password_too_short"},
	} {
		_, _, err := livedesk(t, nil, append([]string{"workspace", "create", "--data-dir", dir}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error mentioning %q", c.name, err, c.want)
		}
	}
	if all, err := st.ListWorkspaces(ctx); err != nil || len(all) != 2 {
		t.Fatalf("%d workspaces (err %v), want the first and Acme: a refused create left something behind", len(all), err)
	}
}

// firstStart runs `livedesk serve` on dir until it has printed its welcome,
// then stops it as SIGTERM would, and returns the first workspace's id.
func firstStart(t *testing.T, dir string) string {
	t.Helper()
	out := serveUntilWelcome(t, dir)
	if !strings.Contains(out, "Password:") || !regexp.MustCompile(`owner-[a-z0-9_-]{8}@livedesk\.local`).MatchString(out) {
		t.Fatalf("first start printed no credentials:\n%s", out)
	}
	st := storetest.Open(t, filepath.Join(dir, "livedesk.db"))
	ws, err := st.FirstWorkspace(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	return ws.ID
}

// TestServeTwice: `livedesk serve` on a fresh data dir prints how to sign
// in; started again on the same dir it prints the URLs but no credentials.
func TestServeTwice(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first := serveUntilWelcome(t, dir)
	m := regexp.MustCompile(`Password:\s+(\S+)`).FindStringSubmatch(first)
	if m == nil || len(m[1]) != 24 || !strings.Contains(first, "Demo page:") {
		t.Fatalf("first start:\n%s", first)
	}
	second := serveUntilWelcome(t, dir)
	if strings.Contains(second, m[1]) || strings.Contains(second, "Password") || !strings.Contains(second, "Desk:") {
		t.Fatalf("second start must print the URLs and no credentials:\n%s", second)
	}
}

// serveUntilWelcome runs serve on a free port, cancels its context once the
// welcome is printed, and returns what it printed. serve must then return
// nil: a graceful stop.
func serveUntilWelcome(t *testing.T, dir string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	out := &watchWriter{want: "Demo page:", seen: make(chan struct{})}
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dir}, func(string) string { return "" }, out, io.Discard)
	}()
	select {
	case <-out.seen:
	case err := <-errc:
		t.Fatalf("serve stopped before printing its welcome: %v\n%s", err, out.String())
	}
	cancel()
	if err := <-errc; err != nil {
		t.Fatalf("serve after SIGTERM: %v, want a graceful nil", err)
	}
	return out.String()
}

// watchWriter collects output and closes seen once want has appeared.
type watchWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	seen chan struct{}
	once sync.Once
}

func (w *watchWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	if strings.Contains(w.buf.String(), w.want) {
		w.once.Do(func() { close(w.seen) })
	}
	return n, err
}

func (w *watchWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// TestLogger: logs are structured, as text or as JSON, at the chosen level.
func TestLogger(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log, err := newLogger(config.Config{LogLevel: "warn", LogFormat: "json"}, &buf)
	if err != nil {
		t.Fatal(err)
	}
	log.Info("hidden")
	log.Warn("shown", "workspace_id", "w1")
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil || line["msg"] != "shown" || line["workspace_id"] != "w1" || line["level"] != "WARN" {
		t.Fatalf("JSON log %q: %v", buf.String(), err)
	}
	buf.Reset()
	log, err = newLogger(config.Config{LogLevel: "debug", LogFormat: "text"}, &buf)
	if err != nil {
		t.Fatal(err)
	}
	log.Debug("hello", "conn_id", 7)
	if got := buf.String(); !strings.Contains(got, "level=DEBUG msg=hello conn_id=7") {
		t.Fatalf("text log %q", got)
	}
	if _, err := newLogger(config.Config{LogLevel: "loud"}, &buf); err == nil {
		t.Fatal("an unknown level was accepted")
	}
}
