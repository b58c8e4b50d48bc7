package realtime

import (
	"runtime"
	"sync"
	"testing"
	"time"
)

// TestCommandsNeverWaitForEachOther: commands of different connections run
// at once, each on a worker of its own, even while reused workers exist:
// n commands that each wait for all the others finish (a command queued
// behind another would wait forever).
func TestCommandsNeverWaitForEachOther(t *testing.T) {
	for round := range 3 { // later rounds reuse the first round's workers
		const n = 50
		var all sync.WaitGroup
		all.Add(n)
		released := make(chan struct{})
		go func() { all.Wait(); close(released) }()
		var done sync.WaitGroup
		for range n {
			done.Add(1)
			go func() {
				defer done.Done()
				offStack(func() {
					all.Done()
					select {
					case <-released:
					case <-time.After(10 * time.Second):
						t.Errorf("round %d: a command waited for another to finish", round)
					}
				})
			}()
		}
		done.Wait()
	}
}

// TestCommandPanicReachesItsConnection: a panic in a command is raised on
// the connection that ran it, and the worker goes on serving others.
func TestCommandPanicReachesItsConnection(t *testing.T) {
	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Fatalf("recovered %v, want the command's panic", p)
			}
		}()
		offStack(func() { panic("boom") })
		t.Fatal("the panic did not reach the caller")
	}()
	ran := false
	offStack(func() { ran = true })
	if !ran {
		t.Fatal("a command after a panic did not run")
	}
}

// TestCommandThatEndsItsGoroutine: a command that calls runtime.Goexit
// (t.FailNow in a test double does) ends like one that returns: its
// connection goes on to the next command instead of waiting forever.
func TestCommandThatEndsItsGoroutine(t *testing.T) {
	offStack(runtime.Goexit)
	ran := false
	offStack(func() { ran = true })
	if !ran {
		t.Fatal("the next command did not run")
	}
}
