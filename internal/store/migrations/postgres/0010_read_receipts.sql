-- Seen states both ways: how far the visitor has had the conversation on
-- screen, and how far any agent has (the most advanced agent's marker).
ALTER TABLE conversations ADD COLUMN visitor_read_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN agent_read_seq BIGINT NOT NULL DEFAULT 0;
