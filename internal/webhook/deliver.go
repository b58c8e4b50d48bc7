package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sync"
	"time"

	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/store"
)

// Delivery schedule.
const (
	// Deadline is how long an event is retried before it is given up, and
	// how long an endpoint may only fail before it is disabled.
	Deadline = 24 * time.Hour
	// Lease is how long a claimed delivery is its node's: longer than a
	// delivery may take (Timeout), so that it is never sent twice at once,
	// and short, so that one whose node died goes out soon after.
	Lease = 3 * Timeout
	// firstRetry doubles with each failed attempt up to lastRetry: 10 s,
	// 20 s, 40 s ... 2 h, then every 2 h until the deadline (about twenty
	// attempts in the day).
	firstRetry = 10 * time.Second
	lastRetry  = 2 * time.Hour
	// parallel bounds the deliveries one node has in flight.
	parallel = 16
)

// DisabledReason is what a disabled endpoint's reason says.
const DisabledReason = "every delivery failed for a day"

// Envelope is the body of every delivery.
type Envelope struct {
	ID          string          `json:"id"` // the event's id: the same on every retry
	Type        string          `json:"type"`
	CreatedAt   time.Time       `json:"created_at"`
	WorkspaceID string          `json:"workspace_id"`
	Data        json.RawMessage `json:"data"`
}

// retryAfter is the wait after a delivery's attempts-th failed attempt.
func retryAfter(attempts int) time.Duration {
	d := firstRetry
	for i := 1; i < attempts && d < lastRetry; i++ {
		d *= 2
	}
	return min(d, lastRetry)
}

// RunDue delivers up to limit due deliveries (at most parallel), across
// workspaces, records each outcome as it comes, and disables the
// endpoints failing for a day; it returns how many it attempted. A
// subject's deliveries go one at a time (ClaimWebhookDeliveries), so a
// pass sends at most one of each conversation, ticket or contact.
func (s *Service) RunDue(ctx context.Context, limit int) (int, error) {
	now := s.clock.Now()
	jobs, err := s.store.ClaimWebhookDeliveries(ctx, now, now.Add(Lease), min(limit, parallel))
	if err != nil {
		return 0, err
	}
	var wg sync.WaitGroup
	errs := make([]error, len(jobs))
	for i, j := range jobs {
		wg.Go(func() { errs[i] = s.deliver(ctx, j) })
	}
	wg.Wait()
	if ctx.Err() != nil {
		return len(jobs), nil // shutting down: what was cut short goes again
	}
	return len(jobs), errors.Join(append(errs, s.disableFailing(ctx))...)
}

// Run delivers until ctx ends: up to parallel deliveries in flight, each
// slot claiming the next due one as soon as it frees, so a slow endpoint
// holds one slot, not a whole pass; when nothing is due it looks again
// every idle. Failures to reach the database are logged by report.
func (s *Service) Run(ctx context.Context, idle time.Duration, report func(error)) {
	slots := make(chan struct{}, parallel)
	freed := make(chan struct{}, parallel)
	tick := time.NewTicker(idle)
	defer tick.Stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	for ctx.Err() == nil {
		if free := parallel - len(slots); free > 0 {
			now := s.clock.Now()
			jobs, err := s.store.ClaimWebhookDeliveries(ctx, now, now.Add(Lease), free)
			if err != nil && ctx.Err() == nil {
				report(err)
			}
			for _, j := range jobs {
				slots <- struct{}{}
				wg.Go(func() {
					defer func() { <-slots; freed <- struct{}{} }()
					if err := s.deliver(ctx, j); err != nil && ctx.Err() == nil {
						report(err)
					}
				})
			}
			if len(jobs) == free {
				continue // more may be due: look again at once
			}
		}
		select {
		case <-ctx.Done():
		case <-freed: // a subject's next may be due now
		case <-tick.C:
			if err := s.disableFailing(ctx); err != nil && ctx.Err() == nil {
				report(err)
			}
		}
	}
}

// deliver attempts one claimed delivery and records its outcome. An
// attempt cut short by ctx (shutdown) is not recorded: its lease ends and
// it is sent again, rather than counted as the endpoint's failure.
func (s *Service) deliver(ctx context.Context, j store.WebhookJob) error {
	out := s.attempt(ctx, j)
	if ctx.Err() != nil {
		return nil
	}
	_, err := s.store.RecordWebhookOutcome(ctx, out, s.clock.Now())
	return err
}

// disableFailing disables the endpoints whose every attempt failed for a
// day, and tells the workspace's admins.
func (s *Service) disableFailing(ctx context.Context) error {
	now := s.clock.Now()
	disabled, err := s.store.DisableFailingWebhooks(ctx, now.Add(-Deadline), DisabledReason, now)
	for _, e := range disabled {
		if s.disabled != nil {
			s.disabled(ctx, e)
		}
		if s.audit != nil {
			s.audit.Record(ctx, auth.Actor{WorkspaceID: e.WorkspaceID}, "webhook_disabled", "webhook", e.ID, map[string]any{"url": e.URL, "reason": e.DisabledReason})
		}
	}
	return err
}

// attempt sends one claimed delivery.
func (s *Service) attempt(ctx context.Context, j store.WebhookJob) store.WebhookOutcome {
	out := store.WebhookOutcome{Job: j}
	if j.Skip != "" {
		out.Skipped, out.Error = true, j.Skip
		return out
	}
	body, err := json.Marshal(Envelope{ID: j.EventID, Type: j.Type, CreatedAt: j.CreatedAt, WorkspaceID: j.WorkspaceID, Data: j.Data})
	if err != nil {
		out.Error = err.Error()
		return s.failed(out)
	}
	out.Status, out.DurationMS, err = s.send(ctx, j.URL, j.Secret, j.EventID, j.Type, body)
	switch {
	case err != nil:
		out.Error = err.Error()
	case out.Status >= 200 && out.Status < 300:
		out.Delivered = true
		return out
	default:
		out.Error = fmt.Sprintf("the endpoint answered %d", out.Status)
	}
	return s.failed(out)
}

// failed schedules a failed attempt's retry, or gives it up when the
// retry would come after its deadline.
func (s *Service) failed(out store.WebhookOutcome) store.WebhookOutcome {
	next := s.clock.Now().Add(retryAfter(out.Job.Attempts))
	if next.Before(out.Job.Deadline) {
		out.Retry = next
	}
	return out
}

// maxErrorBody bounds what is read of an endpoint's answer: only its
// status counts, and the rest is drained so the connection is reused.
const maxErrorBody = 64 << 10

// send posts one signed body and returns the status and how long it took.
func (s *Service) send(ctx context.Context, url, secret, eventID, event string, body []byte) (status, ms int, err error) {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	start := time.Now()
	res, err := Post(ctx, s.client, url, secret, eventID, event, body, s.clock.Now())
	ms = int(time.Since(start) / time.Millisecond)
	if err != nil {
		return 0, ms, reason(err)
	}
	io.Copy(io.Discard, io.LimitReader(res.Body, maxErrorBody)) //nolint:errcheck // draining only
	res.Body.Close()
	return res.StatusCode, ms, nil
}

// reason is a delivery error as the delivery log says it: the refusal of
// a forbidden target plainly, a timeout as such, the rest as it came.
func reason(err error) error {
	switch {
	case errors.Is(err, ErrForbiddenTarget):
		return errors.New("the endpoint's address is not public (loopback, private or link-local)")
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("no answer within %s", Timeout)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err // without the method and URL the log shows anyway
	}
	return err
}

// PingResult is what a test delivery came to.
type PingResult struct {
	Status     int    `json:"status"` // 0: no answer
	Error      string `json:"error"`
	DurationMS int    `json:"duration_ms"`
}

// Ping sends an endpoint a signed "ping" event now, outside the outbox
// (nothing is stored or retried), so an admin can check the endpoint.
func (s *Service) Ping(ctx context.Context, a auth.Actor, id string) (PingResult, error) {
	e, err := s.get(ctx, a, id)
	if err != nil {
		return PingResult{}, err
	}
	data, err := json.Marshal(map[string]string{"webhook_id": e.ID})
	if err != nil {
		return PingResult{}, err
	}
	ev := Envelope{ID: "ping-" + auth.RandomToken(12), Type: "ping", CreatedAt: s.clock.Now().UTC(), WorkspaceID: e.WorkspaceID, Data: data}
	body, err := json.Marshal(ev)
	if err != nil {
		return PingResult{}, err
	}
	var r PingResult
	r.Status, r.DurationMS, err = s.send(ctx, e.URL, e.Secret, ev.ID, ev.Type, body)
	if err != nil {
		r.Error = err.Error()
	} else if r.Status < 200 || r.Status >= 300 {
		r.Error = fmt.Sprintf("the endpoint answered %d", r.Status)
	}
	return r, nil
}
