package realtime

import (
	"sync"
	"time"
)

// Commands run off the readers' stacks, on workers.
//
// A command goes deep (the store, SQLite, JSON), and a goroutine's stack,
// once grown, is kept while it lives. Run on its reader, every idle
// connection would keep that depth; so the reader hands each frame to a
// worker and waits for it: the commands of one connection still run in
// order, one at a time, and the reader stays back-pressured by them.
//
// A worker started per command paid for growing a fresh stack every time
// (runtime.copystack was ~6 % of the server's CPU at 5,000 msg/s). Workers
// are therefore kept while there is work: one that finishes a command
// waits up to workerIdle for the next one from any connection, then
// exits. A busy server reuses stacks already grown to a command's depth;
// an idle one holds no worker at all.
const workerIdle = 2 * time.Second

// job is one command handed to a worker; done carries its panic, if any.
type job struct {
	f    func()
	done chan any
}

var (
	// idleWorkers is unbuffered: a send succeeds only when a worker is
	// waiting for work, so a job is never queued behind another.
	idleWorkers = make(chan *job)
	jobs        = sync.Pool{New: func() any { return &job{done: make(chan any, 1)} }}
)

// offStack runs f on a worker and waits for it. A panic in f is re-raised
// on the caller.
func offStack(f func()) {
	j := jobs.Get().(*job)
	j.f = f
	select {
	case idleWorkers <- j:
	default:
		go work(j)
	}
	p := <-j.done
	j.f = nil
	jobs.Put(j)
	if p != nil {
		panic(p)
	}
}

// work runs j, then further jobs until none comes for workerIdle.
func work(j *job) {
	idle := time.NewTimer(workerIdle)
	defer idle.Stop()
	for {
		j.done <- run(j.f)
		idle.Reset(workerIdle)
		select {
		case j = <-idleWorkers:
		case <-idle.C:
			return
		}
	}
}

// run calls f and returns what it panicked with, if anything.
func run(f func()) (p any) {
	defer func() { p = recover() }()
	f()
	return nil
}
