package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// Department groups agents; chats are routed to one.
type Department struct {
	ID          string   `json:"id"`
	WorkspaceID string   `json:"workspace_id"`
	Name        string   `json:"name"`
	AgentIDs    []string `json:"agent_ids"`
	// BusinessHours narrow the hours of the sites whose chats come here
	// (only the schedule: time zone, days, closed days); nil follows them.
	BusinessHours *BusinessHours `json:"business_hours"`
	CreatedAt     time.Time      `json:"created_at"`
	UpdatedAt     time.Time      `json:"updated_at"`
}

const departmentColumns = `id, workspace_id, name, business_hours, created_at, updated_at`

func scanDepartment(sc scanner) (Department, error) {
	var (
		d        Department
		hours    *string
		cre, upd int64
	)
	if err := sc.Scan(&d.ID, &d.WorkspaceID, &d.Name, &hours, &cre, &upd); err != nil {
		return Department{}, err
	}
	d.CreatedAt, d.UpdatedAt = fromMillis(cre), fromMillis(upd)
	d.AgentIDs = []string{}
	if hours != nil {
		d.BusinessHours = new(BusinessHours)
		if err := json.Unmarshal([]byte(*hours), d.BusinessHours); err != nil {
			return Department{}, fmt.Errorf("department %s: business hours: %w", d.ID, err)
		}
	}
	return d, nil
}

// hoursJSON is what the business_hours column holds for h (NULL for nil).
func hoursJSON(h *BusinessHours) (*string, error) {
	if h == nil {
		return nil, nil
	}
	b, err := json.Marshal(h)
	if err != nil {
		return nil, fmt.Errorf("store: business hours: %w", err)
	}
	s := string(b)
	return &s, nil
}

// CreateDepartment inserts a department; names are unique in a workspace.
func (s *Store) CreateDepartment(ctx context.Context, workspaceID, name string, now time.Time) (Department, error) {
	d := Department{ID: NewID(), WorkspaceID: workspaceID, Name: name, AgentIDs: []string{}, CreatedAt: stored(now), UpdatedAt: stored(now)}
	_, err := s.write.ExecContext(ctx, `INSERT INTO departments (id, workspace_id, name, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $4)`, d.ID, workspaceID, name, millis(now))
	if err != nil {
		return Department{}, mapErr("store: create department", err)
	}
	return d, nil
}

// GetDepartment reads one department of a workspace, with its members.
func (s *Store) GetDepartment(ctx context.Context, workspaceID, id string) (Department, error) {
	d, err := scanDepartment(s.read.QueryRowContext(ctx, `SELECT `+departmentColumns+`
		FROM departments WHERE workspace_id = $1 AND id = $2`, workspaceID, id))
	if err != nil {
		return Department{}, mapErr("store: get department", err)
	}
	rows, err := s.read.QueryContext(ctx, `SELECT agent_id FROM department_members WHERE workspace_id = $1 AND department_id = $2 ORDER BY agent_id`,
		workspaceID, id)
	d.AgentIDs, err = collect(rows, err, "store: department members", func(sc scanner) (string, error) {
		var id string
		return id, sc.Scan(&id)
	})
	return d, err
}

// ListDepartments lists a workspace's departments by name, with members.
func (s *Store) ListDepartments(ctx context.Context, workspaceID string) ([]Department, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+departmentColumns+`
		FROM departments WHERE workspace_id = $1 ORDER BY name, id`, workspaceID)
	depts, err := collect(rows, err, "store: list departments", scanDepartment)
	if err != nil {
		return nil, err
	}
	rows, err = s.read.QueryContext(ctx, `SELECT department_id, agent_id FROM department_members WHERE workspace_id = $1 ORDER BY agent_id`, workspaceID)
	pairs, err := collect(rows, err, "store: list members", func(sc scanner) ([2]string, error) {
		var p [2]string
		return p, sc.Scan(&p[0], &p[1])
	})
	if err != nil {
		return nil, err
	}
	idx := make(map[string]int, len(depts))
	for i, d := range depts {
		idx[d.ID] = i
	}
	for _, p := range pairs {
		if i, ok := idx[p[0]]; ok {
			depts[i].AgentIDs = append(depts[i].AgentIDs, p[1])
		}
	}
	return depts, nil
}

// UpdateDepartment stores a department's name and business hours.
func (s *Store) UpdateDepartment(ctx context.Context, workspaceID, id, name string, hours *BusinessHours, now time.Time) (Department, error) {
	h, err := hoursJSON(hours)
	if err != nil {
		return Department{}, err
	}
	res, err := s.write.ExecContext(ctx, `UPDATE departments SET name = $3, business_hours = $4, updated_at = $5
		WHERE workspace_id = $1 AND id = $2`, workspaceID, id, name, h, millis(now))
	if err := mustAffect("store: update department", res, err); err != nil {
		return Department{}, err
	}
	return s.GetDepartment(ctx, workspaceID, id)
}

// DepartmentHours maps the workspace's departments that have hours of
// their own to them (the out-of-hours check; empty when none has).
func (s *Store) DepartmentHours(ctx context.Context, workspaceID string) (map[string]BusinessHours, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+departmentColumns+`
		FROM departments WHERE workspace_id = $1 AND business_hours IS NOT NULL`, workspaceID)
	depts, err := collect(rows, err, "store: department hours", scanDepartment)
	if err != nil {
		return nil, err
	}
	out := make(map[string]BusinessHours, len(depts))
	for _, d := range depts {
		out[d.ID] = *d.BusinessHours
	}
	return out, nil
}

// DeleteDepartment removes a department and its memberships; sites that
// defaulted to it fall back to none.
func (s *Store) DeleteDepartment(ctx context.Context, workspaceID, id string) error {
	return s.inTx(ctx, "store: delete department", func(tx *sql.Tx) error {
		if err := markRolledChats(ctx, tx, workspaceID, "department_id = $2", id); err != nil {
			return err
		}
		if err := markRolledTickets(ctx, tx, workspaceID, false, "department_id = $2", id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM departments WHERE workspace_id = $1 AND id = $2`, workspaceID, id)
		return mustAffect("store: delete department", res, err)
	})
}
