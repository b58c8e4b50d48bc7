package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/querytel/livedesk/client"
	"github.com/querytel/livedesk/internal/app/apptest"
	"github.com/querytel/livedesk/internal/config"
	"github.com/querytel/livedesk/internal/store"
)

// TestRetention: the retention job deletes anonymous visitors who never
// chatted once -visitor-retention-days have passed since they were last
// seen, and a workspace's closed conversations once its
// closed_retention_days have passed (off by default); nothing earlier,
// nobody else.
func TestRetention(t *testing.T) {
	t.Parallel()
	srv := apptest.New(t, apptest.Configure(func(c *config.Config) { c.Limits.VisitorRetentionDays = 30 }))
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	key := srv.DemoSite(t).WidgetKey
	ws := srv.WorkspaceID(t)
	dial := func() *client.Conn {
		c, err := client.Dial(ctx, srv.WSURL("/widget/v1/ws?key="+key), client.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	browser := dial() // looks around, never chats
	if _, err := browser.Do(ctx, "heartbeat", map[string]any{"url": "https://shop.example/"}); err != nil {
		t.Fatal(err)
	}
	chatter := dial()
	start, err := chatter.Do(ctx, "conversation.start", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chatter.Do(ctx, "conversation.close", map[string]any{"conversation_id": start.ConversationID}); err != nil {
		t.Fatal(err)
	}
	browserID, chatterID := visitorIDFrom(t, browser), visitorIDFrom(t, chatter)
	browser.Close()
	chatter.Close()

	srv.Clock.Advance(29 * 24 * time.Hour)
	if _, err := srv.App.Visitors.ExpireDue(ctx); err != nil {
		t.Fatal(err)
	}
	srv.App.RunRetention(ctx)
	if _, err := srv.App.Store.GetVisitor(ctx, ws, browserID); err != nil {
		t.Fatalf("an idle visitor was deleted before 30 days: %v", err)
	}
	srv.Clock.Advance(24*time.Hour + time.Minute)
	srv.App.RunRetention(ctx)
	if _, err := srv.App.Store.GetVisitor(ctx, ws, browserID); !isNotFound(err) {
		t.Fatalf("the idle anonymous visitor after 30 days: %v, want deleted", err)
	}
	if _, err := srv.App.Store.GetVisitor(ctx, ws, chatterID); err != nil {
		t.Fatalf("a visitor who chatted was deleted: %v", err)
	}
	if _, err := srv.App.Store.GetConversation(ctx, ws, start.ConversationID); err != nil {
		t.Fatalf("a closed conversation was deleted with retention off: %v", err)
	}

	// Closed conversations: kept for 7 days once the workspace says so.
	owner := srv.Admin(t)
	if status, body := srv.Do(t, owner, "PATCH", "/api/v1/workspace", map[string]any{"settings": map[string]any{"closed_retention_days": 7}}); status != 200 {
		t.Fatalf("set retention: %d %s", status, body)
	}
	srv.App.RunRetention(ctx) // closed 30 days ago: past 7
	if _, err := srv.App.Store.GetConversation(ctx, ws, start.ConversationID); !isNotFound(err) {
		t.Fatalf("a conversation closed 30 days ago with 7 days' retention: %v, want deleted", err)
	}
	if status, body := srv.Do(t, owner, "PATCH", "/api/v1/workspace", map[string]any{"settings": map[string]any{"closed_retention_days": 3651}}); status != 400 {
		t.Fatalf("retention over ten years: %d %s, want 400", status, body)
	}
}

func visitorIDFrom(t *testing.T, c *client.Conn) string {
	t.Helper()
	var v struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(c.Welcome.Visitor, &v); err != nil || v.ID == "" {
		t.Fatalf("welcome visitor: %v", err)
	}
	return v.ID
}

func isNotFound(err error) bool { return err != nil && errors.Is(err, store.ErrNotFound) }
