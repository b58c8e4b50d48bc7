package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// WhatsApp (issue 19): a number is a site of ChannelWhatsApp with its
// Cloud API credentials (WhatsAppChannel); each WhatsApp user of it is a
// visitor of that site (whatsapp_users), so conversations, routing,
// tickets and the out-of-hours flow are those of any site. The message
// log is the outbound queue: a thread's cursor (sent_seq) says how far it
// has been sent, so an agent's reply costs the live path nothing more.

// WhatsAppChannel is a number's credentials. The secrets are never in its
// JSON.
type WhatsAppChannel struct {
	SiteID             string     `json:"site_id"`
	WorkspaceID        string     `json:"-"`
	Name               string     `json:"name"` // its site's
	PhoneNumberID      string     `json:"phone_number_id"`
	BusinessAccountID  string     `json:"business_account_id"`
	DisplayPhoneNumber string     `json:"display_phone_number"`
	AccessToken        string     `json:"-"`
	AppSecret          string     `json:"-"`
	VerifyToken        string     `json:"-"`
	Status             string     `json:"status"`
	LastError          string     `json:"last_error,omitempty"`
	TemplatesSyncedAt  *time.Time `json:"templates_synced_at"`
	CreatedAt          time.Time  `json:"created_at"`
	UpdatedAt          time.Time  `json:"updated_at"`
}

// WhatsApp channel states.
const (
	WhatsAppConnected    = "connected"
	WhatsAppTokenInvalid = "token_invalid"
)

const whatsAppChannelColumns = `c.site_id, c.workspace_id, s.name, c.phone_number_id, c.business_account_id, c.display_phone_number,
	c.access_token, c.app_secret, c.verify_token, c.status, c.last_error, c.templates_synced_at, c.created_at, c.updated_at`

const whatsAppChannelFrom = ` FROM whatsapp_channels c JOIN sites s ON s.id = c.site_id`

func scanWhatsAppChannel(sc scanner) (WhatsAppChannel, error) {
	var (
		c        WhatsAppChannel
		synced   sql.NullInt64
		cre, upd int64
	)
	err := sc.Scan(&c.SiteID, &c.WorkspaceID, &c.Name, &c.PhoneNumberID, &c.BusinessAccountID, &c.DisplayPhoneNumber,
		&c.AccessToken, &c.AppSecret, &c.VerifyToken, &c.Status, &c.LastError, &synced, &cre, &upd)
	c.TemplatesSyncedAt, c.CreatedAt, c.UpdatedAt = optTime(synced), fromMillis(cre), fromMillis(upd)
	return c, err
}

// CreateWhatsAppChannel makes the site st (of ChannelWhatsApp) and its
// channel c in one transaction. A phone number id another channel has is
// ErrConflict.
func (s *Store) CreateWhatsAppChannel(ctx context.Context, st Site, c WhatsAppChannel, now time.Time) (WhatsAppChannel, error) {
	st.ID, st.Channel, c.Status = NewID(), ChannelWhatsApp, WhatsAppConnected
	err := s.inTx(ctx, "store: create whatsapp channel", func(tx *sql.Tx) error {
		if err := insertSite(ctx, tx, st, now); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO whatsapp_channels (site_id, workspace_id, phone_number_id, business_account_id,
			display_phone_number, access_token, app_secret, verify_token, status, last_error, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '', $10, $10)`,
			st.ID, st.WorkspaceID, c.PhoneNumberID, c.BusinessAccountID, c.DisplayPhoneNumber, c.AccessToken, c.AppSecret,
			c.VerifyToken, c.Status, millis(now))
		return mapErr("store: create whatsapp channel", err)
	})
	if err != nil {
		return WhatsAppChannel{}, err
	}
	return s.GetWhatsAppChannel(ctx, st.WorkspaceID, st.ID)
}

// GetWhatsAppChannel reads the channel of a site of the workspace.
func (s *Store) GetWhatsAppChannel(ctx context.Context, workspaceID, siteID string) (WhatsAppChannel, error) {
	c, err := scanWhatsAppChannel(s.read.QueryRowContext(ctx, `SELECT `+whatsAppChannelColumns+whatsAppChannelFrom+`
		WHERE c.workspace_id = $1 AND c.site_id = $2`, workspaceID, siteID))
	return c, mapErr("store: get whatsapp channel", err)
}

// WhatsAppChannelBySite reads a channel by its site alone: the entry
// point of WhatsApp's webhook, whose URL names the site and whose body is
// then checked against the channel's app secret.
func (s *Store) WhatsAppChannelBySite(ctx context.Context, siteID string) (WhatsAppChannel, error) {
	c, err := scanWhatsAppChannel(s.read.QueryRowContext(ctx, `SELECT `+whatsAppChannelColumns+whatsAppChannelFrom+`
		WHERE c.site_id = $1`, siteID))
	return c, mapErr("store: whatsapp channel by site", err)
}

// ListWhatsAppChannels lists a workspace's channels by name.
func (s *Store) ListWhatsAppChannels(ctx context.Context, workspaceID string) ([]WhatsAppChannel, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+whatsAppChannelColumns+whatsAppChannelFrom+`
		WHERE c.workspace_id = $1 ORDER BY s.name, c.site_id`, workspaceID)
	return collect(rows, err, "store: list whatsapp channels", scanWhatsAppChannel)
}

// UpdateWhatsAppChannel stores a channel's editable fields and its status
// (c's, all of them: callers read, change, write) and its site's name.
func (s *Store) UpdateWhatsAppChannel(ctx context.Context, c WhatsAppChannel, now time.Time) (WhatsAppChannel, error) {
	err := s.inTx(ctx, "store: update whatsapp channel", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE whatsapp_channels SET business_account_id = $3, display_phone_number = $4,
			access_token = $5, app_secret = $6, verify_token = $7, status = $8, last_error = $9, updated_at = $10
			WHERE workspace_id = $1 AND site_id = $2`, c.WorkspaceID, c.SiteID, c.BusinessAccountID, c.DisplayPhoneNumber,
			c.AccessToken, c.AppSecret, c.VerifyToken, c.Status, c.LastError, millis(now))
		if err := mustAffect("store: update whatsapp channel", res, err); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE sites SET name = $3, updated_at = $4 WHERE workspace_id = $1 AND id = $2`,
			c.WorkspaceID, c.SiteID, c.Name, millis(now))
		return mapErr("store: update whatsapp channel: site", err)
	})
	if err != nil {
		return WhatsAppChannel{}, err
	}
	return s.GetWhatsAppChannel(ctx, c.WorkspaceID, c.SiteID)
}

// SetWhatsAppChannelStatus records what the Graph API said of a channel's
// token (WhatsAppConnected or WhatsAppTokenInvalid with the reason). It
// reports whether the status changed.
func (s *Store) SetWhatsAppChannelStatus(ctx context.Context, workspaceID, siteID, status, lastError string, now time.Time) (bool, error) {
	n, err := affected(s.write.ExecContext(ctx, `UPDATE whatsapp_channels SET status = $3, last_error = $4, updated_at = $5
		WHERE workspace_id = $1 AND site_id = $2 AND (status <> $3 OR last_error <> $4)`, workspaceID, siteID, status, lastError, millis(now)))
	return n > 0, mapErr("store: set whatsapp channel status", err)
}

// DeleteWhatsAppChannel removes a channel's credentials. Its site, users
// and conversations stay (history); nothing more can be sent or received
// until a channel is connected again.
func (s *Store) DeleteWhatsAppChannel(ctx context.Context, workspaceID, siteID string) error {
	res, err := s.write.ExecContext(ctx, `DELETE FROM whatsapp_channels WHERE workspace_id = $1 AND site_id = $2`, workspaceID, siteID)
	return mustAffect("store: delete whatsapp channel", res, err)
}

// WhatsAppUser is a WhatsApp user of a number and the visitor that
// stands for them.
type WhatsAppUser struct {
	SiteID        string
	WorkspaceID   string
	User          string // WhatsApp's user_id, else the phone
	VisitorID     string
	Phone         string // digits, "" when WhatsApp gave none
	LastInboundAt time.Time
}

func scanWhatsAppUser(sc scanner) (WhatsAppUser, error) {
	var (
		u    WhatsAppUser
		last int64
	)
	err := sc.Scan(&u.SiteID, &u.WorkspaceID, &u.User, &u.VisitorID, &u.Phone, &last)
	u.LastInboundAt = fromMillis(last)
	return u, err
}

const whatsAppUserColumns = `site_id, workspace_id, wa_user, visitor_id, phone, last_inbound_at`

// WhatsAppUserOf finds a user of a site of the workspace (ErrNotFound:
// never wrote).
func (s *Store) WhatsAppUserOf(ctx context.Context, workspaceID, siteID, user string) (WhatsAppUser, error) {
	u, err := scanWhatsAppUser(s.read.QueryRowContext(ctx, `SELECT `+whatsAppUserColumns+` FROM whatsapp_users
		WHERE workspace_id = $1 AND site_id = $2 AND wa_user = $3`, workspaceID, siteID, user))
	return u, mapErr("store: whatsapp user", err)
}

// WhatsAppUserByVisitor finds the WhatsApp user a visitor of the
// workspace stands for (ErrNotFound: a web visitor).
func (s *Store) WhatsAppUserByVisitor(ctx context.Context, workspaceID, visitorID string) (WhatsAppUser, error) {
	u, err := scanWhatsAppUser(s.read.QueryRowContext(ctx, `SELECT `+whatsAppUserColumns+` FROM whatsapp_users
		WHERE workspace_id = $1 AND visitor_id = $2`, workspaceID, visitorID))
	return u, mapErr("store: whatsapp user by visitor", err)
}

// CreateWhatsAppUser makes the visitor for a new WhatsApp user of a
// number and links it to the contact with its phone ("+" and the
// digits), made when there is none. A user made meanwhile by another
// node is returned as it is.
func (s *Store) CreateWhatsAppUser(ctx context.Context, workspaceID, siteID, user, phone, name string, now time.Time) (WhatsAppUser, error) {
	err := s.inTx(ctx, "store: create whatsapp user", func(tx *sql.Tx) error {
		if err := ownedBy(ctx, tx, "sites", workspaceID, siteID); err != nil {
			return err
		}
		var contactID sql.NullString
		if phone != "" {
			err := tx.QueryRowContext(ctx, `SELECT id FROM contacts WHERE workspace_id = $1 AND merged_into IS NULL
				AND phone IN ($2, $3) ORDER BY created_at, id LIMIT 1`, workspaceID, "+"+phone, phone).Scan(&contactID)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return mapErr("store: create whatsapp user: contact", err)
			}
			if !contactID.Valid {
				c, err := insertContact(ctx, tx, s.dialect, Contact{WorkspaceID: workspaceID, Name: name, Phone: "+" + phone}, now)
				if err != nil {
					return err
				}
				contactID = nullString(c.ID)
			}
		}
		visitorID := NewID()
		// The visitor has no widget token: a random one nobody holds.
		if _, err := tx.ExecContext(ctx, `INSERT INTO visitors (id, workspace_id, site_id, token_hash, name, contact_id,
			session_start, last_seen_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $7)`,
			visitorID, workspaceID, siteID, "whatsapp:"+NewID(), name, contactID, millis(now)); err != nil {
			return mapErr("store: create whatsapp user: visitor", err)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO whatsapp_users (site_id, wa_user, workspace_id, visitor_id, phone, last_inbound_at)
			VALUES ($1, $2, $3, $4, $5, 0)`, siteID, user, workspaceID, visitorID, phone)
		return mapErr("store: create whatsapp user", err)
	})
	if errors.Is(err, ErrConflict) {
		return s.WhatsAppUserOf(ctx, workspaceID, siteID, user)
	}
	if err != nil {
		return WhatsAppUser{}, err
	}
	return s.WhatsAppUserOf(ctx, workspaceID, siteID, user)
}

// WhatsAppInbound is one message a WhatsApp user sent, as stored.
type WhatsAppInbound struct {
	WorkspaceID    string
	SiteID         string
	WAMID          string
	VisitorID      string
	ConversationID string
	Seq            int64
	SentAt         time.Time // WhatsApp's timestamp: it opens the window
}

// WhatsAppMessageSeen reports whether a number already has the message
// with this wamid (either way).
func (s *Store) WhatsAppMessageSeen(ctx context.Context, workspaceID, siteID, wamid string) (bool, error) {
	var n int
	err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM whatsapp_messages WHERE workspace_id = $1 AND site_id = $2 AND wamid = $3`,
		workspaceID, siteID, wamid).Scan(&n)
	return n > 0, mapErr("store: whatsapp message seen", err)
}

// RecordWhatsAppInbound records that an inbound message is stored (the
// wamid is then never stored again), moves its user's window (never
// back) and makes sure the conversation has its outbound thread. All in
// one transaction.
func (s *Store) RecordWhatsAppInbound(ctx context.Context, in WhatsAppInbound, now time.Time) error {
	return s.inTx(ctx, "store: record whatsapp inbound", func(tx *sql.Tx) error {
		if err := ownedBy(ctx, tx, "conversations", in.WorkspaceID, in.ConversationID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO whatsapp_messages (site_id, wamid, workspace_id, conversation_id, seq, outbound,
			status, error_code, error, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'received', 0, '', $7) ON CONFLICT DO NOTHING`,
			in.SiteID, in.WAMID, in.WorkspaceID, in.ConversationID, in.Seq, false, millis(now)); err != nil {
			return mapErr("store: record whatsapp inbound", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE whatsapp_users SET last_inbound_at = $3
			WHERE workspace_id = $1 AND visitor_id = $2 AND last_inbound_at < $3`, in.WorkspaceID, in.VisitorID, millis(in.SentAt)); err != nil {
			return mapErr("store: record whatsapp inbound: window", err)
		}
		if err := ensureThread(ctx, tx, in.WorkspaceID, in.SiteID, in.ConversationID, now); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE whatsapp_threads SET next_attempt_at = $2 WHERE conversation_id = $1 AND next_attempt_at = $3`,
			in.ConversationID, millis(now), whatsAppIdle)
		return mapErr("store: record whatsapp inbound: wake", err)
	})
}

// ensureThread gives a conversation its outbound cursor, from the start
// of the conversation: what the customer should see of it is sent.
func ensureThread(ctx context.Context, tx *sql.Tx, workspaceID, siteID, conversationID string, now time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO whatsapp_threads (conversation_id, workspace_id, site_id, sent_seq, attempts,
		next_attempt_at, last_error) VALUES ($1, $2, $3, 0, 0, $4, '') ON CONFLICT DO NOTHING`,
		conversationID, workspaceID, siteID, millis(now))
	return mapErr("store: whatsapp thread", err)
}

// EnsureWhatsAppThread gives a conversation of a WhatsApp site its
// outbound cursor when it has none (a conversation an agent opened with
// a WhatsApp user: a ticket's Start Chat).
func (s *Store) EnsureWhatsAppThread(ctx context.Context, workspaceID, conversationID string, now time.Time) error {
	return s.inTx(ctx, "store: ensure whatsapp thread", func(tx *sql.Tx) error {
		var siteID string
		err := tx.QueryRowContext(ctx, `SELECT c.site_id FROM conversations c JOIN sites s ON s.id = c.site_id
			WHERE c.workspace_id = $1 AND c.id = $2 AND s.channel = 'whatsapp'`, workspaceID, conversationID).Scan(&siteID)
		if err != nil {
			return mapErr("store: ensure whatsapp thread", err)
		}
		return ensureThread(ctx, tx, workspaceID, siteID, conversationID, now)
	})
}

// WhatsAppThread is a conversation's outbound cursor, as the runner
// claimed it.
type WhatsAppThread struct {
	WorkspaceID    string
	SiteID         string
	ConversationID string
	VisitorID      string
	SentSeq        int64
	Attempts       int
	FirstFailedAt  *time.Time
	// Lease is the next_attempt_at the claim set: only its holder may
	// move the cursor (AdvanceWhatsAppThread, RetryWhatsAppThread).
	Lease time.Time
}

// ClaimWhatsAppThreads takes up to limit threads, across workspaces,
// that are due at now and have messages after their cursor, leasing each
// until lease: another node's claim skips them until then.
func (s *Store) ClaimWhatsAppThreads(ctx context.Context, now, lease time.Time, limit int) ([]WhatsAppThread, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT t.workspace_id, t.site_id, t.conversation_id, c.visitor_id, t.sent_seq, t.attempts,
		t.first_failed_at, t.next_attempt_at FROM whatsapp_threads t JOIN conversations c ON c.id = t.conversation_id
		WHERE t.next_attempt_at <= $1 AND c.last_seq > t.sent_seq ORDER BY t.next_attempt_at LIMIT $2`, millis(now), limit)
	type due struct {
		t    WhatsAppThread
		next int64
	}
	found, err := collect(rows, err, "store: due whatsapp threads", func(sc scanner) (due, error) {
		var (
			d     due
			first sql.NullInt64
		)
		err := sc.Scan(&d.t.WorkspaceID, &d.t.SiteID, &d.t.ConversationID, &d.t.VisitorID, &d.t.SentSeq, &d.t.Attempts, &first, &d.next)
		d.t.FirstFailedAt = optTime(first)
		return d, err
	})
	if err != nil {
		return nil, err
	}
	var out []WhatsAppThread
	for _, d := range found {
		n, err := affected(s.write.ExecContext(ctx, `UPDATE whatsapp_threads SET next_attempt_at = $3
			WHERE conversation_id = $1 AND next_attempt_at = $2`, d.t.ConversationID, d.next, millis(lease)))
		if err != nil {
			return out, mapErr("store: claim whatsapp thread", err)
		}
		if n == 1 {
			d.t.Lease = stored(lease)
			out = append(out, d.t)
		}
	}
	return out, nil
}

// WhatsAppOutcome is what became of one message of a claimed thread.
type WhatsAppOutcome struct {
	Seq int64
	// WAMID is WhatsApp's id of the message sent; "" for a message not
	// for the customer (skipped) or one refused for good (Failed).
	WAMID     string
	Failed    bool
	ErrorCode int
	Error     string
}

// whatsAppIdle is the next_attempt_at of a thread with nothing to send:
// never due, so the runner's claim does not read it, until a new message
// wakes it (WakeWhatsAppThread, WakeWhatsAppThreads).
const whatsAppIdle = int64(1) << 62

// AdvanceWhatsAppThread moves a claimed thread's cursor to o.Seq and
// records o (a sent or refused message). A non-zero renew keeps the claim
// for the next message under a new lease until renew (the caller's
// t.Lease becomes it); otherwise the thread is due again at now when
// more follows, else idle. It reports false, changing nothing, when the
// claim's lease has passed to another claim.
func (s *Store) AdvanceWhatsAppThread(ctx context.Context, t WhatsAppThread, o WhatsAppOutcome, renew, now time.Time) (bool, error) {
	ok := false
	err := s.inTx(ctx, "store: advance whatsapp thread", func(tx *sql.Tx) error {
		next := `CASE WHEN (SELECT last_seq FROM conversations WHERE id = $1) > $3 THEN ` + fmt.Sprint(millis(now)) + ` ELSE ` + fmt.Sprint(whatsAppIdle) + ` END`
		if !renew.IsZero() {
			next = fmt.Sprint(millis(renew))
		}
		n, err := affected(tx.ExecContext(ctx, `UPDATE whatsapp_threads SET sent_seq = $3, attempts = 0, first_failed_at = NULL,
			next_attempt_at = `+next+`, last_error = '' WHERE conversation_id = $1 AND next_attempt_at = $2 AND sent_seq < $3
			AND workspace_id = $4`, t.ConversationID, millis(t.Lease), o.Seq, t.WorkspaceID))
		if err != nil || n == 0 {
			return mapErr("store: advance whatsapp thread", err)
		}
		ok = true
		if o.WAMID == "" && !o.Failed {
			return nil
		}
		status, key := "sent", o.WAMID
		if o.Failed {
			status = "failed"
			if key == "" {
				key = fmt.Sprintf("local:%s:%d", t.ConversationID, o.Seq)
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO whatsapp_messages (site_id, wamid, workspace_id, conversation_id, seq, outbound,
			status, error_code, error, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING`,
			t.SiteID, key, t.WorkspaceID, t.ConversationID, o.Seq, true, status, o.ErrorCode, o.Error, millis(now))
		return mapErr("store: advance whatsapp thread: message", err)
	})
	return ok, err
}

// WakeWhatsAppThread makes a conversation's thread due at now when it is
// idle, or gives the conversation one (from its start) when it has none:
// a message for the customer was stored (in a chat an agent opened with
// the customer, the first). A thread that is due, leased or backing off
// is left as it is.
func (s *Store) WakeWhatsAppThread(ctx context.Context, workspaceID, siteID, conversationID string, now time.Time) error {
	return s.inTx(ctx, "store: wake whatsapp thread", func(tx *sql.Tx) error {
		if err := ownedBy(ctx, tx, "conversations", workspaceID, conversationID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO whatsapp_threads (conversation_id, workspace_id, site_id, sent_seq, attempts,
			next_attempt_at, last_error) VALUES ($1, $2, $3, 0, 0, $4, '')
			ON CONFLICT (conversation_id) DO UPDATE SET next_attempt_at = $4 WHERE whatsapp_threads.next_attempt_at = $5`,
			conversationID, workspaceID, siteID, millis(now), whatsAppIdle)
		return mapErr("store: wake whatsapp thread", err)
	})
}

// WakeWhatsAppThreads makes due, across workspaces, every idle thread
// whose conversation has messages after its cursor: those stored by
// timers (an out-of-hours session's end) or whose wake was lost to a
// crash. It returns how many it woke.
func (s *Store) WakeWhatsAppThreads(ctx context.Context, now time.Time) (int, error) {
	n, err := affected(s.write.ExecContext(ctx, `UPDATE whatsapp_threads SET next_attempt_at = $1
		WHERE next_attempt_at = $2 AND sent_seq < (SELECT last_seq FROM conversations c WHERE c.id = whatsapp_threads.conversation_id)`,
		millis(now), whatsAppIdle))
	return int(n), mapErr("store: wake whatsapp threads", err)
}

// RetryWhatsAppThread leaves a claimed thread's cursor where it is and
// makes it due again at next, counting the attempt (a first failure
// starts the run at now). hold: the failure is the channel's, not the
// message's (a refused token), and does not start or move the run, so
// nothing is given up while an admin fixes it. False: the lease had
// passed.
func (s *Store) RetryWhatsAppThread(ctx context.Context, t WhatsAppThread, lastError string, hold bool, next, now time.Time) (bool, error) {
	first := sql.NullInt64{Int64: millis(now), Valid: true}
	if t.FirstFailedAt != nil {
		first.Int64 = millis(*t.FirstFailedAt)
	} else if hold {
		first.Valid = false
	}
	n, err := affected(s.write.ExecContext(ctx, `UPDATE whatsapp_threads SET attempts = attempts + 1, first_failed_at = $3,
		next_attempt_at = $4, last_error = $5 WHERE conversation_id = $1 AND next_attempt_at = $2 AND workspace_id = $6`,
		t.ConversationID, millis(t.Lease), first, millis(next), lastError, t.WorkspaceID))
	return n > 0, mapErr("store: retry whatsapp thread", err)
}

// WhatsAppStatus is an outbound message's delivery state.
type WhatsAppStatus struct {
	ConversationID string `json:"-"`
	Seq            int64  `json:"seq"`
	Status         string `json:"status"` // queued, sent, delivered, read, failed
	ErrorCode      int    `json:"error_code,omitempty"`
	Error          string `json:"error,omitempty"`
}

// whatsAppRank orders the states WhatsApp reports: a status only moves
// forward (webhooks come out of order), and failed is final.
var whatsAppRank = map[string]int{"sent": 1, "delivered": 2, "read": 3, "failed": 4}

// SetWhatsAppStatus applies a status WhatsApp reported for an outbound
// message of a number. It reports the message's state after it and
// whether it moved; an unknown wamid is ErrNotFound.
func (s *Store) SetWhatsAppStatus(ctx context.Context, workspaceID, siteID, wamid, status string, code int, errText string, now time.Time) (WhatsAppStatus, bool, error) {
	rank, ok := whatsAppRank[status]
	if !ok {
		return WhatsAppStatus{}, false, fmt.Errorf("store: whatsapp status %q: %w", status, ErrConflict)
	}
	var (
		out   WhatsAppStatus
		moved bool
	)
	err := s.inTx(ctx, "store: set whatsapp status", func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT conversation_id, seq, status, error_code, error FROM whatsapp_messages
			WHERE workspace_id = $1 AND site_id = $2 AND wamid = $3 AND outbound = $4`+forUpdate(s.dialect),
			workspaceID, siteID, wamid, true).Scan(&out.ConversationID, &out.Seq, &out.Status, &out.ErrorCode, &out.Error)
		if err != nil {
			return mapErr("store: set whatsapp status", err)
		}
		if rank <= whatsAppRank[out.Status] || out.Status == "failed" {
			return nil
		}
		moved, out.Status, out.ErrorCode, out.Error = true, status, code, errText
		_, err = tx.ExecContext(ctx, `UPDATE whatsapp_messages SET status = $4, error_code = $5, error = $6, updated_at = $7
			WHERE workspace_id = $1 AND site_id = $2 AND wamid = $3`, workspaceID, siteID, wamid, status, code, errText, millis(now))
		return mapErr("store: set whatsapp status", err)
	})
	return out, moved, err
}

// WhatsAppState is a WhatsApp conversation's channel state, as a desk
// shows it.
type WhatsAppState struct {
	ConversationID string     `json:"conversation_id"`
	SiteID         string     `json:"site_id"`
	To             string     `json:"to"`
	LastInboundAt  *time.Time `json:"-"`
	// SentSeq: how far the outbound cursor is; LastSeq: the
	// conversation's last message (what lies between is queued).
	SentSeq       int64            `json:"-"`
	LastSeq       int64            `json:"-"`
	WindowExpires *time.Time       `json:"window_expires_at"`
	Connected     bool             `json:"connected"`
	Statuses      []WhatsAppStatus `json:"statuses"`
}

// WhatsAppConversation reads a conversation's channel state: its user,
// whether its number is connected, and the states of its latest limit
// outbound messages, oldest first (those after the cursor are queued).
// A conversation that is not WhatsApp's is ErrNotFound.
func (s *Store) WhatsAppConversation(ctx context.Context, workspaceID, conversationID string, limit int) (WhatsAppState, error) {
	var (
		st            WhatsAppState
		user, phone   string
		last          int64
		sent, lastSeq sql.NullInt64
		connected     sql.NullString
	)
	err := s.read.QueryRowContext(ctx, `SELECT c.site_id, u.wa_user, u.phone, u.last_inbound_at, t.sent_seq, c.last_seq, ch.site_id
		FROM conversations c JOIN whatsapp_users u ON u.visitor_id = c.visitor_id
		LEFT JOIN whatsapp_threads t ON t.conversation_id = c.id
		LEFT JOIN whatsapp_channels ch ON ch.site_id = c.site_id
		WHERE c.workspace_id = $1 AND c.id = $2`, workspaceID, conversationID).Scan(&st.SiteID, &user, &phone, &last, &sent, &lastSeq, &connected)
	if err != nil {
		return WhatsAppState{}, mapErr("store: whatsapp conversation", err)
	}
	st.ConversationID, st.Connected, st.To = conversationID, connected.Valid, user
	if phone != "" {
		st.To = "+" + phone
	}
	if last > 0 {
		at := fromMillis(last)
		st.LastInboundAt = &at
	}
	rows, err := s.read.QueryContext(ctx, `SELECT conversation_id, seq, status, error_code, error FROM whatsapp_messages
		WHERE workspace_id = $1 AND conversation_id = $2 AND outbound = $3 ORDER BY seq DESC LIMIT $4`, workspaceID, conversationID, true, limit)
	list, err := collect(rows, err, "store: whatsapp statuses", func(sc scanner) (WhatsAppStatus, error) {
		var w WhatsAppStatus
		return w, sc.Scan(&w.ConversationID, &w.Seq, &w.Status, &w.ErrorCode, &w.Error)
	})
	if err != nil {
		return WhatsAppState{}, err
	}
	st.Statuses = make([]WhatsAppStatus, 0, len(list))
	for i := len(list) - 1; i >= 0; i-- {
		st.Statuses = append(st.Statuses, list[i])
	}
	st.SentSeq, st.LastSeq = sent.Int64, lastSeq.Int64
	return st, nil
}

// WhatsAppTemplate is a message template of a number's business account,
// as last synced.
type WhatsAppTemplate struct {
	ID              string   `json:"id"`
	SiteID          string   `json:"-"`
	WorkspaceID     string   `json:"-"`
	Name            string   `json:"name"`
	Language        string   `json:"language"`
	Category        string   `json:"category"`
	Status          string   `json:"status"`
	ParameterFormat string   `json:"parameter_format"` // positional or named
	Header          string   `json:"header,omitempty"`
	Body            string   `json:"body"`
	Footer          string   `json:"footer,omitempty"`
	Params          []string `json:"params"`
	Examples        []string `json:"examples"`
	// Unsupported says why the desk cannot send it (a media header,
	// variables in its header or buttons); "" when it can.
	Unsupported string    `json:"unsupported,omitempty"`
	SyncedAt    time.Time `json:"synced_at"`
}

const whatsAppTemplateColumns = `id, site_id, workspace_id, name, language, category, status, parameter_format, header, body, footer,
	params, examples, unsupported, synced_at`

func scanWhatsAppTemplate(sc scanner) (WhatsAppTemplate, error) {
	var (
		t                WhatsAppTemplate
		params, examples string
		synced           int64
	)
	if err := sc.Scan(&t.ID, &t.SiteID, &t.WorkspaceID, &t.Name, &t.Language, &t.Category, &t.Status, &t.ParameterFormat,
		&t.Header, &t.Body, &t.Footer, &params, &examples, &t.Unsupported, &synced); err != nil {
		return t, err
	}
	t.SyncedAt = fromMillis(synced)
	if err := json.Unmarshal([]byte(params), &t.Params); err != nil {
		return t, fmt.Errorf("whatsapp template %s params: %w", t.ID, err)
	}
	if err := json.Unmarshal([]byte(examples), &t.Examples); err != nil {
		return t, fmt.Errorf("whatsapp template %s examples: %w", t.ID, err)
	}
	return t, nil
}

// ReplaceWhatsAppTemplates makes ts a channel's templates (a sync: those
// no longer in the account go) and notes the time of the sync.
func (s *Store) ReplaceWhatsAppTemplates(ctx context.Context, workspaceID, siteID string, ts []WhatsAppTemplate, now time.Time) error {
	return s.inTx(ctx, "store: replace whatsapp templates", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE whatsapp_channels SET templates_synced_at = $3 WHERE workspace_id = $1 AND site_id = $2`,
			workspaceID, siteID, millis(now))
		if err := mustAffect("store: replace whatsapp templates", res, err); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM whatsapp_templates WHERE workspace_id = $1 AND site_id = $2`, workspaceID, siteID); err != nil {
			return mapErr("store: replace whatsapp templates", err)
		}
		for _, t := range ts {
			params, _ := json.Marshal(nonNil(t.Params))
			examples, _ := json.Marshal(nonNil(t.Examples))
			if _, err := tx.ExecContext(ctx, `INSERT INTO whatsapp_templates (`+whatsAppTemplateColumns+`)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) ON CONFLICT DO NOTHING`,
				t.ID, siteID, workspaceID, t.Name, t.Language, t.Category, t.Status, t.ParameterFormat, t.Header, t.Body, t.Footer,
				string(params), string(examples), t.Unsupported, millis(now)); err != nil {
				return mapErr("store: replace whatsapp templates: insert", err)
			}
		}
		return nil
	})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// ListWhatsAppTemplates lists a channel's templates by name and language.
func (s *Store) ListWhatsAppTemplates(ctx context.Context, workspaceID, siteID string) ([]WhatsAppTemplate, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+whatsAppTemplateColumns+` FROM whatsapp_templates
		WHERE workspace_id = $1 AND site_id = $2 ORDER BY name, language, id`, workspaceID, siteID)
	return collect(rows, err, "store: list whatsapp templates", scanWhatsAppTemplate)
}

// GetWhatsAppTemplate reads one template of a channel.
func (s *Store) GetWhatsAppTemplate(ctx context.Context, workspaceID, siteID, id string) (WhatsAppTemplate, error) {
	t, err := scanWhatsAppTemplate(s.read.QueryRowContext(ctx, `SELECT `+whatsAppTemplateColumns+` FROM whatsapp_templates
		WHERE workspace_id = $1 AND site_id = $2 AND id = $3`, workspaceID, siteID, id))
	return t, mapErr("store: get whatsapp template", err)
}
