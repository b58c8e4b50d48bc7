package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Webhook event types (docs/api.md, Webhooks), in the order the docs and
// the desk list them.
const (
	EventConversationStarted  = "conversation.started"
	EventMessageCreated       = "message.created"
	EventConversationAssigned = "conversation.assigned"
	EventConversationClosed   = "conversation.closed"
	EventConversationRated    = "conversation.rated"
	EventTicketCreated        = "ticket.created"
	EventTicketUpdated        = "ticket.updated"
	EventTicketClosed         = "ticket.closed"
	EventContactCreated       = "contact.created"
	EventContactUpdated       = "contact.updated"
)

// WebhookEvents lists every event type.
var WebhookEvents = []string{EventConversationStarted, EventMessageCreated, EventConversationAssigned, EventConversationClosed,
	EventConversationRated, EventTicketCreated, EventTicketUpdated, EventTicketClosed, EventContactCreated, EventContactUpdated}

// WebhookEndpoint is a URL a workspace's events are delivered to.
type WebhookEndpoint struct {
	ID          string   `json:"id"`
	WorkspaceID string   `json:"-"`
	URL         string   `json:"url"`
	Description string   `json:"description"`
	Events      []string `json:"events"`
	Secret      string   `json:"-"` // shown once, when made or rotated
	Enabled     bool     `json:"enabled"`
	// DisabledReason says why it was disabled by itself ("" when an admin
	// did, or while enabled); FailingSince is its first failed attempt
	// since its last success.
	DisabledReason string     `json:"disabled_reason"`
	FailingSince   *time.Time `json:"failing_since,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

const webhookColumns = `id, workspace_id, url, description, events, secret, enabled, disabled_reason, failing_since, created_at, updated_at`

func scanWebhook(sc scanner) (WebhookEndpoint, error) {
	var (
		e        WebhookEndpoint
		events   string
		failing  sql.NullInt64
		cre, upd int64
	)
	err := sc.Scan(&e.ID, &e.WorkspaceID, &e.URL, &e.Description, &events, &e.Secret, &e.Enabled, &e.DisabledReason, &failing, &cre, &upd)
	e.Events = slices.Clip(append([]string{}, strings.Fields(events)...))
	e.FailingSince, e.CreatedAt, e.UpdatedAt = optTime(failing), fromMillis(cre), fromMillis(upd)
	return e, err
}

// CreateWebhook stores a new endpoint, unless the workspace already has
// max of them (ErrConflict).
func (s *Store) CreateWebhook(ctx context.Context, e WebhookEndpoint, max int, now time.Time) (WebhookEndpoint, error) {
	e.ID, e.CreatedAt, e.UpdatedAt, e.Enabled, e.DisabledReason, e.FailingSince = NewID(), stored(now), stored(now), true, "", nil
	err := s.inTx(ctx, "store: create webhook", func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM webhook_endpoints WHERE workspace_id = $1`, e.WorkspaceID).Scan(&n); err != nil {
			return mapErr("store: count webhooks", err)
		}
		if n >= max {
			return fmt.Errorf("store: create webhook: %d endpoints: %w", n, ErrConflict)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO webhook_endpoints (`+webhookColumns+`)
			SELECT $1, id, $3, $4, $5, $6, $7, '', NULL, $8, $8 FROM workspaces WHERE id = $2`,
			e.ID, e.WorkspaceID, e.URL, e.Description, strings.Join(e.Events, " "), e.Secret, true, millis(now))
		return mustAffect("store: create webhook", res, err)
	})
	s.hooks.forget(e.WorkspaceID)
	return e, err
}

// ListWebhooks lists a workspace's endpoints, oldest first.
func (s *Store) ListWebhooks(ctx context.Context, workspaceID string) ([]WebhookEndpoint, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+webhookColumns+` FROM webhook_endpoints WHERE workspace_id = $1
		ORDER BY created_at, id`, workspaceID)
	return collect(rows, err, "store: list webhooks", scanWebhook)
}

// GetWebhook reads one endpoint of a workspace.
func (s *Store) GetWebhook(ctx context.Context, workspaceID, id string) (WebhookEndpoint, error) {
	e, err := scanWebhook(s.read.QueryRowContext(ctx, `SELECT `+webhookColumns+` FROM webhook_endpoints
		WHERE workspace_id = $1 AND id = $2`, workspaceID, id))
	return e, mapErr("store: get webhook", err)
}

// UpdateWebhook stores an endpoint's URL, description, events, secret and
// whether it is enabled, if it is still as read (its UpdatedAt; ErrStale
// otherwise: read it again). Enabling one clears its failures and gives
// its queued deliveries a new day, with their backoff started again: those
// waiting for a retry later than leased go now (earlier ones may be in
// flight under a claim's lease, which ends by leased).
func (s *Store) UpdateWebhook(ctx context.Context, e WebhookEndpoint, deadline, leased, now time.Time) (WebhookEndpoint, error) {
	var out WebhookEndpoint
	err := s.inTx(ctx, "store: update webhook", func(tx *sql.Tx) error {
		var was bool
		if err := tx.QueryRowContext(ctx, `SELECT enabled FROM webhook_endpoints WHERE workspace_id = $1 AND id = $2`+forEndpoint(s.dialect),
			e.WorkspaceID, e.ID).Scan(&was); err != nil {
			return mapErr("store: update webhook", err)
		}
		var err error
		out, err = scanWebhook(tx.QueryRowContext(ctx, `UPDATE webhook_endpoints SET url = $3, description = $4, events = $5,
			secret = $6, enabled = $7, updated_at = $8,
			disabled_reason = CASE WHEN $7 THEN '' ELSE disabled_reason END,
			failing_since = CASE WHEN $7 AND NOT enabled THEN NULL ELSE failing_since END
			WHERE workspace_id = $1 AND id = $2 AND updated_at = $9 RETURNING `+webhookColumns,
			e.WorkspaceID, e.ID, e.URL, e.Description, strings.Join(e.Events, " "), e.Secret, e.Enabled, millis(now), millis(e.UpdatedAt)))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: update webhook %s: %w", e.ID, ErrStale)
		}
		if err != nil {
			return mapErr("store: update webhook", err)
		}
		switch {
		case e.Enabled && !was:
			_, err = tx.ExecContext(ctx, `UPDATE webhook_deliveries SET deadline = $2, attempts = 0,
				next_attempt_at = CASE WHEN next_attempt_at > $3 THEN $4 ELSE next_attempt_at END
				WHERE endpoint_id = $1 AND state = 'queued'`, e.ID, millis(deadline), millis(leased), millis(now))
			return mapErr("store: requeue webhook deliveries", err)
		case was && !e.Enabled:
			return parkDeliveries(ctx, tx, e.ID)
		}
		return nil
	})
	s.hooks.forget(e.WorkspaceID)
	return out, err
}

// DeleteWebhook deletes an endpoint with its deliveries.
func (s *Store) DeleteWebhook(ctx context.Context, workspaceID, id string) error {
	res, err := s.write.ExecContext(ctx, `DELETE FROM webhook_endpoints WHERE workspace_id = $1 AND id = $2`, workspaceID, id)
	s.hooks.forget(workspaceID)
	return mustAffect("store: delete webhook", res, err)
}

// The outbox. Every change an event reports writes the event in its own
// transaction (hook): committed with it, or rolled back with it. The
// subject orders an endpoint's deliveries: a conversation's events (its
// messages too), a ticket's, a contact's go out one at a time, oldest
// first.

// hookEvent is one event as its change writes it.
type hookEvent struct {
	workspaceID, typ, subject string
	// ref is a message.created's message, by its client_msg_id in the
	// conversation (the subject): messages are keyed by conversation, not
	// id. It is read when the event is delivered. data, for the others,
	// makes the payload: called only when an endpoint takes the event.
	ref  string
	data func() (any, error)
	at   time.Time
}

// hookDeadline is how long an event is tried before it is given up.
const hookDeadline = 24 * time.Hour

// subscribed is the condition "endpoint e is enabled and takes the event
// type in parameter n" (events are space-separated; no type has a LIKE
// wildcard in it).
func subscribed(e string, n int) string {
	return fmt.Sprintf(`%[1]sworkspace_id = $1 AND %[1]senabled AND (' ' || %[1]sevents || ' ') LIKE $%[2]d`, e, n)
}

// takes is the LIKE pattern of an event type for subscribed.
func takes(typ string) string { return "% " + typ + " %" }

// hook writes ev into the outbox in tx, with a delivery for each enabled
// endpoint of the workspace that takes it; nothing when none does (one
// indexed probe: the events this way are a conversation's or a ticket's
// changes, not its messages, which come through the cache in hookCache).
func hook(ctx context.Context, tx *sql.Tx, ev hookEvent) error {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM webhook_endpoints WHERE `+subscribed("", 2)+` LIMIT 1`,
		ev.workspaceID, takes(ev.typ)).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return mapErr("store: webhook endpoints", err)
	}
	return writeHook(ctx, tx, nil, ev)
}

// writeHook stores ev and its deliveries, with the prepared statements p
// when not nil.
func writeHook(ctx context.Context, tx *sql.Tx, p *[nQueries]*sql.Stmt, ev hookEvent) error {
	payload := ""
	if ev.data != nil {
		v, err := ev.data()
		if err != nil {
			return err
		}
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("store: webhook payload: %w", err)
		}
		payload = string(b)
	}
	var pos int64
	err := txRow(ctx, tx, p, qHookEvent, NewID(), ev.workspaceID, ev.typ, ev.subject, ev.ref, payload, millis(ev.at)).Scan(&pos)
	if err != nil {
		return mapErr("store: webhook event", err)
	}
	_, err = txExec(ctx, tx, p, qHookDeliveries, ev.workspaceID, takes(ev.typ), pos, ev.subject, millis(ev.at), millis(ev.at.Add(hookDeadline)))
	return mapErr("store: webhook deliveries", err)
}

// hookConversation writes a conversation event, c as the change left it.
func hookConversation(ctx context.Context, tx *sql.Tx, typ string, c Conversation, at time.Time) error {
	return hook(ctx, tx, hookEvent{workspaceID: c.WorkspaceID, typ: typ, subject: c.ID, at: at,
		data: func() (any, error) { return map[string]any{"conversation": c}, nil }})
}

// hookTicket writes a ticket event, the ticket read in tx as it stands.
func hookTicket(ctx context.Context, tx *sql.Tx, typ, workspaceID, id string, at time.Time) error {
	return hook(ctx, tx, hookEvent{workspaceID: workspaceID, typ: typ, subject: id, at: at, data: func() (any, error) {
		t, err := getTicketTx(ctx, tx, workspaceID, id)
		return map[string]any{"ticket": t}, err
	}})
}

// hookContact writes a contact event.
func hookContact(ctx context.Context, tx *sql.Tx, typ string, c Contact, at time.Time) error {
	return hook(ctx, tx, hookEvent{workspaceID: c.WorkspaceID, typ: typ, subject: c.ID, at: at,
		data: func() (any, error) { return map[string]any{"contact": c}, nil }})
}

// hookMessage writes a message.created for a message stored in tx.
func hookMessage(ctx context.Context, tx *sql.Tx, m Message) error {
	return hook(ctx, tx, messageHook(m))
}

func messageHook(m Message) hookEvent {
	return hookEvent{workspaceID: m.WorkspaceID, typ: EventMessageCreated, subject: m.ConversationID, ref: m.ClientMsgID, at: m.CreatedAt}
}

// hookCache knows, per workspace, which event types its enabled endpoints
// take, so that the live path (every message) asks the database nothing
// when none does. This node's changes to endpoints forget a workspace at
// once; another node's are seen within hookCacheTTL. Only a workspace
// seen for the first time is read on the live path: a stale entry is
// used while it is read again in the background.
type hookCache struct {
	mu  sync.Mutex
	m   map[string]hookEntry
	gen uint64 // moves on with each forget: a refresh begun before one is dropped
}

type hookEntry struct {
	types      []string
	at         time.Time
	refreshing bool
}

// hookCacheTTL bounds how long an endpoint made on another node may miss
// a message.created.
const hookCacheTTL = 5 * time.Second

// hookCacheMax bounds the workspaces remembered (each entry is small;
// past it the cache starts again).
const hookCacheMax = 100000

// wants reports whether an enabled endpoint of the workspace takes typ.
func (c *hookCache) wants(ctx context.Context, s *Store, workspaceID, typ string) (bool, error) {
	now := time.Now()
	c.mu.Lock()
	e, ok := c.m[workspaceID]
	if ok && now.Sub(e.at) > hookCacheTTL && !e.refreshing {
		e.refreshing = true
		c.m[workspaceID] = e
		go c.refresh(s, workspaceID, c.gen)
	}
	gen := c.gen
	c.mu.Unlock()
	if ok {
		return slices.Contains(e.types, typ), nil
	}
	types, err := c.load(ctx, s, workspaceID)
	if err != nil {
		return false, err
	}
	c.keep(workspaceID, types, gen)
	return slices.Contains(types, typ), nil
}

// load reads the event types a workspace's enabled endpoints take.
func (c *hookCache) load(ctx context.Context, s *Store, workspaceID string) ([]string, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT events FROM webhook_endpoints WHERE workspace_id = $1 AND enabled`, workspaceID)
	events, err := collect(rows, err, "store: webhook events taken", scanString)
	return strings.Fields(strings.Join(events, " ")), err
}

// keep stores what load read, unless a forget came since it began.
func (c *hookCache) keep(workspaceID string, types []string, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	if c.m == nil || len(c.m) >= hookCacheMax {
		c.m = map[string]hookEntry{}
	}
	c.m[workspaceID] = hookEntry{types: types, at: time.Now()}
}

// refresh reads a stale entry again; on failure the entry stays as it
// was, to be tried again by the next use.
func (c *hookCache) refresh(s *Store, workspaceID string, gen uint64) {
	ctx, cancel := context.WithTimeout(context.Background(), hookCacheTTL)
	defer cancel()
	types, err := c.load(ctx, s, workspaceID)
	if err == nil {
		c.keep(workspaceID, types, gen)
		return
	}
	c.mu.Lock()
	if e, ok := c.m[workspaceID]; ok {
		e.refreshing = false
		c.m[workspaceID] = e
	}
	c.mu.Unlock()
}

// forget drops a workspace's entry: its endpoints changed.
func (c *hookCache) forget(workspaceID string) {
	c.mu.Lock()
	delete(c.m, workspaceID)
	c.gen++
	c.mu.Unlock()
}

// hookAppended writes the message.created of a message the appender
// stored in tx, when an endpoint takes it (p: the prepared statements, or
// nil).
func (s *Store) hookAppended(ctx context.Context, tx *sql.Tx, p *[nQueries]*sql.Stmt, out Appended) error {
	if out.Duplicate {
		return nil
	}
	ok, err := s.hooks.wants(ctx, s, out.Message.WorkspaceID, EventMessageCreated)
	if !ok || err != nil {
		return err
	}
	return writeHook(ctx, tx, p, messageHook(out.Message))
}

// pgHookMessage is writeHook for a message of a pipelined batch
// (storeBatchPostgres): it writes nothing unless the message was stored
// (a retry or a refused message was not: its client_msg_id holds another
// id). $1 event id, $2 workspace, $3 conversation, $4 message id, $5 now,
// $6 deadline, $7 client_msg_id.
const pgHookMessage = `WITH ev AS (
	INSERT INTO webhook_events (id, workspace_id, type, subject, ref, payload, created_at)
	SELECT $1::text, $2::text, 'message.created', $3::text, $7::text, '', $5::bigint
	WHERE EXISTS (SELECT 1 FROM messages WHERE conversation_id = $3::text AND client_msg_id = $7::text AND id = $4::text)
	RETURNING pos
)
INSERT INTO webhook_deliveries (endpoint_id, pos, workspace_id, subject, state, next_attempt_at, deadline)
SELECT e.id, ev.pos, e.workspace_id, $3::text, 'queued', $5::bigint, $6::bigint FROM ev, webhook_endpoints e
WHERE e.workspace_id = $2::text AND e.enabled AND (' ' || e.events || ' ') LIKE '% message.created %'`

// Delivery states.
const (
	DeliveryQueued    = "queued"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"  // given up at its deadline
	DeliverySkipped   = "skipped" // its message was erased first
)

// WebhookDelivery is one endpoint's delivery of one event.
type WebhookDelivery struct {
	EndpointID     string     `json:"-"`
	Pos            int64      `json:"-"`
	EventID        string     `json:"event_id"`
	Type           string     `json:"type"`
	Subject        string     `json:"subject"`
	State          string     `json:"state"`
	Attempts       int        `json:"attempts"`
	LastStatus     int        `json:"last_status"`
	LastError      string     `json:"last_error"`
	LastDurationMS int        `json:"last_duration_ms"`
	CreatedAt      time.Time  `json:"created_at"`
	LastAttemptAt  *time.Time `json:"last_attempt_at,omitempty"`
	NextAttemptAt  *time.Time `json:"next_attempt_at,omitempty"` // while queued
	DeliveredAt    *time.Time `json:"delivered_at,omitempty"`
	Deadline       time.Time  `json:"-"`
}

const deliveryColumns = `d.endpoint_id, d.pos, v.id, v.type, d.subject, d.state, d.attempts, d.last_status, d.last_error,
	d.last_duration_ms, v.created_at, d.last_attempt_at, d.next_attempt_at, d.delivered_at, d.deadline`

func scanDelivery(sc scanner) (WebhookDelivery, error) {
	var (
		d                   WebhookDelivery
		cre, next, deadline int64
		last, delivered     sql.NullInt64
	)
	err := sc.Scan(&d.EndpointID, &d.Pos, &d.EventID, &d.Type, &d.Subject, &d.State, &d.Attempts, &d.LastStatus, &d.LastError,
		&d.LastDurationMS, &cre, &last, &next, &delivered, &deadline)
	d.CreatedAt, d.LastAttemptAt, d.DeliveredAt, d.Deadline = fromMillis(cre), optTime(last), optTime(delivered), fromMillis(deadline)
	if d.State == DeliveryQueued && next != parked {
		t := fromMillis(next)
		d.NextAttemptAt = &t
	}
	return d, err
}

// ListWebhookDeliveries reads an endpoint's deliveries, newest first:
// those before the delivery at position before (0: the newest), at most
// limit.
func (s *Store) ListWebhookDeliveries(ctx context.Context, workspaceID, endpointID string, before int64, limit int) ([]WebhookDelivery, error) {
	if before <= 0 {
		before = 1<<62 - 1
	}
	rows, err := s.read.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries d JOIN webhook_events v ON v.pos = d.pos
		WHERE d.workspace_id = $1 AND d.endpoint_id = $2 AND d.pos < $3 ORDER BY d.pos DESC LIMIT $4`,
		workspaceID, endpointID, before, limit)
	return collect(rows, err, "store: webhook deliveries", scanDelivery)
}

// RedeliverWebhook queues an endpoint's delivery of an event again, due
// now, tried until deadline with its backoff started again. Only one that
// is settled (delivered, failed or skipped): one still queued goes at its
// next attempt, or is being sent (ErrConflict).
func (s *Store) RedeliverWebhook(ctx context.Context, workspaceID, endpointID, eventID string, deadline, now time.Time) (WebhookDelivery, error) {
	var out WebhookDelivery
	err := s.inTx(ctx, "store: redeliver webhook", func(tx *sql.Tx) error {
		cur, err := scanDelivery(tx.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries d
			JOIN webhook_events v ON v.pos = d.pos WHERE d.workspace_id = $1 AND d.endpoint_id = $2 AND v.id = $3`+lockOf(s.dialect, "d"),
			workspaceID, endpointID, eventID))
		if err != nil {
			return mapErr("store: redeliver webhook", err)
		}
		if cur.State == DeliveryQueued {
			return fmt.Errorf("store: redeliver webhook: still queued: %w", ErrConflict)
		}
		_, err = tx.ExecContext(ctx, `UPDATE webhook_deliveries SET state = 'queued', next_attempt_at = $3, deadline = $4, attempts = 0
			WHERE endpoint_id = $1 AND pos = $2`, endpointID, cur.Pos, millis(now), millis(deadline))
		if err != nil {
			return mapErr("store: redeliver webhook", err)
		}
		out = cur
		out.State, out.Attempts, out.Deadline = DeliveryQueued, 0, stored(deadline)
		next := stored(now)
		out.NextAttemptAt = &next
		return nil
	})
	return out, err
}

// claimDueSQL reads the due deliveries a claim takes: of each endpoint
// and subject the oldest queued, in the order of the due index, which it
// stops reading at the limit (plan_test.go keeps it so).
const claimDueSQL = `SELECT ` + deliveryColumns + `, d.workspace_id, e.url, e.secret, v.ref, v.payload
	FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id JOIN webhook_events v ON v.pos = d.pos
	WHERE d.state = 'queued' AND d.next_attempt_at <= $1 AND e.enabled
	AND NOT EXISTS (SELECT 1 FROM webhook_deliveries o WHERE o.endpoint_id = d.endpoint_id AND o.subject = d.subject
		AND o.state = 'queued' AND o.pos < d.pos)
	ORDER BY d.next_attempt_at, d.pos LIMIT $2`

// WebhookJob is a claimed delivery with what sending it needs.
type WebhookJob struct {
	WebhookDelivery
	WorkspaceID string
	URL         string
	Secret      string
	// Data is the event's data as JSON. Skip, when set, says why it
	// cannot be sent (its message was erased, or cannot be read).
	Data json.RawMessage
	Skip string
	// Lease is when the claim that took it ends: its outcome is recorded
	// only while the claim is still this one.
	Lease time.Time
}

// ClaimWebhookDeliveries takes up to limit deliveries that are due, across
// workspaces: of each endpoint and subject only the oldest one queued, so
// that a subject's events arrive in order. Each one's next attempt moves
// to until: the lease under which the claimer sends it (if the claimer
// dies, it is due again when the lease ends).
func (s *Store) ClaimWebhookDeliveries(ctx context.Context, now, until time.Time, limit int) ([]WebhookJob, error) {
	rows, err := s.read.QueryContext(ctx, claimDueSQL, millis(now), limit)
	type due struct {
		job           WebhookJob
		ref, payload  string
		nextAttemptAt int64
	}
	found, err := collect(rows, err, "store: due webhooks", func(sc scanner) (due, error) {
		var d due
		var err error
		d.job.WebhookDelivery, err = scanDelivery(&trailing{row: sc, tail: []any{&d.job.WorkspaceID, &d.job.URL, &d.job.Secret, &d.ref, &d.payload}})
		if d.job.NextAttemptAt != nil {
			d.nextAttemptAt = millis(*d.job.NextAttemptAt)
		}
		return d, err
	})
	if err != nil || len(found) == 0 {
		return nil, err
	}
	var (
		out  []WebhookJob
		refs []string
	)
	err = s.inTx(ctx, "store: claim webhooks", func(tx *sql.Tx) error {
		out, refs = out[:0], refs[:0]
		keys := make([]deliveryKey, len(found))
		for i, d := range found {
			keys[i] = deliveryKey{d.job.EndpointID, d.job.Pos, d.nextAttemptAt}
		}
		taken, err := s.claimRows(ctx, tx, keys, until)
		if err != nil {
			return err
		}
		for _, d := range found {
			if !taken[deliveryKey{d.job.EndpointID, d.job.Pos, 0}] {
				continue // another node claimed it
			}
			j := d.job
			j.Attempts++
			j.Data, j.Lease = json.RawMessage(d.payload), stored(until)
			refs = append(refs, d.ref)
			out = append(out, j)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The messages are read after the claim, on the read pool: not while
	// the claim holds the writer the live path needs.
	for i, ref := range refs {
		if ref != "" {
			out[i].Data, out[i].Skip = s.messageData(ctx, out[i].WorkspaceID, out[i].Subject, ref)
		}
	}
	return out, nil
}

// deliveryKey names a delivery, with the next attempt a claim read (or
// zero, as a map key of what was taken).
type deliveryKey struct {
	endpoint string
	pos      int64
	was      int64
}

// claimRows moves the deliveries keys name, each still queued with the
// next attempt read, to until, and reports which it took. On PostgreSQL
// in one statement (one round trip for the whole claim); on SQLite, whose
// statements cost no round trip, one each.
func (s *Store) claimRows(ctx context.Context, tx *sql.Tx, keys []deliveryKey, until time.Time) (map[deliveryKey]bool, error) {
	taken := map[deliveryKey]bool{}
	if s.dialect == Postgres {
		ends, poses, wases := make([]string, len(keys)), make([]int64, len(keys)), make([]int64, len(keys))
		for i, k := range keys {
			ends[i], poses[i], wases[i] = k.endpoint, k.pos, k.was
		}
		rows, err := tx.QueryContext(ctx, `UPDATE webhook_deliveries d SET next_attempt_at = $1, attempts = d.attempts + 1
			FROM unnest($2::text[], $3::bigint[], $4::bigint[]) AS c(endpoint_id, pos, was)
			WHERE d.endpoint_id = c.endpoint_id AND d.pos = c.pos AND d.state = 'queued' AND d.next_attempt_at = c.was
			RETURNING d.endpoint_id, d.pos`, millis(until), ends, poses, wases)
		got, err := collect(rows, err, "store: claim webhooks", func(sc scanner) (deliveryKey, error) {
			var k deliveryKey
			return k, sc.Scan(&k.endpoint, &k.pos)
		})
		for _, k := range got {
			taken[k] = true
		}
		return taken, err
	}
	for _, k := range keys {
		res, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET next_attempt_at = $3, attempts = attempts + 1
			WHERE endpoint_id = $1 AND pos = $2 AND state = 'queued' AND next_attempt_at = $4`, k.endpoint, k.pos, millis(until), k.was)
		n, err := affected(res, err)
		if err != nil {
			return nil, mapErr("store: claim webhook", err)
		}
		if n == 1 {
			taken[deliveryKey{k.endpoint, k.pos, 0}] = true
		}
	}
	return taken, nil
}

// messageData is a message.created's data, the message read by its
// conversation and client_msg_id; or why it cannot be sent.
func (s *Store) messageData(ctx context.Context, workspaceID, conversationID, clientMsgID string) (json.RawMessage, string) {
	m, err := scanMessage(s.readRow(ctx, qMessageByClientID, conversationID, clientMsgID, workspaceID))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, "its message was erased before it went out"
	case err != nil:
		// One unreadable message must not stop every delivery.
		return nil, "its message cannot be read: " + err.Error()
	}
	b, err := json.Marshal(map[string]any{"message": m})
	if err != nil {
		return nil, "its message cannot be sent: " + err.Error()
	}
	return b, ""
}

// WebhookOutcome is what one claimed delivery's attempt came to.
type WebhookOutcome struct {
	Job        WebhookJob
	Status     int // the endpoint's HTTP status; 0: no answer
	Error      string
	DurationMS int
	// Delivered, or else Skipped, or else failed: tried again at Retry,
	// or given up (Retry zero).
	Delivered, Skipped bool
	Retry              time.Time
}

// RecordWebhookOutcomes stores attempts' outcomes in one transaction,
// each only if its delivery is still under the claim that took it (a
// lease that ended belongs to another claim now); it returns how many it
// recorded. An endpoint whose last outcome here is a success is failing
// no more; one that failed is failing from its failure, unless it was
// already (and still is: no success came before the failure here).
func (s *Store) RecordWebhookOutcomes(ctx context.Context, outs []WebhookOutcome, now time.Time) (recorded int, err error) {
	// Per endpoint, what its outcomes here come to, in their order.
	const (
		cleared     = 1 // a success last
		failing     = 2 // only failures
		failingAnew = 3 // a failure after a success
	)
	ends := map[string]int{}
	var order []string
	for _, o := range outs {
		if o.Skipped {
			continue
		}
		prev, seen := ends[o.Job.EndpointID]
		if !seen {
			order = append(order, o.Job.EndpointID)
		}
		switch {
		case o.Delivered:
			ends[o.Job.EndpointID] = cleared
		case prev == cleared || prev == failingAnew:
			ends[o.Job.EndpointID] = failingAnew
		default:
			ends[o.Job.EndpointID] = failing
		}
	}
	// The endpoints' rows first, in id order, as UpdateWebhook takes one
	// and then its deliveries: two transactions never wait on each other
	// in a circle.
	slices.Sort(order)
	rows := make([]outcomeRow, len(outs))
	for i, o := range outs {
		r := outcomeRow{endpoint: o.Job.EndpointID, pos: o.Job.Pos, subject: o.Job.Subject, state: DeliveryQueued, next: millis(o.Retry),
			status: o.Status, err: o.Error, ms: o.DurationMS, lease: millis(o.Job.Lease)}
		switch {
		case o.Delivered:
			r.state, r.delivered = DeliveryDelivered, millis(now)
		case o.Skipped:
			r.state = DeliverySkipped
		case o.Retry.IsZero():
			r.state = DeliveryFailed
		}
		if r.state != DeliveryQueued {
			r.next = millis(now)
		}
		rows[i] = r
	}
	err = s.inTx(ctx, "store: webhook outcomes", func(tx *sql.Tx) error {
		present, err := s.lockEndpoints(ctx, tx, order)
		if err != nil {
			return err
		}
		var live []outcomeRow
		for _, r := range rows {
			if present[r.endpoint] { // one deleted meanwhile took its deliveries along
				live = append(live, r)
			}
		}
		done, err := s.settle(ctx, tx, live, now)
		if err != nil {
			return err
		}
		recorded = len(done)
		// What waits behind a retried one in its subject cannot go before
		// its retry: due no earlier, so that the runner does not read every
		// waiting delivery again on each pass of an outage.
		var retried []outcomeRow
		for _, r := range done {
			if r.state == DeliveryQueued {
				retried = append(retried, r)
			}
		}
		if err := s.holdFollowers(ctx, tx, retried); err != nil {
			return err
		}
		for _, id := range order {
			var err error
			switch {
			case !present[id]:
			case ends[id] == cleared:
				_, err = tx.ExecContext(ctx, `UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL`, id)
			case ends[id] == failingAnew:
				_, err = tx.ExecContext(ctx, `UPDATE webhook_endpoints SET failing_since = $2 WHERE id = $1`, id, millis(now))
			default:
				_, err = tx.ExecContext(ctx, `UPDATE webhook_endpoints SET failing_since = $2 WHERE id = $1 AND failing_since IS NULL`, id, millis(now))
			}
			if err != nil {
				return mapErr("store: webhook endpoint outcome", err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return recorded, nil
}

// outcomeRow is one outcome as its delivery's row takes it (delivered 0:
// not delivered).
type outcomeRow struct {
	endpoint, subject, state, err string
	pos, next, delivered, lease   int64
	status, ms                    int
}

// lockEndpoints locks the endpoints ids names (sorted), as UpdateWebhook
// takes one and then its deliveries, and reports which still exist.
func (s *Store) lockEndpoints(ctx context.Context, tx *sql.Tx, ids []string) (map[string]bool, error) {
	present := map[string]bool{}
	if s.dialect == Postgres {
		rows, err := tx.QueryContext(ctx, `SELECT id FROM webhook_endpoints WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE`, ids)
		got, err := collect(rows, err, "store: webhook outcomes", scanString)
		for _, id := range got {
			present[id] = true
		}
		return present, err
	}
	for _, id := range ids {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM webhook_endpoints WHERE id = $1`, id).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, mapErr("store: webhook outcomes", err)
		}
		present[id] = true
	}
	return present, nil
}

// settle writes each outcome to its delivery if the delivery is still
// under the claim that took it, and returns those it wrote. On
// PostgreSQL in one statement (one round trip); on SQLite one each.
func (s *Store) settle(ctx context.Context, tx *sql.Tx, rows []outcomeRow, now time.Time) ([]outcomeRow, error) {
	var done []outcomeRow
	if s.dialect == Postgres {
		if len(rows) == 0 {
			return nil, nil
		}
		var (
			ends, states, errs         []string
			poses, nexts, dels, leases []int64
			statuses, mss              []int32
		)
		for _, r := range rows {
			ends, states, errs = append(ends, r.endpoint), append(states, r.state), append(errs, r.err)
			poses, nexts, dels, leases = append(poses, r.pos), append(nexts, r.next), append(dels, r.delivered), append(leases, r.lease)
			statuses, mss = append(statuses, int32(r.status)), append(mss, int32(r.ms))
		}
		q, err := tx.QueryContext(ctx, `UPDATE webhook_deliveries d SET state = c.state, next_attempt_at = c.next, last_status = c.status,
			last_error = c.err, last_duration_ms = c.ms, last_attempt_at = $1, delivered_at = NULLIF(c.delivered, 0)
			FROM unnest($2::text[], $3::bigint[], $4::text[], $5::bigint[], $6::int[], $7::text[], $8::int[], $9::bigint[], $10::bigint[])
				AS c(endpoint_id, pos, state, next, status, err, ms, delivered, lease)
			WHERE d.endpoint_id = c.endpoint_id AND d.pos = c.pos AND d.state = 'queued' AND d.next_attempt_at = c.lease
			RETURNING d.endpoint_id, d.pos`, millis(now), ends, poses, states, nexts, statuses, errs, mss, dels, leases)
		got, err := collect(q, err, "store: webhook outcomes", func(sc scanner) (deliveryKey, error) {
			var k deliveryKey
			return k, sc.Scan(&k.endpoint, &k.pos)
		})
		if err != nil {
			return nil, err
		}
		wrote := map[deliveryKey]bool{}
		for _, k := range got {
			wrote[k] = true
		}
		for _, r := range rows {
			if wrote[deliveryKey{r.endpoint, r.pos, 0}] {
				done = append(done, r)
			}
		}
		return done, nil
	}
	for _, r := range rows {
		res, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET state = $3, next_attempt_at = $4, last_status = $5, last_error = $6,
			last_duration_ms = $7, last_attempt_at = $8, delivered_at = $9
			WHERE endpoint_id = $1 AND pos = $2 AND state = 'queued' AND next_attempt_at = $10`,
			r.endpoint, r.pos, r.state, r.next, r.status, r.err, r.ms, millis(now), sql.NullInt64{Int64: r.delivered, Valid: r.delivered != 0}, r.lease)
		n, err := affected(res, err)
		if err != nil {
			return nil, mapErr("store: webhook outcome", err)
		}
		if n == 1 {
			done = append(done, r)
		}
	}
	return done, nil
}

// holdFollowers makes the deliveries queued behind each retried one in
// its subject due no earlier than its retry.
func (s *Store) holdFollowers(ctx context.Context, tx *sql.Tx, retried []outcomeRow) error {
	for _, r := range retried {
		_, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET next_attempt_at = $4
			WHERE endpoint_id = $1 AND subject = $2 AND state = 'queued' AND pos > $3 AND next_attempt_at < $4`,
			r.endpoint, r.subject, r.pos, r.next)
		if err != nil {
			return mapErr("store: webhook followers", err)
		}
	}
	return nil
}

// DisableFailingWebhooks disables, across workspaces, the enabled
// endpoints failing since before cutoff, with reason, and returns them.
func (s *Store) DisableFailingWebhooks(ctx context.Context, cutoff time.Time, reason string, now time.Time) ([]WebhookEndpoint, error) {
	var out []WebhookEndpoint
	err := s.inTx(ctx, "store: disable failing webhooks", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE webhook_endpoints SET enabled = FALSE, disabled_reason = $2, updated_at = $3
			WHERE failing_since <= $1 AND enabled RETURNING `+webhookColumns, millis(cutoff), reason, millis(now))
		if out, err = collect(rows, err, "store: disable failing webhooks", scanWebhook); err != nil {
			return err
		}
		for _, e := range out {
			if err := parkDeliveries(ctx, tx, e.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, e := range out {
		s.hooks.forget(e.WorkspaceID)
	}
	return out, nil
}

// forEndpoint locks an endpoint's row on PostgreSQL against other changes
// of it, but not against the live path: every delivery row inserted with
// a message takes a key-share lock on its endpoint (the foreign key),
// which FOR UPDATE would wait for, and block.
func forEndpoint(d Dialect) string {
	if d == Postgres {
		return " FOR NO KEY UPDATE"
	}
	return ""
}

// lockOf locks, on PostgreSQL, only table alias's rows of a join.
func lockOf(d Dialect, alias string) string {
	if d == Postgres {
		return " FOR UPDATE OF " + alias
	}
	return ""
}

// parked is the next attempt of a disabled endpoint's queued deliveries:
// never, until it is enabled again (UpdateWebhook makes them due). The
// runner's due index then never reads them.
const parked = int64(1) << 53

// parkDeliveries parks an endpoint's queued deliveries.
func parkDeliveries(ctx context.Context, tx *sql.Tx, endpointID string) error {
	_, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET next_attempt_at = $2 WHERE endpoint_id = $1 AND state = 'queued'`,
		endpointID, parked)
	return mapErr("store: park webhook deliveries", err)
}

// DeleteOldWebhookEvents deletes up to limit events made before cutoff,
// with their deliveries, across workspaces.
func (s *Store) DeleteOldWebhookEvents(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	res, err := s.write.ExecContext(ctx, `DELETE FROM webhook_events WHERE pos IN (SELECT pos FROM webhook_events
		WHERE created_at < $1 ORDER BY pos LIMIT $2)`, millis(cutoff), limit)
	if err != nil {
		return 0, mapErr("store: delete old webhook events", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// trailing scans a row into a scan function's columns, then tail.
type trailing struct {
	row  scanner
	tail []any
}

func (t *trailing) Scan(dest ...any) error { return t.row.Scan(append(dest, t.tail...)...) }
