-- The inbox (issue 13): each agent's items that need attention (a
-- mention in a comment, a chat or ticket handed to them by someone else,
-- a reply on their ticket). seq counts an agent's items (agents.inbox_seq,
-- bumped in the transaction that adds one), so a desk knows what it has.
-- kind says what happened and data carries what that kind needs, so a
-- new kind needs no migration; dedupe makes each happening one item, so
-- a retried command never adds two.
ALTER TABLE agents ADD COLUMN inbox_seq BIGINT NOT NULL DEFAULT 0;

CREATE TABLE inbox_items (
    id              TEXT PRIMARY KEY,
    workspace_id    TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    agent_id        TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    seq             BIGINT NOT NULL,
    kind            TEXT NOT NULL,
    dedupe          TEXT NOT NULL,
    conversation_id TEXT REFERENCES conversations(id) ON DELETE CASCADE,
    ticket_id       TEXT REFERENCES tickets(id) ON DELETE CASCADE,
    actor_id        TEXT NOT NULL DEFAULT '',
    actor_name      TEXT NOT NULL DEFAULT '',
    summary         TEXT NOT NULL DEFAULT '',
    data            TEXT NOT NULL DEFAULT '{}',
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    read_at         BIGINT,
    archived_at     BIGINT
);
CREATE UNIQUE INDEX inbox_items_seq ON inbox_items (agent_id, seq);
CREATE UNIQUE INDEX inbox_items_dedupe ON inbox_items (agent_id, dedupe);
CREATE INDEX inbox_items_list ON inbox_items (workspace_id, agent_id, archived_at, seq);
-- The Tagged tab: the conversations an agent was mentioned in.
CREATE INDEX inbox_items_mentions ON inbox_items (workspace_id, agent_id, kind, conversation_id);
