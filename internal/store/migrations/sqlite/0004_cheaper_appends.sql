-- Messages are read and written only by conversation: a page of history
-- by seq, an idempotency lookup by client_msg_id. Storing the table
-- WITHOUT ROWID, clustered on (conversation_id, seq), makes the table its
-- own seq index, and nothing looks a message up by id, so its id index
-- goes too: an append now writes two B-trees instead of four (the
-- single SQLite writer's largest cost; see docs/benchmarks.md). Ids stay
-- unique: they are fresh UUIDv7s.
CREATE TABLE messages_by_conversation (
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,
    id              TEXT NOT NULL,
    workspace_id    TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    client_msg_id   TEXT NOT NULL,
    kind            TEXT NOT NULL,
    author_type     TEXT NOT NULL,
    author_id       TEXT NOT NULL DEFAULT '',
    author_name     TEXT NOT NULL DEFAULT '',
    body            TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    private         INTEGER NOT NULL DEFAULT 0,
    meta            TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (conversation_id, seq),
    UNIQUE (conversation_id, client_msg_id)
) WITHOUT ROWID;

INSERT INTO messages_by_conversation (conversation_id, seq, id, workspace_id, client_msg_id, kind, author_type,
    author_id, author_name, body, created_at, private, meta)
SELECT conversation_id, seq, id, workspace_id, client_msg_id, kind, author_type,
    author_id, author_name, body, created_at, private, meta FROM messages;

DROP TABLE messages;
ALTER TABLE messages_by_conversation RENAME TO messages;

-- Every message moved its conversation's entry in an index ordered by
-- last_activity_at: one more scattered page write per append. Open
-- conversations are few per workspace and lists of them sort in memory;
-- closed ones, which can be many, keep an ordered index, and a closed
-- conversation takes no messages, so appends never touch it.
DROP INDEX conversations_workspace_status;
CREATE INDEX conversations_workspace_status ON conversations (workspace_id, status);
CREATE INDEX conversations_closed_recent ON conversations (workspace_id, status, last_activity_at, id) WHERE status = 'closed';
