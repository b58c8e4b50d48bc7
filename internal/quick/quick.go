// Package quick keeps quick responses: ready answers an agent picks with
// "/" in the composer, with fields the desk fills in from the chat
// ({{contact.name}}, {{agent.name}}, {{site.name}}, {{contact.email}},
// {{context.KEY}}, each with an optional fallback: {{contact.name |
// there}}). An agent keeps its own; owners and admins keep those shared
// with the workspace or a department. A Service is stateless and safe for
// concurrent use.
package quick

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/printable"
	"github.com/querytel/livedesk/internal/store"
)

// Store is what quick needs from the database.
type Store interface {
	CreateQuickResponse(ctx context.Context, q store.QuickResponse, now time.Time) (store.QuickResponse, error)
	GetQuickResponse(ctx context.Context, workspaceID, id string) (store.QuickResponse, error)
	UpdateQuickResponse(ctx context.Context, q store.QuickResponse, now time.Time) (store.QuickResponse, error)
	DeleteQuickResponse(ctx context.Context, workspaceID, id string) error
	UseQuickResponse(ctx context.Context, workspaceID, id string) error
	ListQuickResponses(ctx context.Context, workspaceID, agentID string) ([]store.QuickResponse, error)
}

// Service manages quick responses.
type Service struct {
	store Store
	clock clock.Clock
}

// New returns a Service.
func New(st Store, clk clock.Clock) *Service { return &Service{store: st, clock: clk} }

// Scopes: whose a quick response is.
const (
	Personal   = "personal"   // the agent's own
	Workspace  = "workspace"  // every agent's
	Department = "department" // its department's agents'
)

// Limits.
const (
	MaxBody  = 4000 // as a message
	MaxCount = 1000 // an agent sees at most this many
)

var (
	// ErrNotFound: no such quick response that this agent may see.
	ErrNotFound = apperr.New(apperr.NotFound, "quick_response_not_found", "no such quick response")
	shortcutRe  = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,29}$`)
	fieldRe     = regexp.MustCompile(`\{\{([^{}]*)\}\}`)
	fieldName   = regexp.MustCompile(`^(contact\.name|contact\.email|agent\.name|site\.name|context\.[A-Za-z0-9_.-]{1,64})$`)
)

// Input is a quick response as an agent writes it.
type Input struct {
	Title        string `json:"title"`
	Shortcut     string `json:"shortcut"`
	Body         string `json:"body"`
	Scope        string `json:"scope"` // on create: personal (the default), workspace or department
	DepartmentID string `json:"department_id"`
}

// CheckFields validates the {{fields}} of a body: each names a known
// field, with an optional "| fallback".
func CheckFields(body string) error {
	if strings.Count(body, "{{") != len(fieldRe.FindAllString(body, -1)) {
		return apperr.Invalidf("body", "invalid_field", "a {{ has no matching }}")
	}
	for _, m := range fieldRe.FindAllStringSubmatch(body, -1) {
		name, _, _ := strings.Cut(m[1], "|")
		if name = strings.TrimSpace(name); !fieldName.MatchString(name) {
			return apperr.Invalidf("body", "invalid_field",
				"{{%s}} is no field: use contact.name, contact.email, agent.name, site.name or context.KEY", strings.TrimSpace(m[1]))
		}
	}
	return nil
}

func valid(in Input) (Input, error) {
	title, ok := printable.Name(in.Title, printable.MaxName, false)
	if !ok {
		return in, apperr.Invalidf("title", "invalid_title", "a title needs 1 to %d characters", printable.MaxName)
	}
	in.Title = title
	in.Shortcut = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(in.Shortcut), "/")))
	if !shortcutRe.MatchString(in.Shortcut) {
		return in, apperr.Invalidf("shortcut", "invalid_shortcut", "a shortcut has 1 to 30 of a-z 0-9 _ -")
	}
	in.Body = strings.TrimSpace(in.Body)
	if in.Body == "" || utf8.RuneCountInString(in.Body) > MaxBody || !utf8.ValidString(in.Body) || strings.ContainsRune(in.Body, 0) {
		return in, apperr.Invalidf("body", "invalid_body", "a body needs 1 to %d characters", MaxBody)
	}
	return in, CheckFields(in.Body)
}

// mayEdit: an agent edits its own; owners and admins the shared ones.
func mayEdit(a auth.Actor, q store.QuickResponse) bool {
	if q.OwnerAgentID != "" {
		return q.OwnerAgentID == a.AgentID
	}
	return a.Can(auth.ManageQuickResponses)
}

// List lists the quick responses the agent may use.
func (s *Service) List(ctx context.Context, a auth.Actor) ([]store.QuickResponse, error) {
	if a.AgentID == "" {
		return nil, apperr.ErrForbidden
	}
	return s.store.ListQuickResponses(ctx, a.WorkspaceID, a.AgentID)
}

// Create adds a quick response: a personal one (any agent), or one
// shared with the workspace or a department (owners and admins).
func (s *Service) Create(ctx context.Context, a auth.Actor, in Input) (store.QuickResponse, error) {
	if a.AgentID == "" {
		return store.QuickResponse{}, apperr.ErrForbidden
	}
	in, err := valid(in)
	if err != nil {
		return store.QuickResponse{}, err
	}
	q := store.QuickResponse{WorkspaceID: a.WorkspaceID, Title: in.Title, Shortcut: in.Shortcut, Body: in.Body}
	switch in.Scope {
	case "", Personal:
		q.OwnerAgentID = a.AgentID
	case Workspace, Department:
		if !a.Can(auth.ManageQuickResponses) {
			return store.QuickResponse{}, apperr.ErrForbidden
		}
		if in.Scope == Department {
			if in.DepartmentID == "" {
				return store.QuickResponse{}, apperr.Invalidf("department_id", "required", "a department's quick response needs department_id")
			}
			q.DepartmentID = in.DepartmentID
		}
	default:
		return store.QuickResponse{}, apperr.Invalidf("scope", "invalid_scope", "scope is personal, workspace or department")
	}
	out, err := s.store.CreateQuickResponse(ctx, q, s.clock.Now())
	if errors.Is(err, store.ErrNotFound) {
		return store.QuickResponse{}, apperr.Invalidf("department_id", "unknown_department", "no such department")
	}
	return out, err
}

// visible reads a quick response the agent may use.
func (s *Service) visible(ctx context.Context, a auth.Actor, id string) (store.QuickResponse, error) {
	if a.AgentID == "" {
		return store.QuickResponse{}, apperr.ErrForbidden
	}
	list, err := s.store.ListQuickResponses(ctx, a.WorkspaceID, a.AgentID)
	if err != nil {
		return store.QuickResponse{}, err
	}
	for _, q := range list {
		if q.ID == id {
			return q, nil
		}
	}
	// An admin may edit a department's it is not in.
	if q, err := s.store.GetQuickResponse(ctx, a.WorkspaceID, id); err == nil && q.OwnerAgentID == "" && a.Can(auth.ManageQuickResponses) {
		return q, nil
	}
	return store.QuickResponse{}, ErrNotFound
}

// Update changes a quick response's title, shortcut and body.
func (s *Service) Update(ctx context.Context, a auth.Actor, id string, in Input) (store.QuickResponse, error) {
	q, err := s.visible(ctx, a, id)
	if err != nil {
		return store.QuickResponse{}, err
	}
	if !mayEdit(a, q) {
		return store.QuickResponse{}, apperr.ErrForbidden
	}
	if in, err = valid(in); err != nil {
		return store.QuickResponse{}, err
	}
	q.Title, q.Shortcut, q.Body = in.Title, in.Shortcut, in.Body
	return s.store.UpdateQuickResponse(ctx, q, s.clock.Now())
}

// Delete removes a quick response.
func (s *Service) Delete(ctx context.Context, a auth.Actor, id string) error {
	q, err := s.visible(ctx, a, id)
	if err != nil {
		return err
	}
	if !mayEdit(a, q) {
		return apperr.ErrForbidden
	}
	return s.store.DeleteQuickResponse(ctx, a.WorkspaceID, id)
}

// Use counts that the agent picked a quick response.
func (s *Service) Use(ctx context.Context, a auth.Actor, id string) error {
	if _, err := s.visible(ctx, a, id); err != nil {
		return err
	}
	return s.store.UseQuickResponse(ctx, a.WorkspaceID, id)
}
