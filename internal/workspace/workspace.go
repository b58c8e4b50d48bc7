// Package workspace reads and changes a workspace's name and preferences
// (the timers and limits the chat lifecycle uses). A Service is stateless
// and safe for concurrent use.
package workspace

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/file"
	"github.com/querytel/livedesk/internal/printable"
	"github.com/querytel/livedesk/internal/store"
)

// Store is what workspace needs from the database.
type Store interface {
	GetWorkspace(ctx context.Context, id string) (store.Workspace, error)
	UpdateWorkspace(ctx context.Context, w store.Workspace, now time.Time) error
}

// Service reads and changes workspaces.
type Service struct {
	store Store
	clock clock.Clock
	audit Recorder
}

// Recorder keeps the audit log of security-relevant actions (package
// audit); nil records nothing.
type Recorder interface {
	Record(ctx context.Context, actor auth.Actor, action, targetType, targetID string, detail map[string]any)
}

// New returns a Service.
func New(st Store, clk clock.Clock, rec Recorder) *Service {
	return &Service{store: st, clock: clk, audit: rec}
}

// Input is what a manager may change; nil fields stay as they are.
type Input struct {
	Name *string `json:"name"`
	// Settings is merged into the current settings: fields left out keep
	// their values; 0 resets a field to its default.
	Settings *SettingsPatch `json:"settings"`
}

// SettingsPatch names the settings to change.
type SettingsPatch struct {
	InactivityCloseMinutes *int `json:"inactivity_close_minutes"`
	PendingCloseMinutes    *int `json:"pending_close_minutes"`
	ReplyTimeoutSeconds    *int `json:"reply_timeout_seconds"`
	DefaultMaxChats        *int `json:"default_max_chats"`
	VisitorTTLSeconds      *int `json:"visitor_ttl_seconds"`
	ClosedRetentionDays    *int `json:"closed_retention_days"`
	TicketAfterSeconds     *int `json:"ticket_after_seconds"`
	FileMaxMB              *int `json:"file_max_mb"`
	FilesPerConversation   *int `json:"files_per_conversation"`
	// FileTypes replaces the list of kinds; an empty list restores the
	// default kinds.
	FileTypes *[]string `json:"file_types"`
	// TicketTypes replaces the list of ticket types; an empty list
	// restores the default types.
	TicketTypes *[]string `json:"ticket_types"`
	// TimeZone is an IANA zone ("Europe/Berlin"); "" restores UTC.
	TimeZone *string `json:"time_zone"`
}

// apply returns cur with the patch's fields set.
func (p SettingsPatch) apply(cur store.Settings) store.Settings {
	for _, f := range []struct {
		v   *int
		dst *int
	}{
		{p.InactivityCloseMinutes, &cur.InactivityCloseMinutes},
		{p.PendingCloseMinutes, &cur.PendingCloseMinutes},
		{p.ReplyTimeoutSeconds, &cur.ReplyTimeoutSeconds},
		{p.DefaultMaxChats, &cur.DefaultMaxChats},
		{p.VisitorTTLSeconds, &cur.VisitorTTLSeconds},
		{p.ClosedRetentionDays, &cur.ClosedRetentionDays},
		{p.TicketAfterSeconds, &cur.TicketAfterSeconds},
		{p.FileMaxMB, &cur.FileMaxMB},
		{p.FilesPerConversation, &cur.FilesPerConversation},
	} {
		if f.v != nil {
			*f.dst = *f.v
		}
	}
	if p.FileTypes != nil {
		cur.FileTypes = slices.Clone(*p.FileTypes)
	}
	if p.TicketTypes != nil {
		cur.TicketTypes = slices.Clone(*p.TicketTypes)
	}
	if p.TimeZone != nil {
		cur.TimeZone = *p.TimeZone
	}
	return cur
}

// Get reads the actor's workspace.
func (s *Service) Get(ctx context.Context, actor auth.Actor) (store.Workspace, error) {
	w, err := s.store.GetWorkspace(ctx, actor.WorkspaceID)
	w.Settings = Effective(w.Settings)
	return w, err
}

// Settings reads a workspace's effective settings, for the domains whose
// rules use them (no actor: they act for the system).
func (s *Service) Settings(ctx context.Context, workspaceID string) (store.Settings, error) {
	w, err := s.store.GetWorkspace(ctx, workspaceID)
	return Effective(w.Settings), err
}

// Update changes the actor's workspace (owners and admins).
func (s *Service) Update(ctx context.Context, actor auth.Actor, in Input) (store.Workspace, error) {
	if !actor.Can(auth.ManageWorkspace) {
		return store.Workspace{}, apperr.ErrForbidden
	}
	w, err := s.store.GetWorkspace(ctx, actor.WorkspaceID)
	if err != nil {
		return store.Workspace{}, err
	}
	if in.Name != nil {
		n, ok := printable.Name(*in.Name, printable.MaxName, false)
		if !ok {
			return store.Workspace{}, apperr.Invalidf("name", "invalid_name", "a workspace name needs 1 to 100 characters, without control characters")
		}
		w.Name = n
	}
	if in.Settings != nil {
		next := in.Settings.apply(w.Settings)
		if err := validate(next); err != nil {
			return store.Workspace{}, err
		}
		w.Settings = Effective(next)
	}
	if err := s.store.UpdateWorkspace(ctx, w, s.clock.Now()); err != nil {
		return store.Workspace{}, err
	}
	if s.audit != nil {
		// Settings decide when chats close and whether closed ones are
		// deleted: who changed them, and to what, is on the record.
		s.audit.Record(ctx, actor, "workspace_updated", "workspace", w.ID, map[string]any{"name": w.Name, "settings": w.Settings})
	}
	return s.Get(ctx, actor)
}

// Ticket type limits.
const (
	MaxTicketTypes = 30
	MaxTicketType  = 40
)

// Defaults are the settings used for every zero field of a workspace's
// stored settings.
var Defaults = store.Settings{
	InactivityCloseMinutes: 30,
	PendingCloseMinutes:    24 * 60,
	ReplyTimeoutSeconds:    120,
	DefaultMaxChats:        5,
	VisitorTTLSeconds:      90,
	TicketAfterSeconds:     300,
	FileMaxMB:              10,
	FilesPerConversation:   50,
	FileTypes:              file.DefaultKinds,
	TicketTypes:            []string{"question", "bug", "incident", "feature request"},
	TimeZone:               "UTC",
}

// Effective is s with every zero field taken from Defaults: the settings
// the rules apply. Every reader of a workspace's settings goes through it.
func Effective(s store.Settings) store.Settings {
	d := Defaults
	if s.InactivityCloseMinutes == 0 {
		s.InactivityCloseMinutes = d.InactivityCloseMinutes
	}
	if s.PendingCloseMinutes == 0 {
		s.PendingCloseMinutes = d.PendingCloseMinutes
	}
	if s.ReplyTimeoutSeconds == 0 {
		s.ReplyTimeoutSeconds = d.ReplyTimeoutSeconds
	}
	if s.DefaultMaxChats == 0 {
		s.DefaultMaxChats = d.DefaultMaxChats
	}
	if s.VisitorTTLSeconds == 0 {
		s.VisitorTTLSeconds = d.VisitorTTLSeconds
	}
	if s.TicketAfterSeconds == 0 {
		s.TicketAfterSeconds = d.TicketAfterSeconds
	}
	if s.FileMaxMB == 0 {
		s.FileMaxMB = d.FileMaxMB
	}
	if s.FilesPerConversation == 0 {
		s.FilesPerConversation = d.FilesPerConversation
	}
	if len(s.FileTypes) == 0 {
		s.FileTypes = slices.Clone(d.FileTypes)
	}
	if len(s.TicketTypes) == 0 {
		s.TicketTypes = slices.Clone(d.TicketTypes)
	}
	if s.TimeZone == "" {
		s.TimeZone = d.TimeZone
	}
	return s
}

// validate bounds each setting; -1 means "off" where a rule can be off.
func validate(st store.Settings) error {
	checks := []struct {
		field    string
		v        int
		min, max int
	}{
		{"settings.inactivity_close_minutes", st.InactivityCloseMinutes, -1, 7 * 24 * 60},
		{"settings.pending_close_minutes", st.PendingCloseMinutes, 0, 90 * 24 * 60},
		{"settings.reply_timeout_seconds", st.ReplyTimeoutSeconds, -1, 24 * 3600},
		{"settings.default_max_chats", st.DefaultMaxChats, 0, 100},
		{"settings.visitor_ttl_seconds", st.VisitorTTLSeconds, 0, 3600},
		{"settings.closed_retention_days", st.ClosedRetentionDays, 0, 3650},
		{"settings.ticket_after_seconds", st.TicketAfterSeconds, -1, 7 * 24 * 3600},
		{"settings.file_max_mb", st.FileMaxMB, -1, file.MaxMB},
		{"settings.files_per_conversation", st.FilesPerConversation, 0, 1000},
	}
	for _, c := range checks {
		if c.v < c.min || c.v > c.max {
			return apperr.Invalidf(c.field, "out_of_range", "%s must be between %d and %d", c.field, c.min, c.max)
		}
	}
	for _, k := range st.FileTypes {
		if !slices.Contains(file.Kinds, k) {
			return apperr.Invalidf("settings.file_types", "invalid_file_type", "file_types may list %s", strings.Join(file.Kinds, ", "))
		}
	}
	if len(st.TicketTypes) > MaxTicketTypes {
		return apperr.Invalidf("settings.ticket_types", "too_many_ticket_types", "at most %d ticket types", MaxTicketTypes)
	}
	for i, t := range st.TicketTypes {
		n, ok := printable.Name(t, MaxTicketType, false)
		if !ok || n != t || slices.Contains(st.TicketTypes[:i], t) {
			return apperr.Invalidf("settings.ticket_types", "invalid_ticket_type",
				"a ticket type has 1 to %d characters, no surrounding spaces or control characters, and is listed once", MaxTicketType)
		}
	}
	if st.TimeZone != "" {
		// "Local" names the server's own zone, not one of the world's.
		if _, err := time.LoadLocation(st.TimeZone); err != nil || st.TimeZone == "Local" {
			return apperr.Invalidf("settings.time_zone", "invalid_time_zone", "time_zone is an IANA time zone such as Europe/Berlin")
		}
	}
	if st.VisitorTTLSeconds != 0 && st.VisitorTTLSeconds < 15 {
		return apperr.Invalidf("settings.visitor_ttl_seconds", "out_of_range", "visitor_ttl_seconds must be at least 15")
	}
	return nil
}
