package chat

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/store"
)

// mayManage: the assignee, anyone on an unassigned chat, or a supervisor.
func mayManage(a auth.Actor, c store.Conversation) bool {
	return a.AgentID != "" && (a.Can(auth.ManageAnyConversation) || c.AssigneeID == "" || c.AssigneeID == a.AgentID)
}

// Assign gives a conversation to an agent: an agent picks up an unassigned
// one for itself; a supervisor assigns anyone, beyond their limit.
func (s *Service) Assign(ctx context.Context, a auth.Actor, id, agentID string) (store.Conversation, error) {
	if agentID == "" {
		agentID = a.AgentID
	}
	c, err := s.conversation(ctx, a, id)
	if err != nil {
		return store.Conversation{}, err
	}
	if a.AgentID == "" || (!a.Can(auth.ManageAnyConversation) && (agentID != a.AgentID || (c.AssigneeID != "" && c.AssigneeID != a.AgentID))) {
		return store.Conversation{}, ErrForbidden
	}
	if c.Status == store.StatusClosed {
		return store.Conversation{}, ErrConversationClosed
	}
	target, err := s.store.GetAgent(ctx, a.WorkspaceID, agentID)
	if err != nil {
		return store.Conversation{}, apperr.Invalidf("agent_id", "unknown_agent", "no such agent")
	}
	if !a.Can(auth.ManageAnyConversation) {
		if err := s.checkCapacity(ctx, target); err != nil {
			return store.Conversation{}, err
		}
	}
	prev := c.AssigneeID
	body := target.Name + " picked up the conversation"
	if agentID != a.AgentID {
		body = a.Name + " assigned the conversation to " + target.Name
	}
	nc, ev, err := s.store.Transition(ctx, a.WorkspaceID, id, store.Transition{
		Assignee: &prev, SetAssignee: &agentID,
		Event: agentEvent(a, body, false, map[string]any{"event": "assigned", "agent_id": agentID, "agent_name": target.Name, "reason": "manual"}),
	}, s.clock.Now())
	if errors.Is(err, store.ErrStale) {
		return store.Conversation{}, apperr.New(apperr.Conflict, "already_assigned", "someone else took the conversation first")
	}
	if err != nil {
		return store.Conversation{}, err
	}
	s.publish(ctx, nc, ev)
	s.closeEarlierTickets(ctx, nc, target.Name)
	if ev != nil {
		s.handedOver(ctx, a, store.InboxAssigned, agentID, "assigned:"+ev.ID, nc, nc.TicketID, body)
	}
	return nc, nil
}

func (s *Service) checkCapacity(ctx context.Context, ag store.Agent) error {
	if ag.Status == "offline" {
		return ErrAgentOffline
	}
	set, err := s.settings(ctx, ag.WorkspaceID)
	if err != nil {
		return err
	}
	limit := ag.MaxChats
	if limit <= 0 {
		limit = set.DefaultMaxChats
	}
	n, err := s.store.OpenChats(ctx, ag.WorkspaceID, ag.ID)
	if err != nil {
		return err
	}
	if n >= limit {
		return ErrAgentFull
	}
	return nil
}

// TransferTarget is where a conversation goes: an agent, or a department
// (then auto-assigned within it).
type TransferTarget struct {
	AgentID      string
	DepartmentID string
	Note         string
}

// MaxNote bounds a transfer note.
const MaxNote = 1000

// Transfer hands a conversation to another agent or a department, with an
// internal note recorded as a private event in its history. An agent
// transfers its own (or an unassigned) open chat to an agent with free
// capacity; a supervisor transfers any chat, whatever its status, beyond
// capacity.
func (s *Service) Transfer(ctx context.Context, a auth.Actor, id string, to TransferTarget) (store.Conversation, error) {
	if (to.AgentID == "") == (to.DepartmentID == "") {
		return store.Conversation{}, apperr.Invalidf("agent_id", "invalid_target", "give exactly one of agent_id and department_id")
	}
	to.Note = strings.TrimSpace(to.Note)
	if utf8.RuneCountInString(to.Note) > MaxNote || !utf8.ValidString(to.Note) {
		return store.Conversation{}, apperr.Invalidf("note", "invalid_note", "a note may have at most %d characters", MaxNote)
	}
	c, err := s.conversation(ctx, a, id)
	if err != nil {
		return store.Conversation{}, err
	}
	if !mayManage(a, c) {
		return store.Conversation{}, ErrForbidden
	}
	if !a.Can(auth.ManageAnyConversation) && c.Status != store.StatusOpen {
		return store.Conversation{}, ErrBadTransition
	}
	prev := c.AssigneeID
	meta := map[string]any{"event": "transfer", "from_agent_id": prev, "note": to.Note}
	tr := store.Transition{Assignee: &prev}
	var body string
	if to.AgentID != "" {
		target, err := s.store.GetAgent(ctx, a.WorkspaceID, to.AgentID)
		if err != nil {
			return store.Conversation{}, apperr.Invalidf("agent_id", "unknown_agent", "no such agent")
		}
		if !a.Can(auth.ManageAnyConversation) {
			if err := s.checkCapacity(ctx, target); err != nil {
				return store.Conversation{}, err
			}
		}
		tr.SetAssignee = &to.AgentID
		meta["to_agent_id"], meta["to_agent_name"] = target.ID, target.Name
		body = fmt.Sprintf("%s transferred the conversation to %s", a.Name, target.Name)
	} else {
		d, err := s.store.GetDepartment(ctx, a.WorkspaceID, to.DepartmentID)
		if err != nil {
			return store.Conversation{}, apperr.Invalidf("department_id", "unknown_department", "no such department")
		}
		none := ""
		tr.SetAssignee, tr.SetDepartmentID = &none, &to.DepartmentID
		meta["to_department_id"], meta["to_department_name"] = d.ID, d.Name
		body = fmt.Sprintf("%s transferred the conversation to %s", a.Name, d.Name)
	}
	if to.Note != "" {
		body += ": " + to.Note
	}
	tr.Event = agentEvent(a, body, true, meta)
	nc, ev, err := s.store.Transition(ctx, a.WorkspaceID, id, tr, s.clock.Now())
	if errors.Is(err, store.ErrStale) {
		return store.Conversation{}, apperr.New(apperr.Conflict, "already_assigned", "the conversation changed hands meanwhile; reload it")
	}
	if err != nil {
		return store.Conversation{}, err
	}
	s.publish(ctx, nc, ev)
	if ev != nil {
		s.handedOver(ctx, a, store.InboxTransferred, to.AgentID, "transferred:"+ev.ID, nc, nc.TicketID, body)
	}
	if nc.AssigneeID == "" && nc.Status == store.StatusOpen {
		if routed, err := s.route(ctx, nc); err == nil {
			nc = routed
		}
	} else if prev != "" {
		s.DrainQueue(ctx, a.WorkspaceID) // the previous agent has room again
	}
	return nc, nil
}

// errOutOfHours: route leaves a chat of a site that is closed now alone.
var errOutOfHours = errors.New("chat: the site is out of hours")

// route assigns an open, unassigned conversation automatically when an
// agent has capacity; otherwise it stays queued. ErrStale means someone
// assigned it meanwhile; errOutOfHours that its site is closed now.
func (s *Service) route(ctx context.Context, c store.Conversation) (store.Conversation, error) {
	if st, err := s.site(ctx, c.WorkspaceID, c.SiteID); err != nil {
		return c, err
	} else if open, err := s.open(ctx, st, c.DepartmentID, s.clock.Now()); err != nil {
		return c, err
	} else if !open {
		// Out of hours the visitor's first message starts the
		// out-of-hours flow; an agent may still take the chat by hand.
		return c, errOutOfHours
	}
	set, err := s.settings(ctx, c.WorkspaceID)
	if err != nil {
		return c, err
	}
	// A chat that came back to the queue after a reply timeout does not
	// go to an agent it was taken from during the same wait. Only a chat
	// whose visitor has waited a whole reply timeout can have been taken
	// from one: a new chat reads nothing more.
	var tried []string
	timeout := time.Duration(set.ReplyTimeoutSeconds) * time.Second
	if c.AwaitingReplySince != nil && timeout > 0 && !s.clock.Now().Before(c.AwaitingReplySince.Add(timeout)) {
		if tried, _, err = s.store.ReplyTimeouts(ctx, c.WorkspaceID, c.ID); err != nil {
			return c, err
		}
	}
	none, ticket := "", c.TicketID
	nc, ev, picked, ok, err := s.store.Assign(ctx, c.WorkspaceID, c.ID,
		store.Pick{DepartmentID: c.DepartmentID, ExcludeAgentIDs: tried, DefaultMaxChats: set.DefaultMaxChats},
		store.Transition{FromStatuses: []string{store.StatusOpen}, Assignee: &none, Unheld: true, TicketIs: &ticket},
		func(ag store.Agent) *store.Message {
			return systemEvent("Assigned to "+ag.Name, false, map[string]any{"event": "assigned", "agent_id": ag.ID, "agent_name": ag.Name, "reason": "auto"})
		}, s.clock.Now())
	if err == nil && !ok && len(tried) > 0 {
		return c, errTriedAll
	}
	if err != nil || !ok {
		return c, err
	}
	s.publish(ctx, nc, ev)
	s.closeEarlierTickets(ctx, nc, picked.Name)
	return nc, nil
}

// errTriedAll: route found no agent for a chat only because every one
// with room let it wait already (this wait); others may still have room
// for the next chat of the queue.
var errTriedAll = errors.New("chat: every available agent was tried in this wait")

// DrainQueue assigns waiting conversations, oldest first, while agents
// have capacity. It is called when capacity frees and by the timer loop.
func (s *Service) DrainQueue(ctx context.Context, workspaceID string) int {
	queue, err := s.store.Queue(ctx, workspaceID, 100)
	if err != nil {
		return 0
	}
	n := 0
	// Once no agent has room for a department, the rest of its queue
	// waits too: each try is a write transaction, and a pass over a long
	// queue would otherwise hold the database's writer for nothing (with
	// SQLite, messages wait behind it).
	full := map[string]bool{}
	for _, c := range queue {
		if full[c.DepartmentID] {
			continue
		}
		nc, err := s.route(ctx, c)
		switch {
		case errors.Is(err, errOutOfHours):
			continue // says nothing of the agents' room: other sites may be open
		case errors.Is(err, errTriedAll):
			continue // nobody untried for this one; the next chat may have someone
		case err == nil && nc.AssigneeID != "":
			n++
		case err == nil && c.DepartmentID == "":
			return n // no agent anywhere has room
		case err == nil:
			full[c.DepartmentID] = true
		}
	}
	return n
}

// autoAssignOverdue reassigns a chat whose agent did not reply in time to
// another available agent; with none available now it goes back to the
// queue to wait for one who was not tried (or stays, when there is no
// such agent at all).
func (s *Service) autoAssignOverdue(ctx context.Context, c store.Conversation, cutoff time.Time) (store.Conversation, error) {
	set, err := s.settings(ctx, c.WorkspaceID)
	if err != nil {
		return c, err
	}
	prev := c.AssigneeID
	// Every agent the chat was already taken from during this wait is
	// left out, so it never bounces between agents who do not answer.
	var tried []string
	waiting := false
	if c.AwaitingReplySince != nil {
		if tried, waiting, err = s.store.ReplyTimeouts(ctx, c.WorkspaceID, c.ID); err != nil {
			return c, err
		}
	}
	tr := store.Transition{FromStatuses: []string{store.StatusOpen}, Assignee: &prev, Unflagged: true, AwaitingBefore: cutoff}
	nc, ev, _, ok, err := s.store.Assign(ctx, c.WorkspaceID, c.ID,
		store.Pick{DepartmentID: c.DepartmentID, ExcludeAgentIDs: append(tried, prev), DefaultMaxChats: set.DefaultMaxChats}, tr,
		func(ag store.Agent) *store.Message {
			return systemEvent("No reply in time: reassigned to "+ag.Name, false,
				map[string]any{"event": "assigned", "agent_id": ag.ID, "agent_name": ag.Name, "reason": "reply_timeout", "from_agent_id": prev})
		}, s.clock.Now())
	if err != nil {
		return c, err
	}
	if !ok {
		if waiting {
			return c, nil // said once already in this wait
		}
		// Nobody else is free now. When another agent who was not tried
		// is online (full, for now), the chat goes back to the queue to
		// wait for them (route leaves out those it was taken from);
		// when there is nobody else at all, it stays with its agent:
		// taking it away would only make it a ticket. Either way every
		// desk is told once that the visitor is waiting.
		others, err := s.store.AgentsOnline(ctx, c.WorkspaceID, c.DepartmentID, append(tried, prev)...)
		if err != nil {
			return c, err
		}
		body := "No reply in time and no other agent is free: the visitor is waiting"
		if others {
			none := ""
			tr.SetAssignee = &none
			body = "No reply in time and no other agent is free: back in the queue, the visitor is waiting"
		}
		tr.Event = systemEvent(body, true,
			map[string]any{"event": "waiting", "agent_id": prev, "from_agent_id": prev, "reason": "reply_timeout", "queued": others})
		nc, ev, err := s.store.Transition(ctx, c.WorkspaceID, c.ID, tr, s.clock.Now())
		if err != nil {
			return c, nil // ErrStale: answered, taken or closed meanwhile
		}
		s.publish(ctx, nc, ev)
		return nc, nil
	}
	s.publish(ctx, nc, ev)
	s.DrainQueue(ctx, c.WorkspaceID)
	return nc, nil
}

// Requeue gives back the open chats of an agent who went away (every desk
// gone for the grace period) or was disabled (a.Disabled): each goes to
// the queue with a public system event and is routed to an available
// agent when there is one. Flagged chats stay with the agent: a flag
// means "keep this one". It returns how many went back.
func (s *Service) Requeue(ctx context.Context, a store.Agent) int {
	reason, body := "agent_away", a.Name+" is offline (desk closed): back to the queue"
	if a.Disabled {
		reason, body = "agent_disabled", a.Name+" is no longer available: back to the queue"
	}
	open, err := s.store.ListConversations(ctx, a.WorkspaceID, store.ConversationFilter{
		Statuses: []string{store.StatusOpen}, AssigneeID: a.ID, Limit: 500})
	if err != nil {
		return 0
	}
	none, n := "", 0
	for _, c := range open {
		if c.Flagged {
			continue
		}
		nc, ev, err := s.store.Transition(ctx, a.WorkspaceID, c.ID, store.Transition{
			FromStatuses: []string{store.StatusOpen}, Assignee: &a.ID, Unflagged: true, SetAssignee: &none,
			Event: systemEvent(body, false,
				map[string]any{"event": "unassigned", "agent_id": a.ID, "agent_name": a.Name, "reason": reason}),
		}, s.clock.Now())
		if err != nil {
			continue // ErrStale: someone took or closed it meanwhile
		}
		s.publish(ctx, nc, ev)
		n++
	}
	if n > 0 {
		s.DrainQueue(ctx, a.WorkspaceID)
	}
	return n
}
