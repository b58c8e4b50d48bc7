package httpapi_test

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/app/apptest"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/site"
	"github.com/querytel/livedesk/internal/store"
	"github.com/querytel/livedesk/internal/team"
)

// scenario is one request and what must come back, in the manner of
// PocketBase's ApiScenario. Paths may name fixture ids: {site}, {dept},
// {owner}, {admin}, {supervisor}, {agent}, and another workspace's
// {b-site}, {b-dept}, {b-agent}.
type scenario struct {
	name   string
	as     string // owner, admin, supervisor, agent, or "" for nobody
	method string
	path   string
	body   any // see apptest.Server.Do
	header map[string]string

	status int
	code   string   // the error code, for errors
	field  string   // the error field, when one is expected
	has    []string // substrings the body must contain
	hasNot []string // substrings it must not
}

// env is a server with one agent of each role signed in, a site and a
// department, and a second workspace B to aim at.
type env struct {
	srv     *apptest.Server
	as      map[string]*http.Client
	ids     map[string]string
	site    store.Site
	dept    store.Department
	bSite   store.Site
	bAgent  string // B's agent e-mail
	bPasswd string
}

func newEnv(t *testing.T, opts ...apptest.Option) *env {
	t.Helper()
	srv := apptest.New(t, opts...)
	ctx := t.Context()
	e := &env{srv: srv, as: map[string]*http.Client{}, ids: map[string]string{}}
	e.as["owner"] = srv.Admin(t)
	for _, role := range []string{"admin", "supervisor", "agent"} {
		email, pw := srv.AddAgent(t, role, role+"@example.com")
		e.as[role] = srv.Login(t, email, pw)
	}
	e.as[""] = srv.Client(t)
	wsID := srv.WorkspaceID(t)
	var err error
	if e.dept, err = srv.App.Store.CreateDepartment(ctx, wsID, "Sales", srv.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	name := "Shop"
	if e.site, err = srv.App.Sites.CreateUnchecked(ctx, wsID, site.Input{Name: &name, DefaultDepartmentID: &e.dept.ID}); err != nil {
		t.Fatal(err)
	}
	agents, err := srv.App.Store.ListAgents(ctx, wsID)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range agents {
		e.ids["{"+a.Role+"}"] = a.ID
	}
	e.ids["{site}"], e.ids["{dept}"] = e.site.ID, e.dept.ID

	// Workspace B, made the way a second tenant would be.
	b, err := srv.App.Store.CreateWorkspace(ctx, "B", srv.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	bDept, err := srv.App.Store.CreateDepartment(ctx, b.ID, "Sales", srv.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	bName := "B's shop"
	if e.bSite, err = srv.App.Sites.CreateUnchecked(ctx, b.ID, site.Input{Name: &bName}); err != nil {
		t.Fatal(err)
	}
	e.bAgent, e.bPasswd = "owner@b.example", "password-of-b-owner"
	role, bn := string(auth.Owner), "B Owner"
	bAgent, err := srv.App.Team.CreateAgentUnchecked(ctx, b.ID, team.AgentInput{Email: &e.bAgent, Name: &bn, Role: &role, Password: &e.bPasswd})
	if err != nil {
		t.Fatal(err)
	}
	e.ids["{b-site}"], e.ids["{b-dept}"], e.ids["{b-agent}"], e.ids["{b-ws}"] = e.bSite.ID, bDept.ID, bAgent.ID, b.ID
	return e
}

func (e *env) expand(s string) string {
	for k, v := range e.ids {
		s = strings.ReplaceAll(s, k, v)
	}
	return s
}

// run plays scenarios in order. A refused request (status ≥ 400) must
// change nothing: the workspace (and B) read back identical, with the clock
// moved on so that even a stray touch of updated_at would show.
func (e *env) run(t *testing.T, scenarios []scenario) {
	t.Helper()
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			e.srv.Clock.Advance(time.Second)
			var before, bBefore any
			if sc.status >= 400 {
				before, bBefore = e.srv.Snapshot(t), e.bSnapshot(t)
			}
			var body any
			switch b := sc.body.(type) {
			case string:
				body = e.expand(b)
			default:
				body = b
			}
			req := e.srv.NewRequest(t, sc.method, e.expand(sc.path), body)
			for k, v := range sc.header {
				req.Header.Set(k, v)
			}
			status, got := e.srv.Send(t, e.as[sc.as], req)
			for i := range sc.has {
				sc.has[i] = e.expand(sc.has[i])
			}
			for i := range sc.hasNot {
				sc.hasNot[i] = e.expand(sc.hasNot[i])
			}
			check(t, sc, status, got)
			if sc.status >= 400 {
				if after := e.srv.Snapshot(t); !reflect.DeepEqual(before, after) {
					t.Errorf("a refused request changed the workspace:\nbefore %+v\nafter  %+v", before, after)
				}
				if after := e.bSnapshot(t); !reflect.DeepEqual(bBefore, after) {
					t.Errorf("a refused request changed workspace B:\nbefore %+v\nafter  %+v", bBefore, after)
				}
			}
		})
	}
}

func check(t *testing.T, sc scenario, status int, body []byte) {
	t.Helper()
	if status != sc.status {
		t.Fatalf("status %d, want %d; body %s", status, sc.status, body)
	}
	if sc.code != "" {
		e := apptest.Decode[apptest.Error](t, body)
		if e.Error.Code != sc.code || (sc.field != "" && e.Error.Field != sc.field) || e.Error.Message == "" {
			t.Fatalf("error %+v, want code %q field %q and a message", e.Error, sc.code, sc.field)
		}
	}
	for _, s := range sc.has {
		if !strings.Contains(string(body), s) {
			t.Errorf("body lacks %q: %s", s, body)
		}
	}
	for _, s := range sc.hasNot {
		if strings.Contains(string(body), s) {
			t.Errorf("body has %q: %s", s, body)
		}
	}
}

type bSnapshot struct {
	Site   store.Site
	Agent  store.Agent
	Agents []store.Agent
}

func (e *env) bSnapshot(t *testing.T) bSnapshot {
	t.Helper()
	ctx := t.Context()
	st, err := e.srv.App.Store.GetSite(ctx, e.bSite.WorkspaceID, e.bSite.ID)
	if err != nil {
		t.Fatal(err)
	}
	a, err := e.srv.App.Store.AgentByEmail(ctx, e.bAgent)
	if err != nil {
		t.Fatal(err)
	}
	list, err := e.srv.App.Store.ListAgents(ctx, e.bSite.WorkspaceID)
	if err != nil {
		t.Fatal(err)
	}
	return bSnapshot{Site: st, Agent: a, Agents: list}
}

// eachDatabase runs test on SQLite and, when LIVEDESK_TEST_POSTGRES_URL is
// set (always in CI), on PostgreSQL.
func eachDatabase(t *testing.T, test func(t *testing.T, opts ...apptest.Option)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		test(t)
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		test(t, apptest.Postgres())
	})
}
