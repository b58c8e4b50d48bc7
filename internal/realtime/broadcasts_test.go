package realtime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/querytel/livedesk/client"
	"github.com/querytel/livedesk/internal/app/apptest"
)

// castView is a broadcast as a widget receives it.
type castView struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
	Text string `json:"text"`
}

// casts asks what a widget's page view shows now.
func casts(t *testing.T, ctx context.Context, w *client.Conn, url, view string) []castView {
	t.Helper()
	ack := do(t, ctx, w, "broadcasts.sync", map[string]any{"url": url, "lang": "en-GB", "view": view})
	var out struct {
		Broadcasts []castView `json:"broadcasts"`
	}
	jsonUnmarshal(ack.Raw, &out)
	return out.Broadcasts
}

// changed is the next broadcast.changed a widget was told, as (id, live).
func changed(t *testing.T, ctx context.Context, w *client.Conn) (string, bool) {
	t.Helper()
	f := await(t, ctx, w, "broadcast.changed", nil)
	var out struct {
		BroadcastID string `json:"broadcast_id"`
		Live        bool   `json:"live"`
	}
	jsonUnmarshal(f.Raw, &out)
	return out.BroadcastID, out.Live
}

// rest sends an admin's request to s and decodes a 2xx answer into out.
func rest(t *testing.T, s *apptest.Server, admin *http.Client, method, path string, body, out any) {
	t.Helper()
	code, data := s.Do(t, admin, method, path, body)
	if code/100 != 2 {
		t.Fatalf("%s %s: %d %s", method, path, code, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

// TestBroadcastReachesMatchingVisitorsOnTwoNodesOnce: a banner for pages
// under /pricing, activated on one node, reaches exactly the online
// visitors on /pricing pages of both nodes; a visitor with a tab on each
// node is shown it in one tab only; a reconnect of a page view shows it
// again without counting it again; a new page view does not show a
// once-per-visitor banner again; pausing withdraws it everywhere.
func TestBroadcastReachesMatchingVisitorsOnTwoNodesOnce(t *testing.T) {
	t.Parallel()
	eachDeployment(t, func(t *testing.T, d deployment) {
		nodes := apptest.Cluster(t, 2, d.opts...)
		testBroadcastOnTwoNodes(t, nodes[0], nodes[1])
	})
}

type tab struct {
	name, url, view string
	node            *apptest.Server
	token           string // "": a new visitor
	matches         bool
	w               *client.Conn
}

func testBroadcastOnTwoNodes(t *testing.T, one, two *apptest.Server) {
	ctx := testCtx(t)
	key := one.DemoSite(t).WidgetKey
	tabs := []*tab{
		{name: "pricing on 1", url: "https://shop.example/pricing", node: one, matches: true},
		{name: "home on 1", url: "https://shop.example/", node: one},
		{name: "plans on 2", url: "https://shop.example/pricing/plans?x=1", node: two, matches: true},
		{name: "about on 2", url: "https://shop.example/about", node: two},
		{name: "two tabs, tab on 1", url: "https://shop.example/pricing", node: one, matches: true},
		{name: "two tabs, tab on 2", url: "https://shop.example/pricing#faq", node: two, matches: true},
	}
	for i, tb := range tabs {
		if i == 5 {
			tb.token = tabs[4].token // the same visitor in a second tab
		}
		tb.view = fmt.Sprintf("view-%d-aaaaaaaa", i)
		tb.w = tb.node.DialWidget(t, key, client.Options{Token: tb.token})
		tb.token = tb.w.Welcome.Token
		if tb.token == "" {
			tb.token = tabs[4].token
		}
		do(t, ctx, tb.w, "heartbeat", map[string]any{"url": tb.url, "title": tb.name})
		if got := casts(t, ctx, tb.w, tb.url, tb.view); len(got) != 0 {
			t.Fatalf("%s: shown %v before any broadcast", tb.name, got)
		}
	}

	admin := one.Admin(t)
	var b struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	rest(t, one, admin, http.MethodPost, "/api/v1/broadcasts", map[string]any{
		"name": "Pricing news", "kind": "banner", "placement": "top", "text": "Prices drop on Monday",
		"frequency": "once", "audience": map[string]any{"pages": []map[string]string{{"match": "starts_with", "value": "/pricing"}}},
	}, &b)
	if b.Status != "draft" {
		t.Fatalf("a new broadcast is %q, want draft", b.Status)
	}
	rest(t, two, two.Admin(t), http.MethodPost, "/api/v1/broadcasts/"+b.ID+"/activate", nil, &b)
	if b.Status != "active" {
		t.Fatalf("activated: %q", b.Status)
	}

	// Every widget is told; the matching ones ask, as the widget does.
	shownIn := map[string]bool{}
	for _, tb := range tabs {
		id, live := changed(t, ctx, tb.w)
		if id != b.ID || live != tb.matches {
			t.Fatalf("%s: told (%s, live %v), want (%s, live %v)", tb.name, id, live, b.ID, tb.matches)
		}
		got := casts(t, ctx, tb.w, tb.url, tb.view)
		if !tb.matches && len(got) != 0 {
			t.Fatalf("%s: shown %v; its page is not under /pricing", tb.name, got)
		}
		shownIn[tb.name] = len(got) == 1 && got[0].ID == b.ID && got[0].Text == "Prices drop on Monday"
	}
	for _, name := range []string{"pricing on 1", "plans on 2"} {
		if !shownIn[name] {
			t.Fatalf("%s: not shown the banner", name)
		}
	}
	if shownIn["two tabs, tab on 1"] == shownIn["two tabs, tab on 2"] {
		t.Fatalf("the visitor with two tabs was shown it in both or neither: %v", shownIn)
	}

	// A reconnect of a page view that shows it shows it again, counted once.
	tabs[0].w.Close()
	again := one.DialWidget(t, key, client.Options{Token: tabs[0].token})
	if got := casts(t, ctx, again, tabs[0].url, tabs[0].view); len(got) != 1 {
		t.Fatalf("after a reconnect the page view shows %v, want the banner again", got)
	}
	// A new page view of that visitor: once per visitor means never again.
	if got := casts(t, ctx, again, "https://shop.example/pricing/faq", "view-next-aaaaaaaa"); len(got) != 0 {
		t.Fatalf("a new page view shows %v, want nothing (once per visitor)", got)
	}

	var stats struct {
		Totals struct {
			Reached int `json:"reached"`
		} `json:"totals"`
	}
	rest(t, two, two.Admin(t), http.MethodGet, "/api/v1/analytics/broadcasts?days=1&broadcast_id="+b.ID, nil, &stats)
	if stats.Totals.Reached != 3 {
		t.Fatalf("reached %d visitors, want 3 (two on /pricing, one of two tabs)", stats.Totals.Reached)
	}

	// Pausing withdraws it from every widget, on both nodes.
	rest(t, one, admin, http.MethodPost, "/api/v1/broadcasts/"+b.ID+"/pause", nil, nil)
	for _, w := range append([]*client.Conn{again}, tabs[1].w, tabs[2].w, tabs[4].w, tabs[5].w) {
		for {
			id, live := changed(t, ctx, w)
			if id == b.ID && !live {
				break
			}
		}
	}
	if got := casts(t, ctx, tabs[2].w, tabs[2].url, tabs[2].view); len(got) != 0 {
		t.Fatalf("paused, yet shown: %v", got)
	}
}

// TestBroadcastRefusals: a visitor reports nothing about a broadcast it was
// never shown, agents without the permission manage none, and bad input
// gets its code and stores nothing.
func TestBroadcastRefusals(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := testCtx(t)
	admin := s.Admin(t)
	var b struct {
		ID string `json:"id"`
	}
	rest(t, s, admin, http.MethodPost, "/api/v1/broadcasts", map[string]any{
		"name": "Hi", "kind": "message", "text": "Need a hand?", "frequency": "session"}, &b)

	w := s.DialWidget(t, s.DemoSite(t).WidgetKey, client.Options{})
	if code := doErr(t, ctx, w, "broadcast.event", map[string]any{"broadcast_id": b.ID, "event": "clicked"}); code != "broadcast_not_found" {
		t.Fatalf("an event about a broadcast never shown: %s", code)
	}
	if code := doErr(t, ctx, w, "broadcasts.sync", map[string]any{"url": "https://shop.example/", "view": "short"}); code != "invalid_view" {
		t.Fatalf("a short view id: %s", code)
	}

	email, password := s.AddAgent(t, "agent", "casts@example.com")
	agent := s.Login(t, email, password)
	if code, _ := s.Do(t, agent, http.MethodGet, "/api/v1/broadcasts", nil); code != http.StatusForbidden {
		t.Fatalf("an agent without broadcasts.manage lists broadcasts: %d", code)
	}
	// Its desk is not told what broadcasts say; an admin's is.
	agentDesk := s.DialDesk(t, client.Options{Header: s.LoginHeader(t, email, password)})
	adminDesk := s.DialDesk(t, client.Options{Header: s.AdminHeader(t)})
	rest(t, s, admin, http.MethodPatch, "/api/v1/broadcasts/"+b.ID, map[string]any{"text": "Need a hand? We are here."}, nil)
	await(t, ctx, adminDesk, "broadcast", nil)
	do(t, ctx, adminDesk, "agent.status", map[string]any{"status": "busy"}) // an event every desk gets, after it
	for {
		f, err := agentDesk.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if f.Type == "broadcast" {
			t.Fatalf("an agent without broadcasts.manage was sent %s", f.Raw)
		}
		if f.Type == "agent" {
			break
		}
	}
	for _, c := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"name": "x", "kind": "popup", "text": "x", "frequency": "once"}, "kind"},
		{map[string]any{"name": "x", "kind": "banner", "text": "x", "frequency": "once"}, "placement"},
		{map[string]any{"name": "x", "kind": "banner", "placement": "top", "text": "x", "frequency": "hourly"}, "frequency"},
		{map[string]any{"name": "x", "kind": "banner", "placement": "top", "text": "x", "frequency": "once",
			"button": map[string]string{"label": "Go", "url": "javascript:alert(1)"}}, "button.url"},
		{map[string]any{"name": "x", "kind": "banner", "placement": "top", "text": "x", "frequency": "once",
			"audience": map[string]any{"pages": []map[string]string{{"match": "regex", "value": ".*"}}}}, "audience.pages[0].match"},
	} {
		code, data := s.Do(t, admin, http.MethodPost, "/api/v1/broadcasts", c.body)
		if code != http.StatusBadRequest || !bytes.Contains(data, []byte(`"field":"`+c.field+`"`)) {
			t.Fatalf("%v: %d %s, want 400 on %s", c.body, code, data, c.field)
		}
	}
	var list struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	rest(t, s, admin, http.MethodGet, "/api/v1/broadcasts", nil, &list)
	if len(list.Items) != 1 {
		t.Fatalf("refused inputs stored broadcasts: %d listed", len(list.Items))
	}
	rest(t, s, admin, http.MethodPost, "/api/v1/broadcasts/"+b.ID+"/end", nil, nil)
	if code, data := s.Do(t, admin, http.MethodPatch, "/api/v1/broadcasts/"+b.ID, map[string]any{"text": "again"}); code != http.StatusConflict || !bytes.Contains(data, []byte("broadcast_ended")) {
		t.Fatalf("editing an ended broadcast: %d %s", code, data)
	}
	if code, _ := s.Do(t, admin, http.MethodPost, "/api/v1/broadcasts/"+b.ID+"/activate", nil); code != http.StatusConflict {
		t.Fatalf("activating an ended broadcast: %d", code)
	}
}

// TestReplyToAMessageBroadcast: a visitor shown a chat message broadcast
// replies: the conversation opens with the broadcast's text, signed by
// its sender and linked to it, every desk is told, and the reply is
// counted once; a visitor never shown it starts a plain chat.
func TestReplyToAMessageBroadcast(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := testCtx(t)
	admin := s.Admin(t)
	desk := s.DialDesk(t, client.Options{Header: s.AdminHeader(t)})
	await(t, ctx, desk, "snapshot", nil)
	var b struct {
		ID string `json:"id"`
	}
	rest(t, s, admin, http.MethodPost, "/api/v1/broadcasts", map[string]any{
		"name": "Need a hand", "kind": "message", "text": "Hi! Questions about sizes?", "frequency": "session"}, &b)
	rest(t, s, admin, http.MethodPost, "/api/v1/broadcasts/"+b.ID+"/activate", nil, nil)

	key := s.DemoSite(t).WidgetKey
	stranger := s.DialWidget(t, key, client.Options{})
	plain := do(t, ctx, stranger, "conversation.start", map[string]any{"broadcast_id": b.ID})
	if plain.Conversation == nil || plain.Conversation.LastSeq != 0 {
		t.Fatalf("a visitor never shown it: %+v, want a plain chat", plain.Conversation)
	}

	w := s.DialWidget(t, key, client.Options{})
	if got := casts(t, ctx, w, "https://shop.example/", "view-reply-0001"); len(got) != 1 || got[0].Kind != "message" {
		t.Fatalf("shown %v, want the message", got)
	}
	do(t, ctx, w, "broadcast.event", map[string]any{"broadcast_id": b.ID, "event": "shown"})
	conv := do(t, ctx, w, "conversation.start", map[string]any{"broadcast_id": b.ID}).ConversationID
	opening := msgOf(t, await(t, ctx, desk, "message", func(f client.Frame) bool { m, _ := f.Msg(); return m.ConversationID == conv }))
	if opening.Seq != 1 || opening.Body != "Hi! Questions about sizes?" || opening.AuthorType != "agent" {
		t.Fatalf("the chat opens with %+v, want the broadcast's text from its sender", opening)
	}
	if !bytes.Contains(await(t, ctx, w, "message", nil).Raw, []byte(`"broadcast_id":"`+b.ID+`"`)) {
		t.Fatal("the widget's copy of the opening does not link to the broadcast")
	}
	do(t, ctx, w, "message.send", map[string]any{"conversation_id": conv, "client_msg_id": "r1", "text": "Yes, what is an M?"})
	again := do(t, ctx, w, "conversation.start", map[string]any{"broadcast_id": b.ID})
	if again.ConversationID != conv {
		t.Fatal("starting again made a second conversation")
	}

	var stats struct {
		Totals struct {
			Reached int `json:"reached"`
			Shown   int `json:"shown"`
			Replied int `json:"replied"`
		} `json:"totals"`
	}
	rest(t, s, admin, http.MethodGet, "/api/v1/analytics/broadcasts?days=1", nil, &stats)
	if stats.Totals.Reached != 1 || stats.Totals.Shown != 1 || stats.Totals.Replied != 1 {
		t.Fatalf("counts %+v, want one visitor reached, shown and replying", stats.Totals)
	}
}
