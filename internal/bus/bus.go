// Package bus fans events out to every node of a Live Desk cluster.
//
// Delivery is at most once: a subscriber may miss an event (a NATS
// reconnect, a slow node), and nothing is replayed. That is enough because
// the bus is only a hint: every persisted conversation event carries a
// gap-free seq and clients recover anything missed from the database. Order
// is kept per publisher connection only; clients order by seq.
//
// Domains publish after their transaction commits. Two backends pass the
// same bustest suite: Memory (one node, in process) and NATS (a cluster).
package bus

import (
	"context"
	"errors"
)

// ErrClosed is returned by Publish and Subscribe once Close has been called,
// so a late publisher during shutdown fails loudly instead of vanishing.
var ErrClosed = errors.New("bus closed")

// ErrInvalidTopic is returned by Publish for a topic that both backends
// could not carry identically: topics are dot-separated tokens of ASCII
// letters, digits, '-' and '_' (ws.<uuid>, conv.<uuid>, visitor.<uuid>), at
// most 255 bytes, so NATS wildcards and whitespace can never sneak in.
var ErrInvalidTopic = errors.New("invalid topic")

// Handler receives every event published on any node (including this one).
// It runs on the bus's delivery goroutine and must not block: hand work off
// to bounded queues. It may be called concurrently with itself (Memory
// delivers on each publisher's goroutine). data is shared by every handler
// of the event: a handler may keep it but must never modify it.
type Handler func(topic string, data []byte)

// Bus publishes events to all nodes and delivers them to local handlers.
type Bus interface {
	// Publish sends data on topic to every subscribed handler on every
	// node. A nil error does not mean anyone received it. The caller may
	// reuse data as soon as Publish returns.
	Publish(ctx context.Context, topic string, data []byte) error
	// Subscribe registers h for every topic; the returned func removes it.
	Subscribe(h Handler) (unsubscribe func(), err error)
	// Close stops delivery and releases connections. Later calls return
	// nil, so shutdown paths may all close the bus.
	Close() error
	// OnGap registers fn to be told when this node may have missed events
	// (a slow-consumer drop, a reconnect after an outage), with the cause
	// (GapSlowConsumer, GapReconnect). Nothing is replayed by the bus: the
	// node makes its clients catch up from the database. fn runs on the
	// bus's callback goroutine and must not block. One fn per bus; a later
	// call replaces it.
	OnGap(fn func(cause string))
}

// Gap causes.
const (
	GapSlowConsumer = "slow_consumer" // this node fell behind and events were dropped
	GapReconnect    = "reconnect"     // the connection was lost: events published meanwhile were not received
)
