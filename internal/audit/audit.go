// Package audit keeps the record of security-relevant actions in a
// workspace (sign-ins and failed sign-ins, role changes, agents added and
// removed, password changes and resets, key rotations, blocks), which the
// workspace's admins read in the desk. Recording never fails the action it
// records: a failed write is logged and the action stands (the action's own
// store write is what must not be lost). A Service is safe for concurrent
// use.
package audit

import (
	"context"
	"log/slog"
	"time"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/store"
)

// Actions recorded.
const (
	SignIn          = "sign_in"
	SignInFailed    = "sign_in_failed"
	PasswordChanged = "password_changed"
	PasswordReset   = "password_reset"
	AgentCreated    = "agent_created"
	AgentDeleted    = "agent_deleted"
	RoleChanged     = "role_changed"
	KeyRotated      = "widget_key_rotated"
	SecretRead      = "identity_secret_read"
	BlockCreated    = "block_created"
	BlockDeleted    = "block_deleted"
)

// Store is what audit needs from the database.
type Store interface {
	AppendAudit(ctx context.Context, e store.AuditEntry, now time.Time) (store.AuditEntry, error)
	ListAudit(ctx context.Context, workspaceID, before string, limit int) ([]store.AuditEntry, error)
	DeleteAuditBefore(ctx context.Context, cutoff time.Time, limit int) (int, error)
}

// Retention is how long entries are kept.
const Retention = 365 * 24 * time.Hour

// DeleteExpired deletes entries older than Retention (the hourly retention
// job); it returns how many.
func (s *Service) DeleteExpired(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := s.store.DeleteAuditBefore(ctx, s.clock.Now().Add(-Retention), 1000)
		total += n
		if err != nil || n < 1000 {
			return total, err
		}
	}
}

// Service records and lists entries. A nil *Service records nothing (the
// CLI, tests that build a domain by hand).
type Service struct {
	store Store
	clock clock.Clock
	log   *slog.Logger
}

// New returns a Service.
func New(st Store, clk clock.Clock, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: st, clock: clk, log: log}
}

// Record stores what actor did (action on target) with detail.
func (s *Service) Record(ctx context.Context, actor auth.Actor, action, targetType, targetID string, detail map[string]any) {
	if s == nil {
		return
	}
	e := store.AuditEntry{WorkspaceID: actor.WorkspaceID, ActorID: actor.AgentID, ActorName: actor.Name, Action: action,
		TargetType: targetType, TargetID: targetID, IP: actor.IP, Detail: detail}
	if _, err := s.store.AppendAudit(context.WithoutCancel(ctx), e, s.clock.Now()); err != nil {
		s.log.Error("audit: record", "err", err, "workspace_id", actor.WorkspaceID, "action", action)
	}
}

// Page bounds.
const (
	DefaultPage = 50
	MaxPage     = 200
)

// List reads the workspace's entries, newest first (admins and owners).
func (s *Service) List(ctx context.Context, actor auth.Actor, before string, limit int) ([]store.AuditEntry, error) {
	if !actor.Can(auth.ManageWorkspace) {
		return nil, apperr.ErrForbidden
	}
	if limit <= 0 {
		limit = DefaultPage
	}
	return s.store.ListAudit(ctx, actor.WorkspaceID, before, min(limit, MaxPage))
}
