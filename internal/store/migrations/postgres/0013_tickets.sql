-- Tickets (issue 12): a chat that found no agent, in or out of hours,
-- waits as a ticket that agents accept from a queue and answer later. A
-- ticket gathers the user's conversations (one open ticket per visitor,
-- or per contact); a conversation belongs to at most one ticket.
CREATE TABLE tickets (
    id                 TEXT PRIMARY KEY,
    workspace_id       TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    site_id            TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    visitor_id         TEXT NOT NULL REFERENCES visitors(id) ON DELETE CASCADE,
    contact_id         TEXT REFERENCES contacts(id) ON DELETE SET NULL,
    department_id      TEXT REFERENCES departments(id) ON DELETE SET NULL,
    conversation_id    TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    assignee_id        TEXT REFERENCES agents(id) ON DELETE SET NULL,
    status             TEXT NOT NULL,
    reason             TEXT NOT NULL,
    subject            TEXT NOT NULL DEFAULT '',
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    accepted_at        BIGINT,
    closed_at          BIGINT,
    closed_by          TEXT NOT NULL DEFAULT '',
    closed_by_agent_id TEXT NOT NULL DEFAULT '',
    archived_at        BIGINT
);
-- One open ticket per visitor: two conversions at once merge.
CREATE UNIQUE INDEX tickets_one_open ON tickets (visitor_id) WHERE status = 'open';
CREATE INDEX tickets_queue ON tickets (workspace_id, status, assignee_id, created_at);
CREATE INDEX tickets_contact ON tickets (contact_id, status);
CREATE INDEX tickets_closed ON tickets (workspace_id, status, closed_at);

-- The conversation's ticket, and its out-of-hours session: the phase
-- (asked, leaving, ended or ''), when it ends by itself, and the seq of
-- the last visitor message it has answered (so a retried or resumed
-- message is answered once).
ALTER TABLE conversations ADD COLUMN ticket_id TEXT REFERENCES tickets(id) ON DELETE SET NULL;
ALTER TABLE conversations ADD COLUMN offhours_phase TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN offhours_due BIGINT;
ALTER TABLE conversations ADD COLUMN offhours_seq BIGINT NOT NULL DEFAULT 0;
CREATE INDEX conversations_offhours ON conversations (workspace_id, offhours_phase, offhours_due);
CREATE INDEX conversations_ticket ON conversations (ticket_id);
