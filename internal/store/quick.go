package store

import (
	"context"
	"database/sql"
	"time"
)

// QuickResponse is a ready answer an agent picks in the composer: its own
// (OwnerAgentID), its department's (DepartmentID) or the workspace's
// (neither).
type QuickResponse struct {
	ID           string    `json:"id"`
	WorkspaceID  string    `json:"workspace_id"`
	OwnerAgentID string    `json:"owner_agent_id,omitempty"`
	DepartmentID string    `json:"department_id,omitempty"`
	Title        string    `json:"title"`
	Shortcut     string    `json:"shortcut"`
	Body         string    `json:"body"`
	Uses         int64     `json:"uses"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

const quickColumns = `id, workspace_id, COALESCE(owner_agent_id, ''), COALESCE(department_id, ''), title, shortcut, body, uses, created_at, updated_at`

func scanQuick(sc scanner) (QuickResponse, error) {
	var (
		q        QuickResponse
		cre, upd int64
	)
	err := sc.Scan(&q.ID, &q.WorkspaceID, &q.OwnerAgentID, &q.DepartmentID, &q.Title, &q.Shortcut, &q.Body, &q.Uses, &cre, &upd)
	q.CreatedAt, q.UpdatedAt = fromMillis(cre), fromMillis(upd)
	return q, err
}

// CreateQuickResponse stores a new quick response. Its owner and
// department must be the workspace's (ErrNotFound otherwise).
func (s *Store) CreateQuickResponse(ctx context.Context, q QuickResponse, now time.Time) (QuickResponse, error) {
	q.ID, q.CreatedAt, q.UpdatedAt, q.Uses = NewID(), stored(now), stored(now), 0
	err := s.inTx(ctx, "store: create quick response", func(tx *sql.Tx) error {
		for table, id := range map[string]string{"agents": q.OwnerAgentID, "departments": q.DepartmentID} {
			if err := ownedBy(ctx, tx, table, q.WorkspaceID, id); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO quick_responses (id, workspace_id, owner_agent_id, department_id, title, shortcut, body, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
			q.ID, q.WorkspaceID, nullString(q.OwnerAgentID), nullString(q.DepartmentID), q.Title, q.Shortcut, q.Body, millis(now))
		return mapErr("store: create quick response", err)
	})
	return q, err
}

// GetQuickResponse reads one quick response of a workspace.
func (s *Store) GetQuickResponse(ctx context.Context, workspaceID, id string) (QuickResponse, error) {
	q, err := scanQuick(s.read.QueryRowContext(ctx, `SELECT `+quickColumns+` FROM quick_responses WHERE workspace_id = $1 AND id = $2`, workspaceID, id))
	return q, mapErr("store: get quick response", err)
}

// UpdateQuickResponse stores a quick response's title, shortcut and body.
func (s *Store) UpdateQuickResponse(ctx context.Context, q QuickResponse, now time.Time) (QuickResponse, error) {
	res, err := s.write.ExecContext(ctx, `UPDATE quick_responses SET title = $3, shortcut = $4, body = $5, updated_at = $6
		WHERE workspace_id = $1 AND id = $2`, q.WorkspaceID, q.ID, q.Title, q.Shortcut, q.Body, millis(now))
	if err := mustAffect("store: update quick response", res, err); err != nil {
		return QuickResponse{}, err
	}
	return s.GetQuickResponse(ctx, q.WorkspaceID, q.ID)
}

// DeleteQuickResponse removes a quick response.
func (s *Store) DeleteQuickResponse(ctx context.Context, workspaceID, id string) error {
	res, err := s.write.ExecContext(ctx, `DELETE FROM quick_responses WHERE workspace_id = $1 AND id = $2`, workspaceID, id)
	return mustAffect("store: delete quick response", res, err)
}

// UseQuickResponse counts one use of a quick response.
func (s *Store) UseQuickResponse(ctx context.Context, workspaceID, id string) error {
	res, err := s.write.ExecContext(ctx, `UPDATE quick_responses SET uses = uses + 1 WHERE workspace_id = $1 AND id = $2`, workspaceID, id)
	return mustAffect("store: use quick response", res, err)
}

// ListQuickResponses lists the quick responses an agent may use: its own,
// its departments', and the workspace's; by shortcut. With agentID ""
// (an admin's view of what is shared) it lists the shared ones only.
func (s *Store) ListQuickResponses(ctx context.Context, workspaceID, agentID string) ([]QuickResponse, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+quickColumns+` FROM quick_responses q WHERE q.workspace_id = $1
		AND ((q.owner_agent_id IS NULL AND q.department_id IS NULL)
			OR ($2 <> '' AND q.owner_agent_id = $2)
			OR (q.department_id IS NOT NULL AND ($2 = '' OR EXISTS (SELECT 1 FROM department_members m
				WHERE m.workspace_id = $1 AND m.department_id = q.department_id AND m.agent_id = $2))))
		ORDER BY q.shortcut, q.id LIMIT 1000`, workspaceID, agentID)
	return collect(rows, err, "store: list quick responses", scanQuick)
}
