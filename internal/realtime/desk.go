package realtime

import (
	"context"
	"time"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/chat"
	"github.com/querytel/livedesk/internal/event"
	"github.com/querytel/livedesk/internal/guard"
	"github.com/querytel/livedesk/internal/store"
)

// deskCommands are the commands an agent's desk may send after hello.
var deskCommands = newTable(
	on(TypeSend, (*Server).send),
	on(TypeTyping, (*Server).typing),
	on(TypeSync, (*Server).sync),
	on(TypeAgentStatus, (*Server).agentStatus),
	on(TypeVisitorGet, (*Server).visitorGet),
	on(TypeStatus, (*Server).setStatus),
	on(TypeAssign, (*Server).assign),
	on(TypeTransfer, (*Server).transfer),
	on(TypeFlag, (*Server).flag),
	on(TypeWrapup, (*Server).wrapup),
	on(TypeConversations, (*Server).deskConversations),
	on(TypeView, (*Server).view),
	on(TypeWatch, (*Server).watch),
	on(TypeSeenCmd, (*Server).seen),
	on(TypeDeliveredCmd, (*Server).delivered),
	on(TypeInvite, (*Server).invite),
	on(TypeComment, (*Server).comment),
	on(TypeCommentEdit, (*Server).commentEdit),
	on(TypeCommentDelete, (*Server).commentDelete),
)

func (s *Server) comment(ctx context.Context, c *conn, r *CommentRequest) (AckFrame, error) {
	m, dup, err := s.chat.Comment(ctx, c.who(), r.ConversationID, r.ClientMsgID, r.Text, r.Mentions)
	return AckFrame{ConversationID: m.ConversationID, Seq: m.Seq, Duplicate: dup, Message: &m}, err
}

func (s *Server) commentEdit(ctx context.Context, c *conn, r *CommentEditRequest) (AckFrame, error) {
	m, err := s.chat.ReviseComment(ctx, c.who(), r.ConversationID, r.MessageID, r.Text, false)
	return AckFrame{ConversationID: m.ConversationID, Message: &m}, err
}

func (s *Server) commentDelete(ctx context.Context, c *conn, r *CommentDeleteRequest) (AckFrame, error) {
	m, err := s.chat.ReviseComment(ctx, c.who(), r.ConversationID, r.MessageID, "", true)
	return AckFrame{ConversationID: m.ConversationID, Message: &m}, err
}

func messageFrame(m store.Message) event.MessageFrame {
	return event.MessageFrame{Type: event.TypeMessage, Message: m}
}

// helloDesk subscribes an agent's connection to its workspace and writes
// the welcome (with the conversation list and the agent's permissions),
// the snapshot of visitors and agents, and the replay of every
// conversation named in resume.
func (s *Server) helloDesk(ctx context.Context, c *conn, p auth.Principal, hello HelloRequest, id string) error {
	if err := checkResume(hello.Resume, MaxResumeDesk); err != nil {
		return err
	}
	c.actor, c.agentID = p.Actor(), p.Agent.ID
	s.hub.register(c)
	// A desk is open: an agent who was away is back (announced to every
	// desk, offered waiting chats when online).
	if err := s.team.DeskSeen(ctx, p.Agent.WorkspaceID, p.Agent.ID); err != nil {
		return err
	}
	p.Agent.Away = false
	convs, err := s.chat.Welcome(ctx, c.who())
	if err != nil {
		return err
	}
	seen, err := s.chat.ReadMarkers(ctx, c.who(), convs)
	if err != nil {
		return err
	}
	me := event.ViewOfAgent(p.Agent)
	welcome := WelcomeFrame{
		Type: TypeWelcome, ID: id, Protocol: ProtocolVersion, ConnID: c.id, Role: "agent",
		ServerTime: s.clock.Now().UnixMilli(), Agent: &me, Permissions: c.who().Permissions(), Conversations: convs,
		Seen: seen,
	}
	if s.inbox != nil {
		unread, seq, err := s.inbox.State(ctx, c.who())
		if err != nil {
			return err
		}
		if welcome.Tagged, err = s.inbox.Tagged(ctx, c.who()); err != nil {
			return err
		}
		welcome.Inbox = &InboxState{Unread: unread, Seq: seq}
	}
	if welcome.Files, err = s.filePolicy(ctx, c.who().WorkspaceID); err != nil {
		return err
	}
	if err := s.writeDirect(ctx, c, welcome); err != nil {
		return err
	}
	if err := s.writeSnapshot(ctx, c); err != nil {
		return err
	}
	for convID, after := range hello.Resume {
		if err := s.replay(ctx, c, convID, after); err != nil && !apperr.Is(err, apperr.NotFound) && !apperr.Is(err, apperr.Invalid) {
			return err
		}
	}
	c.commands = deskCommands
	return nil
}

// writeSnapshot writes the desk's initial lists: online visitors (with
// whether this node holds a socket of theirs) and the workspace's agents.
func (s *Server) writeSnapshot(ctx context.Context, c *conn) error {
	online, err := s.visitors.Online(ctx, c.who().WorkspaceID)
	if err != nil {
		return err
	}
	agents, err := s.team.ListAgents(ctx, c.who())
	if err != nil {
		return err
	}
	snap := SnapshotFrame{Type: TypeSnap, Visitors: make([]event.VisitorView, 0, len(online)), Agents: make([]event.AgentView, 0, len(agents))}
	for _, v := range online {
		snap.Visitors = append(snap.Visitors, event.VisitorView{Visitor: v, Connected: s.hub.visitorConnected(v.ID)})
	}
	for _, a := range agents {
		snap.Agents = append(snap.Agents, event.ViewOfAgent(a))
	}
	return s.writeDirect(ctx, c, snap)
}

// replay writes a conversation's events after seq directly, in pages,
// before the writer starts.
func (s *Server) replay(ctx context.Context, c *conn, conversationID string, after int64) error {
	for {
		page, err := s.chat.History(ctx, c.who(), conversationID, after, 0, chat.MaxHistoryPage)
		if err != nil {
			return err
		}
		for _, m := range page.Messages {
			if err := s.writeDirect(ctx, c, messageFrame(m)); err != nil {
				return err
			}
			after = m.Seq
		}
		if !page.More {
			return nil
		}
	}
}

func (s *Server) agentStatus(ctx context.Context, c *conn, r *AgentStatusRequest) (AckFrame, error) {
	a, err := s.team.SetStatus(ctx, c.who(), r.Status)
	view := event.ViewOfAgent(a)
	return AckFrame{Agent: &view}, err
}

func (s *Server) visitorGet(ctx context.Context, c *conn, r *VisitorGetRequest) (AckFrame, error) {
	if r.VisitorID == "" {
		return AckFrame{}, errRequired("visitor_id")
	}
	v, pages, err := s.visitors.Get(ctx, c.who().WorkspaceID, r.VisitorID)
	return AckFrame{Visitor: &v, Pages: nonNil(pages)}, err
}

// conversationAck is the ack of a command that changes a conversation.
func conversationAck(conv store.Conversation, err error) (AckFrame, error) {
	return AckFrame{ConversationID: conv.ID, Conversation: &conv}, err
}

func (s *Server) setStatus(ctx context.Context, c *conn, r *StatusRequest) (AckFrame, error) {
	var until time.Time
	if r.SnoozeUntil != "" {
		var err error
		if until, err = time.Parse(time.RFC3339, r.SnoozeUntil); err != nil {
			return AckFrame{}, apperr.Invalidf("snooze_until", "invalid_snooze_until", "snooze_until must be an RFC 3339 time")
		}
	}
	return conversationAck(s.chat.SetStatus(ctx, c.who(), r.ConversationID, r.Status, until))
}

func (s *Server) assign(ctx context.Context, c *conn, r *AssignRequest) (AckFrame, error) {
	return conversationAck(s.chat.Assign(ctx, c.who(), r.ConversationID, r.AgentID))
}

func (s *Server) transfer(ctx context.Context, c *conn, r *TransferRequest) (AckFrame, error) {
	return conversationAck(s.chat.Transfer(ctx, c.who(), r.ConversationID,
		chat.TransferTarget{AgentID: r.AgentID, DepartmentID: r.DepartmentID, Note: r.Note}))
}

func (s *Server) flag(ctx context.Context, c *conn, r *FlagRequest) (AckFrame, error) {
	if r.Flagged == nil {
		return AckFrame{}, errRequired("flagged")
	}
	return conversationAck(s.chat.SetFlag(ctx, c.who(), r.ConversationID, *r.Flagged))
}

func (s *Server) wrapup(ctx context.Context, c *conn, r *WrapupRequest) (AckFrame, error) {
	return conversationAck(s.chat.Wrapup(ctx, c.who(), r.ConversationID, r.Notes, r.Tags))
}

func (s *Server) deskConversations(ctx context.Context, c *conn, r *DeskListRequest) (AckFrame, error) {
	f := store.ConversationFilter{AssigneeID: r.AssigneeID, ClosedByAgentID: r.ClosedBy, Query: r.Query, Limit: r.Limit}
	if r.Status != "" {
		f.Statuses = []string{r.Status}
	}
	convs, err := s.chat.ListPage(ctx, c.who(), f, r.BeforeID)
	return AckFrame{Conversations: nonNil(convs)}, err
}

func errRequired(field string) error {
	return apperr.Invalidf(field, "required", "%s is required", field)
}

// view tells every desk which conversation this desk shows. The desk's
// previous one, if another, is left; its socket's end leaves it too
// (hangUp), so a closed tab never keeps "Ana is viewing" up.
func (s *Server) view(ctx context.Context, c *conn, r *ViewRequest) (AckFrame, error) {
	if r.On == nil {
		return AckFrame{}, errRequired("on")
	}
	if r.ConversationID == "" {
		return AckFrame{}, errRequired("conversation_id")
	}
	if prev := c.viewing(); *r.On && prev != "" && prev != r.ConversationID {
		s.chat.Viewing(ctx, c.who(), prev, false) //nolint:errcheck // it may be gone; the desks expire it
		c.setViewing("")
	}
	if err := s.chat.Viewing(ctx, c.who(), r.ConversationID, *r.On); err != nil {
		return AckFrame{}, err
	}
	if *r.On {
		c.setViewing(r.ConversationID)
	} else if c.viewing() == r.ConversationID {
		c.setViewing("")
	}
	return AckFrame{}, nil
}

// watch narrows (scope "mine") or widens ("all") the conversation events
// this desk receives (WatchRequest). Widening answers with the
// conversation list the welcome carries, read after the switch: what the
// desk did not follow meanwhile (others' previews, last seqs) is in it.
func (s *Server) watch(ctx context.Context, c *conn, r *WatchRequest) (AckFrame, error) {
	switch r.Scope {
	case WatchMine:
		c.mine.Store(true)
		return AckFrame{}, nil
	case WatchAll:
		if !c.mine.Swap(false) {
			return AckFrame{}, nil
		}
		convs, err := s.chat.Welcome(ctx, c.who())
		if err != nil {
			c.mine.Store(true) // refused: the desk still follows its own, and may ask again
			return AckFrame{}, err
		}
		return AckFrame{Conversations: nonNil(convs)}, nil
	case "":
		return AckFrame{}, errRequired("scope")
	}
	return AckFrame{}, apperr.Invalidf("scope", "invalid_scope", "scope is all or mine")
}

// seen records how far a side has had a conversation on screen
// (chat.Seen): an agent's read marker, which its other desks are told of
// so green and blue dots agree, and the seen states both sides show.
func (s *Server) seen(ctx context.Context, c *conn, r *SeenRequest) (AckFrame, error) {
	return AckFrame{}, s.receipt(ctx, c, r, s.chat.Seen)
}

// delivered records how far a side's device has received a conversation
// (chat.Delivered): the delivered states both sides show.
func (s *Server) delivered(ctx context.Context, c *conn, r *SeenRequest) (AckFrame, error) {
	return AckFrame{}, s.receipt(ctx, c, r, s.chat.Delivered)
}

// receipt checks a seen or delivered report and hands it to mark; a
// widget's count against its read limits.
func (s *Server) receipt(ctx context.Context, c *conn, r *SeenRequest, mark func(context.Context, auth.Actor, string, int64) error) error {
	who := c.who()
	if who.IsVisitor() {
		if err := s.guard.Allow(guard.Read, c.ip, who.SiteID); err != nil {
			return err
		}
	}
	if r.ConversationID == "" {
		return errRequired("conversation_id")
	}
	return mark(ctx, who, r.ConversationID, r.Seq)
}

// invite starts a chat with a browsing visitor; the ack carries the
// conversation and the first message (as message.send's would).
func (s *Server) invite(ctx context.Context, c *conn, r *InviteRequest) (AckFrame, error) {
	conv, m, dup, err := s.chat.Invite(ctx, c.who(), r.VisitorID, r.ClientMsgID, r.Text)
	if err != nil {
		return AckFrame{}, err
	}
	return AckFrame{ConversationID: conv.ID, Conversation: &conv, Seq: m.Seq, Duplicate: dup, Message: &m}, nil
}
