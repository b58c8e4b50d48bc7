package visitor

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/event"
	"github.com/querytel/livedesk/internal/store"
)

// TestDeltasAtMostOncePerSecond: a visitor's first change goes out at
// once; the changes within the next second are merged into one delta with
// the latest state (keeping "new"), sent when the second is over; another
// visitor is not held back; a visitor that left loses its waiting delta.
func TestDeltasAtMostOncePerSecond(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	var sent []event.VisitorFrame
	var timers []func()
	var delays []time.Duration
	d := newDeltas(func(f event.VisitorFrame) { sent = append(sent, f) })
	d.now = func() time.Time { return now }
	d.after = func(delay time.Duration, f func()) { delays, timers = append(delays, delay), append(timers, f) }
	frame := func(id, page string, isNew bool) event.VisitorFrame {
		return event.VisitorFrame{Type: event.TypeVisitor, New: isNew, Visitor: event.VisitorView{Visitor: store.Visitor{ID: id, PageURL: page}}}
	}

	d.offer(frame("v1", "/a", true))
	if len(sent) != 1 {
		t.Fatalf("the first change: %d deltas, want 1 at once", len(sent))
	}
	now = now.Add(200 * time.Millisecond)
	d.offer(frame("v1", "/b", false))
	now = now.Add(300 * time.Millisecond)
	d.offer(frame("v1", "/c", false))
	d.offer(frame("v2", "/x", false)) // another visitor goes out at once
	if len(sent) != 2 || sent[1].Visitor.ID != "v2" {
		t.Fatalf("after a burst: %d deltas sent", len(sent))
	}
	if len(timers) != 1 || delays[0] != 800*time.Millisecond {
		t.Fatalf("one flush 0.8 s after the second change, got %d timers %v", len(timers), delays)
	}
	now = now.Add(500 * time.Millisecond)
	timers[0]()
	if len(sent) != 3 || sent[2].Visitor.PageURL != "/c" || sent[2].New {
		t.Fatalf("the merged delta: %+v", sent[len(sent)-1])
	}

	// A burst that starts with "came online" keeps it through the merge.
	now = now.Add(100 * time.Millisecond)
	d.offer(frame("v1", "/d", true))
	d.offer(frame("v1", "/e", false))
	now = now.Add(time.Second)
	timers[len(timers)-1]()
	if last := sent[len(sent)-1]; last.Visitor.PageURL != "/e" || !last.New {
		t.Fatalf("a merged delta lost new: %+v", last)
	}

	// A visitor who left: its waiting delta is dropped.
	now = now.Add(100 * time.Millisecond)
	d.offer(frame("v1", "/f", false))
	n := len(sent)
	d.drop("v1")
	timers[len(timers)-1]()
	if len(sent) != n {
		t.Fatal("a delta went out after its visitor left")
	}
}

// TestDeltasLeaveOutAnUnchangedContext: a delta carries the visitor's
// context only when it differs from the one this node sent last; its JSON
// then has no "context" key at all (desks keep theirs).
func TestDeltasLeaveOutAnUnchangedContext(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	var sent []event.VisitorFrame
	d := newDeltas(func(f event.VisitorFrame) { sent = append(sent, f) })
	d.now = func() time.Time { return now }
	d.after = func(time.Duration, func()) {}
	offer := func(page string, ctx map[string]any) []byte {
		d.offer(event.VisitorFrame{Type: event.TypeVisitor, Visitor: event.VisitorView{Visitor: store.Visitor{ID: "v1", PageURL: page, Context: ctx}}})
		now = now.Add(2 * time.Second)
		b, err := json.Marshal(sent[len(sent)-1])
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	big := map[string]any{"plan": "pro", "cart": 42.5}
	if b := offer("/a", big); !bytes.Contains(b, []byte(`"context":{"cart":42.5,"plan":"pro"}`)) {
		t.Fatalf("the first delta lacks the context: %s", b)
	}
	if b := offer("/b", map[string]any{"cart": 42.5, "plan": "pro"}); bytes.Contains(b, []byte(`"context"`)) || !bytes.Contains(b, []byte(`"page_url":"/b"`)) {
		t.Fatalf("a page change with the same context: %s", b)
	}
	if b := offer("/b", map[string]any{"plan": "enterprise"}); !bytes.Contains(b, []byte(`"context":{"plan":"enterprise"}`)) {
		t.Fatalf("a changed context was left out: %s", b)
	}
	if b := offer("/c", nil); !bytes.Contains(b, []byte(`"context":null`)) {
		t.Fatalf("a context emptied to nothing must be sent: %s", b)
	}
}
