package team_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/store"
	"github.com/querytel/livedesk/internal/store/storetest"
	"github.com/querytel/livedesk/internal/team"
)

// fixture is a workspace with one agent of each role. Their password hashes
// are placeholders: team never checks a password, and argon2 costs time.
type fixture struct {
	svc                             *team.Service
	st                              *store.Store
	ws                              store.Workspace
	dept                            store.Department
	owner, admin, supervisor, agent auth.Principal
	otherDept                       store.Department // in another workspace
	ctx                             context.Context
	principals                      map[auth.Role]auth.Principal
	emails                          int
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st := storetest.SQLite(t)
	ctx := t.Context()
	f := &fixture{svc: team.New(st, clock.NewFake(storetest.Epoch), nil, auth.TestHasher, nil, nil), st: st, ctx: ctx}
	var err error
	if f.ws, err = st.CreateWorkspace(ctx, "Acme", storetest.Epoch); err != nil {
		t.Fatal(err)
	}
	if f.dept, err = st.CreateDepartment(ctx, f.ws.ID, "Sales", storetest.Epoch); err != nil {
		t.Fatal(err)
	}
	other, err := st.CreateWorkspace(ctx, "Other", storetest.Epoch)
	if err != nil {
		t.Fatal(err)
	}
	if f.otherDept, err = st.CreateDepartment(ctx, other.ID, "Theirs", storetest.Epoch); err != nil {
		t.Fatal(err)
	}
	f.principals = map[auth.Role]auth.Principal{}
	for _, r := range auth.Roles {
		f.principals[r] = f.add(t, r)
	}
	f.owner, f.admin, f.supervisor, f.agent = f.principals[auth.Owner], f.principals[auth.Admin],
		f.principals[auth.Supervisor], f.principals[auth.Agent]
	return f
}

// add stores an agent with role and returns it as a signed-in principal.
func (f *fixture) add(t *testing.T, role auth.Role) auth.Principal {
	t.Helper()
	f.emails++
	a, err := f.st.CreateAgent(f.ctx, store.Agent{WorkspaceID: f.ws.ID, Email: fmt.Sprintf("%s%d@example.com", role, f.emails),
		Name: string(role), Role: string(role), PasswordHash: "unused"}, storetest.Epoch)
	if err != nil {
		t.Fatal(err)
	}
	return auth.Principal{Agent: a}
}

func (f *fixture) agents(t *testing.T) []store.Agent {
	t.Helper()
	list, err := f.st.ListAgents(f.ctx, f.ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func ptr[T any](v T) *T { return &v }

// wantAppErr fails unless err is an apperr of kind with code (and field,
// when given).
func wantAppErr(t *testing.T, what string, err error, kind apperr.Kind, code, field string) {
	t.Helper()
	e := apperr.From(err)
	if err == nil || e.Kind != kind || e.Code != code || (field != "" && e.Field != field) {
		t.Errorf("%s: err %v (kind %d, code %q, field %q); want kind %d, code %q, field %q",
			what, err, e.Kind, e.Code, e.Field, kind, code, field)
	}
}

func TestWhoMayCreateWhom(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	allowed := map[auth.Role][]auth.Role{
		auth.Owner: {auth.Owner, auth.Admin, auth.Supervisor, auth.Agent},
		auth.Admin: {auth.Admin, auth.Supervisor, auth.Agent},
	}
	n := 0
	for _, actor := range auth.Roles {
		for _, role := range auth.Roles {
			n++
			in := team.AgentInput{Email: ptr(fmt.Sprintf("new%d@example.com", n)), Name: ptr("New"), Role: ptr(string(role)),
				Password: ptr("a-fine-password")}
			a, _, err := f.svc.CreateAgent(f.ctx, f.principals[actor].Actor(), in)
			want := false
			for _, r := range allowed[actor] {
				want = want || r == role
			}
			what := fmt.Sprintf("%s creates %s", actor, role)
			if !want {
				wantAppErr(t, what, err, apperr.Forbidden, "forbidden", "")
				continue
			}
			if err != nil || a.Role != string(role) || a.WorkspaceID != f.ws.ID {
				t.Errorf("%s: %+v, %v", what, a, err)
			}
		}
	}
	// 4 + 3 agents were made; nobody else.
	if got := len(f.agents(t)); got != 4+7 {
		t.Fatalf("%d agents, want 11", got)
	}
}

func TestCreateAgentPasswords(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a, pw, err := f.svc.CreateAgent(f.ctx, f.owner.Actor(), team.AgentInput{Email: ptr("Gen@Example.com"), Name: ptr(" Gen "),
		DepartmentIDs: &[]string{f.dept.ID}, MaxChats: ptr(7)})
	if err != nil {
		t.Fatal(err)
	}
	if a.Email != "gen@example.com" || a.Name != "Gen" || a.Role != "agent" || a.MaxChats != 7 ||
		len(a.DepartmentIDs) != 1 || a.DepartmentIDs[0] != f.dept.ID {
		t.Fatalf("created %+v", a)
	}
	if len(pw) != 24 {
		t.Fatalf("generated password %q, want 24 characters", pw)
	}
	if ok, err := auth.CheckPassword(a.PasswordHash, pw); !ok || err != nil {
		t.Fatalf("the generated password does not match the stored hash: %v", err)
	}
	_, pw, err = f.svc.CreateAgent(f.ctx, f.owner.Actor(), team.AgentInput{Email: ptr("chosen@example.com"), Name: ptr("Chosen"),
		Password: ptr("chosen-password")})
	if err != nil {
		t.Fatal(err)
	}
	if pw != "" {
		t.Fatalf("a chosen password was echoed back: %q", pw)
	}
}

func TestCreateAgentInputErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	before := f.agents(t)
	base := func(mod func(*team.AgentInput)) team.AgentInput {
		in := team.AgentInput{Email: ptr("new@example.com"), Name: ptr("New"), Password: ptr("a-fine-password")}
		mod(&in)
		return in
	}
	cases := []struct {
		name        string
		in          team.AgentInput
		kind        apperr.Kind
		code, field string
	}{
		{"no e-mail", base(func(in *team.AgentInput) { in.Email = nil }), apperr.Invalid, "required", "email"},
		{"no name", base(func(in *team.AgentInput) { in.Name = nil }), apperr.Invalid, "required", ""},
		{"not an e-mail", base(func(in *team.AgentInput) { in.Email = ptr("not-an-email") }), apperr.Invalid, "invalid_email", "email"},
		{"display-name e-mail", base(func(in *team.AgentInput) { in.Email = ptr("New <new@example.com>") }), apperr.Invalid, "invalid_email", "email"},
		{"blank name", base(func(in *team.AgentInput) { in.Name = ptr("  ") }), apperr.Invalid, "invalid_name", "name"},
		{"unknown role", base(func(in *team.AgentInput) { in.Role = ptr("root") }), apperr.Invalid, "invalid_role", "role"},
		{"negative max chats", base(func(in *team.AgentInput) { in.MaxChats = ptr(-1) }), apperr.Invalid, "invalid_max_chats", "max_chats"},
		{"too many max chats", base(func(in *team.AgentInput) { in.MaxChats = ptr(team.MaxChatsLimit + 1) }), apperr.Invalid, "invalid_max_chats", "max_chats"},
		{"short password", base(func(in *team.AgentInput) { in.Password = ptr("short") }), apperr.Invalid, "password_too_short", "password"},
		{"unknown department", base(func(in *team.AgentInput) { in.DepartmentIDs = &[]string{store.NewID()} }), apperr.Invalid, "unknown_department", "department_ids"},
		{"another workspace's department", base(func(in *team.AgentInput) { in.DepartmentIDs = &[]string{f.otherDept.ID} }), apperr.Invalid, "unknown_department", "department_ids"},
		{"taken e-mail", base(func(in *team.AgentInput) { in.Email = ptr(strings.ToUpper(f.agent.Agent.Email)) }), apperr.Conflict, "email_taken", "email"},
	}
	for _, c := range cases {
		_, _, err := f.svc.CreateAgent(f.ctx, f.owner.Actor(), c.in)
		wantAppErr(t, c.name, err, c.kind, c.code, c.field)
	}
	if after := f.agents(t); len(after) != len(before) {
		t.Fatalf("refused input created agents: %d before, %d after", len(before), len(after))
	}
}

func TestUpdateAgentRules(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	other := f.add(t, auth.Agent)
	cases := []struct {
		name   string
		actor  auth.Principal
		target string
		in     team.AgentInput
		kind   apperr.Kind // 0 (Internal) means "allowed"
		code   string
	}{
		{"an agent renames themselves", f.agent, f.agent.Agent.ID, team.AgentInput{Name: ptr("Me")}, 0, ""},
		{"an agent changes their own role", f.agent, f.agent.Agent.ID, team.AgentInput{Role: ptr("admin")}, apperr.Forbidden, "forbidden"},
		{"an agent changes their own limit", f.agent, f.agent.Agent.ID, team.AgentInput{MaxChats: ptr(50)}, apperr.Forbidden, "forbidden"},
		{"an agent changes their own departments", f.agent, f.agent.Agent.ID, team.AgentInput{DepartmentIDs: &[]string{f.dept.ID}}, apperr.Forbidden, "forbidden"},
		{"an agent changes their own e-mail", f.agent, f.agent.Agent.ID, team.AgentInput{Email: ptr("me@example.com")}, apperr.Forbidden, "forbidden"},
		{"an agent renames a colleague", f.agent, other.Agent.ID, team.AgentInput{Name: ptr("Ha")}, apperr.Forbidden, "forbidden"},
		{"a supervisor renames an agent", f.supervisor, other.Agent.ID, team.AgentInput{Name: ptr("Ha")}, apperr.Forbidden, "forbidden"},
		{"an admin edits the owner", f.admin, f.owner.Agent.ID, team.AgentInput{Name: ptr("Ha")}, apperr.Forbidden, "forbidden"},
		{"an admin makes an agent owner", f.admin, other.Agent.ID, team.AgentInput{Role: ptr("owner")}, apperr.Forbidden, "forbidden"},
		{"an admin makes themselves owner", f.admin, f.admin.Agent.ID, team.AgentInput{Role: ptr("owner")}, apperr.Forbidden, "forbidden"},
		{"the last owner demotes themselves", f.owner, f.owner.Agent.ID, team.AgentInput{Role: ptr("admin")}, apperr.Conflict, "last_owner"},
		{"a password through update", f.owner, other.Agent.ID, team.AgentInput{Password: ptr("a-fine-password")}, apperr.Invalid, "use_password_endpoint"},
		{"an unknown agent", f.owner, store.NewID(), team.AgentInput{Name: ptr("Ghost")}, apperr.NotFound, "not_found"},
		{"a taken e-mail", f.owner, other.Agent.ID, team.AgentInput{Email: ptr(f.admin.Agent.Email)}, apperr.Conflict, "email_taken"},
		{"an unknown department", f.owner, other.Agent.ID, team.AgentInput{DepartmentIDs: &[]string{f.otherDept.ID}}, apperr.Invalid, "unknown_department"},
		{"an admin promotes an agent to admin", f.admin, other.Agent.ID, team.AgentInput{Role: ptr("admin"), MaxChats: ptr(9)}, 0, ""},
	}
	for _, c := range cases {
		before, err := f.st.GetAgent(f.ctx, f.ws.ID, c.target)
		if err != nil && c.kind != apperr.NotFound {
			t.Fatal(err)
		}
		got, err := f.svc.UpdateAgent(f.ctx, c.actor.Actor(), c.target, c.in)
		if c.kind == 0 {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			} else if c.in.Name != nil && got.Name != *c.in.Name || c.in.Role != nil && got.Role != *c.in.Role {
				t.Errorf("%s: got %+v", c.name, got)
			}
			continue
		}
		wantAppErr(t, c.name, err, c.kind, c.code, "")
		after, _ := f.st.GetAgent(f.ctx, f.ws.ID, c.target)
		if after.Name != before.Name || after.Role != before.Role || after.Email != before.Email || after.MaxChats != before.MaxChats ||
			len(after.DepartmentIDs) != len(before.DepartmentIDs) {
			t.Errorf("%s changed the agent: %+v → %+v", c.name, before, after)
		}
	}

	// With a second owner, an owner may step down.
	f.add(t, auth.Owner)
	if _, err := f.svc.UpdateAgent(f.ctx, f.owner.Actor(), f.owner.Agent.ID, team.AgentInput{Role: ptr("admin")}); err != nil {
		t.Fatalf("stepping down beside another owner: %v", err)
	}
}

func TestDeleteAgentRules(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	victim := f.add(t, auth.Agent)
	cases := []struct {
		name   string
		actor  auth.Principal
		target string
		kind   apperr.Kind
		code   string
	}{
		{"the owner deletes themselves", f.owner, f.owner.Agent.ID, apperr.Conflict, "cannot_delete_self"},
		{"an admin deletes themselves", f.admin, f.admin.Agent.ID, apperr.Conflict, "cannot_delete_self"},
		{"an admin deletes the owner", f.admin, f.owner.Agent.ID, apperr.Forbidden, "forbidden"},
		{"an agent deletes a colleague", f.agent, victim.Agent.ID, apperr.Forbidden, "forbidden"},
		{"a supervisor deletes an agent", f.supervisor, victim.Agent.ID, apperr.Forbidden, "forbidden"},
		{"an agent deletes themselves", f.agent, f.agent.Agent.ID, apperr.Forbidden, "forbidden"},
		{"an unknown agent", f.owner, store.NewID(), apperr.NotFound, "not_found"},
	}
	for _, c := range cases {
		err := f.svc.DeleteAgent(f.ctx, c.actor.Actor(), c.target)
		wantAppErr(t, c.name, err, c.kind, c.code, "")
	}
	if got := len(f.agents(t)); got != 5 {
		t.Fatalf("refused deletions removed agents: %d left, want 5", got)
	}
	if err := f.svc.DeleteAgent(f.ctx, f.admin.Actor(), victim.Agent.ID); err != nil {
		t.Fatalf("an admin deletes an agent: %v", err)
	}
	if _, err := f.svc.GetAgent(f.ctx, f.owner.Actor(), victim.Agent.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("deleted agent: %v", err)
	}

	// Two owners: one may remove the other, but nobody removes the last
	// one, not even through a principal loaded before its own removal.
	second := f.add(t, auth.Owner)
	if err := f.svc.DeleteAgent(f.ctx, f.owner.Actor(), second.Agent.ID); err != nil {
		t.Fatalf("an owner deletes another owner: %v", err)
	}
	err := f.svc.DeleteAgent(f.ctx, second.Actor(), f.owner.Agent.ID)
	wantAppErr(t, "deleting the last owner", err, apperr.Conflict, "last_owner", "")
}

func TestResetPassword(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := f.ctx
	now := storetest.Epoch
	if err := f.st.CreateSession(ctx, store.Session{TokenHash: "agent-session", WorkspaceID: f.ws.ID, AgentID: f.agent.Agent.ID,
		CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	pw, err := f.svc.ResetPassword(ctx, f.admin.Actor(), f.agent.Agent.ID, "")
	if err != nil || len(pw) != 24 {
		t.Fatalf("reset: %q, %v", pw, err)
	}
	a, err := f.st.GetAgent(ctx, f.ws.ID, f.agent.Agent.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := auth.CheckPassword(a.PasswordHash, pw); !ok {
		t.Fatal("the generated password does not match")
	}
	if _, _, err := f.st.SessionAgent(ctx, "agent-session", now); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the agent's session survived a reset: %v", err)
	}
	pw, err = f.svc.ResetPassword(ctx, f.owner.Actor(), f.agent.Agent.ID, "chosen-password")
	if err != nil || pw != "" {
		t.Fatalf("reset to a chosen password: %q, %v", pw, err)
	}
	_, err = f.svc.ResetPassword(ctx, f.owner.Actor(), f.agent.Agent.ID, "short")
	wantAppErr(t, "short password", err, apperr.Invalid, "password_too_short", "password")
	_, err = f.svc.ResetPassword(ctx, f.agent.Actor(), f.supervisor.Agent.ID, "")
	wantAppErr(t, "an agent resets a supervisor", err, apperr.Forbidden, "forbidden", "")
	_, err = f.svc.ResetPassword(ctx, f.admin.Actor(), f.owner.Agent.ID, "")
	wantAppErr(t, "an admin resets the owner", err, apperr.Forbidden, "forbidden", "")
	owner, err := f.st.GetAgent(ctx, f.ws.ID, f.owner.Agent.ID)
	if err != nil || owner.PasswordHash != "unused" {
		t.Fatalf("a refused reset changed the owner's password: %v", err)
	}
}

func TestDepartments(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := f.ctx
	for _, p := range []auth.Principal{f.agent, f.supervisor} {
		_, err := f.svc.CreateDepartment(ctx, p.Actor(), "Mine")
		wantAppErr(t, p.Agent.Role+" creates a department", err, apperr.Forbidden, "forbidden", "")
		_, err = f.svc.UpdateDepartment(ctx, p.Actor(), f.dept.ID, team.DepartmentInput{Name: ptr("Mine")})
		wantAppErr(t, p.Agent.Role+" renames a department", err, apperr.Forbidden, "forbidden", "")
		err = f.svc.DeleteDepartment(ctx, p.Actor(), f.dept.ID)
		wantAppErr(t, p.Agent.Role+" deletes a department", err, apperr.Forbidden, "forbidden", "")
		if list, err := f.svc.ListDepartments(ctx, p.Actor()); err != nil || len(list) != 1 {
			t.Errorf("%s lists departments: %d, %v", p.Agent.Role, len(list), err)
		}
	}
	d, err := f.svc.CreateDepartment(ctx, f.admin.Actor(), "  Support ")
	if err != nil || d.Name != "Support" {
		t.Fatalf("create: %+v, %v", d, err)
	}
	for name, in := range map[string]string{"blank": "  ", "long": strings.Repeat("d", 101)} {
		_, err = f.svc.CreateDepartment(ctx, f.admin.Actor(), in)
		wantAppErr(t, name+" name", err, apperr.Invalid, "invalid_name", "name")
		_, err = f.svc.UpdateDepartment(ctx, f.admin.Actor(), d.ID, team.DepartmentInput{Name: ptr(in)})
		wantAppErr(t, name+" rename", err, apperr.Invalid, "invalid_name", "name")
	}
	_, err = f.svc.CreateDepartment(ctx, f.admin.Actor(), "Sales")
	wantAppErr(t, "duplicate", err, apperr.Conflict, "name_taken", "name")
	_, err = f.svc.UpdateDepartment(ctx, f.admin.Actor(), d.ID, team.DepartmentInput{Name: ptr("Sales")})
	wantAppErr(t, "rename to a taken name", err, apperr.Conflict, "name_taken", "name")
	_, err = f.svc.UpdateDepartment(ctx, f.admin.Actor(), f.otherDept.ID, team.DepartmentInput{Name: ptr("Stolen")})
	wantAppErr(t, "rename another workspace's department", err, apperr.NotFound, "not_found", "")
	err = f.svc.DeleteDepartment(ctx, f.admin.Actor(), f.otherDept.ID)
	wantAppErr(t, "delete another workspace's department", err, apperr.NotFound, "not_found", "")
	_, err = f.svc.GetDepartment(ctx, f.admin.Actor(), f.otherDept.ID)
	wantAppErr(t, "read another workspace's department", err, apperr.NotFound, "not_found", "")

	got, err := f.svc.UpdateDepartment(ctx, f.admin.Actor(), d.ID, team.DepartmentInput{Name: ptr("Help")})
	if err != nil || got.Name != "Help" {
		t.Fatalf("rename: %+v, %v", got, err)
	}

	// Hours of its own: a schedule, checked as a site's is; the texts
	// are the site's. Then back to following the sites.
	hours := func(h *store.BusinessHours) team.DepartmentInput { return team.DepartmentInput{Hours: &h} }
	for name, c := range map[string]struct {
		h     store.BusinessHours
		code  string
		field string
	}{
		"zone":       {store.BusinessHours{TimeZone: "Mars/Olympus"}, "invalid_time_zone", "business_hours.time_zone"},
		"span":       {store.BusinessHours{Days: []store.OpenSpan{{Weekday: 1, Open: "17:00", Close: "09:00"}}}, "invalid_span", "business_hours.days"},
		"closed day": {store.BusinessHours{ClosedDays: []string{"2026-02-30"}}, "invalid_closed_day", "business_hours.closed_days"},
		"texts":      {store.BusinessHours{ClosedMessage: "We are out"}, "site_only", "business_hours"},
	} {
		_, err := f.svc.UpdateDepartment(ctx, f.admin.Actor(), d.ID, hours(&c.h))
		wantAppErr(t, name, err, apperr.Invalid, c.code, c.field)
	}
	if got, _ := f.svc.GetDepartment(ctx, f.admin.Actor(), d.ID); got.BusinessHours != nil || got.Name != "Help" {
		t.Fatalf("refused hours changed the department: %+v", got)
	}
	_, err = f.svc.UpdateDepartment(ctx, f.agent.Actor(), d.ID, hours(&store.BusinessHours{}))
	wantAppErr(t, "an agent sets hours", err, apperr.Forbidden, "forbidden", "")

	cached, err := f.svc.DepartmentHours(ctx, f.admin.Actor().WorkspaceID)
	if err != nil || len(cached) != 0 {
		t.Fatalf("department hours before any: %v, %v", cached, err)
	}
	got, err = f.svc.UpdateDepartment(ctx, f.admin.Actor(), d.ID, hours(&store.BusinessHours{Days: []store.OpenSpan{{Weekday: 1, Open: "09:00", Close: "12:00"}}}))
	if err != nil || got.BusinessHours == nil || got.BusinessHours.TimeZone != "UTC" || got.Name != "Help" {
		t.Fatalf("set hours: %+v, %v", got, err)
	}
	// The change is seen at once on this node, though the cache had
	// just read "none".
	if cached, err = f.svc.DepartmentHours(ctx, f.admin.Actor().WorkspaceID); err != nil || len(cached[d.ID].Days) != 1 {
		t.Fatalf("department hours after the change: %v, %v", cached, err)
	}
	got, err = f.svc.UpdateDepartment(ctx, f.admin.Actor(), d.ID, hours(nil))
	if err != nil || got.BusinessHours != nil {
		t.Fatalf("clear hours: %+v, %v", got, err)
	}
	if cached, err = f.svc.DepartmentHours(ctx, f.admin.Actor().WorkspaceID); err != nil || len(cached) != 0 {
		t.Fatalf("department hours after clearing: %v, %v", cached, err)
	}
	if err := f.svc.DeleteDepartment(ctx, f.owner.Actor(), d.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.GetDepartment(ctx, f.owner.Actor(), d.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("deleted department: %v", err)
	}
}

func TestCreateAgentUnchecked(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a, err := f.svc.CreateAgentUnchecked(f.ctx, f.ws.ID, team.AgentInput{Email: ptr("cli@example.com"), Name: ptr("CLI"),
		Role: ptr("owner"), Password: ptr("a-fine-password")})
	if err != nil || a.Role != "owner" {
		t.Fatalf("%+v, %v", a, err)
	}
	_, err = f.svc.CreateAgentUnchecked(f.ctx, f.ws.ID, team.AgentInput{Email: ptr("cli2@example.com"), Name: ptr("CLI")})
	wantAppErr(t, "no password", err, apperr.Invalid, "required", "")
	_, err = f.svc.CreateAgentUnchecked(f.ctx, f.ws.ID, team.AgentInput{Email: ptr("CLI@example.com"), Name: ptr("CLI"),
		Password: ptr("a-fine-password")})
	wantAppErr(t, "taken e-mail", err, apperr.Conflict, "email_taken", "email")
	if !errors.Is(err, store.ErrConflict) {
		t.Fatal("email_taken no longer wraps store.ErrConflict (app's bootstrap relies on it)")
	}
}
