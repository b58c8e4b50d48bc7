package workspace

import (
	"context"
	"errors"
	"time"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/printable"
	"github.com/querytel/livedesk/internal/site"
	"github.com/querytel/livedesk/internal/store"
	"github.com/querytel/livedesk/internal/team"
)

// Tenants: one server holds many workspaces (a hosted service's
// customers), each isolated from the others. A new one comes with its
// owner and a first site, made together or not at all, so it is usable at
// once: the owner signs in and pastes the site's snippet.

// TenantStore is what making workspaces needs from the database.
type TenantStore interface {
	CreateTenant(ctx context.Context, fs store.FirstStart, now time.Time) (store.Workspace, error)
	FirstWorkspace(ctx context.Context) (store.Workspace, error)
}

// OwnerMaker checks and hashes a new agent (team.Service.PrepareAgent).
type OwnerMaker interface {
	PrepareAgent(workspaceID string, in team.AgentInput) (store.Agent, error)
}

// NewWorkspace is what a new workspace starts with.
type NewWorkspace struct {
	Name          string `json:"name"`
	OwnerEmail    string `json:"owner_email"`
	OwnerName     string `json:"owner_name"`
	OwnerPassword string `json:"owner_password"` // empty: generated and returned once
	SiteName      string `json:"site_name"`      // empty: "Website"
}

// Created is a new workspace with what its owner needs to start.
type Created struct {
	Workspace  store.Workspace `json:"workspace"`
	OwnerEmail string          `json:"owner_email"`
	// OwnerPassword is set only when it was generated: shown once.
	OwnerPassword string `json:"owner_password,omitempty"`
	// WidgetKey is the first site's: its snippet goes on the customer's pages.
	WidgetKey string `json:"widget_key"`
}

// Tenants makes workspaces.
type Tenants struct {
	store  TenantStore
	owners OwnerMaker
	svc    *Service
}

// NewTenants returns Tenants recording through svc's clock and audit log.
func NewTenants(st TenantStore, owners OwnerMaker, svc *Service) *Tenants {
	return &Tenants{store: st, owners: owners, svc: svc}
}

var errNotOperator = apperr.New(apperr.Forbidden, "forbidden",
	"only owners of the server's first workspace (the operator's) may create workspaces")

// Create makes a workspace for the REST API: only an owner of the
// server's first workspace (the one the first start made: the
// operator's) may, so that a customer's owner cannot multiply tenants.
func (t *Tenants) Create(ctx context.Context, actor auth.Actor, in NewWorkspace) (Created, error) {
	if actor.Role != auth.Owner {
		return Created{}, errNotOperator
	}
	first, err := t.store.FirstWorkspace(ctx)
	if err != nil {
		return Created{}, err
	}
	if first.ID != actor.WorkspaceID {
		return Created{}, errNotOperator
	}
	c, err := t.CreateUnchecked(ctx, in)
	if err == nil && t.svc.audit != nil {
		t.svc.audit.Record(ctx, actor, "workspace_created", "workspace", c.Workspace.ID,
			map[string]any{"name": c.Workspace.Name, "owner_email": c.OwnerEmail})
	}
	return c, err
}

// CreateUnchecked makes a workspace without a role check (the CLI).
func (t *Tenants) CreateUnchecked(ctx context.Context, in NewWorkspace) (Created, error) {
	name, ok := printable.Name(in.Name, printable.MaxName, false)
	if !ok {
		return Created{}, apperr.Invalidf("name", "invalid_name", "a workspace name needs 1 to 100 characters, without control characters")
	}
	if in.OwnerName == "" {
		in.OwnerName = "Owner"
	}
	if in.SiteName == "" {
		in.SiteName = "Website"
	}
	password, generated := in.OwnerPassword, in.OwnerPassword == ""
	if generated {
		password = auth.GeneratePassword()
	}
	role := string(auth.Owner)
	owner, err := t.owners.PrepareAgent("", team.AgentInput{Email: &in.OwnerEmail, Name: &in.OwnerName, Role: &role, Password: &password})
	if err != nil {
		return Created{}, fieldPrefix(err, "owner_")
	}
	first, err := site.Prepare("", site.Input{Name: &in.SiteName})
	if err != nil {
		return Created{}, fieldPrefix(err, "site_")
	}
	ws, err := t.store.CreateTenant(ctx, store.FirstStart{WorkspaceName: name, Owner: owner, Site: first}, t.svc.clock.Now())
	if errors.Is(err, store.ErrConflict) {
		return Created{}, &apperr.Error{Kind: apperr.Conflict, Code: "email_taken", Field: "owner_email",
			Message: "an agent with this e-mail exists already (e-mails are unique across workspaces)", Err: err}
	}
	if err != nil {
		return Created{}, err
	}
	c := Created{Workspace: ws, OwnerEmail: owner.Email, WidgetKey: first.WidgetKey}
	if generated {
		c.OwnerPassword = password
	}
	return c, nil
}

// fieldPrefix names an input error's field as this request names it
// (the owner's "email" is "owner_email" here).
func fieldPrefix(err error, prefix string) error {
	var e *apperr.Error
	if errors.As(err, &e) && e.Field != "" {
		c := *e
		c.Field = prefix + e.Field
		return &c
	}
	return err
}
