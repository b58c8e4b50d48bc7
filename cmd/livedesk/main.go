// Command livedesk is the Live Desk server: one binary serving the API, the
// realtime socket, the agent desk and the widget.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // business hours need time zones on machines without tzdata

	"github.com/querytel/livedesk/internal/app"
	"github.com/querytel/livedesk/internal/config"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "livedesk:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	} else if len(args) == 1 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
		// A bare --help is asked of livedesk, not of serve: every command
		// first, then serve's flags (it is the default).
		fmt.Fprint(stdout, usage+"\n")
	}
	switch cmd {
	case "serve":
		cfg, err := config.Parse("serve", args, getenv, stderr)
		if err != nil {
			return err
		}
		log, err := newLogger(cfg, stderr)
		if err != nil {
			return err
		}
		return app.Run(ctx, cfg, app.Options{Log: log, Out: stdout})
	case "migrate":
		return app.MigrateCommand(ctx, args, getenv, stdout, stderr)
	case "user":
		if len(args) == 0 || args[0] != "create" {
			return errors.New("usage: " + usageUser)
		}
		return app.UserCreateCommand(ctx, args[1:], getenv, stdout, stderr)
	case "workspace":
		if len(args) == 0 || args[0] != "create" {
			return errors.New("usage: " + usageWorkspace)
		}
		return app.WorkspaceCreateCommand(ctx, args[1:], getenv, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "livedesk", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q (serve, migrate, user create, workspace create, version, help)", cmd)
}

const (
	usageUser      = "livedesk user create -email E -name N [-role owner|admin|supervisor|agent] [-workspace ID] [-password P]"
	usageWorkspace = "livedesk workspace create -name N -owner-email E [-owner-name N] [-owner-password P] [-site-name S]"
	usage          = `usage:
  livedesk [serve] [flags]   serve the desk, the widget and the API (the default)
  livedesk migrate [flags]   apply pending database migrations and exit
  ` + usageUser + `
                             add an agent (the password is generated and printed when not given)
  ` + usageWorkspace + `
                             add a workspace (another tenant) with its owner and first site
  livedesk version           print the version
  livedesk help              this text

Every command takes the server's database flags (-data-dir, -database-url, …);
livedesk <command> --help lists a command's flags, livedesk serve --help every setting.
`
)

func newLogger(cfg config.Config, w io.Writer) (*slog.Logger, error) {
	level, err := cfg.Level()
	if err != nil {
		return nil, err
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return slog.New(slog.NewTextHandler(w, opts)), nil
}
