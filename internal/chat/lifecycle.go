package chat

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/event"
	"github.com/querytel/livedesk/internal/store"
)

// Lifecycle rules (docs/lifecycle.md):
//
//   - open: live. An agent may mark it pending (waiting on the customer),
//     snooze it until a time, or close it. No activity for the workspace's
//     inactivity_close_minutes closes it ("closed by system"), unless it
//     is flagged.
//   - pending: closes by itself pending_close_minutes after it became
//     pending; the visitor's new message reopens it.
//   - snoozed: reopens by itself when its time comes, or on the visitor's
//     new message.
//   - closed: an agent may reopen it (if the visitor has no other open
//     conversation); the visitor can start a new one.
//
// Routing: a new conversation goes to its department (the site's default
// when none is chosen) and is assigned to an online agent of that
// department with free capacity, least-loaded first, ties to the agent idle
// longest; otherwise it waits unassigned in arrival order and is assigned
// as capacity frees. Capacity counts open conversations only. A chat whose
// assigned agent has not replied within reply_timeout_seconds of the
// visitor's message is reassigned to another available agent (never a
// flagged one). Supervisors and above may change any conversation and
// assign beyond an agent's limit.

// Errors of the lifecycle.
var (
	ErrForbidden      = apperr.New(apperr.Forbidden, "forbidden", "your role does not allow this")
	ErrBadTransition  = apperr.New(apperr.Conflict, "invalid_transition", "the conversation's status does not allow this")
	ErrVisitorHasOpen = apperr.New(apperr.Conflict, "visitor_has_open_conversation", "the visitor already has an open conversation")
	ErrAgentFull      = apperr.New(apperr.Conflict, "agent_at_capacity", "the agent has no free capacity")
	ErrAgentOffline   = apperr.New(apperr.Conflict, "agent_unavailable", "the agent is offline")
)

// supervisor reports whether the actor may act on any conversation.
func (a Actor) supervisor() bool {
	return a.Role == "owner" || a.Role == "admin" || a.Role == "supervisor"
}

// mayManage: the assignee, anyone on an unassigned chat, or a supervisor.
func (a Actor) mayManage(c store.Conversation) bool {
	return a.AgentID != "" && (a.supervisor() || c.AssigneeID == "" || c.AssigneeID == a.AgentID)
}

// visitorView strips what only agents may see.
func visitorView(c store.Conversation) store.Conversation {
	c.WrapupNotes, c.WrapupTags, c.Flagged, c.AwaitingReplySince = "", []string{}, false, nil
	return c
}

func (s *Service) publishConversation(ctx context.Context, c store.Conversation) {
	s.pub.Publish(ctx, c.WorkspaceID, "", event.Desk, event.ConversationFrame{Type: event.TypeConversation, Conversation: c})
	s.pub.Publish(ctx, c.WorkspaceID, c.VisitorID, event.Visitor, event.ConversationFrame{Type: event.TypeConversation, Conversation: visitorView(c)})
}

func (s *Service) publishMessage(ctx context.Context, visitorID string, m store.Message) {
	if !m.Private {
		s.pub.Publish(ctx, m.WorkspaceID, visitorID, event.All, event.MessageFrame{Type: event.TypeMessage, Message: m})
		return
	}
	s.pub.Publish(ctx, m.WorkspaceID, "", event.Desk, event.MessageFrame{Type: event.TypeMessage, Message: m})
	s.pub.Publish(ctx, m.WorkspaceID, visitorID, event.Visitor, event.MessageFrame{Type: event.TypeMessage, Message: m.Redacted()})
}

// publish announces a transition's result.
func (s *Service) publish(ctx context.Context, c store.Conversation, ev *store.Message) {
	if ev != nil {
		s.publishMessage(ctx, c.VisitorID, *ev)
	}
	s.publishConversation(ctx, c)
}

func systemEvent(body string, private bool, meta map[string]any) *store.Message {
	return &store.Message{Kind: store.KindSystem, AuthorType: store.AuthorSystem, Body: body, Private: private, Meta: meta}
}

func agentEvent(a Actor, body string, private bool, meta map[string]any) *store.Message {
	m := systemEvent(body, private, meta)
	m.AuthorType, m.AuthorID, m.AuthorName = store.AuthorAgent, a.AgentID, a.Name
	return m
}

func (s *Service) settings(ctx context.Context, workspaceID string) (store.Settings, error) {
	w, err := s.store.GetWorkspace(ctx, workspaceID)
	return w.Settings.WithDefaults(), err
}

// SetStatus moves a conversation to status on an agent's request:
// pending, snoozed (until, in the future), open (reopen) or closed.
func (s *Service) SetStatus(ctx context.Context, a Actor, id, status string, until time.Time) (store.Conversation, error) {
	if a.AgentID == "" {
		return store.Conversation{}, ErrForbidden
	}
	c, err := s.conversation(ctx, a, id)
	if err != nil {
		return store.Conversation{}, err
	}
	if !a.mayManage(c) {
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
func (s *Service) CloseByVisitor(ctx context.Context, a Actor, id string) (store.Conversation, error) {
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
		if errors.Is(err, store.ErrStale) {
			err = nil
		}
	}
	return err
}

// SetFlag flags a conversation for follow-up (or clears the flag). A
// flagged chat is never closed for inactivity nor reassigned on timeout.
func (s *Service) SetFlag(ctx context.Context, a Actor, id string, flagged bool) (store.Conversation, error) {
	c, err := s.conversation(ctx, a, id)
	if err != nil {
		return store.Conversation{}, err
	}
	if !a.mayManage(c) {
		return store.Conversation{}, ErrForbidden
	}
	nc, _, err := s.store.Transition(ctx, a.WorkspaceID, id, store.Transition{SetFlagged: &flagged}, s.clock.Now())
	if err != nil {
		return store.Conversation{}, err
	}
	s.publishConversation(ctx, nc)
	return nc, nil
}

// Wrap-up limits.
const (
	MaxWrapupNotes = 4000
	MaxWrapupTags  = 10
	MaxTagLen      = 40
)

// Wrapup stores the closing notes and outcome tags of a closed
// conversation, recorded in its history as a private event.
func (s *Service) Wrapup(ctx context.Context, a Actor, id, notes string, tags []string) (store.Conversation, error) {
	c, err := s.conversation(ctx, a, id)
	if err != nil {
		return store.Conversation{}, err
	}
	if !a.mayManage(c) && c.ClosedByAgentID != a.AgentID {
		return store.Conversation{}, ErrForbidden
	}
	notes = strings.TrimSpace(notes)
	if !utf8.ValidString(notes) || utf8.RuneCountInString(notes) > MaxWrapupNotes {
		return store.Conversation{}, apperr.Invalidf("notes", "invalid_notes", "notes may have at most %d characters", MaxWrapupNotes)
	}
	if len(tags) > MaxWrapupTags {
		return store.Conversation{}, apperr.Invalidf("tags", "too_many_tags", "at most %d tags", MaxWrapupTags)
	}
	clean := make([]string, 0, len(tags))
	for _, t := range tags {
		t = strings.ToLower(strings.TrimSpace(t))
		if t == "" || len(t) > MaxTagLen || !utf8.ValidString(t) {
			return store.Conversation{}, apperr.Invalidf("tags", "invalid_tag", "tags need 1 to %d characters", MaxTagLen)
		}
		clean = append(clean, t)
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

// Assign gives a conversation to an agent: an agent picks up an unassigned
// one for itself; a supervisor assigns anyone, beyond their limit.
func (s *Service) Assign(ctx context.Context, a Actor, id, agentID string) (store.Conversation, error) {
	if agentID == "" {
		agentID = a.AgentID
	}
	c, err := s.conversation(ctx, a, id)
	if err != nil {
		return store.Conversation{}, err
	}
	if a.AgentID == "" || (!a.supervisor() && (agentID != a.AgentID || (c.AssigneeID != "" && c.AssigneeID != a.AgentID))) {
		return store.Conversation{}, ErrForbidden
	}
	if c.Status == store.StatusClosed {
		return store.Conversation{}, ErrConversationClosed
	}
	target, err := s.store.GetAgent(ctx, a.WorkspaceID, agentID)
	if err != nil {
		return store.Conversation{}, apperr.Invalidf("agent_id", "unknown_agent", "no such agent")
	}
	if !a.supervisor() {
		if err := s.checkCapacity(ctx, target); err != nil {
			return store.Conversation{}, err
		}
	}
	prev := c.AssigneeID
	body := target.Name + " picked up the conversation"
	if agentID != a.AgentID {
		body = a.Name + " assigned the conversation to " + target.Name
	}
	nc, ev, err := s.store.Transition(ctx, a.WorkspaceID, id, store.Transition{
		Assignee: &prev, SetAssignee: &agentID,
		Event: agentEvent(a, body, false, map[string]any{"event": "assigned", "agent_id": agentID, "agent_name": target.Name, "reason": "manual"}),
	}, s.clock.Now())
	if errors.Is(err, store.ErrStale) {
		return store.Conversation{}, apperr.New(apperr.Conflict, "already_assigned", "someone else took the conversation first")
	}
	if err != nil {
		return store.Conversation{}, err
	}
	s.publish(ctx, nc, ev)
	return nc, nil
}

func (s *Service) checkCapacity(ctx context.Context, ag store.Agent) error {
	if ag.Status == "offline" {
		return ErrAgentOffline
	}
	set, err := s.settings(ctx, ag.WorkspaceID)
	if err != nil {
		return err
	}
	limit := ag.MaxChats
	if limit <= 0 {
		limit = set.DefaultMaxChats
	}
	n, err := s.store.OpenChats(ctx, ag.WorkspaceID, ag.ID)
	if err != nil {
		return err
	}
	if n >= limit {
		return ErrAgentFull
	}
	return nil
}

// TransferTarget is where a conversation goes: an agent, or a department
// (then auto-assigned within it).
type TransferTarget struct {
	AgentID      string
	DepartmentID string
	Note         string
}

// MaxNote bounds a transfer note.
const MaxNote = 1000

// Transfer hands a conversation to another agent or a department, with an
// internal note recorded as a private event in its history. An agent
// transfers its own (or an unassigned) open chat to an agent with free
// capacity; a supervisor transfers any chat, whatever its status, beyond
// capacity.
func (s *Service) Transfer(ctx context.Context, a Actor, id string, to TransferTarget) (store.Conversation, error) {
	if (to.AgentID == "") == (to.DepartmentID == "") {
		return store.Conversation{}, apperr.Invalidf("agent_id", "invalid_target", "give exactly one of agent_id and department_id")
	}
	to.Note = strings.TrimSpace(to.Note)
	if utf8.RuneCountInString(to.Note) > MaxNote || !utf8.ValidString(to.Note) {
		return store.Conversation{}, apperr.Invalidf("note", "invalid_note", "a note may have at most %d characters", MaxNote)
	}
	c, err := s.conversation(ctx, a, id)
	if err != nil {
		return store.Conversation{}, err
	}
	if !a.mayManage(c) {
		return store.Conversation{}, ErrForbidden
	}
	if !a.supervisor() && c.Status != store.StatusOpen {
		return store.Conversation{}, ErrBadTransition
	}
	prev := c.AssigneeID
	meta := map[string]any{"event": "transfer", "from_agent_id": prev, "note": to.Note}
	tr := store.Transition{Assignee: &prev}
	var body string
	if to.AgentID != "" {
		target, err := s.store.GetAgent(ctx, a.WorkspaceID, to.AgentID)
		if err != nil {
			return store.Conversation{}, apperr.Invalidf("agent_id", "unknown_agent", "no such agent")
		}
		if !a.supervisor() {
			if err := s.checkCapacity(ctx, target); err != nil {
				return store.Conversation{}, err
			}
		}
		tr.SetAssignee = &to.AgentID
		meta["to_agent_id"], meta["to_agent_name"] = target.ID, target.Name
		body = fmt.Sprintf("%s transferred the conversation to %s", a.Name, target.Name)
	} else {
		d, err := s.store.GetDepartment(ctx, a.WorkspaceID, to.DepartmentID)
		if err != nil {
			return store.Conversation{}, apperr.Invalidf("department_id", "unknown_department", "no such department")
		}
		none := ""
		tr.SetAssignee, tr.SetDepartmentID = &none, &to.DepartmentID
		meta["to_department_id"], meta["to_department_name"] = d.ID, d.Name
		body = fmt.Sprintf("%s transferred the conversation to %s", a.Name, d.Name)
	}
	if to.Note != "" {
		body += ": " + to.Note
	}
	tr.Event = agentEvent(a, body, true, meta)
	nc, ev, err := s.store.Transition(ctx, a.WorkspaceID, id, tr, s.clock.Now())
	if errors.Is(err, store.ErrStale) {
		return store.Conversation{}, apperr.New(apperr.Conflict, "already_assigned", "the conversation changed hands meanwhile; reload it")
	}
	if err != nil {
		return store.Conversation{}, err
	}
	s.publish(ctx, nc, ev)
	if nc.AssigneeID == "" && nc.Status == store.StatusOpen {
		if routed, err := s.route(ctx, nc); err == nil {
			nc = routed
		}
	} else if prev != "" {
		s.DrainQueue(ctx, a.WorkspaceID) // the previous agent has room again
	}
	return nc, nil
}

// route assigns an open, unassigned conversation automatically when an
// agent has capacity; otherwise it stays queued. ErrStale means someone
// assigned it meanwhile.
func (s *Service) route(ctx context.Context, c store.Conversation) (store.Conversation, error) {
	set, err := s.settings(ctx, c.WorkspaceID)
	if err != nil {
		return c, err
	}
	none := ""
	nc, ev, _, ok, err := s.store.Assign(ctx, c.WorkspaceID, c.ID,
		store.Pick{DepartmentID: c.DepartmentID, DefaultMaxChats: set.DefaultMaxChats},
		store.Transition{FromStatuses: []string{store.StatusOpen}, Assignee: &none},
		func(ag store.Agent) *store.Message {
			return systemEvent("Assigned to "+ag.Name, false, map[string]any{"event": "assigned", "agent_id": ag.ID, "agent_name": ag.Name, "reason": "auto"})
		}, s.clock.Now())
	if err != nil || !ok {
		return c, err
	}
	s.publish(ctx, nc, ev)
	return nc, nil
}

// DrainQueue assigns waiting conversations, oldest first, while agents
// have capacity. It is called when capacity frees and by the timer loop.
func (s *Service) DrainQueue(ctx context.Context, workspaceID string) int {
	queue, err := s.store.Queue(ctx, workspaceID, 100)
	if err != nil {
		return 0
	}
	n := 0
	// Once no agent has room for a department, the rest of its queue
	// waits too: each try is a write transaction, and a pass over a long
	// queue would otherwise hold the database's writer for nothing (with
	// SQLite, messages wait behind it).
	full := map[string]bool{}
	for _, c := range queue {
		if full[c.DepartmentID] {
			continue
		}
		nc, err := s.route(ctx, c)
		switch {
		case err == nil && nc.AssigneeID != "":
			n++
		case err == nil && c.DepartmentID == "":
			return n // no agent anywhere has room
		case err == nil:
			full[c.DepartmentID] = true
		}
	}
	return n
}

// DueCounts says what a timer pass did.
type DueCounts struct {
	Woken, PendingClosed, InactiveClosed, Reassigned, Assigned int
}

// RunDue fires every due timer of every workspace once: snoozed chats
// wake, pending chats close, inactive chats close, unanswered chats are
// reassigned, and queued chats are assigned where capacity allows. Each
// change is a conditional transition, so two nodes running RunDue at the
// same moment fire each timer exactly once.
func (s *Service) RunDue(ctx context.Context) (DueCounts, error) {
	var total DueCounts
	wss, err := s.store.ListWorkspaces(ctx)
	if err != nil {
		return total, err
	}
	for _, w := range wss {
		n, err := s.runDue(ctx, w)
		if err != nil {
			return total, err
		}
		total.Woken += n.Woken
		total.PendingClosed += n.PendingClosed
		total.InactiveClosed += n.InactiveClosed
		total.Reassigned += n.Reassigned
		total.Assigned += n.Assigned
	}
	return total, nil
}

func (s *Service) runDue(ctx context.Context, w store.Workspace) (DueCounts, error) {
	var n DueCounts
	set := w.Settings.WithDefaults()
	now := s.clock.Now()
	cut := store.Cutoffs{Now: now, Pending: now.Add(-time.Duration(set.PendingCloseMinutes) * time.Minute)}
	if set.InactivityCloseMinutes > 0 {
		cut.Inactive = now.Add(-time.Duration(set.InactivityCloseMinutes) * time.Minute)
	}
	if set.ReplyTimeoutSeconds > 0 {
		cut.Reply = now.Add(-time.Duration(set.ReplyTimeoutSeconds) * time.Second)
	}
	due, err := s.store.DueConversations(ctx, w.ID, cut, 200)
	if err != nil {
		return n, err
	}
	fire := func(c store.Conversation, tr store.Transition) bool {
		nc, ev, err := s.store.Transition(ctx, w.ID, c.ID, tr, now)
		if err != nil {
			return false // ErrStale: another node or a person got there first
		}
		s.publish(ctx, nc, ev)
		if nc.Status == store.StatusOpen && nc.AssigneeID == "" {
			s.route(ctx, nc) //nolint:errcheck // it stays queued
		}
		return true
	}
	for _, c := range due.Snoozed {
		if fire(c, store.Transition{FromStatuses: []string{store.StatusSnoozed}, SnoozeDueBy: now, Status: store.StatusOpen,
			Event: systemEvent("The snooze ended: the conversation is open", true, map[string]any{"event": "status", "status": "open", "by": "system", "reason": "snooze_ended"})}) {
			n.Woken++
		}
	}
	for _, c := range due.Pending {
		if fire(c, store.Transition{FromStatuses: []string{store.StatusPending}, StatusChangedBefore: cut.Pending, Status: store.StatusClosed,
			ClosedBy: store.AuthorSystem, Event: systemEvent("Closed: no answer while pending", false,
				map[string]any{"event": "status", "status": "closed", "by": "system", "reason": "pending_timeout"})}) {
			n.PendingClosed++
		}
	}
	for _, c := range due.Inactive {
		if fire(c, store.Transition{FromStatuses: []string{store.StatusOpen}, ActivityBefore: cut.Inactive, Unflagged: true,
			Status: store.StatusClosed, ClosedBy: store.AuthorSystem, Event: systemEvent("Closed for inactivity", false,
				map[string]any{"event": "status", "status": "closed", "by": "system", "reason": "inactivity"})}) {
			n.InactiveClosed++
		}
	}
	for _, c := range due.ReplyOverdue {
		nc, err := s.autoAssignOverdue(ctx, c, cut.Reply)
		if err == nil && nc.AssigneeID != c.AssigneeID {
			n.Reassigned++
		}
	}
	n.Assigned = s.DrainQueue(ctx, w.ID)
	return n, nil
}

// autoAssignOverdue reassigns a chat whose agent did not reply in time to
// another available agent; with none available it stays where it is.
func (s *Service) autoAssignOverdue(ctx context.Context, c store.Conversation, cutoff time.Time) (store.Conversation, error) {
	set, err := s.settings(ctx, c.WorkspaceID)
	if err != nil {
		return c, err
	}
	prev := c.AssigneeID
	tr := store.Transition{FromStatuses: []string{store.StatusOpen}, Assignee: &prev, Unflagged: true, AwaitingBefore: cutoff}
	nc, ev, _, ok, err := s.store.Assign(ctx, c.WorkspaceID, c.ID,
		store.Pick{DepartmentID: c.DepartmentID, ExcludeAgentID: prev, DefaultMaxChats: set.DefaultMaxChats}, tr,
		func(ag store.Agent) *store.Message {
			return systemEvent("No reply in time: reassigned to "+ag.Name, false,
				map[string]any{"event": "assigned", "agent_id": ag.ID, "agent_name": ag.Name, "reason": "reply_timeout", "from_agent_id": prev})
		}, s.clock.Now())
	if err != nil || !ok {
		return c, err
	}
	s.publish(ctx, nc, ev)
	s.DrainQueue(ctx, c.WorkspaceID)
	return nc, nil
}
