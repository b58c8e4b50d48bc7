-- A widget's welcome lists its visitor's conversations (workspace_id and
-- visitor_id given). With (visitor_id, status) and (workspace_id, status)
-- both matching one column, SQLite chose the workspace's index and read
-- every conversation of the workspace, then sorted them, on every hello.
-- Matching two columns, this index is the one chosen: a handful of rows.
-- Neither column changes when a message is stored, so appends do not
-- write it.
DROP INDEX conversations_visitor;
CREATE INDEX conversations_visitor ON conversations (visitor_id, workspace_id, status);
