package httpapi_test

import (
	"encoding/json"
	"testing"
)

// TestQuickResponsesAPI: an agent keeps its own quick responses; shared
// ones are for owners and admins to make and change; fields are checked.
func TestQuickResponsesAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mine := e.srv.NewRequest(t, "POST", "/api/v1/quick-responses", map[string]any{"title": "Hello", "shortcut": "/hello", "body": "Hi {{contact.name | there}}"})
	status, body := e.srv.Send(t, e.as["agent"], mine)
	if status != 201 {
		t.Fatalf("the agent's own: %d %s", status, body)
	}
	e.ids["{mine}"] = idOf(t, body)
	shared := e.srv.NewRequest(t, "POST", "/api/v1/quick-responses", map[string]any{"title": "Refund", "shortcut": "refund", "body": "Your refund is on its way.", "scope": "workspace"})
	if status, body = e.srv.Send(t, e.as["admin"], shared); status != 201 {
		t.Fatalf("a shared one: %d %s", status, body)
	}
	e.ids["{shared}"] = idOf(t, body)

	e.run(t, []scenario{
		{name: "nobody lists", method: "GET", path: "/api/v1/quick-responses", status: 401, code: "unauthenticated"},
		{name: "an unknown field", as: "agent", method: "POST", path: "/api/v1/quick-responses",
			body: `{"title":"X","shortcut":"x","body":"Hi {{visitor.name}}"}`, status: 400, code: "invalid_field", field: "body"},
		{name: "an unclosed field", as: "agent", method: "POST", path: "/api/v1/quick-responses",
			body: `{"title":"X","shortcut":"x","body":"Hi {{contact.name"}`, status: 400, code: "invalid_field"},
		{name: "a bad shortcut", as: "agent", method: "POST", path: "/api/v1/quick-responses",
			body: `{"title":"X","shortcut":"two words","body":"x"}`, status: 400, code: "invalid_shortcut"},
		{name: "an empty body", as: "agent", method: "POST", path: "/api/v1/quick-responses",
			body: `{"title":"X","shortcut":"x","body":" "}`, status: 400, code: "invalid_body"},
		{name: "an agent shares", as: "agent", method: "POST", path: "/api/v1/quick-responses",
			body: `{"title":"X","shortcut":"x","body":"x","scope":"workspace"}`, status: 403, code: "forbidden"},
		{name: "a bad scope", as: "admin", method: "POST", path: "/api/v1/quick-responses",
			body: `{"title":"X","shortcut":"x","body":"x","scope":"team"}`, status: 400, code: "invalid_scope"},
		{name: "B's department", as: "admin", method: "POST", path: "/api/v1/quick-responses",
			body: `{"title":"X","shortcut":"x","body":"x","scope":"department","department_id":"{b-dept}"}`, status: 400, code: "unknown_department"},
		{name: "the agent lists", as: "agent", method: "GET", path: "/api/v1/quick-responses", status: 200,
			has: []string{`"shortcut":"hello"`, `"shortcut":"refund"`}},
		{name: "another agent does not see the agent's own", as: "supervisor", method: "GET", path: "/api/v1/quick-responses", status: 200,
			has: []string{`"shortcut":"refund"`}, hasNot: []string{`"shortcut":"hello"`}},
		{name: "another agent may not change it", as: "supervisor", method: "PATCH", path: "/api/v1/quick-responses/{mine}",
			body: `{"title":"X","shortcut":"x","body":"x"}`, status: 404, code: "quick_response_not_found"},
		{name: "an agent may not change a shared one", as: "agent", method: "PATCH", path: "/api/v1/quick-responses/{shared}",
			body: `{"title":"X","shortcut":"x","body":"x"}`, status: 403, code: "forbidden"},
		{name: "the agent uses a shared one", as: "agent", method: "POST", path: "/api/v1/quick-responses/{shared}/use", status: 204},
		{name: "its use counts", as: "admin", method: "GET", path: "/api/v1/quick-responses", status: 200, has: []string{`"uses":1`}},
		{name: "the agent edits its own", as: "agent", method: "PATCH", path: "/api/v1/quick-responses/{mine}",
			body: `{"title":"Hi","shortcut":"hi","body":"Hello {{agent.name}}"}`, status: 200, has: []string{`"shortcut":"hi"`}},
		{name: "the agent deletes its own", as: "agent", method: "DELETE", path: "/api/v1/quick-responses/{mine}", status: 204},
		{name: "the admin deletes the shared one", as: "admin", method: "DELETE", path: "/api/v1/quick-responses/{shared}", status: 204},
	})
}

// idOf reads the "id" of a JSON object.
func idOf(t *testing.T, body []byte) string {
	t.Helper()
	var v struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(body, &v); err != nil || v.ID == "" {
		t.Fatalf("no id in %s (%v)", body, err)
	}
	return v.ID
}
