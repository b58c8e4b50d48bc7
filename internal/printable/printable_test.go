package printable

import "testing"

func TestName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in       string
		optional bool
		want     string
		ok       bool
	}{
		{"  Ann Lee ", false, "Ann Lee", true},
		{"Zoë 李", false, "Zoë 李", true},
		{"", false, "", false},
		{"", true, "", true},
		{"nul\x00here", false, "", false},
		{"tab\there", false, "", false},
		{"bell\x07", false, "", false},
		{"c1\u0085x", false, "", false},
		{"\u202Enimda", false, "", false}, // right-to-left override
		{"a\u2066b\u2069", false, "", false},
		{"line\u2028sep", false, "", false},
		{"\xff", false, "", false},
		{"0123456789", false, "0123456789", true},
		{"01234567890", false, "", false}, // 11 > 10
	} {
		got, ok := Name(tc.in, 10, tc.optional)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("Name(%q) = %q %v, want %q %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestClean(t *testing.T) {
	t.Parallel()
	if got := Clean("Shop \u202E| cart\x00\x1b[31m"); got != "Shop | cart[31m" {
		t.Errorf("Clean = %q", got)
	}
	if s := "Plain title – ok"; Clean(s) != s {
		t.Error("Clean changed plain text")
	}
}
