package bus

import (
	"context"
	"log/slog"
	"time"
)

// NATSTestConfig shortens NATS timings and reports connection events, so
// tests wait on channels instead of sleeping. Zero fields keep defaults.
type NATSTestConfig struct {
	ReconnectWait time.Duration
	PendingMsgs   int
	Now           func() time.Time
	OnDisconnect  func()
	OnReconnect   func()
}

// NewNATSForTest is NewNATS with c applied.
func NewNATSForTest(ctx context.Context, url, prefix string, log *slog.Logger, c NATSTestConfig) (*NATS, error) {
	cfg := defaultNATSConfig()
	if c.ReconnectWait > 0 {
		cfg.reconnectWait = c.ReconnectWait
		cfg.reconnectJitter = c.ReconnectWait
	}
	if c.PendingMsgs > 0 {
		cfg.pendingMsgs = c.PendingMsgs
	}
	if c.Now != nil {
		cfg.now = c.Now
	}
	cfg.onDisconnect = c.OnDisconnect
	cfg.onReconnect = c.OnReconnect
	return newNATS(ctx, url, prefix, log, cfg)
}

// FlushForTest returns once the server has processed everything n sent,
// its subscription included.
func FlushForTest(ctx context.Context, n *NATS) error {
	return n.nc.FlushWithContext(ctx)
}
