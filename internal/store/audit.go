package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// AuditEntry records one security-relevant action in a workspace: who
// (an agent, or nobody for a failed sign-in), what, on what, from where.
type AuditEntry struct {
	ID          string         `json:"id"`
	WorkspaceID string         `json:"workspace_id"`
	At          time.Time      `json:"at"`
	ActorID     string         `json:"actor_id,omitempty"`
	ActorName   string         `json:"actor_name,omitempty"`
	Action      string         `json:"action"`
	TargetType  string         `json:"target_type,omitempty"`
	TargetID    string         `json:"target_id,omitempty"`
	IP          string         `json:"ip,omitempty"`
	Detail      map[string]any `json:"detail,omitempty"`
}

// AppendAudit stores an entry (its ID and time are set here).
func (s *Store) AppendAudit(ctx context.Context, e AuditEntry, now time.Time) (AuditEntry, error) {
	e.ID, e.At = NewID(), stored(now)
	detail := "{}"
	if len(e.Detail) > 0 {
		b, err := json.Marshal(e.Detail)
		if err != nil {
			return AuditEntry{}, fmt.Errorf("store: encode audit detail: %w", err)
		}
		detail = string(b)
	}
	_, err := s.write.ExecContext(ctx, `INSERT INTO audit_log (id, workspace_id, at, actor_id, actor_name, action, target_type, target_id, ip, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, e.ID, e.WorkspaceID, millis(now), e.ActorID, e.ActorName, e.Action,
		e.TargetType, e.TargetID, e.IP, detail)
	if err != nil {
		return AuditEntry{}, mapErr("store: append audit", err)
	}
	return e, nil
}

// ListAudit lists a workspace's entries, newest first, before the entry
// with id before (empty: from the newest), at most limit.
func (s *Store) ListAudit(ctx context.Context, workspaceID, before string, limit int) ([]AuditEntry, error) {
	q := `SELECT id, workspace_id, at, actor_id, actor_name, action, target_type, target_id, ip, detail FROM audit_log
		WHERE workspace_id = $1`
	args := []any{workspaceID}
	if before != "" {
		q += ` AND (at, id) < (SELECT at, id FROM audit_log WHERE workspace_id = $1 AND id = $2)`
		args = append(args, before)
	}
	q += fmt.Sprintf(` ORDER BY at DESC, id DESC LIMIT %d`, limit)
	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, mapErr("store: list audit", err)
	}
	defer rows.Close()
	out := []AuditEntry{}
	for rows.Next() {
		var (
			e      AuditEntry
			at     int64
			detail string
		)
		if err := rows.Scan(&e.ID, &e.WorkspaceID, &at, &e.ActorID, &e.ActorName, &e.Action, &e.TargetType, &e.TargetID, &e.IP, &detail); err != nil {
			return nil, mapErr("store: list audit", err)
		}
		e.At = fromMillis(at)
		if detail != "{}" && detail != "" {
			if err := json.Unmarshal([]byte(detail), &e.Detail); err != nil {
				return nil, fmt.Errorf("store: audit %s detail: %w", e.ID, err)
			}
		}
		out = append(out, e)
	}
	return out, mapErr("store: list audit", rows.Err())
}

// DeleteAuditBefore deletes entries older than cutoff in every workspace
// (the retention job), up to limit; it returns how many.
func (s *Store) DeleteAuditBefore(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	res, err := s.write.ExecContext(ctx, `DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < $1 LIMIT $2)`, millis(cutoff), limit)
	if err != nil {
		return 0, mapErr("store: delete audit", err)
	}
	n, err := res.RowsAffected()
	return int(n), mapErr("store: delete audit", err)
}
