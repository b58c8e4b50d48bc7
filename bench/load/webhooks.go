package load

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/querytel/livedesk/internal/store"
)

// WebhookSink is a webhook endpoint on 127.0.0.1 for the chat scenario's
// -webhooks runs: it answers every delivery 204 at once, counts each
// event id, and samples how long after its commit each event arrived
// (the envelope's created_at is the message's commit time).
type WebhookSink struct {
	srv   *http.Server
	url   string
	mu    sync.Mutex
	seen  map[string]int
	total int
	delay Latencies
}

// StartWebhookSink listens on a free loopback port.
func StartWebhookSink() (*WebhookSink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	k := &WebhookSink{seen: map[string]int{}, url: "http://" + ln.Addr().String() + "/hook"}
	k.srv = &http.Server{Handler: http.HandlerFunc(k.receive), ReadHeaderTimeout: 5 * time.Second}
	go k.srv.Serve(ln) //nolint:errcheck // ends with Close
	return k, nil
}

func (k *WebhookSink) receive(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var env struct {
		ID        string    `json:"id"`
		CreatedAt time.Time `json:"created_at"`
	}
	if err != nil || json.Unmarshal(body, &env) != nil || env.ID == "" {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	k.delay.Add(time.Since(env.CreatedAt))
	k.mu.Lock()
	k.seen[env.ID]++
	k.total++
	k.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// URL is where deliveries go.
func (k *WebhookSink) URL() string { return k.url }

// Close stops listening.
func (k *WebhookSink) Close() { k.srv.Close() }

func (k *WebhookSink) counts() (total, distinct int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.total, len(k.seen)
}

// Report waits up to wait for want distinct events, then adds the
// deliveries' figures to res and fails it when any event is missing.
func (k *WebhookSink) Report(ctx context.Context, res *Result, want int64, wait time.Duration) {
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if _, distinct := k.counts(); int64(distinct) >= want {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	total, distinct := k.counts()
	_, p50, _, p99, mx := k.delay.Percentiles()
	res.Add("webhook events", distinct, "")
	res.Add("webhook deliveries again (at least once)", total-distinct, "")
	res.Add("webhook commit→endpoint p50", p50, "ms")
	res.Add("webhook commit→endpoint p99", p99, "ms")
	res.Add("webhook commit→endpoint max", mx, "ms")
	if missing := want - int64(distinct); missing > 0 {
		res.Fail("%d stored messages never reached the webhook endpoint within %s", missing, wait)
	}
}

// AddWebhooksDSN registers, for each tenant, an endpoint at url taking
// events, directly in the server's database (the server reads a
// workspace's endpoints when it first writes an event of it).
func AddWebhooksDSN(ctx context.Context, dsn string, tenants []Tenant, url string, events []string) error {
	st, err := store.Open(ctx, dsn, store.Options{MaxConns: 2})
	if err != nil {
		return err
	}
	defer st.Close()
	for i, t := range tenants {
		_, err := st.CreateWebhook(ctx, store.WebhookEndpoint{WorkspaceID: t.WorkspaceID, URL: url, Events: events,
			Secret: fmt.Sprintf("whsec_load_%d", i)}, 20, time.Now())
		if err != nil {
			return fmt.Errorf("webhook of tenant %d: %w", i, err)
		}
	}
	return nil
}
