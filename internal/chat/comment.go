package chat

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/inbox"
	"github.com/querytel/livedesk/internal/store"
)

// Inbox is where items for agents go (package inbox): a mention, a chat
// handed over by someone else, a reply on an agent's ticket.
type Inbox interface {
	Add(ctx context.Context, it store.InboxItem, renew bool) (store.InboxItem, error)
}

// SetInbox sets the Inbox; without one, nobody is told (the CLI).
func (s *Service) SetInbox(in Inbox) { s.inbox = in }

// MentionSupervisors in a comment's mentions asks every supervisor (or
// admin, or owner) who is online now: the "ask a supervisor" of a chat.
const MentionSupervisors = "supervisors"

// MaxMentions bounds the agents one comment mentions.
const MaxMentions = 20

// Errors of comments.
var (
	ErrNotAuthor       = apperr.New(apperr.Forbidden, "not_author", "only the comment's author may change it")
	ErrCommentNotFound = apperr.New(apperr.NotFound, "comment_not_found", "no such comment in this conversation")
	ErrCommentDeleted  = apperr.New(apperr.Conflict, "comment_deleted", "the comment was deleted")
)

// Comment adds an agent's private comment to a conversation: stored in
// its history with its own seq, shown to agents (inline, as an internal
// note), never to the visitor (a widget receives it as a hidden event).
// It does not take the chat, answer the visitor or stop the reply clock.
// mentions are agent ids (or MentionSupervisors); each mentioned agent
// gets an inbox item, and the chat shows under its Tagged tab until it
// closes. A mention of an agent who cannot see the conversation is
// refused, and nothing is stored. As with messages, clientMsgID makes a
// retry safe: a duplicate is stored once and its mentions are told once.
func (s *Service) Comment(ctx context.Context, a auth.Actor, conversationID, clientMsgID, text string, mentions []string) (store.Message, bool, error) {
	if a.AgentID == "" {
		return store.Message{}, false, ErrForbidden
	}
	if err := ValidateClientMsgID(clientMsgID); err != nil {
		return store.Message{}, false, err
	}
	text, err := validateText(text)
	if err != nil {
		return store.Message{}, false, err
	}
	c, err := s.conversation(ctx, a, conversationID)
	if err != nil {
		return store.Message{}, false, err
	}
	who, err := s.mentioned(ctx, a, c, mentions)
	if err != nil {
		return store.Message{}, false, err
	}
	ids := make([]any, len(who))
	for i, ag := range who {
		ids[i] = ag.ID
	}
	m := store.Message{
		WorkspaceID: a.WorkspaceID, ConversationID: c.ID, ClientMsgID: clientMsgID, Kind: store.KindComment, Private: true,
		AuthorType: store.AuthorAgent, AuthorID: a.AgentID, AuthorName: a.Name, Body: text,
	}
	if len(ids) > 0 {
		m.Meta = map[string]any{"mentions": ids}
	}
	res, err := s.store.AppendMessage(ctx, m, s.clock.Now())
	switch {
	case errors.Is(err, store.ErrNotAccepting):
		return store.Message{}, false, ErrConversationClosed
	case errors.Is(err, store.ErrIDTaken):
		return store.Message{}, false, &apperr.Error{Kind: apperr.Conflict, Code: "client_msg_id_taken", Field: "client_msg_id",
			Message: "this client_msg_id belongs to another message; generate a new one", Err: err}
	case errors.Is(err, store.ErrBusy):
		return store.Message{}, false, s.busy()
	case err != nil:
		return store.Message{}, false, err
	}
	if !res.Duplicate {
		s.publishMessage(ctx, c.VisitorID, res.AssigneeID, res.Message) // the assignee as stored with it
	}
	// Those the stored comment names are told (a retry's mentions are the
	// first try's): when an item cannot be stored the author is told to
	// send again (busy), and the retry, a duplicate, adds what is missing.
	if err := s.tellMentioned(ctx, a, c, res.Message); err != nil {
		return store.Message{}, false, ErrBusy
	}
	return res.Message, res.Duplicate, nil
}

// mentioned resolves a comment's mentions to agents, each once, without
// the author (who needs no notice of their own comment).
func (s *Service) mentioned(ctx context.Context, a auth.Actor, c store.Conversation, mentions []string) ([]store.Agent, error) {
	if len(mentions) == 0 {
		return nil, nil
	}
	if len(mentions) > MaxMentions {
		return nil, apperr.Invalidf("mentions", "too_many_mentions", "a comment may mention at most %d agents", MaxMentions)
	}
	agents, err := s.store.ListAgents(ctx, a.WorkspaceID)
	if err != nil {
		return nil, err
	}
	var ticket *store.Ticket
	if c.TicketID != "" {
		t, err := s.store.GetTicket(ctx, a.WorkspaceID, c.TicketID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		if err == nil {
			ticket = &t
		}
	}
	var out []store.Agent
	add := func(ag store.Agent) {
		if ag.ID != a.AgentID && !slices.ContainsFunc(out, func(x store.Agent) bool { return x.ID == ag.ID }) {
			out = append(out, ag)
		}
	}
	for _, id := range mentions {
		if id == MentionSupervisors {
			n := 0
			for _, ag := range agents {
				if auth.Role(ag.Role).AtLeast(auth.Supervisor) && ag.Status == "online" && !ag.Away && !ag.Disabled && ag.ID != a.AgentID {
					add(ag)
					n++
				}
			}
			if n == 0 {
				return nil, apperr.Invalidf("mentions", "no_supervisor_online", "no supervisor is online to ask: mention one by name")
			}
			continue
		}
		i := slices.IndexFunc(agents, func(ag store.Agent) bool { return ag.ID == id })
		if i < 0 {
			return nil, apperr.Invalidf("mentions", "unknown_mention", "%q is not an agent of this workspace", id)
		}
		ag := agents[i]
		if reason := cannotSee(ag, ticket); reason != "" {
			return nil, apperr.Invalidf("mentions", "mention_not_allowed", "%s cannot see this conversation (%s): they would never read the mention", ag.Name, reason)
		}
		add(ag)
	}
	return out, nil
}

// cannotSee says why an agent cannot see a conversation (of ticket, when
// it has one), or "" when it can.
func cannotSee(ag store.Agent, ticket *store.Ticket) string {
	switch {
	case ag.Disabled:
		return "their account is disabled"
	case ticket != nil && ticket.DepartmentID != "" && !auth.Role(ag.Role).Has(auth.ManageAnyConversation) &&
		!slices.Contains(ag.DepartmentIDs, ticket.DepartmentID):
		return "its ticket is in a department they are not in"
	}
	return ""
}

// tellMentioned gives each agent a comment mentions an inbox item (once:
// the item's dedupe key is the comment).
func (s *Service) tellMentioned(ctx context.Context, a auth.Actor, c store.Conversation, m store.Message) error {
	if s.inbox == nil {
		return nil
	}
	ids, _ := m.Meta["mentions"].([]any)
	for _, v := range ids {
		id, _ := v.(string)
		if id == "" {
			continue
		}
		if _, err := s.inbox.Add(ctx, store.InboxItem{
			WorkspaceID: a.WorkspaceID, AgentID: id, Kind: store.InboxMention, Dedupe: "mention:" + m.ID,
			ConversationID: c.ID, TicketID: c.TicketID, ActorID: a.AgentID, ActorName: a.Name, Summary: inbox.Summary(m.Body),
			Data: map[string]any{"message_id": m.ID, "seq": m.Seq},
		}, false); err != nil {
			return err
		}
	}
	return nil
}

// ReviseComment edits its author's comment (text) or, with deleted,
// deletes it (kept as a deleted marker). Every desk that follows the
// conversation sees the change (desk.watch): the comment as it is now,
// and a private event that names it, so a desk that resumes from a seq
// learns of it too. Mentions are not sent again.
func (s *Service) ReviseComment(ctx context.Context, a auth.Actor, conversationID, messageID, text string, deleted bool) (store.Message, error) {
	if a.AgentID == "" {
		return store.Message{}, ErrForbidden
	}
	if messageID == "" {
		return store.Message{}, apperr.Invalidf("message_id", "required", "message_id is required")
	}
	if !deleted {
		var err error
		if text, err = validateText(text); err != nil {
			return store.Message{}, err
		}
	}
	c, err := s.conversation(ctx, a, conversationID)
	if err != nil {
		return store.Message{}, err
	}
	what, name := store.EventCommentEdited, "edited"
	if deleted {
		what, name = store.EventCommentDeleted, "deleted"
	}
	ev := systemEvent(fmt.Sprintf("%s %s a comment", a.Name, name), true, map[string]any{"event": what, "agent_id": a.AgentID})
	comment, stored, err := s.store.ReviseComment(ctx, a.WorkspaceID, c.ID, messageID, a.AgentID, text, deleted, *ev, s.clock.Now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.Message{}, ErrCommentNotFound
	case errors.Is(err, store.ErrNotAuthor):
		return store.Message{}, ErrNotAuthor
	case errors.Is(err, store.ErrStale):
		return store.Message{}, ErrCommentDeleted
	case err != nil:
		return store.Message{}, err
	}
	s.publishMessage(ctx, c.VisitorID, c.AssigneeID, stored)
	return comment, nil
}

// handedOver gives an agent an inbox item for a chat or ticket that
// someone else handed to it (assigned, transferred). The hand-over is
// committed already and shows on the agent's desk by itself (the chat
// under Mine, the ticket under Assigned): an item that cannot be stored
// is not worth failing it for, so it is dropped.
func (s *Service) handedOver(ctx context.Context, a auth.Actor, kind, agentID, dedupe string, c store.Conversation, ticketID, summary string) {
	if s.inbox == nil || agentID == "" || agentID == a.AgentID {
		return
	}
	s.inbox.Add(ctx, store.InboxItem{ //nolint:errcheck // see above
		WorkspaceID: a.WorkspaceID, AgentID: agentID, Kind: kind, Dedupe: dedupe, ConversationID: c.ID, TicketID: ticketID,
		ActorID: a.AgentID, ActorName: a.Name, Summary: inbox.Summary(summary),
	}, false)
}

// ticketReplied tells a ticket's agent that its visitor wrote while no
// agent holds the chat: one item per ticket, renewed (unread, on top) by
// each new message.
func (s *Service) ticketReplied(ctx context.Context, a auth.Actor, res store.Appended) error {
	if s.inbox == nil || res.TicketID == "" || res.Duplicate || !res.Unassigned {
		return nil
	}
	t, err := s.store.GetTicket(ctx, a.WorkspaceID, res.TicketID)
	if err != nil || t.AssigneeID == "" || t.Status != store.TicketOpen {
		return err
	}
	_, err = s.inbox.Add(ctx, store.InboxItem{
		WorkspaceID: a.WorkspaceID, AgentID: t.AssigneeID, Kind: store.InboxTicketReply, Dedupe: "ticket_reply:" + t.ID,
		ConversationID: res.Message.ConversationID, TicketID: t.ID, ActorName: a.Name, Summary: inbox.Summary(res.Message.Body),
		Data: map[string]any{"message_id": res.Message.ID, "seq": res.Message.Seq},
	}, true)
	return err
}
