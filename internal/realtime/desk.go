package realtime

import (
	"context"
	"time"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/chat"
	"github.com/querytel/livedesk/internal/event"
	"github.com/querytel/livedesk/internal/store"
)

// deskConversations is how many conversations the desk's welcome carries:
// every one that is not closed plus the latest closed ones, up to this.
const deskConversations = 500

func messageFrame(m store.Message) event.MessageFrame {
	return event.MessageFrame{Type: event.TypeMessage, Message: m}
}

// helloDesk subscribes an agent's connection to its workspace and writes
// the welcome (with the conversation list), the snapshot of visitors and
// agents, and the replay of every conversation named in resume.
func (s *Server) helloDesk(ctx context.Context, c *conn, p auth.Principal, hello Inbound) (handler, error) {
	c.workspaceID, c.agentID, c.name = p.WorkspaceID(), p.Agent.ID, p.Agent.Name
	actor := chat.Actor{WorkspaceID: c.workspaceID, AgentID: c.agentID, Name: c.name, Role: p.Agent.Role}
	s.hub.register(c)
	active, err := s.chat.List(ctx, actor, store.ConversationFilter{
		Statuses: []string{store.StatusOpen, store.StatusPending, store.StatusSnoozed}, Limit: deskConversations})
	if err != nil {
		return nil, err
	}
	closed, err := s.chat.List(ctx, actor, store.ConversationFilter{Statuses: []string{store.StatusClosed}, Limit: 100})
	if err != nil {
		return nil, err
	}
	me := event.ViewOfAgent(p.Agent)
	if err := s.writeDirect(ctx, c, WelcomeFrame{
		Type: TypeWelcome, ID: hello.ID, Protocol: ProtocolVersion, ConnID: c.id, Role: "agent",
		ServerTime: s.clock.Now().UnixMilli(), Agent: &me, Conversations: append(active, closed...),
	}); err != nil {
		return nil, err
	}
	online, err := s.visitors.Online(ctx, c.workspaceID)
	if err != nil {
		return nil, err
	}
	agents, err := s.store.ListAgents(ctx, c.workspaceID)
	if err != nil {
		return nil, err
	}
	snap := SnapshotFrame{Type: TypeSnap, Visitors: make([]event.VisitorView, 0, len(online)), Agents: make([]event.AgentView, 0, len(agents))}
	for _, v := range online {
		snap.Visitors = append(snap.Visitors, event.VisitorView{Visitor: v, Connected: s.hub.visitorConnected(v.ID)})
	}
	for _, a := range agents {
		snap.Agents = append(snap.Agents, event.ViewOfAgent(a))
	}
	if err := s.writeDirect(ctx, c, snap); err != nil {
		return nil, err
	}
	for convID, after := range hello.Resume {
		if err := s.replay(ctx, c, actor, convID, after); err != nil && !apperr.Is(err, apperr.NotFound) && !apperr.Is(err, apperr.Invalid) {
			return nil, err
		}
	}

	return func(ctx context.Context, c *conn, in Inbound) {
		switch in.Type {
		case TypeSend:
			s.send(ctx, c, actor, in)
		case TypeTyping:
			s.typing(ctx, c, actor, in)
		case TypeSync:
			s.sync(ctx, c, actor, in)
		case TypeAgentStatus:
			a, err := s.routing.SetStatus(ctx, c.workspaceID, c.agentID, in.Status)
			view := event.ViewOfAgent(a)
			s.reply(c, in.ID, AckFrame{Agent: &view}, err)
		case TypeVisitorGet:
			var (
				v     store.Visitor
				pages []store.PageView
				err   error = apperr.Invalidf("visitor_id", "required", "visitor_id is required")
			)
			if in.VisitorID != "" {
				v, pages, err = s.visitors.Get(ctx, c.workspaceID, in.VisitorID)
			}
			s.reply(c, in.ID, AckFrame{Visitor: &v, Pages: nonNil(pages)}, err)
		case TypeStatus:
			var until time.Time
			var err error
			if in.SnoozeUntil != "" {
				if until, err = time.Parse(time.RFC3339, in.SnoozeUntil); err != nil {
					s.reply(c, in.ID, AckFrame{}, apperr.Invalidf("snooze_until", "invalid_snooze_until", "snooze_until must be an RFC 3339 time"))
					return
				}
			}
			conv, err := s.chat.SetStatus(ctx, actor, in.ConversationID, in.Status, until)
			s.reply(c, in.ID, AckFrame{ConversationID: conv.ID, Conversation: &conv}, err)
		case TypeAssign:
			conv, err := s.chat.Assign(ctx, actor, in.ConversationID, in.AgentID)
			s.reply(c, in.ID, AckFrame{ConversationID: conv.ID, Conversation: &conv}, err)
		case TypeTransfer:
			conv, err := s.chat.Transfer(ctx, actor, in.ConversationID, chat.TransferTarget{AgentID: in.AgentID, DepartmentID: in.DepartmentID, Note: in.Note})
			s.reply(c, in.ID, AckFrame{ConversationID: conv.ID, Conversation: &conv}, err)
		case TypeFlag:
			if in.Flagged == nil {
				s.reply(c, in.ID, AckFrame{}, apperr.Invalidf("flagged", "required", "flagged is required"))
				return
			}
			conv, err := s.chat.SetFlag(ctx, actor, in.ConversationID, *in.Flagged)
			s.reply(c, in.ID, AckFrame{ConversationID: conv.ID, Conversation: &conv}, err)
		case TypeWrapup:
			conv, err := s.chat.Wrapup(ctx, actor, in.ConversationID, in.Notes, in.Tags)
			s.reply(c, in.ID, AckFrame{ConversationID: conv.ID, Conversation: &conv}, err)
		case TypeConversations:
			f := store.ConversationFilter{AssigneeID: in.AssigneeID, ClosedByAgentID: in.ClosedBy}
			if in.Status != "" {
				f.Statuses = []string{in.Status}
			}
			f.Limit = in.Limit
			convs, err := s.chat.List(ctx, actor, f)
			s.reply(c, in.ID, AckFrame{Conversations: nonNil(convs)}, err)
		default:
			s.reply(c, in.ID, AckFrame{}, unknownType(in))
		}
	}, nil
}
