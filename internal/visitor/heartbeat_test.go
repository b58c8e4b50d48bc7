package visitor

import (
	"context"
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/bus"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/event"
	"github.com/querytel/livedesk/internal/store"
)

// beatStore counts what a heartbeat stores.
type beatStore struct {
	Store
	touches int
}

func (s *beatStore) GetWorkspace(context.Context, string) (store.Workspace, error) {
	return store.Workspace{ID: "w"}, nil // default settings: a 90 s presence TTL
}

func (s *beatStore) TouchVisitor(_ context.Context, _, id string, page store.PageView, now, expires time.Time, _ int) (store.Presence, error) {
	s.touches++
	return store.Presence{Visitor: store.Visitor{ID: id, WorkspaceID: "w", Online: true, PageURL: page.URL, PageTitle: page.Title,
		PresenceExpiresAt: expires, LastSeenAt: now}}, nil
}

// TestQuietHeartbeats: after a stored heartbeat, the connection answers
// the next ones on the same page from its Beat (no read, no write) until
// the stored expiry comes within the renewal margin; a new page, an
// invalid one, or the margin sends it to the store again.
func TestQuietHeartbeats(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC))
	st := &beatStore{}
	svc := New(st, clk, event.NewPublisher(bus.NewMemory(), nil), Options{})
	home := Page{URL: "https://shop.example/", Title: "Home"}

	_, b, err := svc.Heartbeat(t.Context(), store.Visitor{ID: "v", WorkspaceID: "w"}, home, true)
	if err != nil || st.touches != 1 {
		t.Fatalf("first heartbeat: %v, %d touches", err, st.touches)
	}
	// Presence lasts 90 s; renewal is due when 45 s remain: quiet for 45 s.
	if want := clk.Now().Add(45 * time.Second); !b.QuietUntil.Equal(want) {
		t.Fatalf("quiet until %v, want %v", b.QuietUntil, want)
	}
	for _, tc := range []struct {
		name  string
		after time.Duration
		page  Page
		quiet bool
	}{
		{"the same page, 30 s later", 30 * time.Second, home, true},
		{"no page at all", 30 * time.Second, Page{}, true},
		{"another page", time.Second, Page{URL: "https://shop.example/cart", Title: "Cart"}, false},
		{"the same page with another title", time.Second, Page{URL: home.URL, Title: "Home (1)"}, false},
		{"an invalid page", time.Second, Page{URL: "javascript:alert(1)"}, false},
		{"the same page, at the renewal margin", 45 * time.Second, home, false},
	} {
		c := clock.NewFake(clk.Now().Add(tc.after))
		probe := New(st, c, event.NewPublisher(bus.NewMemory(), nil), Options{})
		if got := probe.Quiet(b, tc.page); got != tc.quiet {
			t.Errorf("%s: quiet %v, want %v", tc.name, got, tc.quiet)
		}
	}
	if st.touches != 1 {
		t.Fatalf("Quiet stored something: %d touches", st.touches)
	}
}
