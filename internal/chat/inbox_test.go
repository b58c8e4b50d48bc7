package chat_test

import (
	"context"
	"slices"
	"testing"

	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/bus"
	"github.com/querytel/livedesk/internal/chat"
	"github.com/querytel/livedesk/internal/event"
	"github.com/querytel/livedesk/internal/inbox"
	"github.com/querytel/livedesk/internal/store"
	"github.com/querytel/livedesk/internal/store/storetest"
)

// kinds lists an agent's inbox items as "kind:actor", newest first.
func (d *desk) kinds(a auth.Actor) []string {
	d.t.Helper()
	items, err := d.st.ListInbox(context.Background(), d.ws.ID, a.AgentID, store.InboxQuery{Limit: 50})
	if err != nil {
		d.t.Fatal(err)
	}
	var out []string
	for _, it := range items {
		out = append(out, it.Kind+":"+it.ActorName)
	}
	return out
}

// TestHandOversReachTheInbox: a chat or ticket handed to an agent by
// someone else, and a reply on its ticket while nobody holds the chat,
// each reach its inbox once; what an agent does itself does not.
func TestHandOversReachTheInbox(t *testing.T) {
	t.Parallel()
	d := newDesk(t, storetest.SQLite, store.Settings{TicketAfterSeconds: 60})
	d.svc.SetInbox(inbox.New(d.st, d.clk, event.NewPublisher(bus.NewMemory(), nil)))
	ctx := context.Background()
	va, c, tk := d.ticketed("ann")
	olga := d.agent("olga", "agent", "online", 5)
	boss := d.agent("boss", "supervisor", "online", 5)

	// The supervisor gives olga the ticket; the visitor writes on it twice:
	// one item for the hand-over, one (renewed) for the replies.
	if _, err := d.svc.AssignTicket(ctx, boss, tk, olga.AgentID); err != nil {
		t.Fatal(err)
	}
	d.say(va, c.ID, "any news?")
	d.say(va, c.ID, "hello?")
	if got := d.kinds(olga); !slices.Equal(got, []string{"ticket_reply:ann", "ticket_assigned:boss"}) {
		t.Fatalf("olga's inbox after the ticket: %q", got)
	}

	// olga picks a chat up herself: nothing; the supervisor assigns her
	// another: an item; she transfers it to him: his item.
	_, c2 := d.visitorChat("bob")
	if _, err := d.svc.Assign(ctx, olga, c2.ID, ""); err != nil {
		t.Fatal(err)
	}
	_, c3 := d.visitorChat("cy")
	if _, err := d.svc.Assign(ctx, boss, c3.ID, olga.AgentID); err != nil {
		t.Fatal(err)
	}
	if _, err := d.svc.Transfer(ctx, olga, c3.ID, chat.TransferTarget{AgentID: boss.AgentID, Note: "yours"}); err != nil {
		t.Fatal(err)
	}
	if got := d.kinds(olga); !slices.Equal(got, []string{"assigned:boss", "ticket_reply:ann", "ticket_assigned:boss"}) {
		t.Fatalf("olga's inbox: %q", got)
	}
	if got := d.kinds(boss); !slices.Equal(got, []string{"transferred:olga"}) {
		t.Fatalf("boss's inbox: %q", got)
	}
}
