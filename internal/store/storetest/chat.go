package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/store"
)

func runChat(t *testing.T, newStore NewStore) {
	t.Helper()
	runCases(t, newStore, []storeCase{
		{"visitors/create, token lookup is per site, read", testVisitors},
		{"visitors/heartbeats track pages and presence; each expiry is claimed once", testPresence},
		{"visitors/heartbeats sent at once all apply, an unknown visitor fails alone", testHeartbeatsTogether},
		{"visitors/addresses set at once all apply, none into another workspace", testAddressesTogether},
		{"visitors/identity and context", testVisitorIdentityAndContext},
		{"conversations/one open per visitor, even when started concurrently", testStartConversation},
		{"messages/seq is gap-free and a client_msg_id is stored once", testAppendMessage},
		{"messages/concurrent appends and retries keep seq contiguous", testConcurrentAppends},
		{"messages/concurrent appends get their own results: duplicates, unknown conversations, taken ids", testBatchedAppends},
		{"messages/a message that fails mid-batch fails alone", testBatchFailureIsolated},
		{"messages/owner and status are checked where the message is stored", testAppendRules},
		{"messages/list by seq range", testListMessages},
		{"reads/an agent's read markers only move forward", testReadMarkers},
		{"reads/receipts sent at once all apply, an unknown one fails alone", testReceiptsTogether},
		{"conversations/closed lists page and search", testListPagesAndSearch},
		{"bootstrap/concurrent first starts create one workspace, owner and site", testBootstrap},
		{"tenants/another workspace comes with its owner and site, or not at all", testCreateTenant},
		{"retention/a visitor keeps only its latest page views", testPageViewsKept},
		{"retention/idle anonymous visitors who never chatted are deleted, no one else", testDeleteIdleVisitors},
		{"visitors/the address a visitor came from", testVisitorIP},
		{"blocks/by visitor, address and contact", testBlocks},
		{"audit/append, page newest first, retention", testAudit},
	})
}

// chatTenant is a tenant with a visitor and its open conversation.
type chatTenant struct {
	tenant
	visitor store.Visitor
	conv    store.Conversation
}

func newChatTenant(t *testing.T, s *store.Store, name string) chatTenant {
	t.Helper()
	ct := chatTenant{tenant: newTenant(t, s, name)}
	var err error
	ct.visitor, err = s.CreateVisitor(t.Context(), ct.ws.ID, ct.site.ID, "token-"+name, Epoch)
	noErr(t, "create visitor", err)
	ct.conv, _, err = s.StartConversation(t.Context(), ct.ws.ID, ct.visitor.ID, "", Epoch)
	noErr(t, "start conversation", err)
	return ct
}

func textMessage(ws, conv, clientID, body string) store.Message {
	return store.Message{WorkspaceID: ws, ConversationID: conv, ClientMsgID: clientID, Kind: store.KindText,
		AuthorType: store.AuthorAgent, AuthorID: "agent-0", Body: body}
}

// visitorMessage is textMessage written by visitor v.
func visitorMessage(v store.Visitor, conv, clientID, body string) store.Message {
	m := textMessage(v.WorkspaceID, conv, clientID, body)
	m.AuthorType, m.AuthorID = store.AuthorVisitor, v.ID
	return m
}

func testVisitors(t *testing.T, s *store.Store) {
	ctx := t.Context()
	a := newTenant(t, s, "a")
	other, err := s.CreateSite(ctx, store.Site{WorkspaceID: a.ws.ID, Name: "Other", WidgetKey: "wk_other", IdentitySecret: "x"}, Epoch)
	noErr(t, "site", err)
	v, err := s.CreateVisitor(ctx, a.ws.ID, a.site.ID, "hash-1", Epoch)
	noErr(t, "create visitor", err)
	equal(t, "new visitor is offline", v.Online, false)
	got, err := s.VisitorByToken(ctx, a.site.ID, "hash-1")
	noErr(t, "by token", err)
	equal(t, "by token id", got.ID, v.ID)
	_, err = s.VisitorByToken(ctx, other.ID, "hash-1")
	wantErr(t, err, store.ErrNotFound) // a token is bound to its site
	_, err = s.CreateVisitor(ctx, a.ws.ID, a.site.ID, "hash-1", Epoch)
	wantErr(t, err, store.ErrConflict)
	_, err = s.GetVisitor(ctx, a.ws.ID, "missing")
	wantErr(t, err, store.ErrNotFound)
}

// crowd makes tenants a and b, 20 visitors of a (their ids) and one of
// b, with tokens named from prefix: the many callers of a group commit.
func crowd(t *testing.T, s *store.Store, prefix string) (a, b tenant, foreign store.Visitor, ids []string) {
	t.Helper()
	ctx := t.Context()
	a, b = newTenant(t, s, "a"), newTenant(t, s, "b")
	foreign, err := s.CreateVisitor(ctx, b.ws.ID, b.site.ID, prefix+"foreign", Epoch)
	noErr(t, "visitor of b", err)
	for i := range 20 {
		v, err := s.CreateVisitor(ctx, a.ws.ID, a.site.ID, fmt.Sprint(prefix, i), Epoch)
		noErr(t, "visitor", err)
		ids = append(ids, v.ID)
	}
	return a, b, foreign, ids
}

// testAddressesTogether: many visitors coming back at once from new
// addresses (committed in shared transactions) each keep their own; a
// call naming another workspace's visitor changes nothing.
func testAddressesTogether(t *testing.T, s *store.Store) {
	ctx := t.Context()
	a, b, foreign, ids := crowd(t, s, "ip-")
	errs := make(chan error, 2*len(ids))
	for i, id := range ids {
		go func() { errs <- s.SetVisitorIP(ctx, a.ws.ID, id, fmt.Sprint("198.51.100.", i)) }()
		go func() { errs <- s.SetVisitorIP(ctx, a.ws.ID, foreign.ID, "203.0.113.9") }()
	}
	for range 2 * len(ids) {
		noErr(t, "set ip", <-errs)
	}
	for i, id := range ids {
		v, err := s.GetVisitor(ctx, a.ws.ID, id)
		noErr(t, "get", err)
		equal(t, "address", v.IP, fmt.Sprint("198.51.100.", i))
	}
	f, err := s.GetVisitor(ctx, b.ws.ID, foreign.ID)
	noErr(t, "foreign", err)
	equal(t, "another workspace's visitor keeps its address", f.IP, foreign.IP)
}

// testHeartbeatsTogether: heartbeats of many visitors at once (committed
// in shared transactions) each come back with their own visitor and
// outcome, two pages of one visitor are both counted, and an unknown
// visitor's heartbeat (or another workspace's) fails alone.
func testHeartbeatsTogether(t *testing.T, s *store.Store) {
	ctx := t.Context()
	a, b, foreign, ids := crowd(t, s, "hb-")
	now := Epoch.Add(time.Second)
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		errs    []error
		refused int
	)
	touch := func(id, url string) {
		defer wg.Done()
		p, err := s.TouchVisitor(ctx, a.ws.ID, id, store.PageView{URL: url, Title: url}, now, now.Add(time.Minute), 0)
		mu.Lock()
		defer mu.Unlock()
		switch {
		case errors.Is(err, store.ErrNotFound):
			refused++
		case err != nil:
			errs = append(errs, err)
		case p.Visitor.ID != id || !p.Visitor.Online || p.Visitor.PageURL == "":
			errs = append(errs, fmt.Errorf("visitor %s: answered %+v", id, p.Visitor))
		}
	}
	for _, id := range ids {
		wg.Add(4)
		go touch(id, "https://a.example/one")
		go touch(id, "https://a.example/two")
		go touch("missing", "https://a.example/")
		go touch(foreign.ID, "https://a.example/")
	}
	wg.Wait()
	noErr(t, "heartbeats", errors.Join(errs...))
	equal(t, "unknown and foreign visitors refused", refused, 2*len(ids))
	for _, id := range ids {
		v, err := s.GetVisitor(ctx, a.ws.ID, id)
		noErr(t, "get", err)
		equal(t, "both pages counted", v.PagesSeen, 2)
		equal(t, "online", v.Online, true)
	}
	got, err := s.GetVisitor(ctx, b.ws.ID, foreign.ID)
	noErr(t, "b's visitor", err)
	equal(t, "b's visitor untouched", got.Online, false)
}

func testPresence(t *testing.T, s *store.Store) {
	ctx := t.Context()
	a := newTenant(t, s, "a")
	v, err := s.CreateVisitor(ctx, a.ws.ID, a.site.ID, "h", Epoch)
	noErr(t, "visitor", err)
	ttl := 90 * time.Second
	now := Epoch.Add(time.Second)
	p, err := s.TouchVisitor(ctx, a.ws.ID, v.ID, store.PageView{URL: "https://a.example/", Title: "Home"}, now, now.Add(ttl), 0)
	noErr(t, "touch", err)
	equal(t, "came online", p.CameOnline, true)
	equal(t, "page changed", p.PageChanged, true)
	equal(t, "pages seen", p.Visitor.PagesSeen, 1)
	p, err = s.TouchVisitor(ctx, a.ws.ID, v.ID, store.PageView{URL: "https://a.example/", Title: "Home"}, now.Add(30*time.Second), now.Add(30*time.Second+ttl), 0)
	noErr(t, "touch again", err)
	equal(t, "same page is not a change", p.PageChanged, false)
	equal(t, "still online", p.CameOnline, false)
	p, err = s.TouchVisitor(ctx, a.ws.ID, v.ID, store.PageView{URL: "https://a.example/cart", Title: "Cart", Referrer: "https://a.example/"}, now.Add(60*time.Second), now.Add(60*time.Second+ttl), 0)
	noErr(t, "touch cart", err)
	equal(t, "pages seen", p.Visitor.PagesSeen, 2)
	pages, err := s.ListPageViews(ctx, a.ws.ID, v.ID, 10)
	noErr(t, "pages", err)
	equal(t, "page views newest first", []string{pages[0].URL, pages[1].URL}, []string{"https://a.example/cart", "https://a.example/"})
	online, err := s.ListOnlineVisitors(ctx, a.ws.ID, 10)
	noErr(t, "online", err)
	equal(t, "online visitors", len(online), 1)

	gone, err := s.ExpirePresence(ctx, now.Add(60*time.Second+ttl-time.Millisecond), 10)
	noErr(t, "expire early", err)
	equal(t, "nothing expires before its time", len(gone), 0)
	// Two claimers race for the same expiry: exactly one wins.
	at := now.Add(60*time.Second + ttl + time.Millisecond)
	var wg sync.WaitGroup
	counts := make([]int, 4)
	for i := range counts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g, err := s.ExpirePresence(ctx, at, 10)
			if err != nil {
				t.Error(err)
			}
			counts[i] = len(g)
		}()
	}
	wg.Wait()
	equal(t, "claimed exactly once", counts[0]+counts[1]+counts[2]+counts[3], 1)
	online, err = s.ListOnlineVisitors(ctx, a.ws.ID, 10)
	noErr(t, "online after expiry", err)
	equal(t, "online visitors after expiry", len(online), 0)
	p, err = s.TouchVisitor(ctx, a.ws.ID, v.ID, store.PageView{URL: "https://a.example/cart", Title: "Cart"}, at.Add(time.Hour), at.Add(time.Hour+ttl), 0)
	noErr(t, "return", err)
	equal(t, "a return visit comes online again", p.CameOnline, true)
	equal(t, "a return visit restarts the session clock", p.Visitor.SessionStart, at.Add(time.Hour))
}

func testVisitorIdentityAndContext(t *testing.T, s *store.Store) {
	ctx := t.Context()
	a := newChatTenant(t, s, "a")
	c1, err := s.UpsertContact(ctx, a.ws.ID, "user-1", "Ann", "ann@a.example", Epoch)
	noErr(t, "contact", err)
	c2, err := s.UpsertContact(ctx, a.ws.ID, "user-1", "", "ann@new.example", Epoch)
	noErr(t, "contact again", err)
	equal(t, "same contact", c2.ID, c1.ID)
	equal(t, "empty name keeps the old one", c2.Name, "Ann")
	equal(t, "email updated", c2.Email, "ann@new.example")
	v, err := s.SetVisitorIdentity(ctx, a.ws.ID, a.visitor.ID, "Ann", "ann@a.example", c1.ID)
	noErr(t, "identity", err)
	equal(t, "linked", v.ContactID, c1.ID)
	conv, err := s.GetConversation(ctx, a.ws.ID, a.conv.ID)
	noErr(t, "conversation", err)
	equal(t, "conversation linked to the contact", conv.ContactID, c1.ID)

	noErr(t, "context", s.SetVisitorContext(ctx, a.ws.ID, a.visitor.ID, map[string]any{"plan": "pro", "cart": 42.5, "vip": true}, Epoch))
	v, err = s.GetVisitor(ctx, a.ws.ID, a.visitor.ID)
	noErr(t, "visitor", err)
	equal(t, "visitor context", v.Context, map[string]any{"plan": "pro", "cart": 42.5, "vip": true})
	conv, err = s.GetConversation(ctx, a.ws.ID, a.conv.ID)
	noErr(t, "conversation", err)
	equal(t, "open conversation context", conv.Context, v.Context)
}

func testStartConversation(t *testing.T, s *store.Store) {
	ctx := t.Context()
	a := newTenant(t, s, "a")
	v, err := s.CreateVisitor(ctx, a.ws.ID, a.site.ID, "h", Epoch)
	noErr(t, "visitor", err)
	var wg sync.WaitGroup
	got := make([]string, 8)
	created := make([]bool, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, isNew, err := s.StartConversation(ctx, a.ws.ID, v.ID, a.dept.ID, Epoch)
			if err != nil {
				t.Error(err)
				return
			}
			got[i], created[i] = c.ID, isNew
		}()
	}
	wg.Wait()
	news := 0
	for i := range got {
		equal(t, "every start got the same conversation", got[i], got[0])
		if created[i] {
			news++
		}
	}
	equal(t, "created once", news, 1)
	c, err := s.GetConversation(ctx, a.ws.ID, got[0])
	noErr(t, "get", err)
	equal(t, "status", c.Status, store.StatusOpen)
	equal(t, "department", c.DepartmentID, a.dept.ID)
	equal(t, "site", c.SiteID, a.site.ID)
	list, err := s.ListConversations(ctx, a.ws.ID, store.ConversationFilter{Statuses: []string{store.StatusOpen}})
	noErr(t, "list", err)
	equal(t, "listed", ids(list, func(c store.Conversation) string { return c.ID }), []string{c.ID})
	list, err = s.ListConversations(ctx, a.ws.ID, store.ConversationFilter{Statuses: []string{store.StatusClosed}})
	noErr(t, "list closed", err)
	equal(t, "no closed", len(list), 0)
}

func testAppendMessage(t *testing.T, s *store.Store) {
	ctx := t.Context()
	a := newChatTenant(t, s, "a")
	for i := 1; i <= 3; i++ {
		res, err := s.AppendMessage(ctx, textMessage(a.ws.ID, a.conv.ID, fmt.Sprint("m", i), fmt.Sprint("body ", i)), Epoch)
		noErr(t, "append", err)
		equal(t, "seq", res.Message.Seq, int64(i))
		equal(t, "not a duplicate", res.Duplicate, false)
		equal(t, "the conversation's visitor", res.VisitorID, a.visitor.ID)
	}
	again, err := s.AppendMessage(ctx, textMessage(a.ws.ID, a.conv.ID, "m2", "different body"), Epoch)
	noErr(t, "retry", err)
	equal(t, "retry is a duplicate", again.Duplicate, true)
	equal(t, "retry returns the original seq", again.Message.Seq, int64(2))
	equal(t, "retry returns the original body", again.Message.Body, "body 2")
	c, err := s.GetConversation(ctx, a.ws.ID, a.conv.ID)
	noErr(t, "conversation", err)
	equal(t, "last_seq", c.LastSeq, int64(3))
	equal(t, "last message preview", c.LastMessage, "body 3")
	m, err := s.MessageByClientID(ctx, a.ws.ID, a.conv.ID, "m1")
	noErr(t, "by client id", err)
	equal(t, "by client id seq", m.Seq, int64(1))
	_, err = s.AppendMessage(ctx, textMessage(a.ws.ID, "missing", "x", "x"), Epoch)
	wantErr(t, err, store.ErrNotFound)
}

func testConcurrentAppends(t *testing.T, s *store.Store) {
	ctx := t.Context()
	a := newChatTenant(t, s, "a")
	const writers, each = 8, 25
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range each {
				id := fmt.Sprintf("w%d-%d", w, k)
				// Every message is sent twice, as a client retrying after
				// a lost ack would.
				for range 2 {
					if _, err := s.AppendMessage(ctx, textMessage(a.ws.ID, a.conv.ID, id, id), Epoch); err != nil {
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	msgs, err := s.ListMessages(ctx, a.ws.ID, a.conv.ID, 0, 0, 1000)
	noErr(t, "list", err)
	equal(t, "stored once each", len(msgs), writers*each)
	for i, m := range msgs {
		if m.Seq != int64(i+1) {
			t.Fatalf("seq %d at position %d: not contiguous", m.Seq, i+1)
		}
	}
}

// appendOutcome is what one concurrent AppendMessage call got.
type appendOutcome struct {
	m   store.Message
	dup bool
	err error
}

// appendAll runs every message's AppendMessage at once (released together
// so that they share transactions) and returns each call's outcome.
func appendAll(t *testing.T, s *store.Store, msgs []store.Message) []appendOutcome {
	t.Helper()
	out := make([]appendOutcome, len(msgs))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, m := range msgs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res, err := s.AppendMessage(t.Context(), m, Epoch)
			out[i] = appendOutcome{m: res.Message, dup: res.Duplicate, err: err}
		}()
	}
	close(start)
	wg.Wait()
	return out
}

func testBatchedAppends(t *testing.T, s *store.Store) {
	ctx := t.Context()
	a, b := newChatTenant(t, s, "a"), newChatTenant(t, s, "b")
	_, err := s.AppendMessage(ctx, textMessage(b.ws.ID, b.conv.ID, "b-taken", "B's"), Epoch)
	noErr(t, "seed b", err)
	const rounds, each = 5, 20
	for round := range rounds {
		var msgs []store.Message
		for k := range each {
			id := fmt.Sprintf("r%d-%d", round, k)
			// Each good message twice, as a client retrying at once would.
			msgs = append(msgs, textMessage(a.ws.ID, a.conv.ID, id, id), textMessage(a.ws.ID, a.conv.ID, id, id),
				textMessage(b.ws.ID, b.conv.ID, id, id))
		}
		agent := textMessage(b.ws.ID, b.conv.ID, "b-taken", "not B's")
		agent.AuthorType, agent.AuthorID = store.AuthorAgent, "agent-1"
		msgs = append(msgs,
			textMessage(a.ws.ID, "missing", fmt.Sprint("x", round), "unknown conversation"),
			textMessage(a.ws.ID, b.conv.ID, fmt.Sprint("y", round), "another workspace's conversation"),
			agent)
		out := appendAll(t, s, msgs)
		for k := range each {
			x, y, z := out[3*k], out[3*k+1], out[3*k+2]
			noErr(t, "first send", x.err)
			noErr(t, "second send", y.err)
			noErr(t, "b send", z.err)
			equal(t, "one of two sends is the original", x.dup != y.dup, true)
			equal(t, "both sends get one seq", x.m.Seq, y.m.Seq)
			equal(t, "both sends get one message", x.m.ID, y.m.ID)
			equal(t, "b's message is not a duplicate", z.dup, false)
		}
		bad := out[3*each:]
		wantErr(t, bad[0].err, store.ErrNotFound)
		wantErr(t, bad[1].err, store.ErrNotFound)
		wantErr(t, bad[2].err, store.ErrIDTaken)
	}
	for _, ct := range []chatTenant{a, b} {
		msgs, err := s.ListMessages(ctx, ct.ws.ID, ct.conv.ID, 0, 0, 1000)
		noErr(t, "list", err)
		want := rounds * each
		if ct.ws.ID == b.ws.ID {
			want++
		}
		equal(t, "stored once each", len(msgs), want)
		for i, m := range msgs {
			if m.Seq != int64(i+1) {
				t.Fatalf("seq %d at position %d: not contiguous", m.Seq, i+1)
			}
		}
		c, err := s.GetConversation(ctx, ct.ws.ID, ct.conv.ID)
		noErr(t, "conversation", err)
		equal(t, "last_seq", c.LastSeq, int64(want))
	}
	m, err := s.MessageByClientID(ctx, b.ws.ID, b.conv.ID, "b-taken")
	noErr(t, "taken id", err)
	equal(t, "a taken id keeps its message", m.Body, "B's")
}

func testBatchFailureIsolated(t *testing.T, s *store.Store) {
	ctx := t.Context()
	a := newChatTenant(t, s, "a")
	var msgs []store.Message
	for k := range 30 {
		m := textMessage(a.ws.ID, a.conv.ID, fmt.Sprint("m", k), fmt.Sprint("body ", k))
		if k%10 == 5 {
			// Fails after its checks pass, where the batch's
			// transaction has to be given up.
			m.Meta = map[string]any{"bad": func() {}}
		}
		msgs = append(msgs, m)
	}
	out := appendAll(t, s, msgs)
	seqs := map[int64]bool{}
	for k, o := range out {
		if k%10 == 5 {
			if o.err == nil {
				t.Fatalf("message %d with unencodable meta was stored", k)
			}
			continue
		}
		noErr(t, fmt.Sprint("message ", k), o.err)
		stored, err := s.MessageByClientID(ctx, a.ws.ID, a.conv.ID, o.m.ClientMsgID)
		noErr(t, "acked message is stored", err)
		equal(t, "stored seq", stored.Seq, o.m.Seq)
		seqs[o.m.Seq] = true
	}
	equal(t, "27 distinct seqs", len(seqs), 27)
	list, err := s.ListMessages(ctx, a.ws.ID, a.conv.ID, 0, 0, 100)
	noErr(t, "list", err)
	equal(t, "only the good ones", len(list), 27)
	for i, m := range list {
		if m.Seq != int64(i+1) {
			t.Fatalf("seq %d at position %d: not contiguous", m.Seq, i+1)
		}
	}
}

func testAppendRules(t *testing.T, s *store.Store) {
	ctx := t.Context()
	a := newChatTenant(t, s, "a")
	other, err := s.CreateVisitor(ctx, a.ws.ID, a.site.ID, "token-other", Epoch)
	noErr(t, "other visitor", err)
	lastSeq := func() int64 {
		t.Helper()
		c, err := s.GetConversation(ctx, a.ws.ID, a.conv.ID)
		noErr(t, "conversation", err)
		return c.LastSeq
	}
	res, err := s.AppendMessage(ctx, visitorMessage(a.visitor, a.conv.ID, "v1", "hello"), Epoch)
	noErr(t, "the visitor writes to its own conversation", err)
	equal(t, "the conversation's visitor", res.VisitorID, a.visitor.ID)

	_, err = s.AppendMessage(ctx, visitorMessage(other, a.conv.ID, "o1", "not mine"), Epoch)
	wantErr(t, err, store.ErrNotFound)
	// Not even a guessed client_msg_id tells another visitor that the
	// conversation exists.
	_, err = s.AppendMessage(ctx, visitorMessage(other, a.conv.ID, "v1", "not mine"), Epoch)
	wantErr(t, err, store.ErrNotFound)
	equal(t, "another visitor changed nothing", lastSeq(), int64(1))

	_, _, err = s.Transition(ctx, a.ws.ID, a.conv.ID, store.Transition{Status: store.StatusPending}, Epoch)
	noErr(t, "pending", err)
	seq := lastSeq()
	_, err = s.AppendMessage(ctx, visitorMessage(a.visitor, a.conv.ID, "v2", "still there?"), Epoch)
	wantErr(t, err, store.ErrNotAccepting)
	equal(t, "a refused message changes nothing", lastSeq(), seq)
	res, err = s.AppendMessage(ctx, visitorMessage(a.visitor, a.conv.ID, "v1", "hello"), Epoch)
	noErr(t, "a retry of a stored message", err)
	equal(t, "is answered as a duplicate even while waiting", res.Duplicate, true)
	_, err = s.AppendMessage(ctx, textMessage(a.ws.ID, a.conv.ID, "a1", "an agent writes to a waiting chat"), Epoch)
	noErr(t, "agent to pending", err)

	_, _, err = s.Transition(ctx, a.ws.ID, a.conv.ID, store.Transition{Status: store.StatusClosed, ClosedBy: "agent"}, Epoch)
	noErr(t, "close", err)
	seq = lastSeq()
	msgs := []store.Message{
		textMessage(a.ws.ID, a.conv.ID, "a2", "too late"),
		visitorMessage(a.visitor, a.conv.ID, "v3", "too late"),
		textMessage(a.ws.ID, a.conv.ID, "a1", "a retry after the close"),
	}
	ok := newChatTenant(t, s, "b")
	msgs = append(msgs, textMessage(ok.ws.ID, ok.conv.ID, "b1", "another conversation in the same batch"))
	out := appendAll(t, s, msgs)
	wantErr(t, out[0].err, store.ErrNotAccepting)
	wantErr(t, out[1].err, store.ErrNotAccepting)
	noErr(t, "retry after the close", out[2].err)
	equal(t, "the retry is a duplicate", out[2].dup, true)
	noErr(t, "the other conversation's message", out[3].err)
	equal(t, "a closed conversation changes nothing", lastSeq(), seq)
}

func testListMessages(t *testing.T, s *store.Store) {
	ctx := t.Context()
	a := newChatTenant(t, s, "a")
	for i := 1; i <= 10; i++ {
		_, err := s.AppendMessage(ctx, textMessage(a.ws.ID, a.conv.ID, fmt.Sprint("m", i), "x"), Epoch)
		noErr(t, "append", err)
	}
	seqs := func(after, until int64, limit int) []int64 {
		msgs, err := s.ListMessages(ctx, a.ws.ID, a.conv.ID, after, until, limit)
		noErr(t, "list", err)
		out := []int64{}
		for _, m := range msgs {
			out = append(out, m.Seq)
		}
		return out
	}
	equal(t, "after 7", seqs(7, 0, 100), []int64{8, 9, 10})
	equal(t, "range (2,4]", seqs(2, 4, 100), []int64{3, 4})
	equal(t, "limit", seqs(0, 0, 2), []int64{1, 2})
	equal(t, "after the end", seqs(10, 0, 100), []int64{})
}

func testBootstrap(t *testing.T, s *store.Store) {
	ctx := t.Context()
	var wg sync.WaitGroup
	created := make([]bool, 4)
	for i := range created {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, ok, err := s.Bootstrap(ctx, store.FirstStart{
				WorkspaceName: "First",
				Owner:         store.Agent{Email: fmt.Sprintf("owner%d@x.example", i), Name: "Owner", Role: "owner", PasswordHash: "h"},
				Site:          store.Site{Name: "Demo", WidgetKey: fmt.Sprint("wk_demo", i), IdentitySecret: "s"},
			}, Epoch)
			if err != nil {
				t.Error(err)
			}
			created[i] = ok
		}()
	}
	wg.Wait()
	n := 0
	for _, c := range created {
		if c {
			n++
		}
	}
	equal(t, "first starts that created", n, 1)
	count, err := s.CountWorkspaces(ctx)
	noErr(t, "count", err)
	equal(t, "workspaces", count, 1)
	ws, err := s.FirstWorkspace(ctx)
	noErr(t, "first", err)
	owners, err := s.CountAgentsWithRole(ctx, ws.ID, "owner")
	noErr(t, "owners", err)
	equal(t, "owners", owners, 1)
	sites, err := s.ListSites(ctx, ws.ID)
	noErr(t, "sites", err)
	equal(t, "sites", len(sites), 1)
}

func testCreateTenant(t *testing.T, s *store.Store) {
	ctx := t.Context()
	a := newChatTenant(t, s, "a")
	before, err := s.CountWorkspaces(ctx)
	noErr(t, "count", err)
	fs := store.FirstStart{
		WorkspaceName: "Acme",
		Owner:         store.Agent{Email: "Boss@Acme.example", Name: "Boss", Role: "owner", PasswordHash: "h"},
		Site:          store.Site{Name: "Shop", WidgetKey: "wk_acme_tenant", IdentitySecret: "s"},
	}
	ws, err := s.CreateTenant(ctx, fs, Epoch)
	noErr(t, "create", err)
	equal(t, "name", ws.Name, "Acme")
	if ws.ID == a.ws.ID {
		t.Fatal("the new workspace reused another's id")
	}
	owner, err := s.AgentByEmail(ctx, "boss@acme.example")
	noErr(t, "owner by e-mail", err)
	equal(t, "owner's workspace", owner.WorkspaceID, ws.ID)
	site, err := s.SiteByWidgetKey(ctx, "wk_acme_tenant")
	noErr(t, "site by key", err)
	equal(t, "site's workspace", site.WorkspaceID, ws.ID)

	// The same owner e-mail again: refused, and no workspace is left behind.
	fs.Site.WidgetKey = "wk_acme_other"
	_, err = s.CreateTenant(ctx, fs, Epoch)
	wantErr(t, err, store.ErrConflict)
	after, err := s.CountWorkspaces(ctx)
	noErr(t, "count", err)
	equal(t, "workspaces", after, before+1)
	_, err = s.SiteByWidgetKey(ctx, "wk_acme_other")
	wantErr(t, err, store.ErrNotFound)
}

func testReadMarkers(t *testing.T, s *store.Store) {
	ctx := t.Context()
	a := newChatTenant(t, s, "a")
	for i := range 3 {
		_, err := s.AppendMessage(ctx, textMessage(a.ws.ID, a.conv.ID, fmt.Sprint("m", i), "x"), Epoch)
		noErr(t, "append", err)
	}
	got, err := s.ReadMarkers(ctx, a.ws.ID, a.owner.ID, []string{a.conv.ID})
	noErr(t, "markers", err)
	equal(t, "never read", len(got), 0)
	moved, err := markRead(ctx, s, a.ws.ID, a.owner.ID, a.conv.ID, 2)
	noErr(t, "read to 2", err)
	equal(t, "moved", moved, true)
	moved, err = markRead(ctx, s, a.ws.ID, a.owner.ID, a.conv.ID, 1)
	noErr(t, "read to 1", err)
	equal(t, "a marker never moves back", moved, false)
	got, err = s.ReadMarkers(ctx, a.ws.ID, a.owner.ID, []string{a.conv.ID, "unknown"})
	noErr(t, "markers", err)
	equal(t, "marker", got[a.conv.ID], int64(2))
	_, err = markRead(ctx, s, a.ws.ID, a.owner.ID, "missing", 1)
	wantErr(t, err, store.ErrNotFound)

	// The conversation's seen markers, per side: forward only, bounded by
	// the last seq.
	c, moved, err := markSeen(ctx, s, a.ws.ID, a.conv.ID, true, 99)
	noErr(t, "visitor seen", err)
	equal(t, "moved", moved, true)
	equal(t, "bounded by the last seq", c.VisitorReadSeq, int64(3))
	equal(t, "the agents' side where the agent read it", c.AgentReadSeq, int64(2))
	_, moved, err = markSeen(ctx, s, a.ws.ID, a.conv.ID, true, 2)
	noErr(t, "back", err)
	equal(t, "never back", moved, false)
	c, _, err = markSeen(ctx, s, a.ws.ID, a.conv.ID, false, 2)
	noErr(t, "agent seen", err)
	equal(t, "agents' marker", c.AgentReadSeq, int64(2))
	_, _, err = markSeen(ctx, s, a.ws.ID, "missing", false, 1)
	wantErr(t, err, store.ErrNotFound)

	// Delivered markers: seen carries delivery with it; delivery alone
	// moves forward only, bounded by the last seq, and leaves seen alone.
	equal(t, "seen is delivered", c.VisitorDeliveredSeq, int64(3))
	equal(t, "seen is delivered (agents)", c.AgentDeliveredSeq, int64(2))
	c, moved, err = markDelivered(ctx, s, a.ws.ID, a.conv.ID, false, 99)
	noErr(t, "agent delivered", err)
	equal(t, "moved", moved, true)
	equal(t, "delivered bounded by the last seq", c.AgentDeliveredSeq, int64(3))
	equal(t, "seen unchanged by delivery", c.AgentReadSeq, int64(2))
	_, moved, err = markDelivered(ctx, s, a.ws.ID, a.conv.ID, false, 1)
	noErr(t, "delivered back", err)
	equal(t, "delivered never back", moved, false)
	_, moved, err = markSeen(ctx, s, a.ws.ID, a.conv.ID, false, 3)
	noErr(t, "seen after delivered", err)
	equal(t, "seen moves past delivered's equal", moved, true)
	_, _, err = markDelivered(ctx, s, a.ws.ID, "missing", true, 1)
	wantErr(t, err, store.ErrNotFound)

	// Who may send one is checked in the same statements: another
	// visitor's receipt is not found, a desk's delivered for a chat
	// assigned to someone else is refused; neither moves anything.
	_, err = s.Receive(ctx, store.Receipt{WorkspaceID: a.ws.ID, ConversationID: a.conv.ID, Visitor: true, Seq: 3, Owner: "someone-else"}, Epoch)
	wantErr(t, err, store.ErrNotFound)
	_, err = s.Receive(ctx, store.Receipt{WorkspaceID: a.ws.ID, ConversationID: a.conv.ID, Seq: 3, Assignee: a.owner.ID}, Epoch)
	wantErr(t, err, store.ErrNotAssignee)
	_, err = s.AppendMessage(ctx, textMessage(a.ws.ID, a.conv.ID, "m3", "x"), Epoch)
	noErr(t, "append", err)
	rc, err := s.Receive(ctx, store.Receipt{WorkspaceID: a.ws.ID, ConversationID: a.conv.ID, Visitor: true, Seen: true, Seq: 4, Owner: a.visitor.ID}, Epoch)
	noErr(t, "the owner's seen", err)
	equal(t, "the owner's seen moves", rc.Moved, true)
	after, err := s.GetConversation(ctx, a.ws.ID, a.conv.ID)
	noErr(t, "get", err)
	equal(t, "agents' delivered untouched by the refused one", after.AgentDeliveredSeq, int64(3))
}

// testListPagesAndSearch: a list pages by its order (newest activity
// first, ties by id) without skipping or repeating, and a search matches
// the last message or the visitor's name or e-mail, with LIKE's wildcards
// taken literally.
func testListPagesAndSearch(t *testing.T, s *store.Store) {
	ctx := t.Context()
	a := newChatTenant(t, s, "a")
	var made []string
	for i := range 7 {
		v, err := s.CreateVisitor(ctx, a.ws.ID, a.site.ID, fmt.Sprint("tok-page-", i), Epoch)
		noErr(t, "visitor", err)
		c, _, err := s.StartConversation(ctx, a.ws.ID, v.ID, "", Epoch.Add(time.Duration(i%3)*time.Minute))
		noErr(t, "start", err)
		body := fmt.Sprint("order number ", i)
		if i == 4 {
			body = "100% sure_thing"
		}
		_, err = s.AppendMessage(ctx, textMessage(a.ws.ID, c.ID, fmt.Sprint("m", i), body), Epoch.Add(time.Duration(i%3)*time.Minute))
		noErr(t, "append", err)
		made = append(made, c.ID)
	}
	all, err := s.ListConversations(ctx, a.ws.ID, store.ConversationFilter{})
	noErr(t, "all", err)
	var paged []string
	f := store.ConversationFilter{Limit: 3}
	for range 10 {
		page, err := s.ListConversations(ctx, a.ws.ID, f)
		noErr(t, "page", err)
		if len(page) == 0 {
			break
		}
		for _, c := range page {
			paged = append(paged, c.ID)
		}
		last := page[len(page)-1]
		f.Before = &last
	}
	equal(t, "pages in order, nothing skipped or repeated", paged, ids(all, func(c store.Conversation) string { return c.ID }))

	hits, err := s.ListConversations(ctx, a.ws.ID, store.ConversationFilter{Query: "ORDER NUMBER 5"})
	noErr(t, "search", err)
	equal(t, "search by last message, any case", ids(hits, func(c store.Conversation) string { return c.ID }), []string{made[5]})
	for _, q := range []string{"100%", "e_t", "_"} {
		hits, err = s.ListConversations(ctx, a.ws.ID, store.ConversationFilter{Query: q})
		noErr(t, "search", err)
		equal(t, "wildcards are literal: "+q, ids(hits, func(c store.Conversation) string { return c.ID }), []string{made[4]})
	}
}

// testReceiptsTogether: receipts from many clients at once (committed
// in shared transactions) end with each marker at the highest seq
// reported, every caller told whether its own receipt moved something;
// a receipt naming an unknown conversation fails its caller only.
func testReceiptsTogether(t *testing.T, s *store.Store) {
	ctx := t.Context()
	a := newChatTenant(t, s, "a")
	convs := []store.Conversation{a.conv}
	for i := range 3 {
		v, err := s.CreateVisitor(ctx, a.ws.ID, a.site.ID, fmt.Sprint("tok-receipts-", i), Epoch)
		noErr(t, "visitor", err)
		c, _, err := s.StartConversation(ctx, a.ws.ID, v.ID, "", Epoch)
		noErr(t, "conversation", err)
		convs = append(convs, c)
	}
	const last = 20
	for _, c := range convs {
		for i := range last {
			_, err := s.AppendMessage(ctx, textMessage(a.ws.ID, c.ID, fmt.Sprint("m", i), "x"), Epoch)
			noErr(t, "append", err)
		}
	}
	var (
		wg             sync.WaitGroup
		mu             sync.Mutex
		readMoves      int
		missingRefused int
		errs           []error
	)
	for _, c := range convs {
		for seq := int64(1); seq <= last; seq++ {
			wg.Add(3)
			go func() {
				defer wg.Done()
				_, _, err := markDelivered(ctx, s, a.ws.ID, c.ID, true, seq)
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}()
			go func() {
				defer wg.Done()
				moved, err := markRead(ctx, s, a.ws.ID, a.owner.ID, c.ID, seq)
				mu.Lock()
				errs = append(errs, err)
				if moved {
					readMoves++
				}
				mu.Unlock()
			}()
			go func() {
				defer wg.Done()
				_, _, err := markSeen(ctx, s, a.ws.ID, "missing", true, seq)
				mu.Lock()
				if errors.Is(err, store.ErrNotFound) {
					missingRefused++
				}
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
	noErr(t, "receipts", errors.Join(errs...))
	equal(t, "every receipt of an unknown conversation refused", missingRefused, len(convs)*last)
	if readMoves < len(convs) || readMoves > len(convs)*last {
		t.Fatalf("read marker moves %d, want between %d and %d", readMoves, len(convs), len(convs)*last)
	}
	ids := make([]string, len(convs))
	for i, c := range convs {
		ids[i] = c.ID
		got, err := s.GetConversation(ctx, a.ws.ID, c.ID)
		noErr(t, "get", err)
		equal(t, "visitor delivered to the highest", got.VisitorDeliveredSeq, int64(last))
		equal(t, "agents' seen to the highest", got.AgentReadSeq, int64(last))
		equal(t, "agents' delivered follows seen", got.AgentDeliveredSeq, int64(last))
		equal(t, "visitor seen untouched", got.VisitorReadSeq, int64(0))
	}
	marks, err := s.ReadMarkers(ctx, a.ws.ID, a.owner.ID, ids)
	noErr(t, "markers", err)
	for _, id := range ids {
		equal(t, "the agent's read marker", marks[id], int64(last))
	}
}

// markRead, markSeen and markDelivered are the three receipts a client
// sends, through Store.Receive.
func markRead(ctx context.Context, s *store.Store, workspaceID, agentID, conversationID string, seq int64) (bool, error) {
	got, err := s.Receive(ctx, store.Receipt{WorkspaceID: workspaceID, ConversationID: conversationID, Seen: true, AgentID: agentID, Seq: seq}, Epoch)
	return got.ReadMoved, err
}

func markSeen(ctx context.Context, s *store.Store, workspaceID, id string, visitor bool, seq int64) (store.Conversation, bool, error) {
	got, err := s.Receive(ctx, store.Receipt{WorkspaceID: workspaceID, ConversationID: id, Visitor: visitor, Seen: true, Seq: seq}, Epoch)
	return got.Conversation, got.Moved, err
}

func markDelivered(ctx context.Context, s *store.Store, workspaceID, id string, visitor bool, seq int64) (store.Conversation, bool, error) {
	got, err := s.Receive(ctx, store.Receipt{WorkspaceID: workspaceID, ConversationID: id, Visitor: visitor, Seq: seq}, Epoch)
	return got.Conversation, got.Moved, err
}
