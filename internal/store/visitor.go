package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// Visitor is one browser on one site, known by a server-issued token.
type Visitor struct {
	ID                string         `json:"id"`
	WorkspaceID       string         `json:"workspace_id"`
	SiteID            string         `json:"site_id"`
	ContactID         string         `json:"contact_id,omitempty"`
	Name              string         `json:"name,omitempty"`
	Email             string         `json:"email,omitempty"`
	PageURL           string         `json:"page_url"`
	PageTitle         string         `json:"page_title"`
	Referrer          string         `json:"referrer"`
	PagesSeen         int            `json:"pages_seen"`
	IP                string         `json:"ip,omitempty"` // the address it last connected from
	Online            bool           `json:"online"`
	Context           map[string]any `json:"context"`
	SessionStart      time.Time      `json:"session_start"`
	LastSeenAt        time.Time      `json:"last_seen_at"`
	PresenceExpiresAt time.Time      `json:"-"`
	CreatedAt         time.Time      `json:"created_at"`
}

// PageView is one page a visitor opened.
type PageView struct {
	URL      string    `json:"url"`
	Title    string    `json:"title"`
	Referrer string    `json:"referrer"`
	ViewedAt time.Time `json:"viewed_at"`
}

const visitorColumns = `id, workspace_id, site_id, COALESCE(contact_id, ''), name, email, page_url, page_title, referrer,
	pages_seen, online, context, session_start, last_seen_at, presence_expires_at, created_at, ip`

func scanVisitor(sc scanner) (Visitor, error) {
	var (
		v                         Visitor
		ctxJSON                   string
		start, seen, expires, cre int64
	)
	if err := sc.Scan(&v.ID, &v.WorkspaceID, &v.SiteID, &v.ContactID, &v.Name, &v.Email, &v.PageURL, &v.PageTitle,
		&v.Referrer, &v.PagesSeen, &v.Online, &ctxJSON, &start, &seen, &expires, &cre, &v.IP); err != nil {
		return Visitor{}, err
	}
	if err := json.Unmarshal([]byte(ctxJSON), &v.Context); err != nil {
		return Visitor{}, fmt.Errorf("visitor %s context: %w", v.ID, err)
	}
	v.SessionStart, v.LastSeenAt, v.PresenceExpiresAt, v.CreatedAt = fromMillis(start), fromMillis(seen), fromMillis(expires), fromMillis(cre)
	return v, nil
}

// CreateVisitor stores a new visitor of a site with the hash of its token.
func (s *Store) CreateVisitor(ctx context.Context, workspaceID, siteID, tokenHash string, now time.Time) (Visitor, error) {
	id := NewID()
	err := s.inTx(ctx, "store: create visitor", func(tx *sql.Tx) error {
		if err := ownedBy(ctx, tx, "sites", workspaceID, siteID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO visitors (id, workspace_id, site_id, token_hash, session_start, last_seen_at, created_at)
			VALUES ($1, $2, $3, $4, $5, $5, $5)`, id, workspaceID, siteID, tokenHash, millis(now))
		return mapErr("store: create visitor", err)
	})
	if err != nil {
		return Visitor{}, err
	}
	return s.GetVisitor(ctx, workspaceID, id)
}

// VisitorByToken finds a site's visitor by token hash: the widget's entry
// point. A token of another site finds nothing.
func (s *Store) VisitorByToken(ctx context.Context, siteID, tokenHash string) (Visitor, error) {
	v, err := scanVisitor(s.readRow(ctx, qVisitorByToken, siteID, tokenHash))
	return v, mapErr("store: visitor by token", err)
}

// GetVisitor reads one visitor of a workspace.
func (s *Store) GetVisitor(ctx context.Context, workspaceID, id string) (Visitor, error) {
	v, err := scanVisitor(s.readRow(ctx, qGetVisitor, workspaceID, id))
	return v, mapErr("store: get visitor", err)
}

// Presence is the outcome of a heartbeat.
type Presence struct {
	Visitor     Visitor
	CameOnline  bool // it was offline (or new) before this heartbeat
	PageChanged bool // the page differs from the last one seen
}

// TouchVisitor records a heartbeat: the visitor is online until expires,
// and a new page (url differs from the current one) is counted and logged,
// keeping only the latest keepPages page views of the visitor (0: all).
// A new visit after presence expired restarts the session clock.
// Heartbeats are group-committed (see toucher): thousands of idle widgets
// heartbeat every few seconds in all.
func (s *Store) TouchVisitor(ctx context.Context, workspaceID, id string, page PageView, now, expires time.Time, keepPages int) (Presence, error) {
	return submit(ctx, &s.toucher.committers, "store: touch visitor", touch{workspaceID: workspaceID, id: id, page: page, now: now, expires: expires, keepPages: keepPages})
}

// touch is one TouchVisitor call.
type touch struct {
	workspaceID, id string
	page            PageView
	now, expires    time.Time
	keepPages       int
}

// touchOne is TouchVisitor in tx (p: the prepared hot statements, or
// nil). On PostgreSQL (lock) the visitor's row is locked as it is read:
// two heartbeats of one visitor in concurrent batches would otherwise
// both count the same page view, or lose one.
func touchOne(ctx context.Context, tx *sql.Tx, p *[nQueries]*sql.Stmt, lock bool, t touch) (Presence, error) {
	var pr Presence
	row := func() *sql.Row {
		if lock {
			return tx.QueryRowContext(ctx, hotQueries[qGetVisitor]+` FOR NO KEY UPDATE`, t.workspaceID, t.id)
		}
		return txRow(ctx, tx, p, qGetVisitor, t.workspaceID, t.id)
	}
	v, err := scanVisitor(row())
	if err != nil {
		return Presence{}, mapErr("store: touch visitor", err)
	}
	pr.CameOnline = !v.Online
	pr.PageChanged = !v.OnPage(t.page)
	start := v.SessionStart
	if pr.CameOnline {
		start = t.now
	}
	if pr.PageChanged {
		v.PageURL, v.PageTitle, v.Referrer = t.page.URL, t.page.Title, t.page.Referrer
		v.PagesSeen++
		if _, err := tx.ExecContext(ctx, `INSERT INTO page_views (id, workspace_id, visitor_id, url, title, referrer, viewed_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, NewID(), t.workspaceID, t.id, t.page.URL, t.page.Title, t.page.Referrer, millis(t.now)); err != nil {
			return Presence{}, mapErr("store: page view", err)
		}
		if t.keepPages > 0 && v.PagesSeen > t.keepPages {
			// Page views are kept to the latest keepPages: a visitor who
			// never stops browsing (or a script posing as one) cannot
			// grow the table without bound.
			if _, err := tx.ExecContext(ctx, `DELETE FROM page_views WHERE visitor_id = $1 AND id NOT IN (
				SELECT id FROM page_views WHERE visitor_id = $1 ORDER BY viewed_at DESC, id DESC LIMIT $2)`, t.id, t.keepPages); err != nil {
				return Presence{}, mapErr("store: trim page views", err)
			}
		}
	}
	_, err = txExec(ctx, tx, p, qTouchVisitor, t.workspaceID, t.id, true, millis(t.now), millis(t.expires), millis(start),
		v.PageURL, v.PageTitle, v.Referrer, v.PagesSeen)
	if err != nil {
		return Presence{}, mapErr("store: touch visitor", err)
	}
	v.Online, v.LastSeenAt, v.PresenceExpiresAt, v.SessionStart = true, t.now, t.expires, start
	pr.Visitor = v
	return pr, nil
}

// OnPage tells whether a heartbeat's page is the visitor's current page
// (a heartbeat without a URL says nothing new), so no new page view.
func (v Visitor) OnPage(page PageView) bool {
	return page.URL == "" || (page.URL == v.PageURL && page.Title == v.PageTitle)
}

// ExpirePresence marks offline up to limit visitors whose presence expired
// before now and returns them. Each expiry is claimed by exactly one
// caller, on one node or many.
func (s *Store) ExpirePresence(ctx context.Context, now time.Time, limit int) ([]Visitor, error) {
	lock := ""
	if s.dialect == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	rows, err := s.write.QueryContext(ctx, `UPDATE visitors SET online = $1 WHERE id IN (
		SELECT id FROM visitors WHERE online = $2 AND presence_expires_at < $3 ORDER BY presence_expires_at LIMIT $4`+lock+`)
		AND online = $2 RETURNING `+visitorColumns, false, true, millis(now), limit)
	return collect(rows, err, "store: expire presence", scanVisitor)
}

// ListOnlineVisitors lists a workspace's online visitors, most recent first.
func (s *Store) ListOnlineVisitors(ctx context.Context, workspaceID string, limit int) ([]Visitor, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+visitorColumns+` FROM visitors WHERE workspace_id = $1 AND online = $2
		ORDER BY last_seen_at DESC, id LIMIT $3`, workspaceID, true, limit)
	return collect(rows, err, "store: list online visitors", scanVisitor)
}

// ListPageViews lists a visitor's latest page views, newest first.
func (s *Store) ListPageViews(ctx context.Context, workspaceID, visitorID string, limit int) ([]PageView, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT url, title, referrer, viewed_at FROM page_views
		WHERE workspace_id = $1 AND visitor_id = $2 ORDER BY viewed_at DESC, id DESC LIMIT $3`, workspaceID, visitorID, limit)
	return collect(rows, err, "store: list page views", func(sc scanner) (PageView, error) {
		var (
			p  PageView
			at int64
		)
		err := sc.Scan(&p.URL, &p.Title, &p.Referrer, &at)
		p.ViewedAt = fromMillis(at)
		return p, err
	})
}

// SetVisitorIdentity stores who the visitor says (or proved) it is;
// contactID is set only for a verified identity.
func (s *Store) SetVisitorIdentity(ctx context.Context, workspaceID, id, name, email, contactID string) (Visitor, error) {
	err := s.inTx(ctx, "store: set visitor identity", func(tx *sql.Tx) error {
		if err := ownedBy(ctx, tx, "contacts", workspaceID, contactID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE visitors SET name = $3, email = $4, contact_id = $5 WHERE workspace_id = $1 AND id = $2`,
			workspaceID, id, name, email, nullString(contactID))
		if err := mustAffect("store: set visitor identity", res, err); err != nil {
			return err
		}
		if contactID != "" {
			_, err = tx.ExecContext(ctx, `UPDATE conversations SET contact_id = $3 WHERE workspace_id = $1 AND visitor_id = $2 AND contact_id IS NULL`,
				workspaceID, id, contactID)
			if err != nil {
				return mapErr("store: link conversations", err)
			}
			// The contact's chats may have become returning visitors' ones.
			return markRolledChats(ctx, tx, workspaceID, "contact_id = $2", contactID)
		}
		return nil
	})
	if err != nil {
		return Visitor{}, err
	}
	return s.GetVisitor(ctx, workspaceID, id)
}

// SetVisitorContext replaces the visitor's context data and copies it onto
// the visitor's open conversation, if any.
func (s *Store) SetVisitorContext(ctx context.Context, workspaceID, id string, data map[string]any, now time.Time) error {
	b, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("store: encode context: %w", err)
	}
	return s.inTx(ctx, "store: set visitor context", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE visitors SET context = $3 WHERE workspace_id = $1 AND id = $2`, workspaceID, id, string(b))
		if err := mustAffect("store: set visitor context", res, err); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE conversations SET context = $3, updated_at = $4
			WHERE workspace_id = $1 AND visitor_id = $2 AND status <> 'closed'`, workspaceID, id, string(b), millis(now))
		return mapErr("store: set conversation context", err)
	})
}

// SetVisitorIP records the address a visitor connected from (for blocks by
// address); it writes only when the address changed. Calls are
// group-committed (see addresser).
func (s *Store) SetVisitorIP(ctx context.Context, workspaceID, id, ip string) error {
	_, err := submit(ctx, &s.addresser.committers, "store: set visitor ip", address{workspaceID: workspaceID, id: id, ip: ip})
	return err
}

// DeleteIdleVisitors deletes up to limit anonymous visitors (no contact,
// or only a contact of claims) who are offline, were last seen before cutoff, never started a
// conversation and are no ticket's, with their page views; it returns how many. It is a sweep
// over every workspace (the retention job): deleting the same rows twice
// is harmless, so two nodes may run it at once.
func (s *Store) DeleteIdleVisitors(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	res, err := s.write.ExecContext(ctx, `DELETE FROM visitors WHERE id IN (
		SELECT v.id FROM visitors v WHERE (v.contact_id IS NULL
			OR EXISTS (SELECT 1 FROM contacts k WHERE k.id = v.contact_id AND k.claimed = $4))
		AND v.online = $1 AND v.last_seen_at < $2
		AND NOT EXISTS (SELECT 1 FROM conversations c WHERE c.visitor_id = v.id)
		AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.visitor_id = v.id) LIMIT $3)`, false, millis(cutoff), limit, true)
	if err != nil {
		return 0, mapErr("store: delete idle visitors", err)
	}
	n, err := res.RowsAffected()
	return int(n), mapErr("store: delete idle visitors", err)
}
