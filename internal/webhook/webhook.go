package webhook

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/store"
)

// Limits.
const (
	MaxEndpoints   = 20  // per workspace
	MaxDescription = 200 // characters
	// SecretPrefix starts every signing secret, so one is recognised in
	// a config file or a leak report.
	SecretPrefix = "whsec_"
)

// Store is what webhooks need from the database.
type Store interface {
	CreateWebhook(ctx context.Context, e store.WebhookEndpoint, max int, now time.Time) (store.WebhookEndpoint, error)
	ListWebhooks(ctx context.Context, workspaceID string) ([]store.WebhookEndpoint, error)
	GetWebhook(ctx context.Context, workspaceID, id string) (store.WebhookEndpoint, error)
	UpdateWebhook(ctx context.Context, e store.WebhookEndpoint, deadline, leased, now time.Time) (store.WebhookEndpoint, error)
	DeleteWebhook(ctx context.Context, workspaceID, id string) error
	ListWebhookDeliveries(ctx context.Context, workspaceID, endpointID string, before int64, limit int) ([]store.WebhookDelivery, error)
	RedeliverWebhook(ctx context.Context, workspaceID, endpointID, eventID string, deadline, now time.Time) (store.WebhookDelivery, error)
	ClaimWebhookDeliveries(ctx context.Context, now, until time.Time, limit int) ([]store.WebhookJob, error)
	RecordWebhookOutcomes(ctx context.Context, outs []store.WebhookOutcome, now time.Time) (int, error)
	DisableFailingWebhooks(ctx context.Context, cutoff time.Time, reason string, now time.Time) ([]store.WebhookEndpoint, error)
}

// Service manages a workspace's endpoints and delivers their events.
type Service struct {
	store        Store
	clock        clock.Clock
	client       *http.Client
	allowPrivate bool
	audit        auth.Recorder
	// disabled is told of each endpoint disabled after a day of failures
	// (the app puts a notice in the admins' inboxes).
	disabled func(ctx context.Context, e store.WebhookEndpoint)
}

// Options configures New.
type Options struct {
	// AllowPrivate lets endpoints be loopback, private or link-local
	// addresses, over http too (self-hosted networks).
	AllowPrivate bool
	Audit        auth.Recorder // may be nil
	// Disabled, if set, is told of each endpoint disabled by failures.
	Disabled func(ctx context.Context, e store.WebhookEndpoint)
	// Client replaces the delivery client (tests); nil: Client(AllowPrivate).
	Client *http.Client
}

// New returns a Service.
func New(st Store, clk clock.Clock, o Options) *Service {
	c := o.Client
	if c == nil {
		c = Client(o.AllowPrivate)
	}
	return &Service{store: st, clock: clk, client: c, allowPrivate: o.AllowPrivate, audit: o.Audit, disabled: o.Disabled}
}

// Errors.
var (
	ErrNotFound         = apperr.New(apperr.NotFound, "webhook_not_found", "no such webhook endpoint")
	ErrDeliveryNotFound = apperr.New(apperr.NotFound, "delivery_not_found", "this endpoint has no delivery of that event")
	ErrDeliveryQueued   = apperr.New(apperr.Conflict, "delivery_queued", "this delivery is still queued: it goes at its next attempt")
	ErrTooMany          = apperr.New(apperr.Conflict, "too_many_webhooks", "a workspace has at most 20 webhook endpoints; delete one first")
)

// Input is an endpoint as an admin gives it. On an update, nil fields
// are kept.
type Input struct {
	URL         *string  `json:"url"`
	Description *string  `json:"description"`
	Events      []string `json:"events"`
	Enabled     *bool    `json:"enabled"`
}

// Created is a new endpoint and its signing secret, shown this once.
type Created struct {
	Webhook store.WebhookEndpoint `json:"webhook"`
	Secret  string                `json:"secret"`
}

// validate fills e from in, checking every field given.
func (s *Service) validate(e *store.WebhookEndpoint, in Input) error {
	if in.URL != nil {
		u := strings.TrimSpace(*in.URL)
		if _, err := parseURL(u); err != nil {
			return apperr.Invalidf("url", "invalid_url", "%s", strings.TrimPrefix(err.Error(), "webhook: "))
		}
		if !s.allowPrivate && !strings.HasPrefix(strings.ToLower(u), "https://") {
			return apperr.Invalidf("url", "invalid_url", "an endpoint's URL must be https:// (plain http only on a server that allows private targets)")
		}
		if err := CheckURL(u, s.allowPrivate); err != nil {
			return apperr.Invalidf("url", "url_not_allowed",
				"the URL names a loopback, private or link-local address; this server delivers only to public addresses")
		}
		e.URL = u
	}
	if in.Description != nil {
		d := strings.TrimSpace(*in.Description)
		if utf8.RuneCountInString(d) > MaxDescription || strings.ContainsAny(d, "\x00\r\n") {
			return apperr.Invalidf("description", "invalid_description", "a description is one line of at most %d characters", MaxDescription)
		}
		e.Description = d
	}
	if in.Events != nil {
		if len(in.Events) == 0 {
			return apperr.Invalidf("events", "invalid_event", "an endpoint takes at least one event")
		}
		var events []string
		for _, ev := range in.Events {
			if !slices.Contains(store.WebhookEvents, ev) {
				return apperr.Invalidf("events", "invalid_event", "%q is no event: use one of %s", ev, strings.Join(store.WebhookEvents, ", "))
			}
			if !slices.Contains(events, ev) {
				events = append(events, ev)
			}
		}
		// In the documented order, whatever order they came in.
		slices.SortFunc(events, func(a, b string) int {
			return slices.Index(store.WebhookEvents, a) - slices.Index(store.WebhookEvents, b)
		})
		e.Events = events
	}
	if in.Enabled != nil {
		e.Enabled = *in.Enabled
	}
	return nil
}

// Create registers an endpoint (owners and admins); it is enabled and
// gets a new signing secret.
func (s *Service) Create(ctx context.Context, a auth.Actor, in Input) (Created, error) {
	if !a.Can(auth.ManageWorkspace) {
		return Created{}, apperr.ErrForbidden
	}
	if in.URL == nil {
		return Created{}, apperr.Invalidf("url", "invalid_url", "an endpoint needs a URL")
	}
	if in.Events == nil {
		return Created{}, apperr.Invalidf("events", "invalid_event", "an endpoint takes at least one event")
	}
	e := store.WebhookEndpoint{WorkspaceID: a.WorkspaceID}
	if err := s.validate(&e, in); err != nil {
		return Created{}, err
	}
	e.Secret = newSecret()
	out, err := s.store.CreateWebhook(ctx, e, MaxEndpoints, s.clock.Now())
	if errors.Is(err, store.ErrConflict) {
		return Created{}, ErrTooMany
	}
	if err != nil {
		return Created{}, err
	}
	s.record(ctx, a, "webhook_created", out, map[string]any{"url": out.URL, "events": out.Events})
	return Created{Webhook: out, Secret: e.Secret}, nil
}

func newSecret() string { return SecretPrefix + auth.RandomToken(32) }

// List lists the workspace's endpoints (owners and admins).
func (s *Service) List(ctx context.Context, a auth.Actor) ([]store.WebhookEndpoint, error) {
	if !a.Can(auth.ManageWorkspace) {
		return nil, apperr.ErrForbidden
	}
	return s.store.ListWebhooks(ctx, a.WorkspaceID)
}

// get reads an endpoint an admin names.
func (s *Service) get(ctx context.Context, a auth.Actor, id string) (store.WebhookEndpoint, error) {
	if !a.Can(auth.ManageWorkspace) {
		return store.WebhookEndpoint{}, apperr.ErrForbidden
	}
	e, err := s.store.GetWebhook(ctx, a.WorkspaceID, id)
	if errors.Is(err, store.ErrNotFound) {
		return e, ErrNotFound
	}
	return e, err
}

// change reads an endpoint, changes it with edit and stores it, again
// from a fresh read when it changed meanwhile (the runner disabling it,
// another admin), so no change overwrites another with a stale copy. It
// returns the endpoint before and after.
func (s *Service) change(ctx context.Context, a auth.Actor, id string, edit func(*store.WebhookEndpoint) error) (before, after store.WebhookEndpoint, err error) {
	for range 3 {
		if before, err = s.get(ctx, a, id); err != nil {
			return before, after, err
		}
		e := before
		if err := edit(&e); err != nil {
			return before, after, err
		}
		now := s.clock.Now()
		after, err = s.store.UpdateWebhook(ctx, e, now.Add(Deadline), now.Add(Lease), now)
		switch {
		case errors.Is(err, store.ErrStale):
			continue
		case errors.Is(err, store.ErrNotFound):
			return before, after, ErrNotFound
		}
		return before, after, err
	}
	return before, after, err
}

// Update changes an endpoint's URL, description, events or whether it
// is enabled. Enabling a disabled one gives its queued deliveries a new
// day and tries them at once.
func (s *Service) Update(ctx context.Context, a auth.Actor, id string, in Input) (store.WebhookEndpoint, error) {
	before, out, err := s.change(ctx, a, id, func(e *store.WebhookEndpoint) error { return s.validate(e, in) })
	if err != nil {
		return store.WebhookEndpoint{}, err
	}
	detail := map[string]any{"url": out.URL, "events": out.Events}
	if before.Enabled != out.Enabled {
		detail["enabled"] = out.Enabled
	}
	s.record(ctx, a, "webhook_updated", out, detail)
	return out, nil
}

// RotateSecret gives an endpoint a new signing secret, returned this
// once; the old one signs nothing more.
func (s *Service) RotateSecret(ctx context.Context, a auth.Actor, id string) (string, error) {
	secret := newSecret()
	_, out, err := s.change(ctx, a, id, func(e *store.WebhookEndpoint) error {
		e.Secret = secret
		return nil
	})
	if err != nil {
		return "", err
	}
	s.record(ctx, a, "webhook_secret_rotated", out, map[string]any{"url": out.URL})
	return secret, nil
}

// Delete removes an endpoint with its deliveries.
func (s *Service) Delete(ctx context.Context, a auth.Actor, id string) error {
	e, err := s.get(ctx, a, id)
	if err != nil {
		return err
	}
	if err := s.store.DeleteWebhook(ctx, a.WorkspaceID, id); errors.Is(err, store.ErrNotFound) {
		return ErrNotFound
	} else if err != nil {
		return err
	}
	s.record(ctx, a, "webhook_deleted", e, map[string]any{"url": e.URL})
	return nil
}

// MaxPage bounds a page of deliveries.
const MaxPage = 100

// Deliveries reads a page of an endpoint's deliveries, newest first,
// before the position before (0: the newest).
func (s *Service) Deliveries(ctx context.Context, a auth.Actor, id string, before int64, limit int) ([]store.WebhookDelivery, error) {
	if _, err := s.get(ctx, a, id); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > MaxPage {
		limit = MaxPage
	}
	return s.store.ListWebhookDeliveries(ctx, a.WorkspaceID, id, before, limit)
}

// Redeliver queues an endpoint's delivery of an event again, due now,
// with a new day of retries.
func (s *Service) Redeliver(ctx context.Context, a auth.Actor, id, eventID string) (store.WebhookDelivery, error) {
	e, err := s.get(ctx, a, id)
	if err != nil {
		return store.WebhookDelivery{}, err
	}
	now := s.clock.Now()
	d, err := s.store.RedeliverWebhook(ctx, a.WorkspaceID, id, eventID, now.Add(Deadline), now)
	if errors.Is(err, store.ErrNotFound) {
		return d, ErrDeliveryNotFound
	}
	if errors.Is(err, store.ErrConflict) {
		return d, ErrDeliveryQueued
	}
	if err != nil {
		return d, err
	}
	s.record(ctx, a, "webhook_redelivered", e, map[string]any{"event_id": eventID})
	return d, nil
}

func (s *Service) record(ctx context.Context, a auth.Actor, action string, e store.WebhookEndpoint, detail map[string]any) {
	if s.audit != nil {
		s.audit.Record(ctx, a, action, "webhook", e.ID, detail)
	}
}
