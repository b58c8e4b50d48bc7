package realtime

import (
	"slices"
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
// waits up to workerIdle for the next one, then exits. The worker that
// became idle last is handed the next command (a stack, not a queue), so
// after a burst the workers it needed and the steady load does not are
// the ones left waiting, and they exit: a steady trickle of heartbeats
// keeps one or two workers, not the burst's hundreds of grown stacks. An
// idle server holds none.
const workerIdle = 2 * time.Second

// job is one command handed to a worker; done carries its panic, if any.
type job struct {
	f    func()
	done chan any
}

// worker is an idle worker's mailbox.
type worker struct{ next chan *job }

var (
	jobs = sync.Pool{New: func() any { return &job{done: make(chan any, 1)} }}

	idleMu sync.Mutex
	idle   []*worker // the last one became idle last
)

// offStack runs f on a worker and waits for it. A panic in f is re-raised
// on the caller.
func offStack(f func()) {
	j := jobs.Get().(*job)
	j.f = f
	idleMu.Lock()
	var w *worker
	if n := len(idle); n > 0 {
		w, idle[n-1] = idle[n-1], nil
		idle = idle[:n-1]
	}
	idleMu.Unlock()
	if w != nil {
		w.next <- j // buffered: a popped worker is always waiting for it
	} else {
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
	w := &worker{next: make(chan *job, 1)}
	timer := time.NewTimer(workerIdle)
	running := false
	defer func() {
		timer.Stop()
		if running {
			// runtime.Goexit in a command ended this worker; as when
			// the command returns, its caller goes on.
			j.done <- nil
		}
	}()
	for {
		running = true
		p := run(j.f)
		running = false
		j.done <- p
		idleMu.Lock()
		idle = append(idle, w)
		idleMu.Unlock()
		timer.Reset(workerIdle)
		select {
		case j = <-w.next:
			continue
		case <-timer.C:
		}
		idleMu.Lock()
		i := slices.Index(idle, w)
		if i >= 0 {
			idle = slices.Delete(idle, i, i+1)
		}
		idleMu.Unlock()
		if i >= 0 {
			return
		}
		j = <-w.next // popped just as the timer fired: its job is coming
	}
}

// run calls f and returns what it panicked with, if anything.
func run(f func()) (p any) {
	defer func() { p = recover() }()
	f()
	return nil
}
