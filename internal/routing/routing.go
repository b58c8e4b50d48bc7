// Package routing decides who answers what. For now it holds agent
// availability (online, busy, offline), which assignment will build on.
// A Service is stateless and safe for concurrent use.
package routing

import (
	"context"
	"time"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/chat"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/event"
	"github.com/querytel/livedesk/internal/store"
)

// Agent statuses.
const (
	Online  = "online"  // receives new chats
	Busy    = "busy"    // keeps its chats, receives no new ones
	Offline = "offline" // unavailable
)

// Store is what routing needs from the database.
type Store interface {
	SetAgentStatus(ctx context.Context, workspaceID, id, status string, now time.Time) error
	GetAgent(ctx context.Context, workspaceID, id string) (store.Agent, error)
}

// Service runs availability.
type Service struct {
	store Store
	clock clock.Clock
	pub   *event.Publisher
	chat  *chat.Service
}

// New returns a Service; chats uses it to hand queued chats to an agent
// who comes online.
func New(st Store, clk clock.Clock, pub *event.Publisher, chats *chat.Service) *Service {
	return &Service{store: st, clock: clk, pub: pub, chat: chats}
}

// SetStatus stores an agent's status and tells every desk.
func (s *Service) SetStatus(ctx context.Context, workspaceID, agentID, status string) (store.Agent, error) {
	switch status {
	case Online, Busy, Offline:
	default:
		return store.Agent{}, apperr.Invalidf("status", "invalid_status", "status must be online, busy or offline")
	}
	if err := s.store.SetAgentStatus(ctx, workspaceID, agentID, status, s.clock.Now()); err != nil {
		return store.Agent{}, err
	}
	a, err := s.store.GetAgent(ctx, workspaceID, agentID)
	if err != nil {
		return store.Agent{}, err
	}
	s.pub.Publish(ctx, workspaceID, "", event.Desk, event.AgentFrame{Type: event.TypeAgent, Agent: event.ViewOfAgent(a)})
	if status == Online {
		s.chat.DrainQueue(ctx, workspaceID)
	}
	return a, nil
}
