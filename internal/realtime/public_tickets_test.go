package realtime_test

import (
	"bytes"
	"encoding/hex"
	"testing"

	"github.com/querytel/livedesk/client"
	"github.com/querytel/livedesk/internal/app/apptest"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/chat"
	"github.com/querytel/livedesk/internal/site"
)

// TestPublicTicketReachesEveryBrowserOfItsContact: a ticket made public
// for a contact the site vouched for reaches every browser that contact
// signed in from, live, as its public view only; a browser that merely
// claimed the same e-mail does not get it.
func TestPublicTicketReachesEveryBrowserOfItsContact(t *testing.T) {
	t.Parallel()
	srv := apptest.New(t)
	ctx := testCtx(t)
	st := srv.DemoSite(t)
	hash := func(id string) string { return hex.EncodeToString(site.IdentityHash(st.IdentitySecret, id)) }
	signedIn := func() *client.Conn {
		w := srv.DialWidget(t, st.WidgetKey, client.Options{})
		do(t, ctx, w, "identify", map[string]any{"external_id": "rita", "name": "Rita", "email": "rita@example.com", "hash": hash("rita")})
		return w
	}
	laptop, phone := signedIn(), signedIn()
	claimer := srv.DialWidget(t, st.WidgetKey, client.Options{})
	do(t, ctx, claimer, "identify", map[string]any{"name": "Not Rita", "email": "rita@example.com"})

	v, err := srv.App.Store.GetVisitor(ctx, st.WorkspaceID, visitorOf(t, laptop))
	if err != nil || v.ContactID == "" {
		t.Fatalf("the signed-in visitor has no contact (%v)", err)
	}
	ann, _ := agentNamed(t, srv, "Ann")
	owner := auth.Actor{WorkspaceID: st.WorkspaceID, AgentID: ann.ID, Role: auth.Owner, Name: ann.Name}
	subject := "Refund for order 4711"
	tk, err := srv.App.Chat.CreateTicket(ctx, owner, chat.NewTicket{TicketPatch: chat.TicketPatch{Subject: &subject, ContactID: &v.ContactID}})
	if err != nil {
		t.Fatal(err)
	}
	public, note := true, "internal: customer is grumpy"
	if _, err := srv.App.Chat.UpdateTicket(ctx, owner, tk.ID, chat.TicketPatch{Public: &public, Description: &note}); err != nil {
		t.Fatal(err)
	}
	for _, w := range []*client.Conn{laptop, phone} {
		f := await(t, ctx, w, "ticket.status", func(f client.Frame) bool { return bytes.Contains(f.Raw, []byte(tk.ID)) })
		if !bytes.Contains(f.Raw, []byte("Refund for order 4711")) || bytes.Contains(f.Raw, []byte("grumpy")) {
			t.Fatalf("a browser of the contact got %s", f.Raw)
		}
	}
	// The claimer's socket hears nothing of it: the event of a chat it
	// starts afterwards comes first.
	conv := do(t, ctx, claimer, "conversation.start", nil).ConversationID
	for {
		f, err := claimer.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if f.Type == "ticket.status" {
			t.Fatalf("a browser that only claimed the e-mail got %s", f.Raw)
		}
		if f.Type == "conversation" && f.Conversation != nil && f.Conversation.ID == conv {
			break
		}
	}
}
