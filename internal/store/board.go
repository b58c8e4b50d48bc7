package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Board is a view of the workspace's tickets by column (issue 15). The
// first board that is not archived is the default: a ticket no agent has
// placed yet shows there, in the first column of its stage.
type Board struct {
	ID          string     `json:"id"`
	WorkspaceID string     `json:"workspace_id"`
	Name        string     `json:"name"`
	Position    int        `json:"position"`
	ArchivedAt  *time.Time `json:"archived_at,omitempty"`
	Columns     []Column   `json:"columns"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// Column is one column of a board, mapped to a ticket stage.
type Column struct {
	ID         string     `json:"id"`
	BoardID    string     `json:"board_id"`
	Name       string     `json:"name"`
	Stage      string     `json:"stage"`
	Position   int        `json:"position"`
	ArchivedAt *time.Time `json:"archived_at,omitempty"`
}

const boardColumns = `id, workspace_id, name, position, archived_at, created_at, updated_at`

func scanBoard(sc scanner) (Board, error) {
	var (
		b        Board
		archived sql.NullInt64
		cre, upd int64
	)
	err := sc.Scan(&b.ID, &b.WorkspaceID, &b.Name, &b.Position, &archived, &cre, &upd)
	b.ArchivedAt, b.CreatedAt, b.UpdatedAt, b.Columns = optTime(archived), fromMillis(cre), fromMillis(upd), []Column{}
	return b, err
}

func scanColumn(sc scanner) (Column, error) {
	var (
		c        Column
		archived sql.NullInt64
	)
	err := sc.Scan(&c.ID, &c.BoardID, &c.Name, &c.Stage, &c.Position, &archived)
	c.ArchivedAt = optTime(archived)
	return c, err
}

// ListBoards reads the workspace's boards, by position, each with its
// columns by position; archived ones (boards and columns) only with all.
func (s *Store) ListBoards(ctx context.Context, workspaceID string, all bool) ([]Board, error) {
	live := ""
	if !all {
		live = " AND archived_at IS NULL"
	}
	rows, err := s.read.QueryContext(ctx, `SELECT `+boardColumns+` FROM boards WHERE workspace_id = $1`+live+` ORDER BY position, id`, workspaceID)
	boards, err := collect(rows, err, "store: list boards", scanBoard)
	if err != nil {
		return nil, err
	}
	rows, err = s.read.QueryContext(ctx, `SELECT id, board_id, name, stage, position, archived_at FROM board_columns
		WHERE workspace_id = $1`+live+` ORDER BY position, id`, workspaceID)
	cols, err := collect(rows, err, "store: list columns", scanColumn)
	if err != nil {
		return nil, err
	}
	for i := range boards {
		for _, c := range cols {
			if c.BoardID == boards[i].ID {
				boards[i].Columns = append(boards[i].Columns, c)
			}
		}
	}
	return boards, nil
}

// GetBoard reads one of the workspace's boards with its columns (archived
// ones included).
func (s *Store) GetBoard(ctx context.Context, workspaceID, id string) (Board, error) {
	b, err := scanBoard(s.read.QueryRowContext(ctx, `SELECT `+boardColumns+` FROM boards WHERE workspace_id = $1 AND id = $2`, workspaceID, id))
	if err != nil {
		return Board{}, mapErr("store: get board", err)
	}
	rows, err := s.read.QueryContext(ctx, `SELECT id, board_id, name, stage, position, archived_at FROM board_columns
		WHERE workspace_id = $1 AND board_id = $2 ORDER BY position, id`, workspaceID, id)
	b.Columns, err = collect(rows, err, "store: board columns", scanColumn)
	return b, err
}

// CreateBoard adds a board after the others, with columns in the order
// given (their ids and positions are made here). When first is set it is
// made only if the workspace has no board yet (the default board a
// workspace starts with; ErrConflict when one exists).
func (s *Store) CreateBoard(ctx context.Context, workspaceID, name string, columns []Column, first bool, now time.Time) (Board, error) {
	b := Board{ID: NewID(), WorkspaceID: workspaceID, Name: name, CreatedAt: stored(now), UpdatedAt: stored(now), Columns: []Column{}}
	err := s.inTx(ctx, "store: create board", func(tx *sql.Tx) error {
		// The workspace's row serializes board changes (PostgreSQL; SQLite
		// has one writer), so two first boards are never made at once.
		if err := lockWorkspace(ctx, tx, workspaceID); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MAX(position) + 1, 0) FROM boards WHERE workspace_id = $1`,
			workspaceID).Scan(&n, &b.Position); err != nil {
			return mapErr("store: create board", err)
		}
		if first && n > 0 {
			return fmt.Errorf("store: a first board: %w", ErrConflict)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO boards (id, workspace_id, name, position, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $5)`, b.ID, workspaceID, name, b.Position, millis(now)); err != nil {
			return mapErr("store: create board", err)
		}
		for i, c := range columns {
			c.ID, c.BoardID, c.Position = NewID(), b.ID, i
			if err := insertColumn(ctx, tx, workspaceID, c, now); err != nil {
				return err
			}
			b.Columns = append(b.Columns, c)
		}
		return nil
	})
	return b, err
}

func lockWorkspace(ctx context.Context, tx *sql.Tx, workspaceID string) error {
	res, err := tx.ExecContext(ctx, `UPDATE workspaces SET updated_at = updated_at WHERE id = $1`, workspaceID)
	return mustAffect("store: lock workspace", res, err)
}

func insertColumn(ctx context.Context, tx *sql.Tx, workspaceID string, c Column, now time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO board_columns (id, workspace_id, board_id, name, stage, position, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, c.ID, workspaceID, c.BoardID, c.Name, c.Stage, c.Position, millis(now))
	return mapErr("store: create column", err)
}

// ErrLastBoard means the workspace's last board that is not archived
// would be archived: its tickets would show nowhere.
var ErrLastBoard = errors.New("store: the last board")

// UpdateBoard stores a board's name and whether it is archived. Archiving
// takes its tickets off their places (they show on the default board by
// stage again); the last board that is not archived stays (ErrLastBoard).
func (s *Store) UpdateBoard(ctx context.Context, workspaceID, id, name string, archived bool, now time.Time) (Board, error) {
	err := s.inTx(ctx, "store: update board", func(tx *sql.Tx) error {
		if err := lockWorkspace(ctx, tx, workspaceID); err != nil {
			return err
		}
		if archived {
			var others int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM boards WHERE workspace_id = $1 AND id <> $2 AND archived_at IS NULL`,
				workspaceID, id).Scan(&others); err != nil {
				return mapErr("store: update board", err)
			}
			if others == 0 {
				return ErrLastBoard
			}
		}
		res, err := tx.ExecContext(ctx, `UPDATE boards SET name = $3, updated_at = $4,
			archived_at = CASE WHEN $5 THEN COALESCE(archived_at, CAST($4 AS BIGINT)) END WHERE workspace_id = $1 AND id = $2`,
			workspaceID, id, name, millis(now), archived)
		if err := mustAffect("store: update board", res, err); err != nil {
			return err
		}
		if archived {
			if _, err := tx.ExecContext(ctx, `UPDATE tickets SET board_id = NULL, column_id = NULL, rank = NULL
				WHERE workspace_id = $1 AND board_id = $2`, workspaceID, id); err != nil {
				return mapErr("store: unplace the board's tickets", err)
			}
		}
		return nil
	})
	if err != nil {
		return Board{}, err
	}
	return s.GetBoard(ctx, workspaceID, id)
}

// ReorderBoards sets the boards' positions to their order in ids, which
// must name every board of the workspace once (ErrNotFound otherwise).
func (s *Store) ReorderBoards(ctx context.Context, workspaceID string, ids []string) error {
	return s.inTx(ctx, "store: reorder boards", func(tx *sql.Tx) error {
		if err := lockWorkspace(ctx, tx, workspaceID); err != nil {
			return err
		}
		return reorder(ctx, tx, `SELECT id FROM boards WHERE workspace_id = $1`, []any{workspaceID},
			`UPDATE boards SET position = $3 WHERE workspace_id = $1 AND id = $2`, workspaceID, ids)
	})
}

// ReorderColumns sets a board's columns' positions to their order in
// ids, which must name every column of the board once.
func (s *Store) ReorderColumns(ctx context.Context, workspaceID, boardID string, ids []string) error {
	return s.inTx(ctx, "store: reorder columns", func(tx *sql.Tx) error {
		if err := lockBoard(ctx, tx, workspaceID, boardID); err != nil {
			return err
		}
		return reorder(ctx, tx, `SELECT id FROM board_columns WHERE workspace_id = $1 AND board_id = $2`, []any{workspaceID, boardID},
			`UPDATE board_columns SET position = $3 WHERE workspace_id = $1 AND id = $2`, workspaceID, ids)
	})
}

// reorder checks that ids are exactly what list reads, then sets each
// one's position to its index with set ($1 workspace, $2 id, $3 position).
func reorder(ctx context.Context, tx *sql.Tx, list string, args []any, set, workspaceID string, ids []string) error {
	rows, err := tx.QueryContext(ctx, list, args...)
	have, err := collect(rows, err, "store: reorder", scanString)
	if err != nil {
		return err
	}
	want := slices.Clone(ids)
	slices.Sort(have)
	slices.Sort(want)
	if !slices.Equal(have, want) {
		return fmt.Errorf("store: reorder: the ids are not the set: %w", ErrNotFound)
	}
	for i, id := range ids {
		if _, err := tx.ExecContext(ctx, set, workspaceID, id, i); err != nil {
			return mapErr("store: reorder", err)
		}
	}
	return nil
}

func lockBoard(ctx context.Context, tx *sql.Tx, workspaceID, boardID string) error {
	res, err := tx.ExecContext(ctx, `UPDATE boards SET updated_at = updated_at WHERE workspace_id = $1 AND id = $2`, workspaceID, boardID)
	return mustAffect("store: lock board", res, err)
}

// CreateColumn adds a column at the end of one of the workspace's boards.
func (s *Store) CreateColumn(ctx context.Context, workspaceID, boardID, name, stage string, now time.Time) (Column, error) {
	c := Column{ID: NewID(), BoardID: boardID, Name: name, Stage: stage}
	err := s.inTx(ctx, "store: create column", func(tx *sql.Tx) error {
		if err := lockBoard(ctx, tx, workspaceID, boardID); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(position) + 1, 0) FROM board_columns WHERE board_id = $1`,
			boardID).Scan(&c.Position); err != nil {
			return mapErr("store: create column", err)
		}
		return insertColumn(ctx, tx, workspaceID, c, now)
	})
	return c, err
}

// ErrNotEmpty means a column to archive still holds tickets that are not
// closed: they must move first.
var ErrNotEmpty = errors.New("store: the column holds tickets")

// UpdateColumn stores a column's name, stage and whether it is archived.
// A column that holds open tickets keeps its stage and cannot be archived
// (ErrNotEmpty): its tickets would lose their place.
func (s *Store) UpdateColumn(ctx context.Context, workspaceID string, c Column, archived bool, now time.Time) (Column, error) {
	var out Column
	err := s.inTx(ctx, "store: update column", func(tx *sql.Tx) error {
		cur, err := scanColumn(tx.QueryRowContext(ctx, `SELECT id, board_id, name, stage, position, archived_at FROM board_columns
			WHERE workspace_id = $1 AND id = $2`, workspaceID, c.ID))
		if err != nil {
			return mapErr("store: update column", err)
		}
		// The board first, as moves take it: no move lands between the
		// count below and the change.
		if err := lockBoard(ctx, tx, workspaceID, cur.BoardID); err != nil {
			return err
		}
		if archived || c.Stage != cur.Stage {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM tickets WHERE workspace_id = $1 AND column_id = $2 AND status = 'open'`,
				workspaceID, c.ID).Scan(&n); err != nil {
				return mapErr("store: update column", err)
			}
			// The tickets it shows without a place count too, when it is
			// their stage's only column on the default board.
			if n == 0 && cur.Stage != StageClosed {
				var unplaced int
				if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM tickets t WHERE t.workspace_id = $1 AND t.board_id IS NULL
					AND t.status = 'open' AND t.stage = $2
					AND $3 = (SELECT id FROM boards WHERE workspace_id = $1 AND archived_at IS NULL ORDER BY position, id LIMIT 1)
					AND NOT EXISTS (SELECT 1 FROM board_columns o WHERE o.board_id = $3 AND o.id <> $4 AND o.stage = $2 AND o.archived_at IS NULL)`,
					workspaceID, cur.Stage, cur.BoardID, c.ID).Scan(&unplaced); err != nil {
					return mapErr("store: update column", err)
				}
				n += unplaced
			}
			if n > 0 {
				return ErrNotEmpty
			}
			// Its closed tickets go back to the default board's Closed.
			if _, err := tx.ExecContext(ctx, `UPDATE tickets SET board_id = NULL, column_id = NULL, rank = NULL
				WHERE workspace_id = $1 AND column_id = $2`, workspaceID, c.ID); err != nil {
				return mapErr("store: unplace the column's tickets", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE board_columns SET name = $3, stage = $4,
			archived_at = CASE WHEN $5 THEN COALESCE(archived_at, CAST($6 AS BIGINT)) END WHERE workspace_id = $1 AND id = $2`,
			workspaceID, c.ID, c.Name, c.Stage, archived, millis(now)); err != nil {
			return mapErr("store: update column", err)
		}
		out, err = scanColumn(tx.QueryRowContext(ctx, `SELECT id, board_id, name, stage, position, archived_at FROM board_columns
			WHERE workspace_id = $1 AND id = $2`, workspaceID, c.ID))
		return mapErr("store: update column", err)
	})
	return out, err
}

// BoardTickets reads the tickets a board shows, not archived: those
// placed on it, by column and rank, and, on the default board, those no
// agent has placed (their ColumnID set here: the first column of their
// stage, or the board's first column), oldest first after the placed
// ones. A closed column shows its latest perColumn tickets; every other
// column at most 1,000.
func (s *Store) BoardTickets(ctx context.Context, workspaceID string, b Board, isDefault bool, perColumn int) ([]Ticket, error) {
	live := make([]Column, 0, len(b.Columns))
	for _, c := range b.Columns {
		if c.ArchivedAt == nil {
			live = append(live, c)
		}
	}
	var out []Ticket
	for _, c := range live {
		limit := 1000
		order := `t.rank, t.id`
		if c.Stage == StageClosed {
			limit, order = perColumn, `t.closed_at DESC, t.id`
		}
		rows, err := s.read.QueryContext(ctx, ticketSelect+` WHERE t.workspace_id = $1 AND t.column_id = $2 AND t.archived_at IS NULL
			ORDER BY `+order+` LIMIT $3`, workspaceID, c.ID, limit)
		ts, err := collect(rows, err, "store: board tickets", scanTicket)
		if err != nil {
			return nil, err
		}
		out = append(out, ts...)
	}
	if !isDefault || len(live) == 0 {
		return out, nil
	}
	home := map[string]string{} // stage → the first column of it
	for _, c := range live {
		if _, ok := home[c.Stage]; !ok {
			home[c.Stage] = c.ID
		}
	}
	for _, stage := range Stages {
		limit, order := 1000, `t.created_at, t.id`
		if stage == StageClosed {
			limit, order = perColumn, `t.closed_at DESC, t.id`
		}
		rows, err := s.read.QueryContext(ctx, ticketSelect+` WHERE t.workspace_id = $1 AND t.board_id IS NULL AND t.stage = $2
			AND t.archived_at IS NULL ORDER BY `+order+` LIMIT $3`, workspaceID, stage, limit)
		ts, err := collect(rows, err, "store: unplaced tickets", scanTicket)
		if err != nil {
			return nil, err
		}
		col, ok := home[stage]
		if !ok {
			col = live[0].ID
		}
		for i := range ts {
			ts[i].ColumnID = col
		}
		out = append(out, ts...)
	}
	return out, nil
}

// TicketEvent is one entry of a ticket's history.
type TicketEvent struct {
	ID        string         `json:"id"`
	TicketID  string         `json:"ticket_id"`
	ActorID   string         `json:"actor_id"`
	ActorName string         `json:"actor_name"`
	Action    string         `json:"action"`
	Detail    map[string]any `json:"detail"`
	CreatedAt time.Time      `json:"created_at"`
}

func addTicketEvent(ctx context.Context, tx *sql.Tx, workspaceID string, e TicketEvent, now time.Time) error {
	detail, err := json.Marshal(e.Detail)
	if err != nil {
		return fmt.Errorf("store: ticket event: %w", err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO ticket_events (id, workspace_id, ticket_id, actor_id, actor_name, action, detail, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, NewID(), workspaceID, e.TicketID, e.ActorID, e.ActorName, e.Action, string(detail), millis(now))
	if err != nil {
		return mapErr("store: ticket event", err)
	}
	return hookTicket(ctx, tx, ticketHookType(e), workspaceID, e.TicketID, now)
}

// ticketHookType is the webhook event of a ticket's history entry: every
// change of a ticket is in its history, so its webhook events are
// written with it.
func ticketHookType(e TicketEvent) string {
	switch e.Action {
	case "created":
		return EventTicketCreated
	case "made": // from a chat: a new ticket, or the chat joined its user's open one
		if merged, _ := e.Detail["merged"].(bool); !merged {
			return EventTicketCreated
		}
	case "closed", "merged_into": // a duplicate merged into another is closed
		return EventTicketClosed
	case "moved":
		if e.Detail["stage"] == StageClosed && e.Detail["from_stage"] != StageClosed {
			return EventTicketClosed // to a closed column
		}
	}
	return EventTicketUpdated
}

// TicketHistory reads a ticket's history, oldest first, at most limit.
func (s *Store) TicketHistory(ctx context.Context, workspaceID, ticketID string, limit int) ([]TicketEvent, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, ticket_id, actor_id, actor_name, action, detail, created_at FROM ticket_events
		WHERE workspace_id = $1 AND ticket_id = $2 ORDER BY created_at, id LIMIT $3`, workspaceID, ticketID, limit)
	return collect(rows, err, "store: ticket history", func(sc scanner) (TicketEvent, error) {
		var (
			e      TicketEvent
			detail string
			cre    int64
		)
		if err := sc.Scan(&e.ID, &e.TicketID, &e.ActorID, &e.ActorName, &e.Action, &detail, &cre); err != nil {
			return TicketEvent{}, err
		}
		e.CreatedAt = fromMillis(cre)
		return e, json.Unmarshal([]byte(detail), &e.Detail)
	})
}

// Move is where an agent puts a ticket: a column of a board, before
// another ticket of it (BeforeID) or at its end (""). Close is how the
// ticket closes when the column's stage is closed and it is open (its
// Assignee is ignored).
type Move struct {
	TicketID, ColumnID, BeforeID string
	AgentID, AgentName           string
	Close                        TicketClose
	// CloseAny lets the agent close a ticket another agent holds (a
	// supervisor); otherwise a move into the closed stage of a ticket
	// held by someone else is ErrNotAuthor.
	CloseAny bool
}

// Moved is what a move changed.
type Moved struct {
	Ticket Ticket
	// Closed is set when the move closed the ticket (the closed stage).
	Closed *Closed
	// Reopened: the ticket was closed and moved to another stage.
	Reopened bool
	// Renumbered: the column's ranks were spread again, so other tickets'
	// ranks changed too (desks read the board again).
	Renumbered bool
}

// rankGap is the distance between ranks a column is renumbered with.
const rankGap = 1024

// MoveTicket places a ticket in a column, before BeforeID or at the end,
// taking the column's stage: into the closed stage it closes (its open
// conversations close with it), out of it it reopens (ErrConflict when
// its visitor has another open ticket). Moves into one column are
// serialized by the column's row (PostgreSQL; SQLite has one writer), so
// two agents dropping tickets at once never get the same rank; the last
// move of a ticket wins. The column's tickets that no agent placed yet
// (on the default board) are placed first, in the order they were shown.
func (s *Store) MoveTicket(ctx context.Context, workspaceID string, m Move, now time.Time) (Moved, error) {
	var out Moved
	err := s.inTx(ctx, "store: move ticket", func(tx *sql.Tx) error {
		// Locks in one order: the board, then the ticket's conversations
		// and the ticket (the order a close takes them), then the tickets
		// placed for it. Moves on one board are serialized by its row
		// (PostgreSQL; SQLite has one writer), so no two get one rank.
		col, err := lockColumn(ctx, tx, workspaceID, m.ColumnID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `SELECT id FROM conversations WHERE workspace_id = $1 AND (ticket_id = $2
			OR id = (SELECT conversation_id FROM tickets WHERE workspace_id = $1 AND id = $2)) ORDER BY id`+forUpdate(s.dialect),
			workspaceID, m.TicketID); err != nil {
			return mapErr("store: move ticket: lock conversations", err)
		}
		if _, err := tx.ExecContext(ctx, `SELECT id FROM tickets WHERE workspace_id = $1 AND id = $2`+forUpdate(s.dialect),
			workspaceID, m.TicketID); err != nil {
			return mapErr("store: move ticket: lock", err)
		}
		t, err := scanTicket(tx.QueryRowContext(ctx, ticketSelect+` WHERE t.workspace_id = $1 AND t.id = $2`, workspaceID, m.TicketID))
		if err != nil {
			return mapErr("store: move ticket", err)
		}
		if t.ArchivedAt != nil {
			return fmt.Errorf("store: move ticket: archived: %w", ErrStale)
		}
		if col.Stage == StageClosed && t.Status == TicketOpen && !m.CloseAny && t.AssigneeID != "" && t.AssigneeID != m.AgentID {
			return ErrNotAuthor
		}
		if err := placeUnplaced(ctx, tx, workspaceID, col, m.TicketID); err != nil {
			return err
		}
		before := m.BeforeID
		if col.Stage == StageClosed {
			before = "" // a closed column is ordered by when each closed
		}
		rank, renumbered, err := rankBefore(ctx, tx, workspaceID, col.ID, m.TicketID, before)
		if err != nil {
			return err
		}
		out.Renumbered = renumbered
		from := t.ColumnID
		switch {
		case col.Stage == StageClosed && t.Status == TicketOpen:
			tc := m.Close
			tc.Assignee, tc.inHistory = nil, true
			closed, err := closeTicket(ctx, tx, s.dialect, workspaceID, t.ID, tc, now)
			if err != nil {
				return err // the ticket is locked: not ErrStale
			}
			out.Closed = &closed
		case col.Stage != StageClosed && t.Status == TicketClosed:
			if err := markRolledTickets(ctx, tx, workspaceID, false, "id = $2", t.ID); err != nil { // its end is cleared
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE tickets SET status = 'open', closed_at = NULL, closed_by = '', closed_by_agent_id = ''
				WHERE workspace_id = $1 AND id = $2`, workspaceID, t.ID); err != nil {
				return mapErr("store: reopen ticket", err) // the visitor's other open ticket: ErrConflict
			}
			out.Reopened = true
		}
		if _, err := tx.ExecContext(ctx, `UPDATE tickets SET board_id = $3, column_id = $4, rank = $5, stage = $6, updated_at = $7
			WHERE workspace_id = $1 AND id = $2`, workspaceID, t.ID, col.BoardID, col.ID, rank, col.Stage, millis(now)); err != nil {
			return mapErr("store: move ticket", err)
		}
		if err := addTicketEvent(ctx, tx, workspaceID, TicketEvent{TicketID: t.ID, ActorID: m.AgentID, ActorName: m.AgentName, Action: "moved",
			Detail: map[string]any{"from_column_id": from, "to_column_id": col.ID, "column": col.Name, "from_stage": t.Stage, "stage": col.Stage}}, now); err != nil {
			return err
		}
		out.Ticket, err = getTicketTx(ctx, tx, workspaceID, t.ID)
		return err
	})
	return out, err
}

// lockColumn reads a column tickets may go to (ErrNotFound when it or its
// board is archived) and locks its board: moves and new tickets on one
// board are serialized by its row (PostgreSQL; SQLite has one writer), so
// no two get one rank.
func lockColumn(ctx context.Context, tx *sql.Tx, workspaceID, columnID string) (Column, error) {
	var col Column
	var colArchived, boardArchived sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT c.id, c.board_id, c.name, c.stage, c.position, c.archived_at, b.archived_at
		FROM board_columns c JOIN boards b ON b.id = c.board_id WHERE c.workspace_id = $1 AND c.id = $2`, workspaceID, columnID).Scan(
		&col.ID, &col.BoardID, &col.Name, &col.Stage, &col.Position, &colArchived, &boardArchived); err != nil {
		return Column{}, mapErr("store: column", err)
	}
	if colArchived.Valid || boardArchived.Valid {
		return Column{}, fmt.Errorf("store: the column or board is archived: %w", ErrNotFound)
	}
	return col, lockBoard(ctx, tx, workspaceID, col.BoardID)
}

// placeUnplaced gives the tickets shown in col on the default board
// without a place (not the one moving) their place there, after the
// placed ones, oldest first: what an agent saw is the order kept. Only
// for a column of the workspace's first board, and not for the closed
// stage (a closed column is ordered by when each closed).
func placeUnplaced(ctx context.Context, tx *sql.Tx, workspaceID string, col Column, moving string) error {
	if col.Stage == StageClosed {
		return nil
	}
	var first, home string
	if err := tx.QueryRowContext(ctx, `SELECT id FROM boards WHERE workspace_id = $1 AND archived_at IS NULL ORDER BY position, id LIMIT 1`,
		workspaceID).Scan(&first); err != nil {
		return mapErr("store: default board", err)
	}
	if first != col.BoardID {
		return nil
	}
	err := tx.QueryRowContext(ctx, `SELECT id FROM board_columns WHERE board_id = $1 AND stage = $2 AND archived_at IS NULL
		ORDER BY position, id LIMIT 1`, col.BoardID, col.Stage).Scan(&home)
	if err != nil || home != col.ID {
		return mapErr("store: home column", err) // nil when it is not the stage's first column
	}
	rows, err := tx.QueryContext(ctx, `SELECT id FROM tickets WHERE workspace_id = $1 AND board_id IS NULL AND stage = $2
		AND archived_at IS NULL AND id <> $3 ORDER BY created_at, id`, workspaceID, col.Stage, moving)
	ids, err := collect(rows, err, "store: unplaced tickets", scanString)
	if err != nil || len(ids) == 0 {
		return err
	}
	var last float64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(rank), 0) FROM tickets WHERE column_id = $1`, col.ID).Scan(&last); err != nil {
		return mapErr("store: column's last rank", err)
	}
	for i, id := range ids {
		if _, err := tx.ExecContext(ctx, `UPDATE tickets SET board_id = $3, column_id = $4, rank = $5 WHERE workspace_id = $1 AND id = $2`,
			workspaceID, id, col.BoardID, col.ID, last+float64(i+1)*rankGap); err != nil {
			return mapErr("store: place ticket", err)
		}
	}
	return nil
}

// rankBefore is the rank that puts a ticket before beforeID in a column
// (at its end for ""), halfway between its neighbours'. When they are too
// close for a number between them, the column is renumbered first.
func rankBefore(ctx context.Context, tx *sql.Tx, workspaceID, columnID, moving, beforeID string) (float64, bool, error) {
	renumbered := false
	for range 2 {
		if beforeID == "" {
			var last float64
			err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(rank), 0) FROM tickets WHERE column_id = $1 AND id <> $2`,
				columnID, moving).Scan(&last)
			return last + rankGap, renumbered, mapErr("store: rank", err)
		}
		var next float64
		if err := tx.QueryRowContext(ctx, `SELECT rank FROM tickets WHERE workspace_id = $1 AND id = $2 AND column_id = $3 AND rank IS NOT NULL`,
			workspaceID, beforeID, columnID).Scan(&next); err != nil {
			return 0, false, fmt.Errorf("store: the ticket to move before is not in the column: %w", mapErr("store: rank", err))
		}
		var prev sql.NullFloat64
		if err := tx.QueryRowContext(ctx, `SELECT MAX(rank) FROM tickets WHERE column_id = $1 AND rank < $2 AND id <> $3`,
			columnID, next, moving).Scan(&prev); err != nil {
			return 0, false, mapErr("store: rank", err)
		}
		low := next - rankGap
		if prev.Valid {
			low = prev.Float64
		}
		if mid := (low + next) / 2; mid > low && mid < next && next-low > 1e-6 {
			return mid, renumbered, nil
		}
		if err := renumber(ctx, tx, columnID); err != nil {
			return 0, false, err
		}
		renumbered = true
	}
	return 0, false, errors.New("store: rank: no room after renumbering") // cannot happen: a renumbered gap is rankGap
}

// renumber spreads a column's ranks rankGap apart, in their order.
func renumber(ctx context.Context, tx *sql.Tx, columnID string) error {
	rows, err := tx.QueryContext(ctx, `SELECT id FROM tickets WHERE column_id = $1 AND rank IS NOT NULL ORDER BY rank, id`, columnID)
	ids, err := collect(rows, err, "store: renumber", scanString)
	if err != nil {
		return err
	}
	for i, id := range ids {
		if _, err := tx.ExecContext(ctx, `UPDATE tickets SET rank = $2 WHERE id = $1`, id, float64(i+1)*rankGap); err != nil {
			return mapErr("store: renumber", err)
		}
	}
	return nil
}
