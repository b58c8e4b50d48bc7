package store

import (
	"context"
	"database/sql"
	"time"
)

// Block kinds: what a block matches.
const (
	BlockVisitor = "visitor" // one visitor (a browser), by visitor id
	BlockIP      = "ip"      // every visitor connecting from an address
	BlockContact = "contact" // every visitor linked to a contact (a verified person)
)

// Block keeps a visitor, an address or a contact out of a workspace's
// widgets.
type Block struct {
	ID          string    `json:"id"`
	WorkspaceID string    `json:"workspace_id"`
	Kind        string    `json:"kind"`
	Value       string    `json:"value"`
	Reason      string    `json:"reason"`
	CreatedBy   string    `json:"created_by,omitempty"` // the agent; empty once deleted
	CreatedAt   time.Time `json:"created_at"`
}

const blockColumns = `id, workspace_id, kind, value, reason, COALESCE(created_by, ''), created_at`

func scanBlock(sc scanner) (Block, error) {
	var (
		b   Block
		cre int64
	)
	if err := sc.Scan(&b.ID, &b.WorkspaceID, &b.Kind, &b.Value, &b.Reason, &b.CreatedBy, &cre); err != nil {
		return Block{}, err
	}
	b.CreatedAt = fromMillis(cre)
	return b, nil
}

// CreateBlock stores a block; ErrConflict when the same one exists.
func (s *Store) CreateBlock(ctx context.Context, b Block, now time.Time) (Block, error) {
	b.ID, b.CreatedAt = NewID(), stored(now)
	err := s.inTx(ctx, "store: create block", func(tx *sql.Tx) error {
		if b.CreatedBy != "" {
			if err := ownedBy(ctx, tx, "agents", b.WorkspaceID, b.CreatedBy); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO blocks (id, workspace_id, kind, value, reason, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, b.ID, b.WorkspaceID, b.Kind, b.Value, b.Reason, nullString(b.CreatedBy), millis(now))
		return mapErr("store: create block", err)
	})
	if err != nil {
		return Block{}, err
	}
	return b, nil
}

// ListBlocks lists a workspace's blocks, newest first.
func (s *Store) ListBlocks(ctx context.Context, workspaceID string) ([]Block, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+blockColumns+` FROM blocks WHERE workspace_id = $1 ORDER BY created_at DESC, id DESC`, workspaceID)
	if err != nil {
		return nil, mapErr("store: list blocks", err)
	}
	defer rows.Close()
	out := []Block{}
	for rows.Next() {
		b, err := scanBlock(rows)
		if err != nil {
			return nil, mapErr("store: list blocks", err)
		}
		out = append(out, b)
	}
	return out, mapErr("store: list blocks", rows.Err())
}

// GetBlock reads one block.
func (s *Store) GetBlock(ctx context.Context, workspaceID, id string) (Block, error) {
	b, err := scanBlock(s.read.QueryRowContext(ctx, `SELECT `+blockColumns+` FROM blocks WHERE workspace_id = $1 AND id = $2`, workspaceID, id))
	return b, mapErr("store: get block", err)
}

// DeleteBlock removes a block.
func (s *Store) DeleteBlock(ctx context.Context, workspaceID, id string) error {
	res, err := s.write.ExecContext(ctx, `DELETE FROM blocks WHERE workspace_id = $1 AND id = $2`, workspaceID, id)
	return mustAffect("store: delete block", res, err)
}

// Blocked reports whether any block of the workspace matches the visitor,
// the address or the contact (empty ones match nothing).
func (s *Store) Blocked(ctx context.Context, workspaceID, visitorID, ip, contactID string) (bool, error) {
	var n int
	err := s.readRow(ctx, qBlocked, workspaceID, nonEmpty(visitorID), nonEmpty(ip), nonEmpty(contactID)).Scan(&n)
	if err != nil {
		return false, mapErr("store: blocked", err)
	}
	return n > 0, nil
}

// nonEmpty maps "" to a value no block holds (block values are ids and
// addresses, never empty), so an unknown field matches nothing.
func nonEmpty(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// VisitorsOfContact lists the ids of a workspace's visitors linked to a
// contact (to close their sockets when the contact is blocked).
func (s *Store) VisitorsOfContact(ctx context.Context, workspaceID, contactID string) ([]string, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id FROM visitors WHERE workspace_id = $1 AND contact_id = $2`, workspaceID, contactID)
	if err != nil {
		return nil, mapErr("store: visitors of contact", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, mapErr("store: visitors of contact", err)
		}
		ids = append(ids, id)
	}
	return ids, mapErr("store: visitors of contact", rows.Err())
}
