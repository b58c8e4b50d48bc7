-- Presence that follows the agent: an agent whose desks have all been gone
-- for the grace period is away (offered no chats, open ones requeued)
-- while keeping the status it chose, which applies again when a desk
-- returns. desk_seen_at is when one of its desks was last connected.
ALTER TABLE agents ADD COLUMN away INTEGER NOT NULL DEFAULT 0;
ALTER TABLE agents ADD COLUMN desk_seen_at INTEGER;
