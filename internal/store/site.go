package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// Site is one website that embeds the widget.
type Site struct {
	ID          string `json:"id"`
	WorkspaceID string `json:"workspace_id"`
	Name        string `json:"name"`
	// Channel is how customers reach it: ChannelWeb (the widget) or
	// ChannelWhatsApp (a WhatsApp number, whatsapp_channels).
	Channel        string        `json:"channel"`
	WidgetKey      string        `json:"widget_key"`
	AllowedOrigins []string      `json:"allowed_origins"`
	BusinessHours  BusinessHours `json:"business_hours"`
	IdentitySecret string        `json:"-"`
	// IdentitySecretShown: the secret was shown (read once, or given by a
	// rotation); it is not shown again.
	IdentitySecretShown bool      `json:"identity_secret_shown"`
	DefaultDepartmentID string    `json:"default_department_id,omitempty"`
	Look                SiteLook  `json:"look"`
	CreatedAt           time.Time `json:"created_at"`
	UpdatedAt           time.Time `json:"updated_at"`
}

// BusinessHours are a site's opening hours in its own time zone. An empty
// Days list means "always open" (except on ClosedDays).
type BusinessHours struct {
	TimeZone string     `json:"time_zone"`
	Days     []OpenSpan `json:"days"`
	// ClosedDays are whole dates ("YYYY-MM-DD", in TimeZone, sorted) on
	// which the site is closed whatever Days say: holidays.
	ClosedDays []string `json:"closed_days"`
	// ClosedMessage and Question open the out-of-hours autoresponder:
	// the site's closed message, then the YES/NO question ("" = the
	// defaults of package offhours).
	ClosedMessage string `json:"closed_message,omitempty"`
	Question      string `json:"question,omitempty"`
	// AskContact: out of hours, the widget asks a visitor it has no
	// e-mail address for to leave a name and one before writing, so that
	// the answer can reach them by e-mail.
	AskContact bool `json:"ask_contact,omitempty"`
}

// SiteLook is how a site's widget looks to its visitors. It is display
// only: agents' names still travel in the protocol's frames.
type SiteLook struct {
	// Color is the accent colour, "#rrggbb".
	Color string `json:"color"`
	// Greeting heads an empty conversation; "" means the widget's own.
	Greeting string `json:"greeting"`
	// AgentNames: visitors see the agent's name on replies; false shows
	// TeamName instead.
	AgentNames bool `json:"agent_names"`
	// TeamName is shown instead of agents' names; "" means the site's name.
	TeamName string `json:"team_name"`
	// Languages are the widget languages the site enabled, in order (never
	// empty; package site knows which the widget ships).
	Languages []string `json:"languages"`
	// Texts are the owner's own widget texts: language → text key → text
	// (never nil; a text not listed is the widget's own).
	Texts map[string]map[string]string `json:"texts"`
	// Ratings: the widget asks the visitor to rate a chat that ended (its
	// question is the text rate_question).
	Ratings bool `json:"ratings"`
}

// DefaultLookColor is the widget's own accent (--accent in
// web/widget/widget.css): the colour of a site that chose none.
const DefaultLookColor = "#3056d3"

// DefaultLanguage is the widget language of a site that chose none.
const DefaultLanguage = "en"

// DefaultLook is the look of a site that chose none, and what the keys a
// stored look lacks read back as (older rows, 0011_site_look's '{}').
func DefaultLook() SiteLook {
	return SiteLook{Color: DefaultLookColor, AgentNames: true, Languages: []string{DefaultLanguage},
		Texts: map[string]map[string]string{}, Ratings: true}
}

// OpenSpan is one opening span: Weekday 0 is Sunday, times are "HH:MM".
type OpenSpan struct {
	Weekday int    `json:"weekday"`
	Open    string `json:"open"`
	Close   string `json:"close"`
}

// Site channels.
const (
	ChannelWeb      = "web"
	ChannelWhatsApp = "whatsapp"
)

const siteColumns = `id, workspace_id, name, channel, widget_key, allowed_origins, business_hours, identity_secret,
	COALESCE(default_department_id, ''), look, created_at, updated_at, identity_secret_shown`

func scanSite(sc scanner) (Site, error) {
	var (
		st                Site
		orig, hours, look string
		cre, upd          int64
	)
	if err := sc.Scan(&st.ID, &st.WorkspaceID, &st.Name, &st.Channel, &st.WidgetKey, &orig, &hours, &st.IdentitySecret,
		&st.DefaultDepartmentID, &look, &cre, &upd, &st.IdentitySecretShown); err != nil {
		return Site{}, err
	}
	if err := json.Unmarshal([]byte(orig), &st.AllowedOrigins); err != nil {
		return Site{}, fmt.Errorf("site %s origins: %w", st.ID, err)
	}
	if err := json.Unmarshal([]byte(hours), &st.BusinessHours); err != nil {
		return Site{}, fmt.Errorf("site %s hours: %w", st.ID, err)
	}
	// A site stored before 0011_site_look has '{}', and one stored before
	// widget languages has no languages or texts: the keys it lacks keep
	// the defaults (no migration needed, the column is JSON text).
	st.Look = DefaultLook()
	if err := json.Unmarshal([]byte(look), &st.Look); err != nil {
		return Site{}, fmt.Errorf("site %s look: %w", st.ID, err)
	}
	if len(st.Look.Languages) == 0 {
		st.Look.Languages = []string{DefaultLanguage}
	}
	if st.Look.Texts == nil {
		st.Look.Texts = map[string]map[string]string{}
	}
	if st.AllowedOrigins == nil {
		st.AllowedOrigins = []string{}
	}
	if st.BusinessHours.TimeZone == "" {
		st.BusinessHours.TimeZone = "UTC"
	}
	if st.BusinessHours.Days == nil {
		st.BusinessHours.Days = []OpenSpan{}
	}
	if st.BusinessHours.ClosedDays == nil {
		st.BusinessHours.ClosedDays = []string{}
	}
	st.CreatedAt, st.UpdatedAt = fromMillis(cre), fromMillis(upd)
	return st, nil
}

func siteJSON(st Site) (orig, hours, look string) {
	if st.AllowedOrigins == nil {
		st.AllowedOrigins = []string{}
	}
	o, _ := json.Marshal(st.AllowedOrigins)
	h, _ := json.Marshal(st.BusinessHours)
	l, _ := json.Marshal(st.Look)
	return string(o), string(h), string(l)
}

// CreateSite inserts a site (of ChannelWeb when st names none); ID and
// timestamps are set here.
func (s *Store) CreateSite(ctx context.Context, st Site, now time.Time) (Site, error) {
	st.ID, st.CreatedAt, st.UpdatedAt = NewID(), now, now
	err := s.inTx(ctx, "store: create site", func(tx *sql.Tx) error { return insertSite(ctx, tx, st, now) })
	if err != nil {
		return Site{}, err
	}
	return s.GetSite(ctx, st.WorkspaceID, st.ID)
}

func insertSite(ctx context.Context, tx *sql.Tx, st Site, now time.Time) error {
	if err := ownedBy(ctx, tx, "departments", st.WorkspaceID, st.DefaultDepartmentID); err != nil {
		return fmt.Errorf("store: create site: default department: %w", err)
	}
	orig, hours, look := siteJSON(st)
	// A web site takes the column's default, so this also runs on a
	// schema from before 0032 (the migration tests).
	cols, val := "", ""
	args := []any{st.ID, st.WorkspaceID, st.Name, st.WidgetKey, orig, hours, st.IdentitySecret, nullString(st.DefaultDepartmentID), look, millis(now)}
	if st.Channel != "" && st.Channel != ChannelWeb {
		cols, val, args = ", channel", ", $11", append(args, st.Channel)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO sites (id, workspace_id, name, widget_key, allowed_origins,
		business_hours, identity_secret, default_department_id, look, created_at, updated_at`+cols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10`+val+`)`, args...)
	return mapErr("store: create site", err)
}

// GetSite reads one site of a workspace.
func (s *Store) GetSite(ctx context.Context, workspaceID, id string) (Site, error) {
	st, err := scanSite(s.read.QueryRowContext(ctx, `SELECT `+siteColumns+` FROM sites WHERE workspace_id = $1 AND id = $2`, workspaceID, id))
	if err != nil {
		return Site{}, mapErr("store: get site", err)
	}
	return st, nil
}

// SiteByWidgetKey finds the site a public widget key belongs to. It is an
// entry point: the key itself establishes the workspace.
func (s *Store) SiteByWidgetKey(ctx context.Context, key string) (Site, error) {
	st, err := scanSite(s.read.QueryRowContext(ctx, `SELECT `+siteColumns+` FROM sites WHERE widget_key = $1`, key))
	if err != nil {
		return Site{}, mapErr("store: site by widget key", err)
	}
	return st, nil
}

// ListSites lists a workspace's sites by name.
func (s *Store) ListSites(ctx context.Context, workspaceID string) ([]Site, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+siteColumns+` FROM sites WHERE workspace_id = $1 ORDER BY name, id`, workspaceID)
	return collect(rows, err, "store: list sites", scanSite)
}

// UpdateSite stores a site's editable fields (not its widget key, nor
// its identity secret).
func (s *Store) UpdateSite(ctx context.Context, st Site, now time.Time) (Site, error) {
	orig, hours, look := siteJSON(st)
	err := s.inTx(ctx, "store: update site", func(tx *sql.Tx) error {
		if err := ownedBy(ctx, tx, "departments", st.WorkspaceID, st.DefaultDepartmentID); err != nil {
			return fmt.Errorf("store: update site: default department: %w", err)
		}
		// Not the identity secret: only a rotation changes it
		// (SetIdentitySecret), so a settings save read before a rotation
		// cannot put the old secret back.
		res, err := tx.ExecContext(ctx, `UPDATE sites SET name = $3, allowed_origins = $4, business_hours = $5,
			default_department_id = $6, look = $7, updated_at = $8
			WHERE workspace_id = $1 AND id = $2`,
			st.WorkspaceID, st.ID, st.Name, orig, hours, nullString(st.DefaultDepartmentID), look, millis(now))
		return mustAffect("store: update site", res, err)
	})
	if err != nil {
		return Site{}, err
	}
	return s.GetSite(ctx, st.WorkspaceID, st.ID)
}

// SetWidgetKey replaces a site's public widget key (key rotation).
func (s *Store) SetWidgetKey(ctx context.Context, workspaceID, id, key string, now time.Time) error {
	res, err := s.write.ExecContext(ctx, `UPDATE sites SET widget_key = $3, updated_at = $4 WHERE workspace_id = $1 AND id = $2`,
		workspaceID, id, key, millis(now))
	return mustAffect("store: set widget key", res, err)
}

// SetIdentitySecret replaces a site's identity-verification secret.
func (s *Store) SetIdentitySecret(ctx context.Context, workspaceID, id, secret string, now time.Time) error {
	// The rotation's answer shows the new secret: that is its one time.
	res, err := s.write.ExecContext(ctx, `UPDATE sites SET identity_secret = $3, identity_secret_shown = $5, updated_at = $4
		WHERE workspace_id = $1 AND id = $2`, workspaceID, id, secret, millis(now), true)
	return mustAffect("store: set identity secret", res, err)
}

// RevealIdentitySecret returns a site's identity secret if it was never
// shown, and marks it shown; once shown it is ErrConflict (rotate for a
// new one). An unknown site is ErrNotFound.
func (s *Store) RevealIdentitySecret(ctx context.Context, workspaceID, id string) (string, error) {
	var secret string
	err := s.inTx(ctx, "store: reveal identity secret", func(tx *sql.Tx) error {
		var shown bool
		err := tx.QueryRowContext(ctx, `SELECT identity_secret, identity_secret_shown FROM sites WHERE workspace_id = $1 AND id = $2`+forUpdate(s.dialect),
			workspaceID, id).Scan(&secret, &shown)
		if err != nil {
			return mapErr("store: reveal identity secret", err)
		}
		if shown {
			return fmt.Errorf("store: reveal identity secret: shown before: %w", ErrConflict)
		}
		_, err = tx.ExecContext(ctx, `UPDATE sites SET identity_secret_shown = $3 WHERE workspace_id = $1 AND id = $2`, workspaceID, id, true)
		return mapErr("store: reveal identity secret", err)
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}

// DeleteSite removes a site and, by cascade, its visitors and conversations.
func (s *Store) DeleteSite(ctx context.Context, workspaceID, id string) error {
	return s.inTx(ctx, "store: delete site", func(tx *sql.Tx) error {
		if err := markRolledChats(ctx, tx, workspaceID, "site_id = $2", id); err != nil {
			return err
		}
		if err := markRolledTickets(ctx, tx, workspaceID, true, `(site_id = $2 OR conversation_id IN (SELECT id FROM conversations WHERE site_id = $2)
			OR visitor_id IN (SELECT id FROM visitors WHERE site_id = $2))`, id); err != nil { // all that go by cascade
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM sites WHERE workspace_id = $1 AND id = $2`, workspaceID, id)
		return mustAffect("store: delete site", res, err)
	})
}
