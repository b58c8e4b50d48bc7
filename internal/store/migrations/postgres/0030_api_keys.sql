-- API keys (issue 18): let a workspace's own systems call the REST API.
-- Only a hash of the token is kept (the token is shown once); prefix is
-- its first characters, to tell keys apart in a list. A key acts with
-- the rights of the agent who made it, narrowed to its scopes
-- (space-separated "contacts:read", "tickets:write", ...). A revoked key
-- stays listed; it authenticates nothing.
CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    agent_id     TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    scopes       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX api_keys_workspace ON api_keys (workspace_id, created_at);

-- Idempotency keys (issue 18): a create retried with the same
-- Idempotency-Key header gets the first answer again and creates nothing
-- twice. owner is whose key it is (an API key or an agent's session);
-- request is a hash of the method, path and body (the same key with
-- another request is refused); status 0 marks one still running. Kept a
-- day.
CREATE TABLE idempotency_keys (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    owner        TEXT NOT NULL,
    idem_key     TEXT NOT NULL,
    request      TEXT NOT NULL,
    status       INTEGER NOT NULL,
    body         TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, owner, idem_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
