-- Read markers per agent: how far (seq) each agent has read each
-- conversation, so "new" and "activity since last seen" agree across the
-- agent's browsers and tabs, and survive a fresh browser.
CREATE TABLE agent_reads (
    workspace_id    TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    agent_id        TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (agent_id, conversation_id)
);
CREATE INDEX agent_reads_conversation ON agent_reads (conversation_id);
