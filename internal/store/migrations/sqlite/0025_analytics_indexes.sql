-- Analytics (issue 16) read a period's conversations by when they started
-- and by when they closed. Neither column changes as messages are stored,
-- so the live path never writes these indexes but once at a chat's start
-- and once at its end.
CREATE INDEX conversations_started ON conversations (workspace_id, created_at);
CREATE INDEX conversations_ended ON conversations (workspace_id, closed_at) WHERE status = 'closed';
