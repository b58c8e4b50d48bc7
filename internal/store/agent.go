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

// Agent is a person who answers chats in the desk.
type Agent struct {
	ID           string `json:"id"`
	WorkspaceID  string `json:"workspace_id"`
	Email        string `json:"email"`
	Name         string `json:"name"`
	Role         string `json:"role"`
	PasswordHash string `json:"-"`
	MaxChats     int    `json:"max_chats"` // 0: the workspace default
	Status       string `json:"status"`
	// Away: every desk of the agent has been gone for the grace period.
	// The agent is offered no chats meanwhile; Status is what it chose,
	// and applies again when a desk returns.
	Away bool `json:"away"`
	// Disabled: cannot sign in, has no sessions, is offered no chats.
	Disabled          bool      `json:"disabled"`
	StatusChangedAt   time.Time `json:"status_changed_at"`
	PasswordChangedAt time.Time `json:"-"`
	DepartmentIDs     []string  `json:"department_ids"`
	// Grants are the permissions given to the agent beyond its role's
	// (package auth's Grantable names).
	Grants []string `json:"grants"`
	// AvatarAt is when the agent's avatar last changed; nil: none (the
	// desk and the widget show initials).
	AvatarAt  *time.Time `json:"avatar_at,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

// agentInsertColumns are the columns an insert sets; agentColumns are
// those every read scans (scanAgent).
const (
	agentInsertColumns = `id, workspace_id, email, name, role, password_hash, max_chats, status, status_changed_at,
	password_changed_at, created_at, updated_at`
	agentColumns = agentInsertColumns + `, away, disabled, grants, avatar_at`
)

func scanAgent(sc scanner) (Agent, error) {
	var (
		a                  Agent
		stat, pw, cre, upd int64
		grants             string
		avatar             sql.NullInt64
	)
	err := sc.Scan(&a.ID, &a.WorkspaceID, &a.Email, &a.Name, &a.Role, &a.PasswordHash, &a.MaxChats, &a.Status,
		&stat, &pw, &cre, &upd, &a.Away, &a.Disabled, &grants, &avatar)
	a.AvatarAt = optTime(avatar)
	a.Grants = slices.Clip(append([]string{}, strings.Fields(grants)...))
	a.StatusChangedAt, a.PasswordChangedAt = fromMillis(stat), fromMillis(pw)
	a.CreatedAt, a.UpdatedAt = fromMillis(cre), fromMillis(upd)
	a.DepartmentIDs = []string{}
	return a, err
}

// NormalizeEmail is how e-mails are compared and stored: trimmed, lower case.
func NormalizeEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

// CreateAgent inserts an agent and its department memberships.
func (s *Store) CreateAgent(ctx context.Context, a Agent, now time.Time) (Agent, error) {
	a.ID, a.Email = NewID(), NormalizeEmail(a.Email)
	if a.Status == "" {
		a.Status = "offline"
	}
	err := s.inTx(ctx, "store: create agent", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO agents (`+agentInsertColumns+`, grants)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $9, $9, $10)`,
			a.ID, a.WorkspaceID, a.Email, a.Name, a.Role, a.PasswordHash, a.MaxChats, a.Status, millis(now), strings.Join(a.Grants, " "))
		if err != nil {
			return mapErr("store: create agent", err)
		}
		if err := logAgentState(ctx, tx, a.WorkspaceID, a.ID, now); err != nil {
			return err
		}
		return setMemberships(ctx, tx, a.WorkspaceID, a.ID, a.DepartmentIDs)
	})
	if err != nil {
		return Agent{}, err
	}
	return s.GetAgent(ctx, a.WorkspaceID, a.ID)
}

// setMemberships replaces an agent's departments; every department must be
// in the agent's workspace.
func setMemberships(ctx context.Context, tx *sql.Tx, workspaceID, agentID string, deptIDs []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM department_members WHERE workspace_id = $1 AND agent_id = $2`, workspaceID, agentID); err != nil {
		return mapErr("store: clear memberships", err)
	}
	for _, d := range deptIDs {
		if err := ownedBy(ctx, tx, "departments", workspaceID, d); err != nil {
			return fmt.Errorf("store: department %s: %w", d, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO department_members (workspace_id, department_id, agent_id)
			VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, workspaceID, d, agentID); err != nil {
			return mapErr("store: add membership", err)
		}
	}
	return nil
}

// GetAgent reads one agent of a workspace, with its departments.
func (s *Store) GetAgent(ctx context.Context, workspaceID, id string) (Agent, error) {
	a, err := scanAgent(s.read.QueryRowContext(ctx, `SELECT `+agentColumns+` FROM agents WHERE workspace_id = $1 AND id = $2`, workspaceID, id))
	if err != nil {
		return Agent{}, mapErr("store: get agent", err)
	}
	return s.withDepartments(ctx, a)
}

// AgentByEmail finds an agent by login e-mail. It is an entry point (login),
// so it is not scoped by workspace; e-mails are unique across workspaces.
func (s *Store) AgentByEmail(ctx context.Context, email string) (Agent, error) {
	a, err := scanAgent(s.read.QueryRowContext(ctx, `SELECT `+agentColumns+` FROM agents WHERE email = $1`, NormalizeEmail(email)))
	if err != nil {
		return Agent{}, mapErr("store: agent by email", err)
	}
	return s.withDepartments(ctx, a)
}

func (s *Store) withDepartments(ctx context.Context, a Agent) (Agent, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT department_id FROM department_members WHERE workspace_id = $1 AND agent_id = $2 ORDER BY department_id`,
		a.WorkspaceID, a.ID)
	ids, err := collect(rows, err, "store: agent departments", func(sc scanner) (string, error) {
		var id string
		return id, sc.Scan(&id)
	})
	a.DepartmentIDs = ids
	return a, err
}

// ListAgents lists a workspace's agents by name, with their departments.
func (s *Store) ListAgents(ctx context.Context, workspaceID string) ([]Agent, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+agentColumns+` FROM agents WHERE workspace_id = $1 ORDER BY name, id`, workspaceID)
	agents, err := collect(rows, err, "store: list agents", scanAgent)
	if err != nil {
		return nil, err
	}
	rows, err = s.read.QueryContext(ctx, `SELECT agent_id, department_id FROM department_members WHERE workspace_id = $1 ORDER BY department_id`, workspaceID)
	pairs, err := collect(rows, err, "store: list memberships", func(sc scanner) ([2]string, error) {
		var p [2]string
		return p, sc.Scan(&p[0], &p[1])
	})
	if err != nil {
		return nil, err
	}
	idx := make(map[string]int, len(agents))
	for i, a := range agents {
		idx[a.ID] = i
	}
	for _, p := range pairs {
		if i, ok := idx[p[0]]; ok {
			agents[i].DepartmentIDs = append(agents[i].DepartmentIDs, p[1])
		}
	}
	return agents, nil
}

// UpdateAgent stores an agent's profile, role, limit and departments (not
// its password or status, which have their own methods).
func (s *Store) UpdateAgent(ctx context.Context, a Agent, now time.Time) (Agent, error) {
	err := s.inTx(ctx, "store: update agent", func(tx *sql.Tx) error {
		if a.Role != "owner" {
			if err := s.keepAnOwner(ctx, tx, a.WorkspaceID, a.ID); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, `UPDATE agents SET email = $3, name = $4, role = $5, max_chats = $6, updated_at = $7, grants = $8
			WHERE workspace_id = $1 AND id = $2`, a.WorkspaceID, a.ID, NormalizeEmail(a.Email), a.Name, a.Role, a.MaxChats, millis(now),
			strings.Join(a.Grants, " "))
		if err := mustAffect("store: update agent", res, err); err != nil {
			return err
		}
		return setMemberships(ctx, tx, a.WorkspaceID, a.ID, a.DepartmentIDs)
	})
	if err != nil {
		return Agent{}, err
	}
	return s.GetAgent(ctx, a.WorkspaceID, a.ID)
}

// SetAgentPassword stores a new password hash and revokes every session of
// the agent except keepSession (the token hash of the session that made the
// change; "" revokes all).
func (s *Store) SetAgentPassword(ctx context.Context, workspaceID, id, hash, keepSession string, now time.Time) error {
	return s.inTx(ctx, "store: set password", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE agents SET password_hash = $3, password_changed_at = $4, updated_at = $4
			WHERE workspace_id = $1 AND id = $2`, workspaceID, id, hash, millis(now))
		if err := mustAffect("store: set password", res, err); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM sessions WHERE workspace_id = $1 AND agent_id = $2 AND token_hash <> $3`,
			workspaceID, id, keepSession)
		return mapErr("store: revoke sessions", err)
	})
}

// SetAgentStatus stores an agent's availability (online, busy, offline).
func (s *Store) SetAgentStatus(ctx context.Context, workspaceID, id, status string, now time.Time) error {
	return s.inTx(ctx, "store: set agent status", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE agents SET status = $3, status_changed_at = $4 WHERE workspace_id = $1 AND id = $2`,
			workspaceID, id, status, millis(now))
		if err := mustAffect("store: set agent status", res, err); err != nil {
			return err
		}
		return logAgentState(ctx, tx, workspaceID, id, now)
	})
}

// SetAgentDisabled disables an agent (its sessions are deleted and its
// status set offline, in the same transaction) or enables it again.
func (s *Store) SetAgentDisabled(ctx context.Context, workspaceID, id string, disabled bool, now time.Time) error {
	return s.inTx(ctx, "store: disable agent", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE agents SET disabled = $3, updated_at = $4,
			status = CASE WHEN $3 THEN 'offline' ELSE status END WHERE workspace_id = $1 AND id = $2`,
			workspaceID, id, disabled, millis(now))
		if err := mustAffect("store: disable agent", res, err); err != nil {
			return err
		}
		if err := logAgentState(ctx, tx, workspaceID, id, now); err != nil || !disabled {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE agent_id = $1`, id); err != nil {
			return mapErr("store: disable agent: sessions", err)
		}
		return nil
	})
}

// TouchDesk records that a desk of the agent is connected now (its hello,
// its hang-up, a heartbeat that found it away) and brings it back when it
// was away; back reports that it was.
func (s *Store) TouchDesk(ctx context.Context, workspaceID, id string, now time.Time) (back bool, err error) {
	// Every desk ping lands here: the usual case (not away) is one statement.
	res, err := s.write.ExecContext(ctx, `UPDATE agents SET desk_seen_at = $3
		WHERE workspace_id = $1 AND id = $2 AND away = $4`, workspaceID, id, millis(now), false)
	if n, err := affected(res, err); err != nil || n == 1 {
		return false, mapErr("store: touch desk", err)
	}
	var n int64
	err = s.inTx(ctx, "store: touch desk", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE agents SET away = $3, desk_seen_at = $4
			WHERE workspace_id = $1 AND id = $2 AND away = $5`, workspaceID, id, false, millis(now), true)
		if n, err = affected(res, err); err != nil || n == 0 {
			return mapErr("store: touch desk", err)
		}
		return logAgentState(ctx, tx, workspaceID, id, now)
	})
	if err != nil {
		return false, err
	}
	if n == 0 {
		// No such agent here, or another desk brought it back meanwhile.
		_, err := s.GetAgent(ctx, workspaceID, id)
		return false, err
	}
	return true, nil
}

// TouchDesks records that the given agents of a workspace have a desk
// connected now (a node's heartbeat for its sockets), in one statement
// per 500 agents. It returns those of them that are away, which it does
// not touch: the caller brings each back (TouchDesk) and announces it.
func (s *Store) TouchDesks(ctx context.Context, workspaceID string, ids []string, now time.Time) (away []string, err error) {
	for start := 0; start < len(ids); start += 500 {
		part := ids[start:min(start+500, len(ids))]
		args := []any{workspaceID, millis(now), false}
		marks := make([]string, len(part))
		for i, id := range part {
			args = append(args, id)
			marks[i] = fmt.Sprintf("$%d", len(args))
		}
		in := strings.Join(marks, ", ")
		res, err := s.write.ExecContext(ctx, `UPDATE agents SET desk_seen_at = $2
			WHERE workspace_id = $1 AND away = $3 AND id IN (`+in+`)`, args...)
		n, err := affected(res, err)
		if err != nil {
			return nil, mapErr("store: touch desks", err)
		}
		if int(n) == len(part) {
			continue
		}
		// Rare: an agent marked away while its desk was connected (a
		// node's heartbeat late past the grace period).
		args[2] = true
		rows, err := s.read.QueryContext(ctx, `SELECT id FROM agents
			WHERE workspace_id = $1 AND (desk_seen_at IS NULL OR desk_seen_at <= $2) AND away = $3 AND id IN (`+in+`) ORDER BY id`, args...)
		got, err := collect(rows, err, "store: touch desks", func(r scanner) (string, error) {
			var id string
			return id, r.Scan(&id)
		})
		if err != nil {
			return nil, err
		}
		away = append(away, got...)
	}
	return away, nil
}

// AbsentAgents lists a workspace's agents that chose online or busy, are
// not away yet, and whose desks were last seen before cutoff (or never).
func (s *Store) AbsentAgents(ctx context.Context, workspaceID string, cutoff time.Time) ([]Agent, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+agentColumns+` FROM agents
		WHERE workspace_id = $1 AND status IN ('online', 'busy') AND away = $2
			AND (desk_seen_at IS NULL OR desk_seen_at < $3) ORDER BY id`, workspaceID, false, millis(cutoff))
	return collect(rows, err, "store: absent agents", scanAgent)
}

// MarkAway marks an agent away when it still meets AbsentAgents' terms
// for cutoff; ok reports that this call did it (of two nodes, one does).
func (s *Store) MarkAway(ctx context.Context, workspaceID, id string, cutoff, now time.Time) (ok bool, err error) {
	var n int64
	err = s.inTx(ctx, "store: mark away", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE agents SET away = $3
			WHERE workspace_id = $1 AND id = $2 AND away = $4 AND status IN ('online', 'busy')
				AND (desk_seen_at IS NULL OR desk_seen_at < $5)`, workspaceID, id, true, false, millis(cutoff))
		if n, err = affected(res, err); err != nil || n == 0 {
			return mapErr("store: mark away", err)
		}
		return logAgentState(ctx, tx, workspaceID, id, now)
	})
	if err != nil {
		return false, err
	}
	if n == 0 {
		if _, err := s.GetAgent(ctx, workspaceID, id); err != nil {
			return false, err
		}
	}
	return n == 1, nil
}

// DeleteAgent removes an agent; its sessions and memberships go with it and
// its conversations become unassigned.
func (s *Store) DeleteAgent(ctx context.Context, workspaceID, id string, now time.Time) error {
	return s.inTx(ctx, "store: delete agent", func(tx *sql.Tx) error {
		if err := s.keepAnOwner(ctx, tx, workspaceID, id); err != nil {
			return err
		}
		// Its chats count for whoever answered them first now.
		if err := markRolledChats(ctx, tx, workspaceID, "(assignee_id = $2 OR first_responder_id = $2)", id); err != nil {
			return err
		}
		if err := markRolledTickets(ctx, tx, workspaceID, false, "assignee_id = $2", id); err != nil {
			return err
		}
		// Its chats and tickets become unassigned (the foreign keys would
		// do it too, but silently): webhooks report each.
		rows, err := tx.QueryContext(ctx, `UPDATE conversations SET assignee_id = NULL, assigned_at = NULL
			WHERE workspace_id = $1 AND assignee_id = $2 RETURNING `+conversationColumns, workspaceID, id)
		freed, err := collect(rows, err, "store: free agent's chats", scanConversation)
		if err != nil {
			return err
		}
		for _, c := range freed {
			if err := hookConversation(ctx, tx, EventConversationAssigned, c, now); err != nil {
				return err
			}
		}
		rows, err = tx.QueryContext(ctx, `UPDATE tickets SET assignee_id = NULL WHERE workspace_id = $1 AND assignee_id = $2 RETURNING id`,
			workspaceID, id)
		tickets, err := collect(rows, err, "store: free agent's tickets", scanString)
		if err != nil {
			return err
		}
		for _, t := range tickets {
			if err := hookTicket(ctx, tx, EventTicketUpdated, workspaceID, t, now); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM agents WHERE workspace_id = $1 AND id = $2`, workspaceID, id)
		return mustAffect("store: delete agent", res, err)
	})
}

// ErrLastOwner refuses a change that would leave a workspace without an
// owner. It is checked inside the changing transaction, so two owners
// demoting each other at once cannot both succeed.
var ErrLastOwner = errors.New("store: the workspace's last owner")

// keepAnOwner fails with ErrLastOwner when agent id is its workspace's
// only owner, in tx, before tx demotes or deletes it. On PostgreSQL it
// locks the owners' rows first, so concurrent demotions serialize and the
// second sees the first; SQLite's single writer serializes them already.
// (An integrity rule, kept here like a constraint: the store cannot let
// it be broken between a domain's check and its write.)
func (s *Store) keepAnOwner(ctx context.Context, tx *sql.Tx, workspaceID, id string) error {
	q := `SELECT id FROM agents WHERE workspace_id = $1 AND role = 'owner'`
	if s.dialect == Postgres {
		q += ` FOR UPDATE`
	}
	rows, err := tx.QueryContext(ctx, q, workspaceID)
	if err != nil {
		return mapErr("store: owners", err)
	}
	defer rows.Close()
	n, isOwner := 0, false
	for rows.Next() {
		var oid string
		if err := rows.Scan(&oid); err != nil {
			return mapErr("store: owners", err)
		}
		n++
		isOwner = isOwner || oid == id
	}
	if err := rows.Err(); err != nil {
		return mapErr("store: owners", err)
	}
	if isOwner && n == 1 {
		return ErrLastOwner
	}
	return nil
}

// CountAgentsWithRole counts a workspace's agents of one role (to keep the
// last owner from being removed).
func (s *Store) CountAgentsWithRole(ctx context.Context, workspaceID, role string) (int, error) {
	var n int
	err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM agents WHERE workspace_id = $1 AND role = $2`, workspaceID, role).Scan(&n)
	if err != nil {
		return 0, mapErr("store: count agents", err)
	}
	return n, nil
}

// ReadMarkers returns how far an agent has read each of the given
// conversations of its workspace (those it never read are absent).
func (s *Store) ReadMarkers(ctx context.Context, workspaceID, agentID string, conversationIDs []string) (map[string]int64, error) {
	out := make(map[string]int64, len(conversationIDs))
	for start := 0; start < len(conversationIDs); start += 500 {
		part := conversationIDs[start:min(start+500, len(conversationIDs))]
		args := []any{workspaceID, agentID}
		marks := make([]string, len(part))
		for i, id := range part {
			args = append(args, id)
			marks[i] = fmt.Sprintf("$%d", len(args))
		}
		rows, err := s.read.QueryContext(ctx, `SELECT conversation_id, seq FROM agent_reads
			WHERE workspace_id = $1 AND agent_id = $2 AND conversation_id IN (`+strings.Join(marks, ", ")+`)`, args...)
		if err != nil {
			return nil, mapErr("store: read markers", err)
		}
		for rows.Next() {
			var id string
			var seq int64
			if err := rows.Scan(&id, &seq); err != nil {
				rows.Close()
				return nil, mapErr("store: read markers", err)
			}
			out[id] = seq
		}
		if err := rows.Close(); err != nil {
			return nil, mapErr("store: read markers", err)
		}
		if err := rows.Err(); err != nil {
			return nil, mapErr("store: read markers", err)
		}
	}
	return out, nil
}

// SetAgentAvatar stores an agent's avatar (an image of contentType), or
// removes it (data nil), and returns the agent with its new AvatarAt.
func (s *Store) SetAgentAvatar(ctx context.Context, workspaceID, agentID, contentType string, data []byte, now time.Time) (Agent, error) {
	var out Agent
	err := s.inTx(ctx, "store: set agent avatar", func(tx *sql.Tx) error {
		at := sql.NullInt64{Int64: millis(now), Valid: data != nil}
		res, err := tx.ExecContext(ctx, `UPDATE agents SET avatar_at = $3, updated_at = $4 WHERE workspace_id = $1 AND id = $2`,
			workspaceID, agentID, at, millis(now))
		if err := mustAffect("store: set agent avatar", res, err); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM agent_avatars WHERE agent_id = $1`, agentID); err != nil {
			return mapErr("store: set agent avatar", err)
		}
		if data != nil {
			if _, err := tx.ExecContext(ctx, `INSERT INTO agent_avatars (agent_id, workspace_id, content_type, data) VALUES ($1, $2, $3, $4)`,
				agentID, workspaceID, contentType, data); err != nil {
				return mapErr("store: set agent avatar", err)
			}
		}
		return nil
	})
	if err != nil {
		return Agent{}, err
	}
	out, err = s.GetAgent(ctx, workspaceID, agentID)
	return out, err
}

// AgentAvatar reads an agent's avatar image (ErrNotFound: none).
func (s *Store) AgentAvatar(ctx context.Context, workspaceID, agentID string) (contentType string, data []byte, err error) {
	err = s.read.QueryRowContext(ctx, `SELECT content_type, data FROM agent_avatars WHERE workspace_id = $1 AND agent_id = $2`,
		workspaceID, agentID).Scan(&contentType, &data)
	return contentType, data, mapErr("store: agent avatar", err)
}
