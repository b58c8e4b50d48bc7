package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Broadcast statuses, kinds, placements and frequencies.
const (
	BroadcastDraft     = "draft"
	BroadcastScheduled = "scheduled"
	BroadcastActive    = "active"
	BroadcastPaused    = "paused"
	BroadcastEnded     = "ended"

	BroadcastBanner  = "banner"
	BroadcastMessage = "message"

	PlaceTop    = "top"
	PlaceBottom = "bottom"
	PlaceWidget = "widget"

	OncePerVisitor = "once"
	OncePerSession = "session"
	OncePerDay     = "day"
	EveryPageView  = "page_view"
)

// Broadcast is an announcement through the widget: a banner or a chat
// message from the team, for an audience, at a frequency.
type Broadcast struct {
	ID          string  `json:"id"`
	WorkspaceID string  `json:"-"`
	Name        string  `json:"name"`
	Kind        string  `json:"kind"`
	Placement   string  `json:"placement,omitempty"` // a banner's
	Text        string  `json:"text"`
	Button      *Button `json:"button,omitempty"` // a banner's, optional
	// SenderID is the agent a chat message comes from (its name is shown).
	SenderID  string     `json:"sender_id,omitempty"`
	Audience  Audience   `json:"audience"`
	Frequency string     `json:"frequency"`
	Status    string     `json:"status"`
	StartsAt  *time.Time `json:"starts_at"`
	EndsAt    *time.Time `json:"ends_at"`
	CreatedBy string     `json:"created_by,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

// Button is a banner's link.
type Button struct {
	Label string `json:"label"`
	URL   string `json:"url"`
}

// Audience is who a broadcast is for: every rule that is set must hold.
type Audience struct {
	SiteIDs []string   `json:"site_ids"` // any of; none: every site
	Pages   []PageRule `json:"pages"`    // any of; none: every page
	// Visitors: "all", "new" (on its first visit) or "returning".
	Visitors string `json:"visitors"`
	// Identity: "all", "identified" (linked to a contact) or "anonymous".
	Identity  string      `json:"identity"`
	Fields    []FieldRule `json:"fields"`    // all of, on the visitor's contact
	Languages []string    `json:"languages"` // any of, by primary subtag; none: every language
}

// PageRule matches the page a visitor is on.
type PageRule struct {
	Match string `json:"match"` // equals, contains, starts_with or glob
	Value string `json:"value"`
}

// FieldRule asks a contact field to equal a value.
type FieldRule struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// BroadcastStats are a broadcast's counts: visitors it reached, times it
// was shown, and visitors who dismissed it, clicked its button and replied.
type BroadcastStats struct {
	Reached   int64 `json:"reached"`
	Shown     int64 `json:"shown"`
	Dismissed int64 `json:"dismissed"`
	Clicked   int64 `json:"clicked"`
	Replied   int64 `json:"replied"`
}

// Add adds o to s.
func (s *BroadcastStats) Add(o BroadcastStats) {
	s.Reached += o.Reached
	s.Shown += o.Shown
	s.Dismissed += o.Dismissed
	s.Clicked += o.Clicked
	s.Replied += o.Replied
}

// Broadcast events a widget reports, and the reply.
const (
	BroadcastShown     = "shown"
	BroadcastDismissed = "dismissed"
	BroadcastClicked   = "clicked"
	BroadcastReplied   = "replied"
)

const broadcastColumns = `id, workspace_id, name, kind, placement, body, button_label, button_url, COALESCE(sender_id, ''),
	audience, frequency, status, starts_at, ends_at, COALESCE(created_by, ''), created_at, updated_at`

func scanBroadcast(sc scanner) (Broadcast, error) {
	var (
		b            Broadcast
		label, link  string
		aud          string
		starts, ends sql.NullInt64
		created, upd int64
	)
	if err := sc.Scan(&b.ID, &b.WorkspaceID, &b.Name, &b.Kind, &b.Placement, &b.Text, &label, &link, &b.SenderID,
		&aud, &b.Frequency, &b.Status, &starts, &ends, &b.CreatedBy, &created, &upd); err != nil {
		return Broadcast{}, err
	}
	if label != "" {
		b.Button = &Button{Label: label, URL: link}
	}
	if err := json.Unmarshal([]byte(aud), &b.Audience); err != nil {
		return Broadcast{}, fmt.Errorf("broadcast %s audience: %w", b.ID, err)
	}
	b.StartsAt, b.EndsAt = optTime(starts), optTime(ends)
	b.CreatedAt, b.UpdatedAt = fromMillis(created), fromMillis(upd)
	return b, nil
}

// broadcastRow is b's stored values, in the order of the columns after
// id and workspace_id.
func broadcastRow(b Broadcast) ([]any, error) {
	aud, err := json.Marshal(b.Audience)
	if err != nil {
		return nil, fmt.Errorf("store: encode audience: %w", err)
	}
	var label, link string
	if b.Button != nil {
		label, link = b.Button.Label, b.Button.URL
	}
	return []any{b.Name, b.Kind, b.Placement, b.Text, label, link, nullString(b.SenderID), string(aud), b.Frequency, b.Status,
		nullMillis(b.StartsAt), nullMillis(b.EndsAt)}, nil
}

// CreateBroadcast stores a new broadcast. Its sender and author must be
// the workspace's agents (ErrNotFound otherwise).
func (s *Store) CreateBroadcast(ctx context.Context, b Broadcast, now time.Time) (Broadcast, error) {
	b.ID, b.CreatedAt, b.UpdatedAt = NewID(), stored(now), stored(now)
	vals, err := broadcastRow(b)
	if err != nil {
		return Broadcast{}, err
	}
	err = s.inTx(ctx, "store: create broadcast", func(tx *sql.Tx) error {
		for _, id := range []string{b.SenderID, b.CreatedBy} {
			if err := ownedBy(ctx, tx, "agents", b.WorkspaceID, id); err != nil {
				return err
			}
		}
		args := append(append([]any{b.ID, b.WorkspaceID}, vals...), nullString(b.CreatedBy), millis(now))
		_, err := tx.ExecContext(ctx, `INSERT INTO broadcasts (id, workspace_id, name, kind, placement, body, button_label, button_url,
			sender_id, audience, frequency, status, starts_at, ends_at, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16)`, args...)
		return mapErr("store: create broadcast", err)
	})
	if err != nil {
		return Broadcast{}, err
	}
	return s.GetBroadcast(ctx, b.WorkspaceID, b.ID)
}

// GetBroadcast reads one broadcast of a workspace.
func (s *Store) GetBroadcast(ctx context.Context, workspaceID, id string) (Broadcast, error) {
	b, err := scanBroadcast(s.read.QueryRowContext(ctx, `SELECT `+broadcastColumns+` FROM broadcasts WHERE workspace_id = $1 AND id = $2`, workspaceID, id))
	return b, mapErr("store: get broadcast", err)
}

// UpdateBroadcast stores b's content, audience, times and status, if its
// status is still one of from (ErrStale otherwise: another change came
// first; ErrNotFound for no such broadcast).
func (s *Store) UpdateBroadcast(ctx context.Context, b Broadcast, from []string, now time.Time) (Broadcast, error) {
	vals, err := broadcastRow(b)
	if err != nil {
		return Broadcast{}, err
	}
	err = s.inTx(ctx, "store: update broadcast", func(tx *sql.Tx) error {
		if err := ownedBy(ctx, tx, "agents", b.WorkspaceID, b.SenderID); err != nil {
			return err
		}
		lock := ""
		if s.dialect == Postgres {
			lock = " FOR UPDATE" // the timer's end waits for this change, or this one for it
		}
		var status string
		if err := tx.QueryRowContext(ctx, `SELECT status FROM broadcasts WHERE workspace_id = $1 AND id = $2`+lock, b.WorkspaceID, b.ID).Scan(&status); err != nil {
			return mapErr("store: update broadcast", err)
		}
		if !slices.Contains(from, status) {
			return fmt.Errorf("store: update broadcast: it is %s: %w", status, ErrStale)
		}
		args := append(append([]any{b.WorkspaceID, b.ID}, vals...), millis(now), status)
		res, err := tx.ExecContext(ctx, `UPDATE broadcasts SET name = $3, kind = $4, placement = $5, body = $6, button_label = $7,
			button_url = $8, sender_id = $9, audience = $10, frequency = $11, status = $12, starts_at = $13, ends_at = $14, updated_at = $15
			WHERE workspace_id = $1 AND id = $2 AND status = $16`, args...)
		if n, err := affected(res, err); err != nil {
			return mapErr("store: update broadcast", err)
		} else if n == 0 {
			return fmt.Errorf("store: update broadcast: changed meanwhile: %w", ErrStale)
		}
		return nil
	})
	if err != nil {
		return Broadcast{}, err
	}
	return s.GetBroadcast(ctx, b.WorkspaceID, b.ID)
}

// DeleteBroadcast removes a broadcast with its views and counts.
func (s *Store) DeleteBroadcast(ctx context.Context, workspaceID, id string) error {
	res, err := s.write.ExecContext(ctx, `DELETE FROM broadcasts WHERE workspace_id = $1 AND id = $2`, workspaceID, id)
	return mustAffect("store: delete broadcast", res, err)
}

// ListBroadcasts lists a workspace's broadcasts, newest first, of one
// status ("": any), after the broadcast beforeID in that order ("": from
// the newest; one that is not the workspace's: none).
func (s *Store) ListBroadcasts(ctx context.Context, workspaceID, status, beforeID string, limit int) ([]Broadcast, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+broadcastColumns+` FROM broadcasts WHERE workspace_id = $1 AND ($2 = '' OR status = $2)
		AND ($4 = '' OR (created_at, id) < (SELECT created_at, id FROM broadcasts WHERE workspace_id = $1 AND id = $4))
		ORDER BY created_at DESC, id DESC LIMIT $3`, workspaceID, status, limit, beforeID)
	return collect(rows, err, "store: list broadcasts", scanBroadcast)
}

// The broadcasts' read paths (plan_test.go checks their plans). The
// statuses are written out: SQLite uses a partial index only when the
// query's terms match its own, and a bound parameter never does.
const (
	liveBroadcastsSQL = `SELECT ` + broadcastColumns + ` FROM broadcasts WHERE status = 'active' AND workspace_id = $1
		ORDER BY created_at, id LIMIT 100`
	dueAnySQL = `SELECT 1 FROM broadcasts WHERE status IN ('scheduled', 'active')
		AND (ends_at <= $1 OR (status = 'scheduled' AND starts_at <= $1)) LIMIT 1`
	dueEndSQL   = `SELECT id FROM broadcasts WHERE status IN ('scheduled', 'active') AND ends_at <= $1 ORDER BY ends_at LIMIT $2`
	dueStartSQL = `SELECT id FROM broadcasts WHERE status IN ('scheduled', 'active') AND status = 'scheduled' AND starts_at <= $1
		ORDER BY starts_at LIMIT $2`
	visitorViewsSQL = `SELECT broadcast_id, page_view, session, day, dismissed_at FROM broadcast_views
		WHERE visitor_id = $1 AND workspace_id = $2`
	broadcastActivitySQL = `SELECT broadcast_id, slot, SUM(reached), SUM(shown), SUM(dismissed), SUM(clicked), SUM(replied)
		FROM broadcast_stats WHERE workspace_id = $1 AND slot >= $2 AND slot < $3 AND ($4 = '' OR broadcast_id = $4)
		GROUP BY broadcast_id, slot ORDER BY slot, broadcast_id`
)

// LiveBroadcasts lists a workspace's active broadcasts: what widgets may
// be shown now.
func (s *Store) LiveBroadcasts(ctx context.Context, workspaceID string) ([]Broadcast, error) {
	rows, err := s.read.QueryContext(ctx, liveBroadcastsSQL, workspaceID)
	return collect(rows, err, "store: live broadcasts", scanBroadcast)
}

// DueBroadcasts moves, in every workspace, the scheduled broadcasts whose
// start came to active (or straight to ended when their end passed too)
// and the active or scheduled ones whose end came to ended, at most limit
// of each, and returns them as they are now. Each move is made by exactly
// one caller, on one node or many: the status it moves from is checked
// in the same statement.
func (s *Store) DueBroadcasts(ctx context.Context, now time.Time, limit int) ([]Broadcast, error) {
	// Most passes find nothing due: asked on the read pool first, they
	// take no turn on the write connection the live chat's messages use.
	var one int
	err := s.read.QueryRowContext(ctx, dueAnySQL, millis(now)).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, mapErr("store: due broadcasts", err)
	}
	lock := ""
	if s.dialect == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	ended, err := s.write.QueryContext(ctx, `UPDATE broadcasts SET status = 'ended', updated_at = $1 WHERE id IN (`+dueEndSQL+lock+`)
		AND status IN ('scheduled', 'active') RETURNING `+broadcastColumns, millis(now), limit)
	out, err := collect(ended, err, "store: end due broadcasts", scanBroadcast)
	if err != nil {
		return nil, err
	}
	started, err := s.write.QueryContext(ctx, `UPDATE broadcasts SET status = 'active', updated_at = $1 WHERE id IN (`+dueStartSQL+lock+`)
		AND status = 'scheduled' RETURNING `+broadcastColumns, millis(now), limit)
	more, err := collect(started, err, "store: start due broadcasts", scanBroadcast)
	return append(out, more...), err
}

// A Showing is where a visitor is as a broadcast is offered to it: the
// page view (a random id per page load), its session (when its visit
// began) and the day in the workspace's zone. The frequency rules compare
// them with those of the last showing.
type Showing struct {
	WorkspaceID string
	VisitorID   string
	PageView    string
	Session     time.Time
	Day         string
}

// Offer is a broadcast offered to a visitor, with its frequency.
type Offer struct {
	BroadcastID string
	Frequency   string
}

// ClaimBroadcasts decides, in one transaction, which of offers the
// visitor is shown now, and records each new showing: a broadcast it
// dismissed never again; on the page view it was last shown on, again
// (a reconnect or a re-render, counted once); otherwise as its frequency
// allows (once: never again; session: in another session; day: on
// another day; page_view: on every other page view). The first showing
// counts the visitor as reached. It returns the ids shown, in the
// order of offers. A broadcast deleted meanwhile is left out.
//
// What needs no write (shown on this page view already, dismissed, or
// used up by its frequency) is decided on the read pool: a reconnect, a
// widget asking again and most page views of a busy site touch no write
// connection (SQLite has one). The rest is decided again, and recorded,
// in the write transaction.
func (s *Store) ClaimBroadcasts(ctx context.Context, at Showing, offers []Offer, now time.Time) ([]string, error) {
	settled := make(map[string]bool, len(offers)) // by broadcast id: shown or not, without a write
	views, err := s.visitorViews(ctx, at)
	if err != nil {
		return nil, err
	}
	var pending []Offer
	for _, o := range offers {
		if show, write := decide(views[o.BroadcastID], at, o); write {
			pending = append(pending, o)
		} else {
			settled[o.BroadcastID] = show
		}
	}
	if len(pending) > 0 {
		err := s.inTx(ctx, "store: claim broadcasts", func(tx *sql.Tx) error {
			for _, o := range pending {
				ok, err := s.claimOne(ctx, tx, at, o, now)
				if err != nil {
					return err
				}
				settled[o.BroadcastID] = ok
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	var shown []string
	for _, o := range offers {
		if settled[o.BroadcastID] {
			shown = append(shown, o.BroadcastID)
		}
	}
	return shown, nil
}

// shownView is what a visitor's row of a broadcast says (found false: none).
type shownView struct {
	found     bool
	page      string
	session   int64
	day       string
	dismissed bool
}

// visitorViews reads every row of the visitor's showings, by broadcast, in
// one read on the read pool (a visitor has a row per broadcast it was
// ever shown: few).
func (s *Store) visitorViews(ctx context.Context, at Showing) (map[string]shownView, error) {
	rows, err := s.read.QueryContext(ctx, visitorViewsSQL, at.VisitorID, at.WorkspaceID)
	if err != nil {
		return nil, mapErr("store: claim broadcasts", err)
	}
	defer rows.Close()
	out := map[string]shownView{}
	for rows.Next() {
		var (
			id        string
			v         shownView
			dismissed sql.NullInt64
		)
		if err := rows.Scan(&id, &v.page, &v.session, &v.day, &dismissed); err != nil {
			return nil, mapErr("store: claim broadcasts", err)
		}
		v.found, v.dismissed = true, dismissed.Valid
		out[id] = v
	}
	return out, mapErr("store: claim broadcasts", rows.Err())
}

// readView reads the visitor's row of a broadcast through query (the read
// pool, or a transaction with lock).
func (s *Store) readView(ctx context.Context, query func(ctx context.Context, q string, args ...any) *sql.Row, lock string, at Showing, o Offer) (shownView, error) {
	var (
		v         shownView
		dismissed sql.NullInt64
	)
	err := query(ctx, `SELECT page_view, session, day, dismissed_at FROM broadcast_views
		WHERE broadcast_id = $1 AND visitor_id = $2 AND workspace_id = $3`+lock, o.BroadcastID, at.VisitorID, at.WorkspaceID).Scan(&v.page, &v.session, &v.day, &dismissed)
	if errors.Is(err, sql.ErrNoRows) {
		return shownView{}, nil
	}
	if err != nil {
		return shownView{}, mapErr("store: claim broadcast", err)
	}
	v.found, v.dismissed = true, dismissed.Valid
	return v, nil
}

// decide applies the frequency rules to what a visitor's row says: whether
// the broadcast shows, and whether showing it is a new showing to record.
func decide(v shownView, at Showing, o Offer) (show, write bool) {
	switch {
	case !v.found:
		return true, true
	case v.dismissed:
		return false, false
	case v.page == at.PageView:
		return true, false // shown on this page view already: shown again, not counted again
	case o.Frequency == OncePerVisitor,
		o.Frequency == OncePerSession && v.session == millis(at.Session),
		o.Frequency == OncePerDay && v.day == at.Day:
		return false, false
	}
	return true, true
}

func (s *Store) claimOne(ctx context.Context, tx *sql.Tx, at Showing, o Offer, now time.Time) (bool, error) {
	lock := ""
	if s.dialect == Postgres {
		lock = " FOR UPDATE" // two tabs of one visitor on two nodes decide one after the other
	}
	for range 2 {
		v, err := s.readView(ctx, tx.QueryRowContext, lock, at, o)
		if err != nil {
			return false, err
		}
		if !v.found {
			res, err := tx.ExecContext(ctx, `INSERT INTO broadcast_views (broadcast_id, visitor_id, workspace_id, page_view, session, day,
				claims, shows, first_at, last_at)
				SELECT id, $2, workspace_id, $3, $4, $5, 1, 0, $6, $6 FROM broadcasts WHERE workspace_id = $7 AND id = $1
				AND EXISTS (SELECT 1 FROM visitors WHERE workspace_id = $7 AND id = $2)
				ON CONFLICT (broadcast_id, visitor_id) DO NOTHING`,
				o.BroadcastID, at.VisitorID, at.PageView, millis(at.Session), at.Day, millis(now), at.WorkspaceID)
			n, err := affected(res, err)
			if err != nil {
				return false, mapErr("store: claim broadcast", err)
			}
			if n == 0 {
				if s.dialect == Postgres {
					continue // another tab inserted it first: decide on its row
				}
				return false, nil // no such broadcast or visitor (any more)
			}
			return true, bumpBroadcast(ctx, tx, at.WorkspaceID, o.BroadcastID, at.VisitorID, "reached", now)
		}
		if show, write := decide(v, at, o); !write {
			return show, nil
		}
		res, err := tx.ExecContext(ctx, `UPDATE broadcast_views SET page_view = $4, session = $5, day = $6, claims = claims + 1, last_at = $7
			WHERE broadcast_id = $1 AND visitor_id = $2 AND workspace_id = $3 AND page_view = $8`,
			o.BroadcastID, at.VisitorID, at.WorkspaceID, at.PageView, millis(at.Session), at.Day, millis(now), v.page)
		n, err := affected(res, err)
		if err != nil {
			return false, mapErr("store: claim broadcast", err)
		}
		if n == 1 {
			return true, nil
		}
	}
	return false, nil
}

// statColumns are broadcast_stats' counters, by event.
var statColumns = map[string]string{
	"reached":          "reached",
	BroadcastShown:     "shown",
	BroadcastDismissed: "dismissed",
	BroadcastClicked:   "clicked",
	BroadcastReplied:   "replied",
}

// statParts is how many rows one broadcast's slot is spread over.
const statParts = 8

// bumpBroadcast counts one event of a broadcast in its slot of now.
func bumpBroadcast(ctx context.Context, tx *sql.Tx, workspaceID, broadcastID, visitorID, what string, now time.Time) error {
	col := statColumns[what]
	if col == "" {
		return fmt.Errorf("store: count broadcast: no counter %q", what)
	}
	part := 0
	if visitorID != "" {
		part = int(visitorID[len(visitorID)-1]) % statParts
	}
	slot := millis(now) / SlotMillis * SlotMillis
	_, err := tx.ExecContext(ctx, `INSERT INTO broadcast_stats (workspace_id, broadcast_id, slot, part, `+col+`)
		VALUES ($1, $2, $3, $4, 1) ON CONFLICT (broadcast_id, slot, part) DO UPDATE SET `+col+` = broadcast_stats.`+col+` + 1`,
		workspaceID, broadcastID, slot, part)
	return mapErr("store: count broadcast", err)
}

// ErrNotShown: the visitor was never shown the broadcast, so it cannot
// report anything about it.
var ErrNotShown = errors.New("store: broadcast not shown to this visitor")

// RecordBroadcastEvent records what a visitor did with a broadcast it was
// shown: seen (counted once per showing), dismissed, clicked or replied
// (each once per visitor; replied with the conversation the reply
// started). It reports whether the event counted (false: counted
// already). ErrNotShown when the visitor was never shown it.
func (s *Store) RecordBroadcastEvent(ctx context.Context, workspaceID, broadcastID, visitorID, what, conversationID string, now time.Time) (bool, error) {
	var set string
	args := []any{broadcastID, visitorID, workspaceID}
	switch what {
	case BroadcastShown:
		set = `shows = shows + 1 WHERE shows < claims`
	case BroadcastDismissed:
		set, args = `dismissed_at = $4 WHERE dismissed_at IS NULL`, append(args, millis(now))
	case BroadcastClicked:
		set, args = `clicked_at = $4 WHERE clicked_at IS NULL`, append(args, millis(now))
	case BroadcastReplied:
		set, args = `replied_at = $4, conversation_id = $5 WHERE replied_at IS NULL`, append(args, millis(now), conversationID)
	default:
		return false, fmt.Errorf("store: broadcast event %q: %w", what, ErrNotFound)
	}
	counted := false
	err := s.inTx(ctx, "store: broadcast event", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE broadcast_views SET `+set+`
			AND broadcast_id = $1 AND visitor_id = $2 AND workspace_id = $3`, args...)
		n, err := affected(res, err)
		if err != nil {
			return mapErr("store: broadcast event", err)
		}
		if n == 0 {
			var one int
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM broadcast_views WHERE broadcast_id = $1 AND visitor_id = $2 AND workspace_id = $3`,
				broadcastID, visitorID, workspaceID).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				return ErrNotShown
			}
			return mapErr("store: broadcast event", err)
		}
		counted = true
		return bumpBroadcast(ctx, tx, workspaceID, broadcastID, visitorID, what, now)
	})
	return counted, err
}

// OnlineContactFields reads, for a workspace's online visitors linked to a
// contact (at most limit), their contact's fields, by visitor id: what an
// audience estimate compares field rules with, in one read.
func (s *Store) OnlineContactFields(ctx context.Context, workspaceID string, limit int) (map[string]map[string]ContactField, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT v.id, c.fields FROM visitors v JOIN contacts c ON c.id = v.contact_id AND c.workspace_id = v.workspace_id
		WHERE v.workspace_id = $1 AND v.online = $2 LIMIT $3`, workspaceID, true, limit)
	list, err := collect(rows, err, "store: online contact fields", func(sc scanner) ([2]string, error) {
		var p [2]string
		return p, sc.Scan(&p[0], &p[1])
	})
	out := make(map[string]map[string]ContactField, len(list))
	for _, p := range list {
		f := map[string]ContactField{}
		if p[1] != "" && p[1] != "{}" {
			if err := json.Unmarshal([]byte(p[1]), &f); err != nil {
				return nil, fmt.Errorf("store: online contact fields: %w", err)
			}
		}
		out[p[0]] = f
	}
	return out, err
}

// ShownBroadcast tells whether a visitor was shown a broadcast and has not
// dismissed it (ErrNotShown otherwise).
func (s *Store) ShownBroadcast(ctx context.Context, workspaceID, broadcastID, visitorID string) error {
	var one int
	err := s.read.QueryRowContext(ctx, `SELECT 1 FROM broadcast_views WHERE broadcast_id = $1 AND visitor_id = $2 AND workspace_id = $3
		AND dismissed_at IS NULL`, broadcastID, visitorID, workspaceID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotShown
	}
	return mapErr("store: shown broadcast", err)
}

// BroadcastSlot is one broadcast's counts in one 15-minute slot.
type BroadcastSlot struct {
	BroadcastID string
	Slot        time.Time
	BroadcastStats
}

// BroadcastActivity reads the counts of a workspace's broadcasts (or of
// one, broadcastID) by slot in [from, to), by slot then broadcast.
func (s *Store) BroadcastActivity(ctx context.Context, workspaceID, broadcastID string, from, to time.Time) ([]BroadcastSlot, error) {
	rows, err := s.read.QueryContext(ctx, broadcastActivitySQL, workspaceID, millis(from), millis(to), broadcastID)
	return collect(rows, err, "store: broadcast activity", func(sc scanner) (BroadcastSlot, error) {
		var (
			b    BroadcastSlot
			slot int64
		)
		err := sc.Scan(&b.BroadcastID, &slot, &b.Reached, &b.Shown, &b.Dismissed, &b.Clicked, &b.Replied)
		b.Slot = fromMillis(slot)
		return b, err
	})
}

// BroadcastTotals reads the all-time counts of a workspace's broadcasts
// named by ids, by id (a broadcast with none is absent).
func (s *Store) BroadcastTotals(ctx context.Context, workspaceID string, ids []string) (map[string]BroadcastStats, error) {
	out := map[string]BroadcastStats{}
	if len(ids) == 0 {
		return out, nil
	}
	args := []any{workspaceID}
	marks := make([]string, len(ids))
	for i, id := range ids {
		args = append(args, id)
		marks[i] = fmt.Sprintf("$%d", i+2)
	}
	rows, err := s.read.QueryContext(ctx, `SELECT broadcast_id, SUM(reached), SUM(shown), SUM(dismissed), SUM(clicked), SUM(replied)
		FROM broadcast_stats WHERE workspace_id = $1 AND broadcast_id IN (`+strings.Join(marks, ", ")+`) GROUP BY broadcast_id`, args...)
	list, err := collect(rows, err, "store: broadcast totals", func(sc scanner) (BroadcastSlot, error) {
		var b BroadcastSlot
		return b, sc.Scan(&b.BroadcastID, &b.Reached, &b.Shown, &b.Dismissed, &b.Clicked, &b.Replied)
	})
	for _, b := range list {
		out[b.BroadcastID] = b.BroadcastStats
	}
	return out, err
}
