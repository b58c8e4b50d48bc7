package app

import (
	"context"
	"time"

	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/store"
)

// Timer loop periods. Each rule's due time lives in the database and is
// claimed by one node, so the period only bounds how late a rule fires.
const (
	presenceEvery = 5 * time.Second // presence expiry and conversation timers
	sessionsEvery = time.Hour       // session cleanup and the retention jobs
	// analyticsEvery bounds how late a past day's analytics follow a
	// change (today's are read as they are); analyticsDays bounds one
	// pass's catching up with history (all workspaces together), so a
	// year's backlog is rolled a month a minute.
	analyticsEvery = time.Minute
	// agentStateDays keeps the agents' states two periods of a year (and
	// a margin) long: the operators' analytics read no older.
	agentStateDays = 800
	// idempotencyDays keeps a request's answer for its Idempotency-Key.
	idempotencyDays = 1
	analyticsDays   = 31
	// mailBatch bounds the mails one pass sends: each is a round trip to
	// a mail server, and the pass also runs the conversation timers.
	mailBatch = 20
	// webhookEvery bounds how late a webhook event goes out when the
	// runner is idle (a freed slot looks again at once).
	webhookEvery = time.Second
	// webhookEventDays keeps delivered and given-up webhook events, for
	// the delivery log and redelivery.
	webhookEventDays = 7
)

// runWebhooks delivers webhook events until ctx ends, on its own loop: a
// slow endpoint must not hold back anything else (webhook.Service.Run).
func (a *App) runWebhooks(ctx context.Context) {
	a.Webhooks.Run(ctx, webhookEvery, func(err error) { a.Log.Warn("webhooks", "err", err) })
}

// webhookDisabled tells the workspace's owners and admins, in their
// inboxes, that an endpoint was disabled after a day of failures.
func (a *App) webhookDisabled(ctx context.Context, e store.WebhookEndpoint) {
	agents, err := a.Store.ListAgents(ctx, e.WorkspaceID)
	if err != nil {
		a.Log.Warn("webhook disabled notice", "err", err)
		return
	}
	for _, ag := range agents {
		if ag.Disabled || !auth.Role(ag.Role).AtLeast(auth.Admin) {
			continue
		}
		_, err := a.Inbox.Add(ctx, store.InboxItem{WorkspaceID: e.WorkspaceID, AgentID: ag.ID, Kind: store.InboxWebhookDisabled,
			Dedupe:  "webhook_disabled:" + e.ID + ":" + e.UpdatedAt.Format(time.RFC3339Nano),
			Summary: e.URL + " was disabled: " + e.DisabledReason + ". Enable it in Settings → Webhooks once it answers again.",
			Data:    map[string]any{"webhook_id": e.ID, "url": e.URL}}, false)
		if err != nil {
			a.Log.Warn("webhook disabled notice", "err", err)
		}
	}
}

// runMail sends ticket mail until ctx ends, on its own loop: a slow mail
// server must not hold back the conversation timers.
func (a *App) runMail(ctx context.Context) {
	a.every(ctx, presenceEvery, "ticket mail", func(ctx context.Context) error {
		_, err := a.Mail.RunDue(ctx, mailBatch)
		return err
	})
}

// runRollups keeps the analytics rollups up to date until ctx ends, on
// its own loop: a long pass (a year of history after the upgrade, many
// workspaces) must not hold back the conversation timers.
func (a *App) runRollups(ctx context.Context) {
	a.every(ctx, analyticsEvery, "analytics rollups", func(ctx context.Context) error {
		_, err := a.Store.RollAnalytics(ctx, a.Clock.Now(), analyticsDays)
		return err
	})
}

// every runs job each period until ctx ends, logging its failures as what.
func (a *App) every(ctx context.Context, period time.Duration, what string, job func(context.Context) error) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := job(ctx); err != nil && ctx.Err() == nil {
				a.Log.Warn(what, "err", err)
			}
		}
	}
}

// runTimers runs the time-driven rules until ctx ends.
func (a *App) runTimers(ctx context.Context) {
	presence := time.NewTicker(presenceEvery)
	defer presence.Stop()
	// The heartbeat keeps this node's desks present for the other nodes'
	// expiry passes, so it beats well within the away grace period.
	heartbeat := time.NewTicker(heartbeatEvery(a.Config.Limits.AgentAwaySeconds))
	defer heartbeat.Stop()
	sessions := time.NewTicker(sessionsEvery)
	defer sessions.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-heartbeat.C:
			a.Heartbeat(ctx)
		case <-presence.C:
			if _, err := a.Visitors.ExpireDue(ctx); err != nil && ctx.Err() == nil {
				a.Log.Warn("presence expiry", "err", err)
			}
			if _, err := a.ExpireAbsentAgents(ctx); err != nil && ctx.Err() == nil {
				a.Log.Warn("agent presence", "err", err)
			}
			if _, err := a.Chat.RunDue(ctx); err != nil && ctx.Err() == nil {
				a.Log.Warn("conversation timers", "err", err)
			}
			if _, err := a.Broadcasts.RunDue(ctx); err != nil && ctx.Err() == nil {
				a.Log.Warn("broadcast schedules", "err", err)
			}
		case <-sessions.C:
			if _, err := a.Store.DeleteExpiredSessions(ctx, a.Clock.Now()); err != nil && ctx.Err() == nil {
				a.Log.Warn("session cleanup", "err", err)
			}
			a.RunRetention(ctx)
		}
	}
}

// ExpireAbsentAgents makes away the agents whose desks have all been gone
// for -agent-away-seconds (team.ExpireAbsent). Not during that long after
// this node started: after an outage every desk is gone, and they need the
// grace period to reconnect before anyone counts as absent.
// Its own desks are recorded present first: a desk's open socket is only
// otherwise seen at its hello and its hang-up.
func (a *App) ExpireAbsentAgents(ctx context.Context) (int, error) {
	grace := time.Duration(a.Config.Limits.AgentAwaySeconds) * time.Second
	if grace <= 0 || a.Clock.Now().Sub(a.started) < grace {
		return 0, nil
	}
	a.Heartbeat(ctx)
	return a.Team.ExpireAbsent(ctx, grace)
}

// Heartbeat records this node's connected desks as present now
// (team.Heartbeat); a failure is logged, and the next beat retries.
func (a *App) Heartbeat(ctx context.Context) {
	if a.Config.Limits.AgentAwaySeconds <= 0 {
		return // nobody goes away: presence is not kept
	}
	if err := a.Team.Heartbeat(ctx, a.Realtime.Hub().Desks()); err != nil && ctx.Err() == nil {
		a.Log.Warn("desk heartbeat", "err", err)
	}
}

// heartbeatEvery is a third of the away grace period, at most
// presenceEvery and at least 250 ms: two beats may be lost or late
// before a peer's expiry pass could count a connected desk as gone.
func heartbeatEvery(awaySeconds int) time.Duration {
	if awaySeconds <= 0 {
		return presenceEvery
	}
	return min(max(time.Duration(awaySeconds)*time.Second/3, 250*time.Millisecond), presenceEvery)
}

// RunRetention deletes what the retention rules say is kept no longer:
// idle anonymous visitors (-visitor-retention-days) and, per workspace,
// closed conversations (closed_retention_days) with their files, and
// uploads left incomplete or without their message for a day; and it
// archives the tickets closed 90 days ago. Every node runs it; a row is
// deleted once.
func (a *App) RunRetention(ctx context.Context) {
	if n, err := a.Visitors.DeleteIdle(ctx); err != nil && ctx.Err() == nil {
		a.Log.Warn("visitor retention", "err", err)
	} else if n > 0 {
		a.Log.Info("visitor retention", "deleted", n)
	}
	if _, err := a.Audit.DeleteExpired(ctx); err != nil && ctx.Err() == nil {
		a.Log.Warn("audit retention", "err", err)
	}
	if n, err := a.Chat.DeleteExpired(ctx); err != nil && ctx.Err() == nil {
		a.Log.Warn("conversation retention", "err", err)
	} else if n > 0 {
		a.Log.Info("conversation retention", "deleted", n)
	}
	if n, err := a.Files.Sweep(ctx, 10); err != nil && ctx.Err() == nil {
		a.Log.Warn("file sweep", "err", err)
	} else if n > 0 {
		a.Log.Info("file sweep", "deleted", n)
	}
	// The operators' time is read for at most two periods of a year.
	if _, err := a.Store.DeleteOldAgentStates(ctx, a.Clock.Now().AddDate(0, 0, -agentStateDays)); err != nil && ctx.Err() == nil {
		a.Log.Warn("agent state retention", "err", err)
	}
	if n, err := a.Chat.ArchiveTickets(ctx); err != nil && ctx.Err() == nil {
		a.Log.Warn("ticket archive", "err", err)
	} else if n > 0 {
		a.Log.Info("ticket archive", "archived", n)
	}
	// Webhook events stay a week for the delivery log and redelivery.
	for {
		n, err := a.Store.DeleteOldWebhookEvents(ctx, a.Clock.Now().AddDate(0, 0, -webhookEventDays), 1000)
		if err != nil && ctx.Err() == nil {
			a.Log.Warn("webhook event retention", "err", err)
		}
		if err != nil || n < 1000 {
			break
		}
	}
	// A create's first answer is replayed for a day (Idempotency-Key).
	for {
		n, err := a.Store.DeleteOldIdempotencyKeys(ctx, a.Clock.Now().Add(-idempotencyDays*24*time.Hour), 1000)
		if err != nil && ctx.Err() == nil {
			a.Log.Warn("idempotency key retention", "err", err)
		}
		if err != nil || n < 1000 {
			break
		}
	}
}
