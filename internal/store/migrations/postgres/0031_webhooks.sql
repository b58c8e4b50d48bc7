-- Webhooks (issue 18): a workspace's endpoints, the events for them (an
-- outbox written in the transaction of the change it reports) and each
-- endpoint's delivery of each event.
--
-- events is space-separated event types. secret signs every delivery.
-- An endpoint that only failed for a day is disabled by itself
-- (failing_since is the first failure since its last success).
CREATE TABLE webhook_endpoints (
    id              TEXT PRIMARY KEY,
    workspace_id    TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    url             TEXT NOT NULL,
    description     TEXT NOT NULL,
    events          TEXT NOT NULL,
    secret          TEXT NOT NULL,
    enabled         BOOLEAN NOT NULL,
    disabled_reason TEXT NOT NULL DEFAULT '',
    failing_since   BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX webhook_endpoints_workspace ON webhook_endpoints (workspace_id, created_at);
-- The runner disables the endpoints failing for a day (DisableFailingWebhooks).
CREATE INDEX webhook_endpoints_failing ON webhook_endpoints (failing_since) WHERE failing_since IS NOT NULL;

-- pos orders events as they were committed: the rows of one subject (a
-- conversation, ticket or contact) are written under that subject's row
-- lock, so their order is the subject's. payload is the event's data
-- when it was written; a message.created keeps only its message's
-- client_msg_id in ref (with the conversation, the subject, its key) and
-- is read when delivered (messages do not change).
CREATE TABLE webhook_events (
    pos          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    type         TEXT NOT NULL,
    subject      TEXT NOT NULL,
    ref          TEXT NOT NULL,
    payload      TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX webhook_events_created ON webhook_events (created_at);
-- An erased contact's events go with it (EraseContact).
CREATE INDEX webhook_events_subject ON webhook_events (workspace_id, subject);

-- One endpoint's delivery of one event. state: queued (next_attempt_at
-- is due, or the lease of the node sending it), delivered, failed (given
-- up at deadline), skipped (its message was erased before it went).
-- subject and pos are the event's, so that the oldest queued delivery of
-- a subject is found from this table's index alone.
CREATE TABLE webhook_deliveries (
    endpoint_id      TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    pos              BIGINT NOT NULL REFERENCES webhook_events(pos) ON DELETE CASCADE,
    workspace_id     TEXT NOT NULL,
    subject          TEXT NOT NULL,
    state            TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    deadline         BIGINT NOT NULL,
    last_status      INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT NOT NULL DEFAULT '',
    last_duration_ms INTEGER NOT NULL DEFAULT 0,
    last_attempt_at  BIGINT,
    delivered_at     BIGINT,
    PRIMARY KEY (endpoint_id, pos)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'queued';
CREATE INDEX webhook_deliveries_order ON webhook_deliveries (endpoint_id, subject, pos) WHERE state = 'queued';
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (pos);
