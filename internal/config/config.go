// Package config reads the server's settings from flags and LIVEDESK_*
// environment variables. A flag wins over its variable, the variable over
// the default. Every field documents what its zero value means.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// Config is every setting of `livedesk serve`.
type Config struct {
	// Addr is the listen address. Default 127.0.0.1:8420 (loopback only:
	// a first start is never exposed to the network by surprise).
	Addr string
	// DataDir holds the SQLite database (and, later, uploads). Default
	// ./livedesk_data.
	DataDir string
	// DatabaseURL selects PostgreSQL when it is a postgres:// URL. Empty
	// means SQLite in DataDir.
	DatabaseURL string
	// NATSURL joins a cluster through NATS. Empty means the in-process bus
	// (one node).
	NATSURL string
	// NATSPrefix prefixes every NATS subject, so several deployments can
	// share one NATS server. Default "livedesk".
	NATSPrefix string
	// PublicURL is the URL people and widgets reach the server at. Empty
	// means http://Addr. An https URL makes cookies Secure.
	PublicURL string
	// LogLevel is debug, info (default), warn or error.
	LogLevel string
	// LogFormat is text (default) or json.
	LogFormat string
	// TrustProxy takes client IPs from X-Forwarded-For: the last entry,
	// which the proxy in front of the server appended. Off by default.
	TrustProxy bool
	// WebhooksAllowPrivate lets webhook endpoints be loopback, private or
	// link-local addresses (a self-hosted desk calling its own network).
	// Off by default: a workspace admin could otherwise reach the
	// server's own network (SSRF).
	WebhooksAllowPrivate bool
	// WhatsAppAPIURL is the Graph API the WhatsApp channel calls, with its
	// version: Meta's by default, a fake Cloud API in tests.
	WhatsAppAPIURL string
	// SQLiteSync is "normal" (default: survives process crashes) or "full"
	// (also survives power loss, slower writes).
	SQLiteSync string
	// PprofAddr serves net/http/pprof on this loopback address (for
	// profiles under load). Empty means off; a non-loopback host is refused.
	PprofAddr string
	// AdminEmail and AdminPassword set the first owner on a first start;
	// empty means owner-XXXXXXXX@livedesk.local (eight random characters,
	// so it cannot be guessed), printed with the password.
	AdminEmail    string
	AdminPassword string
	// Demo serves the demo page at /demo: "auto" (default; also what ""
	// means) when the public URL is a loopback address (a first try on
	// one's own machine), "on" or "off".
	Demo string
	// MetricsAddr serves /metrics on its own listener (say 127.0.0.1:9100)
	// instead of the main one. Empty: on the main listener.
	MetricsAddr string
	// MetricsToken, when set, makes /metrics ask for
	// "Authorization: Bearer TOKEN". Empty: open to whoever reaches it.
	MetricsToken string
	// Limits bound unauthenticated traffic and what it may store
	// (limits.go). The zero Limits means no limit; Parse fills the
	// defaults.
	Limits Limits

	limitFlags *limitFlags // the raw flags behind Limits, for Validate
}

// minAdminPassword is auth.MinPasswordLen (config does not import auth;
// a test keeps the two equal).
const minAdminPassword = 10

type setting struct {
	name, env, def, help string
	dst                  *string
}

func (c *Config) settings() []setting {
	return []setting{
		{"addr", "LIVEDESK_ADDR", "127.0.0.1:8420", "listen address (host:port)", &c.Addr},
		{"data-dir", "LIVEDESK_DATA_DIR", "livedesk_data", "directory for the SQLite database", &c.DataDir},
		{"database-url", "LIVEDESK_DATABASE_URL", "", "postgres://... to use PostgreSQL instead of SQLite", &c.DatabaseURL},
		{"nats-url", "LIVEDESK_NATS_URL", "", "nats://... to fan events out across nodes (empty: single node)", &c.NATSURL},
		{"nats-prefix", "LIVEDESK_NATS_PREFIX", "livedesk", "subject prefix on NATS", &c.NATSPrefix},
		{"public-url", "LIVEDESK_PUBLIC_URL", "", "URL people reach the server at (default http://ADDR)", &c.PublicURL},
		{"log-level", "LIVEDESK_LOG_LEVEL", "info", "debug, info, warn or error", &c.LogLevel},
		{"log-format", "LIVEDESK_LOG_FORMAT", "text", "text or json", &c.LogFormat},
		{"sqlite-sync", "LIVEDESK_SQLITE_SYNC", "normal", "SQLite synchronous: normal (crash-safe) or full (power-loss-safe)", &c.SQLiteSync},
		{"pprof-addr", "LIVEDESK_PPROF_ADDR", "", "serve /debug/pprof on this loopback address, e.g. 127.0.0.1:6060 (empty: off)", &c.PprofAddr},
		{"admin-email", "LIVEDESK_ADMIN_EMAIL", "", "first start only: the owner's e-mail (default owner-XXXXXXXX@livedesk.local, random)", &c.AdminEmail},
		{"admin-password", "LIVEDESK_ADMIN_PASSWORD", "", "first start only: the owner's password (default: generated and printed once)", &c.AdminPassword},
		{"demo", "LIVEDESK_DEMO", "auto", "serve the demo page at /demo: auto (only when the public URL is loopback), on or off", &c.Demo},
		{"metrics-addr", "LIVEDESK_METRICS_ADDR", "", "serve /metrics on this address instead of the main one (empty: the main one)", &c.MetricsAddr},
		{"metrics-token", "LIVEDESK_METRICS_TOKEN", "", "require Authorization: Bearer TOKEN on /metrics (empty: open)", &c.MetricsToken},
		{"whatsapp-api-url", "LIVEDESK_WHATSAPP_API_URL", "https://graph.facebook.com/v24.0", "the WhatsApp Cloud API (Graph API with its version); a fake one for tests", &c.WhatsAppAPIURL},
	}
}

// FlagSet returns a flag set bound to c, with defaults taken from getenv.
func (c *Config) FlagSet(name string, getenv func(string) string, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	for _, s := range c.settings() {
		def := s.def
		if v := getenv(s.env); v != "" {
			def = v
		}
		fs.StringVar(s.dst, s.name, def, fmt.Sprintf("%s [$%s]", s.help, s.env))
	}
	c.limitFlags = &limitFlags{list: c.Limits.settings()}
	for _, s := range c.limitFlags.list {
		env := "LIVEDESK_" + strings.ToUpper(strings.ReplaceAll(s.name, "-", "_"))
		def := s.def
		if v := getenv(env); v != "" {
			def = v
		}
		fs.StringVar(&s.raw, s.name, def, fmt.Sprintf("%s [$%s]", s.help, env))
	}
	perIP := getenv("LIVEDESK_LIMITS_PER_IP")
	fs.BoolVar(&c.Limits.PerIP, "limits-per-ip", perIP == "" || perIP == "1" || strings.EqualFold(perIP, "true"),
		"apply the per-address limits (off behind a proxy without -trust-proxy, or for load tests) [$LIVEDESK_LIMITS_PER_IP]")
	trust := getenv("LIVEDESK_TRUST_PROXY")
	fs.BoolVar(&c.TrustProxy, "trust-proxy", trust == "1" || strings.EqualFold(trust, "true"),
		"take client IPs from X-Forwarded-For (only behind a proxy that sets it) [$LIVEDESK_TRUST_PROXY]")
	private := getenv("LIVEDESK_WEBHOOKS_ALLOW_PRIVATE")
	fs.BoolVar(&c.WebhooksAllowPrivate, "webhooks-allow-private", private == "1" || strings.EqualFold(private, "true"),
		"let webhook endpoints be loopback, private or link-local addresses (self-hosted networks only) [$LIVEDESK_WEBHOOKS_ALLOW_PRIVATE]")
	fs.Usage = func() {
		fmt.Fprintf(out, "Usage: livedesk %s [flags]\n\nEvery flag can also be set by the environment variable in brackets.\n\n", name)
		fs.PrintDefaults()
	}
	return fs
}

// Parse reads args (after the subcommand) into a validated Config.
func Parse(name string, args []string, getenv func(string) string, out io.Writer) (Config, error) {
	var c Config
	fs := c.FlagSet(name, getenv, out)
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	err := c.Validate()
	c.limitFlags = nil // parsed into c.Limits
	return c, err
}

// Validate checks the settings and fills derived defaults.
func (c *Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("addr %q: %w", c.Addr, err))
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		errs = append(errs, errors.New("database-url must start with postgres:// (leave it empty for SQLite)"))
	}
	if c.PublicURL == "" {
		host := c.Addr
		if h, p, err := net.SplitHostPort(c.Addr); err == nil && (h == "" || h == "0.0.0.0" || h == "::") {
			host = net.JoinHostPort("127.0.0.1", p)
		}
		c.PublicURL = "http://" + host
	}
	if c.WhatsAppAPIURL == "" {
		c.WhatsAppAPIURL = "https://graph.facebook.com/v24.0"
	}
	if u, err := url.Parse(c.WhatsAppAPIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("whatsapp-api-url %q must be an http(s) URL", c.WhatsAppAPIURL))
	}
	if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("public-url %q must be an http(s) URL", c.PublicURL))
	} else {
		// Schemes are case-insensitive (RFC 3986): HTTPS://… is https, and
		// must make cookies Secure like https://… does.
		c.PublicURL = u.Scheme + c.PublicURL[len(u.Scheme):]
	}
	c.PublicURL = strings.TrimSuffix(c.PublicURL, "/")
	if _, err := c.Level(); err != nil {
		errs = append(errs, err)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("log-format must be text or json, not %q", c.LogFormat))
	}
	if c.PprofAddr != "" {
		host, _, err := net.SplitHostPort(c.PprofAddr)
		ip := net.ParseIP(host)
		if err != nil || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
			errs = append(errs, fmt.Errorf("pprof-addr %q must be a loopback address (127.0.0.1:PORT or [::1]:PORT)", c.PprofAddr))
		}
	}
	if c.Demo == "" {
		c.Demo = "auto"
	}
	if c.Demo != "auto" && c.Demo != "on" && c.Demo != "off" {
		errs = append(errs, fmt.Errorf("demo must be auto, on or off, not %q", c.Demo))
	}
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			errs = append(errs, fmt.Errorf("metrics-addr %q: %w", c.MetricsAddr, err))
		}
	}
	if c.SQLiteSync != "normal" && c.SQLiteSync != "full" {
		errs = append(errs, fmt.Errorf("sqlite-sync must be normal or full, not %q", c.SQLiteSync))
	}
	// The first owner is made on the first start; refuse bad credentials
	// here, before anything is written, rather than half-way through it.
	if e := strings.ToLower(strings.TrimSpace(c.AdminEmail)); e != "" {
		if addr, err := mail.ParseAddress(e); err != nil || addr.Address != e {
			errs = append(errs, fmt.Errorf("admin-email %q is not an e-mail address", c.AdminEmail))
		}
	}
	if n := utf8.RuneCountInString(c.AdminPassword); n > 0 && n < minAdminPassword {
		errs = append(errs, fmt.Errorf("admin-password needs at least %d characters", minAdminPassword))
	}
	if c.limitFlags != nil {
		errs = append(errs, c.Limits.parse(c.limitFlags.list)...)
	}
	return errors.Join(errs...)
}

// Level parses LogLevel.
func (c *Config) Level() (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return 0, fmt.Errorf("log-level must be debug, info, warn or error, not %q", c.LogLevel)
	}
	return l, nil
}

// DSN is what store.Open takes: the PostgreSQL URL or the SQLite file path.
func (c *Config) DSN() string {
	if c.DatabaseURL != "" {
		return c.DatabaseURL
	}
	return filepath.Join(c.DataDir, "livedesk.db")
}

// Secure reports whether cookies must be Secure.
func (c *Config) Secure() bool { return strings.HasPrefix(c.PublicURL, "https://") }

// DemoEnabled reports whether /demo is served: on, or auto with a public
// URL whose host is loopback. A demo page on a public server would give
// anyone a page that talks to its demo site.
func (c *Config) DemoEnabled() bool {
	switch c.Demo {
	case "on":
		return true
	case "off":
		return false
	}
	u, err := url.Parse(c.PublicURL)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
