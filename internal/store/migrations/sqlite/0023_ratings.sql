-- Ratings (issue 16): the visitor rates a chat that ended, good or bad,
-- with an optional comment, and may change it for a day. One rating per
-- conversation (it lives on the row, so it is never counted twice); the
-- agent it counts for is the one who held the chat when it was first
-- rated (rated_agent_id), kept if the chat moves on later.
ALTER TABLE conversations ADD COLUMN rating TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN rating_comment TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN rated_at INTEGER;
ALTER TABLE conversations ADD COLUMN rated_agent_id TEXT REFERENCES agents(id) ON DELETE SET NULL;
-- The ratings of a period (analytics, an agent's ratings) without a scan.
CREATE INDEX conversations_rated ON conversations (workspace_id, rated_at) WHERE rated_at IS NOT NULL;
