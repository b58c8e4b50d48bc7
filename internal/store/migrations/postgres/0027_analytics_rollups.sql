-- Analytics rollups (issue 16): what a period's request reads instead of
-- its conversations for every whole UTC day the timer runner has rolled.
-- Each row belongs to one "dim": '' for the whole workspace, or one filter
-- ('s' and a site's id, 'd' a department's, 'a' an agent's), so a request
-- with no filter or one reads only its own rows.
--
-- Chats by 15-minute slot: started in it (with how many of those were
-- answered, missed, and from returning visitors), and closed in it; and
-- tickets made, accepted and closed in it.
CREATE TABLE analytics_slots (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    dim TEXT NOT NULL,
    slot BIGINT NOT NULL,
    started BIGINT NOT NULL DEFAULT 0,
    answered BIGINT NOT NULL DEFAULT 0,
    missed BIGINT NOT NULL DEFAULT 0,
    closed BIGINT NOT NULL DEFAULT 0,
    returning_chats BIGINT NOT NULL DEFAULT 0,
    made_tickets BIGINT NOT NULL DEFAULT 0,
    accepted_tickets BIGINT NOT NULL DEFAULT 0,
    closed_tickets BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace_id, dim, slot)
);
-- A day rolled again replaces its rows of every dim.
CREATE INDEX analytics_slots_by_slot ON analytics_slots (workspace_id, slot);
-- By UTC day (grain 1, day = days since 1970-01-01) and by aligned blocks
-- of 8 and 64 days made from them, so a year is read in a few dozen rows
-- per agent and duration: kind 'c' counts an agent's chats (n) and the
-- agents' messages in them; 'f' first answers, 'r' resolutions and 't'
-- the tickets' waits to be accepted, by
-- duration (seconds, counted as store.DurationBucket says) and, for first
-- answers, by who gave them.
CREATE TABLE analytics_days (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    dim TEXT NOT NULL,
    grain BIGINT NOT NULL,
    day BIGINT NOT NULL,
    kind TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    seconds BIGINT NOT NULL,
    n BIGINT NOT NULL,
    messages BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, dim, kind, grain, day, agent_id, seconds)
);
-- (n and messages too: a day read to be rolled again is read from the
-- index alone, which the planner then always prefers to the key.)
CREATE INDEX analytics_days_by_day ON analytics_days (workspace_id, grain, day, n, messages);
-- How far a workspace is rolled: every UTC day before through_day is in
-- the rollups, and the chats that closed from checked_at on are yet to be
-- looked at. A node rolling the workspace holds it until leased_until.
CREATE TABLE analytics_rolled (
    workspace_id TEXT PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
    through_day BIGINT NOT NULL,
    checked_at BIGINT NOT NULL,
    leased_until BIGINT NOT NULL DEFAULT 0
);
-- Rolled days to roll again, for the changes the runner cannot find by
-- itself (a closed chat reopened loses its end, a deletion, a move). A
-- mark is a plain row, never a unique one: marking takes no lock another
-- transaction could hold, so the changes that mark never wait for each
-- other on it. The runner deletes the marks it rolled, by id.
CREATE TABLE analytics_dirty (
    id BIGSERIAL PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    day BIGINT NOT NULL
);
CREATE INDEX analytics_dirty_days ON analytics_dirty (workspace_id, day);
