// Package store is the only place that speaks SQL. It runs the same
// hand-written statements on SQLite (modernc.org/sqlite, the zero-setup
// default) and PostgreSQL (pgx through database/sql); a small dialect value
// holds the few things that differ.
//
// Tenancy: every method that reads or changes a tenant's row takes the
// workspace id and puts it in the WHERE clause, so a handler cannot forget
// it. The only lookups that are not workspace-scoped are the entry points
// that establish the workspace in the first place: a widget key, a visitor
// token hash, an agent's login e-mail and a session token hash.
//
// Concurrency: a Store is safe for concurrent use. On SQLite writes go
// through one connection (so they queue in Go instead of failing with
// "database is locked") and reads use a pool; on PostgreSQL both use one
// pool. Message appends are group-committed: Open starts committer
// goroutines (one on SQLite, four on PostgreSQL) that store concurrent
// AppendMessage calls in shared transactions, each caller answered with
// its own result after the COMMIT; Close stops them (append.go). The hot
// statements are prepared once per SQLite connection. Times are stored as
// Unix milliseconds and always come from the caller's clock, never from
// SQL now(), so both engines and the fake clock in tests agree.
//
// Rules live in the domain packages; the store holds none, with one
// deliberate exception: whom Assign picks (the least-loaded online agent
// of the department with room, ties to the one idle longest) is decided by
// its SQL, inside the transaction that assigns, under a per-workspace lock
// (PostgreSQL) or the single writer (SQLite). Choosing in Go and assigning
// after would let two nodes fill one agent's last place at once. The
// policy is described where it is used (package chat, doc.go); a change to
// it changes Assign's ORDER BY (lifecycle.go) and chat's doc together.
//
// Errors: ErrNotFound when a row does not exist in the caller's workspace,
// ErrConflict when a unique key is taken; everything else is wrapped with
// the operation that failed.
package store
