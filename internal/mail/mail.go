// Package mail sends agents' answers to tickets by e-mail (issue 12), so
// that an answer reaches a visitor who left: through the workspace's own
// SMTP server, from an outbox in the database.
//
// An answer waits Grace before it is sent: further answers of the same
// burst join the same mail, and an answer the visitor has read in the
// widget by then is not mailed at all. The outbox row is claimed with a
// lease before each attempt, so two nodes never send it at once; a
// temporary failure is retried with backoff, a permanent one (a 5xx
// reply) ends it, and either shows on the ticket. The one window for a
// duplicate is a node that dies after the server accepted the mail and
// before it recorded so; the Message-ID header, fixed per mail, lets the
// recipient's client fold the two.
package mail

import (
	"context"
	"errors"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/printable"
	"github.com/querytel/livedesk/internal/store"
)

// Grace is how long an answer waits before it is mailed.
const Grace = time.Minute

// Lease bounds one pass's attempts: a claimed mail that was neither sent
// nor failed within it is due again. A pass sends its claimed mails one
// after another, each bounded by the sender's timeout (30 s), so the
// lease outlasts a whole batch against a slow server.
const Lease = 15 * time.Minute

// Backoff is the wait after each failed attempt; after the last, the mail
// is given up.
var Backoff = []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour, 3 * time.Hour}

// Store is what mail needs from the database.
type Store interface {
	GetMailSettings(ctx context.Context, workspaceID string) (store.MailSettings, error)
	SetMailSettings(ctx context.Context, m store.MailSettings, now time.Time) error
	DeleteMailSettings(ctx context.Context, workspaceID string) error
	QueueMail(ctx context.Context, m store.OutMail, due, now time.Time) (bool, error)
	ClaimMail(ctx context.Context, now, until time.Time, limit int) ([]store.OutMail, error)
	MailSent(ctx context.Context, workspaceID, id string, now time.Time) error
	MailSkipped(ctx context.Context, workspaceID, id string, now time.Time) error
	MailFailed(ctx context.Context, workspaceID, id, reason string, retry time.Time) error
	GetTicket(ctx context.Context, workspaceID, id string) (store.Ticket, error)
	GetConversation(ctx context.Context, workspaceID, id string) (store.Conversation, error)
	GetSite(ctx context.Context, workspaceID, id string) (store.Site, error)
}

// Sender delivers one message through a workspace's server.
type Sender interface {
	Send(ctx context.Context, s store.MailSettings, m Message) error
}

// Message is one e-mail as the sender writes it.
type Message struct {
	ID      string // the Message-ID's local part: fixed per outbox row
	To      string
	Subject string
	Body    string
}

// Service configures the workspace's mail server and runs the outbox.
type Service struct {
	store   Store
	clock   clock.Clock
	sender  Sender
	changed func(ctx context.Context, t store.Ticket) // a ticket's mail state moved
}

// New returns a Service; changed, if set, is told of each ticket whose
// mail state moved (the desk shows it).
func New(st Store, clk clock.Clock, sender Sender, changed func(ctx context.Context, t store.Ticket)) *Service {
	return &Service{store: st, clock: clk, sender: sender, changed: changed}
}

// Settings is the mail server as the API shows it: never the password.
type Settings struct {
	Configured  bool   `json:"configured"`
	Host        string `json:"host,omitempty"`
	Port        int    `json:"port,omitempty"`
	Security    string `json:"security,omitempty"`
	Username    string `json:"username,omitempty"`
	PasswordSet bool   `json:"password_set"`
	FromAddress string `json:"from_address,omitempty"`
	FromName    string `json:"from_name,omitempty"`
}

// Input sets the mail server. A nil Password keeps the stored one.
type Input struct {
	Host        string  `json:"host"`
	Port        int     `json:"port"`
	Security    string  `json:"security"`
	Username    string  `json:"username"`
	Password    *string `json:"password"`
	FromAddress string  `json:"from_address"`
	FromName    string  `json:"from_name"`
}

func view(m store.MailSettings) Settings {
	return Settings{Configured: true, Host: m.Host, Port: m.Port, Security: m.Security, Username: m.Username,
		PasswordSet: m.Password != "", FromAddress: m.FromAddress, FromName: m.FromName}
}

// Get reads the workspace's mail server. Every agent may: the desk says
// whether answers go by e-mail.
func (s *Service) Get(ctx context.Context, a auth.Actor) (Settings, error) {
	if a.AgentID == "" {
		return Settings{}, apperr.ErrForbidden
	}
	m, err := s.store.GetMailSettings(ctx, a.WorkspaceID)
	if errors.Is(err, store.ErrNotFound) {
		return Settings{}, nil
	}
	if err != nil {
		return Settings{}, err
	}
	out := view(m)
	if !a.Can(auth.ManageWorkspace) {
		out = Settings{Configured: true, FromAddress: m.FromAddress}
	}
	return out, nil
}

// Set stores the workspace's mail server (owners and admins).
func (s *Service) Set(ctx context.Context, a auth.Actor, in Input) (Settings, error) {
	if !a.Can(auth.ManageWorkspace) {
		return Settings{}, apperr.ErrForbidden
	}
	m, err := validate(in)
	if err != nil {
		return Settings{}, err
	}
	m.WorkspaceID = a.WorkspaceID
	if in.Password == nil {
		cur, err := s.store.GetMailSettings(ctx, a.WorkspaceID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return Settings{}, err
		}
		m.Password = cur.Password
	}
	if err := s.store.SetMailSettings(ctx, m, s.clock.Now()); err != nil {
		return Settings{}, err
	}
	return view(m), nil
}

// Delete removes the workspace's mail server: answers reach visitors in
// the widget only (queued mail waits).
func (s *Service) Delete(ctx context.Context, a auth.Actor) error {
	if !a.Can(auth.ManageWorkspace) {
		return apperr.ErrForbidden
	}
	err := s.store.DeleteMailSettings(ctx, a.WorkspaceID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

// Test sends a short message through the stored server to the caller's
// own address, and reports the server's answer.
func (s *Service) Test(ctx context.Context, a auth.Actor, to string) error {
	if !a.Can(auth.ManageWorkspace) {
		return apperr.ErrForbidden
	}
	addr, err := mail.ParseAddress(strings.TrimSpace(to))
	if err != nil || addr.Name != "" {
		return apperr.Invalidf("to", "invalid_to", "to must be one e-mail address")
	}
	m, err := s.store.GetMailSettings(ctx, a.WorkspaceID)
	if errors.Is(err, store.ErrNotFound) {
		return apperr.New(apperr.Conflict, "mail_not_configured", "set the mail server first")
	}
	if err != nil {
		return err
	}
	err = s.sender.Send(ctx, m, Message{ID: "test-" + store.NewID(), To: addr.Address, Subject: "Live Desk test message",
		Body: "This message shows that Live Desk can send answers to tickets through your mail server."})
	if err != nil {
		return &apperr.Error{Kind: apperr.Unavailable, Code: "mail_failed", Message: "the mail server refused: " + err.Error(), Err: err}
	}
	return nil
}

// Limits of the settings.
const (
	maxHost     = 253
	maxUser     = 255
	maxPassword = 1000
	maxFromName = 100
)

func validate(in Input) (store.MailSettings, error) {
	host := strings.TrimSpace(in.Host)
	if host == "" || len(host) > maxHost || strings.ContainsAny(host, " /:@\t\r\n") {
		return store.MailSettings{}, apperr.Invalidf("host", "invalid_host", "host must be a server name or address, without port or scheme")
	}
	if in.Port < 1 || in.Port > 65535 {
		return store.MailSettings{}, apperr.Invalidf("port", "invalid_port", "port must be between 1 and 65535 (587 for STARTTLS, 465 for TLS)")
	}
	switch in.Security {
	case "starttls", "tls", "none":
	default:
		return store.MailSettings{}, apperr.Invalidf("security", "invalid_security", "security must be starttls, tls or none")
	}
	if len(in.Username) > maxUser || strings.ContainsAny(in.Username, "\r\n") {
		return store.MailSettings{}, apperr.Invalidf("username", "invalid_username", "username may have at most %d bytes, on one line", maxUser)
	}
	if in.Password != nil && (len(*in.Password) > maxPassword || strings.ContainsAny(*in.Password, "\r\n")) {
		return store.MailSettings{}, apperr.Invalidf("password", "invalid_password", "password may have at most %d bytes, on one line", maxPassword)
	}
	from, err := mail.ParseAddress(strings.TrimSpace(in.FromAddress))
	if err != nil || from.Name != "" || from.Address != strings.TrimSpace(in.FromAddress) {
		return store.MailSettings{}, apperr.Invalidf("from_address", "invalid_from_address", "from_address must be one e-mail address, like help@example.com")
	}
	name := strings.TrimSpace(in.FromName)
	if _, ok := printable.Name(name, maxFromName, true); !ok || utf8.RuneCountInString(name) > maxFromName {
		return store.MailSettings{}, apperr.Invalidf("from_name", "invalid_from_name", "from_name may have at most %d characters, without control characters", maxFromName)
	}
	m := store.MailSettings{Host: host, Port: in.Port, Security: in.Security, Username: in.Username, FromAddress: from.Address, FromName: name}
	if in.Password != nil {
		m.Password = *in.Password
	}
	return m, nil
}

// Answered queues an agent's answer to a ticket, when the ticket's
// visitor left an e-mail address and the workspace has a mail server.
// It reports whether a mail will carry it.
func (s *Service) Answered(ctx context.Context, workspaceID, ticketID string, m store.Message) (bool, error) {
	t, err := s.store.GetTicket(ctx, workspaceID, ticketID)
	if err != nil {
		return false, err
	}
	to, err := mail.ParseAddress(t.VisitorEmail)
	if err != nil {
		return false, nil // no address: the widget alone
	}
	if _, err := s.store.GetMailSettings(ctx, workspaceID); errors.Is(err, store.ErrNotFound) {
		return false, nil // no server: the desk says so
	} else if err != nil {
		return false, err
	}
	st, err := s.store.GetSite(ctx, workspaceID, t.SiteID)
	if err != nil {
		return false, err
	}
	subject := "Your message to " + st.Name
	if t.Subject != "" {
		subject = "Re: " + t.Subject
	}
	now := s.clock.Now()
	queued, err := s.store.QueueMail(ctx, store.OutMail{WorkspaceID: workspaceID, TicketID: ticketID, MessageID: m.ID,
		ConversationID: m.ConversationID, Seq: m.Seq, To: to.Address, Subject: subject, Body: m.Body}, now.Add(Grace), now)
	if err != nil || !queued {
		return queued, err
	}
	s.tell(ctx, workspaceID, ticketID)
	return true, nil
}

func (s *Service) tell(ctx context.Context, workspaceID, ticketID string) {
	if s.changed == nil {
		return
	}
	if t, err := s.store.GetTicket(ctx, workspaceID, ticketID); err == nil {
		s.changed(ctx, t)
	}
}

// RunDue sends the mail that is due, up to limit, and returns how many
// went out.
func (s *Service) RunDue(ctx context.Context, limit int) (int, error) {
	now := s.clock.Now()
	due, err := s.store.ClaimMail(ctx, now, now.Add(Lease), limit)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, m := range due {
		ok, err := s.attempt(ctx, m)
		if err != nil {
			return sent, err
		}
		if ok {
			sent++
		}
		s.tell(ctx, m.WorkspaceID, m.TicketID)
	}
	return sent, nil
}

// attempt sends one claimed mail and records how it went.
func (s *Service) attempt(ctx context.Context, m store.OutMail) (bool, error) {
	now := s.clock.Now()
	c, err := s.store.GetConversation(ctx, m.WorkspaceID, m.ConversationID)
	if err == nil && c.VisitorReadSeq >= m.Seq {
		return false, s.store.MailSkipped(ctx, m.WorkspaceID, m.ID, now)
	}
	settings, err := s.store.GetMailSettings(ctx, m.WorkspaceID)
	if errors.Is(err, store.ErrNotFound) {
		return false, s.store.MailFailed(ctx, m.WorkspaceID, m.ID, "no mail server is set", s.retryAt(m, now))
	}
	if err != nil {
		return false, err
	}
	t, err := s.store.GetTicket(ctx, m.WorkspaceID, m.TicketID)
	if err != nil {
		return false, err
	}
	st, err := s.store.GetSite(ctx, m.WorkspaceID, t.SiteID)
	if err != nil {
		return false, err
	}
	body := m.Body + "\n\n-- \nYou can also answer in the chat on " + st.Name + "."
	err = s.sender.Send(ctx, settings, Message{ID: m.ID, To: m.To, Subject: m.Subject, Body: body})
	switch {
	case err == nil:
		return true, s.store.MailSent(ctx, m.WorkspaceID, m.ID, s.clock.Now())
	case Permanent(err):
		return false, s.store.MailFailed(ctx, m.WorkspaceID, m.ID, reason(err), time.Time{})
	default:
		return false, s.store.MailFailed(ctx, m.WorkspaceID, m.ID, reason(err), s.retryAt(m, now))
	}
}

// retryAt is when a mail whose attempt (its m.Attempts-th) failed is
// tried again; zero once Backoff is used up.
func (s *Service) retryAt(m store.OutMail, now time.Time) time.Time {
	if m.Attempts > len(Backoff) {
		return time.Time{}
	}
	return now.Add(Backoff[m.Attempts-1])
}

// reason is an error as the ticket shows it: one line, bounded.
func reason(err error) string {
	r := []rune(strings.Join(strings.Fields(err.Error()), " "))
	if len(r) > 300 {
		r = r[:300]
	}
	return string(r)
}
