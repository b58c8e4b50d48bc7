// Package pgtest hands out fresh PostgreSQL schemas: one per test (URL),
// or one per benchmark run (CreateSchema). Each schema has a random name in
// the database named by LIVEDESK_TEST_POSTGRES_URL and is dropped
// afterwards; the URL it returns carries search_path as a startup
// parameter, so every connection made from it lands in that schema and
// tests running at once never see each other's rows.
//
// The rule every suite follows: without the variable a PostgreSQL test is
// skipped, except under CI=true, where a missing database fails the run.
//
// It imports nothing of this module, so any package's tests can use it,
// the store's own included.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver for the admin connection
)

// Env names the variable holding the PostgreSQL URL the tests use, for
// example postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const Env = "LIVEDESK_TEST_POSTGRES_URL"

// Require returns the URL in Env. Without it the test is skipped, or,
// under CI=true, fails.
func Require(t testing.TB) string {
	t.Helper()
	base := os.Getenv(Env)
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal(Env + " must be set in CI")
		}
		t.Skip(Env + " is not set; skipping the PostgreSQL run")
	}
	return base
}

// URL creates an empty schema for the test (see Require for when it skips)
// and returns a URL whose connections use it. The schema is dropped when
// the test ends.
func URL(t testing.TB) string {
	t.Helper()
	u, drop, err := CreateSchema(context.Background(), Require(t), "livedesk_test_")
	if err != nil {
		t.Fatalf("pgtest: %v (is %s reachable?)", err, Env)
	}
	t.Cleanup(func() {
		if err := drop(); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	return u
}

// CreateSchema makes a schema named prefix plus 16 random hex digits in the
// database at base, and returns base with search_path set to it and a func
// that drops it (with everything in it). The admin statements each use a
// short-lived connection, so parallel tests hold no idle ones; drop still
// works after ctx is done.
func CreateSchema(ctx context.Context, base, prefix string) (string, func() error, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", nil, fmt.Errorf("%q is not a postgres:// URL", base)
	}
	var b [8]byte
	rand.Read(b[:])
	schema := prefix + hex.EncodeToString(b[:])
	admin := func(ctx context.Context, stmt string) error {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return err
		}
		defer db.Close()
		_, err = db.ExecContext(ctx, stmt)
		return err
	}
	if err := admin(ctx, `CREATE SCHEMA `+schema); err != nil {
		return "", nil, fmt.Errorf("create schema %s: %w", schema, err)
	}
	drop := func() error {
		if err := admin(context.WithoutCancel(ctx), `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			return fmt.Errorf("drop schema %s: %w", schema, err)
		}
		return nil
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}
