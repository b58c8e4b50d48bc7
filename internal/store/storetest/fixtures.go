package storetest

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/store"
)

// tenant is one workspace with one of everything: a department, a site that
// defaults to it, an owner in the department with a live session, and a
// plain agent. The isolation cases build two and aim one at the other.
type tenant struct {
	ws      store.Workspace
	dept    store.Department
	site    store.Site
	owner   store.Agent
	agent   store.Agent
	session store.Session
}

// newTenant builds a tenant; name makes its e-mails, widget key and session
// unique across tenants in one database.
func newTenant(t *testing.T, s *store.Store, name string) tenant {
	t.Helper()
	ctx := t.Context()
	var tn tenant
	var err error
	if tn.ws, err = s.CreateWorkspace(ctx, "Workspace "+name, Epoch); err != nil {
		t.Fatalf("tenant %s: %v", name, err)
	}
	if tn.dept, err = s.CreateDepartment(ctx, tn.ws.ID, "Sales", Epoch); err != nil {
		t.Fatalf("tenant %s: %v", name, err)
	}
	tn.site, err = s.CreateSite(ctx, store.Site{
		WorkspaceID: tn.ws.ID, Name: "Shop " + name, WidgetKey: "wk_" + name,
		AllowedOrigins: []string{"https://" + name + ".example"},
		BusinessHours: store.BusinessHours{TimeZone: "Europe/Berlin",
			Days: []store.OpenSpan{{Weekday: 1, Open: "09:00", Close: "17:00"}}},
		IdentitySecret: "secret-" + name, DefaultDepartmentID: tn.dept.ID,
	}, Epoch)
	if err != nil {
		t.Fatalf("tenant %s: %v", name, err)
	}
	tn.owner, err = s.CreateAgent(ctx, store.Agent{
		WorkspaceID: tn.ws.ID, Email: "owner@" + name + ".example", Name: "Owner " + name, Role: "owner",
		PasswordHash: "hash-owner-" + name, MaxChats: 3, DepartmentIDs: []string{tn.dept.ID},
	}, Epoch)
	if err != nil {
		t.Fatalf("tenant %s: %v", name, err)
	}
	tn.agent, err = s.CreateAgent(ctx, store.Agent{
		WorkspaceID: tn.ws.ID, Email: "agent@" + name + ".example", Name: "Agent " + name, Role: "agent",
		PasswordHash: "hash-agent-" + name,
	}, Epoch)
	if err != nil {
		t.Fatalf("tenant %s: %v", name, err)
	}
	tn.session = store.Session{
		TokenHash: "session-" + name, WorkspaceID: tn.ws.ID, AgentID: tn.owner.ID,
		CreatedAt: Epoch, ExpiresAt: Epoch.Add(24 * time.Hour), UserAgent: "test", IP: "192.0.2.1",
	}
	if err := s.CreateSession(ctx, tn.session); err != nil {
		t.Fatalf("tenant %s: %v", name, err)
	}
	return tn
}

// snapshot is everything a tenant's rows look like through every read the
// store offers, including secrets and password hashes.
type snapshot struct {
	Workspace      store.Workspace
	Sites          []store.Site
	Site           store.Site
	SiteByKey      store.Site
	Agents         []store.Agent
	Owner          store.Agent
	Agent          store.Agent
	OwnerByEmail   store.Agent
	Departments    []store.Department
	Department     store.Department
	Session        store.Session
	SessionAgent   store.Agent
	OwnersCount    int
	AgentRoleCount int
}

func takeSnapshot(t *testing.T, s *store.Store, tn tenant) snapshot {
	t.Helper()
	ctx := t.Context()
	var sn snapshot
	var errs []error
	add := func(err error) { errs = append(errs, err) }
	var err error
	sn.Workspace, err = s.GetWorkspace(ctx, tn.ws.ID)
	add(err)
	sn.Sites, err = s.ListSites(ctx, tn.ws.ID)
	add(err)
	sn.Site, err = s.GetSite(ctx, tn.ws.ID, tn.site.ID)
	add(err)
	sn.SiteByKey, err = s.SiteByWidgetKey(ctx, tn.site.WidgetKey)
	add(err)
	sn.Agents, err = s.ListAgents(ctx, tn.ws.ID)
	add(err)
	sn.Owner, err = s.GetAgent(ctx, tn.ws.ID, tn.owner.ID)
	add(err)
	sn.Agent, err = s.GetAgent(ctx, tn.ws.ID, tn.agent.ID)
	add(err)
	sn.OwnerByEmail, err = s.AgentByEmail(ctx, tn.owner.Email)
	add(err)
	sn.Departments, err = s.ListDepartments(ctx, tn.ws.ID)
	add(err)
	sn.Department, err = s.GetDepartment(ctx, tn.ws.ID, tn.dept.ID)
	add(err)
	sn.Session, sn.SessionAgent, err = s.SessionAgent(ctx, tn.session.TokenHash, Epoch)
	add(err)
	sn.OwnersCount, err = s.CountAgentsWithRole(ctx, tn.ws.ID, "owner")
	add(err)
	sn.AgentRoleCount, err = s.CountAgentsWithRole(ctx, tn.ws.ID, "agent")
	add(err)
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("snapshot of %s: %v", tn.ws.Name, err)
	}
	return sn
}

// sameSnapshot fails the test when after differs from before in any field
// (T is a snapshot struct).
func sameSnapshot[T any](t *testing.T, what string, before, after T) {
	t.Helper()
	bv, av := reflect.ValueOf(before), reflect.ValueOf(after)
	for i := range bv.NumField() {
		if !reflect.DeepEqual(bv.Field(i).Interface(), av.Field(i).Interface()) {
			t.Errorf("%s changed %s:\nbefore %+v\nafter  %+v", what, bv.Type().Field(i).Name,
				bv.Field(i).Interface(), av.Field(i).Interface())
		}
	}
}

// wantErr fails unless errors.Is(err, target).
func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("err = %v, want %v", err, target)
	}
}

// noErr fails on err, naming what was being done.
func noErr(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// equal fails unless got and want are deeply equal.
func equal[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\ngot  %+v\nwant %+v", what, got, want)
	}
}

// ids lists the ids of rows in order.
func ids[T any](rows []T, id func(T) string) []string {
	out := make([]string, 0, len(rows))
	for _, r := range rows {
		out = append(out, id(r))
	}
	return out
}

func siteID(s store.Site) string       { return s.ID }
func agentID(a store.Agent) string     { return a.ID }
func deptID(d store.Department) string { return d.ID }
