package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/store"
)

// Delivery schedule.
const (
	// Deadline is how long an event is retried before it is given up, and
	// how long an endpoint may only fail before it is disabled.
	Deadline = 24 * time.Hour
	// Lease is how long a claimed delivery is its node's: longer than it
	// may wait behind the others claimed with it and then take (a node
	// claims at most queued: two rounds of its workers, each attempt at
	// most Timeout, plus recording), so that it is never sent twice at
	// once; and short, so that one whose node died goes out soon after.
	Lease = 4 * Timeout
	// firstRetry doubles with each failed attempt up to lastRetry: 10 s,
	// 20 s, 40 s ... 2 h, then every 2 h until the deadline (about twenty
	// attempts in the day).
	firstRetry = 10 * time.Second
	lastRetry  = 2 * time.Hour
	// parallel bounds the deliveries one node has in flight; queued, the
	// ones it holds claimed (in flight or waiting for a worker).
	parallel = 32
	queued   = 2 * parallel
	// Outcomes are recorded together, at most recordBatch in one
	// transaction, at most recordEvery after the first of them came: one
	// write per delivery would compete with the live path for the
	// database's writer.
	recordBatch = 256
	recordEvery = 10 * time.Millisecond
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
// workspaces, records their outcomes, and disables the endpoints failing
// for a day; it returns how many it attempted. A subject's deliveries go
// one at a time (ClaimWebhookDeliveries), so a pass sends at most one of
// each conversation, ticket or contact. Run is the same, continuously.
func (s *Service) RunDue(ctx context.Context, limit int) (int, error) {
	now := s.clock.Now()
	jobs, err := s.store.ClaimWebhookDeliveries(ctx, now, now.Add(Lease), min(limit, parallel))
	if err != nil {
		return 0, err
	}
	outs := make([]store.WebhookOutcome, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Go(func() { outs[i] = s.attempt(ctx, j) })
	}
	wg.Wait()
	if ctx.Err() != nil {
		return len(jobs), nil // shutting down: what was cut short goes again
	}
	_, err = s.store.RecordWebhookOutcomes(ctx, outs, s.clock.Now())
	return len(jobs), errors.Join(err, s.disableFailing(ctx))
}

// Run delivers until ctx ends. It holds at most queued deliveries
// claimed, parallel of them in flight, so a slow endpoint holds one
// worker, not everyone's deliveries; it claims more as soon as there is
// room, and the outcomes recorded free each subject's next event. When
// nothing is due it looks again every idle. Failures to reach the
// database are told to report.
func (s *Service) Run(ctx context.Context, idle time.Duration, report func(error)) {
	jobs := make(chan store.WebhookJob, queued)
	outs := make(chan store.WebhookOutcome, queued)
	recorded := make(chan struct{}, 1)
	// held counts the deliveries claimed and not yet recorded: queued for
	// a worker, in flight, or waiting to be recorded.
	var held atomic.Int64
	var workers sync.WaitGroup
	for range parallel {
		workers.Go(func() {
			for j := range jobs {
				o := s.attempt(ctx, j)
				if ctx.Err() != nil {
					held.Add(-1)
					continue // cut short by the shutdown: its lease ends and it goes again
				}
				outs <- o
			}
		})
	}
	recorder := make(chan struct{})
	go func() {
		defer close(recorder)
		s.recordOutcomes(outs, &held, recorded, report)
	}()
	defer func() {
		close(jobs)
		workers.Wait()
		close(outs)
		<-recorder
	}()
	tick := time.NewTicker(idle)
	defer tick.Stop()
	for ctx.Err() == nil {
		if room := queued - int(held.Load()); room > 0 {
			now := s.clock.Now()
			claimed, err := s.store.ClaimWebhookDeliveries(ctx, now, now.Add(Lease), room)
			if err != nil && ctx.Err() == nil {
				report(err)
			}
			held.Add(int64(len(claimed)))
			for _, j := range claimed {
				jobs <- j
			}
			if len(claimed) == room {
				continue // more may be due: look again at once
			}
		}
		select {
		case <-ctx.Done():
		case <-recorded: // subjects' next events may be due now
		case <-tick.C:
			if err := s.disableFailing(ctx); err != nil && ctx.Err() == nil {
				report(err)
			}
		}
	}
}

// recordOutcomes writes the outcomes that come on outs, in batches, takes
// them off held and signals recorded after each batch; it returns when
// outs is closed, having written what came.
func (s *Service) recordOutcomes(outs <-chan store.WebhookOutcome, held *atomic.Int64, recorded chan<- struct{}, report func(error)) {
	var batch []store.WebhookOutcome
	flush := func() {
		if len(batch) == 0 {
			return
		}
		// Not the run's context: an outcome that came is recorded even
		// while the runner stops.
		ctx, cancel := context.WithTimeout(context.Background(), Timeout)
		_, err := s.store.RecordWebhookOutcomes(ctx, batch, s.clock.Now())
		cancel()
		if err != nil {
			report(err) // their leases end and they go again
		}
		held.Add(-int64(len(batch)))
		batch = batch[:0]
		select {
		case recorded <- struct{}{}:
		default:
		}
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case o, ok := <-outs:
			if !ok {
				flush()
				return
			}
			if len(batch) == 0 {
				timer.Reset(recordEvery)
			}
			batch = append(batch, o)
			if len(batch) >= recordBatch {
				timer.Stop()
				flush()
			}
		case <-timer.C:
			flush()
		}
	}
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
