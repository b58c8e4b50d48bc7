package chat

import (
	"context"

	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/event"
	"github.com/querytel/livedesk/internal/store"
)

func (s *Service) publishConversation(ctx context.Context, c store.Conversation) {
	s.pub.Publish(ctx, c.WorkspaceID, "", event.Desk, event.ConversationFrame{Type: event.TypeConversation, Conversation: c})
	s.pub.Publish(ctx, c.WorkspaceID, c.VisitorID, event.Visitor, event.ConversationFrame{Type: event.TypeConversation, Conversation: visitorView(c)})
}

// publishMessage announces a stored message. owner is its conversation's
// assignee when the caller knows it: desks that follow only their own
// chats then receive it only if it is theirs or on their screen
// (event.Envelope.Owner). "" is every desk: an unassigned chat's, or one
// whose assignee the caller did not read (rare events).
func (s *Service) publishMessage(ctx context.Context, visitorID, owner string, m store.Message) {
	desks := event.Route{Workspace: m.WorkspaceID, Conversation: m.ConversationID, Owner: owner, Audience: event.Desk}
	if !m.Private {
		desks.Visitor, desks.Audience = visitorID, event.All
		s.pub.PublishTo(ctx, desks, event.MessageFrame{Type: event.TypeMessage, Message: m})
		return
	}
	s.pub.PublishTo(ctx, desks, event.MessageFrame{Type: event.TypeMessage, Message: m})
	s.pub.Publish(ctx, m.WorkspaceID, visitorID, event.Visitor, event.MessageFrame{Type: event.TypeMessage, Message: visitorMessage(m)})
}

// toDesks is the route of a conversation's event to the desks (and, with
// aud's Visitor bit, its visitor), narrowed to its assignee's.
func toDesks(c store.Conversation, aud event.Audience) event.Route {
	return event.Route{Workspace: c.WorkspaceID, Visitor: c.VisitorID, Conversation: c.ID, Owner: c.AssigneeID, Audience: aud}
}

// publish announces a transition's result.
func (s *Service) publish(ctx context.Context, c store.Conversation, ev *store.Message) {
	if ev != nil {
		s.publishMessage(ctx, c.VisitorID, c.AssigneeID, *ev)
	}
	s.publishConversation(ctx, c)
}

func systemEvent(body string, private bool, meta map[string]any) *store.Message {
	return &store.Message{Kind: store.KindSystem, AuthorType: store.AuthorSystem, Body: body, Private: private, Meta: meta}
}

func agentEvent(a auth.Actor, body string, private bool, meta map[string]any) *store.Message {
	m := systemEvent(body, private, meta)
	m.AuthorType, m.AuthorID, m.AuthorName = store.AuthorAgent, a.AgentID, a.Name
	return m
}
