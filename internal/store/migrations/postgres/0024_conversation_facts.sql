-- What analytics read of a conversation (issue 16), kept on its row as
-- each message is stored, in the statement that stores it: when an agent
-- first answered the visitor (the first public text or file of an agent;
-- a "picked up" event is not an answer) and who, and how many texts and
-- files each side wrote. Existing conversations are filled in from their
-- messages, once, here.
ALTER TABLE conversations ADD COLUMN first_response_at BIGINT;
ALTER TABLE conversations ADD COLUMN first_responder_id TEXT;
ALTER TABLE conversations ADD COLUMN agent_messages INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN visitor_messages INTEGER NOT NULL DEFAULT 0;
UPDATE conversations SET
    first_response_at = (SELECT m.created_at FROM messages m WHERE m.conversation_id = conversations.id
        AND m.author_type = 'agent' AND m.private = FALSE AND m.kind IN ('text', 'file') ORDER BY m.seq LIMIT 1),
    first_responder_id = (SELECT m.author_id FROM messages m WHERE m.conversation_id = conversations.id
        AND m.author_type = 'agent' AND m.private = FALSE AND m.kind IN ('text', 'file') ORDER BY m.seq LIMIT 1),
    agent_messages = (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = conversations.id
        AND m.author_type = 'agent' AND m.private = FALSE AND m.kind IN ('text', 'file')),
    visitor_messages = (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = conversations.id
        AND m.author_type = 'visitor' AND m.kind IN ('text', 'file'))
WHERE last_seq > 0;
