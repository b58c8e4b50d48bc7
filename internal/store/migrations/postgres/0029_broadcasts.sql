-- Per-user permissions (issue 17): what owners and admins grant an agent
-- beyond its role, as space-separated permission names (auth.Grantable).
ALTER TABLE agents ADD COLUMN grants TEXT NOT NULL DEFAULT '';

-- Broadcasts (issue 17): announcements through the widget, a banner or a
-- chat message, to an audience (JSON: sites, page rules, new or returning,
-- identified or anonymous, contact fields, languages), shown at a
-- frequency, with a status; the timer runner moves a scheduled one to
-- active at starts_at and an active one to ended at ends_at.
CREATE TABLE broadcasts (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    placement    TEXT NOT NULL,
    body         TEXT NOT NULL,
    button_label TEXT NOT NULL,
    button_url   TEXT NOT NULL,
    sender_id    TEXT REFERENCES agents(id) ON DELETE SET NULL,
    audience     TEXT NOT NULL,
    frequency    TEXT NOT NULL,
    status       TEXT NOT NULL,
    starts_at    BIGINT,
    ends_at      BIGINT,
    created_by   TEXT REFERENCES agents(id) ON DELETE SET NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX broadcasts_workspace ON broadcasts (workspace_id, created_at);
-- The timer's due broadcasts: few rows (scheduled or active ones).
CREATE INDEX broadcasts_live ON broadcasts (status, starts_at, ends_at) WHERE status IN ('scheduled', 'active');

-- What each visitor was shown of a broadcast: the page view, session and
-- day of its last showing (the frequency rules compare them), how many
-- times it was delivered (claims) and seen (shows, never more than
-- claims), and when it was dismissed, clicked and replied to. One row per
-- visitor: two tabs or a reconnect never make a second showing.
CREATE TABLE broadcast_views (
    broadcast_id    TEXT NOT NULL REFERENCES broadcasts(id) ON DELETE CASCADE,
    visitor_id      TEXT NOT NULL REFERENCES visitors(id) ON DELETE CASCADE,
    workspace_id    TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    page_view       TEXT NOT NULL,
    session         BIGINT NOT NULL,
    day             TEXT NOT NULL,
    claims          BIGINT NOT NULL,
    shows           BIGINT NOT NULL,
    first_at        BIGINT NOT NULL,
    last_at         BIGINT NOT NULL,
    dismissed_at    BIGINT,
    clicked_at      BIGINT,
    replied_at      BIGINT,
    conversation_id TEXT,
    PRIMARY KEY (broadcast_id, visitor_id)
);
CREATE INDEX broadcast_views_visitor ON broadcast_views (visitor_id);

-- A broadcast's counts by 15-minute slot, written with each change of a
-- view. part spreads one broadcast's hot slot over 8 rows, so that
-- thousands of visitors claiming it at once do not queue on one row lock
-- (PostgreSQL); readers sum the parts.
CREATE TABLE broadcast_stats (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    broadcast_id TEXT NOT NULL REFERENCES broadcasts(id) ON DELETE CASCADE,
    slot         BIGINT NOT NULL,
    part         INTEGER NOT NULL,
    reached      BIGINT NOT NULL DEFAULT 0,
    shown        BIGINT NOT NULL DEFAULT 0,
    dismissed    BIGINT NOT NULL DEFAULT 0,
    clicked      BIGINT NOT NULL DEFAULT 0,
    replied      BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (broadcast_id, slot, part)
);
CREATE INDEX broadcast_stats_by_slot ON broadcast_stats (workspace_id, slot);
