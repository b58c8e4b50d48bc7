package visitor

import (
	"encoding/json"
	"hash/fnv"
	"sync"
	"time"

	"github.com/querytel/livedesk/internal/event"
)

// DeltaEvery is the shortest time between two of one visitor's deltas to
// the desks. A visitor's heartbeats, page changes, context and identity
// each tell every desk of the workspace; a script posing as a visitor that
// changes page in a loop would otherwise push its whole visitor record
// (context included, up to 8 KiB) to every desk that often. A delta that
// comes sooner waits for the rest of the second and is merged with any
// that follow, so desks get the latest state, at most once a second, and
// the first change after a quiet second at once.
const DeltaEvery = time.Second

// deltas coalesces visitor deltas per visitor. It runs on wall time (it
// shapes traffic; it is no rule of the product), through now and after so
// that a test can drive it.
type deltas struct {
	every   time.Duration
	now     func() time.Time
	after   func(d time.Duration, f func())
	publish func(f event.VisitorFrame)

	mu      sync.Mutex
	last    map[string]time.Time          // visitor id → when its last delta went out
	pending map[string]event.VisitorFrame // visitor id → the delta waiting for its turn
	context map[string]uint64             // visitor id → a hash of the context last sent
	swept   time.Time
}

func newDeltas(publish func(event.VisitorFrame)) *deltas {
	return &deltas{every: DeltaEvery, now: time.Now, after: func(d time.Duration, f func()) { time.AfterFunc(d, f) },
		publish: publish, last: map[string]time.Time{}, pending: map[string]event.VisitorFrame{}, context: map[string]uint64{}}
}

// offer publishes f now, or merges it into the visitor's waiting delta.
func (d *deltas) offer(f event.VisitorFrame) {
	id := f.Visitor.ID
	now := d.now()
	d.mu.Lock()
	d.sweep(now)
	last, seen := d.last[id]
	if !seen || now.Sub(last) >= d.every {
		d.last[id] = now
		d.trim(&f)
		d.mu.Unlock()
		d.publish(f)
		return
	}
	prev, waiting := d.pending[id]
	f.New = f.New || (waiting && prev.New) // "came online" is not lost in a merge
	d.pending[id] = f
	d.mu.Unlock()
	if !waiting {
		d.after(d.every-now.Sub(last), func() { d.flush(id) })
	}
}

// flush publishes a visitor's waiting delta.
func (d *deltas) flush(id string) {
	d.mu.Lock()
	f, ok := d.pending[id]
	delete(d.pending, id)
	if ok {
		d.last[id] = d.now()
		d.trim(&f)
	}
	d.mu.Unlock()
	if ok {
		d.publish(f)
	}
}

// sweep forgets visitors quiet for longer than every, now and then, so the
// map holds only the visitors active in the last seconds; d.mu is held.
func (d *deltas) sweep(now time.Time) {
	if now.Sub(d.swept) < 10*d.every {
		return
	}
	d.swept = now
	for id, t := range d.last {
		if _, waiting := d.pending[id]; !waiting && now.Sub(t) >= d.every {
			delete(d.last, id)
			delete(d.context, id) // the next delta carries the context again
		}
	}
}

// trim leaves the context out of f when it is the one this node sent
// last for the visitor (desks keep what they have); d.mu is held. The
// first delta after a quiet spell always carries it (sweep forgets).
func (d *deltas) trim(f *event.VisitorFrame) {
	h := fnv.New64a()
	json.NewEncoder(h).Encode(f.Visitor.Context) //nolint:errcheck // writing to a hash cannot fail; maps encode sorted
	sum := h.Sum64()
	id := f.Visitor.ID
	if prev, ok := d.context[id]; ok && prev == sum {
		f.Visitor.SameContext = true
		return
	}
	d.context[id] = sum
}

// drop forgets a visitor's waiting delta (it left: a late delta would bring
// it back to the desks' lists).
func (d *deltas) drop(id string) {
	d.mu.Lock()
	delete(d.pending, id)
	delete(d.context, id)
	d.mu.Unlock()
}
