package realtime

import (
	"context"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/broadcast"

	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/chat"
	"github.com/querytel/livedesk/internal/guard"
	"github.com/querytel/livedesk/internal/store"
	"github.com/querytel/livedesk/internal/visitor"
)

// widgetCommands are the commands a visitor's widget may send after hello.
var widgetCommands = newTable(
	on(TypeHeartbeat, (*Server).heartbeat),
	on(TypeStart, (*Server).start),
	on(TypeSend, (*Server).send),
	on(TypeTyping, (*Server).typing),
	on(TypeSync, (*Server).sync),
	on(TypeContextSet, (*Server).setContext),
	on(TypeClose, (*Server).closeByVisitor),
	on(TypeRate, (*Server).rate),
	on(TypeIdentify, (*Server).identify),
	on(TypeConversations, (*Server).visitorConversations),
	on(TypeSeenCmd, (*Server).seen),
	on(TypeDeliveredCmd, (*Server).delivered),
	on(TypeBroadcasts, (*Server).broadcasts),
	on(TypeBroadcastEvt, (*Server).broadcastEvent),
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
func (s *Server) helloWidget(ctx context.Context, c *conn, st store.Site, hello HelloRequest, id string) (err error) {
	if err := checkResume(hello.Resume, MaxResumeVisitor); err != nil {
		return err
	}
	// One block check per hello (a storm resumes thousands at once), and
	// before anything is written: a new visitor's address before its row
	// is made (and before it spends the site's budget for new visitors), a
	// returning visitor by itself, its address and its contact. Identify
	// may link a contact below: that one is checked then.
	var checked string // the contact the check saw
	v, token, err := s.visitors.Session(ctx, st, hello.Token, c.ip, func() error {
		if s.blocks != nil {
			if err := s.blocks.CheckAddress(ctx, st.WorkspaceID, c.ip); err != nil {
				return err
			}
		}
		return s.guard.Allow(guard.Visitor, c.ip, st.ID)
	}, func(v store.Visitor) error {
		checked = v.ContactID
		if s.blocks == nil {
			return nil
		}
		return s.blocks.Check(ctx, v, c.ip)
	})
	if err != nil {
		return err
	}
	if id := hello.Identify; id != nil && id.Hash != "" && s.guard.Allow(guard.Update, c.ip, st.ID) == nil {
		// A failed identity here leaves the visitor as it was: the widget
		// sends identify again after the welcome, which reports the error.
		if res, err := s.visitors.Identify(ctx, v, visitor.Identity{ExternalID: id.ExternalID, Name: id.Name, Email: id.Email, Hash: id.Hash}); err == nil {
			v = res.Visitor
			if res.Token != "" {
				token = res.Token // another person: a new visitor, a new token
			}
		}
	}
	if s.blocks != nil && v.ContactID != checked {
		if err := s.blocks.Check(ctx, v, c.ip); err != nil {
			return err
		}
	}
	c.actor = auth.Actor{WorkspaceID: v.WorkspaceID, VisitorID: v.ID, SiteID: v.SiteID, Name: v.Name}
	s.hub.register(c)
	defer func() {
		if err != nil {
			s.hub.unregister(c) // serve unregisters only connections that said hello
		}
	}()
	convs, err := s.chat.Welcome(ctx, c.who())
	if err != nil {
		return err
	}
	files, err := s.filePolicy(ctx, st.WorkspaceID)
	if err != nil {
		return err
	}
	tickets, err := s.chat.PublicTickets(ctx, v)
	if err != nil {
		return err
	}
	if err = s.writeWelcomeResume(ctx, c, WelcomeFrame{
		Type: TypeWelcome, ID: id, Protocol: ProtocolVersion, ConnID: c.id, Role: "visitor",
		HeartbeatMS: s.opts.HeartbeatMS, ServerTime: s.clock.Now().UnixMilli(), Token: token, Visitor: ptr(visitor.Own(v)),
		Site: &SiteView{ID: st.ID, Name: st.Name, Look: st.Look, Closed: s.chat.Closed(ctx, st),
			AskContact: st.BusinessHours.AskContact}, Conversations: convs, Files: files, Tickets: tickets,
	}, hello.Resume); err != nil {
		return err
	}
	c.commands = widgetCommands
	s.visitors.Connection(ctx, v, true)
	return nil
}

// The visitor is re-read for commands that depend on its current identity
// or context: another tab may have changed it.

func (s *Server) heartbeat(ctx context.Context, c *conn, r *HeartbeatRequest) (AckFrame, error) {
	if err := s.guard.Allow(guard.Heartbeat, c.ip, c.who().SiteID); err != nil {
		return AckFrame{}, err
	}
	page := visitor.Page{URL: r.URL, Title: r.Title, Referrer: r.Referrer}
	if s.visitors.Quiet(c.beat, page) {
		return AckFrame{}, nil // nothing to store: the common idle heartbeat costs no database
	}
	v, err := s.visitors.Current(ctx, c.who())
	if err == nil {
		_, c.beat, err = s.visitors.Heartbeat(ctx, v, page, true)
	}
	return AckFrame{}, err
}

func (s *Server) start(ctx context.Context, c *conn, r *StartRequest) (AckFrame, error) {
	if err := s.guard.Allow(guard.Start, c.ip, c.who().SiteID); err != nil {
		return AckFrame{}, err
	}
	if r.BroadcastID == "" || s.casts == nil {
		return conversationAck(s.chat.Start(ctx, c.who(), r.DepartmentID))
	}
	// A reply to a chat message broadcast opens with its text. One the
	// visitor was not shown (withdrawn meanwhile, or a forged id) starts a
	// plain chat: the visitor's message is never held back for it.
	opening, err := s.casts.Opening(ctx, c.who(), r.BroadcastID)
	if apperr.Is(err, apperr.NotFound) {
		return conversationAck(s.chat.Start(ctx, c.who(), r.DepartmentID))
	}
	if err != nil {
		return AckFrame{}, err
	}
	conv, created, err := s.chat.StartWith(ctx, c.who(), r.DepartmentID, opening)
	if err == nil && created {
		if err := s.casts.Replied(ctx, c.who(), r.BroadcastID, conv.ID); err != nil {
			s.log.Warn("realtime: count a broadcast's reply", "err", err)
		}
	}
	return conversationAck(conv, err)
}

// broadcasts answers what the widget's page view shows now.
func (s *Server) broadcasts(ctx context.Context, c *conn, r *BroadcastsRequest) (AckFrame, error) {
	if err := s.guard.Allow(guard.Read, c.ip, c.who().SiteID); err != nil {
		return AckFrame{}, err
	}
	if s.casts == nil {
		return AckFrame{Broadcasts: []broadcast.View{}}, nil
	}
	list, err := s.casts.Sync(ctx, c.who(), *r)
	if err == nil {
		c.setPage(r.URL)
	}
	return AckFrame{Broadcasts: nonNil(list)}, err
}

func (s *Server) broadcastEvent(ctx context.Context, c *conn, r *BroadcastEventRequest) (AckFrame, error) {
	if err := s.guard.Allow(guard.Update, c.ip, c.who().SiteID); err != nil {
		return AckFrame{}, err
	}
	if s.casts == nil {
		return AckFrame{}, broadcast.ErrNotFound
	}
	return AckFrame{}, s.casts.Event(ctx, c.who(), r.BroadcastID, r.Event)
}

// visitorToChange reads the visitor as it is now, for a command that
// stores something of it (budgeted as an update; refused while the disk
// is short).
func (s *Server) visitorToChange(ctx context.Context, c *conn) (store.Visitor, error) {
	if err := s.guard.Allow(guard.Update, c.ip, c.who().SiteID); err != nil {
		return store.Visitor{}, err
	}
	return s.visitors.Current(ctx, c.who())
}

func (s *Server) setContext(ctx context.Context, c *conn, r *ContextSetRequest) (AckFrame, error) {
	v, err := s.visitorToChange(ctx, c)
	if err != nil {
		return AckFrame{}, err
	}
	data, err := s.visitors.SetContext(ctx, v, r.Data)
	return AckFrame{Context: data}, err
}

func (s *Server) closeByVisitor(ctx context.Context, c *conn, r *ConversationRequest) (AckFrame, error) {
	return conversationAck(s.chat.CloseByVisitor(ctx, c.who(), r.ConversationID))
}

func (s *Server) rate(ctx context.Context, c *conn, r *RateRequest) (AckFrame, error) {
	if err := s.guard.Allow(guard.Update, c.ip, c.who().SiteID); err != nil {
		return AckFrame{}, err
	}
	return conversationAck(s.chat.Rate(ctx, c.who(), r.ConversationID, r.Rating, r.Comment))
}

func (s *Server) identify(ctx context.Context, c *conn, r *IdentifyRequest) (AckFrame, error) {
	v, err := s.visitorToChange(ctx, c)
	if err != nil {
		return AckFrame{}, err
	}
	res, err := s.visitors.Identify(ctx, v, visitor.Identity{ExternalID: r.ExternalID, Name: r.Name, Email: r.Email, Hash: r.Hash})
	if err != nil {
		return AckFrame{}, err
	}
	if s.blocks != nil {
		// A blocked contact may have come in as a fresh anonymous visitor.
		if err := s.blocks.Check(ctx, res.Visitor, c.ip); err != nil {
			c.closeAfterReply(CloseBlocked, "blocked")
			return AckFrame{}, err
		}
	}
	res.Visitor = visitor.Own(res.Visitor)
	if res.Token != "" {
		// Another person on this browser: the ack hands over the new
		// visitor's token, then the socket closes so that the widget says
		// hello again as that visitor (and never sees the previous
		// person's conversations on this connection).
		c.closeAfterReply(CloseVisitorReplaced, "another person signed in")
		return AckFrame{Visitor: &res.Visitor, Verified: &res.Verified, Token: res.Token}, nil
	}
	c.setName(res.Visitor.Name)
	return AckFrame{Visitor: &res.Visitor, Verified: &res.Verified}, nil
}

func (s *Server) visitorConversations(ctx context.Context, c *conn, _ *VisitorListRequest) (AckFrame, error) {
	if err := s.guard.Allow(guard.Read, c.ip, c.who().SiteID); err != nil {
		return AckFrame{}, err
	}
	convs, err := s.chat.List(ctx, c.who(), store.ConversationFilter{Limit: chat.VisitorListLimit})
	return AckFrame{Conversations: nonNil(convs)}, err
}

// Commands both roles send.

// send stores a message and acks it with its seq.
func (s *Server) send(ctx context.Context, c *conn, r *SendRequest) (AckFrame, error) {
	if c.who().IsVisitor() {
		if err := s.guard.Allow(guard.Message, c.ip, c.who().SiteID); err != nil {
			return AckFrame{}, err
		}
	}
	m, dup, err := s.chat.Send(ctx, c.who(), r.ConversationID, r.ClientMsgID, r.Text)
	return AckFrame{ConversationID: m.ConversationID, Seq: m.Seq, Duplicate: dup, Message: &m}, err
}

func (s *Server) typing(ctx context.Context, c *conn, r *TypingRequest) (AckFrame, error) {
	if c.who().IsVisitor() {
		if err := s.guard.Allow(guard.Typing, c.ip, c.who().SiteID); err != nil {
			return AckFrame{}, err
		}
	}
	if r.On == nil {
		return AckFrame{}, errRequired("on")
	}
	return AckFrame{}, s.chat.Typing(ctx, c.who(), r.ConversationID, *r.On)
}

// sync sends a page of a conversation's events in (after_seq, until_seq]
// as message frames, then an ack with the conversation's last seq and
// whether more remain (ask again from the last seq received).
func (s *Server) sync(ctx context.Context, c *conn, r *SyncRequest) (AckFrame, error) {
	if c.who().IsVisitor() {
		if err := s.guard.Allow(guard.Read, c.ip, c.who().SiteID); err != nil {
			return AckFrame{}, err
		}
	}
	page, err := s.chat.History(ctx, c.who(), r.ConversationID, r.AfterSeq, r.UntilSeq, r.Limit)
	if err != nil {
		return AckFrame{}, err
	}
	for i := range page.Messages {
		c.send(messageFrame(page.Messages[i]))
	}
	last := page.LastSeq()
	return AckFrame{ConversationID: page.Conversation.ID, LastSeq: &last, More: page.More}, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func ptr[T any](v T) *T { return &v }
