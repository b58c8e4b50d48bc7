package chat_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/bus"
	"github.com/querytel/livedesk/internal/chat"
	"github.com/querytel/livedesk/internal/event"
	"github.com/querytel/livedesk/internal/offhours"
	"github.com/querytel/livedesk/internal/store"
	"github.com/querytel/livedesk/internal/store/storetest"
)

// closedNow sets the desk's site to open only on Mondays 09:00-10:00 UTC:
// storetest.Epoch is a Friday, so the site is closed.
func (d *desk) closedNow() {
	d.t.Helper()
	d.site.BusinessHours = store.BusinessHours{TimeZone: "UTC", Days: []store.OpenSpan{{Weekday: 1, Open: "09:00", Close: "10:00"}},
		ClosedMessage: "We are closed until Monday."}
	if _, err := d.st.UpdateSite(context.Background(), d.site, d.clk.Now()); err != nil {
		d.t.Fatal(err)
	}
}

// replies are the system's text messages of a conversation, in order.
func (d *desk) replies(id string) []string {
	var out []string
	for _, m := range d.history(id) {
		if m.Kind == store.KindText && m.AuthorType == store.AuthorSystem {
			out = append(out, m.Body)
		}
	}
	return out
}

func (d *desk) tickets(a auth.Actor, queue string) []store.Ticket {
	d.t.Helper()
	list, _, err := d.svc.Tickets(context.Background(), a, chat.TicketQuery{Queue: queue})
	if err != nil {
		d.t.Fatal(err)
	}
	return list
}

const (
	closedText = "We are closed until Monday."
)

var (
	question = offhours.DefaultTexts.Question
	accepted = offhours.DefaultTexts.Accepted
	declined = offhours.DefaultTexts.Declined
	thanks   = offhours.DefaultTexts.Thanks
)

// TestOutOfHoursRules walks each rule of the out-of-hours flow through
// Send and the timers, with the fake clock.
func TestOutOfHoursRules(t *testing.T) {
	t.Parallel()
	type step struct {
		say     string        // the visitor writes this
		advance time.Duration // or time passes and the timers run
	}
	cases := []struct {
		name    string
		steps   []step
		replies []string
		status  string // the conversation's
		phase   string
		ticket  bool // an open ticket holds the chat
	}{
		{"the first message gets the closed message and the question", []step{{say: "hi, anyone?"}},
			[]string{closedText, question}, store.StatusOpen, "asked", false},
		{"YES, in any case and trimmed, opens a ticket", []step{{say: "hi"}, {say: "  yEs \n"}},
			[]string{closedText, question, accepted}, store.StatusOpen, "leaving", true},
		{"NO ends the chat at once, politely", []step{{say: "hi"}, {say: "no"}},
			[]string{closedText, question, declined}, store.StatusClosed, "ended", false},
		{"anything else before an answer asks again", []step{{say: "hi"}, {say: "maybe?"}, {say: "what"}},
			[]string{closedText, question, question, question}, store.StatusOpen, "asked", false},
		{"no answer: closed after the inactivity time", []step{{say: "hi"}, {advance: 29 * time.Minute}, {advance: 2 * time.Minute}},
			[]string{closedText, question}, store.StatusClosed, "ended", false},
		{"NO after YES is an ordinary message", []step{{say: "hi"}, {say: "yes"}, {say: "no"}, {say: "I mean, no rush"}},
			[]string{closedText, question, accepted}, store.StatusOpen, "leaving", true},
		{"//end before YES ends the chat", []step{{say: "hi"}, {say: "//END"}},
			[]string{closedText, question, declined}, store.StatusClosed, "ended", false},
		{"//end after YES thanks and keeps the ticket", []step{{say: "hi"}, {say: "yes"}, {say: "my order is late"}, {say: "//end"}},
			[]string{closedText, question, accepted, thanks}, store.StatusOpen, "ended", true},
		{"after //end the next message starts a new session", []step{{say: "hi"}, {say: "yes"}, {say: "late order"}, {say: "//end"}, {say: "one more thing"}},
			[]string{closedText, question, accepted, thanks, closedText, question}, store.StatusOpen, "asked", true},
		{"after YES, 10 minutes of silence end the session; the ticket stays", []step{{say: "hi"}, {say: "yes"}, {say: "late order"},
			{advance: 9 * time.Minute}, {advance: 2 * time.Minute}},
			[]string{closedText, question, accepted}, store.StatusOpen, "ended", true},
		{"after YES each message moves the 10 minutes", []step{{say: "hi"}, {say: "yes"}, {advance: 9 * time.Minute}, {say: "still here"},
			{advance: 9 * time.Minute}},
			[]string{closedText, question, accepted}, store.StatusOpen, "leaving", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := newDesk(t, storetest.SQLite, store.Settings{})
			d.closedNow()
			va, c := d.offhoursVisitor("ann")
			for _, s := range tc.steps {
				if s.say != "" {
					d.say(va, c.ID, s.say)
					continue
				}
				d.clk.Advance(s.advance)
				d.run()
			}
			got := d.get(c.ID)
			if r := d.replies(c.ID); !slices.Equal(r, tc.replies) {
				t.Fatalf("replies:\n got  %q\n want %q", r, tc.replies)
			}
			if got.Status != tc.status || got.Offhours != tc.phase || (got.TicketID != "") != tc.ticket {
				t.Fatalf("conversation: status %s phase %s ticket %q; want %s %s %v", got.Status, got.Offhours, got.TicketID, tc.status, tc.phase, tc.ticket)
			}
			if tc.ticket {
				tk, err := d.st.GetTicket(context.Background(), d.ws.ID, got.TicketID)
				if err != nil || tk.Status != store.TicketOpen || tk.Reason != store.TicketOutOfHours {
					t.Fatalf("ticket %+v, %v", tk, err)
				}
			}
			// The chat never reached the live queue.
			q, err := d.st.Queue(context.Background(), d.ws.ID, 10)
			if err != nil || len(q) != 0 {
				t.Fatalf("queue %v, %v", q, err)
			}
		})
	}
}

func seqOf(t *testing.T, frame []byte) int64 {
	t.Helper()
	var f struct {
		Message struct {
			Seq int64 `json:"seq"`
		} `json:"message"`
	}
	if err := json.Unmarshal(frame, &f); err != nil {
		t.Fatal(err)
	}
	return f.Message.Seq
}

// ticketed starts a chat for a new visitor that no agent takes: after
// the wait, the timers make it a ticket, whose id it returns.
func (d *desk) ticketed(name string) (auth.Actor, store.Conversation, string) {
	d.t.Helper()
	va, c := d.visitorChat(name)
	d.clk.Advance(2 * time.Minute)
	d.run()
	tk := d.get(c.ID).TicketID
	if tk == "" {
		d.t.Fatalf("%s's chat is no ticket", name)
	}
	return va, c, tk
}

// offhoursVisitor starts a conversation for a new visitor without a
// first message.
func (d *desk) offhoursVisitor(name string) (auth.Actor, store.Conversation) {
	d.t.Helper()
	v, err := d.st.CreateVisitor(context.Background(), d.ws.ID, d.site.ID, "tok-"+name, d.clk.Now())
	if err != nil {
		d.t.Fatal(err)
	}
	va := auth.Actor{WorkspaceID: d.ws.ID, VisitorID: v.ID, SiteID: v.SiteID, Name: name}
	c, err := d.svc.Start(context.Background(), va, "")
	if err != nil {
		d.t.Fatal(err)
	}
	return va, c
}

func TestOutOfHoursAnswersOnceAndLive(t *testing.T) {
	t.Parallel()
	d := newDesk(t, storetest.SQLite, store.Settings{})
	d.closedNow()
	d.agent("olga", "agent", "online", 5) // online out of hours: the chat is not routed to her
	va, c := d.offhoursVisitor("ann")
	ctx := context.Background()
	// The timers' queue pass does not hand the chat to the agent online
	// before the visitor writes either.
	d.run()
	if got := d.get(c.ID); got.AssigneeID != "" {
		t.Fatalf("routed out of hours: %+v", got)
	}
	m, _, err := d.svc.Send(ctx, va, c.ID, "first-try", "hello?")
	if err != nil {
		t.Fatal(err)
	}
	// The widget did not see the ack and sends the same message again.
	again, dup, err := d.svc.Send(ctx, va, c.ID, "first-try", "hello?")
	if err != nil || !dup || again.Seq != m.Seq {
		t.Fatalf("retry: %+v dup=%v %v", again, dup, err)
	}
	if r := d.replies(c.ID); !slices.Equal(r, []string{closedText, question}) {
		t.Fatalf("replies after a retry: %q", r)
	}
	// Each reply names its text, and the site's own wording is marked as
	// such, so a widget can show the others in the visitor's language.
	var keys []string
	for _, m := range d.history(c.ID) {
		if m.AuthorType == store.AuthorSystem && m.Kind == store.KindText {
			keys = append(keys, fmt.Sprint(m.Meta["text"], " ", m.Meta["custom"]))
		}
	}
	if !slices.Equal(keys, []string{"closed true", "question <nil>"}) {
		t.Fatalf("the replies' meta: %q", keys)
	}
	got := d.get(c.ID)
	if got.AssigneeID != "" || got.LastSeq != 3 {
		t.Fatalf("conversation %+v", got)
	}
	// The visitor's widget received the replies live, in seq order.
	var seqs []int64
	for _, env := range d.seen.events {
		if env.Audience&event.Visitor == 0 || env.Visitor != va.VisitorID {
			continue
		}
		if f := string(env.Frame); strings.Contains(f, `"type":"message"`) && strings.Contains(f, `"author_type":"system"`) {
			seqs = append(seqs, seqOf(t, env.Frame))
		}
	}
	if !slices.Equal(seqs, []int64{2, 3}) {
		t.Fatalf("the visitor got system messages %v", seqs)
	}

	// An agent online may still take the chat; then the flow is over.
	olga := auth.Actor{WorkspaceID: d.ws.ID, AgentID: d.agents["olga"].ID, Name: "olga", Role: auth.Agent}
	if _, err := d.svc.Assign(ctx, olga, c.ID, ""); err != nil {
		t.Fatal(err)
	}
	d.say(va, c.ID, "yes")
	if r := d.replies(c.ID); len(r) != 2 {
		t.Fatalf("an assigned chat was answered by the flow: %q", r)
	}
	d.clk.Advance(time.Hour)
	d.run()
	if got := d.get(c.ID); got.TicketID != "" {
		t.Fatalf("an assigned chat became a ticket: %+v", got)
	}
}

func TestNoAgentMakesATicket(t *testing.T) {
	t.Parallel()
	d := newDesk(t, storetest.SQLite, store.Settings{TicketAfterSeconds: 300})

	// Nobody online: after the minute's grace the chat becomes a ticket.
	_, c := d.visitorChat("ann")
	d.clk.Advance(59 * time.Second)
	if n := d.run(); n.Ticketed != 0 {
		t.Fatalf("ticketed within the grace: %+v", n)
	}
	d.clk.Advance(2 * time.Second)
	if n := d.run(); n.Ticketed != 1 {
		t.Fatalf("ticketed %+v", n)
	}
	got := d.get(c.ID)
	if got.TicketID == "" || got.Status != store.StatusOpen {
		t.Fatalf("conversation %+v", got)
	}
	if r := d.replies(c.ID); len(r) != 1 || !strings.Contains(r[0], "agents are busy") {
		t.Fatalf("notice %q", r)
	}
	if n := d.run(); n.Ticketed != 0 {
		t.Fatalf("a second pass ticketed again: %+v", n)
	}

	// An agent online but full: the chat waits the whole wait.
	d.agent("olga", "agent", "online", 1)
	_, busy := d.visitorChat("bob") // routed to olga
	if d.get(busy.ID).AssigneeID == "" {
		t.Fatal("bob's chat was not routed")
	}
	_, c2 := d.visitorChat("cleo") // olga is full: queued
	d.clk.Advance(2 * time.Minute)
	if n := d.run(); n.Ticketed != 0 {
		t.Fatalf("ticketed while an agent is online, within the wait: %+v", n)
	}
	d.clk.Advance(4 * time.Minute)
	if n := d.run(); n.Ticketed != 1 || d.get(c2.ID).TicketID == "" {
		t.Fatalf("cleo's chat after the wait: %+v", d.get(c2.ID))
	}
	olga := auth.Actor{WorkspaceID: d.ws.ID, AgentID: d.agents["olga"].ID, Name: "olga", Role: auth.Agent}
	if list := d.tickets(olga, store.QueueUnassigned); len(list) != 2 {
		t.Fatalf("unassigned tickets: %d", len(list))
	}
}

func TestTicketWork(t *testing.T) {
	t.Parallel()
	d := newDesk(t, storetest.SQLite, store.Settings{TicketAfterSeconds: 300})
	ctx := context.Background()
	va, c, tk := d.ticketed("ann")
	olga := d.agent("olga", "agent", "online", 1)
	pete := d.agent("pete", "agent", "online", 1)
	boss := d.agent("boss", "supervisor", "online", 1)

	// Start Chat before accepting: not yours.
	if _, err := d.svc.StartTicketChat(ctx, olga, tk); !errors.Is(err, chat.ErrNotYourTicket) {
		t.Fatalf("start before accept: %v", err)
	}
	got, err := d.svc.QuickAccept(ctx, olga, 3)
	if err != nil || len(got) != 1 || got[0].ID != tk {
		t.Fatalf("quick accept: %+v %v", got, err)
	}
	if _, err := d.svc.AcceptTicket(ctx, pete, tk); !errors.Is(err, chat.ErrTicketTaken) {
		t.Fatalf("pete accepts a taken ticket: %v", err)
	}
	if _, err := d.svc.CloseTicket(ctx, pete, tk); !errors.Is(err, chat.ErrNotYourTicket) {
		t.Fatalf("pete closes olga's ticket: %v", err)
	}
	if _, err := d.svc.AssignTicket(ctx, pete, tk, pete.AgentID); !errors.Is(err, chat.ErrForbidden) {
		t.Fatalf("an agent reassigns: %v", err)
	}

	// Another agent who took the ticket's chat by hand keeps it.
	if _, err := d.svc.Assign(ctx, pete, c.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := d.svc.StartTicketChat(ctx, olga, tk); !isCode(err, "already_assigned") {
		t.Fatalf("start chat on pete's chat: %v", err)
	}
	if _, err := d.svc.Assign(ctx, boss, c.ID, ""); err != nil { // the supervisor takes it back...
		t.Fatal(err)
	}
	if _, err := d.svc.SetStatus(ctx, boss, c.ID, store.StatusClosed, time.Time{}); err != nil { // ...and closes it
		t.Fatal(err)
	}

	// Start Chat: the conversation (reopened) is olga's live chat, beyond
	// her limit; her answer reaches the visitor.
	conv, err := d.svc.StartTicketChat(ctx, olga, tk)
	if err != nil || conv.AssigneeID != olga.AgentID || conv.Status != store.StatusOpen {
		t.Fatalf("start chat: %+v %v", conv, err)
	}
	again, err := d.svc.StartTicketChat(ctx, olga, tk)
	if err != nil || again.LastSeq != conv.LastSeq {
		t.Fatalf("start chat twice: %+v %v", again, err)
	}
	d.say(olga, c.ID, "Sorry for the wait: your order ships today.")
	d.say(va, c.ID, "thanks!")
	if r := d.replies(c.ID); len(r) != 1 {
		t.Fatalf("the flow answered an assigned chat: %q", r)
	}

	// A supervisor moves it; then the new agent closes it, and the
	// conversation closes with it.
	if _, err := d.svc.AssignTicket(ctx, boss, tk, pete.AgentID); err != nil {
		t.Fatal(err)
	}
	closed, err := d.svc.CloseTicket(ctx, pete, tk)
	if err != nil || closed.Status != store.TicketClosed || closed.ClosedByAgentID != pete.AgentID {
		t.Fatalf("close: %+v %v", closed, err)
	}
	if st := d.get(c.ID).Status; st != store.StatusClosed {
		t.Fatalf("the ticket's conversation is %s", st)
	}
	if list := d.tickets(pete, store.QueueClosed); len(list) != 1 {
		t.Fatalf("closed queue: %d", len(list))
	}
	if _, err := d.svc.CloseTicket(ctx, pete, tk); !errors.Is(err, chat.ErrTicketClosed) {
		t.Fatalf("close twice: %v", err)
	}
	// Archived after 90 days.
	d.clk.Advance(chat.ArchiveAfter + time.Hour)
	if n, err := d.svc.ArchiveTickets(ctx); err != nil || n != 1 {
		t.Fatalf("archive: %d %v", n, err)
	}
}

func TestNewChatTakenClosesTheOpenTicket(t *testing.T) {
	t.Parallel()
	d := newDesk(t, storetest.SQLite, store.Settings{TicketAfterSeconds: 300})
	ctx := context.Background()
	va, c, tk := d.ticketed("ann")
	// The visitor ends that chat and comes back when an agent is online.
	if _, err := d.svc.CloseByVisitor(ctx, va, c.ID); err != nil {
		t.Fatal(err)
	}
	d.agent("olga", "agent", "online", 5)
	nc, err := d.svc.Start(ctx, va, "")
	if err != nil || nc.AssigneeID == "" {
		t.Fatalf("the new chat was not taken: %+v %v", nc, err)
	}
	got, err := d.st.GetTicket(ctx, d.ws.ID, tk)
	if err != nil || got.Status != store.TicketClosed || got.ClosedBy != store.AuthorSystem {
		t.Fatalf("the earlier ticket: %+v %v", got, err)
	}
	// The note says why, privately.
	h := d.history(c.ID)
	last := h[len(h)-1]
	if !last.Private || last.Meta["reason"] != "superseded" {
		t.Fatalf("last event %+v", last)
	}
}

// TestTicketTimersFireOnceAcrossNodes runs two services (two nodes) on one
// database at the same instant: each out-of-hours session ends once, each
// unattended chat becomes one ticket with one notice, each closed ticket
// is archived once.
func TestTicketTimersFireOnceAcrossNodes(t *testing.T) {
	both(t, func(t *testing.T, ns storetest.NewStore) {
		d := newDesk(t, ns, store.Settings{TicketAfterSeconds: 300})
		ctx := context.Background()
		other := chat.New(d.st, d.clk, event.NewPublisher(bus.NewMemory(), nil))
		race := func(run func(*chat.Service) int) int {
			var wg sync.WaitGroup
			got := make([]int, 2)
			for i, svc := range []*chat.Service{d.svc, other} {
				wg.Go(func() { got[i] = run(svc) })
			}
			wg.Wait()
			return got[0] + got[1]
		}
		due := func(svc *chat.Service) chat.DueCounts {
			n, err := svc.RunDue(ctx)
			if err != nil {
				t.Error(err)
			}
			return n
		}

		// Six chats in hours, nobody online: tickets after the grace.
		var open []string
		for i := range 6 {
			_, c := d.visitorChat(fmt.Sprint("day", i))
			open = append(open, c.ID)
		}
		d.clk.Advance(61 * time.Second)
		if n := race(func(s *chat.Service) int { return due(s).Ticketed }); n != 6 {
			t.Fatalf("ticketed %d across two nodes, want 6", n)
		}
		for _, id := range open {
			if r := d.replies(id); len(r) != 1 {
				t.Fatalf("chat %s got %d notices", id, len(r))
			}
		}

		// Six out-of-hours sessions, three answered YES: all time out.
		d.closedNow()
		var sessions []string
		for i := range 6 {
			va, c := d.offhoursVisitor(fmt.Sprint("night", i))
			d.say(va, c.ID, "hello")
			if i%2 == 0 {
				d.say(va, c.ID, "yes")
			}
			sessions = append(sessions, c.ID)
		}
		d.clk.Advance(31 * time.Minute)
		if n := race(func(s *chat.Service) int { return due(s).SessionsEnded }); n != 6 {
			t.Fatalf("ended %d sessions across two nodes, want 6", n)
		}
		for i, id := range sessions {
			c := d.get(id)
			want := store.StatusClosed
			if i%2 == 0 {
				want = store.StatusOpen // it waits with its ticket
			}
			if c.Status != want || c.Offhours != store.OffhoursEnded {
				t.Fatalf("session %d: %s %s", i, c.Status, c.Offhours)
			}
		}

		// Every ticket closed, then archived once, 90 days on.
		boss := d.agent("boss", "supervisor", "offline", 0)
		list, _, err := d.svc.Tickets(ctx, boss, chat.TicketQuery{Queue: store.QueueUnassigned, Limit: 100})
		if err != nil || len(list) != 9 {
			t.Fatalf("%d unassigned tickets, %v; want 9", len(list), err)
		}
		for _, tk := range list {
			if _, err := d.svc.CloseTicket(ctx, boss, tk.ID); err != nil {
				t.Fatal(err)
			}
		}
		d.clk.Advance(chat.ArchiveAfter + time.Minute)
		archived := race(func(s *chat.Service) int {
			n, err := s.ArchiveTickets(ctx)
			if err != nil {
				t.Error(err)
			}
			return n
		})
		if archived != 9 {
			t.Fatalf("archived %d across two nodes, want 9", archived)
		}
	})
}

// fakeMailer records the answers chat hands to the mail service.
type fakeMailer struct {
	mu   sync.Mutex
	got  []string
	fail int // fail this many calls first
}

// Answered records each message once, as the outbox does (a retried
// send hands the same message over again).
func (f *fakeMailer) Answered(_ context.Context, _, ticketID string, m store.Message) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail > 0 {
		f.fail--
		return false, errors.New("the outbox is unreachable")
	}
	line := ticketID + " " + m.Body
	if slices.Contains(f.got, line) {
		return false, nil
	}
	f.got = append(f.got, line)
	return true, nil
}

func TestTicketAnswersGoToTheMailer(t *testing.T) {
	t.Parallel()
	d := newDesk(t, storetest.SQLite, store.Settings{TicketAfterSeconds: 300})
	ctx := context.Background()
	m := &fakeMailer{}
	d.svc.SetMailer(m)
	_, c := d.visitorChat("ann")
	olga := d.agent("olga", "agent", "online", 5)
	// A live chat's answers are not mailed.
	if _, err := d.svc.Assign(ctx, olga, c.ID, ""); err != nil {
		t.Fatal(err)
	}
	d.say(olga, c.ID, "live answer")
	if len(m.got) != 0 {
		t.Fatalf("a live chat's answer went to the mailer: %q", m.got)
	}
	// Olga goes offline; another visitor's chat becomes a ticket, and its
	// answer is mailed, once.
	if err := d.st.SetAgentStatus(ctx, d.ws.ID, olga.AgentID, "offline", d.clk.Now()); err != nil {
		t.Fatal(err)
	}
	vb, cb, tk := d.ticketed("bob")
	if _, err := d.svc.QuickAccept(ctx, olga, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := d.svc.StartTicketChat(ctx, olga, tk); err != nil {
		t.Fatal(err)
	}
	// The first try cannot be queued: the agent is told busy, and the
	// retry (the same message, stored once) is queued.
	m.fail = 1
	if _, _, err := d.svc.Send(ctx, olga, cb.ID, "answer-1", "ticket answer"); !errors.Is(err, chat.ErrBusy) {
		t.Fatalf("send with the outbox down: %v, want busy", err)
	}
	if _, dup, err := d.svc.Send(ctx, olga, cb.ID, "answer-1", "ticket answer"); err != nil || !dup {
		t.Fatalf("retry: %v %v", dup, err)
	}
	d.say(vb, cb.ID, "thanks")
	if want := []string{tk + " ticket answer"}; !slices.Equal(m.got, want) {
		t.Fatalf("mailer got %q, want %q", m.got, want)
	}
}

// TestOutOfHoursAnswersInOrder: two tabs store YES and a message before
// either is answered; whichever answer runs first, the session takes YES
// first, then keeps the message in the ticket.
func TestOutOfHoursAnswersInOrder(t *testing.T) {
	t.Parallel()
	d := newDesk(t, storetest.SQLite, store.Settings{})
	d.closedNow()
	ctx := context.Background()
	va, c := d.offhoursVisitor("ann")
	d.say(va, c.ID, "hi")
	store1 := func(id, text string) {
		if _, err := d.st.AppendMessage(ctx, store.Message{WorkspaceID: d.ws.ID, ConversationID: c.ID, ClientMsgID: id, Kind: store.KindText,
			AuthorType: store.AuthorVisitor, AuthorID: va.VisitorID, Body: text}, d.clk.Now()); err != nil {
			t.Fatal(err)
		}
	}
	store1("tab-1", "yes")
	store1("tab-2", "my order is late")
	// The second tab's retry runs first (its first try's answer was lost).
	if _, dup, err := d.svc.Send(ctx, va, c.ID, "tab-2", "my order is late"); err != nil || !dup {
		t.Fatalf("retry: %v %v", dup, err)
	}
	got := d.get(c.ID)
	if r := d.replies(c.ID); !slices.Equal(r, []string{closedText, question, accepted}) || got.Offhours != "leaving" || got.TicketID == "" {
		t.Fatalf("replies %q, phase %s, ticket %q", r, got.Offhours, got.TicketID)
	}
	tk, err := d.st.GetTicket(ctx, d.ws.ID, got.TicketID)
	if err != nil || tk.Subject != "my order is late" {
		t.Fatalf("ticket %+v %v", tk, err)
	}
	// The first tab's retry now finds both answered.
	if _, _, err := d.svc.Send(ctx, va, c.ID, "tab-1", "yes"); err != nil {
		t.Fatal(err)
	}
	if r := d.replies(c.ID); len(r) != 3 {
		t.Fatalf("answered twice: %q", r)
	}
}

func isCode(err error, code string) bool {
	var e *apperr.Error
	return errors.As(err, &e) && e.Code == code
}

// A closed site's chat at the head of the queue does not hold back the
// chats of a site that is open.
func TestAClosedSiteDoesNotBlockTheQueue(t *testing.T) {
	t.Parallel()
	d := newDesk(t, storetest.SQLite, store.Settings{})
	d.closedNow()
	ctx := context.Background()
	open, err := d.st.CreateSite(ctx, store.Site{WorkspaceID: d.ws.ID, Name: "Open shop", WidgetKey: "wk_open_" + d.ws.ID,
		IdentitySecret: "s", DefaultDepartmentID: d.dept.ID}, d.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	_, night := d.offhoursVisitor("night")
	d.clk.Advance(time.Second)
	v, err := d.st.CreateVisitor(ctx, d.ws.ID, open.ID, "tok-day", d.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	day, err := d.svc.Start(ctx, auth.Actor{WorkspaceID: d.ws.ID, VisitorID: v.ID, SiteID: open.ID, Name: "day"}, "")
	if err != nil {
		t.Fatal(err)
	}
	d.agent("olga", "agent", "online", 5)
	if n := d.svc.DrainQueue(ctx, d.ws.ID); n != 1 {
		t.Fatalf("drained %d, want the open site's chat", n)
	}
	if d.get(day.ID).AssigneeID == "" || d.get(night.ID).AssigneeID != "" {
		t.Fatalf("day %q, night %q", d.get(day.ID).AssigneeID, d.get(night.ID).AssigneeID)
	}
}

// TestDepartmentHoursNarrowTheSites: a department with hours of its own
// is out of hours when they say so, though its site is open: its chats
// get the out-of-hours answer and are not routed, and the widget is told
// the site is closed (its default department). Another department of the
// same site, without hours, is served; in the department's hours, so is
// the department.
func TestDepartmentHoursNarrowTheSites(t *testing.T) {
	t.Parallel()
	d := newDesk(t, storetest.SQLite, store.Settings{})
	ctx := context.Background()
	mondays := store.BusinessHours{TimeZone: "UTC", Days: []store.OpenSpan{{Weekday: 1, Open: "09:00", Close: "10:00"}}, ClosedDays: []string{}}
	if _, err := d.st.UpdateDepartment(ctx, d.ws.ID, d.dept.ID, d.dept.Name, &mondays, d.clk.Now()); err != nil {
		t.Fatal(err)
	}
	d.agent("olga", "agent", "online", 5)
	sales, err := d.st.CreateDepartment(ctx, d.ws.ID, "Sales", d.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	sam, err := d.st.CreateAgent(ctx, store.Agent{WorkspaceID: d.ws.ID, Email: "sam@x.example", Name: "sam", Role: "agent",
		PasswordHash: "h", MaxChats: 5, DepartmentIDs: []string{sales.ID}}, d.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := d.st.SetAgentStatus(ctx, d.ws.ID, sam.ID, "online", d.clk.Now()); err != nil {
		t.Fatal(err)
	}

	// Friday: the site is open, Support is not.
	if !d.svc.Closed(ctx, d.site) {
		t.Fatal("the widget is not told that the site's default department is closed")
	}
	va, c := d.offhoursVisitor("ann")
	d.run()
	if got := d.get(c.ID); got.AssigneeID != "" {
		t.Fatalf("routed out of the department's hours: %+v", got)
	}
	d.say(va, c.ID, "hello?")
	if r := d.replies(c.ID); !slices.Equal(r, []string{offhours.DefaultTexts.Closed, question}) {
		t.Fatalf("replies out of the department's hours: %q", r)
	}
	v, err := d.st.CreateVisitor(ctx, d.ws.ID, d.site.ID, "tok-bob", d.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	vb := auth.Actor{WorkspaceID: d.ws.ID, VisitorID: v.ID, SiteID: v.SiteID, Name: "bob"}
	bc, err := d.svc.Start(ctx, vb, sales.ID)
	if err != nil || bc.AssigneeID != sam.ID {
		t.Fatalf("a chat for Sales (no hours of its own): %+v, %v; want it routed to sam", bc, err)
	}
	d.say(vb, bc.ID, "hello")
	if r := d.replies(bc.ID); len(r) != 0 {
		t.Fatalf("Sales' chat got out-of-hours replies: %q", r)
	}

	// Monday 09:30: Support is open too.
	d.clk.Advance(time.Date(2025, time.March, 17, 9, 30, 0, 0, time.UTC).Sub(d.clk.Now()))
	if d.svc.Closed(ctx, d.site) {
		t.Fatal("the widget is told the site is closed in its department's hours")
	}
	_, cc := d.offhoursVisitor("carol")
	if cc.AssigneeID != d.agents["olga"].ID {
		t.Fatalf("a chat in the department's hours: %+v; want it routed to olga", cc)
	}
}
