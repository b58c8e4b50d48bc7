package realtime

import (
	"bytes"
	"encoding/json"
	"testing"
)

func testServer(o Options) *Server {
	o.defaults()
	return &Server{opts: o, metrics: newMetrics(nil)}
}

func TestQueueOverflowClosesAsSlowConsumer(t *testing.T) {
	for _, tc := range []struct {
		name          string
		opts          Options
		frame         []byte
		fitsBeforeCut int
	}{
		{"frame bound", Options{QueueFrames: 8, QueueBytes: 1 << 20}, []byte(`{"type":"x"}`), 8},
		{"byte bound", Options{QueueFrames: 1000, QueueBytes: 100}, bytes.Repeat([]byte("a"), 30), 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newConn(testServer(tc.opts), nil, "c1")
			for i := range tc.fitsBeforeCut {
				c.enqueue(tc.frame)
				if c.closing {
					t.Fatalf("cut after %d frames, want %d to fit", i+1, tc.fitsBeforeCut)
				}
			}
			c.enqueue(tc.frame)
			if !c.closing || c.closeCode != CloseSlowConsumer {
				t.Fatalf("overflow: closing=%v code=%d, want 4008", c.closing, c.closeCode)
			}
			if c.queue != nil || c.queuedBytes != 0 {
				t.Fatal("an overflowed connection keeps its queue")
			}
			c.enqueue(tc.frame) // dropped: the connection is going away
			_, closing, code, _ := c.take(nil)
			if !closing || code != CloseSlowConsumer {
				t.Fatalf("the writer is not told to close: %v %d", closing, code)
			}
		})
	}
}

func TestTakeBatchesAndReleasesMemory(t *testing.T) {
	c := newConn(testServer(Options{}), nil, "c1")
	for range 20 {
		c.enqueue([]byte(`{}`))
	}
	batch, closing, _, _ := c.take(nil)
	if len(batch) != maxBatch || closing {
		t.Fatalf("first batch: %d frames, closing=%v; want %d", len(batch), closing, maxBatch)
	}
	batch, _, _, _ = c.take(batch)
	if len(batch) != 4 {
		t.Fatalf("second batch: %d frames, want 4", len(batch))
	}
	if c.queue != nil || c.queuedBytes != 0 {
		t.Fatal("a drained queue keeps its backing array")
	}
}

func TestDecodeEnvelope(t *testing.T) {
	for _, tc := range []struct {
		in   string
		code string
	}{
		{`{"type":"ping","id":"1"}`, ""},
		{`{"type":"ping","id":"1","extra":{"future":true}}`, ""},
		{`{"type":"ping"}`, "invalid_frame"},
		{`{"id":"1"}`, "invalid_frame"},
		{`{"type":"ping","id":"` + string(bytes.Repeat([]byte("x"), 65)) + `"}`, "invalid_frame"},
		{`[]`, "invalid_frame"},
		{`{"type":"message.send","id":"1","text":"\udc00"}`, "invalid_text"},
		{`{"type":"message.send","id":"1","text":"a","Text":"b"}`, "invalid_frame"},
		{`{"type":"ping","id":"1"} {"type":"ping","id":"2"}`, "invalid_frame"},
		{"{\"type\":\"message.send\",\"id\":\"1\",\"text\":\"\xff\"}", "invalid_text"},
	} {
		_, err := decodeEnvelope([]byte(tc.in))
		code := ""
		if fe, ok := err.(frameError); ok {
			code = fe.code
		} else if err != nil {
			t.Fatalf("%s: unexpected error type %v", tc.in, err)
		}
		if code != tc.code {
			t.Errorf("%s: code %q, want %q", tc.in, code, tc.code)
		}
	}
}

// FuzzDecodeInbound: no input may panic the decoder, and anything it
// accepts has a type and a bounded id, valid text, and re-encodes.
func FuzzDecodeInbound(f *testing.F) {
	for _, seed := range []string{
		`{"type":"hello","id":"h","token":"t","resume":{"c":3}}`,
		`{"type":"message.send","id":"1","conversation_id":"c","client_msg_id":"m","text":"hi"}`,
		`{"type":"context.set","id":"2","data":{"a":1,"b":"x","c":true,"d":null}}`,
		`{"type":"sync","id":"3","after_seq":-5,"until_seq":9999999999999}`,
		`{"type":"typing","id":"4","on":true}`,
		`not json`, `{}`, `{"type":1}`, "\x00\xff",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := decodeEnvelope(data)
		if err != nil {
			if _, ok := err.(frameError); !ok {
				t.Fatalf("non-frame error %T", err)
			}
			return
		}
		if in.Type == "" || in.ID == "" || len(in.ID) > MaxIDLen {
			t.Fatalf("accepted a frame without a valid envelope: %+v", in)
		}
		if _, err := json.Marshal(in); err != nil {
			t.Fatalf("accepted frame does not re-encode: %v", err)
		}
	})
}
