// Package jsontext checks the text of JSON documents that clients send.
// encoding/json replaces invalid UTF-8 and escaped lone surrogates with
// U+FFFD while decoding, so a transport that must refuse them (the
// protocol's and the API's invalid_text) checks the raw document first.
package jsontext

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// Valid reports whether a JSON document's text is valid UTF-8 with no
// escaped lone surrogate (\ud800–\udfff not in a high-low pair), which a
// decoder would replace with U+FFFD instead of refusing.
func Valid(doc []byte) bool {
	if !utf8.Valid(doc) {
		return false
	}
	for i := 0; ; {
		j := bytes.Index(doc[i:], []byte(`\u`))
		if j < 0 {
			return true
		}
		i += j
		// An escaped backslash ("\\u") is not an escape of u: count the
		// backslashes before it.
		k := i
		for k > 0 && doc[k-1] == '\\' {
			k--
		}
		if (i-k)%2 == 1 {
			i += 2
			continue
		}
		r, ok := hex4(doc, i+2)
		switch {
		case !ok:
			i += 2
		case r >= 0xD800 && r <= 0xDBFF: // high: a low must follow
			lo, ok := hex4(doc, i+8)
			if !ok || i+7 >= len(doc) || doc[i+6] != '\\' || doc[i+7] != 'u' || lo < 0xDC00 || lo > 0xDFFF {
				return false
			}
			i += 12
		case r >= 0xDC00 && r <= 0xDFFF: // a low alone
			return false
		default:
			i += 6
		}
	}
}

// hex4 reads four hex digits at doc[i:].
func hex4(doc []byte, i int) (rune, bool) {
	if i < 0 || i+4 > len(doc) {
		return 0, false
	}
	var r rune
	for _, b := range doc[i : i+4] {
		r <<= 4
		switch {
		case b >= '0' && b <= '9':
			r |= rune(b - '0')
		case b >= 'a' && b <= 'f':
			r |= rune(b-'a') + 10
		case b >= 'A' && b <= 'F':
			r |= rune(b-'A') + 10
		default:
			return 0, false
		}
	}
	return r, true
}

// DuplicateKey returns the first key that appears twice in one object of a
// JSON document, and whether there is one: in the top-level object keys
// are compared as encoding/json matches struct fields (unescaped, case
// folded); in nested objects, which may be maps with case-sensitive keys,
// exactly (unescaped). encoding/json keeps
// the last of two, so {"text":"hi","Text":"<other>"} would be read as
// something its sender's own parser may not agree on; such documents are
// refused instead. The document is assumed to be syntactically valid JSON
// (the decoder checks that); on anything else it reports none.
//
// It allocates nothing for the small objects clients send: the keys seen
// are slices of doc, kept on one stack shared by all nesting levels and
// compared linearly (an object of n keys costs n²/2 comparisons, fine for
// the tens of keys a frame or a body has).
func DuplicateKey(doc []byte) (string, bool) {
	var (
		keysBuf [32][]byte
		keys    = keysBuf[:0] // keys of every open object, innermost last
		openBuf [16]int
		open    = openBuf[:0] // per open container: where its keys start in keys, or -1 for an array
	)
	expectKey := false
	for i := 0; i < len(doc); i++ {
		switch doc[i] {
		case '{':
			open = append(open, len(keys))
			expectKey = true
		case '[':
			open = append(open, -1)
			expectKey = false
		case '}', ']':
			if n := len(open); n > 0 {
				if from := open[n-1]; from >= 0 {
					keys = keys[:from]
				}
				open = open[:n-1]
			}
			expectKey = false
		case ',':
			expectKey = len(open) > 0 && open[len(open)-1] >= 0
		case '"':
			end := stringEnd(doc, i)
			if end < 0 {
				return "", false
			}
			if expectKey {
				key := unquoteKey(doc[i : end+1])
				// The top-level object decodes into a struct, whose fields
				// encoding/json matches case-insensitively; deeper ones may
				// be maps (a visitor's context), whose keys are exact.
				fold := len(open) == 1
				for _, k := range keys[open[len(open)-1]:] {
					if (fold && bytes.EqualFold(k, key)) || (!fold && bytes.Equal(k, key)) {
						return strings.ToLower(string(key)), true
					}
				}
				keys = append(keys, key)
				expectKey = false
			}
			i = end
		}
	}
	return "", false
}

// stringEnd returns the index of the quote that closes the string opened
// at doc[start], or -1.
func stringEnd(doc []byte, start int) int {
	for i := start + 1; i < len(doc); i++ {
		switch doc[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}

// unquoteKey is a quoted key's text: a slice of doc, unless it holds an
// escape (rare in keys), which is decoded.
func unquoteKey(quoted []byte) []byte {
	if bytes.IndexByte(quoted, '\\') < 0 {
		return quoted[1 : len(quoted)-1]
	}
	var s string
	if json.Unmarshal(quoted, &s) != nil {
		return quoted[1 : len(quoted)-1]
	}
	return []byte(s)
}
