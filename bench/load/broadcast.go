package load

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// BroadcastConfig is scenario 5: visitors browse a site, some of them on
// its pricing pages; an owner activates a banner for those pages; every
// widget told of it asks what to show after a random wait of up to 1.5 s,
// as the widget does, and the targeted ones are shown it, once.
type BroadcastConfig struct {
	URL string
	// Tenant's first agent must be an owner or admin (SeedWith): it makes
	// and activates the broadcast over REST.
	Tenant   Tenant
	Visitors int
	// Matching is the share of visitors on a page the broadcast targets
	// [0.5].
	Matching float64
	// ConnectRate bounds the connects per second [2000].
	ConnectRate float64
	// Timeout bounds the wait for every targeted visitor to be shown it [60s].
	Timeout time.Duration
	Dialer  *Dialer
	Log     io.Writer
	// CPU, if set, reads the server's CPU time (for the cost per visitor).
	CPU func() (time.Duration, error)
}

// spreadMax is the widget's wait before asking after a broadcast.changed
// (web/widget/broadcasts.ts, SPREAD_MS).
const spreadMax = 1500 * time.Millisecond

// Broadcast runs scenario 5 and reports how long the targeted crowd took
// to be shown the banner, whether any was shown it twice or wrongly, and
// the server's CPU per visitor told.
func Broadcast(ctx context.Context, cfg BroadcastConfig) (*Result, error) {
	if _, err := CheckLoopback(cfg.URL); err != nil {
		return nil, err
	}
	if cfg.Visitors <= 0 || len(cfg.Tenant.Agents) == 0 {
		return nil, errors.New("broadcast: need visitors and an owner")
	}
	if cfg.Matching <= 0 {
		cfg.Matching = 0.5
	}
	if cfg.ConnectRate <= 0 {
		cfg.ConnectRate = 2000
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 60 * time.Second
	}
	if cfg.Dialer == nil {
		cfg.Dialer = NewDialer(cfg.Visitors/20000 + 2)
	}
	res := &Result{Scenario: "broadcast", Pass: true, Params: map[string]any{"visitors": cfg.Visitors, "matching_share": cfg.Matching}}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()

	type visitor struct {
		conn    *Conn
		url     string
		matches bool
		shown   atomic.Int64 // answers that held the banner
		at      atomic.Int64 // when it was first shown (Unix ns)
	}
	vs := make([]*visitor, cfg.Visitors)
	var (
		activatedAt atomic.Int64
		askErrors   atomic.Int64
		wg          sync.WaitGroup
		connMu      sync.Mutex
		conns       []*Conn
	)
	defer func() {
		connMu.Lock()
		defer connMu.Unlock()
		for _, c := range conns {
			c.Kill()
		}
	}()
	ask := func(v *visitor, view string) {
		defer wg.Done()
		ack, err := v.conn.Do(runCtx, "broadcasts.sync", map[string]any{"url": v.url, "lang": "en", "view": view})
		if err != nil {
			askErrors.Add(1)
			return
		}
		if bytes.Contains(ack, []byte(`"broadcasts":[`)) {
			if v.shown.Add(1) == 1 {
				v.at.Store(time.Now().UnixNano())
			}
		}
	}
	widget := wsURL(cfg.URL, "/widget/v1/ws?key="+cfg.Tenant.SiteKey)
	err := parallel(runCtx, cfg.Visitors, 256, cfg.ConnectRate, func(i int) error {
		v := &visitor{matches: float64(i%1000) < cfg.Matching*1000}
		v.url = "https://shop.example/"
		if v.matches {
			v.url = "https://shop.example/pricing"
		}
		vs[i] = v
		view := "bench-view-" + strconv.Itoa(i)
		c, err := Dial(runCtx, widget, DialOptions{Client: cfg.Dialer.Client()}, func(line []byte) {
			if Type(line) != "broadcast.changed" || !bytes.Contains(line, []byte(`"live":true`)) {
				return
			}
			// As the widget does: a random wait, then the question.
			wg.Add(1)
			time.AfterFunc(time.Duration(rand.Int64N(int64(spreadMax))), func() { ask(v, view) })
		})
		if err != nil {
			return err
		}
		v.conn = c
		connMu.Lock()
		conns = append(conns, c)
		connMu.Unlock()
		if _, err := c.Do(runCtx, "heartbeat", map[string]any{"url": v.url, "title": "Shop"}); err != nil {
			return err
		}
		_, err = c.Do(runCtx, "broadcasts.sync", map[string]any{"url": v.url, "lang": "en", "view": view})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("broadcast: set-up: %w", err)
	}
	logf(cfg.Log, "broadcast: %d visitors connected", cfg.Visitors)

	owner := cfg.Tenant.Agents[0]
	id, err := ownerCall(runCtx, cfg, owner, "/api/v1/broadcasts", map[string]any{"name": "Bench sale", "kind": "banner", "placement": "top",
		"text": "Prices drop on Monday", "frequency": "once", "audience": map[string]any{"pages": []map[string]string{{"match": "starts_with", "value": "/pricing"}}}})
	if err != nil {
		return nil, err
	}
	var cpu0 time.Duration
	if cfg.CPU != nil {
		cpu0, _ = cfg.CPU()
	}
	start := time.Now()
	activatedAt.Store(start.UnixNano())
	if _, err := ownerCall(runCtx, cfg, owner, "/api/v1/broadcasts/"+id+"/activate", nil); err != nil {
		return nil, err
	}

	// Wait until every targeted visitor was shown it, or the timeout.
	want := 0
	for _, v := range vs {
		if v.matches {
			want++
		}
	}
	deadline := time.Now().Add(cfg.Timeout)
	for time.Now().Before(deadline) {
		got := 0
		for _, v := range vs {
			if v.matches && v.shown.Load() > 0 {
				got++
			}
		}
		if got == want {
			break
		}
		select {
		case <-runCtx.Done():
			return nil, runCtx.Err()
		case <-time.After(50 * time.Millisecond): // a poll of the counters, bounded by the deadline
		}
	}
	wg.Wait()
	var lat Latencies
	shownTargeted, shownWrongly, twice, last := 0, 0, 0, time.Duration(0)
	for _, v := range vs {
		n := v.shown.Load()
		switch {
		case v.matches && n > 0:
			shownTargeted++
			d := time.Duration(v.at.Load() - start.UnixNano())
			lat.Add(d)
			last = max(last, d)
		case !v.matches && n > 0:
			shownWrongly++
		}
		if n > 1 {
			twice++
		}
	}
	_, p50, _, p99, _ := lat.Percentiles()
	res.Add("targeted_visitors", want, "")
	res.Add("shown_targeted", shownTargeted, "")
	res.Add("shown_wrongly", shownWrongly, "")
	res.Add("shown_twice", twice, "")
	res.Add("ask_errors", askErrors.Load(), "")
	res.Add("time_to_all_shown", Round(last.Seconds(), 2), "s")
	res.Add("shown_p50", p50, "ms")
	res.Add("shown_p99", p99, "ms")
	if cfg.CPU != nil {
		if cpu1, err := cfg.CPU(); err == nil && cfg.Visitors > 0 {
			res.Add("server_cpu_per_visitor", Round(float64((cpu1-cpu0).Microseconds())/float64(cfg.Visitors), 1), "µs")
		}
	}
	if shownTargeted != want {
		res.Fail("%d of %d targeted visitors were shown the banner", shownTargeted, want)
	}
	if shownWrongly > 0 || twice > 0 {
		res.Fail("%d visitors not targeted were shown it, %d were shown it twice", shownWrongly, twice)
	}
	return res, nil
}

// ownerCall POSTs body to path as the owner and returns the answer's id.
func ownerCall(ctx context.Context, cfg BroadcastConfig, owner Agent, path string, body any) (string, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return "", err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cfg.URL+path, rd)
	if err != nil {
		return "", err
	}
	req.Header.Set("Cookie", owner.Cookie)
	req.Header.Set("Content-Type", "application/json")
	resp, err := cfg.Dialer.Client().Do(req)
	if err != nil {
		return "", fmt.Errorf("broadcast: %s: %w", path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return "", fmt.Errorf("broadcast: %s: %d %s", path, resp.StatusCode, data)
	}
	return Str(data, "id"), nil
}
