package chat

import (
	"context"
	"errors"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/store"
)

// ErrVisitorNotFound: no such visitor in the actor's workspace.
var ErrVisitorNotFound = apperr.New(apperr.NotFound, "visitor_not_found", "no such visitor")

// ErrVisitorInChat: the visitor is already chatting with another agent.
var ErrVisitorInChat = apperr.New(apperr.Conflict, "visitor_in_chat", "the visitor is already chatting with another agent")

// Invite starts a chat with a browsing visitor (proactive chat): agent a
// opens a conversation for the visitor, takes it, and sends the first
// message, which the visitor's widget shows at once (or on the next
// visit). A visitor already in a chat gets the message there when it is
// a's, or unassigned; a chat of another agent is theirs (ErrVisitorInChat)
// unless a may manage any conversation. Retrying with the same
// client_msg_id stores nothing twice.
func (s *Service) Invite(ctx context.Context, a auth.Actor, visitorID, clientMsgID, text string) (store.Conversation, store.Message, bool, error) {
	if a.AgentID == "" {
		return store.Conversation{}, store.Message{}, false, ErrForbidden
	}
	if err := ValidateClientMsgID(clientMsgID); err != nil {
		return store.Conversation{}, store.Message{}, false, err
	}
	if _, err := validateText(text); err != nil {
		return store.Conversation{}, store.Message{}, false, err
	}
	if visitorID == "" {
		return store.Conversation{}, store.Message{}, false, apperr.Invalidf("visitor_id", "required", "visitor_id is required")
	}
	v, err := s.store.GetVisitor(ctx, a.WorkspaceID, visitorID)
	if errors.Is(err, store.ErrNotFound) {
		return store.Conversation{}, store.Message{}, false, ErrVisitorNotFound
	}
	if err != nil {
		return store.Conversation{}, store.Message{}, false, err
	}
	site, err := s.store.GetSite(ctx, a.WorkspaceID, v.SiteID)
	if err != nil {
		return store.Conversation{}, store.Message{}, false, err
	}
	if s.channel != nil {
		// A WhatsApp customer past the 24-hour window: refused before a
		// chat is opened.
		if err := s.channel.Reachable(ctx, a.WorkspaceID, site, v.ID); err != nil {
			return store.Conversation{}, store.Message{}, false, err
		}
	}
	c, created, err := s.store.StartConversation(ctx, a.WorkspaceID, v.ID, site.DefaultDepartmentID, s.clock.Now())
	if err != nil {
		return store.Conversation{}, store.Message{}, false, err
	}
	if created {
		s.publishConversation(ctx, c)
	}
	switch {
	case c.AssigneeID == a.AgentID:
	case c.AssigneeID != "" && !a.Can(auth.ManageAnyConversation):
		return store.Conversation{}, store.Message{}, false, ErrVisitorInChat
	default:
		prev, me := c.AssigneeID, a.AgentID
		nc, ev, err := s.store.Transition(ctx, a.WorkspaceID, c.ID, store.Transition{
			FromStatuses: []string{store.StatusOpen, store.StatusPending, store.StatusSnoozed}, Assignee: &prev, SetAssignee: &me,
			Status: store.StatusOpen,
			Event: agentEvent(a, a.Name+" started a chat with the visitor", true, // desks only: the visitor just sees the message
				map[string]any{"event": "assigned", "agent_id": a.AgentID, "agent_name": a.Name, "reason": "proactive"}),
		}, s.clock.Now())
		if err != nil && !errors.Is(err, store.ErrStale) {
			return store.Conversation{}, store.Message{}, false, err
		}
		if err == nil {
			s.publish(ctx, nc, ev)
			c = nc
		}
	}
	m, dup, err := s.Send(ctx, a, c.ID, clientMsgID, text)
	if err != nil {
		return store.Conversation{}, store.Message{}, false, err
	}
	if latest, err := s.store.GetConversation(ctx, a.WorkspaceID, c.ID); err == nil {
		c = latest
	}
	return c, m, dup, nil
}
