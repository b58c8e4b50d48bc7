-- When the visitor first wrote (issue 16): a chat begins for analytics
-- when its visitor writes, and the first answer is the first agent text
-- or file after that. A proactive chat opens with the agent's invitation:
-- that is no answer, and a chat whose visitor never wrote is no chat.
-- Kept with the other facts as each message is stored; filled in from
-- history here, and the first answers of proactive chats made again.
ALTER TABLE conversations ADD COLUMN first_visitor_at BIGINT;
UPDATE conversations SET first_visitor_at = (SELECT m.created_at FROM messages m WHERE m.conversation_id = conversations.id
    AND m.author_type = 'visitor' AND m.kind IN ('text', 'file') ORDER BY m.seq LIMIT 1)
WHERE visitor_messages > 0;
UPDATE conversations SET
    first_response_at = (SELECT m.created_at FROM messages m WHERE m.conversation_id = conversations.id
        AND m.author_type = 'agent' AND m.private = FALSE AND m.kind IN ('text', 'file') AND m.created_at >= conversations.first_visitor_at
        ORDER BY m.seq LIMIT 1),
    first_responder_id = (SELECT m.author_id FROM messages m WHERE m.conversation_id = conversations.id
        AND m.author_type = 'agent' AND m.private = FALSE AND m.kind IN ('text', 'file') AND m.created_at >= conversations.first_visitor_at
        ORDER BY m.seq LIMIT 1)
WHERE first_response_at IS NOT NULL AND (first_visitor_at IS NULL OR first_response_at < first_visitor_at);
-- Analytics read a period's chats by when their visitor first wrote, not
-- by when the row was made (0025's index).
DROP INDEX conversations_started;
CREATE INDEX conversations_started ON conversations (workspace_id, first_visitor_at) WHERE first_visitor_at IS NOT NULL;
