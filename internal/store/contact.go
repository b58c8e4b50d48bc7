package store

import (
	"context"
	"time"
)

// Contact is a known person (identified by the site's own user id) across
// visits, devices and sites of a workspace.
type Contact struct {
	ID          string    `json:"id"`
	WorkspaceID string    `json:"workspace_id"`
	ExternalID  string    `json:"external_id"`
	Name        string    `json:"name"`
	Email       string    `json:"email"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// UpsertContact finds the workspace's contact with externalID, creating it
// when missing; non-empty name and email overwrite the stored ones.
func (s *Store) UpsertContact(ctx context.Context, workspaceID, externalID, name, email string, now time.Time) (Contact, error) {
	var (
		c        Contact
		cre, upd int64
	)
	err := s.write.QueryRowContext(ctx, `INSERT INTO contacts (id, workspace_id, external_id, name, email, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $6)
		ON CONFLICT (workspace_id, external_id) DO UPDATE SET
			name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE contacts.name END,
			email = CASE WHEN excluded.email <> '' THEN excluded.email ELSE contacts.email END,
			updated_at = excluded.updated_at
		RETURNING id, workspace_id, external_id, name, email, created_at, updated_at`,
		NewID(), workspaceID, externalID, name, email, millis(now)).
		Scan(&c.ID, &c.WorkspaceID, &c.ExternalID, &c.Name, &c.Email, &cre, &upd)
	if err != nil {
		return Contact{}, mapErr("store: upsert contact", err)
	}
	c.CreatedAt, c.UpdatedAt = fromMillis(cre), fromMillis(upd)
	return c, nil
}

// GetContact reads one contact of a workspace.
func (s *Store) GetContact(ctx context.Context, workspaceID, id string) (Contact, error) {
	var (
		c        Contact
		cre, upd int64
	)
	err := s.read.QueryRowContext(ctx, `SELECT id, workspace_id, COALESCE(external_id, ''), name, email, created_at, updated_at
		FROM contacts WHERE workspace_id = $1 AND id = $2`, workspaceID, id).
		Scan(&c.ID, &c.WorkspaceID, &c.ExternalID, &c.Name, &c.Email, &cre, &upd)
	if err != nil {
		return Contact{}, mapErr("store: get contact", err)
	}
	c.CreatedAt, c.UpdatedAt = fromMillis(cre), fromMillis(upd)
	return c, nil
}
