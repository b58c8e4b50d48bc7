package bus_test

import (
	"testing"

	"github.com/querytel/livedesk/internal/bus"
	"github.com/querytel/livedesk/internal/bus/bustest"
)

func TestMemory(t *testing.T) {
	bustest.Run(t, func(t *testing.T) (bus.Bus, bus.Bus) {
		m := bus.NewMemory()
		t.Cleanup(func() {
			if err := m.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		return m, m
	})
}

// Memory promises synchronous delivery, which app tests rely on to assert
// right after an action without waiting.
func TestMemoryDeliversBeforePublishReturns(t *testing.T) {
	m := bus.NewMemory()
	defer m.Close()
	r := bustest.NewRecorder()
	unsub, err := m.Subscribe(r.Handle)
	if err != nil {
		t.Fatal(err)
	}
	defer unsub()
	if err := m.Publish(t.Context(), "conv.1", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if got := r.Events(); len(got) != 1 {
		t.Fatalf("after Publish returned, handler had %v, want one event", got)
	}
}
