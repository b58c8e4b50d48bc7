package httpapi_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/querytel/livedesk/internal/app/apptest"
	"github.com/querytel/livedesk/internal/store"
)

func TestWorkspaceAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.run(t, []scenario{
		{name: "nobody reads it", method: "GET", path: "/api/v1/workspace", status: 401, code: "unauthenticated"},
		{name: "an agent reads it", as: "agent", method: "GET", path: "/api/v1/workspace", status: 200,
			has: []string{`"name":"My workspace"`, `"inactivity_close_minutes":30`}},
		{name: "an agent may not change it", as: "agent", method: "PATCH", path: "/api/v1/workspace",
			body: map[string]any{"name": "Mine"}, status: 403, code: "forbidden"},
		{name: "a supervisor may not change it", as: "supervisor", method: "PATCH", path: "/api/v1/workspace",
			body: map[string]any{"name": "Mine"}, status: 403, code: "forbidden"},
		{name: "blank name", as: "owner", method: "PATCH", path: "/api/v1/workspace",
			body: map[string]any{"name": " "}, status: 400, code: "invalid_name", field: "name"},
		{name: "setting out of range", as: "owner", method: "PATCH", path: "/api/v1/workspace",
			body:   map[string]any{"name": "Fine", "settings": map[string]any{"inactivity_close_minutes": -5}},
			status: 400, code: "out_of_range", field: "settings.inactivity_close_minutes"},
		{name: "setting of the wrong type", as: "owner", method: "PATCH", path: "/api/v1/workspace",
			body:   `{"settings":{"default_max_chats":"5"}}`,
			status: 400, code: "invalid_type", field: "settings.default_max_chats"},
		{name: "unknown setting", as: "owner", method: "PATCH", path: "/api/v1/workspace",
			body: `{"settings":{"colour":"red"}}`, status: 400, code: "unknown_field"},
		{name: "an admin changes it", as: "admin", method: "PATCH", path: "/api/v1/workspace",
			body:   map[string]any{"name": "Acme", "settings": map[string]any{"inactivity_close_minutes": -1, "default_max_chats": 3}},
			status: 200, has: []string{`"name":"Acme"`, `"inactivity_close_minutes":-1`, `"default_max_chats":3`, `"visitor_ttl_seconds":90`}},
		{name: "the change is visible to everyone", as: "agent", method: "GET", path: "/api/v1/workspace", status: 200,
			has: []string{`"name":"Acme"`, `"inactivity_close_minutes":-1`}},
	})
}

// TestWorkspacesAPI: only an owner of the server's first workspace (the
// operator's) makes another workspace; it comes with its owner and first
// site, and bad input is refused with the field at fault.
func TestWorkspacesAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.as["b-owner"] = e.srv.Login(t, e.bAgent, e.bPasswd)
	good := map[string]any{"name": "Acme", "owner_email": "boss@acme.example", "owner_name": "Boss", "site_name": "Acme shop"}
	e.run(t, []scenario{
		{name: "nobody", method: "POST", path: "/api/v1/workspaces", body: good, status: 401, code: "unauthenticated"},
		{name: "an admin", as: "admin", method: "POST", path: "/api/v1/workspaces", body: good, status: 403, code: "forbidden"},
		{name: "an agent", as: "agent", method: "POST", path: "/api/v1/workspaces", body: good, status: 403, code: "forbidden"},
		{name: "the owner of another tenant", as: "b-owner", method: "POST", path: "/api/v1/workspaces", body: good, status: 403, code: "forbidden"},
		{name: "no name", as: "owner", method: "POST", path: "/api/v1/workspaces",
			body: map[string]any{"owner_email": "x@acme.example"}, status: 400, code: "invalid_name", field: "name"},
		{name: "a bad owner e-mail", as: "owner", method: "POST", path: "/api/v1/workspaces",
			body: map[string]any{"name": "X", "owner_email": "nope"}, status: 400, code: "invalid_email", field: "owner_email"},
		{name: "a taken owner e-mail", as: "owner", method: "POST", path: "/api/v1/workspaces",
			body: map[string]any{"name": "X", "owner_email": "agent@example.com"}, status: 409, code: "email_taken", field: "owner_email"},
		{name: "an unknown field", as: "owner", method: "POST", path: "/api/v1/workspaces",
			body: `{"name":"X","owner_email":"x@acme.example","plan":"gold"}`, status: 400, code: "unknown_field"},
		{name: "the operator's owner", as: "owner", method: "POST", path: "/api/v1/workspaces", body: good, status: 201,
			has: []string{`"name":"Acme"`, `"owner_email":"boss@acme.example"`, `"owner_password":"`, `"widget_key":"wk_`}},
	})
	ws, err := e.srv.App.Store.ListWorkspaces(t.Context())
	if err != nil || len(ws) != 3 {
		t.Fatalf("%d workspaces (%v), want the first, B and Acme", len(ws), err)
	}
}

func TestMe(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.run(t, []scenario{
		{name: "nobody", method: "GET", path: "/api/v1/me", status: 401, code: "unauthenticated"},
		{name: "a forged cookie", method: "GET", path: "/api/v1/me", header: map[string]string{"Cookie": "livedesk_session=forged"},
			status: 401, code: "unauthenticated"},
		{name: "the owner", as: "owner", method: "GET", path: "/api/v1/me", status: 200,
			has:    []string{`"email":"owner@example.com"`, `"role":"owner"`, `"workspace":{`, `"name":"My workspace"`},
			hasNot: []string{"password", "argon2"}},
		{name: "an agent", as: "agent", method: "GET", path: "/api/v1/me", status: 200,
			has: []string{`"email":"agent@example.com"`, `"role":"agent"`}},
	})
}

func TestSitesAPIRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.run(t, []scenario{
		{name: "nobody lists", method: "GET", path: "/api/v1/sites", status: 401, code: "unauthenticated"},
		{name: "nobody creates", method: "POST", path: "/api/v1/sites", body: map[string]any{"name": "X"}, status: 401, code: "unauthenticated"},
		{name: "an agent creates", as: "agent", method: "POST", path: "/api/v1/sites", body: map[string]any{"name": "Mine"}, status: 403, code: "forbidden"},
		{name: "a supervisor creates", as: "supervisor", method: "POST", path: "/api/v1/sites", body: map[string]any{"name": "Mine"}, status: 403, code: "forbidden"},
		{name: "an agent renames", as: "agent", method: "PATCH", path: "/api/v1/sites/{site}", body: map[string]any{"name": "Mine"}, status: 403, code: "forbidden"},
		{name: "an agent deletes", as: "agent", method: "DELETE", path: "/api/v1/sites/{site}", status: 403, code: "forbidden"},
		{name: "an agent rotates the key", as: "agent", method: "POST", path: "/api/v1/sites/{site}/rotate-key", status: 403, code: "forbidden"},
		{name: "an agent reads the identity secret", as: "agent", method: "GET", path: "/api/v1/sites/{site}/identity-secret", status: 403, code: "forbidden"},
		{name: "an agent rotates the identity secret", as: "agent", method: "POST", path: "/api/v1/sites/{site}/identity-secret/rotate", status: 403, code: "forbidden"},
		{name: "a supervisor rotates the identity secret", as: "supervisor", method: "POST", path: "/api/v1/sites/{site}/identity-secret/rotate", status: 403, code: "forbidden"},
		{name: "a supervisor renames", as: "supervisor", method: "PATCH", path: "/api/v1/sites/{site}", body: map[string]any{"name": "Mine"}, status: 403, code: "forbidden"},
		{name: "a supervisor deletes", as: "supervisor", method: "DELETE", path: "/api/v1/sites/{site}", status: 403, code: "forbidden"},
		{name: "a supervisor rotates the key", as: "supervisor", method: "POST", path: "/api/v1/sites/{site}/rotate-key", status: 403, code: "forbidden"},
		{name: "a supervisor reads the identity secret", as: "supervisor", method: "GET", path: "/api/v1/sites/{site}/identity-secret", status: 403, code: "forbidden"},
		{name: "nobody reads refused origins", method: "GET", path: "/api/v1/sites/{site}/refused-origins", status: 401, code: "unauthenticated"},
		{name: "B's refused origins", as: "owner", method: "GET", path: "/api/v1/sites/{b-site}/refused-origins", status: 404, code: "not_found"},
		{name: "nobody renames", method: "PATCH", path: "/api/v1/sites/{site}", body: map[string]any{"name": "X"}, status: 401, code: "unauthenticated"},
		{name: "B's site: rename", as: "owner", method: "PATCH", path: "/api/v1/sites/{b-site}", body: map[string]any{"name": "Mine"}, status: 404, code: "not_found"},
		{name: "B's site: delete", as: "owner", method: "DELETE", path: "/api/v1/sites/{b-site}", status: 404, code: "not_found"},
		{name: "B's site: rotate the key", as: "owner", method: "POST", path: "/api/v1/sites/{b-site}/rotate-key", status: 404, code: "not_found"},
		{name: "B's site: the identity secret", as: "owner", method: "GET", path: "/api/v1/sites/{b-site}/identity-secret", status: 404, code: "not_found"},
		{name: "no name", as: "owner", method: "POST", path: "/api/v1/sites", body: map[string]any{}, status: 400, code: "required", field: "name"},
		{name: "a name of the wrong type", as: "owner", method: "POST", path: "/api/v1/sites", body: `{"name":5}`, status: 400, code: "invalid_type", field: "name"},
		{name: "a bad origin", as: "owner", method: "POST", path: "/api/v1/sites",
			body: map[string]any{"name": "X", "allowed_origins": []string{"shop.example"}}, status: 400, code: "invalid_origin", field: "allowed_origins"},
		{name: "a bad time zone", as: "owner", method: "PATCH", path: "/api/v1/sites/{site}",
			body:   map[string]any{"business_hours": map[string]any{"time_zone": "Mars/Base", "days": []any{}}},
			status: 400, code: "invalid_time_zone", field: "business_hours.time_zone"},
		{name: "another workspace's department", as: "owner", method: "POST", path: "/api/v1/sites",
			body: map[string]any{"name": "X", "default_department_id": "{b-dept}"}, status: 400, code: "unknown_department", field: "default_department_id"},
		{name: "another workspace's department on update", as: "owner", method: "PATCH", path: "/api/v1/sites/{site}",
			body: map[string]any{"default_department_id": "{b-dept}"}, status: 400, code: "unknown_department", field: "default_department_id"},
		{name: "an agent changes the look", as: "agent", method: "PATCH", path: "/api/v1/sites/{site}",
			body: map[string]any{"look": map[string]any{"color": "#000000"}}, status: 403, code: "forbidden"},
		{name: "a supervisor changes the look", as: "supervisor", method: "PATCH", path: "/api/v1/sites/{site}",
			body: map[string]any{"look": map[string]any{"agent_names": false, "team_name": "Us"}}, status: 403, code: "forbidden"},
		{name: "an agent sets closed days", as: "agent", method: "PATCH", path: "/api/v1/sites/{site}",
			body: map[string]any{"business_hours": map[string]any{"time_zone": "UTC", "days": []any{}, "closed_days": []string{"2026-12-25"}}}, status: 403, code: "forbidden"},
		{name: "a supervisor sets closed days", as: "supervisor", method: "PATCH", path: "/api/v1/sites/{site}",
			body: map[string]any{"business_hours": map[string]any{"time_zone": "UTC", "days": []any{}, "closed_days": []string{"2026-12-25"}}}, status: 403, code: "forbidden"},
		{name: "a closed day that is no date", as: "owner", method: "PATCH", path: "/api/v1/sites/{site}",
			body:   map[string]any{"business_hours": map[string]any{"time_zone": "UTC", "closed_days": []string{"25/12/2026"}}},
			status: 400, code: "invalid_closed_day", field: "business_hours.closed_days"},
		{name: "a closed day twice", as: "owner", method: "POST", path: "/api/v1/sites",
			body:   map[string]any{"name": "X", "business_hours": map[string]any{"closed_days": []string{"2026-12-25", "2026-12-25"}}},
			status: 400, code: "invalid_closed_day", field: "business_hours.closed_days"},
		{name: "closed days of the wrong type", as: "owner", method: "PATCH", path: "/api/v1/sites/{site}",
			body: `{"business_hours":{"closed_days":"2026-12-25"}}`, status: 400, code: "invalid_type", field: "business_hours.closed_days"},
		{name: "a colour that is not #rrggbb", as: "owner", method: "PATCH", path: "/api/v1/sites/{site}",
			body: map[string]any{"look": map[string]any{"color": "blue"}}, status: 400, code: "invalid_color", field: "look.color"},
		{name: "a colour on create", as: "owner", method: "POST", path: "/api/v1/sites",
			body: map[string]any{"name": "X", "look": map[string]any{"color": "#12345"}}, status: 400, code: "invalid_color", field: "look.color"},
		{name: "a long greeting", as: "owner", method: "PATCH", path: "/api/v1/sites/{site}",
			body: map[string]any{"look": map[string]any{"greeting": strings.Repeat("g", 201)}}, status: 400, code: "too_long", field: "look.greeting"},
		{name: "a greeting with a bidi override", as: "owner", method: "PATCH", path: "/api/v1/sites/{site}",
			body: map[string]any{"look": map[string]any{"greeting": "Hi \u202Ethere"}}, status: 400, code: "invalid_text", field: "look.greeting"},
		{name: "a long team name", as: "owner", method: "PATCH", path: "/api/v1/sites/{site}",
			body: map[string]any{"look": map[string]any{"team_name": strings.Repeat("t", 61)}}, status: 400, code: "too_long", field: "look.team_name"},
		{name: "a team name with a control character", as: "owner", method: "PATCH", path: "/api/v1/sites/{site}",
			body: map[string]any{"look": map[string]any{"team_name": "Team\x1b[31m"}}, status: 400, code: "invalid_name", field: "look.team_name"},
		{name: "agent_names of the wrong type", as: "owner", method: "PATCH", path: "/api/v1/sites/{site}",
			body: `{"look":{"agent_names":"no"}}`, status: 400, code: "invalid_type", field: "look.agent_names"},
		{name: "an agent changes the languages", as: "agent", method: "PATCH", path: "/api/v1/sites/{site}",
			body: map[string]any{"look": map[string]any{"languages": []string{"en", "de"}}}, status: 403, code: "forbidden"},
		{name: "an agent changes the texts", as: "agent", method: "PATCH", path: "/api/v1/sites/{site}",
			body: map[string]any{"look": map[string]any{"texts": map[string]any{"en": map[string]string{"send": "Go"}}}}, status: 403, code: "forbidden"},
		{name: "a supervisor changes the texts", as: "supervisor", method: "PATCH", path: "/api/v1/sites/{site}",
			body: map[string]any{"look": map[string]any{"texts": map[string]any{"en": map[string]string{"send": "Go"}}}}, status: 403, code: "forbidden"},
		{name: "no language", as: "owner", method: "PATCH", path: "/api/v1/sites/{site}",
			body: `{"look":{"languages":[]}}`, status: 400, code: "required", field: "look.languages"},
		{name: "a language the widget lacks", as: "owner", method: "PATCH", path: "/api/v1/sites/{site}",
			body: map[string]any{"look": map[string]any{"languages": []string{"en", "fr"}}}, status: 400, code: "invalid_language", field: "look.languages"},
		{name: "a language twice", as: "owner", method: "POST", path: "/api/v1/sites",
			body: map[string]any{"name": "X", "look": map[string]any{"languages": []string{"de", "de"}}}, status: 400, code: "invalid_language", field: "look.languages"},
		{name: "languages of the wrong type", as: "owner", method: "PATCH", path: "/api/v1/sites/{site}",
			body: `{"look":{"languages":"en"}}`, status: 400, code: "invalid_type", field: "look.languages"},
		{name: "texts in a language not enabled", as: "owner", method: "PATCH", path: "/api/v1/sites/{site}",
			body: map[string]any{"look": map[string]any{"texts": map[string]any{"de": map[string]string{"send": "Los"}}}}, status: 400, code: "invalid_language", field: "look.texts.de"},
		{name: "texts in a language the widget lacks", as: "owner", method: "PATCH", path: "/api/v1/sites/{site}",
			body: map[string]any{"look": map[string]any{"texts": map[string]any{"fr": map[string]string{"send": "Envoyer"}}}}, status: 400, code: "invalid_language", field: "look.texts"},
		{name: "an unknown text", as: "owner", method: "PATCH", path: "/api/v1/sites/{site}",
			body: map[string]any{"look": map[string]any{"texts": map[string]any{"en": map[string]string{"offline_form": "Leave a message"}}}}, status: 400, code: "unknown_text", field: "look.texts.en"},
		{name: "a long text", as: "owner", method: "PATCH", path: "/api/v1/sites/{site}",
			body: map[string]any{"look": map[string]any{"texts": map[string]any{"en": map[string]string{"greeting": strings.Repeat("g", 301)}}}}, status: 400, code: "too_long", field: "look.texts.en.greeting"},
		{name: "a text with a bidi override", as: "owner", method: "PATCH", path: "/api/v1/sites/{site}",
			body: map[string]any{"look": map[string]any{"texts": map[string]any{"en": map[string]string{"send": "Send \u202enow"}}}}, status: 400, code: "invalid_text", field: "look.texts.en.send"},
		{name: "a button label on two lines", as: "owner", method: "PATCH", path: "/api/v1/sites/{site}",
			body: map[string]any{"look": map[string]any{"texts": map[string]any{"en": map[string]string{"send": "Send\nnow"}}}}, status: 400, code: "invalid_text", field: "look.texts.en.send"},
		{name: "a text without its placeholder", as: "owner", method: "PATCH", path: "/api/v1/sites/{site}",
			body:   map[string]any{"look": map[string]any{"languages": []string{"en", "de"}, "texts": map[string]any{"de": map[string]string{"typing": "Jemand schreibt…"}}}},
			status: 400, code: "missing_placeholder", field: "look.texts.de.typing"},
		{name: "texts of the wrong type", as: "owner", method: "PATCH", path: "/api/v1/sites/{site}",
			body: `{"look":{"texts":{"en":"Hello"}}}`, status: 400, code: "invalid_type", field: "look.texts"},
		{name: "an unknown look field", as: "owner", method: "PATCH", path: "/api/v1/sites/{site}",
			body: `{"look":{"font":"Comic Sans"}}`, status: 400, code: "unknown_field", field: "font"},
		{name: "a widget key is not editable", as: "owner", method: "PATCH", path: "/api/v1/sites/{site}",
			body: map[string]any{"widget_key": "wk_mine"}, status: 400, code: "unknown_field", field: "widget_key"},
		{name: "an unknown site", as: "owner", method: "GET", path: "/api/v1/sites/" + store.NewID(), status: 404, code: "not_found"},
		{name: "B's site: read", as: "owner", method: "GET", path: "/api/v1/sites/{b-site}", status: 404, code: "not_found"},
		{name: "B's site: update", as: "owner", method: "PATCH", path: "/api/v1/sites/{b-site}", body: map[string]any{"name": "Mine"}, status: 404, code: "not_found"},
		{name: "B's site: rotate", as: "owner", method: "POST", path: "/api/v1/sites/{b-site}/rotate-key", status: 404, code: "not_found"},
		{name: "B's site: secret", as: "owner", method: "GET", path: "/api/v1/sites/{b-site}/identity-secret", status: 404, code: "not_found"},
		{name: "B's site: rotate its secret", as: "owner", method: "POST", path: "/api/v1/sites/{b-site}/identity-secret/rotate", status: 404, code: "not_found"},
		{name: "B's site: delete", as: "owner", method: "DELETE", path: "/api/v1/sites/{b-site}", status: 404, code: "not_found"},
		{name: "the list holds only this workspace", as: "agent", method: "GET", path: "/api/v1/sites", status: 200,
			has: []string{`"items":[`, `"name":"Shop"`, `"name":"Demo site"`}, hasNot: []string{"B's shop", "{b-site}"}},
		{name: "an agent reads a site, without its secret", as: "agent", method: "GET", path: "/api/v1/sites/{site}", status: 200,
			has: []string{`"widget_key":"` + e.site.WidgetKey + `"`}, hasNot: []string{`"identity_secret":`, e.site.IdentitySecret}},
	})
}

type siteJSON struct {
	ID                  string   `json:"id"`
	Name                string   `json:"name"`
	WidgetKey           string   `json:"widget_key"`
	AllowedOrigins      []string `json:"allowed_origins"`
	DefaultDepartmentID string   `json:"default_department_id"`
}

func TestSitesAPILifecycle(t *testing.T) {
	t.Parallel()
	eachDatabase(t, func(t *testing.T, opts ...apptest.Option) {
		e := newEnv(t, opts...)
		s, owner := e.srv, e.as["owner"]
		ctx := t.Context()

		status, body := s.Do(t, owner, "POST", "/api/v1/sites", map[string]any{"name": "Blog",
			"allowed_origins": []string{"HTTPS://Blog.Example", "https://*.blog.example"}, "default_department_id": e.dept.ID,
			"business_hours": map[string]any{"time_zone": "Europe/Berlin", "days": []any{map[string]any{"weekday": 1, "open": "09:00", "close": "17:00"}}}})
		if status != http.StatusCreated {
			t.Fatalf("create: %d %s", status, body)
		}
		created := apptest.Decode[siteJSON](t, body)
		if created.Name != "Blog" || strings.Join(created.AllowedOrigins, " ") != "https://blog.example https://*.blog.example" ||
			!strings.HasPrefix(created.WidgetKey, "wk_") || created.DefaultDepartmentID != e.dept.ID || strings.Contains(string(body), `"identity_secret":`) {
			t.Fatalf("created %s", body)
		}
		path := "/api/v1/sites/" + created.ID

		status, body = s.Do(t, e.as["agent"], "GET", path, nil)
		if status != 200 || apptest.Decode[siteJSON](t, body).Name != "Blog" {
			t.Fatalf("read: %d %s", status, body)
		}
		status, body = s.Do(t, e.as["admin"], "PATCH", path, map[string]any{"name": "Blog 2", "allowed_origins": []string{}})
		if got := apptest.Decode[siteJSON](t, body); status != 200 || got.Name != "Blog 2" || len(got.AllowedOrigins) != 0 ||
			got.WidgetKey != created.WidgetKey || got.DefaultDepartmentID != e.dept.ID {
			t.Fatalf("update: %d %s", status, body)
		}

		// The look and closed days: an admin may set them; a look with
		// some fields changes only those; every role reads them back.
		status, body = s.Do(t, e.as["admin"], "PATCH", path, map[string]any{
			"look": map[string]any{"color": "#0A7F5A", "greeting": "Hello!\nAsk away.", "agent_names": false, "team_name": "Blog team"},
			"business_hours": map[string]any{"time_zone": "America/Los_Angeles", "days": []any{},
				"closed_days": []string{"2027-01-01", "2026-12-25"}}})
		if status != 200 {
			t.Fatalf("look: %d %s", status, body)
		}
		status, body = s.Do(t, owner, "PATCH", path, map[string]any{"look": map[string]any{"color": "#111111"}})
		if status != 200 {
			t.Fatalf("colour only: %d %s", status, body)
		}
		status, body = s.Do(t, e.as["agent"], "GET", path, nil)
		for _, want := range []string{`"look":{"color":"#111111","greeting":"Hello!\nAsk away.","agent_names":false,"team_name":"Blog team","languages":["en"],"texts":{},"ratings":true}`,
			`"closed_days":["2026-12-25","2027-01-01"]`} {
			if status != 200 || !strings.Contains(string(body), want) {
				t.Fatalf("read back: %d %s, want %s", status, body, want)
			}
		}

		// Languages and texts: German enabled with a text of the owner's,
		// read back by every role; empty texts are the widget's own.
		status, body = s.Do(t, e.as["admin"], "PATCH", path, map[string]any{"look": map[string]any{"languages": []string{"de", "en"},
			"texts": map[string]any{"de": map[string]string{"typing": " {name} tippt… ", "send": ""}, "en": map[string]string{}}}})
		if status != 200 {
			t.Fatalf("texts: %d %s", status, body)
		}
		status, body = s.Do(t, e.as["agent"], "GET", path, nil)
		if want := `"team_name":"Blog team","languages":["de","en"],"texts":{"de":{"typing":"{name} tippt…"}},"ratings":true}`; status != 200 || !strings.Contains(string(body), want) {
			t.Fatalf("texts read back: %d %s, want %s", status, body, want)
		}

		status, body = s.Do(t, owner, "GET", path+"/identity-secret", nil)
		secret := apptest.Decode[map[string]string](t, body)["identity_secret"]
		stored, err := s.App.Store.GetSite(ctx, s.WorkspaceID(t), created.ID)
		if err != nil || status != 200 || secret == "" || secret != stored.IdentitySecret || !stored.IdentitySecretShown {
			t.Fatalf("identity secret: %d %s (err %v)", status, body, err)
		}
		// Shown once: the second read is refused, and says how to get one.
		if status, body = s.Do(t, e.as["admin"], "GET", path+"/identity-secret", nil); status != 409 || !strings.Contains(string(body), "identity_secret_shown") {
			t.Fatalf("a second read of the identity secret: %d %s", status, body)
		}

		status, body = s.Do(t, owner, "POST", path+"/identity-secret/rotate", nil)
		fresh := apptest.Decode[map[string]string](t, body)["identity_secret"]
		stored, err = s.App.Store.GetSite(ctx, s.WorkspaceID(t), created.ID)
		if err != nil || status != 200 || fresh == "" || fresh == secret || fresh != stored.IdentitySecret {
			t.Fatalf("rotated identity secret: %d %s (err %v)", status, body, err)
		}

		status, body = s.Do(t, owner, "POST", path+"/rotate-key", nil)
		rotated := apptest.Decode[siteJSON](t, body)
		if status != 200 || rotated.WidgetKey == created.WidgetKey || !strings.HasPrefix(rotated.WidgetKey, "wk_") {
			t.Fatalf("rotate: %d %s", status, body)
		}
		if _, err := s.App.Store.SiteByWidgetKey(ctx, created.WidgetKey); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("the old widget key still finds the site: %v", err)
		}
		if got, err := s.App.Store.SiteByWidgetKey(ctx, rotated.WidgetKey); err != nil || got.ID != created.ID {
			t.Fatalf("the new widget key: %v", err)
		}

		status, body = s.Do(t, e.as["agent"], "GET", "/api/v1/sites", nil)
		list := apptest.Decode[struct{ Items []siteJSON }](t, body)
		if status != 200 || len(list.Items) != 3 { // the demo site, Shop and Blog 2
			t.Fatalf("list: %d %s", status, body)
		}

		if status, body = s.Do(t, owner, "DELETE", path, nil); status != http.StatusNoContent || len(body) != 0 {
			t.Fatalf("delete: %d %s", status, body)
		}
		for _, method := range []string{"GET", "DELETE"} {
			if status, body = s.Do(t, owner, method, path, nil); status != 404 {
				t.Fatalf("%s after delete: %d %s", method, status, body)
			}
		}
		if _, err := s.App.Store.SiteByWidgetKey(ctx, rotated.WidgetKey); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a deleted site's key still works: %v", err)
		}
	})
}

func TestAgentsAPIRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	newAgent := func(extra map[string]any) map[string]any {
		m := map[string]any{"email": "new@example.com", "name": "New", "role": "agent"}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	e.run(t, []scenario{
		{name: "nobody lists", method: "GET", path: "/api/v1/agents", status: 401, code: "unauthenticated"},
		{name: "an agent creates an agent", as: "agent", method: "POST", path: "/api/v1/agents", body: newAgent(nil), status: 403, code: "forbidden"},
		{name: "a supervisor creates an agent", as: "supervisor", method: "POST", path: "/api/v1/agents", body: newAgent(nil), status: 403, code: "forbidden"},
		{name: "an admin creates an owner", as: "admin", method: "POST", path: "/api/v1/agents",
			body: newAgent(map[string]any{"role": "owner"}), status: 403, code: "forbidden"},
		{name: "a taken e-mail, other case", as: "owner", method: "POST", path: "/api/v1/agents",
			body: newAgent(map[string]any{"email": "AGENT@example.com"}), status: 409, code: "email_taken", field: "email"},
		{name: "another workspace's e-mail", as: "owner", method: "POST", path: "/api/v1/agents",
			body: newAgent(map[string]any{"email": "owner@b.example"}), status: 409, code: "email_taken", field: "email"},
		{name: "not an e-mail", as: "owner", method: "POST", path: "/api/v1/agents",
			body: newAgent(map[string]any{"email": "new"}), status: 400, code: "invalid_email", field: "email"},
		{name: "an unknown role", as: "owner", method: "POST", path: "/api/v1/agents",
			body: newAgent(map[string]any{"role": "root"}), status: 400, code: "invalid_role", field: "role"},
		{name: "a short password", as: "owner", method: "POST", path: "/api/v1/agents",
			body: newAgent(map[string]any{"password": "short"}), status: 400, code: "password_too_short", field: "password"},
		{name: "another workspace's department", as: "owner", method: "POST", path: "/api/v1/agents",
			body: newAgent(map[string]any{"department_ids": []string{"{b-dept}"}}), status: 400, code: "unknown_department", field: "department_ids"},
		{name: "an agent promotes themselves", as: "agent", method: "PATCH", path: "/api/v1/agents/{agent}",
			body: map[string]any{"role": "admin"}, status: 403, code: "forbidden"},
		{name: "an agent renames a colleague", as: "agent", method: "PATCH", path: "/api/v1/agents/{supervisor}",
			body: map[string]any{"name": "Ha"}, status: 403, code: "forbidden"},
		{name: "an admin edits the owner", as: "admin", method: "PATCH", path: "/api/v1/agents/{owner}",
			body: map[string]any{"name": "Ha"}, status: 403, code: "forbidden"},
		{name: "the last owner steps down", as: "owner", method: "PATCH", path: "/api/v1/agents/{owner}",
			body: map[string]any{"role": "admin"}, status: 409, code: "last_owner"},
		{name: "a password through update", as: "owner", method: "PATCH", path: "/api/v1/agents/{agent}",
			body: map[string]any{"password": "a-fine-password"}, status: 400, code: "use_password_endpoint", field: "password"},
		{name: "the owner deletes themselves", as: "owner", method: "DELETE", path: "/api/v1/agents/{owner}", status: 409, code: "cannot_delete_self"},
		{name: "an admin deletes the owner", as: "admin", method: "DELETE", path: "/api/v1/agents/{owner}", status: 403, code: "forbidden"},
		{name: "an agent deletes a colleague", as: "agent", method: "DELETE", path: "/api/v1/agents/{supervisor}", status: 403, code: "forbidden"},
		{name: "an agent resets a password", as: "agent", method: "POST", path: "/api/v1/agents/{supervisor}/password",
			body: map[string]any{}, status: 403, code: "forbidden"},
		{name: "B's agent: read", as: "owner", method: "GET", path: "/api/v1/agents/{b-agent}", status: 404, code: "not_found"},
		{name: "B's agent: update", as: "owner", method: "PATCH", path: "/api/v1/agents/{b-agent}", body: map[string]any{"name": "Mine"}, status: 404, code: "not_found"},
		{name: "B's agent: reset password", as: "owner", method: "POST", path: "/api/v1/agents/{b-agent}/password",
			body: map[string]any{"password": "known-password"}, status: 404, code: "not_found"},
		{name: "B's agent: delete", as: "owner", method: "DELETE", path: "/api/v1/agents/{b-agent}", status: 404, code: "not_found"},
		{name: "the list holds only this workspace, without hashes", as: "agent", method: "GET", path: "/api/v1/agents", status: 200,
			has: []string{`"email":"owner@example.com"`, `"email":"agent@example.com"`}, hasNot: []string{"owner@b.example", "argon2", "password"}},
	})
}

type agentJSON struct {
	ID            string   `json:"id"`
	Email         string   `json:"email"`
	Role          string   `json:"role"`
	Name          string   `json:"name"`
	MaxChats      int      `json:"max_chats"`
	DepartmentIDs []string `json:"department_ids"`
}

// TestDisableAgentAPI: managers disable and enable agents they may
// manage; a disabled agent's session ends at once and its right password
// is refused with account_disabled; each refusal changes nothing.
func TestDisableAgentAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.run(t, []scenario{
		{name: "nobody", method: "POST", path: "/api/v1/agents/{agent}/disable", status: 401, code: "unauthenticated"},
		{name: "an agent", as: "agent", method: "POST", path: "/api/v1/agents/{supervisor}/disable", status: 403, code: "forbidden"},
		{name: "a supervisor", as: "supervisor", method: "POST", path: "/api/v1/agents/{agent}/disable", status: 403, code: "forbidden"},
		{name: "an admin disables the owner", as: "admin", method: "POST", path: "/api/v1/agents/{owner}/disable", status: 403, code: "forbidden"},
		{name: "oneself", as: "admin", method: "POST", path: "/api/v1/agents/{admin}/disable", status: 409, code: "cannot_disable_self"},
		{name: "B's agent", as: "owner", method: "POST", path: "/api/v1/agents/{b-agent}/disable", status: 404, code: "not_found"},
		{name: "an admin disables an agent", as: "admin", method: "POST", path: "/api/v1/agents/{agent}/disable", status: 200,
			has: []string{`"disabled":true`, `"status":"offline"`}},
		{name: "the disabled agent's session is gone", as: "agent", method: "GET", path: "/api/v1/me", status: 401, code: "unauthenticated"},
		{name: "the right password is refused", method: "POST", path: "/api/v1/auth/login",
			body: map[string]any{"email": "agent@example.com", "password": "password-of-agent"}, status: 403, code: "account_disabled"},
		{name: "a wrong password says nothing more", method: "POST", path: "/api/v1/auth/login",
			body: map[string]any{"email": "agent@example.com", "password": "not the password"}, status: 401, code: "invalid_credentials"},
		{name: "nobody enables", method: "POST", path: "/api/v1/agents/{agent}/enable", status: 401, code: "unauthenticated"},
		{name: "a supervisor enables", as: "supervisor", method: "POST", path: "/api/v1/agents/{agent}/enable", status: 403, code: "forbidden"},
		{name: "B's agent is not enabled", as: "owner", method: "POST", path: "/api/v1/agents/{b-agent}/enable", status: 404, code: "not_found"},
		{name: "still disabled after the refusals", method: "POST", path: "/api/v1/auth/login",
			body: map[string]any{"email": "agent@example.com", "password": "password-of-agent"}, status: 403, code: "account_disabled"},
		{name: "enabled again", as: "owner", method: "POST", path: "/api/v1/agents/{agent}/enable", status: 200, has: []string{`"disabled":false`}},
		{name: "signs in again", method: "POST", path: "/api/v1/auth/login",
			body: map[string]any{"email": "agent@example.com", "password": "password-of-agent"}, status: 200},
	})
}

func TestAgentsAPILifecycle(t *testing.T) {
	t.Parallel()
	eachDatabase(t, func(t *testing.T, opts ...apptest.Option) {
		e := newEnv(t, opts...)
		s, owner := e.srv, e.as["owner"]

		status, body := s.Do(t, owner, "POST", "/api/v1/agents", map[string]any{"email": " New@Example.com", "name": "New",
			"role": "supervisor", "max_chats": 4, "department_ids": []string{e.dept.ID}})
		created := apptest.Decode[struct {
			Agent    agentJSON
			Password string
		}](t, body)
		if status != http.StatusCreated || created.Agent.Email != "new@example.com" || created.Agent.Role != "supervisor" ||
			created.Agent.MaxChats != 4 || len(created.Agent.DepartmentIDs) != 1 || len(created.Password) != 24 {
			t.Fatalf("create: %d %s", status, body)
		}
		path := "/api/v1/agents/" + created.Agent.ID
		newbie := s.Login(t, "new@example.com", created.Password) // the generated password works

		status, body = s.Do(t, e.as["admin"], "POST", "/api/v1/agents", map[string]any{"email": "chosen@example.com",
			"name": "Chosen", "password": "a-chosen-password"})
		if status != http.StatusCreated || strings.Contains(string(body), "password") {
			t.Fatalf("create with a chosen password: %d %s (the password must not be echoed)", status, body)
		}

		status, body = s.Do(t, newbie, "PATCH", path, map[string]any{"name": "Newbie"})
		if status != 200 || apptest.Decode[agentJSON](t, body).Name != "Newbie" {
			t.Fatalf("an agent renames themselves: %d %s", status, body)
		}
		status, body = s.Do(t, owner, "PATCH", path, map[string]any{"role": "agent", "max_chats": 0, "department_ids": []string{}})
		if got := apptest.Decode[agentJSON](t, body); status != 200 || got.Role != "agent" || got.MaxChats != 0 || len(got.DepartmentIDs) != 0 {
			t.Fatalf("update: %d %s", status, body)
		}
		status, body = s.Do(t, e.as["agent"], "GET", path, nil)
		if status != 200 || apptest.Decode[agentJSON](t, body).Name != "Newbie" {
			t.Fatalf("read: %d %s", status, body)
		}

		// A manager's reset signs the agent out everywhere.
		status, body = s.Do(t, e.as["admin"], "POST", path+"/password", map[string]any{})
		reset := apptest.Decode[map[string]string](t, body)["password"]
		if status != 200 || len(reset) != 24 {
			t.Fatalf("reset: %d %s", status, body)
		}
		if status, _ = s.Do(t, newbie, "GET", "/api/v1/me", nil); status != 401 {
			t.Fatalf("the agent's session after a reset: %d, want 401", status)
		}
		newbie = s.Login(t, "new@example.com", reset)
		if status, body = s.Do(t, owner, "POST", path+"/password", map[string]any{"password": "another-fine-password"}); status != http.StatusNoContent {
			t.Fatalf("reset to a chosen password: %d %s", status, body)
		}

		if status, body = s.Do(t, owner, "DELETE", path, nil); status != http.StatusNoContent {
			t.Fatalf("delete: %d %s", status, body)
		}
		if status, _ = s.Do(t, newbie, "GET", "/api/v1/me", nil); status != 401 {
			t.Fatalf("a deleted agent's session: %d, want 401", status)
		}
		status, body = s.Do(t, s.Client(t), "POST", "/api/v1/auth/login", map[string]string{"email": "new@example.com", "password": "another-fine-password"})
		if status != 401 {
			t.Fatalf("a deleted agent signs in: %d %s", status, body)
		}
		if status, _ = s.Do(t, owner, "GET", path, nil); status != 404 {
			t.Fatalf("read after delete: %d", status)
		}
	})
}

func TestDepartmentsAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.run(t, []scenario{
		{name: "nobody lists", method: "GET", path: "/api/v1/departments", status: 401, code: "unauthenticated"},
		{name: "an agent creates", as: "agent", method: "POST", path: "/api/v1/departments", body: map[string]any{"name": "Mine"}, status: 403, code: "forbidden"},
		{name: "an agent renames", as: "agent", method: "PATCH", path: "/api/v1/departments/{dept}", body: map[string]any{"name": "Mine"}, status: 403, code: "forbidden"},
		{name: "an agent deletes", as: "agent", method: "DELETE", path: "/api/v1/departments/{dept}", status: 403, code: "forbidden"},
		{name: "a supervisor creates", as: "supervisor", method: "POST", path: "/api/v1/departments", body: map[string]any{"name": "Mine"}, status: 403, code: "forbidden"},
		{name: "a supervisor renames", as: "supervisor", method: "PATCH", path: "/api/v1/departments/{dept}", body: map[string]any{"name": "Mine"}, status: 403, code: "forbidden"},
		{name: "a supervisor deletes", as: "supervisor", method: "DELETE", path: "/api/v1/departments/{dept}", status: 403, code: "forbidden"},
		{name: "nobody creates", method: "POST", path: "/api/v1/departments", body: map[string]any{"name": "Mine"}, status: 401, code: "unauthenticated"},
		{name: "a blank name", as: "owner", method: "POST", path: "/api/v1/departments", body: map[string]any{"name": "  "}, status: 400, code: "invalid_name", field: "name"},
		{name: "a taken name", as: "owner", method: "POST", path: "/api/v1/departments", body: map[string]any{"name": "Sales"}, status: 409, code: "name_taken", field: "name"},
		{name: "B's department: read", as: "owner", method: "GET", path: "/api/v1/departments/{b-dept}", status: 404, code: "not_found"},
		{name: "B's department: rename", as: "owner", method: "PATCH", path: "/api/v1/departments/{b-dept}", body: map[string]any{"name": "Mine"}, status: 404, code: "not_found"},
		{name: "B's department: delete", as: "owner", method: "DELETE", path: "/api/v1/departments/{b-dept}", status: 404, code: "not_found"},
		{name: "an agent lists", as: "agent", method: "GET", path: "/api/v1/departments", status: 200,
			has: []string{`"name":"Sales"`, `"agent_ids":[]`}},
		{name: "an admin creates", as: "admin", method: "POST", path: "/api/v1/departments", body: map[string]any{"name": " Billing "}, status: 201,
			has: []string{`"name":"Billing"`}},
		{name: "renaming onto a taken name", as: "owner", method: "PATCH", path: "/api/v1/departments/{dept}", body: map[string]any{"name": "Billing"},
			status: 409, code: "name_taken"},
		{name: "the owner renames", as: "owner", method: "PATCH", path: "/api/v1/departments/{dept}", body: map[string]any{"name": "Sales EU"}, status: 200,
			has: []string{`"name":"Sales EU"`}},
		{name: "read", as: "agent", method: "GET", path: "/api/v1/departments/{dept}", status: 200, has: []string{`"name":"Sales EU"`, `"business_hours":null`}},
		{name: "an agent sets hours", as: "agent", method: "PATCH", path: "/api/v1/departments/{dept}",
			body: `{"business_hours":{"days":[]}}`, status: 403, code: "forbidden"},
		{name: "hours with an unknown zone", as: "owner", method: "PATCH", path: "/api/v1/departments/{dept}",
			body: `{"business_hours":{"time_zone":"Mars/Olympus"}}`, status: 400, code: "invalid_time_zone", field: "business_hours.time_zone"},
		{name: "hours with an unknown field", as: "owner", method: "PATCH", path: "/api/v1/departments/{dept}",
			body: `{"business_hours":{"open":"always"}}`, status: 400, code: "unknown_field", field: "open"},
		{name: "hours with the site's texts", as: "owner", method: "PATCH", path: "/api/v1/departments/{dept}",
			body: `{"business_hours":{"question":"YES or NO?"}}`, status: 400, code: "site_only", field: "business_hours"},
		{name: "hours that are not an object", as: "owner", method: "PATCH", path: "/api/v1/departments/{dept}",
			body: `{"business_hours":"9 to 5"}`, status: 400, code: "invalid_type"},
		{name: "nothing changed by the refusals", as: "agent", method: "GET", path: "/api/v1/departments/{dept}", status: 200,
			has: []string{`"name":"Sales EU"`, `"business_hours":null`}},
		{name: "the owner sets hours", as: "owner", method: "PATCH", path: "/api/v1/departments/{dept}",
			body:   `{"business_hours":{"time_zone":"Europe/Berlin","days":[{"weekday":1,"open":"09:00","close":"17:00"}],"closed_days":["2026-12-25","2026-12-24"]}}`,
			status: 200, has: []string{`"name":"Sales EU"`, `"time_zone":"Europe/Berlin"`, `"closed_days":["2026-12-24","2026-12-25"]`}},
		{name: "a rename keeps the hours", as: "owner", method: "PATCH", path: "/api/v1/departments/{dept}", body: map[string]any{"name": "Sales"},
			status: 200, has: []string{`"name":"Sales"`, `"time_zone":"Europe/Berlin"`}},
		{name: "null follows the sites again", as: "owner", method: "PATCH", path: "/api/v1/departments/{dept}", body: `{"business_hours":null}`,
			status: 200, has: []string{`"name":"Sales"`, `"business_hours":null`}},
		{name: "the owner deletes", as: "owner", method: "DELETE", path: "/api/v1/departments/{dept}", status: 204},
		{name: "read after delete", as: "owner", method: "GET", path: "/api/v1/departments/{dept}", status: 404, code: "not_found"},
		{name: "the site's default department is cleared", as: "owner", method: "GET", path: "/api/v1/sites/{site}", status: 200,
			hasNot: []string{"default_department_id"}},
	})
}

// TestBadInput: every malformed request is refused with a clear code and
// changes nothing.
func TestBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	json := map[string]string{"Content-Type": "application/json"}
	e.run(t, []scenario{
		{name: "unknown field", as: "owner", method: "POST", path: "/api/v1/departments", body: `{"name":"X","colour":"red"}`,
			status: 400, code: "unknown_field", field: "colour"},
		{name: "malformed JSON", as: "owner", method: "POST", path: "/api/v1/departments", body: `{"name":`, status: 400, code: "invalid_json"},
		{name: "not JSON at all", as: "owner", method: "POST", path: "/api/v1/departments", body: `name=X`, status: 400, code: "invalid_json"},
		{name: "two JSON values", as: "owner", method: "POST", path: "/api/v1/departments", body: `{"name":"X"} {"name":"Y"}`, status: 400, code: "invalid_json"},
		{name: "an array", as: "owner", method: "POST", path: "/api/v1/departments", body: `[{"name":"X"}]`, status: 400, code: "invalid_type"},
		{name: "empty body", as: "owner", method: "POST", path: "/api/v1/departments", body: "", header: json, status: 400, code: "empty_body"},
		{name: "form content type", as: "owner", method: "POST", path: "/api/v1/departments", body: `{"name":"X"}`,
			header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, status: 415, code: "unsupported_media_type"},
		{name: "text content type", as: "owner", method: "PATCH", path: "/api/v1/workspace", body: `{"name":"X"}`,
			header: map[string]string{"Content-Type": "text/plain"}, status: 415, code: "unsupported_media_type"},
		{name: "too large", as: "owner", method: "POST", path: "/api/v1/departments",
			body: `{"name":"` + strings.Repeat("x", 1<<20) + `"}`, status: 413, code: "body_too_large"},
		{name: "login with unknown fields", method: "POST", path: "/api/v1/auth/login",
			body: `{"email":"owner@example.com","password":"correct horse battery staple","remember":true}`, status: 400, code: "unknown_field", field: "remember"},
		{name: "unknown API route", as: "owner", method: "GET", path: "/api/v1/nope", status: 404, code: "route_not_found"},
		{name: "unknown API version", method: "POST", path: "/api/v2/sites", body: `{}`, status: 404, code: "route_not_found"},
		{name: "JSON with a charset", as: "owner", method: "POST", path: "/api/v1/departments", body: `{"name":"Charset"}`,
			header: map[string]string{"Content-Type": "application/json; charset=utf-8"}, status: 201},
	})
}

// TestTenantIsolationAPI: an owner of workspace B, signed in, sees and
// touches nothing of workspace A through the API.
func TestTenantIsolationAPI(t *testing.T) {
	t.Parallel()
	eachDatabase(t, func(t *testing.T, opts ...apptest.Option) {
		e := newEnv(t, opts...)
		e.as["b-owner"] = e.srv.Login(t, e.bAgent, e.bPasswd)
		e.run(t, []scenario{
			{name: "B lists only its sites", as: "b-owner", method: "GET", path: "/api/v1/sites", status: 200,
				has: []string{"B's shop"}, hasNot: []string{`"name":"Shop"`, "Demo site"}},
			{name: "B lists only its agents", as: "b-owner", method: "GET", path: "/api/v1/agents", status: 200,
				has: []string{"owner@b.example"}, hasNot: []string{"owner@example.com", "agent@example.com"}},
			{name: "B reads its workspace", as: "b-owner", method: "GET", path: "/api/v1/workspace", status: 200,
				has: []string{`"name":"B"`}, hasNot: []string{"My workspace"}},
			{name: "A's site", as: "b-owner", method: "GET", path: "/api/v1/sites/{site}", status: 404, code: "not_found"},
			{name: "A's site: update", as: "b-owner", method: "PATCH", path: "/api/v1/sites/{site}", body: map[string]any{"name": "Mine"}, status: 404, code: "not_found"},
			{name: "A's site: rotate", as: "b-owner", method: "POST", path: "/api/v1/sites/{site}/rotate-key", status: 404, code: "not_found"},
			{name: "A's site: secret", as: "b-owner", method: "GET", path: "/api/v1/sites/{site}/identity-secret", status: 404, code: "not_found"},
			{name: "A's site: delete", as: "b-owner", method: "DELETE", path: "/api/v1/sites/{site}", status: 404, code: "not_found"},
			{name: "A's owner", as: "b-owner", method: "GET", path: "/api/v1/agents/{owner}", status: 404, code: "not_found"},
			{name: "A's agent: promote", as: "b-owner", method: "PATCH", path: "/api/v1/agents/{agent}", body: map[string]any{"role": "owner"}, status: 404, code: "not_found"},
			{name: "A's agent: reset password", as: "b-owner", method: "POST", path: "/api/v1/agents/{agent}/password",
				body: map[string]any{"password": "known-password"}, status: 404, code: "not_found"},
			{name: "A's agent: delete", as: "b-owner", method: "DELETE", path: "/api/v1/agents/{agent}", status: 404, code: "not_found"},
			{name: "A's department", as: "b-owner", method: "GET", path: "/api/v1/departments/{dept}", status: 404, code: "not_found"},
			{name: "A's department: rename", as: "b-owner", method: "PATCH", path: "/api/v1/departments/{dept}", body: map[string]any{"name": "Mine"}, status: 404, code: "not_found"},
			{name: "A's department: delete", as: "b-owner", method: "DELETE", path: "/api/v1/departments/{dept}", status: 404, code: "not_found"},
			{name: "an agent of B in A's department", as: "b-owner", method: "POST", path: "/api/v1/agents",
				body: map[string]any{"email": "spy@b.example", "name": "Spy", "department_ids": []string{"{dept}"}}, status: 400, code: "unknown_department"},
		})
	})
}
