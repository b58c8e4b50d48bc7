package storetest

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/querytel/livedesk/internal/store"
)

// runFoundation covers workspaces, sites, agents, departments and sessions:
// every method of the store's foundation files. Tenant isolation is
// isolation.go's.
func runFoundation(t *testing.T, newStore NewStore) {
	t.Helper()
	runCases(t, newStore, []storeCase{
		{"store/ping, dialect and ids", testStoreBasics},
		{"workspaces/create, read, update, count, first", testWorkspaces},
		{"sites/create, read, list, update, rotate key, delete", testSites},
		{"agents/create, read, list, update, status, delete", testAgents},
		{"agents/e-mails are unique case-insensitively", testAgentEmailConflicts},
		{"agents/a heartbeat keeps desks present; an away agent is returned, not touched", testDeskHeartbeat},
		{"departments/create, read, list, rename, delete", testDepartments},
		{"departments/names are unique per workspace", testDepartmentConflicts},
		{"sessions/create, authenticate, expire, delete", testSessions},
		{"sessions/password change revokes all but the kept session", testPasswordRevokesSessions},
		{"agents/a disabled agent has no sessions, is offline, and can be enabled again", testDisableAgent},
		{"cascades/deleting an agent removes its sessions and memberships", testDeleteAgentCascades},
		{"cascades/deleting a department clears defaults and memberships", testDeleteDepartmentCascades},
	})
}

func testStoreBasics(t *testing.T, s *store.Store) {
	noErr(t, "ping", s.Ping(t.Context()))
	if d := s.Dialect(); d != store.SQLite && d != store.Postgres {
		t.Fatalf("Dialect() = %q", d)
	}
	seen := map[string]bool{}
	for range 100 {
		id := store.NewID()
		u, err := uuid.Parse(id)
		if err != nil || u.Version() != 7 || u.String() != id {
			t.Fatalf("NewID() = %q: not a canonical UUIDv7 (%v)", id, err)
		}
		if seen[id] {
			t.Fatalf("NewID() repeated %s", id)
		}
		seen[id] = true
	}
}

func testWorkspaces(t *testing.T, s *store.Store) {
	ctx := t.Context()
	n, err := s.CountWorkspaces(ctx)
	noErr(t, "count", err)
	equal(t, "workspaces in an empty database", n, 0)
	_, err = s.FirstWorkspace(ctx)
	wantErr(t, err, store.ErrNotFound)
	_, err = s.GetWorkspace(ctx, store.NewID())
	wantErr(t, err, store.ErrNotFound)

	// The clock may carry sub-millisecond parts; what Create returns must
	// be what a later read returns.
	now := Epoch.Add(1500 * time.Microsecond)
	later, err := s.CreateWorkspace(ctx, "Made first, dated later", now.Add(time.Hour))
	noErr(t, "create", err)
	first, err := s.CreateWorkspace(ctx, "Acme", now)
	noErr(t, "create", err)
	if first.ID == "" || first.ID == later.ID {
		t.Fatalf("ids %q and %q", first.ID, later.ID)
	}
	equal(t, "new workspace settings (zero: the defaults)", first.Settings, store.Settings{})
	got, err := s.GetWorkspace(ctx, first.ID)
	noErr(t, "get", err)
	equal(t, "GetWorkspace after CreateWorkspace", got, first)

	n, err = s.CountWorkspaces(ctx)
	noErr(t, "count", err)
	equal(t, "workspaces", n, 2)
	oldest, err := s.FirstWorkspace(ctx)
	noErr(t, "first", err)
	equal(t, "FirstWorkspace (the oldest)", oldest, first)

	first.Name = "Acme Inc."
	first.Settings = store.Settings{InactivityCloseMinutes: -1, PendingCloseMinutes: 60,
		ReplyTimeoutSeconds: -1, DefaultMaxChats: 2, VisitorTTLSeconds: 30}
	noErr(t, "update", s.UpdateWorkspace(ctx, first, Epoch.Add(time.Minute)))
	got, err = s.GetWorkspace(ctx, first.ID)
	noErr(t, "get", err)
	want := first
	want.UpdatedAt = Epoch.Add(time.Minute)
	equal(t, "workspace after update", got, want)

	// Zero settings read back as zero ("use the default": a rule of
	// package workspace, not of the store).
	first.Settings = store.Settings{}
	noErr(t, "update", s.UpdateWorkspace(ctx, first, Epoch.Add(2*time.Minute)))
	got, err = s.GetWorkspace(ctx, first.ID)
	noErr(t, "get", err)
	equal(t, "zero settings", got.Settings, store.Settings{})

	stranger := first
	stranger.ID = store.NewID()
	wantErr(t, s.UpdateWorkspace(ctx, stranger, Epoch), store.ErrNotFound)

	gotLater, err := s.GetWorkspace(ctx, later.ID)
	noErr(t, "get", err)
	equal(t, "the other workspace", gotLater, later)
}

func testSites(t *testing.T, s *store.Store) {
	ctx := t.Context()
	ws, err := s.CreateWorkspace(ctx, "Acme", Epoch)
	noErr(t, "workspace", err)
	dept, err := s.CreateDepartment(ctx, ws.ID, "Sales", Epoch)
	noErr(t, "department", err)

	in := store.Site{
		WorkspaceID: ws.ID, Name: "Shop", WidgetKey: "wk_shop",
		AllowedOrigins: []string{"https://shop.example", "https://*.shop.example"},
		BusinessHours: store.BusinessHours{TimeZone: "America/New_York", Days: []store.OpenSpan{
			{Weekday: 1, Open: "09:00", Close: "12:00"}, {Weekday: 1, Open: "13:00", Close: "17:30"}},
			ClosedDays: []string{"2026-12-25", "2027-01-01"}},
		IdentitySecret: "s3cret", DefaultDepartmentID: dept.ID,
		Look: store.SiteLook{Color: "#0a7f5a", Greeting: "Hello!\nHow can we help?", AgentNames: false, TeamName: "Shop team",
			Languages: []string{"de", "en"}, Texts: map[string]map[string]string{"de": {"send": "Abschicken", "typing": "{name} tippt…"}}},
	}
	shop, err := s.CreateSite(ctx, in, Epoch)
	noErr(t, "create site", err)
	want := in
	want.ID, want.CreatedAt, want.UpdatedAt, want.Channel = shop.ID, Epoch, Epoch, store.ChannelWeb
	if shop.ID == "" {
		t.Fatal("CreateSite set no id")
	}
	equal(t, "created site", shop, want)
	got, err := s.GetSite(ctx, ws.ID, shop.ID)
	noErr(t, "get site", err)
	equal(t, "GetSite", got, shop)
	got, err = s.SiteByWidgetKey(ctx, "wk_shop")
	noErr(t, "site by key", err)
	equal(t, "SiteByWidgetKey", got, shop)

	blog, err := s.CreateSite(ctx, store.Site{WorkspaceID: ws.ID, Name: "Blog", WidgetKey: "wk_blog", IdentitySecret: "x"}, Epoch)
	noErr(t, "create site", err)
	if blog.AllowedOrigins == nil || len(blog.AllowedOrigins) != 0 || blog.DefaultDepartmentID != "" {
		t.Fatalf("a site with no origins and no department reads back as %+v", blog)
	}
	if !slices.Equal(blog.Look.Languages, []string{store.DefaultLanguage}) || blog.Look.Texts == nil || len(blog.Look.Texts) != 0 {
		t.Fatalf("a site with no languages or texts reads back with %v and %#v, want English and none", blog.Look.Languages, blog.Look.Texts)
	}
	list, err := s.ListSites(ctx, ws.ID)
	noErr(t, "list", err)
	equal(t, "ListSites (by name)", list, []store.Site{blog, shop})

	_, err = s.CreateSite(ctx, store.Site{WorkspaceID: ws.ID, Name: "Copy", WidgetKey: "wk_shop", IdentitySecret: "y"}, Epoch)
	wantErr(t, err, store.ErrConflict)
	_, err = s.CreateSite(ctx, store.Site{WorkspaceID: ws.ID, Name: "Lost", WidgetKey: "wk_lost", IdentitySecret: "y",
		DefaultDepartmentID: store.NewID()}, Epoch)
	wantErr(t, err, store.ErrNotFound)

	upd := shop
	upd.Name = "Shop EU"
	upd.AllowedOrigins = []string{"https://shop.example.eu"}
	upd.BusinessHours = store.BusinessHours{TimeZone: "Europe/Paris", Days: []store.OpenSpan{}, ClosedDays: []string{}}
	upd.Look = store.SiteLook{Color: "#ffcc00", AgentNames: true, Languages: []string{"en"}, Texts: map[string]map[string]string{}}
	upd.IdentitySecret = "stale" // UpdateSite never changes the secret: a rotation does
	upd.DefaultDepartmentID = ""
	upd.WidgetKey = "wk_ignored" // nor the key
	got, err = s.UpdateSite(ctx, upd, Epoch.Add(time.Minute))
	noErr(t, "update site", err)
	want = upd
	want.WidgetKey, want.IdentitySecret, want.UpdatedAt = "wk_shop", shop.IdentitySecret, Epoch.Add(time.Minute)
	equal(t, "updated site", got, want)
	shop = got
	got, err = s.GetSite(ctx, ws.ID, shop.ID)
	noErr(t, "get site", err)
	equal(t, "GetSite after update", got, shop)

	bad := shop
	bad.Name = "Nope"
	bad.DefaultDepartmentID = store.NewID()
	_, err = s.UpdateSite(ctx, bad, Epoch.Add(time.Hour))
	wantErr(t, err, store.ErrNotFound)
	bad = shop
	bad.ID = store.NewID()
	_, err = s.UpdateSite(ctx, bad, Epoch.Add(time.Hour))
	wantErr(t, err, store.ErrNotFound)
	got, err = s.GetSite(ctx, ws.ID, shop.ID)
	noErr(t, "get site", err)
	equal(t, "site after failed updates", got, shop)

	noErr(t, "rotate", s.SetWidgetKey(ctx, ws.ID, shop.ID, "wk_new", Epoch.Add(2*time.Minute)))
	_, err = s.SiteByWidgetKey(ctx, "wk_shop")
	wantErr(t, err, store.ErrNotFound)
	got, err = s.SiteByWidgetKey(ctx, "wk_new")
	noErr(t, "site by new key", err)
	if got.ID != shop.ID || !got.UpdatedAt.Equal(Epoch.Add(2*time.Minute)) {
		t.Fatalf("after rotation: %+v", got)
	}
	wantErr(t, s.SetWidgetKey(ctx, ws.ID, shop.ID, "wk_blog", Epoch), store.ErrConflict)
	wantErr(t, s.SetWidgetKey(ctx, ws.ID, store.NewID(), "wk_other", Epoch), store.ErrNotFound)

	noErr(t, "delete", s.DeleteSite(ctx, ws.ID, shop.ID))
	_, err = s.GetSite(ctx, ws.ID, shop.ID)
	wantErr(t, err, store.ErrNotFound)
	_, err = s.SiteByWidgetKey(ctx, "wk_new")
	wantErr(t, err, store.ErrNotFound)
	wantErr(t, s.DeleteSite(ctx, ws.ID, shop.ID), store.ErrNotFound)
	list, err = s.ListSites(ctx, ws.ID)
	noErr(t, "list", err)
	equal(t, "sites after delete", ids(list, siteID), []string{blog.ID})
	list, err = s.ListSites(ctx, store.NewID())
	noErr(t, "list", err)
	if list == nil || len(list) != 0 {
		t.Fatalf("sites of an unknown workspace = %#v, want an empty list", list)
	}
}

func testAgents(t *testing.T, s *store.Store) {
	ctx := t.Context()
	ws, err := s.CreateWorkspace(ctx, "Acme", Epoch)
	noErr(t, "workspace", err)
	d1, err := s.CreateDepartment(ctx, ws.ID, "Sales", Epoch)
	noErr(t, "department", err)
	d2, err := s.CreateDepartment(ctx, ws.ID, "Support", Epoch)
	noErr(t, "department", err)

	ann, err := s.CreateAgent(ctx, store.Agent{WorkspaceID: ws.ID, Email: "  Ann@Example.COM ", Name: "Ann", Role: "admin",
		PasswordHash: "h-ann", MaxChats: 4, DepartmentIDs: []string{d2.ID, d1.ID, d2.ID}}, Epoch)
	noErr(t, "create agent", err)
	wantDepts := []string{d1.ID, d2.ID}
	slices.Sort(wantDepts)
	equal(t, "created agent", ann, store.Agent{ID: ann.ID, WorkspaceID: ws.ID, Email: "ann@example.com", Name: "Ann",
		Role: "admin", PasswordHash: "h-ann", MaxChats: 4, Status: "offline", StatusChangedAt: Epoch,
		PasswordChangedAt: Epoch, DepartmentIDs: wantDepts, Grants: []string{}, CreatedAt: Epoch, UpdatedAt: Epoch})
	got, err := s.GetAgent(ctx, ws.ID, ann.ID)
	noErr(t, "get agent", err)
	equal(t, "GetAgent", got, ann)
	got, err = s.AgentByEmail(ctx, " ANN@example.com")
	noErr(t, "agent by e-mail", err)
	equal(t, "AgentByEmail", got, ann)
	_, err = s.AgentByEmail(ctx, "nobody@example.com")
	wantErr(t, err, store.ErrNotFound)
	_, err = s.GetAgent(ctx, ws.ID, store.NewID())
	wantErr(t, err, store.ErrNotFound)

	bob, err := s.CreateAgent(ctx, store.Agent{WorkspaceID: ws.ID, Email: "bob@example.com", Name: "Bob", Role: "agent",
		PasswordHash: "h-bob"}, Epoch)
	noErr(t, "create agent", err)
	if bob.DepartmentIDs == nil || len(bob.DepartmentIDs) != 0 {
		t.Fatalf("an agent without departments has DepartmentIDs %#v, want empty", bob.DepartmentIDs)
	}
	list, err := s.ListAgents(ctx, ws.ID)
	noErr(t, "list", err)
	equal(t, "ListAgents (by name, with departments)", list, []store.Agent{ann, bob})

	_, err = s.CreateAgent(ctx, store.Agent{WorkspaceID: ws.ID, Email: "lost@example.com", Name: "Lost", Role: "agent",
		PasswordHash: "h", DepartmentIDs: []string{store.NewID()}}, Epoch)
	wantErr(t, err, store.ErrNotFound)
	_, err = s.AgentByEmail(ctx, "lost@example.com")
	wantErr(t, err, store.ErrNotFound) // the failed create left nothing behind

	upd := ann
	upd.Email, upd.Name, upd.Role, upd.MaxChats = "Annie@Example.com", "Annie", "owner", 6
	upd.DepartmentIDs = []string{d1.ID}
	upd.Grants = []string{"broadcasts.manage", "analytics.view"}
	upd.PasswordHash, upd.Status = "ignored", "ignored" // not UpdateAgent's business
	got, err = s.UpdateAgent(ctx, upd, Epoch.Add(time.Minute))
	noErr(t, "update agent", err)
	want := ann
	want.Email, want.Name, want.Role, want.MaxChats = "annie@example.com", "Annie", "owner", 6
	want.DepartmentIDs, want.UpdatedAt = []string{d1.ID}, Epoch.Add(time.Minute)
	want.Grants = []string{"broadcasts.manage", "analytics.view"} // kept as given (package auth orders them)
	equal(t, "updated agent", got, want)
	ann = got
	_, err = s.AgentByEmail(ctx, "ann@example.com")
	wantErr(t, err, store.ErrNotFound)

	bad := ann
	bad.Name, bad.DepartmentIDs = "Nope", []string{store.NewID()}
	_, err = s.UpdateAgent(ctx, bad, Epoch.Add(time.Hour))
	wantErr(t, err, store.ErrNotFound)
	bad = ann
	bad.ID = store.NewID()
	_, err = s.UpdateAgent(ctx, bad, Epoch.Add(time.Hour))
	wantErr(t, err, store.ErrNotFound)
	got, err = s.GetAgent(ctx, ws.ID, ann.ID)
	noErr(t, "get agent", err)
	equal(t, "agent after failed updates", got, ann)

	noErr(t, "status", s.SetAgentStatus(ctx, ws.ID, bob.ID, "online", Epoch.Add(5*time.Minute)))
	got, err = s.GetAgent(ctx, ws.ID, bob.ID)
	noErr(t, "get agent", err)
	if got.Status != "online" || !got.StatusChangedAt.Equal(Epoch.Add(5*time.Minute)) {
		t.Fatalf("after SetAgentStatus: status %q changed %v", got.Status, got.StatusChangedAt)
	}
	wantErr(t, s.SetAgentStatus(ctx, ws.ID, store.NewID(), "online", Epoch), store.ErrNotFound)

	for role, want := range map[string]int{"owner": 1, "admin": 0, "agent": 1, "supervisor": 0} {
		n, err := s.CountAgentsWithRole(ctx, ws.ID, role)
		noErr(t, "count", err)
		if n != want {
			t.Errorf("CountAgentsWithRole(%s) = %d, want %d", role, n, want)
		}
	}

	noErr(t, "delete", s.DeleteAgent(ctx, ws.ID, bob.ID, Epoch))
	_, err = s.GetAgent(ctx, ws.ID, bob.ID)
	wantErr(t, err, store.ErrNotFound)
	wantErr(t, s.DeleteAgent(ctx, ws.ID, bob.ID, Epoch), store.ErrNotFound)
	list, err = s.ListAgents(ctx, ws.ID)
	noErr(t, "list", err)
	equal(t, "agents after delete", ids(list, agentID), []string{ann.ID})
}

func testDeskHeartbeat(t *testing.T, s *store.Store) {
	ctx := t.Context()
	ws, err := s.CreateWorkspace(ctx, "Acme", Epoch)
	noErr(t, "workspace", err)
	var agents []store.Agent
	for _, name := range []string{"Ann", "Bob", "Cy"} {
		a, err := s.CreateAgent(ctx, store.Agent{WorkspaceID: ws.ID, Email: name + "@example.com", Name: name, Role: "agent", PasswordHash: "h"}, Epoch)
		noErr(t, "agent", err)
		noErr(t, "online", s.SetAgentStatus(ctx, ws.ID, a.ID, "online", Epoch))
		_, err = s.TouchDesk(ctx, ws.ID, a.ID, Epoch)
		noErr(t, "hello", err)
		agents = append(agents, a)
	}
	ann, bob, cy := agents[0], agents[1], agents[2]
	absent := func(at time.Time) []string {
		t.Helper()
		list, err := s.AbsentAgents(ctx, ws.ID, at)
		noErr(t, "absent", err)
		return ids(list, agentID)
	}
	// Bob was marked away (his heartbeat came late); Cy's desk closed.
	ok, err := s.MarkAway(ctx, ws.ID, bob.ID, Epoch.Add(time.Second), Epoch.Add(time.Minute))
	noErr(t, "mark away", err)
	equal(t, "Bob marked away", ok, true)

	away, err := s.TouchDesks(ctx, ws.ID, []string{ann.ID, bob.ID, store.NewID()}, Epoch.Add(time.Minute))
	noErr(t, "heartbeat", err)
	equal(t, "away among the beating desks", away, []string{bob.ID})
	equal(t, "absent since before the beat", absent(Epoch.Add(time.Minute)), []string{cy.ID})
	// Bob is left to TouchDesk, which brings him back.
	got, err := s.GetAgent(ctx, ws.ID, bob.ID)
	noErr(t, "get", err)
	equal(t, "Bob still away after the heartbeat", got.Away, true)
	back, err := s.TouchDesk(ctx, ws.ID, bob.ID, Epoch.Add(time.Minute))
	noErr(t, "back", err)
	equal(t, "Bob back", back, true)

	away, err = s.TouchDesks(ctx, ws.ID, nil, Epoch.Add(time.Hour))
	noErr(t, "no desks", err)
	equal(t, "no desks: none away", len(away), 0)
}

func testAgentEmailConflicts(t *testing.T, s *store.Store) {
	ctx := t.Context()
	a := newTenant(t, s, "a")
	b := newTenant(t, s, "b")
	cases := []struct{ name, workspaceID, email string }{
		{"same e-mail, other case", a.ws.ID, strings.ToUpper(a.agent.Email)},
		{"same e-mail, padded", a.ws.ID, " " + a.agent.Email + " "},
		{"another workspace's e-mail", a.ws.ID, b.agent.Email}, // e-mails sign in, so they are global
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.CreateAgent(ctx, store.Agent{WorkspaceID: c.workspaceID, Email: c.email, Name: "Dup", Role: "agent",
				PasswordHash: "h"}, Epoch)
			wantErr(t, err, store.ErrConflict)
			upd := a.owner
			upd.Email = c.email
			_, err = s.UpdateAgent(ctx, upd, Epoch.Add(time.Hour))
			wantErr(t, err, store.ErrConflict)
		})
	}
	sameSnapshot(t, "workspace A", takeSnapshotAt(t, s, a), takeSnapshot(t, s, a))
}

// takeSnapshotAt is the snapshot a tenant had when newTenant returned: its
// rows exactly as created.
func takeSnapshotAt(t *testing.T, s *store.Store, tn tenant) snapshot {
	t.Helper()
	site := tn.site
	owner, agent := tn.owner, tn.agent
	dept := tn.dept
	dept.AgentIDs = []string{tn.owner.ID}
	agents := []store.Agent{agent, owner} // by name: "Agent x" < "Owner x"
	return snapshot{
		Workspace: tn.ws, Sites: []store.Site{site}, Site: site, SiteByKey: site,
		Agents: agents, Owner: owner, Agent: agent, OwnerByEmail: owner,
		Departments: []store.Department{dept}, Department: dept,
		Session: tn.session, SessionAgent: owner, OwnersCount: 1, AgentRoleCount: 1,
	}
}

func testDepartments(t *testing.T, s *store.Store) {
	ctx := t.Context()
	ws, err := s.CreateWorkspace(ctx, "Acme", Epoch)
	noErr(t, "workspace", err)
	now := Epoch.Add(2500 * time.Microsecond) // what Create returns must be what a read returns
	support, err := s.CreateDepartment(ctx, ws.ID, "Support", now)
	noErr(t, "create", err)
	got, err := s.GetDepartment(ctx, ws.ID, support.ID)
	noErr(t, "get", err)
	equal(t, "GetDepartment after CreateDepartment", got, support)
	if support.AgentIDs == nil || len(support.AgentIDs) != 0 {
		t.Fatalf("new department members %#v, want empty", support.AgentIDs)
	}
	billing, err := s.CreateDepartment(ctx, ws.ID, "Billing", Epoch)
	noErr(t, "create", err)
	_, err = s.GetDepartment(ctx, ws.ID, store.NewID())
	wantErr(t, err, store.ErrNotFound)

	var members []string
	for i, name := range []string{"Cy", "Di"} {
		a, err := s.CreateAgent(ctx, store.Agent{WorkspaceID: ws.ID, Email: strings.ToLower(name) + "@example.com", Name: name,
			Role: "agent", PasswordHash: "h", DepartmentIDs: []string{support.ID}}, Epoch.Add(time.Duration(i)*time.Second))
		noErr(t, "agent", err)
		members = append(members, a.ID)
	}
	slices.Sort(members)
	support.AgentIDs = members
	got, err = s.GetDepartment(ctx, ws.ID, support.ID)
	noErr(t, "get", err)
	equal(t, "department with members", got, support)
	list, err := s.ListDepartments(ctx, ws.ID)
	noErr(t, "list", err)
	equal(t, "ListDepartments (by name, with members)", list, []store.Department{billing, support})

	renamed, err := s.UpdateDepartment(ctx, ws.ID, support.ID, "Help desk", nil, Epoch.Add(time.Minute))
	noErr(t, "rename", err)
	want := support
	want.Name, want.UpdatedAt = "Help desk", Epoch.Add(time.Minute)
	equal(t, "renamed department", renamed, want)
	_, err = s.UpdateDepartment(ctx, ws.ID, store.NewID(), "Ghost", nil, Epoch)
	wantErr(t, err, store.ErrNotFound)

	// Hours of its own, then back to following the sites.
	none, err := s.DepartmentHours(ctx, ws.ID)
	noErr(t, "department hours", err)
	equal(t, "department hours before any", len(none), 0)
	hours := store.BusinessHours{TimeZone: "Europe/Berlin", Days: []store.OpenSpan{{Weekday: 1, Open: "08:00", Close: "12:00"}}, ClosedDays: []string{"2026-12-24"}}
	timed, err := s.UpdateDepartment(ctx, ws.ID, support.ID, "Help desk", &hours, Epoch.Add(2*time.Minute))
	noErr(t, "set hours", err)
	want.BusinessHours, want.UpdatedAt = &hours, Epoch.Add(2*time.Minute)
	equal(t, "department with hours", timed, want)
	byDept, err := s.DepartmentHours(ctx, ws.ID)
	noErr(t, "department hours", err)
	equal(t, "department hours", byDept, map[string]store.BusinessHours{support.ID: hours})
	cleared, err := s.UpdateDepartment(ctx, ws.ID, support.ID, "Help desk", nil, Epoch.Add(3*time.Minute))
	noErr(t, "clear hours", err)
	equal(t, "hours cleared", cleared.BusinessHours, (*store.BusinessHours)(nil))

	noErr(t, "delete", s.DeleteDepartment(ctx, ws.ID, billing.ID))
	_, err = s.GetDepartment(ctx, ws.ID, billing.ID)
	wantErr(t, err, store.ErrNotFound)
	wantErr(t, s.DeleteDepartment(ctx, ws.ID, billing.ID), store.ErrNotFound)
	list, err = s.ListDepartments(ctx, ws.ID)
	noErr(t, "list", err)
	equal(t, "departments after delete", ids(list, deptID), []string{support.ID})
}

func testDepartmentConflicts(t *testing.T, s *store.Store) {
	ctx := t.Context()
	a := newTenant(t, s, "a")
	b := newTenant(t, s, "b")
	before := takeSnapshot(t, s, a)
	_, err := s.CreateDepartment(ctx, a.ws.ID, a.dept.Name, Epoch.Add(time.Hour))
	wantErr(t, err, store.ErrConflict)
	other, err := s.CreateDepartment(ctx, a.ws.ID, "Billing", Epoch)
	noErr(t, "create", err)
	_, err = s.UpdateDepartment(ctx, a.ws.ID, other.ID, a.dept.Name, nil, Epoch.Add(time.Hour))
	wantErr(t, err, store.ErrConflict)
	got, err := s.GetDepartment(ctx, a.ws.ID, other.ID)
	noErr(t, "get", err)
	equal(t, "department after a refused rename", got, other)
	noErr(t, "delete", s.DeleteDepartment(ctx, a.ws.ID, other.ID))
	sameSnapshot(t, "workspace A", before, takeSnapshot(t, s, a))

	// The same name in another workspace is fine: both tenants have "Sales".
	if a.dept.Name != b.dept.Name {
		t.Fatalf("fixture: departments %q and %q should share a name", a.dept.Name, b.dept.Name)
	}
	_, err = s.CreateDepartment(ctx, b.ws.ID, "Billing", Epoch)
	noErr(t, "same name in another workspace", err)
}

func testSessions(t *testing.T, s *store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "a")
	ss := store.Session{TokenHash: "tok-1", WorkspaceID: tn.ws.ID, AgentID: tn.agent.ID, CreatedAt: Epoch,
		ExpiresAt: Epoch.Add(time.Hour), UserAgent: "Firefox", IP: "198.51.100.7"}
	noErr(t, "create", s.CreateSession(ctx, ss))
	gotSS, gotAgent, err := s.SessionAgent(ctx, "tok-1", Epoch.Add(59*time.Minute))
	noErr(t, "session agent", err)
	equal(t, "session", gotSS, ss)
	equal(t, "session's agent", gotAgent, tn.agent)

	for _, at := range []time.Duration{time.Hour, time.Hour + time.Millisecond, 48 * time.Hour} {
		_, _, err = s.SessionAgent(ctx, "tok-1", Epoch.Add(at))
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("SessionAgent %v after creation: err %v, want ErrNotFound (expired)", at, err)
		}
	}
	_, _, err = s.SessionAgent(ctx, "no-such-token", Epoch)
	wantErr(t, err, store.ErrNotFound)

	wantErr(t, s.CreateSession(ctx, ss), store.ErrConflict)
	ghost := ss
	ghost.TokenHash, ghost.AgentID = "tok-ghost", store.NewID()
	wantErr(t, s.CreateSession(ctx, ghost), store.ErrNotFound)

	for i, d := range []time.Duration{2 * time.Hour, 3 * time.Hour} {
		s2 := ss
		s2.TokenHash, s2.ExpiresAt = []string{"tok-2", "tok-3"}[i], Epoch.Add(d)
		noErr(t, "create", s.CreateSession(ctx, s2))
	}
	// tok-1 expired before, tok-2 expires at the cut-off; tok-3 and the
	// fixture's 24-hour session live on.
	n, err := s.DeleteExpiredSessions(ctx, Epoch.Add(2*time.Hour))
	noErr(t, "delete expired", err)
	equal(t, "expired sessions deleted", n, int64(2))
	for _, tok := range []string{"tok-1", "tok-2"} {
		_, _, err = s.SessionAgent(ctx, tok, Epoch) // gone, not merely expired
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s after DeleteExpiredSessions: err %v, want ErrNotFound", tok, err)
		}
	}
	_, _, err = s.SessionAgent(ctx, "tok-3", Epoch)
	noErr(t, "tok-3 survives", err)
	_, _, err = s.SessionAgent(ctx, tn.session.TokenHash, Epoch)
	noErr(t, "fixture session survives", err)

	noErr(t, "delete", s.DeleteSession(ctx, "tok-3"))
	_, _, err = s.SessionAgent(ctx, "tok-3", Epoch)
	wantErr(t, err, store.ErrNotFound)
	noErr(t, "deleting an unknown session is a no-op", s.DeleteSession(ctx, "tok-3"))
}

func testPasswordRevokesSessions(t *testing.T, s *store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "a")
	mk := func(tok, agentID string) {
		noErr(t, "session", s.CreateSession(ctx, store.Session{TokenHash: tok, WorkspaceID: tn.ws.ID, AgentID: agentID,
			CreatedAt: Epoch, ExpiresAt: Epoch.Add(time.Hour)}))
	}
	mk("keep", tn.owner.ID)
	mk("other-1", tn.owner.ID)
	mk("other-2", tn.owner.ID)
	mk("colleague", tn.agent.ID)

	noErr(t, "set password", s.SetAgentPassword(ctx, tn.ws.ID, tn.owner.ID, "new-hash", "keep", Epoch.Add(time.Minute)))
	live := map[string]bool{"keep": true, "other-1": false, "other-2": false, tn.session.TokenHash: false, "colleague": true}
	for tok, want := range live {
		_, _, err := s.SessionAgent(ctx, tok, Epoch)
		if got := err == nil; got != want {
			t.Errorf("session %s live = %v (err %v), want %v", tok, got, err, want)
		}
	}
	owner, err := s.GetAgent(ctx, tn.ws.ID, tn.owner.ID)
	noErr(t, "get", err)
	if owner.PasswordHash != "new-hash" || !owner.PasswordChangedAt.Equal(Epoch.Add(time.Minute)) {
		t.Fatalf("after SetAgentPassword: hash %q changed %v", owner.PasswordHash, owner.PasswordChangedAt)
	}

	// An empty keepSession revokes every session (an admin's reset).
	noErr(t, "reset", s.SetAgentPassword(ctx, tn.ws.ID, tn.owner.ID, "newer-hash", "", Epoch.Add(2*time.Minute)))
	_, _, err = s.SessionAgent(ctx, "keep", Epoch)
	wantErr(t, err, store.ErrNotFound)
	_, _, err = s.SessionAgent(ctx, "colleague", Epoch)
	noErr(t, "a colleague's session survives", err)

	wantErr(t, s.SetAgentPassword(ctx, tn.ws.ID, store.NewID(), "h", "", Epoch), store.ErrNotFound)
}

func testDeleteAgentCascades(t *testing.T, s *store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "a")
	noErr(t, "session", s.CreateSession(ctx, store.Session{TokenHash: "colleague", WorkspaceID: tn.ws.ID,
		AgentID: tn.agent.ID, CreatedAt: Epoch, ExpiresAt: Epoch.Add(time.Hour)}))
	// The only owner can be neither deleted nor demoted.
	wantErr(t, s.DeleteAgent(ctx, tn.ws.ID, tn.owner.ID, Epoch), store.ErrLastOwner)
	demoted := tn.owner
	demoted.Role = "admin"
	_, err := s.UpdateAgent(ctx, demoted, Epoch)
	wantErr(t, err, store.ErrLastOwner)
	_, err = s.CreateAgent(ctx, store.Agent{WorkspaceID: tn.ws.ID, Email: "second-owner@a.example", Name: "Second owner",
		Role: "owner", PasswordHash: "h"}, Epoch)
	noErr(t, "a second owner", err)
	noErr(t, "delete", s.DeleteAgent(ctx, tn.ws.ID, tn.owner.ID, Epoch))
	_, _, err = s.SessionAgent(ctx, tn.session.TokenHash, Epoch)
	wantErr(t, err, store.ErrNotFound)
	d, err := s.GetDepartment(ctx, tn.ws.ID, tn.dept.ID)
	noErr(t, "get department", err)
	equal(t, "department members after deleting the member", d.AgentIDs, []string{})
	// Only the colleague's session is left for the sweeper to find.
	n, err := s.DeleteExpiredSessions(ctx, Epoch.Add(1000*time.Hour))
	noErr(t, "sweep", err)
	equal(t, "sessions left", n, int64(1))
}

func testDeleteDepartmentCascades(t *testing.T, s *store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "a")
	noErr(t, "delete", s.DeleteDepartment(ctx, tn.ws.ID, tn.dept.ID))
	st, err := s.GetSite(ctx, tn.ws.ID, tn.site.ID)
	noErr(t, "get site", err)
	equal(t, "site's default department", st.DefaultDepartmentID, "")
	a, err := s.GetAgent(ctx, tn.ws.ID, tn.owner.ID)
	noErr(t, "get agent", err)
	equal(t, "agent's departments", a.DepartmentIDs, []string{})
	list, err := s.ListAgents(ctx, tn.ws.ID)
	noErr(t, "list agents", err)
	for _, a := range list {
		if len(a.DepartmentIDs) != 0 {
			t.Errorf("agent %s still lists departments %v", a.Name, a.DepartmentIDs)
		}
	}
}

func testDisableAgent(t *testing.T, s *store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "a")
	noErr(t, "online", s.SetAgentStatus(ctx, tn.ws.ID, tn.agent.ID, "online", Epoch))
	ss := store.Session{TokenHash: "tok-d", WorkspaceID: tn.ws.ID, AgentID: tn.agent.ID, CreatedAt: Epoch, ExpiresAt: Epoch.Add(time.Hour)}
	noErr(t, "session", s.CreateSession(ctx, ss))
	noErr(t, "disable", s.SetAgentDisabled(ctx, tn.ws.ID, tn.agent.ID, true, Epoch))
	_, _, err := s.SessionAgent(ctx, "tok-d", Epoch)
	wantErr(t, err, store.ErrNotFound)
	got, err := s.GetAgent(ctx, tn.ws.ID, tn.agent.ID)
	noErr(t, "get", err)
	equal(t, "disabled", got.Disabled, true)
	equal(t, "status", got.Status, "offline")
	noErr(t, "enable", s.SetAgentDisabled(ctx, tn.ws.ID, tn.agent.ID, false, Epoch))
	got, err = s.GetAgent(ctx, tn.ws.ID, tn.agent.ID)
	noErr(t, "get", err)
	equal(t, "enabled", got.Disabled, false)
	wantErr(t, s.SetAgentDisabled(ctx, tn.ws.ID, store.NewID(), true, Epoch), store.ErrNotFound)
}
