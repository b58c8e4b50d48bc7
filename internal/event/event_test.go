package event_test

import (
	"encoding/json"
	"testing"

	"github.com/querytel/livedesk/internal/event"
)

func TestEnvelopeRoundTrip(t *testing.T) {
	frame := []byte(`{"type":"message","message":{"body":"line one\nline two: \"quoted\" {braces}"}}`)
	frame, _ = json.Marshal(json.RawMessage(frame)) // as the publisher encodes it: no raw newline
	data, err := event.Encode("ws-1", "v-1", event.All, frame)
	if err != nil {
		t.Fatal(err)
	}
	env, err := event.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if env.Workspace != "ws-1" || env.Visitor != "v-1" || env.Audience != event.All {
		t.Errorf("routing = %q %q %d, want ws-1 v-1 %d", env.Workspace, env.Visitor, env.Audience, event.All)
	}
	if string(env.Frame) != string(frame) {
		t.Errorf("frame = %s, want %s", env.Frame, frame)
	}
}

// A node that has not been upgraded yet publishes the whole envelope as
// one JSON object; it must still be delivered.
func TestDecodeOlderNodesEnvelope(t *testing.T) {
	old, _ := json.Marshal(event.Envelope{Workspace: "ws-1", Audience: event.Desk, Frame: json.RawMessage(`{"type":"typing","on":true}`)})
	env, err := event.Decode(old)
	if err != nil {
		t.Fatal(err)
	}
	if env.Workspace != "ws-1" || env.Audience != event.Desk || string(env.Frame) != `{"type":"typing","on":true}` {
		t.Errorf("decoded %+v", env)
	}
}

func TestDecodeRefusesBrokenEnvelopes(t *testing.T) {
	for _, data := range []string{"", "not json", `{"w":"ws-1","a":1}` + "\n", `{"w":` + "\n" + `{"type":"x"}`} {
		if env, err := event.Decode([]byte(data)); err == nil {
			t.Errorf("Decode(%q) = %+v, want an error", data, env)
		}
	}
}
