package store_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/pgtest"
	"github.com/querytel/livedesk/internal/store"
	"github.com/querytel/livedesk/internal/store/storetest"
)

// The PostgreSQL run needs LIVEDESK_TEST_POSTGRES_URL; it is skipped
// without it, except under CI=true, where it fails.

func TestPostgres(t *testing.T) {
	t.Parallel()
	pgtest.Require(t)
	storetest.Run(t, storetest.Postgres)
}

func TestPostgresMigrations(t *testing.T) {
	t.Parallel()
	pgtest.Require(t)
	storetest.RunMigrations(t, pgtest.URL)
}

// TestPostgresSchemaPerTest proves the isolation the suite relies on: each
// test's store lives in its own schema and sees nothing of another's.
func TestPostgresSchemaPerTest(t *testing.T) {
	t.Parallel()
	pgtest.Require(t)
	ctx := t.Context()
	dsn := pgtest.URL(t)
	s1 := storetest.Open(t, dsn)
	s2 := storetest.Postgres(t)
	if s1.Dialect() != store.Postgres {
		t.Fatalf("dialect %q", s1.Dialect())
	}
	if _, err := s1.CreateWorkspace(ctx, "only in s1", storetest.Epoch); err != nil {
		t.Fatal(err)
	}
	if n, err := s2.CountWorkspaces(ctx); err != nil || n != 0 {
		t.Fatalf("the other schema sees %d workspaces (err %v), want 0", n, err)
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var schema string
	if err := db.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	var tables int
	err = db.QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.tables
		WHERE table_schema = $1 AND table_name IN ('workspaces', 'schema_migrations')`, schema).Scan(&tables)
	if err != nil || tables != 2 || schema == "public" {
		t.Fatalf("schema %q holds %d of the store's tables (err %v), want a private schema with both", schema, tables, err)
	}
}

// TestPostgresSmallPool: Migrate holds a connection for its advisory lock
// while it migrates on another, so even a pool of one must not deadlock.
func TestPostgresSmallPool(t *testing.T) {
	t.Parallel()
	pgtest.Require(t)
	dsn := pgtest.URL(t)
	s, err := store.Open(t.Context(), dsn, store.Options{MaxConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if _, err := s.Migrate(ctx, storetest.Epoch); err != nil {
		t.Fatalf("migrate with MaxConns 1: %v", err)
	}
}

func TestPostgresUnreachable(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	_, err := store.Open(ctx, "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2", store.Options{})
	if err == nil {
		t.Fatal("Open succeeded against a closed port")
	}
}
