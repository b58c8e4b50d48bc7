package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"
)

//go:embed migrations
var migrationFS embed.FS

// ErrSchemaTooNew means the database was migrated by a newer binary; an
// older one refuses to serve it rather than corrupt it.
var ErrSchemaTooNew = errors.New("store: database schema is newer than this binary")

// Migrations lists the embedded migration names for a dialect, in order.
func Migrations(d Dialect) ([]string, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations/"+string(d))
	if err != nil {
		return nil, fmt.Errorf("store: list migrations: %w", err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			names = append(names, strings.TrimSuffix(e.Name(), ".sql"))
		}
	}
	slices.Sort(names)
	return names, nil
}

// Migrate applies every embedded migration not yet applied, each in its own
// transaction, and returns the names it applied. It only goes forward.
func (s *Store) Migrate(ctx context.Context, now time.Time) ([]string, error) {
	return s.migrate(ctx, now, "")
}

// migrate is Migrate that stops after migration through ("": the last),
// as a binary of the release that shipped it would (tests of a migration
// start from the schema before it).
func (s *Store) migrate(ctx context.Context, now time.Time, through string) ([]string, error) {
	if _, err := s.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return nil, fmt.Errorf("store: create schema_migrations: %w", err)
	}
	if s.dialect == Postgres {
		// Two nodes starting at once must not both apply a migration: hold a
		// session-level advisory lock on one dedicated connection meanwhile.
		conn, err := s.write.Conn(ctx)
		if err != nil {
			return nil, fmt.Errorf("store: migration lock: %w", err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(7412001)`); err != nil {
			return nil, fmt.Errorf("store: migration lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(7412001)`) //nolint:errcheck
	}
	names, err := Migrations(s.dialect)
	if err != nil {
		return nil, err
	}
	applied, err := s.appliedMigrations(ctx)
	if err != nil {
		return nil, err
	}
	for v := range applied {
		if !slices.Contains(names, v) {
			return nil, fmt.Errorf("%w: it has migration %s", ErrSchemaTooNew, v)
		}
	}
	var done []string
	for _, name := range names {
		if applied[name] {
			continue
		}
		body, err := migrationFS.ReadFile("migrations/" + string(s.dialect) + "/" + name + ".sql")
		if err != nil {
			return done, fmt.Errorf("store: read migration %s: %w", name, err)
		}
		if err := s.apply(ctx, name, string(body), now); err != nil {
			return done, err
		}
		done = append(done, name)
		if name == through {
			break
		}
	}
	return done, nil
}

// rebuildMarker opens a SQLite migration that rebuilds a table (SQLite
// cannot drop a NOT NULL): it runs with foreign keys off, as dropping the
// old table would otherwise cascade into every table that references it,
// and commits only if the references of the tables named after "check:"
// (the rebuilt table and those that point at it) all resolve. Named, so
// that the check does not read every table of a large database.
const rebuildMarker = "-- livedesk: foreign_keys off; check:"

// apply runs one migration and records it, in one transaction.
func (s *Store) apply(ctx context.Context, name, body string, now time.Time) (err error) {
	op := "store: migrate " + name
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer conn.Close()
	var check []string
	if first, _, _ := strings.Cut(body, "\n"); s.dialect == SQLite && strings.HasPrefix(first, rebuildMarker) {
		check = strings.Fields(strings.TrimPrefix(first, rebuildMarker))
		if len(check) == 0 {
			return fmt.Errorf("%s: a rebuild names the tables to check", op)
		}
		// The pragma is a no-op inside a transaction: it is set on the
		// connection before, and restored after whatever happens. A
		// connection that cannot restore it is not used again.
		if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
			return fmt.Errorf("%s: foreign keys off: %w", op, err)
		}
		defer func() {
			if _, rerr := conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys = ON`); rerr != nil {
				conn.Raw(func(any) error { return driver.ErrBadConn }) //nolint:errcheck // discards the connection
				err = errors.Join(err, fmt.Errorf("%s: foreign keys back on: %w", op, rerr))
			}
		}()
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s: begin: %w", op, err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if _, err := tx.ExecContext(ctx, body); err != nil {
		return fmt.Errorf("store: migration %s: %w", name, err)
	}
	for _, table := range check {
		var from, parent string
		var rowid, fk sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT "table", rowid, parent, fkid FROM pragma_foreign_key_check($1)`, table).Scan(&from, &rowid, &parent, &fk)
		if err == nil {
			return fmt.Errorf("%s: after the rebuild, row %d of %s names a missing row of %s", op, rowid.Int64, from, parent)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%s: foreign key check of %s: %w", op, table, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`, name, millis(now)); err != nil {
		return mapErr("store: record migration "+name, err)
	}
	return mapErr(op+": commit", tx.Commit())
}

// CheckSchema fails unless every embedded migration is applied and the
// database knows none this binary does not.
func (s *Store) CheckSchema(ctx context.Context) error {
	names, err := Migrations(s.dialect)
	if err != nil {
		return err
	}
	applied, err := s.appliedMigrations(ctx)
	if err != nil {
		// Most often a database no binary has migrated yet.
		return fmt.Errorf("store: cannot read the schema version; run `livedesk migrate` first: %w", err)
	}
	for v := range applied {
		if !slices.Contains(names, v) {
			return fmt.Errorf("%w: it has migration %s", ErrSchemaTooNew, v)
		}
	}
	for _, n := range names {
		if !applied[n] {
			return fmt.Errorf("store: migration %s not applied; run `livedesk migrate`", n)
		}
	}
	return nil
}

func (s *Store) appliedMigrations(ctx context.Context) (map[string]bool, error) {
	rows, err := s.write.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("store: read schema_migrations: %w", err)
	}
	defer rows.Close()
	applied := map[string]bool{}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("store: read schema_migrations: %w", err)
		}
		applied[v] = true
	}
	return applied, rows.Err()
}
