// Package team manages a workspace's agents and departments: who exists,
// with which role, capacity and departments, and who is available (online,
// busy, offline). It enforces the rules that keep a workspace governable
// (roles are granted only by those above them, the last owner cannot be
// removed or demoted). A Service keeps only a short cache of department
// hours, and is safe for concurrent use.
package team

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/event"
	"github.com/querytel/livedesk/internal/printable"
	"github.com/querytel/livedesk/internal/ratelimit"
	"github.com/querytel/livedesk/internal/readcache"
	"github.com/querytel/livedesk/internal/site"
	"github.com/querytel/livedesk/internal/store"
)

// Store is what team needs from the database.
type Store interface {
	CreateAgent(ctx context.Context, a store.Agent, now time.Time) (store.Agent, error)
	GetAgent(ctx context.Context, workspaceID, id string) (store.Agent, error)
	ListAgents(ctx context.Context, workspaceID string) ([]store.Agent, error)
	UpdateAgent(ctx context.Context, a store.Agent, now time.Time) (store.Agent, error)
	DeleteAgent(ctx context.Context, workspaceID, id string, now time.Time) error
	SetAgentPassword(ctx context.Context, workspaceID, id, hash, keepSession string, now time.Time) error
	SetAgentStatus(ctx context.Context, workspaceID, id, status string, now time.Time) error
	CreateDepartment(ctx context.Context, workspaceID, name string, now time.Time) (store.Department, error)
	GetDepartment(ctx context.Context, workspaceID, id string) (store.Department, error)
	ListDepartments(ctx context.Context, workspaceID string) ([]store.Department, error)
	UpdateDepartment(ctx context.Context, workspaceID, id, name string, hours *store.BusinessHours, now time.Time) (store.Department, error)
	DepartmentHours(ctx context.Context, workspaceID string) (map[string]store.BusinessHours, error)
	DeleteDepartment(ctx context.Context, workspaceID, id string) error
	TouchDesk(ctx context.Context, workspaceID, id string, now time.Time) (bool, error)
	TouchDesks(ctx context.Context, workspaceID string, ids []string, now time.Time) ([]string, error)
	SetAgentDisabled(ctx context.Context, workspaceID, id string, disabled bool, now time.Time) error
	AbsentAgents(ctx context.Context, workspaceID string, cutoff time.Time) ([]store.Agent, error)
	MarkAway(ctx context.Context, workspaceID, id string, cutoff, now time.Time) (bool, error)
	ListWorkspaces(ctx context.Context) ([]store.Workspace, error)
	SetAgentAvatar(ctx context.Context, workspaceID, agentID, contentType string, data []byte, now time.Time) (store.Agent, error)
	AgentAvatar(ctx context.Context, workspaceID, agentID string) (string, []byte, error)
}

// Service manages agents and departments.
type Service struct {
	store Store
	clock clock.Clock
	pub   *event.Publisher // nil: no live events (CLI)
	hash  auth.Hasher
	queue Queue // nil: nothing waits for agents (CLI)
	// adds bounds new agents and e-mail changes per workspace: e-mails are
	// unique across workspaces (sign-in is by e-mail alone), so each
	// refusal tells an admin that an address has an account somewhere; a
	// budget keeps that from becoming a scan.
	adds  *ratelimit.Keyed
	audit Recorder
	hours *readcache.Cache[map[string]store.BusinessHours] // by workspace
}

// Recorder keeps the audit log of security-relevant actions (package
// audit); nil records nothing.
type Recorder interface {
	Record(ctx context.Context, actor auth.Actor, action, targetType, targetID string, detail map[string]any)
}

// AgentAdds is the budget of new agents and e-mail changes per workspace:
// 30 at once, then one every two minutes (a team set up by hand is far
// below it; a probe of addresses hits it).
const (
	agentAddsBurst = 30
	agentAddsEvery = 2 * time.Minute
)

// Queue is where conversations wait for an agent with room: an agent who
// comes online is offered them at once (chat.Service).
type Queue interface {
	DrainQueue(ctx context.Context, workspaceID string) int
	// Requeue gives back the open chats of an agent who went away, or
	// was disabled (a.Disabled).
	Requeue(ctx context.Context, a store.Agent) int
}

// New returns a Service; pub, when not nil, tells open desks about new and
// changed agents; h hashes their passwords (zero: auth.DefaultHasher);
// queue, when not nil, is drained when an agent comes online.
func New(st Store, clk clock.Clock, pub *event.Publisher, h auth.Hasher, queue Queue, rec Recorder) *Service {
	return &Service{store: st, clock: clk, pub: pub, hash: h, queue: queue, adds: ratelimit.New(agentAddsEvery, agentAddsBurst), audit: rec,
		hours: readcache.New[map[string]store.BusinessHours](clk, HoursCacheTTL, maxCachedWorkspaces, nil)}
}

// announce tells every desk of the workspace about an agent's new state.
func (s *Service) announce(ctx context.Context, a store.Agent) {
	if s.pub != nil {
		s.pub.Publish(ctx, a.WorkspaceID, "", event.Desk, event.AgentFrame{Type: event.TypeAgent, Agent: event.ViewOfAgent(a)})
	}
}

// MaxChatsLimit bounds an agent's concurrent chat limit.
const MaxChatsLimit = 100

// AgentInput is what a caller may set on an agent. Nil fields are left as
// they are on update.
type AgentInput struct {
	Email         *string   `json:"email"`
	Name          *string   `json:"name"`
	Role          *string   `json:"role"`
	Password      *string   `json:"password"`
	MaxChats      *int      `json:"max_chats"`
	DepartmentIDs *[]string `json:"department_ids"`
	// Grants replaces the permissions given beyond the role (auth.Grantable).
	Grants *[]string `json:"grants"`
}

var (
	errTooManyAdds = apperr.New(apperr.RateLimited, "too_many_attempts", "too many new agents or e-mail changes at once; wait a few minutes")
)

// CreateAgent adds an agent to the actor's workspace. A missing password is
// generated and returned, to hand to the new agent once.
func (s *Service) CreateAgent(ctx context.Context, actor auth.Actor, in AgentInput) (store.Agent, string, error) {
	if !actor.Can(auth.ManageWorkspace) {
		return store.Agent{}, "", apperr.ErrForbidden
	}
	a := store.Agent{WorkspaceID: actor.WorkspaceID, Role: string(auth.Agent)}
	if in.Email == nil || in.Name == nil {
		return store.Agent{}, "", apperr.Invalidf("email", "required", "email and name are required")
	}
	if err := apply(&a, in); err != nil {
		return store.Agent{}, "", err
	}
	if !actor.Role.CanGrant(auth.Role(a.Role)) {
		return store.Agent{}, "", apperr.ErrForbidden
	}
	if !s.adds.Allow(actor.WorkspaceID, s.clock.Now()) {
		return store.Agent{}, "", errTooManyAdds
	}
	password := ""
	if in.Password != nil {
		password = *in.Password
	} else {
		password = auth.GeneratePassword()
	}
	if err := auth.ValidatePassword(password); err != nil {
		return store.Agent{}, "", err
	}
	hash, err := s.hash.Hash(password)
	if err != nil {
		return store.Agent{}, "", err
	}
	a.PasswordHash = hash
	created, err := s.store.CreateAgent(ctx, a, s.clock.Now())
	if err != nil {
		return store.Agent{}, "", agentErr(err)
	}
	s.announce(ctx, created)
	s.record(ctx, actor, "agent_created", created.ID, map[string]any{"email": created.Email, "role": created.Role})
	if in.Password != nil {
		password = "" // the caller chose it; never echo a password back
	}
	return created, password, nil
}

// CreateAgentUnchecked makes an agent outside any session, with no role
// check (`livedesk user create`).
func (s *Service) CreateAgentUnchecked(ctx context.Context, workspaceID string, in AgentInput) (store.Agent, error) {
	a, err := s.PrepareAgent(workspaceID, in)
	if err != nil {
		return store.Agent{}, err
	}
	created, err := s.store.CreateAgent(ctx, a, s.clock.Now())
	return created, agentErr(err)
}

// PrepareAgent validates a complete agent (e-mail, name and password
// required) and hashes its password, without storing it.
func (s *Service) PrepareAgent(workspaceID string, in AgentInput) (store.Agent, error) {
	a := store.Agent{WorkspaceID: workspaceID, Role: string(auth.Agent)}
	if in.Email == nil || in.Name == nil || in.Password == nil {
		return store.Agent{}, apperr.Invalidf("email", "required", "email, name and password are required")
	}
	if err := apply(&a, in); err != nil {
		return store.Agent{}, err
	}
	if err := auth.ValidatePassword(*in.Password); err != nil {
		return store.Agent{}, err
	}
	hash, err := s.hash.Hash(*in.Password)
	if err != nil {
		return store.Agent{}, err
	}
	a.PasswordHash = hash
	return a, nil
}

// apply validates in and copies it onto a.
func apply(a *store.Agent, in AgentInput) error {
	if in.Email != nil {
		e := store.NormalizeEmail(*in.Email)
		if addr, err := mail.ParseAddress(e); err != nil || addr.Address != e || len(e) > 254 {
			return apperr.Invalidf("email", "invalid_email", "not a valid e-mail address")
		}
		a.Email = e
	}
	if in.Name != nil {
		n, ok := printable.Name(*in.Name, printable.MaxName, false)
		if !ok {
			return apperr.Invalidf("name", "invalid_name", "a name needs 1 to 100 characters, without control characters")
		}
		a.Name = n
	}
	if in.Role != nil {
		if !auth.Role(*in.Role).Valid() {
			return apperr.Invalidf("role", "invalid_role", "role must be owner, admin, supervisor or agent")
		}
		a.Role = *in.Role
	}
	if in.MaxChats != nil {
		if *in.MaxChats < 0 || *in.MaxChats > MaxChatsLimit {
			return apperr.Invalidf("max_chats", "invalid_max_chats", "max_chats must be 0 (workspace default) to %d", MaxChatsLimit)
		}
		a.MaxChats = *in.MaxChats
	}
	if in.DepartmentIDs != nil {
		a.DepartmentIDs = *in.DepartmentIDs
	}
	if in.Grants != nil {
		grants, bad, ok := auth.ParseGrants(*in.Grants)
		if !ok {
			return apperr.Invalidf("grants", "invalid_grant", "%q cannot be granted: grant any of %v", bad, auth.Grantable)
		}
		a.Grants = a.Grants[:0:0]
		for _, p := range grants {
			a.Grants = append(a.Grants, string(p))
		}
	}
	return nil
}

func agentErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, store.ErrLastOwner) {
		return &apperr.Error{Kind: apperr.Conflict, Code: "last_owner", Message: "a workspace needs at least one owner", Err: err}
	}
	e := apperr.From(err)
	switch e.Kind {
	case apperr.Conflict:
		return &apperr.Error{Kind: apperr.Conflict, Code: "email_taken", Field: "email", Message: "an agent with this e-mail exists", Err: err}
	case apperr.NotFound:
		if strings.Contains(err.Error(), "department") {
			return &apperr.Error{Kind: apperr.Invalid, Code: "unknown_department", Field: "department_ids", Message: "no such department", Err: err}
		}
	}
	return err
}

// GetAgent reads one agent.
func (s *Service) GetAgent(ctx context.Context, actor auth.Actor, id string) (store.Agent, error) {
	return s.store.GetAgent(ctx, actor.WorkspaceID, id)
}

// ListAgents lists the workspace's agents.
func (s *Service) ListAgents(ctx context.Context, actor auth.Actor) ([]store.Agent, error) {
	return s.store.ListAgents(ctx, actor.WorkspaceID)
}

// UpdateAgent changes an agent. Agents may edit their own name; managers
// edit anyone they outrank or equal within their grant.
func (s *Service) UpdateAgent(ctx context.Context, actor auth.Actor, id string, in AgentInput) (store.Agent, error) {
	a, err := s.store.GetAgent(ctx, actor.WorkspaceID, id)
	if err != nil {
		return store.Agent{}, err
	}
	self := a.ID == actor.AgentID
	manager := actor.Can(auth.ManageWorkspace) && actor.Role.CanGrant(auth.Role(a.Role))
	if !manager && !(self && in.Role == nil && in.MaxChats == nil && in.DepartmentIDs == nil && in.Email == nil && in.Grants == nil) {
		return store.Agent{}, apperr.ErrForbidden
	}
	if in.Password != nil {
		return store.Agent{}, apperr.Invalidf("password", "use_password_endpoint", "change passwords with POST /api/v1/auth/password or /api/v1/agents/{id}/password")
	}
	oldRole, oldEmail, oldGrants := a.Role, a.Email, a.Grants
	if err := apply(&a, in); err != nil {
		return store.Agent{}, err
	}
	if a.Email != oldEmail && !s.adds.Allow(actor.WorkspaceID, s.clock.Now()) {
		return store.Agent{}, errTooManyAdds
	}
	if a.Role != oldRole {
		if !actor.Role.CanGrant(auth.Role(a.Role)) {
			return store.Agent{}, apperr.ErrForbidden
		}
	}
	updated, err := s.store.UpdateAgent(ctx, a, s.clock.Now())
	if err != nil {
		return store.Agent{}, agentErr(err)
	}
	s.announce(ctx, updated)
	if updated.Role != oldRole {
		s.record(ctx, actor, "role_changed", updated.ID, map[string]any{"from": oldRole, "to": updated.Role})
	}
	if !slices.Equal(updated.Grants, oldGrants) {
		s.record(ctx, actor, "permissions_changed", updated.ID, map[string]any{"from": oldGrants, "to": updated.Grants})
	}
	if updated.Email != oldEmail {
		s.record(ctx, actor, "email_changed", updated.ID, map[string]any{"from": oldEmail, "to": updated.Email})
	}
	return updated, nil
}

// ResetPassword sets another agent's password (managers only) and signs
// that agent out everywhere. An empty password is generated and returned.
func (s *Service) ResetPassword(ctx context.Context, actor auth.Actor, id, password string) (string, error) {
	a, err := s.store.GetAgent(ctx, actor.WorkspaceID, id)
	if err != nil {
		return "", err
	}
	if !actor.Can(auth.ManageWorkspace) || !actor.Role.CanGrant(auth.Role(a.Role)) {
		return "", apperr.ErrForbidden
	}
	generated := password == ""
	if generated {
		password = auth.GeneratePassword()
	}
	if err := auth.ValidatePassword(password); err != nil {
		return "", err
	}
	hash, err := s.hash.Hash(password)
	if err != nil {
		return "", err
	}
	if err := s.store.SetAgentPassword(ctx, a.WorkspaceID, a.ID, hash, "", s.clock.Now()); err != nil {
		return "", err
	}
	s.record(ctx, actor, "password_reset", a.ID, nil)
	if !generated {
		return "", nil
	}
	return password, nil
}

// SetDisabled disables an agent (it is signed out everywhere at once, its
// desks close, it cannot sign in, and its open chats go back to the
// queue) or enables it again. Managers, for agents they may manage;
// nobody disables themselves.
func (s *Service) SetDisabled(ctx context.Context, actor auth.Actor, id string, disabled bool) (store.Agent, error) {
	a, err := s.store.GetAgent(ctx, actor.WorkspaceID, id)
	if err != nil {
		return store.Agent{}, err
	}
	if !actor.Can(auth.ManageWorkspace) || !actor.Role.CanGrant(auth.Role(a.Role)) {
		return store.Agent{}, apperr.ErrForbidden
	}
	if a.ID == actor.AgentID {
		return store.Agent{}, apperr.New(apperr.Conflict, "cannot_disable_self", "you cannot disable your own account")
	}
	if a.Disabled == disabled {
		return a, nil
	}
	if err := s.store.SetAgentDisabled(ctx, actor.WorkspaceID, id, disabled, s.clock.Now()); err != nil {
		return store.Agent{}, err
	}
	action := "agent_enabled"
	if disabled {
		action = "agent_disabled"
	}
	s.record(ctx, actor, action, id, map[string]any{"email": a.Email})
	if a, err = s.store.GetAgent(ctx, actor.WorkspaceID, id); err != nil {
		return store.Agent{}, err
	}
	s.announce(ctx, a) // its desks close (the hub), every desk shows it
	if disabled && s.queue != nil {
		s.queue.Requeue(ctx, a)
	}
	return a, nil
}

// DeleteAgent removes an agent. Nobody removes themselves or the last owner.
func (s *Service) DeleteAgent(ctx context.Context, actor auth.Actor, id string) error {
	a, err := s.store.GetAgent(ctx, actor.WorkspaceID, id)
	if err != nil {
		return err
	}
	if !actor.Can(auth.ManageWorkspace) || !actor.Role.CanGrant(auth.Role(a.Role)) {
		return apperr.ErrForbidden
	}
	if a.ID == actor.AgentID {
		return apperr.New(apperr.Conflict, "cannot_delete_self", "you cannot delete your own account")
	}
	if err := s.store.DeleteAgent(ctx, actor.WorkspaceID, id, s.clock.Now()); err != nil {
		return agentErr(err)
	}
	s.record(ctx, actor, "agent_deleted", id, map[string]any{"email": a.Email, "role": a.Role})
	if s.pub != nil {
		s.pub.Publish(ctx, actor.WorkspaceID, "", event.Desk, event.AgentRemovedFrame{Type: event.TypeAgentRemoved, AgentID: id})
	}
	return nil
}

// CreateDepartment adds a department.
func (s *Service) CreateDepartment(ctx context.Context, actor auth.Actor, name string) (store.Department, error) {
	if !actor.Can(auth.ManageWorkspace) {
		return store.Department{}, apperr.ErrForbidden
	}
	name, err := departmentName(name)
	if err != nil {
		return store.Department{}, err
	}
	d, err := s.store.CreateDepartment(ctx, actor.WorkspaceID, name, s.clock.Now())
	return d, departmentErr(err)
}

// GetDepartment reads one department.
func (s *Service) GetDepartment(ctx context.Context, actor auth.Actor, id string) (store.Department, error) {
	return s.store.GetDepartment(ctx, actor.WorkspaceID, id)
}

// ListDepartments lists the workspace's departments.
func (s *Service) ListDepartments(ctx context.Context, actor auth.Actor) ([]store.Department, error) {
	return s.store.ListDepartments(ctx, actor.WorkspaceID)
}

// DepartmentInput is a change to a department; nil fields stay as they
// are.
type DepartmentInput struct {
	Name *string
	// Hours, when set, replace the department's own business hours; a
	// nil *Hours clears them (the department follows its sites again).
	Hours **store.BusinessHours
}

// UpdateDepartment renames a department or sets its business hours.
func (s *Service) UpdateDepartment(ctx context.Context, actor auth.Actor, id string, in DepartmentInput) (store.Department, error) {
	if !actor.Can(auth.ManageWorkspace) {
		return store.Department{}, apperr.ErrForbidden
	}
	d, err := s.store.GetDepartment(ctx, actor.WorkspaceID, id)
	if err != nil {
		return store.Department{}, err
	}
	if in.Name != nil {
		if d.Name, err = departmentName(*in.Name); err != nil {
			return store.Department{}, err
		}
	}
	if in.Hours != nil {
		if d.BusinessHours, err = departmentHours(*in.Hours); err != nil {
			return store.Department{}, err
		}
	}
	updated, err := s.store.UpdateDepartment(ctx, actor.WorkspaceID, id, d.Name, d.BusinessHours, s.clock.Now())
	s.hours.Invalidate(func(ws string, _ map[string]store.BusinessHours) bool { return ws == actor.WorkspaceID })
	return updated, departmentErr(err)
}

// departmentHours validates a department's own hours: a schedule only,
// since the out-of-hours texts are the site's.
func departmentHours(h *store.BusinessHours) (*store.BusinessHours, error) {
	if h == nil {
		return nil, nil
	}
	if h.ClosedMessage != "" || h.Question != "" || h.AskContact {
		return nil, apperr.Invalidf("business_hours", "site_only",
			"a department's hours are a schedule (time_zone, days, closed_days); the out-of-hours texts are the site's")
	}
	bh, err := site.Schedule(*h)
	if err != nil {
		return nil, err
	}
	return &bh, nil
}

// HoursCacheTTL bounds how long DepartmentHours serves hours read earlier:
// the out-of-hours check asks for them on every visitor message that no
// agent holds. A change made through this Service drops them at once on
// this node; other nodes see it within the TTL.
const HoursCacheTTL = 5 * time.Second

// maxCachedWorkspaces bounds the hours cache (cleared when full).
const maxCachedWorkspaces = 10000

// DepartmentHours maps the workspace's departments that have hours of
// their own to them, from a cache up to HoursCacheTTL old. The map is
// shared: callers must not change it.
func (s *Service) DepartmentHours(ctx context.Context, workspaceID string) (map[string]store.BusinessHours, error) {
	return s.hours.Get(ctx, workspaceID, func(ctx context.Context) (map[string]store.BusinessHours, error) {
		return s.store.DepartmentHours(ctx, workspaceID)
	})
}

// DeleteDepartment removes a department.
func (s *Service) DeleteDepartment(ctx context.Context, actor auth.Actor, id string) error {
	if !actor.Can(auth.ManageWorkspace) {
		return apperr.ErrForbidden
	}
	err := s.store.DeleteDepartment(ctx, actor.WorkspaceID, id)
	s.hours.Invalidate(func(ws string, _ map[string]store.BusinessHours) bool { return ws == actor.WorkspaceID })
	return err
}

func departmentName(name string) (string, error) {
	name, ok := printable.Name(name, printable.MaxName, false)
	if !ok {
		return "", apperr.Invalidf("name", "invalid_name", "a department name needs 1 to 100 characters, without control characters")
	}
	return name, nil
}

func departmentErr(err error) error {
	if apperr.Is(err, apperr.Conflict) {
		return &apperr.Error{Kind: apperr.Conflict, Code: "name_taken", Field: "name", Message: "a department with this name exists", Err: err}
	}
	if err != nil {
		return fmt.Errorf("team: %w", err)
	}
	return nil
}

// Agent statuses.
const (
	Online  = "online"  // receives new chats
	Busy    = "busy"    // keeps its chats, receives no new ones
	Offline = "offline" // unavailable
)

// SetStatus stores the acting agent's availability and tells every desk;
// an agent coming online is offered the waiting conversations at once.
func (s *Service) SetStatus(ctx context.Context, actor auth.Actor, status string) (store.Agent, error) {
	if actor.AgentID == "" {
		return store.Agent{}, apperr.ErrForbidden
	}
	switch status {
	case Online, Busy, Offline:
	default:
		return store.Agent{}, apperr.Invalidf("status", "invalid_status", "status must be online, busy or offline")
	}
	if err := s.store.SetAgentStatus(ctx, actor.WorkspaceID, actor.AgentID, status, s.clock.Now()); err != nil {
		return store.Agent{}, err
	}
	a, err := s.store.GetAgent(ctx, actor.WorkspaceID, actor.AgentID)
	if err != nil {
		return store.Agent{}, err
	}
	s.announce(ctx, a)
	if status == Online && s.queue != nil {
		s.queue.DrainQueue(ctx, actor.WorkspaceID)
	}
	return a, nil
}

// DeskSeen records that a desk of the agent is connected (its hello, its
// hang-up, a heartbeat that found it away). An agent back from away is announced with the
// status it chose and, when that is online, offered the waiting chats.
func (s *Service) DeskSeen(ctx context.Context, workspaceID, agentID string) error {
	back, err := s.store.TouchDesk(ctx, workspaceID, agentID, s.clock.Now())
	if err != nil || !back {
		return err
	}
	a, err := s.store.GetAgent(ctx, workspaceID, agentID)
	if err != nil {
		return err
	}
	s.announce(ctx, a)
	if a.Status == Online && s.queue != nil {
		s.queue.DrainQueue(ctx, workspaceID)
	}
	return nil
}

// Heartbeat records that desks of these agents (workspace → agent ids)
// are connected to this node now. Every node runs it more often than the
// away grace period, so an agent with a desk open on any node never goes
// away; one marked away meanwhile (a heartbeat late past the grace) comes
// back as by DeskSeen.
func (s *Service) Heartbeat(ctx context.Context, desks map[string][]string) error {
	now := s.clock.Now()
	var errs []error
	for ws, ids := range desks {
		away, err := s.store.TouchDesks(ctx, ws, ids, now)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, id := range away {
			if err := s.DeskSeen(ctx, ws, id); err != nil && !apperr.Is(err, apperr.NotFound) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// ExpireAbsent makes away every agent, in every workspace, who chose
// online or busy and whose desks have all been gone for longer than
// grace: it is announced (desks show it offline), offered no new chats,
// and its open chats go back to the queue, except flagged ones. Its
// chosen status is kept for its return (DeskSeen). Two nodes may run it
// at once: each agent is marked by one. It returns how many went away.
func (s *Service) ExpireAbsent(ctx context.Context, grace time.Duration) (int, error) {
	wss, err := s.store.ListWorkspaces(ctx)
	if err != nil {
		return 0, err
	}
	now := s.clock.Now()
	cutoff, n := now.Add(-grace), 0
	for _, w := range wss {
		absent, err := s.store.AbsentAgents(ctx, w.ID, cutoff)
		if err != nil {
			return n, err
		}
		for _, a := range absent {
			ok, err := s.store.MarkAway(ctx, w.ID, a.ID, cutoff, now)
			if err != nil || !ok {
				continue // back meanwhile, or another node did it
			}
			a.Away = true
			s.announce(ctx, a)
			if s.queue != nil {
				s.queue.Requeue(ctx, a)
			}
			n++
		}
	}
	return n, nil
}

func (s *Service) record(ctx context.Context, actor auth.Actor, action, targetID string, detail map[string]any) {
	if s.audit != nil {
		s.audit.Record(ctx, actor, action, "agent", targetID, detail)
	}
}
