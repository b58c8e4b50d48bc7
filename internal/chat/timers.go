package chat

import (
	"context"
	"time"

	"github.com/querytel/livedesk/internal/store"
	"github.com/querytel/livedesk/internal/workspace"
)

// DueCounts says what a timer pass did.
type DueCounts struct {
	Woken, PendingClosed, InactiveClosed, Reassigned, Assigned int
	// SessionsEnded: out-of-hours sessions whose time was up; Ticketed:
	// chats that no agent took, made tickets.
	SessionsEnded, Ticketed int
}

// RunDue fires every due timer of every workspace once: snoozed chats
// wake, pending chats close, inactive chats close, unanswered chats are
// reassigned, and queued chats are assigned where capacity allows. Each
// change is a conditional transition, so two nodes running RunDue at the
// same moment fire each timer exactly once.
func (s *Service) RunDue(ctx context.Context) (DueCounts, error) {
	var total DueCounts
	wss, err := s.store.ListWorkspaces(ctx)
	if err != nil {
		return total, err
	}
	for _, w := range wss {
		n, err := s.runDue(ctx, w)
		if err != nil {
			return total, err
		}
		total.Woken += n.Woken
		total.PendingClosed += n.PendingClosed
		total.InactiveClosed += n.InactiveClosed
		total.Reassigned += n.Reassigned
		total.Assigned += n.Assigned
		total.SessionsEnded += n.SessionsEnded
		total.Ticketed += n.Ticketed
	}
	return total, nil
}

func (s *Service) runDue(ctx context.Context, w store.Workspace) (DueCounts, error) {
	var n DueCounts
	set := workspace.Effective(w.Settings)
	now := s.clock.Now()
	cut := store.Cutoffs{Now: now, Pending: now.Add(-time.Duration(set.PendingCloseMinutes) * time.Minute)}
	if set.InactivityCloseMinutes > 0 {
		cut.Inactive = now.Add(-time.Duration(set.InactivityCloseMinutes) * time.Minute)
	}
	if set.ReplyTimeoutSeconds > 0 {
		cut.Reply = now.Add(-time.Duration(set.ReplyTimeoutSeconds) * time.Second)
	}
	var ticketCut time.Time
	if set.TicketAfterSeconds > 0 {
		ticketCut = now.Add(-time.Duration(set.TicketAfterSeconds) * time.Second)
		cut.Unattended = now.Add(-min(noAgentGrace, time.Duration(set.TicketAfterSeconds)*time.Second))
	}
	due, err := s.store.DueConversations(ctx, w.ID, cut, 200)
	if err != nil {
		return n, err
	}
	fire := func(c store.Conversation, tr store.Transition) bool {
		nc, ev, err := s.store.Transition(ctx, w.ID, c.ID, tr, now)
		if err != nil {
			return false // ErrStale: another node or a person got there first
		}
		s.publish(ctx, nc, ev)
		if nc.Status == store.StatusOpen && nc.AssigneeID == "" {
			s.route(ctx, nc) //nolint:errcheck // it stays queued
		}
		return true
	}
	for _, c := range due.Snoozed {
		if fire(c, store.Transition{FromStatuses: []string{store.StatusSnoozed}, SnoozeDueBy: now, Status: store.StatusOpen,
			Event: systemEvent("The snooze ended: the conversation is open", true, map[string]any{"event": "status", "status": "open", "by": "system", "reason": "snooze_ended"})}) {
			n.Woken++
		}
	}
	for _, c := range due.Pending {
		if fire(c, store.Transition{FromStatuses: []string{store.StatusPending}, StatusChangedBefore: cut.Pending, Status: store.StatusClosed,
			ClosedBy: store.AuthorSystem, Event: systemEvent("Closed: no answer while pending", false,
				map[string]any{"event": "status", "status": "closed", "by": "system", "reason": "pending_timeout"})}) {
			n.PendingClosed++
		}
	}
	for _, c := range due.Inactive {
		if fire(c, store.Transition{FromStatuses: []string{store.StatusOpen}, ActivityBefore: cut.Inactive, Unflagged: true,
			Status: store.StatusClosed, ClosedBy: store.AuthorSystem, Event: systemEvent("Closed for inactivity", false,
				map[string]any{"event": "status", "status": "closed", "by": "system", "reason": "inactivity"})}) {
			n.InactiveClosed++
		}
	}
	for _, c := range due.ReplyOverdue {
		nc, err := s.autoAssignOverdue(ctx, c, cut.Reply)
		if err == nil && nc.AssigneeID != c.AssigneeID {
			n.Reassigned++
		}
	}
	n.SessionsEnded = s.endSessions(ctx, due.Offhours, now)
	// Queued chats are offered to agents first; what is left and waited
	// too long becomes a ticket.
	n.Assigned = s.DrainQueue(ctx, w.ID)
	if len(due.Unattended) > 0 {
		n.Ticketed = s.ticketUnattended(ctx, due.Unattended, ticketCut)
	}
	return n, nil
}

// DeleteExpired deletes, in every workspace that keeps closed
// conversations for a limited time (its closed_retention_days setting),
// the conversations closed longer ago than that, with their messages. It
// returns how many. It is the retention job: off by default, run hourly;
// deleting the same rows from two nodes is harmless.
func (s *Service) DeleteExpired(ctx context.Context) (int, error) {
	return s.inBatches(ctx, func(w store.Workspace) (int, error) {
		days := workspace.Effective(w.Settings).ClosedRetentionDays
		if days <= 0 {
			return 0, nil
		}
		cutoff := s.clock.Now().Add(-time.Duration(days) * 24 * time.Hour)
		return s.store.DeleteClosedConversations(ctx, w.ID, cutoff, jobBatch)
	})
}

// jobBatch is how many rows one statement of an hourly job changes: a
// short write, so that SQLite's single writer is not held for long.
const jobBatch = 500

// inBatches runs batch for every workspace until it changes fewer than
// jobBatch rows, and returns how many it changed in all.
func (s *Service) inBatches(ctx context.Context, batch func(w store.Workspace) (int, error)) (int, error) {
	wss, err := s.store.ListWorkspaces(ctx)
	if err != nil {
		return 0, err
	}
	total := 0
	for _, w := range wss {
		for {
			n, err := batch(w)
			total += n
			if err != nil {
				return total, err
			}
			if n < jobBatch {
				break
			}
		}
	}
	return total, nil
}
