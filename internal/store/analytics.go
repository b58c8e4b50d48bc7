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

// SlotMillis is the length of the slots analytics count chats in: every
// time zone's offset is a multiple of 15 minutes, so each slot falls in
// one local hour of one local day, wherever the workspace is.
const SlotMillis = 15 * 60 * 1000

// ChatSlot counts the chats of one slot (its start is Slot·SlotMillis,
// Unix milliseconds): started in it, of those answered and missed (ended
// unanswered), and ended in it.
type ChatSlot struct {
	Slot                              int64
	Started, Answered, Missed, Closed int
}

// Took counts the chats that took Seconds (whole seconds): the spread of
// a duration, exact to the second, in as many rows as there are distinct
// durations rather than chats. AgentID, where it is asked for, is whose.
type Took struct {
	AgentID string
	Seconds int64
	Count   int
}

// AgentChats is an agent's chats of a period (started in it, held or
// first answered by it) and the agents' texts and files in them.
type AgentChats struct {
	AgentID  string
	Chats    int
	Messages int
}

// analyticsWhere is the condition of f's site, department and agent, its
// arguments numbered from $4 ($1 the workspace, $2 and $3 the period).
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

// analyticsQuery runs one aggregate over the chats that started (by is
// "first_visitor_at": when the visitor first wrote) or ended ("closed_at",
// closed ones only) in f's period; the database does the counting, so what comes back is a few
// rows per slot or duration, never a row per chat.
func (s *Store) analyticsQuery(ctx context.Context, workspaceID string, f AnalyticsFilter, by, selects, extra, group string) (*sql.Rows, error) {
	q, args := analyticsSQL(workspaceID, f, by, selects, extra, group)
	return s.read.QueryContext(ctx, q, args...)
}

// analyticsSQL is analyticsQuery's statement and arguments.
func analyticsSQL(workspaceID string, f AnalyticsFilter, by, selects, extra, group string) (string, []any) {
	where, args := analyticsWhere(f)
	// A chat whose visitor never wrote (an ignored invitation) is no chat.
	cond := `workspace_id = $1 AND first_visitor_at >= $2 AND first_visitor_at < $3`
	if by == "closed_at" {
		// "+ 0": a term the planner cannot answer from the index by start
		// (SQLite took it, and read every chat of the workspace).
		cond = `workspace_id = $1 AND status = 'closed' AND closed_at >= $2 AND closed_at < $3 AND (first_visitor_at + 0) IS NOT NULL`
	}
	return `SELECT ` + selects + ` FROM conversations WHERE ` + cond + where + extra + ` GROUP BY ` + group,
		append([]any{workspaceID, millis(f.From), millis(f.To)}, args...)
}

// ChatSlots counts a period's chats by slot: those that started in it
// (with how many of them were answered and missed) and those that ended.
func (s *Store) ChatSlots(ctx context.Context, workspaceID string, f AnalyticsFilter) ([]ChatSlot, error) {
	slot := fmt.Sprint(SlotMillis)
	rows, err := s.analyticsQuery(ctx, workspaceID, f, "first_visitor_at", `first_visitor_at / `+slot+`, COUNT(*),
		COUNT(first_response_at), SUM(CASE WHEN first_response_at IS NULL AND status = 'closed' THEN 1 ELSE 0 END)`, "", "first_visitor_at / "+slot)
	started, err := collect(rows, err, "store: chats started", func(sc scanner) (ChatSlot, error) {
		var c ChatSlot
		return c, sc.Scan(&c.Slot, &c.Started, &c.Answered, &c.Missed)
	})
	if err != nil {
		return nil, err
	}
	rows, err = s.analyticsQuery(ctx, workspaceID, f, "closed_at", `closed_at / `+slot+`, COUNT(*)`, "", "closed_at / "+slot)
	ended, err := collect(rows, err, "store: chats ended", func(sc scanner) (ChatSlot, error) {
		var c ChatSlot
		return c, sc.Scan(&c.Slot, &c.Closed)
	})
	return append(started, ended...), err
}

// FirstResponses spreads the first answers' times (from the visitor's
// first words) of the chats that started in the period, each agent's
// apart.
func (s *Store) FirstResponses(ctx context.Context, workspaceID string, f AnalyticsFilter) ([]Took, error) {
	rows, err := s.analyticsQuery(ctx, workspaceID, f, "first_visitor_at",
		`COALESCE(first_responder_id, ''), (first_response_at - first_visitor_at) / 1000, COUNT(*)`, ` AND first_response_at IS NOT NULL`,
		`COALESCE(first_responder_id, ''), (first_response_at - first_visitor_at) / 1000`)
	return collect(rows, err, "store: first responses", scanTook)
}

// Resolutions spreads the times from the visitor's first words to the
// end of the chats that ended in the period.
func (s *Store) Resolutions(ctx context.Context, workspaceID string, f AnalyticsFilter) ([]Took, error) {
	rows, err := s.analyticsQuery(ctx, workspaceID, f, "closed_at", `'', (closed_at - first_visitor_at) / 1000, COUNT(*)`, "",
		`(closed_at - first_visitor_at) / 1000`)
	return collect(rows, err, "store: resolutions", scanTook)
}

// ChatsByAgent counts the chats that started in the period by the agent
// who held them, else who answered first (chats of neither are left out).
func (s *Store) ChatsByAgent(ctx context.Context, workspaceID string, f AnalyticsFilter) ([]AgentChats, error) {
	rows, err := s.analyticsQuery(ctx, workspaceID, f, "first_visitor_at",
		`COALESCE(assignee_id, first_responder_id), COUNT(*), SUM(agent_messages)`, ` AND COALESCE(assignee_id, first_responder_id) IS NOT NULL`,
		`COALESCE(assignee_id, first_responder_id)`)
	return collect(rows, err, "store: chats by agent", func(sc scanner) (AgentChats, error) {
		var a AgentChats
		return a, sc.Scan(&a.AgentID, &a.Chats, &a.Messages)
	})
}

func scanTook(sc scanner) (Took, error) {
	var t Took
	return t, sc.Scan(&t.AgentID, &t.Seconds, &t.Count)
}
