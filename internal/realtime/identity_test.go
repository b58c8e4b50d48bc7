package realtime_test

import (
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/coder/websocket"
	"github.com/querytel/livedesk/client"
	"github.com/querytel/livedesk/internal/app/apptest"
	"github.com/querytel/livedesk/internal/realtime"
	"github.com/querytel/livedesk/internal/site"
)

// TestSharedBrowserStartsANewVisitor: on a browser shared by two people,
// a verified identify as the second person must not reuse the first one's
// visitor (it did, and the second person received the first one's chat
// history): the server makes a new visitor, hands over its token, and
// closes the socket (4012); the new visitor sees none of the first
// person's conversations. Identifying again as the same person changes
// nothing.
func TestSharedBrowserStartsANewVisitor(t *testing.T) {
	t.Parallel()
	srv := apptest.New(t)
	ctx := timeout(t)
	st := srv.DemoSite(t)
	hash := func(id string) string { return hex.EncodeToString(site.IdentityHash(st.IdentitySecret, id)) }

	w := srv.DialWidget(t, st.WidgetKey, client.Options{})
	first := do(t, ctx, w, "identify", map[string]any{"external_id": "alice", "name": "Alice", "hash": hash("alice")})
	if first.Token != "" {
		t.Fatal("a first identify handed over a new token")
	}
	conv := do(t, ctx, w, "conversation.start", nil).ConversationID
	do(t, ctx, w, "message.send", map[string]any{"conversation_id": conv, "client_msg_id": "a1", "text": "my order 4711"})
	if again := do(t, ctx, w, "identify", map[string]any{"external_id": "alice", "hash": hash("alice")}); again.Token != "" {
		t.Fatal("identifying again as the same person made a new visitor")
	}

	bob := do(t, ctx, w, "identify", map[string]any{"external_id": "bob", "name": "Bob", "hash": hash("bob")})
	if bob.Token == "" || bob.Token == w.Welcome.Token {
		t.Fatalf("another person's identify: token %q, want a new visitor's", bob.Token)
	}
	<-w.Done()
	if code := w.CloseStatus(); code != realtime.CloseVisitorReplaced {
		t.Fatalf("the socket closed with %d, want %d", code, realtime.CloseVisitorReplaced)
	}
	// The widget reconnects with the new token, resuming what it held.
	w2, err := client.Dial(ctx, srv.WSURL("/widget/v1/ws?key="+st.WidgetKey), client.Options{Token: bob.Token, Resume: map[string]int64{conv: 0}})
	if err != nil {
		t.Fatal(err)
	}
	defer w2.Kill()
	var v struct {
		ID        string `json:"id"`
		Name      string `json:"name"`
		ContactID string `json:"contact_id"`
	}
	if err := json.Unmarshal(w2.Welcome.Visitor, &v); err != nil || v.Name != "Bob" || v.ID == "" {
		t.Fatalf("the new visitor: %+v (%v)", v, err)
	}
	if sv, err := srv.App.Store.GetVisitor(ctx, srv.WorkspaceID(t), v.ID); err != nil || sv.ContactID == "" {
		t.Fatalf("the new visitor is not linked to Bob's contact: %+v (%v)", sv, err)
	}
	if len(w2.Welcome.Conversations) != 0 {
		t.Fatalf("Bob's welcome lists %d conversations, want none of Alice's", len(w2.Welcome.Conversations))
	}
	if _, err := w2.Do(ctx, "sync", map[string]any{"conversation_id": conv}); err == nil {
		t.Fatal("Bob can read Alice's conversation")
	}
}

// TestOnlySignedFieldsAreVerified: a hash of the external id alone links
// the visitor to its contact, but the name and e-mail sent with it are
// only the visitor's claim: they never overwrite the verified contact's
// (they could be forged next to the "Verified" badge). A hash over the id,
// e-mail and name vouches for all three.
func TestOnlySignedFieldsAreVerified(t *testing.T) {
	t.Parallel()
	srv := apptest.New(t)
	ctx := timeout(t)
	st := srv.DemoSite(t)
	w := srv.DialWidget(t, st.WidgetKey, client.Options{})
	signed := hex.EncodeToString(site.ProfileHash(st.IdentitySecret, "cust-1", "ann@example.com", "Ann Real"))
	do(t, ctx, w, "identify", map[string]any{"external_id": "cust-1", "name": "Ann Real", "email": "ann@example.com", "hash": signed})
	idOnly := hex.EncodeToString(site.IdentityHash(st.IdentitySecret, "cust-1"))
	do(t, ctx, w, "identify", map[string]any{"external_id": "cust-1", "name": "CEO of Your Bank", "email": "ceo@bank.example", "hash": idOnly})

	var v struct {
		ID string `json:"id"`
	}
	json.Unmarshal(w.Welcome.Visitor, &v) //nolint:errcheck
	sv, err := srv.App.Store.GetVisitor(ctx, srv.WorkspaceID(t), v.ID)
	if err != nil || sv.ContactID == "" {
		t.Fatalf("visitor: %+v %v", sv, err)
	}
	c, err := srv.App.Store.GetContact(ctx, srv.WorkspaceID(t), sv.ContactID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "Ann Real" || c.Email != "ann@example.com" {
		t.Fatalf("the verified contact holds %q <%s>: an unsigned claim overwrote it", c.Name, c.Email)
	}
	if sv.Name != "CEO of Your Bank" {
		t.Fatalf("the visitor's own claim is kept on the visitor: %q", sv.Name)
	}
}

// TestHelloIdentifiesBeforeTheWelcome: a hello that carries a verified
// identity of another person than the browser's visitor gets the new
// person's welcome: a new token and none of the first person's
// conversations, not even in the list.
func TestHelloIdentifiesBeforeTheWelcome(t *testing.T) {
	t.Parallel()
	srv := apptest.New(t)
	ctx := timeout(t)
	st := srv.DemoSite(t)
	hash := func(id string) string { return hex.EncodeToString(site.IdentityHash(st.IdentitySecret, id)) }
	alice := srv.DialWidget(t, st.WidgetKey, client.Options{})
	do(t, ctx, alice, "identify", map[string]any{"external_id": "alice", "hash": hash("alice")})
	conv := do(t, ctx, alice, "conversation.start", nil).ConversationID
	do(t, ctx, alice, "message.send", map[string]any{"conversation_id": conv, "client_msg_id": "a1", "text": "SECRET-ORDER-4711"})
	alice.Kill()

	ws, _, err := websocket.Dial(ctx, srv.WSURL("/widget/v1/ws?key="+st.WidgetKey), &websocket.DialOptions{Subprotocols: []string{realtime.Subprotocol}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow() //nolint:errcheck
	hello, _ := json.Marshal(map[string]any{"type": "hello", "id": "h", "token": alice.Welcome.Token,
		"identify": map[string]any{"external_id": "bob", "name": "Bob", "hash": hash("bob")}})
	if err := ws.Write(ctx, websocket.MessageText, hello); err != nil {
		t.Fatal(err)
	}
	_, welcome, err := ws.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(welcome), conv) || strings.Contains(string(welcome), "SECRET-ORDER") || strings.Contains(string(welcome), alice.Welcome.Token) {
		t.Fatalf("Bob's welcome holds Alice's conversation or token: %s", welcome)
	}
	if !strings.Contains(string(welcome), `"name":"Bob"`) || !strings.Contains(string(welcome), `"token":"`) {
		t.Fatalf("Bob's welcome: %s", welcome)
	}
}

// TestAClaimedAddressGroupsChatsNeverWithAVouchedContact: two visitors who
// give the same e-mail address without proof (the offline form) share a
// contact of claims, so an agent sees their chats together; a claim of
// the address of a contact the site vouched for never links to it.
func TestAClaimedAddressGroupsChatsNeverWithAVouchedContact(t *testing.T) {
	t.Parallel()
	srv := apptest.New(t)
	ctx := timeout(t)
	st := srv.DemoSite(t)
	ws := srv.WorkspaceID(t)
	contactOf := func(w *client.Conn) string {
		t.Helper()
		var v struct {
			ID string `json:"id"`
		}
		json.Unmarshal(w.Welcome.Visitor, &v) //nolint:errcheck
		sv, err := srv.App.Store.GetVisitor(ctx, ws, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		return sv.ContactID
	}
	vouched := srv.DialWidget(t, st.WidgetKey, client.Options{})
	signed := hex.EncodeToString(site.ProfileHash(st.IdentitySecret, "cust-9", "kim@example.com", "Kim"))
	do(t, ctx, vouched, "identify", map[string]any{"external_id": "cust-9", "name": "Kim", "email": "kim@example.com", "hash": signed})

	first := srv.DialWidget(t, st.WidgetKey, client.Options{})
	do(t, ctx, first, "identify", map[string]any{"name": "Kim?", "email": "Kim@Example.com"})
	second := srv.DialWidget(t, st.WidgetKey, client.Options{})
	do(t, ctx, second, "identify", map[string]any{"email": "kim@example.com"})
	claims := contactOf(first)
	if claims == "" || claims != contactOf(second) {
		t.Fatalf("the two claims are not grouped: %q, %q", claims, contactOf(second))
	}
	if claims == contactOf(vouched) {
		t.Fatal("a claimed address linked a visitor to the vouched contact")
	}
}
