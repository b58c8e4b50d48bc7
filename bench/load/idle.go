package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// IdleConfig is scenario 1: visitors that keep a socket open and send a
// presence heartbeat every Heartbeat, and nothing else.
type IdleConfig struct {
	URL     string
	SiteKey string
	// Visitors is how many sockets to hold.
	Visitors int
	// ConnectRate bounds new sockets per second [2000].
	ConnectRate float64
	// Hold is how long all sockets stay open once connected; at least one
	// heartbeat period so every visitor heartbeats in it.
	Hold time.Duration
	// Heartbeat is the heartbeat period [30s], as the welcome says.
	Heartbeat time.Duration
	// ServerPID is the server process, for VmRSS and CPU time.
	ServerPID int
	Dialer    *Dialer
	Log       io.Writer
	// OnHeld, if set, runs when every socket is open (e.g. to take a heap
	// profile).
	OnHeld func()
	// PprofAddr, if set, is the server's pprof listener: the live heap
	// (after a forced collection) is then measured before and after, apart
	// from RSS, which keeps the high-water mark of the connect burst.
	PprofAddr string
}

// Idle runs scenario 1 and reports the server's memory per idle
// connection and the CPU its heartbeats cost.
func Idle(ctx context.Context, cfg IdleConfig) (*Result, error) {
	if _, err := CheckLoopback(cfg.URL); err != nil {
		return nil, err
	}
	if cfg.Visitors <= 0 || cfg.ServerPID <= 0 {
		return nil, errors.New("idle: need visitors and the server's pid")
	}
	if cfg.ConnectRate <= 0 {
		cfg.ConnectRate = 2000
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = 30 * time.Second
	}
	if cfg.Hold < cfg.Heartbeat {
		cfg.Hold = cfg.Heartbeat
	}
	if cfg.Dialer == nil {
		cfg.Dialer = NewDialer(cfg.Visitors/20000 + 2)
	}
	res := &Result{Scenario: "idle", Pass: true, Params: map[string]any{
		"visitors": cfg.Visitors, "connect_rate": cfg.ConnectRate, "hold_s": cfg.Hold.Seconds(), "heartbeat_s": cfg.Heartbeat.Seconds(),
	}}
	var heap0 int64
	if cfg.PprofAddr != "" {
		h, err := HeapAlloc(cfg.PprofAddr)
		if err != nil {
			return nil, fmt.Errorf("idle: live heap: %w", err)
		}
		heap0 = h
	}
	rss0, err := RSS(cfg.ServerPID)
	if err != nil {
		return nil, fmt.Errorf("idle: server RSS: %w", err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()

	var (
		heartbeats, hbErrors, dropped atomic.Int64
		failMu                        sync.Mutex
		failed                        = map[string]int{}
		drops                         = map[int]int{} // close code → sockets dropped with it
		stopping                      atomic.Bool
		mu                            sync.Mutex
		conns                         []*Conn
		wg                            sync.WaitGroup
	)
	onFrame := func(line []byte) {
		switch Type(line) {
		case "ack":
			heartbeats.Add(1)
		case "error":
			hbErrors.Add(1)
		}
	}
	// heartbeater sends one heartbeat per period per socket, from a
	// random phase; one goroutine serves every socket, as a timer wheel.
	heartbeat := func(c *Conn, i int) {
		b := []byte(`{"type":"heartbeat","id":"hb","url":"https://bench.example/idle/` + strconv.Itoa(i%50) + `","title":"Idle page"}`)
		wctx, cancel := context.WithTimeout(runCtx, 10*time.Second)
		defer cancel()
		if err := c.Write(wctx, b); err != nil && runCtx.Err() == nil {
			hbErrors.Add(1)
		}
	}
	lim := rate.NewLimiter(rate.Limit(cfg.ConnectRate), max(1, int(cfg.ConnectRate/20)))
	sem := make(chan struct{}, 512)
	t0 := time.Now()
	logf(cfg.Log, "idle: connecting %d visitors at ≤ %.0f/s", cfg.Visitors, cfg.ConnectRate)
	for i := range cfg.Visitors {
		if err := lim.Wait(runCtx); err != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			c, err := Dial(runCtx, wsURL(cfg.URL, "/widget/v1/ws?key="+cfg.SiteKey), DialOptions{Client: cfg.Dialer.Client()}, onFrame)
			if err != nil {
				failMu.Lock()
				failed[firstWords(err.Error())]++
				failMu.Unlock()
				return
			}
			heartbeat(c, i) // on page load
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			go func() {
				<-c.Done()
				if !stopping.Load() {
					dropped.Add(1)
					failMu.Lock()
					drops[int(c.CloseStatus())]++
					failMu.Unlock()
				}
			}()
		}()
		if (i+1)%10000 == 0 {
			logf(cfg.Log, "idle: %d dialed", i+1)
		}
	}
	wg.Wait()
	connectTime := time.Since(t0)
	defer func() {
		stopping.Store(true)
		var cw sync.WaitGroup
		for i, c := range conns {
			if i%1000 == 0 {
				cw.Wait()
			}
			cw.Add(1)
			go func() { defer cw.Done(); c.Kill() }()
		}
		cw.Wait()
	}()
	logf(cfg.Log, "idle: %d connected in %s; letting the server settle", len(conns), connectTime.Round(time.Millisecond))

	// Heartbeats every period from a random phase.
	hbCtx, stopHB := context.WithCancel(runCtx)
	defer stopHB()
	go func() {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		slots := int(cfg.Heartbeat / (100 * time.Millisecond))
		buckets := make([][]int, slots)
		for i := range conns {
			s := rand.IntN(slots)
			buckets[s] = append(buckets[s], i)
		}
		for slot := 0; ; slot = (slot + 1) % slots {
			select {
			case <-hbCtx.Done():
				return
			case <-tick.C:
			}
			for _, i := range buckets[slot] {
				go heartbeat(conns[i], i)
			}
		}
	}()
	settle := min(10*time.Second, cfg.Hold/3)
	time.Sleep(settle)
	if cfg.OnHeld != nil {
		cfg.OnHeld()
	}
	cpu0, _ := CPUTime(cfg.ServerPID)
	hb0 := heartbeats.Load()
	h0 := time.Now()
	var rssPeak int64
	for time.Since(h0) < cfg.Hold && runCtx.Err() == nil {
		time.Sleep(time.Second)
		if r, err := RSS(cfg.ServerPID); err == nil {
			rssPeak = max(rssPeak, r)
		}
	}
	held := time.Since(h0)
	cpu1, _ := CPUTime(cfg.ServerPID)
	hb1 := heartbeats.Load()
	rss1, _ := RSS(cfg.ServerPID)
	var heap1 int64
	if cfg.PprofAddr != "" {
		heap1, _ = HeapAlloc(cfg.PprofAddr)
	}
	stopHB()

	n := int64(len(conns)) - dropped.Load()
	res.Add("connected", len(conns), "")
	res.Add("connect time", Round(connectTime.Seconds(), 2), "s")
	res.Add("dropped", dropped.Load(), "")
	res.Add("server RSS before", rss0>>20, "MiB")
	res.Add("server RSS held", rss1>>20, "MiB")
	res.Add("server RSS peak", rssPeak>>20, "MiB")
	if n > 0 {
		res.Add("memory per connection", Round(float64(rss1-rss0)/float64(n)/1024, 2), "KiB")
		res.Add("peak memory per connection", Round(float64(rssPeak-rss0)/float64(n)/1024, 2), "KiB")
		if heap1 > 0 {
			res.Add("live heap per connection", Round(float64(heap1-heap0)/float64(n)/1024, 2), "KiB")
		}
	}
	hbs := hb1 - hb0
	cpu := cpu1 - cpu0
	res.Add("heartbeats", hbs, "")
	res.Add("heartbeat rate", Round(float64(hbs)/held.Seconds(), 1), "/s")
	res.Add("server CPU while idle", Round(cpu.Seconds()/held.Seconds()*100, 1), "% of a core")
	if hbs > 0 {
		res.Add("server CPU per heartbeat", Round(float64(cpu.Microseconds())/float64(hbs), 1), "µs")
	}
	res.Add("heartbeat errors", hbErrors.Load(), "")
	failMu.Lock()
	for k, v := range failed {
		res.Fail("%d connects failed: %s", v, k)
	}
	failMu.Unlock()
	if dropped.Load() > 0 {
		res.Fail("%d sockets dropped by the server while idle", dropped.Load())
		failMu.Lock()
		for code, n := range drops {
			res.Fail("%d of them closed with %d", n, code) // -1: no close frame
		}
		failMu.Unlock()
	}
	if hbErrors.Load() > 0 {
		res.Fail("%d heartbeat errors", hbErrors.Load())
	}
	return res, nil
}

func firstWords(s string) string {
	if len(s) > 120 {
		s = s[:120]
	}
	return s
}
