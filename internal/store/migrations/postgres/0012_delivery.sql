-- Delivered states both ways: how far a device of the visitor, and a desk
-- of the assigned agent, has received the conversation (not necessarily
-- shown it: that is the read marker, which carries delivery with it).
ALTER TABLE conversations ADD COLUMN visitor_delivered_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN agent_delivered_seq BIGINT NOT NULL DEFAULT 0;
