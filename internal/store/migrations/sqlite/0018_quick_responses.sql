-- Quick responses (issue 14): ready answers an agent picks with "/" in the
-- composer. Personal (owner_agent_id set), shared with a department
-- (department_id set) or with the whole workspace (neither). uses counts
-- how often one was picked.
CREATE TABLE quick_responses (
    id             TEXT PRIMARY KEY,
    workspace_id   TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    owner_agent_id TEXT REFERENCES agents(id) ON DELETE CASCADE,
    department_id  TEXT REFERENCES departments(id) ON DELETE CASCADE,
    title          TEXT NOT NULL,
    shortcut       TEXT NOT NULL,
    body           TEXT NOT NULL,
    uses           INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX quick_responses_workspace ON quick_responses (workspace_id, shortcut);
