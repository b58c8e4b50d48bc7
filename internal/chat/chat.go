// Package chat holds conversations and their messages: starting a
// conversation, sending a message idempotently with a gap-free seq,
// reading history for resume and gap fill, and typing signals.
//
// Rules: a visitor sees and writes only its own conversations; an agent
// any conversation of its workspace. A message is stored (and its seq
// assigned) before it is acknowledged, and published to the bus only after
// the commit. A Service is stateless and safe for concurrent use.
package chat

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/event"
	"github.com/querytel/livedesk/internal/store"
)

// Limits.
const (
	MaxTextRunes    = 4000 // a message's text
	MaxClientMsgID  = 64   // a client-generated id's length
	MaxHistoryPage  = 500  // messages per history read
	defaultHistPage = 200
)

// Store is what chat needs from the database.
type Store interface {
	StartConversation(ctx context.Context, workspaceID, visitorID, departmentID string, now time.Time) (store.Conversation, bool, error)
	Transition(ctx context.Context, workspaceID, id string, tr store.Transition, now time.Time) (store.Conversation, *store.Message, error)
	Assign(ctx context.Context, workspaceID, id string, p store.Pick, tr store.Transition, fill func(store.Agent) *store.Message, now time.Time) (store.Conversation, *store.Message, store.Agent, bool, error)
	DueConversations(ctx context.Context, workspaceID string, cut store.Cutoffs, limit int) (store.Due, error)
	ListWorkspaces(ctx context.Context) ([]store.Workspace, error)
	GetWorkspace(ctx context.Context, id string) (store.Workspace, error)
	GetAgent(ctx context.Context, workspaceID, id string) (store.Agent, error)
	GetDepartment(ctx context.Context, workspaceID, id string) (store.Department, error)
	Queue(ctx context.Context, workspaceID string, limit int) ([]store.Conversation, error)
	OpenChats(ctx context.Context, workspaceID, agentID string) (int, error)
	GetConversation(ctx context.Context, workspaceID, id string) (store.Conversation, error)
	ListConversations(ctx context.Context, workspaceID string, f store.ConversationFilter) ([]store.Conversation, error)
	AppendMessage(ctx context.Context, m store.Message, now time.Time) (store.Appended, error)
	ListMessages(ctx context.Context, workspaceID, conversationID string, afterSeq, untilSeq int64, limit int) ([]store.Message, error)
}

// Service runs conversations.
type Service struct {
	store Store
	clock clock.Clock
	pub   *event.Publisher
}

// New returns a Service.
func New(st Store, clk clock.Clock, pub *event.Publisher) *Service {
	return &Service{store: st, clock: clk, pub: pub}
}

// Actor is who acts: a visitor (VisitorID set) or an agent (AgentID set),
// always within one workspace.
type Actor struct {
	WorkspaceID string
	VisitorID   string
	AgentID     string
	Name        string
	Role        string // an agent's role: owner, admin, supervisor, agent
}

func (a Actor) authorType() string {
	if a.VisitorID != "" {
		return store.AuthorVisitor
	}
	return store.AuthorAgent
}

func (a Actor) authorID() string {
	if a.VisitorID != "" {
		return a.VisitorID
	}
	return a.AgentID
}

// Errors.
var (
	ErrConversationNotFound = apperr.New(apperr.NotFound, "conversation_not_found", "no such conversation")
	ErrConversationClosed   = apperr.New(apperr.Conflict, "conversation_closed", "the conversation is closed; start a new one")
)

// conversation reads a conversation the actor may see. A visitor asking
// for another visitor's conversation gets the same answer as for one that
// does not exist, so it learns nothing.
func (s *Service) conversation(ctx context.Context, a Actor, id string) (store.Conversation, error) {
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
// given department (the site's default when empty). A new conversation is
// announced to the desk and the visitor.
func (s *Service) Start(ctx context.Context, a Actor, departmentID string) (store.Conversation, error) {
	if a.VisitorID == "" {
		return store.Conversation{}, apperr.New(apperr.Forbidden, "forbidden", "only a visitor starts a conversation")
	}
	c, created, err := s.store.StartConversation(ctx, a.WorkspaceID, a.VisitorID, departmentID, s.clock.Now())
	if err != nil {
		if errors.Is(err, store.ErrNotFound) && departmentID != "" {
			return store.Conversation{}, apperr.Invalidf("department_id", "unknown_department", "no such department")
		}
		return store.Conversation{}, err
	}
	if created {
		s.publishConversation(ctx, c)
		if routed, err := s.route(ctx, c); err == nil {
			c = routed
		} else if !errors.Is(err, store.ErrStale) {
			return c, err
		}
	}
	return c, nil
}

// ValidateClientMsgID checks a client-generated id.
func ValidateClientMsgID(id string) error {
	if id == "" || len(id) > MaxClientMsgID {
		return apperr.Invalidf("client_msg_id", "invalid_client_msg_id", "client_msg_id needs 1 to %d characters", MaxClientMsgID)
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.:", r)) {
			return apperr.Invalidf("client_msg_id", "invalid_client_msg_id", "client_msg_id may hold letters, digits and - _ . : only")
		}
	}
	return nil
}

// validateText checks a message's text and returns it trimmed of
// surrounding blank lines (inner whitespace is the author's).
func validateText(text string) (string, error) {
	if !utf8.ValidString(text) {
		return "", apperr.Invalidf("text", "invalid_text", "text must be valid UTF-8")
	}
	text = strings.Trim(text, " \t\r\n")
	if text == "" {
		return "", apperr.Invalidf("text", "empty_text", "text must not be empty")
	}
	if utf8.RuneCountInString(text) > MaxTextRunes {
		return "", apperr.Invalidf("text", "text_too_long", "text may have at most %d characters", MaxTextRunes)
	}
	if strings.ContainsRune(text, 0) {
		return "", apperr.Invalidf("text", "invalid_text", "text must not contain NUL")
	}
	return text, nil
}

// Send stores a text message and returns it with its seq. A retry with a
// client_msg_id already stored returns the original (duplicate=true) and
// publishes nothing new.
func (s *Service) Send(ctx context.Context, a Actor, conversationID, clientMsgID, text string) (store.Message, bool, error) {
	if err := ValidateClientMsgID(clientMsgID); err != nil {
		return store.Message{}, false, err
	}
	text, err := validateText(text)
	if err != nil {
		return store.Message{}, false, err
	}
	if conversationID == "" {
		return store.Message{}, false, apperr.Invalidf("conversation_id", "required", "conversation_id is required")
	}
	m := store.Message{
		WorkspaceID: a.WorkspaceID, ConversationID: conversationID, ClientMsgID: clientMsgID, Kind: store.KindText,
		AuthorType: a.authorType(), AuthorID: a.authorID(), AuthorName: a.Name, Body: text,
	}
	// The store checks the conversation's owner and status in the
	// transaction that appends, so the common case costs no extra read.
	// A refusal is looked at here: a visitor writing to a waiting chat
	// reopens it and tries again (twice at most: a close may race it).
	for range 3 {
		res, err := s.store.AppendMessage(ctx, m, s.clock.Now())
		switch {
		case err == nil:
			if !res.Duplicate {
				s.publishMessage(ctx, res.VisitorID, res.Message)
			}
			return res.Message, res.Duplicate, nil
		case errors.Is(err, store.ErrNotFound):
			return store.Message{}, false, ErrConversationNotFound
		case errors.Is(err, store.ErrIDTaken):
			return store.Message{}, false, &apperr.Error{Kind: apperr.Conflict, Code: "client_msg_id_taken", Field: "client_msg_id",
				Message: "this client_msg_id belongs to another message; generate a new one", Err: err}
		case !errors.Is(err, store.ErrNotAccepting):
			return store.Message{}, false, err
		}
		c, err := s.conversation(ctx, a, conversationID)
		if err != nil {
			return store.Message{}, false, err
		}
		switch {
		case c.Status == store.StatusClosed:
			return store.Message{}, false, ErrConversationClosed
		case a.VisitorID != "" && (c.Status == store.StatusPending || c.Status == store.StatusSnoozed):
			// The visitor's message brings a waiting chat back to the queue.
			if err := s.reopenForVisitor(ctx, c); err != nil && !errors.Is(err, store.ErrStale) {
				return store.Message{}, false, err
			}
		}
	}
	return store.Message{}, false, fmt.Errorf("chat: send: %w", store.ErrStale)
}

// History returns a conversation's events after afterSeq (and up to
// untilSeq when > 0), at most limit, with the conversation itself.
func (s *Service) History(ctx context.Context, a Actor, conversationID string, afterSeq, untilSeq int64, limit int) ([]store.Message, store.Conversation, error) {
	if afterSeq < 0 || untilSeq < 0 {
		return nil, store.Conversation{}, apperr.Invalidf("after_seq", "invalid_seq", "seq values must not be negative")
	}
	c, err := s.conversation(ctx, a, conversationID)
	if err != nil {
		return nil, store.Conversation{}, err
	}
	msgs, err := s.HistoryOf(ctx, a, c, afterSeq, untilSeq, limit)
	if a.VisitorID != "" {
		c = visitorView(c)
	}
	return msgs, c, err
}

// HistoryOf is History for a conversation a already holds as read through
// this service (from List, say), so without reading it again: a widget's
// resume replays the conversations of its welcome list this way. The
// conversation must still be a's: another workspace's or another
// visitor's is ErrConversationNotFound.
func (s *Service) HistoryOf(ctx context.Context, a Actor, c store.Conversation, afterSeq, untilSeq int64, limit int) ([]store.Message, error) {
	if c.WorkspaceID != a.WorkspaceID || (a.VisitorID != "" && c.VisitorID != a.VisitorID) {
		return nil, ErrConversationNotFound
	}
	if limit <= 0 {
		limit = defaultHistPage
	}
	limit = min(limit, MaxHistoryPage)
	msgs, err := s.store.ListMessages(ctx, a.WorkspaceID, c.ID, afterSeq, untilSeq, limit)
	if a.VisitorID != "" {
		for i := range msgs {
			msgs[i] = msgs[i].Redacted()
		}
	}
	return msgs, err
}

// Typing tells the other side that a is typing (or stopped). Nothing is
// stored; a closed conversation ignores it.
func (s *Service) Typing(ctx context.Context, a Actor, conversationID string, on bool) error {
	c, err := s.conversation(ctx, a, conversationID)
	if err != nil {
		return err
	}
	if c.Status == store.StatusClosed {
		return nil
	}
	aud := event.All
	if a.VisitorID != "" {
		aud = event.Desk // a visitor's own widget needs no echo
	}
	s.pub.Publish(ctx, a.WorkspaceID, c.VisitorID, aud, event.TypingFrame{
		Type: event.TypeTyping, ConversationID: c.ID, AuthorType: a.authorType(), AuthorID: a.authorID(), AuthorName: a.Name, On: on,
	})
	return nil
}

// Get reads one conversation the actor may see.
func (s *Service) Get(ctx context.Context, a Actor, id string) (store.Conversation, error) {
	c, err := s.conversation(ctx, a, id)
	if a.VisitorID != "" {
		c = visitorView(c)
	}
	return c, err
}

// List lists conversations: a visitor's own, or the workspace's for an agent.
func (s *Service) List(ctx context.Context, a Actor, f store.ConversationFilter) ([]store.Conversation, error) {
	if a.VisitorID != "" {
		f.VisitorID = a.VisitorID
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
