package store

import (
	"cmp"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/querytel/livedesk/internal/pgtest"
)

// TestPostgresReceiptsMatchOneByOne runs a batch of receipts through the
// pipeline (commitPostgres) and the same batch, on a twin fixture,
// through applyReceipt in one transaction, and compares every answer and
// every marker. The contract suite reaches the pipeline only through
// Receive, where a failed pipeline falls back to one by one and would
// give the same answers.
func TestPostgresReceiptsMatchOneByOne(t *testing.T) {
	t.Parallel()
	s := openPG(t, pgtest.URL(t), Options{})
	ctx := t.Context()
	type fixture struct {
		pgFixture
		agent, stranger string
	}
	setup := func(name string) fixture {
		f := fixture{pgFixture: newPGFixture(t, s, name)}
		for i, conv := range []string{f.open, f.open, f.pending} {
			m := Message{WorkspaceID: f.ws, ConversationID: conv, ClientMsgID: name + string(rune('a'+i)), Kind: KindText,
				AuthorType: AuthorAgent, AuthorID: "ag", Body: "x"}
			if _, err := s.AppendMessage(ctx, m, pgEpoch); err != nil {
				t.Fatal(err)
			}
		}
		a, err := s.CreateAgent(ctx, Agent{WorkspaceID: f.ws, Email: name + "@a.test", Name: "A", Role: "agent"}, pgEpoch)
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.CreateAgent(ctx, Agent{WorkspaceID: f.otherWS, Email: name + "@b.test", Name: "B", Role: "agent"}, pgEpoch)
		if err != nil {
			t.Fatal(err)
		}
		f.agent, f.stranger = a.ID, b.ID
		return f
	}
	batch := func(f fixture) []*receiptCall {
		rs := []Receipt{
			{ConversationID: f.open, Visitor: true, Seq: 1},                      // delivered: moves
			{ConversationID: f.open, Visitor: true, Seq: 1},                      // again: nothing
			{ConversationID: f.open, Visitor: true, Seen: true, Seq: 99},         // seen, bounded by the last seq
			{ConversationID: f.open, Seen: true, AgentID: f.agent, Seq: 1},       // the agent's marker and the chat's
			{ConversationID: f.open, Seen: true, AgentID: f.agent, Seq: 2},       // both forward again
			{ConversationID: f.pending, Seq: 5},                                  // agents' delivered
			{ConversationID: f.pending, Seen: true, AgentID: f.stranger, Seq: 1}, // another workspace's agent: refused
			{ConversationID: f.foreignCnv, Visitor: true, Seq: 1},                // another workspace's chat: refused
			{ConversationID: "missing", Seen: true, AgentID: f.agent, Seq: 1},    // refused
			{ConversationID: f.closed, Visitor: true, Seq: 1},                    // nothing to deliver
		}
		out := make([]*receiptCall, len(rs))
		for i, r := range rs {
			r.WorkspaceID = f.ws
			out[i] = &receiptCall{ctx: ctx, in: receiptIn{r: r, now: pgEpoch}}
		}
		slices.SortStableFunc(out, func(x, y *receiptCall) int { // as commit does
			return cmp.Or(cmp.Compare(x.in.r.ConversationID, y.in.r.ConversationID), cmp.Compare(x.in.r.AgentID, y.in.r.AgentID))
		})
		return out
	}
	fp, fo := setup("rpipe"), setup("rone")
	pipe, one := batch(fp), batch(fo)
	if err := s.receipter.commitPostgres(ctx, pipe); err != nil {
		t.Fatalf("the pipelined batch failed as a whole: %v", err)
	}
	err := s.inTx(ctx, "one by one", func(tx *sql.Tx) error {
		for _, q := range one {
			q.out, q.err = applyReceipt(ctx, tx, nil, true, q.in.r, q.in.now)
			if q.err != nil && !refusesReceipt(q.err) {
				return q.err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	type outcome struct {
		Moved, ReadMoved, NotFound, NotAssignee bool
		ReadSeq                                 int64
		Markers                                 [4]int64
	}
	of := func(q *receiptCall) outcome {
		c := q.out.Conversation
		return outcome{q.out.Moved, q.out.ReadMoved, errors.Is(q.err, ErrNotFound), errors.Is(q.err, ErrNotAssignee), q.out.ReadSeq,
			[4]int64{c.VisitorReadSeq, c.AgentReadSeq, c.VisitorDeliveredSeq, c.AgentDeliveredSeq}}
	}
	moved := 0
	for i := range pipe {
		got, want := of(pipe[i]), of(one[i])
		if !reflect.DeepEqual(got, want) {
			t.Errorf("receipt %d %+v:\npipeline     %+v\none by one   %+v", i, pipe[i].in.r, got, want)
		}
		if got.Moved {
			moved++
		}
	}
	if moved != 5 {
		t.Errorf("%d receipts moved a marker, want 5", moved)
	}
	for _, c := range [][2]string{{fp.open, fo.open}, {fp.pending, fo.pending}} {
		got, err1 := s.GetConversation(ctx, fp.ws, c[0])
		want, err2 := s.GetConversation(ctx, fo.ws, c[1])
		if err := errors.Join(err1, err2); err != nil {
			t.Fatal(err)
		}
		if g, w := [4]int64{got.VisitorReadSeq, got.AgentReadSeq, got.VisitorDeliveredSeq, got.AgentDeliveredSeq},
			[4]int64{want.VisitorReadSeq, want.AgentReadSeq, want.VisitorDeliveredSeq, want.AgentDeliveredSeq}; g != w {
			t.Errorf("markers: pipeline %v, one by one %v", g, w)
		}
	}
	for _, f := range []fixture{fp, fo} {
		marks, err := s.ReadMarkers(ctx, f.ws, f.agent, []string{f.open, f.pending})
		if err != nil || marks[f.open] != 2 || len(marks) != 1 {
			t.Errorf("read markers %v (%v), want only the open chat's at 2", marks, err)
		}
	}
}

// TestPostgresReceiptBatchesDoNotDeadlock: one agent with two desks on a
// busy chat, and a colleague on it too. Two pipelined batches at once,
// each with an agent's seen that moves the chat's marker and one that
// moves only a read marker, took their two row locks (the agent's read
// marker, the conversation) in opposite orders and deadlocked. Every
// batch must now commit as a whole.
func TestPostgresReceiptBatchesDoNotDeadlock(t *testing.T) {
	t.Parallel()
	s := openPG(t, pgtest.URL(t), Options{})
	ctx := t.Context()
	f := newPGFixture(t, s, "lockorder")
	var agents [2]string
	for i := range agents {
		a, err := s.CreateAgent(ctx, Agent{WorkspaceID: f.ws, Email: fmt.Sprintf("lock%d@a.test", i), Name: "A", Role: "agent"}, pgEpoch)
		if err != nil {
			t.Fatal(err)
		}
		agents[i] = a.ID
	}
	const rounds = 40
	for round := range rounds {
		// Two new messages a round, so that markers have room to move.
		for i := range 2 {
			m := Message{WorkspaceID: f.ws, ConversationID: f.open, ClientMsgID: fmt.Sprintf("lock-%d-%d", round, i), Kind: KindText,
				AuthorType: AuthorAgent, AuthorID: "ag", Body: "x"}
			if _, err := s.AppendMessage(ctx, m, pgEpoch); err != nil {
				t.Fatal(err)
			}
		}
		c, err := s.GetConversation(ctx, f.ws, f.open)
		if err != nil {
			t.Fatal(err)
		}
		call := func(r Receipt) *receiptCall {
			r.WorkspaceID, r.ConversationID = f.ws, f.open
			return &receiptCall{ctx: ctx, in: receiptIn{r: r, now: pgEpoch}}
		}
		y, z := agents[0], agents[1]
		batches := [][]*receiptCall{
			// The visitor's delivered moves the chat; then Y's seen.
			{call(Receipt{Visitor: true, Seq: c.LastSeq}), call(Receipt{Seen: true, AgentID: y, Seq: c.LastSeq})},
			// Y's other desk, late: a seen the chat's marker has passed
			// (it takes Y's read-marker row, and did not lock the chat);
			// then Z's, which moves the chat.
			{call(Receipt{Seen: true, AgentID: y, Seq: c.AgentReadSeq}), call(Receipt{Seen: true, AgentID: z, Seq: c.LastSeq})},
		}
		errs := make(chan error, len(batches))
		for _, b := range batches {
			go func() { errs <- s.receipter.commitPostgres(ctx, b) }()
		}
		for range batches {
			if err := <-errs; err != nil {
				t.Fatalf("round %d: a batch failed as a whole: %v", round, err)
			}
		}
	}
}
