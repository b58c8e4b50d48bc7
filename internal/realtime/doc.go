// Package realtime serves the WebSocket protocol (docs/protocol.md) to
// widgets and desks. It translates and holds no rules: every read and
// every change goes through a domain service (chat, visitor, team, site,
// auth), and what a visitor may see is decided by those services.
//
// Files: upgrade.go (the HTTP upgrade, refusals, the hello handshake),
// dispatch.go (decoding a frame and running its command), widget.go and
// desk.go (each role's command table: one method per command with a typed
// request, in the manner of centrifuge's dispatchCommand), resume.go (the
// welcome and its replay), server.go (options and the connection's
// lifecycle), conn.go (the send queue and its writer), hub.go (the
// subscription index), frame.go (protocol types and codes), wire.go (the
// lean socket under the library).
//
// Concurrency model: an idle connection costs one goroutine, its reader,
// started by the upgrade handler, which then returns (so net/http's
// goroutine and request are not kept). The reader only reads raw frames;
// it hands each to a short-lived worker goroutine, which decodes it, checks
// the rate limit and runs the command, and waits for it, so commands run
// in order, one at a time (a client's sends are stored in the order it
// sent them), while decoding and the deep store calls never grow the
// long-lived reader's stack (it stays at 4 KiB). The socket under the
// library reads and writes through 16-byte buffers instead of net/http's
// 4 KiB pair (wire.go), and writes are bounded by the socket's write
// deadline rather than a context the library would keep per connection.
// The writer is started on demand when the send queue gains
// work and exits once it has drained it (exactly one at a time; see conn.mu
// for the state machine); the pinger is a timer per connection that pings
// on a short-lived goroutine. Everything a connection is sent — acks,
// errors, events — goes through its queue, so the writer is the only
// goroutine that writes frames to the socket after the handshake.
//
// The Hub indexes connections by workspace (desks) and by visitor
// (widgets) in power-of-two shards, each an RWMutex over maps of slices.
// Bus events
// are decoded once per node; their frame bytes are shared, unmodified, by
// every recipient. Delivery never blocks: a connection whose queue exceeds
// its byte or frame bound is closed with code 4008 and resumes by seq.
//
// Lifecycle: a connection must say hello within HelloTimeout. The hello
// handler subscribes the connection first, then writes the welcome, the
// snapshots and the resume replay directly, and only then allows the
// writer to start, so nothing published in between is lost (duplicates
// are dropped by clients by (conversation, seq)).
package realtime
