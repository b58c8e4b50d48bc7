package chat

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzValidateText: accepted text is valid, trimmed, non-empty UTF-8 within
// the limit; nothing panics.
func FuzzValidateText(f *testing.F) {
	for _, s := range []string{"hi", "  \n", strings.Repeat("é", 4001), "<img src=x onerror=alert(1)>", "a\x00b", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := validateText(in)
		if err != nil {
			return
		}
		if out == "" || !utf8.ValidString(out) || utf8.RuneCountInString(out) > MaxTextRunes || strings.ContainsRune(out, 0) {
			t.Fatalf("accepted %q as %q", in, out)
		}
		if out != strings.Trim(out, " \t\r\n") {
			t.Fatalf("accepted untrimmed %q", out)
		}
	})
}

// FuzzClientMsgID: accepted ids are 1..64 characters of the allowed set.
func FuzzClientMsgID(f *testing.F) {
	for _, s := range []string{"m-1", "", "a b", strings.Repeat("x", 65), "01a2:b.c_d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		if ValidateClientMsgID(id) != nil {
			return
		}
		if id == "" || len(id) > MaxClientMsgID || strings.Trim(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:") != "" {
			t.Fatalf("accepted %q", id)
		}
	})
}
