package jsontext

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestValid(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		doc  string
		want bool
	}{
		{`{"text":"hello"}`, true},
		{`{"text":"caf\u00e9 \ud83d\ude00"}`, true}, // é and a surrogate pair (😀)
		{`{"text":"x\\udc00"}`, true},               // an escaped backslash, then "udc00" as text
		{`{"text":"x\\\udc00"}`, false},             // a backslash, then a lone low surrogate
		{`{"text":"\udc00"}`, false},                // a lone low surrogate
		{`{"text":"\ud83d"}`, false},                // a high surrogate at the end
		{`{"text":"\ud83d\u0041"}`, false},          // a high surrogate, then not a low one
		{`{"text":"\ud83dx"}`, false},               // a high surrogate, then plain text
		{"{\"text\":\"\xff\"}", false},              // raw invalid UTF-8
		{"{\"text\":\"\xed\xa0\x80\"}", false},      // a surrogate encoded as raw bytes
		{`{"text":"\u12"}`, true},                   // malformed, left to the JSON decoder
	} {
		if got := Valid([]byte(tc.doc)); got != tc.want {
			t.Errorf("Valid(%s) = %v, want %v", tc.doc, got, tc.want)
		}
	}
}

// FuzzValid: whatever Valid accepts decodes without a replacement
// character the document did not spell out itself.
func FuzzValid(f *testing.F) {
	for _, s := range []string{`{"a":"\udc00"}`, `{"a":"\ud83d\ude00"}`, "\"\xff\"", `"ok"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		if !Valid(doc) {
			return
		}
		var v string
		if json.Unmarshal(doc, &v) != nil {
			return
		}
		if !utf8.ValidString(v) {
			t.Fatalf("accepted %q, which decodes to invalid UTF-8", doc)
		}
		for _, r := range v {
			if r == utf8.RuneError && !containsReplacement(doc) {
				t.Fatalf("accepted %q, which decodes with U+FFFD it did not contain", doc)
			}
		}
	})
}

func containsReplacement(doc []byte) bool {
	return strings.ContainsRune(string(doc), utf8.RuneError) || strings.Contains(strings.ToLower(string(doc)), `\ufffd`)
}

func TestDuplicateKey(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		doc, dup string
	}{
		{`{"type":"a","id":"1","text":"hi"}`, ""},
		{`{"text":"a","text":"b"}`, "text"},
		{`{"text":"a","Text":"b"}`, "text"},      // encoding/json matches fields case-insensitively
		{`{"text":"a","\u0074ext":"b"}`, "text"}, // an escaped spelling of the same key
		{`{"a":{"x":1},"b":{"x":2}}`, ""},        // the same key in two objects
		{`{"a":{"x":1,"x":2}}`, "x"},             // in a nested object
		{`{"data":{"Plan":"a","plan":"b"}}`, ""}, // a map's keys are case-sensitive
		{`{"a":[{"x":1},{"x":1}],"b":"x"}`, ""},  // array elements are separate objects
		{`{"a":"\"b\":1,\"b\":2","b":3}`, ""},    // quotes inside a string value
		{`{"data":{"k":1},"data2":{"k":null}}`, ""},
		{`["a","a"]`, ""},
	} {
		dup, ok := DuplicateKey([]byte(tc.doc))
		if dup != tc.dup || ok != (tc.dup != "") {
			t.Errorf("DuplicateKey(%s) = %q %v, want %q", tc.doc, dup, ok, tc.dup)
		}
	}
}

func BenchmarkChecks(b *testing.B) {
	frame := []byte(`{"type":"message.send","id":"s12.34","conversation_id":"0193a1b2-0000-7000-8000-000000000001",` +
		`"client_msg_id":"v-123-45-1700000000000000000","text":"Hello, I have a question about my order #12345."}`)
	b.ReportAllocs()
	for b.Loop() {
		if !Valid(frame) {
			b.Fatal("invalid")
		}
		if _, dup := DuplicateKey(frame); dup {
			b.Fatal("dup")
		}
	}
}
