-- Files (issue 14): attachments of conversations. A file message is a
-- message (kind "file") whose meta names the file; the row here holds what
-- the download needs, the chunks hold the bytes (the database is the
-- default blob store, so every node of a cluster serves every file).
-- (conversation_id, client_msg_id) makes an upload idempotent: a retry
-- with the same client_msg_id finds the file it stored before. complete is
-- false while the chunks are being written, written_at the last time one
-- was (a retry waits for an upload that is still moving); a file left
-- incomplete, or
-- never followed by its message, is swept after a while. Deleting a
-- conversation (retention, erasure, a site's deletion) deletes its files
-- and their chunks.
CREATE TABLE files (
    id              TEXT PRIMARY KEY,
    workspace_id    TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    client_msg_id   TEXT NOT NULL,
    author_type     TEXT NOT NULL,
    author_id       TEXT NOT NULL,
    name            TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    size            BIGINT NOT NULL DEFAULT 0,
    width           INTEGER NOT NULL DEFAULT 0,
    height          INTEGER NOT NULL DEFAULT 0,
    complete        BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      BIGINT NOT NULL,
    written_at      BIGINT NOT NULL,
    UNIQUE (conversation_id, client_msg_id)
);
CREATE INDEX files_stale ON files (created_at);

CREATE TABLE file_chunks (
    file_id TEXT NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    n       INTEGER NOT NULL,
    data    BYTEA NOT NULL,
    PRIMARY KEY (file_id, n)
);
