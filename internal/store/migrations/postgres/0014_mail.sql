-- E-mail for tickets (issue 12): a workspace's SMTP settings, and the
-- outbox an agent's answer to a ticket goes through. One row per answer
-- (message_id is unique), so a reply is never queued twice; a row is
-- claimed with a lease before it is sent, so two nodes never send it at
-- once. An answer waits a little before it is sent: more answers of the
-- same burst join it (seq is the latest), and one the visitor has read in
-- the widget by then is not mailed at all.
CREATE TABLE mail_settings (
    workspace_id TEXT PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
    host         TEXT NOT NULL,
    port         BIGINT NOT NULL,
    security     TEXT NOT NULL,
    username     TEXT NOT NULL DEFAULT '',
    password     TEXT NOT NULL DEFAULT '',
    from_address TEXT NOT NULL,
    from_name    TEXT NOT NULL DEFAULT '',
    updated_at   BIGINT NOT NULL
);

CREATE TABLE mail_outbox (
    id              TEXT PRIMARY KEY,
    workspace_id    TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    ticket_id       TEXT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    message_id      TEXT NOT NULL UNIQUE,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    seq             BIGINT NOT NULL,
    to_address      TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    state           TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT
);
CREATE INDEX mail_outbox_due ON mail_outbox (state, next_attempt_at);
CREATE INDEX mail_outbox_ticket ON mail_outbox (ticket_id, created_at);
