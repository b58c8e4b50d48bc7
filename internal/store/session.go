package store

import (
	"context"
	"database/sql"
	"time"
)

// Session is a signed-in desk session. Only the SHA-256 of its token is
// stored, so a leaked database does not leak live sessions.
type Session struct {
	TokenHash   string
	WorkspaceID string
	AgentID     string
	CreatedAt   time.Time
	ExpiresAt   time.Time
	UserAgent   string
	IP          string
}

// CreateSession stores a session.
func (s *Store) CreateSession(ctx context.Context, ss Session) error {
	return s.inTx(ctx, "store: create session", func(tx *sql.Tx) error {
		if err := ownedBy(ctx, tx, "agents", ss.WorkspaceID, ss.AgentID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, workspace_id, agent_id, created_at, expires_at, user_agent, ip)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			ss.TokenHash, ss.WorkspaceID, ss.AgentID, millis(ss.CreatedAt), millis(ss.ExpiresAt), ss.UserAgent, ss.IP)
		return mapErr("store: create session", err)
	})
}

// SessionAgent finds the agent behind an unexpired session token hash. It is
// an entry point: the session establishes the workspace.
func (s *Store) SessionAgent(ctx context.Context, tokenHash string, now time.Time) (Session, Agent, error) {
	var (
		ss       Session
		cre, exp int64
	)
	err := s.read.QueryRowContext(ctx, `SELECT token_hash, workspace_id, agent_id, created_at, expires_at, user_agent, ip
		FROM sessions WHERE token_hash = $1 AND expires_at > $2`, tokenHash, millis(now)).
		Scan(&ss.TokenHash, &ss.WorkspaceID, &ss.AgentID, &cre, &exp, &ss.UserAgent, &ss.IP)
	if err != nil {
		return Session{}, Agent{}, mapErr("store: session", err)
	}
	ss.CreatedAt, ss.ExpiresAt = fromMillis(cre), fromMillis(exp)
	a, err := s.GetAgent(ctx, ss.WorkspaceID, ss.AgentID)
	return ss, a, err
}

// DeleteSession revokes one session (logout).
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	_, err := s.write.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, tokenHash)
	return mapErr("store: delete session", err)
}

// DeleteExpiredSessions removes sessions that expired before now.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.write.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, millis(now))
	if err != nil {
		return 0, mapErr("store: delete expired sessions", err)
	}
	return res.RowsAffected()
}

// SignedInFrom reports whether the agent holds an unexpired session made
// from ip: an address the account is known to sign in from, which the
// per-account sign-in limit does not hold back (auth.Login).
func (s *Store) SignedInFrom(ctx context.Context, workspaceID, agentID, ip string, now time.Time) (bool, error) {
	var n int
	err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions WHERE workspace_id = $1 AND agent_id = $2 AND ip = $3 AND expires_at > $4`,
		workspaceID, agentID, ip, millis(now)).Scan(&n)
	if err != nil {
		return false, mapErr("store: signed in from", err)
	}
	return n > 0, nil
}
