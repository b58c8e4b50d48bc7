package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/store"
)

func runWebhooks(t *testing.T, newStore NewStore) {
	t.Helper()
	runCases(t, newStore, []storeCase{
		{"webhooks/each change writes its event with it, for the endpoints that take it; a refused change writes none", testWebhookOutbox},
		{"webhooks/a subject's deliveries are claimed one at a time, oldest first, under a lease", testWebhookClaims},
		{"webhooks/an endpoint failing for a day is disabled once; a success clears its failures", testWebhookFailures},
		{"webhooks/redelivery, enabling again, erased messages and retention", testWebhookRedelivery},
	})
}

// hookTypes lists an endpoint's deliveries' event types, oldest first.
func hookTypes(t *testing.T, s *store.Store, ws, endpoint string) []string {
	t.Helper()
	ds, err := s.ListWebhookDeliveries(t.Context(), ws, endpoint, 0, 1000)
	noErr(t, "deliveries", err)
	out := make([]string, len(ds))
	for i, d := range ds {
		out[len(ds)-1-i] = d.Type
	}
	return out
}

func testWebhookOutbox(t *testing.T, s *store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "a")
	ws := tn.ws.ID
	v, err := s.CreateVisitor(ctx, ws, tn.site.ID, "tok-a", Epoch)
	noErr(t, "visitor", err)
	// Before any endpoint: nothing is written.
	c0, _, err := s.StartConversation(ctx, ws, v.ID, "", Epoch)
	noErr(t, "start", err)
	_, err = s.AppendMessage(ctx, visitorMessage(v, c0.ID, "m0", "before"), Epoch)
	noErr(t, "message", err)

	all, err := s.CreateWebhook(ctx, store.WebhookEndpoint{WorkspaceID: ws, URL: "https://a.example/all", Events: store.WebhookEvents,
		Secret: "whsec_1"}, 20, Epoch)
	noErr(t, "endpoint", err)
	some, err := s.CreateWebhook(ctx, store.WebhookEndpoint{WorkspaceID: ws, URL: "https://a.example/tickets",
		Events: []string{store.EventTicketCreated, store.EventTicketClosed}, Secret: "whsec_2"}, 20, Epoch)
	noErr(t, "endpoint", err)
	off, err := s.CreateWebhook(ctx, store.WebhookEndpoint{WorkspaceID: ws, URL: "https://a.example/off", Events: store.WebhookEvents,
		Secret: "whsec_3"}, 20, Epoch)
	noErr(t, "endpoint", err)
	off.Enabled = false
	_, err = s.UpdateWebhook(ctx, off, Epoch, Epoch, Epoch)
	noErr(t, "disable", err)
	_, err = s.CreateWebhook(ctx, store.WebhookEndpoint{WorkspaceID: ws, URL: "https://a.example/4", Events: store.WebhookEvents,
		Secret: "whsec_4"}, 3, Epoch)
	wantErr(t, err, store.ErrConflict) // three at most

	// The chat's life: a retried message and refused changes write nothing.
	_, err = s.AppendMessage(ctx, visitorMessage(v, c0.ID, "m1", "hello"), Epoch)
	noErr(t, "message", err)
	_, err = s.AppendMessage(ctx, visitorMessage(v, c0.ID, "m1", "hello"), Epoch)
	noErr(t, "retry", err)
	_, _, err = s.Transition(ctx, ws, c0.ID, store.Transition{SetAssignee: &tn.owner.ID}, Epoch)
	noErr(t, "assign", err)
	_, _, err = s.Transition(ctx, ws, c0.ID, store.Transition{FromStatuses: []string{store.StatusPending}, Status: store.StatusClosed}, Epoch)
	wantErr(t, err, store.ErrStale)
	ev := store.Message{Kind: store.KindSystem, AuthorType: store.AuthorSystem, Body: "closed", Meta: map[string]any{"event": "closed"}}
	_, _, err = s.Transition(ctx, ws, c0.ID, store.Transition{Status: store.StatusClosed, ClosedBy: store.AuthorAgent, Event: &ev}, Epoch)
	noErr(t, "close", err)
	_, err = s.AppendMessage(ctx, visitorMessage(v, c0.ID, "m2", "too late"), Epoch)
	wantErr(t, err, store.ErrNotAccepting)
	_, err = s.RateConversation(ctx, ws, c0.ID, v.ID, store.RatingGood, "thanks", time.Time{}, Epoch)
	noErr(t, "rate", err)

	// Tickets and contacts.
	tk, err := s.CreateTicket(ctx, ws, store.NewTicket{TicketFields: store.TicketFields{Subject: "Refund"}}, Epoch)
	noErr(t, "ticket", err)
	_, err = s.AssignTicket(ctx, ws, tk.ID, tn.owner.ID, tn.owner.ID, "Owner a", Epoch)
	noErr(t, "assign ticket", err)
	_, err = s.CloseTicket(ctx, ws, tk.ID, store.TicketClose{By: store.AuthorAgent, AgentID: tn.owner.ID}, Epoch)
	noErr(t, "close ticket", err)
	_, err = s.CloseTicket(ctx, ws, tk.ID, store.TicketClose{By: store.AuthorAgent, AgentID: tn.owner.ID}, Epoch)
	wantErr(t, err, store.ErrStale)
	k, err := s.UpsertContact(ctx, ws, "crm-1", "Ann", "ann@a.example", Epoch)
	noErr(t, "contact", err)
	_, err = s.UpsertContact(ctx, ws, "crm-1", "Ann", "ann@a.example", Epoch)
	noErr(t, "same contact again", err) // nothing changed: no event
	k.Phone = "+4930123"
	_, err = s.UpdateContact(ctx, k, Epoch)
	noErr(t, "update contact", err)

	v2, err := s.CreateVisitor(ctx, ws, tn.site.ID, "tok-b", Epoch)
	noErr(t, "visitor", err)
	_, _, err = s.StartConversation(ctx, ws, v2.ID, "", Epoch)
	noErr(t, "start", err)

	equal(t, "every event, in order", hookTypes(t, s, ws, all.ID), []string{
		store.EventMessageCreated, store.EventConversationAssigned, store.EventConversationClosed, store.EventMessageCreated,
		store.EventConversationRated, store.EventTicketCreated, store.EventTicketUpdated, store.EventTicketClosed,
		store.EventContactCreated, store.EventContactUpdated, store.EventConversationStarted,
	})
	equal(t, "the events an endpoint takes", hookTypes(t, s, ws, some.ID), []string{store.EventTicketCreated, store.EventTicketClosed})
	equal(t, "a disabled endpoint's", hookTypes(t, s, ws, off.ID), []string{})
}

// hookFixture: a tenant with one endpoint taking every event and a chat
// with two visitor messages (two deliveries of one subject).
func hookFixture(t *testing.T, s *store.Store) (tenant, store.WebhookEndpoint, store.Visitor, store.Conversation) {
	t.Helper()
	ctx := t.Context()
	tn := newTenant(t, s, "a")
	e, err := s.CreateWebhook(ctx, store.WebhookEndpoint{WorkspaceID: tn.ws.ID, URL: "https://a.example/hook", Events: store.WebhookEvents,
		Secret: "whsec_a"}, 20, Epoch)
	noErr(t, "endpoint", err)
	v, err := s.CreateVisitor(ctx, tn.ws.ID, tn.site.ID, "tok-a", Epoch)
	noErr(t, "visitor", err)
	c, _, err := s.StartConversation(ctx, tn.ws.ID, v.ID, "", Epoch)
	noErr(t, "start", err)
	for _, id := range []string{"m1", "m2"} {
		_, err = s.AppendMessage(ctx, visitorMessage(v, c.ID, id, "text "+id), Epoch)
		noErr(t, "message", err)
	}
	return tn, e, v, c
}

// claimTypes claims what is due at now and returns the claimed jobs'
// types.
func claimTypes(t *testing.T, s *store.Store, now time.Time) ([]store.WebhookJob, []string) {
	t.Helper()
	jobs, err := s.ClaimWebhookDeliveries(t.Context(), now, now.Add(30*time.Second), 100)
	noErr(t, "claim", err)
	types := make([]string, len(jobs))
	for i, j := range jobs {
		types[i] = j.Type
	}
	return jobs, types
}

// record stores outcomes of claimed jobs, each of which must be
// recorded (still under its claim).
func record(t *testing.T, s *store.Store, now time.Time, outs ...store.WebhookOutcome) {
	t.Helper()
	for _, o := range outs {
		n, err := s.RecordWebhookOutcomes(t.Context(), []store.WebhookOutcome{o}, now)
		noErr(t, "record", err)
		equal(t, "recorded under its claim", n, 1)
	}
}

func delivered(jobs ...store.WebhookJob) []store.WebhookOutcome {
	out := make([]store.WebhookOutcome, len(jobs))
	for i, j := range jobs {
		out[i] = store.WebhookOutcome{Job: j, Status: 200, Delivered: true}
	}
	return out
}

func testWebhookClaims(t *testing.T, s *store.Store) {
	ctx := t.Context()
	tn, e, _, c := hookFixture(t, s)
	// Another subject: a contact.
	_, err := s.UpsertContact(ctx, tn.ws.ID, "crm-1", "Ann", "ann@a.example", Epoch)
	noErr(t, "contact", err)

	jobs, types := claimTypes(t, s, Epoch)
	equal(t, "the oldest of each subject", types, []string{store.EventConversationStarted, store.EventContactCreated})
	j := jobs[0]
	equal(t, "what a job carries", [5]any{j.WorkspaceID, j.URL, j.Secret, j.Attempts, j.Subject}, [5]any{tn.ws.ID, e.URL, "whsec_a", 1, c.ID})
	var data struct {
		Conversation store.Conversation `json:"conversation"`
	}
	noErr(t, "payload", json.Unmarshal(j.Data, &data))
	equal(t, "the conversation as started", [2]string{data.Conversation.ID, data.Conversation.Status}, [2]string{c.ID, store.StatusOpen})

	// Leased: nothing again until the lease ends, though not delivered.
	_, types = claimTypes(t, s, Epoch.Add(10*time.Second))
	equal(t, "claimed again within the lease", types, []string{})
	stale := jobs
	jobs, types = claimTypes(t, s, Epoch.Add(31*time.Second))
	equal(t, "due again after the lease", types, []string{store.EventConversationStarted, store.EventContactCreated})
	equal(t, "second attempt", jobs[0].Attempts, 2)
	// The first claim's outcome, late: the second claim holds them now.
	n, err := s.RecordWebhookOutcomes(ctx, delivered(stale[0], jobs[1]), Epoch.Add(40*time.Second))
	noErr(t, "late outcome", err)
	equal(t, "a lapsed claim's outcome is not recorded; the current one's is", n, 1)

	now := Epoch.Add(31 * time.Second)
	record(t, s, now, delivered(jobs[0])...)
	jobs, types = claimTypes(t, s, now)
	equal(t, "then the conversation's next", types, []string{store.EventMessageCreated})
	var msg struct {
		Message store.Message `json:"message"`
	}
	noErr(t, "payload", json.Unmarshal(jobs[0].Data, &msg))
	equal(t, "the first message, read when sent", msg.Message.Body, "text m1")

	// A failure keeps the next behind it until it goes.
	record(t, s, now, store.WebhookOutcome{Job: jobs[0], Status: 500, Error: "500", Retry: now.Add(10 * time.Second)})
	ds, err := s.ListWebhookDeliveries(ctx, tn.ws.ID, e.ID, 0, 100)
	noErr(t, "deliveries", err)
	for _, d := range ds {
		if d.Type == store.EventMessageCreated && d.EventID != jobs[0].EventID {
			equal(t, "the one behind it goes no earlier than its retry", d.NextAttemptAt != nil && d.NextAttemptAt.Equal(now.Add(10*time.Second)), true)
		}
	}
	_, types = claimTypes(t, s, now.Add(5*time.Second))
	equal(t, "nothing passes a failed one waiting for its retry", types, []string{})
	jobs, types = claimTypes(t, s, now.Add(10*time.Second))
	equal(t, "the retry", types, []string{store.EventMessageCreated})
	noErr(t, "payload", json.Unmarshal(jobs[0].Data, &msg))
	equal(t, "the same message again", msg.Message.Body, "text m1")
	ds, err = s.ListWebhookDeliveries(ctx, tn.ws.ID, e.ID, 0, 100)
	noErr(t, "deliveries", err)
	var first store.WebhookDelivery
	for _, d := range ds {
		if d.EventID == jobs[0].EventID {
			first = d
		}
	}
	equal(t, "the log shows the failure", [4]any{first.State, first.Attempts, first.LastStatus, first.LastError}, [4]any{store.DeliveryQueued, 2, 500, "500"})
}

func testWebhookFailures(t *testing.T, s *store.Store) {
	ctx := t.Context()
	tn, e, _, _ := hookFixture(t, s)
	fail := func(at time.Time) {
		t.Helper()
		jobs, err := s.ClaimWebhookDeliveries(ctx, at, at.Add(30*time.Second), 100)
		noErr(t, "claim", err)
		if len(jobs) == 0 {
			t.Fatalf("nothing due at %s", at)
		}
		for _, j := range jobs {
			record(t, s, at, store.WebhookOutcome{Job: j, Error: "refused", Retry: at.Add(time.Hour)})
		}
	}
	disable := func(at time.Time) []store.WebhookEndpoint {
		t.Helper()
		off, err := s.DisableFailingWebhooks(ctx, at.Add(-24*time.Hour), "failing for a day", at)
		noErr(t, "disable", err)
		return off
	}
	fail(Epoch.Add(time.Second))
	equal(t, "a first failure disables nothing", len(disable(Epoch.Add(time.Second))), 0)
	got, err := s.GetWebhook(ctx, tn.ws.ID, e.ID)
	noErr(t, "get", err)
	equal(t, "failing since the first failure", got.FailingSince != nil && got.FailingSince.Equal(Epoch.Add(time.Second)), true)
	fail(Epoch.Add(23 * time.Hour))
	equal(t, "23 hours of failures disable nothing", len(disable(Epoch.Add(23*time.Hour))), 0)
	// A day after the first failure, whether or not anything was tried
	// since (a quiet endpoint is disabled too).
	off := disable(Epoch.Add(24*time.Hour + time.Second))
	equal(t, "a day of failures disables it", len(off), 1)
	equal(t, "disabled, with why", [3]any{off[0].ID, off[0].Enabled, off[0].DisabledReason}, [3]any{e.ID, false, "failing for a day"})
	equal(t, "once", len(disable(Epoch.Add(25*time.Hour))), 0)
	jobs, _ := claimTypes(t, s, Epoch.Add(48*time.Hour))
	equal(t, "a disabled endpoint gets nothing", len(jobs), 0)
	ds, err := s.ListWebhookDeliveries(ctx, tn.ws.ID, e.ID, 0, 100)
	noErr(t, "deliveries", err)
	equal(t, "its queue waits, with no next attempt", [2]any{ds[0].State, ds[0].NextAttemptAt == nil}, [2]any{store.DeliveryQueued, true})

	// An edit from a stale read is refused: the runner disabled it since.
	_, err = s.UpdateWebhook(ctx, got, Epoch.Add(72*time.Hour), Epoch.Add(48*time.Hour), Epoch.Add(48*time.Hour))
	wantErr(t, err, store.ErrStale)

	// Enabled again: its failures are forgotten, its queue is due now
	// with a new day, and a success keeps it clear.
	got, err = s.GetWebhook(ctx, tn.ws.ID, e.ID)
	noErr(t, "get", err)
	got.Enabled = true
	at := Epoch.Add(50 * time.Hour)
	got, err = s.UpdateWebhook(ctx, got, at.Add(24*time.Hour), at.Add(30*time.Second), at)
	noErr(t, "enable", err)
	equal(t, "enabled, no failures", [3]any{got.Enabled, got.DisabledReason, got.FailingSince == nil}, [3]any{true, "", true})
	jobs, types := claimTypes(t, s, at)
	equal(t, "its queue resumes", types, []string{store.EventConversationStarted})
	equal(t, "with a new day and its backoff started again", [2]any{jobs[0].Deadline.Equal(at.Add(24 * time.Hour)), jobs[0].Attempts}, [2]any{true, 1})
	record(t, s, at, delivered(jobs...)...)
	got, err = s.GetWebhook(ctx, tn.ws.ID, e.ID)
	noErr(t, "get", err)
	equal(t, "a success clears failing", got.FailingSince == nil, true)
}

func testWebhookRedelivery(t *testing.T, s *store.Store) {
	ctx := t.Context()
	tn, e, _, c := hookFixture(t, s)
	jobs, _ := claimTypes(t, s, Epoch)
	record(t, s, Epoch, delivered(jobs...)...)
	ds, err := s.ListWebhookDeliveries(ctx, tn.ws.ID, e.ID, 0, 100)
	noErr(t, "deliveries", err)
	started := ds[len(ds)-1]
	equal(t, "delivered", [3]any{started.Type, started.State, started.DeliveredAt != nil}, [3]any{store.EventConversationStarted, store.DeliveryDelivered, true})

	// Paging: newest first, then the older ones.
	page, err := s.ListWebhookDeliveries(ctx, tn.ws.ID, e.ID, 0, 2)
	noErr(t, "page", err)
	older, err := s.ListWebhookDeliveries(ctx, tn.ws.ID, e.ID, page[1].Pos, 2)
	noErr(t, "older", err)
	equal(t, "pages", [3]any{len(page), len(older), page[0].Pos > page[1].Pos && older[0].Pos < page[1].Pos}, [3]any{2, 1, true})

	d, err := s.RedeliverWebhook(ctx, tn.ws.ID, e.ID, started.EventID, Epoch.Add(25*time.Hour), Epoch.Add(time.Hour))
	noErr(t, "redeliver", err)
	equal(t, "queued again", [2]any{d.State, d.NextAttemptAt != nil && d.NextAttemptAt.Equal(Epoch.Add(time.Hour))}, [2]any{store.DeliveryQueued, true})
	_, err = s.RedeliverWebhook(ctx, tn.ws.ID, e.ID, started.EventID, Epoch.Add(25*time.Hour), Epoch.Add(time.Hour))
	wantErr(t, err, store.ErrConflict) // queued: it goes at its next attempt
	_, err = s.RedeliverWebhook(ctx, tn.ws.ID, e.ID, "no-such-event", Epoch, Epoch)
	wantErr(t, err, store.ErrNotFound)

	// The messages are erased (the chat deleted with its contact's
	// erasure would do the same): their queued events are skipped, not
	// sent empty.
	_, err = s.DeleteClosedConversations(ctx, tn.ws.ID, Epoch.Add(time.Hour), 10)
	noErr(t, "nothing closed to delete", err)
	ev := store.Message{Kind: store.KindSystem, AuthorType: store.AuthorSystem, Body: "closed"}
	_, _, err = s.Transition(ctx, tn.ws.ID, c.ID, store.Transition{Status: store.StatusClosed, ClosedBy: store.AuthorAgent, Event: &ev}, Epoch)
	noErr(t, "close", err)
	n, err := s.DeleteClosedConversations(ctx, tn.ws.ID, Epoch.Add(time.Hour), 10)
	noErr(t, "delete", err)
	equal(t, "deleted", n, 1)
	jobs, types := claimTypes(t, s, Epoch.Add(time.Hour))
	equal(t, "the redelivery first, then the first message", types, []string{store.EventConversationStarted})
	record(t, s, Epoch.Add(time.Hour), delivered(jobs...)...)
	jobs, types = claimTypes(t, s, Epoch.Add(time.Hour))
	equal(t, "a message.created whose message is gone", [2]any{types, jobs[0].Skip}, [2]any{[]string{store.EventMessageCreated},
		"its message was erased before it went out"})

	// Retention: events older than the cutoff go with their deliveries.
	n, err = s.DeleteOldWebhookEvents(ctx, Epoch.Add(time.Minute), 1000)
	noErr(t, "retention", err)
	equal(t, "every event made at Epoch", n > 0, true)
	ds, err = s.ListWebhookDeliveries(ctx, tn.ws.ID, e.ID, 0, 100)
	noErr(t, "deliveries", err)
	equal(t, "none left", len(ds), 0)
}
