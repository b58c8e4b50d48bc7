package httpapi_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/querytel/livedesk/internal/app/apptest"
	"github.com/querytel/livedesk/internal/store"
)

// TestContactsAPI: contacts over REST with role checks; every refusal has
// its code and changes nothing.
func TestContactsAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	ws := e.srv.WorkspaceID(t)
	ann, err := e.srv.App.Store.UpsertContact(ctx, ws, "u-1", "Ann Lee", "ann@shop.example", e.srv.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	dup, err := e.srv.App.Store.CreateContact(ctx, store.Contact{WorkspaceID: ws, Name: "Ann L.", Phone: "+1 555 0100"}, e.srv.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	bc, err := e.srv.App.Store.UpsertContact(ctx, e.ids["{b-ws}"], "u-1", "B's Ann", "", e.srv.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	e.ids["{b-contact}"] = bc.ID
	e.ids["{ann}"], e.ids["{dup}"] = ann.ID, dup.ID

	e.run(t, []scenario{
		{name: "nobody lists", method: "GET", path: "/api/v1/contacts", status: 401, code: "unauthenticated"},
		{name: "an agent searches", as: "agent", method: "GET", path: "/api/v1/contacts?q=ANN%20L", status: 200,
			has: []string{`"name":"Ann Lee"`, `"name":"Ann L."`}, hasNot: []string{"B's Ann"}},
		{name: "a bad sort", as: "agent", method: "GET", path: "/api/v1/contacts?sort=age", status: 400, code: "invalid_sort"},
		{name: "a bad cursor", as: "agent", method: "GET", path: "/api/v1/contacts?after=nope", status: 400, code: "invalid_cursor"},
		{name: "an empty contact", as: "agent", method: "POST", path: "/api/v1/contacts", body: `{}`, status: 400, code: "required"},
		{name: "a bad e-mail", as: "agent", method: "POST", path: "/api/v1/contacts", body: `{"email":"not an address"}`, status: 400, code: "invalid_email"},
		{name: "a bad phone", as: "agent", method: "POST", path: "/api/v1/contacts", body: `{"phone":"call me maybe"}`, status: 400, code: "invalid_phone"},
		{name: "a bad field type", as: "agent", method: "POST", path: "/api/v1/contacts", body: `{"name":"X","fields":{"plan":{"type":"color","value":"red"}}}`,
			status: 400, code: "invalid_field_type"},
		{name: "a bad field value", as: "agent", method: "POST", path: "/api/v1/contacts", body: `{"name":"X","fields":{"seats":{"type":"number","value":"ten"}}}`,
			status: 400, code: "invalid_field_value", field: "fields.seats"},
		{name: "a javascript link", as: "agent", method: "POST", path: "/api/v1/contacts", body: `{"name":"X","fields":{"crm":{"type":"link","value":"javascript:alert(1)"}}}`,
			status: 400, code: "invalid_field_value"},
		{name: "a bad field key", as: "agent", method: "POST", path: "/api/v1/contacts", body: `{"name":"X","fields":{"Plan!":{"type":"text","value":"x"}}}`,
			status: 400, code: "invalid_field_key"},
		{name: "a taken external id", as: "agent", method: "POST", path: "/api/v1/contacts", body: `{"name":"X","external_id":"u-1"}`,
			status: 409, code: "external_id_taken"},
		{name: "an agent creates", as: "agent", method: "POST", path: "/api/v1/contacts",
			body:   `{"name":"Bo","email":"Bo@Shop.example","fields":{"plan":{"type":"text","value":"pro"},"trial":{"type":"boolean","value":true}}}`,
			status: 201, has: []string{`"email":"bo@shop.example"`, `"plan":{"type":"text","value":"pro"}`}},
		{name: "an agent edits", as: "agent", method: "PATCH", path: "/api/v1/contacts/{ann}", body: `{"phone":"+49 30 1"}`, status: 200,
			has: []string{`"phone":"+49 30 1"`, `"name":"Ann Lee"`}},
		{name: "B's contact", as: "owner", method: "GET", path: "/api/v1/contacts/{b-contact}", status: 404, code: "contact_not_found"},
		{name: "the page", as: "agent", method: "GET", path: "/api/v1/contacts/{ann}", status: 200,
			has: []string{`"contact":{`, `"conversations":[]`, `"visitors":[]`, `"tickets":[]`, `"pages":[]`}},
		{name: "a contact no site vouched for cannot be blocked", as: "owner", method: "POST", path: "/api/v1/blocks",
			body: `{"kind":"contact","value":"{dup}"}`, status: 400, code: "contact_not_verified"},
		{name: "paging by recently changed", as: "agent", method: "GET", path: "/api/v1/contacts?sort=updated&limit=1", status: 200,
			has: []string{`"next_after":`}},
		{name: "a cursor of another order", as: "agent", method: "GET", path: "/api/v1/contacts?sort=name&after=eyJzIjoidXBkYXRlZCIsImkiOiJ4In0", status: 400, code: "invalid_cursor"},
		{name: "an agent may not merge", as: "agent", method: "POST", path: "/api/v1/contacts/{ann}/merge", body: `{"from_id":"{dup}"}`, status: 403, code: "forbidden"},
		{name: "merging into itself", as: "supervisor", method: "POST", path: "/api/v1/contacts/{ann}/merge", body: `{"from_id":"{ann}"}`, status: 409, code: "invalid_merge"},
		{name: "merging B's", as: "supervisor", method: "POST", path: "/api/v1/contacts/{ann}/merge", body: `{"from_id":"{b-contact}"}`, status: 404, code: "contact_not_found"},
		{name: "a supervisor merges", as: "supervisor", method: "POST", path: "/api/v1/contacts/{ann}/merge", body: `{"from_id":"{dup}"}`, status: 200,
			has: []string{`"name":"Ann Lee"`, `"phone":"+49 30 1"`}},
		{name: "the trace leads to the merged", as: "agent", method: "GET", path: "/api/v1/contacts/{dup}", status: 200, has: []string{`"id":"{ann}"`}},
		{name: "the trace is no longer editable", as: "agent", method: "PATCH", path: "/api/v1/contacts/{dup}", body: `{"name":"X"}`, status: 404, code: "contact_not_found"},
		{name: "an agent may not export", as: "agent", method: "GET", path: "/api/v1/contacts/{ann}/export", status: 403, code: "forbidden"},
		{name: "an admin exports", as: "admin", method: "GET", path: "/api/v1/contacts/{ann}/export", status: 200, has: []string{`"messages":{}`, `"name":"Ann Lee"`}},
		{name: "a supervisor may not erase", as: "supervisor", method: "DELETE", path: "/api/v1/contacts/{ann}", status: 403, code: "forbidden"},
		{name: "an admin erases", as: "admin", method: "DELETE", path: "/api/v1/contacts/{ann}", status: 200, has: []string{`"conversations":0`}},
		{name: "erased", as: "agent", method: "GET", path: "/api/v1/contacts/{ann}", status: 404, code: "contact_not_found"},
	})
}

// TestContactUpsertByExternalID: a CRM's key puts its customer by its own
// id: made once (201), then changed (200) keeping what it did not send;
// a body naming another id, or a key without contacts:write, changes
// nothing.
func TestContactUpsertByExternalID(t *testing.T) {
	t.Parallel()
	srv := apptest.New(t)
	owner := srv.Admin(t)
	writer, reader := newKey(t, srv, owner, "contacts:write"), newKey(t, srv, owner, "contacts:read")
	path := "/api/v1/contacts/external/crm-42"
	put := func(token string, body map[string]any) (int, map[string]any) {
		t.Helper()
		resp, raw := keyCall(t, srv, token, "PUT", path, body)
		var c map[string]any
		json.Unmarshal(raw, &c) //nolint:errcheck // an error body decodes too
		return resp.StatusCode, c
	}
	code, c := put(writer, map[string]any{"name": "Ann", "email": "ann@example.com"})
	if code != http.StatusCreated || c["external_id"] != "crm-42" || c["name"] != "Ann" {
		t.Fatalf("first put: %d %v", code, c)
	}
	id := c["id"]
	code, c = put(writer, map[string]any{"phone": "+49 30 1234"})
	if code != http.StatusOK || c["id"] != id || c["name"] != "Ann" || c["phone"] != "+49 30 1234" {
		t.Fatalf("second put: %d %v", code, c)
	}
	if code, _ := put(writer, map[string]any{"external_id": "crm-43", "name": "Bob"}); code != http.StatusBadRequest {
		t.Fatalf("another id in the body: %d", code)
	}
	if code, _ := put(reader, map[string]any{"name": "Bob"}); code != http.StatusForbidden {
		t.Fatalf("a read-only key: %d", code)
	}
	code, raw := srv.Do(t, owner, "GET", "/api/v1/contacts?q=crm-4", nil)
	var list struct {
		Items []map[string]any `json:"items"`
	}
	if err := json.Unmarshal(raw, &list); code != http.StatusOK || err != nil || len(list.Items) != 1 || list.Items[0]["name"] != "Ann" {
		t.Fatalf("contacts after the puts: %d %s", code, raw)
	}
}
