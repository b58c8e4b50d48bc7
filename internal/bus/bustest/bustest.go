// Package bustest is the contract every bus.Bus backend must pass, so the
// memory bus used in app tests and NATS in production behave alike.
package bustest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/bus"
)

// Timeout bounds every wait in the suite. It is generous because a failure
// here means "never arrived", not "slow", and CI machines stall.
const Timeout = 10 * time.Second

// Run runs the contract against buses made by newBus. a and b must form one
// cluster: an event published on either reaches handlers on both (for an
// in-process bus return the same value twice; for NATS, two connections
// with the same prefix). Every subtest calls newBus once and runs in
// parallel with the others, so each call must return a fresh, isolated
// cluster, whose buses newBus closes in t.Cleanup (the suite may close them
// first; Close must be idempotent).
func Run(t *testing.T, newBus func(t *testing.T) (a, b bus.Bus)) {
	t.Helper()
	cases := []struct {
		name string
		run  func(t *testing.T, a, b bus.Bus)
	}{
		{"FanOut", testFanOut},
		{"MultipleHandlers", testMultipleHandlers},
		{"Unsubscribe", testUnsubscribe},
		{"UnsubscribeInsideHandler", testUnsubscribeInsideHandler},
		{"PublishInsideHandler", testPublishInsideHandler},
		{"PublisherOrder", testPublisherOrder},
		{"ConcurrentPublishers", testConcurrentPublishers},
		{"PublisherMayReuseBuffer", testReuseBuffer},
		{"InvalidTopics", testInvalidTopics},
		{"DoneContext", testDoneContext},
		{"Close", testClose},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			a, b := newBus(t)
			c.run(t, a, b)
		})
	}
}

// Event is one delivery seen by a Recorder.
type Event struct {
	Topic string
	Data  string
}

// Recorder is a Handler that remembers what it got, so a test can wait for
// a condition on a channel instead of sleeping.
type Recorder struct {
	mu      sync.Mutex
	events  []Event
	changed chan struct{} // one pending wake-up is enough
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder { return &Recorder{changed: make(chan struct{}, 1)} }

// Handle records an event; pass it to Subscribe.
func (r *Recorder) Handle(topic string, data []byte) {
	r.mu.Lock()
	r.events = append(r.events, Event{topic, string(data)})
	r.mu.Unlock()
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

// Events returns a copy of everything recorded so far.
func (r *Recorder) Events() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

// WaitFor blocks until ok holds for the recorded events and returns them;
// it fails the test after Timeout, naming what it waited for.
func (r *Recorder) WaitFor(t testing.TB, what string, ok func([]Event) bool) []Event {
	t.Helper()
	timer := time.NewTimer(Timeout)
	defer timer.Stop()
	for {
		if ev := r.Events(); ok(ev) {
			return ev
		}
		select {
		case <-r.changed:
		case <-timer.C:
			ev := r.Events()
			if len(ev) > 10 {
				ev = ev[len(ev)-10:]
			}
			t.Fatalf("timed out after %v waiting for %s; last events: %v", Timeout, what, ev)
		}
	}
}

// WaitForData waits until an event with exactly this topic and data
// arrived.
func (r *Recorder) WaitForData(t testing.TB, topic, data string) []Event {
	t.Helper()
	return r.WaitFor(t, fmt.Sprintf("%s %q", topic, data), func(ev []Event) bool {
		return slices.Contains(ev, Event{topic, data})
	})
}

func subscribe(t *testing.T, b bus.Bus, h bus.Handler) func() {
	t.Helper()
	unsub, err := b.Subscribe(h)
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	t.Cleanup(unsub)
	return unsub
}

func publish(t testing.TB, b bus.Bus, topic, data string) {
	t.Helper()
	if err := b.Publish(t.Context(), topic, []byte(data)); err != nil {
		t.Fatalf("Publish(%q, %q): %v", topic, data, err)
	}
}

func testFanOut(t *testing.T, a, b bus.Bus) {
	ra, rb := NewRecorder(), NewRecorder()
	subscribe(t, a, ra.Handle)
	subscribe(t, b, rb.Handle)

	publish(t, a, "conv.0190a8f2-6c1e-7d3a-9b7e-3f1c2d4e5f60", `{"seq":1}`)
	publish(t, b, "ws.0190a8f2-6c1e-7d3a-9b7e-3f1c2d4e5f61", `{"from":"b"}`)
	publish(t, a, "visitor.v_1", "") // empty payloads are events too

	want := []Event{
		{"conv.0190a8f2-6c1e-7d3a-9b7e-3f1c2d4e5f60", `{"seq":1}`},
		{"ws.0190a8f2-6c1e-7d3a-9b7e-3f1c2d4e5f61", `{"from":"b"}`},
		{"visitor.v_1", ""},
	}
	for _, r := range []*Recorder{ra, rb} {
		got := r.WaitFor(t, "three events", func(ev []Event) bool { return len(ev) >= 3 })
		// Two publishers: only their own order is promised.
		slices.SortFunc(got, func(x, y Event) int { return strings.Compare(x.Topic, y.Topic) })
		sorted := slices.Clone(want)
		slices.SortFunc(sorted, func(x, y Event) int { return strings.Compare(x.Topic, y.Topic) })
		if !slices.Equal(got, sorted) {
			t.Errorf("got %v, want %v", got, sorted)
		}
	}
}

func testMultipleHandlers(t *testing.T, a, b bus.Bus) {
	rs := []*Recorder{NewRecorder(), NewRecorder(), NewRecorder(), NewRecorder()}
	subscribe(t, a, rs[0].Handle)
	subscribe(t, a, rs[1].Handle)
	subscribe(t, b, rs[2].Handle)
	subscribe(t, b, rs[3].Handle)

	publish(t, b, "conv.1", "hello")
	for i, r := range rs {
		got := r.WaitForData(t, "conv.1", "hello")
		if len(got) != 1 {
			t.Errorf("handler %d got %v, want exactly one event", i, got)
		}
	}
}

func testUnsubscribe(t *testing.T, a, b bus.Bus) {
	gone, stay, remote := NewRecorder(), NewRecorder(), NewRecorder()
	// gone is registered first, so were it still called for an event, it
	// would be called before stay sees that event.
	unsub := subscribe(t, a, gone.Handle)
	subscribe(t, a, stay.Handle)
	subscribe(t, b, remote.Handle)

	publish(t, a, "conv.1", "before")
	gone.WaitForData(t, "conv.1", "before")
	stay.WaitForData(t, "conv.1", "before")

	unsub()
	unsub() // idempotent
	publish(t, a, "conv.1", "after")
	publish(t, b, "conv.1", "sentinel")
	stay.WaitForData(t, "conv.1", "after")
	stay.WaitForData(t, "conv.1", "sentinel")
	remote.WaitForData(t, "conv.1", "sentinel")
	if got := gone.Events(); len(got) != 1 {
		t.Errorf("unsubscribed handler got %v, want only the event before unsubscribing", got)
	}
}

func testUnsubscribeInsideHandler(t *testing.T, a, b bus.Bus) {
	var (
		mu    sync.Mutex
		unsub func()
		calls int
	)
	self := func(string, []byte) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		unsub()
	}
	mu.Lock() // unsub is read by the handler on the bus's goroutine
	unsub = subscribe(t, a, self)
	mu.Unlock()
	r := NewRecorder()
	subscribe(t, a, r.Handle)

	publish(t, a, "conv.1", "first")
	r.WaitForData(t, "conv.1", "first")
	publish(t, a, "conv.1", "second")
	r.WaitForData(t, "conv.1", "second")
	mu.Lock()
	defer mu.Unlock()
	if calls != 1 {
		t.Errorf("self-unsubscribing handler called %d times, want 1", calls)
	}
}

func testPublishInsideHandler(t *testing.T, a, b bus.Bus) {
	errs := make(chan error, 1)
	subscribe(t, a, func(topic string, data []byte) {
		if topic == "conv.ping" {
			// The handler must not block, but publishing is non-blocking
			// on every backend and domain code may do it.
			select {
			case errs <- a.Publish(context.Background(), "conv.pong", data):
			default:
				t.Error("ping delivered twice")
			}
		}
	})
	r := NewRecorder()
	subscribe(t, b, r.Handle)

	publish(t, b, "conv.ping", "x")
	r.WaitForData(t, "conv.pong", "x")
	if err := <-errs; err != nil {
		t.Errorf("Publish inside handler: %v", err)
	}
}

func testPublisherOrder(t *testing.T, a, b bus.Bus) {
	const n = 1000
	ra, rb := NewRecorder(), NewRecorder()
	subscribe(t, a, ra.Handle)
	subscribe(t, b, rb.Handle)

	// Order is per publisher, across topics.
	topics := []string{"conv.1", "conv.2", "ws.1"}
	for i := range n {
		publish(t, a, topics[i%len(topics)], strconv.Itoa(i))
	}
	for _, r := range []*Recorder{ra, rb} {
		got := r.WaitFor(t, fmt.Sprintf("%d events", n), func(ev []Event) bool { return len(ev) >= n })
		for i, e := range got {
			if want := (Event{topics[i%len(topics)], strconv.Itoa(i)}); e != want {
				t.Fatalf("event %d is %v, want %v", i, e, want)
			}
		}
	}
}

func testConcurrentPublishers(t *testing.T, a, b bus.Bus) {
	const publishers, each = 8, 200
	ra, rb := NewRecorder(), NewRecorder()
	subscribe(t, a, ra.Handle)
	subscribe(t, b, rb.Handle)

	var wg sync.WaitGroup
	errs := make(chan error, publishers)
	for p := range publishers {
		on := a
		if p%2 == 1 {
			on = b
		}
		wg.Go(func() {
			for i := range each {
				if err := on.Publish(t.Context(), "conv."+strconv.Itoa(p), []byte(strconv.Itoa(i))); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Publish: %v", err)
	}
	// Sentinels after everything: once both arrive, any duplicate sent
	// before them has arrived too.
	publish(t, a, "conv.end", "a")
	publish(t, b, "conv.end", "b")

	for _, r := range []*Recorder{ra, rb} {
		r.WaitForData(t, "conv.end", "a")
		got := r.WaitForData(t, "conv.end", "b")
		next := make(map[string]int) // topic -> next expected index
		for _, e := range got {
			if e.Topic == "conv.end" {
				continue
			}
			i, err := strconv.Atoi(e.Data)
			if err != nil || i != next[e.Topic] {
				t.Fatalf("%s: got %q, want %d (lost, duplicated or reordered)", e.Topic, e.Data, next[e.Topic])
			}
			next[e.Topic]++
		}
		for p := range publishers {
			if topic := "conv." + strconv.Itoa(p); next[topic] != each {
				t.Errorf("%s: got %d events, want %d", topic, next[topic], each)
			}
		}
	}
}

func testReuseBuffer(t *testing.T, a, b bus.Bus) {
	ra, rb := NewRecorder(), NewRecorder()
	subscribe(t, a, ra.Handle)
	subscribe(t, b, rb.Handle)

	buf := []byte("one")
	if err := a.Publish(t.Context(), "conv.1", buf); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	copy(buf, "two")
	if err := a.Publish(t.Context(), "conv.1", buf); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	for _, r := range []*Recorder{ra, rb} {
		got := r.WaitForData(t, "conv.1", "two")
		if want := []Event{{"conv.1", "one"}, {"conv.1", "two"}}; !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	}
}

func testInvalidTopics(t *testing.T, a, b bus.Bus) {
	r := NewRecorder()
	subscribe(t, b, r.Handle)

	bad := []string{
		"", " ", "conv. 1", "conv 1", "conv\t1", "conv\n1", "conv\x001",
		"*", ">", "conv.*", "conv.>", "conv.a*", "conv.a>",
		".conv", "conv.", "conv..1", ".", "conv/1", "convé",
		strings.Repeat("a", 256),
	}
	for _, topic := range bad {
		err := a.Publish(t.Context(), topic, []byte("bad"))
		if !errors.Is(err, bus.ErrInvalidTopic) {
			t.Errorf("Publish(%q) = %v, want ErrInvalidTopic", topic, err)
		}
	}
	good := []string{
		"conv.0190a8f2-6c1e-7d3a-9b7e-3f1c2d4e5f60", "ws.1", "visitor.v_1",
		"a", "A-b_C.9", strings.Repeat("a", 255),
	}
	for _, topic := range good {
		publish(t, a, topic, "good")
	}
	publish(t, a, "conv.end", "sentinel")
	got := r.WaitForData(t, "conv.end", "sentinel")
	if len(got) != len(good)+1 {
		t.Errorf("got %d events, want %d (valid topics plus sentinel, no invalid ones): %v", len(got), len(good)+1, got)
	}
}

func testDoneContext(t *testing.T, a, b bus.Bus) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := a.Publish(ctx, "conv.1", nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Publish with a cancelled context = %v, want context.Canceled", err)
	}
}

func testClose(t *testing.T, a, b bus.Bus) {
	if err := a.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := a.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
	if err := a.Publish(t.Context(), "conv.1", []byte("late")); !errors.Is(err, bus.ErrClosed) {
		t.Errorf("Publish after Close = %v, want ErrClosed", err)
	}
	if _, err := a.Subscribe(func(string, []byte) {}); !errors.Is(err, bus.ErrClosed) {
		t.Errorf("Subscribe after Close = %v, want ErrClosed", err)
	}
}
