// Package contact keeps the customer record agents read before replying:
// a contact's profile and typed custom fields, its visitors (browsers),
// conversations, tickets and pages seen; search over every contact of a
// workspace; merging two records into one; and, for data-protection
// requests, a full export and an erasure. A Service is stateless and safe
// for concurrent use.
package contact

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/event"
	"github.com/querytel/livedesk/internal/printable"
	"github.com/querytel/livedesk/internal/store"
)

// Store is what contact needs from the database.
type Store interface {
	CreateContact(ctx context.Context, c store.Contact, now time.Time) (store.Contact, error)
	GetContact(ctx context.Context, workspaceID, id string) (store.Contact, error)
	ContactByExternalID(ctx context.Context, workspaceID, externalID string) (store.Contact, error)
	UpdateContact(ctx context.Context, c store.Contact, now time.Time) (store.Contact, error)
	ListContacts(ctx context.Context, workspaceID string, q store.ContactQuery) ([]store.Contact, error)
	ContactHistory(ctx context.Context, workspaceID, id string, limit int) (store.ContactRecord, error)
	MergeContacts(ctx context.Context, workspaceID, intoID, fromID string, now time.Time) (store.Contact, error)
	EraseContact(ctx context.Context, workspaceID, id string) (int, error)
	ListPageViews(ctx context.Context, workspaceID, visitorID string, limit int) ([]store.PageView, error)
	ListMessages(ctx context.Context, workspaceID, conversationID string, afterSeq, untilSeq int64, limit int) ([]store.Message, error)
}

// Recorder keeps the audit log (package audit); nil records nothing.
type Recorder interface {
	Record(ctx context.Context, actor auth.Actor, action, targetType, targetID string, detail map[string]any)
}

// Service manages contacts.
type Service struct {
	store Store
	clock clock.Clock
	audit Recorder
	pub   *event.Publisher // nil: desks are not told
}

// New returns a Service.
func New(st Store, clk clock.Clock, pub *event.Publisher, rec Recorder) *Service {
	return &Service{store: st, clock: clk, pub: pub, audit: rec}
}

// Limits of a contact's profile.
const (
	MaxExternalID = 128
	MaxPhone      = 40
	MaxFields     = 50
	MaxFieldKey   = 40
	MaxFieldText  = 500
	MaxLink       = 2000
	MaxQuery      = 100
	MaxPage       = 100
	// HistoryLimit bounds each list of a contact's page (conversations,
	// tickets, visitors, pages).
	HistoryLimit = 50
)

var (
	ErrNotFound     = apperr.New(apperr.NotFound, "contact_not_found", "no such contact")
	ErrExternalID   = &apperr.Error{Kind: apperr.Conflict, Code: "external_id_taken", Field: "external_id", Message: "another contact has this external id"}
	ErrMerge        = apperr.New(apperr.Conflict, "invalid_merge", "a contact merges into another contact that was not merged itself")
	fieldKey        = regexp.MustCompile(`^[a-z0-9_]{1,40}$`)
	phoneCharacters = regexp.MustCompile(`^[0-9+() .\-/]*$`)
	dateLayout      = "2006-01-02"
)

// Input is a contact's profile as an agent sets it; nil fields stay as
// they are (Fields, when set, replaces them all).
type Input struct {
	ExternalID *string                        `json:"external_id"`
	Name       *string                        `json:"name"`
	Email      *string                        `json:"email"`
	Phone      *string                        `json:"phone"`
	Fields     *map[string]store.ContactField `json:"fields"`
}

// apply validates in onto c.
func apply(c *store.Contact, in Input) error {
	if in.ExternalID != nil {
		id := strings.TrimSpace(*in.ExternalID)
		if utf8.RuneCountInString(id) > MaxExternalID || strings.ContainsAny(id, "\x00\r\n") {
			return apperr.Invalidf("external_id", "invalid_external_id", "external_id may have at most %d characters, on one line", MaxExternalID)
		}
		c.ExternalID = id
	}
	if in.Name != nil {
		name, ok := printable.Name(*in.Name, printable.MaxName, true)
		if !ok {
			return apperr.Invalidf("name", "invalid_name", "a name has at most %d characters, without control characters", printable.MaxName)
		}
		c.Name = name
	}
	if in.Email != nil {
		email := strings.ToLower(strings.TrimSpace(*in.Email))
		if email != "" {
			if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > 254 {
				return apperr.Invalidf("email", "invalid_email", "%q is not an e-mail address", *in.Email)
			}
		}
		c.Email = email
	}
	if in.Phone != nil {
		phone := strings.TrimSpace(*in.Phone)
		if len(phone) > MaxPhone || !phoneCharacters.MatchString(phone) {
			return apperr.Invalidf("phone", "invalid_phone", "a phone number has at most %d of 0-9 + ( ) . - / and spaces", MaxPhone)
		}
		c.Phone = phone
	}
	if in.Fields != nil {
		fields, err := validFields(*in.Fields)
		if err != nil {
			return err
		}
		c.Fields = fields
	}
	return nil
}

// validFields checks custom fields: keys of a-z 0-9 _, a known type each,
// and a value of that type.
func validFields(in map[string]store.ContactField) (map[string]store.ContactField, error) {
	if len(in) > MaxFields {
		return nil, apperr.Invalidf("fields", "too_many_fields", "at most %d custom fields", MaxFields)
	}
	out := make(map[string]store.ContactField, len(in))
	for k, f := range in {
		if !fieldKey.MatchString(k) {
			return nil, apperr.Invalidf("fields", "invalid_field_key", "field %q: a key has 1 to %d of a-z 0-9 _", k, MaxFieldKey)
		}
		bad := func(want string) error {
			return apperr.Invalidf("fields."+k, "invalid_field_value", "field %q of type %s needs %s", k, f.Type, want)
		}
		switch f.Type {
		case store.FieldText:
			s, ok := f.Value.(string)
			if !ok || utf8.RuneCountInString(s) > MaxFieldText || strings.ContainsRune(s, 0) {
				return nil, bad(fmt.Sprintf("a text of at most %d characters", MaxFieldText))
			}
		case store.FieldNumber:
			n, ok := f.Value.(float64)
			if !ok || math.IsNaN(n) || math.IsInf(n, 0) {
				return nil, bad("a number")
			}
		case store.FieldBoolean:
			if _, ok := f.Value.(bool); !ok {
				return nil, bad("true or false")
			}
		case store.FieldDate:
			s, ok := f.Value.(string)
			if t, err := time.Parse(dateLayout, s); !ok || err != nil || t.Format(dateLayout) != s {
				return nil, bad("a date as YYYY-MM-DD")
			}
		case store.FieldLink:
			s, ok := f.Value.(string)
			u, err := url.Parse(s)
			if !ok || err != nil || len(s) > MaxLink || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				return nil, bad("an http(s) URL")
			}
		default:
			return nil, apperr.Invalidf("fields."+k, "invalid_field_type", "field %q: type must be text, number, date, boolean or link", k)
		}
		out[k] = f
	}
	return out, nil
}

func mapErr(err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return ErrNotFound
	case errors.Is(err, store.ErrConflict):
		return ErrExternalID
	}
	return err
}

func agentOnly(a auth.Actor) error {
	if a.AgentID == "" {
		return apperr.ErrForbidden
	}
	return nil
}

// Page is a page of contacts; After asks for the next one.
type Page struct {
	Items []store.Contact `json:"items"`
	After string          `json:"next_after,omitempty"` // opaque
}

// List searches the workspace's contacts (any agent).
func (s *Service) List(ctx context.Context, a auth.Actor, query, sort, after string, limit int) (Page, error) {
	if err := agentOnly(a); err != nil {
		return Page{}, err
	}
	query = strings.TrimSpace(query)
	if utf8.RuneCountInString(query) > MaxQuery {
		return Page{}, apperr.Invalidf("q", "invalid_query", "a search has at most %d characters", MaxQuery)
	}
	switch sort {
	case "", store.ContactsByName, store.ContactsByCreated, store.ContactsByUpdated:
	default:
		return Page{}, apperr.Invalidf("sort", "invalid_sort", "sort is name, created or updated")
	}
	if limit <= 0 || limit > MaxPage {
		limit = MaxPage
	}
	q := store.ContactQuery{Query: query, Sort: sort, Limit: limit + 1}
	if after != "" {
		c, ok := parseCursor(after, sort)
		if !ok {
			return Page{}, apperr.Invalidf("after", "invalid_cursor", "after is not a next_after of this list")
		}
		q.After = &c
	}
	list, err := s.store.ListContacts(ctx, a.WorkspaceID, q)
	if err != nil {
		return Page{}, err
	}
	p := Page{Items: list}
	if len(list) > limit {
		p.Items = list[:limit]
		p.After = cursor(p.Items[limit-1], sort)
	}
	return p, nil
}

// A cursor holds the last contact's sort key as it was on the page, not
// its id alone: a contact changed since (renamed, or updated by an
// identify) must not move the next page.
type cursorData struct {
	Sort string `json:"s"`
	Name string `json:"n,omitempty"`
	At   int64  `json:"t,omitempty"` // created_at or updated_at, Unix ms
	ID   string `json:"i"`
}

func cursor(c store.Contact, sort string) string {
	d := cursorData{Sort: sort, ID: c.ID}
	switch sort {
	case store.ContactsByCreated:
		d.At = c.CreatedAt.UnixMilli()
	case store.ContactsByUpdated:
		d.At = c.UpdatedAt.UnixMilli()
	default:
		d.Name = c.Name
	}
	b, _ := json.Marshal(d)
	return base64.RawURLEncoding.EncodeToString(b)
}

func parseCursor(s, sort string) (store.Contact, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	var d cursorData
	if err != nil || json.Unmarshal(b, &d) != nil || d.Sort != sort || d.ID == "" {
		return store.Contact{}, false
	}
	at := time.UnixMilli(d.At).UTC()
	return store.Contact{ID: d.ID, Name: d.Name, CreatedAt: at, UpdatedAt: at}, true
}

// Record is a contact's page: its profile, visitors, conversations,
// tickets, and the pages its visitors saw lately.
type Record struct {
	store.ContactRecord
	Pages []store.PageView `json:"pages"`
}

// Get reads a contact's page (any agent). A merged contact's page is the
// one it was merged into.
func (s *Service) Get(ctx context.Context, a auth.Actor, id string) (Record, error) {
	if err := agentOnly(a); err != nil {
		return Record{}, err
	}
	return s.record(ctx, a, id, HistoryLimit)
}

// exportLimit is "everything" for an export: far more than a person has.
const exportLimit = 1_000_000

// record reads a contact's page with at most limit of each list.
func (s *Service) record(ctx context.Context, a auth.Actor, id string, limit int) (Record, error) {
	rec, err := s.store.ContactHistory(ctx, a.WorkspaceID, id, limit)
	if err == nil && rec.Contact.MergedInto != "" {
		rec, err = s.store.ContactHistory(ctx, a.WorkspaceID, rec.Contact.MergedInto, limit)
	}
	if err != nil {
		return Record{}, mapErr(err)
	}
	out := Record{ContactRecord: rec, Pages: []store.PageView{}}
	for _, v := range rec.Visitors {
		pages, err := s.store.ListPageViews(ctx, a.WorkspaceID, v.ID, limit)
		if err != nil {
			return Record{}, err
		}
		out.Pages = append(out.Pages, pages...)
		if len(out.Pages) >= limit {
			out.Pages = out.Pages[:limit]
			break
		}
	}
	return out, nil
}

// Create adds a contact (any agent).
func (s *Service) Create(ctx context.Context, a auth.Actor, in Input) (store.Contact, error) {
	if err := agentOnly(a); err != nil {
		return store.Contact{}, err
	}
	c := store.Contact{WorkspaceID: a.WorkspaceID, Fields: map[string]store.ContactField{}}
	if err := apply(&c, in); err != nil {
		return store.Contact{}, err
	}
	if c.Name == "" && c.Email == "" && c.ExternalID == "" && c.Phone == "" {
		return store.Contact{}, apperr.Invalidf("name", "required", "a contact needs a name, an e-mail address, a phone number or an external id")
	}
	out, err := s.store.CreateContact(ctx, c, s.clock.Now())
	if err != nil {
		return store.Contact{}, mapErr(err)
	}
	s.changed(ctx, out, false)
	return out, nil
}

// Update changes a contact's profile (any agent).
func (s *Service) Update(ctx context.Context, a auth.Actor, id string, in Input) (store.Contact, error) {
	if err := agentOnly(a); err != nil {
		return store.Contact{}, err
	}
	c, err := s.store.GetContact(ctx, a.WorkspaceID, id)
	if err != nil || c.MergedInto != "" {
		return store.Contact{}, ErrNotFound
	}
	if err := apply(&c, in); err != nil {
		return store.Contact{}, err
	}
	out, err := s.store.UpdateContact(ctx, c, s.clock.Now())
	if err != nil {
		return store.Contact{}, mapErr(err)
	}
	s.changed(ctx, out, false)
	return out, nil
}

// Upsert finds the contact with externalID and changes what in gives,
// or makes it from in with that external id (created reports which): how
// a CRM keeps its customers in step without remembering Live Desk's ids.
// An external_id in in must be externalID (or absent).
func (s *Service) Upsert(ctx context.Context, a auth.Actor, externalID string, in Input) (store.Contact, bool, error) {
	if err := agentOnly(a); err != nil {
		return store.Contact{}, false, err
	}
	if strings.TrimSpace(externalID) == "" {
		return store.Contact{}, false, apperr.Invalidf("external_id", "invalid_external_id", "the path names the contact's external id")
	}
	if in.ExternalID != nil && strings.TrimSpace(*in.ExternalID) != strings.TrimSpace(externalID) {
		return store.Contact{}, false, apperr.Invalidf("external_id", "invalid_external_id",
			"external_id in the body differs from the path's; change a contact's external id with PATCH /api/v1/contacts/{id}")
	}
	in.ExternalID = &externalID
	var probe store.Contact
	if err := apply(&probe, in); err != nil {
		return store.Contact{}, false, err
	}
	// Two upserts of a new id at once: one creates, the other finds it
	// on its second look and updates it.
	for range 2 {
		c, err := s.store.ContactByExternalID(ctx, a.WorkspaceID, probe.ExternalID)
		if err == nil {
			out, err := s.Update(ctx, a, c.ID, in)
			return out, false, err
		}
		if !errors.Is(err, store.ErrNotFound) {
			return store.Contact{}, false, err
		}
		out, err := s.Create(ctx, a, in)
		if !errors.Is(err, ErrExternalID) {
			return out, err == nil, err
		}
	}
	return store.Contact{}, false, ErrExternalID
}

// Merge moves everything of contact from into contact into (supervisors
// and above): the duplicate stays as a trace that leads to into.
func (s *Service) Merge(ctx context.Context, a auth.Actor, into, from string) (store.Contact, error) {
	if !a.Can(auth.ManageAnyConversation) {
		return store.Contact{}, apperr.ErrForbidden
	}
	if from == "" {
		return store.Contact{}, apperr.Invalidf("from_id", "required", "from_id is required")
	}
	out, err := s.store.MergeContacts(ctx, a.WorkspaceID, into, from, s.clock.Now())
	if errors.Is(err, store.ErrConflict) {
		return store.Contact{}, ErrMerge
	}
	if err != nil {
		return store.Contact{}, mapErr(err)
	}
	s.audited(ctx, a, "contact_merged", into, map[string]any{"from_id": from})
	s.changed(ctx, out, false)
	if trace, err := s.store.GetContact(ctx, a.WorkspaceID, from); err == nil {
		s.changed(ctx, trace, false) // a desk showing it follows the trace
	}
	return out, nil
}

// Export is everything kept about a contact, for a data-protection
// request: its record and every message of its conversations.
type Export struct {
	Record
	Messages map[string][]store.Message `json:"messages"` // by conversation id
}

// Export gathers everything about a contact (owners and admins): every
// conversation, ticket, visitor and page, and the profiles of the
// contacts merged into it.
func (s *Service) Export(ctx context.Context, a auth.Actor, id string) (Export, error) {
	if !a.Can(auth.ManageContacts) {
		return Export{}, apperr.ErrForbidden
	}
	rec, err := s.record(ctx, a, id, exportLimit)
	if err != nil {
		return Export{}, err
	}
	out := Export{Record: rec, Messages: map[string][]store.Message{}}
	for _, c := range rec.Conversations {
		var all []store.Message
		for after := int64(0); ; {
			page, err := s.store.ListMessages(ctx, a.WorkspaceID, c.ID, after, 0, 500)
			if err != nil {
				return Export{}, err
			}
			all = append(all, page...)
			if len(page) < 500 {
				break
			}
			after = page[len(page)-1].Seq
		}
		out.Messages[c.ID] = all
	}
	s.audited(ctx, a, "contact_exported", rec.Contact.ID, nil)
	return out, nil
}

// Erase deletes a contact and its visitors, conversations (with every
// message) and tickets (owners and admins). It returns how many
// conversations went.
func (s *Service) Erase(ctx context.Context, a auth.Actor, id string) (int, error) {
	if !a.Can(auth.ManageContacts) {
		return 0, apperr.ErrForbidden
	}
	n, err := s.store.EraseContact(ctx, a.WorkspaceID, id)
	if err != nil {
		return 0, mapErr(err)
	}
	s.audited(ctx, a, "contact_erased", id, map[string]any{"conversations": n})
	s.changed(ctx, store.Contact{ID: id, WorkspaceID: a.WorkspaceID}, true)
	return n, nil
}

// changed tells every desk of the workspace that c changed (or, erased,
// is gone): a contact's page or card on screen reads it again.
func (s *Service) changed(ctx context.Context, c store.Contact, erased bool) {
	if s.pub != nil {
		s.pub.Publish(ctx, c.WorkspaceID, "", event.Desk, event.ContactFrame{Type: event.TypeContact, Contact: c, Erased: erased})
	}
}

func (s *Service) audited(ctx context.Context, a auth.Actor, action, id string, detail map[string]any) {
	if s.audit != nil {
		s.audit.Record(ctx, a, action, "contact", id, detail)
	}
}
