package realtime_test

import (
	"encoding/json"
	"testing"

	"github.com/querytel/livedesk/client"
	"github.com/querytel/livedesk/internal/app/apptest"
)

// TestContactEvents: an agent's change to a contact (made, edited,
// erased) reaches the workspace's desks at once, so a card or a page on
// screen reads it again.
func TestContactEvents(t *testing.T) {
	t.Parallel()
	srv := apptest.New(t)
	ctx := testCtx(t)
	desk := srv.DialDesk(t, client.Options{Header: srv.AdminHeader(t)})
	defer desk.Kill()
	owner := srv.Admin(t)
	status, body := srv.Do(t, owner, "POST", "/api/v1/contacts", map[string]any{"name": "Ann Lee"})
	if status != 201 {
		t.Fatalf("create: %d %s", status, body)
	}
	id := apptest.Decode[struct {
		ID string `json:"id"`
	}](t, body).ID
	type contactEvent struct {
		Contact struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"contact"`
		Erased bool `json:"erased"`
	}
	read := func(f client.Frame) contactEvent {
		var e contactEvent
		if err := json.Unmarshal(f.Raw, &e); err != nil {
			t.Fatal(err)
		}
		return e
	}
	if e := read(await(t, ctx, desk, "contact", nil)); e.Contact.ID != id || e.Contact.Name != "Ann Lee" {
		t.Fatalf("made: %+v", e)
	}
	if status, body := srv.Do(t, owner, "PATCH", "/api/v1/contacts/"+id, map[string]any{"name": "Ann Lee-Park"}); status != 200 {
		t.Fatalf("edit: %d %s", status, body)
	}
	if e := read(await(t, ctx, desk, "contact", nil)); e.Contact.Name != "Ann Lee-Park" {
		t.Fatalf("edited: %+v", e)
	}
	if status, body := srv.Do(t, owner, "DELETE", "/api/v1/contacts/"+id, nil); status != 200 {
		t.Fatalf("erase: %d %s", status, body)
	}
	if e := read(await(t, ctx, desk, "contact", nil)); e.Contact.ID != id || !e.Erased {
		t.Fatalf("erased: %+v", e)
	}
}
