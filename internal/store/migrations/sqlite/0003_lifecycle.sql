-- Conversation lifecycle: statuses and their timers, assignment, flags,
-- wrap-up; private (agent-only) events.
ALTER TABLE conversations ADD COLUMN status_changed_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN snooze_until INTEGER;
ALTER TABLE conversations ADD COLUMN flagged INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN assigned_at INTEGER;
ALTER TABLE conversations ADD COLUMN awaiting_reply_since INTEGER;
ALTER TABLE conversations ADD COLUMN closed_by_agent_id TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN wrapup_notes TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN wrapup_tags TEXT NOT NULL DEFAULT '[]';
UPDATE conversations SET status_changed_at = created_at;
CREATE INDEX conversations_assignee ON conversations (assignee_id, status);
CREATE INDEX conversations_snooze ON conversations (status, snooze_until);
CREATE INDEX conversations_queue ON conversations (workspace_id, status, assignee_id, created_at);

ALTER TABLE messages ADD COLUMN private INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN meta TEXT NOT NULL DEFAULT '{}';

ALTER TABLE agents ADD COLUMN last_assigned_at INTEGER NOT NULL DEFAULT 0;
