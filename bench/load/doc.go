// Package load is Live Desk's load generator: it speaks the realtime
// protocol (docs/protocol.md) as widgets and desks do and measures a server
// under four scenarios: idle sockets, chat, a reconnect storm and a
// two-node cluster. Command bench/cmd/ldload runs it; docs/benchmarks.md
// has the commands and the latest results.
//
// Safety and bounds: every URL must point into 127.0.0.0/8 (CheckLoopback,
// and the dialer refuses any other remote address), and every scenario has
// a bounded number of clients and a deadline, so a run always stops by
// itself.
//
// Concurrency: a Conn has one reader goroutine that hands every server
// frame to a callback; writes may come from any goroutine (coder/websocket
// serializes them). Frames are inspected with byte scans rather than
// decoded, so that the generator spends its CPU on sockets and not on
// JSON: on a 2-core machine it shares the CPU with the server it measures.
//
// Client sockets are spread over several 127.0.0.x source addresses
// (Dialer), each with its own ~28k ephemeral ports, so that 100,000
// sockets to one server port fit.
package load
