-- Operators' time online, busy and offline (issue 16): each change of an
-- agent's state as analytics count it, written with the change. An agent
-- away (every desk gone for the grace period) or disabled is offline,
-- whatever status it chose. Filled in with every agent's state now, from
-- when its status last changed.
CREATE TABLE agent_states (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    at INTEGER NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (agent_id, at)
);
CREATE INDEX agent_states_by_time ON agent_states (workspace_id, at);
INSERT INTO agent_states (workspace_id, agent_id, at, state)
SELECT workspace_id, id, status_changed_at, CASE WHEN disabled OR away OR status = 'offline' THEN 'offline' ELSE status END FROM agents;
-- Tickets by when they were made, accepted and closed, with what the
-- analytics of a period filter by in them: a year of tickets is read from
-- these alone (duplicates merged into another are not counted).
CREATE INDEX tickets_created ON tickets (workspace_id, created_at, accepted_at, site_id, department_id, assignee_id, merged_into)
    WHERE merged_into IS NULL;
CREATE INDEX tickets_accepted ON tickets (workspace_id, accepted_at, site_id, department_id, assignee_id, merged_into)
    WHERE accepted_at IS NOT NULL AND merged_into IS NULL;
CREATE INDEX tickets_ended ON tickets (workspace_id, closed_at, site_id, department_id, assignee_id, status, merged_into)
    WHERE status = 'closed' AND merged_into IS NULL;
-- The analytics runner finds the tickets changed since its last pass by
-- this (tickets are not on the live path: the index costs it nothing).
CREATE INDEX tickets_updated ON tickets (workspace_id, updated_at);
-- A ticket's duplicates (when it is deleted, they are freed and count
-- again) and its visitor (the idle-visitor sweep keeps a ticket's).
CREATE INDEX tickets_merged ON tickets (merged_into) WHERE merged_into IS NOT NULL;
CREATE INDEX tickets_visitor ON tickets (visitor_id);
-- Ratings by day (satisfaction over time) are counted from this index
-- alone: with the rating in it, a year of ratings is one range of it.
DROP INDEX conversations_rated;
CREATE INDEX conversations_rated ON conversations (workspace_id, rated_at, rating) WHERE rated_at IS NOT NULL;
