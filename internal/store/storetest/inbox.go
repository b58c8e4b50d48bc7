package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/store"
)

func runInbox(t *testing.T, newStore NewStore) {
	t.Helper()
	runCases(t, newStore, []storeCase{
		{"inbox/an item is added once per happening, renewed on top, listed, counted and marked", testInbox},
		{"inbox/items added at once for one agent get distinct, gap-free seqs", testInboxConcurrentAdds},
		{"inbox/the Tagged conversations are those mentioned in and not closed", testInboxTagged},
		{"comments/the author edits and deletes a comment, with an event; nobody else can", testReviseComment},
	})
}

func mention(tn tenant, agentID, convID, dedupe string) store.InboxItem {
	return store.InboxItem{WorkspaceID: tn.ws.ID, AgentID: agentID, Kind: store.InboxMention, Dedupe: dedupe,
		ConversationID: convID, ActorID: tn.owner.ID, ActorName: tn.owner.Name, Summary: "can you check " + dedupe + "?",
		Data: map[string]any{"message_id": dedupe}}
}

func testInbox(t *testing.T, s *store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "a")
	_, c := writer(t, s, tn, "ann", "", Epoch)
	state := func(wantUnread int, wantSeq int64) {
		t.Helper()
		unread, seq, err := s.InboxState(ctx, tn.ws.ID, tn.agent.ID)
		noErr(t, "state", err)
		equal(t, "unread, seq", [2]int64{int64(unread), seq}, [2]int64{int64(wantUnread), wantSeq})
	}
	state(0, 0)

	first, added, err := s.AddInboxItem(ctx, mention(tn, tn.agent.ID, c.ID, "m1"), false, Epoch)
	noErr(t, "add", err)
	equal(t, "added", added, true)
	equal(t, "first item", first, store.InboxItem{ID: first.ID, WorkspaceID: tn.ws.ID, AgentID: tn.agent.ID, Seq: 1, Kind: store.InboxMention,
		Dedupe: "m1", ConversationID: c.ID, ActorID: tn.owner.ID, ActorName: tn.owner.Name, Summary: "can you check m1?",
		Data: map[string]any{"message_id": "m1"}, CreatedAt: Epoch, UpdatedAt: Epoch})
	// A retry of the same happening adds nothing.
	again, added, err := s.AddInboxItem(ctx, mention(tn, tn.agent.ID, c.ID, "m1"), false, Epoch.Add(time.Second))
	noErr(t, "retry", err)
	equal(t, "retry added", added, false)
	equal(t, "retry returns the item", again, first)
	second, _, err := s.AddInboxItem(ctx, mention(tn, tn.agent.ID, c.ID, "m2"), false, Epoch.Add(time.Minute))
	noErr(t, "add", err)
	equal(t, "second seq", second.Seq, int64(2))
	state(2, 2)

	// An item of an agent of another workspace, or naming another's
	// conversation, is refused.
	other := newTenant(t, s, "b")
	_, _, err = s.AddInboxItem(ctx, mention(tn, other.agent.ID, c.ID, "x"), false, Epoch)
	wantErr(t, err, store.ErrNotFound)
	_, oc := writer(t, s, other, "olaf", "", Epoch)
	_, _, err = s.AddInboxItem(ctx, mention(tn, tn.agent.ID, oc.ID, "y"), false, Epoch)
	wantErr(t, err, store.ErrNotFound)
	state(2, 2)

	list := func(q store.InboxQuery) []string {
		t.Helper()
		items, err := s.ListInbox(ctx, tn.ws.ID, tn.agent.ID, q)
		noErr(t, "list", err)
		return ids(items, func(it store.InboxItem) string { return it.Dedupe })
	}
	equal(t, "all, newest first", list(store.InboxQuery{Limit: 10}), []string{"m2", "m1"})
	equal(t, "paging", list(store.InboxQuery{Before: 2, Limit: 10}), []string{"m1"})

	yes, no := true, false
	marked, err := s.MarkInbox(ctx, tn.ws.ID, tn.agent.ID, []string{first.ID, "nope"}, store.InboxChange{Read: &yes}, Epoch.Add(time.Hour))
	noErr(t, "mark read", err)
	equal(t, "marked", len(marked), 1)
	equal(t, "read at", *marked[0].ReadAt, Epoch.Add(time.Hour))
	state(1, 2)
	equal(t, "unread", list(store.InboxQuery{Filter: store.InboxUnread, Limit: 10}), []string{"m2"})
	// Read twice keeps the first time.
	marked, err = s.MarkInbox(ctx, tn.ws.ID, tn.agent.ID, []string{first.ID}, store.InboxChange{Read: &yes}, Epoch.Add(2*time.Hour))
	noErr(t, "mark read again", err)
	equal(t, "read at kept", *marked[0].ReadAt, Epoch.Add(time.Hour))
	_, err = s.MarkInbox(ctx, tn.ws.ID, tn.agent.ID, []string{second.ID}, store.InboxChange{Archived: &yes}, Epoch.Add(time.Hour))
	noErr(t, "archive", err)
	equal(t, "all leaves the archived out", list(store.InboxQuery{Limit: 10}), []string{"m1"})
	equal(t, "archived", list(store.InboxQuery{Filter: store.InboxArchived, Limit: 10}), []string{"m2"})
	state(0, 2)
	_, err = s.MarkInbox(ctx, tn.ws.ID, tn.agent.ID, []string{first.ID, second.ID}, store.InboxChange{Read: &no, Archived: &no}, Epoch.Add(time.Hour))
	noErr(t, "unread, unarchived", err)
	state(2, 2)
	// Another agent's mark changes nothing of this agent's items.
	marked, err = s.MarkInbox(ctx, tn.ws.ID, tn.owner.ID, []string{first.ID}, store.InboxChange{Read: &yes}, Epoch.Add(time.Hour))
	noErr(t, "another agent's mark", err)
	equal(t, "another agent marks nothing", len(marked), 0)
	state(2, 2)

	// A renewed item comes back on top, unread, with the latest summary.
	reply := store.InboxItem{WorkspaceID: tn.ws.ID, AgentID: tn.agent.ID, Kind: store.InboxTicketReply, Dedupe: "ticket_reply:t1",
		ConversationID: c.ID, Summary: "first reply"}
	r1, added, err := s.AddInboxItem(ctx, reply, true, Epoch.Add(time.Hour))
	noErr(t, "reply", err)
	equal(t, "reply added", [2]any{added, r1.Seq}, [2]any{true, int64(3)})
	_, err = s.MarkInbox(ctx, tn.ws.ID, tn.agent.ID, []string{r1.ID}, store.InboxChange{Read: &yes, Archived: &yes}, Epoch.Add(time.Hour))
	noErr(t, "read the reply", err)
	reply.Summary = "second reply"
	r2, added, err := s.AddInboxItem(ctx, reply, true, Epoch.Add(2*time.Hour))
	noErr(t, "renew", err)
	equal(t, "renewed", [5]any{added, r2.ID, r2.Seq, r2.Summary, r2.ReadAt == nil && r2.ArchivedAt == nil},
		[5]any{true, r1.ID, int64(4), "second reply", true})
	equal(t, "renewed on top", list(store.InboxQuery{Limit: 10}), []string{"ticket_reply:t1", "m2", "m1"})
	state(3, 4)
}

func testInboxConcurrentAdds(t *testing.T, s *store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "a")
	_, c := writer(t, s, tn, "ann", "", Epoch)
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			_, _, err := s.AddInboxItem(ctx, mention(tn, tn.agent.ID, c.ID, fmt.Sprintf("m%d", i)), false, Epoch)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		noErr(t, "add", err)
	}
	items, err := s.ListInbox(ctx, tn.ws.ID, tn.agent.ID, store.InboxQuery{Limit: 100})
	noErr(t, "list", err)
	var seqs []int64
	for _, it := range items {
		seqs = append(seqs, it.Seq)
	}
	slices.Sort(seqs)
	want := make([]int64, n)
	for i := range want {
		want[i] = int64(i + 1)
	}
	equal(t, "seqs", seqs, want)
}

func testInboxTagged(t *testing.T, s *store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "a")
	_, c1 := writer(t, s, tn, "ann", "", Epoch)
	_, c2 := writer(t, s, tn, "bob", "", Epoch.Add(time.Second))
	_, c3 := writer(t, s, tn, "cy", "", Epoch.Add(2*time.Second))
	for _, it := range []store.InboxItem{
		mention(tn, tn.agent.ID, c1.ID, "m1"), mention(tn, tn.agent.ID, c2.ID, "m2"),
		{WorkspaceID: tn.ws.ID, AgentID: tn.agent.ID, Kind: store.InboxAssigned, Dedupe: "a3", ConversationID: c3.ID},
		mention(tn, tn.owner.ID, c3.ID, "m3"),
	} {
		_, _, err := s.AddInboxItem(ctx, it, false, Epoch)
		noErr(t, "add", err)
	}
	tagged := func(agentID string) []string {
		t.Helper()
		got, err := s.TaggedConversations(ctx, tn.ws.ID, agentID)
		noErr(t, "tagged", err)
		slices.Sort(got)
		return got
	}
	want := []string{c1.ID, c2.ID}
	slices.Sort(want)
	equal(t, "the agent's Tagged (mentions only)", tagged(tn.agent.ID), want)
	equal(t, "the owner's Tagged", tagged(tn.owner.ID), []string{c3.ID})
	_, _, err := s.Transition(ctx, tn.ws.ID, c1.ID, store.Transition{Status: store.StatusClosed, ClosedBy: store.AuthorAgent}, Epoch.Add(time.Minute))
	noErr(t, "close", err)
	equal(t, "a closed chat leaves Tagged", tagged(tn.agent.ID), []string{c2.ID})
}

func testReviseComment(t *testing.T, s *store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "a")
	_, c := writer(t, s, tn, "ann", "", Epoch)
	res, err := s.AppendMessage(ctx, store.Message{WorkspaceID: tn.ws.ID, ConversationID: c.ID, ClientMsgID: "c1", Kind: store.KindComment,
		Private: true, AuthorType: store.AuthorAgent, AuthorID: tn.agent.ID, AuthorName: tn.agent.Name, Body: "refund?",
		Meta: map[string]any{"mentions": []any{tn.owner.ID}}}, Epoch)
	noErr(t, "comment", err)
	comment := res.Message
	got, err := s.GetConversation(ctx, tn.ws.ID, c.ID)
	noErr(t, "conversation", err)
	equal(t, "a comment is no preview", got.LastMessage, "hello from ann")
	event := func(what string) store.Message {
		return store.Message{Kind: store.KindSystem, AuthorType: store.AuthorSystem, Body: what, Meta: map[string]any{"event": what}}
	}

	_, _, err = s.ReviseComment(ctx, tn.ws.ID, c.ID, comment.ID, tn.owner.ID, "mine now", false, event(store.EventCommentEdited), Epoch)
	wantErr(t, err, store.ErrNotAuthor)
	_, _, err = s.ReviseComment(ctx, tn.ws.ID, c.ID, store.NewID(), tn.agent.ID, "x", false, event(store.EventCommentEdited), Epoch)
	wantErr(t, err, store.ErrNotFound)
	other := newTenant(t, s, "b")
	_, _, err = s.ReviseComment(ctx, other.ws.ID, c.ID, comment.ID, tn.agent.ID, "x", false, event(store.EventCommentEdited), Epoch)
	wantErr(t, err, store.ErrNotFound)
	visitorMsg, err := s.ListMessages(ctx, tn.ws.ID, c.ID, 0, 1, 1)
	noErr(t, "messages", err)
	_, _, err = s.ReviseComment(ctx, tn.ws.ID, c.ID, visitorMsg[0].ID, visitorMsg[0].AuthorID, "x", false, event(store.EventCommentEdited), Epoch)
	wantErr(t, err, store.ErrNotFound) // not a comment

	_, _, err = s.AddInboxItem(ctx, store.InboxItem{WorkspaceID: tn.ws.ID, AgentID: tn.owner.ID, Kind: store.InboxMention,
		Dedupe: "mention:" + comment.ID, ConversationID: c.ID, Summary: "refund?"}, false, Epoch)
	noErr(t, "the mention's item", err)
	summary := func() string {
		t.Helper()
		items, err := s.ListInbox(ctx, tn.ws.ID, tn.owner.ID, store.InboxQuery{Limit: 5})
		noErr(t, "inbox", err)
		return items[0].Summary
	}
	edited, ev, err := s.ReviseComment(ctx, tn.ws.ID, c.ID, comment.ID, tn.agent.ID, "refund, please?", false, event(store.EventCommentEdited), Epoch.Add(time.Minute))
	noErr(t, "edit", err)
	equal(t, "edited", [3]any{edited.Body, edited.Meta["edited_at"], edited.Meta["mentions"]},
		[3]any{"refund, please?", float64(Epoch.Add(time.Minute).UnixMilli()), []any{tn.owner.ID}})
	equal(t, "its event", [4]any{ev.Seq, ev.Private, ev.Meta["message_id"], ev.Meta["body"]}, [4]any{comment.Seq + 1, true, comment.ID, "refund, please?"})
	equal(t, "the mention's item follows the edit", summary(), "refund, please?")
	editSeq := ev.Seq
	deleted, ev, err := s.ReviseComment(ctx, tn.ws.ID, c.ID, comment.ID, tn.agent.ID, "", true, event(store.EventCommentDeleted), Epoch.Add(2*time.Minute))
	noErr(t, "delete", err)
	equal(t, "deleted", [3]any{deleted.Body, deleted.Meta["deleted"], deleted.Meta["mentions"]}, [3]any{"", true, nil})
	equal(t, "its event", ev.Seq, comment.Seq+2)
	_, _, err = s.ReviseComment(ctx, tn.ws.ID, c.ID, comment.ID, tn.agent.ID, "back", false, event(store.EventCommentEdited), Epoch.Add(3*time.Minute))
	wantErr(t, err, store.ErrStale)
	history, err := s.ListMessages(ctx, tn.ws.ID, c.ID, comment.Seq-1, comment.Seq, 1)
	noErr(t, "history", err)
	equal(t, "the history shows the deleted marker", [2]any{history[0].Body, history[0].Meta["deleted"]}, [2]any{"", true})
	// Nothing of what it said is left: not in its edit event, not in the inbox.
	edits, err := s.ListMessages(ctx, tn.ws.ID, c.ID, editSeq-1, editSeq, 1)
	noErr(t, "the edit event", err)
	equal(t, "the edit event's body", edits[0].Meta["body"], "")
	equal(t, "the mention's item", summary(), "")
}
