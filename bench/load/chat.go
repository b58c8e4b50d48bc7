package load

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ChatConfig is scenario 2 (and, with two URLs, scenario 4): conversations
// between visitors and agents at a set total message rate, half sent by
// visitors and half by agents.
type ChatConfig struct {
	// URLs are the nodes' base URLs (http://127.0.0.1:PORT). With several,
	// a conversation's visitor and its agent sit on different nodes, so
	// every message crosses the bus.
	URLs []string
	// Tenants are the seeded workspaces; conversation i belongs to tenant
	// i mod len(Tenants) and to agent (i / len(Tenants)) mod agents.
	Tenants []Tenant
	// Conversations is how many run at once, each with its own visitor
	// socket.
	Conversations int
	// Rate is the total offered messages per second.
	Rate float64
	// Warmup runs before the measured Duration; Drain bounds the wait for
	// the last deliveries after sending stops.
	Warmup, Duration, Drain time.Duration
	// Heartbeat is the visitors' presence heartbeat period [30s].
	Heartbeat time.Duration
	Dialer    *Dialer
	// Log gets progress lines; nil discards.
	Log io.Writer
	// OnMeasure, if set, runs (in its own goroutine) when the measured
	// window starts, e.g. to take a CPU profile of the server.
	OnMeasure func(window time.Duration)
	// Receipts makes every client report what it receives, as real ones
	// do: a visitor a conversation.delivered for each agent message (its
	// panel closed), a desk a conversation.seen for each visitor message
	// (the chat on screen). Each is one more frame in and one marker write.
	Receipts bool
	// Watch, when set, is the desk.watch scope every desk asks for
	// ("mine": only its agent's chats, the queue's and the one shown).
	// Each conversation is then answered by the agent it is assigned to:
	// the one routing picked, else its own agent takes it.
	Watch string
	// Webhooks, when set, is the endpoint every workspace sends its
	// message.created events to: the run waits for one per stored message
	// and reports how late they came.
	Webhooks *WebhookSink
	// ServerPIDs, when known, are the nodes' processes: their CPU time in
	// the measured window is reported per message, a figure that noise
	// from other work on the machine disturbs far less than latency.
	ServerPIDs []int
}

// WatchMine is the desk.watch scope of a desk that follows only its own
// chats.
const WatchMine = "mine"

// holdBy makes c answered by its assignee's desk: the agent routing
// picked, or, when nobody holds it, c's own agent, who takes it.
func (r *chatRun) holdBy(ctx context.Context, c *chatConv, assignee string) error {
	for k, ag := range r.cfg.Tenants[c.tenant].Agents {
		if ag.ID == assignee {
			c.agent = k
			return nil
		}
	}
	_, err := r.desks[c.tenant][c.agent].Do(ctx, "conversation.assign", map[string]any{"conversation_id": c.id})
	return err
}

type chatConv struct {
	idx     int
	id      string
	tenant  int
	agent   int
	visitor *Conn

	mu    sync.Mutex
	got   []uint8 // counterpart deliveries by message number
	acked []uint8
}

type chatRun struct {
	cfg         ChatConfig
	epoch       time.Time
	start, end  time.Duration // the measured window, since epoch
	convs       []*chatConv
	desks       [][]*Conn // by tenant, by agent
	lat, ackLat Latencies
	// Per attempt: send → ack of the attempt the server accepted, and
	// send → busy answer of the attempts it refused (graceful overload:
	// both stay short while the end-to-end latency includes the backoff).
	acceptLat, refuseLat Latencies

	sent, sentWin, acked, ackedWin, delivered, deliveredWin, dups atomic.Int64
	busy, limited                                                 atomic.Int64 // sends answered busy or rate_limited (then sent again)
	receiptIDs                                                    atomic.Int64
	inflight                                                      sync.Map // frame id → *inflight, until acked
	errMu                                                         sync.Mutex
	errs                                                          map[string]int
	stopping                                                      atomic.Bool
}

func (r *chatRun) errorf(code string) {
	r.errMu.Lock()
	r.errs[code]++
	r.errMu.Unlock()
}

func (r *chatRun) now() time.Duration { return time.Since(r.epoch) }

func logf(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05.000")}, args...)...)
	}
}

func wsURL(base, path string) string { return "ws" + strings.TrimPrefix(base, "http") + path }

// clientMsgID encodes who sent (v or a), the conversation, the message
// number and the send time, so a receiver needs no shared table.
func clientMsgID(buf []byte, who byte, conv, n int, sent time.Duration) []byte {
	buf = append(buf, who, '-')
	buf = strconv.AppendInt(buf, int64(conv), 10)
	buf = append(buf, '-')
	buf = strconv.AppendInt(buf, int64(n), 10)
	buf = append(buf, '-')
	return strconv.AppendInt(buf, int64(sent), 10)
}

func parseClientMsgID(b []byte) (who byte, conv, n int, sent time.Duration, ok bool) {
	if len(b) < 2 || b[1] != '-' {
		return 0, 0, 0, 0, false
	}
	who = b[0]
	var f [3]int64
	rest := b[2:]
	for i := range f {
		j := bytes.IndexByte(rest, '-')
		part := rest
		if j >= 0 {
			part, rest = rest[:j], rest[j+1:]
		} else {
			rest = nil
		}
		v, err := strconv.ParseInt(string(part), 10, 64)
		if err != nil {
			return 0, 0, 0, 0, false
		}
		f[i] = v
	}
	return who, int(f[0]), int(f[1]), time.Duration(f[2]), true
}

func grow(s []uint8, n int) []uint8 {
	for len(s) <= n {
		s = append(s, 0)
	}
	return s
}

// received records a counterpart's receipt of a message event.
func (r *chatRun) received(line []byte, want byte, owner func(*chatConv) bool) bool {
	who, ci, n, sent, ok := parseClientMsgID(StrBytes(line, "client_msg_id"))
	if !ok || who != want || ci < 0 || ci >= len(r.convs) {
		return false
	}
	c := r.convs[ci]
	if owner != nil && !owner(c) {
		return false
	}
	now := r.now()
	c.mu.Lock()
	c.got = grow(c.got, n)
	c.got[n]++
	first := c.got[n] == 1
	c.mu.Unlock()
	if !first {
		r.dups.Add(1)
		return false
	}
	r.delivered.Add(1)
	if sent >= r.start && sent < r.end {
		r.deliveredWin.Add(1)
		r.lat.Add(now - sent)
	}
	return true
}

// receipt reports a received message back on conn (ChatConfig.Receipts):
// typ is conversation.delivered or conversation.seen, whose ack nobody
// waits for, as the widget and the desk send them.
func (r *chatRun) receipt(conn *Conn, typ string, line []byte) {
	if conn == nil || r.stopping.Load() {
		return
	}
	frame := fmt.Appendf(nil, `{"type":%q,"id":"r%d","conversation_id":%q,"seq":%d}`,
		typ, r.receiptIDs.Add(1), StrBytes(line, "conversation_id"), Int(line, "seq"))
	if err := conn.Write(context.Background(), frame); err != nil && !r.stopping.Load() {
		r.errorf("receipt:" + typ)
	}
}

// inflight is a send not yet acknowledged: what to send again when the
// server answers busy.
type inflight struct {
	conn     *Conn
	frame    []byte
	attempts atomic.Int32
	last     atomic.Int64 // the latest attempt's send time, since the run's epoch
}

// answered handles acks and errors of message sends (and counts other
// errors). A send answered busy or rate_limited goes out again, the same
// frame (same client_msg_id), after the wait the server asked for, or an
// exponential backoff with full jitter if longer (ServerRetryDelay), as
// the apps do.
func (r *chatRun) answered(line []byte) {
	switch Type(line) {
	case "error":
		if code := Str(line, "code"); code == "busy" || code == "rate_limited" {
			if v, ok := r.inflight.Load(Str(line, "id")); ok {
				if code == "busy" {
					r.busy.Add(1)
				} else {
					r.limited.Add(1)
				}
				f := v.(*inflight)
				if at := time.Duration(f.last.Load()); at >= r.start && at < r.end {
					r.refuseLat.Add(r.now() - at)
				}
				time.AfterFunc(ServerRetryDelay(line, int(f.attempts.Add(1)-1)), func() {
					if r.stopping.Load() {
						return
					}
					wctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					defer cancel()
					f.last.Store(int64(r.now()))
					if err := f.conn.Write(wctx, f.frame); err != nil {
						r.errorf("write:resend")
					}
				})
				return
			}
		}
		r.errorf("error:" + Str(line, "code"))
	case "ack":
		now := r.now()
		if v, ok := r.inflight.LoadAndDelete(Str(line, "id")); ok {
			if at := time.Duration(v.(*inflight).last.Load()); at >= r.start && at < r.end {
				r.acceptLat.Add(now - at)
			}
		}
		_, ci, n, sent, ok := parseClientMsgID(StrBytes(line, "client_msg_id"))
		if !ok || ci < 0 || ci >= len(r.convs) {
			return // a heartbeat's ack
		}
		c := r.convs[ci]
		c.mu.Lock()
		c.acked = grow(c.acked, n)
		c.acked[n]++
		first := c.acked[n] == 1
		c.mu.Unlock()
		if first {
			r.acked.Add(1)
			if sent >= r.start && sent < r.end {
				r.ackedWin.Add(1)
				r.ackLat.Add(now - sent)
			}
		}
	}
}

// Chat runs scenario 2 and reports stored and delivered rates, latencies
// and errors. It fails when a message is lost, doubled or refused.
func Chat(ctx context.Context, cfg ChatConfig) (*Result, error) {
	if len(cfg.URLs) == 0 || len(cfg.Tenants) == 0 || cfg.Conversations <= 0 || cfg.Rate <= 0 {
		return nil, errors.New("chat: need URLs, tenants, conversations and a rate")
	}
	for _, u := range cfg.URLs {
		if _, err := CheckLoopback(u); err != nil {
			return nil, err
		}
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = 30 * time.Second
	}
	if cfg.Drain <= 0 {
		cfg.Drain = 10 * time.Second
	}
	if cfg.Dialer == nil {
		cfg.Dialer = NewDialer(4)
	}
	W, A := len(cfg.Tenants), len(cfg.Tenants[0].Agents)
	if A == 0 {
		return nil, errors.New("chat: tenants need agents")
	}
	r := &chatRun{cfg: cfg, epoch: time.Now(), errs: map[string]int{}}
	r.start, r.end = 1<<62, 1<<62 // nothing is "in window" during setup
	nodes := len(cfg.URLs)
	agentNode := func(a int) string { return cfg.URLs[a%nodes] }
	visitorNode := func(a int) string { return cfg.URLs[(a+1)%nodes] }

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var conns []*Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	watch := func(c *Conn, what string) {
		conns = append(conns, c)
		go func() {
			<-c.Done()
			if !r.stopping.Load() {
				r.errorf(fmt.Sprintf("disconnect:%s:%d", what, c.CloseStatus()))
			}
		}()
	}

	// Desks first, so they see the conversations start.
	r.desks = make([][]*Conn, W)
	for t, ten := range cfg.Tenants {
		for a, ag := range ten.Agents {
			t, a := t, a
			owner := func(c *chatConv) bool { return c.tenant == t && c.agent == a }
			base := agentNode(a)
			var self atomic.Pointer[Conn]
			c, err := Dial(runCtx, wsURL(base, "/api/v1/ws"), DialOptions{Client: cfg.Dialer.Client(), Header: ag.Header(base)},
				func(line []byte) {
					if Type(line) == "message" {
						if r.received(line, 'v', owner) && cfg.Receipts {
							r.receipt(self.Load(), "conversation.seen", line)
						}
						return
					}
					r.answered(line)
				})
			if err != nil {
				return nil, fmt.Errorf("chat: desk: %w", err)
			}
			self.Store(c)
			if cfg.Watch != "" {
				if _, err := c.Do(runCtx, "desk.watch", map[string]any{"scope": cfg.Watch}); err != nil {
					return nil, fmt.Errorf("chat: desk.watch: %w", err)
				}
			}
			watch(c, "desk")
			r.desks[t] = append(r.desks[t], c)
		}
	}
	logf(cfg.Log, "chat: %d desks connected", W*A)

	r.convs = make([]*chatConv, cfg.Conversations)
	for i := range r.convs {
		r.convs[i] = &chatConv{idx: i, tenant: i % W, agent: (i / W) % A}
	}
	var (
		wg     sync.WaitGroup
		sem    = make(chan struct{}, 64)
		mu     sync.Mutex
		setErr error
	)
	for _, c := range r.convs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			base := visitorNode(c.agent)
			var self atomic.Pointer[Conn]
			vc, err := Dial(runCtx, wsURL(base, "/widget/v1/ws?key="+cfg.Tenants[c.tenant].SiteKey),
				DialOptions{Client: cfg.Dialer.Client()}, func(line []byte) {
					if Type(line) == "message" {
						if r.received(line, 'a', nil) && cfg.Receipts {
							r.receipt(self.Load(), "conversation.delivered", line)
						}
						return
					}
					r.answered(line)
				})
			if err == nil {
				_, err = vc.Do(runCtx, "heartbeat", map[string]any{"url": "https://bench.example/page/" + strconv.Itoa(c.idx), "title": "Bench page"})
			}
			var ack []byte
			if err == nil {
				ack, err = vc.Do(runCtx, "conversation.start", nil)
			}
			if err == nil && cfg.Watch == WatchMine {
				// The desk that answers must follow the chat.
				c.id = Str(ack, "conversation_id")
				err = r.holdBy(runCtx, c, Str(ack, "assignee_id"))
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if vc != nil {
					vc.Kill()
				}
				if setErr == nil {
					setErr = fmt.Errorf("chat: visitor %d: %w", c.idx, err)
				}
				return
			}
			c.visitor, c.id = vc, Str(ack, "conversation_id")
			self.Store(vc)
			watch(vc, "visitor")
		}()
	}
	wg.Wait()
	if setErr != nil {
		return nil, setErr
	}
	logf(cfg.Log, "chat: %d conversations started", len(r.convs))

	// The send schedule: every conversation sends at Rate/Conversations,
	// alternating visitor and agent, from a random phase, open loop (a
	// slow server does not slow the offered load down).
	period := time.Duration(float64(time.Second) * float64(cfg.Conversations) / cfg.Rate)
	begin := r.now() + 200*time.Millisecond
	r.start = begin + cfg.Warmup
	r.end = r.start + cfg.Duration
	if cfg.OnMeasure != nil {
		go func() {
			select {
			case <-time.After(r.start - r.now()):
				cfg.OnMeasure(cfg.Duration)
			case <-runCtx.Done():
			}
		}()
	}
	var cpu windowCPU
	go cpu.measure(runCtx, cfg.ServerPIDs, r.start-r.now(), cfg.Duration)
	// What the desks receive in the window: every event of their
	// workspace today, so it grows with the workspace's traffic, not with
	// what one agent looks at (issue 21's large-workspace target).
	deskBytes := make(chan int64, 1)
	go func() {
		var b0 int64
		for _, at := range []time.Duration{r.start, r.end} {
			select {
			case <-time.After(at - r.now()):
			case <-runCtx.Done():
				deskBytes <- -1
				return
			}
			var sum int64
			for _, ds := range r.desks {
				for _, d := range ds {
					sum += d.BytesIn()
				}
			}
			if at == r.start {
				b0 = sum
				continue
			}
			deskBytes <- sum - b0
		}
	}()
	logf(cfg.Log, "chat: sending %.0f msg/s for %s (+%s warmup)", cfg.Rate, cfg.Duration, cfg.Warmup)
	var senders sync.WaitGroup
	for _, c := range r.convs {
		senders.Add(1)
		go func() {
			defer senders.Done()
			r.converse(runCtx, c, begin, period)
		}()
	}
	senders.Wait()
	sent := r.sent.Load()
	deadline := time.Now().Add(cfg.Drain)
	for time.Now().Before(deadline) && (r.delivered.Load() < sent || r.acked.Load() < sent) && runCtx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
	}
	r.stopping.Store(true)

	res := &Result{Scenario: "chat", Pass: true, Params: map[string]any{
		"nodes": nodes, "workspaces": W, "agents_per_workspace": A, "conversations": cfg.Conversations,
		"rate": cfg.Rate, "duration_s": cfg.Duration.Seconds(), "warmup_s": cfg.Warmup.Seconds(), "receipts": cfg.Receipts,
	}}
	secs := cfg.Duration.Seconds()
	res.Add("offered", Round(float64(r.sentWin.Load())/secs, 1), "msg/s")
	res.Add("stored", Round(float64(r.ackedWin.Load())/secs, 1), "msg/s")
	res.Add("delivered", Round(float64(r.deliveredWin.Load())/secs, 1), "msg/s")
	n, p50, p95, p99, mx := r.lat.Percentiles()
	select {
	case b := <-deskBytes:
		if desks := W * A; b >= 0 && desks > 0 {
			res.Add("bytes received per desk", Round(float64(b)/secs/float64(desks)/1024, 1), "KiB/s")
		}
	default: // the window did not end (the run was cut short)
	}
	res.Add("latency samples", n, "")
	res.Add("latency p50", p50, "ms")
	res.Add("latency p95", p95, "ms")
	res.Add("latency p99", p99, "ms")
	res.Add("latency max", mx, "ms")
	_, ap50, _, ap99, _ := r.ackLat.Percentiles()
	res.Add("ack p50", ap50, "ms")
	res.Add("ack p99", ap99, "ms")
	if r.busy.Load()+r.limited.Load() > 0 {
		_, cp50, _, cp99, _ := r.acceptLat.Percentiles()
		res.Add("accepted attempt: ack p50", cp50, "ms")
		res.Add("accepted attempt: ack p99", cp99, "ms")
		_, _, _, rp99, _ := r.refuseLat.Percentiles()
		res.Add("refused attempt: answer p99", rp99, "ms")
	}
	if server, self, ok := cpu.result(); ok {
		res.Add("server cpu", Round(server.Seconds()/secs*100, 1), "%")
		if n := r.ackedWin.Load(); n > 0 {
			res.Add("server cpu per message", Round(float64(server.Microseconds())/float64(n), 1), "µs")
		}
		res.Add("generator cpu", Round(self.Seconds()/secs*100, 1), "%")
	}
	lost, unacked := sent-r.delivered.Load(), sent-r.acked.Load()
	res.Add("sent total", sent, "")
	res.Add("undelivered after drain", lost, "")
	res.Add("unacked", unacked, "")
	res.Add("duplicates", r.dups.Load(), "")
	res.Add("busy answers (sent again)", r.busy.Load(), "")
	res.Add("rate_limited answers (sent again)", r.limited.Load(), "")
	r.errMu.Lock()
	nerr := 0
	for code, k := range r.errs {
		nerr += k
		res.Fail("%d × %s", k, code)
	}
	r.errMu.Unlock()
	res.Add("errors", nerr, "")
	if lost > 0 || unacked > 0 || r.dups.Load() > 0 {
		res.Fail("lost %d, unacked %d, duplicated %d", lost, unacked, r.dups.Load())
	}
	if cfg.Webhooks != nil {
		res.Params["webhooks"] = "message.created"
		cfg.Webhooks.Report(ctx, res, r.acked.Load(), time.Minute)
	}
	return res, nil
}

// converse drives one conversation's sends until the window ends.
func (r *chatRun) converse(ctx context.Context, c *chatConv, begin, period time.Duration) {
	next := begin + time.Duration(rand.Int64N(int64(period)))
	hb := begin + time.Duration(rand.Int64N(int64(r.cfg.Heartbeat)))
	var buf, id []byte
	var frameID [32]byte
	for n := 0; ; n++ {
		if next >= r.end {
			return
		}
		for hb <= next {
			// A heartbeat is due first; it does not wait for its ack.
			b := []byte(`{"type":"heartbeat","id":"hb` + strconv.Itoa(n) + `","url":"https://bench.example/page/` + strconv.Itoa(c.idx) + `","title":"Bench page"}`)
			if err := c.visitor.Write(ctx, b); err != nil && ctx.Err() == nil {
				r.errorf("write:heartbeat")
			}
			hb += r.cfg.Heartbeat
		}
		if d := next - r.now(); d > 0 {
			select {
			case <-time.After(d):
			case <-ctx.Done():
				return
			}
		}
		conn, who := c.visitor, byte('v')
		if n%2 == 1 {
			conn, who = r.desks[c.tenant][c.agent], 'a'
		}
		now := r.now()
		id = clientMsgID(id[:0], who, c.idx, n, now)
		fid := strconv.AppendInt(append(strconv.AppendInt(append(frameID[:0], 's'), int64(c.idx), 10), '.'), int64(n), 10)
		buf = sendFrame(buf[:0], string(fid), c.id, string(id), "Hello from the load generator, message "+string(fid))
		f := &inflight{conn: conn, frame: bytes.Clone(buf)}
		f.last.Store(int64(now))
		r.inflight.Store(string(fid), f)
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := conn.Write(wctx, buf)
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				r.errorf("write:send")
			}
			return
		}
		r.sent.Add(1)
		if now >= r.start && now < r.end {
			r.sentWin.Add(1)
		}
		next += period
	}
}
