package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// FirstStart is what a first start (or CreateTenant) creates: a
// workspace, its owner and a first site.
type FirstStart struct {
	WorkspaceName string
	Owner         Agent // WorkspaceID is filled in
	Site          Site  // WorkspaceID is filled in
}

// Bootstrap creates fs in one transaction when no owner exists yet, and
// reports whether it did. Two nodes starting at once on PostgreSQL
// serialize on an advisory lock, so exactly one creates; a crash midway
// leaves nothing behind, so the next start simply tries again. A
// workspace left without any agent by an older binary is reused rather
// than orphaned.
func (s *Store) Bootstrap(ctx context.Context, fs FirstStart, now time.Time) (Workspace, bool, error) {
	var (
		ws      Workspace
		created bool
	)
	err := s.inTx(ctx, "store: bootstrap", func(tx *sql.Tx) error {
		if s.dialect == Postgres {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7412002)`); err != nil {
				return mapErr("store: bootstrap lock", err)
			}
		}
		var owners int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM agents WHERE role = 'owner'`).Scan(&owners); err != nil {
			return mapErr("store: bootstrap", err)
		}
		if owners > 0 {
			return nil
		}
		err := tx.QueryRowContext(ctx, `SELECT id FROM workspaces w WHERE NOT EXISTS (SELECT 1 FROM agents a WHERE a.workspace_id = w.id)
			ORDER BY created_at, id LIMIT 1`).Scan(&ws.ID)
		if errors.Is(err, sql.ErrNoRows) {
			ws = Workspace{ID: NewID(), Name: fs.WorkspaceName, CreatedAt: stored(now), UpdatedAt: stored(now)}
			if _, err := tx.ExecContext(ctx, `INSERT INTO workspaces (id, name, settings, created_at, updated_at) VALUES ($1, $2, '{}', $3, $3)`,
				ws.ID, ws.Name, millis(now)); err != nil {
				return mapErr("store: bootstrap workspace", err)
			}
		} else if err != nil {
			return mapErr("store: bootstrap", err)
		}
		if err := insertOwnerAndSite(ctx, tx, ws.ID, fs, now); err != nil {
			return err
		}
		created = true
		return nil
	})
	if err != nil || !created {
		return Workspace{}, false, err
	}
	ws, err = s.GetWorkspace(ctx, ws.ID)
	return ws, err == nil, err
}

// insertOwnerAndSite adds a new workspace's owner and first site in tx.
func insertOwnerAndSite(ctx context.Context, tx *sql.Tx, workspaceID string, fs FirstStart, now time.Time) error {
	fs.Owner.ID, fs.Owner.Email = NewID(), NormalizeEmail(fs.Owner.Email)
	if _, err := tx.ExecContext(ctx, `INSERT INTO agents (`+agentInsertColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $9, $9)`,
		fs.Owner.ID, workspaceID, fs.Owner.Email, fs.Owner.Name, fs.Owner.Role, fs.Owner.PasswordHash, fs.Owner.MaxChats, "offline", millis(now)); err != nil {
		return mapErr("store: new workspace's owner", err)
	}
	if err := logAgentState(ctx, tx, workspaceID, fs.Owner.ID, now); err != nil {
		return err
	}
	orig, hours, look := siteJSON(fs.Site)
	if _, err := tx.ExecContext(ctx, `INSERT INTO sites (id, workspace_id, name, widget_key, allowed_origins,
		business_hours, identity_secret, look, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
		NewID(), workspaceID, fs.Site.Name, fs.Site.WidgetKey, orig, hours, fs.Site.IdentitySecret, look, millis(now)); err != nil {
		return mapErr("store: new workspace's site", err)
	}
	return nil
}

// CreateTenant makes another workspace with its owner and first site, in
// one transaction: an e-mail already taken (ErrConflict) leaves nothing
// behind.
func (s *Store) CreateTenant(ctx context.Context, fs FirstStart, now time.Time) (Workspace, error) {
	ws := Workspace{ID: NewID(), Name: fs.WorkspaceName, CreatedAt: stored(now), UpdatedAt: stored(now)}
	err := s.inTx(ctx, "store: create workspace", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO workspaces (id, name, settings, created_at, updated_at) VALUES ($1, $2, '{}', $3, $3)`,
			ws.ID, ws.Name, millis(now)); err != nil {
			return mapErr("store: create workspace", err)
		}
		return insertOwnerAndSite(ctx, tx, ws.ID, fs, now)
	})
	if err != nil {
		return Workspace{}, err
	}
	return s.GetWorkspace(ctx, ws.ID)
}
