package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/store"
	"github.com/querytel/livedesk/internal/store/storetest"
	"github.com/querytel/livedesk/internal/webhook"
)

// received is one request an endpoint got.
type received struct {
	env                  webhook.Envelope
	id, event, signature string
	timestamp            string
	body                 []byte
}

// endpoint is an HTTP server on 127.0.0.1 that records what it gets and
// answers with answer's status (200 when answer is nil).
type endpoint struct {
	srv    *httptest.Server
	mu     sync.Mutex
	got    []received
	answer func(n int) int // n: this request's number, from 1
}

func newEndpoint(t *testing.T) *endpoint {
	e := &endpoint{}
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var env webhook.Envelope
		json.Unmarshal(body, &env) //nolint:errcheck // an undecodable body shows as a zero envelope
		e.mu.Lock()
		e.got = append(e.got, received{env: env, id: r.Header.Get(webhook.HeaderEventID), event: r.Header.Get(webhook.HeaderEvent),
			signature: r.Header.Get(webhook.HeaderSignature), timestamp: r.Header.Get(webhook.HeaderTimestamp), body: body})
		n, answer := len(e.got), e.answer
		e.mu.Unlock()
		status := http.StatusOK
		if answer != nil {
			status = answer(n)
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(e.srv.Close)
	return e
}

func (e *endpoint) requests() []received {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]received(nil), e.got...)
}

func (e *endpoint) types() []string {
	var out []string
	for _, r := range e.requests() {
		out = append(out, r.env.Type)
	}
	return out
}

// fixture: a workspace with a site, an owner and a visitor; webhooks on a
// fake clock, allowed to reach 127.0.0.1.
type fixture struct {
	t        *testing.T
	st       *store.Store
	clk      *clock.Fake
	svc      *webhook.Service
	owner    auth.Actor
	visitor  store.Visitor
	disabled []store.WebhookEndpoint
	mu       sync.Mutex
}

func newFixture(t *testing.T, st *store.Store) *fixture {
	t.Helper()
	ctx := t.Context()
	f := &fixture{t: t, st: st, clk: clock.NewFake(storetest.Epoch)}
	f.svc = f.service()
	w, err := st.CreateWorkspace(ctx, "W", f.clk.Now())
	must(t, err)
	site, err := st.CreateSite(ctx, store.Site{WorkspaceID: w.ID, Name: "Shop", WidgetKey: "wk_" + w.ID, IdentitySecret: "s"}, f.clk.Now())
	must(t, err)
	ag, err := st.CreateAgent(ctx, store.Agent{WorkspaceID: w.ID, Email: "o@" + w.ID + ".example", Name: "Olga", Role: "owner", PasswordHash: "h"}, f.clk.Now())
	must(t, err)
	f.owner = auth.Actor{WorkspaceID: w.ID, AgentID: ag.ID, Name: "Olga", Role: auth.Owner}
	f.visitor, err = st.CreateVisitor(ctx, w.ID, site.ID, "tok", f.clk.Now())
	must(t, err)
	return f
}

// service is a webhook service of this fixture's store and clock (a
// second one stands for another node, or the process after a restart).
func (f *fixture) service() *webhook.Service {
	return webhook.New(f.st, f.clk, webhook.Options{AllowPrivate: true, Disabled: func(_ context.Context, e store.WebhookEndpoint) {
		f.mu.Lock()
		f.disabled = append(f.disabled, e)
		f.mu.Unlock()
	}})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }

// register adds an endpoint for url taking events.
func (f *fixture) register(url string, events ...string) webhook.Created {
	f.t.Helper()
	c, err := f.svc.Create(f.t.Context(), f.owner, webhook.Input{URL: ptr(url), Events: events})
	must(f.t, err)
	return c
}

// chat starts the visitor's conversation and writes messages in it.
func (f *fixture) chat(bodies ...string) store.Conversation {
	f.t.Helper()
	c, _, err := f.st.StartConversation(f.t.Context(), f.owner.WorkspaceID, f.visitor.ID, "", f.clk.Now())
	must(f.t, err)
	for i, b := range bodies {
		_, err := f.st.AppendMessage(f.t.Context(), store.Message{WorkspaceID: f.owner.WorkspaceID, ConversationID: c.ID,
			ClientMsgID: "m" + string(rune('0'+i)), Kind: store.KindText, AuthorType: store.AuthorVisitor, AuthorID: f.visitor.ID, Body: b}, f.clk.Now())
		must(f.t, err)
	}
	return c
}

// drain runs passes until one attempts nothing; it returns how many
// deliveries were attempted.
func (f *fixture) drain(svc *webhook.Service) int {
	f.t.Helper()
	total := 0
	for range 100 {
		n, err := svc.RunDue(f.t.Context(), 50)
		must(f.t, err)
		if n == 0 {
			return total
		}
		total += n
	}
	f.t.Fatal("deliveries never drained")
	return total
}

func TestDeliveriesAreSignedAndInOrder(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.SQLite(t))
	ep := newEndpoint(t)
	hook := f.register(ep.srv.URL+"/hook", store.EventConversationStarted, store.EventMessageCreated)
	if !strings.HasPrefix(hook.Secret, webhook.SecretPrefix) {
		t.Fatalf("secret %q", hook.Secret)
	}
	c := f.chat("first", "second", "third")
	if n := f.drain(f.svc); n != 4 {
		t.Fatalf("%d deliveries attempted, want 4", n)
	}
	got := ep.requests()
	want := []string{store.EventConversationStarted, store.EventMessageCreated, store.EventMessageCreated, store.EventMessageCreated}
	if types := ep.types(); strings.Join(types, " ") != strings.Join(want, " ") {
		t.Fatalf("received %v, want %v", types, want)
	}
	ids := map[string]bool{}
	for i, r := range got {
		if !webhook.Verify(hook.Secret, r.signature, r.timestamp, r.body, f.clk.Now(), 5*time.Minute) {
			t.Fatalf("request %d: signature %q does not verify", i, r.signature)
		}
		if webhook.Verify("whsec_other", r.signature, r.timestamp, r.body, f.clk.Now(), 5*time.Minute) {
			t.Fatalf("request %d verifies with another secret", i)
		}
		if r.id != r.env.ID || r.event != r.env.Type || r.env.WorkspaceID != f.owner.WorkspaceID || ids[r.id] {
			t.Fatalf("request %d: headers %q %q, envelope %+v", i, r.id, r.event, r.env)
		}
		ids[r.id] = true
	}
	var first struct {
		Message store.Message `json:"message"`
	}
	must(t, json.Unmarshal(got[1].env.Data, &first))
	if first.Message.Body != "first" || first.Message.ConversationID != c.ID || first.Message.Seq != 1 {
		t.Fatalf("first message: %+v", first.Message)
	}
	// A body changed after signing does not verify.
	r := got[0]
	if webhook.Verify(hook.Secret, r.signature, r.timestamp, append(r.body, ' '), f.clk.Now(), 5*time.Minute) {
		t.Fatal("a changed body verifies")
	}
	// Nor does an old delivery replayed later.
	if webhook.Verify(hook.Secret, r.signature, r.timestamp, r.body, f.clk.Now().Add(10*time.Minute), 5*time.Minute) {
		t.Fatal("a replay ten minutes later verifies")
	}
}

func TestA500IsRetriedAndHoldsTheConversationsNextEvents(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.SQLite(t))
	ep := newEndpoint(t)
	ep.answer = func(n int) int {
		if n == 1 {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	}
	hook := f.register(ep.srv.URL, store.EventConversationStarted, store.EventMessageCreated)
	f.chat("hello")
	if n := f.drain(f.svc); n != 1 {
		t.Fatalf("%d attempted before the retry, want only the failed first", n)
	}
	f.clk.Advance(9 * time.Second)
	if n := f.drain(f.svc); n != 0 {
		t.Fatalf("%d attempted before the retry was due", n)
	}
	f.clk.Advance(time.Second) // the first retry comes 10 s after
	if n := f.drain(f.svc); n != 2 {
		t.Fatalf("%d attempted after the retry, want 2", n)
	}
	got := ep.requests()
	if types := ep.types(); strings.Join(types, " ") != "conversation.started conversation.started message.created" {
		t.Fatalf("received %v", types)
	}
	if got[0].id != got[1].id {
		t.Fatalf("the retry has another event id: %q, %q", got[0].id, got[1].id)
	}
	log, err := f.svc.Deliveries(t.Context(), f.owner, hook.Webhook.ID, 0, 10)
	must(t, err)
	started := log[len(log)-1]
	if started.State != store.DeliveryDelivered || started.Attempts != 2 || started.LastStatus != 200 {
		t.Fatalf("delivery log: %+v", started)
	}
}

func TestNothingIsLostWhenTheProcessDies(t *testing.T) {
	t.Parallel()
	dsn := storetest.SQLiteDSN(t)
	first := storetest.Open(t, dsn)
	f := newFixture(t, first)
	ep := newEndpoint(t)
	f.register(ep.srv.URL, store.EventConversationStarted, store.EventMessageCreated)
	f.chat("one", "two")
	// One delivery is claimed (its sender then dies before sending it);
	// the others are committed, never attempted.
	jobs, err := first.ClaimWebhookDeliveries(t.Context(), f.clk.Now(), f.clk.Now().Add(webhook.Lease), 1)
	must(t, err)
	if len(jobs) != 1 {
		t.Fatalf("claimed %d", len(jobs))
	}
	must(t, first.Close())

	// The restarted process: the same database, a new service.
	f.st = storetest.Open(t, dsn)
	restarted := f.service()
	if n := f.drain(restarted); n != 0 {
		t.Fatalf("%d attempted while the dead sender's lease runs (the conversation's first is its)", n)
	}
	f.clk.Advance(webhook.Lease)
	if n := f.drain(restarted); n != 3 {
		t.Fatalf("%d attempted after the lease, want 3", n)
	}
	if types := ep.types(); strings.Join(types, " ") != "conversation.started message.created message.created" {
		t.Fatalf("after the restart the endpoint got %v", types)
	}
}

func TestEveryEventGoesOnceWithTwoSenders(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.SQLite(t))
	ep := newEndpoint(t)
	f.register(ep.srv.URL, store.WebhookEvents...)
	for i := range 5 {
		v, err := f.st.CreateVisitor(t.Context(), f.owner.WorkspaceID, f.visitor.SiteID, "tok-"+string(rune('a'+i)), f.clk.Now())
		must(t, err)
		f.visitor = v
		f.chat("hi")
	}
	other := f.service()
	var wg sync.WaitGroup
	for _, s := range []*webhook.Service{f.svc, other} {
		wg.Go(func() {
			for range 10 {
				if _, err := s.RunDue(context.Background(), 3); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	f.drain(f.svc)
	seen := map[string]int{}
	for _, r := range ep.requests() {
		seen[r.id]++
	}
	if len(seen) != 10 {
		t.Fatalf("%d distinct events delivered, want 10", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("event %s delivered %d times", id, n)
		}
	}
}

func TestAnEndpointFailingForADayIsDisabledAndTheAdminsAreTold(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.SQLite(t))
	ep := newEndpoint(t)
	ep.answer = func(int) int { return http.StatusBadGateway }
	hook := f.register(ep.srv.URL, store.EventConversationStarted)
	f.chat()
	f.clk.Advance(time.Second) // the first attempt comes after the commit
	for range 26 * 4 {
		f.drain(f.svc)
		f.clk.Advance(15 * time.Minute)
	}
	if len(f.disabled) != 1 || f.disabled[0].ID != hook.Webhook.ID {
		t.Fatalf("told of %d disabled endpoints", len(f.disabled))
	}
	e, err := f.st.GetWebhook(t.Context(), f.owner.WorkspaceID, hook.Webhook.ID)
	must(t, err)
	if e.Enabled || e.DisabledReason != webhook.DisabledReason {
		t.Fatalf("endpoint after a day of failures: %+v", e)
	}
	log, err := f.svc.Deliveries(t.Context(), f.owner, hook.Webhook.ID, 0, 10)
	must(t, err)
	if log[0].State != store.DeliveryFailed || log[0].LastStatus != http.StatusBadGateway || log[0].Attempts < 12 {
		t.Fatalf("the event after a day: %+v", log[0])
	}
	// Retried for a day, then given up: nothing more is sent.
	n := len(ep.requests())
	f.clk.Advance(48 * time.Hour)
	f.drain(f.svc)
	if len(ep.requests()) != n {
		t.Fatal("a disabled endpoint was called")
	}
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.SQLite(t))
	target := newEndpoint(t)
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.srv.URL, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirect.Close)
	hook := f.register(redirect.URL, store.EventConversationStarted)
	f.chat()
	f.drain(f.svc)
	if len(target.requests()) != 0 {
		t.Fatal("the redirect was followed")
	}
	log, err := f.svc.Deliveries(t.Context(), f.owner, hook.Webhook.ID, 0, 10)
	must(t, err)
	if log[0].State != store.DeliveryQueued || log[0].LastStatus != http.StatusTemporaryRedirect {
		t.Fatalf("a redirect's delivery: %+v", log[0])
	}
}

func TestRedeliveryAndPing(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.SQLite(t))
	ep := newEndpoint(t)
	hook := f.register(ep.srv.URL, store.EventConversationStarted)
	f.chat()
	f.drain(f.svc)
	log, err := f.svc.Deliveries(t.Context(), f.owner, hook.Webhook.ID, 0, 10)
	must(t, err)
	d, err := f.svc.Redeliver(t.Context(), f.owner, hook.Webhook.ID, log[0].EventID)
	must(t, err)
	if d.State != store.DeliveryQueued {
		t.Fatalf("redelivery: %+v", d)
	}
	f.drain(f.svc)
	got := ep.requests()
	if len(got) != 2 || got[0].id != got[1].id {
		t.Fatalf("redelivered %d, ids %v", len(got), got)
	}
	_, err = f.svc.Redeliver(t.Context(), f.owner, hook.Webhook.ID, "no-such-event")
	isCode(t, err, "delivery_not_found")

	res, err := f.svc.Ping(t.Context(), f.owner, hook.Webhook.ID)
	must(t, err)
	got = ep.requests()
	if res.Status != 200 || res.Error != "" || got[2].env.Type != "ping" ||
		!webhook.Verify(hook.Secret, got[2].signature, got[2].timestamp, got[2].body, f.clk.Now(), time.Minute) {
		t.Fatalf("ping: %+v, received %+v", res, got[2].env)
	}

	// A rotated secret signs what follows; the old one verifies nothing.
	secret, err := f.svc.RotateSecret(t.Context(), f.owner, hook.Webhook.ID)
	must(t, err)
	_, err = f.svc.Ping(t.Context(), f.owner, hook.Webhook.ID)
	must(t, err)
	last := ep.requests()[3]
	if secret == hook.Secret || !webhook.Verify(secret, last.signature, last.timestamp, last.body, f.clk.Now(), time.Minute) ||
		webhook.Verify(hook.Secret, last.signature, last.timestamp, last.body, f.clk.Now(), time.Minute) {
		t.Fatal("the rotated secret does not sign, or the old one still does")
	}
}

func isCode(t *testing.T, err error, code string) {
	t.Helper()
	var e *apperr.Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("error %v, want code %s", err, code)
	}
}

func TestRefusals(t *testing.T) {
	t.Parallel()
	st := storetest.SQLite(t)
	f := newFixture(t, st)
	public := webhook.New(st, f.clk, webhook.Options{})
	ctx := t.Context()
	for _, c := range []struct {
		url, code string
	}{
		{"http://hooks.example.com/", "invalid_url"}, // plain http
		{"https://127.0.0.1/", "url_not_allowed"},
		{"https://localhost:8443/", "url_not_allowed"},
		{"https://10.1.2.3/", "url_not_allowed"},
		{"https://169.254.169.254/latest/meta-data", "url_not_allowed"},
		{"https://[::1]/", "url_not_allowed"},
		{"https://[fd00::1]/", "url_not_allowed"},
		{"https://user:pw@hooks.example.com/", "invalid_url"},
		{"ftp://hooks.example.com/", "invalid_url"},
		{"https:///nohost", "invalid_url"},
	} {
		_, err := public.Create(ctx, f.owner, webhook.Input{URL: ptr(c.url), Events: []string{store.EventContactCreated}})
		isCode(t, err, c.code)
	}
	ok := webhook.Input{URL: ptr("https://hooks.example.com/ld"), Events: []string{store.EventContactCreated}}
	for _, c := range []struct {
		in   webhook.Input
		code string
	}{
		{webhook.Input{URL: ok.URL, Events: []string{}}, "invalid_event"},
		{webhook.Input{URL: ok.URL, Events: []string{"contact.deleted"}}, "invalid_event"},
		{webhook.Input{URL: ok.URL}, "invalid_event"},
		{webhook.Input{Events: ok.Events}, "invalid_url"},
		{webhook.Input{URL: ok.URL, Events: ok.Events, Description: ptr(strings.Repeat("x", 201))}, "invalid_description"},
	} {
		_, err := public.Create(ctx, f.owner, c.in)
		isCode(t, err, c.code)
	}
	agent := f.owner
	agent.Role = auth.Supervisor
	if _, err := public.Create(ctx, agent, ok); !errors.Is(err, apperr.ErrForbidden) {
		t.Fatalf("a supervisor made an endpoint: %v", err)
	}
	if list, err := public.List(ctx, f.owner); err != nil || len(list) != 0 {
		t.Fatalf("a refused create left %d endpoints (%v)", len(list), err)
	}
	made, err := public.Create(ctx, f.owner, webhook.Input{URL: ok.URL, Events: []string{store.EventContactUpdated, store.EventContactCreated, store.EventContactCreated}})
	must(t, err)
	if strings.Join(made.Webhook.Events, " ") != "contact.created contact.updated" {
		t.Fatalf("events kept as %v", made.Webhook.Events)
	}
	_, err = public.Update(ctx, f.owner, made.Webhook.ID, webhook.Input{URL: ptr("https://192.168.1.1/")})
	isCode(t, err, "url_not_allowed")
	_, err = public.Update(ctx, f.owner, "nope", webhook.Input{Enabled: ptr(false)})
	isCode(t, err, "webhook_not_found")
	for range webhook.MaxEndpoints - 1 {
		_, err := public.Create(ctx, f.owner, ok)
		must(t, err)
	}
	_, err = public.Create(ctx, f.owner, ok)
	isCode(t, err, "too_many_webhooks")
}

func TestAShutdownIsNoFailureOfTheEndpoint(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.SQLite(t))
	arrived, release := make(chan struct{}), make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); slow.Close() })
	hook := f.register(slow.URL, store.EventConversationStarted)
	f.chat()
	ctx, cancel := context.WithCancel(t.Context())
	go func() { <-arrived; cancel() }()
	if _, err := f.svc.RunDue(ctx, 10); err != nil {
		t.Fatal(err)
	}
	e, err := f.st.GetWebhook(t.Context(), f.owner.WorkspaceID, hook.Webhook.ID)
	must(t, err)
	log, err := f.svc.Deliveries(t.Context(), f.owner, hook.Webhook.ID, 0, 10)
	must(t, err)
	if e.FailingSince != nil || log[0].State != store.DeliveryQueued || log[0].LastError != "" || log[0].LastAttemptAt != nil {
		t.Fatalf("after a shutdown mid-delivery: endpoint %+v, delivery %+v", e, log[0])
	}
}

func TestRunDeliversUntilItsContextEnds(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.SQLite(t))
	got := make(chan string, 10)
	ep := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get(webhook.HeaderEvent)
	}))
	t.Cleanup(ep.Close)
	f.register(ep.URL, store.EventConversationStarted, store.EventMessageCreated)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		f.svc.Run(ctx, 10*time.Millisecond, func(err error) { t.Error(err) })
		close(done)
	}()
	f.chat("one", "two")
	var types []string
	for len(types) < 3 {
		select {
		case ev := <-got:
			types = append(types, ev)
		case <-time.After(10 * time.Second):
			t.Fatalf("Run delivered only %v", types)
		}
	}
	cancel()
	<-done
	if strings.Join(types, " ") != "conversation.started message.created message.created" {
		t.Fatalf("Run delivered %v", types)
	}
}
