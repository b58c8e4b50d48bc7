package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/store"
)

// waFixture is a tenant's WhatsApp number with one customer, whose
// conversation has their message (its wamid recorded) and an agent's
// answer sent (an outbound wamid), and one synced template.
type waFixture struct {
	channel store.WhatsAppChannel
	user    store.WhatsAppUser
	conv    store.Conversation
	outSeq  int64
}

// arrangeWhatsApp gives A and B a WhatsApp number each (isolation cases).
func arrangeWhatsApp(t *testing.T, s *store.Store, a, b *isoTenant) {
	a.wa, b.wa = makeWhatsApp(t, s, a), makeWhatsApp(t, s, b)
}

func makeWhatsApp(t *testing.T, s *store.Store, it *isoTenant) waFixture {
	t.Helper()
	ctx := t.Context()
	ws, name := it.ws.ID, it.ws.Name
	var (
		f   waFixture
		err error
	)
	f.channel, err = s.CreateWhatsAppChannel(ctx, store.Site{WorkspaceID: ws, Name: name + " on WhatsApp", WidgetKey: "wk_wa_" + ws,
		BusinessHours: store.BusinessHours{TimeZone: "UTC"}, Look: store.DefaultLook()},
		store.WhatsAppChannel{WorkspaceID: ws, PhoneNumberID: "pn-" + ws, BusinessAccountID: "1", DisplayPhoneNumber: "+1 555 0100",
			AccessToken: "token-" + name, AppSecret: "secret-" + name, VerifyToken: "verify-" + name}, isoNow)
	noErr(t, "whatsapp channel", err)
	f.user, err = s.CreateWhatsAppUser(ctx, ws, f.channel.SiteID, "1555"+name, "1555"+name, "WA "+name, isoNow)
	noErr(t, "whatsapp user", err)
	v, err := s.GetVisitor(ctx, ws, f.user.VisitorID)
	noErr(t, "whatsapp visitor", err)
	it.contacts = append(it.contacts, v.ContactID)
	f.conv, _, err = s.StartConversation(ctx, ws, f.user.VisitorID, "", isoNow)
	noErr(t, "whatsapp conversation", err)
	in, err := s.AppendMessage(ctx, visitorMessage(v, f.conv.ID, "wa-in", "hi from WhatsApp"), isoNow)
	noErr(t, "whatsapp message", err)
	noErr(t, "whatsapp inbound", s.RecordWhatsAppInbound(ctx, store.WhatsAppInbound{WorkspaceID: ws, SiteID: f.channel.SiteID,
		WAMID: "wamid.in." + name, VisitorID: v.ID, ConversationID: f.conv.ID, Seq: in.Message.Seq, SentAt: isoNow}, isoNow))
	answer := textMessage(ws, f.conv.ID, "wa-out", "hello "+name)
	answer.AuthorID = it.owner.ID
	out, err := s.AppendMessage(ctx, answer, isoNow)
	noErr(t, "whatsapp answer", err)
	f.outSeq = out.Message.Seq
	// The thread is due at isoNow since the inbound: that is the lease a
	// claim would have set.
	ok, err := s.AdvanceWhatsAppThread(ctx, store.WhatsAppThread{WorkspaceID: ws, SiteID: f.channel.SiteID, ConversationID: f.conv.ID,
		VisitorID: v.ID, Lease: isoNow}, store.WhatsAppOutcome{Seq: f.outSeq, WAMID: "wamid.out." + name}, time.Time{}, isoNow)
	noErr(t, "whatsapp sent", err)
	equal(t, "whatsapp sent", ok, true)
	noErr(t, "whatsapp templates", s.ReplaceWhatsAppTemplates(ctx, ws, f.channel.SiteID, []store.WhatsAppTemplate{{ID: "tpl-" + name,
		Name: "hello", Language: "en", Category: "UTILITY", Status: "APPROVED", ParameterFormat: "positional", Body: "Hi {{1}}",
		Params: []string{"1"}}}, isoNow))
	if f.conv, err = s.GetConversation(ctx, ws, f.conv.ID); err != nil {
		t.Fatal(err)
	}
	return f
}

// waSnapshot is a tenant's WhatsApp rows through every read the store
// offers.
type waSnapshot struct {
	Channels  []store.WhatsAppChannel
	Templates []store.WhatsAppTemplate
	User      store.WhatsAppUser
	State     store.WhatsAppState
	Seen      [2]bool // its inbound and outbound wamids are known
	Avatar    []byte  // the owner's avatar (not WhatsApp's, but kept here with the tenant's other late rows)
}

func takeWASnapshot(t *testing.T, s *store.Store, it isoTenant) waSnapshot {
	t.Helper()
	ctx := t.Context()
	var (
		sn  waSnapshot
		err error
	)
	sn.Channels, err = s.ListWhatsAppChannels(ctx, it.ws.ID)
	noErr(t, "whatsapp channels", err)
	if _, sn.Avatar, err = s.AgentAvatar(ctx, it.ws.ID, it.owner.ID); !errors.Is(err, store.ErrNotFound) {
		noErr(t, "avatar", err)
	}
	if it.wa.channel.SiteID == "" {
		return sn
	}
	ws, site := it.ws.ID, it.wa.channel.SiteID
	sn.Templates, err = s.ListWhatsAppTemplates(ctx, ws, site)
	noErr(t, "whatsapp templates", err)
	sn.User, err = s.WhatsAppUserByVisitor(ctx, ws, it.wa.user.VisitorID)
	noErr(t, "whatsapp user", err)
	sn.State, err = s.WhatsAppConversation(ctx, ws, it.wa.conv.ID, 100)
	noErr(t, "whatsapp state", err)
	for i, id := range []string{"wamid.in." + it.ws.Name, "wamid.out." + it.ws.Name} {
		sn.Seen[i], err = s.WhatsAppMessageSeen(ctx, ws, site, id)
		noErr(t, "whatsapp seen", err)
	}
	return sn
}

// whatsAppIsolationCases aim each WhatsApp method of the store, called as
// A, at B's number, customer, conversation and templates.
func whatsAppIsolationCases() []isolationCase {
	wa := func(c isolationCase) isolationCase { return c.arranged(arrangeWhatsApp) }
	return []isolationCase{
		wa(refused("GetWhatsAppChannel", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
			_, err := s.GetWhatsAppChannel(ctx, a.ws.ID, b.wa.channel.SiteID)
			return err
		})),
		wa(refused("UpdateWhatsAppChannel", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
			c := b.wa.channel
			c.WorkspaceID, c.AccessToken, c.Name = a.ws.ID, "stolen", "hijacked"
			_, err := s.UpdateWhatsAppChannel(ctx, c, isoNow)
			return err
		})),
		wa(refused("DeleteWhatsAppChannel", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
			return s.DeleteWhatsAppChannel(ctx, a.ws.ID, b.wa.channel.SiteID)
		})),
		wa(isolationCase{method: "SetWhatsAppChannelStatus", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
			changed, err := s.SetWhatsAppChannelStatus(t.Context(), a.ws.ID, b.wa.channel.SiteID, store.WhatsAppTokenInvalid, "x", isoNow)
			noErr(t, "status", err)
			equal(t, "B's channel changed", changed, false)
		}}),
		wa(isolationCase{method: "ListWhatsAppChannels", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
			list, err := s.ListWhatsAppChannels(t.Context(), a.ws.ID)
			noErr(t, "list", err)
			equal(t, "A's channels", len(list), 1)
			equal(t, "A's channel", list[0].SiteID, a.wa.channel.SiteID)
		}}),
		refused("CreateWhatsAppChannel", "with B's department", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
			_, err := s.CreateWhatsAppChannel(ctx, store.Site{WorkspaceID: a.ws.ID, Name: "sneaky", WidgetKey: "wk_sneaky_" + a.ws.ID,
				DefaultDepartmentID: b.dept.ID, Look: store.DefaultLook()},
				store.WhatsAppChannel{WorkspaceID: a.ws.ID, PhoneNumberID: "pn-sneaky-" + a.ws.ID, AccessToken: "t", AppSecret: "s", VerifyToken: "v"}, isoNow)
			return err
		}),
		wa(refused("WhatsAppUserOf", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
			_, err := s.WhatsAppUserOf(ctx, a.ws.ID, b.wa.channel.SiteID, b.wa.user.User)
			return err
		})),
		wa(refused("WhatsAppUserByVisitor", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
			_, err := s.WhatsAppUserByVisitor(ctx, a.ws.ID, b.wa.user.VisitorID)
			return err
		})),
		wa(refused("CreateWhatsAppUser", "on B's number", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
			_, err := s.CreateWhatsAppUser(ctx, a.ws.ID, b.wa.channel.SiteID, "1999", "1999", "sneaky", isoNow)
			return err
		})),
		wa(isolationCase{method: "WhatsAppMessageSeen", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
			seen, err := s.WhatsAppMessageSeen(t.Context(), a.ws.ID, b.wa.channel.SiteID, "wamid.in."+b.ws.Name)
			noErr(t, "seen", err)
			equal(t, "B's wamid seen as A", seen, false)
		}}),
		wa(refused("RecordWhatsAppInbound", "in B's conversation", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
			return s.RecordWhatsAppInbound(ctx, store.WhatsAppInbound{WorkspaceID: a.ws.ID, SiteID: b.wa.channel.SiteID, WAMID: "wamid.sneaky",
				VisitorID: b.wa.user.VisitorID, ConversationID: b.wa.conv.ID, Seq: 1, SentAt: isoNow.Add(time.Hour)}, isoNow)
		})),
		wa(refused("EnsureWhatsAppThread", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
			return s.EnsureWhatsAppThread(ctx, a.ws.ID, b.wa.conv.ID, isoNow)
		})),
		wa(refused("WakeWhatsAppThread", "of B's conversation", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
			return s.WakeWhatsAppThread(ctx, a.ws.ID, a.wa.channel.SiteID, b.wa.conv.ID, isoNow)
		})),
		wa(isolationCase{method: "AdvanceWhatsAppThread", name: "with B's thread under A", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
			ok, err := s.AdvanceWhatsAppThread(t.Context(), store.WhatsAppThread{WorkspaceID: a.ws.ID, SiteID: b.wa.channel.SiteID,
				ConversationID: b.wa.conv.ID, SentSeq: b.wa.outSeq, Lease: isoNow}, store.WhatsAppOutcome{Seq: b.wa.outSeq + 5, Failed: true}, time.Time{}, isoNow)
			noErr(t, "advance", err)
			equal(t, "B's thread advanced", ok, false)
		}}),
		wa(isolationCase{method: "RetryWhatsAppThread", name: "with B's thread under A", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
			ok, err := s.RetryWhatsAppThread(t.Context(), store.WhatsAppThread{WorkspaceID: a.ws.ID, SiteID: b.wa.channel.SiteID,
				ConversationID: b.wa.conv.ID, Lease: isoNow}, "x", false, isoNow.Add(time.Hour), isoNow)
			noErr(t, "retry", err)
			equal(t, "B's thread held", ok, false)
		}}),
		wa(refused("SetWhatsAppStatus", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
			_, _, err := s.SetWhatsAppStatus(ctx, a.ws.ID, b.wa.channel.SiteID, "wamid.out."+b.ws.Name, "read", 0, "", isoNow)
			return err
		})),
		wa(refused("WhatsAppConversation", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
			_, err := s.WhatsAppConversation(ctx, a.ws.ID, b.wa.conv.ID, 10)
			return err
		})),
		wa(refused("ReplaceWhatsAppTemplates", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
			return s.ReplaceWhatsAppTemplates(ctx, a.ws.ID, b.wa.channel.SiteID, nil, isoNow)
		})),
		wa(isolationCase{method: "ListWhatsAppTemplates", run: func(t *testing.T, s *store.Store, a, b isoTenant) {
			list, err := s.ListWhatsAppTemplates(t.Context(), a.ws.ID, b.wa.channel.SiteID)
			noErr(t, "templates", err)
			equal(t, "B's templates as A", len(list), 0)
		}}),
		wa(refused("GetWhatsAppTemplate", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
			_, err := s.GetWhatsAppTemplate(ctx, a.ws.ID, b.wa.channel.SiteID, "tpl-"+b.ws.Name)
			return err
		})),
	}
}

func init() {
	isolationCases = append(isolationCases, whatsAppIsolationCases()...)
	isolationCases = append(isolationCases, avatarIsolationCases()...)
}

// Avatars (issue 11): B's owner has one; A's calls cannot read or
// change it.
func avatarIsolationCases() []isolationCase {
	bAvatar := func(t *testing.T, s *store.Store, a, b *isoTenant) {
		_, err := s.SetAgentAvatar(t.Context(), b.ws.ID, b.owner.ID, "image/png", []byte("png-of-b"), isoNow)
		noErr(t, "B's avatar", err)
	}
	return []isolationCase{
		refused("SetAgentAvatar", "of B's agent", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
			_, err := s.SetAgentAvatar(ctx, a.ws.ID, b.owner.ID, "image/png", []byte("sneaky"), isoNow)
			return err
		}).arranged(bAvatar),
		refused("SetAgentAvatar", "removing B's", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
			_, err := s.SetAgentAvatar(ctx, a.ws.ID, b.owner.ID, "", nil, isoNow)
			return err
		}).arranged(bAvatar),
		refused("RevealIdentitySecret", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
			_, err := s.RevealIdentitySecret(ctx, a.ws.ID, b.site.ID)
			return err
		}),
		refused("AgentAvatar", "", func(ctx context.Context, s *store.Store, a, b isoTenant) error {
			_, _, err := s.AgentAvatar(ctx, a.ws.ID, b.owner.ID)
			return err
		}).arranged(bAvatar),
	}
}
