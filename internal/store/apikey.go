package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// APIKey is a workspace's key to the REST API. Its token is shown once;
// only its hash is kept.
type APIKey struct {
	ID          string     `json:"id"`
	WorkspaceID string     `json:"-"`
	AgentID     string     `json:"created_by"` // whose rights it acts with: its maker's
	Name        string     `json:"name"`
	Prefix      string     `json:"prefix"`
	TokenHash   string     `json:"-"`
	Scopes      []string   `json:"scopes"`
	CreatedAt   time.Time  `json:"created_at"`
	LastUsedAt  *time.Time `json:"last_used_at"`
	RevokedAt   *time.Time `json:"revoked_at"`
}

const apiKeyColumns = `id, workspace_id, agent_id, name, prefix, token_hash, scopes, created_at, last_used_at, revoked_at`

func scanAPIKey(sc scanner) (APIKey, error) {
	var (
		k             APIKey
		scopes        string
		created       int64
		used, revoked sql.NullInt64
	)
	err := sc.Scan(&k.ID, &k.WorkspaceID, &k.AgentID, &k.Name, &k.Prefix, &k.TokenHash, &scopes, &created, &used, &revoked)
	k.Scopes = slices.Clip(append([]string{}, strings.Fields(scopes)...))
	k.CreatedAt, k.LastUsedAt, k.RevokedAt = fromMillis(created), optTime(used), optTime(revoked)
	return k, err
}

// CreateAPIKey stores a new key of an agent of the workspace (ErrNotFound
// for another's agent), unless the workspace already has max live keys
// (ErrConflict).
func (s *Store) CreateAPIKey(ctx context.Context, k APIKey, max int, now time.Time) (APIKey, error) {
	k.ID, k.CreatedAt, k.LastUsedAt, k.RevokedAt = NewID(), stored(now), nil, nil
	err := s.inTx(ctx, "store: create api key", func(tx *sql.Tx) error {
		if err := ownedBy(ctx, tx, "agents", k.WorkspaceID, k.AgentID); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM api_keys WHERE workspace_id = $1 AND revoked_at IS NULL`, k.WorkspaceID).Scan(&n); err != nil {
			return mapErr("store: count api keys", err)
		}
		if n >= max {
			return fmt.Errorf("store: create api key: %d live keys: %w", n, ErrConflict)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO api_keys (id, workspace_id, agent_id, name, prefix, token_hash, scopes, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, k.ID, k.WorkspaceID, k.AgentID, k.Name, k.Prefix, k.TokenHash, strings.Join(k.Scopes, " "), millis(now))
		return mapErr("store: create api key", err)
	})
	return k, err
}

// ListAPIKeys lists a workspace's keys, revoked ones too, newest first.
func (s *Store) ListAPIKeys(ctx context.Context, workspaceID string) ([]APIKey, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE workspace_id = $1
		ORDER BY created_at DESC, id DESC LIMIT 500`, workspaceID)
	return collect(rows, err, "store: list api keys", scanAPIKey)
}

// RevokeAPIKey revokes a live key of the workspace (ErrNotFound when there
// is none such) and returns it.
func (s *Store) RevokeAPIKey(ctx context.Context, workspaceID, id string, now time.Time) (APIKey, error) {
	k, err := scanAPIKey(s.write.QueryRowContext(ctx, `UPDATE api_keys SET revoked_at = $3
		WHERE workspace_id = $1 AND id = $2 AND revoked_at IS NULL RETURNING `+apiKeyColumns, workspaceID, id, millis(now)))
	return k, mapErr("store: revoke api key", err)
}

// APIKeyByHash finds the live key with a token's hash: the entry point of
// a request with a key (the workspace is not known before), read on every
// such request, so a revocation holds at once on every node.
func (s *Store) APIKeyByHash(ctx context.Context, tokenHash string) (APIKey, error) {
	k, err := scanAPIKey(s.read.QueryRowContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE token_hash = $1 AND revoked_at IS NULL`, tokenHash))
	return k, mapErr("store: api key", err)
}

// TouchAPIKey records that a key was used at now.
func (s *Store) TouchAPIKey(ctx context.Context, workspaceID, id string, now time.Time) error {
	res, err := s.write.ExecContext(ctx, `UPDATE api_keys SET last_used_at = $3 WHERE workspace_id = $1 AND id = $2`, workspaceID, id, millis(now))
	return mustAffect("store: touch api key", res, err)
}

// Idempotent is a request's first answer, kept for its Idempotency-Key.
type Idempotent struct {
	Request string // the hash of its method, path and body
	Status  int    // 0: the first request is still running
	Body    string
}

// ErrInProgress: a request with the same idempotency key is still running.
var ErrInProgress = errors.New("store: idempotent request in progress")

// BeginIdempotent reserves an idempotency key of an owner for a request
// (found false), or returns what the key holds already (found true): the
// first answer, or Status 0 while the first request still runs.
//
// A first request still "running" after IdempotentLease died with its
// process: the next one takes its key over.
func (s *Store) BeginIdempotent(ctx context.Context, workspaceID, owner, key, request string, now time.Time) (Idempotent, bool, error) {
	for range 2 {
		res, err := s.write.ExecContext(ctx, `INSERT INTO idempotency_keys (workspace_id, owner, idem_key, request, status, body, created_at)
			VALUES ($1, $2, $3, $4, 0, '', $5) ON CONFLICT (workspace_id, owner, idem_key) DO NOTHING`, workspaceID, owner, key, request, millis(now))
		n, err := affected(res, err)
		if err != nil {
			return Idempotent{}, false, mapErr("store: begin idempotent", err)
		}
		if n == 1 {
			return Idempotent{}, false, nil
		}
		res, err = s.write.ExecContext(ctx, `UPDATE idempotency_keys SET request = $4, created_at = $5
			WHERE workspace_id = $1 AND owner = $2 AND idem_key = $3 AND status = 0 AND created_at < $6`,
			workspaceID, owner, key, request, millis(now), millis(now.Add(-IdempotentLease)))
		if n, err = affected(res, err); err != nil {
			return Idempotent{}, false, mapErr("store: begin idempotent", err)
		}
		if n == 1 {
			return Idempotent{}, false, nil // taken over from a request that died
		}
		var out Idempotent
		err = s.write.QueryRowContext(ctx, `SELECT request, status, body FROM idempotency_keys WHERE workspace_id = $1 AND owner = $2 AND idem_key = $3`,
			workspaceID, owner, key).Scan(&out.Request, &out.Status, &out.Body)
		if errors.Is(err, sql.ErrNoRows) {
			continue // freed meanwhile: try again
		}
		return out, true, mapErr("store: begin idempotent", err)
	}
	return Idempotent{}, false, fmt.Errorf("store: begin idempotent: %w", ErrConflict)
}

// IdempotentLease is how long a first request may run before a retry
// with its key takes the key over (it died with its process).
const IdempotentLease = time.Minute

// EndIdempotent keeps a request's answer for its key, or (status 0)
// frees the key: the request failed in a way a retry may fix.
func (s *Store) EndIdempotent(ctx context.Context, workspaceID, owner, key string, status int, body string) error {
	if status == 0 {
		_, err := s.write.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE workspace_id = $1 AND owner = $2 AND idem_key = $3`, workspaceID, owner, key)
		return mapErr("store: free idempotency key", err)
	}
	_, err := s.write.ExecContext(ctx, `UPDATE idempotency_keys SET status = $4, body = $5 WHERE workspace_id = $1 AND owner = $2 AND idem_key = $3`,
		workspaceID, owner, key, status, body)
	return mapErr("store: end idempotent", err)
}

// DeleteOldIdempotencyKeys deletes up to limit keys made before cutoff,
// in every workspace (the hourly retention job).
func (s *Store) DeleteOldIdempotencyKeys(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	res, err := s.write.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE (workspace_id, owner, idem_key) IN (
		SELECT workspace_id, owner, idem_key FROM idempotency_keys WHERE created_at < $1 LIMIT $2)`, millis(cutoff), limit)
	n, err := affected(res, err)
	return int(n), mapErr("store: delete old idempotency keys", err)
}
