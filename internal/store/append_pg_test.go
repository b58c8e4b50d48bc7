package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/pgtest"
)

// These tests drive the PostgreSQL batch (storeBatchPostgres) directly,
// which the contract suite in storetest can only reach through
// AppendMessage, where a batch that fails and falls back to appendAlone
// gives the same answers. They need LIVEDESK_TEST_POSTGRES_URL and are
// skipped without it, except under CI=true.

var pgEpoch = time.Date(2025, time.March, 14, 9, 26, 53, 0, time.UTC)

func openPG(t *testing.T, dsn string, opts Options) *Store {
	t.Helper()
	s, err := Open(context.Background(), dsn, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background(), pgEpoch); err != nil {
		t.Fatal(err)
	}
	return s
}

// pgFixture is a workspace with conversations in every state a message
// meets, plus another workspace's conversation.
type pgFixture struct {
	ws, otherWS                       string
	v1, v2                            Visitor
	open, pending, closed, foreignCnv string
}

func newPGFixture(t *testing.T, s *Store, name string) pgFixture {
	t.Helper()
	ctx := t.Context()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var f pgFixture
	site := func(ws string, key string) Site {
		st, err := s.CreateSite(ctx, Site{WorkspaceID: ws, Name: key, WidgetKey: key}, pgEpoch)
		must(err)
		return st
	}
	conv := func(ws, siteID, token string, status string) (Visitor, string) {
		v, err := s.CreateVisitor(ctx, ws, siteID, token, pgEpoch)
		must(err)
		c, _, err := s.StartConversation(ctx, ws, v.ID, "", pgEpoch)
		must(err)
		if status != StatusOpen {
			_, _, err = s.Transition(ctx, ws, c.ID, Transition{Status: status, ClosedBy: "agent"}, pgEpoch)
			must(err)
		}
		return v, c.ID
	}
	ws, err := s.CreateWorkspace(ctx, "A "+name, pgEpoch)
	must(err)
	other, err := s.CreateWorkspace(ctx, "B "+name, pgEpoch)
	must(err)
	f.ws, f.otherWS = ws.ID, other.ID
	st := site(f.ws, "wk-a-"+name)
	f.v1, f.open = conv(f.ws, st.ID, "t1-"+name, StatusOpen)
	f.v2, f.pending = conv(f.ws, st.ID, "t2-"+name, StatusPending)
	_, f.closed = conv(f.ws, st.ID, "t3-"+name, StatusClosed)
	_, f.foreignCnv = conv(f.otherWS, site(f.otherWS, "wk-b-"+name).ID, "t4-"+name, StatusOpen)
	return f
}

// messages is a batch that meets every rule of appendOne.
func (f pgFixture) messages() ([]Message, []time.Time) {
	var (
		msgs []Message
		nows []time.Time
	)
	add := func(conv, client, author, authorID, body string, edit func(*Message)) {
		m := Message{WorkspaceID: f.ws, ConversationID: conv, ClientMsgID: client, Kind: KindText,
			AuthorType: author, AuthorID: authorID, AuthorName: "N " + authorID, Body: body}
		if edit != nil {
			edit(&m)
		}
		msgs = append(msgs, m)
		nows = append(nows, pgEpoch.Add(time.Duration(len(msgs))*time.Second))
	}
	agent, visitor := AuthorAgent, AuthorVisitor
	add(f.open, "m1", visitor, f.v1.ID, "hello", nil)        // new, starts the reply clock
	add(f.open, "m1", visitor, f.v1.ID, "hello again", nil)  // retry in the batch: duplicate
	add(f.open, "m1", agent, "ag", "not mine", nil)          // another author's id: taken
	add(f.open, "x1", visitor, f.v2.ID, "not my chat", nil)  // another visitor's conversation: not found
	add(f.open, "m1", visitor, f.v2.ID, "guessed id", nil)   // even with a guessed id: not found
	add(f.open, "m2", visitor, f.v1.ID, "still there?", nil) // the clock keeps running
	add(f.open, "n1", agent, "ag", "private note", func(m *Message) { m.Private = true })
	add(f.open, "a1", agent, "ag", "an answer", nil) // stops the clock
	add(f.open, "m3", visitor, f.v1.ID, strings.Repeat("é", 150), func(m *Message) {
		m.Meta = map[string]any{"page": "/pricing"}
	}) // preview cut at a rune
	add(f.open, "s1", AuthorSystem, "", "system event", func(m *Message) { m.Kind = KindSystem })
	add(f.pending, "p1", agent, "ag", "agent to a pending chat", nil)
	add(f.pending, "p2", visitor, f.v2.ID, "visitor to a pending chat", nil) // not accepting
	add(f.closed, "c1", agent, "ag", "too late", nil)                        // not accepting
	add("missing", "u1", agent, "ag", "unknown conversation", nil)           // not found
	add(f.foreignCnv, "f1", agent, "ag", "another workspace's", nil)         // not found
	add(f.open, "", agent, "ag", "no client id", func(m *Message) { m.ClientMsgID = NewID() })
	return msgs, nows
}

// outcome is an appendResult without what differs between two equal runs
// (ids, conversation ids).
type outcome struct {
	Class                 string
	Dup                   bool
	Seq                   int64
	Body, Client, Visitor string
	Created               time.Time
	Meta                  map[string]any
}

func outcomeOf(r appendResult, f pgFixture) outcome {
	class := "ok"
	for _, e := range []error{ErrNotFound, ErrIDTaken, ErrNotAccepting} {
		if errors.Is(r.err, e) {
			class = e.Error()
		}
	}
	if class == "ok" && r.err != nil {
		class = "other: " + r.err.Error()
	}
	v := r.VisitorID
	switch v {
	case f.v1.ID:
		v = "v1"
	case f.v2.ID:
		v = "v2"
	}
	return outcome{Class: class, Dup: r.Duplicate, Seq: r.Message.Seq, Body: r.Message.Body, Client: r.Message.ClientMsgID,
		Visitor: v, Created: r.Message.CreatedAt, Meta: r.Message.Meta}
}

func reqs(msgs []Message, nows []time.Time) []*appendReq {
	out := make([]*appendReq, len(msgs))
	for i, m := range msgs {
		out[i] = &appendReq{ctx: context.Background(), m: m, now: nows[i]}
	}
	// As commit sorts them.
	slices.SortStableFunc(out, func(x, y *appendReq) int { return cmp.Compare(x.m.ConversationID, y.m.ConversationID) })
	return out
}

// TestPostgresBatchMatchesAppendOne runs one batch through the pipeline
// and the same batch, on a twin fixture, through appendOne in one
// transaction, and compares every answer and every conversation row.
func TestPostgresBatchMatchesAppendOne(t *testing.T) {
	t.Parallel()
	s := openPG(t, pgtest.URL(t), Options{})
	ctx := t.Context()
	fp, fo := newPGFixture(t, s, "pipe"), newPGFixture(t, s, "one")

	msgs, nows := fp.messages()
	// A message stored before the batch: its retry is a duplicate,
	// another author's use of its id is taken.
	seed := []*appendReq{{ctx: ctx, m: msgs[0], now: pgEpoch}}
	seed[0].m.ClientMsgID = "seed"
	seedPipe := []*appendReq{{ctx: ctx, m: seed[0].m, now: pgEpoch}}
	if err := s.appender.storeBatchPostgres(ctx, seedPipe); err != nil || seedPipe[0].res.err != nil {
		t.Fatalf("seed: %v %v", err, seedPipe[0].res.err)
	}
	msgs = append(msgs, seed[0].m)
	taken := seed[0].m
	taken.AuthorType, taken.AuthorID = AuthorAgent, "ag"
	msgs = append(msgs, taken)
	nows = append(nows, pgEpoch.Add(time.Minute), pgEpoch.Add(time.Minute))

	pipe := reqs(msgs, nows)
	if err := s.appender.storeBatchPostgres(ctx, pipe); err != nil {
		t.Fatalf("the pipelined batch failed as a whole: %v", err)
	}

	twin := func(m Message) Message {
		for _, p := range [][2]string{{fp.ws, fo.ws}, {fp.open, fo.open}, {fp.pending, fo.pending}, {fp.closed, fo.closed},
			{fp.foreignCnv, fo.foreignCnv}, {fp.v1.ID, fo.v1.ID}, {fp.v2.ID, fo.v2.ID}} {
			if m.WorkspaceID == p[0] {
				m.WorkspaceID = p[1]
			}
			if m.ConversationID == p[0] {
				m.ConversationID = p[1]
			}
			if m.AuthorID == p[0] {
				m.AuthorID = p[1]
			}
		}
		return m
	}
	err := s.inTx(ctx, "seed", func(tx *sql.Tx) error {
		_, err := appendOne(ctx, tx, nil, twin(seed[0].m), pgEpoch)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var twinMsgs []Message
	for _, m := range msgs {
		twinMsgs = append(twinMsgs, twin(m))
	}
	one := reqs(twinMsgs, nows)
	err = s.inTx(ctx, "one by one", func(tx *sql.Tx) error {
		for _, r := range one {
			out, err := appendOne(ctx, tx, nil, r.m, r.now)
			if err != nil && !refusesOne(err) {
				return err
			}
			r.res = appendResult{Appended: out, err: err}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range pipe {
		got, want := outcomeOf(pipe[i].res, fp), outcomeOf(one[i].res, fo)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("message %d (%s):\npipeline   %+v\nappendOne  %+v", i, pipe[i].m.ClientMsgID, got, want)
		}
		if pipe[i].res.err == nil && !pipe[i].res.Duplicate {
			stored, err := s.MessageByClientID(ctx, pipe[i].m.WorkspaceID, pipe[i].m.ConversationID, pipe[i].m.ClientMsgID)
			if err != nil || !reflect.DeepEqual(stored, pipe[i].res.Message) {
				t.Errorf("message %d: answered %+v, stored %+v (%v)", i, pipe[i].res.Message, stored, err)
			}
		}
	}
	for _, c := range [][3]string{{"open", fp.open, fo.open}, {"pending", fp.pending, fo.pending},
		{"closed", fp.closed, fo.closed}} {
		got, err := s.GetConversation(ctx, fp.ws, c[1])
		if err != nil {
			t.Fatal(err)
		}
		want, err := s.GetConversation(ctx, fo.ws, c[2])
		if err != nil {
			t.Fatal(err)
		}
		got.ID, got.WorkspaceID, got.SiteID, got.VisitorID = want.ID, want.WorkspaceID, want.SiteID, want.VisitorID
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s conversation row:\npipeline   %+v\nappendOne  %+v", c[0], got, want)
		}
	}
	foreign, err := s.GetConversation(ctx, fp.otherWS, fp.foreignCnv)
	if err != nil || foreign.LastSeq != 0 {
		t.Errorf("another workspace's conversation: last_seq %d (%v), want 0", foreign.LastSeq, err)
	}
}

// TestPostgresBatchStatementFailure: a statement the server rejects in the
// middle of the pipeline fails the batch as a whole, changes nothing, sets
// no result, and leaves the connection usable outside a transaction; through
// AppendMessage the message then fails alone.
func TestPostgresBatchStatementFailure(t *testing.T) {
	t.Parallel()
	s := openPG(t, pgtest.URL(t), Options{MaxConns: 2})
	ctx := t.Context()
	f := newPGFixture(t, s, "fail")
	msg := func(client, body string) Message {
		return Message{WorkspaceID: f.ws, ConversationID: f.open, ClientMsgID: client, Kind: KindText,
			AuthorType: AuthorAgent, AuthorID: "ag", Body: body}
	}
	var msgs []Message
	var nows []time.Time
	for k := range 12 {
		body := fmt.Sprint("body ", k)
		if k%6 == 4 {
			body = "bad \xff utf-8" // rejected by the server, not by pgx
		}
		msgs = append(msgs, msg(fmt.Sprint("m", k), body))
		nows = append(nows, pgEpoch)
	}
	batch := reqs(msgs, nows)
	if err := s.appender.storeBatchPostgres(ctx, batch); err == nil {
		t.Fatal("a batch with a rejected statement succeeded")
	}
	for i, r := range batch {
		if !reflect.DeepEqual(r.res, appendResult{}) {
			t.Errorf("message %d got a result from a failed batch: %+v", i, r.res)
		}
	}
	c, err := s.GetConversation(ctx, f.ws, f.open)
	if err != nil || c.LastSeq != 0 {
		t.Fatalf("after the failed batch last_seq %d (%v), want 0: it must roll back", c.LastSeq, err)
	}
	if n := s.write.Stats().InUse; n != 0 {
		t.Fatalf("%d connections still in use", n)
	}
	// Every pooled connection is usable: run more batches than there are
	// connections.
	for k := range 3 {
		ok := reqs([]Message{msg(fmt.Sprint("ok", k), "fine")}, []time.Time{pgEpoch})
		if err := s.appender.storeBatchPostgres(ctx, ok); err != nil || ok[0].res.err != nil {
			t.Fatalf("batch after the failure: %v %v", err, ok[0].res.err)
		}
	}

	out := make([]error, len(msgs))
	var wg sync.WaitGroup
	for i, m := range msgs {
		wg.Go(func() { _, out[i] = s.AppendMessage(ctx, m, pgEpoch) })
	}
	wg.Wait()
	for i, err := range out {
		if (i%6 == 4) != (err != nil) {
			t.Errorf("message %d: %v", i, err)
		}
	}
	list, err := s.ListMessages(ctx, f.ws, f.open, 0, 0, 100)
	if err != nil || len(list) != 3+10 {
		t.Fatalf("%d messages stored (%v), want 13", len(list), err)
	}
	for i, m := range list {
		if m.Seq != int64(i+1) {
			t.Fatalf("seq %d at %d: not contiguous", m.Seq, i+1)
		}
	}
}

// TestPostgresTwoStores is two nodes on one database: both send the same
// messages (each twice) into the same conversations at once. Batches of
// both lock in conversation order, so none deadlocks; a send that loses
// the race for its client_msg_id to the other node falls back and is
// answered as the duplicate; seq stays gap-free.
func TestPostgresTwoStores(t *testing.T) {
	t.Parallel()
	dsn := pgtest.URL(t)
	s1 := openPG(t, dsn, Options{})
	s2, err := Open(context.Background(), dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	ctx := t.Context()
	var fs []pgFixture
	for k := range 4 {
		fs = append(fs, newPGFixture(t, s1, fmt.Sprint("two", k)))
	}
	type sent struct {
		id  string
		seq int64
		dup bool
	}
	const each = 60
	results := make(chan sent, len(fs)*4*each)
	var wg sync.WaitGroup
	for ci, f := range fs {
		for _, s := range []*Store{s1, s2, s1, s2} {
			wg.Go(func() {
				for k := range each {
					m := Message{WorkspaceID: f.ws, ConversationID: f.open, ClientMsgID: fmt.Sprint("c", ci, "-", k),
						Kind: KindText, AuthorType: AuthorAgent, AuthorID: "ag", Body: "x"}
					res, err := s.AppendMessage(ctx, m, pgEpoch)
					if err != nil {
						t.Error(err)
						return
					}
					results <- sent{m.ClientMsgID, res.Message.Seq, res.Duplicate}
				}
			})
		}
	}
	wg.Wait()
	close(results)
	seqOf := map[string]int64{}
	fresh := map[string]int{}
	for r := range results {
		if s, ok := seqOf[r.id]; ok && s != r.seq {
			t.Fatalf("%s answered with seqs %d and %d", r.id, s, r.seq)
		}
		seqOf[r.id] = r.seq
		if !r.dup {
			fresh[r.id]++
		}
	}
	for id, n := range fresh {
		if n != 1 {
			t.Errorf("%s answered as new %d times, want once", id, n)
		}
	}
	for _, f := range fs {
		list, err := s1.ListMessages(ctx, f.ws, f.open, 0, 0, 1000)
		if err != nil || len(list) != each {
			t.Fatalf("%d messages (%v), want %d", len(list), err, each)
		}
		for i, m := range list {
			if m.Seq != int64(i+1) {
				t.Fatalf("seq %d at %d: not contiguous", m.Seq, i+1)
			}
		}
	}
}

// TestPostgresLargeBatch: a pipeline far larger than a socket buffer, in
// both directions, neither stalls nor splits.
func TestPostgresLargeBatch(t *testing.T) {
	t.Parallel()
	s := openPG(t, pgtest.URL(t), Options{})
	ctx := t.Context()
	f := newPGFixture(t, s, "large")
	const n = 1000
	var (
		msgs []Message
		nows []time.Time
	)
	for k := range n {
		msgs = append(msgs, Message{WorkspaceID: f.ws, ConversationID: f.open, ClientMsgID: fmt.Sprint("m", k), Kind: KindText,
			AuthorType: AuthorAgent, AuthorID: "ag", Body: strings.Repeat("x", 2000)})
		nows = append(nows, pgEpoch)
	}
	batch := reqs(msgs, nows)
	if err := s.appender.storeBatchPostgres(ctx, batch); err != nil {
		t.Fatal(err)
	}
	for i, r := range batch {
		if r.res.err != nil || r.res.Message.Seq != int64(i+1) {
			t.Fatalf("message %d: seq %d, %v", i, r.res.Message.Seq, r.res.err)
		}
	}
}
