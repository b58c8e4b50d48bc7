-- Agents' avatars (issue 11): a small image an agent chose, shown in the
-- desk in place of their initials. agents.avatar_at is
-- when it last changed (NULL: initials), so clients cache the image by
-- it; the bytes are read only when asked for.
ALTER TABLE agents ADD COLUMN avatar_at INTEGER;
CREATE TABLE agent_avatars (
    agent_id     TEXT PRIMARY KEY REFERENCES agents(id) ON DELETE CASCADE,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    content_type TEXT NOT NULL,
    data         BLOB NOT NULL
);
