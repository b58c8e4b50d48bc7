-- A department's own business hours (issue 12): NULL follows its sites'
-- hours; a JSON object of the sites' shape (time zone, weekly spans,
-- closed days) narrows them, so the department's chats are served only
-- when both the site and the department are open.
ALTER TABLE departments ADD COLUMN business_hours TEXT;
