-- WhatsApp (issue 19). A site is a place customers reach the workspace:
-- a website with the widget ('web') or a WhatsApp number ('whatsapp').
-- A number is a site so that its business hours, default department,
-- out-of-hours texts, routing and analytics are a site's, unchanged.
ALTER TABLE sites ADD COLUMN channel TEXT NOT NULL DEFAULT 'web';

-- A number's Cloud API credentials (one per WhatsApp site). The access
-- token, app secret and verify token are write-only: no answer shows
-- them again. status: connected, or token_invalid when the Graph API
-- refused the token (code 190) until an admin replaces it.
CREATE TABLE whatsapp_channels (
    site_id              TEXT PRIMARY KEY REFERENCES sites(id) ON DELETE CASCADE,
    workspace_id         TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    phone_number_id      TEXT NOT NULL UNIQUE,
    business_account_id  TEXT NOT NULL,
    display_phone_number TEXT NOT NULL,
    access_token         TEXT NOT NULL,
    app_secret           TEXT NOT NULL,
    verify_token         TEXT NOT NULL,
    status               TEXT NOT NULL,
    last_error           TEXT NOT NULL,
    templates_synced_at  BIGINT,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL
);
CREATE INDEX whatsapp_channels_workspace ON whatsapp_channels (workspace_id);

-- A WhatsApp user of a number, and the visitor that stands for them.
-- wa_user is WhatsApp's user_id when it sent one, else the phone (wa_id).
-- last_inbound_at opens the 24-hour window: free text may be sent until
-- 24 h after it.
CREATE TABLE whatsapp_users (
    site_id         TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    wa_user         TEXT NOT NULL,
    workspace_id    TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    visitor_id      TEXT NOT NULL UNIQUE REFERENCES visitors(id) ON DELETE CASCADE,
    phone           TEXT NOT NULL,
    last_inbound_at BIGINT NOT NULL,
    PRIMARY KEY (site_id, wa_user)
);

-- The outbound cursor of a WhatsApp conversation: its messages after
-- sent_seq that the customer should see are still to be sent, in seq
-- order. The message log is the queue, so storing an agent's reply writes
-- nothing more. next_attempt_at is when the runner may take it (a claim
-- moves it forward by a lease); attempts and first_failed_at are the
-- current retry run.
CREATE TABLE whatsapp_threads (
    conversation_id TEXT PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
    workspace_id    TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    site_id         TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    sent_seq        BIGINT NOT NULL,
    attempts        INTEGER NOT NULL,
    first_failed_at BIGINT,
    next_attempt_at BIGINT NOT NULL,
    last_error      TEXT NOT NULL
);
CREATE INDEX whatsapp_threads_due ON whatsapp_threads (next_attempt_at);

-- WhatsApp's message ids (wamid) of a number, both ways: an inbound one
-- seen before is not stored twice (WhatsApp retries webhooks for days);
-- an outbound one carries the delivery state WhatsApp reports. A message
-- refused before it had an id is keyed 'local:<conversation>:<seq>'.
CREATE TABLE whatsapp_messages (
    site_id         TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    wamid           TEXT NOT NULL,
    workspace_id    TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    seq             BIGINT NOT NULL,
    outbound        BOOLEAN NOT NULL,
    status          TEXT NOT NULL,
    error_code      INTEGER NOT NULL,
    error           TEXT NOT NULL,
    updated_at      BIGINT NOT NULL,
    PRIMARY KEY (site_id, wamid)
);
CREATE INDEX whatsapp_messages_conversation ON whatsapp_messages (conversation_id, seq);

-- A number's message templates as last synced from its business account
-- (only APPROVED ones may be sent). params: the body's variables' names
-- in order ("1", "2" … or named ones), examples: WhatsApp's sample
-- values. unsupported says why one cannot be sent from the desk (a media
-- header, variables in its header or buttons); '' when it can.
CREATE TABLE whatsapp_templates (
    site_id          TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    id               TEXT NOT NULL,
    workspace_id     TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    language         TEXT NOT NULL,
    category         TEXT NOT NULL,
    status           TEXT NOT NULL,
    parameter_format TEXT NOT NULL,
    header           TEXT NOT NULL,
    body             TEXT NOT NULL,
    footer           TEXT NOT NULL,
    params           TEXT NOT NULL,
    examples         TEXT NOT NULL,
    unsupported      TEXT NOT NULL,
    synced_at        BIGINT NOT NULL,
    PRIMARY KEY (site_id, id)
);
