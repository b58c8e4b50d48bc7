package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/querytel/livedesk/internal/store"
	"github.com/querytel/livedesk/internal/store/storetest"
)

func TestSQLite(t *testing.T) {
	t.Parallel()
	storetest.Run(t, storetest.SQLite)
}

func TestSQLiteMigrations(t *testing.T) {
	t.Parallel()
	storetest.RunMigrations(t, storetest.SQLiteDSN)
}

// TestSQLiteConcurrentWriters: many goroutines writing at once, through one
// store and through a second store on the same file (a second process such
// as `livedesk migrate`), queue instead of failing with "database is
// locked".
func TestSQLiteConcurrentWriters(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dsn := storetest.SQLiteDSN(t)
	s1 := storetest.Open(t, dsn)
	s2 := storetest.Open(t, dsn)
	ws, err := s1.CreateWorkspace(ctx, "Busy", storetest.Epoch)
	if err != nil {
		t.Fatal(err)
	}

	const writers = 20
	var wg sync.WaitGroup
	errc := make(chan error, 4*writers)
	for i := range writers {
		s := s1
		if i%2 == 1 {
			s = s2
		}
		wg.Go(func() {
			d, err := s.CreateDepartment(ctx, ws.ID, fmt.Sprintf("Dept %02d", i), storetest.Epoch)
			if err != nil {
				errc <- err
				return
			}
			// A read-then-write transaction (the department check) and a
			// read, interleaved with the other writers.
			_, err = s.CreateSite(ctx, store.Site{WorkspaceID: ws.ID, Name: d.Name, WidgetKey: "wk_" + d.ID,
				IdentitySecret: "x", DefaultDepartmentID: d.ID}, storetest.Epoch)
			if err != nil {
				errc <- err
				return
			}
			if _, err := s.ListDepartments(ctx, ws.ID); err != nil {
				errc <- err
			}
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		if strings.Contains(err.Error(), "locked") || strings.Contains(err.Error(), "busy") {
			t.Errorf("concurrent write failed with a lock error: %v", err)
		} else {
			t.Errorf("concurrent write: %v", err)
		}
	}
	depts, err := s1.ListDepartments(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	sites, err := s2.ListSites(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(depts) != writers || len(sites) != writers {
		t.Fatalf("got %d departments and %d sites, want %d of each", len(depts), len(sites), writers)
	}
}

func TestSQLiteCreatesDataDir(t *testing.T) {
	t.Parallel()
	dsn := t.TempDir() + "/nested/dir/livedesk.db"
	s, err := store.Open(context.Background(), dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
	if s.Dialect() != store.SQLite {
		t.Fatalf("dialect %q", s.Dialect())
	}
}

func TestSQLiteRejectsUnknownSynchronous(t *testing.T) {
	t.Parallel()
	_, err := store.Open(context.Background(), storetest.SQLiteDSN(t), store.Options{SQLiteSynchronous: "off"})
	if err == nil || !strings.Contains(err.Error(), "normal or full") {
		t.Fatalf("err = %v, want a clear refusal of synchronous=off", err)
	}
	s, err := store.Open(context.Background(), storetest.SQLiteDSN(t), store.Options{SQLiteSynchronous: "FULL"})
	if err != nil {
		t.Fatalf("synchronous FULL: %v", err)
	}
	s.Close()
}

// TestSQLiteClosedStore: a closed store reports errors, not panics, so
// /readyz can answer 503.
func TestSQLiteClosedStore(t *testing.T) {
	t.Parallel()
	s, err := store.Open(context.Background(), storetest.SQLiteDSN(t), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(t.Context()); err == nil {
		t.Fatal("Ping on a closed store succeeded")
	}
	if _, err := s.GetWorkspace(t.Context(), "x"); err == nil || errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetWorkspace on a closed store: %v, want a non-NotFound error", err)
	}
}
