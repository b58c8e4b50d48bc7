-- A ticket made on a board or through the API has no chat yet (issue 15):
-- its site, visitor and conversation are known only once a chat is linked.
ALTER TABLE tickets ALTER COLUMN site_id DROP NOT NULL;
ALTER TABLE tickets ALTER COLUMN visitor_id DROP NOT NULL;
ALTER TABLE tickets ALTER COLUMN conversation_id DROP NOT NULL;
