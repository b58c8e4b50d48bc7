// Package apikey keeps a workspace's API keys: tokens its own systems
// call the REST API with. Owners and admins make and revoke them; a token
// is shown once and only its hash is kept. A key acts with the rights of
// the agent who made it, narrowed to its scopes: a resource and read or
// write (write includes read). Which routes a scope opens is the
// transport's table (httpapi); this package holds the names.
package apikey

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/printable"
	"github.com/querytel/livedesk/internal/store"
)

// Resources a key may be scoped to.
var Resources = []string{"contacts", "conversations", "messages", "tickets", "boards", "analytics", "broadcasts"}

// Access levels.
const (
	Read  = "read"
	Write = "write" // includes read
)

// MaxLive bounds a workspace's keys that are not revoked.
const MaxLive = 50

// Store is what apikey needs from the database.
type Store interface {
	CreateAPIKey(ctx context.Context, k store.APIKey, max int, now time.Time) (store.APIKey, error)
	ListAPIKeys(ctx context.Context, workspaceID string) ([]store.APIKey, error)
	RevokeAPIKey(ctx context.Context, workspaceID, id string, now time.Time) (store.APIKey, error)
}

// Service manages API keys.
type Service struct {
	store Store
	clock clock.Clock
	audit auth.Recorder
}

// New returns a Service; rec may be nil.
func New(st Store, clk clock.Clock, rec auth.Recorder) *Service {
	return &Service{store: st, clock: clk, audit: rec}
}

// Errors.
var (
	ErrNotFound = apperr.New(apperr.NotFound, "api_key_not_found", "no such API key that is not revoked")
	ErrTooMany  = apperr.New(apperr.Conflict, "too_many_api_keys", "a workspace has at most 50 API keys that are not revoked; revoke one first")
)

// Input is a new key as an admin asks for it.
type Input struct {
	Name   string   `json:"name"`
	Scopes []string `json:"scopes"`
}

// Created is a new key and its token, shown this once.
type Created struct {
	Key   store.APIKey `json:"key"`
	Token string       `json:"token"`
}

// ValidScope reports whether s names a resource and an access level.
func ValidScope(s string) bool {
	res, access, ok := strings.Cut(s, ":")
	return ok && slices.Contains(Resources, res) && (access == Read || access == Write)
}

// Allows reports whether scopes open resource at access: write includes
// read.
func Allows(scopes []string, resource, access string) bool {
	return slices.Contains(scopes, resource+":"+access) || access == Read && slices.Contains(scopes, resource+":"+Write)
}

// Create makes a key (owners and admins) and returns it with its token.
func (s *Service) Create(ctx context.Context, a auth.Actor, in Input) (Created, error) {
	if !a.Can(auth.ManageWorkspace) {
		return Created{}, apperr.ErrForbidden
	}
	name, ok := printable.Name(in.Name, printable.MaxName, false)
	if !ok {
		return Created{}, apperr.Invalidf("name", "invalid_name", "a name needs 1 to %d characters", printable.MaxName)
	}
	if len(in.Scopes) == 0 {
		return Created{}, apperr.Invalidf("scopes", "invalid_scope", "a key needs at least one scope, such as contacts:read")
	}
	var scopes []string
	for _, sc := range in.Scopes {
		if !ValidScope(sc) {
			return Created{}, apperr.Invalidf("scopes", "invalid_scope", "%q is no scope: use RESOURCE:read or RESOURCE:write, the resource one of %s",
				sc, strings.Join(Resources, ", "))
		}
		if !slices.Contains(scopes, sc) {
			scopes = append(scopes, sc)
		}
	}
	slices.Sort(scopes)
	token := auth.KeyPrefix + auth.RandomToken(32)
	k, err := s.store.CreateAPIKey(ctx, store.APIKey{WorkspaceID: a.WorkspaceID, AgentID: a.AgentID, Name: name,
		Prefix: token[len(auth.KeyPrefix) : len(auth.KeyPrefix)+8], TokenHash: auth.HashToken(token), Scopes: scopes}, MaxLive, s.clock.Now())
	if errors.Is(err, store.ErrConflict) {
		return Created{}, ErrTooMany
	}
	if err != nil {
		return Created{}, err
	}
	s.record(ctx, a, "api_key_created", k, map[string]any{"name": k.Name, "scopes": k.Scopes})
	return Created{Key: k, Token: token}, nil
}

// List lists the workspace's keys, revoked ones too (owners and admins).
func (s *Service) List(ctx context.Context, a auth.Actor) ([]store.APIKey, error) {
	if !a.Can(auth.ManageWorkspace) {
		return nil, apperr.ErrForbidden
	}
	return s.store.ListAPIKeys(ctx, a.WorkspaceID)
}

// Revoke revokes a key at once (owners and admins): its next request, on
// any node, is refused.
func (s *Service) Revoke(ctx context.Context, a auth.Actor, id string) error {
	if !a.Can(auth.ManageWorkspace) {
		return apperr.ErrForbidden
	}
	k, err := s.store.RevokeAPIKey(ctx, a.WorkspaceID, id, s.clock.Now())
	if errors.Is(err, store.ErrNotFound) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	s.record(ctx, a, "api_key_revoked", k, map[string]any{"name": k.Name})
	return nil
}

func (s *Service) record(ctx context.Context, a auth.Actor, action string, k store.APIKey, detail map[string]any) {
	if s.audit != nil {
		s.audit.Record(ctx, a, action, "api_key", k.ID, detail)
	}
}
