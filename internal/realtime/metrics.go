package realtime

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	conns     *prometheus.GaugeVec
	framesIn  *prometheus.CounterVec
	framesOut prometheus.Counter
	delivered prometheus.Counter
	slow      prometheus.Counter
	pings     prometheus.Counter
	gaps      *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		conns: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "livedesk_ws_connections", Help: "Open WebSocket connections by role.",
		}, []string{"role"}),
		framesIn: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "livedesk_ws_frames_in_total", Help: "Client frames received, by type.",
		}, []string{"type"}),
		framesOut: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "livedesk_ws_frames_out_total", Help: "Frames written to clients.",
		}),
		delivered: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "livedesk_ws_deliveries_total", Help: "Event frames enqueued to connections by the hub.",
		}),
		slow: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "livedesk_ws_slow_consumer_disconnects_total", Help: "Connections closed because their send queue overflowed.",
		}),
		pings: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "livedesk_ws_pings_total", Help: "WebSocket pings sent (a widget heard from since the last turn is not pinged).",
		}),
		gaps: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "livedesk_bus_gaps_total",
			Help: "Times this node may have missed bus events and sent its clients to catch up, by cause (reconnect, slow_consumer).",
		}, []string{"cause"}),
	}
	if reg != nil {
		reg.MustRegister(m.conns, m.framesIn, m.framesOut, m.delivered, m.slow, m.pings, m.gaps)
	}
	return m
}

// frameIn counts a client frame by type: a command's name from the
// tables, or "unknown". The label is never the client's own string, which
// would add a series per distinct value and grow /metrics without bound.
func (m *metrics) frameIn(typ string, known bool) {
	if !known {
		typ = "unknown"
	}
	m.framesIn.WithLabelValues(typ).Inc()
}
