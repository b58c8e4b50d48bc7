package guard

import (
	"errors"
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/config"
)

func TestAllow(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Unix(1_700_000_000, 0))
	g := New(config.Limits{PerIP: true, IPMessages: config.Rate{N: 2, Per: time.Minute}, SiteMessages: config.Rate{N: 3, Per: time.Minute}}, "", clk, nil)
	// An IPv6 client rotating its address within its /64 shares one bucket.
	for _, ip := range []string{"2001:db8::1", "2001:db8::2"} {
		if err := g.Allow(Message, ip, "s1"); err != nil {
			t.Fatal(err)
		}
	}
	if err := g.Allow(Message, "2001:db8::ffff", "s1"); !errors.Is(err, ErrLimited) {
		t.Fatalf("a third address in the same /64: %v, want ErrLimited", err)
	}
	// The refusal took nothing from the site's bucket: one more client
	// still gets the site's third token, then the site is full.
	if err := g.Allow(Message, "198.51.100.1", "s1"); err != nil {
		t.Fatalf("another client: %v", err)
	}
	if err := g.Allow(Message, "198.51.100.2", "s1"); !errors.Is(err, ErrLimited) {
		t.Fatalf("past the site's budget: %v, want ErrLimited", err)
	}
	if err := g.Allow(Message, "198.51.100.2", "s2"); err != nil {
		t.Fatalf("another site: %v", err)
	}
	clk.Advance(time.Minute)
	if err := g.Allow(Message, "2001:db8::3", "s1"); err != nil {
		t.Fatalf("after a minute: %v", err)
	}
	var none *Guard
	if none.Allow(Message, "x", "y") != nil || none.Writable() != nil || none.DiskLow() {
		t.Fatal("a nil Guard refuses")
	}
}

func TestDiskWatch(t *testing.T) {
	t.Parallel()
	d := newDiskWatch("/data", 100)
	free := uint64(1000)
	d.free = func(string) (uint64, error) { return free, nil }
	if d.low() {
		t.Fatal("low with plenty of space")
	}
	free = 10
	d.checked = time.Time{} // the next call reads again
	if !d.low() {
		t.Fatal("not low under the minimum")
	}
	d.free = func(string) (uint64, error) { return 0, errors.New("statfs failed") }
	d.checked = time.Time{}
	if !d.low() {
		t.Fatal("a failed reading changed the verdict")
	}
}
