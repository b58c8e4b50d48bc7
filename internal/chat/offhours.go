package chat

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/event"
	"github.com/querytel/livedesk/internal/offhours"
	"github.com/querytel/livedesk/internal/site"
	"github.com/querytel/livedesk/internal/store"
	"github.com/querytel/livedesk/internal/workspace"
)

// The out-of-hours flow and the no-agent rule (issue 12; the rules of a
// session are in package offhours, the lifecycle in docs/lifecycle.md).
//
// A visitor message that no agent holds is answered here, after it is
// stored: when the site is closed (site.OpenAt) or a session is under
// way, offhours.Rules decide the replies, and store.Hold stores them with
// the session's new state in one transaction whose condition is that the
// session has not answered this message's seq yet. A retry of the same
// message (same client_msg_id) comes back here and finds it answered, or
// answers it if the first attempt stopped between the two commits.

// noAgentGrace is how long a visitor waits when no agent who could take
// the chat is online before the chat becomes a ticket: a desk that is
// reloading, or an agent whose network blinked, is back well within it.
const noAgentGrace = time.Minute

// answerVisitor runs the out-of-hours flow for a visitor's message (res)
// in a conversation that had no assignee when it was stored, or for a
// retry of one. The common case, a site that is open and no session under
// way, costs a cached site read and nothing else: for a retry too (a
// reconnect storm retries thousands), since the store reports the chat's
// phase as it is now, and a chat with no session under way on an open
// site is owed nothing, whatever happened to the first attempt.
func (s *Service) answerVisitor(ctx context.Context, a auth.Actor, res store.Appended) error {
	m, now := res.Message, s.clock.Now()
	if res.Offhours != store.OffhoursAsked && res.Offhours != store.OffhoursLeaving {
		st, err := s.site(ctx, m.WorkspaceID, a.SiteID)
		if err != nil {
			return err
		}
		if site.OpenAt(st.BusinessHours, now) {
			hours, err := s.departmentHours(ctx, m.WorkspaceID)
			if err != nil {
				return err
			}
			if len(hours) == 0 {
				return nil // open: the live queue and the no-agent rule take it
			}
			// A department may be closed within the site's hours: the
			// conversation, read below, says which department.
		}
	}
	// The session answers the visitor's messages one by one, in seq
	// order, each step conditioned on the state it was computed from (the
	// phase and the last seq answered): two tabs, or two nodes, writing at
	// once never answer out of order or from a stale phase. A step that
	// finds the state moved reads it again.
	for range maxSteps {
		c, err := s.store.GetConversation(ctx, m.WorkspaceID, m.ConversationID)
		if err != nil {
			return err
		}
		if c.AssigneeID != "" || c.Status != store.StatusOpen || c.OffhoursSeq >= m.Seq {
			return nil
		}
		next, err := s.nextVisitorMessage(ctx, c, m)
		if err != nil {
			return err
		}
		st, err := s.site(ctx, c.WorkspaceID, c.SiteID)
		if err != nil {
			return err
		}
		sess := session(c)
		if !active(sess, now) {
			if open, err := s.open(ctx, st, c.DepartmentID, now); err != nil || open {
				return err
			}
		}
		set, err := s.settings(ctx, c.WorkspaceID)
		if err != nil {
			return err
		}
		fired, err := s.hold(ctx, c, offhoursStep(c, next, rules(st, set).Message(sess, next.Body, now), ownWords(st)))
		if err != nil {
			return err
		}
		if fired && next.Seq >= m.Seq {
			return nil
		}
	}
	return fmt.Errorf("chat: out-of-hours answer to %s: %w", m.ID, store.ErrStale)
}

// open reports whether chats of site st in department deptID are served
// at now: the site is open and, when the department has hours of its
// own, so is the department (its hours narrow the site's).
func (s *Service) open(ctx context.Context, st store.Site, deptID string, now time.Time) (bool, error) {
	if !site.OpenAt(st.BusinessHours, now) {
		return false, nil
	}
	if deptID == "" {
		return true, nil
	}
	hours, err := s.departmentHours(ctx, st.WorkspaceID)
	if err != nil {
		return false, err
	}
	h, own := hours[deptID]
	return !own || site.OpenAt(h, now), nil
}

// Closed reports whether a new chat on site st would find it closed (its
// hours, or those of its default department): the widget's welcome says
// so, and may ask for an e-mail address first.
func (s *Service) Closed(ctx context.Context, st store.Site) bool {
	open, err := s.open(ctx, st, st.DefaultDepartmentID, s.clock.Now())
	return err == nil && !open
}

// maxSteps bounds one call's out-of-hours steps: the messages it answers
// before its own, and the tries after another writer moved the session.
const maxSteps = 20

// nextVisitorMessage is the conversation's first visitor message that the
// session has not answered, up to m (m itself when it is the first).
func (s *Service) nextVisitorMessage(ctx context.Context, c store.Conversation, m store.Message) (store.Message, error) {
	if c.OffhoursSeq >= m.Seq-1 {
		return m, nil
	}
	msgs, err := s.store.ListMessages(ctx, c.WorkspaceID, c.ID, c.OffhoursSeq, m.Seq, maxSteps)
	if err != nil {
		return store.Message{}, err
	}
	for _, x := range msgs {
		if x.AuthorType == store.AuthorVisitor && x.Kind == store.KindText {
			return x, nil
		}
	}
	return m, nil
}

// ownWords are the out-of-hours texts the site wrote itself (in its own
// language): a widget shows those as written, the others in the
// visitor's language.
func ownWords(st store.Site) map[string]bool {
	return map[string]bool{"closed": st.BusinessHours.ClosedMessage != "", "question": st.BusinessHours.Question != ""}
}

// offhoursStep is the Hold that stores step, the session's answer to
// visitor message v of c. Each reply's meta names its text (and whether
// it is the site's own words), so a widget can show it in the visitor's
// language.
func offhoursStep(c store.Conversation, v store.Message, step offhours.Step, own map[string]bool) store.Hold {
	phase, seq := c.Offhours, c.OffhoursSeq
	h := store.Hold{AfterSeq: v.Seq, FromPhase: &phase, FromSeq: &seq, SetPhase: string(step.Session.Phase)}
	if !step.Session.Due.IsZero() {
		h.Due = &step.Session.Due
	}
	for i, text := range step.Replies {
		meta := map[string]any{"event": "offhours"}
		if i < len(step.Keys) {
			meta["text"] = step.Keys[i]
			if own[step.Keys[i]] {
				meta["custom"] = true
			}
		}
		h.Replies = append(h.Replies, store.Message{Kind: store.KindText, AuthorType: store.AuthorSystem, Body: text,
			ClientMsgID: fmt.Sprintf("offhours-%d-%d", v.Seq, i), Meta: meta})
	}
	if step.Open {
		h.Ticket, h.TicketEvent = store.TicketOutOfHours, ticketEvent
	}
	if step.Keep {
		h.Subject = subjectOf(v.Body)
	}
	if step.Ended && c.TicketID == "" {
		// NO, or "//end" before YES: nothing to keep, the chat ends. After
		// YES the conversation stays with its ticket for the answer.
		h.Close = systemEvent("The chat ended", false, map[string]any{"event": "status", "status": "closed", "by": "system", "reason": "offhours_declined"})
	}
	return h
}

// hold stores h and announces what changed. fired is false when the
// conversation had moved on (answered already, taken, or another node
// got there first).
func (s *Service) hold(ctx context.Context, c store.Conversation, h store.Hold) (fired bool, err error) {
	held, err := s.store.Hold(ctx, c.WorkspaceID, c.ID, h, s.clock.Now())
	if errors.Is(err, store.ErrStale) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	for _, ev := range held.Events {
		s.publishMessage(ctx, held.Conversation.VisitorID, held.Conversation.AssigneeID, ev)
	}
	s.publishConversation(ctx, held.Conversation)
	if held.Ticket != nil {
		s.publishTicket(ctx, *held.Ticket)
	}
	return true, nil
}

// TicketChanged tells every desk of a ticket's new state (the mail
// service's changes go through it).
func (s *Service) TicketChanged(ctx context.Context, t store.Ticket) { s.publishTicket(ctx, t) }

func (s *Service) publishTicket(ctx context.Context, t store.Ticket) {
	s.pub.Publish(ctx, t.WorkspaceID, "", event.Desk, event.TicketFrame{Type: event.TypeTicket, Ticket: t})
	if t.Public {
		s.tellRequester(ctx, t)
	}
}

// tellRequester sends a ticket's requester what it may see of the ticket:
// its subject and stage, or that it is withdrawn. The requester is the
// ticket's visitor and, when the site vouched for its contact (an
// external id), every visitor of that contact: the browsers that show the
// ticket at their next hello (PublicTickets) follow it live too.
func (s *Service) tellRequester(ctx context.Context, t store.Ticket) {
	frame := event.PublicTicketFrame{Type: event.TypePublicTicket, Ticket: store.PublicOf(t)}
	if t.VisitorID != "" {
		s.pub.Publish(ctx, t.WorkspaceID, t.VisitorID, event.Visitor, frame)
	}
	if t.ContactID == "" {
		return
	}
	if c, err := s.store.GetContact(ctx, t.WorkspaceID, t.ContactID); err != nil || c.ExternalID == "" {
		return // an unknown or merely claimed contact: its other browsers are not the requester's
	}
	ids, err := s.store.VisitorsOfContact(ctx, t.WorkspaceID, t.ContactID)
	if err != nil {
		return // the next hello shows it
	}
	for _, id := range ids {
		if id != t.VisitorID {
			s.pub.Publish(ctx, t.WorkspaceID, id, event.Visitor, frame)
		}
	}
}

// PublicTickets lists the tickets a visitor follows in the widget (the
// welcome's): public ones of its own or its vouched-for contact's.
func (s *Service) PublicTickets(ctx context.Context, v store.Visitor) ([]store.PublicTicket, error) {
	return s.store.PublicTicketsOf(ctx, v.WorkspaceID, v.ID, v.ContactID, 20)
}

// ticketEvent is the private line a conversation gets when it becomes a
// ticket.
func ticketEvent(t store.Ticket, merged bool) *store.Message {
	body := "The chat became a ticket"
	if merged {
		body = "The chat was added to the visitor's open ticket"
	}
	if t.Reason == store.TicketNoAgent && !merged {
		body = "No agent took the chat: it became a ticket"
	}
	return systemEvent(body, true, map[string]any{"event": "ticket", "ticket_id": t.ID, "reason": t.Reason, "merged": merged})
}

func session(c store.Conversation) offhours.Session {
	sess := offhours.Session{Phase: offhours.Phase(c.Offhours)}
	if c.OffhoursDue != nil {
		sess.Due = *c.OffhoursDue
	}
	return sess
}

// active: a session is asked or leaving and its time is not up.
func active(sess offhours.Session, now time.Time) bool {
	return (sess.Phase == offhours.Asked || sess.Phase == offhours.Leaving) && now.Before(sess.Due)
}

func rules(st store.Site, set store.Settings) offhours.Rules {
	quiet := time.Duration(set.InactivityCloseMinutes) * time.Minute
	if quiet <= 0 {
		quiet = time.Duration(workspace.Defaults.InactivityCloseMinutes) * time.Minute
	}
	texts := offhours.Texts{Closed: st.BusinessHours.ClosedMessage, Question: st.BusinessHours.Question}.Or(offhours.DefaultTexts)
	return offhours.Rules{Texts: texts, Quiet: quiet}
}

// subjectLen bounds a ticket's subject, taken from the visitor's first
// message for it.
const subjectLen = 140

func subjectOf(text string) string {
	r := []rune(text)
	if len(r) > subjectLen {
		return string(r[:subjectLen-1]) + "…"
	}
	return text
}

// endSessions ends the out-of-hours sessions whose time is up: a visitor
// who never answered the question has the chat closed; one who said YES
// keeps the ticket, and the conversation waits with it.
func (s *Service) endSessions(ctx context.Context, due []store.Conversation, now time.Time) int {
	n := 0
	for _, c := range due {
		if _, ok := (offhours.Rules{}).Tick(session(c), now); !ok {
			continue
		}
		h := store.Hold{Phase: c.Offhours, DueBy: now, SetPhase: string(offhours.Ended)}
		if c.TicketID == "" {
			h.Close = systemEvent("Closed: no answer to the out-of-hours question", false,
				map[string]any{"event": "status", "status": "closed", "by": "system", "reason": "offhours_no_answer"})
		}
		if fired, _ := s.hold(ctx, c, h); fired {
			n++
		}
	}
	return n
}

// ticketUnattended turns into tickets the chats (candidates: the visitor
// has waited noAgentGrace) whose visitor has waited since before cut, or
// that no online agent could take. The condition that the visitor still
// waits since the same moment makes each fire once, and not after an
// agent's answer.
func (s *Service) ticketUnattended(ctx context.Context, due []store.Conversation, cut time.Time) int {
	n := 0
	online := map[string]bool{}
	for _, c := range due {
		if c.AwaitingReplySince == nil {
			continue
		}
		if !c.AwaitingReplySince.Before(cut) {
			// Within the wait: only when nobody could take it.
			on, seen := online[c.DepartmentID]
			if !seen {
				var err error
				if on, err = s.store.AgentsOnline(ctx, c.WorkspaceID, c.DepartmentID); err != nil {
					continue
				}
				online[c.DepartmentID] = on
			}
			if on {
				continue
			}
		}
		none := ""
		h := store.Hold{Unheld: true, TicketIs: &none, AwaitingBefore: c.AwaitingReplySince.Add(time.Millisecond), Ticket: store.TicketNoAgent, TicketEvent: ticketEvent,
			Subject: subjectOf(c.LastMessage), Replies: []store.Message{{Kind: store.KindText, AuthorType: store.AuthorSystem,
				Body: noAgentText, ClientMsgID: fmt.Sprintf("ticket-%d", c.LastSeq), Meta: map[string]any{"event": "ticket_notice"}}}}
		if fired, _ := s.hold(ctx, c, h); fired {
			n++
		}
	}
	return n
}

// noAgentText tells a visitor whose chat became a ticket what happens
// next.
const noAgentText = "All our agents are busy right now. We have your message and will answer here as soon as we can: you can close this window, the answer will be waiting for you."
