package bus

import (
	"bytes"
	"context"
	"errors"
	"fmt"
)

// Memory is the single-node Bus: the embedded default, and the bus the app
// tests run on. Publish calls every handler registered at that moment on the
// publisher's own goroutine before it returns, so events from one goroutine
// arrive in order and a test needs no waiting. Events from concurrent
// publishers reach handlers concurrently. A Publish already running when
// Close is called may still finish delivering.
type Memory struct {
	reg registry
}

var _ Bus = (*Memory)(nil)

// NewMemory returns an open in-process bus.
func NewMemory() *Memory { return &Memory{} }

// Publish copies data once, so the caller may reuse its buffer, and hands
// the copy to every handler. It fails only on a bad topic, a done ctx or a
// closed bus.
func (m *Memory) Publish(ctx context.Context, topic string, data []byte) error {
	if err := validateTopic(topic); err != nil {
		return fmt.Errorf("bus: publish: %w", err)
	}
	if m.reg.isClosed() {
		return fmt.Errorf("bus: publish: %w", ErrClosed)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("bus: publish: %w", err)
	}
	if len(m.reg.snapshot()) == 0 {
		return nil
	}
	m.reg.deliver(topic, bytes.Clone(data))
	return nil
}

// Subscribe registers h for every topic. The returned func is idempotent
// and safe to call from inside a handler.
func (m *Memory) Subscribe(h Handler) (func(), error) {
	if h == nil {
		return nil, errors.New("bus: subscribe: nil handler")
	}
	unsub, err := m.reg.add(h)
	if err != nil {
		return nil, fmt.Errorf("bus: subscribe: %w", err)
	}
	return unsub, nil
}

// Close drops every handler; later Publish and Subscribe calls fail with
// ErrClosed.
func (m *Memory) Close() error {
	m.reg.close()
	return nil
}

// OnGap does nothing: an in-process bus delivers every event (handlers run
// on the publisher's goroutine), so it never has a gap.
func (m *Memory) OnGap(func(cause string)) {}
