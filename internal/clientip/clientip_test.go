package clientip

import (
	"net/http/httptest"
	"testing"
)

func TestKey(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"203.0.113.7":                "203.0.113.7",
		"::ffff:203.0.113.7":         "203.0.113.7",
		"2001:db8:1:2:3:4:5:6":       "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff:ffff:0:1": "2001:db8:1:2::/64", // the same subscriber
		"2001:db8:1:3::1":            "2001:db8:1:3::/64",
		"not an address":             "not an address",
	} {
		if got := Key(in); got != want {
			t.Errorf("Key(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestOf(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "198.51.100.1:5555"
	r.Header.Set("X-Forwarded-For", "10.0.0.1, 203.0.113.9")
	if got := Of(r, false); got != "198.51.100.1" {
		t.Errorf("without trust: %q", got)
	}
	if got := Of(r, true); got != "203.0.113.9" {
		t.Errorf("behind a trusted proxy: %q", got)
	}
}
