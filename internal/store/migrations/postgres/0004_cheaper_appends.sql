-- Messages are read and written only by conversation: a page of history
-- by seq, an idempotency lookup by client_msg_id. Nothing looks a message
-- up by id, so the id index goes (one index fewer to update per append)
-- and (conversation_id, seq) becomes the primary key. Ids stay unique:
-- they are fresh UUIDv7s. (SQLite's 0004 also clusters the table on it.)
ALTER TABLE messages DROP CONSTRAINT messages_pkey;
ALTER TABLE messages DROP CONSTRAINT messages_conversation_id_seq_key;
ALTER TABLE messages ADD CONSTRAINT messages_pkey PRIMARY KEY (conversation_id, seq);

-- Every message moved its conversation's entry in an index ordered by
-- last_activity_at: one more scattered page write per append. Open
-- conversations are few per workspace and lists of them sort in memory;
-- closed ones, which can be many, keep an ordered index, and a closed
-- conversation takes no messages, so appends never touch it.
DROP INDEX conversations_workspace_status;
CREATE INDEX conversations_workspace_status ON conversations (workspace_id, status);
CREATE INDEX conversations_closed_recent ON conversations (workspace_id, status, last_activity_at, id) WHERE status = 'closed';
