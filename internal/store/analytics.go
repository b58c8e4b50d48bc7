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

// DayMillis is a UTC day, the unit the rollups keep.
const DayMillis = 24 * 60 * 60 * 1000

// ChatSlot counts the chats of one slot (its start is Slot·SlotMillis,
// Unix milliseconds): started in it, of those answered and missed (ended
// unanswered), and ended in it.
type ChatSlot struct {
	Slot                              int64
	Started, Answered, Missed, Closed int
	// Returning: of those started, the chats of visitors who had begun
	// one before (by visitor or by contact).
	Returning int
	// The tickets made, accepted and closed in the slot (rollups only:
	// TicketSlots reads them).
	Made, Accepted, ClosedTickets int
}

// Took counts the chats that took Seconds (as DurationBucket counts
// them): the spread of a duration in as many rows as there are distinct
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

// DurationBucket is how analytics count a duration of s seconds: to the
// second under two minutes, then to 5 s up to ten minutes, to 30 s up to
// an hour, to the minute up to a day and to ten minutes beyond (at most
// 4 % short), so that a year of one agent's answers is a few hundred
// counts rather than one per chat. bucketSQL is the same in SQL.
func DurationBucket(s int64) int64 {
	for _, b := range durationSteps {
		if s < b.below {
			return s - s%b.step
		}
	}
	return s - s%600
}

var durationSteps = []struct{ below, step int64 }{{120, 1}, {600, 5}, {3600, 30}, {86400, 60}}

// bucketSQL is DurationBucket of the SQL expression s (whole seconds).
func bucketSQL(s string) string {
	q := "CASE"
	for _, b := range durationSteps {
		if b.step == 1 {
			q += fmt.Sprintf(" WHEN %s < %d THEN %s", s, b.below, s)
			continue
		}
		q += fmt.Sprintf(" WHEN %s < %d THEN %s - %s %% %d", s, b.below, s, s, b.step)
	}
	return q + fmt.Sprintf(" ELSE %s - %s %% 600 END", s, s)
}

// A measure is one count analytics take of a period's chats: those that
// started in it (by is "first_visitor_at": when the visitor first wrote)
// or ended ("closed_at", closed ones only), counted as selects says and
// grouped by group. The same measure reads the conversations of a partial
// day and rolls whole days into the rollups, so both count alike.
type measure struct{ by, selects, extra, group string }

var (
	firstSeconds = bucketSQL("((first_response_at - first_visitor_at) / 1000)")
	closeSeconds = bucketSQL("((closed_at - first_visitor_at) / 1000)")
	agentOf      = "COALESCE(assignee_id, first_responder_id)"

	// A returning visitor had begun a chat before, under its visitor id
	// (the same browser) or its contact (the same person elsewhere).
	returning = `CASE WHEN EXISTS (SELECT 1 FROM conversations p WHERE p.visitor_id = c.visitor_id AND p.first_visitor_at < c.first_visitor_at)
		OR (c.contact_id IS NOT NULL AND EXISTS (SELECT 1 FROM conversations p WHERE p.contact_id = c.contact_id AND p.first_visitor_at < c.first_visitor_at))
		THEN 1 ELSE 0 END`
	startedSlots = measure{"first_visitor_at", fmt.Sprintf(`first_visitor_at / %d, COUNT(*), COUNT(first_response_at),
		SUM(CASE WHEN first_response_at IS NULL AND status = 'closed' THEN 1 ELSE 0 END), SUM(%s)`, SlotMillis, returning), "",
		fmt.Sprintf("first_visitor_at / %d", SlotMillis)}
	closedSlots    = measure{"closed_at", fmt.Sprintf("closed_at / %d, COUNT(*)", SlotMillis), "", fmt.Sprintf("closed_at / %d", SlotMillis)}
	firstResponses = measure{"first_visitor_at", "COALESCE(first_responder_id, ''), " + firstSeconds + ", COUNT(*), 0",
		" AND first_response_at IS NOT NULL", "COALESCE(first_responder_id, ''), " + firstSeconds}
	resolutions  = measure{"closed_at", "'', " + closeSeconds + ", COUNT(*), 0", "", closeSeconds}
	chatsByAgent = measure{"first_visitor_at", agentOf + ", 0, COUNT(*), SUM(agent_messages)", " AND " + agentOf + " IS NOT NULL", agentOf}
)

// The rollups' kinds of day rows, by measure.
const (
	kindChats = "c"
	kindFirst = "f"
	kindClose = "r"
)

// periodCond is the condition of a measure's chats in [$2, $3) of workspace $1.
func periodCond(by string) string {
	if by == "closed_at" {
		// "+ 0": a term the planner cannot answer from the index by start
		// (SQLite took it, and read every chat of the workspace).
		return `workspace_id = $1 AND status = 'closed' AND closed_at >= $2 AND closed_at < $3 AND (first_visitor_at + 0) IS NOT NULL`
	}
	// A chat whose visitor never wrote (an ignored invitation) is no chat.
	return `workspace_id = $1 AND first_visitor_at >= $2 AND first_visitor_at < $3`
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
		add(agentOf+" = $%d", f.AgentID)
	}
	return where, args
}

// analyticsSQL is m's statement over the conversations of f's period: the
// database does the counting, so what comes back is a few rows per slot
// or duration, never a row per chat.
func analyticsSQL(workspaceID string, f AnalyticsFilter, m measure) (string, []any) {
	where, args := analyticsWhere(f)
	return `SELECT ` + m.selects + ` FROM conversations c WHERE ` + periodCond(m.by) + where + m.extra + ` GROUP BY ` + m.group,
		append([]any{workspaceID, millis(f.From), millis(f.To)}, args...)
}

// dim is the rollups' name of f's filter: "" for none, "s", "d" or "a"
// and the id for one; ok is false for two or more, which the rollups do
// not keep (such a period is read from the conversations).
func (f AnalyticsFilter) dim() (dim string, ok bool) {
	n := 0
	for _, d := range []struct{ prefix, id string }{{"s", f.SiteID}, {"d", f.DepartmentID}, {"a", f.AgentID}} {
		if d.id != "" {
			dim, n = d.prefix+d.id, n+1
		}
	}
	return dim, n <= 1
}

// split parts f's period into what the rollups answer, the whole UTC days
// [a, b) the workspace is rolled through, and the rest (at most two
// spans) read from the conversations.
func (s *Store) split(ctx context.Context, workspaceID string, f AnalyticsFilter) (a, b int64, raw []AnalyticsFilter, err error) {
	from, to := millis(f.From), millis(f.To)
	if _, ok := f.dim(); !ok || to <= from {
		return 0, 0, []AnalyticsFilter{f}, nil
	}
	var through int64
	err = s.read.QueryRowContext(ctx, `SELECT through_day FROM analytics_rolled WHERE workspace_id = $1`, workspaceID).Scan(&through)
	if err == sql.ErrNoRows {
		return 0, 0, []AnalyticsFilter{f}, nil
	}
	if err != nil {
		return 0, 0, nil, fmt.Errorf("store: analytics rolled: %w", err)
	}
	a, b = (from+DayMillis-1)/DayMillis, min(to/DayMillis, through)
	if b <= a {
		return 0, 0, []AnalyticsFilter{f}, nil
	}
	span := func(x, y int64) AnalyticsFilter {
		g := f
		g.From, g.To = time.UnixMilli(x), time.UnixMilli(y)
		return g
	}
	if from < a*DayMillis {
		raw = append(raw, span(from, a*DayMillis))
	}
	if b*DayMillis < to {
		raw = append(raw, span(b*DayMillis, to))
	}
	return a, b, raw, nil
}

// rolledThenRaw reads f's period: rolled(dim, a, b) for the whole UTC
// days [a, b) the rollups hold, then raw(g) for each span left, the rows
// of both in one list (a slot or a key may come more than once: counts
// to add up).
func rolledThenRaw[T any](ctx context.Context, s *Store, workspaceID string, f AnalyticsFilter,
	rolled func(dim string, a, b int64) ([]T, error), raw func(g AnalyticsFilter) ([]T, error)) ([]T, error) {
	a, b, rest, err := s.split(ctx, workspaceID, f)
	if err != nil {
		return nil, err
	}
	var out []T
	if b > a {
		dim, _ := f.dim()
		if out, err = rolled(dim, a, b); err != nil {
			return nil, err
		}
	}
	for _, g := range rest {
		more, err := raw(g)
		if err != nil {
			return nil, err
		}
		out = append(out, more...)
	}
	return out, nil
}

// ChatSlots counts a period's chats by slot: those that started in it
// (with how many of them were answered and missed) and those that ended.
// A slot may come more than once (counts to add up).
func (s *Store) ChatSlots(ctx context.Context, workspaceID string, f AnalyticsFilter) ([]ChatSlot, error) {
	return rolledThenRaw(ctx, s, workspaceID, f, func(dim string, a, b int64) ([]ChatSlot, error) {
		rows, err := s.read.QueryContext(ctx, `SELECT slot, started, answered, missed, closed, returning_chats FROM analytics_slots
			WHERE workspace_id = $1 AND dim = $2 AND slot >= $3 AND slot < $4`, workspaceID, dim, a*slotsPerDay, b*slotsPerDay)
		return collect(rows, err, "store: rolled chats", func(sc scanner) (ChatSlot, error) {
			var c ChatSlot
			return c, sc.Scan(&c.Slot, &c.Started, &c.Answered, &c.Missed, &c.Closed, &c.Returning)
		})
	}, func(g AnalyticsFilter) ([]ChatSlot, error) {
		started, ended, err := s.rawSlots(ctx, s.read, workspaceID, g)
		return append(started, ended...), err
	})
}

const slotsPerDay = DayMillis / SlotMillis

// rawSlots counts the chats of f by slot, started and ended, from the
// conversations.
func (s *Store) rawSlots(ctx context.Context, q querier, workspaceID string, f AnalyticsFilter) (started, ended []ChatSlot, err error) {
	query, args := analyticsSQL(workspaceID, f, startedSlots)
	rows, err := q.QueryContext(ctx, query, args...)
	started, err = collect(rows, err, "store: chats started", func(sc scanner) (ChatSlot, error) {
		var c ChatSlot
		return c, sc.Scan(&c.Slot, &c.Started, &c.Answered, &c.Missed, &c.Returning)
	})
	if err != nil {
		return nil, nil, err
	}
	query, args = analyticsSQL(workspaceID, f, closedSlots)
	rows, err = q.QueryContext(ctx, query, args...)
	ended, err = collect(rows, err, "store: chats ended", func(sc scanner) (ChatSlot, error) {
		var c ChatSlot
		return c, sc.Scan(&c.Slot, &c.Closed)
	})
	return started, ended, err
}

// dayRow is a row of a per-day measure: an agent's (or "") count of a
// duration's bucket (or 0), and its messages.
type dayRow struct {
	AgentID     string
	Seconds     int64
	N, Messages int
}

// daysOf reads a per-day measure (its rollups' kind) for f's period: the
// rolled whole days from the rollups, the rest as raw's statement counts.
func (s *Store) daysOf(ctx context.Context, workspaceID string, f AnalyticsFilter, raw func(AnalyticsFilter) (string, []any), kind string) ([]dayRow, error) {
	return rolledThenRaw(ctx, s, workspaceID, f, func(dim string, a, b int64) ([]dayRow, error) {
		args := []any{workspaceID, dim, kind}
		var parts string
		for _, sp := range spans(a, b) {
			if parts != "" {
				parts += " UNION ALL "
			}
			args = append(args, sp.grain, sp.from, sp.to)
			n := len(args)
			parts += fmt.Sprintf(`SELECT agent_id, seconds, n, messages FROM analytics_days
				WHERE workspace_id = $1 AND dim = $2 AND kind = $3 AND grain = $%d AND day >= $%d AND day < $%d`, n-2, n-1, n)
		}
		rows, err := s.read.QueryContext(ctx, `SELECT agent_id, seconds, SUM(n), SUM(messages) FROM (`+parts+`) r GROUP BY agent_id, seconds`, args...)
		return collect(rows, err, "store: rolled days", scanDayRow)
	}, func(g AnalyticsFilter) ([]dayRow, error) {
		query, args := raw(g)
		rows, err := s.read.QueryContext(ctx, query, args...)
		return collect(rows, err, "store: analytics", scanDayRow)
	})
}

func scanDayRow(sc scanner) (dayRow, error) {
	var r dayRow
	var messages sql.NullInt64 // SUM of no rows
	err := sc.Scan(&r.AgentID, &r.Seconds, &r.N, &messages)
	r.Messages = int(messages.Int64)
	return r, err
}

// FirstResponses spreads the first answers' times (from the visitor's
// first words) of the chats that started in the period, each agent's
// apart. An agent may come more than once for a duration (counts to add).
func (s *Store) FirstResponses(ctx context.Context, workspaceID string, f AnalyticsFilter) ([]Took, error) {
	return s.took(ctx, workspaceID, f, firstResponses, kindFirst)
}

// Resolutions spreads the times from the visitor's first words to the
// end of the chats that ended in the period.
func (s *Store) Resolutions(ctx context.Context, workspaceID string, f AnalyticsFilter) ([]Took, error) {
	return s.took(ctx, workspaceID, f, resolutions, kindClose)
}

func (s *Store) took(ctx context.Context, workspaceID string, f AnalyticsFilter, m measure, kind string) ([]Took, error) {
	rows, err := s.daysOf(ctx, workspaceID, f, func(g AnalyticsFilter) (string, []any) { return analyticsSQL(workspaceID, g, m) }, kind)
	out := make([]Took, 0, len(rows))
	for _, r := range rows {
		out = append(out, Took{AgentID: r.AgentID, Seconds: r.Seconds, Count: r.N})
	}
	return out, err
}

// ChatsByAgent counts the chats that started in the period by the agent
// who held them, else who answered first (chats of neither are left out).
// An agent may come more than once (counts to add up).
func (s *Store) ChatsByAgent(ctx context.Context, workspaceID string, f AnalyticsFilter) ([]AgentChats, error) {
	rows, err := s.daysOf(ctx, workspaceID, f, func(g AnalyticsFilter) (string, []any) { return analyticsSQL(workspaceID, g, chatsByAgent) }, kindChats)
	out := make([]AgentChats, 0, len(rows))
	for _, r := range rows {
		out = append(out, AgentChats{AgentID: r.AgentID, Chats: r.N, Messages: r.Messages})
	}
	return out, err
}
