package storetest

import (
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/store"
)

func runRatings(t *testing.T, newStore NewStore) {
	t.Helper()
	runCases(t, newStore, []storeCase{
		{"ratings/a visitor rates its ended chat, changes it within the window, counted once for the agent who held it", testRatings},
		{"analytics/a conversation keeps its first response and each side's words as messages are stored, a retry counted once", testConversationFacts},
	})
}

func testRatings(t *testing.T, s *store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "a")
	ws := tn.ws.ID
	v, c := writer(t, s, tn, "rita", "", Epoch)
	day := 24 * time.Hour
	since := func(now time.Time) time.Time { return now.Add(-day) }

	_, err := s.RateConversation(ctx, ws, c.ID, v.ID, store.RatingGood, "", since(Epoch), Epoch)
	wantErr(t, err, store.ErrStale) // not ended yet
	_, _, err = s.Transition(ctx, ws, c.ID, store.Transition{SetAssignee: &tn.agent.ID}, Epoch.Add(time.Minute))
	noErr(t, "take it", err)
	ended := Epoch.Add(time.Hour)
	_, _, err = s.Transition(ctx, ws, c.ID, store.Transition{Status: store.StatusClosed, ClosedBy: store.AuthorVisitor}, ended)
	noErr(t, "end", err)

	other, _ := writer(t, s, tn, "other", "", Epoch)
	_, err = s.RateConversation(ctx, ws, c.ID, other.ID, store.RatingBad, "", since(ended), ended)
	wantErr(t, err, store.ErrNotFound) // another visitor's chat

	at := ended.Add(time.Minute)
	got, err := s.RateConversation(ctx, ws, c.ID, v.ID, store.RatingGood, "Quick and kind", since(at), at)
	noErr(t, "rate", err)
	equal(t, "rated, for the agent who held it", []any{got.Rating, got.RatingComment, got.RatedAt.Equal(at), got.RatedAgentID},
		[]any{store.RatingGood, "Quick and kind", true, tn.agent.ID})

	// Changed within the day: still one rating, for the same agent.
	later := at.Add(23 * time.Hour)
	got, err = s.RateConversation(ctx, ws, c.ID, v.ID, store.RatingBad, "", since(later), later)
	noErr(t, "change", err)
	equal(t, "changed, the same agent", []any{got.Rating, got.RatingComment, got.RatedAgentID}, []any{store.RatingBad, "", tn.agent.ID})
	read, err := s.GetConversation(ctx, ws, c.ID)
	noErr(t, "read", err)
	equal(t, "one rating on the chat, as changed", []any{read.Rating, read.RatedAt.Equal(later)}, []any{store.RatingBad, true})

	tooLate := ended.Add(day + time.Second)
	_, err = s.RateConversation(ctx, ws, c.ID, v.ID, store.RatingGood, "", since(tooLate), tooLate)
	wantErr(t, err, store.ErrRatingClosed)
	read, err = s.GetConversation(ctx, ws, c.ID)
	noErr(t, "read", err)
	equal(t, "a refused change changes nothing", read.Rating, store.RatingBad)

	// Reopened and ended again: the earlier session's rating stays as it was.
	_, _, err = s.Transition(ctx, ws, c.ID, store.Transition{Status: store.StatusOpen, SetAssignee: &tn.owner.ID}, tooLate)
	noErr(t, "reopen for another agent", err)
	reEnded := tooLate.Add(time.Minute)
	_, _, err = s.Transition(ctx, ws, c.ID, store.Transition{Status: store.StatusClosed, ClosedBy: store.AuthorAgent}, reEnded)
	noErr(t, "end again", err)
	_, err = s.RateConversation(ctx, ws, c.ID, v.ID, store.RatingGood, "", since(reEnded), reEnded)
	wantErr(t, err, store.ErrRatingClosed)

	// Counted for the agent who last answered, though the chat went back to
	// the queue before the visitor ended it.
	v3, c3 := writer(t, s, tn, "una", "", Epoch)
	_, _, err = s.Transition(ctx, ws, c3.ID, store.Transition{SetAssignee: &tn.agent.ID}, Epoch)
	noErr(t, "take it", err)
	answer := textMessage(ws, c3.ID, "a1", "Here is your tracking link")
	answer.AuthorID = tn.agent.ID
	_, err = s.AppendMessage(ctx, answer, Epoch.Add(time.Minute))
	noErr(t, "answer", err)
	none := ""
	_, _, err = s.Transition(ctx, ws, c3.ID, store.Transition{SetAssignee: &none}, Epoch.Add(2*time.Minute))
	noErr(t, "requeue", err)
	_, _, err = s.Transition(ctx, ws, c3.ID, store.Transition{Status: store.StatusClosed, ClosedBy: store.AuthorVisitor}, Epoch.Add(3*time.Minute))
	noErr(t, "end", err)
	got, err = s.RateConversation(ctx, ws, c3.ID, v3.ID, store.RatingGood, "", since(Epoch.Add(4*time.Minute)), Epoch.Add(4*time.Minute))
	noErr(t, "rate", err)
	equal(t, "counted for the agent who answered", got.RatedAgentID, tn.agent.ID)

	// Counted once, for the agent it counts for, in the period it was given.
	v2, c2 := writer(t, s, tn, "sam", "", Epoch)
	_, _, err = s.Transition(ctx, ws, c2.ID, store.Transition{Status: store.StatusClosed, ClosedBy: store.AuthorVisitor}, ended)
	noErr(t, "end the second", err)
	_, err = s.RateConversation(ctx, ws, c2.ID, v2.ID, store.RatingGood, "Nobody answered, but fine", since(at), at)
	noErr(t, "rate the second", err)
	period := store.RatingFilter{From: Epoch, To: later.Add(time.Hour)}
	counts, err := s.RatingCounts(ctx, ws, period)
	noErr(t, "counts", err)
	equal(t, "by agent, each chat once", counts, []store.RatingCount{{AgentID: tn.agent.ID, Good: 1, Bad: 1}, {AgentID: "", Good: 1}})
	counts, err = s.RatingCounts(ctx, ws, store.RatingFilter{From: at.Add(time.Second), To: later.Add(time.Hour), AgentID: tn.agent.ID})
	noErr(t, "counts", err)
	equal(t, "one agent's, in a later period", counts, []store.RatingCount{{AgentID: tn.agent.ID, Bad: 1}})
	list, err := s.RatedChats(ctx, ws, period, true, 10)
	noErr(t, "commented", err)
	equal(t, "only those with a comment", ids(list, func(r store.RatedChat) string { return r.ConversationID + " " + r.Comment }),
		[]string{c2.ID + " Nobody answered, but fine"})
	list, err = s.RatedChats(ctx, ws, period, false, 10)
	noErr(t, "all", err)
	equal(t, "latest first", ids(list, func(r store.RatedChat) string { return r.ConversationID }), []string{c.ID, c2.ID, c3.ID})
}

func testConversationFacts(t *testing.T, s *store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "a")
	ws := tn.ws.ID
	v, c := writer(t, s, tn, "rita", "", Epoch) // one visitor text
	agent := func(id, kind, body string, private bool) store.Message {
		m := textMessage(ws, c.ID, id, body)
		m.Kind, m.AuthorID, m.Private = kind, tn.agent.ID, private
		return m
	}
	for i, m := range []store.Message{
		agent("picked", store.KindSystem, "Ann picked up the conversation", false),
		agent("note", store.KindText, "she is a VIP", true),
		agent("answer", store.KindText, "Here is your tracking link", false),
		agent("answer", store.KindText, "Here is your tracking link", false), // a retry
		agent("file", store.KindFile, "label.pdf", false),
		visitorMessage(v, c.ID, "thanks", "Thanks!"),
	} {
		_, err := s.AppendMessage(ctx, m, Epoch.Add(time.Duration(i+1)*time.Minute))
		noErr(t, "append "+m.ClientMsgID, err)
	}
	got, err := s.GetConversation(ctx, ws, c.ID)
	noErr(t, "read", err)
	equal(t, "first response (the answer, not the event or the note), by whom, each side's words",
		[]any{got.FirstResponseAt != nil && got.FirstResponseAt.Equal(Epoch.Add(3*time.Minute)), got.FirstResponderID, got.AgentMessages, got.VisitorMessages},
		[]any{true, tn.agent.ID, 2, 2})
	equal(t, "the visitor's first words", got.FirstVisitorAt != nil && got.FirstVisitorAt.Equal(Epoch), true)
	equal(t, "the visitor's last words", got.LastVisitorAt != nil && got.LastVisitorAt.Equal(Epoch.Add(6*time.Minute)), true)

	// A proactive chat: the agent's invitation comes first, and is no
	// answer; the first answer is the first after the visitor wrote.
	v2, err := s.CreateVisitor(ctx, ws, tn.site.ID, "token-invited", Epoch)
	noErr(t, "visitor", err)
	c2, _, err := s.StartConversation(ctx, ws, v2.ID, "", Epoch)
	noErr(t, "start", err)
	invite := textMessage(ws, c2.ID, "invite", "Can I help you choose?")
	invite.AuthorID = tn.agent.ID
	reply := textMessage(ws, c2.ID, "reply", "Here is the answer")
	reply.AuthorID = tn.agent.ID
	for i, m := range []store.Message{invite, visitorMessage(v2, c2.ID, "q", "Which size?"), reply} {
		_, err := s.AppendMessage(ctx, m, Epoch.Add(time.Duration(i)*time.Minute))
		noErr(t, "append "+m.ClientMsgID, err)
	}
	got, err = s.GetConversation(ctx, ws, c2.ID)
	noErr(t, "read", err)
	equal(t, "the invitation is no answer", []bool{got.FirstVisitorAt.Equal(Epoch.Add(time.Minute)), got.FirstResponseAt.Equal(Epoch.Add(2 * time.Minute))},
		[]bool{true, true})
	// The visitor's last words, not the agent's reply after them: what
	// "New customer activity" sorts by.
	equal(t, "the visitor's last words", got.LastVisitorAt != nil && got.LastVisitorAt.Equal(Epoch.Add(time.Minute)), true)
}
