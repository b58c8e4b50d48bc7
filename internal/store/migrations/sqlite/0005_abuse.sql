-- Abuse controls: the address a visitor last came from (for blocks by
-- address), blocks, the audit log, and the index the retention sweep of
-- idle anonymous visitors reads.
ALTER TABLE visitors ADD COLUMN ip TEXT NOT NULL DEFAULT '';
CREATE INDEX visitors_idle ON visitors (last_seen_at) WHERE contact_id IS NULL AND online = 0;

CREATE TABLE blocks (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    value        TEXT NOT NULL,
    reason       TEXT NOT NULL DEFAULT '',
    created_by   TEXT REFERENCES agents(id) ON DELETE SET NULL,
    created_at   INTEGER NOT NULL
);
CREATE UNIQUE INDEX blocks_key ON blocks (workspace_id, kind, value);

CREATE TABLE audit_log (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    at           INTEGER NOT NULL,
    actor_id     TEXT NOT NULL DEFAULT '',
    actor_name   TEXT NOT NULL DEFAULT '',
    action       TEXT NOT NULL,
    target_type  TEXT NOT NULL DEFAULT '',
    target_id    TEXT NOT NULL DEFAULT '',
    ip           TEXT NOT NULL DEFAULT '',
    detail       TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_recent ON audit_log (workspace_id, at, id);
