package chat_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/bus"
	"github.com/querytel/livedesk/internal/chat"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/event"
	"github.com/querytel/livedesk/internal/store"
	"github.com/querytel/livedesk/internal/store/storetest"
	"github.com/querytel/livedesk/internal/workspace"
)

// desk is a workspace with a site, a department, agents and a fake clock.
type desk struct {
	t      *testing.T
	st     *store.Store
	clk    *clock.Fake
	svc    *chat.Service
	ws     store.Workspace
	site   store.Site
	dept   store.Department
	agents map[string]store.Agent
	seen   *recorder
}

// recorder keeps every bus event, to check what desks and visitors get.
type recorder struct {
	mu     sync.Mutex
	events []event.Envelope
}

func (r *recorder) handle(_ string, data []byte) {
	if env, err := event.Decode(data); err == nil {
		r.mu.Lock()
		r.events = append(r.events, env)
		r.mu.Unlock()
	}
}

func newDesk(t *testing.T, newStore storetest.NewStore, settings store.Settings) *desk {
	t.Helper()
	st := newStore(t)
	ctx := context.Background()
	clk := clock.NewFake(storetest.Epoch)
	b := bus.NewMemory()
	rec := &recorder{}
	if _, err := b.Subscribe(rec.handle); err != nil {
		t.Fatal(err)
	}
	d := &desk{t: t, st: st, clk: clk, svc: chat.New(st, clk, event.NewPublisher(b, nil)), agents: map[string]store.Agent{}, seen: rec}
	var err error
	if d.ws, err = st.CreateWorkspace(ctx, "W", clk.Now()); err != nil {
		t.Fatal(err)
	}
	d.ws.Settings = workspace.Effective(settings)
	if err := st.UpdateWorkspace(ctx, d.ws, clk.Now()); err != nil {
		t.Fatal(err)
	}
	if d.dept, err = st.CreateDepartment(ctx, d.ws.ID, "Support", clk.Now()); err != nil {
		t.Fatal(err)
	}
	if d.site, err = st.CreateSite(ctx, store.Site{WorkspaceID: d.ws.ID, Name: "Shop", WidgetKey: "wk_" + d.ws.ID, IdentitySecret: "s",
		DefaultDepartmentID: d.dept.ID}, clk.Now()); err != nil {
		t.Fatal(err)
	}
	return d
}

// agent adds an agent in the department with a status and a limit.
func (d *desk) agent(name, role, status string, maxChats int) auth.Actor {
	d.t.Helper()
	ctx := context.Background()
	a, err := d.st.CreateAgent(ctx, store.Agent{WorkspaceID: d.ws.ID, Email: name + "@x.example", Name: name, Role: role,
		PasswordHash: "h", MaxChats: maxChats, DepartmentIDs: []string{d.dept.ID}}, d.clk.Now())
	if err != nil {
		d.t.Fatal(err)
	}
	if err := d.st.SetAgentStatus(ctx, d.ws.ID, a.ID, status, d.clk.Now()); err != nil {
		d.t.Fatal(err)
	}
	d.agents[name] = a
	return auth.Actor{WorkspaceID: d.ws.ID, AgentID: a.ID, Name: name, Role: auth.Role(role)}
}

// visitorChat starts a conversation for a new visitor; it says hello.
func (d *desk) visitorChat(name string) (auth.Actor, store.Conversation) {
	d.t.Helper()
	ctx := context.Background()
	v, err := d.st.CreateVisitor(ctx, d.ws.ID, d.site.ID, "tok-"+name, d.clk.Now())
	if err != nil {
		d.t.Fatal(err)
	}
	va := auth.Actor{WorkspaceID: d.ws.ID, VisitorID: v.ID, SiteID: v.SiteID, Name: name}
	c, err := d.svc.Start(ctx, va, d.dept.ID)
	if err != nil {
		d.t.Fatal(err)
	}
	d.say(va, c.ID, "hello from "+name)
	return va, d.get(c.ID)
}

var msgN int

func (d *desk) say(a auth.Actor, convID, text string) store.Message {
	d.t.Helper()
	msgN++
	m, _, err := d.svc.Send(context.Background(), a, convID, fmt.Sprint("m", msgN), text)
	if err != nil {
		d.t.Fatalf("%s says %q: %v", a.Name, text, err)
	}
	return m
}

func (d *desk) get(id string) store.Conversation {
	d.t.Helper()
	c, err := d.st.GetConversation(context.Background(), d.ws.ID, id)
	if err != nil {
		d.t.Fatal(err)
	}
	return c
}

func (d *desk) run() chat.DueCounts {
	d.t.Helper()
	n, err := d.svc.RunDue(context.Background())
	if err != nil {
		d.t.Fatal(err)
	}
	return n
}

func (d *desk) history(id string) []store.Message {
	d.t.Helper()
	msgs, err := d.st.ListMessages(context.Background(), d.ws.ID, id, 0, 0, 1000)
	if err != nil {
		d.t.Fatal(err)
	}
	return msgs
}

func wantStatus(t *testing.T, c store.Conversation, status string) {
	t.Helper()
	if c.Status != status {
		t.Fatalf("conversation is %s, want %s", c.Status, status)
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var e *apperr.Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("error %v, want code %s", err, code)
	}
}

// both runs a lifecycle test on SQLite and PostgreSQL.
func both(t *testing.T, run func(t *testing.T, newStore storetest.NewStore)) {
	t.Run("sqlite", func(t *testing.T) { t.Parallel(); run(t, storetest.SQLite) })
	t.Run("postgres", func(t *testing.T) { t.Parallel(); run(t, storetest.Postgres) })
}

func TestRoutingLeastLoadedThenLongestIdle(t *testing.T) {
	both(t, func(t *testing.T, ns storetest.NewStore) {
		d := newDesk(t, ns, store.Settings{DefaultMaxChats: 2})
		d.agent("ann", "agent", "online", 0)
		d.clk.Advance(time.Second)
		d.agent("bob", "agent", "online", 0)
		d.agent("cat", "agent", "busy", 0)
		d.agent("dan", "agent", "offline", 0)
		var got []string
		for i := range 5 {
			d.clk.Advance(time.Second)
			_, c := d.visitorChat(fmt.Sprint("v", i))
			got = append(got, c.AssigneeID)
		}
		ann, bob := d.agents["ann"].ID, d.agents["bob"].ID
		// Ties go to the agent idle longest; then the least loaded; the
		// fifth waits (both at their limit of 2); busy and offline get none.
		want := []string{ann, bob, ann, bob, ""}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("assignees %v, want %v", got, want)
		}
	})
}

func TestQueueDrainsInArrivalOrderAsCapacityFrees(t *testing.T) {
	both(t, func(t *testing.T, ns storetest.NewStore) {
		d := newDesk(t, ns, store.Settings{DefaultMaxChats: 1})
		ann := d.agent("ann", "agent", "online", 0)
		_, first := d.visitorChat("first")
		d.clk.Advance(time.Second)
		_, second := d.visitorChat("second")
		d.clk.Advance(time.Second)
		_, third := d.visitorChat("third")
		if first.AssigneeID != ann.AgentID || second.AssigneeID != "" || third.AssigneeID != "" {
			t.Fatalf("first %q second %q third %q", first.AssigneeID, second.AssigneeID, third.AssigneeID)
		}
		if _, err := d.svc.SetStatus(context.Background(), ann, first.ID, store.StatusClosed, time.Time{}); err != nil {
			t.Fatal(err)
		}
		if d.get(second.ID).AssigneeID != ann.AgentID || d.get(third.ID).AssigneeID != "" {
			t.Fatal("closing a chat did not hand the oldest queued chat to the freed agent")
		}
	})
}

// assignCounter counts the assignment transactions a service tries.
type assignCounter struct {
	chat.Store
	tries int
}

func (a *assignCounter) Assign(ctx context.Context, workspaceID, id string, p store.Pick, tr store.Transition, fill func(store.Agent) *store.Message, now time.Time) (store.Conversation, *store.Message, store.Agent, bool, error) {
	a.tries++
	return a.Store.Assign(ctx, workspaceID, id, p, tr, fill, now)
}

// A queue no agent has room for costs one write per department and pass,
// not one per waiting chat: each try holds the database's writer.
func TestFullQueueIsTriedOncePerDepartment(t *testing.T) {
	both(t, func(t *testing.T, ns storetest.NewStore) {
		d := newDesk(t, ns, store.Settings{DefaultMaxChats: 1})
		ann := d.agent("ann", "agent", "online", 0)
		var queued []store.Conversation
		for i := range 6 {
			_, c := d.visitorChat(fmt.Sprint("v", i))
			queued = append(queued, c)
		}
		counter := &assignCounter{Store: d.st}
		svc := chat.New(counter, d.clk, event.NewPublisher(bus.NewMemory(), nil))
		if n := svc.DrainQueue(context.Background(), d.ws.ID); n != 0 || counter.tries != 1 {
			t.Fatalf("assigned %d with %d tries, want 0 with 1", n, counter.tries)
		}
		if _, err := d.svc.SetStatus(context.Background(), ann, queued[0].ID, store.StatusClosed, time.Time{}); err != nil {
			t.Fatal(err)
		}
		if d.get(queued[1].ID).AssigneeID != ann.AgentID {
			t.Fatal("the freed agent did not get the oldest waiting chat")
		}
	})
}

func TestPendingClosesAfterItsTimeAndVisitorReopens(t *testing.T) {
	both(t, func(t *testing.T, ns storetest.NewStore) {
		d := newDesk(t, ns, store.Settings{PendingCloseMinutes: 60, InactivityCloseMinutes: -1})
		ann := d.agent("ann", "agent", "online", 0)
		v, c := d.visitorChat("v")
		ctx := context.Background()
		if _, err := d.svc.SetStatus(ctx, ann, c.ID, store.StatusPending, time.Time{}); err != nil {
			t.Fatal(err)
		}
		d.clk.Advance(59 * time.Minute)
		if n := d.run(); n.PendingClosed != 0 {
			t.Fatal("closed before its time")
		}
		d.say(v, c.ID, "still there?")
		wantStatus(t, d.get(c.ID), store.StatusOpen)
		if _, err := d.svc.SetStatus(ctx, ann, c.ID, store.StatusPending, time.Time{}); err != nil {
			t.Fatal(err)
		}
		d.clk.Advance(60*time.Minute + time.Millisecond)
		if n := d.run(); n.PendingClosed != 1 {
			t.Fatalf("pending closed %d, want 1", n.PendingClosed)
		}
		got := d.get(c.ID)
		wantStatus(t, got, store.StatusClosed)
		if got.ClosedBy != "system" {
			t.Fatalf("closed by %q, want system", got.ClosedBy)
		}
		if n := d.run(); n.PendingClosed != 0 {
			t.Fatal("the same timer fired twice")
		}
	})
}

func TestSnoozeWakesByItselfOrOnVisitorMessage(t *testing.T) {
	both(t, func(t *testing.T, ns storetest.NewStore) {
		d := newDesk(t, ns, store.Settings{InactivityCloseMinutes: -1})
		ann := d.agent("ann", "agent", "online", 0)
		ctx := context.Background()
		_, c := d.visitorChat("v")
		if _, err := d.svc.SetStatus(ctx, ann, c.ID, store.StatusSnoozed, d.clk.Now()); err == nil {
			t.Fatal("snoozed until now")
		}
		if _, err := d.svc.SetStatus(ctx, ann, c.ID, store.StatusSnoozed, d.clk.Now().Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		d.clk.Advance(2*time.Hour - time.Second)
		if n := d.run(); n.Woken != 0 {
			t.Fatal("woke early")
		}
		d.clk.Advance(time.Second)
		if n := d.run(); n.Woken != 1 {
			t.Fatalf("woken %d, want 1", n.Woken)
		}
		wantStatus(t, d.get(c.ID), store.StatusOpen)

		v2, c2 := d.visitorChat("v2")
		if _, err := d.svc.SetStatus(ctx, ann, c2.ID, store.StatusSnoozed, d.clk.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		d.say(v2, c2.ID, "hello again")
		wantStatus(t, d.get(c2.ID), store.StatusOpen)
	})
}

func TestInactivityClosesUnlessFlagged(t *testing.T) {
	both(t, func(t *testing.T, ns storetest.NewStore) {
		d := newDesk(t, ns, store.Settings{InactivityCloseMinutes: 30, ReplyTimeoutSeconds: -1})
		ann := d.agent("ann", "agent", "online", 0)
		_, quiet := d.visitorChat("quiet")
		_, flagged := d.visitorChat("flagged")
		if _, err := d.svc.SetFlag(context.Background(), ann, flagged.ID, true); err != nil {
			t.Fatal(err)
		}
		d.clk.Advance(29 * time.Minute)
		d.say(ann, quiet.ID, "anything else?") // activity resets the clock
		d.clk.Advance(29 * time.Minute)
		if n := d.run(); n.InactiveClosed != 0 {
			t.Fatal("closed a chat with recent activity")
		}
		d.clk.Advance(2 * time.Minute)
		if n := d.run(); n.InactiveClosed != 1 {
			t.Fatalf("inactive closed %d, want 1 (the flagged one stays)", n.InactiveClosed)
		}
		got := d.get(quiet.ID)
		wantStatus(t, got, store.StatusClosed)
		if got.ClosedBy != "system" {
			t.Fatalf("closed by %q", got.ClosedBy)
		}
		wantStatus(t, d.get(flagged.ID), store.StatusOpen)
		last := d.history(quiet.ID)
		if m := last[len(last)-1]; m.Kind != store.KindSystem || m.Meta["reason"] != "inactivity" {
			t.Fatalf("history lacks the system event: %+v", m)
		}
	})
}

func TestReplyTimeoutReassignsButNeverFlagged(t *testing.T) {
	both(t, func(t *testing.T, ns storetest.NewStore) {
		d := newDesk(t, ns, store.Settings{ReplyTimeoutSeconds: 120, InactivityCloseMinutes: -1})
		ann := d.agent("ann", "agent", "online", 0)
		v, c := d.visitorChat("v")
		_, f := d.visitorChat("f")
		if c.AssigneeID != ann.AgentID || f.AssigneeID != ann.AgentID {
			t.Fatal("setup: both chats should go to ann")
		}
		if _, err := d.svc.SetFlag(context.Background(), ann, f.ID, true); err != nil {
			t.Fatal(err)
		}
		bob := d.agent("bob", "agent", "online", 0)
		d.clk.Advance(119 * time.Second)
		if n := d.run(); n.Reassigned != 0 {
			t.Fatal("reassigned early")
		}
		d.clk.Advance(2 * time.Second)
		if n := d.run(); n.Reassigned != 1 {
			t.Fatalf("reassigned %d, want 1", n.Reassigned)
		}
		if d.get(c.ID).AssigneeID != bob.AgentID || d.get(f.ID).AssigneeID != ann.AgentID {
			t.Fatal("the unanswered chat should move to bob and the flagged one stay with ann")
		}
		// Bob answers: the clock stops; the visitor's next message restarts it.
		d.say(bob, c.ID, "hi, I'm here")
		d.clk.Advance(10 * time.Minute)
		if n := d.run(); n.Reassigned != 0 {
			t.Fatal("reassigned an answered chat")
		}
		d.say(v, c.ID, "thanks, one more thing")
		d.clk.Advance(121 * time.Second)
		if n := d.run(); n.Reassigned != 1 || d.get(c.ID).AssigneeID != ann.AgentID {
			t.Fatal("the new unanswered message did not move the chat on")
		}
	})
}

// TestReplyTimeoutNeverBounces: a chat nobody answers moves on once per
// agent during one wait, never back to an agent it was taken from; with
// nobody else online it stays with its agent and the desks are told once
// that the visitor is waiting. A new wait (after an answer) starts
// afresh.
func TestReplyTimeoutNeverBounces(t *testing.T) {
	both(t, func(t *testing.T, ns storetest.NewStore) {
		d := newDesk(t, ns, store.Settings{ReplyTimeoutSeconds: 120, InactivityCloseMinutes: -1})
		ann := d.agent("ann", "agent", "online", 0)
		v, c := d.visitorChat("v")
		bob := d.agent("bob", "agent", "online", 0)
		d.say(v, c.ID, "hello?")
		d.clk.Advance(121 * time.Second)
		if n := d.run(); n.Reassigned != 1 || d.get(c.ID).AssigneeID != bob.AgentID {
			t.Fatalf("first timeout: assignee %s, want bob", d.get(c.ID).AssigneeID)
		}
		waitingEvents := func() int {
			n := 0
			for _, m := range d.history(c.ID) {
				if m.Meta["event"] == "waiting" {
					n++
				}
			}
			return n
		}
		for pass := range 3 {
			d.clk.Advance(121 * time.Second)
			if n := d.run(); n.Reassigned != 0 || d.get(c.ID).AssigneeID != bob.AgentID {
				t.Fatalf("pass %d: assignee %s, want bob still (ann already let it wait, nobody else is online)", pass, d.get(c.ID).AssigneeID)
			}
			if got := waitingEvents(); got != 1 {
				t.Fatalf("pass %d: %d waiting events, want exactly one", pass, got)
			}
		}
		d.say(bob, c.ID, "sorry, here now")
		d.say(v, c.ID, "one more question")
		d.clk.Advance(121 * time.Second)
		if n := d.run(); n.Reassigned != 1 || d.get(c.ID).AssigneeID != ann.AgentID {
			t.Fatalf("a new wait: assignee %s, want ann again", d.get(c.ID).AssigneeID)
		}
	})
}

// TestReplyTimeoutTriesEachAgentOnce: with three agents who all have
// room and none replying, the chat goes to each once in one wait (a new
// assignee's clock restarts, the wait does not). An agent online but
// full who was not tried is waited for in the queue, never bouncing back
// to those who let it wait, and a chat queued for that agent does not
// hold back another chat of the queue.
func TestReplyTimeoutTriesEachAgentOnce(t *testing.T) {
	both(t, func(t *testing.T, ns storetest.NewStore) {
		d := newDesk(t, ns, store.Settings{ReplyTimeoutSeconds: 120, InactivityCloseMinutes: -1, TicketAfterSeconds: 3600})
		dora := d.agent("dora", "agent", "online", 1)
		vb, busy := d.visitorChat("busy") // dora is full with it
		d.say(dora, busy.ID, "hello, how can I help?")
		d.say(vb, busy.ID, "thanks")
		d.say(dora, busy.ID, "you're welcome")
		d.agent("ann", "agent", "online", 0)
		v, c := d.visitorChat("v")
		d.agent("bob", "agent", "online", 0)
		d.agent("cara", "agent", "online", 0)
		d.say(v, c.ID, "hello?")
		seen := map[string]bool{d.get(c.ID).AssigneeID: true}
		for pass := range 2 {
			d.clk.Advance(121 * time.Second)
			d.run()
			a := d.get(c.ID).AssigneeID
			if a == "" || seen[a] {
				t.Fatalf("timeout %d: assignee %q, want an agent not tried yet (tried %v)", pass+1, a, seen)
			}
			seen[a] = true
		}
		d.clk.Advance(121 * time.Second)
		d.run()
		if got := d.get(c.ID); got.AssigneeID != "" {
			t.Fatalf("ann, bob and cara let it wait, dora is full: assignee %q, want the queue", got.AssigneeID)
		}
		for range 3 {
			d.clk.Advance(30 * time.Second)
			d.run()
			if got := d.get(c.ID).AssigneeID; got != "" {
				t.Fatalf("given to %q, who let it wait in this wait", got)
			}
		}
		// Another visitor's new chat is not held back by it.
		v2, c2 := d.visitorChat("w")
		d.say(v2, c2.ID, "hi there")
		d.run()
		if got := d.get(c2.ID).AssigneeID; got == "" || got == dora.AgentID {
			t.Fatalf("a new chat: assignee %q, want one of those with room", got)
		}
		// Dora frees up: the waiting chat is hers.
		if _, err := d.svc.SetStatus(context.Background(), dora, busy.ID, store.StatusClosed, time.Time{}); err != nil {
			t.Fatal(err)
		}
		d.run()
		if got := d.get(c.ID).AssigneeID; got != dora.AgentID {
			t.Fatalf("after dora freed up: assignee %q, want dora", got)
		}
	})
}

// TestFlagLeavesATrace: setting and removing a flag are private events in
// the history, with who did it; setting it again records nothing.
func TestFlagLeavesATrace(t *testing.T) {
	both(t, func(t *testing.T, ns storetest.NewStore) {
		d := newDesk(t, ns, store.Settings{InactivityCloseMinutes: -1})
		ann := d.agent("ann", "agent", "online", 0)
		_, c := d.visitorChat("v")
		flags := func() []store.Message {
			var out []store.Message
			for _, m := range d.history(c.ID) {
				if m.Meta["event"] == "flag" {
					out = append(out, m)
				}
			}
			return out
		}
		for _, on := range []bool{true, true, false} {
			if _, err := d.svc.SetFlag(context.Background(), ann, c.ID, on); err != nil {
				t.Fatal(err)
			}
		}
		got := flags()
		if len(got) != 2 || got[0].Meta["action"] != "flagged" || got[1].Meta["action"] != "unflagged" {
			t.Fatalf("flag events %+v, want flagged then unflagged (the repeat records nothing)", got)
		}
		if !got[0].Private || got[0].AuthorID != ann.AgentID {
			t.Fatalf("the flag event must be private and name ann: %+v", got[0])
		}
	})
}

func TestTransferAndPermissions(t *testing.T) {
	both(t, func(t *testing.T, ns storetest.NewStore) {
		d := newDesk(t, ns, store.Settings{DefaultMaxChats: 1})
		ctx := context.Background()
		ann := d.agent("ann", "agent", "online", 0)
		va, c := d.visitorChat("v")
		bob := d.agent("bob", "agent", "online", 0)
		sue := d.agent("sue", "supervisor", "online", 0)
		_, other := d.visitorChat("other") // goes to bob (ann is full)
		if other.AssigneeID != bob.AgentID {
			t.Fatalf("setup: other chat assigned to %q", other.AssigneeID)
		}
		// Bob may not act on Ann's chat.
		_, err := d.svc.SetStatus(ctx, bob, c.ID, store.StatusClosed, time.Time{})
		wantCode(t, err, "forbidden")
		// Ann may not transfer to a full agent; the supervisor may.
		_, err = d.svc.Transfer(ctx, ann, c.ID, chat.TransferTarget{AgentID: bob.AgentID, Note: "billing question"})
		wantCode(t, err, "agent_at_capacity")
		nc, err := d.svc.Transfer(ctx, sue, c.ID, chat.TransferTarget{AgentID: bob.AgentID, Note: "billing question"})
		if err != nil || nc.AssigneeID != bob.AgentID {
			t.Fatalf("supervisor transfer: %v %q", err, nc.AssigneeID)
		}
		h := d.history(c.ID)
		last := h[len(h)-1]
		if !last.Private || last.Meta["event"] != "transfer" || last.Meta["note"] != "billing question" {
			t.Fatalf("transfer event: %+v", last)
		}
		seen, err := d.svc.History(ctx, va, c.ID, last.Seq-1, 0, 0)
		if err != nil || len(seen.Messages) != 1 {
			t.Fatalf("the visitor's history after the transfer: %+v, %v", seen, err)
		}
		if r := seen.Messages[0]; r.Body != "" || r.Kind != store.KindHidden || r.Seq != last.Seq || r.Meta != nil {
			t.Fatalf("a visitor would see the note: %+v", r)
		}
		// To a department: unassigned, then routed within it.
		nc, err = d.svc.Transfer(ctx, sue, c.ID, chat.TransferTarget{DepartmentID: d.dept.ID})
		if err != nil || nc.DepartmentID != d.dept.ID {
			t.Fatalf("department transfer: %v", err)
		}
		_, err = d.svc.Transfer(ctx, sue, c.ID, chat.TransferTarget{})
		wantCode(t, err, "invalid_target")
	})
}

func TestCloseWrapupAndReopen(t *testing.T) {
	both(t, func(t *testing.T, ns storetest.NewStore) {
		d := newDesk(t, ns, store.Settings{})
		ctx := context.Background()
		ann := d.agent("ann", "agent", "online", 0)
		v, c := d.visitorChat("v")
		if _, err := d.svc.Wrapup(ctx, ann, c.ID, "n", nil); err == nil {
			t.Fatal("wrap-up of an open chat")
		}
		closed, err := d.svc.SetStatus(ctx, ann, c.ID, store.StatusClosed, time.Time{})
		if err != nil || closed.ClosedBy != "agent" || closed.ClosedByAgentID != ann.AgentID {
			t.Fatalf("close: %v %+v", err, closed)
		}
		if _, _, err := d.svc.Send(ctx, v, c.ID, "late", "hello?"); !errors.Is(err, chat.ErrConversationClosed) {
			t.Fatalf("visitor wrote to a closed chat: %v", err)
		}
		w, err := d.svc.Wrapup(ctx, ann, c.ID, "Refund issued", []string{"Billing", " refund "})
		if err != nil || w.WrapupNotes != "Refund issued" || fmt.Sprint(w.WrapupTags) != "[billing refund]" {
			t.Fatalf("wrap-up: %v %+v", err, w)
		}
		h := d.history(c.ID)
		if last := h[len(h)-1]; !last.Private || last.Meta["event"] != "wrapup" {
			t.Fatalf("wrap-up is not in the history: %+v", last)
		}
		list, err := d.svc.List(ctx, v, store.ConversationFilter{})
		if err != nil || list[0].WrapupNotes != "" {
			t.Fatal("a visitor sees wrap-up notes")
		}
		// Reopen works unless the visitor started another chat meanwhile.
		if _, err := d.svc.SetStatus(ctx, ann, c.ID, store.StatusOpen, time.Time{}); err != nil {
			t.Fatal(err)
		}
		if _, err := d.svc.SetStatus(ctx, ann, c.ID, store.StatusClosed, time.Time{}); err != nil {
			t.Fatal(err)
		}
		if _, err := d.svc.Start(ctx, v, ""); err != nil {
			t.Fatal(err)
		}
		_, err = d.svc.SetStatus(ctx, ann, c.ID, store.StatusOpen, time.Time{})
		wantCode(t, err, "visitor_has_open_conversation")
		// The visitor can end a chat too.
		vc, err := d.svc.List(ctx, v, store.ConversationFilter{Statuses: []string{store.StatusOpen}})
		if err != nil || len(vc) != 1 {
			t.Fatal(err)
		}
		if got, err := d.svc.CloseByVisitor(ctx, v, vc[0].ID); err != nil || got.ClosedBy != "visitor" {
			t.Fatalf("visitor close: %v %+v", err, got)
		}
	})
}

// TestTimersFireOnceAcrossNodes runs two services (two nodes) on one
// database at the same instant, concurrently: each timer fires once.
func TestTimersFireOnceAcrossNodes(t *testing.T) {
	both(t, func(t *testing.T, ns storetest.NewStore) {
		d := newDesk(t, ns, store.Settings{InactivityCloseMinutes: 30, PendingCloseMinutes: 30, ReplyTimeoutSeconds: -1})
		ann := d.agent("ann", "agent", "online", 100)
		ctx := context.Background()
		var ids []string
		for i := range 12 {
			_, c := d.visitorChat(fmt.Sprint("v", i))
			switch i % 3 {
			case 1:
				d.svc.SetStatus(ctx, ann, c.ID, store.StatusPending, time.Time{}) //nolint:errcheck
			case 2:
				d.svc.SetStatus(ctx, ann, c.ID, store.StatusSnoozed, d.clk.Now().Add(time.Minute)) //nolint:errcheck
			}
			ids = append(ids, c.ID)
		}
		d.clk.Advance(31 * time.Minute)
		other := chat.New(d.st, d.clk, event.NewPublisher(bus.NewMemory(), nil))
		var wg sync.WaitGroup
		counts := make([]chat.DueCounts, 2)
		for i, svc := range []*chat.Service{d.svc, other} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n, err := svc.RunDue(ctx)
				if err != nil {
					t.Error(err)
				}
				counts[i] = n
			}()
		}
		wg.Wait()
		sum := chat.DueCounts{}
		for _, n := range counts {
			sum.Woken += n.Woken
			sum.PendingClosed += n.PendingClosed
			sum.InactiveClosed += n.InactiveClosed
		}
		if sum.Woken != 4 || sum.PendingClosed != 4 || sum.InactiveClosed != 4 {
			t.Fatalf("fired %+v across two nodes, want 4 of each exactly once", sum)
		}
		for _, id := range ids {
			h := d.history(id)
			for i, m := range h {
				if m.Seq != int64(i+1) {
					t.Fatalf("seq gap in %s", id)
				}
			}
		}
	})
}

// HistoryOf skips the conversation read, not the rule: a conversation
// handed in must still be the actor's.
func TestHistoryOfKeepsOwnership(t *testing.T) {
	both(t, func(t *testing.T, ns storetest.NewStore) {
		d := newDesk(t, ns, store.Settings{})
		ctx := context.Background()
		d.agent("ann", "agent", "online", 0)
		v1, c1 := d.visitorChat("one")
		v2, _ := d.visitorChat("two")
		page, err := d.svc.HistoryOf(ctx, v1, c1, 0, 0, 0)
		if err != nil || int64(len(page.Messages)) != d.get(c1.ID).LastSeq || page.More {
			t.Fatalf("own history: %d messages (more %v), %v; want all %d", len(page.Messages), page.More, err, d.get(c1.ID).LastSeq)
		}
		if _, err := d.svc.HistoryOf(ctx, v2, c1, 0, 0, 0); !errors.Is(err, chat.ErrConversationNotFound) {
			t.Errorf("another visitor's conversation: %v, want not found", err)
		}
		other := auth.Actor{WorkspaceID: "another workspace", AgentID: "x"}
		if _, err := d.svc.HistoryOf(ctx, other, c1, 0, 0, 0); !errors.Is(err, chat.ErrConversationNotFound) {
			t.Errorf("another workspace's conversation: %v, want not found", err)
		}
	})
}

// TestStartTakesTheSiteDefaultDepartment: a visitor who names no
// department lands in its site's default one (chat decides it, not the
// transport), and the visitor gets its own view of the conversation.
func TestStartTakesTheSiteDefaultDepartment(t *testing.T) {
	both(t, func(t *testing.T, ns storetest.NewStore) {
		d := newDesk(t, ns, store.Settings{})
		ctx := context.Background()
		v, err := d.st.CreateVisitor(ctx, d.ws.ID, d.site.ID, "tok-default", d.clk.Now())
		if err != nil {
			t.Fatal(err)
		}
		va := auth.Actor{WorkspaceID: d.ws.ID, VisitorID: v.ID, SiteID: v.SiteID, Name: "v"}
		c, err := d.svc.Start(ctx, va, "")
		if err != nil {
			t.Fatal(err)
		}
		if c.DepartmentID != d.dept.ID || d.get(c.ID).DepartmentID != d.dept.ID {
			t.Fatalf("department %q (stored %q), want the site's default %q", c.DepartmentID, d.get(c.ID).DepartmentID, d.dept.ID)
		}
		// A flag set by the desk never reaches the visitor through Start.
		sue := d.agent("sue", "supervisor", "online", 0)
		if _, err := d.svc.SetFlag(ctx, sue, c.ID, true); err != nil {
			t.Fatal(err)
		}
		again, err := d.svc.Start(ctx, va, "")
		if err != nil || again.ID != c.ID || again.Flagged || len(again.WrapupTags) != 0 {
			t.Fatalf("second start: %+v, %v; want the same conversation without agent-only fields", again, err)
		}
	})
}
