package load

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/site"
	"github.com/querytel/livedesk/internal/store"
)

// Tenant is one seeded workspace: a site whose widget key visitors use,
// and agents with desk sessions.
type Tenant struct {
	WorkspaceID string
	SiteKey     string
	Agents      []Agent
}

// Agent is a seeded agent with a live desk session.
type Agent struct {
	ID     string
	Cookie string // "livedesk_session=TOKEN"
}

// Header is the desk upgrade's header for this agent: the session cookie
// and the server's own origin, as a browser sends them.
func (a Agent) Header(baseURL string) http.Header {
	return http.Header{"Cookie": {a.Cookie}, "Origin": {baseURL}}
}

// Seed creates workspaces tenants, each with one site and agents agents
// holding desk sessions, directly in the server's database (a running
// server sees them at once: it caches none of them).
//
// Why seed rather than sign up over HTTP: the server makes one workspace on
// its first start and has no sign-up API, and a desk socket receives every
// event of its workspace, so a realistic chat load is many tenants with a
// few agents each, not one workspace with thousands of desks. Sessions are
// made directly because sign-in is rate-limited per address (and argon2id
// by design costs tens of milliseconds).
func Seed(ctx context.Context, st *store.Store, tenants, agents int) ([]Tenant, error) {
	return SeedWith(ctx, st, tenants, agents, SeedOptions{})
}

// SeedOptions shape the seeded agents.
type SeedOptions struct {
	// Role is every agent's [agent]; an owner manages broadcasts.
	Role auth.Role
	// MaxChats is every agent's concurrent chat limit [the workspace's
	// default, 5]: a run whose agents take every chat needs room.
	MaxChats int
}

// SeedWith is Seed with agents shaped by o.
func SeedWith(ctx context.Context, st *store.Store, tenants, agents int, o SeedOptions) ([]Tenant, error) {
	if o.Role == "" {
		o.Role = auth.Agent
	}
	clk := clock.Real{}
	sites := site.New(st, clk, nil)
	now := clk.Now()
	out := make([]Tenant, 0, tenants)
	for t := range tenants {
		ws, err := st.CreateWorkspace(ctx, fmt.Sprintf("Bench %d", t), now)
		if err != nil {
			return nil, fmt.Errorf("seed: workspace: %w", err)
		}
		name := "Bench site"
		s, err := sites.CreateUnchecked(ctx, ws.ID, site.Input{Name: &name})
		if err != nil {
			return nil, fmt.Errorf("seed: site: %w", err)
		}
		ten := Tenant{WorkspaceID: ws.ID, SiteKey: s.WidgetKey}
		for a := range agents {
			ag, err := st.CreateAgent(ctx, store.Agent{
				WorkspaceID: ws.ID, Email: fmt.Sprintf("bench-%s-%d@example.com", ws.ID, a),
				Name: fmt.Sprintf("Agent %d.%d", t, a), Role: string(o.Role), MaxChats: o.MaxChats,
				PasswordHash: "!", // no password signs in: the session below is the only way
				Status:       "online",
			}, now)
			if err != nil {
				return nil, fmt.Errorf("seed: agent: %w", err)
			}
			tok := auth.RandomToken(32)
			if err := st.CreateSession(ctx, store.Session{
				TokenHash: auth.HashToken(tok), WorkspaceID: ws.ID, AgentID: ag.ID,
				CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour), UserAgent: "ldload",
			}); err != nil {
				return nil, fmt.Errorf("seed: session: %w", err)
			}
			ten.Agents = append(ten.Agents, Agent{ID: ag.ID, Cookie: auth.SessionCookie + "=" + tok})
		}
		out = append(out, ten)
	}
	return out, nil
}

// SeedDSN opens the server's database by DSN (an SQLite path or a
// postgres:// URL, as the server's DSN) and seeds it.
func SeedDSN(ctx context.Context, dsn string, tenants, agents int) ([]Tenant, error) {
	return SeedDSNWith(ctx, dsn, tenants, agents, SeedOptions{})
}

// SeedDSNWith is SeedDSN with agents shaped by o.
func SeedDSNWith(ctx context.Context, dsn string, tenants, agents int, o SeedOptions) ([]Tenant, error) {
	st, err := store.Open(ctx, dsn, store.Options{MaxConns: 2})
	if err != nil {
		return nil, err
	}
	defer st.Close()
	return SeedWith(ctx, st, tenants, agents, o)
}
