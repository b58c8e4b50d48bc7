// Package site manages the websites that embed the widget: their public
// widget keys, the origins allowed to open the widget, business hours
// (OpenAt), the widget's look, and the per-site secret that verifies a visitor's claimed identity. A Service
// is safe for concurrent use; its only state is a short-lived cache of
// sites by widget key (see KeyCacheTTL), dropped by its own changes.
package site

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/printable"
	"github.com/querytel/livedesk/internal/readcache"
	"github.com/querytel/livedesk/internal/store"
)

// Store is what site needs from the database.
type Store interface {
	CreateSite(ctx context.Context, st store.Site, now time.Time) (store.Site, error)
	GetSite(ctx context.Context, workspaceID, id string) (store.Site, error)
	SiteByWidgetKey(ctx context.Context, key string) (store.Site, error)
	ListSites(ctx context.Context, workspaceID string) ([]store.Site, error)
	UpdateSite(ctx context.Context, st store.Site, now time.Time) (store.Site, error)
	SetWidgetKey(ctx context.Context, workspaceID, id, key string, now time.Time) error
	SetIdentitySecret(ctx context.Context, workspaceID, id, secret string, now time.Time) error
	RevealIdentitySecret(ctx context.Context, workspaceID, id string) (string, error)
	DeleteSite(ctx context.Context, workspaceID, id string) error
}

// Service manages sites.
type Service struct {
	store Store
	clock clock.Clock
	keys  *readcache.Cache[store.Site]
	audit Recorder
	// refused: the origins widgets were refused from lately (refused.go).
	refused refusals
}

// Recorder keeps the audit log of security-relevant actions (package
// audit); nil records nothing.
type Recorder interface {
	Record(ctx context.Context, actor auth.Actor, action, targetType, targetID string, detail map[string]any)
}

// New returns a Service.
func New(st Store, clk clock.Clock, rec Recorder) *Service {
	return &Service{store: st, clock: clk, keys: newKeyCache(clk), audit: rec}
}

// ByWidgetKey finds the site a public widget key belongs to: the widget's
// entry point, so it needs no actor (the key establishes the workspace).
// It may answer from a cache up to KeyCacheTTL old; changes made through
// this Service apply at once.
func (s *Service) ByWidgetKey(ctx context.Context, key string) (store.Site, error) {
	return s.keys.Get(ctx, key, func(ctx context.Context) (store.Site, error) { return s.store.SiteByWidgetKey(ctx, key) })
}

// Input is what a caller may set on a site; nil fields stay as they are.
type Input struct {
	Name                *string              `json:"name"`
	AllowedOrigins      *[]string            `json:"allowed_origins"`
	BusinessHours       *store.BusinessHours `json:"business_hours"`
	DefaultDepartmentID *string              `json:"default_department_id"`
	Look                *LookInput           `json:"look"`
}

// MaxAutoText is the longest out-of-hours message or question a site may
// set, in characters: a few short paragraphs.
const MaxAutoText = 1000

// Cached reads a site of a workspace through the cache ByWidgetKey uses
// (same TTL, same exact invalidation on this node): the out-of-hours
// check asks for the site's hours on every visitor message that no agent
// holds. Widget keys start with "wk_", so the two kinds of key never meet.
func (s *Service) Cached(ctx context.Context, workspaceID, id string) (store.Site, error) {
	return s.keys.Get(ctx, "id\x00"+workspaceID+"\x00"+id, func(ctx context.Context) (store.Site, error) {
		return s.store.GetSite(ctx, workspaceID, id)
	})
}

// NewWidgetKey returns a fresh public widget key: 128 random bits.
func NewWidgetKey() string { return "wk_" + auth.RandomToken(16) }

// newSecret returns a fresh identity-verification secret: 256 random bits.
func newSecret() string { return auth.RandomToken(32) }

// Create adds a site with a fresh widget key and identity secret.
func (s *Service) Create(ctx context.Context, actor auth.Actor, in Input) (store.Site, error) {
	if !actor.Can(auth.ManageWorkspace) {
		return store.Site{}, apperr.ErrForbidden
	}
	if in.Name == nil {
		return store.Site{}, apperr.Invalidf("name", "required", "a site needs a name")
	}
	st, err := s.CreateUnchecked(ctx, actor.WorkspaceID, in)
	if err == nil {
		s.record(ctx, actor, "site_created", st.ID, map[string]any{"name": st.Name, "allowed_origins": st.AllowedOrigins})
	}
	return st, err
}

func (s *Service) record(ctx context.Context, actor auth.Actor, action, id string, detail map[string]any) {
	if s.audit != nil {
		s.audit.Record(ctx, actor, action, "site", id, detail)
	}
}

// CreateUnchecked adds a site without a role check.
func (s *Service) CreateUnchecked(ctx context.Context, workspaceID string, in Input) (store.Site, error) {
	st, err := Prepare(workspaceID, in)
	if err != nil {
		return store.Site{}, err
	}
	created, err := s.store.CreateSite(ctx, st, s.clock.Now())
	return created, siteErr(err)
}

// Prepare validates a new site and gives it a fresh widget key and
// identity secret, without storing it.
func Prepare(workspaceID string, in Input) (store.Site, error) {
	st := store.Site{WorkspaceID: workspaceID, WidgetKey: NewWidgetKey(), IdentitySecret: newSecret(),
		BusinessHours: store.BusinessHours{TimeZone: "UTC", Days: []store.OpenSpan{}, ClosedDays: []string{}}, Look: defaultLook()}
	return st, apply(&st, in)
}

// Get reads one site.
func (s *Service) Get(ctx context.Context, actor auth.Actor, id string) (store.Site, error) {
	return s.store.GetSite(ctx, actor.WorkspaceID, id)
}

// List lists the workspace's sites.
func (s *Service) List(ctx context.Context, actor auth.Actor) ([]store.Site, error) {
	return s.store.ListSites(ctx, actor.WorkspaceID)
}

// Update changes a site.
func (s *Service) Update(ctx context.Context, actor auth.Actor, id string, in Input) (store.Site, error) {
	if !actor.Can(auth.ManageWorkspace) {
		return store.Site{}, apperr.ErrForbidden
	}
	st, err := s.store.GetSite(ctx, actor.WorkspaceID, id)
	if err != nil {
		return store.Site{}, err
	}
	if err := apply(&st, in); err != nil {
		return store.Site{}, err
	}
	updated, err := s.store.UpdateSite(ctx, st, s.clock.Now())
	invalidateSite(s.keys, id)
	if err == nil {
		s.record(ctx, actor, "site_updated", id, map[string]any{"name": updated.Name, "allowed_origins": updated.AllowedOrigins})
	}
	return updated, siteErr(err)
}

// RotateKey gives a site a new widget key; the old one stops working at
// once (snippets on the site must be updated).
func (s *Service) RotateKey(ctx context.Context, actor auth.Actor, id string) (store.Site, error) {
	if !actor.Can(auth.ManageWorkspace) {
		return store.Site{}, apperr.ErrForbidden
	}
	err := s.store.SetWidgetKey(ctx, actor.WorkspaceID, id, NewWidgetKey(), s.clock.Now())
	invalidateSite(s.keys, id)
	if err != nil {
		return store.Site{}, err
	}
	s.record(ctx, actor, "widget_key_rotated", id, nil)
	return s.store.GetSite(ctx, actor.WorkspaceID, id)
}

// ErrSecretShown: the identity secret was shown once already.
var ErrSecretShown = apperr.New(apperr.Conflict, "identity_secret_shown",
	"the identity secret is shown once and was shown already: rotate it to get a new one")

// RevealSecret returns the site's identity-verification secret, once:
// only managers may read it (they paste it into their back end), and
// after that a new one comes by rotating (RotateIdentitySecret).
func (s *Service) RevealSecret(ctx context.Context, actor auth.Actor, id string) (string, error) {
	if !actor.Can(auth.ManageWorkspace) {
		return "", apperr.ErrForbidden
	}
	secret, err := s.store.RevealIdentitySecret(ctx, actor.WorkspaceID, id)
	switch {
	case errors.Is(err, store.ErrConflict):
		return "", ErrSecretShown
	case err == nil:
		invalidateSite(s.keys, id) // its identity_secret_shown moved
		s.record(ctx, actor, "identity_secret_read", id, nil)
	}
	return secret, err
}

// RotateIdentitySecret gives a site a new identity-verification secret and
// returns it (owners and admins). Identities signed with the old one stop
// verifying at once: the site's back end must sign with the new one.
func (s *Service) RotateIdentitySecret(ctx context.Context, actor auth.Actor, id string) (string, error) {
	if !actor.Can(auth.ManageWorkspace) {
		return "", apperr.ErrForbidden
	}
	secret := newSecret()
	if err := s.store.SetIdentitySecret(ctx, actor.WorkspaceID, id, secret, s.clock.Now()); err != nil {
		return "", err
	}
	invalidateSite(s.keys, id) // the cached site holds the secret identify checks with
	s.record(ctx, actor, "identity_secret_rotated", id, nil)
	return secret, nil
}

// Delete removes a site with its visitors and conversations.
func (s *Service) Delete(ctx context.Context, actor auth.Actor, id string) error {
	if !actor.Can(auth.ManageWorkspace) {
		return apperr.ErrForbidden
	}
	err := s.store.DeleteSite(ctx, actor.WorkspaceID, id)
	invalidateSite(s.keys, id)
	if err == nil {
		s.refused.forget(id)
		s.record(ctx, actor, "site_deleted", id, nil)
	}
	return err
}

func siteErr(err error) error {
	if err != nil && apperr.Is(err, apperr.NotFound) && strings.Contains(err.Error(), "department") {
		return &apperr.Error{Kind: apperr.Invalid, Code: "unknown_department", Field: "default_department_id", Message: "no such department", Err: err}
	}
	return err
}

const maxOrigins = 50

var hhmm = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$`)

func apply(st *store.Site, in Input) error {
	if in.Name != nil {
		n, ok := printable.Name(*in.Name, printable.MaxName, false)
		if !ok {
			return apperr.Invalidf("name", "invalid_name", "a site name needs 1 to 100 characters, without control characters")
		}
		st.Name = n
	}
	if in.AllowedOrigins != nil {
		if len(*in.AllowedOrigins) > maxOrigins {
			return apperr.Invalidf("allowed_origins", "too_many_origins", "at most %d origins", maxOrigins)
		}
		origins := make([]string, 0, len(*in.AllowedOrigins))
		for _, o := range *in.AllowedOrigins {
			norm, ok := normalizeOrigin(o)
			if !ok {
				return apperr.Invalidf("allowed_origins", "invalid_origin",
					"%q is not an origin: use scheme://host[:port], optionally with *. before the host", o)
			}
			origins = append(origins, norm)
		}
		st.AllowedOrigins = origins
	}
	if in.BusinessHours != nil {
		bh, err := Schedule(*in.BusinessHours)
		if err != nil {
			return err
		}
		if bh.ClosedMessage, err = lookText("business_hours.closed_message", "invalid_text", bh.ClosedMessage, MaxAutoText, true); err != nil {
			return err
		}
		if bh.Question, err = lookText("business_hours.question", "invalid_text", bh.Question, MaxAutoText, true); err != nil {
			return err
		}
		st.BusinessHours = bh
	}
	if in.DefaultDepartmentID != nil {
		st.DefaultDepartmentID = *in.DefaultDepartmentID
	}
	if in.Look != nil {
		return applyLook(&st.Look, *in.Look)
	}
	return nil
}

// normalizeOrigin accepts "scheme://host[:port]" with an optional "*."
// label wildcard and returns it lower-cased.
func normalizeOrigin(o string) (string, bool) {
	o = strings.ToLower(strings.TrimSpace(o))
	wild := false
	probe := o
	if i := strings.Index(o, "://*."); i > 0 {
		wild = true
		probe = o[:i+3] + o[i+5:]
	}
	u, err := url.Parse(probe)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" ||
		u.RawQuery != "" || u.Fragment != "" || u.User != nil || strings.ContainsAny(u.Host, "*") {
		return "", false
	}
	// Browsers leave the scheme's default port out of Origin, so a listed
	// "https://example.com:443" must be stored without it to ever match.
	host := u.Host
	if p := u.Port(); (u.Scheme == "https" && p == "443") || (u.Scheme == "http" && p == "80") {
		host = strings.TrimSuffix(host, ":"+p)
	}
	if wild {
		return u.Scheme + "://*." + host, true
	}
	return u.Scheme + "://" + host, true
}

// OriginAllowed reports whether a browser Origin header may use the site's
// widget. A site with no allowed origins accepts any origin: that is the
// out-of-the-box state, and the widget key is public anyway; listing
// origins narrows it.
func OriginAllowed(st store.Site, origin string) bool {
	if len(st.AllowedOrigins) == 0 {
		return true
	}
	origin = strings.ToLower(origin)
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	for _, a := range st.AllowedOrigins {
		if a == origin {
			return true
		}
		if i := strings.Index(a, "://*."); i > 0 && a[:i] == u.Scheme {
			suffix := a[i+4:] // ".example.com"
			if strings.HasSuffix(u.Host, suffix) && len(u.Host) > len(suffix) {
				return true
			}
		}
	}
	return false
}

// VerifyIdentity reports whether hash is the hex HMAC-SHA256 of externalID
// under the site's secret, compared in constant time.
func VerifyIdentity(st store.Site, externalID, hash string) bool {
	if hash == "" || externalID == "" || st.IdentitySecret == "" {
		return false
	}
	got, err := hex.DecodeString(hash)
	if err != nil {
		return false
	}
	return hmac.Equal(got, IdentityHash(st.IdentitySecret, externalID))
}

// IdentityHash computes HMAC-SHA256(secret, externalID): what a site's back
// end puts in identify({hash}).
func IdentityHash(secret, externalID string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(externalID))
	return m.Sum(nil)
}

// ProfileHash computes HMAC-SHA256(secret, externalID + "\n" + email +
// "\n" + name): what a site's back end puts in identify({hash}) to vouch
// for the name and e-mail as well as the id.
func ProfileHash(secret, externalID, email, name string) []byte {
	return IdentityHash(secret, externalID+"\n"+email+"\n"+name)
}

// Vouched says what an identify hash vouches for.
type Vouched int

// What a hash vouches for.
const (
	VouchedNothing Vouched = iota // a wrong or missing hash
	VouchedID                     // the external id only (HMAC of the id)
	VouchedProfile                // the id, the name and the e-mail (ProfileHash)
)

// VerifyProfile reports what hash vouches for: the whole profile, the
// external id alone, or nothing. Compared in constant time.
func VerifyProfile(st store.Site, externalID, email, name, hash string) Vouched {
	if hash == "" || externalID == "" || st.IdentitySecret == "" {
		return VouchedNothing
	}
	got, err := hex.DecodeString(hash)
	if err != nil {
		return VouchedNothing
	}
	switch {
	case hmac.Equal(got, ProfileHash(st.IdentitySecret, externalID, email, name)):
		return VouchedProfile
	case hmac.Equal(got, IdentityHash(st.IdentitySecret, externalID)):
		return VouchedID
	}
	return VouchedNothing
}
