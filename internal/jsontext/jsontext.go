// Package jsontext checks the text of JSON documents that clients send.
// encoding/json replaces invalid UTF-8 and escaped lone surrogates with
// U+FFFD while decoding, so a transport that must refuse them (the
// protocol's and the API's invalid_text) checks the raw document first.
package jsontext

import (
	"bytes"
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
