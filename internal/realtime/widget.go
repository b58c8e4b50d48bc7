package realtime

import (
	"context"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/chat"
	"github.com/querytel/livedesk/internal/store"
	"github.com/querytel/livedesk/internal/visitor"
)

// helloWidget resumes or creates the visitor session, subscribes the
// connection to the visitor's events, and writes the welcome and the
// replay of every conversation named in resume.
//
// The connection is registered with the hub before the conversation list
// is read: an event stored after that read is then queued live, and one
// stored before it is within the list's last_seq and replayed, so a
// conversation whose last_seq the client already holds needs no history
// read (see writeWelcomeResume).
func (s *Server) helloWidget(ctx context.Context, c *conn, st store.Site, hello Inbound) (_ handler, err error) {
	v, token, err := s.visitors.Session(ctx, st, hello.Token)
	if err != nil {
		return nil, err
	}
	c.workspaceID, c.visitorID, c.name = v.WorkspaceID, v.ID, v.Name
	actor := chat.Actor{WorkspaceID: v.WorkspaceID, VisitorID: v.ID, Name: v.Name}
	s.hub.register(c)
	defer func() {
		if err != nil {
			s.hub.unregister(c) // serve unregisters only connections that said hello
		}
	}()
	convs, err := s.chat.List(ctx, actor, store.ConversationFilter{Limit: 20})
	if err != nil {
		return nil, err
	}
	if err = s.writeWelcomeResume(ctx, c, actor, WelcomeFrame{
		Type: TypeWelcome, ID: hello.ID, Protocol: ProtocolVersion, ConnID: c.id, Role: "visitor",
		HeartbeatMS: s.opts.HeartbeatMS, ServerTime: s.clock.Now().UnixMilli(), Token: token, Visitor: &v,
		Site: &SiteView{ID: st.ID, Name: st.Name}, Conversations: convs,
	}, hello.Resume); err != nil {
		return nil, err
	}
	s.visitors.Connection(ctx, v, true)

	return func(ctx context.Context, c *conn, in Inbound) {
		// Re-read the visitor for commands that depend on its current
		// identity or context: another tab may have changed it.
		actor := chat.Actor{WorkspaceID: c.workspaceID, VisitorID: c.visitorID, Name: c.name}
		switch in.Type {
		case TypeHeartbeat:
			v, err := s.currentVisitor(ctx, c)
			if err == nil {
				_, err = s.visitors.Heartbeat(ctx, v, visitor.Page{URL: in.URL, Title: in.Title, Referrer: in.Referrer}, true)
			}
			s.reply(c, in.ID, AckFrame{}, err)
		case TypeStart:
			dept := in.DepartmentID
			if dept == "" {
				dept = st.DefaultDepartmentID
			}
			conv, err := s.chat.Start(ctx, actor, dept)
			s.reply(c, in.ID, AckFrame{ConversationID: conv.ID, Conversation: &conv}, err)
		case TypeSend:
			s.send(ctx, c, actor, in)
		case TypeTyping:
			s.typing(ctx, c, actor, in)
		case TypeSync:
			s.sync(ctx, c, actor, in)
		case TypeContextSet:
			v, err := s.currentVisitor(ctx, c)
			var data map[string]any
			if err == nil {
				data, err = s.visitors.SetContext(ctx, v, in.Data)
			}
			s.reply(c, in.ID, AckFrame{Context: data}, err)
		case TypeClose:
			conv, err := s.chat.CloseByVisitor(ctx, actor, in.ConversationID)
			s.reply(c, in.ID, AckFrame{ConversationID: conv.ID, Conversation: &conv}, err)
		case TypeIdentify:
			s.identify(ctx, c, st.ID, in)
		case TypeConversations:
			convs, err := s.chat.List(ctx, actor, store.ConversationFilter{Limit: 50})
			s.reply(c, in.ID, AckFrame{Conversations: nonNil(convs)}, err)
		default:
			s.reply(c, in.ID, AckFrame{}, unknownType(in))
		}
	}, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (s *Server) currentVisitor(ctx context.Context, c *conn) (store.Visitor, error) {
	return s.store.GetVisitor(ctx, c.workspaceID, c.visitorID)
}

func (s *Server) identify(ctx context.Context, c *conn, siteID string, in Inbound) {
	st, err := s.store.GetSite(ctx, c.workspaceID, siteID)
	if err != nil {
		s.reply(c, in.ID, AckFrame{}, err)
		return
	}
	v, err := s.currentVisitor(ctx, c)
	if err != nil {
		s.reply(c, in.ID, AckFrame{}, err)
		return
	}
	nv, verified, err := s.visitors.Identify(ctx, st, v, visitor.Identity{ExternalID: in.ExternalID, Name: in.Name, Email: in.Email, Hash: in.Hash})
	if err == nil {
		c.name = nv.Name
	}
	s.reply(c, in.ID, AckFrame{Visitor: &nv, Verified: &verified}, err)
}

// send stores a message and acks it with its seq (shared by both roles).
func (s *Server) send(ctx context.Context, c *conn, actor chat.Actor, in Inbound) {
	m, dup, err := s.chat.Send(ctx, actor, in.ConversationID, in.ClientMsgID, in.Text)
	s.reply(c, in.ID, AckFrame{ConversationID: m.ConversationID, Seq: m.Seq, Duplicate: dup, Message: &m}, err)
}

func (s *Server) typing(ctx context.Context, c *conn, actor chat.Actor, in Inbound) {
	if in.On == nil {
		s.reply(c, in.ID, AckFrame{}, apperr.Invalidf("on", "required", "on is required"))
		return
	}
	s.reply(c, in.ID, AckFrame{}, s.chat.Typing(ctx, actor, in.ConversationID, *in.On))
}

// sync sends the events of a conversation in (after_seq, until_seq] as
// message frames, then an ack with the conversation's last seq and whether
// more remain (ask again from the last seq received).
func (s *Server) sync(ctx context.Context, c *conn, actor chat.Actor, in Inbound) {
	limit := in.Limit
	if limit <= 0 || limit > 200 {
		limit = 200 // bounded so a sync never overflows the send queue
	}
	msgs, conv, err := s.chat.History(ctx, actor, in.ConversationID, in.AfterSeq, in.UntilSeq, limit)
	if err != nil {
		s.reply(c, in.ID, AckFrame{}, err)
		return
	}
	for i := range msgs {
		c.send(messageFrame(msgs[i]))
	}
	last := conv.LastSeq
	more := len(msgs) == limit && (len(msgs) == 0 || msgs[len(msgs)-1].Seq < last) &&
		(in.UntilSeq == 0 || msgs[len(msgs)-1].Seq < in.UntilSeq)
	s.reply(c, in.ID, AckFrame{ConversationID: conv.ID, LastSeq: &last, More: more}, nil)
}
