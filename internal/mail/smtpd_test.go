package mail_test

import (
	"bufio"
	"net"
	"strings"
	"sync"
	"testing"
)

// smtpd is an SMTP server for tests, on 127.0.0.1: enough of RFC 5321 for
// net/smtp's client (EHLO, AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP,
// QUIT), recording what it accepts. rcpt, when set, answers RCPT TO
// (e.g. "451 4.3.0 try later"); "" accepts.
type smtpd struct {
	t    *testing.T
	ln   net.Listener
	mu   sync.Mutex
	got  []received
	rcpt func(to string) string
	wg   sync.WaitGroup
}

type received struct {
	From, To, Data, Auth string
}

func newSMTPD(t *testing.T) *smtpd {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d := &smtpd{t: t, ln: ln}
	d.wg.Go(d.serve)
	t.Cleanup(func() {
		ln.Close()
		d.wg.Wait()
	})
	return d
}

func (d *smtpd) port() int { return d.ln.Addr().(*net.TCPAddr).Port }

func (d *smtpd) mails() []received {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]received(nil), d.got...)
}

func (d *smtpd) serve() {
	for {
		c, err := d.ln.Accept()
		if err != nil {
			return
		}
		d.wg.Go(func() { d.session(c) })
	}
}

func (d *smtpd) session(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(s string) { c.Write([]byte(s + "\r\n")) } //nolint:errcheck // the client may have gone
	say("220 localhost test SMTP")
	var cur received
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		switch verb {
		case "EHLO", "HELO":
			say("250-localhost\r\n250-AUTH PLAIN\r\n250 8BITMIME")
		case "AUTH":
			cur.Auth = line
			say("235 2.7.0 ok")
		case "MAIL":
			cur.From = line
			say("250 2.1.0 ok")
		case "RCPT":
			cur.To = line
			if d.rcpt != nil {
				if answer := d.rcpt(line); answer != "" {
					say(answer)
					continue
				}
			}
			say("250 2.1.5 ok")
		case "DATA":
			say("354 go ahead")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(strings.TrimPrefix(l, "."))
			}
			cur.Data = b.String()
			d.mu.Lock()
			d.got = append(d.got, cur)
			d.mu.Unlock()
			cur = received{Auth: cur.Auth}
			say("250 2.0.0 queued")
		case "RSET", "NOOP":
			say("250 ok")
		case "QUIT":
			say("221 bye")
			return
		default:
			say("502 5.5.2 not implemented")
		}
	}
}
