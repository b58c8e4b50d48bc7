package whatsapp

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/chat"
	"github.com/querytel/livedesk/internal/event"
	"github.com/querytel/livedesk/internal/store"
)

// The 24-hour rule. WhatsApp delivers free text only within 24 hours of
// the customer's last message; after that a business may only send an
// approved template. The server enforces it (Allow, called by package
// chat before an agent's message is stored), not only the desk's
// composer: a message the server accepted must be one WhatsApp will
// deliver.

// Errors of the window.
var (
	ErrWindowClosed        = chat.ErrWindowClosed
	ErrTemplateNotFound    = apperr.New(apperr.NotFound, "template_not_found", "no such template on this number: sync the templates first")
	ErrTemplateNotApproved = apperr.New(apperr.Conflict, "template_not_approved", "only templates WhatsApp approved may be sent")
	ErrTemplateUnsupported = apperr.New(apperr.Conflict, "template_unsupported",
		"this template has a media header, or variables in its header or buttons, which the desk does not fill yet: choose another")
)

// templateMeta is the key of a templated message's Meta: what the runner
// sends instead of the text.
const templateMeta = "whatsapp_template"

// Allow checks an agent's (or the system's) message before it is stored
// in conversation conversationID: in a WhatsApp conversation, text and
// files only within the window. Other conversations pass with a map
// lookup once their kind is cached.
func (s *Service) Allow(ctx context.Context, workspaceID, conversationID string, m store.Message) error {
	k, err := s.kindOf(ctx, workspaceID, conversationID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // the append refuses it with its own error
	}
	if err != nil || !k.whatsapp {
		return err
	}
	if _, ok := m.Meta[templateMeta]; ok {
		return nil
	}
	u, err := s.store.WhatsAppUserByVisitor(ctx, workspaceID, k.visitorID)
	if errors.Is(err, store.ErrNotFound) {
		return ErrWindowClosed
	}
	if err != nil {
		return err
	}
	if !s.clock.Now().Before(u.LastInboundAt.Add(Window)) {
		return ErrWindowClosed
	}
	return nil
}

// Stored is told of each message an agent or the system stored (after
// Allow passed it): one in a WhatsApp conversation makes its thread due
// and wakes this node's runner.
func (s *Service) Stored(ctx context.Context, m store.Message) {
	k, ok := s.kinds.get(kindKey(m.WorkspaceID, m.ConversationID))
	if !ok || !k.whatsapp {
		return
	}
	if err := s.store.WakeWhatsAppThread(ctx, m.WorkspaceID, k.siteID, m.ConversationID, s.clock.Now()); err != nil {
		// The runner's sweep (SweepEvery) wakes it.
		s.log.Warn("whatsapp: wake thread", "conversation", m.ConversationID, "err", err)
	}
	s.wake()
}

// TypeWhatsApp is the frame that carries a WhatsApp conversation's state
// to the desks.
const TypeWhatsApp = "whatsapp"

// Frame is a WhatsApp conversation's channel state, to the desks: sent
// when a customer's message moves the window, and when a message is
// sent, delivered, read or refused.
type Frame struct {
	Type  string `json:"type"` // "whatsapp"
	State State  `json:"whatsapp"`
}

// State is a WhatsApp conversation's channel state: the window and the
// latest outbound messages' delivery.
type State = store.WhatsAppState

// MaxStatuses is how many of a conversation's latest outbound messages
// a State reports.
const MaxStatuses = 100

// state reads a conversation's State, with the messages still to send
// as queued.
func (s *Service) state(ctx context.Context, workspaceID, conversationID string) (State, error) {
	st, err := s.store.WhatsAppConversation(ctx, workspaceID, conversationID, MaxStatuses)
	if errors.Is(err, store.ErrNotFound) {
		return State{}, ErrNotWhatsApp
	}
	if err != nil {
		return State{}, err
	}
	if st.LastInboundAt != nil {
		until := st.LastInboundAt.Add(Window)
		st.WindowExpires = &until
	}
	if st.LastSeq > st.SentSeq {
		queued, err := s.store.ListMessages(ctx, workspaceID, conversationID, st.SentSeq, 0, MaxStatuses)
		if err != nil {
			return State{}, err
		}
		for _, m := range queued {
			if forCustomer(m) {
				st.Statuses = append(st.Statuses, store.WhatsAppStatus{Seq: m.Seq, Status: "queued"})
			}
		}
		if len(st.Statuses) > MaxStatuses {
			st.Statuses = st.Statuses[len(st.Statuses)-MaxStatuses:]
		}
	}
	return st, nil
}

// publish sends a conversation's state to the desks (best effort: a desk
// that misses it reads it again when it opens the conversation).
func (s *Service) publish(ctx context.Context, workspaceID, conversationID, visitorID string) {
	st, err := s.state(ctx, workspaceID, conversationID)
	if err != nil {
		s.log.Warn("whatsapp: state for the desks", "conversation", conversationID, "err", err)
		return
	}
	s.pub.Publish(ctx, workspaceID, visitorID, event.Desk, Frame{Type: TypeWhatsApp, State: st})
}

// State reads a WhatsApp conversation's state for an agent who may see
// the conversation.
func (s *Service) State(ctx context.Context, a auth.Actor, conversationID string) (State, error) {
	if a.IsVisitor() {
		return State{}, apperr.ErrForbidden
	}
	if _, err := s.chat.Get(ctx, a, conversationID); err != nil {
		return State{}, err
	}
	return s.state(ctx, a.WorkspaceID, conversationID)
}

// Templates lists a number's templates (any agent: the composer's
// picker). id is the number's site.
func (s *Service) Templates(ctx context.Context, a auth.Actor, id string) ([]store.WhatsAppTemplate, error) {
	if a.IsVisitor() {
		return nil, apperr.ErrForbidden
	}
	if _, err := s.store.GetWhatsAppChannel(ctx, a.WorkspaceID, id); errors.Is(err, store.ErrNotFound) {
		return nil, ErrChannelNotFound
	} else if err != nil {
		return nil, err
	}
	list, err := s.store.ListWhatsAppTemplates(ctx, a.WorkspaceID, id)
	if list == nil {
		list = []store.WhatsAppTemplate{}
	}
	return list, err
}

// SyncTemplates reads the number's business account's templates from
// the Graph API and keeps them (admins).
func (s *Service) SyncTemplates(ctx context.Context, a auth.Actor, id string) ([]store.WhatsAppTemplate, error) {
	if !a.Can(auth.ManageWorkspace) {
		return nil, apperr.ErrForbidden
	}
	c, err := s.store.GetWhatsAppChannel(ctx, a.WorkspaceID, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrChannelNotFound
	}
	if err != nil {
		return nil, err
	}
	got, err := s.cloud.Templates(ctx, c.AccessToken, c.BusinessAccountID)
	if err != nil {
		var ae *APIError
		if errors.As(err, &ae) {
			if ae.TokenInvalid() {
				s.tokenRefused(ctx, c, ae)
			}
			return nil, &apperr.Error{Kind: apperr.Unavailable, Code: "whatsapp_api_error", Message: "the WhatsApp Cloud API refused: " + ae.Error(), Err: err}
		}
		return nil, err
	}
	ts := make([]store.WhatsAppTemplate, 0, len(got))
	for _, t := range got {
		ts = append(ts, store.WhatsAppTemplate{ID: t.ID, Name: t.Name, Language: t.Language, Category: t.Category, Status: t.Status,
			ParameterFormat: t.ParameterFormat, Header: t.Header, Body: t.Body, Footer: t.Footer, Params: t.Params, Examples: t.Examples,
			Unsupported: t.Unsupported})
	}
	if err := s.store.ReplaceWhatsAppTemplates(ctx, a.WorkspaceID, id, ts, s.clock.Now()); err != nil {
		return nil, err
	}
	return s.store.ListWhatsAppTemplates(ctx, a.WorkspaceID, id)
}

// MaxParam bounds one variable's value (WhatsApp's own limit for a body
// parameter is about this).
const MaxParam = 1024

// SendTemplate stores an approved template, its variables filled with
// values, as agent a's message in a WhatsApp conversation: the
// conversation shows the text, the runner sends the template. It is the
// one way to write to a customer after the window closed. Idempotent by
// clientMsgID, as every message is.
func (s *Service) SendTemplate(ctx context.Context, a auth.Actor, conversationID, clientMsgID, templateID string, values map[string]string) (store.Message, bool, error) {
	if a.IsVisitor() {
		return store.Message{}, false, apperr.ErrForbidden
	}
	k, err := s.kindOf(ctx, a.WorkspaceID, conversationID)
	if errors.Is(err, store.ErrNotFound) {
		return store.Message{}, false, apperr.New(apperr.NotFound, "conversation_not_found", "no such conversation")
	}
	if err != nil {
		return store.Message{}, false, err
	}
	if !k.whatsapp {
		return store.Message{}, false, ErrNotWhatsApp
	}
	if _, err := s.store.GetWhatsAppChannel(ctx, a.WorkspaceID, k.siteID); errors.Is(err, store.ErrNotFound) {
		return store.Message{}, false, ErrNotConnected
	} else if err != nil {
		return store.Message{}, false, err
	}
	t, err := s.store.GetWhatsAppTemplate(ctx, a.WorkspaceID, k.siteID, templateID)
	if errors.Is(err, store.ErrNotFound) {
		return store.Message{}, false, ErrTemplateNotFound
	}
	if err != nil {
		return store.Message{}, false, err
	}
	if t.Status != "APPROVED" {
		return store.Message{}, false, ErrTemplateNotApproved
	}
	if t.Unsupported != "" {
		return store.Message{}, false, ErrTemplateUnsupported
	}
	clean := make(map[string]string, len(t.Params))
	for _, p := range t.Params {
		v := strings.TrimSpace(values[p])
		field := "params." + p
		switch {
		case v == "":
			return store.Message{}, false, apperr.Invalidf(field, "missing_param", "the template's variable {{%s}} needs a value", p)
		case !utf8.ValidString(v) || utf8.RuneCountInString(v) > MaxParam || strings.ContainsAny(v, "\n\t") || strings.Contains(v, "    "):
			// WhatsApp refuses a parameter with a new line, a tab or more
			// than four spaces in a row.
			return store.Message{}, false, apperr.Invalidf(field, "invalid_param", "a variable's value is one line of at most %d characters, without tabs or 4 spaces in a row", MaxParam)
		}
		clean[p] = v
	}
	for name := range values {
		if _, ok := clean[name]; !ok {
			return store.Message{}, false, apperr.Invalidf("params."+name, "unknown_param", "the template has no variable {{%s}}", name)
		}
	}
	text := Render(t.Body, clean)
	if t.Header != "" {
		text = Render(t.Header, clean) + "\n\n" + text
	}
	meta := map[string]any{templateMeta: map[string]any{"id": t.ID, "name": t.Name, "language": t.Language,
		"parameter_format": t.ParameterFormat, "params": t.Params, "values": clean}}
	return s.chat.SendTemplated(ctx, a, conversationID, clientMsgID, text, meta)
}

// forCustomer reports whether a message of a WhatsApp conversation is
// one the customer should get: the text or file an agent or the system
// wrote to them (not their own, not private notes, not the desk's
// events).
func forCustomer(m store.Message) bool {
	return !m.Private && (m.Kind == store.KindText || m.Kind == store.KindFile) &&
		(m.AuthorType == store.AuthorAgent || m.AuthorType == store.AuthorSystem)
}
