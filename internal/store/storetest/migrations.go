package storetest

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	"github.com/querytel/livedesk/internal/store"
)

// RunMigrations checks the migration runner on empty databases made by
// newDSN (SQLiteDSN or pgtest.URL). It needs a DSN rather than a store
// because one case writes a row the store has no method for: a migration
// from a newer binary.
func RunMigrations(t *testing.T, newDSN func(t testing.TB) string) {
	t.Helper()
	open := func(t *testing.T, dsn string) *store.Store {
		t.Helper()
		s, err := store.Open(context.Background(), dsn, store.Options{})
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}

	t.Run("migrate applies every migration once", func(t *testing.T) {
		t.Parallel()
		ctx := t.Context()
		s := open(t, newDSN(t))
		if err := s.CheckSchema(ctx); err == nil || !strings.Contains(err.Error(), "livedesk migrate") {
			t.Fatalf("CheckSchema on an empty database: %v, want an error that says to run `livedesk migrate`", err)
		}
		names, err := store.Migrations(s.Dialect())
		noErr(t, "list migrations", err)
		applied, err := s.Migrate(ctx, Epoch)
		noErr(t, "first migrate", err)
		equal(t, "applied on an empty database", applied, names)
		noErr(t, "check schema", s.CheckSchema(ctx))

		again, err := s.Migrate(ctx, Epoch.Add(1))
		noErr(t, "second migrate", err)
		if len(again) != 0 {
			t.Fatalf("second Migrate applied %v, want nothing", again)
		}
		noErr(t, "check schema", s.CheckSchema(ctx))

		// The schema works after migrating.
		_, err = s.CreateWorkspace(ctx, "after migrate", Epoch)
		noErr(t, "use the schema", err)
	})

	t.Run("a second store on a migrated database migrates nothing", func(t *testing.T) {
		t.Parallel()
		ctx := t.Context()
		dsn := newDSN(t)
		first := open(t, dsn)
		_, err := first.Migrate(ctx, Epoch)
		noErr(t, "migrate", err)
		ws, err := first.CreateWorkspace(ctx, "kept", Epoch)
		noErr(t, "create", err)
		noErr(t, "close", first.Close())

		second := open(t, dsn)
		applied, err := second.Migrate(ctx, Epoch)
		noErr(t, "migrate again", err)
		if len(applied) != 0 {
			t.Fatalf("reopened database applied %v", applied)
		}
		got, err := second.GetWorkspace(ctx, ws.ID)
		noErr(t, "data survives", err)
		equal(t, "workspace", got, ws)
	})

	t.Run("a migration this binary does not know is refused", func(t *testing.T) {
		t.Parallel()
		ctx := t.Context()
		dsn := newDSN(t)
		s := open(t, dsn)
		_, err := s.Migrate(ctx, Epoch)
		noErr(t, "migrate", err)

		driver := "sqlite"
		if s.Dialect() == store.Postgres {
			driver = "pgx"
		}
		raw, err := sql.Open(driver, dsn)
		noErr(t, "raw open", err)
		defer raw.Close()
		_, err = raw.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`,
			"9999_from_the_future", Epoch.UnixMilli())
		noErr(t, "insert a future migration", err)

		_, err = s.Migrate(ctx, Epoch)
		if !errors.Is(err, store.ErrSchemaTooNew) {
			t.Fatalf("Migrate: err %v, want ErrSchemaTooNew", err)
		}
		if err := s.CheckSchema(ctx); !errors.Is(err, store.ErrSchemaTooNew) {
			t.Fatalf("CheckSchema: err %v, want ErrSchemaTooNew", err)
		}
	})

	t.Run("a database missing a migration fails CheckSchema", func(t *testing.T) {
		t.Parallel()
		ctx := t.Context()
		dsn := newDSN(t)
		s := open(t, dsn)
		_, err := s.Migrate(ctx, Epoch)
		noErr(t, "migrate", err)
		names, err := store.Migrations(s.Dialect())
		noErr(t, "list", err)
		driver := "sqlite"
		if s.Dialect() == store.Postgres {
			driver = "pgx"
		}
		raw, err := sql.Open(driver, dsn)
		noErr(t, "raw open", err)
		defer raw.Close()
		last := names[len(names)-1]
		_, err = raw.ExecContext(ctx, `DELETE FROM schema_migrations WHERE version = $1`, last)
		noErr(t, "forget the last migration", err)
		err = s.CheckSchema(ctx)
		if err == nil || errors.Is(err, store.ErrSchemaTooNew) || !containsAll(err.Error(), last, "livedesk migrate") {
			t.Fatalf("CheckSchema: err %v, want one naming %s and `livedesk migrate`", err, last)
		}
	})
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
