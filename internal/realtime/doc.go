// Package realtime serves the WebSocket protocol (docs/protocol.md) to
// widgets and desks.
//
// Concurrency model: each connection has one reader goroutine, which
// decodes and handles commands in order (so a client's sends are stored in
// the order it sent them), one writer goroutine, which drains the
// connection's send queue in batches, and one pinger. Everything a
// connection is sent — acks, errors, events — goes through its queue, so
// the writer is the only goroutine that writes to the socket after the
// handshake.
//
// The Hub indexes connections by workspace (desks) and by visitor
// (widgets) in power-of-two shards, each an RWMutex over maps. Bus events
// are decoded once per node; their frame bytes are shared, unmodified, by
// every recipient. Delivery never blocks: a connection whose queue exceeds
// its byte or frame bound is closed with code 4008 and resumes by seq.
//
// Lifecycle: a connection must say hello within HelloTimeout. The hello
// handler subscribes the connection first, then writes the welcome, the
// snapshots and the resume replay directly, and only then starts the
// writer, so nothing published in between is lost (duplicates are dropped
// by clients by (conversation, seq)).
package realtime
