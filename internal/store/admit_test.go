package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestAppendsPastTheBudgetAreBusy: when the appends already waiting would
// take longer to commit than the budget, an append is refused at once
// with ErrBusy and nothing is stored; once commits are cheap again it is
// stored. (The cost per message is what the committer measures; the test
// sets it to stand for a slow disk.)
func TestAppendsPastTheBudgetAreBusy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Unix(1_700_000_000, 0)
	s := migratedSQLite(t, Options{AppendBudget: 100 * time.Millisecond}, now)
	ws, err := s.CreateWorkspace(ctx, "W", now)
	if err != nil {
		t.Fatal(err)
	}
	site, err := s.CreateSite(ctx, Site{WorkspaceID: ws.ID, Name: "S", WidgetKey: "wk_admit"}, now)
	if err != nil {
		t.Fatal(err)
	}
	v, err := s.CreateVisitor(ctx, ws.ID, site.ID, "tok", now)
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := s.StartConversation(ctx, ws.ID, v.ID, "", now)
	if err != nil {
		t.Fatal(err)
	}
	m := Message{WorkspaceID: ws.ID, ConversationID: c.ID, ClientMsgID: "m1", Kind: KindText, AuthorType: AuthorVisitor, AuthorID: v.ID, Body: "hi"}

	// Appends ahead have been waiting a second for the committer: refuse.
	s.appender.sojourn.Store(int64(time.Second))
	s.appender.waiting.Add(1)
	if _, err := s.AppendMessage(ctx, m, now); !errors.Is(err, ErrBusy) {
		t.Fatalf("an append past the budget: %v, want ErrBusy", err)
	}
	if got, err := s.GetConversation(ctx, ws.ID, c.ID); err != nil || got.LastSeq != 0 {
		t.Fatalf("a busy append stored something: seq %d, %v", got.LastSeq, err)
	}
	// Nothing waits any more: the door opens whatever the estimate says,
	// and the append's short wait pulls the estimate down.
	s.appender.waiting.Add(-1)
	out, err := s.AppendMessage(ctx, m, now)
	if err != nil || out.Message.Seq != 1 {
		t.Fatalf("the same message with an empty queue: %+v, %v", out, err)
	}
	if got := time.Duration(s.appender.sojourn.Load()); got >= time.Second {
		t.Errorf("the estimate did not move: %v", got)
	}
}

// TestAdmissionEstimate: the queueing delay estimate follows recent waits,
// smoothed, and admits while it is within the budget.
func TestAdmissionEstimate(t *testing.T) {
	t.Parallel()
	a := &appender{budget: 200 * time.Millisecond}
	a.waiting.Store(10)
	if !a.admit() {
		t.Fatal("refused before anything waited")
	}
	for range 40 {
		a.waited(time.Second)
	}
	if a.admit() {
		t.Fatalf("admitted with recent waits of a second (estimate %v)", time.Duration(a.sojourn.Load()))
	}
	a.waited(0)
	if got := time.Duration(a.sojourn.Load()); got < 800*time.Millisecond || got > 900*time.Millisecond {
		t.Fatalf("one short wait moved the estimate to %v, want about 7/8 of it", got)
	}
	for range 40 {
		a.waited(time.Millisecond)
	}
	if !a.admit() {
		t.Fatal("still refused once waits were short again")
	}
}

// TestRetryAfterGrowsWithRefusals: the wait a refused append is told
// starts at four times the queue's delay (at least 250 ms) and stretches
// as more of the appends are refused, up to 30 s; admissions bring it back.
func TestRetryAfterGrowsWithRefusals(t *testing.T) {
	t.Parallel()
	a := &appender{budget: 100 * time.Millisecond}
	if got := a.retryAfter(); got != 250*time.Millisecond {
		t.Fatalf("an idle store: %v, want 250ms", got)
	}
	a.sojourn.Store(int64(200 * time.Millisecond))
	if got := a.retryAfter(); got != 800*time.Millisecond {
		t.Fatalf("a 200 ms queue, nothing refused: %v, want 800ms", got)
	}
	for range 200 {
		a.admitted(false)
	}
	stormy := a.retryAfter()
	if stormy < 10*time.Second || stormy > 30*time.Second {
		t.Fatalf("nearly all refused: %v, want 10 s to 30 s", stormy)
	}
	for range 500 {
		a.admitted(true)
	}
	if got := a.retryAfter(); got > time.Second {
		t.Fatalf("all admitted again: %v, want back near 800ms", got)
	}
}
