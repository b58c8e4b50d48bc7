package site

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/store"
	"github.com/querytel/livedesk/internal/store/storetest"
)

// countingStore counts widget-key reads and can hold the next one after it
// has read the database: entered is closed then, and the read returns
// what it read once release is closed.
type countingStore struct {
	*store.Store
	reads atomic.Int64

	mu      sync.Mutex
	entered chan struct{} // nil: reads are not held
	release chan struct{}
}

func (c *countingStore) SiteByWidgetKey(ctx context.Context, key string) (store.Site, error) {
	c.reads.Add(1)
	st, err := c.Store.SiteByWidgetKey(ctx, key)
	c.mu.Lock()
	entered, release := c.entered, c.release
	c.entered = nil
	c.mu.Unlock()
	if entered != nil {
		close(entered)
		<-release
	}
	return st, err
}

// holdNext makes the next read wait after it has read the database.
func (c *countingStore) holdNext() (entered, release chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entered, c.release = make(chan struct{}), make(chan struct{})
	return c.entered, c.release
}

type cacheFixture struct {
	fixture
	db  *countingStore
	clk *clock.Fake
}

// newCacheFixture is a Service over a counting store with a fake clock.
func newCacheFixture(t *testing.T) cacheFixture {
	t.Helper()
	f := newFixture(t)
	clk := clock.NewFake(storetest.Epoch)
	db := &countingStore{Store: f.st}
	f.svc = New(db, clk, nil)
	return cacheFixture{fixture: f, db: db, clk: clk}
}

func (f cacheFixture) create(t *testing.T, origins ...string) store.Site {
	t.Helper()
	st, err := f.svc.Create(t.Context(), f.owner.Actor(), Input{Name: ptr("Shop"), AllowedOrigins: &origins})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestByWidgetKeyCachesWithinTTL(t *testing.T) {
	t.Parallel()
	f := newCacheFixture(t)
	ctx := t.Context()
	st := f.create(t, "https://shop.example")
	for range 3 {
		got, err := f.svc.ByWidgetKey(ctx, st.WidgetKey)
		if err != nil || got.ID != st.ID {
			t.Fatalf("lookup: %v", err)
		}
		got.AllowedOrigins[0] = "https://mutated.example" // a caller's copy
	}
	if n := f.db.reads.Load(); n != 1 {
		t.Fatalf("%d reads for 3 lookups within the TTL, want 1", n)
	}
	if got, _ := f.svc.ByWidgetKey(ctx, st.WidgetKey); got.AllowedOrigins[0] != "https://shop.example" {
		t.Fatalf("a caller's change reached the cache: %v", got.AllowedOrigins)
	}
	f.clk.Advance(KeyCacheTTL)
	if _, err := f.svc.ByWidgetKey(ctx, st.WidgetKey); err != nil || f.db.reads.Load() != 2 {
		t.Fatalf("after the TTL: %v, %d reads; want a second read", err, f.db.reads.Load())
	}
	// Misses are not cached: a key that appears is found at once.
	if _, err := f.svc.ByWidgetKey(ctx, "wk_later"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown key: %v", err)
	}
	if err := f.st.SetWidgetKey(ctx, st.WorkspaceID, st.ID, "wk_later", storetest.Epoch); err != nil {
		t.Fatal(err)
	}
	if got, err := f.svc.ByWidgetKey(ctx, "wk_later"); err != nil || got.ID != st.ID {
		t.Fatalf("a key that now exists: %v", err)
	}
}

// TestByWidgetKeyChangesOnThisNodeApplyAtOnce: rotation, origin changes
// and deletion through the Service drop the cached site.
func TestByWidgetKeyChangesOnThisNodeApplyAtOnce(t *testing.T) {
	t.Parallel()
	f := newCacheFixture(t)
	ctx := t.Context()
	st := f.create(t, "https://shop.example", "https://partner.example")
	if _, err := f.svc.ByWidgetKey(ctx, st.WidgetKey); err != nil {
		t.Fatal(err)
	}

	if _, err := f.svc.Update(ctx, f.owner.Actor(), st.ID, Input{AllowedOrigins: &[]string{"https://shop.example"}}); err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.ByWidgetKey(ctx, st.WidgetKey)
	if err != nil || OriginAllowed(got, "https://partner.example") {
		t.Fatalf("a removed origin is still allowed (%v): %v", err, got.AllowedOrigins)
	}

	rotated, err := f.svc.RotateKey(ctx, f.owner.Actor(), st.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ByWidgetKey(ctx, st.WidgetKey); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the rotated-out key still finds the site: %v", err)
	}
	if got, err := f.svc.ByWidgetKey(ctx, rotated.WidgetKey); err != nil || got.ID != st.ID {
		t.Fatalf("the new key: %v", err)
	}

	if err := f.svc.Delete(ctx, f.owner.Actor(), st.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ByWidgetKey(ctx, rotated.WidgetKey); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a deleted site is still found: %v", err)
	}
}

// TestByWidgetKeyOtherNodeBound: a change made on another node (another
// Service over the same database) reaches this node's cache within
// KeyCacheTTL of the change, never later.
func TestByWidgetKeyOtherNodeBound(t *testing.T) {
	t.Parallel()
	f := newCacheFixture(t)
	ctx := t.Context()
	other := New(f.st, f.clk, nil) // node A; f.svc is node B
	st := f.create(t, "https://shop.example", "https://partner.example")
	if _, err := f.svc.ByWidgetKey(ctx, st.WidgetKey); err != nil {
		t.Fatal(err)
	}

	f.clk.Advance(KeyCacheTTL / 2)
	if _, err := other.Update(ctx, f.owner.Actor(), st.ID, Input{AllowedOrigins: &[]string{"https://shop.example"}}); err != nil {
		t.Fatal(err)
	}
	rotated, err := other.RotateKey(ctx, f.owner.Actor(), st.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Within the bound node B may still serve what it read before.
	if got, err := f.svc.ByWidgetKey(ctx, st.WidgetKey); err != nil || !OriginAllowed(got, "https://partner.example") {
		t.Fatalf("expected the documented stale window (a cached read): %v %v", err, got.AllowedOrigins)
	}
	// At the bound (counted from node B's read, which came before the
	// change) the old key and the removed origin are gone.
	f.clk.Advance(KeyCacheTTL - KeyCacheTTL/2)
	if _, err := f.svc.ByWidgetKey(ctx, st.WidgetKey); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the rotated-out key outlived the TTL on another node: %v", err)
	}
	got, err := f.svc.ByWidgetKey(ctx, rotated.WidgetKey)
	if err != nil || OriginAllowed(got, "https://partner.example") {
		t.Fatalf("the removed origin outlived the TTL on another node (%v): %v", err, got.AllowedOrigins)
	}
}

// TestByWidgetKeyReadRacingAChange: a read that began before a change and
// ends after it may answer its own callers, but must not fill the cache,
// and lookups after the change do not wait for it.
func TestByWidgetKeyReadRacingAChange(t *testing.T) {
	t.Parallel()
	f := newCacheFixture(t)
	ctx := t.Context()
	st := f.create(t)

	entered, release := f.db.holdNext()
	early := make(chan error, 1)
	go func() {
		_, err := f.svc.ByWidgetKey(ctx, st.WidgetKey)
		early <- err
	}()
	<-entered // the read has seen the old key
	rotated, err := f.svc.RotateKey(ctx, f.owner.Actor(), st.ID)
	if err != nil {
		t.Fatal(err)
	}
	// A lookup after the rotation reads afresh instead of joining the
	// held read (the deadline only turns that bug into a failure).
	after, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := f.svc.ByWidgetKey(after, st.WidgetKey); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a lookup after the rotation did not read the new state: %v", err)
	}
	close(release)
	if err := <-early; err != nil {
		t.Fatalf("the racing read: %v", err)
	}
	if _, err := f.svc.ByWidgetKey(ctx, st.WidgetKey); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the racing read cached the old key: %v", err)
	}
	if got, err := f.svc.ByWidgetKey(ctx, rotated.WidgetKey); err != nil || got.ID != st.ID {
		t.Fatalf("the new key: %v", err)
	}
}

// TestByWidgetKeyCoalescesMisses: concurrent lookups of a key that is not
// cached make one read.
func TestByWidgetKeyCoalescesMisses(t *testing.T) {
	t.Parallel()
	f := newCacheFixture(t)
	ctx := t.Context()
	st := f.create(t)

	entered, release := f.db.holdNext()
	var wg sync.WaitGroup
	errs := make(chan error, 51)
	lookup := func() {
		defer wg.Done()
		got, err := f.svc.ByWidgetKey(ctx, st.WidgetKey)
		if err == nil && got.ID != st.ID {
			err = errors.New("wrong site")
		}
		errs <- err
	}
	wg.Add(1)
	go lookup()
	<-entered // the first lookup is reading
	for range 50 {
		wg.Add(1)
		go lookup() // each joins the read or, once it is done, hits the cache
	}
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := f.db.reads.Load(); n != 1 {
		t.Fatalf("%d reads for 51 concurrent lookups, want 1", n)
	}
}

// TestByWidgetKeyWaiterCancels: a caller waiting for another's read stops
// waiting when its own context ends; the read goes on for the others.
func TestByWidgetKeyWaiterCancels(t *testing.T) {
	t.Parallel()
	f := newCacheFixture(t)
	st := f.create(t)
	entered, release := f.db.holdNext()
	first := make(chan error, 1)
	go func() {
		_, err := f.svc.ByWidgetKey(context.Background(), st.WidgetKey)
		first <- err
	}()
	<-entered
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := f.svc.ByWidgetKey(ctx, st.WidgetKey); !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled waiter: %v", err)
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
}
