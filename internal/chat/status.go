package chat

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/store"
)

// SetStatus moves a conversation to status on an agent's request:
// pending, snoozed (until, in the future), open (reopen) or closed.
func (s *Service) SetStatus(ctx context.Context, a auth.Actor, id, status string, until time.Time) (store.Conversation, error) {
	if a.AgentID == "" {
		return store.Conversation{}, ErrForbidden
	}
	c, err := s.conversation(ctx, a, id)
	if err != nil {
		return store.Conversation{}, err
	}
	if !mayManage(a, c) {
		return store.Conversation{}, ErrForbidden
	}
	now := s.clock.Now()
	tr := store.Transition{Status: status}
	meta := map[string]any{"event": "status", "status": status, "agent_id": a.AgentID}
	var body string
	switch status {
	case store.StatusPending:
		tr.FromStatuses = []string{store.StatusOpen, store.StatusSnoozed}
		body = a.Name + " marked the conversation pending"
	case store.StatusSnoozed:
		if !until.After(now) {
			return store.Conversation{}, apperr.Invalidf("snooze_until", "invalid_snooze_until", "snooze_until must be in the future")
		}
		if until.After(now.Add(365 * 24 * time.Hour)) {
			return store.Conversation{}, apperr.Invalidf("snooze_until", "invalid_snooze_until", "snooze at most a year")
		}
		tr.FromStatuses, tr.SnoozeUntil = []string{store.StatusOpen, store.StatusPending, store.StatusSnoozed}, &until
		body = a.Name + " snoozed the conversation until " + until.UTC().Format(time.RFC3339)
		meta["snooze_until"] = until.UTC().Format(time.RFC3339)
	case store.StatusOpen:
		tr.FromStatuses = []string{store.StatusPending, store.StatusSnoozed, store.StatusClosed}
		body = a.Name + " reopened the conversation"
	case store.StatusClosed:
		tr.FromStatuses = []string{store.StatusOpen, store.StatusPending, store.StatusSnoozed}
		tr.ClosedBy, tr.ClosedByAgentID = store.AuthorAgent, a.AgentID
		body = a.Name + " closed the conversation"
	default:
		return store.Conversation{}, apperr.Invalidf("status", "invalid_status", "status must be open, pending, snoozed or closed")
	}
	// Pending and snoozed are the desk's own bookkeeping: the visitor sees
	// the status, not an event about it.
	private := status == store.StatusPending || status == store.StatusSnoozed
	tr.Event = agentEvent(a, body, private, meta)
	nc, ev, err := s.store.Transition(ctx, a.WorkspaceID, id, tr, now)
	switch {
	case errors.Is(err, store.ErrStale):
		return store.Conversation{}, ErrBadTransition
	case errors.Is(err, store.ErrConflict):
		return store.Conversation{}, ErrVisitorHasOpen // the partial unique index on reopening
	case err != nil:
		return store.Conversation{}, err
	}
	s.publish(ctx, nc, ev)
	if status != store.StatusOpen {
		s.DrainQueue(ctx, a.WorkspaceID) // capacity freed
	} else if nc.AssigneeID == "" {
		if routed, err := s.route(ctx, nc); err == nil {
			nc = routed
		}
	}
	return nc, nil
}

// CloseByVisitor ends the visitor's conversation from the widget.
func (s *Service) CloseByVisitor(ctx context.Context, a auth.Actor, id string) (store.Conversation, error) {
	if a.VisitorID == "" {
		return store.Conversation{}, ErrForbidden
	}
	if _, err := s.conversation(ctx, a, id); err != nil {
		return store.Conversation{}, err
	}
	nc, ev, err := s.store.Transition(ctx, a.WorkspaceID, id, store.Transition{
		FromStatuses: []string{store.StatusOpen, store.StatusPending, store.StatusSnoozed},
		Status:       store.StatusClosed, ClosedBy: store.AuthorVisitor,
		Event: systemEvent("The visitor ended the conversation", false, map[string]any{"event": "status", "status": store.StatusClosed, "by": "visitor"}),
	}, s.clock.Now())
	if errors.Is(err, store.ErrStale) {
		return store.Conversation{}, ErrConversationClosed
	}
	if err != nil {
		return store.Conversation{}, err
	}
	s.publish(ctx, nc, ev)
	s.DrainQueue(ctx, a.WorkspaceID)
	return visitorView(nc), nil
}

func (s *Service) reopenForVisitor(ctx context.Context, c store.Conversation) error {
	nc, ev, err := s.store.Transition(ctx, c.WorkspaceID, c.ID, store.Transition{
		FromStatuses: []string{store.StatusPending, store.StatusSnoozed}, Status: store.StatusOpen,
		Event: systemEvent("The visitor wrote again: the conversation is open", true,
			map[string]any{"event": "status", "status": store.StatusOpen, "by": "visitor"}),
	}, s.clock.Now())
	if err != nil {
		return err
	}
	s.publish(ctx, nc, ev)
	if nc.AssigneeID == "" {
		_, err = s.route(ctx, nc)
		if errors.Is(err, store.ErrStale) || errors.Is(err, errOutOfHours) || errors.Is(err, errTriedAll) {
			err = nil
		}
	}
	return err
}

// SetFlag flags a conversation for follow-up (or clears the flag). A
// flagged chat is never closed for inactivity nor reassigned on timeout.
func (s *Service) SetFlag(ctx context.Context, a auth.Actor, id string, flagged bool) (store.Conversation, error) {
	c, err := s.conversation(ctx, a, id)
	if err != nil {
		return store.Conversation{}, err
	}
	if !mayManage(a, c) {
		return store.Conversation{}, ErrForbidden
	}
	if c.Flagged == flagged {
		return c, nil // nothing changes, nothing to record
	}
	body, verb := a.Name+" flagged the conversation", "flagged"
	if !flagged {
		body, verb = a.Name+" removed the flag", "unflagged"
	}
	// The flag decides what timers and requeues may do to the chat: who
	// set or removed it is in the history (desks only).
	nc, ev, err := s.store.Transition(ctx, a.WorkspaceID, id, store.Transition{SetFlagged: &flagged,
		Event: agentEvent(a, body, true, map[string]any{"event": "flag", "flagged": flagged, "action": verb})}, s.clock.Now())
	if err != nil {
		return store.Conversation{}, err
	}
	s.publish(ctx, nc, ev)
	return nc, nil
}

// Wrap-up limits.
const (
	MaxWrapupNotes = 4000
	MaxWrapupTags  = 10
	MaxTagLen      = 40
)

// cleanTags checks tags (a wrap-up's, a ticket's): at most MaxWrapupTags,
// each 1 to MaxTagLen bytes, and returns them trimmed and lower-cased.
func cleanTags(tags []string) ([]string, error) {
	if len(tags) > MaxWrapupTags {
		return nil, apperr.Invalidf("tags", "too_many_tags", "at most %d tags", MaxWrapupTags)
	}
	clean := make([]string, 0, len(tags))
	for _, t := range tags {
		t = strings.ToLower(strings.TrimSpace(t))
		if t == "" || len(t) > MaxTagLen || !utf8.ValidString(t) {
			return nil, apperr.Invalidf("tags", "invalid_tag", "tags need 1 to %d characters", MaxTagLen)
		}
		if !slices.Contains(clean, t) {
			clean = append(clean, t)
		}
	}
	return clean, nil
}

// Wrapup stores the closing notes and outcome tags of a closed
// conversation, recorded in its history as a private event.
func (s *Service) Wrapup(ctx context.Context, a auth.Actor, id, notes string, tags []string) (store.Conversation, error) {
	c, err := s.conversation(ctx, a, id)
	if err != nil {
		return store.Conversation{}, err
	}
	if !mayManage(a, c) && c.ClosedByAgentID != a.AgentID {
		return store.Conversation{}, ErrForbidden
	}
	notes = strings.TrimSpace(notes)
	if !utf8.ValidString(notes) || utf8.RuneCountInString(notes) > MaxWrapupNotes {
		return store.Conversation{}, apperr.Invalidf("notes", "invalid_notes", "notes may have at most %d characters", MaxWrapupNotes)
	}
	clean, err := cleanTags(tags)
	if err != nil {
		return store.Conversation{}, err
	}
	body := "Wrap-up by " + a.Name
	if notes != "" {
		body += ": " + notes
	}
	if len(clean) > 0 {
		body += " [" + strings.Join(clean, ", ") + "]"
	}
	nc, ev, err := s.store.Transition(ctx, a.WorkspaceID, id, store.Transition{
		FromStatuses: []string{store.StatusClosed}, WrapupNotes: &notes, WrapupTags: &clean,
		Event: agentEvent(a, body, true, map[string]any{"event": "wrapup", "notes": notes, "tags": clean}),
	}, s.clock.Now())
	if errors.Is(err, store.ErrStale) {
		return store.Conversation{}, ErrBadTransition
	}
	if err != nil {
		return store.Conversation{}, err
	}
	s.publish(ctx, nc, ev)
	return nc, nil
}
