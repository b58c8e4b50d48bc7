package realtime

import (
	"slices"
	"sync"
)

// gate lets at most n callers through at once; the others wait and go
// through in the order they came. The order is fixed under mu when a
// caller joins the queue, so it holds whatever the scheduler does after.
//
// The server puts hellos through one (see handshake): a reconnect storm
// brings thousands of hellos at once, each a handful of reads in a row.
// Let in together they share the read pool, which serves its waiters in
// random order, so each hello waits about as long as the whole storm and
// thousands of workers grow stacks for the database at once. In turn,
// each is done soon after it starts, and the workers that ran one are
// reused with their stacks.
type gate struct {
	mu    sync.Mutex
	free  int
	queue []chan struct{} // the waiting, first come first
}

func newGate(n int) *gate { return &gate{free: n} }

// enter returns once the caller may go through, or false (without a
// place) when stop is closed first.
func (g *gate) enter(stop <-chan struct{}) bool {
	g.mu.Lock()
	if g.free > 0 {
		g.free--
		g.mu.Unlock()
		return true
	}
	turn := make(chan struct{})
	g.queue = append(g.queue, turn)
	g.mu.Unlock()
	select {
	case <-turn:
		return true
	case <-stop:
	}
	g.mu.Lock()
	i := slices.Index(g.queue, turn)
	if i >= 0 {
		g.queue = slices.Delete(g.queue, i, i+1)
	}
	g.mu.Unlock()
	if i < 0 { // handed a place as stop closed: pass it on
		g.leave()
	}
	return false
}

// leave gives back a place entered: to the first waiting, else free.
func (g *gate) leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.queue) == 0 {
		g.free++
		return
	}
	close(g.queue[0])
	g.queue[0] = nil
	g.queue = g.queue[1:]
}

// waiting is how many wait their turn.
func (g *gate) waiting() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.queue)
}
