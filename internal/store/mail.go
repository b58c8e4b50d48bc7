package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// MailSettings are a workspace's outgoing mail server. Password is
// write-only: reads through the API never carry it.
type MailSettings struct {
	WorkspaceID string `json:"-"`
	Host        string `json:"host"`
	Port        int    `json:"port"`
	// Security is "starttls" (upgrade a plain connection, port 587),
	// "tls" (TLS from the start, port 465) or "none" (local relays only).
	Security    string    `json:"security"`
	Username    string    `json:"username"`
	Password    string    `json:"-"`
	FromAddress string    `json:"from_address"`
	FromName    string    `json:"from_name"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// GetMailSettings reads a workspace's mail server; ErrNotFound when none
// is set.
func (s *Store) GetMailSettings(ctx context.Context, workspaceID string) (MailSettings, error) {
	var (
		m   MailSettings
		upd int64
	)
	err := s.read.QueryRowContext(ctx, `SELECT workspace_id, host, port, security, username, password, from_address, from_name,
		updated_at FROM mail_settings WHERE workspace_id = $1`, workspaceID).Scan(&m.WorkspaceID, &m.Host, &m.Port, &m.Security,
		&m.Username, &m.Password, &m.FromAddress, &m.FromName, &upd)
	m.UpdatedAt = fromMillis(upd)
	return m, mapErr("store: get mail settings", err)
}

// SetMailSettings stores a workspace's mail server (one per workspace).
func (s *Store) SetMailSettings(ctx context.Context, m MailSettings, now time.Time) error {
	_, err := s.write.ExecContext(ctx, `INSERT INTO mail_settings (workspace_id, host, port, security, username, password,
		from_address, from_name, updated_at) SELECT id, $2, $3, $4, $5, $6, $7, $8, $9 FROM workspaces WHERE id = $1
		ON CONFLICT (workspace_id) DO UPDATE SET host = excluded.host, port = excluded.port, security = excluded.security,
		username = excluded.username, password = excluded.password, from_address = excluded.from_address,
		from_name = excluded.from_name, updated_at = excluded.updated_at`,
		m.WorkspaceID, m.Host, m.Port, m.Security, m.Username, m.Password, m.FromAddress, m.FromName, millis(now))
	return mapErr("store: set mail settings", err)
}

// DeleteMailSettings removes a workspace's mail server; mail queued
// meanwhile keeps its retry schedule, failing each attempt, until one is
// set again or the last attempt gives it up.
func (s *Store) DeleteMailSettings(ctx context.Context, workspaceID string) error {
	res, err := s.write.ExecContext(ctx, `DELETE FROM mail_settings WHERE workspace_id = $1`, workspaceID)
	return mustAffect("store: delete mail settings", res, err)
}

// Mail states.
const (
	MailQueued  = "queued" // waiting for its next attempt
	MailSent    = "sent"
	MailFailed  = "failed"  // given up after the last attempt
	MailSkipped = "skipped" // the visitor read the answer in the widget first
)

// OutMail is one e-mail of the outbox: an agent's answer to a ticket.
type OutMail struct {
	ID          string
	WorkspaceID string
	TicketID    string
	// MessageID is the first answer it carries; ConversationID and Seq
	// say where the latest one it carries is.
	MessageID      string
	ConversationID string
	Seq            int64
	To             string
	Subject        string
	Body           string
	State          string
	Attempts       int
	NextAttemptAt  time.Time
	LastError      string
	CreatedAt      time.Time
	SentAt         *time.Time
}

const outMailColumns = `id, workspace_id, ticket_id, message_id, conversation_id, seq, to_address, subject, body, state, attempts,
	next_attempt_at, last_error, created_at, sent_at`

func scanOutMail(sc scanner) (OutMail, error) {
	var (
		m         OutMail
		next, cre int64
		sent      sql.NullInt64
	)
	err := sc.Scan(&m.ID, &m.WorkspaceID, &m.TicketID, &m.MessageID, &m.ConversationID, &m.Seq, &m.To, &m.Subject, &m.Body,
		&m.State, &m.Attempts, &next, &m.LastError, &cre, &sent)
	m.NextAttemptAt, m.CreatedAt, m.SentAt = fromMillis(next), fromMillis(cre), optTime(sent)
	return m, err
}

// QueueMail adds an answer to the outbox, due at due. When the ticket
// already has a mail waiting for its first attempt, the answer joins it
// (its body appended, its seq moved on) rather than making a second mail.
// An answer queued before, alone or joined, changes nothing (queued
// false), so a retried send never mails twice.
func (s *Store) QueueMail(ctx context.Context, m OutMail, due, now time.Time) (queued bool, err error) {
	err = s.inTx(ctx, "store: queue mail", func(tx *sql.Tx) error {
		if err := ownedBy(ctx, tx, "tickets", m.WorkspaceID, m.TicketID); err != nil {
			return err
		}
		if err := ownedBy(ctx, tx, "conversations", m.WorkspaceID, m.ConversationID); err != nil {
			return err
		}
		// Queued before: as the first answer of a mail, or joined into one
		// (a mail carries every answer of its conversation up to its seq).
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM mail_outbox WHERE message_id = $1
			OR (workspace_id = $2 AND ticket_id = $3 AND conversation_id = $4 AND seq >= $5) LIMIT 1`,
			m.MessageID, m.WorkspaceID, m.TicketID, m.ConversationID, m.Seq).Scan(&one)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return mapErr("store: queue mail", err)
		}
		res, err := tx.ExecContext(ctx, `UPDATE mail_outbox SET body = body || $3, seq = $4, conversation_id = $5
			WHERE workspace_id = $1 AND ticket_id = $2 AND state = 'queued' AND attempts = 0 AND seq < $4`,
			m.WorkspaceID, m.TicketID, "\n\n"+m.Body, m.Seq, m.ConversationID)
		if err != nil {
			return mapErr("store: join mail", err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			queued = true
			return nil
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO mail_outbox (id, workspace_id, ticket_id, message_id, conversation_id, seq,
			to_address, subject, body, state, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'queued', $10, $11)`,
			NewID(), m.WorkspaceID, m.TicketID, m.MessageID, m.ConversationID, m.Seq, m.To, m.Subject, m.Body, millis(due), millis(now))
		queued = err == nil
		return mapErr("store: queue mail", err)
	})
	return queued, err
}

// ClaimMail takes up to limit queued mails that are due, across
// workspaces, and pushes each one's next attempt to until: the lease
// under which the claimer sends it. A mail is claimed by one caller only;
// if the claimer dies, it is due again when the lease ends.
func (s *Store) ClaimMail(ctx context.Context, now, until time.Time, limit int) ([]OutMail, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+outMailColumns+` FROM mail_outbox WHERE state = 'queued'
		AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2`, millis(now), limit)
	due, err := collect(rows, err, "store: due mail", scanOutMail)
	if err != nil {
		return nil, err
	}
	var out []OutMail
	for _, m := range due {
		// The seq read is a condition too: an answer that joined the mail
		// after the read would otherwise be marked sent with the old body.
		res, err := s.write.ExecContext(ctx, `UPDATE mail_outbox SET next_attempt_at = $3, attempts = attempts + 1
			WHERE id = $1 AND state = 'queued' AND next_attempt_at = $2 AND seq = $4`,
			m.ID, millis(m.NextAttemptAt), millis(until), m.Seq)
		if err := mustAffect("store: claim mail", res, err); errors.Is(err, ErrNotFound) {
			continue // another node claimed it
		} else if err != nil {
			return out, err
		}
		m.Attempts++
		m.NextAttemptAt = stored(until)
		out = append(out, m)
	}
	return out, nil
}

// MailSent records that a claimed mail went out.
func (s *Store) MailSent(ctx context.Context, workspaceID, id string, now time.Time) error {
	res, err := s.write.ExecContext(ctx, `UPDATE mail_outbox SET state = 'sent', sent_at = $3, last_error = ''
		WHERE workspace_id = $1 AND id = $2`, workspaceID, id, millis(now))
	return mustAffect("store: mail sent", res, err)
}

// MailSkipped records that a claimed mail need not go: the visitor read
// the answer in the widget.
func (s *Store) MailSkipped(ctx context.Context, workspaceID, id string, now time.Time) error {
	res, err := s.write.ExecContext(ctx, `UPDATE mail_outbox SET state = 'skipped', sent_at = $3, last_error = ''
		WHERE workspace_id = $1 AND id = $2`, workspaceID, id, millis(now))
	return mustAffect("store: mail skipped", res, err)
}

// MailFailed records a failed attempt: the mail is tried again at retry,
// or (retry zero) given up.
func (s *Store) MailFailed(ctx context.Context, workspaceID, id, reason string, retry time.Time) error {
	state, next := MailQueued, millis(retry)
	if retry.IsZero() {
		state, next = MailFailed, 0
	}
	res, err := s.write.ExecContext(ctx, `UPDATE mail_outbox SET state = $3, next_attempt_at = $4, last_error = $5
		WHERE workspace_id = $1 AND id = $2`, workspaceID, id, state, next, reason)
	return mustAffect("store: mail failed", res, err)
}

// TicketMail reads the latest mail of a ticket (ErrNotFound: none).
func (s *Store) TicketMail(ctx context.Context, workspaceID, ticketID string) (OutMail, error) {
	m, err := scanOutMail(s.read.QueryRowContext(ctx, `SELECT `+outMailColumns+` FROM mail_outbox
		WHERE workspace_id = $1 AND ticket_id = $2 ORDER BY created_at DESC, id DESC LIMIT 1`, workspaceID, ticketID))
	if err != nil {
		return OutMail{}, mapErr(fmt.Sprintf("store: mail of ticket %s", ticketID), err)
	}
	return m, nil
}
