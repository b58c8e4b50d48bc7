package load

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// StormConfig is scenario 3: every visitor drops at once, agents write to
// them while they are away, and all reconnect together and resume.
type StormConfig struct {
	URL string
	// Tenants' first agents write the messages the visitors miss.
	Tenants  []Tenant
	Visitors int
	// Missed is how many agent messages each conversation gets while its
	// visitor is away [1].
	Missed int
	// ConnectRate bounds the first connects per second [2000]; the
	// reconnect itself is unbounded, as in a real outage.
	ConnectRate float64
	// Timeout bounds the wait for every visitor to resume [60s].
	Timeout time.Duration
	Dialer  *Dialer
	Log     io.Writer
	// ServerPID, if set, is the server process: its CPU time through the
	// reconnect is reported per visitor resumed.
	ServerPID int
	// OnStorm, if set, runs on its own goroutine as everyone starts to
	// reconnect (to profile the server through the storm). Storm returns
	// only after it has: the server must outlive a profile's window.
	OnStorm func()
}

type stormVisitor struct {
	idx, tenant int
	token, conv string
	inflight    string // the client_msg_id in flight when the socket dropped
	dupAck      bool   // the retry found it already stored

	mu     sync.Mutex
	held   map[int64]string // seq → client_msg_id, from events and acks
	events map[int64]int    // message events received per seq
	wake   chan struct{}
}

func (v *stormVisitor) onFrame(line []byte) {
	t := Type(line)
	if t != "message" && t != "ack" {
		return
	}
	seq := Int(line, "seq")
	if seq <= 0 {
		return
	}
	cmid := Str(line, "client_msg_id")
	v.mu.Lock()
	v.held[seq] = cmid
	if t == "message" {
		v.events[seq]++
	}
	v.mu.Unlock()
	select {
	case v.wake <- struct{}{}:
	default:
	}
}

// contiguous is the highest seq held with nothing missing below it.
func (v *stormVisitor) contiguous() int64 {
	v.mu.Lock()
	defer v.mu.Unlock()
	var s int64
	for {
		if _, ok := v.held[s+1]; !ok {
			return s
		}
		s++
	}
}

// Storm runs scenario 3 and reports how long the whole crowd took to
// resume, and whether anything was lost or doubled.
func Storm(ctx context.Context, cfg StormConfig) (*Result, error) {
	if _, err := CheckLoopback(cfg.URL); err != nil {
		return nil, err
	}
	if cfg.Visitors <= 0 || len(cfg.Tenants) == 0 {
		return nil, errors.New("storm: need visitors and tenants")
	}
	if cfg.Missed <= 0 {
		cfg.Missed = 1
	}
	if cfg.ConnectRate <= 0 {
		cfg.ConnectRate = 2000
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 60 * time.Second
	}
	var busy atomic.Int64 // retryable answers (busy, rate_limited), each sent again
	if cfg.Dialer == nil {
		cfg.Dialer = NewDialer(cfg.Visitors/20000 + 2)
	}
	W := len(cfg.Tenants)
	res := &Result{Scenario: "storm", Pass: true, Params: map[string]any{
		"visitors": cfg.Visitors, "workspaces": W, "missed_per_conversation": cfg.Missed,
	}}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		connMu sync.Mutex
		conns  []*Conn
	)
	keep := func(c *Conn) {
		connMu.Lock()
		conns = append(conns, c)
		connMu.Unlock()
	}
	defer func() {
		connMu.Lock()
		defer connMu.Unlock()
		for _, c := range conns {
			c.Kill()
		}
	}()
	widget := func(t int) string { return wsURL(cfg.URL, "/widget/v1/ws?key="+cfg.Tenants[t].SiteKey) }

	// 1. Visitors connect, start a conversation and send one message.
	vs := make([]*stormVisitor, cfg.Visitors)
	live := make([]*Conn, cfg.Visitors)
	err := parallel(runCtx, cfg.Visitors, 256, cfg.ConnectRate, func(i int) error {
		v := &stormVisitor{idx: i, tenant: i % W, held: map[int64]string{}, events: map[int64]int{}, wake: make(chan struct{}, 1)}
		vs[i] = v
		c, err := Dial(runCtx, widget(v.tenant), DialOptions{Client: cfg.Dialer.Client()}, v.onFrame)
		if err != nil {
			return err
		}
		live[i] = c
		keep(c)
		v.token = c.Welcome.Token
		ack, err := c.DoRetrying(runCtx, "conversation.start", nil, &busy)
		if err != nil {
			return err
		}
		v.conv = Str(ack, "conversation_id")
		_, err = c.DoRetrying(runCtx, "message.send", map[string]any{"conversation_id": v.conv, "client_msg_id": "p-" + strconv.Itoa(i), "text": "before the storm"}, &busy)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("storm: set-up: %w", err)
	}
	for _, v := range vs {
		if err := v.waitFor(runCtx, v.lastAcked()); err != nil {
			return nil, fmt.Errorf("storm: set-up: %w", err)
		}
	}
	desks := make([]*Conn, W)
	for t, ten := range cfg.Tenants {
		c, err := Dial(runCtx, wsURL(cfg.URL, "/api/v1/ws"), DialOptions{Client: cfg.Dialer.Client(), Header: ten.Agents[0].Header(cfg.URL)}, nil)
		if err != nil {
			return nil, fmt.Errorf("storm: desk: %w", err)
		}
		keep(c)
		desks[t] = c
	}
	logf(cfg.Log, "storm: %d visitors and %d desks connected", cfg.Visitors, W)

	// 2. The drop: each visitor has a message in flight, then every
	// socket is cut without a close handshake.
	for i, v := range vs {
		v.inflight = "x-" + strconv.Itoa(i)
		b := sendFrame(nil, "x", v.conv, v.inflight, "sent as the network dropped")
		live[i].Write(runCtx, b) //nolint:errcheck // it may or may not arrive: that is the point
	}
	for _, c := range live {
		c.Kill()
	}
	dropAt := time.Now()
	logf(cfg.Log, "storm: all %d visitors dropped", cfg.Visitors)

	// 3. Agents write while the visitors are away (≤ 40 frames/s per desk,
	// under the server's 50/s limit).
	missed := make([][]string, cfg.Visitors)
	var mwg sync.WaitGroup
	var missErr atomic.Value
	for t := range W {
		mwg.Add(1)
		go func() {
			defer mwg.Done()
			lim := rate.NewLimiter(40, 10)
			for k := range cfg.Missed {
				for i := t; i < cfg.Visitors; i += W {
					if lim.Wait(runCtx) != nil {
						return
					}
					id := "m-" + strconv.Itoa(i) + "-" + strconv.Itoa(k)
					if _, err := desks[t].DoRetrying(runCtx, "message.send", map[string]any{"conversation_id": vs[i].conv, "client_msg_id": id, "text": "while you were away"}, &busy); err != nil {
						missErr.Store(err)
						return
					}
					missed[i] = append(missed[i], id)
				}
			}
		}()
	}
	mwg.Wait()
	if err, _ := missErr.Load().(error); err != nil {
		return nil, fmt.Errorf("storm: agent send: %w", err)
	}
	logf(cfg.Log, "storm: agents wrote %d messages in %s; reconnecting everyone", cfg.Visitors*cfg.Missed, time.Since(dropAt).Round(time.Millisecond))

	// 4. Everyone reconnects at once, with the protocol's backoff and
	// jitter, resumes, and retries its in-flight message.
	var onStorm sync.WaitGroup
	defer onStorm.Wait()
	if cfg.OnStorm != nil {
		onStorm.Go(cfg.OnStorm)
	}
	t0 := time.Now()
	var (
		cpu0    time.Duration
		cpuRead bool // cpu0 was read: the CPU through the reconnect can be told
	)
	if cfg.ServerPID > 0 {
		var err error
		cpu0, err = CPUTime(cfg.ServerPID)
		cpuRead = err == nil
	}
	rctx, rcancel := context.WithTimeout(runCtx, cfg.Timeout)
	defer rcancel()
	var (
		attempts, retried atomic.Int64
		doneAt            = make([]time.Duration, cfg.Visitors)
		failMu            sync.Mutex
		fails             = map[string]int{}
	)
	var wg sync.WaitGroup
	for i, v := range vs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := v.resume(rctx, widget(v.tenant), cfg.Dialer, &attempts, &busy)
			if err != nil {
				failMu.Lock()
				fails[firstWords(err.Error())]++
				failMu.Unlock()
				return
			}
			keep(c)
			live[i] = c
			doneAt[i] = time.Since(t0)
			if v.dupAck {
				retried.Add(1)
			}
		}()
	}
	wg.Wait()
	total := time.Since(t0)
	var cpu time.Duration
	if cpuRead {
		if cpu1, err := CPUTime(cfg.ServerPID); err == nil {
			cpu = cpu1 - cpu0
		}
	}
	resumed := 0
	var times []time.Duration
	for _, d := range doneAt {
		if d > 0 {
			resumed++
			times = append(times, d)
		}
	}
	slices.Sort(times)
	pct := func(q float64) float64 {
		if len(times) == 0 {
			return 0
		}
		return Round(times[min(len(times)-1, int(q*float64(len(times))))].Seconds(), 3)
	}
	logf(cfg.Log, "storm: %d of %d resumed in %s; verifying", resumed, cfg.Visitors, total.Round(time.Millisecond))

	// 5. Verify against the server: each visitor holds exactly the stored
	// history (a sync from its last seq finds nothing more), every
	// acknowledged message once, and no client_msg_id twice.
	var lost, doubled, missing, dupEvents atomic.Int64
	verr := parallel(runCtx, cfg.Visitors, 256, 0, func(i int) error {
		v, c := vs[i], live[i]
		if doneAt[i] == 0 {
			return nil
		}
		last := v.contiguous()
		ack, err := c.Do(runCtx, "sync", map[string]any{"conversation_id": v.conv, "after_seq": last})
		if err != nil {
			return err
		}
		if stored := Int(ack, "last_seq"); stored != last {
			lost.Add(stored - last)
		}
		v.mu.Lock()
		defer v.mu.Unlock()
		seen := map[string]int{}
		for _, cmid := range v.held {
			seen[cmid]++
		}
		for cmid, k := range seen {
			if k > 1 && cmid != "" {
				doubled.Add(int64(k - 1))
			}
		}
		for _, id := range append([]string{"p-" + strconv.Itoa(i), v.inflight}, missed[i]...) {
			if seen[id] != 1 {
				missing.Add(1)
			}
		}
		for _, k := range v.events {
			if k > 1 {
				dupEvents.Add(int64(k - 1))
			}
		}
		return nil
	})
	if verr != nil {
		res.Fail("verify: %v", verr)
	}
	res.Add("resumed", resumed, "")
	res.Add("time to all resumed", Round(total.Seconds(), 3), "s")
	res.Add("resume p50", pct(0.50), "s")
	res.Add("resume p99", pct(0.99), "s")
	if cpu > 0 && resumed > 0 {
		res.Add("server CPU per resume", Round(float64(cpu.Microseconds())/float64(resumed), 1), "µs")
	}
	res.Add("connect attempts", attempts.Load(), "")
	res.Add("in-flight sends already stored", retried.Load(), "")
	res.Add("busy answers (sent again)", busy.Load(), "")
	res.Add("lost", lost.Load(), "")
	res.Add("doubled in history", doubled.Load(), "")
	res.Add("acked but not held once", missing.Load(), "")
	res.Add("duplicate deliveries dropped", dupEvents.Load(), "")
	for k, n := range fails {
		res.Fail("%d visitors did not resume: %s", n, k)
	}
	if resumed < cfg.Visitors {
		res.Fail("%d of %d visitors did not resume within %s", cfg.Visitors-resumed, cfg.Visitors, cfg.Timeout)
	}
	if lost.Load()+doubled.Load()+missing.Load() > 0 {
		res.Fail("lost %d, doubled %d, acked but not held once %d", lost.Load(), doubled.Load(), missing.Load())
	}
	return res, nil
}

// lastAcked is the highest seq held.
func (v *stormVisitor) lastAcked() int64 {
	v.mu.Lock()
	defer v.mu.Unlock()
	var m int64
	for s := range v.held {
		m = max(m, s)
	}
	return m
}

// waitFor waits until the visitor holds every seq up to seq.
func (v *stormVisitor) waitFor(ctx context.Context, seq int64) error {
	for v.contiguous() < seq {
		select {
		case <-v.wake:
		case <-time.After(100 * time.Millisecond):
		case <-ctx.Done():
			return fmt.Errorf("visitor %d holds up to %d of %d: %w", v.idx, v.contiguous(), seq, ctx.Err())
		}
	}
	return nil
}

// resume reconnects as the protocol says: full-jitter backoff from 100 ms
// doubling to 5 s, hello with the token and the last seq held, then the
// retry of the in-flight message with its original client_msg_id.
func (v *stormVisitor) resume(ctx context.Context, url string, d *Dialer, attempts, busy *atomic.Int64) (*Conn, error) {
	backoff := 100 * time.Millisecond
	for {
		select {
		case <-time.After(time.Duration(rand.Int64N(int64(backoff)))):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		attempts.Add(1)
		c, err := Dial(ctx, url, DialOptions{Client: d.Client(), Token: v.token, Resume: map[string]int64{v.conv: v.contiguous()}}, v.onFrame)
		if err == nil {
			if c.Welcome.Token != v.token {
				c.Kill()
				return nil, errors.New("resume made a new visitor")
			}
			var want int64
			for _, cv := range c.Welcome.Conversations {
				if cv.ID == v.conv {
					want = cv.LastSeq
				}
			}
			ack, err := c.DoRetrying(ctx, "message.send", map[string]any{"conversation_id": v.conv, "client_msg_id": v.inflight, "text": "sent as the network dropped"}, busy)
			if err == nil {
				v.dupAck = bytes.Contains(ack, []byte(`"duplicate":true`))
				want = max(want, Int(ack, "seq"))
				if err := v.waitFor(ctx, want); err != nil {
					c.Kill()
					return nil, err
				}
				return c, nil
			}
			c.Kill()
			if ctx.Err() != nil {
				return nil, err
			}
		} else if ctx.Err() != nil {
			return nil, err
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

// parallel runs fn(0..n-1) with at most width at once and at most perSec
// starts per second (0: unbounded); it returns the first error.
func parallel(ctx context.Context, n, width int, perSec float64, fn func(i int) error) error {
	var lim *rate.Limiter
	if perSec > 0 {
		lim = rate.NewLimiter(rate.Limit(perSec), max(1, int(perSec/20)))
	}
	sem := make(chan struct{}, width)
	var (
		wg    sync.WaitGroup
		first atomic.Value
	)
	for i := range n {
		if first.Load() != nil {
			break
		}
		if lim != nil && lim.Wait(ctx) != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := fn(i); err != nil {
				first.CompareAndSwap(nil, fmt.Errorf("#%d: %w", i, err))
			}
		}()
	}
	wg.Wait()
	if err, _ := first.Load().(error); err != nil {
		return err
	}
	return ctx.Err()
}
