-- livedesk: foreign_keys off; check: tickets conversations ticket_events ticket_watchers mail_outbox inbox_items
-- A ticket made on a board or through the API has no chat yet (issue 15):
-- its site, visitor and conversation are known only once a chat is linked.
-- SQLite cannot drop NOT NULL, so the table is rebuilt (the documented
-- way: a new table, the rows copied, the old one dropped, the new one
-- renamed). The runner turns foreign keys off around it, or dropping the
-- old table would cascade into conversations, events and watchers, and
-- checks the references of the tables named above before it commits.
CREATE TABLE tickets_new (
    id                 TEXT PRIMARY KEY,
    workspace_id       TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    site_id            TEXT REFERENCES sites(id) ON DELETE CASCADE,
    visitor_id         TEXT REFERENCES visitors(id) ON DELETE CASCADE,
    contact_id         TEXT REFERENCES contacts(id) ON DELETE SET NULL,
    department_id      TEXT REFERENCES departments(id) ON DELETE SET NULL,
    conversation_id    TEXT REFERENCES conversations(id) ON DELETE CASCADE,
    assignee_id        TEXT REFERENCES agents(id) ON DELETE SET NULL,
    status             TEXT NOT NULL,
    reason             TEXT NOT NULL,
    subject            TEXT NOT NULL DEFAULT '',
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    accepted_at        INTEGER,
    closed_at          INTEGER,
    closed_by          TEXT NOT NULL DEFAULT '',
    closed_by_agent_id TEXT NOT NULL DEFAULT '',
    archived_at        INTEGER,
    stage              TEXT NOT NULL DEFAULT 'new',
    board_id           TEXT REFERENCES boards(id) ON DELETE SET NULL,
    column_id          TEXT REFERENCES board_columns(id) ON DELETE SET NULL,
    rank               REAL,
    priority           TEXT NOT NULL DEFAULT 'normal',
    type               TEXT NOT NULL DEFAULT '',
    due_at             INTEGER,
    tags               TEXT NOT NULL DEFAULT '[]',
    description        TEXT NOT NULL DEFAULT '',
    merged_into        TEXT REFERENCES tickets(id) ON DELETE SET NULL,
    public             INTEGER NOT NULL DEFAULT 0
);
INSERT INTO tickets_new (id, workspace_id, site_id, visitor_id, contact_id, department_id, conversation_id,
    assignee_id, status, reason, subject, created_at, updated_at, accepted_at, closed_at, closed_by,
    closed_by_agent_id, archived_at, stage, board_id, column_id, rank, priority, type, due_at, tags,
    description, merged_into, public)
SELECT id, workspace_id, site_id, visitor_id, contact_id, department_id, conversation_id,
    assignee_id, status, reason, subject, created_at, updated_at, accepted_at, closed_at, closed_by,
    closed_by_agent_id, archived_at, stage, board_id, column_id, rank, priority, type, due_at, tags,
    description, merged_into, public
FROM tickets;
DROP TABLE tickets;
ALTER TABLE tickets_new RENAME TO tickets;
-- Every reference to tickets (merged_into here; conversations, events,
-- watchers, mail and inbox items) names the table, so it finds the new one.
CREATE UNIQUE INDEX tickets_one_open ON tickets (visitor_id) WHERE status = 'open';
CREATE INDEX tickets_queue ON tickets (workspace_id, status, assignee_id, created_at);
CREATE INDEX tickets_contact ON tickets (contact_id, status);
CREATE INDEX tickets_closed ON tickets (workspace_id, status, closed_at);
CREATE INDEX tickets_board ON tickets (board_id, column_id, rank);
CREATE INDEX tickets_column ON tickets (column_id, rank);
CREATE INDEX tickets_stage ON tickets (workspace_id, stage, created_at);
CREATE INDEX tickets_public_visitor ON tickets (visitor_id) WHERE public = TRUE;
CREATE INDEX tickets_public_contact ON tickets (contact_id) WHERE public = TRUE;
