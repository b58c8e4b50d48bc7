// Package board keeps the workspace's ticket boards: views of the one
// ticket entity by column, each column mapped to a ticket stage (new, in
// progress, waiting, resolved, closed), as the ticket queues are views by
// assignment. Owners and admins shape boards and columns; every agent
// reads them and moves tickets (chat.MoveTicket). A workspace gets its
// first board, "Support" with a column per stage, when its boards are
// first read. A Service is stateless and safe for concurrent use.
package board

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/event"
	"github.com/querytel/livedesk/internal/printable"
	"github.com/querytel/livedesk/internal/store"
)

// Store is what board needs from the database.
type Store interface {
	ListBoards(ctx context.Context, workspaceID string, all bool) ([]store.Board, error)
	GetBoard(ctx context.Context, workspaceID, id string) (store.Board, error)
	CreateBoard(ctx context.Context, workspaceID, name string, columns []store.Column, first bool, now time.Time) (store.Board, error)
	UpdateBoard(ctx context.Context, workspaceID, id, name string, archived bool, now time.Time) (store.Board, error)
	ReorderBoards(ctx context.Context, workspaceID string, ids []string) error
	ReorderColumns(ctx context.Context, workspaceID, boardID string, ids []string) error
	CreateColumn(ctx context.Context, workspaceID, boardID, name, stage string, now time.Time) (store.Column, error)
	UpdateColumn(ctx context.Context, workspaceID string, c store.Column, archived bool, now time.Time) (store.Column, error)
	BoardTickets(ctx context.Context, workspaceID string, b store.Board, isDefault bool, perColumn int) ([]store.Ticket, error)
	GetAgent(ctx context.Context, workspaceID, id string) (store.Agent, error)
}

// Service manages boards.
type Service struct {
	store Store
	clock clock.Clock
	pub   *event.Publisher // nil: desks are not told
}

// New returns a Service.
func New(st Store, clk clock.Clock, pub *event.Publisher) *Service {
	return &Service{store: st, clock: clk, pub: pub}
}

// Limits.
const (
	MaxName    = 60
	MaxColumns = 20
	MaxBoards  = 50
	// ClosedShown is how many of the latest closed tickets a closed column
	// shows (the rest are in the Closed queue and the archive).
	ClosedShown = 50
)

var (
	// ErrNotFound: no such board (or column) in the workspace.
	ErrNotFound = apperr.New(apperr.NotFound, "board_not_found", "no such board")
	errColumn   = apperr.New(apperr.NotFound, "column_not_found", "no such column on this board")
)

// Stage names, for a column's stage field.
var stageNames = map[string]string{
	store.StageNew: "New", store.StageInProgress: "In progress", store.StageWaiting: "Waiting",
	store.StageResolved: "Resolved", store.StageClosed: "Closed",
}

// defaultColumns are a board's columns when none are given: one per stage.
func defaultColumns() []store.Column {
	var cols []store.Column
	for _, st := range store.Stages {
		cols = append(cols, store.Column{Name: stageNames[st], Stage: st})
	}
	return cols
}

// List reads the workspace's boards that are not archived (all: those
// too), making the first one when there is none.
func (s *Service) List(ctx context.Context, a auth.Actor, all bool) ([]store.Board, error) {
	if a.AgentID == "" {
		return nil, apperr.ErrForbidden
	}
	list, err := s.store.ListBoards(ctx, a.WorkspaceID, all)
	if err != nil || len(list) > 0 || all {
		return list, err
	}
	b, err := s.store.CreateBoard(ctx, a.WorkspaceID, "Support", defaultColumns(), true, s.clock.Now())
	switch {
	case errors.Is(err, store.ErrConflict): // made meanwhile, or all are archived
		return s.store.ListBoards(ctx, a.WorkspaceID, false)
	case err != nil:
		return nil, err
	}
	s.changed(ctx, b)
	return []store.Board{b}, nil
}

// View is a board with the tickets it shows.
type View struct {
	Board   store.Board    `json:"board"`
	Tickets []store.Ticket `json:"tickets"`
}

// Get reads a board and the tickets on it that a may see (a ticket of a
// department a is not in is left out, unless a manages every chat).
func (s *Service) Get(ctx context.Context, a auth.Actor, id string) (View, error) {
	list, err := s.List(ctx, a, false)
	if err != nil {
		return View{}, err
	}
	b, err := s.store.GetBoard(ctx, a.WorkspaceID, id)
	if errors.Is(err, store.ErrNotFound) {
		return View{}, ErrNotFound
	}
	if err != nil {
		return View{}, err
	}
	isDefault := len(list) > 0 && list[0].ID == b.ID
	tickets, err := s.store.BoardTickets(ctx, a.WorkspaceID, b, isDefault, ClosedShown)
	if err != nil {
		return View{}, err
	}
	if !a.Can(auth.ManageAnyConversation) {
		ag, err := s.store.GetAgent(ctx, a.WorkspaceID, a.AgentID)
		if err != nil {
			return View{}, err
		}
		tickets = slices.DeleteFunc(tickets, func(t store.Ticket) bool {
			return t.DepartmentID != "" && !slices.Contains(ag.DepartmentIDs, t.DepartmentID)
		})
	}
	if tickets == nil {
		tickets = []store.Ticket{}
	}
	return View{Board: b, Tickets: tickets}, nil
}

// ColumnInput is a column as an admin writes it.
type ColumnInput struct {
	Name  string `json:"name"`
	Stage string `json:"stage"`
}

func (c ColumnInput) check(field string) (store.Column, error) {
	name, ok := printable.Name(c.Name, MaxName, false)
	if !ok {
		return store.Column{}, apperr.Invalidf(field+"name", "invalid_name", "a column needs a name of 1 to %d characters", MaxName)
	}
	if !slices.Contains(store.Stages, c.Stage) {
		return store.Column{}, apperr.Invalidf(field+"stage", "invalid_stage", "a column's stage is new, in_progress, waiting, resolved or closed")
	}
	return store.Column{Name: name, Stage: c.Stage}, nil
}

// BoardInput is a new board: its name, and its columns (none: one per
// stage).
type BoardInput struct {
	Name    string        `json:"name"`
	Columns []ColumnInput `json:"columns"`
}

func boardName(n string) (string, error) {
	name, ok := printable.Name(n, MaxName, false)
	if !ok {
		return "", apperr.Invalidf("name", "invalid_name", "a board needs a name of 1 to %d characters", MaxName)
	}
	return name, nil
}

// Create adds a board (owners and admins).
func (s *Service) Create(ctx context.Context, a auth.Actor, in BoardInput) (store.Board, error) {
	if !a.Can(auth.ManageBoards) {
		return store.Board{}, apperr.ErrForbidden
	}
	name, err := boardName(in.Name)
	if err != nil {
		return store.Board{}, err
	}
	if len(in.Columns) > MaxColumns {
		return store.Board{}, apperr.Invalidf("columns", "too_many_columns", "a board has at most %d columns", MaxColumns)
	}
	cols := defaultColumns()
	if len(in.Columns) > 0 {
		cols = cols[:0]
		for _, c := range in.Columns {
			col, err := c.check("columns.")
			if err != nil {
				return store.Board{}, err
			}
			cols = append(cols, col)
		}
	}
	list, err := s.store.ListBoards(ctx, a.WorkspaceID, true)
	if err != nil {
		return store.Board{}, err
	}
	if len(list) >= MaxBoards {
		return store.Board{}, apperr.New(apperr.Conflict, "too_many_boards", "a workspace has at most 50 boards: archive or reuse one")
	}
	b, err := s.store.CreateBoard(ctx, a.WorkspaceID, name, cols, false, s.clock.Now())
	if err != nil {
		return store.Board{}, err
	}
	s.changed(ctx, b)
	return b, nil
}

// BoardPatch changes a board; nil fields stay.
type BoardPatch struct {
	Name     *string `json:"name"`
	Archived *bool   `json:"archived"`
}

// Update renames or archives a board (owners and admins). Archiving takes
// its tickets off their places (they show on the default board by stage
// again; when the default board is archived, the next one is); the last
// board stays.
func (s *Service) Update(ctx context.Context, a auth.Actor, id string, in BoardPatch) (store.Board, error) {
	b, err := s.board(ctx, a, id)
	if err != nil {
		return store.Board{}, err
	}
	name, archived := b.Name, b.ArchivedAt != nil
	if in.Name != nil {
		if name, err = boardName(*in.Name); err != nil {
			return store.Board{}, err
		}
	}
	if in.Archived != nil {
		archived = *in.Archived
	}
	b, err = s.store.UpdateBoard(ctx, a.WorkspaceID, id, name, archived, s.clock.Now())
	if errors.Is(err, store.ErrLastBoard) {
		return store.Board{}, apperr.New(apperr.Conflict, "last_board", "the last board stays: make another before archiving this one")
	}
	if err != nil {
		return store.Board{}, err
	}
	s.changed(ctx, b)
	return b, nil
}

// board reads a board an admin changes.
func (s *Service) board(ctx context.Context, a auth.Actor, id string) (store.Board, error) {
	if !a.Can(auth.ManageBoards) {
		return store.Board{}, apperr.ErrForbidden
	}
	b, err := s.store.GetBoard(ctx, a.WorkspaceID, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.Board{}, ErrNotFound
	}
	return b, err
}

// Reorder puts the workspace's boards in the order of ids (every board,
// archived ones too, once each).
func (s *Service) Reorder(ctx context.Context, a auth.Actor, ids []string) ([]store.Board, error) {
	if !a.Can(auth.ManageBoards) {
		return nil, apperr.ErrForbidden
	}
	if err := s.store.ReorderBoards(ctx, a.WorkspaceID, ids); errors.Is(err, store.ErrNotFound) {
		return nil, apperr.Invalidf("ids", "invalid_order", "ids must name every board of the workspace once")
	} else if err != nil {
		return nil, err
	}
	list, err := s.store.ListBoards(ctx, a.WorkspaceID, true)
	for _, b := range list {
		s.changed(ctx, b)
	}
	return list, err
}

// AddColumn adds a column at the end of a board (owners and admins).
func (s *Service) AddColumn(ctx context.Context, a auth.Actor, boardID string, in ColumnInput) (store.Board, error) {
	b, err := s.board(ctx, a, boardID)
	if err != nil {
		return store.Board{}, err
	}
	col, err := in.check("")
	if err != nil {
		return store.Board{}, err
	}
	if len(b.Columns) >= MaxColumns {
		return store.Board{}, apperr.New(apperr.Conflict, "too_many_columns", "a board has at most 20 columns")
	}
	if _, err := s.store.CreateColumn(ctx, a.WorkspaceID, boardID, col.Name, col.Stage, s.clock.Now()); err != nil {
		return store.Board{}, err
	}
	return s.reread(ctx, a, boardID)
}

// ColumnPatch changes a column; nil fields stay.
type ColumnPatch struct {
	Name     *string `json:"name"`
	Stage    *string `json:"stage"`
	Archived *bool   `json:"archived"`
}

// UpdateColumn renames, re-stages or archives a column (owners and
// admins). One that holds open tickets keeps its stage and stays
// (column_not_empty): move them first.
func (s *Service) UpdateColumn(ctx context.Context, a auth.Actor, boardID, columnID string, in ColumnPatch) (store.Board, error) {
	b, err := s.board(ctx, a, boardID)
	if err != nil {
		return store.Board{}, err
	}
	i := slices.IndexFunc(b.Columns, func(c store.Column) bool { return c.ID == columnID })
	if i < 0 {
		return store.Board{}, errColumn
	}
	cur := b.Columns[i]
	in2 := ColumnInput{Name: cur.Name, Stage: cur.Stage}
	if in.Name != nil {
		in2.Name = *in.Name
	}
	if in.Stage != nil {
		in2.Stage = *in.Stage
	}
	col, err := in2.check("")
	if err != nil {
		return store.Board{}, err
	}
	col.ID = columnID
	archived := cur.ArchivedAt != nil
	if in.Archived != nil {
		archived = *in.Archived
	}
	_, err = s.store.UpdateColumn(ctx, a.WorkspaceID, col, archived, s.clock.Now())
	if errors.Is(err, store.ErrNotEmpty) {
		return store.Board{}, apperr.New(apperr.Conflict, "column_not_empty", "the column holds open tickets: move them to another column first")
	}
	if err != nil {
		return store.Board{}, err
	}
	return s.reread(ctx, a, boardID)
}

// ReorderColumns puts a board's columns in the order of ids (every
// column, archived ones too, once each).
func (s *Service) ReorderColumns(ctx context.Context, a auth.Actor, boardID string, ids []string) (store.Board, error) {
	if _, err := s.board(ctx, a, boardID); err != nil {
		return store.Board{}, err
	}
	if err := s.store.ReorderColumns(ctx, a.WorkspaceID, boardID, ids); errors.Is(err, store.ErrNotFound) {
		return store.Board{}, apperr.Invalidf("ids", "invalid_order", "ids must name every column of the board once")
	} else if err != nil {
		return store.Board{}, err
	}
	return s.reread(ctx, a, boardID)
}

// reread reads a changed board and tells the desks.
func (s *Service) reread(ctx context.Context, a auth.Actor, id string) (store.Board, error) {
	b, err := s.store.GetBoard(ctx, a.WorkspaceID, id)
	if err != nil {
		return store.Board{}, err
	}
	s.changed(ctx, b)
	return b, nil
}

// changed tells every desk of the workspace what a board is now.
func (s *Service) changed(ctx context.Context, b store.Board) {
	if s.pub != nil {
		s.pub.Publish(ctx, b.WorkspaceID, "", event.Desk, event.BoardFrame{Type: event.TypeBoard, Board: b})
	}
}
