package config

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/auth"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	c, err := Parse("serve", nil, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Addr: "127.0.0.1:8420", DataDir: "livedesk_data", NATSPrefix: "livedesk",
		PublicURL: "http://127.0.0.1:8420", LogLevel: "info", LogFormat: "text", SQLiteSync: "normal", Demo: "auto", Limits: DefaultLimits(),
		WhatsAppAPIURL: "https://graph.facebook.com/v24.0"}
	if c != want {
		t.Fatalf("defaults:\ngot  %+v\nwant %+v", c, want)
	}
	if c.DSN() != filepath.Join("livedesk_data", "livedesk.db") || c.Secure() {
		t.Fatalf("DSN %q, Secure %v", c.DSN(), c.Secure())
	}
}

// TestPrecedence: a flag beats its variable, which beats the default.
func TestPrecedence(t *testing.T) {
	t.Parallel()
	vars := map[string]string{
		"LIVEDESK_ADDR": "0.0.0.0:9000", "LIVEDESK_DATA_DIR": "/var/lib/livedesk",
		"LIVEDESK_DATABASE_URL": "postgres://db/livedesk", "LIVEDESK_NATS_URL": "nats://nats:4222",
		"LIVEDESK_NATS_PREFIX": "prod", "LIVEDESK_LOG_LEVEL": "debug", "LIVEDESK_LOG_FORMAT": "json",
		"LIVEDESK_SQLITE_SYNC": "full", "LIVEDESK_ADMIN_EMAIL": "boss@example.com",
		"LIVEDESK_ADMIN_PASSWORD": "from-the-environment", "LIVEDESK_TRUST_PROXY": "true",
	}
	c, err := Parse("serve", nil, env(vars), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Addr: "0.0.0.0:9000", DataDir: "/var/lib/livedesk", DatabaseURL: "postgres://db/livedesk",
		NATSURL: "nats://nats:4222", NATSPrefix: "prod", PublicURL: "http://127.0.0.1:9000", LogLevel: "debug",
		LogFormat: "json", TrustProxy: true, SQLiteSync: "full", AdminEmail: "boss@example.com",
		AdminPassword: "from-the-environment", Demo: "auto", Limits: DefaultLimits(), WhatsAppAPIURL: "https://graph.facebook.com/v24.0"}
	if c != want {
		t.Fatalf("from the environment:\ngot  %+v\nwant %+v", c, want)
	}
	if c.DSN() != "postgres://db/livedesk" {
		t.Fatalf("DSN %q, want the database URL", c.DSN())
	}

	c, err = Parse("serve", []string{"--addr", "127.0.0.1:7000", "-log-level", "warn", "--trust-proxy=false",
		"--public-url", "https://desk.example.com/", "--database-url="}, env(vars), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:7000" || c.LogLevel != "warn" || c.TrustProxy || c.LogFormat != "json" ||
		c.PublicURL != "https://desk.example.com" || !c.Secure() || c.DatabaseURL != "" ||
		c.DSN() != filepath.Join("/var/lib/livedesk", "livedesk.db") {
		t.Fatalf("flags over the environment: %+v", c)
	}
}

// TestPublicURLSchemeIsCaseInsensitive: HTTPS://… makes cookies Secure,
// as https://… does (it did not: the scheme was compared as written).
func TestPublicURLSchemeIsCaseInsensitive(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"HTTPS://desk.example.com", "Https://desk.example.com/"} {
		c, err := Parse("serve", []string{"--public-url", u}, env(nil), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if !c.Secure() || c.PublicURL != "https://desk.example.com" {
			t.Errorf("%s: Secure %v, public URL %q", u, c.Secure(), c.PublicURL)
		}
	}
}

func TestTrustProxyValues(t *testing.T) {
	t.Parallel()
	for v, want := range map[string]bool{"1": true, "true": true, "TRUE": true, "0": false, "false": false, "": false, "yes": false} {
		c, err := Parse("serve", nil, env(map[string]string{"LIVEDESK_TRUST_PROXY": v}), io.Discard)
		if err != nil || c.TrustProxy != want {
			t.Errorf("LIVEDESK_TRUST_PROXY=%q: %v, %v; want %v", v, c.TrustProxy, err, want)
		}
	}
}

func TestInvalid(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		args []string
		vars map[string]string
		want string // in the error
	}{
		{"addr without port", []string{"--addr", "localhost"}, nil, "addr"},
		{"mysql url", []string{"--database-url", "mysql://db"}, nil, "database-url"},
		{"bad variable", nil, map[string]string{"LIVEDESK_DATABASE_URL": "sqlite:///x.db"}, "database-url"},
		{"ftp public url", []string{"--public-url", "ftp://desk.example.com"}, nil, "public-url"},
		{"relative public url", []string{"--public-url", "desk.example.com"}, nil, "public-url"},
		{"log level", []string{"--log-level", "loud"}, nil, "log-level"},
		{"log format", nil, map[string]string{"LIVEDESK_LOG_FORMAT": "xml"}, "log-format"},
		{"sqlite sync", []string{"--sqlite-sync", "off"}, nil, "sqlite-sync"},
		{"stray argument", []string{"extra"}, nil, `unexpected argument "extra"`},
		{"unknown flag", []string{"--colour"}, nil, "colour"},
		{"pprof on a public address", []string{"--pprof-addr", "0.0.0.0:6060"}, nil, "pprof-addr"},
		{"short admin password", nil, map[string]string{"LIVEDESK_ADMIN_PASSWORD": "short"}, "admin-password"},
		{"admin e-mail", []string{"--admin-email", "owner"}, nil, "admin-email"},
	}
	for _, c := range cases {
		_, err := Parse("serve", c.args, env(c.vars), io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want one mentioning %q", c.name, err, c.want)
		}
	}
	// Every problem is reported at once.
	_, err := Parse("serve", []string{"--log-level", "loud", "--log-format", "xml"}, env(nil), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "log-level") || !strings.Contains(err.Error(), "log-format") {
		t.Errorf("two bad settings: %v, want both named", err)
	}
}

// TestHelpListsEverySetting: `serve --help` documents every flag with its
// LIVEDESK_ variable and default.
func TestHelpListsEverySetting(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	_, err := Parse("serve", []string{"--help"}, env(nil), &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("--help: %v, want flag.ErrHelp", err)
	}
	help := out.String()
	var c Config
	for _, s := range c.settings() {
		if !strings.Contains(help, "-"+s.name) || !strings.Contains(help, "$"+s.env) {
			t.Errorf("help lacks -%s / $%s", s.name, s.env)
		}
		if s.def != "" && !strings.Contains(help, s.def) {
			t.Errorf("help lacks the default %q of -%s", s.def, s.name)
		}
	}
	for _, must := range []string{"-trust-proxy", "$LIVEDESK_TRUST_PROXY", "Usage: livedesk serve"} {
		if !strings.Contains(help, must) {
			t.Errorf("help lacks %q", must)
		}
	}
	// The settings the issue names are all there.
	for _, v := range []string{"ADDR", "DATA_DIR", "DATABASE_URL", "NATS_URL", "PUBLIC_URL", "LOG_LEVEL", "LOG_FORMAT"} {
		if !strings.Contains(help, "$LIVEDESK_"+v) {
			t.Errorf("help lacks $LIVEDESK_%s", v)
		}
	}
}

func TestAdminPasswordRuleMatchesAuth(t *testing.T) {
	t.Parallel()
	if minAdminPassword != auth.MinPasswordLen {
		t.Fatalf("minAdminPassword %d, auth.MinPasswordLen %d", minAdminPassword, auth.MinPasswordLen)
	}
	if _, err := Parse("serve", []string{"--admin-password", "0123456789", "--admin-email", " Boss@Example.com"}, env(nil), io.Discard); err != nil {
		t.Fatalf("valid admin credentials: %v", err)
	}
}

func TestLevel(t *testing.T) {
	t.Parallel()
	for _, l := range []string{"debug", "info", "warn", "error", "DEBUG"} {
		c := Config{LogLevel: l}
		if _, err := c.Level(); err != nil {
			t.Errorf("Level(%q): %v", l, err)
		}
	}
}

// TestLimits: every limit has a sane default, can be set by flag or
// variable, turned off with 0, and a malformed one is refused.
func TestLimits(t *testing.T) {
	t.Parallel()
	d := DefaultLimits()
	if d.IPMessages != (Rate{120, time.Minute}) || d.MaxConnsPerIP != 256 || !d.PerIP || d.PageViewsPerVisitor != 50 {
		t.Fatalf("defaults: %+v", d)
	}
	c, err := Parse("serve", []string{"--limit-ip-messages", "10/1s", "--limit-site-starts", "0", "--limits-per-ip=false"},
		env(map[string]string{"LIVEDESK_MAX_CONNS": "7", "LIVEDESK_LIMIT_IP_MESSAGES": "1/1h"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Limits.IPMessages != (Rate{10, time.Second}) || !c.Limits.SiteStarts.Off() || c.Limits.MaxConns != 7 || c.Limits.PerIP {
		t.Fatalf("set: %+v", c.Limits)
	}
	for _, bad := range [][]string{{"--limit-ip-messages", "ten/1m"}, {"--limit-ip-messages", "10/forever"},
		{"--limit-ip-messages", "10"}, {"--max-conns", "-1"}, {"--page-views-per-visitor", "0"}} {
		if _, err := Parse("serve", bad, env(nil), io.Discard); err == nil || !strings.Contains(err.Error(), strings.TrimPrefix(bad[0], "--")) {
			t.Errorf("%v: %v, want an error naming the flag", bad, err)
		}
	}
	if s := (Rate{120, time.Minute}).String(); s != "120/1m" {
		t.Errorf("Rate.String = %q", s)
	}
}

// TestDemoDefault: the demo page is served by default only where the
// public URL is this machine; on and off say so for any URL.
func TestDemoDefault(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		url, demo string
		want      bool
	}{
		{"http://127.0.0.1:8420", "auto", true},
		{"http://localhost:8420", "auto", true},
		{"http://[::1]:8420", "auto", true},
		{"https://desk.example.com", "auto", false},
		{"http://10.0.0.5:8420", "auto", false},
		{"https://desk.example.com", "on", true},
		{"http://127.0.0.1:8420", "off", false},
	} {
		c, err := Parse("serve", []string{"--public-url", tc.url, "--demo", tc.demo}, env(nil), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if c.DemoEnabled() != tc.want {
			t.Errorf("%s with demo=%s: %v, want %v", tc.url, tc.demo, c.DemoEnabled(), tc.want)
		}
	}
	if _, err := Parse("serve", []string{"--demo", "maybe"}, env(nil), io.Discard); err == nil {
		t.Error("demo=maybe was accepted")
	}
}
