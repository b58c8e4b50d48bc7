package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// AnalyticsFilter narrows the conversations analytics read: those of a
// period [From, To), of a site, a department, an agent (the one who held
// the chat or gave its first answer), each "" for any.
type AnalyticsFilter struct {
	From, To                      time.Time
	SiteID, DepartmentID, AgentID string
}

// ConversationFact is what analytics read of one conversation.
type ConversationFact struct {
	CreatedAt       time.Time
	FirstResponseAt *time.Time
	ClosedAt        *time.Time
	Closed          bool
	// AgentID is who handled it: its agent, else who first answered.
	AgentID          string
	FirstResponderID string
	AgentMessages    int
}

// analyticsWhere is f's condition after the time column's, with its
// arguments numbered from $4 ($1 workspace, $2 and $3 the period).
func analyticsWhere(f AnalyticsFilter) (string, []any) {
	var where string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where += fmt.Sprintf(" AND "+cond, len(args)+3)
	}
	if f.SiteID != "" {
		add("site_id = $%d", f.SiteID)
	}
	if f.DepartmentID != "" {
		add("department_id = $%d", f.DepartmentID)
	}
	if f.AgentID != "" {
		args = append(args, f.AgentID)
		n := len(args) + 3
		where += fmt.Sprintf(" AND (assignee_id = $%d OR (assignee_id IS NULL AND first_responder_id = $%d))", n, n)
	}
	return where, args
}

// ConversationsStarted reads the facts of the conversations that started
// in the filter's period.
func (s *Store) ConversationsStarted(ctx context.Context, workspaceID string, f AnalyticsFilter) ([]ConversationFact, error) {
	where, args := analyticsWhere(f)
	rows, err := s.read.QueryContext(ctx, `SELECT created_at, first_response_at, closed_at, status = 'closed',
		COALESCE(assignee_id, first_responder_id, ''), COALESCE(first_responder_id, ''), agent_messages
		FROM conversations WHERE workspace_id = $1 AND created_at >= $2 AND created_at < $3`+where,
		append([]any{workspaceID, millis(f.From), millis(f.To)}, args...)...)
	return collect(rows, err, "store: conversations started", scanFact)
}

// ConversationsEnded reads the facts of the conversations that closed in
// the filter's period (and are closed still).
func (s *Store) ConversationsEnded(ctx context.Context, workspaceID string, f AnalyticsFilter) ([]ConversationFact, error) {
	where, args := analyticsWhere(f)
	rows, err := s.read.QueryContext(ctx, `SELECT created_at, first_response_at, closed_at, status = 'closed',
		COALESCE(assignee_id, first_responder_id, ''), COALESCE(first_responder_id, ''), agent_messages
		FROM conversations WHERE workspace_id = $1 AND status = 'closed' AND closed_at >= $2 AND closed_at < $3`+where,
		append([]any{workspaceID, millis(f.From), millis(f.To)}, args...)...)
	return collect(rows, err, "store: conversations ended", scanFact)
}

func scanFact(sc scanner) (ConversationFact, error) {
	var (
		f               ConversationFact
		created         int64
		answered, ended sql.NullInt64
	)
	if err := sc.Scan(&created, &answered, &ended, &f.Closed, &f.AgentID, &f.FirstResponderID, &f.AgentMessages); err != nil {
		return ConversationFact{}, err
	}
	f.CreatedAt, f.FirstResponseAt, f.ClosedAt = fromMillis(created), optTime(answered), optTime(ended)
	return f, nil
}
