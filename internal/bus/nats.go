package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
)

// NATS is the cluster Bus. Each value holds one connection and one
// subscription on prefix.>, and fans every message out to its local handlers
// on that subscription's single goroutine, so handlers see each publisher's
// events in order and never concurrently.
//
// Reconnects: nats.go reconnects forever. While it is disconnected Publish
// appends to an 8 MiB reconnect buffer and returns nil; after reconnecting it
// re-subscribes and then sends the buffer. This node therefore sees its own
// buffered events, but another node sees them only if it re-subscribed
// first: an outage loses events, which clients recover by seq. Once the
// buffer is full Publish fails at once. Publish never waits on the network
// except when the socket's send buffer is full, and then at most the
// flusher timeout (10 s) before nats.go drops the connection.
//
// Slow consumers: if handlers fall behind by more than the pending limits,
// nats.go drops messages for this node only. Dropped counts them and a
// warning is logged at most once a minute.
type NATS struct {
	nc     *nats.Conn
	sub    *nats.Subscription
	prefix string // ends with "."
	log    *slog.Logger
	cfg    natsConfig
	reg    registry

	done     chan struct{} // closed once nats.go has closed the connection
	doneOnce sync.Once

	slowLog throttle
	// dropped keeps the subscription's drop count once Close has removed
	// the subscription, whose own counter is then unreadable.
	dropped atomic.Uint64
	// onGap is OnGap's fn (a func(string)), or nil.
	onGap atomic.Value
}

// OnGap registers fn for the moments this node may have missed events:
// nats.go dropped some (slow consumer), or the connection came back after
// an outage (called once re-subscribed, so what follows is received).
func (n *NATS) OnGap(fn func(cause string)) { n.onGap.Store(fn) }

func (n *NATS) gap(cause string) {
	if fn, _ := n.onGap.Load().(func(string)); fn != nil {
		fn(cause)
	}
}

var _ Bus = (*NATS)(nil)

// natsConfig holds the tunables; only tests change them.
type natsConfig struct {
	reconnectWait   time.Duration
	reconnectJitter time.Duration
	pendingMsgs     int
	pendingBytes    int
	drainTimeout    time.Duration
	now             func() time.Time
	// Test hooks, called on nats.go's callback goroutine; must not block.
	onDisconnect func()
	onReconnect  func()
}

func defaultNATSConfig() natsConfig {
	return natsConfig{
		// A restarted server is back within seconds; up to 1 s of jitter
		// keeps a whole cluster from reconnecting in the same instant.
		reconnectWait:   time.Second,
		reconnectJitter: time.Second,
		// Twice nats.go's defaults (500k messages, 64 MiB). Events are
		// small, so this absorbs long stalls; a node further behind than
		// that is better off dropping and letting clients resume by seq.
		pendingMsgs:  1_000_000,
		pendingBytes: 128 << 20,
		drainTimeout: 5 * time.Second,
		now:          time.Now,
	}
}

// NewNATS connects to the NATS server(s) at url (comma-separated URLs
// allowed) and subscribes to prefix.>. The prefix separates deployments
// sharing one NATS, and must be a valid topic itself ("livedesk",
// "livedesk.staging"). It fails rather than retrying when no server answers,
// so a wrong URL stops start-up instead of running a node that hears
// nothing. When it returns, the server has registered the subscription: the
// node receives every event published after that. A nil log discards logs.
func NewNATS(ctx context.Context, url, prefix string, log *slog.Logger) (*NATS, error) {
	return newNATS(ctx, url, prefix, log, defaultNATSConfig())
}

func newNATS(ctx context.Context, url, prefix string, log *slog.Logger, cfg natsConfig) (*NATS, error) {
	if why := checkSubject(prefix); why != "" {
		return nil, fmt.Errorf("bus: nats: invalid prefix %q: %s", prefix, why)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	n := &NATS{
		prefix:  prefix + ".",
		log:     log.With("component", "bus"),
		cfg:     cfg,
		done:    make(chan struct{}),
		slowLog: throttle{every: time.Minute, now: cfg.now},
	}
	nc, err := connect(ctx, url,
		nats.Name("livedesk"),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(cfg.reconnectWait),
		nats.ReconnectJitter(cfg.reconnectJitter, cfg.reconnectJitter),
		// The defaults (2 min, 2 pings) notice a silently dead server only
		// after 4-6 minutes; this takes about one.
		nats.PingInterval(20*time.Second),
		nats.MaxPingsOutstanding(3),
		// Bounds how long a Publish can wait on a full socket buffer
		// (default 1 min).
		nats.FlusherTimeout(10*time.Second),
		nats.DrainTimeout(cfg.drainTimeout),
		nats.DisconnectErrHandler(n.onDisconnect),
		nats.ReconnectHandler(n.onReconnect),
		nats.ClosedHandler(n.onClosed),
		nats.ErrorHandler(n.onAsyncError),
	)
	if err != nil {
		return nil, fmt.Errorf("bus: nats connect: %w", err)
	}
	n.nc = nc
	if err := n.subscribe(ctx); err != nil {
		nc.Close()
		return nil, fmt.Errorf("bus: nats subscribe: %w", err)
	}
	return n, nil
}

// connect is nats.Connect that gives up when ctx is done; a connection
// that completes later is closed.
func connect(ctx context.Context, url string, opts ...nats.Option) (*nats.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	type result struct {
		nc  *nats.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		nc, err := nats.Connect(url, opts...)
		ch <- result{nc, err}
	}()
	select {
	case r := <-ch:
		return r.nc, r.err
	case <-ctx.Done():
		go func() {
			if r := <-ch; r.nc != nil {
				r.nc.Close()
			}
		}()
		return nil, ctx.Err()
	}
}

func (n *NATS) subscribe(ctx context.Context) error {
	sub, err := n.nc.Subscribe(n.prefix+">", n.dispatch)
	if err != nil {
		return err
	}
	if err := sub.SetPendingLimits(n.cfg.pendingMsgs, n.cfg.pendingBytes); err != nil {
		return err
	}
	n.sub = sub
	// The SUB is buffered; a round trip proves the server holds it.
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return n.nc.FlushWithContext(ctx)
}

func (n *NATS) dispatch(m *nats.Msg) {
	topic, ok := strings.CutPrefix(m.Subject, n.prefix)
	if !ok {
		return
	}
	// nats.go gives each message its own Data slice, shared by handlers.
	n.reg.deliver(topic, m.Data)
}

// Publish sends data to every node's handlers, this node's included. It
// does not wait for delivery and respects ctx only before handing data to
// nats.go: see the NATS type for what happens during an outage.
func (n *NATS) Publish(ctx context.Context, topic string, data []byte) error {
	if err := validateTopic(topic); err != nil {
		return fmt.Errorf("bus: publish: %w", err)
	}
	if n.reg.isClosed() {
		return fmt.Errorf("bus: publish: %w", ErrClosed)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("bus: publish: %w", err)
	}
	if err := n.nc.Publish(n.prefix+topic, data); err != nil {
		if errors.Is(err, nats.ErrConnectionClosed) || errors.Is(err, nats.ErrConnectionDraining) {
			return fmt.Errorf("bus: publish: %w: %w", ErrClosed, err)
		}
		return fmt.Errorf("bus: publish: %w", err)
	}
	return nil
}

// Subscribe registers h for every topic. The returned func is idempotent
// and safe to call from inside a handler.
func (n *NATS) Subscribe(h Handler) (func(), error) {
	if h == nil {
		return nil, errors.New("bus: subscribe: nil handler")
	}
	unsub, err := n.reg.add(h)
	if err != nil {
		return nil, fmt.Errorf("bus: subscribe: %w", err)
	}
	return unsub, nil
}

// Dropped reports how many events this node discarded because its handlers
// fell behind the pending limits; export it as a metric, since at-most-once
// delivery must stay observable.
func (n *NATS) Dropped() uint64 {
	if d, err := n.sub.Dropped(); err == nil {
		return uint64(d)
	}
	return n.dropped.Load()
}

// Close stops delivery at once, then drains: events already published are
// flushed to the server (unless it is unreachable) before the connection
// closes. It waits for that, at most the drain timeout (5 s).
func (n *NATS) Close() error {
	if !n.reg.close() {
		return nil
	}
	if d, err := n.sub.Dropped(); err == nil {
		n.dropped.Store(uint64(d))
	}
	// While reconnecting, Drain closes immediately and says so; the
	// buffered publishes are lost, as after any outage.
	if err := n.nc.Drain(); err != nil && !errors.Is(err, nats.ErrConnectionReconnecting) {
		n.nc.Close()
	}
	// nats.go enforces the drain timeout itself; this only guards
	// against a callback that never comes.
	t := time.NewTimer(n.cfg.drainTimeout + 5*time.Second)
	defer t.Stop()
	select {
	case <-n.done:
	case <-t.C:
		n.nc.Close()
		return errors.New("bus: close: nats connection did not close")
	}
	if err := n.nc.LastError(); errors.Is(err, nats.ErrDrainTimeout) {
		return fmt.Errorf("bus: close: %w", err)
	}
	return nil
}

func (n *NATS) onDisconnect(_ *nats.Conn, err error) {
	if !n.reg.isClosed() {
		n.log.Warn("nats disconnected; reconnecting and buffering publishes", "error", err)
	}
	if n.cfg.onDisconnect != nil {
		n.cfg.onDisconnect()
	}
}

func (n *NATS) onReconnect(nc *nats.Conn) {
	n.log.Info("nats reconnected: events published meanwhile were missed; clients catch up", "server", nc.ConnectedUrlRedacted())
	// Clients told to catch up must then receive what follows: make sure
	// the server has our subscription again before telling them.
	nc.FlushTimeout(2 * time.Second) //nolint:errcheck // on failure the next reconnect tells again
	n.gap(GapReconnect)
	if n.cfg.onReconnect != nil {
		n.cfg.onReconnect()
	}
}

func (n *NATS) onClosed(*nats.Conn) {
	n.doneOnce.Do(func() { close(n.done) })
}

func (n *NATS) onAsyncError(_ *nats.Conn, _ *nats.Subscription, err error) {
	switch {
	case errors.Is(err, nats.ErrSlowConsumer):
		n.gap(GapSlowConsumer)
		if ok, suppressed := n.slowLog.allow(); ok {
			n.log.Warn("nats slow consumer: events dropped, clients will resume by seq",
				"dropped_total", n.Dropped(), "warnings_suppressed", suppressed)
		}
	case errors.Is(err, nats.ErrDrainTimeout):
		// Close returns it.
	default:
		n.log.Error("nats async error", "error", err)
	}
}

// throttle lets one event through per interval. nats.go reports each
// slow-consumer episode, and a node that keeps falling behind would
// otherwise log a line per burst; once a minute (as Mattermost does for
// slow sockets) keeps it visible without flooding.
type throttle struct {
	every time.Duration
	now   func() time.Time

	mu         sync.Mutex
	next       time.Time
	suppressed int
}

// allow reports whether to log now and how many events were held back
// since the last time it said yes.
func (t *throttle) allow() (ok bool, suppressed int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if now.Before(t.next) {
		t.suppressed++
		return false, 0
	}
	t.next = now.Add(t.every)
	suppressed, t.suppressed = t.suppressed, 0
	return true, suppressed
}
