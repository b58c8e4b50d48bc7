package chat

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/clientid"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/event"
	"github.com/querytel/livedesk/internal/store"
	"github.com/querytel/livedesk/internal/workspace"
)

// Limits.
const (
	MaxTextRunes   = 4000         // a message's text
	MaxClientMsgID = clientid.Max // a client-generated id's length
)

// Store is what chat needs from the database.
type Store interface {
	RetryAfter() time.Duration
	StartConversation(ctx context.Context, workspaceID, visitorID, departmentID string, now time.Time) (store.Conversation, bool, error)
	DepartmentHours(ctx context.Context, workspaceID string) (map[string]store.BusinessHours, error)
	Transition(ctx context.Context, workspaceID, id string, tr store.Transition, now time.Time) (store.Conversation, *store.Message, error)
	Assign(ctx context.Context, workspaceID, id string, p store.Pick, tr store.Transition, fill func(store.Agent) *store.Message, now time.Time) (store.Conversation, *store.Message, store.Agent, bool, error)
	DueConversations(ctx context.Context, workspaceID string, cut store.Cutoffs, limit int) (store.Due, error)
	ListWorkspaces(ctx context.Context) ([]store.Workspace, error)
	GetWorkspace(ctx context.Context, id string) (store.Workspace, error)
	GetAgent(ctx context.Context, workspaceID, id string) (store.Agent, error)
	ListAgents(ctx context.Context, workspaceID string) ([]store.Agent, error)
	ReviseComment(ctx context.Context, workspaceID, conversationID, messageID, authorID, body string, deleted bool, ev store.Message, now time.Time) (store.Message, store.Message, error)
	GetDepartment(ctx context.Context, workspaceID, id string) (store.Department, error)
	GetSite(ctx context.Context, workspaceID, id string) (store.Site, error)
	GetVisitor(ctx context.Context, workspaceID, id string) (store.Visitor, error)
	Queue(ctx context.Context, workspaceID string, limit int) ([]store.Conversation, error)
	OpenChats(ctx context.Context, workspaceID, agentID string) (int, error)
	GetConversation(ctx context.Context, workspaceID, id string) (store.Conversation, error)
	ListConversations(ctx context.Context, workspaceID string, f store.ConversationFilter) ([]store.Conversation, error)
	AppendMessage(ctx context.Context, m store.Message, now time.Time) (store.Appended, error)
	MessageByClientID(ctx context.Context, workspaceID, conversationID, clientMsgID string) (store.Message, error)
	ListMessages(ctx context.Context, workspaceID, conversationID string, afterSeq, untilSeq int64, limit int) ([]store.Message, error)
	DeleteClosedConversations(ctx context.Context, workspaceID string, cutoff time.Time, limit int) (int, error)
	ReplyTimeouts(ctx context.Context, workspaceID, conversationID string) ([]string, bool, error)
	Receive(ctx context.Context, r store.Receipt, now time.Time) (store.Receipted, error)
	ReadMarkers(ctx context.Context, workspaceID, agentID string, conversationIDs []string) (map[string]int64, error)

	Hold(ctx context.Context, workspaceID, id string, h store.Hold, now time.Time) (store.Held, error)
	AgentsOnline(ctx context.Context, workspaceID, departmentID string, except ...string) (bool, error)
	GetTicket(ctx context.Context, workspaceID, id string) (store.Ticket, error)
	RateConversation(ctx context.Context, workspaceID, id, visitorID, rating, comment string, since, now time.Time) (store.Conversation, error)
	CreateTicket(ctx context.Context, workspaceID string, nt store.NewTicket, now time.Time) (store.Ticket, error)
	GetContact(ctx context.Context, workspaceID, id string) (store.Contact, error)
	VisitorsOfContact(ctx context.Context, workspaceID, contactID string) ([]string, error)
	ListTickets(ctx context.Context, workspaceID string, f store.TicketFilter) ([]store.Ticket, error)
	CountUnassigned(ctx context.Context, workspaceID, visibleToAgent string) (int, error)
	AcceptTickets(ctx context.Context, workspaceID, agentID, id string, n int, visible bool, now time.Time) ([]store.Ticket, error)
	AssignTicket(ctx context.Context, workspaceID, id, agentID, actorID, actorName string, now time.Time) (store.Ticket, error)
	CloseTicket(ctx context.Context, workspaceID, id string, tc store.TicketClose, now time.Time) (store.Closed, error)
	MoveTicket(ctx context.Context, workspaceID string, m store.Move, now time.Time) (store.Moved, error)
	TicketFromConversation(ctx context.Context, workspaceID, convID, agentID, agentName, subject string,
		ev func(t store.Ticket, merged bool) store.Message, now time.Time) (store.Ticket, bool, *store.Message, error)
	TicketHistory(ctx context.Context, workspaceID, ticketID string, limit int) ([]store.TicketEvent, error)
	UpdateTicket(ctx context.Context, workspaceID, id string, f store.TicketFields, agentID, agentName string, now time.Time) (store.Ticket, error)
	GetBoard(ctx context.Context, workspaceID, id string) (store.Board, error)
	PublicTicketsOf(ctx context.Context, workspaceID, visitorID, contactID string, limit int) ([]store.PublicTicket, error)
	LinkConversation(ctx context.Context, workspaceID, ticketID, convID, agentID, agentName string, now time.Time) (bool, error)
	TicketConversations(ctx context.Context, workspaceID, ticketID string, limit int) ([]store.Conversation, error)
	WatchTicket(ctx context.Context, workspaceID, ticketID, agentID string, on bool, now time.Time) error
	TicketWatchers(ctx context.Context, workspaceID, ticketID string) ([]string, error)
	MergeTickets(ctx context.Context, workspaceID, intoID, fromID, agentID, agentName string, note func(into, from store.Ticket) store.Message,
		now time.Time) (store.Merged, error)
	OpenTicketsOf(ctx context.Context, workspaceID, visitorID, contactID string) ([]store.Ticket, error)
	ArchiveTickets(ctx context.Context, workspaceID string, cutoff, now time.Time, limit int) (int, error)
}

// Service runs conversations.
type Service struct {
	store  Store
	clock  clock.Clock
	pub    *event.Publisher
	mailer Mailer
	sites  SiteReader
	hours  HoursReader
	inbox  Inbox
	// channel: the rules of the conversation's channel (WhatsApp's
	// 24-hour window); nil checks nothing.
	channel Channel
}

// Channel checks an agent's message against the rules of its
// conversation's channel before it is stored (package whatsapp: free
// text only within 24 hours of the customer's last message), and is told
// of it once stored (so the channel sends it).
type Channel interface {
	Allow(ctx context.Context, workspaceID, conversationID string, m store.Message) error
	Stored(ctx context.Context, m store.Message)
	// Reachable refuses a chat an agent would open with a visitor of
	// site st that the channel could not deliver now (ErrWindowClosed).
	Reachable(ctx context.Context, workspaceID string, st store.Site, visitorID string) error
}

// ErrWindowClosed is a Channel's refusal of free text past its window
// (WhatsApp: 24 hours after the customer's last message); nothing was
// stored.
var ErrWindowClosed = apperr.New(apperr.Conflict, "whatsapp_window_closed",
	"more than 24 hours since the customer's last WhatsApp message: only an approved template may be sent")

// SetChannel sets the channel rules agents' messages obey.
func (s *Service) SetChannel(c Channel) { s.channel = c }

// SiteReader reads a site, possibly from a cache (site.Service.Cached):
// the out-of-hours check reads the site's hours for each visitor message
// that no agent holds.
type SiteReader interface {
	Cached(ctx context.Context, workspaceID, id string) (store.Site, error)
}

// SetSites sets where sites are read from; without it, the store.
func (s *Service) SetSites(r SiteReader) { s.sites = r }

// HoursReader reads the department hours of a workspace, possibly from a
// cache (team.Service.DepartmentHours): the out-of-hours check asks for
// them with the site's. The map is shared and never changed.
type HoursReader interface {
	DepartmentHours(ctx context.Context, workspaceID string) (map[string]store.BusinessHours, error)
}

// SetHours sets where department hours are read from; without it, the
// store.
func (s *Service) SetHours(r HoursReader) { s.hours = r }

func (s *Service) departmentHours(ctx context.Context, workspaceID string) (map[string]store.BusinessHours, error) {
	if s.hours != nil {
		return s.hours.DepartmentHours(ctx, workspaceID)
	}
	return s.store.DepartmentHours(ctx, workspaceID)
}

func (s *Service) site(ctx context.Context, workspaceID, id string) (store.Site, error) {
	if s.sites != nil {
		return s.sites.Cached(ctx, workspaceID, id)
	}
	return s.store.GetSite(ctx, workspaceID, id)
}

// Mailer is told of each agent's answer in a ticket's conversation, to
// send it by e-mail too (package mail).
type Mailer interface {
	Answered(ctx context.Context, workspaceID, ticketID string, m store.Message) (bool, error)
}

// SetMailer sets the Mailer; without one, answers reach the widget only.
func (s *Service) SetMailer(m Mailer) { s.mailer = m }

// New returns a Service.
func New(st Store, clk clock.Clock, pub *event.Publisher) *Service {
	return &Service{store: st, clock: clk, pub: pub}
}

func authorType(a auth.Actor) string {
	t, _ := a.Author()
	return t
}

func authorID(a auth.Actor) string {
	_, id := a.Author()
	return id
}

// Errors.
var (
	ErrConversationNotFound = apperr.New(apperr.NotFound, "conversation_not_found", "no such conversation")
	ErrConversationClosed   = apperr.New(apperr.Conflict, "conversation_closed", "the conversation is closed; start a new one")
	// ErrBusy: the server is past the rate it can store with low latency;
	// nothing was stored. Send the same message (same client_msg_id) again
	// after a short backoff.
	ErrBusy = apperr.New(apperr.Unavailable, "busy", "the server is busy: send the message again shortly, with the same client_msg_id")
)

// Errors of the lifecycle.
var (
	ErrForbidden      = apperr.ErrForbidden
	ErrBadTransition  = apperr.New(apperr.Conflict, "invalid_transition", "the conversation's status does not allow this")
	ErrVisitorHasOpen = apperr.New(apperr.Conflict, "visitor_has_open_conversation", "the visitor already has an open conversation")
	ErrAgentFull      = apperr.New(apperr.Conflict, "agent_at_capacity", "the agent has no free capacity")
	ErrAgentOffline   = apperr.New(apperr.Conflict, "agent_unavailable", "the agent is offline")
)

// conversation reads a conversation the actor may see. A visitor asking
// for another visitor's conversation gets the same answer as for one that
// does not exist, so it learns nothing.
// busy is ErrBusy for a message the store refused at its door, with how
// long to wait as the store's queue says (apperr.Error.RetryAfter).
func (s *Service) busy() error {
	e := *ErrBusy
	e.RetryAfter = s.store.RetryAfter()
	e.Err = ErrBusy // errors.Is(err, ErrBusy) holds
	return &e
}

func (s *Service) conversation(ctx context.Context, a auth.Actor, id string) (store.Conversation, error) {
	if id == "" {
		return store.Conversation{}, apperr.Invalidf("conversation_id", "required", "conversation_id is required")
	}
	c, err := s.store.GetConversation(ctx, a.WorkspaceID, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && a.VisitorID != "" && c.VisitorID != a.VisitorID) {
		return store.Conversation{}, ErrConversationNotFound
	}
	return c, err
}

// Start returns the visitor's open conversation or starts one in the
// given department, or the visitor's site's default department when
// departmentID is empty. A new conversation is announced to the desk and
// the visitor, and routed. The visitor gets its own view of it.
func (s *Service) Start(ctx context.Context, a auth.Actor, departmentID string) (store.Conversation, error) {
	c, _, err := s.start(ctx, a, departmentID, nil)
	return c, err
}

// StartWith starts the visitor's conversation as Start does, opening a new
// one with the message opening (a reply to a broadcast: its text, signed
// by its sender). created reports whether it started one: a conversation
// that was already under way is returned as it is.
func (s *Service) StartWith(ctx context.Context, a auth.Actor, departmentID string, opening store.Message) (store.Conversation, bool, error) {
	return s.start(ctx, a, departmentID, &opening)
}

func (s *Service) start(ctx context.Context, a auth.Actor, departmentID string, opening *store.Message) (store.Conversation, bool, error) {
	if a.VisitorID == "" {
		return store.Conversation{}, false, apperr.New(apperr.Forbidden, "forbidden", "only a visitor starts a conversation")
	}
	chosen := departmentID != ""
	st, err := s.site(ctx, a.WorkspaceID, a.SiteID)
	if err != nil {
		return store.Conversation{}, false, fmt.Errorf("chat: start: the visitor's site: %w", err)
	}
	if !chosen {
		departmentID = st.DefaultDepartmentID
	}
	c, created, err := s.store.StartConversation(ctx, a.WorkspaceID, a.VisitorID, departmentID, s.clock.Now())
	if err != nil {
		if errors.Is(err, store.ErrNotFound) && chosen {
			return store.Conversation{}, false, apperr.Invalidf("department_id", "unknown_department", "no such department")
		}
		return store.Conversation{}, false, err
	}
	if created {
		if opening != nil {
			// The opening is stored before anyone is told of the chat, so
			// every desk and the widget see it as its first message.
			nc, ev, err := s.store.Transition(ctx, a.WorkspaceID, c.ID, store.Transition{Event: opening}, s.clock.Now())
			if err != nil {
				return store.Conversation{}, false, err
			}
			c = nc
			defer s.publishMessage(ctx, c.VisitorID, c.AssigneeID, *ev)
		}
		s.publishConversation(ctx, c)
		if routed, err := s.route(ctx, c); err == nil {
			c = routed
		} else if !errors.Is(err, store.ErrStale) && !errors.Is(err, errOutOfHours) && !errors.Is(err, errTriedAll) {
			return store.Conversation{}, false, err
		}
	}
	return visitorView(c), created, nil
}

// Get reads one conversation the actor may see.
func (s *Service) Get(ctx context.Context, a auth.Actor, id string) (store.Conversation, error) {
	c, err := s.conversation(ctx, a, id)
	if a.VisitorID != "" {
		c = visitorView(c)
	}
	return c, err
}

// List lists conversations: a visitor's own, or the workspace's for an agent.
func (s *Service) List(ctx context.Context, a auth.Actor, f store.ConversationFilter) ([]store.Conversation, error) {
	if a.VisitorID != "" {
		f.VisitorID, f.Query = a.VisitorID, ""
	}
	if len(f.Query) > MaxListQuery {
		return nil, apperr.Invalidf("q", "invalid_query", "q may have at most %d bytes", MaxListQuery)
	}
	for _, st := range f.Statuses {
		switch st {
		case store.StatusOpen, store.StatusPending, store.StatusSnoozed, store.StatusClosed:
		default:
			return nil, apperr.Invalidf("status", "invalid_status", "status must be open, pending, snoozed or closed")
		}
	}
	list, err := s.store.ListConversations(ctx, a.WorkspaceID, f)
	if a.VisitorID != "" {
		for i := range list {
			list[i] = visitorView(list[i])
		}
	}
	return list, err
}

// ListPage is List from after the conversation beforeID (the last one of
// the previous page), which the actor must be able to see.
func (s *Service) ListPage(ctx context.Context, a auth.Actor, f store.ConversationFilter, beforeID string) ([]store.Conversation, error) {
	if beforeID != "" {
		c, err := s.conversation(ctx, a, beforeID)
		if err != nil {
			return nil, apperr.Invalidf("before_id", "unknown_conversation", "before_id names no conversation you can see")
		}
		f.Before = &c
	}
	return s.List(ctx, a, f)
}

func (s *Service) settings(ctx context.Context, workspaceID string) (store.Settings, error) {
	w, err := s.store.GetWorkspace(ctx, workspaceID)
	return workspace.Effective(w.Settings), err
}

// MaxListQuery bounds a conversation search's text.
const MaxListQuery = 100

// MaxConversationPage is the longest page of conversations, and a page's
// size when no limit is asked (the store's bound).
const MaxConversationPage = 500

// Conversation list sizes a connection starts with and asks for.
const (
	// DeskLiveList bounds the conversations that are not closed in a
	// desk's welcome: a desk shows every live, pending and snoozed chat.
	DeskLiveList = 500
	// DeskClosedList is how many of the latest closed conversations a
	// desk's welcome adds, for the Closed tab.
	DeskClosedList = 100
	// VisitorWelcomeList is how many of its latest conversations a
	// widget's welcome carries (and so replays without a history read).
	VisitorWelcomeList = 20
	// VisitorListLimit bounds a widget's conversations.list.
	VisitorListLimit = 50
)

// Seen records that a side has had a conversation on screen up to seq
// (at most its last seq; a marker never moves back). For an agent it moves
// the agent's own read marker, which its other desks are told of, and the
// conversation's agent_read_seq; for the visitor, visitor_read_seq. The
// other side then shows "Seen" on its messages.
func (s *Service) Seen(ctx context.Context, a auth.Actor, conversationID string, seq int64) error {
	return s.receive(ctx, a, conversationID, true, seq)
}

// Delivered records that a side's device has received a conversation up
// to seq, without (yet) showing it: the visitor's widget, or a desk of the
// assigned agent (the desks of other agents receive every chat and would
// say nothing about the one who answers). Seen carries delivery with it,
// so a client sends this only for what is not on screen. The other side
// then shows "Delivered" on its messages.
func (s *Service) Delivered(ctx context.Context, a auth.Actor, conversationID string, seq int64) error {
	return s.receive(ctx, a, conversationID, false, seq)
}

var errNotAssignee = apperr.New(apperr.Forbidden, "not_assignee", "only the assigned agent's desks report delivery")

// receive applies a side's receipt and tells who shows it: an agent's
// other desks its read marker, both sides the conversation's markers
// (Seen and Delivered states). Receipts come as often as messages, so
// the store checks who may send one in the same statements that apply it
// (no read before).
func (s *Service) receive(ctx context.Context, a auth.Actor, conversationID string, seen bool, seq int64) error {
	if conversationID == "" {
		return apperr.Invalidf("conversation_id", "required", "conversation_id is required")
	}
	if seq < 0 {
		return apperr.Invalidf("seq", "invalid_seq", "seq must not be negative")
	}
	r := store.Receipt{WorkspaceID: a.WorkspaceID, ConversationID: conversationID, Visitor: a.IsVisitor(), Seen: seen, Seq: seq}
	switch {
	case a.IsVisitor():
		r.Owner = a.VisitorID
	case seen:
		r.AgentID = a.AgentID
	default:
		r.Assignee = a.AgentID
	}
	got, err := s.store.Receive(ctx, r, s.clock.Now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		return ErrConversationNotFound
	case errors.Is(err, store.ErrNotAssignee):
		return errNotAssignee
	case err != nil:
		return err
	}
	c := got.Conversation
	if got.ReadMoved {
		// Only the agent's own desks show its read marker.
		s.pub.PublishAgent(ctx, a.WorkspaceID, a.AgentID, event.SeenFrame{
			Type: event.TypeSeen, ConversationID: c.ID, AgentID: a.AgentID, Seq: got.ReadSeq})
	}
	if got.Moved {
		s.pub.PublishTo(ctx, toDesks(c, event.All), event.ReceiptsFrame{Type: event.TypeReceipts, ConversationID: c.ID,
			VisitorReadSeq: c.VisitorReadSeq, AgentReadSeq: c.AgentReadSeq,
			VisitorDeliveredSeq: c.VisitorDeliveredSeq, AgentDeliveredSeq: c.AgentDeliveredSeq})
	}
	return nil
}

// ReadMarkers returns how far agent a has read each of convs.
func (s *Service) ReadMarkers(ctx context.Context, a auth.Actor, convs []store.Conversation) (map[string]int64, error) {
	ids := make([]string, len(convs))
	for i, c := range convs {
		ids[i] = c.ID
	}
	return s.store.ReadMarkers(ctx, a.WorkspaceID, a.AgentID, ids)
}

// Welcome lists the conversations a connection starts with: for an agent,
// every conversation of the workspace that is not closed (up to
// DeskLiveList) and then the latest closed ones (DeskClosedList); for a
// visitor, its own latest VisitorWelcomeList.
func (s *Service) Welcome(ctx context.Context, a auth.Actor) ([]store.Conversation, error) {
	if a.IsVisitor() {
		return s.List(ctx, a, store.ConversationFilter{Limit: VisitorWelcomeList})
	}
	live, err := s.List(ctx, a, store.ConversationFilter{
		Statuses: []string{store.StatusOpen, store.StatusPending, store.StatusSnoozed}, Limit: DeskLiveList})
	if err != nil {
		return nil, err
	}
	closed, err := s.List(ctx, a, store.ConversationFilter{Statuses: []string{store.StatusClosed}, Limit: DeskClosedList})
	return append(live, closed...), err
}
