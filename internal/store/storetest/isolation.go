package storetest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/store"
)

// The tenant-isolation suite. Every *store.Store method that can name a
// row is either aimed by a case below, called with workspace A's id, at
// workspace B's rows, or listed in isolationExempt with the reason it
// cannot reach another workspace. checkIsolationCoverage holds the two
// lists against the Store's method set by reflection, so a new method
// fails the suite until it gets a case or an exemption.

// isolationCase aims one store method, called as workspace A, at workspace
// B. Each case gets its own pair of tenants (see isoTenant); afterwards B,
// and unless changesA A too, must read back exactly as before through every
// read the store offers.
type isolationCase struct {
	method string // the *store.Store method it covers
	name   string // what it tries, when a method has several cases
	// arrange, when set, adds rows before the snapshots are taken.
	arrange func(t *testing.T, s *store.Store, a, b *isoTenant)
	// run calls the method and fails t when it reached B.
	run func(t *testing.T, s *store.Store, a, b isoTenant)
	// changesA: the call may legitimately change A (it creates in A).
	changesA bool
}

func (c isolationCase) title() string {
	if c.name == "" {
		return c.method
	}
	return c.method + " " + c.name
}

// arranged returns c with rows added first.
func (c isolationCase) arranged(fn func(t *testing.T, s *store.Store, a, b *isoTenant)) isolationCase {
	c.arrange = fn
	return c
}

// refused is a case whose call must fail with ErrNotFound.
func refused(method, name string, call func(ctx context.Context, s *store.Store, a, b isoTenant) error) isolationCase {
	return isolationCase{method: method, name: name, run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		wantErr(t, call(t.Context(), s, a, b), store.ErrNotFound)
	}}
}

// isolationExempt lists the methods that take something naming a row but
// cannot reach another workspace's rows through a workspace id, and why.
var isolationExempt = map[string]string{
	"APIKeyByHash":           "keyed by a token's hash, a secret only its holder has (the entry point of a request with a key); the row names its workspace",
	"DisableFailingWebhooks": "the webhook runner's sweep across workspaces: it names no row (its string is the reason it writes)",
	"WhatsAppChannelBySite":  "the entry point of WhatsApp's webhook, keyed by the site in its URL; the body is then checked against that channel's app secret, and the row names its workspace",
	"RecordWebhookOutcomes":  "records the outcomes of deliveries the webhook runner claimed (ClaimWebhookDeliveries, across workspaces): keyed by endpoint, position and lease, which only a claim hands out",
	"AgentByEmail":           "e-mails are global (unique across workspaces): sign-in finds the agent before any workspace is known",
	"Bootstrap":              "makes the first workspace, and nothing when any workspace exists (bootstrap case in chat.go)",
	"CreateTenant":           "makes a new workspace with its own owner and site; it names no existing row (chat.go checks it leaves nothing behind when refused)",
	"CreateWorkspace":        "makes a new workspace; there is no other workspace's row to name",
	"DeleteSession":          "keyed by a session's token hash, a secret only its holder has",
	"GetWorkspace":           "the workspace id is the tenant itself; callers pass their own",
	"SessionAgent":           "keyed by a session's token hash, a secret only its holder has; the row names its workspace",
	"SiteByWidgetKey":        "widget keys are public and global: the socket learns the workspace from the key",
	"UpdateWorkspace":        "the workspace id is the tenant itself; callers pass their own",
}

// isolationCases is the registry the coverage check reads: each case names
// the method it covers.
var isolationCases = []isolationCase{
	// Sites.
	refused("GetSite", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.GetSite(ctx, a.ws.ID, b.site.ID)
		return err
	}),
	refused("UpdateSite", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		st := b.site
		st.WorkspaceID, st.Name, st.IdentitySecret, st.AllowedOrigins = a.ws.ID, "hijacked", "known", []string{"https://evil.example"}
		_, err := s.UpdateSite(ctx, st, isoNow)
		return err
	}),
	refused("UpdateSite", "with B's department", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		st := a.site
		st.DefaultDepartmentID = b.dept.ID
		_, err := s.UpdateSite(ctx, st, isoNow)
		return err
	}),
	refused("CreateSite", "with B's department", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.CreateSite(ctx, store.Site{WorkspaceID: a.ws.ID, Name: "Sneaky", WidgetKey: "wk_sneaky_" + a.ws.ID,
			IdentitySecret: "x", DefaultDepartmentID: b.dept.ID}, isoNow)
		return err
	}),
	refused("SetIdentitySecret", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		return s.SetIdentitySecret(ctx, a.ws.ID, b.site.ID, "known-secret", isoNow)
	}),
	refused("SetWidgetKey", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		return s.SetWidgetKey(ctx, a.ws.ID, b.site.ID, "wk_hijacked_"+a.ws.ID, isoNow)
	}),
	refused("DeleteSite", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		return s.DeleteSite(ctx, a.ws.ID, b.site.ID)
	}),
	{method: "ListSites", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		sites, err := s.ListSites(t.Context(), a.ws.ID)
		noErr(t, "list sites", err)
		equal(t, "A's sites", ids(sites, siteID), []string{a.site.ID})
	}},

	// Tickets.
	refused("GetTicket", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.GetTicket(ctx, a.ws.ID, b.ticket.ID)
		return err
	}),
	{method: "ListTickets", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		list, err := s.ListTickets(t.Context(), a.ws.ID, store.TicketFilter{Queue: store.QueueUnassigned})
		noErr(t, "list tickets", err)
		equal(t, "A's tickets", ids(list, ticketID), []string{a.ticket.ID})
	}},
	{method: "CountUnassigned", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		n, err := s.CountUnassigned(t.Context(), a.ws.ID, "")
		noErr(t, "count", err)
		equal(t, "A's unassigned tickets", n, 1)
	}},
	refused("AcceptTickets", "B's ticket", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.AcceptTickets(ctx, a.ws.ID, a.owner.ID, b.ticket.ID, 0, false, isoNow)
		return err
	}),
	refused("AcceptTickets", "for B's agent", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.AcceptTickets(ctx, a.ws.ID, b.owner.ID, "", 10, false, isoNow)
		return err
	}),
	{method: "AcceptTickets", name: "the oldest ten", changesA: true, run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		got, err := s.AcceptTickets(t.Context(), a.ws.ID, a.owner.ID, "", 10, false, isoNow)
		noErr(t, "quick accept", err)
		equal(t, "accepted", ids(got, ticketID), []string{a.ticket.ID})
	}},
	refused("AssignTicket", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.AssignTicket(ctx, a.ws.ID, b.ticket.ID, a.owner.ID, a.owner.ID, "", isoNow)
		return err
	}),
	refused("AssignTicket", "to B's agent", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.AssignTicket(ctx, a.ws.ID, a.ticket.ID, b.owner.ID, a.owner.ID, "", isoNow)
		return err
	}),
	refused("CloseTicket", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.CloseTicket(ctx, a.ws.ID, b.ticket.ID, store.TicketClose{By: store.AuthorSystem}, isoNow)
		return err
	}),
	{method: "OpenTicketsOf", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		list, err := s.OpenTicketsOf(t.Context(), a.ws.ID, b.ticket.VisitorID, b.contact.ID)
		noErr(t, "open tickets of", err)
		equal(t, "B's user's tickets seen from A", len(list), 0)
	}},
	isolationCase{method: "ArchiveTickets", changesA: true, run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		_, err := s.ArchiveTickets(t.Context(), a.ws.ID, isoNow.Add(24*time.Hour), isoNow, 100)
		noErr(t, "archive", err)
	}}.arranged(func(t *testing.T, s *store.Store, a, b *isoTenant) {
		_, err := s.CloseTicket(t.Context(), b.ws.ID, b.ticket.ID, store.TicketClose{By: store.AuthorSystem}, Epoch)
		noErr(t, "close B's ticket", err)
	}),
	refused("Hold", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.Hold(ctx, a.ws.ID, b.conv.ID, store.Hold{Ticket: store.TicketNoAgent, Replies: []store.Message{{Kind: store.KindText,
			AuthorType: store.AuthorSystem, Body: "hijacked"}}}, isoNow)
		return err
	}),
	isolationCase{method: "AgentsOnline", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		on, err := s.AgentsOnline(t.Context(), a.ws.ID, b.dept.ID)
		noErr(t, "agents online", err)
		equal(t, "A's agents online in B's department", on, false)
	}}.arranged(func(t *testing.T, s *store.Store, a, b *isoTenant) {
		noErr(t, "online", s.SetAgentStatus(t.Context(), b.ws.ID, b.owner.ID, "online", Epoch))
		ag := b.owner
		ag.DepartmentIDs = []string{b.dept.ID}
		_, err := s.UpdateAgent(t.Context(), ag, Epoch)
		noErr(t, "member", err)
	}),

	// API keys and idempotency keys.
	refused("CreateAPIKey", "of B's agent", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.CreateAPIKey(ctx, store.APIKey{WorkspaceID: a.ws.ID, AgentID: b.owner.ID, Name: "x", Prefix: "xxxxxxxx",
			TokenHash: "hash-x-" + a.ws.ID, Scopes: []string{"contacts:read"}}, 50, isoNow)
		return err
	}),
	refused("RevokeAPIKey", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.RevokeAPIKey(ctx, a.ws.ID, b.key.ID, isoNow)
		return err
	}).arranged(bKey),
	refused("TouchAPIKey", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		return s.TouchAPIKey(ctx, a.ws.ID, b.key.ID, isoNow)
	}).arranged(bKey),
	isolationCase{method: "ListAPIKeys", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		list, err := s.ListAPIKeys(t.Context(), a.ws.ID)
		noErr(t, "list api keys", err)
		equal(t, "A's keys", len(list), 0)
	}}.arranged(bKey),
	isolationCase{method: "BeginIdempotent", changesA: true, run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		_, found, err := s.BeginIdempotent(t.Context(), a.ws.ID, "key:"+b.key.ID, "create-1", "request-a", isoNow)
		noErr(t, "begin", err)
		equal(t, "A's id sees B's kept answer", found, false)
		bAnswerKept(t, s, b)
	}}.arranged(bKey),
	isolationCase{method: "EndIdempotent", changesA: true, run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		noErr(t, "end", s.EndIdempotent(t.Context(), a.ws.ID, "key:"+b.key.ID, "create-1", 0, ""))
		noErr(t, "end", s.EndIdempotent(t.Context(), a.ws.ID, "key:"+b.key.ID, "create-1", 500, "x"))
		bAnswerKept(t, s, b)
	}}.arranged(bKey),

	// Webhooks.
	refused("GetWebhook", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.GetWebhook(ctx, a.ws.ID, b.hook.ID)
		return err
	}),
	refused("UpdateWebhook", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		e := b.hook
		e.WorkspaceID, e.URL, e.Secret = a.ws.ID, "https://evil.example/", "known"
		_, err := s.UpdateWebhook(ctx, e, isoNow.Add(24*time.Hour), isoNow, isoNow)
		return err
	}),
	refused("DeleteWebhook", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		return s.DeleteWebhook(ctx, a.ws.ID, b.hook.ID)
	}),
	refused("RedeliverWebhook", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		ds, err := s.ListWebhookDeliveries(ctx, b.ws.ID, b.hook.ID, 0, 1)
		if err != nil || len(ds) == 0 {
			return fmt.Errorf("no delivery of B (%v)", err)
		}
		_, err = s.RedeliverWebhook(ctx, a.ws.ID, b.hook.ID, ds[0].EventID, isoNow.Add(24*time.Hour), isoNow)
		return err
	}),
	refused("RedeliverWebhook", "of B's event to A's endpoint", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		ds, err := s.ListWebhookDeliveries(ctx, b.ws.ID, b.hook.ID, 0, 1)
		if err != nil || len(ds) == 0 {
			return fmt.Errorf("no delivery of B (%v)", err)
		}
		_, err = s.RedeliverWebhook(ctx, a.ws.ID, a.hook.ID, ds[0].EventID, isoNow.Add(24*time.Hour), isoNow)
		return err
	}),
	{method: "ListWebhooks", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		list, err := s.ListWebhooks(t.Context(), a.ws.ID)
		noErr(t, "list webhooks", err)
		equal(t, "A's endpoints", len(list), 1)
		equal(t, "A's endpoint", list[0].ID, a.hook.ID)
	}},
	{method: "ListWebhookDeliveries", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		list, err := s.ListWebhookDeliveries(t.Context(), a.ws.ID, b.hook.ID, 0, 100)
		noErr(t, "list deliveries", err)
		equal(t, "B's deliveries through A", len(list), 0)
	}},
	{method: "CreateWebhook", changesA: true, run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		// B's endpoint does not count against A's limit.
		_, err := s.CreateWebhook(t.Context(), store.WebhookEndpoint{WorkspaceID: a.ws.ID, URL: "https://a.example/2",
			Events: []string{store.EventContactCreated}, Secret: "whsec_a2"}, 2, isoNow)
		noErr(t, "A's second endpoint", err)
	}},

	// Broadcasts.
	refused("GetBroadcast", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.GetBroadcast(ctx, a.ws.ID, b.cast.ID)
		return err
	}).arranged(bCast),
	refused("UpdateBroadcast", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		c := b.cast
		c.WorkspaceID, c.Text = a.ws.ID, "hijacked"
		_, err := s.UpdateBroadcast(ctx, c, []string{store.BroadcastActive}, isoNow)
		return err
	}).arranged(bCast),
	refused("UpdateBroadcast", "with B's agent as sender", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		c := a.cast
		c.SenderID = b.agent.ID
		_, err := s.UpdateBroadcast(ctx, c, []string{store.BroadcastActive}, isoNow)
		return err
	}).arranged(func(t *testing.T, s *store.Store, a, b *isoTenant) { bCast(t, s, b, a) }),
	refused("CreateBroadcast", "with B's agent as sender", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.CreateBroadcast(ctx, store.Broadcast{WorkspaceID: a.ws.ID, Name: "x", Kind: store.BroadcastMessage, Text: "x",
			SenderID: b.agent.ID, Frequency: store.OncePerVisitor, Status: store.BroadcastDraft}, isoNow)
		return err
	}),
	refused("DeleteBroadcast", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		return s.DeleteBroadcast(ctx, a.ws.ID, b.cast.ID)
	}).arranged(bCast),
	isolationCase{method: "ListBroadcasts", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		list, err := s.ListBroadcasts(t.Context(), a.ws.ID, "", "", 100)
		noErr(t, "list broadcasts", err)
		equal(t, "A's broadcasts", len(list), 0)
	}}.arranged(bCast),
	isolationCase{method: "LiveBroadcasts", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		list, err := s.LiveBroadcasts(t.Context(), a.ws.ID)
		noErr(t, "live broadcasts", err)
		equal(t, "A's live broadcasts", len(list), 0)
	}}.arranged(bCast),
	isolationCase{method: "ClaimBroadcasts", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		// A's visitor offered B's broadcast, and B's visitor as A's.
		for _, at := range []store.Showing{{WorkspaceID: a.ws.ID, VisitorID: a.visitor.ID}, {WorkspaceID: a.ws.ID, VisitorID: b.visitor.ID}} {
			at.PageView, at.Session, at.Day = "a-view-1", isoNow, "2025-03-15"
			shown, err := s.ClaimBroadcasts(t.Context(), at, []store.Offer{{BroadcastID: b.cast.ID, Frequency: store.EveryPageView}}, isoNow)
			noErr(t, "claim", err)
			equal(t, "shown across workspaces", len(shown), 0)
		}
	}}.arranged(bCast),
	isolationCase{method: "RecordBroadcastEvent", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		for _, what := range []string{store.BroadcastShown, store.BroadcastDismissed, store.BroadcastClicked, store.BroadcastReplied} {
			_, err := s.RecordBroadcastEvent(t.Context(), a.ws.ID, b.cast.ID, b.visitor.ID, what, a.conv.ID, isoNow)
			wantErr(t, err, store.ErrNotShown)
		}
	}}.arranged(bCast),
	refused("ShownBroadcast", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		if err := s.ShownBroadcast(ctx, a.ws.ID, b.cast.ID, b.visitor.ID); !errors.Is(err, store.ErrNotShown) {
			return fmt.Errorf("asked with A's id about B's showing: %w", err)
		}
		return store.ErrNotFound
	}).arranged(bCast),
	isolationCase{method: "OnlineContactFields", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		got, err := s.OnlineContactFields(t.Context(), a.ws.ID, 100)
		noErr(t, "online contact fields", err)
		if _, leaked := got[b.visitor.ID]; leaked {
			t.Fatalf("A's online visitors' fields hold B's visitor: %v", got)
		}
		if _, ok := got[a.visitor.ID]; !ok {
			t.Fatalf("A's own online, identified visitor is missing: %v", got)
		}
	}}.arranged(func(t *testing.T, s *store.Store, a, b *isoTenant) {
		for _, tn := range []*isoTenant{a, b} {
			_, err := s.SetVisitorIdentity(t.Context(), tn.ws.ID, tn.visitor.ID, "Known", "known@"+tn.ws.ID+".example", tn.contact.ID)
			noErr(t, "link the online visitor", err)
		}
	}),
	isolationCase{method: "BroadcastActivity", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		for _, id := range []string{"", b.cast.ID} {
			list, err := s.BroadcastActivity(t.Context(), a.ws.ID, id, Epoch, isoNow.Add(time.Hour))
			noErr(t, "activity", err)
			equal(t, "A's broadcast activity", len(list), 0)
		}
	}}.arranged(bCast),
	isolationCase{method: "BroadcastTotals", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		got, err := s.BroadcastTotals(t.Context(), a.ws.ID, []string{b.cast.ID})
		noErr(t, "totals", err)
		equal(t, "A's totals of B's broadcast", len(got), 0)
	}}.arranged(bCast),

	// Mail.
	{method: "GetMailSettings", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		m, err := s.GetMailSettings(t.Context(), a.ws.ID)
		noErr(t, "mail settings", err)
		equal(t, "A's mail host", m.Host, a.mailHost)
	}},
	isolationCase{method: "SetMailSettings", changesA: true, run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		noErr(t, "set", s.SetMailSettings(t.Context(), store.MailSettings{WorkspaceID: a.ws.ID, Host: "smtp.evil.example", Port: 25,
			Security: "none", FromAddress: "x@evil.example"}, isoNow))
	}},
	refused("DeleteMailSettings", "of a workspace that has none", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		return s.DeleteMailSettings(ctx, "no-such-workspace")
	}),
	{method: "DeleteMailSettings", changesA: true, run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		noErr(t, "delete", s.DeleteMailSettings(t.Context(), a.ws.ID))
	}},
	refused("QueueMail", "for B's ticket", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.QueueMail(ctx, store.OutMail{WorkspaceID: a.ws.ID, TicketID: b.ticket.ID, MessageID: "sneaky-" + a.ws.ID,
			ConversationID: a.ticket.ConversationID, Seq: 9, To: "x@evil.example", Subject: "s", Body: "b"}, isoNow, isoNow)
		return err
	}),
	refused("QueueMail", "into B's conversation", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.QueueMail(ctx, store.OutMail{WorkspaceID: a.ws.ID, TicketID: a.ticket.ID, MessageID: "sneaky-" + a.ws.ID,
			ConversationID: b.ticket.ConversationID, Seq: 9, To: "x@evil.example", Subject: "s", Body: "b"}, isoNow, isoNow)
		return err
	}),
	refused("MailSkipped", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		return s.MailSkipped(ctx, a.ws.ID, b.mail.ID, isoNow)
	}),
	refused("MailSent", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		return s.MailSent(ctx, a.ws.ID, b.mail.ID, isoNow)
	}),
	refused("MailFailed", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		return s.MailFailed(ctx, a.ws.ID, b.mail.ID, "boom", time.Time{})
	}),
	refused("TicketMail", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.TicketMail(ctx, a.ws.ID, b.ticket.ID)
		return err
	}),

	// Agents.
	refused("GetAgent", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.GetAgent(ctx, a.ws.ID, b.owner.ID)
		return err
	}),
	refused("UpdateAgent", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		ag := b.agent
		ag.WorkspaceID, ag.Role, ag.Name, ag.DepartmentIDs = a.ws.ID, "owner", "hijacked", []string{a.dept.ID}
		_, err := s.UpdateAgent(ctx, ag, isoNow)
		return err
	}),
	refused("UpdateAgent", "with B's department", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		ag := a.agent
		ag.DepartmentIDs = []string{b.dept.ID}
		_, err := s.UpdateAgent(ctx, ag, isoNow)
		return err
	}),
	refused("CreateAgent", "with B's department", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.CreateAgent(ctx, store.Agent{WorkspaceID: a.ws.ID, Email: "sneaky@" + a.ws.ID + ".example", Name: "Sneaky",
			Role: "agent", PasswordHash: "h", DepartmentIDs: []string{b.dept.ID}}, isoNow)
		return err
	}),
	refused("SetAgentPassword", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		return s.SetAgentPassword(ctx, a.ws.ID, b.owner.ID, "known-hash", "", isoNow)
	}),
	refused("SetAgentStatus", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		return s.SetAgentStatus(ctx, a.ws.ID, b.owner.ID, "online", isoNow)
	}),
	refused("SetAgentDisabled", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		return s.SetAgentDisabled(ctx, a.ws.ID, b.owner.ID, true, isoNow)
	}),
	refused("TouchDesk", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.TouchDesk(ctx, a.ws.ID, b.owner.ID, isoNow)
		return err
	}),
	isolationCase{method: "TouchDesks", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		away, err := s.TouchDesks(t.Context(), a.ws.ID, []string{a.owner.ID, b.owner.ID}, isoNow.Add(time.Hour))
		noErr(t, "touch desks", err)
		equal(t, "away", len(away), 0)
		absent, err := s.AbsentAgents(t.Context(), b.ws.ID, isoNow.Add(time.Minute))
		noErr(t, "absent agents", err)
		equal(t, "B's owner, untouched by A's heartbeat", ids(absent, agentID), []string{b.owner.ID})
	}}.arranged(ownersOnline),
	// The inbox and comments.
	refused("AddInboxItem", "another workspace's agent", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, _, err := s.AddInboxItem(ctx, store.InboxItem{WorkspaceID: a.ws.ID, AgentID: b.agent.ID, Kind: store.InboxMention, Dedupe: "x"}, false, isoNow)
		return err
	}),
	refused("AddInboxItem", "another workspace's conversation", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, _, err := s.AddInboxItem(ctx, store.InboxItem{WorkspaceID: a.ws.ID, AgentID: a.agent.ID, Kind: store.InboxMention, Dedupe: "x",
			ConversationID: b.conv.ID}, false, isoNow)
		return err
	}),
	refused("InboxState", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, _, err := s.InboxState(ctx, a.ws.ID, b.agent.ID)
		return err
	}),
	isolationCase{method: "ListInbox", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		items, err := s.ListInbox(t.Context(), a.ws.ID, b.agent.ID, store.InboxQuery{Limit: 10})
		noErr(t, "list inbox", err)
		equal(t, "B's agent's items through A", len(items), 0)
	}}.arranged(bMentioned),
	isolationCase{method: "MarkInbox", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		items, err := s.ListInbox(t.Context(), b.ws.ID, b.agent.ID, store.InboxQuery{Limit: 10})
		noErr(t, "list inbox", err)
		yes := true
		marked, err := s.MarkInbox(t.Context(), a.ws.ID, b.agent.ID, []string{items[0].ID}, store.InboxChange{Read: &yes, Archived: &yes}, isoNow)
		noErr(t, "mark inbox", err)
		equal(t, "B's items marked through A", len(marked), 0)
	}}.arranged(bMentioned),
	isolationCase{method: "TaggedConversations", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		got, err := s.TaggedConversations(t.Context(), a.ws.ID, b.agent.ID)
		noErr(t, "tagged", err)
		equal(t, "B's agent's Tagged through A", len(got), 0)
	}}.arranged(bMentioned),
	isolationCase{method: "ReviseComment", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		msgs, err := s.ListMessages(t.Context(), b.ws.ID, b.conv.ID, 0, 0, 100)
		noErr(t, "messages", err)
		i := slices.IndexFunc(msgs, func(m store.Message) bool { return m.Kind == store.KindComment })
		_, _, err = s.ReviseComment(t.Context(), a.ws.ID, b.conv.ID, msgs[i].ID, b.agent.ID, "hijacked", false,
			store.Message{Kind: store.KindSystem, AuthorType: store.AuthorSystem, Body: "edited"}, isoNow)
		wantErr(t, err, store.ErrNotFound)
	}}.arranged(func(t *testing.T, s *store.Store, a, b *isoTenant) {
		_, err := s.AppendMessage(t.Context(), store.Message{WorkspaceID: b.ws.ID, ConversationID: b.conv.ID, ClientMsgID: "comment",
			Kind: store.KindComment, Private: true, AuthorType: store.AuthorAgent, AuthorID: b.agent.ID, Body: "B's note"}, isoNow)
		noErr(t, "comment", err)
	}),
	refused("MarkAway", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.MarkAway(ctx, a.ws.ID, b.owner.ID, isoNow.Add(time.Hour), isoNow)
		return err
	}),
	isolationCase{method: "AbsentAgents", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		absent, err := s.AbsentAgents(t.Context(), a.ws.ID, isoNow.Add(time.Hour))
		noErr(t, "absent agents", err)
		equal(t, "A's absent agents", ids(absent, agentID), []string{a.owner.ID})
	}}.arranged(ownersOnline),
	refused("DeleteAgent", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		return s.DeleteAgent(ctx, a.ws.ID, b.agent.ID, isoNow)
	}),
	{method: "ListAgents", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		agents, err := s.ListAgents(t.Context(), a.ws.ID)
		noErr(t, "list agents", err)
		equal(t, "A's agents", ids(agents, agentID), []string{a.agent.ID, a.owner.ID})
		for _, ag := range agents {
			for _, d := range ag.DepartmentIDs {
				if d != a.dept.ID {
					t.Errorf("A's agent %s lists department %s", ag.Name, d)
				}
			}
		}
	}},
	{method: "CountAgentsWithRole", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		for _, role := range []string{"owner", "agent"} {
			n, err := s.CountAgentsWithRole(t.Context(), a.ws.ID, role)
			noErr(t, "count", err)
			equal(t, "A's "+role+"s", n, 1)
		}
	}},
	{method: "SignedInFrom", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		ip := b.session.IP
		known, err := s.SignedInFrom(t.Context(), a.ws.ID, b.owner.ID, ip, isoNow)
		noErr(t, "signed in from", err)
		if known {
			t.Error("A's workspace id answers for B's owner's session address")
		}
		known, err = s.SignedInFrom(t.Context(), b.ws.ID, b.owner.ID, ip, isoNow)
		noErr(t, "signed in from", err)
		equal(t, "B's own owner from its session's address", known, true)
	}},
	refused("CreateSession", "for B's agent", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		return s.CreateSession(ctx, store.Session{TokenHash: "hijack-" + a.ws.ID, WorkspaceID: a.ws.ID, AgentID: b.owner.ID,
			CreatedAt: isoNow, ExpiresAt: isoNow.Add(time.Hour)})
	}),

	// Departments.
	refused("GetDepartment", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.GetDepartment(ctx, a.ws.ID, b.dept.ID)
		return err
	}),
	refused("UpdateDepartment", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.UpdateDepartment(ctx, a.ws.ID, b.dept.ID, "hijacked", &store.BusinessHours{TimeZone: "UTC"}, isoNow)
		return err
	}),
	isolationCase{method: "DepartmentHours", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		hours, err := s.DepartmentHours(t.Context(), a.ws.ID)
		noErr(t, "department hours", err)
		equal(t, "A's departments with hours", slices.Sorted(maps.Keys(hours)), []string{a.dept.ID})
	}}.arranged(func(t *testing.T, s *store.Store, a, b *isoTenant) {
		for _, tn := range []*isoTenant{a, b} {
			_, err := s.UpdateDepartment(t.Context(), tn.ws.ID, tn.dept.ID, tn.dept.Name, &store.BusinessHours{TimeZone: "UTC", Days: []store.OpenSpan{}, ClosedDays: []string{}}, isoNow)
			noErr(t, "hours", err)
		}
	}),
	refused("DeleteDepartment", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		return s.DeleteDepartment(ctx, a.ws.ID, b.dept.ID)
	}),
	{method: "ListDepartments", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		depts, err := s.ListDepartments(t.Context(), a.ws.ID)
		noErr(t, "list departments", err)
		equal(t, "A's departments", ids(depts, deptID), []string{a.dept.ID})
		equal(t, "A's department members", depts[0].AgentIDs, []string{a.owner.ID})
	}},
	isolationCase{method: "CreateDepartment", name: "named like one only B has", changesA: true,
		run: func(t *testing.T, s *store.Store, a, b isoTenant) {
			d, err := s.CreateDepartment(t.Context(), a.ws.ID, "Billing", isoNow)
			noErr(t, "a name B uses is free in A", err)
			if d.WorkspaceID != a.ws.ID || d.ID == b.billing.ID || len(d.AgentIDs) != 0 {
				t.Fatalf("A's new department %+v: want a fresh one of A's, not B's %s", d, b.billing.ID)
			}
		}}.arranged(func(t *testing.T, s *store.Store, a, b *isoTenant) {
		var err error
		b.billing, err = s.CreateDepartment(t.Context(), b.ws.ID, "Billing", Epoch)
		noErr(t, "B's billing", err)
		_, err = s.UpdateAgent(t.Context(), withDepartments(b.agent, b.billing.ID), Epoch)
		noErr(t, "B's billing member", err)
	}),

	// Visitors and contacts.
	refused("CreateVisitor", "on B's site", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.CreateVisitor(ctx, a.ws.ID, b.site.ID, "sneaky-token", isoNow)
		return err
	}),
	refused("VisitorByToken", "of B's visitor on A's site", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.VisitorByToken(ctx, a.site.ID, b.token)
		return err
	}),
	refused("GetVisitor", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.GetVisitor(ctx, a.ws.ID, b.visitor.ID)
		return err
	}),
	refused("TouchVisitor", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.TouchVisitor(ctx, a.ws.ID, b.visitor.ID, store.PageView{URL: "https://x.example/"}, isoNow, isoNow.Add(time.Hour), 0)
		return err
	}),
	refused("SetVisitorIdentity", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.SetVisitorIdentity(ctx, a.ws.ID, b.visitor.ID, "x", "x@x.example", "")
		return err
	}),
	refused("SetVisitorIdentity", "linking B's contact", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.SetVisitorIdentity(ctx, a.ws.ID, a.idle.ID, "x", "", b.contact.ID)
		return err
	}),
	refused("SetVisitorContext", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		return s.SetVisitorContext(ctx, a.ws.ID, b.visitor.ID, map[string]any{"x": 1}, isoNow)
	}),
	{method: "ListPageViews", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		pages, err := s.ListPageViews(t.Context(), a.ws.ID, b.visitor.ID, 100)
		noErr(t, "list page views", err)
		equal(t, "B's visitor's pages read as A", len(pages), 0)
	}},
	isolationCase{method: "DeleteClosedConversations", changesA: true, run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		n, err := s.DeleteClosedConversations(t.Context(), a.ws.ID, Epoch.Add(1000*time.Hour), 100)
		noErr(t, "delete closed", err)
		equal(t, "conversations deleted with A's id", n, 1) // A's own; B's are the snapshot's to check
	}},
	refused("GetBlock", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.GetBlock(ctx, a.ws.ID, b.block.ID)
		return err
	}),
	refused("DeleteBlock", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		return s.DeleteBlock(ctx, a.ws.ID, b.block.ID)
	}),
	refused("CreateBlock", "made by B's agent", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.CreateBlock(ctx, store.Block{WorkspaceID: a.ws.ID, Kind: store.BlockIP, Value: "203.0.113.9", CreatedBy: b.owner.ID}, isoNow)
		return err
	}),
	{method: "ListBlocks", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		blocks, err := s.ListBlocks(t.Context(), a.ws.ID)
		noErr(t, "list blocks", err)
		equal(t, "A's blocks", len(blocks), 1)
		equal(t, "A's block", blocks[0].ID, a.block.ID)
	}},
	{method: "Blocked", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		blocked, err := s.Blocked(t.Context(), a.ws.ID, b.idle.ID, "", "")
		noErr(t, "blocked", err)
		equal(t, "B's block seen from A", blocked, false)
		blocked, err = s.Blocked(t.Context(), b.ws.ID, b.idle.ID, "", "")
		noErr(t, "blocked", err)
		equal(t, "B's block in B", blocked, true)
	}},
	{method: "VisitorsOfContact", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		ids, err := s.VisitorsOfContact(t.Context(), a.ws.ID, b.contact.ID)
		noErr(t, "visitors of contact", err)
		equal(t, "B's contact's visitors seen from A", len(ids), 0)
	}},
	isolationCase{method: "AppendAudit", changesA: true, run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		_, err := s.AppendAudit(t.Context(), store.AuditEntry{WorkspaceID: a.ws.ID, Action: "sign_in", TargetID: b.owner.ID}, isoNow)
		noErr(t, "append audit", err)
	}},
	{method: "ListAudit", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		entries, err := s.ListAudit(t.Context(), a.ws.ID, "", 100)
		noErr(t, "list audit", err)
		equal(t, "A's audit entries", len(entries), 1)
		equal(t, "A's entry", entries[0].ID, a.audit.ID)
		_, err = s.ListAudit(t.Context(), a.ws.ID, b.audit.ID, 100) // paging from B's entry finds nothing of B
		noErr(t, "list audit before B's entry", err)
	}},
	{method: "SetVisitorIP", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		noErr(t, "set ip", s.SetVisitorIP(t.Context(), a.ws.ID, b.visitor.ID, "203.0.113.66"))
		v, err := s.GetVisitor(t.Context(), b.ws.ID, b.visitor.ID)
		noErr(t, "get", err)
		if v.IP == "203.0.113.66" {
			t.Error("A's workspace id changed B's visitor's address")
		}
	}},
	{method: "ListOnlineVisitors", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		online, err := s.ListOnlineVisitors(t.Context(), a.ws.ID, 100)
		noErr(t, "list online visitors", err)
		equal(t, "A's online visitors", ids(online, visitorID), []string{a.visitor.ID})
	}},
	refused("GetContact", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.GetContact(ctx, a.ws.ID, b.contact.ID)
		return err
	}),
	{method: "UpsertContact", name: "with an external id both have", changesA: true,
		run: func(t *testing.T, s *store.Store, a, b isoTenant) {
			c, err := s.UpsertContact(t.Context(), a.ws.ID, b.contact.ExternalID, "Renamed", "renamed@a.example", isoNow)
			noErr(t, "upsert", err)
			if c.ID != a.contact.ID || c.WorkspaceID != a.ws.ID {
				t.Fatalf("upserting A's external id %q gave %+v, want A's contact %s", b.contact.ExternalID, c, a.contact.ID)
			}
		}},
	isolationCase{method: "UpsertContact", name: "with an external id only B has", changesA: true,
		run: func(t *testing.T, s *store.Store, a, b isoTenant) {
			c, err := s.UpsertContact(t.Context(), a.ws.ID, "only-b", "Mine", "", isoNow)
			noErr(t, "upsert", err)
			if c.WorkspaceID != a.ws.ID || c.ID == b.onlyB.ID || c.Name != "Mine" {
				t.Fatalf("upserting an id only B has gave %+v, want a new contact of A's (B's is %s)", c, b.onlyB.ID)
			}
		}}.arranged(func(t *testing.T, s *store.Store, a, b *isoTenant) {
		var err error
		b.onlyB, err = s.UpsertContact(t.Context(), b.ws.ID, "only-b", "B's own", "own@b.example", Epoch)
		noErr(t, "B's contact", err)
		b.contacts = append(b.contacts, b.onlyB.ID)
	}),

	refused("CreateQuickResponse", "for B's agent", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.CreateQuickResponse(ctx, store.QuickResponse{WorkspaceID: a.ws.ID, OwnerAgentID: b.agent.ID, Title: "x", Shortcut: "x", Body: "x"}, isoNow)
		return err
	}),
	refused("CreateQuickResponse", "for B's department", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.CreateQuickResponse(ctx, store.QuickResponse{WorkspaceID: a.ws.ID, DepartmentID: b.dept.ID, Title: "x", Shortcut: "x", Body: "x"}, isoNow)
		return err
	}),
	refused("GetQuickResponse", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.GetQuickResponse(ctx, a.ws.ID, b.quick.ID)
		return err
	}).arranged(bQuick),
	refused("UpdateQuickResponse", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		q := b.quick
		q.WorkspaceID, q.Body = a.ws.ID, "hijacked"
		_, err := s.UpdateQuickResponse(ctx, q, isoNow)
		return err
	}).arranged(bQuick),
	refused("DeleteQuickResponse", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		return s.DeleteQuickResponse(ctx, a.ws.ID, b.quick.ID)
	}).arranged(bQuick),
	refused("UseQuickResponse", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		return s.UseQuickResponse(ctx, a.ws.ID, b.quick.ID)
	}).arranged(bQuick),
	isolationCase{method: "ListQuickResponses", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		for _, agent := range []string{"", b.agent.ID} {
			list, err := s.ListQuickResponses(t.Context(), a.ws.ID, agent)
			noErr(t, "list", err)
			equal(t, "B's through A", len(list), 0)
		}
	}}.arranged(bQuick),
	isolationCase{method: "ListBoards", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		list, err := s.ListBoards(t.Context(), a.ws.ID, true)
		noErr(t, "list", err)
		equal(t, "A's boards only", ids(list, func(x store.Board) string { return x.Name }), []string{"A's board"})
	}}.arranged(bBoard),
	refused("GetBoard", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.GetBoard(ctx, a.ws.ID, b.board.ID)
		return err
	}).arranged(bBoard),
	isolationCase{method: "CreateBoard", changesA: true, run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		_, err := s.CreateBoard(t.Context(), a.ws.ID, "A's own first", stageColumns(), true, isoNow)
		noErr(t, "B's board does not count as A's first", err)
	}},
	refused("UpdateBoard", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.UpdateBoard(ctx, a.ws.ID, b.board.ID, "hijacked", true, isoNow)
		return err
	}).arranged(bBoard),
	refused("ReorderBoards", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		return s.ReorderBoards(ctx, a.ws.ID, []string{b.board.ID})
	}).arranged(bBoard),
	refused("ReorderColumns", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		return s.ReorderColumns(ctx, a.ws.ID, b.board.ID, ids(b.board.Columns, func(c store.Column) string { return c.ID }))
	}).arranged(bBoard),
	refused("CreateColumn", "on B's board", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.CreateColumn(ctx, a.ws.ID, b.board.ID, "sneaky", store.StageNew, isoNow)
		return err
	}).arranged(bBoard),
	refused("UpdateColumn", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		c := b.board.Columns[0]
		c.Name = "hijacked"
		_, err := s.UpdateColumn(ctx, a.ws.ID, c, true, isoNow)
		return err
	}).arranged(bBoard),
	isolationCase{method: "BoardTickets", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		list, err := s.BoardTickets(t.Context(), a.ws.ID, b.board, false, 100)
		noErr(t, "board tickets", err)
		equal(t, "B's tickets through A", len(list), 0)
	}}.arranged(bBoard),
	refused("MoveTicket", "B's ticket into B's column", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.MoveTicket(ctx, a.ws.ID, store.Move{TicketID: b.ticket.ID, ColumnID: columnOf(b.board, store.StageClosed)}, isoNow)
		return err
	}).arranged(bBoard),
	refused("MoveTicket", "A's ticket into B's column", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.MoveTicket(ctx, a.ws.ID, store.Move{TicketID: a.ticket.ID, ColumnID: columnOf(b.board, store.StageNew)}, isoNow)
		return err
	}).arranged(bBoard),
	refused("CreateTicket", "in B's column", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.CreateTicket(ctx, a.ws.ID, store.NewTicket{TicketFields: store.TicketFields{Subject: "sneaky"},
			ColumnID: columnOf(b.board, store.StageNew)}, isoNow)
		return err
	}).arranged(bBoard),
	refused("CreateTicket", "for B's contact", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.CreateTicket(ctx, a.ws.ID, store.NewTicket{TicketFields: store.TicketFields{Subject: "sneaky", ContactID: b.contact.ID}}, isoNow)
		return err
	}),
	refused("CreateTicket", "for B's agent", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.CreateTicket(ctx, a.ws.ID, store.NewTicket{TicketFields: store.TicketFields{Subject: "sneaky"}, AssigneeID: b.agent.ID}, isoNow)
		return err
	}),
	refused("UpdateTicket", "for B's contact", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.UpdateTicket(ctx, a.ws.ID, a.ticket.ID, store.TicketFields{Subject: "x", Priority: "normal", ContactID: b.contact.ID}, a.agent.ID, "A", isoNow)
		return err
	}),
	refused("CreateTicket", "in B's department", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.CreateTicket(ctx, a.ws.ID, store.NewTicket{TicketFields: store.TicketFields{Subject: "sneaky", DepartmentID: b.dept.ID}}, isoNow)
		return err
	}),
	refused("TicketFromConversation", "B's conversation", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, _, _, err := s.TicketFromConversation(ctx, a.ws.ID, b.conv.ID, a.agent.ID, "A", "sneaky", nil, isoNow)
		return err
	}),
	refused("TicketFromConversation", "by B's agent", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, _, _, err := s.TicketFromConversation(ctx, a.ws.ID, a.conv.ID, b.agent.ID, "B", "sneaky", nil, isoNow)
		return err
	}),
	refused("UpdateTicket", "B's ticket", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.UpdateTicket(ctx, a.ws.ID, b.ticket.ID, store.TicketFields{Subject: "hijacked", Priority: "urgent", Tags: []string{}}, a.agent.ID, "A", isoNow)
		return err
	}),
	refused("UpdateTicket", "into B's department", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.UpdateTicket(ctx, a.ws.ID, a.ticket.ID, store.TicketFields{Subject: "x", Priority: "normal", Tags: []string{},
			DepartmentID: b.dept.ID}, a.agent.ID, "A", isoNow)
		return err
	}),
	refused("MergeTickets", "B's duplicate into A's", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.MergeTickets(ctx, a.ws.ID, a.ticket.ID, b.ticket.ID, a.agent.ID, "A", nil, isoNow)
		return err
	}),
	refused("MergeTickets", "A's into B's", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.MergeTickets(ctx, a.ws.ID, b.ticket.ID, a.ticket.ID, a.agent.ID, "A", nil, isoNow)
		return err
	}),
	isolationCase{method: "PublicTicketsOf", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		list, err := s.PublicTicketsOf(t.Context(), a.ws.ID, b.ticket.VisitorID, b.contact.ID, 20)
		noErr(t, "public tickets", err)
		equal(t, "B's through A", len(list), 0)
	}}.arranged(func(t *testing.T, s *store.Store, a, b *isoTenant) {
		_, err := s.UpdateTicket(t.Context(), b.ws.ID, b.ticket.ID, store.TicketFields{Subject: "B's", Priority: "normal", Tags: []string{}, Public: true},
			b.agent.ID, "B", Epoch)
		noErr(t, "B's public ticket", err)
	}),
	refused("LinkConversation", "B's conversation to A's ticket", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.LinkConversation(ctx, a.ws.ID, a.ticket.ID, b.assigned.ID, a.agent.ID, "A", isoNow)
		return err
	}),
	refused("LinkConversation", "A's conversation to B's ticket", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.LinkConversation(ctx, a.ws.ID, b.ticket.ID, a.assigned.ID, a.agent.ID, "A", isoNow)
		return err
	}),
	isolationCase{method: "TicketConversations", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		list, err := s.TicketConversations(t.Context(), a.ws.ID, b.ticket.ID, 10)
		noErr(t, "conversations", err)
		equal(t, "B's through A", len(list), 0)
	}},
	refused("WatchTicket", "B's ticket", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		return s.WatchTicket(ctx, a.ws.ID, b.ticket.ID, a.agent.ID, true, isoNow)
	}),
	refused("WatchTicket", "by B's agent", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		return s.WatchTicket(ctx, a.ws.ID, a.ticket.ID, b.agent.ID, true, isoNow)
	}),
	isolationCase{method: "TicketWatchers", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		list, err := s.TicketWatchers(t.Context(), a.ws.ID, b.ticket.ID)
		noErr(t, "watchers", err)
		equal(t, "B's through A", len(list), 0)
	}}.arranged(func(t *testing.T, s *store.Store, a, b *isoTenant) {
		noErr(t, "B watches", s.WatchTicket(t.Context(), b.ws.ID, b.ticket.ID, b.agent.ID, true, Epoch))
	}),
	isolationCase{method: "TicketHistory", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		list, err := s.TicketHistory(t.Context(), a.ws.ID, b.ticket.ID, 100)
		noErr(t, "history", err)
		equal(t, "B's history through A", len(list), 0)
	}}.arranged(bBoard),
	refused("CreateFile", "in B's conversation", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.CreateFile(ctx, store.File{WorkspaceID: a.ws.ID, ConversationID: b.conv.ID, ClientMsgID: "sneaky",
			AuthorType: store.AuthorAgent, AuthorID: a.agent.ID, Name: "x.pdf", ContentType: "application/pdf"}, isoNow)
		return err
	}),
	refused("GetFile", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.GetFile(ctx, a.ws.ID, b.file.ID)
		return err
	}).arranged(bFile),
	refused("FileByClientMsgID", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.FileByClientMsgID(ctx, a.ws.ID, b.conv.ID, b.file.ClientMsgID)
		return err
	}).arranged(bFile),
	isolationCase{method: "CountFiles", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		n, err := s.CountFiles(t.Context(), a.ws.ID, b.conv.ID)
		noErr(t, "count", err)
		equal(t, "B's files counted through A", n, 0)
	}}.arranged(bFile),
	refused("PutFileChunk", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		return s.PutFileChunk(ctx, a.ws.ID, b.file.ID, 1, []byte("hijacked"), isoNow)
	}).arranged(bFile),
	refused("FileChunk", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.FileChunk(ctx, a.ws.ID, b.file.ID, 0)
		return err
	}).arranged(bFile),
	refused("CompleteFile", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		return s.CompleteFile(ctx, a.ws.ID, b.file.ID, 1, 0, 0)
	}).arranged(bFile),
	refused("AbandonUpload", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		return s.AbandonUpload(ctx, a.ws.ID, b.file.ID, isoNow.Add(time.Hour))
	}).arranged(bFile),
	refused("DeleteFile", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		return s.DeleteFile(ctx, a.ws.ID, b.file.ID)
	}).arranged(bFile),
	refused("ContactByExternalID", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.ContactByExternalID(ctx, a.ws.ID, b.contact.ExternalID)
		return err
	}).arranged(func(t *testing.T, s *store.Store, a, b *isoTenant) {
		// A's contact has another external id: B's must not be found through A.
		c := a.contact
		c.ExternalID = "a-only"
		_, err := s.UpdateContact(t.Context(), c, isoNow)
		noErr(t, "A's external id", err)
	}),
	refused("ContactByEmail", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.ContactByEmail(ctx, a.ws.ID, b.contact.Email)
		return err
	}),
	isolationCase{method: "ClaimContact", name: "with an address only B has", changesA: true,
		run: func(t *testing.T, s *store.Store, a, b isoTenant) {
			c, err := s.ClaimContact(t.Context(), a.ws.ID, "claim@b.example", "Claimer", isoNow)
			noErr(t, "claim", err)
			equal(t, "a new contact of A's", [2]any{c.WorkspaceID, c.ID == b.claim.ID}, [2]any{a.ws.ID, false})
		}}.arranged(func(t *testing.T, s *store.Store, a, b *isoTenant) {
		var err error
		b.claim, err = s.ClaimContact(t.Context(), b.ws.ID, "claim@b.example", "B's", Epoch)
		noErr(t, "B's claim", err)
		b.contacts = append(b.contacts, b.claim.ID)
	}),
	refused("ContactHistory", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.ContactHistory(ctx, a.ws.ID, b.contact.ID, 10)
		return err
	}),
	refused("UpdateContact", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		c := b.contact
		c.WorkspaceID, c.Name = a.ws.ID, "hijacked"
		_, err := s.UpdateContact(ctx, c, isoNow)
		return err
	}),
	refused("MergeContacts", "B's into A's", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.MergeContacts(ctx, a.ws.ID, a.contact.ID, b.contact.ID, isoNow)
		return err
	}),
	refused("MergeContacts", "A's into B's", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.MergeContacts(ctx, a.ws.ID, b.contact.ID, a.contact.ID, isoNow)
		return err
	}),
	refused("EraseContact", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.EraseContact(ctx, a.ws.ID, b.contact.ID)
		return err
	}),
	{method: "CreateContact", name: "with B's external id", changesA: true,
		run: func(t *testing.T, s *store.Store, a, b isoTenant) {
			c, err := s.CreateContact(t.Context(), store.Contact{WorkspaceID: a.ws.ID, ExternalID: "only-in-b", Name: "Mine"}, isoNow)
			noErr(t, "create", err)
			equal(t, "the new contact's workspace", c.WorkspaceID, a.ws.ID)
		}},
	{method: "ListContacts", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		list, err := s.ListContacts(t.Context(), a.ws.ID, store.ContactQuery{Query: "customer", Limit: 50})
		noErr(t, "list contacts", err)
		equal(t, "A's contacts", ids(list, func(c store.Contact) string { return c.ID }), []string{a.contact.ID})
	}},

	// Conversations.
	refused("StartConversation", "for B's visitor", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, _, err := s.StartConversation(ctx, a.ws.ID, b.idle.ID, "", isoNow)
		return err
	}),
	refused("StartConversation", "in B's department", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, _, err := s.StartConversation(ctx, a.ws.ID, a.idle.ID, b.dept.ID, isoNow)
		return err
	}),
	refused("OpenConversation", "of B's visitor", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.OpenConversation(ctx, a.ws.ID, b.visitor.ID)
		return err
	}),
	refused("GetConversation", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.GetConversation(ctx, a.ws.ID, b.conv.ID)
		return err
	}),
	{method: "ListConversations", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		for _, f := range []store.ConversationFilter{{}, {VisitorID: b.visitor.ID}, {AssigneeID: b.owner.ID},
			{Statuses: []string{store.StatusOpen}, AssigneeID: "none"}} {
			convs, err := s.ListConversations(t.Context(), a.ws.ID, f)
			noErr(t, "list conversations", err)
			for _, c := range convs {
				if c.WorkspaceID != a.ws.ID {
					t.Errorf("ListConversations(A, %+v) returned another workspace's conversation %s", f, c.ID)
				}
			}
		}
		all, err := s.ListConversations(t.Context(), a.ws.ID, store.ConversationFilter{})
		noErr(t, "list conversations", err)
		got, want := ids(all, convID), []string{a.assigned.ID, a.conv.ID, a.closed.ID, a.ticket.ConversationID}
		slices.Sort(got)
		slices.Sort(want)
		equal(t, "A's conversations", got, want)
	}},
	refused("RateConversation", "B's ended chat, as its visitor", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.RateConversation(ctx, a.ws.ID, b.closed.ID, b.closed.VisitorID, store.RatingBad, "sneaky", time.Time{}, isoNow)
		return err
	}),
	isolationCase{method: "ChatSlots", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		all := store.AnalyticsFilter{To: isoNow.Add(time.Hour)}
		started := func(ws string, f store.AnalyticsFilter) int {
			slots, err := s.ChatSlots(t.Context(), ws, f)
			noErr(t, "chat slots", err)
			n := 0
			for _, c := range slots {
				n += c.Started
			}
			return n
		}
		equal(t, "A's and B's counted apart", [2]bool{started(a.ws.ID, all) > 0, started(b.ws.ID, all) > 0}, [2]bool{true, true})
		all.SiteID = b.site.ID
		equal(t, "B's site's chats through A", started(a.ws.ID, all), 0)
	}},
	isolationCase{method: "FirstResponses", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		got, err := s.FirstResponses(t.Context(), a.ws.ID, store.AnalyticsFilter{To: isoNow.Add(time.Hour), SiteID: b.site.ID})
		noErr(t, "first responses", err)
		equal(t, "B's answers through A", len(got), 0)
	}},
	isolationCase{method: "Resolutions", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		got, err := s.Resolutions(t.Context(), a.ws.ID, store.AnalyticsFilter{To: isoNow.Add(time.Hour), SiteID: b.site.ID})
		noErr(t, "resolutions", err)
		equal(t, "B's ended chats through A", len(got), 0)
	}},
	isolationCase{method: "ChatsByAgent", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		got, err := s.ChatsByAgent(t.Context(), a.ws.ID, store.AnalyticsFilter{To: isoNow.Add(time.Hour), AgentID: b.agent.ID})
		noErr(t, "chats by agent", err)
		equal(t, "B's agent's chats through A", len(got), 0)
	}},
	// The same reads once the runner has rolled the chats' day up (RollAnalytics
	// walks every workspace): each workspace's rollups are its own.
	isolationCase{method: "ChatSlots", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		ctx := t.Context()
		later := isoNow.Add(72 * time.Hour) // the chats' day is rolled
		count := func(ws string, f store.AnalyticsFilter) (started, chats int) {
			f.To = later
			slots, err := s.ChatSlots(ctx, ws, f)
			noErr(t, "chat slots", err)
			for _, c := range slots {
				started += c.Started
			}
			agents, err := s.ChatsByAgent(ctx, ws, f)
			noErr(t, "chats by agent", err)
			for _, c := range agents {
				chats += c.Chats
			}
			return started, chats
		}
		aStarted, aChats := count(a.ws.ID, store.AnalyticsFilter{})
		_, err := s.RollAnalytics(ctx, later, 10)
		noErr(t, "roll analytics", err)
		started, chats := count(a.ws.ID, store.AnalyticsFilter{})
		equal(t, "A's chats, rolled up", [2]int{started, chats}, [2]int{aStarted, aChats})
		started, chats = count(a.ws.ID, store.AnalyticsFilter{SiteID: b.site.ID})
		equal(t, "B's site's rolled chats through A", [2]int{started, chats}, [2]int{0, 0})
		started, chats = count(a.ws.ID, store.AnalyticsFilter{AgentID: b.agent.ID})
		equal(t, "B's agent's rolled chats through A", [2]int{started, chats}, [2]int{0, 0})
		got, err := s.FirstResponses(ctx, a.ws.ID, store.AnalyticsFilter{To: later, SiteID: b.site.ID})
		noErr(t, "first responses", err)
		equal(t, "B's rolled answers through A", len(got), 0)
	}},
	isolationCase{method: "TicketSlots", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		count := func(f store.AnalyticsFilter) int {
			f.To = isoNow.Add(time.Hour)
			slots, err := s.TicketSlots(t.Context(), a.ws.ID, f, store.TicketsMade)
			noErr(t, "ticket slots", err)
			n := 0
			for _, c := range slots {
				n += c.N
			}
			return n
		}
		equal(t, "A's tickets, A's alone", count(store.AnalyticsFilter{}), 1)
		equal(t, "B's site's tickets through A", count(store.AnalyticsFilter{SiteID: b.site.ID}), 0)
	}},
	isolationCase{method: "TicketCount", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		n, err := s.TicketCount(t.Context(), a.ws.ID, store.AnalyticsFilter{To: isoNow.Add(time.Hour)}, store.TicketsMade)
		noErr(t, "ticket count", err)
		equal(t, "A's tickets counted, A's alone", n, 1)
		n, err = s.TicketCount(t.Context(), a.ws.ID, store.AnalyticsFilter{To: isoNow.Add(time.Hour), AgentID: b.agent.ID}, store.TicketsAccepted)
		noErr(t, "ticket count", err)
		equal(t, "B's agent's tickets counted through A", n, 0)
	}},
	isolationCase{method: "TicketAcceptTimes", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		got, err := s.TicketAcceptTimes(t.Context(), a.ws.ID, store.AnalyticsFilter{To: isoNow.Add(time.Hour)})
		noErr(t, "accept times", err)
		equal(t, "B's accepted ticket through A", len(got), 0)
	}}.arranged(func(t *testing.T, s *store.Store, a, b *isoTenant) {
		_, err := s.AcceptTickets(t.Context(), b.ws.ID, b.agent.ID, b.ticket.ID, 1, false, Epoch.Add(time.Minute))
		noErr(t, "accept B's ticket", err)
	}),
	isolationCase{method: "NewContacts", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		got, err := s.NewContacts(t.Context(), a.ws.ID, time.Time{}, isoNow.Add(time.Hour))
		noErr(t, "new contacts", err)
		n := 0
		for _, c := range got {
			n += c.N
		}
		equal(t, "A's new contacts, A's alone", n, len(a.contacts))
	}},
	isolationCase{method: "AgentStates", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		got, err := s.AgentStates(t.Context(), a.ws.ID, time.Time{}, isoNow.Add(time.Hour))
		noErr(t, "agent states", err)
		for _, st := range got {
			if st.AgentID == b.agent.ID || st.AgentID == b.owner.ID {
				t.Errorf("B's agent %s's state through A", st.AgentID)
			}
		}
		equal(t, "A's agents have states", len(got) > 0, true)
	}}.arranged(func(t *testing.T, s *store.Store, a, b *isoTenant) {
		noErr(t, "B's agent online", s.SetAgentStatus(t.Context(), b.ws.ID, b.agent.ID, store.StateOnline, Epoch.Add(time.Minute)))
	}),
	isolationCase{method: "RatingCounts", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		counts, err := s.RatingCounts(t.Context(), a.ws.ID, store.RatingFilter{To: isoNow.Add(time.Hour)})
		noErr(t, "rating counts", err)
		equal(t, "B's ratings counted for A", len(counts), 0)
		counts, err = s.RatingCounts(t.Context(), a.ws.ID, store.RatingFilter{To: isoNow.Add(time.Hour), AgentID: b.closed.AssigneeID, SiteID: b.site.ID})
		noErr(t, "rating counts", err)
		equal(t, "B's ratings by B's agent and site, asked through A", len(counts), 0)
	}}.arranged(bRated),
	isolationCase{method: "RatingSlots", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		got, err := s.RatingSlots(t.Context(), a.ws.ID, store.RatingFilter{To: isoNow.Add(time.Hour)})
		noErr(t, "rating slots", err)
		equal(t, "B's ratings by slot for A", len(got), 0)
		got, err = s.RatingSlots(t.Context(), a.ws.ID, store.RatingFilter{To: isoNow.Add(time.Hour), SiteID: b.site.ID})
		noErr(t, "rating slots", err)
		equal(t, "B's site's ratings by slot through A", len(got), 0)
	}}.arranged(bRated),
	isolationCase{method: "RatedChats", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		list, err := s.RatedChats(t.Context(), a.ws.ID, store.RatingFilter{To: isoNow.Add(time.Hour), SiteID: b.site.ID}, false, 50)
		noErr(t, "rated chats", err)
		equal(t, "B's ratings listed for A", len(list), 0)
	}}.arranged(bRated),
	refused("Transition", "of B's conversation", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		ev := textMessage(a.ws.ID, b.conv.ID, "", "closed by A")
		_, _, err := s.Transition(ctx, a.ws.ID, b.conv.ID, store.Transition{Status: store.StatusClosed, ClosedBy: "agent",
			ClosedByAgentID: a.owner.ID, Event: &ev}, isoNow)
		return err
	}),
	refused("Transition", "to B's agent", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, _, err := s.Transition(ctx, a.ws.ID, a.conv.ID, store.Transition{SetAssignee: &b.owner.ID}, isoNow)
		return err
	}),
	refused("Transition", "into B's department", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, _, err := s.Transition(ctx, a.ws.ID, a.conv.ID, store.Transition{SetDepartmentID: &b.dept.ID}, isoNow)
		return err
	}),
	refused("Assign", "B's conversation", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, _, _, _, err := s.Assign(ctx, a.ws.ID, b.conv.ID, store.Pick{DefaultMaxChats: 5}, store.Transition{},
			assignedEvent, isoNow)
		return err
	}).arranged(online(func(a, b *isoTenant) store.Agent { return a.owner })),
	isolationCase{method: "Assign", name: "with only B's agents online", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		_, ev, ag, ok, err := s.Assign(t.Context(), a.ws.ID, a.conv.ID, store.Pick{DefaultMaxChats: 5}, store.Transition{},
			assignedEvent, isoNow)
		if err != nil || ok || ev != nil || ag.ID != "" {
			t.Fatalf("Assign with no agent of A online: agent %q of workspace %q, ok %v, event %v, err %v; want nobody",
				ag.ID, ag.WorkspaceID, ok, ev != nil, err)
		}
	}}.arranged(online(func(a, b *isoTenant) store.Agent { return b.owner })),
	isolationCase{method: "Assign", name: "in B's department", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		_, ev, ag, ok, err := s.Assign(t.Context(), a.ws.ID, a.conv.ID, store.Pick{DepartmentID: b.dept.ID, DefaultMaxChats: 5},
			store.Transition{}, assignedEvent, isoNow)
		if err != nil || ok || ev != nil || ag.ID != "" {
			t.Fatalf("Assign in B's department: agent %q of workspace %q, ok %v, event %v, err %v; want nobody",
				ag.ID, ag.WorkspaceID, ok, ev != nil, err)
		}
	}}.arranged(online(func(a, b *isoTenant) store.Agent { return a.owner })),
	{method: "Queue", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		queue, err := s.Queue(t.Context(), a.ws.ID, 100)
		noErr(t, "queue", err)
		equal(t, "A's queue", ids(queue, convID), []string{a.conv.ID})
	}},
	{method: "OpenChats", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		n, err := s.OpenChats(t.Context(), a.ws.ID, b.owner.ID)
		noErr(t, "open chats", err)
		equal(t, "B's owner's open chats counted as A", n, 0)
		n, err = s.OpenChats(t.Context(), b.ws.ID, b.owner.ID)
		noErr(t, "open chats", err)
		equal(t, "B's owner's open chats (fixture)", n, 1)
	}},
	isolationCase{method: "DueConversations", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		due, err := s.DueConversations(t.Context(), b.ws.ID, isoCutoffs, 100)
		noErr(t, "B's due", err)
		for kind, list := range dueLists(due) {
			if len(list) == 0 {
				t.Fatalf("fixture: B has no %s conversation due, so the case proves nothing", kind)
			}
		}
		due, err = s.DueConversations(t.Context(), a.ws.ID, isoCutoffs, 100)
		noErr(t, "A's due", err)
		for kind, list := range dueLists(due) {
			var foreign []string
			for _, c := range list {
				if c.WorkspaceID != a.ws.ID {
					foreign = append(foreign, c.ID)
				}
			}
			if len(foreign) > 0 {
				t.Errorf("A's due %s conversations hold %d of other workspaces, such as %s", kind, len(foreign), foreign[0])
			}
		}
	}}.arranged(func(t *testing.T, s *store.Store, a, b *isoTenant) {
		// B also has a pending and a snoozed conversation.
		ctx := t.Context()
		until := Epoch.Add(time.Minute)
		for i, tr := range []store.Transition{{Status: store.StatusPending}, {Status: store.StatusSnoozed, SnoozeUntil: &until}} {
			v, err := s.CreateVisitor(ctx, b.ws.ID, b.site.ID, fmt.Sprint("token-due-", i, "-", b.ws.ID), Epoch)
			noErr(t, "visitor", err)
			c, _, err := s.StartConversation(ctx, b.ws.ID, v.ID, "", Epoch)
			noErr(t, "start", err)
			_, _, err = s.Transition(ctx, b.ws.ID, c.ID, tr, Epoch)
			noErr(t, "transition", err)
		}
	}),

	// Messages.
	refused("AppendMessage", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.AppendMessage(ctx, textMessage(a.ws.ID, b.conv.ID, "x", "intrusion"), isoNow)
		return err
	}),
	refused("AppendMessage", "as B's visitor", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		m := visitorMessage(b.visitor, a.conv.ID, "x", "intrusion")
		m.WorkspaceID = a.ws.ID
		_, err := s.AppendMessage(ctx, m, isoNow)
		return err
	}),
	isolationCase{method: "ReplyTimeouts", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		tried, waiting, err := s.ReplyTimeouts(t.Context(), a.ws.ID, b.conv.ID)
		noErr(t, "reply timeouts", err)
		if len(tried) != 0 || waiting {
			t.Fatalf("A read B's reply timeouts: %v, waiting %v", tried, waiting)
		}
	}}.arranged(func(t *testing.T, s *store.Store, a, b *isoTenant) {
		m := store.Message{WorkspaceID: b.ws.ID, ConversationID: b.conv.ID, Kind: store.KindSystem, AuthorType: store.AuthorSystem,
			Body: "No reply in time", Meta: map[string]any{"event": "assigned", "reason": "reply_timeout", "from_agent_id": b.agent.ID}}
		_, err := s.AppendMessage(t.Context(), m, isoNow)
		noErr(t, "B's event", err)
	}),
	refused("Receive", "seen of B's conversation", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.Receive(ctx, store.Receipt{WorkspaceID: a.ws.ID, ConversationID: b.conv.ID, Visitor: true, Seen: true, Seq: 1}, isoNow)
		return err
	}),
	refused("Receive", "delivered of B's conversation", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.Receive(ctx, store.Receipt{WorkspaceID: a.ws.ID, ConversationID: b.conv.ID, Seq: 1}, isoNow)
		return err
	}),
	refused("Receive", "read of B's conversation", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.Receive(ctx, store.Receipt{WorkspaceID: a.ws.ID, ConversationID: b.conv.ID, Seen: true, AgentID: a.owner.ID, Seq: 1}, isoNow)
		return err
	}),
	refused("Receive", "read as B's agent", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.Receive(ctx, store.Receipt{WorkspaceID: a.ws.ID, ConversationID: a.conv.ID, Seen: true, AgentID: b.owner.ID, Seq: 1}, isoNow)
		return err
	}),
	isolationCase{method: "ReadMarkers", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		got, err := s.ReadMarkers(t.Context(), a.ws.ID, b.owner.ID, []string{b.conv.ID, a.conv.ID})
		noErr(t, "read markers", err)
		if len(got) != 0 {
			t.Fatalf("A's query read B's markers: %v", got)
		}
	}}.arranged(func(t *testing.T, s *store.Store, a, b *isoTenant) {
		_, err := s.Receive(t.Context(), store.Receipt{WorkspaceID: b.ws.ID, ConversationID: b.conv.ID, Seen: true, AgentID: b.owner.ID, Seq: 1}, isoNow)
		noErr(t, "B reads its chat", err)
	}),
	refused("MessageByClientID", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
		_, err := s.MessageByClientID(ctx, a.ws.ID, b.conv.ID, "v1")
		return err
	}),
	{method: "ListMessages", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
		msgs, err := s.ListMessages(t.Context(), a.ws.ID, b.conv.ID, 0, 0, 100)
		noErr(t, "list messages", err)
		equal(t, "B's messages read as A", len(msgs), 0)
	}},
}

// isoNow is when the cases act: an hour after the fixtures were made.
var isoNow = Epoch.Add(time.Hour)

// isoCutoffs makes every timer of every conversation due.
var isoCutoffs = store.Cutoffs{Now: Epoch.Add(1000 * time.Hour), Pending: Epoch.Add(1000 * time.Hour),
	Inactive: Epoch.Add(1000 * time.Hour), Reply: Epoch.Add(1000 * time.Hour)}

// assignedEvent is the event Assign appends, naming the chosen agent.
func assignedEvent(ag store.Agent) *store.Message {
	return &store.Message{Kind: store.KindSystem, AuthorType: store.AuthorSystem, Body: "assigned to " + ag.Name}
}

// online arranges for one agent to be online (Assign picks online agents).
func online(who func(a, b *isoTenant) store.Agent) func(t *testing.T, s *store.Store, a, b *isoTenant) {
	return func(t *testing.T, s *store.Store, a, b *isoTenant) {
		ag := who(a, b)
		noErr(t, "online", s.SetAgentStatus(t.Context(), ag.WorkspaceID, ag.ID, "online", Epoch))
	}
}

func withDepartments(a store.Agent, deptIDs ...string) store.Agent {
	a.DepartmentIDs = append(slices.Clone(a.DepartmentIDs), deptIDs...)
	return a
}

func dueLists(d store.Due) map[string][]store.Conversation {
	return map[string][]store.Conversation{"snoozed": d.Snoozed, "pending": d.Pending, "inactive": d.Inactive,
		"reply overdue": d.ReplyOverdue}
}

func visitorID(v store.Visitor) string   { return v.ID }
func convID(c store.Conversation) string { return c.ID }
func ticketID(t store.Ticket) string     { return t.ID }

// isoTenant is a tenant with chat rows in every state the scoped methods
// read: an online, identified visitor (with context and a page view) whose
// open, unassigned conversation holds one message; a second visitor whose
// conversation is assigned to the owner and waits for a reply; and a
// visitor who never started one.
type isoTenant struct {
	tenant
	token          string // the online visitor's token hash
	visitor, idle  store.Visitor
	contact        store.Contact
	conv, assigned store.Conversation
	closed         store.Conversation
	ticket         store.Ticket  // open, unassigned, in the tenant's department
	mail           store.OutMail // the ticket's queued answer
	mailHost       string
	block          store.Block
	audit          store.AuditEntry
	contacts       []string              // every contact id, for the snapshot
	billing        store.Department      // made by a case's arrange
	onlyB          store.Contact         // made by a case's arrange
	claim          store.Contact         // made by a case's arrange
	quick          store.QuickResponse   // made by a case's arrange
	file           store.File            // made by a case's arrange: incomplete, one chunk
	board          store.Board           // made by a case's arrange, with the ticket moved onto it
	cast           store.Broadcast       // made by a case's arrange: active, shown to the visitor
	key            store.APIKey          // made by a case's arrange, with an answer kept for an idempotency key
	hook           store.WebhookEndpoint // takes every event, from the tenant's first row on
	wa             waFixture             // made by a case's arrange (arrangeWhatsApp)
}

// bKey gives B an API key of its owner, and the answer of a create sent
// with Idempotency-Key "create-1".
func bKey(t *testing.T, s *store.Store, a, b *isoTenant) {
	var err error
	b.key, err = s.CreateAPIKey(t.Context(), store.APIKey{WorkspaceID: b.ws.ID, AgentID: b.owner.ID, Name: "B's CRM", Prefix: "bbbbbbbb",
		TokenHash: "hash-of-b-key-" + b.ws.ID, Scopes: []string{"contacts:write"}}, 50, isoNow)
	noErr(t, "B's key", err)
	_, found, err := s.BeginIdempotent(t.Context(), b.ws.ID, "key:"+b.key.ID, "create-1", "request-b", isoNow)
	noErr(t, "B's idempotent request", err)
	equal(t, "a new idempotency key", found, false)
	noErr(t, "B's answer", s.EndIdempotent(t.Context(), b.ws.ID, "key:"+b.key.ID, "create-1", 201, `{"id":"b"}`))
}

// bAnswerKept checks B's kept answer is as bKey left it.
func bAnswerKept(t *testing.T, s *store.Store, b isoTenant) {
	t.Helper()
	got, found, err := s.BeginIdempotent(t.Context(), b.ws.ID, "key:"+b.key.ID, "create-1", "request-b", isoNow)
	noErr(t, "B's answer", err)
	equal(t, "B's kept answer", [2]any{found, got}, [2]any{true, store.Idempotent{Request: "request-b", Status: 201, Body: `{"id":"b"}`}})
}

// bCast gives B an active broadcast its online visitor was shown.
func bCast(t *testing.T, s *store.Store, a, b *isoTenant) {
	var err error
	b.cast, err = s.CreateBroadcast(t.Context(), store.Broadcast{WorkspaceID: b.ws.ID, Name: "B's news", Kind: store.BroadcastBanner,
		Placement: store.PlaceTop, Text: "B only", Frequency: store.OncePerVisitor, Status: store.BroadcastActive,
		Audience: store.Audience{Visitors: "all", Identity: "all"}}, isoNow)
	noErr(t, "B's broadcast", err)
	shown, err := s.ClaimBroadcasts(t.Context(), store.Showing{WorkspaceID: b.ws.ID, VisitorID: b.visitor.ID, PageView: "b-view-1",
		Session: isoNow, Day: "2025-03-14"}, []store.Offer{{BroadcastID: b.cast.ID, Frequency: store.OncePerVisitor}}, isoNow)
	noErr(t, "B's showing", err)
	equal(t, "B's showing", shown, []string{b.cast.ID})
}

// bRated gives B's ended chat a rating, with a comment.
func bRated(t *testing.T, s *store.Store, a, b *isoTenant) {
	_, err := s.RateConversation(t.Context(), b.ws.ID, b.closed.ID, b.closed.VisitorID, store.RatingGood, "B's words", time.Time{}, isoNow)
	noErr(t, "B's rating", err)
}

// bBoard gives B a board with a column of each stage, and moves B's
// ticket to its Waiting column (a place and a history entry).
func bBoard(t *testing.T, s *store.Store, a, b *isoTenant) {
	var err error
	b.board, err = s.CreateBoard(t.Context(), b.ws.ID, "B's board", stageColumns(), true, Epoch)
	noErr(t, "B's board", err)
	_, err = s.MoveTicket(t.Context(), b.ws.ID, store.Move{TicketID: b.ticket.ID, ColumnID: columnOf(b.board, store.StageWaiting),
		AgentID: b.agent.ID, AgentName: "B"}, Epoch)
	noErr(t, "B's move", err)
	// A has a board too, so that a case aimed at B's cannot fall back on "none".
	_, err = s.CreateBoard(t.Context(), a.ws.ID, "A's board", stageColumns(), true, Epoch)
	noErr(t, "A's board", err)
}

// bFile gives B's conversation an upload under way (one chunk written):
// what A could still change if it reached it.
func bFile(t *testing.T, s *store.Store, a, b *isoTenant) {
	var err error
	b.file, err = s.CreateFile(t.Context(), store.File{WorkspaceID: b.ws.ID, ConversationID: b.conv.ID, ClientMsgID: "b-upload",
		AuthorType: store.AuthorVisitor, AuthorID: b.visitor.ID, Name: "b.pdf", ContentType: "application/pdf"}, Epoch)
	noErr(t, "B's file", err)
	noErr(t, "B's chunk", s.PutFileChunk(t.Context(), b.ws.ID, b.file.ID, 0, []byte("%PDF-B"), Epoch))
}

// bQuick gives B a shared quick response.
func bQuick(t *testing.T, s *store.Store, a, b *isoTenant) {
	var err error
	b.quick, err = s.CreateQuickResponse(t.Context(), store.QuickResponse{WorkspaceID: b.ws.ID, Title: "B's", Shortcut: "b", Body: "B's answer"}, Epoch)
	noErr(t, "B's quick response", err)
}

// ownersOnline sets both tenants' owners online.
func ownersOnline(t *testing.T, s *store.Store, a, b *isoTenant) {
	for _, ag := range []store.Agent{a.owner, b.owner} {
		noErr(t, "online", s.SetAgentStatus(t.Context(), ag.WorkspaceID, ag.ID, "online", isoNow))
	}
}

// bMentioned gives B's agent an inbox item: a mention in B's conversation.
func bMentioned(t *testing.T, s *store.Store, a, b *isoTenant) {
	_, _, err := s.AddInboxItem(t.Context(), store.InboxItem{WorkspaceID: b.ws.ID, AgentID: b.agent.ID, Kind: store.InboxMention,
		Dedupe: "mention:b", ConversationID: b.conv.ID}, false, isoNow)
	noErr(t, "B's mention", err)
}

func newIsoTenant(t *testing.T, s *store.Store, name string) isoTenant {
	t.Helper()
	ctx := t.Context()
	it := isoTenant{tenant: newTenant(t, s, name), token: "token-" + name}
	ws := it.ws.ID
	var err error
	// Every event of the tenant is written for its webhook endpoint: each
	// case checks a change in A writes none of B's deliveries.
	it.hook, err = s.CreateWebhook(ctx, store.WebhookEndpoint{WorkspaceID: ws, URL: "https://" + name + ".example/hook",
		Events: store.WebhookEvents, Secret: "whsec_" + name}, 20, Epoch)
	noErr(t, "webhook", err)
	it.visitor, err = s.CreateVisitor(ctx, ws, it.site.ID, it.token, Epoch)
	noErr(t, "visitor", err)
	_, err = s.TouchVisitor(ctx, ws, it.visitor.ID, store.PageView{URL: "https://" + name + ".example/", Title: "Home"},
		Epoch, Epoch.Add(time.Hour), 0)
	noErr(t, "touch", err)
	it.contact, err = s.UpsertContact(ctx, ws, "user-1", "Customer "+name, "customer@"+name+".example", Epoch)
	noErr(t, "contact", err)
	it.contacts = []string{it.contact.ID}
	_, err = s.SetVisitorIdentity(ctx, ws, it.visitor.ID, "Customer "+name, "customer@"+name+".example", it.contact.ID)
	noErr(t, "identity", err)
	noErr(t, "context", s.SetVisitorContext(ctx, ws, it.visitor.ID, map[string]any{"plan": name}, Epoch))
	it.conv, _, err = s.StartConversation(ctx, ws, it.visitor.ID, it.dept.ID, Epoch)
	noErr(t, "start", err)
	_, err = s.AppendMessage(ctx, visitorMessage(it.visitor, it.conv.ID, "v1", "hello from "+name), Epoch)
	noErr(t, "message", err)

	waiting, err := s.CreateVisitor(ctx, ws, it.site.ID, "token-waiting-"+name, Epoch)
	noErr(t, "visitor", err)
	c, _, err := s.StartConversation(ctx, ws, waiting.ID, "", Epoch)
	noErr(t, "start", err)
	_, err = s.AppendMessage(ctx, visitorMessage(waiting, c.ID, "w1", "anyone?"), Epoch)
	noErr(t, "message", err)
	it.assigned, _, err = s.Transition(ctx, ws, c.ID, store.Transition{SetAssignee: &it.owner.ID}, Epoch)
	noErr(t, "assign", err)

	done, err := s.CreateVisitor(ctx, ws, it.site.ID, "token-done-"+name, Epoch)
	noErr(t, "visitor", err)
	dc, _, err := s.StartConversation(ctx, ws, done.ID, "", Epoch)
	noErr(t, "start", err)
	it.closed, _, err = s.Transition(ctx, ws, dc.ID, store.Transition{Status: store.StatusClosed, ClosedBy: store.AuthorSystem}, Epoch)
	noErr(t, "close", err)

	writer, err := s.CreateVisitor(ctx, ws, it.site.ID, "token-ticket-"+name, Epoch)
	noErr(t, "visitor", err)
	tc, _, err := s.StartConversation(ctx, ws, writer.ID, it.dept.ID, Epoch)
	noErr(t, "start", err)
	_, err = s.AppendMessage(ctx, visitorMessage(writer, tc.ID, "t1", "please call me back"), Epoch)
	noErr(t, "message", err)
	held, err := s.Hold(ctx, ws, tc.ID, store.Hold{Ticket: store.TicketNoAgent, Subject: "please call me back"}, Epoch)
	noErr(t, "ticket", err)
	it.ticket = *held.Ticket
	it.mailHost = "smtp." + name + ".example"
	noErr(t, "mail settings", s.SetMailSettings(ctx, store.MailSettings{WorkspaceID: ws, Host: it.mailHost, Port: 587,
		Security: "starttls", Username: "desk", Password: "secret-" + name, FromAddress: "help@" + name + ".example"}, Epoch))
	_, err = s.QueueMail(ctx, store.OutMail{WorkspaceID: ws, TicketID: it.ticket.ID, MessageID: "answer-" + name,
		ConversationID: it.ticket.ConversationID, Seq: 1, To: "customer@" + name + ".example", Subject: "Re: your message", Body: "Hello"},
		Epoch, Epoch)
	noErr(t, "queue mail", err)
	it.mail, err = s.TicketMail(ctx, ws, it.ticket.ID)
	noErr(t, "ticket mail", err)

	it.idle, err = s.CreateVisitor(ctx, ws, it.site.ID, "token-idle-"+name, Epoch)
	noErr(t, "visitor", err)
	noErr(t, "set ip", s.SetVisitorIP(ctx, ws, it.idle.ID, "198.51.100."+map[string]string{"a": "1", "b": "2"}[name]))
	it.audit, err = s.AppendAudit(ctx, store.AuditEntry{WorkspaceID: ws, ActorID: it.owner.ID, Action: "sign_in", IP: "192.0.2.9"}, Epoch)
	noErr(t, "audit", err)
	it.block, err = s.CreateBlock(ctx, store.Block{WorkspaceID: ws, Kind: store.BlockVisitor, Value: it.idle.ID, Reason: "spam", CreatedBy: it.owner.ID}, Epoch)
	noErr(t, "block", err)
	if it.visitor, err = s.GetVisitor(ctx, ws, it.visitor.ID); err != nil {
		t.Fatal(err)
	}
	if it.conv, err = s.GetConversation(ctx, ws, it.conv.ID); err != nil {
		t.Fatal(err)
	}
	return it
}

// chatSnapshot is everything a tenant's chat rows look like through every
// read the store offers.
type chatSnapshot struct {
	Conversations []store.Conversation
	Messages      [][]store.Message
	Visitors      []store.Visitor
	PageViews     [][]store.PageView
	Contacts      []store.Contact
	Online        []store.Visitor
	Queue         []store.Conversation
	OpenChats     []int // the owner's, the agent's
	Due           store.Due
	VisitorByKey  store.Visitor
	OpenConv      store.Conversation
	Blocks        []store.Block
	Audit         []store.AuditEntry
	Tickets       [][]store.Ticket // unassigned, the owner's, closed, archived
	OpenTickets   []store.Ticket   // the ticket writer's
	Mail          store.MailSettings
	TicketMail    store.OutMail
	File          store.File // the arranged upload, with its chunk and the conversation's count
	FileChunk     []byte
	FileCount     int
	Boards        []store.Board // every board, archived ones too, with what each shows and the ticket's history
	BoardTickets  [][]store.Ticket
	History       []store.TicketEvent
	APIKeys       []store.APIKey
	Webhooks      []store.WebhookEndpoint
	Deliveries    []store.WebhookDelivery // the endpoint's, newest first
	WhatsApp      waSnapshot
	Broadcasts    []store.Broadcast // every broadcast, with its counts by slot and in all
	CastSlots     []store.BroadcastSlot
	CastTotals    map[string]store.BroadcastStats
}

func takeChatSnapshot(t *testing.T, s *store.Store, it isoTenant) chatSnapshot {
	t.Helper()
	ctx := t.Context()
	ws := it.ws.ID
	var sn chatSnapshot
	var err error
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("snapshot of %s: %s: %v", it.ws.Name, what, err)
		}
	}
	sn.Conversations, err = s.ListConversations(ctx, ws, store.ConversationFilter{Limit: 500})
	must("conversations", err)
	visitors := []string{it.visitor.ID, it.idle.ID}
	for _, c := range sn.Conversations {
		msgs, err := s.ListMessages(ctx, ws, c.ID, 0, 0, 1000)
		must("messages", err)
		sn.Messages = append(sn.Messages, msgs)
		visitors = append(visitors, c.VisitorID)
	}
	sort.Strings(visitors)
	for _, id := range slices.Compact(visitors) {
		v, err := s.GetVisitor(ctx, ws, id)
		must("visitor", err)
		pages, err := s.ListPageViews(ctx, ws, id, 100)
		must("page views", err)
		sn.Visitors, sn.PageViews = append(sn.Visitors, v), append(sn.PageViews, pages)
	}
	for _, id := range it.contacts {
		c, err := s.GetContact(ctx, ws, id)
		must("contact", err)
		sn.Contacts = append(sn.Contacts, c)
	}
	sn.Online, err = s.ListOnlineVisitors(ctx, ws, 100)
	must("online", err)
	sn.Queue, err = s.Queue(ctx, ws, 100)
	must("queue", err)
	for _, ag := range []store.Agent{it.owner, it.agent} {
		n, err := s.OpenChats(ctx, ws, ag.ID)
		must("open chats", err)
		sn.OpenChats = append(sn.OpenChats, n)
	}
	sn.Due, err = s.DueConversations(ctx, ws, isoCutoffs, 100)
	must("due", err)
	sn.VisitorByKey, err = s.VisitorByToken(ctx, it.site.ID, it.token)
	must("visitor by token", err)
	sn.OpenConv, err = s.OpenConversation(ctx, ws, it.visitor.ID)
	must("open conversation", err)
	sn.Blocks, err = s.ListBlocks(ctx, ws)
	must("blocks", err)
	sn.Audit, err = s.ListAudit(ctx, ws, "", 100)
	must("audit", err)
	for _, f := range []store.TicketFilter{{Queue: store.QueueUnassigned}, {Queue: store.QueueAssigned, AgentID: it.owner.ID},
		{Queue: store.QueueClosed}, {Queue: store.QueueClosed, Archived: true}} {
		list, err := s.ListTickets(ctx, ws, f)
		must("tickets", err)
		sn.Tickets = append(sn.Tickets, list)
	}
	sn.OpenTickets, err = s.OpenTicketsOf(ctx, ws, it.ticket.VisitorID, "")
	must("open tickets", err)
	if sn.Mail, err = s.GetMailSettings(ctx, ws); !errors.Is(err, store.ErrNotFound) {
		must("mail settings", err)
	}
	sn.TicketMail, err = s.TicketMail(ctx, ws, it.ticket.ID)
	must("ticket mail", err)
	if it.file.ID != "" {
		sn.File, err = s.GetFile(ctx, ws, it.file.ID)
		must("file", err)
		sn.FileChunk, err = s.FileChunk(ctx, ws, it.file.ID, 0)
		must("file chunk", err)
	}
	sn.FileCount, err = s.CountFiles(ctx, ws, it.conv.ID)
	must("files", err)
	sn.Boards, err = s.ListBoards(ctx, ws, true)
	must("boards", err)
	for i, b := range sn.Boards {
		ts, err := s.BoardTickets(ctx, ws, b, i == 0, 100)
		must("board tickets", err)
		sn.BoardTickets = append(sn.BoardTickets, ts)
	}
	sn.History, err = s.TicketHistory(ctx, ws, it.ticket.ID, 100)
	must("history", err)
	sn.APIKeys, err = s.ListAPIKeys(ctx, ws)
	must("api keys", err)
	sn.Webhooks, err = s.ListWebhooks(ctx, ws)
	must("webhooks", err)
	sn.Deliveries, err = s.ListWebhookDeliveries(ctx, ws, it.hook.ID, 0, 1000)
	must("webhook deliveries", err)
	sn.WhatsApp = takeWASnapshot(t, s, it)
	sn.Broadcasts, err = s.ListBroadcasts(ctx, ws, "", "", 100)
	must("broadcasts", err)
	sn.CastSlots, err = s.BroadcastActivity(ctx, ws, "", Epoch, isoNow.Add(24*time.Hour))
	must("broadcast activity", err)
	castIDs := make([]string, len(sn.Broadcasts))
	for i, b := range sn.Broadcasts {
		castIDs[i] = b.ID
	}
	sn.CastTotals, err = s.BroadcastTotals(ctx, ws, castIDs)
	must("broadcast totals", err)
	return sn
}

// runIsolation checks that the cases cover every workspace-scoped method,
// then runs them.
func runIsolation(t *testing.T, newStore NewStore) {
	t.Helper()
	t.Run("tenancy/every workspace-scoped method has an isolation case or an exemption", func(t *testing.T) {
		t.Parallel()
		checkIsolationCoverage(t, isolationCases, isolationExempt)
	})
	t.Run("tenancy/workspace A can neither read nor change workspace B", func(t *testing.T) {
		t.Parallel()
		testTenantIsolation(t, newStore(t))
	})
}

// testTenantIsolation runs every case on its own pair of tenants, all in
// one database, in parallel: B's rows sit in the same tables as A's and as
// every other case's.
func testTenantIsolation(t *testing.T, s *store.Store) {
	for i, c := range isolationCases {
		t.Run(c.title(), func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			a := newIsoTenant(t, s, fmt.Sprintf("a%02d", i))
			b := newIsoTenant(t, s, fmt.Sprintf("b%02d", i))
			if c.arrange != nil {
				c.arrange(t, s, &a, &b)
			}
			beforeA, beforeB := takeSnapshot(t, s, a.tenant), takeSnapshot(t, s, b.tenant)
			chatA, chatB := takeChatSnapshot(t, s, a), takeChatSnapshot(t, s, b)
			c.run(t, s, a, b)
			sameSnapshot(t, "workspace B", beforeB, takeSnapshot(t, s, b.tenant))
			sameSnapshot(t, "workspace B", chatB, takeChatSnapshot(t, s, b))
			if !c.changesA {
				sameSnapshot(t, "workspace A", beforeA, takeSnapshot(t, s, a.tenant))
				sameSnapshot(t, "workspace A", chatA, takeChatSnapshot(t, s, a))
			}
			// Nothing a refused call would have created exists.
			_, err := s.AgentByEmail(ctx, "sneaky@"+a.ws.ID+".example")
			wantErr(t, err, store.ErrNotFound)
			_, err = s.SiteByWidgetKey(ctx, "wk_sneaky_"+a.ws.ID)
			wantErr(t, err, store.ErrNotFound)
			_, err = s.SiteByWidgetKey(ctx, "wk_hijacked_"+a.ws.ID)
			wantErr(t, err, store.ErrNotFound)
			_, _, err = s.SessionAgent(ctx, "hijack-"+a.ws.ID, isoNow)
			wantErr(t, err, store.ErrNotFound)
		})
	}
}

// scopedMethods lists the exported methods of *store.Store that take,
// besides their context, anything that can name a row: a string (an id, a
// key, a name) or a struct (a row, a filter, a transition), or slices, maps
// or pointers of those. Times, numbers and callbacks name nothing.
func scopedMethods() []string {
	typ := reflect.TypeFor[*store.Store]()
	var out []string
	for m := range typ.Methods() {
		for i := 1; i < m.Type.NumIn(); i++ { // In(0) is the receiver
			if namesRows(m.Type.In(i)) {
				out = append(out, m.Name)
				break
			}
		}
	}
	return out
}

func namesRows(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.String:
		return true
	case reflect.Struct:
		return t != reflect.TypeFor[time.Time]()
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return namesRows(t.Elem())
	case reflect.Map:
		return namesRows(t.Key()) || namesRows(t.Elem())
	}
	return false
}

// checkIsolationCoverage fails for a workspace-scoped store method with
// neither an isolation case nor an exemption, and for registry entries
// that name no such method (renamed or removed ones).
func checkIsolationCoverage(t *testing.T, cases []isolationCase, exempt map[string]string) {
	t.Helper()
	covered := map[string]bool{}
	for _, c := range cases {
		covered[c.method] = true
	}
	scoped := map[string]bool{}
	var missing []string
	for _, name := range scopedMethods() {
		scoped[name] = true
		_, isExempt := exempt[name]
		switch {
		case covered[name] && isExempt:
			t.Errorf("store.%s has isolation cases and an exemption: drop the exemption", name)
		case !covered[name] && !isExempt:
			missing = append(missing, name)
		}
	}
	for name := range covered {
		if !scoped[name] {
			t.Errorf("an isolation case covers store.%s, which is not a workspace-scoped method of *store.Store", name)
		}
	}
	for name := range exempt {
		if !scoped[name] {
			t.Errorf("isolationExempt lists store.%s, which is not a workspace-scoped method of *store.Store", name)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		t.Errorf("workspace-scoped store methods without a tenant-isolation case: %s\n"+
			"Add a case to isolationCases (storetest/isolation.go) that calls each with workspace A's id on workspace B's rows,\n"+
			"or list it in isolationExempt with the reason it cannot reach another workspace's rows.",
			strings.Join(missing, ", "))
	}
}
