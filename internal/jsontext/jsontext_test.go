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
