package workspace_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/store"
	"github.com/querytel/livedesk/internal/store/storetest"
	"github.com/querytel/livedesk/internal/workspace"
)

type fixture struct {
	svc   *workspace.Service
	st    *store.Store
	clock *clock.Fake
	ws    store.Workspace
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	st := storetest.SQLite(t)
	ws, err := st.CreateWorkspace(t.Context(), "Acme", storetest.Epoch)
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(storetest.Epoch)
	return fixture{svc: workspace.New(st, clk, nil), st: st, clock: clk, ws: ws}
}

func (f fixture) as(role auth.Role) auth.Principal {
	return auth.Principal{Agent: store.Agent{ID: store.NewID(), WorkspaceID: f.ws.ID, Role: string(role)}}
}

func ptr[T any](v T) *T { return &v }

func TestUpdateWorkspace(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	f.clock.Advance(time.Minute)
	in := store.Settings{InactivityCloseMinutes: -1, PendingCloseMinutes: 60, ReplyTimeoutSeconds: -1,
		DefaultMaxChats: 3, VisitorTTLSeconds: 15, TicketAfterSeconds: 600, FileMaxMB: -1, FilesPerConversation: 10,
		FileTypes: []string{"image", "pdf"}, TicketTypes: []string{"question", "refund"}, TimeZone: "Europe/Berlin"}
	got, err := f.svc.Update(ctx, f.as(auth.Admin).Actor(), workspace.Input{Name: ptr("  Acme Inc. "), Settings: patch(in)})
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "Acme Inc." || !reflect.DeepEqual(got.Settings, in) || !got.UpdatedAt.Equal(f.clock.Now()) {
		t.Fatalf("updated: %+v", got)
	}
	read, err := f.svc.Get(ctx, f.as(auth.Agent).Actor())
	if err != nil || !reflect.DeepEqual(read, got) {
		t.Fatalf("an agent reads %+v, %v; want %+v", read, err, got)
	}

	// A patch changes only the fields it names; the others keep their
	// values (here the "off" -1s set above).
	got, err = f.svc.Update(ctx, f.as(auth.Owner).Actor(), workspace.Input{Settings: patchOf(store.Settings{DefaultMaxChats: 8})})
	if err != nil {
		t.Fatal(err)
	}
	want := in
	want.DefaultMaxChats = 8
	if !reflect.DeepEqual(got.Settings, want) || got.Name != "Acme Inc." {
		t.Fatalf("after a settings-only update: %+v, want settings %+v and the name kept", got, want)
	}

	// Only the name: settings stay.
	got, err = f.svc.Update(ctx, f.as(auth.Owner).Actor(), workspace.Input{Name: ptr("Acme")})
	if err != nil || !reflect.DeepEqual(got.Settings, want) {
		t.Fatalf("a name-only update changed settings: %+v, %v", got.Settings, err)
	}
}

func TestUpdateWorkspaceRefusals(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	settings := func(mod func(*store.Settings)) *workspace.SettingsPatch {
		s := store.Settings{}
		mod(&s)
		return patchOf(s)
	}
	cases := []struct {
		name  string
		actor auth.Role
		in    workspace.Input
		kind  apperr.Kind
		code  string
		field string
	}{
		{"an agent", auth.Agent, workspace.Input{Name: ptr("Mine")}, apperr.Forbidden, "forbidden", ""},
		{"a supervisor", auth.Supervisor, workspace.Input{Name: ptr("Mine")}, apperr.Forbidden, "forbidden", ""},
		{"blank name", auth.Owner, workspace.Input{Name: ptr(" ")}, apperr.Invalid, "invalid_name", "name"},
		{"long name", auth.Owner, workspace.Input{Name: ptr(strings.Repeat("w", 101))}, apperr.Invalid, "invalid_name", "name"},
		{"inactivity below -1", auth.Owner, workspace.Input{Settings: settings(func(s *store.Settings) { s.InactivityCloseMinutes = -2 })},
			apperr.Invalid, "out_of_range", "settings.inactivity_close_minutes"},
		{"inactivity over a week", auth.Owner, workspace.Input{Settings: settings(func(s *store.Settings) { s.InactivityCloseMinutes = 7*24*60 + 1 })},
			apperr.Invalid, "out_of_range", "settings.inactivity_close_minutes"},
		{"pending negative", auth.Owner, workspace.Input{Settings: settings(func(s *store.Settings) { s.PendingCloseMinutes = -1 })},
			apperr.Invalid, "out_of_range", "settings.pending_close_minutes"},
		{"reply timeout over a day", auth.Owner, workspace.Input{Settings: settings(func(s *store.Settings) { s.ReplyTimeoutSeconds = 24*3600 + 1 })},
			apperr.Invalid, "out_of_range", "settings.reply_timeout_seconds"},
		{"max chats over 100", auth.Owner, workspace.Input{Settings: settings(func(s *store.Settings) { s.DefaultMaxChats = 101 })},
			apperr.Invalid, "out_of_range", "settings.default_max_chats"},
		{"visitor ttl under 15 s", auth.Owner, workspace.Input{Settings: settings(func(s *store.Settings) { s.VisitorTTLSeconds = 14 })},
			apperr.Invalid, "out_of_range", "settings.visitor_ttl_seconds"},
		{"visitor ttl over an hour", auth.Owner, workspace.Input{Settings: settings(func(s *store.Settings) { s.VisitorTTLSeconds = 3601 })},
			apperr.Invalid, "out_of_range", "settings.visitor_ttl_seconds"},
		{"files over 25 MB", auth.Owner, workspace.Input{Settings: settings(func(s *store.Settings) { s.FileMaxMB = 26 })},
			apperr.Invalid, "out_of_range", "settings.file_max_mb"},
		{"files below -1 MB", auth.Owner, workspace.Input{Settings: settings(func(s *store.Settings) { s.FileMaxMB = -2 })},
			apperr.Invalid, "out_of_range", "settings.file_max_mb"},
		{"files per conversation negative", auth.Owner, workspace.Input{Settings: settings(func(s *store.Settings) { s.FilesPerConversation = -1 })},
			apperr.Invalid, "out_of_range", "settings.files_per_conversation"},
		{"an unknown kind of file", auth.Owner, workspace.Input{Settings: &workspace.SettingsPatch{FileTypes: &[]string{"image", "svg"}}},
			apperr.Invalid, "invalid_file_type", "settings.file_types"},
		{"a ticket type twice", auth.Owner, workspace.Input{Settings: &workspace.SettingsPatch{TicketTypes: &[]string{"bug", "bug"}}},
			apperr.Invalid, "invalid_ticket_type", "settings.ticket_types"},
		{"a time zone of nowhere", auth.Owner, workspace.Input{Settings: &workspace.SettingsPatch{TimeZone: ptr("Mars/Olympus")}},
			apperr.Invalid, "invalid_time_zone", "settings.time_zone"},
		{"the server's own zone", auth.Owner, workspace.Input{Settings: &workspace.SettingsPatch{TimeZone: ptr("Local")}},
			apperr.Invalid, "invalid_time_zone", "settings.time_zone"},
		{"a blank ticket type", auth.Owner, workspace.Input{Settings: &workspace.SettingsPatch{TicketTypes: &[]string{" "}}},
			apperr.Invalid, "invalid_ticket_type", "settings.ticket_types"},
		{"valid name, invalid settings", auth.Owner, workspace.Input{Name: ptr("New name"),
			Settings: settings(func(s *store.Settings) { s.DefaultMaxChats = -1 })}, apperr.Invalid, "out_of_range", "settings.default_max_chats"},
	}
	for _, c := range cases {
		f.clock.Advance(time.Second)
		_, err := f.svc.Update(ctx, f.as(c.actor).Actor(), c.in)
		e := apperr.From(err)
		if err == nil || e.Kind != c.kind || e.Code != c.code || e.Field != c.field {
			t.Errorf("%s: %v; want kind %d code %s field %q", c.name, err, c.kind, c.code, c.field)
		}
		got, err := f.st.GetWorkspace(ctx, f.ws.ID)
		if err != nil || !reflect.DeepEqual(got, f.ws) {
			t.Fatalf("%s changed the workspace: %+v (err %v)", c.name, got, err)
		}
	}
}

// patch sets every field of s.
func patch(s store.Settings) *workspace.SettingsPatch {
	return &workspace.SettingsPatch{InactivityCloseMinutes: &s.InactivityCloseMinutes, PendingCloseMinutes: &s.PendingCloseMinutes,
		ReplyTimeoutSeconds: &s.ReplyTimeoutSeconds, DefaultMaxChats: &s.DefaultMaxChats, VisitorTTLSeconds: &s.VisitorTTLSeconds,
		TicketAfterSeconds: &s.TicketAfterSeconds, FileMaxMB: &s.FileMaxMB, FilesPerConversation: &s.FilesPerConversation, FileTypes: &s.FileTypes,
		TicketTypes: &s.TicketTypes, TimeZone: &s.TimeZone}
}

// patchOf sets only the non-zero fields of s.
func patchOf(s store.Settings) *workspace.SettingsPatch {
	p := &workspace.SettingsPatch{}
	set := func(v int) *int {
		if v == 0 {
			return nil
		}
		return &v
	}
	p.InactivityCloseMinutes, p.PendingCloseMinutes = set(s.InactivityCloseMinutes), set(s.PendingCloseMinutes)
	p.ReplyTimeoutSeconds, p.DefaultMaxChats, p.VisitorTTLSeconds = set(s.ReplyTimeoutSeconds), set(s.DefaultMaxChats), set(s.VisitorTTLSeconds)
	p.FileMaxMB, p.FilesPerConversation = set(s.FileMaxMB), set(s.FilesPerConversation)
	return p
}
