package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// The analytics rollups (migration 0027) hold, for every whole UTC day the
// timer runner has rolled, what a period's request would otherwise count
// from its conversations: chats by 15-minute slot, and by day an agent's
// chats and the spreads of first answers and resolutions. Days are rolled
// again when their chats change: a rolled day's chat that is still open,
// one that closed since the last pass, one reopened (analytics_dirty).
// Today is never rolled, so the live day is always read as it is.

// rollGrains are the lengths in days of the rows the rollups keep: days,
// and aligned blocks of 8 and 64 days summed from the grain below, so any
// run of days is at most 7 days, 7 blocks of 8 and the 64s in between.
var rollGrains = []int64{1, 8, 64}

// rollLease bounds how long a node holds a workspace's pass: another node
// takes it over after that if the first died.
const rollLease = 5 * time.Minute

// rollSlack re-reads the chats closed a little before the last pass, for
// nodes whose clocks differ.
const rollSlack = time.Minute

// changedDaysSQL finds the start days of the chats still open that began
// before $2 and changed from $3 on (a message or a transition: both set
// updated_at; the open chats are few, so it is a filter, not an index the
// live path would write), and the start and end days of those closed from
// $3 on.
var changedDaysSQL = fmt.Sprintf(`SELECT DISTINCT first_visitor_at / %d, 0, 0 FROM conversations
	WHERE workspace_id = $1 AND status IN ('open', 'pending', 'snoozed') AND (first_visitor_at + 0) < $2 AND updated_at >= $3
	UNION SELECT DISTINCT first_visitor_at / %d, closed_at / %d, 0 FROM conversations
	WHERE workspace_id = $1 AND status = 'closed' AND closed_at >= $3 AND (first_visitor_at + 0) IS NOT NULL`, DayMillis, DayMillis, DayMillis)

// changedTicketDaysSQL finds the days of the tickets changed from $2 on
// (made, accepted and closed; 0 for none).
var changedTicketDaysSQL = fmt.Sprintf(`SELECT created_at / %d, COALESCE(accepted_at / %d, 0), COALESCE(closed_at / %d, 0) FROM tickets
	WHERE workspace_id = $1 AND updated_at >= $2`, DayMillis, DayMillis, DayMillis)

// ticketRollSQL counts the tickets whose moment is in [$2, $3) by every
// dim (the workspace, and the ticket's site, department and assignee),
// as selects says, grouped by group.
func ticketRollSQL(moment, selects, extra, group string) string {
	cond, _ := ticketCond(moment)
	return `WITH t AS (SELECT site_id, department_id, assignee_id, created_at, accepted_at, closed_at FROM tickets WHERE ` + cond + `),
		dims AS (SELECT CAST('' AS TEXT) AS dim, t.* FROM t
			UNION ALL SELECT 's' || site_id, t.* FROM t WHERE site_id IS NOT NULL
			UNION ALL SELECT 'd' || department_id, t.* FROM t WHERE department_id IS NOT NULL
			UNION ALL SELECT 'a' || assignee_id, t.* FROM t WHERE assignee_id IS NOT NULL)
		SELECT dim, ` + selects + ` FROM dims WHERE 1 = 1` + extra + ` GROUP BY dim, ` + group
}

// The tickets' waits to be accepted, in seconds as DurationBucket counts
// them, of those made in the period.
var (
	ticketWait     = bucketSQL("((accepted_at - created_at) / 1000)")
	ticketWaitsSQL = ticketRollSQL(TicketsMade, "'', "+ticketWait+", COUNT(*), 0", " AND accepted_at IS NOT NULL", ticketWait)
)

const kindWait = "t"

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// span is a run of grain-day rows, days [from, to).
type span struct{ grain, from, to int64 }

// spans covers the days [a, b) with the fewest rows: the largest aligned
// grain that fits at each step, consecutive rows of a grain joined.
func spans(a, b int64) []span {
	var out []span
	for d := a; d < b; {
		g := int64(1)
		for _, c := range rollGrains {
			if d%c == 0 && d+c <= b {
				g = c
			}
		}
		if n := len(out); n > 0 && out[n-1].grain == g && out[n-1].to == d {
			out[n-1].to += g
		} else {
			out = append(out, span{g, d, d + g})
		}
		d += g
	}
	return out
}

// rollSQL is m's statement over the chats of [$2, $3) counted once per
// dim: for the whole workspace and for each chat's site, department and
// agent, the dim the first column.
func rollSQL(m measure) string {
	return `WITH chats AS (SELECT id, visitor_id, contact_id, site_id, department_id, assignee_id, first_responder_id, first_visitor_at,
			first_response_at, closed_at, status, agent_messages FROM conversations WHERE ` + periodCond(m.by) + `),
		dims AS (SELECT CAST('' AS TEXT) AS dim, chats.* FROM chats
			UNION ALL SELECT 's' || site_id, chats.* FROM chats
			UNION ALL SELECT 'd' || department_id, chats.* FROM chats WHERE department_id IS NOT NULL
			UNION ALL SELECT 'a' || ` + agentOf + `, chats.* FROM chats WHERE ` + agentOf + ` IS NOT NULL)
		SELECT dim, ` + m.selects + ` FROM dims c WHERE 1 = 1` + m.extra + ` GROUP BY dim, ` + m.group
}

// RollAnalytics brings every workspace's rollups up to date at now,
// rolling at most maxDays days of history in all (a new workspace, or
// every one after the upgrade, catches up over several passes, oldest
// first; until then its requests read the conversations). It returns how
// many days it rolled. A workspace with nothing to roll costs a few
// reads and no write.
func (s *Store) RollAnalytics(ctx context.Context, now time.Time, maxDays int) (int, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id FROM workspaces ORDER BY id`)
	ids, err := collect(rows, err, "store: roll analytics", func(sc scanner) (string, error) {
		var id string
		return id, sc.Scan(&id)
	})
	if err != nil {
		return 0, err
	}
	total, errs := 0, []error{}
	for _, id := range ids {
		// One workspace's failure leaves the others rolled.
		n, err := s.rollWorkspace(ctx, id, now, maxDays-total)
		total += n
		if err != nil {
			errs = append(errs, fmt.Errorf("store: roll analytics of %s: %w", id, err))
		}
	}
	return total, errors.Join(errs...)
}

// rollState is a workspace's row of analytics_rolled.
type rollState struct{ through, checked, lease int64 }

func (s *Store) rollWorkspace(ctx context.Context, ws string, now time.Time, budget int) (rolled int, err error) {
	today := millis(now) / DayMillis
	var st rollState
	err = s.read.QueryRowContext(ctx, `SELECT through_day, checked_at, leased_until FROM analytics_rolled WHERE workspace_id = $1`, ws).
		Scan(&st.through, &st.checked, &st.lease)
	if errors.Is(err, sql.ErrNoRows) {
		// A workspace rolled for the first time starts at its first chat
		// or ticket.
		st = rollState{through: today, checked: millis(now)}
		for _, q := range []string{`SELECT MIN(first_visitor_at) FROM conversations WHERE workspace_id = $1 AND first_visitor_at IS NOT NULL`,
			`SELECT MIN(created_at) FROM tickets WHERE workspace_id = $1`} {
			var first sql.NullInt64
			if err := s.read.QueryRowContext(ctx, q, ws).Scan(&first); err != nil {
				return 0, err
			}
			if first.Valid {
				st.through = min(first.Int64/DayMillis, st.through)
			}
		}
		_, err = s.write.ExecContext(ctx, `INSERT INTO analytics_rolled (workspace_id, through_day, checked_at) VALUES ($1, $2, $3)
			ON CONFLICT (workspace_id) DO NOTHING`, ws, st.through, st.checked)
	}
	if err != nil || st.lease > millis(now) {
		return 0, err // or another node holds it
	}

	// What there is to roll, found by reading: the rolled days of chats
	// that changed since the last pass (still open, or closed: always
	// rolled, as the pass moves checked_at on), the dirty marks and the
	// days not rolled yet (these two within budget, oldest first).
	days := map[int64]bool{}
	since := st.checked - rollSlack.Milliseconds()
	for _, q := range []struct {
		sql  string
		args []any
	}{{changedDaysSQL, []any{ws, st.through * DayMillis, since}}, {changedTicketDaysSQL, []any{ws, since}}} {
		rows, err := s.read.QueryContext(ctx, q.sql, q.args...)
		changed, err := collect(rows, err, "store: changed days", func(sc scanner) ([3]int64, error) {
			var p [3]int64
			return p, sc.Scan(&p[0], &p[1], &p[2])
		})
		if err != nil {
			return 0, err
		}
		for _, p := range changed {
			for _, d := range p {
				if d != 0 && d < st.through { // 0: none
					days[d] = true
				}
			}
		}
	}
	type mark struct{ id, day int64 }
	rows, err := s.read.QueryContext(ctx, `SELECT id, day FROM analytics_dirty WHERE workspace_id = $1 ORDER BY day, id LIMIT $2`, ws, max(budget, 0))
	marks, err := collect(rows, err, "store: dirty days", func(sc scanner) (mark, error) {
		var m mark
		return m, sc.Scan(&m.id, &m.day)
	})
	if err != nil {
		return 0, err
	}
	for _, m := range marks {
		if m.day < st.through {
			days[m.day] = true
		}
	}
	next := max(st.through, min(today, st.through+int64(max(budget-len(marks), 0))))
	for d := st.through; d < next; d++ {
		days[d] = true
	}
	if len(days) == 0 && len(marks) == 0 {
		return 0, nil
	}

	// The lease: one node rolls a workspace at a time. Its token is its
	// end: a node that outlived its lease neither commits nor releases
	// another's.
	token := millis(now.Add(rollLease))
	n, err := affected(s.write.ExecContext(ctx, `UPDATE analytics_rolled SET leased_until = $3 WHERE workspace_id = $1 AND leased_until <= $2`,
		ws, millis(now), token))
	if err != nil || n == 0 {
		return 0, err
	}
	defer func() {
		if err != nil { // released, for the next pass to try again
			_, _ = s.write.ExecContext(context.WithoutCancel(ctx), `UPDATE analytics_rolled SET leased_until = 0 WHERE workspace_id = $1 AND leased_until = $2`,
				ws, token)
		}
	}()

	// Every rolled day's blocks are summed again, changed or not: a pass
	// cut short after writing a day and before its blocks leaves them to
	// the next, which finds the day unchanged.
	blocks := map[int64]map[int64]bool{}
	for _, d := range slices.Sorted(maps.Keys(days)) {
		if _, err := s.rollDay(ctx, ws, d); err != nil {
			return 0, err
		}
		for _, g := range rollGrains[1:] {
			if blocks[g] == nil {
				blocks[g] = map[int64]bool{}
			}
			blocks[g][d-d%g] = true
		}
	}
	for i, g := range rollGrains[1:] {
		for _, b := range slices.Sorted(maps.Keys(blocks[g])) {
			if err := s.rollBlock(ctx, ws, g, rollGrains[i], b); err != nil {
				return 0, err
			}
		}
	}
	err = s.inTx(ctx, "store: rolled", func(tx *sql.Tx) error {
		for _, m := range marks { // those rolled; a mark made meanwhile stays for the next pass
			if _, err := tx.ExecContext(ctx, `DELETE FROM analytics_dirty WHERE id = $1`, m.id); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE analytics_rolled SET through_day = CASE WHEN through_day > $2 THEN through_day ELSE $2 END,
			checked_at = $3, leased_until = 0 WHERE workspace_id = $1 AND leased_until = $4`, ws, next, millis(now), token)
		return err
	})
	return len(days), err
}

// rollDay counts day's chats by every dim (reading the conversations),
// writes what differs from the day's rollup rows, and reports whether
// anything did.
func (s *Store) rollDay(ctx context.Context, ws string, day int64) (bool, error) {
	period := []any{ws, day * DayMillis, (day + 1) * DayMillis}
	type slotKey struct {
		dim  string
		slot int64
	}
	slots := map[slotKey]*ChatSlot{}
	slotOf := func(dim string, slot int64) *ChatSlot {
		k := slotKey{dim, slot}
		if slots[k] == nil {
			slots[k] = &ChatSlot{Slot: slot}
		}
		return slots[k]
	}
	type dimSlot struct {
		dim string
		ChatSlot
	}
	rows, err := s.read.QueryContext(ctx, rollSQL(startedSlots), period...)
	started, err := collect(rows, err, "store: roll chats started", func(sc scanner) (dimSlot, error) {
		var c dimSlot
		return c, sc.Scan(&c.dim, &c.Slot, &c.Started, &c.Answered, &c.Missed, &c.Returning)
	})
	if err != nil {
		return false, err
	}
	rows, err = s.read.QueryContext(ctx, rollSQL(closedSlots), period...)
	ended, err := collect(rows, err, "store: roll chats ended", func(sc scanner) (dimSlot, error) {
		var c dimSlot
		return c, sc.Scan(&c.dim, &c.Slot, &c.Closed)
	})
	if err != nil {
		return false, err
	}
	for i, moment := range []string{TicketsMade, TicketsAccepted, TicketsClosed} {
		rows, err := s.read.QueryContext(ctx, ticketRollSQL(moment, fmt.Sprintf("%s / %d, COUNT(*)", moment, SlotMillis), "",
			fmt.Sprintf("%s / %d", moment, SlotMillis)), period...)
		got, err := collect(rows, err, "store: roll tickets", func(sc scanner) (dimSlot, error) {
			var c dimSlot
			return c, sc.Scan(&c.dim, &c.Slot, &c.Started) // Started holds the count, moved below
		})
		if err != nil {
			return false, err
		}
		for _, c := range got {
			p := slotOf(c.dim, c.Slot)
			*[]*int{&p.Made, &p.Accepted, &p.ClosedTickets}[i] = c.Started
		}
	}
	for _, c := range started {
		p := slotOf(c.dim, c.Slot)
		p.Started, p.Answered, p.Missed, p.Returning = c.Started, c.Answered, c.Missed, c.Returning
	}
	for _, c := range ended {
		slotOf(c.dim, c.Slot).Closed = c.Closed
	}
	type dimRow struct {
		dim, kind string
		row       dayRow
	}
	var perDay []dimRow
	for _, k := range []struct {
		m    measure
		kind string
	}{{firstResponses, kindFirst}, {resolutions, kindClose}, {chatsByAgent, kindChats}, {measure{}, kindWait}} {
		q := ticketWaitsSQL
		if k.kind != kindWait {
			q = rollSQL(k.m)
		}
		rows, err := s.read.QueryContext(ctx, q, period...)
		got, err := collect(rows, err, "store: roll "+k.kind, func(sc scanner) (dimRow, error) {
			r := dimRow{kind: k.kind}
			var messages sql.NullInt64 // SUM of no rows
			err := sc.Scan(&r.dim, &r.row.AgentID, &r.row.Seconds, &r.row.N, &messages)
			r.row.Messages = int(messages.Int64)
			return r, err
		})
		if err != nil {
			return false, err
		}
		perDay = append(perDay, got...)
	}

	now := rollRows{}
	for k, c := range slots {
		now.add(slotsTable, []any{k.dim, c.Slot}, []any{c.Started, c.Answered, c.Missed, c.Closed, c.Returning, c.Made, c.Accepted, c.ClosedTickets})
	}
	for _, r := range perDay {
		now.add(daysTable, []any{r.dim, r.kind, int64(1), day, r.row.AgentID, r.row.Seconds}, []any{r.row.N, r.row.Messages})
	}
	was, err := s.rolledRows(ctx, slotsTable, `workspace_id = $1 AND slot >= $2 AND slot < $3`, ws, day*slotsPerDay, (day+1)*slotsPerDay)
	if err != nil {
		return false, err
	}
	days, err := s.rolledRows(ctx, daysTable, `workspace_id = $1 AND grain = 1 AND day = $2`, ws, day)
	if err != nil {
		return false, err
	}
	maps.Copy(was, days)
	return s.rewrite(ctx, ws, was, now)
}

// rollBlock brings the grain-day block starting at day to the sum of its
// rows of the grain below.
func (s *Store) rollBlock(ctx context.Context, ws string, grain, below, day int64) error {
	rows, err := s.read.QueryContext(ctx, `SELECT dim, kind, agent_id, seconds, SUM(n), SUM(messages) FROM analytics_days
		WHERE workspace_id = $1 AND grain = $2 AND day >= $3 AND day < $4 GROUP BY dim, kind, agent_id, seconds`, ws, below, day, day+grain)
	now := rollRows{}
	if err := scanRows(rows, err, "store: roll block", func(sc scanner) error {
		var dim, kind, agent string
		var seconds, n, messages int64
		if err := sc.Scan(&dim, &kind, &agent, &seconds, &n, &messages); err != nil {
			return err
		}
		now.add(daysTable, []any{dim, kind, grain, day, agent, seconds}, []any{n, messages})
		return nil
	}); err != nil {
		return err
	}
	was, err := s.rolledRows(ctx, daysTable, `workspace_id = $1 AND grain = $2 AND day = $3`, ws, grain, day)
	if err != nil {
		return err
	}
	_, err = s.rewrite(ctx, ws, was, now)
	return err
}

// A rollTable is a rollup table: its key columns after workspace_id, and
// its counts.
type rollTable struct {
	name         string
	keys, counts []string
}

var (
	slotsTable = &rollTable{"analytics_slots", []string{"dim", "slot"}, []string{"started", "answered", "missed", "closed", "returning_chats",
		"made_tickets", "accepted_tickets", "closed_tickets"}}
	daysTable = &rollTable{"analytics_days", []string{"dim", "kind", "grain", "day", "agent_id", "seconds"}, []string{"n", "messages"}}
)

// rollRow is a row of a rollup table.
type rollRow struct {
	table       *rollTable
	key, counts []any
}

// rollRows are rows by table and key.
type rollRows map[string]rollRow

func (r rollRows) add(t *rollTable, key, counts []any) {
	r[fmt.Sprintf("%s%#v", t.name, key)] = rollRow{t, key, counts}
}

// rolledRows reads the rows of t that match where ($1 the workspace).
func (s *Store) rolledRows(ctx context.Context, t *rollTable, where string, args ...any) (rollRows, error) {
	cols := append(append([]string{}, t.keys...), t.counts...)
	rows, err := s.read.QueryContext(ctx, `SELECT `+strings.Join(cols, ", ")+` FROM `+t.name+` WHERE `+where, args...)
	out := rollRows{}
	err = scanRows(rows, err, "store: rolled rows", func(sc scanner) error {
		key, counts := make([]any, len(t.keys)), make([]any, len(t.counts))
		dest := make([]any, len(cols))
		for i, c := range t.keys {
			if c == "dim" || c == "kind" || c == "agent_id" {
				dest[i] = new(string)
			} else {
				dest[i] = new(int64)
			}
		}
		for i := range t.counts {
			dest[len(t.keys)+i] = new(int64)
		}
		if err := sc.Scan(dest...); err != nil {
			return err
		}
		for i := range key {
			key[i] = pointee(dest[i])
		}
		for i := range counts {
			counts[i] = pointee(dest[len(t.keys)+i])
		}
		out.add(t, key, counts)
		return nil
	})
	return out, err
}

func pointee(p any) any {
	switch v := p.(type) {
	case *string:
		return *v
	case *int64:
		return *v
	}
	return p
}

// rewriteBatch bounds the rows one transaction writes, so that rolling a
// busy day never holds the database's writer from the live path for long.
const rewriteBatch = 200

// rewrite writes what differs between the rows that were and those that
// are now (inserted or updated, and deleted), a batch to a transaction,
// and reports whether anything did.
func (s *Store) rewrite(ctx context.Context, ws string, was, now rollRows) (bool, error) {
	var put, gone []rollRow
	for k, r := range now {
		if w, ok := was[k]; !ok || fmt.Sprint(w.counts...) != fmt.Sprint(r.counts...) {
			put = append(put, r)
		}
	}
	for k, w := range was {
		if _, ok := now[k]; !ok {
			gone = append(gone, w)
		}
	}
	// A statement writes a run of one table's rows.
	slices.SortFunc(put, func(x, y rollRow) int { return strings.Compare(x.table.name, y.table.name) })
	changed := len(put) > 0 || len(gone) > 0
	for len(put) > 0 || len(gone) > 0 {
		n := 0
		err := s.inTx(ctx, "store: roll", func(tx *sql.Tx) error {
			// Writes first, then deletions: a request reading a day being
			// rewritten over several transactions may count a moved chat
			// twice for a moment, never lose one.
			for len(put) > 0 && n < rewriteBatch {
				t, i := put[0].table, 0
				for i < len(put) && put[i].table == t && n < rewriteBatch {
					i, n = i+1, n+1
				}
				if err := upsertRows(ctx, tx, ws, put[:i]); err != nil {
					return err
				}
				put = put[i:]
			}
			for ; len(gone) > 0 && n < rewriteBatch; n++ {
				r := gone[0]
				gone = gone[1:]
				conds, args := []string{"workspace_id = $1"}, []any{ws}
				for i, c := range r.table.keys {
					args = append(args, r.key[i])
					conds = append(conds, fmt.Sprintf("%s = $%d", c, len(args)))
				}
				if _, err := tx.ExecContext(ctx, `DELETE FROM `+r.table.name+` WHERE `+strings.Join(conds, " AND "), args...); err != nil {
					return fmt.Errorf("store: roll: delete from %s: %w", r.table.name, err)
				}
			}
			return nil
		})
		if err != nil {
			return false, err
		}
	}
	return changed, nil
}

// upsertRows writes rows of one table in one statement.
func upsertRows(ctx context.Context, tx *sql.Tx, ws string, rows []rollRow) error {
	t := rows[0].table
	var b strings.Builder
	var args []any
	for i, r := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j, v := range append(append([]any{ws}, r.key...), r.counts...) {
			if j > 0 {
				b.WriteString(", ")
			}
			args = append(args, v)
			fmt.Fprintf(&b, "$%d", len(args))
		}
		b.WriteByte(')')
	}
	set := make([]string, len(t.counts))
	for i, c := range t.counts {
		set[i] = c + " = excluded." + c
	}
	cols := "workspace_id, " + strings.Join(t.keys, ", ") + ", " + strings.Join(t.counts, ", ")
	_, err := tx.ExecContext(ctx, `INSERT INTO `+t.name+` (`+cols+`) VALUES `+b.String()+`
		ON CONFLICT (workspace_id, `+strings.Join(t.keys, ", ")+`) DO UPDATE SET `+strings.Join(set, ", "), args...)
	if err != nil {
		return fmt.Errorf("store: roll: write %s: %w", t.name, err)
	}
	return nil
}

// markRolledChats has the runner roll again the days the chats matching
// cond ($1 the workspace, then args) started and ended on: a change to
// them it cannot find by itself (a reopened chat's end cleared, a chat
// deleted or moved to another agent, department or contact).
func markRolledChats(ctx context.Context, tx *sql.Tx, ws, cond string, args ...any) error {
	_, err := tx.ExecContext(ctx, fmt.Sprintf(`INSERT INTO analytics_dirty (workspace_id, day)
		SELECT workspace_id, first_visitor_at / %d FROM conversations WHERE workspace_id = $1 AND first_visitor_at IS NOT NULL AND %s
		UNION SELECT workspace_id, closed_at / %d FROM conversations WHERE workspace_id = $1 AND status = 'closed' AND %s`, DayMillis, cond, DayMillis, cond),
		append([]any{ws}, args...)...)
	return mapErr("store: mark rolled days", err)
}

// markRolledTickets has the runner roll again the days the tickets
// matching cond ($1 the workspace, then args) were made, accepted and
// closed on, before a change that clears one of them, moves them or
// deletes them. freed marks their duplicates' days too, for a deletion:
// a deleted ticket's duplicates are freed (merged_into set null) and
// counted again.
func markRolledTickets(ctx context.Context, tx *sql.Tx, ws string, freed bool, cond string, args ...any) error {
	var parts []string
	for _, col := range []string{"created_at", "accepted_at", "closed_at"} {
		from := "FROM tickets WHERE workspace_id = $1 AND " + col + " IS NOT NULL AND "
		parts = append(parts, fmt.Sprintf("SELECT workspace_id, %s / %d %s(%s)", col, DayMillis, from, cond))
		if freed {
			parts = append(parts, fmt.Sprintf("SELECT workspace_id, %s / %d %smerged_into IN (SELECT id FROM tickets WHERE workspace_id = $1 AND %s)",
				col, DayMillis, from, cond))
		}
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO analytics_dirty (workspace_id, day) `+strings.Join(parts, " UNION "), append([]any{ws}, args...)...)
	return mapErr("store: mark rolled ticket days", err)
}

// scanRows calls scan for every row.
func scanRows(rows *sql.Rows, err error, op string, scan func(scanner) error) error {
	_, err = collect(rows, err, op, func(sc scanner) (struct{}, error) { return struct{}{}, scan(sc) })
	return err
}
