package ratelimit

import (
	"fmt"
	"testing"
	"time"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// TestLimiterForgetsIdleKeys: buckets that have refilled are dropped, so
// guessing with many e-mails cannot grow memory without bound, while a key
// that is still limited keeps its bucket.
func TestLimiterForgetsIdleKeys(t *testing.T) {
	t.Parallel()
	l := New(time.Second, 2) // full again 2 s after draining
	now := epoch
	for i := range 1000 {
		l.Allow(fmt.Sprint(i), now)
	}
	if l.Size() != 1000 {
		t.Fatalf("%d buckets, want 1000", l.Size())
	}
	now = now.Add(2 * time.Second)
	l.Allow("busy", now)
	l.Allow("busy", now)
	if l.Allow("busy", now) {
		t.Fatal("a third attempt within the burst of 2 was allowed")
	}
	now = now.Add(500 * time.Millisecond) // the next call sweeps
	if !l.Allow("fresh", now) {
		t.Fatal("a new key was refused")
	}
	if l.Size() != 2 {
		t.Fatalf("%d buckets after the sweep, want the drained key and the new one", l.Size())
	}
	if l.Allow("busy", now) {
		t.Fatal("the sweep reset a limited key")
	}
}

// TestLimiterMemoryIsBounded: a flood of distinct keys that have not yet
// refilled cannot grow a limiter past its bound; the keys past it share
// one overflow bucket, which limits them together.
func TestLimiterMemoryIsBounded(t *testing.T) {
	t.Parallel()
	l := NewBounded(time.Minute, 1, 100)
	now := epoch
	for i := range 1000 {
		l.Take(fmt.Sprint("key", i), now) // each key drained: none is swept
	}
	if n := l.Size(); n != 100 {
		t.Fatalf("%d keys kept, want the bound of 100", n)
	}
	if l.Ready("one more key", now) {
		t.Fatal("a key past the bound has a token although the overflow bucket was drained")
	}
	if !l.Ready("one more key", now.Add(time.Minute)) {
		t.Fatal("the overflow bucket never refills")
	}
}

// TestHoldChargesOnlyWhatIsKept: tokens held are gone for everyone until
// given back; given back, they are there again.
func TestHoldChargesOnlyWhatIsKept(t *testing.T) {
	t.Parallel()
	l := New(time.Minute, 2)
	now := epoch
	back1, ok1 := l.Hold("k", now)
	_, ok2 := l.Hold("k", now)
	if !ok1 || !ok2 {
		t.Fatal("two holds within a burst of 2 were refused")
	}
	if _, ok := l.Hold("k", now); ok {
		t.Fatal("a third hold passed while two were held")
	}
	back1()
	if _, ok := l.Hold("k", now); !ok {
		t.Fatal("a token given back cannot be held again")
	}
}
