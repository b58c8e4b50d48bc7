package httpapi_test

import "testing"

// TestNamesRefuseHiddenCharacters: names an admin types may not hide
// control characters or bidi overrides (a name that shows "admin" while it
// is "nimda", or that reorders the list around it); refused requests change
// nothing.
func TestNamesRefuseHiddenCharacters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.run(t, []scenario{
		{name: "agent name with a right-to-left override", as: "owner", method: "POST", path: "/api/v1/agents",
			body: map[string]any{"email": "rlo@example.com", "name": "\u202Enimda"}, status: 400, code: "invalid_name", field: "name"},
		{name: "agent name with NUL", as: "owner", method: "POST", path: "/api/v1/agents",
			body: map[string]any{"email": "nul@example.com", "name": "Ann\u0000"}, status: 400, code: "invalid_name", field: "name"},
		{name: "site name with an escape sequence", as: "owner", method: "PATCH", path: "/api/v1/sites/{site}",
			body: map[string]any{"name": "Shop\u001b[31m"}, status: 400, code: "invalid_name", field: "name"},
		{name: "department name with an isolate", as: "owner", method: "POST", path: "/api/v1/departments",
			body: map[string]any{"name": "Sales\u2067"}, status: 400, code: "invalid_name", field: "name"},
		{name: "workspace name with a line separator", as: "owner", method: "PATCH", path: "/api/v1/workspace",
			body: map[string]any{"name": "Acme\u2028Inc"}, status: 400, code: "invalid_name", field: "name"},
		{name: "a plain name with accents and CJK still works", as: "owner", method: "POST", path: "/api/v1/departments",
			body: map[string]any{"name": "Zoë's 支持"}, status: 201},
	})
}
