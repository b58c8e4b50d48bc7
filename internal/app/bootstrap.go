package app

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/config"
	"github.com/querytel/livedesk/internal/site"
	"github.com/querytel/livedesk/internal/store"
	"github.com/querytel/livedesk/internal/team"
)

// DefaultAdminDomain is the domain of the first owner's e-mail when none
// is configured: owner-XXXXXXXX@livedesk.local, with eight random
// characters printed once with the password, so an attacker cannot aim a
// sign-in limit at the owner's account by guessing its e-mail.
const DefaultAdminDomain = "livedesk.local"

// defaultAdminEmail makes a first owner's e-mail nobody can guess.
func defaultAdminEmail() string {
	return "owner-" + strings.ToLower(auth.RandomToken(6)[:8]) + "@" + DefaultAdminDomain
}

// Bootstrap is what a first start created. Password is set only when it
// was generated, to be printed once.
type Bootstrap struct {
	Created     bool
	WorkspaceID string
	Email       string
	Password    string
	DemoSiteKey string
}

// bootstrap makes a workspace, its owner and a demo site when no owner
// exists yet, atomically (see store.Bootstrap), and says what it made.
func bootstrap(ctx context.Context, a *App, cfg config.Config) (Bootstrap, error) {
	b := Bootstrap{Email: cfg.AdminEmail, Password: cfg.AdminPassword}
	if b.Email == "" {
		b.Email = defaultAdminEmail()
	}
	generated := b.Password == ""
	if generated {
		b.Password = auth.GeneratePassword()
	}
	role, name := string(auth.Owner), "Owner"
	owner, err := a.Team.PrepareAgent("", team.AgentInput{Email: &b.Email, Name: &name, Role: &role, Password: &b.Password})
	if err != nil {
		return Bootstrap{}, fmt.Errorf("app: first owner: %w", err)
	}
	siteName := "Demo site"
	demo, err := site.Prepare("", site.Input{Name: &siteName})
	if err != nil {
		return Bootstrap{}, fmt.Errorf("app: demo site: %w", err)
	}
	ws, created, err := a.Store.Bootstrap(ctx, store.FirstStart{WorkspaceName: "My workspace", Owner: owner, Site: demo}, a.Clock.Now())
	if err != nil {
		return Bootstrap{}, fmt.Errorf("app: first start: %w", err)
	}
	if !created {
		return Bootstrap{}, nil
	}
	b.Created, b.WorkspaceID, b.DemoSiteKey = true, ws.ID, demo.WidgetKey
	if !generated {
		b.Password = ""
	}
	return b, nil
}

// PrintWelcome tells a person where to go, and on a first start how to
// sign in. Credentials are printed only on the start that made them.
func (a *App) PrintWelcome(w io.Writer) {
	base := a.Config.PublicURL
	fmt.Fprintf(w, "\nLive Desk is running (%s).\n", a.Store.Dialect())
	fmt.Fprintf(w, "  Desk:       %s/\n", base)
	if a.Config.DemoEnabled() {
		fmt.Fprintf(w, "  Demo page:  %s/demo\n", base)
	}
	if a.Bootstrap.Created {
		fmt.Fprintf(w, "\nFirst start: created a workspace, a demo site and an owner account.\n")
		fmt.Fprintf(w, "  E-mail:     %s\n", a.Bootstrap.Email)
		if a.Bootstrap.Password != "" {
			fmt.Fprintf(w, "  Password:   %s\n", a.Bootstrap.Password)
			fmt.Fprintf(w, "  (shown only now; change it after signing in)\n")
		} else {
			fmt.Fprintf(w, "  Password:   the one set by LIVEDESK_ADMIN_PASSWORD\n")
		}
	}
	fmt.Fprintln(w)
}
