package mail_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/mail"
	"github.com/querytel/livedesk/internal/store"
	"github.com/querytel/livedesk/internal/store/storetest"
)

// fixture: a workspace with a site, a visitor who left an e-mail address
// and whose chat became a ticket, a mail server on 127.0.0.1, and an owner.
type fixture struct {
	t      *testing.T
	st     *store.Store
	clk    *clock.Fake
	svc    *mail.Service
	smtpd  *smtpd
	ws     string
	ticket store.Ticket
	owner  auth.Actor
	told   []store.Ticket
	mu     sync.Mutex
}

func newFixture(t *testing.T, newStore storetest.NewStore) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{t: t, st: newStore(t), clk: clock.NewFake(storetest.Epoch), smtpd: newSMTPD(t)}
	f.svc = mail.New(f.st, f.clk, mail.SMTP{Timeout: 5 * time.Second}, func(_ context.Context, tk store.Ticket) {
		f.mu.Lock()
		f.told = append(f.told, tk)
		f.mu.Unlock()
	})
	w, err := f.st.CreateWorkspace(ctx, "W", f.clk.Now())
	must(t, err)
	f.ws = w.ID
	site, err := f.st.CreateSite(ctx, store.Site{WorkspaceID: w.ID, Name: "Northwind", WidgetKey: "wk_" + w.ID, IdentitySecret: "s"}, f.clk.Now())
	must(t, err)
	v, err := f.st.CreateVisitor(ctx, w.ID, site.ID, "tok", f.clk.Now())
	must(t, err)
	_, err = f.st.SetVisitorIdentity(ctx, w.ID, v.ID, "Ann", "ann@example.com", "")
	must(t, err)
	c, _, err := f.st.StartConversation(ctx, w.ID, v.ID, "", f.clk.Now())
	must(t, err)
	_, err = f.st.AppendMessage(ctx, store.Message{WorkspaceID: w.ID, ConversationID: c.ID, ClientMsgID: "v1", Kind: store.KindText,
		AuthorType: store.AuthorVisitor, AuthorID: v.ID, Body: "my parcel is late"}, f.clk.Now())
	must(t, err)
	held, err := f.st.Hold(ctx, w.ID, c.ID, store.Hold{Ticket: store.TicketNoAgent, Subject: "my parcel is late"}, f.clk.Now())
	must(t, err)
	f.ticket = *held.Ticket
	ag, err := f.st.CreateAgent(ctx, store.Agent{WorkspaceID: w.ID, Email: "o@x.example", Name: "Olga", Role: "owner", PasswordHash: "h"}, f.clk.Now())
	must(t, err)
	f.owner = auth.Actor{WorkspaceID: w.ID, AgentID: ag.ID, Name: "Olga", Role: auth.Owner}
	return f
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) configure() {
	f.t.Helper()
	pw := "hunter2"
	_, err := f.svc.Set(context.Background(), f.owner, mail.Input{Host: "127.0.0.1", Port: f.smtpd.port(), Security: "none",
		Username: "desk", Password: &pw, FromAddress: "help@northwind.example", FromName: "Northwind help"})
	must(f.t, err)
}

// answer stores an agent's message in the ticket's conversation and tells
// the mail service, as chat.Send does.
func (f *fixture) answer(id, text string) (bool, error) {
	f.t.Helper()
	res, err := f.st.AppendMessage(context.Background(), store.Message{WorkspaceID: f.ws, ConversationID: f.ticket.ConversationID,
		ClientMsgID: id, Kind: store.KindText, AuthorType: store.AuthorAgent, AuthorID: f.owner.AgentID, AuthorName: "Olga", Body: text}, f.clk.Now())
	must(f.t, err)
	if res.TicketID != f.ticket.ID {
		f.t.Fatalf("the append names ticket %q, want %q", res.TicketID, f.ticket.ID)
	}
	return f.svc.Answered(context.Background(), f.ws, res.TicketID, res.Message)
}

func (f *fixture) run() int {
	f.t.Helper()
	n, err := f.svc.RunDue(context.Background(), 20)
	must(f.t, err)
	return n
}

func (f *fixture) mailState() store.Ticket {
	f.t.Helper()
	tk, err := f.st.GetTicket(context.Background(), f.ws, f.ticket.ID)
	must(f.t, err)
	return tk
}

func TestAnswersGoByMailAfterTheGrace(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.SQLite)
	f.configure()
	if ok, err := f.answer("a1", "Sorry! It ships today."); !ok || err != nil {
		t.Fatalf("answered: %v %v", ok, err)
	}
	f.clk.Advance(30 * time.Second)
	if ok, _ := f.answer("a2", "Tracking: NW-4417.\r\nSubject: injected"); !ok {
		t.Fatal("the second answer of the burst was not taken")
	}
	if n := f.run(); n != 0 {
		t.Fatalf("sent %d within the grace", n)
	}
	f.clk.Advance(mail.Grace)
	if n := f.run(); n != 1 {
		t.Fatalf("sent %d after the grace, want the burst as one mail", n)
	}
	got := f.smtpd.mails()
	if len(got) != 1 {
		t.Fatalf("the server got %d mails", len(got))
	}
	m := got[0]
	for _, want := range []string{"MAIL FROM:<help@northwind.example>", "RCPT TO:<ann@example.com>"} {
		if !strings.Contains(m.From+m.To, want) {
			t.Errorf("envelope %q %q lacks %q", m.From, m.To, want)
		}
	}
	for _, want := range []string{"Subject: Re: my parcel is late\r\n", "From: \"Northwind help\" <help@northwind.example>\r\n",
		"Sorry! It ships today.", "Tracking: NW-4417.", "You can also answer in the chat on Northwind."} {
		if !strings.Contains(m.Data, want) {
			t.Errorf("the mail lacks %q:\n%s", want, m.Data)
		}
	}
	// The visitor's text in the body cannot start a header.
	head := m.Data[:strings.Index(m.Data, "\r\n\r\n")]
	if strings.Count(head, "Subject:") != 1 {
		t.Errorf("headers:\n%s", head)
	}
	if !strings.HasPrefix(m.Auth, "AUTH PLAIN") {
		t.Errorf("auth %q", m.Auth)
	}
	if tk := f.mailState(); tk.MailState != store.MailSent {
		t.Fatalf("ticket mail state %q", tk.MailState)
	}
	if len(f.told) < 2 {
		t.Fatalf("the desk was told %d times", len(f.told))
	}
	// Nothing is sent twice, not even when an answer is handed over again
	// (a retried send): alone or joined, it was queued.
	for _, id := range []string{"a1", "a2"} {
		m, err := f.st.ListMessages(context.Background(), f.ws, f.ticket.ConversationID, 0, 0, 100)
		must(t, err)
		for _, x := range m {
			if x.ClientMsgID == id {
				if ok, err := f.svc.Answered(context.Background(), f.ws, f.ticket.ID, x); ok || err != nil {
					t.Fatalf("%s handed over again: queued %v, %v", id, ok, err)
				}
			}
		}
	}
	f.clk.Advance(time.Hour)
	if n := f.run(); n != 0 || len(f.smtpd.mails()) != 1 {
		t.Fatalf("sent again: %d", n)
	}
}

func TestAnAnswerReadInTheWidgetIsNotMailed(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.SQLite)
	f.configure()
	f.answer("a1", "Here is your answer.") //nolint:errcheck
	c, err := f.st.GetConversation(context.Background(), f.ws, f.ticket.ConversationID)
	must(t, err)
	_, err = f.st.Receive(context.Background(), store.Receipt{WorkspaceID: f.ws, ConversationID: c.ID, Visitor: true, Owner: f.ticket.VisitorID,
		Seen: true, Seq: c.LastSeq}, f.clk.Now())
	must(t, err)
	f.clk.Advance(mail.Grace)
	if n := f.run(); n != 0 || len(f.smtpd.mails()) != 0 {
		t.Fatalf("mailed an answer the visitor read: %d", n)
	}
	if tk := f.mailState(); tk.MailState != store.MailSkipped {
		t.Fatalf("state %q", tk.MailState)
	}
}

func TestFailuresAreRetriedThenShown(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.SQLite)
	f.configure()
	var mu sync.Mutex
	answers := []string{"451 4.3.0 try again later", ""}
	f.smtpd.rcpt = func(string) string {
		mu.Lock()
		defer mu.Unlock()
		a := answers[0]
		if len(answers) > 1 {
			answers = answers[1:]
		}
		return a
	}
	f.answer("a1", "Answer") //nolint:errcheck
	f.clk.Advance(mail.Grace)
	if n := f.run(); n != 0 {
		t.Fatal("sent through a 451")
	}
	tk := f.mailState()
	if tk.MailState != store.MailQueued || !strings.Contains(tk.MailError, "451") {
		t.Fatalf("after a temporary failure: %q %q", tk.MailState, tk.MailError)
	}
	f.clk.Advance(mail.Backoff[0])
	if n := f.run(); n != 1 || f.mailState().MailState != store.MailSent {
		t.Fatalf("the retry: %d, %q", n, f.mailState().MailState)
	}

	// A 5xx ends it at once, and the ticket says why.
	g := newFixture(t, storetest.SQLite)
	g.configure()
	g.smtpd.rcpt = func(string) string { return "550 5.1.1 no such mailbox" }
	g.answer("a1", "Answer") //nolint:errcheck
	g.clk.Advance(mail.Grace)
	g.run()
	if tk := g.mailState(); tk.MailState != store.MailFailed || !strings.Contains(tk.MailError, "no such mailbox") {
		t.Fatalf("after a permanent failure: %q %q", tk.MailState, tk.MailError)
	}
	g.clk.Advance(24 * time.Hour)
	if g.run(); len(g.smtpd.mails()) != 0 {
		t.Fatal("a failed mail was sent")
	}
}

func TestTwoSendersSendOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.SQLite)
	f.configure()
	f.answer("a1", "Answer") //nolint:errcheck
	f.clk.Advance(mail.Grace)
	other := mail.New(f.st, f.clk, mail.SMTP{Timeout: 5 * time.Second}, nil)
	var wg sync.WaitGroup
	for _, s := range []*mail.Service{f.svc, other} {
		wg.Go(func() {
			if _, err := s.RunDue(context.Background(), 20); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := len(f.smtpd.mails()); n != 1 {
		t.Fatalf("two senders sent %d mails", n)
	}
}

func TestWithoutServerOrAddressNothingIsQueued(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.SQLite)
	if ok, err := f.answer("a1", "Answer"); ok || err != nil {
		t.Fatalf("queued without a server: %v %v", ok, err)
	}
	if got, err := f.svc.Get(context.Background(), f.owner); err != nil || got.Configured {
		t.Fatalf("settings %+v %v", got, err)
	}
	// A visitor without an address: the widget alone.
	f.configure()
	ctx := context.Background()
	_, err := f.st.SetVisitorIdentity(ctx, f.ws, f.ticket.VisitorID, "Ann", "", "")
	must(t, err)
	if ok, err := f.answer("a2", "Answer"); ok || err != nil {
		t.Fatalf("queued without an address: %v %v", ok, err)
	}
}

func TestSettings(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.SQLite)
	ctx := context.Background()
	f.configure()
	got, err := f.svc.Get(ctx, f.owner)
	if err != nil || !got.Configured || !got.PasswordSet || got.Host != "127.0.0.1" {
		t.Fatalf("get %+v %v", got, err)
	}
	// A change without a password keeps the stored one.
	_, err = f.svc.Set(ctx, f.owner, mail.Input{Host: "127.0.0.1", Port: f.smtpd.port(), Security: "none", Username: "desk",
		FromAddress: "help@northwind.example"})
	must(t, err)
	stored, err := f.st.GetMailSettings(ctx, f.ws)
	if err != nil || stored.Password != "hunter2" {
		t.Fatalf("password after a change without one: %q %v", stored.Password, err)
	}
	agent := auth.Actor{WorkspaceID: f.ws, AgentID: "a", Role: auth.Agent}
	if got, err := f.svc.Get(ctx, agent); err != nil || !got.Configured || got.Host != "" || got.Username != "" {
		t.Fatalf("an agent reads %+v %v", got, err)
	}
	if _, err := f.svc.Set(ctx, agent, mail.Input{}); !isCode(err, "forbidden") {
		t.Fatalf("an agent sets: %v", err)
	}
	bad := []struct {
		in   mail.Input
		code string
	}{
		{mail.Input{Host: "", Port: 587, Security: "starttls", FromAddress: "a@b.example"}, "invalid_host"},
		{mail.Input{Host: "smtp://x", Port: 587, Security: "starttls", FromAddress: "a@b.example"}, "invalid_host"},
		{mail.Input{Host: "smtp.x", Port: 0, Security: "starttls", FromAddress: "a@b.example"}, "invalid_port"},
		{mail.Input{Host: "smtp.x", Port: 587, Security: "ssl", FromAddress: "a@b.example"}, "invalid_security"},
		{mail.Input{Host: "smtp.x", Port: 587, Security: "tls", FromAddress: "Help <a@b.example>"}, "invalid_from_address"},
		{mail.Input{Host: "smtp.x", Port: 587, Security: "tls", FromAddress: "a@b.example", FromName: "a\nb"}, "invalid_from_name"},
		{mail.Input{Host: "smtp.x", Port: 587, Security: "tls", FromAddress: "a@b.example", Username: "a\r\nRCPT"}, "invalid_username"},
	}
	for _, b := range bad {
		if _, err := f.svc.Set(ctx, f.owner, b.in); !isCode(err, b.code) {
			t.Errorf("%+v: %v, want %s", b.in, err, b.code)
		}
	}
	if after, _ := f.st.GetMailSettings(ctx, f.ws); after.Host != "127.0.0.1" {
		t.Fatalf("a refused change changed the settings: %+v", after)
	}
	// The test message goes through the stored server.
	must(t, f.svc.Test(ctx, f.owner, "olga@northwind.example"))
	if m := f.smtpd.mails(); len(m) != 1 || !strings.Contains(m[0].To, "olga@northwind.example") {
		t.Fatalf("test mail %+v", m)
	}
	must(t, f.svc.Delete(ctx, f.owner))
	if err := f.svc.Test(ctx, f.owner, "olga@northwind.example"); !isCode(err, "mail_not_configured") {
		t.Fatalf("test without a server: %v", err)
	}
}

func isCode(err error, code string) bool {
	var e *apperr.Error
	return errors.As(err, &e) && e.Code == code
}
