package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// Workspace is a tenant: everything else belongs to exactly one.
type Workspace struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Settings  Settings  `json:"settings"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Settings are a workspace's preferences as stored. A zero field means
// "use the default" (the defaults are a rule of package workspace:
// workspace.Effective), so rows written by older binaries keep working
// when a setting is added.
type Settings struct {
	// InactivityCloseMinutes closes a live chat with no activity for this
	// long. Negative disables it.
	InactivityCloseMinutes int `json:"inactivity_close_minutes,omitempty"`
	// PendingCloseMinutes closes a pending chat after this long.
	PendingCloseMinutes int `json:"pending_close_minutes,omitempty"`
	// ReplyTimeoutSeconds reassigns a chat its agent has not answered in
	// this long. Negative disables it.
	ReplyTimeoutSeconds int `json:"reply_timeout_seconds,omitempty"`
	// DefaultMaxChats is an agent's concurrent chat limit when the agent
	// has none of its own.
	DefaultMaxChats int `json:"default_max_chats,omitempty"`
	// VisitorTTLSeconds is how long a visitor stays "online" after its last
	// heartbeat.
	VisitorTTLSeconds int `json:"visitor_ttl_seconds,omitempty"`
	// ClosedRetentionDays deletes closed conversations, with their
	// messages, this many days after they closed. 0 (the default) keeps
	// them.
	ClosedRetentionDays int `json:"closed_retention_days,omitempty"`
	// TicketAfterSeconds turns a chat that no agent took within this long
	// of the visitor's message into a ticket (sooner when no agent who
	// could take it is online). Negative disables it.
	TicketAfterSeconds int `json:"ticket_after_seconds,omitempty"`
	// FileMaxMB bounds one attachment, in MiB. -1 turns attachments off.
	FileMaxMB int `json:"file_max_mb,omitempty"`
	// FilesPerConversation bounds the attachments of one conversation.
	FilesPerConversation int `json:"files_per_conversation,omitempty"`
	// FileTypes lists the kinds of file that may be attached (package
	// file: image, pdf, text, document, archive, audio, video); empty: the
	// default kinds.
	FileTypes []string `json:"file_types,omitempty"`
	// TicketTypes are the types a ticket may have (question, bug, …);
	// empty: the default list.
	TicketTypes []string `json:"ticket_types,omitempty"`
	// TimeZone is the workspace's IANA time zone: analytics count days and
	// hours in it. "": UTC.
	TimeZone string `json:"time_zone,omitempty"`
}

// CreateWorkspace inserts a workspace.
func (s *Store) CreateWorkspace(ctx context.Context, name string, now time.Time) (Workspace, error) {
	w := Workspace{ID: NewID(), Name: name, CreatedAt: stored(now), UpdatedAt: stored(now)}
	set, _ := json.Marshal(w.Settings)
	_, err := s.write.ExecContext(ctx, `INSERT INTO workspaces (id, name, settings, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $4)`, w.ID, name, string(set), millis(now))
	if err != nil {
		return Workspace{}, mapErr("store: create workspace", err)
	}
	return w, nil
}

// GetWorkspace reads one workspace.
func (s *Store) GetWorkspace(ctx context.Context, id string) (Workspace, error) {
	var (
		w        Workspace
		set      string
		cre, upd int64
	)
	err := s.readRow(ctx, qGetWorkspace, id).Scan(&w.ID, &w.Name, &set, &cre, &upd)
	if err != nil {
		return Workspace{}, mapErr("store: get workspace", err)
	}
	if err := json.Unmarshal([]byte(set), &w.Settings); err != nil {
		return Workspace{}, fmt.Errorf("store: workspace %s settings: %w", id, err)
	}
	w.CreatedAt, w.UpdatedAt = fromMillis(cre), fromMillis(upd)
	return w, nil
}

// UpdateWorkspace stores a workspace's name and settings.
func (s *Store) UpdateWorkspace(ctx context.Context, w Workspace, now time.Time) error {
	set, err := json.Marshal(w.Settings)
	if err != nil {
		return fmt.Errorf("store: encode settings: %w", err)
	}
	res, err := s.write.ExecContext(ctx, `UPDATE workspaces SET name = $2, settings = $3, updated_at = $4 WHERE id = $1`,
		w.ID, w.Name, string(set), millis(now))
	return mustAffect("store: update workspace", res, err)
}

// CountWorkspaces tells a first start (zero) from a later one.
func (s *Store) CountWorkspaces(ctx context.Context) (int, error) {
	var n int
	if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM workspaces`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count workspaces: %w", err)
	}
	return n, nil
}

// FirstWorkspace returns the oldest workspace, the one a first start made.
func (s *Store) FirstWorkspace(ctx context.Context) (Workspace, error) {
	var id string
	err := s.read.QueryRowContext(ctx, `SELECT id FROM workspaces ORDER BY created_at, id LIMIT 1`).Scan(&id)
	if err != nil {
		return Workspace{}, mapErr("store: first workspace", err)
	}
	return s.GetWorkspace(ctx, id)
}

// scanner is what *sql.Row and *sql.Rows have in common.
type scanner interface{ Scan(dest ...any) error }

// collect scans every row with scan.
func collect[T any](rows *sql.Rows, err error, op string, scan func(scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, mapErr(op, err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: scan: %w", op, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}
