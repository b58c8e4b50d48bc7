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

func (s *Service) publishMessage(ctx context.Context, visitorID string, m store.Message) {
	if !m.Private {
		s.pub.Publish(ctx, m.WorkspaceID, visitorID, event.All, event.MessageFrame{Type: event.TypeMessage, Message: m})
		return
	}
	s.pub.Publish(ctx, m.WorkspaceID, "", event.Desk, event.MessageFrame{Type: event.TypeMessage, Message: m})
	s.pub.Publish(ctx, m.WorkspaceID, visitorID, event.Visitor, event.MessageFrame{Type: event.TypeMessage, Message: visitorMessage(m)})
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

func agentEvent(a auth.Actor, body string, private bool, meta map[string]any) *store.Message {
	m := systemEvent(body, private, meta)
	m.AuthorType, m.AuthorID, m.AuthorName = store.AuthorAgent, a.AgentID, a.Name
	return m
}
