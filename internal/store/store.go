package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrNotFound means the row does not exist in the caller's workspace.
var ErrNotFound = errors.New("store: not found")

// ErrConflict means a unique key (an e-mail, a name, a widget key) is taken.
var ErrConflict = errors.New("store: conflict")

// Dialect names the SQL engine behind a Store.
type Dialect string

// The two supported engines.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Store is the database behind every domain.
type Store struct {
	dialect Dialect
	write   *sql.DB // SQLite: one connection; PostgreSQL: same pool as read
	read    *sql.DB

	writeStmts *stmtSet // nil on PostgreSQL: pgx caches statements per connection itself
	readStmts  *stmtSet
	appender   *appender
	receipter  *receipter
	toucher    *toucher
	addresser  *addresser
	checkpoint *checkpointer // SQLite only
	hooks      hookCache     // which webhook events each workspace takes (webhook.go)
}

// newStore starts what a Store runs besides its connections.
func newStore(dialect Dialect, write, read *sql.DB, budget time.Duration) *Store {
	s := &Store{dialect: dialect, write: write, read: read}
	committers := 1 // SQLite has one writer
	if dialect == Postgres {
		committers = 4
	} else {
		s.writeStmts = &stmtSet{db: write}
		s.readStmts = &stmtSet{db: read}
	}
	switch {
	case budget == 0:
		budget = DefaultAppendBudget
	case budget < 0:
		budget = 0 // admit everything
	}
	s.appender = startAppender(s, committers, budget)
	s.receipter = startReceipter(s, committers)
	s.toucher = startToucher(s, committers)
	s.addresser = startAddresser(s, committers)
	return s
}

// Options configures Open. The zero value of each field means "use the default".
type Options struct {
	// SQLiteSynchronous is SQLite's synchronous pragma: "normal" (default)
	// survives a process crash; "full" also survives power loss.
	SQLiteSynchronous string
	// MaxConns caps PostgreSQL connections (default 20, at least 2) and
	// SQLite readers (default 2 × GOMAXPROCS, at least 4).
	MaxConns int
	// AppendBudget is the longest a message append may expect to wait
	// behind those already queued; past it AppendMessage answers ErrBusy
	// at once. Zero means DefaultAppendBudget; negative admits everything.
	AppendBudget time.Duration
}

// DefaultAppendBudget keeps a stored message's wait for its commit under
// about a fifth of a second, so an accepted message is acknowledged well
// within the 250 ms the product promises under twice its sustainable
// rate, and the rest is refused at once as busy.
const DefaultAppendBudget = 200 * time.Millisecond

// Open connects to the database named by dsn: a postgres:// or
// postgresql:// URL for PostgreSQL, otherwise a path to an SQLite file,
// whose directory is created when missing. It does not migrate.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return openPostgres(ctx, dsn, opts)
	}
	return openSQLite(ctx, dsn, opts)
}

func openPostgres(ctx context.Context, dsn string, opts Options) (*Store, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open postgres: %w", err)
	}
	n := opts.MaxConns
	if n <= 0 {
		n = 20
	}
	// Migrate holds one connection for its advisory lock while it works on
	// another; with a single connection it would wait for itself forever.
	n = max(n, 2)
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: connect postgres: %w", err)
	}
	return newStore(Postgres, db, db, opts.AppendBudget), nil
}

// busyTimeoutMS is how long an SQLite connection waits for another's lock
// (another process: a second `livedesk migrate`) before it fails.
const busyTimeoutMS = 10000

func openSQLite(ctx context.Context, path string, opts Options) (*Store, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("store: create data dir: %w", err)
		}
	}
	if err := ownerOnly(path); err != nil {
		return nil, err
	}
	sync := strings.ToLower(opts.SQLiteSynchronous)
	switch sync {
	case "":
		sync = "normal"
	case "normal", "full":
	default:
		return nil, fmt.Errorf("store: sqlite synchronous must be normal or full, not %q", opts.SQLiteSynchronous)
	}
	// busy_timeout comes first so that the pragmas after it wait instead of
	// failing while another process (a second `migrate`) holds the lock.
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeoutMS))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous("+sync+")")
	q.Add("_pragma", "foreign_keys(1)")
	base := "file:" + path + "?" + q.Encode()

	// Writers BEGIN IMMEDIATE, so a transaction that reads then writes
	// takes the lock up front instead of failing on upgrade.
	// The writer never checkpoints below walCheckpointLimit pages: a
	// background checkpointer copies the WAL back and fsyncs the database
	// (see checkpointer), so commits stall on neither, except for the
	// short restart of the WAL it runs on this connection now and then.
	// Its page cache is larger than the readers' 2 MiB: every append
	// touches a conversation row and two index pages per conversation, and
	// a page missing from the cache is a read from the WAL or the file.
	write, err := sql.Open("sqlite", base+"&_txlock=immediate&_pragma=wal_autocheckpoint("+strconv.Itoa(walCheckpointLimit)+")"+
		"&_pragma=cache_size(-32768)")
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxIdleTime(0)
	write.SetConnMaxLifetime(0)
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	read, err := sql.Open("sqlite", base+"&_pragma=query_only(1)")
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	n := opts.MaxConns
	if n <= 0 {
		n = max(4, 2*runtime.GOMAXPROCS(0))
	}
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	ckpt, err := sql.Open("sqlite", base)
	if err != nil {
		write.Close()
		read.Close()
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	ckpt.SetMaxOpenConns(1)
	s := newStore(SQLite, write, read, opts.AppendBudget)
	s.checkpoint = startCheckpointer(ckpt, write)
	return s, nil
}

// Dialect reports which engine the store runs on.
func (s *Store) Dialect() Dialect { return s.dialect }

// Ping checks that the database answers; /readyz uses it.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.read.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	var one int
	if err := s.read.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// Close releases the connections.
func (s *Store) Close() error {
	s.appender.stop()
	s.receipter.stop()
	s.toucher.stop()
	s.addresser.stop()
	err := errors.Join(s.checkpoint.stop(), s.writeStmts.close(), s.readStmts.close(), s.write.Close())
	if s.read != s.write {
		err = errors.Join(err, s.read.Close())
	}
	return err
}

// NewID returns a fresh UUIDv7: unique, unguessable enough for row ids and
// roughly time-ordered, which keeps B-tree inserts local.
func NewID() string { return uuid.Must(uuid.NewV7()).String() }

// millis converts a time to the stored representation.
func millis(t time.Time) int64 { return t.UnixMilli() }

// fromMillis converts a stored time back; zero stays the zero time.
func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// stored is t as a read will return it: millisecond precision, UTC. A
// Create that returns its input without a read uses it, so that what it
// returns equals what a later Get returns.
func stored(t time.Time) time.Time { return time.UnixMilli(millis(t)).UTC() }

// optTime converts a nullable stored time; NULL is nil.
func optTime(ms sql.NullInt64) *time.Time {
	if !ms.Valid {
		return nil
	}
	t := fromMillis(ms.Int64)
	return &t
}

// nullMillis is optTime's inverse: nil is NULL.
func nullMillis(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: millis(*t), Valid: true}
}

// nullString turns "" into SQL NULL, for optional foreign keys.
func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// mapErr turns driver errors into the store's sentinel errors, keeping the cause.
func mapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", op, ErrNotFound)
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) && pg.Code == "23505" {
		return fmt.Errorf("%s: %w: %s", op, ErrConflict, pg.ConstraintName)
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%s: %w: %v", op, ErrConflict, err)
		}
	}
	return fmt.Errorf("%s: %w", op, err)
}

// inTx runs fn in a write transaction and commits it when fn returns nil.
func (s *Store) inTx(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s: begin: %w", op, err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return mapErr(op+": commit", err)
	}
	return nil
}

// affected is how many rows an Exec changed.
func affected(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// mustAffect turns "no row changed" into ErrNotFound.
func mustAffect(op string, res sql.Result, err error) error {
	if err != nil {
		return mapErr(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", op, ErrNotFound)
	}
	return nil
}

// ownedBy checks that row id of table belongs to the workspace; an empty id
// passes (the reference is optional). It is how a reference from one row to
// another (a site's default department) is kept inside one tenant.
func ownedBy(ctx context.Context, tx *sql.Tx, table, workspaceID, id string) error {
	if id == "" {
		return nil
	}
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM `+table+` WHERE workspace_id = $1 AND id = $2`, workspaceID, id).Scan(&one)
	return mapErr("store: check "+table, err)
}

// ownerOnly creates the database file readable by its owner alone (0600),
// or takes group and other access away from one made by an older version:
// it holds password hashes and identity secrets. SQLite creates its -wal
// and -shm files with the main file's mode, so they follow.
func ownerOnly(path string) error {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("store: create database file: %w", err)
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("store: restrict %s: %w", p, err)
		}
	}
	return nil
}
