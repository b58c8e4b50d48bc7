-- A disabled agent keeps its history and name but cannot sign in, has no
-- sessions, and is offered no chats; an admin can enable it again.
ALTER TABLE agents ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT false;
