package chat

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/clientid"
	"github.com/querytel/livedesk/internal/event"
	"github.com/querytel/livedesk/internal/store"
)

// ValidateClientMsgID checks a client-generated id (package clientid).
func ValidateClientMsgID(id string) error { return clientid.Check(id) }

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
func (s *Service) Send(ctx context.Context, a auth.Actor, conversationID, clientMsgID, text string) (store.Message, bool, error) {
	m, err := textMessage(a, conversationID, clientMsgID, text)
	if err != nil {
		return store.Message{}, false, err
	}
	return s.send(ctx, a, m)
}

// textMessage checks a text message's id, text and conversation, and
// makes it a's.
func textMessage(a auth.Actor, conversationID, clientMsgID, text string) (store.Message, error) {
	if err := ValidateClientMsgID(clientMsgID); err != nil {
		return store.Message{}, err
	}
	text, err := validateText(text)
	if err != nil {
		return store.Message{}, err
	}
	if conversationID == "" {
		return store.Message{}, apperr.Invalidf("conversation_id", "required", "conversation_id is required")
	}
	return store.Message{WorkspaceID: a.WorkspaceID, ConversationID: conversationID, ClientMsgID: clientMsgID, Kind: store.KindText,
		AuthorType: authorType(a), AuthorID: authorID(a), AuthorName: a.Name, Body: text}, nil
}

// SystemName is the author name of a message sent as the system.
const SystemName = "System"

// SendAsSystem stores a text message written by the system rather than
// an agent (a notice from the workspace's own systems: "your refund went
// out"), by Send's rules; visitors see it under the team's name.
// Supervisors and above: it speaks for nobody in particular.
func (s *Service) SendAsSystem(ctx context.Context, a auth.Actor, conversationID, clientMsgID, text string) (store.Message, bool, error) {
	if a.AgentID == "" || !a.Can(auth.ManageAnyConversation) {
		return store.Message{}, false, apperr.ErrForbidden
	}
	m, err := textMessage(a, conversationID, clientMsgID, text)
	if err != nil {
		return store.Message{}, false, err
	}
	m.AuthorType, m.AuthorID, m.AuthorName = store.AuthorSystem, "", SystemName
	return s.send(ctx, a, m)
}

// SendTemplated stores an agent's text message with meta that only the
// server sets (a WhatsApp template: the text is what the conversation
// shows, meta what the channel sends), by Send's rules.
func (s *Service) SendTemplated(ctx context.Context, a auth.Actor, conversationID, clientMsgID, text string, meta map[string]any) (store.Message, bool, error) {
	if a.AgentID == "" {
		return store.Message{}, false, apperr.ErrForbidden
	}
	m, err := textMessage(a, conversationID, clientMsgID, text)
	if err != nil {
		return store.Message{}, false, err
	}
	m.Meta = meta
	return s.send(ctx, a, m)
}

// MayAttach reports whether agent a may attach a file to a conversation
// now by its channel's rules (WhatsApp: within 24 hours of the
// customer's last message), so an upload is refused before it is read.
func (s *Service) MayAttach(ctx context.Context, a auth.Actor, conversationID string) error {
	if a.AgentID == "" || s.channel == nil {
		return nil
	}
	if err := s.channel.Allow(ctx, a.WorkspaceID, conversationID, store.Message{ConversationID: conversationID, Kind: store.KindFile}); err != nil {
		if errors.Is(err, ErrWindowClosed) {
			return ErrWindowClosed
		}
		return err
	}
	return nil
}

// Attach stores a file message: the file f, already stored complete under
// the message's client_msg_id, shown in the conversation as its name. It
// follows Send's rules (idempotent by client_msg_id, a waiting chat
// reopened by its visitor, out-of-hours answers, ticket replies and mail).
func (s *Service) Attach(ctx context.Context, a auth.Actor, f store.File) (store.Message, bool, error) {
	meta := map[string]any{"id": f.ID, "name": f.Name, "type": f.ContentType, "size": f.Size}
	if f.Width > 0 && f.Height > 0 {
		meta["width"], meta["height"] = f.Width, f.Height
	}
	return s.send(ctx, a, store.Message{
		WorkspaceID: a.WorkspaceID, ConversationID: f.ConversationID, ClientMsgID: f.ClientMsgID, Kind: store.KindFile,
		AuthorType: authorType(a), AuthorID: authorID(a), AuthorName: a.Name, Body: f.Name, Meta: map[string]any{"file": meta},
	})
}

// send stores m, a visitor's or an agent's message, and tells everyone
// concerned.
func (s *Service) send(ctx context.Context, a auth.Actor, m store.Message) (store.Message, bool, error) {
	conversationID := m.ConversationID
	toCustomer := a.AgentID != "" && !m.Private && s.channel != nil
	if toCustomer {
		switch err := s.channel.Allow(ctx, a.WorkspaceID, conversationID, m); {
		case errors.Is(err, ErrWindowClosed):
			// A retry of a message stored while the window was open is
			// the stored message.
			if prev, perr := s.store.MessageByClientID(ctx, a.WorkspaceID, conversationID, m.ClientMsgID); perr == nil &&
				prev.AuthorType == m.AuthorType && prev.AuthorID == m.AuthorID {
				return prev, true, nil
			}
			return store.Message{}, false, ErrWindowClosed
		case err != nil:
			return store.Message{}, false, err
		}
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
				s.publishMessage(ctx, res.VisitorID, res.AssigneeID, res.Message)
				if toCustomer {
					s.channel.Stored(ctx, res.Message)
				}
			}
			if a.VisitorID != "" && (res.Unassigned || res.Duplicate) {
				// No agent holds the chat: out of hours it gets its answer
				// now. The message is stored; when its answer could not be,
				// the visitor is told to send it again (busy, retryable),
				// and the retry, a duplicate, answers it.
				if err := s.answerVisitor(ctx, a, res); err != nil {
					return store.Message{}, false, ErrBusy
				}
			}
			if a.VisitorID != "" && res.TicketID != "" {
				// A reply on a ticket nobody holds live: its agent is told
				// (best effort: the reply itself is in the ticket).
				s.ticketReplied(ctx, a, res) //nolint:errcheck
			}
			if a.AgentID != "" && s.mailer != nil {
				// An answer to a ticket also goes by e-mail. When it could
				// not be queued the agent is told to send it again (busy,
				// retryable); the retry, a duplicate, queues it (once).
				if err := s.mailAnswer(ctx, a, res); err != nil {
					return store.Message{}, false, ErrBusy
				}
			}
			return res.Message, res.Duplicate, nil
		case errors.Is(err, store.ErrBusy):
			return store.Message{}, false, s.busy()
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

// Viewing tells every desk that agent a has a conversation on screen (on)
// or no longer has. Nothing is stored.
func (s *Service) Viewing(ctx context.Context, a auth.Actor, conversationID string, on bool) error {
	c, err := s.conversation(ctx, a, conversationID)
	if err != nil {
		return err
	}
	s.pub.Publish(ctx, a.WorkspaceID, c.VisitorID, event.Desk, event.ViewingFrame{
		Type: event.TypeViewing, ConversationID: c.ID, AgentID: a.AgentID, AgentName: a.Name, On: on,
	})
	return nil
}

// Typing tells the other side that a is typing (or stopped). Nothing is
// stored; a closed conversation ignores it.
func (s *Service) Typing(ctx context.Context, a auth.Actor, conversationID string, on bool) error {
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
	s.pub.PublishTo(ctx, toDesks(c, aud), event.TypingFrame{
		Type: event.TypeTyping, ConversationID: c.ID, AuthorType: authorType(a), AuthorID: authorID(a), AuthorName: a.Name, On: on,
	})
	return nil
}

// mailAnswer hands an agent's message in a ticket's conversation to the
// mailer. A duplicate carries no ticket: its conversation is read.
func (s *Service) mailAnswer(ctx context.Context, a auth.Actor, res store.Appended) error {
	ticketID := res.TicketID
	if res.Duplicate {
		c, err := s.store.GetConversation(ctx, a.WorkspaceID, res.Message.ConversationID)
		if err != nil {
			return err
		}
		ticketID = c.TicketID
	}
	// A file is not mailed: the customer could not open its link (file
	// downloads need the widget's visitor token).
	if ticketID == "" || res.Message.Private || res.Message.Kind != store.KindText {
		return nil
	}
	_, err := s.mailer.Answered(ctx, a.WorkspaceID, ticketID, res.Message)
	return err
}
