package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Contact is a known person (identified by the site's own user id, or by
// an e-mail address they gave) across visits, devices and sites of a
// workspace.
type Contact struct {
	ID          string `json:"id"`
	WorkspaceID string `json:"workspace_id"`
	ExternalID  string `json:"external_id"`
	Name        string `json:"name"`
	Email       string `json:"email"`
	Phone       string `json:"phone"`
	// Fields are the contact's custom data, typed (ContactField).
	Fields map[string]ContactField `json:"fields"`
	// Claimed: made from an e-mail address a visitor typed, vouched for by
	// nobody (ClaimContact).
	Claimed bool `json:"claimed"`
	// MergedInto: this contact was merged into that one (a trace; it is
	// in no list and no search).
	MergedInto string    `json:"merged_into,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Custom field types.
const (
	FieldText    = "text"
	FieldNumber  = "number"
	FieldDate    = "date" // "YYYY-MM-DD"
	FieldBoolean = "boolean"
	FieldLink    = "link" // an http(s) URL
)

// ContactField is one custom value: Value is a string (text, date, link),
// a float64 (number) or a bool (boolean).
type ContactField struct {
	Type  string `json:"type"`
	Value any    `json:"value"`
}

const contactColumns = `id, workspace_id, COALESCE(external_id, ''), name, email, phone, fields, claimed, COALESCE(merged_into, ''), created_at, updated_at`

func scanContact(sc scanner) (Contact, error) {
	var (
		c        Contact
		fields   string
		cre, upd int64
	)
	if err := sc.Scan(&c.ID, &c.WorkspaceID, &c.ExternalID, &c.Name, &c.Email, &c.Phone, &fields, &c.Claimed, &c.MergedInto, &cre, &upd); err != nil {
		return Contact{}, err
	}
	c.CreatedAt, c.UpdatedAt = fromMillis(cre), fromMillis(upd)
	c.Fields = map[string]ContactField{}
	if fields != "" && fields != "{}" {
		if err := json.Unmarshal([]byte(fields), &c.Fields); err != nil {
			return Contact{}, fmt.Errorf("contact %s fields: %w", c.ID, err)
		}
	}
	return c, nil
}

// searchText is what a search of c matches: its lowercased name, e-mail,
// phone, external id and field values.
func searchText(c Contact) string {
	parts := []string{c.Name, c.Email, c.Phone, c.ExternalID}
	keys := make([]string, 0, len(c.Fields))
	for k := range c.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		parts = append(parts, fmt.Sprint(c.Fields[k].Value))
	}
	return strings.ToLower(strings.Join(parts, " "))
}

func fieldsJSON(f map[string]ContactField) (string, error) {
	if len(f) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(f)
	if err != nil {
		return "", fmt.Errorf("store: contact fields: %w", err)
	}
	return string(b), nil
}

// UpsertContact finds the workspace's contact with externalID, creating it
// when missing; non-empty name and email overwrite the stored ones.
func (s *Store) UpsertContact(ctx context.Context, workspaceID, externalID, name, email string, now time.Time) (Contact, error) {
	var out Contact
	err := s.inTx(ctx, "store: upsert contact", func(tx *sql.Tx) error {
		c, err := scanContact(tx.QueryRowContext(ctx, `SELECT `+contactColumns+` FROM contacts
			WHERE workspace_id = $1 AND external_id = $2`+forUpdate(s.dialect), workspaceID, externalID))
		if errors.Is(err, sql.ErrNoRows) {
			// Two identify calls for a new user at once (two tabs): one
			// inserts, the other finds its row.
			var inserted bool
			c, inserted, err = insertContactOnce(ctx, tx, s.dialect, Contact{WorkspaceID: workspaceID, ExternalID: externalID, Name: name, Email: email}, now)
			if err != nil || inserted {
				out = c
				return err
			}
			c, err = scanContact(tx.QueryRowContext(ctx, `SELECT `+contactColumns+` FROM contacts
				WHERE workspace_id = $1 AND external_id = $2`+forUpdate(s.dialect), workspaceID, externalID))
		}
		if err != nil {
			return mapErr("store: upsert contact", err)
		}
		// A merged contact's id leads to the contact it was merged into.
		for hops := 0; c.MergedInto != "" && hops < 10; hops++ {
			if c, err = scanContact(tx.QueryRowContext(ctx, `SELECT `+contactColumns+` FROM contacts
				WHERE workspace_id = $1 AND id = $2`+forUpdate(s.dialect), workspaceID, c.MergedInto)); err != nil {
				return mapErr("store: upsert contact", err)
			}
		}
		before := c
		if name != "" {
			c.Name = name
		}
		if email != "" {
			c.Email = email
		}
		if out, err = updateContact(ctx, tx, c, now); err != nil {
			return err
		}
		if out.Name == before.Name && out.Email == before.Email {
			return nil // the same again (every identify of a returning user): no webhook event
		}
		return hookContact(ctx, tx, EventContactUpdated, out, now)
	})
	return out, err
}

// ContactByEmail finds the workspace's contact (not merged) with this
// e-mail address; of several, the oldest.
func (s *Store) ContactByEmail(ctx context.Context, workspaceID, email string) (Contact, error) {
	c, err := scanContact(s.read.QueryRowContext(ctx, `SELECT `+contactColumns+` FROM contacts
		WHERE workspace_id = $1 AND email = $2 AND merged_into IS NULL ORDER BY created_at, id LIMIT 1`, workspaceID, email))
	return c, mapErr("store: contact by e-mail", err)
}

// ClaimContact finds or makes the contact of an e-mail address a visitor
// gave without proof (an offline form): the oldest contact with that
// address and no external id, or a new one. A contact the site vouched
// for (with an external id) is never found this way, so a claim cannot
// attach a chat to a verified customer.
func (s *Store) ClaimContact(ctx context.Context, workspaceID, email, name string, now time.Time) (Contact, error) {
	var out Contact
	err := s.inTx(ctx, "store: claim contact", func(tx *sql.Tx) error {
		c, err := scanContact(tx.QueryRowContext(ctx, `SELECT `+contactColumns+` FROM contacts
			WHERE workspace_id = $1 AND email = $2 AND external_id IS NULL AND merged_into IS NULL
			ORDER BY created_at, id LIMIT 1`+forUpdate(s.dialect), workspaceID, email))
		switch {
		case err == nil:
			out = c
			return nil
		case !errors.Is(err, sql.ErrNoRows):
			return mapErr("store: claim contact", err)
		}
		out, err = insertContact(ctx, tx, s.dialect, Contact{WorkspaceID: workspaceID, Email: email, Name: name, Claimed: true}, now)
		return err
	})
	return out, err
}

// insertContactOnce inserts c unless a contact of the workspace has its
// external id; inserted reports which.
func insertContactOnce(ctx context.Context, tx *sql.Tx, d Dialect, c Contact, now time.Time) (Contact, bool, error) {
	out, err := insertContactAs(ctx, tx, d, c, now, ` ON CONFLICT (workspace_id, external_id) DO NOTHING`)
	if errors.Is(err, errNotInserted) {
		return Contact{}, false, nil
	}
	return out, err == nil, err
}

var errNotInserted = errors.New("store: not inserted")

func insertContact(ctx context.Context, tx *sql.Tx, d Dialect, c Contact, now time.Time) (Contact, error) {
	return insertContactAs(ctx, tx, d, c, now, "")
}

func insertContactAs(ctx context.Context, tx *sql.Tx, d Dialect, c Contact, now time.Time, conflict string) (Contact, error) {
	c.ID, c.CreatedAt, c.UpdatedAt = NewID(), stored(now), stored(now)
	if c.Fields == nil {
		c.Fields = map[string]ContactField{}
	}
	fields, err := fieldsJSON(c.Fields)
	if err != nil {
		return Contact{}, err
	}
	cols, vals := ``, ``
	if d == SQLite {
		// The contact takes the next search_id, the trigram index's key
		// (one writer: no two inserts read the same maximum).
		cols, vals = `, search_id`, `, (SELECT COALESCE(MAX(search_id), 0) + 1 FROM contacts)`
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO contacts (id, workspace_id, external_id, name, email, phone, fields, search, claimed, created_at, updated_at`+cols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10`+vals+`)`+conflict,
		c.ID, c.WorkspaceID, nullString(c.ExternalID), c.Name, c.Email, c.Phone, fields, searchText(c), c.Claimed, millis(now))
	n, err := affected(res, err)
	if err != nil {
		return Contact{}, mapErr("store: create contact", err)
	}
	if n == 0 {
		return Contact{}, errNotInserted
	}
	return c, hookContact(ctx, tx, EventContactCreated, c, now)
}

func updateContact(ctx context.Context, tx *sql.Tx, c Contact, now time.Time) (Contact, error) {
	fields, err := fieldsJSON(c.Fields)
	if err != nil {
		return Contact{}, err
	}
	res, err := tx.ExecContext(ctx, `UPDATE contacts SET external_id = $3, name = $4, email = $5, phone = $6, fields = $7, search = $8,
		updated_at = $9 WHERE workspace_id = $1 AND id = $2`,
		c.WorkspaceID, c.ID, nullString(c.ExternalID), c.Name, c.Email, c.Phone, fields, searchText(c), millis(now))
	if err := mustAffect("store: update contact", res, err); err != nil {
		return Contact{}, err
	}
	c.UpdatedAt = stored(now)
	return c, nil
}

// CreateContact adds a contact. An external id another contact of the
// workspace has is ErrConflict.
func (s *Store) CreateContact(ctx context.Context, c Contact, now time.Time) (Contact, error) {
	var out Contact
	err := s.inTx(ctx, "store: create contact", func(tx *sql.Tx) error {
		var err error
		out, err = insertContact(ctx, tx, s.dialect, c, now)
		return err
	})
	return out, err
}

// UpdateContact stores a contact's profile: external id, name, e-mail,
// phone and fields (all of them, as given). A merged contact is
// ErrNotFound; an external id another contact has is ErrConflict.
func (s *Store) UpdateContact(ctx context.Context, c Contact, now time.Time) (Contact, error) {
	var out Contact
	err := s.inTx(ctx, "store: update contact", func(tx *sql.Tx) error {
		prev, err := scanContact(tx.QueryRowContext(ctx, `SELECT `+contactColumns+` FROM contacts
			WHERE workspace_id = $1 AND id = $2 AND merged_into IS NULL`+forUpdate(s.dialect), c.WorkspaceID, c.ID))
		if err != nil {
			return mapErr("store: update contact", err)
		}
		c.CreatedAt = prev.CreatedAt
		if out, err = updateContact(ctx, tx, c, now); err != nil {
			return err
		}
		return hookContact(ctx, tx, EventContactUpdated, out, now)
	})
	return out, err
}

// ContactByExternalID finds the workspace's contact with an external id
// (a merged one gave its id up to the contact it went into).
func (s *Store) ContactByExternalID(ctx context.Context, workspaceID, externalID string) (Contact, error) {
	c, err := scanContact(s.read.QueryRowContext(ctx, `SELECT `+contactColumns+` FROM contacts
		WHERE workspace_id = $1 AND external_id = $2 AND merged_into IS NULL`, workspaceID, externalID))
	return c, mapErr("store: contact by external id", err)
}

// GetContact reads one contact of a workspace (a merged one too: its
// MergedInto says where it went).
func (s *Store) GetContact(ctx context.Context, workspaceID, id string) (Contact, error) {
	c, err := scanContact(s.read.QueryRowContext(ctx, `SELECT `+contactColumns+` FROM contacts WHERE workspace_id = $1 AND id = $2`, workspaceID, id))
	return c, mapErr("store: get contact", err)
}

// Contact list orders.
const (
	ContactsByName    = "name"    // A→Z
	ContactsByCreated = "created" // newest first
	ContactsByUpdated = "updated" // most recently changed first
)

// ContactQuery selects a page of contacts.
type ContactQuery struct {
	Query string // matched anywhere in name, e-mail, phone, external id, field values (case-insensitive)
	Sort  string // ContactsByName ("" too), ContactsByCreated, ContactsByUpdated
	// After is the last contact of the previous page (keyset paging).
	After *Contact
	Limit int
}

// manyMatches is where a search stops going through the trigram index: to
// read and sort that many contacts costs more than walking the order's
// index to the first page of them.
const manyMatches = 2000

// ListContacts reads a page of the workspace's contacts (merged ones left
// out). Paging is by the sort key and id, so page N costs what page 1
// does however many contacts there are.
func (s *Store) ListContacts(ctx context.Context, workspaceID string, q ContactQuery) ([]Contact, error) {
	args := []any{workspaceID}
	where := ` WHERE workspace_id = $1 AND merged_into IS NULL`
	if q.Query != "" {
		// search is lowercased. On PostgreSQL a LIKE, which a pg_trgm index
		// can serve when an operator made one (docs/operations.md); on
		// SQLite a plain substring test, cheaper per row than LIKE.
		needle := strings.ToLower(q.Query)
		if s.dialect == Postgres {
			args = append(args, "%"+likeEscape(needle)+"%")
			where += fmt.Sprintf(` AND search LIKE $%d ESCAPE '\'`, len(args))
		} else {
			args = append(args, needle)
			where += fmt.Sprintf(` AND instr(search, $%d) > 0`, len(args))
		}
	}
	col, dir, cmp := "name", "ASC", ">"
	switch q.Sort {
	case ContactsByCreated:
		col, dir, cmp = "created_at", "DESC", "<"
	case ContactsByUpdated:
		col, dir, cmp = "updated_at", "DESC", "<"
	}
	if q.After != nil {
		var key any = q.After.Name
		switch col {
		case "created_at":
			key = millis(q.After.CreatedAt)
		case "updated_at":
			key = millis(q.After.UpdatedAt)
		}
		// A row comparison: both databases seek the order's index to it.
		args = append(args, key, q.After.ID)
		where += fmt.Sprintf(` AND (%s, id) %s ($%d, $%d)`, col, cmp, len(args)-1, len(args))
	}
	from := ` FROM contacts`
	if q.Query != "" && s.dialect == SQLite {
		// Two ways to search, by how many contacts match: a few are found
		// through the trigram index and only they are read and sorted; of
		// many, a page is found soonest by walking the order's index (the
		// name index carries the search text, so that walk reads no row
		// it does not return). docs/benchmarks.md, Contact search.
		phrase := `"` + strings.ReplaceAll(strings.ToLower(q.Query), `"`, `""`) + `"`
		few := false
		if utf8.RuneCountInString(q.Query) >= 3 {
			var n int
			if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH $1 LIMIT $2)`,
				phrase, manyMatches).Scan(&n); err != nil {
				return nil, mapErr("store: list contacts", err)
			}
			few = n < manyMatches
		}
		switch {
		case few:
			from += ` INDEXED BY contacts_search_id`
			args = append(args, phrase)
			where += fmt.Sprintf(` AND search_id IN (SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH $%d)`, len(args))
		case q.Sort == "" || q.Sort == ContactsByName:
			from += ` INDEXED BY contacts_by_name`
		}
	}
	args = append(args, q.Limit)
	rows, err := s.read.QueryContext(ctx, `SELECT `+contactColumns+from+where+
		fmt.Sprintf(` ORDER BY %s %s, id %s LIMIT $%d`, col, dir, dir, len(args)), args...)
	return collect(rows, err, "store: list contacts", scanContact)
}

// ContactRecord is everything kept about a contact: its visitors (and
// their recent pages), conversations and tickets.
type ContactRecord struct {
	Contact Contact `json:"contact"`
	// Merged are the traces of the contacts merged into this one.
	Merged        []Contact      `json:"merged"`
	Visitors      []Visitor      `json:"visitors"`
	Conversations []Conversation `json:"conversations"`
	Tickets       []Ticket       `json:"tickets"`
	// Comments are the agents' notes in the contact's conversations, as
	// they are now (edits applied, deleted ones left out), newest first.
	Comments []Message `json:"comments"`
}

// ContactHistory reads a contact's visitors, conversations, tickets,
// comments (newest first, at most limit each), and the traces merged into
// it.
func (s *Store) ContactHistory(ctx context.Context, workspaceID, id string, limit int) (ContactRecord, error) {
	c, err := s.GetContact(ctx, workspaceID, id)
	if err != nil {
		return ContactRecord{}, err
	}
	out := ContactRecord{Contact: c}
	rows, err := s.read.QueryContext(ctx, `SELECT `+visitorColumns+` FROM visitors WHERE workspace_id = $1 AND contact_id = $2
		ORDER BY last_seen_at DESC, id LIMIT $3`, workspaceID, id, limit)
	if out.Visitors, err = collect(rows, err, "store: contact visitors", scanVisitor); err != nil {
		return ContactRecord{}, err
	}
	rows, err = s.read.QueryContext(ctx, `SELECT `+conversationColumns+` FROM conversations WHERE workspace_id = $1 AND contact_id = $2
		ORDER BY last_activity_at DESC, id LIMIT $3`, workspaceID, id, limit)
	if out.Conversations, err = collect(rows, err, "store: contact conversations", scanConversation); err != nil {
		return ContactRecord{}, err
	}
	rows, err = s.read.QueryContext(ctx, `SELECT `+contactColumns+` FROM contacts WHERE workspace_id = $1 AND merged_into = $2
		ORDER BY created_at, id LIMIT $3`, workspaceID, id, limit)
	if out.Merged, err = collect(rows, err, "store: merged contacts", scanContact); err != nil {
		return ContactRecord{}, err
	}
	rows, err = s.read.QueryContext(ctx, ticketSelect+` WHERE t.workspace_id = $1 AND t.contact_id = $2
		ORDER BY t.created_at DESC, t.id LIMIT $3`, workspaceID, id, limit)
	if out.Tickets, err = collect(rows, err, "store: contact tickets", scanTicket); err != nil {
		return ContactRecord{}, err
	}
	rows, err = s.read.QueryContext(ctx, `SELECT `+messageColumns+` FROM messages WHERE workspace_id = $1 AND kind = $3 AND body <> ''
		AND conversation_id IN (SELECT id FROM conversations WHERE workspace_id = $1 AND contact_id = $2)
		ORDER BY created_at DESC, id DESC LIMIT $4`, workspaceID, id, KindComment, limit)
	if out.Comments, err = collect(rows, err, "store: contact comments", scanMessage); err != nil {
		return ContactRecord{}, err
	}
	return out, nil
}

// MergeContacts moves everything of contact from to contact into: its
// visitors, conversations, tickets and blocks, and the profile values
// into lacks (its fields too, into's winning). from stays as a trace
// (MergedInto); its external id goes to into when into has none, and
// otherwise stays on the trace, which UpsertContact follows. It returns
// into as it is now. Merging a contact into itself, or
// a merged one, is ErrConflict.
func (s *Store) MergeContacts(ctx context.Context, workspaceID, intoID, fromID string, now time.Time) (Contact, error) {
	var out Contact
	err := s.inTx(ctx, "store: merge contacts", func(tx *sql.Tx) error {
		if intoID == fromID {
			return ErrConflict
		}
		get := func(id string) (Contact, error) {
			c, err := scanContact(tx.QueryRowContext(ctx, `SELECT `+contactColumns+` FROM contacts
				WHERE workspace_id = $1 AND id = $2`+forUpdate(s.dialect), workspaceID, id))
			return c, mapErr("store: merge contacts", err)
		}
		into, err := get(intoID)
		if err != nil {
			return err
		}
		from, err := get(fromID)
		if err != nil {
			return err
		}
		if into.MergedInto != "" || from.MergedInto != "" {
			return ErrConflict
		}
		if err := markRolledChats(ctx, tx, workspaceID, "contact_id IN ($2, $3)", fromID, intoID); err != nil {
			return err
		}
		for _, table := range []string{"visitors", "conversations", "tickets"} {
			if _, err := tx.ExecContext(ctx, `UPDATE `+table+` SET contact_id = $3 WHERE workspace_id = $1 AND contact_id = $2`,
				workspaceID, fromID, intoID); err != nil {
				return mapErr("store: merge contacts: "+table, err)
			}
		}
		// A block of the duplicate moves to into, unless into has its own.
		if _, err := tx.ExecContext(ctx, `DELETE FROM blocks WHERE workspace_id = $1 AND kind = 'contact' AND value = $2
			AND EXISTS (SELECT 1 FROM blocks b WHERE b.workspace_id = $1 AND b.kind = 'contact' AND b.value = $3)`,
			workspaceID, fromID, intoID); err != nil {
			return mapErr("store: merge contacts: blocks", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE blocks SET value = $3 WHERE workspace_id = $1 AND kind = 'contact' AND value = $2`,
			workspaceID, fromID, intoID); err != nil {
			return mapErr("store: merge contacts: blocks", err)
		}
		// Traces that led to the duplicate lead to into now: every trace
		// points at a contact that is not merged, so erasing it erases
		// them all.
		if _, err := tx.ExecContext(ctx, `UPDATE contacts SET merged_into = $3 WHERE workspace_id = $1 AND merged_into = $2`,
			workspaceID, fromID, intoID); err != nil {
			return mapErr("store: merge contacts: traces", err)
		}
		// The trace keeps its external id unless into takes it (into has
		// none): identify with it then finds the trace, and follows it.
		keep := any(nullString(from.ExternalID))
		if into.ExternalID == "" {
			into.ExternalID, keep = from.ExternalID, nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE contacts SET merged_into = $3, external_id = $4, search = '', updated_at = $5
			WHERE workspace_id = $1 AND id = $2`, workspaceID, fromID, intoID, keep, millis(now)); err != nil {
			return mapErr("store: merge contacts", err)
		}
		if into.Name == "" {
			into.Name = from.Name
		}
		if into.Email == "" {
			into.Email = from.Email
		}
		if into.Phone == "" {
			into.Phone = from.Phone
		}
		for k, v := range from.Fields {
			if _, ok := into.Fields[k]; !ok {
				into.Fields[k] = v
			}
		}
		if out, err = updateContact(ctx, tx, into, now); err != nil {
			return err
		}
		return hookContact(ctx, tx, EventContactUpdated, out, now)
	})
	return out, err
}

// EraseContact deletes a contact and everything personal kept about it:
// its visitors (with their pages), conversations (with their messages),
// and tickets; merged traces pointing at it go too. It returns how many
// conversations were deleted.
func (s *Store) EraseContact(ctx context.Context, workspaceID, id string) (int, error) {
	var n int
	err := s.inTx(ctx, "store: erase contact", func(tx *sql.Tx) error {
		if err := ownedBy(ctx, tx, "contacts", workspaceID, id); err != nil {
			return err
		}
		// Everything that goes, by cascade too: the contact's chats, and
		// those of its visitors; their tickets, and those of its visitors.
		theirs := "(contact_id = $2 OR visitor_id IN (SELECT id FROM visitors WHERE contact_id = $2))"
		if err := markRolledChats(ctx, tx, workspaceID, theirs, id); err != nil {
			return err
		}
		if err := markRolledTickets(ctx, tx, workspaceID, true, `(contact_id = $2 OR visitor_id IN (SELECT id FROM visitors WHERE contact_id = $2)
			OR conversation_id IN (SELECT id FROM conversations WHERE `+theirs+`))`, id); err != nil {
			return err
		}
		// Webhook events not yet delivered carry it in their payloads.
		if _, err := tx.ExecContext(ctx, `DELETE FROM webhook_events WHERE workspace_id = $1 AND (subject = $2
			OR subject IN (SELECT id FROM contacts WHERE workspace_id = $1 AND merged_into = $2)
			OR subject IN (SELECT id FROM conversations WHERE workspace_id = $1 AND `+theirs+`)
			OR subject IN (SELECT id FROM tickets WHERE workspace_id = $1 AND (contact_id = $2 OR visitor_id IN (SELECT id FROM visitors WHERE contact_id = $2))))`,
			workspaceID, id); err != nil {
			return mapErr("store: erase contact: webhook events", err)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM conversations WHERE workspace_id = $1 AND contact_id = $2`, workspaceID, id)
		if err != nil {
			return mapErr("store: erase contact: conversations", err)
		}
		if k, err := res.RowsAffected(); err == nil {
			n = int(k)
		}
		for _, q := range []string{
			`DELETE FROM tickets WHERE workspace_id = $1 AND contact_id = $2`,
			`DELETE FROM visitors WHERE workspace_id = $1 AND contact_id = $2`,
			`DELETE FROM contacts WHERE workspace_id = $1 AND merged_into = $2`,
			`DELETE FROM contacts WHERE workspace_id = $1 AND id = $2`,
		} {
			if _, err := tx.ExecContext(ctx, q, workspaceID, id); err != nil {
				return mapErr("store: erase contact", err)
			}
		}
		return nil
	})
	return n, err
}

// DeleteOrphanClaims deletes, across workspaces, up to limit contacts of
// claims made before cutoff that nothing is linked to any more (no
// visitor, conversation, ticket or merged trace): the visitor retention's
// second step, so that addresses typed into a widget do not pile up.
func (s *Store) DeleteOrphanClaims(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	res, err := s.write.ExecContext(ctx, `DELETE FROM contacts WHERE id IN (
		SELECT k.id FROM contacts k WHERE k.claimed = $1 AND k.merged_into IS NULL AND k.created_at < $2
		AND NOT EXISTS (SELECT 1 FROM visitors v WHERE v.contact_id = k.id)
		AND NOT EXISTS (SELECT 1 FROM conversations c WHERE c.contact_id = k.id)
		AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.contact_id = k.id)
		AND NOT EXISTS (SELECT 1 FROM contacts m WHERE m.merged_into = k.id) LIMIT $3)`, true, millis(cutoff), limit)
	n, err := affected(res, err)
	return int(n), mapErr("store: delete orphan claims", err)
}
