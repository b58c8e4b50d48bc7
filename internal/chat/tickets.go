package chat

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/event"
	"github.com/querytel/livedesk/internal/inbox"
	"github.com/querytel/livedesk/internal/printable"
	"github.com/querytel/livedesk/internal/store"
)

// Tickets (issue 12). A ticket holds a user's conversations that found no
// agent. Agents see the tickets of their departments and those without
// one (supervisors and above see all), accept them from the unassigned
// queue one by one or the oldest N at once, answer with Start Chat (the
// ticket's conversation becomes their live chat), and close them. Only a
// supervisor moves a ticket from one agent to another.

// Ticket errors.
var (
	ErrTicketNotFound = apperr.New(apperr.NotFound, "ticket_not_found", "no such ticket")
	ErrTicketTaken    = apperr.New(apperr.Conflict, "ticket_taken", "another agent accepted this ticket first")
	ErrTicketClosed   = apperr.New(apperr.Conflict, "ticket_closed", "the ticket is closed")
	ErrNotYourTicket  = apperr.New(apperr.Forbidden, "not_your_ticket", "only the ticket's agent, or a supervisor, may do this")
	ErrTicketNoChat   = apperr.New(apperr.Conflict, "ticket_without_chat", "the ticket has no chat yet: link one to it first")
)

// Limits of the ticket queues.
const (
	MaxQuickAccept = 50  // the most tickets one quick accept takes
	MaxTicketPage  = 200 // the longest page of a queue
	// DefaultTicketPage is a page of a queue when no limit is asked (the
	// store's default).
	DefaultTicketPage = 50
)

// ArchiveAfter is how long a closed ticket stays in the Closed queue
// before it is archived (still searchable, read-only).
const ArchiveAfter = 90 * 24 * time.Hour

// TicketQuery selects a page of a queue.
type TicketQuery struct {
	Queue      string // unassigned, assigned (mine) or closed
	ClosedByMe bool   // closed queue: only those I closed
	Archived   bool   // closed queue: the archived ones
	Query      string // search: visitor name or e-mail, subject, latest message
	BeforeID   string // the last ticket of the previous page
	Limit      int
}

func mayManageTickets(a auth.Actor) bool { return a.Can(auth.ManageAnyConversation) }

// visibleTo is the agent whose departments bound what a sees ("" = all).
func visibleTo(a auth.Actor) string {
	if mayManageTickets(a) {
		return ""
	}
	return a.AgentID
}

// ticket reads a ticket a may see. One of another department reads as
// missing.
func (s *Service) ticket(ctx context.Context, a auth.Actor, id string) (store.Ticket, error) {
	if a.AgentID == "" {
		return store.Ticket{}, ErrForbidden
	}
	if id == "" {
		return store.Ticket{}, apperr.Invalidf("ticket_id", "required", "ticket_id is required")
	}
	t, err := s.store.GetTicket(ctx, a.WorkspaceID, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.Ticket{}, ErrTicketNotFound
	}
	if err != nil {
		return store.Ticket{}, err
	}
	if t.DepartmentID != "" && !mayManageTickets(a) && !s.inDepartment(ctx, a, t.DepartmentID) {
		return store.Ticket{}, ErrTicketNotFound
	}
	return t, nil
}

func (s *Service) inDepartment(ctx context.Context, a auth.Actor, deptID string) bool {
	ag, err := s.store.GetAgent(ctx, a.WorkspaceID, a.AgentID)
	if err != nil {
		return false
	}
	for _, d := range ag.DepartmentIDs {
		if d == deptID {
			return true
		}
	}
	return false
}

// Ticket reads one ticket.
func (s *Service) Ticket(ctx context.Context, a auth.Actor, id string) (store.Ticket, error) {
	return s.ticket(ctx, a, id)
}

// Tickets reads a page of a queue, with how many unassigned tickets a
// may see (the quick-accept buttons show only when that many exist).
func (s *Service) Tickets(ctx context.Context, a auth.Actor, q TicketQuery) ([]store.Ticket, int, error) {
	if a.AgentID == "" {
		return nil, 0, ErrForbidden
	}
	switch q.Queue {
	case store.QueueUnassigned, store.QueueAssigned, store.QueueClosed:
	default:
		return nil, 0, apperr.Invalidf("queue", "invalid_queue", "queue must be unassigned, assigned or closed")
	}
	if len(q.Query) > MaxListQuery {
		return nil, 0, apperr.Invalidf("q", "invalid_query", "q may have at most %d bytes", MaxListQuery)
	}
	if q.Limit < 0 || q.Limit > MaxTicketPage {
		return nil, 0, apperr.Invalidf("limit", "invalid_limit", "limit must be between 1 and %d", MaxTicketPage)
	}
	f := store.TicketFilter{Queue: q.Queue, AgentID: a.AgentID, ClosedByMe: q.ClosedByMe, VisibleTo: visibleTo(a),
		Archived: q.Archived, Query: q.Query, Limit: q.Limit}
	if q.BeforeID != "" {
		b, err := s.ticket(ctx, a, q.BeforeID)
		if err != nil {
			return nil, 0, apperr.Invalidf("before_id", "unknown_ticket", "before_id names no ticket you can see")
		}
		f.Before = &b
	}
	list, err := s.store.ListTickets(ctx, a.WorkspaceID, f)
	if err != nil {
		return nil, 0, err
	}
	n, err := s.store.CountUnassigned(ctx, a.WorkspaceID, visibleTo(a))
	return list, n, err
}

// AcceptTicket assigns an unassigned ticket to a.
func (s *Service) AcceptTicket(ctx context.Context, a auth.Actor, id string) (store.Ticket, error) {
	if _, err := s.ticket(ctx, a, id); err != nil {
		return store.Ticket{}, err
	}
	got, err := s.store.AcceptTickets(ctx, a.WorkspaceID, a.AgentID, id, 0, !mayManageTickets(a), s.clock.Now())
	if errors.Is(err, store.ErrStale) {
		return store.Ticket{}, ErrTicketTaken
	}
	if err != nil {
		return store.Ticket{}, err
	}
	s.publishTicket(ctx, got[0])
	return got[0], nil
}

// QuickAccept assigns to a the n oldest unassigned tickets a may see,
// oldest first (fewer when fewer are left). Two agents at once get
// disjoint sets.
func (s *Service) QuickAccept(ctx context.Context, a auth.Actor, n int) ([]store.Ticket, error) {
	if a.AgentID == "" {
		return nil, ErrForbidden
	}
	if n < 1 || n > MaxQuickAccept {
		return nil, apperr.Invalidf("count", "invalid_count", "count must be between 1 and %d", MaxQuickAccept)
	}
	got, err := s.store.AcceptTickets(ctx, a.WorkspaceID, a.AgentID, "", n, !mayManageTickets(a), s.clock.Now())
	if err != nil {
		return nil, err
	}
	for _, t := range got {
		s.publishTicket(ctx, t)
	}
	return got, nil
}

// AssignTicket moves an open ticket to another agent, or back to the
// unassigned queue (agentID ""): supervisors and above only.
func (s *Service) AssignTicket(ctx context.Context, a auth.Actor, id, agentID string) (store.Ticket, error) {
	if !mayManageTickets(a) {
		return store.Ticket{}, ErrForbidden
	}
	if _, err := s.ticket(ctx, a, id); err != nil {
		return store.Ticket{}, err
	}
	t, err := s.store.AssignTicket(ctx, a.WorkspaceID, id, agentID, a.AgentID, a.Name, s.clock.Now())
	switch {
	case errors.Is(err, store.ErrStale):
		return store.Ticket{}, ErrTicketClosed
	case errors.Is(err, store.ErrNotFound):
		return store.Ticket{}, apperr.Invalidf("agent_id", "unknown_agent", "no such agent")
	case err != nil:
		return store.Ticket{}, err
	}
	s.publishTicket(ctx, t)
	s.gaveTicket(ctx, a, t)
	return t, nil
}

// CloseTicket closes a ticket (its agent, or a supervisor); the ticket's
// conversations that are still open close with it.
func (s *Service) CloseTicket(ctx context.Context, a auth.Actor, id string) (store.Ticket, error) {
	t, err := s.ticket(ctx, a, id)
	if err != nil {
		return store.Ticket{}, err
	}
	if t.Status != store.TicketOpen {
		return store.Ticket{}, ErrTicketClosed
	}
	if t.AssigneeID != a.AgentID && !mayManageTickets(a) {
		return store.Ticket{}, ErrNotYourTicket
	}
	out, err := s.store.CloseTicket(ctx, a.WorkspaceID, id, store.TicketClose{Assignee: &t.AssigneeID, By: store.AuthorAgent,
		AgentID: a.AgentID, Event: func(store.Conversation) *store.Message {
			return agentEvent(a, a.Name+" closed the ticket", false, map[string]any{"event": "status", "status": "closed", "by": "agent", "reason": "ticket_closed"})
		}}, s.clock.Now())
	if errors.Is(err, store.ErrStale) {
		return store.Ticket{}, apperr.New(apperr.Conflict, "ticket_changed", "the ticket changed meanwhile: reload it")
	}
	if err != nil {
		return store.Ticket{}, err
	}
	s.publishClosed(ctx, out)
	return out.Ticket, nil
}

// MoveTicket puts a ticket a may see in a board's column, before another
// ticket of it or at its end (beforeID ""), taking the column's stage:
// into a closed column it closes like CloseTicket (by any agent who sees
// it: a board is shared work), out of one it reopens. Every desk sees the
// move at once (a ticket event).
func (s *Service) MoveTicket(ctx context.Context, a auth.Actor, id, columnID, beforeID string) (store.Ticket, error) {
	if _, err := s.ticket(ctx, a, id); err != nil {
		return store.Ticket{}, err
	}
	if columnID == "" {
		return store.Ticket{}, apperr.Invalidf("column_id", "required", "column_id is required")
	}
	out, err := s.store.MoveTicket(ctx, a.WorkspaceID, store.Move{TicketID: id, ColumnID: columnID, BeforeID: beforeID,
		AgentID: a.AgentID, AgentName: a.Name, CloseAny: mayManageTickets(a), Close: store.TicketClose{By: store.AuthorAgent, AgentID: a.AgentID,
			Event: func(store.Conversation) *store.Message {
				return agentEvent(a, a.Name+" closed the ticket", false, map[string]any{"event": "status", "status": "closed", "by": "agent", "reason": "ticket_closed"})
			}}}, s.clock.Now())
	switch {
	case errors.Is(err, store.ErrConflict):
		return store.Ticket{}, apperr.New(apperr.Conflict, "visitor_has_open_ticket", "the visitor has another open ticket: merge or close that one first")
	case errors.Is(err, store.ErrNotFound):
		return store.Ticket{}, apperr.New(apperr.NotFound, "invalid_position", "no such column, or the ticket to put it before is not in it")
	case errors.Is(err, store.ErrNotAuthor):
		return store.Ticket{}, ErrNotYourTicket // closing another agent's ticket is a supervisor's
	case errors.Is(err, store.ErrStale):
		return store.Ticket{}, apperr.New(apperr.Conflict, "ticket_archived", "an archived ticket stays where it is")
	case err != nil:
		return store.Ticket{}, err
	}
	if out.Closed != nil {
		out.Closed.Ticket = out.Ticket
		s.publishClosed(ctx, *out.Closed)
	} else {
		s.publishTicket(ctx, out.Ticket)
	}
	s.tellWatchers(ctx, a, out.Ticket, "moved to "+strings.ReplaceAll(out.Ticket.Stage, "_", " "))
	if out.Renumbered {
		// Other tickets' ranks changed: desks read the board again.
		if b, err := s.store.GetBoard(ctx, a.WorkspaceID, out.Ticket.BoardID); err == nil {
			s.pub.Publish(ctx, a.WorkspaceID, "", event.Desk, event.BoardFrame{Type: event.TypeBoard, Board: b})
		}
	}
	return out.Ticket, nil
}

// MakeTicket makes a conversation a ticket (any agent who sees it): work
// that outlives the chat, on the boards. The conversation joins its
// user's open ticket, or starts one that a takes when nobody holds it; a
// live chat goes on as it was. subject ("": the conversation's latest
// message) names a new ticket.
func (s *Service) MakeTicket(ctx context.Context, a auth.Actor, conversationID, subject string) (store.Ticket, error) {
	if a.AgentID == "" {
		return store.Ticket{}, ErrForbidden
	}
	c, err := s.conversation(ctx, a, conversationID)
	if err != nil {
		return store.Ticket{}, err
	}
	subject, ok := printable.Name(subject, subjectLen, true)
	if !ok {
		return store.Ticket{}, apperr.Invalidf("subject", "invalid_subject", "a subject has at most %d characters, without control characters", subjectLen)
	}
	if subject == "" {
		subject = subjectOf(c.LastMessage)
	}
	t, _, ev, err := s.store.TicketFromConversation(ctx, a.WorkspaceID, c.ID, a.AgentID, a.Name, subject,
		func(t store.Ticket, merged bool) store.Message {
			return *agentEvent(a, a.Name+" made this chat a ticket", true, map[string]any{"event": "ticket", "ticket_id": t.ID, "reason": store.TicketByAgent, "merged": merged})
		}, s.clock.Now())
	if errors.Is(err, store.ErrStale) {
		return store.Ticket{}, ErrConversationClosed
	}
	if errors.Is(err, store.ErrUnassigned) {
		return store.Ticket{}, apperr.New(apperr.Conflict, "conversation_unassigned", "the chat waits in the queue: pick it up first")
	}
	if err != nil {
		return store.Ticket{}, err
	}
	if ev != nil {
		if c, err = s.store.GetConversation(ctx, a.WorkspaceID, c.ID); err == nil {
			s.publish(ctx, c, ev)
		}
	}
	s.publishTicket(ctx, t)
	return t, nil
}

// NewTicket is a ticket made on a board or through the API, without a
// chat (one is linked to it later): its fields, a requester contact, an
// assignee, and the column it goes to the end of.
type NewTicket struct {
	TicketPatch
	AssigneeID string `json:"assignee_id"`
	ColumnID   string `json:"column_id"`
}

// CreateTicket makes a ticket without a chat (any agent: a board is shared
// work). Its subject is required; giving it to another agent is a
// supervisor's, as AssignTicket is; a department must be one the agent
// sees. Every desk sees it at once.
func (s *Service) CreateTicket(ctx context.Context, a auth.Actor, in NewTicket) (store.Ticket, error) {
	if a.AgentID == "" {
		return store.Ticket{}, ErrForbidden
	}
	if in.Subject == nil {
		return store.Ticket{}, apperr.Invalidf("subject", "required", "a ticket needs a subject")
	}
	f, err := s.ticketFields(ctx, a, store.TicketFields{Priority: "normal", Tags: []string{}}, in.TicketPatch)
	if err != nil {
		return store.Ticket{}, err
	}
	if in.AssigneeID != "" && in.AssigneeID != a.AgentID && !mayManageTickets(a) {
		return store.Ticket{}, ErrNotYourTicket
	}
	if in.AssigneeID != "" {
		if _, err := s.store.GetAgent(ctx, a.WorkspaceID, in.AssigneeID); err != nil {
			return store.Ticket{}, notFoundAs(err, apperr.Invalidf("assignee_id", "unknown_agent", "no such agent"))
		}
	}
	t, err := s.store.CreateTicket(ctx, a.WorkspaceID, store.NewTicket{TicketFields: f, AssigneeID: in.AssigneeID,
		ColumnID: in.ColumnID, ActorID: a.AgentID, ActorName: a.Name}, s.clock.Now())
	switch {
	case errors.Is(err, store.ErrClosedStage):
		return store.Ticket{}, apperr.Invalidf("column_id", "closed_column", "a new ticket goes to a column of an open stage")
	case errors.Is(err, store.ErrNotFound):
		// The department, contact and assignee were found above: the
		// column, or one of them deleted meanwhile.
		return store.Ticket{}, apperr.Invalidf("column_id", "unknown_column", "no such column, or it is archived")
	case err != nil:
		return store.Ticket{}, err
	}
	s.publishTicket(ctx, t)
	s.gaveTicket(ctx, a, t)
	return t, nil
}

// gaveTicket puts a ticket given to its assignee by someone else in the
// assignee's inbox (with its chat, when it has one).
func (s *Service) gaveTicket(ctx context.Context, a auth.Actor, t store.Ticket) {
	var c store.Conversation
	if t.ConversationID != "" {
		var err error
		if c, err = s.store.GetConversation(ctx, a.WorkspaceID, t.ConversationID); err != nil {
			return // deleted meanwhile: nothing to open
		}
	}
	s.handedOver(ctx, a, store.InboxTicketAssigned, t.AssigneeID, fmt.Sprintf("ticket_assigned:%s:%d", t.ID, t.UpdatedAt.UnixMilli()), c, t.ID,
		a.Name+" gave you a ticket: "+t.Subject)
}

// notFoundAs is e when err is store.ErrNotFound, else err.
func notFoundAs(err error, e error) error {
	if errors.Is(err, store.ErrNotFound) {
		return e
	}
	return err
}

// TicketPatch changes a ticket's fields; nil fields stay. DueAt and
// DepartmentID clear with "".
type TicketPatch struct {
	Subject      *string   `json:"subject"`
	Description  *string   `json:"description"`
	Priority     *string   `json:"priority"`
	Type         *string   `json:"type"`
	DueAt        *string   `json:"due_at"` // RFC 3339
	Tags         *[]string `json:"tags"`
	DepartmentID *string   `json:"department_id"`
	// Public lets its requester follow it in the widget.
	Public *bool `json:"public"`
	// ContactID is the requester ("" clears it).
	ContactID *string `json:"contact_id"`
}

// MaxDescription bounds a ticket's description.
const MaxDescription = 10000

// UpdateTicket changes a ticket's fields (any agent who sees it: a board
// is shared work); the change is in its history and every desk sees it.
func (s *Service) UpdateTicket(ctx context.Context, a auth.Actor, id string, in TicketPatch) (store.Ticket, error) {
	t, err := s.ticket(ctx, a, id)
	if err != nil {
		return store.Ticket{}, err
	}
	f, err := s.ticketFields(ctx, a, store.TicketFields{Subject: t.Subject, Description: t.Description, Priority: t.Priority, Type: t.Type,
		DueAt: t.DueAt, Tags: t.Tags, DepartmentID: t.DepartmentID, Public: t.Public, ContactID: t.ContactID}, in)
	if err != nil {
		return store.Ticket{}, err
	}
	out, err := s.store.UpdateTicket(ctx, a.WorkspaceID, id, f, a.AgentID, a.Name, s.clock.Now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.Ticket{}, apperr.Invalidf("department_id", "unknown_department", "no such department in this workspace")
	case errors.Is(err, store.ErrStale):
		return store.Ticket{}, apperr.New(apperr.Conflict, "ticket_archived", "an archived ticket is read-only")
	case err != nil:
		return store.Ticket{}, err
	}
	s.publishTicket(ctx, out)
	s.tellWatchers(ctx, a, out, "edited")
	if t.Public && !out.Public {
		s.tellRequester(ctx, out) // withdrawn from the widget
	} else if t.Public && t.ContactID != out.ContactID && t.ContactID != "" {
		// Another requester: the former contact's browsers drop it (the
		// ticket's own visitor, if any, still follows it).
		former := out
		former.ContactID, former.VisitorID, former.Public = t.ContactID, "", false
		s.tellRequester(ctx, former)
	}
	return out, nil
}

// ticketFields applies a patch to a ticket's fields, checking each.
func (s *Service) ticketFields(ctx context.Context, a auth.Actor, f store.TicketFields, in TicketPatch) (store.TicketFields, error) {
	var err error
	if in.Subject != nil {
		var ok bool
		if f.Subject, ok = printable.Name(*in.Subject, subjectLen, false); !ok {
			return store.TicketFields{}, apperr.Invalidf("subject", "invalid_subject", "a subject has 1 to %d characters, without control characters", subjectLen)
		}
	}
	if in.Description != nil {
		d := strings.TrimSpace(*in.Description)
		if !utf8.ValidString(d) || utf8.RuneCountInString(d) > MaxDescription || strings.ContainsRune(d, 0) {
			return store.TicketFields{}, apperr.Invalidf("description", "invalid_description", "a description has at most %d characters", MaxDescription)
		}
		f.Description = d
	}
	if in.Priority != nil {
		if !slices.Contains(store.Priorities, *in.Priority) {
			return store.TicketFields{}, apperr.Invalidf("priority", "invalid_priority", "priority is low, normal, high or urgent")
		}
		f.Priority = *in.Priority
	}
	if in.Type != nil {
		set, err := s.settings(ctx, a.WorkspaceID)
		if err != nil {
			return store.TicketFields{}, err
		}
		if *in.Type != "" && !slices.Contains(set.TicketTypes, *in.Type) {
			return store.TicketFields{}, apperr.Invalidf("type", "invalid_ticket_type", "type is one of the workspace's ticket types: %s", strings.Join(set.TicketTypes, ", "))
		}
		f.Type = *in.Type
	}
	if in.DueAt != nil {
		f.DueAt = nil
		if *in.DueAt != "" {
			due, err := time.Parse(time.RFC3339, *in.DueAt)
			if err != nil {
				return store.TicketFields{}, apperr.Invalidf("due_at", "invalid_due_at", "due_at is an RFC 3339 time, or empty to clear it")
			}
			f.DueAt = &due
		}
	}
	if in.Tags != nil {
		if f.Tags, err = cleanTags(*in.Tags); err != nil {
			return store.TicketFields{}, err
		}
	}
	if in.DepartmentID != nil && *in.DepartmentID != f.DepartmentID {
		// Into a department: one of the workspace's, and (below a
		// supervisor) one of the agent's own, or the ticket would vanish
		// from the agent's view; out of one: anyone who sees the ticket.
		if d := *in.DepartmentID; d != "" {
			_, err := s.store.GetDepartment(ctx, a.WorkspaceID, d)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return store.TicketFields{}, err
			}
			if err != nil || (!mayManageTickets(a) && !s.inDepartment(ctx, a, d)) {
				return store.TicketFields{}, apperr.Invalidf("department_id", "unknown_department", "no such department in this workspace")
			}
		}
		f.DepartmentID = *in.DepartmentID
	}
	if in.Public != nil {
		f.Public = *in.Public
	}
	if in.ContactID != nil {
		if c := *in.ContactID; c != "" {
			if _, err := s.store.GetContact(ctx, a.WorkspaceID, c); err != nil {
				return store.TicketFields{}, notFoundAs(err, apperr.Invalidf("contact_id", "unknown_contact", "no such contact"))
			}
		}
		f.ContactID = *in.ContactID
	}
	return f, nil
}

// MergeTicket merges the duplicate fromID into the ticket id (any agent
// who sees both): its conversations, with their messages and comments,
// become the ticket's; the duplicate closes with a pointer to it, and its
// requester is told, in the duplicate's latest conversation, that the
// request goes on there. Merging again changes nothing.
func (s *Service) MergeTicket(ctx context.Context, a auth.Actor, id, fromID string) (store.Ticket, error) {
	if _, err := s.ticket(ctx, a, id); err != nil {
		return store.Ticket{}, err
	}
	if fromID == "" {
		return store.Ticket{}, apperr.Invalidf("from_id", "required", "from_id is required")
	}
	if _, err := s.ticket(ctx, a, fromID); err != nil {
		return store.Ticket{}, err
	}
	out, err := s.store.MergeTickets(ctx, a.WorkspaceID, id, fromID, a.AgentID, a.Name, func(into, from store.Ticket) store.Message {
		subject := into.Subject
		if subject == "" {
			subject = "your earlier request"
		}
		return store.Message{Kind: store.KindSystem, AuthorType: store.AuthorSystem,
			Body: "This request was joined with “" + subject + "”: we answer you there, in your latest conversation with us.",
			Meta: map[string]any{"event": "ticket_merged", "ticket_id": from.ID, "into_id": into.ID}}
	}, s.clock.Now())
	switch {
	case errors.Is(err, store.ErrConflict):
		return store.Ticket{}, apperr.New(apperr.Conflict, "invalid_merge", "a ticket merges into another ticket once, and never into itself or a merged one")
	case errors.Is(err, store.ErrStale):
		return store.Ticket{}, apperr.New(apperr.Conflict, "ticket_closed", "merge into an open ticket (reopen it first)")
	case err != nil:
		return store.Ticket{}, err
	}
	if out.Again {
		return out.Into, nil
	}
	if out.Note != nil {
		if c, err := s.store.GetConversation(ctx, a.WorkspaceID, out.Note.ConversationID); err == nil {
			s.publish(ctx, c, out.Note)
		}
	}
	for _, cid := range out.Conversations {
		if c, err := s.store.GetConversation(ctx, a.WorkspaceID, cid); err == nil {
			s.publishConversation(ctx, c)
		}
	}
	s.publishTicket(ctx, out.From)
	s.publishTicket(ctx, out.Into)
	s.tellWatchers(ctx, a, out.Into, "a duplicate merged in")
	return out.Into, nil
}

// LinkConversation adds a conversation a sees to a ticket a sees: more of
// the same request (another chat of the same person). Linking it again
// changes nothing.
func (s *Service) LinkConversation(ctx context.Context, a auth.Actor, id, conversationID string) (store.Ticket, error) {
	if _, err := s.ticket(ctx, a, id); err != nil {
		return store.Ticket{}, err
	}
	c, err := s.conversation(ctx, a, conversationID)
	if err != nil {
		return store.Ticket{}, err
	}
	linked, err := s.store.LinkConversation(ctx, a.WorkspaceID, id, c.ID, a.AgentID, a.Name, s.clock.Now())
	switch {
	case errors.Is(err, store.ErrInTicket):
		return store.Ticket{}, apperr.New(apperr.Conflict, "conversation_in_ticket", "the chat is in another open ticket: merge the tickets instead")
	case errors.Is(err, store.ErrUnassigned):
		return store.Ticket{}, apperr.New(apperr.Conflict, "conversation_unassigned", "the chat waits in the queue: pick it up first")
	case errors.Is(err, store.ErrStale):
		return store.Ticket{}, apperr.New(apperr.Conflict, "ticket_closed", "link to an open ticket (reopen it first)")
	case err != nil:
		return store.Ticket{}, err
	}
	t, err := s.store.GetTicket(ctx, a.WorkspaceID, id)
	if err != nil {
		return store.Ticket{}, err
	}
	if linked {
		if c, err := s.store.GetConversation(ctx, a.WorkspaceID, c.ID); err == nil {
			s.publishConversation(ctx, c)
		}
		s.publishTicket(ctx, t)
		s.tellWatchers(ctx, a, t, "a chat linked")
	}
	return t, nil
}

// WatchTicket makes a watch a ticket it sees (on) or stop, and returns
// who watches it now. A watcher is told in the inbox when someone else
// moves, edits, merges into or links a chat to the ticket.
func (s *Service) WatchTicket(ctx context.Context, a auth.Actor, id string, on bool) ([]string, error) {
	if _, err := s.ticket(ctx, a, id); err != nil {
		return nil, err
	}
	if err := s.store.WatchTicket(ctx, a.WorkspaceID, id, a.AgentID, on, s.clock.Now()); err != nil {
		return nil, err
	}
	return s.store.TicketWatchers(ctx, a.WorkspaceID, id)
}

// TicketWatchers lists who watches a ticket a sees.
func (s *Service) TicketWatchers(ctx context.Context, a auth.Actor, id string) ([]string, error) {
	if _, err := s.ticket(ctx, a, id); err != nil {
		return nil, err
	}
	return s.store.TicketWatchers(ctx, a.WorkspaceID, id)
}

// tellWatchers puts what a did to a ticket in its watchers' inboxes (not
// a's own): one item per ticket, renewed (unread, on top) by each change.
// Best effort: the change itself is stored.
func (s *Service) tellWatchers(ctx context.Context, a auth.Actor, t store.Ticket, what string) {
	if s.inbox == nil {
		return
	}
	watchers, err := s.store.TicketWatchers(ctx, a.WorkspaceID, t.ID)
	if err != nil {
		return
	}
	for _, w := range watchers {
		if w == a.AgentID {
			continue
		}
		s.inbox.Add(ctx, store.InboxItem{WorkspaceID: a.WorkspaceID, AgentID: w, Kind: store.InboxTicketChanged, //nolint:errcheck // see above
			Dedupe: "ticket_changed:" + t.ID, ConversationID: t.ConversationID, TicketID: t.ID, ActorID: a.AgentID, ActorName: a.Name,
			Summary: inbox.Summary(what + ": " + t.Subject)}, true)
	}
}

// TicketConversations lists a ticket's conversations (any agent who sees
// it), newest activity first.
func (s *Service) TicketConversations(ctx context.Context, a auth.Actor, id string) ([]store.Conversation, error) {
	if _, err := s.ticket(ctx, a, id); err != nil {
		return nil, err
	}
	return s.store.TicketConversations(ctx, a.WorkspaceID, id, 100)
}

// TicketHistory reads what happened to a ticket a may see, oldest first.
func (s *Service) TicketHistory(ctx context.Context, a auth.Actor, id string) ([]store.TicketEvent, error) {
	if _, err := s.ticket(ctx, a, id); err != nil {
		return nil, err
	}
	return s.store.TicketHistory(ctx, a.WorkspaceID, id, 500)
}

func (s *Service) publishClosed(ctx context.Context, out store.Closed) {
	for i, c := range out.Conversations {
		var ev *store.Message
		if i < len(out.Events) {
			ev = &out.Events[i]
		}
		s.publish(ctx, c, ev)
	}
	s.publishTicket(ctx, out.Ticket)
}

// StartTicketChat makes the ticket's latest conversation a's live chat,
// so that a answers in it: the answer reaches the visitor's widget at
// once if it is open, or the next time the visitor opens it. A closed
// conversation is reopened, unless the visitor has another one open
// (then answer there).
func (s *Service) StartTicketChat(ctx context.Context, a auth.Actor, id string) (store.Conversation, error) {
	t, err := s.ticket(ctx, a, id)
	if err != nil {
		return store.Conversation{}, err
	}
	if t.Status != store.TicketOpen {
		return store.Conversation{}, ErrTicketClosed
	}
	if t.AssigneeID != a.AgentID {
		return store.Conversation{}, ErrNotYourTicket
	}
	if t.ConversationID == "" {
		return store.Conversation{}, ErrTicketNoChat
	}
	c, err := s.store.GetConversation(ctx, a.WorkspaceID, t.ConversationID)
	if err != nil {
		return store.Conversation{}, err
	}
	if c.AssigneeID == a.AgentID && c.Status == store.StatusOpen {
		return c, nil
	}
	if c.AssigneeID != "" && c.Status != store.StatusClosed {
		// Another agent took the ticket's chat by hand: it is theirs.
		return store.Conversation{}, apperr.New(apperr.Conflict, "already_assigned", "another agent is in this ticket's chat: answer there or ask them")
	}
	me := a.AgentID
	nc, ev, err := s.store.Transition(ctx, a.WorkspaceID, c.ID, store.Transition{
		FromStatuses: []string{c.Status}, Assignee: &c.AssigneeID, Status: store.StatusOpen, SetAssignee: &me,
		Event: agentEvent(a, a.Name+" started a chat from the ticket", true,
			map[string]any{"event": "assigned", "agent_id": me, "agent_name": a.Name, "reason": "ticket", "ticket_id": t.ID}),
	}, s.clock.Now())
	switch {
	case errors.Is(err, store.ErrConflict):
		return store.Conversation{}, ErrVisitorHasOpen
	case errors.Is(err, store.ErrStale):
		return store.Conversation{}, apperr.New(apperr.Conflict, "conversation_changed", "the ticket's conversation changed meanwhile: try again")
	case err != nil:
		return store.Conversation{}, err
	}
	s.publish(ctx, nc, ev)
	return nc, nil
}

// closeEarlierTickets closes the open tickets of the user of a chat that
// an agent has just taken (one open ticket per user: the live chat
// supersedes them), each with a note saying why.
func (s *Service) closeEarlierTickets(ctx context.Context, c store.Conversation, agentName string) {
	if c.TicketID != "" {
		return // the chat is the ticket's own
	}
	list, err := s.store.OpenTicketsOf(ctx, c.WorkspaceID, c.VisitorID, c.ContactID)
	if err != nil {
		return
	}
	for _, t := range list {
		if t.Reason == store.TicketByAgent {
			continue // work an agent keeps on a board outlives the next chat
		}
		out, err := s.store.CloseTicket(ctx, c.WorkspaceID, t.ID, store.TicketClose{By: store.AuthorSystem,
			Event: func(store.Conversation) *store.Message {
				return systemEvent("Closed: "+agentName+" took the visitor's new chat", true,
					map[string]any{"event": "status", "status": "closed", "by": "system", "reason": "superseded", "conversation_id": c.ID})
			}}, s.clock.Now())
		if err == nil {
			s.publishClosed(ctx, out)
		}
	}
}

// ArchiveTickets archives, in every workspace, the tickets closed more
// than ArchiveAfter ago (the hourly retention job).
func (s *Service) ArchiveTickets(ctx context.Context) (int, error) {
	now := s.clock.Now()
	return s.inBatches(ctx, func(w store.Workspace) (int, error) {
		return s.store.ArchiveTickets(ctx, w.ID, now.Add(-ArchiveAfter), now, jobBatch)
	})
}
