package app

import (
	"context"
	"fmt"
	"io"

	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/config"
	"github.com/querytel/livedesk/internal/store"
	"github.com/querytel/livedesk/internal/team"
	"github.com/querytel/livedesk/internal/workspace"
)

// MigrateCommand is `livedesk migrate`: apply pending migrations and exit.
func MigrateCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := config.Parse("migrate", args, getenv, stderr)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, cfg.DSN(), store.Options{SQLiteSynchronous: cfg.SQLiteSync})
	if err != nil {
		return err
	}
	defer st.Close()
	applied, err := st.Migrate(ctx, clock.Real{}.Now())
	for _, name := range applied {
		fmt.Fprintln(stdout, "applied", name)
	}
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintln(stdout, "the schema is up to date")
	}
	return nil
}

// openMigrated opens the configured store and checks its schema is
// current (a command never migrates behind the operator's back).
func openMigrated(ctx context.Context, cfg config.Config) (*store.Store, error) {
	st, err := store.Open(ctx, cfg.DSN(), store.Options{SQLiteSynchronous: cfg.SQLiteSync})
	if err != nil {
		return nil, err
	}
	if err := st.CheckSchema(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

// WorkspaceCreateCommand is `livedesk workspace create`: another tenant,
// with its owner and first site, printed with what the owner needs.
func WorkspaceCreateCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var (
		cfg config.Config
		in  workspace.NewWorkspace
	)
	fs := cfg.FlagSet("workspace create", getenv, stderr)
	fs.StringVar(&in.Name, "name", "", "the workspace's name (required)")
	fs.StringVar(&in.OwnerEmail, "owner-email", "", "its owner's e-mail, unique across workspaces (required)")
	fs.StringVar(&in.OwnerName, "owner-name", "Owner", "its owner's name")
	fs.StringVar(&in.OwnerPassword, "owner-password", "", "its owner's password (default: generated and printed once)")
	fs.StringVar(&in.SiteName, "site-name", "Website", "its first site's name")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	if in.Name == "" || in.OwnerEmail == "" {
		return fmt.Errorf("workspace create: -name and -owner-email are required")
	}
	st, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.FirstWorkspace(ctx); err != nil {
		// The first start makes the operator's workspace only while no
		// owner exists anywhere: a tenant made before it would take its place.
		return fmt.Errorf("workspace create: start the server once first: %w", err)
	}
	clk := clock.Real{}
	tenants := workspace.NewTenants(st, team.New(st, clk, nil, auth.Hasher{}, nil, nil), workspace.New(st, clk, nil))
	c, err := tenants.CreateUnchecked(ctx, in)
	if err != nil {
		return fmt.Errorf("workspace create: %w", err)
	}
	fmt.Fprintf(stdout, "created workspace %q (%s)\n", c.Workspace.Name, c.Workspace.ID)
	fmt.Fprintf(stdout, "owner: %s\n", c.OwnerEmail)
	if c.OwnerPassword != "" {
		fmt.Fprintf(stdout, "password: %s (shown only now)\n", c.OwnerPassword)
	}
	fmt.Fprintf(stdout, "widget key of %q: %s\n", in.SiteName, c.WidgetKey)
	return nil
}

// UserCreateCommand is `livedesk user create`: add an agent to a workspace
// (the first one when -workspace is empty) and print its password when it
// was generated.
func UserCreateCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var (
		cfg                               config.Config
		email, name, role, wsID, password string
	)
	fs := cfg.FlagSet("user create", getenv, stderr)
	fs.StringVar(&email, "email", "", "the agent's e-mail (required)")
	fs.StringVar(&name, "name", "", "the agent's name (required)")
	fs.StringVar(&role, "role", "agent", "owner, admin, supervisor or agent")
	fs.StringVar(&wsID, "workspace", "", "workspace id (default: the first workspace)")
	fs.StringVar(&password, "password", "", "password (default: generated and printed once)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	if email == "" || name == "" {
		return fmt.Errorf("user create: -email and -name are required")
	}
	st, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if wsID == "" {
		ws, err := st.FirstWorkspace(ctx)
		if err != nil {
			return fmt.Errorf("user create: no workspace yet; start the server once first: %w", err)
		}
		wsID = ws.ID
	} else if _, err := st.GetWorkspace(ctx, wsID); err != nil {
		return fmt.Errorf("user create: workspace %s: %w", wsID, err)
	}
	generated := password == ""
	if generated {
		password = auth.GeneratePassword()
	}
	a, err := team.New(st, clock.Real{}, nil, auth.Hasher{}, nil, nil).CreateAgentUnchecked(ctx, wsID, team.AgentInput{
		Email: &email, Name: &name, Role: &role, Password: &password})
	if err != nil {
		return fmt.Errorf("user create: %w", err)
	}
	fmt.Fprintf(stdout, "created %s %s (%s) in workspace %s\n", a.Role, a.Email, a.ID, wsID)
	if generated {
		fmt.Fprintf(stdout, "password: %s (shown only now)\n", password)
	}
	return nil
}
