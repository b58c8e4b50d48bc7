package httpapi_test

import (
	"strings"
	"testing"

	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/store"
)

// TestCommentsAndInboxAPI: comments with mentions over REST, each
// refusal with its code and nothing changed, and the mentioned agent's
// inbox: listed, marked, and the chat under Tagged.
func TestCommentsAndInboxAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	ws := e.srv.WorkspaceID(t)
	v, err := e.srv.App.Store.CreateVisitor(ctx, ws, e.site.ID, "token-inbox", e.srv.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := e.srv.App.Store.StartConversation(ctx, ws, v.ID, "", e.srv.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	agent := auth.Actor{WorkspaceID: ws, AgentID: e.ids["{agent}"], Role: auth.Agent, Name: "Agent"}
	owner := auth.Actor{WorkspaceID: ws, AgentID: e.ids["{owner}"], Role: auth.Owner, Name: "Owner"}
	own, _, err := e.srv.App.Chat.Comment(ctx, agent, c.ID, "agents-note", "my own note", nil)
	if err != nil {
		t.Fatal(err)
	}
	mention, _, err := e.srv.App.Chat.Comment(ctx, owner, c.ID, "owners-note", "@Agent can you check?", []string{agent.AgentID})
	if err != nil {
		t.Fatal(err)
	}
	page, err := e.srv.App.Inbox.List(ctx, agent, store.InboxQuery{})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("the agent's inbox: %+v, %v", page, err)
	}
	e.ids["{conv}"], e.ids["{own}"], e.ids["{mention}"], e.ids["{item}"] = c.ID, own.ID, mention.ID, page.Items[0].ID
	many := `["` + strings.Repeat(`{agent}","`, 20) + `{agent}"]`

	e.run(t, []scenario{
		{name: "nobody reads an inbox", method: "GET", path: "/api/v1/inbox", status: 401, code: "unauthenticated"},
		{name: "nobody comments", method: "POST", path: "/api/v1/conversations/{conv}/comments", body: map[string]any{"client_msg_id": "x", "text": "hi"},
			status: 401, code: "unauthenticated"},
		{name: "an unknown mention", as: "owner", method: "POST", path: "/api/v1/conversations/{conv}/comments",
			body: `{"client_msg_id":"n1","text":"@nobody","mentions":["nobody"]}`, status: 400, code: "unknown_mention", field: "mentions"},
		{name: "another workspace's agent", as: "owner", method: "POST", path: "/api/v1/conversations/{conv}/comments",
			body: `{"client_msg_id":"n1","text":"@B","mentions":["{b-agent}"]}`, status: 400, code: "unknown_mention"},
		{name: "no supervisor online", as: "agent", method: "POST", path: "/api/v1/conversations/{conv}/comments",
			body: `{"client_msg_id":"n1","text":"help?","mentions":["supervisors"]}`, status: 400, code: "no_supervisor_online"},
		{name: "too many mentions", as: "owner", method: "POST", path: "/api/v1/conversations/{conv}/comments",
			body: `{"client_msg_id":"n1","text":"all of you","mentions":` + many + `}`, status: 400, code: "too_many_mentions"},
		{name: "an empty comment", as: "owner", method: "POST", path: "/api/v1/conversations/{conv}/comments",
			body: `{"client_msg_id":"n1","text":"  "}`, status: 400, code: "empty_text"},
		{name: "a comment", as: "supervisor", method: "POST", path: "/api/v1/conversations/{conv}/comments",
			body: `{"client_msg_id":"n1","text":"**look** at this","mentions":["{agent}","{supervisor}"]}`, status: 201,
			has: []string{`"kind":"comment"`, `"private":true`, `"mentions":["{agent}"]`}},
		{name: "its retry", as: "supervisor", method: "POST", path: "/api/v1/conversations/{conv}/comments",
			body: `{"client_msg_id":"n1","text":"**look** at this","mentions":["{agent}"]}`, status: 200, has: []string{`"kind":"comment"`}},
		{name: "the agent's inbox", as: "agent", method: "GET", path: "/api/v1/inbox", status: 200,
			has: []string{`"unread":2`, `"kind":"mention"`, `"actor_name":"Owner"`, `"conversation_id":"{conv}"`}},
		{name: "the owner's inbox is its own", as: "owner", method: "GET", path: "/api/v1/inbox", status: 200, has: []string{`"items":[]`, `"unread":0`}},
		{name: "a bad filter", as: "agent", method: "GET", path: "/api/v1/inbox?filter=new", status: 400, code: "invalid_filter"},
		{name: "marking nothing", as: "agent", method: "POST", path: "/api/v1/inbox/mark", body: `{"ids":[],"read":true}`, status: 400, code: "required"},
		{name: "marking without a change", as: "agent", method: "POST", path: "/api/v1/inbox/mark", body: `{"ids":["{item}"]}`, status: 400, code: "required"},
		{name: "the owner marks the agent's item", as: "owner", method: "POST", path: "/api/v1/inbox/mark", body: `{"ids":["{item}"],"read":true}`,
			status: 200, has: []string{`"items":[]`}},
		{name: "the agent reads it", as: "agent", method: "POST", path: "/api/v1/inbox/mark", body: `{"ids":["{item}"],"read":true}`,
			status: 200, has: []string{`"unread":1`, `"read_at"`}},
		{name: "unread only", as: "agent", method: "GET", path: "/api/v1/inbox?filter=unread", status: 200, hasNot: []string{`"{item}"`}},
		{name: "the agent's Tagged", as: "agent", method: "GET", path: "/api/v1/inbox/tagged", status: 200, has: []string{`"items":["{conv}"]`}},
		{name: "another's comment is not the agent's to edit", as: "agent", method: "PATCH", path: "/api/v1/conversations/{conv}/comments/{mention}",
			body: `{"text":"mine"}`, status: 403, code: "not_author"},
		{name: "a message that is no comment", as: "agent", method: "DELETE", path: "/api/v1/conversations/{conv}/comments/nope", status: 404, code: "comment_not_found"},
		{name: "the author edits", as: "agent", method: "PATCH", path: "/api/v1/conversations/{conv}/comments/{own}", body: `{"text":"my note, edited"}`,
			status: 200, has: []string{`"body":"my note, edited"`, `"edited_at"`}},
		{name: "the author deletes", as: "agent", method: "DELETE", path: "/api/v1/conversations/{conv}/comments/{own}", status: 200,
			has: []string{`"body":""`, `"deleted":true`}},
		{name: "a deleted comment stays deleted", as: "agent", method: "PATCH", path: "/api/v1/conversations/{conv}/comments/{own}",
			body: `{"text":"back"}`, status: 409, code: "comment_deleted"},
	})
}
