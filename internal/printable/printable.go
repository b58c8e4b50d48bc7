// Package printable holds the rule for short text shown to people as a
// label: the names of agents, sites, departments, workspaces and visitors,
// and page titles. Such text is rendered as text (never HTML) everywhere,
// but control characters and Unicode bidirectional controls still let
// one name disguise itself or reorder the text around it in a list
// ("admin" shown for "nimda" with U+202E), so they are refused in names a
// person types and stripped from text that arrives from elsewhere.
package printable

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// hidden reports whether r is a control character, a bidirectional
// control, or a line or paragraph separator.
func hidden(r rune) bool {
	switch {
	case unicode.IsControl(r): // C0, DEL, C1; NUL included
		return true
	case r == '\u061C', r == '\u200E', r == '\u200F', // arabic letter mark, LRM, RLM
		r >= '\u202A' && r <= '\u202E',              // LRE, RLE, PDF, LRO, RLO
		r >= '\u2066' && r <= '\u2069',              // LRI, RLI, FSI, PDI
		r == '\u2028', r == '\u2029', r == '\uFEFF': // separators, BOM
		return true
	}
	return false
}

// MaxName is the longest name of a workspace, site, department or agent,
// in bytes after trimming.
const MaxName = 100

// Name trims surrounding white space from s and reports whether the rest
// is a valid name: valid UTF-8, at most max characters (and at least one
// unless optional), with no hidden character.
func Name(s string, max int, optional bool) (string, bool) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) || strings.IndexFunc(s, hidden) >= 0 {
		return s, false
	}
	n := utf8.RuneCountInString(s)
	return s, n <= max && (optional || n > 0)
}

// Clean removes hidden characters from s, for text the server shows but
// no person of the workspace typed (a host page's title).
func Clean(s string) string {
	if strings.IndexFunc(s, hidden) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if hidden(r) {
			return -1
		}
		return r
	}, s)
}
