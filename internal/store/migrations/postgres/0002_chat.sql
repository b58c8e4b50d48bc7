-- Visitors, contacts, conversations and their gap-free event log.
CREATE TABLE contacts (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    external_id  TEXT,
    name         TEXT NOT NULL DEFAULT '',
    email        TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    UNIQUE (workspace_id, external_id)
);

CREATE TABLE visitors (
    id            TEXT PRIMARY KEY,
    workspace_id  TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    site_id       TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    token_hash    TEXT NOT NULL UNIQUE,
    contact_id    TEXT REFERENCES contacts(id) ON DELETE SET NULL,
    name          TEXT NOT NULL DEFAULT '',
    email         TEXT NOT NULL DEFAULT '',
    page_url      TEXT NOT NULL DEFAULT '',
    page_title    TEXT NOT NULL DEFAULT '',
    referrer      TEXT NOT NULL DEFAULT '',
    pages_seen    BIGINT NOT NULL DEFAULT 0,
    online        BOOLEAN NOT NULL DEFAULT FALSE,
    session_start BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL,
    presence_expires_at BIGINT NOT NULL DEFAULT 0,
    context       TEXT NOT NULL DEFAULT '{}',
    created_at    BIGINT NOT NULL
);
CREATE INDEX visitors_workspace_online ON visitors (workspace_id, online, last_seen_at);
CREATE INDEX visitors_presence ON visitors (online, presence_expires_at);

CREATE TABLE page_views (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    visitor_id   TEXT NOT NULL REFERENCES visitors(id) ON DELETE CASCADE,
    url          TEXT NOT NULL,
    title        TEXT NOT NULL DEFAULT '',
    referrer     TEXT NOT NULL DEFAULT '',
    viewed_at    BIGINT NOT NULL
);
CREATE INDEX page_views_visitor ON page_views (visitor_id, viewed_at);

CREATE TABLE conversations (
    id               TEXT PRIMARY KEY,
    workspace_id     TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    site_id          TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    visitor_id       TEXT NOT NULL REFERENCES visitors(id) ON DELETE CASCADE,
    contact_id       TEXT REFERENCES contacts(id) ON DELETE SET NULL,
    department_id    TEXT REFERENCES departments(id) ON DELETE SET NULL,
    assignee_id      TEXT REFERENCES agents(id) ON DELETE SET NULL,
    status           TEXT NOT NULL,
    context          TEXT NOT NULL DEFAULT '{}',
    last_seq         BIGINT NOT NULL DEFAULT 0,
    last_message     TEXT NOT NULL DEFAULT '',
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    last_activity_at BIGINT NOT NULL,
    closed_at        BIGINT,
    closed_by        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX conversations_workspace_status ON conversations (workspace_id, status, last_activity_at);
CREATE INDEX conversations_visitor ON conversations (visitor_id, status);

CREATE TABLE messages (
    id              TEXT PRIMARY KEY,
    workspace_id    TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    seq             BIGINT NOT NULL,
    client_msg_id   TEXT NOT NULL,
    kind            TEXT NOT NULL,
    author_type     TEXT NOT NULL,
    author_id       TEXT NOT NULL DEFAULT '',
    author_name     TEXT NOT NULL DEFAULT '',
    body            TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    UNIQUE (conversation_id, seq),
    UNIQUE (conversation_id, client_msg_id)
);

-- At most one conversation per visitor that is not closed: two tabs that
-- start a chat at once get the same one.
CREATE UNIQUE INDEX conversations_one_open ON conversations (visitor_id) WHERE status <> 'closed';
