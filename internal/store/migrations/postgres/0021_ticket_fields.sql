-- A ticket's fields an agent sets (issue 15): priority (low, normal,
-- high, urgent), type (one of the workspace's ticket types, or none), a
-- due time, tags (a JSON list) and a description.
ALTER TABLE tickets ADD COLUMN priority TEXT NOT NULL DEFAULT 'normal';
ALTER TABLE tickets ADD COLUMN type TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN due_at BIGINT;
ALTER TABLE tickets ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
ALTER TABLE tickets ADD COLUMN description TEXT NOT NULL DEFAULT '';

-- A duplicate merged into another ticket points at it (its URL opens
-- that one); it is closed, and its conversations moved there.
ALTER TABLE tickets ADD COLUMN merged_into TEXT REFERENCES tickets(id) ON DELETE SET NULL;

-- A ticket its requester may follow in the widget: its subject and
-- stage, never its internal fields or comments.
ALTER TABLE tickets ADD COLUMN public BOOLEAN NOT NULL DEFAULT FALSE;

-- Agents who watch a ticket: each is told in the inbox when someone else
-- moves, edits, merges into or links a chat to it.
CREATE TABLE ticket_watchers (
    ticket_id    TEXT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    agent_id     TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (ticket_id, agent_id)
);
-- Every widget hello reads the visitor's public tickets (a reconnect
-- storm: thousands at once): an index finds them without a scan.
CREATE INDEX tickets_public_visitor ON tickets (visitor_id) WHERE public = TRUE;
CREATE INDEX tickets_public_contact ON tickets (contact_id) WHERE public = TRUE;
