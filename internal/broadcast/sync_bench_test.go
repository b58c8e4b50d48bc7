package broadcast_test

import (
	"fmt"
	"testing"

	"github.com/querytel/livedesk/internal/broadcast"
	"github.com/querytel/livedesk/internal/store"
)

// BenchmarkSync: what a widget's question costs the server (SQLite), with
// three active broadcasts: the first page view of a new visitor (three
// showings recorded), and the same page view asked again (a reconnect: a
// read, no write).
func BenchmarkSync(b *testing.B) {
	f := newFixture(b, "Europe/Vienna")
	ctx := b.Context()
	for i := range 3 {
		c, err := f.svc.Create(ctx, f.owner, broadcast.Input{Name: fmt.Sprint("b", i), Kind: store.BroadcastBanner, Placement: store.PlaceTop,
			Text: "x", Frequency: store.OncePerSession, Audience: &store.Audience{Pages: []store.PageRule{{Match: "starts_with", Value: "/"}}}})
		if err == nil {
			_, err = f.svc.Activate(ctx, f.owner, c.ID)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	where := broadcast.Where{URL: "https://shop.example/pricing", Lang: "en", View: "view-bench-0001"}
	b.Run("new visitor", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			v := f.visitor(b, store.NewID())
			b.StartTimer()
			if _, err := f.svc.Sync(ctx, v, where); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("reconnect", func(b *testing.B) {
		v := f.visitor(b, store.NewID())
		if _, err := f.svc.Sync(ctx, v, where); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if got, err := f.svc.Sync(ctx, v, where); err != nil || len(got) != 3 {
				b.Fatal(got, err)
			}
		}
	})
}
