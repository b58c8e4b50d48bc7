-- Conversation lifecycle: statuses and their timers, assignment, flags,
-- wrap-up; private (agent-only) events.
ALTER TABLE conversations ADD COLUMN status_changed_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN snooze_until BIGINT;
ALTER TABLE conversations ADD COLUMN flagged BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE conversations ADD COLUMN assigned_at BIGINT;
ALTER TABLE conversations ADD COLUMN awaiting_reply_since BIGINT;
ALTER TABLE conversations ADD COLUMN closed_by_agent_id TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN wrapup_notes TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN wrapup_tags TEXT NOT NULL DEFAULT '[]';
UPDATE conversations SET status_changed_at = created_at;
CREATE INDEX conversations_assignee ON conversations (assignee_id, status);
CREATE INDEX conversations_snooze ON conversations (status, snooze_until);
CREATE INDEX conversations_queue ON conversations (workspace_id, status, assignee_id, created_at);

ALTER TABLE messages ADD COLUMN private BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE messages ADD COLUMN meta TEXT NOT NULL DEFAULT '{}';

ALTER TABLE agents ADD COLUMN last_assigned_at BIGINT NOT NULL DEFAULT 0;
