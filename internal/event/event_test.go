package event_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/querytel/livedesk/internal/event"
)

func TestEnvelopeRoundTrip(t *testing.T) {
	frame := []byte(`{"type":"message","message":{"body":"line one\nline two: \"quoted\" {braces}"}}`)
	frame, _ = json.Marshal(json.RawMessage(frame)) // as the publisher encodes it: no raw newline
	data, err := event.Encode(event.Route{Workspace: "ws-1", Visitor: "v-1", Audience: event.All}, frame)
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

// The header is written by hand for plain ids; every node, an older one
// reading it with encoding/json included, must read the same routing.
func TestHeaderIsWhatEncodingJSONWrites(t *testing.T) {
	frame := []byte(`{"type":"typing"}`)
	for _, r := range []event.Route{
		{Workspace: "01JD8ZK3M7"},
		{Workspace: "01JD8ZK3M7", Visitor: "01JD8ZK3M8"},
		{Workspace: "01JD8ZK3M7", Visitor: "01JD8ZK3M8", Conversation: "01JD8ZK3M9", Owner: "01JD8ZK3MA"},
		{Workspace: "01JD8ZK3M7", Conversation: "01JD8ZK3M9"},
		{Workspace: "01JD8ZK3M7", Owner: "01JD8ZK3MA"},
		{Workspace: `ws"quoted`, Visitor: `v\slash`},      // escaped: through encoding/json
		{Workspace: "ws<&>", Visitor: "vé", Owner: "o\n"}, // HTML-escaped and non-ASCII likewise
	} {
		r.Audience = event.All
		data, err := event.Encode(r, frame)
		if err != nil {
			t.Fatal(err)
		}
		head, _, _ := strings.Cut(string(data), "\n")
		want, _ := json.Marshal(event.Envelope{Workspace: r.Workspace, Visitor: r.Visitor, Conversation: r.Conversation, Owner: r.Owner, Audience: r.Audience})
		if head != string(want) {
			t.Errorf("header for %+v = %s, want %s", r, head, want)
		}
		env, err := event.Decode(data)
		if err != nil || env.Workspace != r.Workspace || env.Visitor != r.Visitor || env.Conversation != r.Conversation ||
			env.Owner != r.Owner || env.Audience != event.All || string(env.Frame) != string(frame) {
			t.Errorf("Decode(Encode(%+v)) = %+v, %v", r, env, err)
		}
	}
}

// Headers in any other shape (another writer's field order or spacing)
// are read through encoding/json.
func TestDecodeReadsOtherHeaderShapes(t *testing.T) {
	for _, head := range []string{
		`{"a":3,"w":"ws-1","v":"v-1"}`,
		`{ "w": "ws-1", "v": "v-1", "a": 3 }`,
		`{"w":"ws-1","v":"v-1","a":3,"x":1}`,
		`{"w":"ws\u002d1","v":"v-1","a":3}`,
	} {
		env, err := event.Decode([]byte(head + "\n{}"))
		if err != nil {
			t.Fatalf("Decode(%s): %v", head, err)
		}
		if env.Workspace != "ws-1" || env.Visitor != "v-1" || env.Audience != event.All {
			t.Errorf("Decode(%s) = %+v", head, env)
		}
	}
}

// FuzzDecode: Decode reads every header exactly as encoding/json does.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"w":"ws-1","v":"v-1","a":3}`, `{"w":"ws-1","v":"v-1","c":"c-1","o":"a-1","a":3}`, `{"w":"ws-1","o":"","a":1}`, `{"w":"ws-1","a":1}`, `{"w":"","a":0}`, `{"w":"a","v":"","a":256}`, `{"w":"a","a":01}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, head string) {
		if strings.Contains(head, "\n") {
			return
		}
		var want event.Envelope
		werr := json.Unmarshal([]byte(head), &want)
		got, err := event.Decode([]byte(head + "\n{}"))
		if (err != nil) != (werr != nil) {
			t.Fatalf("Decode(%q) error %v, encoding/json %v", head, err, werr)
		}
		if err == nil && (got.Workspace != want.Workspace || got.Visitor != want.Visitor || got.Conversation != want.Conversation ||
			got.Owner != want.Owner || got.Audience != want.Audience) {
			t.Fatalf("Decode(%q) = %+v, encoding/json %+v", head, got, want)
		}
	})
}
