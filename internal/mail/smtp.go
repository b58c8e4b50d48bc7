package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/querytel/livedesk/internal/store"
)

// SMTP sends through a workspace's server with the standard library's
// client: TLS from the start ("tls"), an upgrade that must be offered
// ("starttls"), or neither ("none", for a relay on the same network). The
// client's PLAIN auth refuses to send a password over a connection that
// is not encrypted, unless the server is this machine.
type SMTP struct {
	// Timeout bounds a whole delivery; 30 s when zero.
	Timeout time.Duration
	// TLS, when set, is the base TLS configuration (tests trust their own
	// certificate with it); ServerName is always the server's host.
	TLS *tls.Config
}

// Send delivers m.
func (c SMTP) Send(ctx context.Context, s store.MailSettings, m Message) error {
	timeout := c.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	addr := net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.TLS != nil {
		tlsConf = c.TLS.Clone()
	}
	tlsConf.ServerName = s.Host

	var conn net.Conn
	var err error
	if s.Security == "tls" {
		conn, err = (&tls.Dialer{Config: tlsConf}).DialContext(ctx, "tcp", addr)
	} else {
		conn, err = (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return fmt.Errorf("connect to %s: %w", addr, err)
	}
	deadline, _ := ctx.Deadline()
	if err := conn.SetDeadline(deadline); err != nil {
		conn.Close()
		return fmt.Errorf("connect to %s: %w", addr, err)
	}
	client, err := smtp.NewClient(conn, s.Host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("greeting from %s: %w", addr, err)
	}
	defer client.Close()
	if err := client.Hello("livedesk"); err != nil {
		return fmt.Errorf("EHLO: %w", err)
	}
	if s.Security == "starttls" {
		if ok, _ := client.Extension("STARTTLS"); !ok {
			return permanent{errors.New("the server does not offer STARTTLS: choose security tls or none")}
		}
		if err := client.StartTLS(tlsConf); err != nil {
			return fmt.Errorf("STARTTLS: %w", err)
		}
	}
	if s.Username != "" {
		if err := client.Auth(smtp.PlainAuth("", s.Username, s.Password, s.Host)); err != nil {
			var tp *textproto.Error
			if !errors.As(err, &tp) {
				// The client refused to send the password in clear.
				return permanent{fmt.Errorf("AUTH: %w", err)}
			}
			return fmt.Errorf("AUTH: %w", err)
		}
	}
	if err := client.Mail(s.FromAddress); err != nil {
		return fmt.Errorf("MAIL FROM: %w", err)
	}
	if err := client.Rcpt(m.To); err != nil {
		return fmt.Errorf("RCPT TO: %w", err)
	}
	w, err := client.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write(compose(s, m, time.Now())); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	return client.Quit()
}

// compose writes m as a plain-text UTF-8 message. Every header value is
// one line: CR and LF are replaced, so no text (a subject taken from a
// visitor's message) can add a header.
func compose(s store.MailSettings, m Message, now time.Time) []byte {
	line := func(v string) string {
		return strings.Join(strings.FieldsFunc(v, func(r rune) bool { return r == '\r' || r == '\n' }), " ")
	}
	from := (&mail.Address{Name: line(s.FromName), Address: s.FromAddress}).String()
	domain := s.FromAddress[strings.LastIndexByte(s.FromAddress, '@')+1:]
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\n", from)
	fmt.Fprintf(&b, "To: %s\r\n", (&mail.Address{Address: m.To}).String())
	fmt.Fprintf(&b, "Subject: %s\r\n", mime.QEncoding.Encode("utf-8", line(m.Subject)))
	fmt.Fprintf(&b, "Date: %s\r\n", now.UTC().Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <%s@%s>\r\n", line(m.ID), domain)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	qp := quotedprintable.NewWriter(&b)
	qp.Write([]byte(strings.ReplaceAll(strings.ReplaceAll(m.Body, "\r\n", "\n"), "\n", "\r\n"))) //nolint:errcheck // a strings.Builder does not fail
	qp.Close()                                                                                   //nolint:errcheck // a strings.Builder does not fail
	return []byte(b.String())
}

// permanent marks an error that trying again will not mend.
type permanent struct{ error }

func (p permanent) Unwrap() error { return p.error }

// Permanent reports whether err will not go away by trying again: the
// server refused with a 5xx code (no such mailbox, relay denied, bad
// credentials), or the settings cannot work.
func Permanent(err error) bool {
	var p permanent
	if errors.As(err, &p) {
		return true
	}
	var tp *textproto.Error
	return errors.As(err, &tp) && tp.Code >= 500
}
