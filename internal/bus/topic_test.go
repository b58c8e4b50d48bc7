package bus

import (
	"errors"
	"testing"
	"time"
)

func TestValidateTopic(t *testing.T) {
	tests := []struct {
		topic string
		ok    bool
	}{
		{"conv.0190a8f2-6c1e-7d3a-9b7e-3f1c2d4e5f60", true},
		{"ws.1", true},
		{"a", true},
		{"A_b-9.c", true},
		{"", false},
		{"conv 1", false},
		{"conv.*", false},
		{"conv.>", false},
		{"conv..1", false},
		{".conv", false},
		{"conv.", false},
		{"conv\r1", false},
	}
	for _, tt := range tests {
		err := validateTopic(tt.topic)
		if tt.ok != (err == nil) {
			t.Errorf("validateTopic(%q) = %v, want ok=%v", tt.topic, err, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalidTopic) {
			t.Errorf("validateTopic(%q) = %v, want it to wrap ErrInvalidTopic", tt.topic, err)
		}
	}
}

func TestThrottle(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	th := throttle{every: time.Minute, now: func() time.Time { return now }}
	step := func(d time.Duration, wantOK bool, wantSuppressed int) {
		t.Helper()
		now = now.Add(d)
		ok, s := th.allow()
		if ok != wantOK || s != wantSuppressed {
			t.Fatalf("at +%v: allow() = %v, %d; want %v, %d", d, ok, s, wantOK, wantSuppressed)
		}
	}
	step(0, true, 0)
	step(time.Second, false, 0)
	step(58*time.Second, false, 0)
	step(time.Second, true, 2) // exactly one minute after the first
	step(time.Hour, true, 0)
}
