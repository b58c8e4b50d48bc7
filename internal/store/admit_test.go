package store

import (
	"context"
	"errors"
	"path/filepath"
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
	s, err := Open(ctx, filepath.Join(t.TempDir(), "livedesk.db"), Options{AppendBudget: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Unix(1_700_000_000, 0)
	if _, err := s.Migrate(ctx, now); err != nil {
		t.Fatal(err)
	}
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

	s.appender.perMsg.Store(int64(time.Millisecond)) // 512 × 1 ms > 100 ms
	if _, err := s.AppendMessage(ctx, m, now); !errors.Is(err, ErrBusy) {
		t.Fatalf("an append past the budget: %v, want ErrBusy", err)
	}
	if got, err := s.GetConversation(ctx, ws.ID, c.ID); err != nil || got.LastSeq != 0 {
		t.Fatalf("a busy append stored something: seq %d, %v", got.LastSeq, err)
	}
	s.appender.perMsg.Store(int64(10 * time.Microsecond)) // 512 × 10 µs = 5 ms
	out, err := s.AppendMessage(ctx, m, now)
	if err != nil || out.Message.Seq != 1 {
		t.Fatalf("the same message once commits are cheap: %+v, %v", out, err)
	}
	// The committer keeps measuring: the EWMA moved off the value set.
	if got := time.Duration(s.appender.perMsg.Load()); got == 10*time.Microsecond {
		t.Error("the commit was not measured")
	}
}

// TestAdmissionMeasures: the cost per message follows what commits take,
// smoothed.
func TestAdmissionMeasures(t *testing.T) {
	t.Parallel()
	a := &appender{budget: time.Second}
	if !a.admit() {
		t.Fatal("refused before any commit was measured")
	}
	a.measure(512*time.Millisecond, 512) // 1 ms a message
	if got := time.Duration(a.perMsg.Load()); got != time.Millisecond {
		t.Fatalf("first measure: %v", got)
	}
	a.measure(0, 512)
	if got := time.Duration(a.perMsg.Load()); got != 875*time.Microsecond {
		t.Fatalf("smoothed: %v, want 7/8 of 1 ms", got)
	}
	a.waiting.Store(2000) // (2000 + 512) × 0.875 ms > 1 s
	if a.admit() {
		t.Fatal("admitted past the budget")
	}
}
