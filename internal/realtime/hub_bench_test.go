package realtime

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/event"
	"github.com/querytel/livedesk/internal/store"
)

// benchMessage is a typical chat message as the store returns it.
func benchMessage() store.Message {
	return store.Message{
		ID: store.NewID(), WorkspaceID: store.NewID(), ConversationID: store.NewID(), Seq: 42,
		ClientMsgID: "v-123-45-1700000000000000000", Kind: store.KindText, AuthorType: store.AuthorVisitor,
		AuthorID: store.NewID(), AuthorName: "Visitor", Body: "Hello, I have a question about my order #12345.",
		CreatedAt: time.Now().UTC(),
	}
}

// BenchmarkEncodeMessageEvent is what a publisher does once per message:
// encode the frame, then the bus envelope around it.
func BenchmarkEncodeMessageEvent(b *testing.B) {
	m := benchMessage()
	b.ReportAllocs()
	for b.Loop() {
		f, err := json.Marshal(event.MessageFrame{Type: event.TypeMessage, Message: m})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := event.Encode(event.Route{Workspace: m.WorkspaceID, Visitor: m.AuthorID, Conversation: m.ConversationID, Owner: m.AuthorID, Audience: event.All}, f); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeAck is the ack of a message.send.
func BenchmarkEncodeAck(b *testing.B) {
	m := benchMessage()
	b.ReportAllocs()
	for b.Loop() {
		encode(AckFrame{Type: TypeAck, ID: "s12.34", ConversationID: m.ConversationID, Seq: m.Seq, Message: &m})
	}
}

// BenchmarkDecodeInbound decodes a client's message.send: its envelope,
// then its request.
func BenchmarkDecodeInbound(b *testing.B) {
	frame := []byte(`{"type":"message.send","id":"s12.34","conversation_id":"0193a1b2-0000-7000-8000-000000000001",` +
		`"client_msg_id":"v-123-45-1700000000000000000","text":"Hello, I have a question about my order #12345."}`)
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		var r SendRequest
		if _, err := decodeEnvelope(frame); err != nil || json.Unmarshal(frame, &r) != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFanout delivers one bus event (decode the envelope, snapshot the
// subscribers, enqueue) to N desk connections of a workspace. With
// mine, every desk follows only its own chats and the event is one
// agent's chat's: one delivery, N checks.
func BenchmarkFanout(b *testing.B) {
	for _, mine := range []bool{false, true} {
		for _, n := range []int{1, 10, 100, 1000} {
			b.Run(fmt.Sprint("mine=", mine, "/subscribers=", n), func(b *testing.B) { benchFanout(b, n, mine) })
		}
	}
}

func benchFanout(b *testing.B, n int, mine bool) {
	srv := testServer(Options{QueueFrames: 1 << 30, QueueBytes: 1 << 40})
	h := newHub(slog.New(slog.DiscardHandler), srv.metrics)
	ws := store.NewID()
	conns := make([]*conn, n)
	for i := range conns {
		c := newConn(srv, nil, fmt.Sprint("c", i))
		c.actor = auth.Actor{WorkspaceID: ws, AgentID: fmt.Sprint("a", i)}
		c.agentID = c.actor.AgentID
		c.mine.Store(mine)
		h.register(c)
		conns[i] = c
	}
	m := benchMessage()
	f, _ := json.Marshal(event.MessageFrame{Type: event.TypeMessage, Message: m})
	env, _ := event.Encode(event.Route{Workspace: ws, Conversation: m.ConversationID, Owner: "a0", Audience: event.Desk}, f)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		h.HandleBus(event.Topic(ws), env)
		if i++; i%256 == 0 {
			b.StopTimer()
			for _, c := range conns {
				c.mu.Lock()
				clear(c.queue)
				c.queue, c.head, c.queuedBytes = c.queue[:0], 0, 0
				c.mu.Unlock()
			}
			b.StartTimer()
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/desk")
}
