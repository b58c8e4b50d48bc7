package realtime_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/querytel/livedesk/client"
	"github.com/querytel/livedesk/internal/app/apptest"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/site"
	"github.com/querytel/livedesk/internal/store"
)

// TestVisitorRatesAnEndedChat: the visitor rates its chat once it ended
// (good or bad, with a comment); every desk sees the rating at once; it
// may be changed within a day of the end and not after; a site that does
// not ask for ratings refuses them; every bad input has its code and
// changes nothing.
func TestVisitorRatesAnEndedChat(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := testCtx(t)
	desk := s.DialDesk(t, client.Options{Header: s.AdminHeader(t)})
	await(t, ctx, desk, "snapshot", nil)
	st := s.DemoSite(t)
	w := s.DialWidget(t, st.WidgetKey, client.Options{})
	conv := do(t, ctx, w, "conversation.start", nil).ConversationID
	do(t, ctx, w, "message.send", map[string]any{"conversation_id": conv, "client_msg_id": "v1", "text": "My parcel is late"})
	rate := func(rating, comment string) map[string]any {
		return map[string]any{"conversation_id": conv, "rating": rating, "comment": comment}
	}
	if code := doErr(t, ctx, w, "conversation.rate", rate("good", "")); code != "conversation_open" {
		t.Fatalf("rating a chat under way: %q", code)
	}
	do(t, ctx, w, "conversation.close", map[string]any{"conversation_id": conv})

	for _, r := range []struct {
		name   string
		fields map[string]any
		code   string
	}{
		{"a rating of neither", rate("meh", ""), "invalid_rating"},
		{"no rating", map[string]any{"conversation_id": conv}, "invalid_rating"},
		{"a comment too long", rate("good", strings.Repeat("x", 1001)), "invalid_comment"},
		{"no conversation", map[string]any{"rating": "good"}, "required"},
		{"another's conversation", map[string]any{"conversation_id": "nope", "rating": "good"}, "conversation_not_found"},
	} {
		if code := doErr(t, ctx, w, "conversation.rate", r.fields); code != r.code {
			t.Errorf("%s: %q, want %q", r.name, code, r.code)
		}
	}
	if code := doErr(t, ctx, desk, "conversation.rate", rate("good", "")); code != "unknown_type" {
		t.Errorf("a desk rated: %q", code)
	}

	ack := do(t, ctx, w, "conversation.rate", rate("good", "  Fast and friendly  "))
	if !bytes.Contains(ack.Raw, []byte(`"rating":"good"`)) || !bytes.Contains(ack.Raw, []byte(`"rating_comment":"Fast and friendly"`)) ||
		bytes.Contains(ack.Raw, []byte(`rated_agent_id`)) {
		t.Fatalf("the visitor's ack: %s", ack.Raw)
	}
	await(t, ctx, desk, "conversation", func(f client.Frame) bool {
		return f.Conversation != nil && f.Conversation.ID == conv && bytes.Contains(f.Raw, []byte(`"rating":"good"`)) &&
			bytes.Contains(f.Raw, []byte(`Fast and friendly`))
	})

	// Changed within the day: the same chat's one rating.
	s.Clock.Advance(23 * time.Hour)
	do(t, ctx, w, "conversation.rate", rate("bad", "Actually it never came"))
	await(t, ctx, desk, "conversation", func(f client.Frame) bool {
		return f.Conversation != nil && f.Conversation.ID == conv && bytes.Contains(f.Raw, []byte(`"rating":"bad"`))
	})
	s.Clock.Advance(2 * time.Hour)
	if code := doErr(t, ctx, w, "conversation.rate", rate("good", "")); code != "rating_closed" {
		t.Errorf("a day after the end: %q", code)
	}
	c, err := s.App.Store.GetConversation(ctx, st.WorkspaceID, conv)
	if err != nil || c.Rating != "bad" || c.RatingComment != "Actually it never came" {
		t.Fatalf("stored %q %q (%v); want the changed rating, the refusal changing nothing", c.Rating, c.RatingComment, err)
	}

	// A site that does not ask refuses ratings.
	off := false
	owner := auth.Actor{WorkspaceID: st.WorkspaceID, AgentID: store.NewID(), Role: auth.Owner}
	if _, err := s.App.Sites.Update(ctx, owner, st.ID, site.Input{Look: &site.LookInput{Ratings: &off}}); err != nil {
		t.Fatal(err)
	}
	w2 := s.DialWidget(t, st.WidgetKey, client.Options{})
	c2 := do(t, ctx, w2, "conversation.start", nil).ConversationID
	do(t, ctx, w2, "conversation.close", map[string]any{"conversation_id": c2})
	if code := doErr(t, ctx, w2, "conversation.rate", map[string]any{"conversation_id": c2, "rating": "good"}); code != "ratings_off" {
		t.Errorf("a site without ratings: %q", code)
	}
}
