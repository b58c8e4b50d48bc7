-- When the visitor last wrote (issue 11): the desk's "New customer
-- activity" sort, which must agree after a reload. last_activity_at is
-- moved by agents' messages and system events too. NULL: the visitor
-- never wrote. Older conversations take their first visitor message's
-- time, the best the rows know.
ALTER TABLE conversations ADD COLUMN last_visitor_at INTEGER;
UPDATE conversations SET last_visitor_at = first_visitor_at WHERE first_visitor_at IS NOT NULL;
