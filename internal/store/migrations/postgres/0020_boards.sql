-- Ticket boards (issue 15): boards are views of the one ticket entity by
-- column, as the queues are views by assignment. A column maps to a
-- stage, the ticket's place in its life: new, in_progress, waiting,
-- resolved, closed. A ticket's status (open or closed, what the queues
-- read) follows its stage: closed is the closed stage, open any other.
-- A ticket is placed on a board (board_id, column_id, rank: the order in
-- its column, a number between its neighbours') once an agent moves it;
-- until then it shows on the workspace's first board, in the first
-- column of its stage.
CREATE TABLE boards (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    position     BIGINT NOT NULL,
    archived_at  BIGINT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX boards_workspace ON boards (workspace_id, position);

CREATE TABLE board_columns (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    board_id     TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    stage        TEXT NOT NULL,
    position     BIGINT NOT NULL,
    archived_at  BIGINT,
    created_at   BIGINT NOT NULL
);
CREATE INDEX board_columns_board ON board_columns (board_id, position);

ALTER TABLE tickets ADD COLUMN stage TEXT NOT NULL DEFAULT 'new';
ALTER TABLE tickets ADD COLUMN board_id TEXT REFERENCES boards(id) ON DELETE SET NULL;
ALTER TABLE tickets ADD COLUMN column_id TEXT REFERENCES board_columns(id) ON DELETE SET NULL;
ALTER TABLE tickets ADD COLUMN rank DOUBLE PRECISION;
UPDATE tickets SET stage = 'closed' WHERE status = 'closed';
UPDATE tickets SET stage = 'in_progress' WHERE status = 'open' AND assignee_id IS NOT NULL;
CREATE INDEX tickets_board ON tickets (board_id, column_id, rank);
CREATE INDEX tickets_column ON tickets (column_id, rank);
CREATE INDEX tickets_stage ON tickets (workspace_id, stage, created_at);

-- What happened to a ticket, for its history: who made it from a chat,
-- moved or edited it (detail holds the action's data).
CREATE TABLE ticket_events (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    ticket_id    TEXT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    actor_id     TEXT NOT NULL,
    actor_name   TEXT NOT NULL,
    action       TEXT NOT NULL,
    detail       TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, created_at);
