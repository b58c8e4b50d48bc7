package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/file"
	"github.com/querytel/livedesk/internal/store"
)

// The runner sends what the customer should see of each WhatsApp
// conversation, in seq order, through the Graph API. The conversation's
// messages are the queue and its thread's cursor the position, so
// nothing an agent was told is stored can be lost: the cursor only moves
// past a message once WhatsApp took it (or refused it for good, which the
// desk then shows with WhatsApp's reason).
//
// Threads are claimed under a lease, so two nodes never send the same
// message; a node that dies mid-send leaves its claim to lapse, and the
// message is sent again after the lease (WhatsApp may then have it twice:
// at least once, like every messaging API without idempotency keys).

// Runner timing.
const (
	// PollEvery is how often a runner looks for work it was not woken
	// for (another node's messages, retries that came due).
	PollEvery = time.Second
	// Lease is how long a claim keeps other runners off a thread: longer
	// than one send can take (a large file's upload is bounded by
	// MediaTimeout); each message sent renews it.
	Lease = 10 * time.Minute
	// BatchPerClaim is how many messages one claim sends at most before
	// the thread goes back to the queue (fairness between threads).
	BatchPerClaim = 5
	// SweepEvery is how often a runner wakes the idle threads that have
	// something to send without having been woken: messages stored by
	// timers, or a wake lost to a crash.
	SweepEvery = 30 * time.Second
	// ClaimMax is how many threads one pass takes.
	ClaimMax = 16
	// FirstRetry doubles after each failure up to MaxRetryGap; a message
	// still not sent GiveUpAfter its first failure is marked failed.
	FirstRetry  = 10 * time.Second
	MaxRetryGap = 30 * time.Minute
	GiveUpAfter = 24 * time.Hour
	// TokenRetry is how often a thread held by a refused token is tried.
	TokenRetry = time.Minute
)

// Run sends until ctx ends, woken by this node's new messages and every
// PollEvery.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(PollEvery)
	defer t.Stop()
	sweep := time.NewTicker(SweepEvery)
	defer sweep.Stop()
	for {
		for {
			n, err := s.Pass(ctx)
			if err != nil && ctx.Err() == nil {
				s.log.Warn("whatsapp: outbound pass", "err", err)
			}
			if n < ClaimMax || err != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-s.nudge:
		case <-t.C:
		case <-sweep.C:
			if _, err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("whatsapp: sweep", "err", err)
			}
		}
	}
}

// Sweep wakes the idle threads that have something to send (SweepEvery).
func (s *Service) Sweep(ctx context.Context) (int, error) {
	return s.store.WakeWhatsAppThreads(ctx, s.clock.Now())
}

// Pass claims the threads due now and sends their messages; it returns
// how many threads it took.
func (s *Service) Pass(ctx context.Context) (int, error) {
	now := s.clock.Now()
	threads, err := s.store.ClaimWhatsAppThreads(ctx, now, now.Add(Lease), ClaimMax)
	if err != nil {
		return 0, err
	}
	for _, t := range threads {
		if err := s.sendThread(ctx, t); err != nil {
			if ctx.Err() != nil {
				return len(threads), ctx.Err()
			}
			s.log.Warn("whatsapp: outbound", "conversation", t.ConversationID, "err", err)
		}
	}
	return len(threads), nil
}

// sendThread sends a claimed thread's next messages.
func (s *Service) sendThread(ctx context.Context, t store.WhatsAppThread) error {
	defer s.publish(ctx, t.WorkspaceID, t.ConversationID, t.VisitorID)
	c, err := s.store.GetWhatsAppChannel(ctx, t.WorkspaceID, t.SiteID)
	if errors.Is(err, store.ErrNotFound) {
		// Disconnected: held (not dropped) until a number is connected
		// again, or given up on after a day like any failure.
		return s.retry(ctx, t, &APIError{Message: "the number is not connected"})
	}
	if err != nil {
		return err
	}
	u, err := s.store.WhatsAppUserByVisitor(ctx, t.WorkspaceID, t.VisitorID)
	if err != nil {
		return fmt.Errorf("the conversation's WhatsApp user: %w", err)
	}
	to := u.Phone
	if to == "" {
		to = u.User
	}
	msgs, err := s.store.ListMessages(ctx, t.WorkspaceID, t.ConversationID, t.SentSeq, 0, BatchPerClaim)
	if err != nil {
		return err
	}
	for i, m := range msgs {
		o := store.WhatsAppOutcome{Seq: m.Seq}
		if forCustomer(m) {
			wamid, err := s.sendOne(ctx, c, to, m)
			var ae *APIError
			switch {
			case err == nil:
				o.WAMID = wamid
			case ctx.Err() != nil:
				return ctx.Err() // a shutdown is no failure: the lease lapses, the next run sends it
			case errors.As(err, &ae) && ae.Retryable():
				if ae.TokenInvalid() {
					s.tokenRefused(ctx, c, ae)
				}
				return s.retry(ctx, t, ae)
			case errors.As(err, &ae):
				o.Failed, o.ErrorCode, o.Error = true, ae.Code, ae.Message
				if ae.Details != "" {
					o.Error += ": " + ae.Details
				}
			default:
				return s.retry(ctx, t, &APIError{Message: err.Error()})
			}
		}
		// The claim keeps the thread, under a renewed lease, while it has
		// more of this batch to send; after the last, the thread is due
		// again (more follows) or idle.
		now, renew := s.clock.Now(), time.Time{}
		if i < len(msgs)-1 {
			renew = now.Add(Lease)
		}
		ok, err := s.store.AdvanceWhatsAppThread(ctx, t, o, renew, now)
		if err != nil || !ok {
			return err // !ok: the lease passed to another runner, which goes on
		}
		t.SentSeq, t.Attempts, t.FirstFailedAt = m.Seq, 0, nil
		t.Lease = time.UnixMilli(renew.UnixMilli()).UTC()
	}
	return nil
}

// sendOne sends one message: its template when it is one, its file, or
// its text.
func (s *Service) sendOne(ctx context.Context, c store.WhatsAppChannel, to string, m store.Message) (string, error) {
	if m.Kind == store.KindFile {
		return s.sendFile(ctx, c, to, m)
	}
	if tm, ok := m.Meta[templateMeta].(map[string]any); ok {
		t := Template{Name: str(tm["name"]), Language: str(tm["language"]), ParameterFormat: str(tm["parameter_format"])}
		if ps, ok := tm["params"].([]any); ok {
			for _, p := range ps {
				t.Params = append(t.Params, str(p))
			}
		}
		values := map[string]string{}
		if vs, ok := tm["values"].(map[string]any); ok {
			for k, v := range vs {
				values[k] = str(v)
			}
		}
		return s.cloud.SendTemplate(ctx, c.AccessToken, c.PhoneNumberID, to, t, values)
	}
	return s.cloud.SendText(ctx, c.AccessToken, c.PhoneNumberID, to, m.Body)
}

// sendFile uploads an agent's file to WhatsApp and sends it as the kind
// WhatsApp takes it as. A file gone from the store (erased) or too large
// for WhatsApp is a final refusal, shown on the message.
func (s *Service) sendFile(ctx context.Context, c store.WhatsAppChannel, to string, m store.Message) (string, error) {
	meta, _ := m.Meta["file"].(map[string]any)
	// The runner reads the file as the workspace's own service would: an
	// agent's view, which any file of the workspace is in.
	f, content, err := s.files.Open(ctx, auth.Actor{WorkspaceID: c.WorkspaceID, AgentID: runnerID}, str(meta["id"]))
	if errors.Is(err, file.ErrNotFound) {
		return "", &APIError{Status: http.StatusGone, Message: "the file is no longer stored"}
	}
	if err != nil {
		return "", &APIError{Message: "reading the file: " + err.Error()}
	}
	kind, max := mediaKind(f.ContentType)
	if f.Size > max {
		return "", &APIError{Status: http.StatusRequestEntityTooLarge,
			Message: fmt.Sprintf("too large for WhatsApp: a file sent as %s may have at most %d MB", kind, max>>20)}
	}
	id, err := s.cloud.UploadMedia(ctx, c.AccessToken, c.PhoneNumberID, f.Name, f.ContentType, content)
	if err != nil {
		return "", err
	}
	return s.cloud.SendMedia(ctx, c.AccessToken, c.PhoneNumberID, to, kind, id, f.Name)
}

// runnerID is the agent id the runner reads files as (no agent has it).
const runnerID = "whatsapp-runner"

func str(v any) string {
	s, _ := v.(string)
	return s
}

// retry holds a thread after a failure that may pass: due again after a
// backoff that doubles, until a day after its first failure, when the
// message is marked failed and the thread goes on. A refused token holds
// it without counting (the message is not at fault; an admin replaces
// the token), and is tried again every minute so that what waited goes
// soon after.
func (s *Service) retry(ctx context.Context, t store.WhatsAppThread, ae *APIError) error {
	now := s.clock.Now()
	if ae.TokenInvalid() {
		_, err := s.store.RetryWhatsAppThread(ctx, t, ae.Error(), true, now.Add(TokenRetry), now)
		return err
	}
	if t.FirstFailedAt != nil && now.Sub(*t.FirstFailedAt) >= GiveUpAfter {
		msgs, err := s.store.ListMessages(ctx, t.WorkspaceID, t.ConversationID, t.SentSeq, 0, 1)
		if err != nil || len(msgs) == 0 {
			return err
		}
		_, err = s.store.AdvanceWhatsAppThread(ctx, t, store.WhatsAppOutcome{Seq: msgs[0].Seq, Failed: true, ErrorCode: ae.Code,
			Error: "not sent after a day of retries: " + ae.Message}, time.Time{}, now)
		return err
	}
	gap := FirstRetry << min(t.Attempts, 20)
	if gap > MaxRetryGap || gap <= 0 {
		gap = MaxRetryGap
	}
	_, err := s.store.RetryWhatsAppThread(ctx, t, ae.Error(), false, now.Add(gap), now)
	return err
}

// tokenRefused marks a channel whose token the Graph API refused, so the
// admins see it in Settings → WhatsApp.
func (s *Service) tokenRefused(ctx context.Context, c store.WhatsAppChannel, ae *APIError) {
	if _, err := s.store.SetWhatsAppChannelStatus(ctx, c.WorkspaceID, c.SiteID, store.WhatsAppTokenInvalid, ae.Message, s.clock.Now()); err != nil {
		s.log.Warn("whatsapp: channel status", "site", c.SiteID, "err", err)
	}
}
