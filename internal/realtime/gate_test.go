package realtime

import (
	"testing"
	"time"
)

// TestGateTakesTurns: with every place taken, callers wait and go
// through in the order they came, one per place given back; one that
// gives up (stop) leaves the queue and costs no place.
func TestGateTakesTurns(t *testing.T) {
	g := newGate(2)
	stop := make(chan struct{})
	for range 2 {
		if !g.enter(stop) {
			t.Fatal("one of the first two was kept out")
		}
	}
	through := make(chan int, 3)
	for i := range 3 {
		go func() {
			if g.enter(stop) {
				through <- i
			}
		}()
		until(t, func() bool { return g.waiting() == i+1 }) // i is in the queue before i+1 starts
	}
	select {
	case i := <-through:
		t.Fatalf("caller %d went through with both places taken", i)
	default:
	}
	for want := range 3 {
		g.leave()
		if got := <-through; got != want {
			t.Fatalf("place %d went to caller %d, want %d", want, got, want)
		}
	}

	// Two places are held again. A caller waiting when stop closes gives
	// up; the two places given back are both free afterwards.
	gaveUp := make(chan bool)
	go func() { gaveUp <- !g.enter(stop) }()
	until(t, func() bool { return g.waiting() == 1 })
	close(stop)
	if !<-gaveUp {
		t.Fatal("a caller went through after stop")
	}
	if n := g.waiting(); n != 0 {
		t.Fatalf("%d still waiting after stop", n)
	}
	g.leave()
	g.leave()
	open := make(chan struct{})
	for range 2 {
		if !g.enter(open) {
			t.Fatal("a place was lost")
		}
	}
	if g.enter(stop) {
		t.Fatal("a third went through two places")
	}
}

// until polls cond until it holds (the test fails after 10 s).
func until(t *testing.T, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(end) {
			t.Fatal("condition not reached in 10 s")
		}
		time.Sleep(time.Millisecond)
	}
}
