package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// The moments of a ticket analytics count by: made, accepted by an agent,
// and closed (the columns that hold them).
const (
	TicketsMade     = "created_at"
	TicketsAccepted = "accepted_at"
	TicketsClosed   = "closed_at"
)

// ticketWhere is the condition of f's site, department and agent (the
// ticket's assignee), its arguments numbered from $4.
func ticketWhere(f AnalyticsFilter) (string, []any) {
	var where string
	var args []any
	for _, c := range []struct{ col, v string }{{"site_id", f.SiteID}, {"department_id", f.DepartmentID}, {"assignee_id", f.AgentID}} {
		if c.v != "" {
			args = append(args, c.v)
			where += fmt.Sprintf(" AND %s = $%d", c.col, len(args)+3)
		}
	}
	return where, args
}

// ticketCond is the condition of the tickets whose moment (TicketsMade,
// TicketsAccepted, TicketsClosed) is in [$2, $3); duplicates merged into
// another are not counted.
func ticketCond(moment string) (string, error) {
	cond := ""
	switch moment {
	case TicketsMade, TicketsAccepted:
	case TicketsClosed:
		cond = " AND status = 'closed'"
	default:
		return "", fmt.Errorf("store: no ticket moment %q", moment)
	}
	return fmt.Sprintf("workspace_id = $1%s AND %s >= $2 AND %s < $3 AND merged_into IS NULL", cond, moment, moment), nil
}

// ticketColumn is the rollups' column of a ticket moment.
var ticketColumn = map[string]string{TicketsMade: "made_tickets", TicketsAccepted: "accepted_tickets", TicketsClosed: "closed_tickets"}

// TicketSlots counts the period's tickets by the slot of their moment:
// the rolled whole days from the rollups, the rest from the tickets. A
// slot may come more than once (counts to add up).
func (s *Store) TicketSlots(ctx context.Context, workspaceID string, f AnalyticsFilter, moment string) ([]SlotCount, error) {
	return rolledThenRaw(ctx, s, workspaceID, f, func(dim string, a, b int64) ([]SlotCount, error) {
		col := ticketColumn[moment]
		rows, err := s.read.QueryContext(ctx, `SELECT slot, `+col+` FROM analytics_slots
			WHERE workspace_id = $1 AND dim = $2 AND slot >= $3 AND slot < $4 AND `+col+` > 0`, workspaceID, dim, a*slotsPerDay, b*slotsPerDay)
		return collect(rows, err, "store: rolled tickets", scanSlotCount)
	}, func(g AnalyticsFilter) ([]SlotCount, error) {
		q, args, err := ticketSlotsSQL(workspaceID, g, moment)
		if err != nil {
			return nil, err
		}
		rows, err := s.read.QueryContext(ctx, q, args...)
		return collect(rows, err, "store: tickets by "+moment, scanSlotCount)
	})
}

// TicketCount counts the period's tickets by their moment (the period
// before's totals).
func (s *Store) TicketCount(ctx context.Context, workspaceID string, f AnalyticsFilter, moment string) (int, error) {
	slots, err := s.TicketSlots(ctx, workspaceID, f, moment)
	n := 0
	for _, c := range slots {
		n += c.N
	}
	return n, err
}

// ticketSlotsSQL counts the tickets of f by the slot of their moment.
func ticketSlotsSQL(workspaceID string, f AnalyticsFilter, moment string) (string, []any, error) {
	cond, err := ticketCond(moment)
	if err != nil {
		return "", nil, err
	}
	where, args := ticketWhere(f)
	return fmt.Sprintf(`SELECT %s / %d, COUNT(*) FROM tickets WHERE %s%s GROUP BY %s / %d`, moment, SlotMillis, cond, where, moment, SlotMillis),
		append([]any{workspaceID, millis(f.From), millis(f.To)}, args...), nil
}

// TicketAcceptTimes spreads how long the period's tickets (made in it)
// waited to be accepted, in seconds as DurationBucket counts them.
func (s *Store) TicketAcceptTimes(ctx context.Context, workspaceID string, f AnalyticsFilter) ([]Took, error) {
	rows, err := s.daysOf(ctx, workspaceID, f, func(g AnalyticsFilter) (string, []any) {
		where, args := ticketWhere(g)
		cond, _ := ticketCond(TicketsMade)
		return `SELECT '', ` + ticketWait + `, COUNT(*), 0 FROM tickets WHERE ` + cond + ` AND accepted_at IS NOT NULL` + where + `
			GROUP BY ` + ticketWait, append([]any{workspaceID, millis(g.From), millis(g.To)}, args...)
	}, kindWait)
	out := make([]Took, 0, len(rows))
	for _, r := range rows {
		out = append(out, Took{Seconds: r.Seconds, Count: r.N})
	}
	return out, err
}

// SlotCount is a count of one slot.
type SlotCount struct {
	Slot int64
	N    int
}

// NewContacts counts the contacts made in [from, to) by slot (those merged
// into another are not counted: they are the same person).
func (s *Store) NewContacts(ctx context.Context, workspaceID string, from, to time.Time) ([]SlotCount, error) {
	rows, err := s.read.QueryContext(ctx, fmt.Sprintf(`SELECT created_at / %d, COUNT(*) FROM contacts
		WHERE workspace_id = $1 AND merged_into IS NULL AND created_at >= $2 AND created_at < $3 GROUP BY created_at / %d`, SlotMillis, SlotMillis),
		workspaceID, millis(from), millis(to))
	return collect(rows, err, "store: new contacts", scanSlotCount)
}

func scanSlotCount(sc scanner) (SlotCount, error) {
	var c SlotCount
	return c, sc.Scan(&c.Slot, &c.N)
}

// The states an agent is in for analytics: what it chose, except that an
// agent away or disabled is offline.
const (
	StateOnline  = "online"
	StateBusy    = "busy"
	StateOffline = "offline"
)

// AgentState is an agent's change to State at At.
type AgentState struct {
	AgentID string
	At      time.Time
	State   string
}

// AgentStates lists the agents' states over [from, to): for each agent of
// the workspace the state it was in at from (At is from; none for an agent
// made after it), then its changes in the period, by agent and time.
func (s *Store) AgentStates(ctx context.Context, workspaceID string, from, to time.Time) ([]AgentState, error) {
	// The state at from includes a change at from itself; the changes
	// after it follow (so no two rows of an agent share a time).
	rows, err := s.read.QueryContext(ctx, `SELECT a.id, CAST($2 AS BIGINT), (SELECT st.state FROM agent_states st WHERE st.agent_id = a.id AND st.at <= $2
			ORDER BY st.at DESC LIMIT 1) FROM agents a WHERE a.workspace_id = $1
		UNION ALL SELECT agent_id, at, state FROM agent_states WHERE workspace_id = $1 AND at > $2 AND at < $3
		ORDER BY 1, 2`, workspaceID, millis(from), millis(to))
	got, err := collect(rows, err, "store: agent states", func(sc scanner) (AgentState, error) {
		var st AgentState
		var at int64
		var state sql.NullString
		err := sc.Scan(&st.AgentID, &at, &state)
		st.At, st.State = time.UnixMilli(at), state.String
		return st, err
	})
	out := got[:0]
	for _, st := range got {
		if st.State != "" {
			out = append(out, st)
		}
	}
	return out, err
}

// DeleteOldAgentStates deletes the agents' states older than before,
// except each agent's last one before it (the state a later period
// starts in); it returns how many. A sweep over every workspace (the
// retention job): deleting twice is harmless.
func (s *Store) DeleteOldAgentStates(ctx context.Context, before time.Time) (int, error) {
	n, err := affected(s.write.ExecContext(ctx, `DELETE FROM agent_states WHERE at < $1
		AND at < (SELECT MAX(l.at) FROM agent_states l WHERE l.agent_id = agent_states.agent_id AND l.at < $1)`, millis(before)))
	return int(n), mapErr("store: delete old agent states", err)
}

// logAgentState records agent id's state at now when it differs from the
// last one recorded, in tx, after a change to its status, away or
// disabled.
func logAgentState(ctx context.Context, tx *sql.Tx, workspaceID, id string, now time.Time) error {
	const state = `CASE WHEN a.disabled OR a.away OR a.status = 'offline' THEN 'offline' ELSE a.status END`
	_, err := tx.ExecContext(ctx, `INSERT INTO agent_states (workspace_id, agent_id, at, state)
		SELECT a.workspace_id, a.id, $3, `+state+` FROM agents a WHERE a.workspace_id = $1 AND a.id = $2
			AND `+state+` IS DISTINCT FROM (SELECT st.state FROM agent_states st WHERE st.agent_id = a.id ORDER BY st.at DESC LIMIT 1)
		ON CONFLICT (agent_id, at) DO UPDATE SET state = excluded.state`, workspaceID, id, millis(now))
	return mapErr("store: agent state", err)
}
