package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/store"
)

func runContacts(t *testing.T, newStore NewStore) {
	t.Helper()
	runCases(t, newStore, []storeCase{
		{"contacts/create, read, update, typed fields; external ids unique", testContacts},
		{"contacts/search anywhere, three orders, keyset paging", testContactSearch},
		{"contacts/a merge moves everything to one and leaves a trace", testContactMerge},
		{"contacts/a merge keeps both external ids, and identify follows the trace", testContactMergeKeepsIDs},
		{"contacts/identify of a new user from two tabs at once makes one contact", testContactUpsertRace},
		{"contacts/a contact of claims is no user for tickets", testClaimsAreNoUser},
		{"contacts/the visitor retention deletes contacts of claims left with nothing", testClaimsRetention},
		{"contacts/erasing deletes the contact's visitors, conversations and tickets", testContactErase},
		{"contacts/the page lists the notes of the contact's conversations as they are now", testContactComments},
		{"quick responses/an agent sees its own, its departments' and the workspace's; uses count", testQuickResponses},
	})
}

func contactID(c store.Contact) string { return c.ID }

func testContacts(t *testing.T, s *store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "a")
	fields := map[string]store.ContactField{
		"plan":   {Type: store.FieldText, Value: "pro"},
		"seats":  {Type: store.FieldNumber, Value: float64(12)},
		"trial":  {Type: store.FieldBoolean, Value: true},
		"renews": {Type: store.FieldDate, Value: "2026-12-01"},
		"crm":    {Type: store.FieldLink, Value: "https://crm.example/c/7"},
	}
	c, err := s.CreateContact(ctx, store.Contact{WorkspaceID: tn.ws.ID, ExternalID: "u-7", Name: "Ann Lee", Email: "ann@shop.example",
		Phone: "+49 30 1234", Fields: fields}, Epoch)
	noErr(t, "create", err)
	got, err := s.GetContact(ctx, tn.ws.ID, c.ID)
	noErr(t, "get", err)
	equal(t, "read back", got, store.Contact{ID: c.ID, WorkspaceID: tn.ws.ID, ExternalID: "u-7", Name: "Ann Lee", Email: "ann@shop.example",
		Phone: "+49 30 1234", Fields: fields, CreatedAt: Epoch, UpdatedAt: Epoch})

	_, err = s.CreateContact(ctx, store.Contact{WorkspaceID: tn.ws.ID, ExternalID: "u-7", Name: "Twin"}, Epoch)
	wantErr(t, err, store.ErrConflict)
	other, err := s.CreateContact(ctx, store.Contact{WorkspaceID: tn.ws.ID, Name: "No id", Email: "ann@shop.example"}, Epoch.Add(time.Second))
	noErr(t, "a contact without an external id", err)

	got.Name, got.Phone, got.Fields = "Ann Lee-Park", "", map[string]store.ContactField{"plan": {Type: store.FieldText, Value: "team"}}
	upd, err := s.UpdateContact(ctx, got, Epoch.Add(time.Minute))
	noErr(t, "update", err)
	equal(t, "updated", [4]any{upd.Name, upd.Phone, upd.Fields["plan"].Value, upd.UpdatedAt}, [4]any{"Ann Lee-Park", "", "team", Epoch.Add(time.Minute)})
	bad := other
	bad.ExternalID = "u-7"
	_, err = s.UpdateContact(ctx, bad, Epoch.Add(time.Hour))
	wantErr(t, err, store.ErrConflict)

	// The upsert of identify keeps what it does not set.
	up, err := s.UpsertContact(ctx, tn.ws.ID, "u-7", "", "ann@new.example", Epoch.Add(2*time.Minute))
	noErr(t, "upsert", err)
	equal(t, "upserted", [3]any{up.ID, up.Name, up.Email}, [3]any{c.ID, "Ann Lee-Park", "ann@new.example"})
	first, err := s.ContactByEmail(ctx, tn.ws.ID, "ann@shop.example")
	noErr(t, "by e-mail", err)
	equal(t, "by e-mail", first.ID, other.ID)
	_, err = s.ContactByEmail(ctx, tn.ws.ID, "nobody@shop.example")
	wantErr(t, err, store.ErrNotFound)

	// A claimed address finds the contact of claims, never the vouched one.
	claimed, err := s.ClaimContact(ctx, tn.ws.ID, "ann@new.example", "Ann?", Epoch.Add(time.Hour))
	noErr(t, "claim", err)
	if claimed.ID == c.ID || claimed.ExternalID != "" {
		t.Fatalf("a claim of the vouched contact's address found it: %+v", claimed)
	}
	again, err := s.ClaimContact(ctx, tn.ws.ID, "ann@new.example", "", Epoch.Add(2*time.Hour))
	noErr(t, "claim again", err)
	equal(t, "the same contact of claims", again.ID, claimed.ID)
}

func testContactSearch(t *testing.T, s *store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "a")
	names := []string{"Cy", "Ann", "Bea", "Dee", "Eve", "100% Sure", "Under_Score"}
	byName := map[string]store.Contact{}
	for i, n := range names {
		c, err := s.CreateContact(ctx, store.Contact{WorkspaceID: tn.ws.ID, ExternalID: fmt.Sprintf("id-%d", i), Name: n,
			Email: fmt.Sprintf("%s@x.example", n[:2]), Phone: fmt.Sprintf("+1 555 000%d", i),
			Fields: map[string]store.ContactField{"plan": {Type: store.FieldText, Value: map[bool]string{true: "Gold", false: "free"}[i%2 == 0]}}},
			Epoch.Add(time.Duration(i)*time.Minute))
		noErr(t, "create", err)
		byName[n] = c
	}
	list := func(q store.ContactQuery) []string {
		t.Helper()
		if q.Limit == 0 {
			q.Limit = 50
		}
		got, err := s.ListContacts(ctx, tn.ws.ID, q)
		noErr(t, "list", err)
		out := []string{}
		for _, c := range got {
			out = append(out, c.Name)
		}
		return out
	}
	equal(t, "by name", list(store.ContactQuery{}), []string{"100% Sure", "Ann", "Bea", "Cy", "Dee", "Eve", "Under_Score"})
	equal(t, "newest first", list(store.ContactQuery{Sort: store.ContactsByCreated, Limit: 3}), []string{"Under_Score", "100% Sure", "Eve"})
	equal(t, "a field value, any case", list(store.ContactQuery{Query: "GOLD"}), []string{"Bea", "Cy", "Eve", "Under_Score"})
	equal(t, "a phone", list(store.ContactQuery{Query: "555 0003"}), []string{"Dee"})
	equal(t, "an external id", list(store.ContactQuery{Query: "id-2"}), []string{"Bea"})
	equal(t, "an e-mail", list(store.ContactQuery{Query: "ev@x"}), []string{"Eve"})
	equal(t, "% is a character", list(store.ContactQuery{Query: "0%"}), []string{"100% Sure"})
	equal(t, "_ is a character", list(store.ContactQuery{Query: "r_s"}), []string{"Under_Score"})

	// Keyset paging walks every contact once, in each order.
	for _, sort := range []string{store.ContactsByName, store.ContactsByCreated, store.ContactsByUpdated} {
		var seen []string
		var after *store.Contact
		for range 10 {
			page, err := s.ListContacts(ctx, tn.ws.ID, store.ContactQuery{Sort: sort, After: after, Limit: 2})
			noErr(t, "page", err)
			if len(page) == 0 {
				break
			}
			for _, c := range page {
				seen = append(seen, c.Name)
			}
			after = &page[len(page)-1]
		}
		equal(t, sort+": every contact once", len(seen), len(names))
	}
}

func testContactMerge(t *testing.T, s *store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "a")
	into, err := s.CreateContact(ctx, store.Contact{WorkspaceID: tn.ws.ID, Name: "Ann", Fields: map[string]store.ContactField{"plan": {Type: store.FieldText, Value: "pro"}}}, Epoch)
	noErr(t, "into", err)
	from, err := s.UpsertContact(ctx, tn.ws.ID, "u-9", "Ann L.", "ann@shop.example", Epoch)
	noErr(t, "from", err)
	from.Phone, from.Fields = "+1 555", map[string]store.ContactField{"plan": {Type: store.FieldText, Value: "free"}, "seats": {Type: store.FieldNumber, Value: float64(3)}}
	from, err = s.UpdateContact(ctx, from, Epoch)
	noErr(t, "from's profile", err)
	v, c := writer(t, s, tn, "ann", "", Epoch)
	_, err = s.SetVisitorIdentity(ctx, tn.ws.ID, v.ID, "Ann", "", from.ID)
	noErr(t, "link", err)
	toTicket(t, s, tn.ws.ID, c, Epoch.Add(time.Minute))
	_, err = s.CreateBlock(ctx, store.Block{WorkspaceID: tn.ws.ID, Kind: "contact", Value: from.ID, Reason: "spam"}, Epoch)
	noErr(t, "block", err)

	_, err = s.MergeContacts(ctx, tn.ws.ID, into.ID, into.ID, Epoch)
	wantErr(t, err, store.ErrConflict)
	merged, err := s.MergeContacts(ctx, tn.ws.ID, into.ID, from.ID, Epoch.Add(time.Hour))
	noErr(t, "merge", err)
	equal(t, "merged profile", [5]any{merged.Name, merged.ExternalID, merged.Email, merged.Phone, len(merged.Fields)}, [5]any{"Ann", "u-9", "ann@shop.example", "+1 555", 2})
	equal(t, "into's own field wins", merged.Fields["plan"].Value, "pro")
	rec, err := s.ContactHistory(ctx, tn.ws.ID, into.ID, 10)
	noErr(t, "history", err)
	equal(t, "everything moved", [3]int{len(rec.Visitors), len(rec.Conversations), len(rec.Tickets)}, [3]int{1, 1, 1})
	trace, err := s.GetContact(ctx, tn.ws.ID, from.ID)
	noErr(t, "the trace", err)
	equal(t, "the trace points at the merge", trace.MergedInto, into.ID)
	blocks, err := s.ListBlocks(ctx, tn.ws.ID)
	noErr(t, "blocks", err)
	equal(t, "the block follows", blocks[0].Value, into.ID)
	list, err := s.ListContacts(ctx, tn.ws.ID, store.ContactQuery{Limit: 10})
	noErr(t, "list", err)
	equal(t, "the trace is in no list", ids(list, contactID), []string{into.ID})
	_, err = s.MergeContacts(ctx, tn.ws.ID, into.ID, from.ID, Epoch.Add(2*time.Hour))
	wantErr(t, err, store.ErrConflict)
	// identify with the merged-away id now finds the contact it went to.
	up, err := s.UpsertContact(ctx, tn.ws.ID, "u-9", "", "", Epoch.Add(3*time.Hour))
	noErr(t, "upsert", err)
	equal(t, "the external id moved", up.ID, into.ID)

	// A chain of merges: the earlier trace leads to the last contact, and
	// erasing it leaves no trace behind to come back.
	last, err := s.CreateContact(ctx, store.Contact{WorkspaceID: tn.ws.ID, Name: "Last"}, Epoch)
	noErr(t, "last", err)
	_, err = s.CreateBlock(ctx, store.Block{WorkspaceID: tn.ws.ID, Kind: "contact", Value: last.ID, Reason: "spam too"}, Epoch)
	noErr(t, "last's block", err)
	_, err = s.MergeContacts(ctx, tn.ws.ID, last.ID, into.ID, Epoch.Add(6*time.Hour))
	noErr(t, "merge into the last (both blocked)", err)
	trace, err = s.GetContact(ctx, tn.ws.ID, from.ID)
	noErr(t, "the first trace", err)
	equal(t, "the first trace leads to the last", trace.MergedInto, last.ID)
	blocks, err = s.ListBlocks(ctx, tn.ws.ID)
	noErr(t, "blocks", err)
	equal(t, "one block left, the last's", [2]any{len(blocks), blocks[0].Value}, [2]any{1, last.ID})
	_, err = s.EraseContact(ctx, tn.ws.ID, last.ID)
	noErr(t, "erase the last", err)
	_, err = s.GetContact(ctx, tn.ws.ID, from.ID)
	wantErr(t, err, store.ErrNotFound)
}

func testContactMergeKeepsIDs(t *testing.T, s *store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "a")
	into, err := s.UpsertContact(ctx, tn.ws.ID, "u-9", "Ann", "", Epoch)
	noErr(t, "into", err)
	// A contact with an id of its own keeps it; the trace keeps the other,
	// and identify with either finds the merged contact.
	third, err := s.UpsertContact(ctx, tn.ws.ID, "u-10", "Ann again", "", Epoch)
	noErr(t, "third", err)
	_, err = s.MergeContacts(ctx, tn.ws.ID, into.ID, third.ID, Epoch.Add(4*time.Hour))
	noErr(t, "merge the third", err)
	up, err := s.UpsertContact(ctx, tn.ws.ID, "u-10", "", "ann@third.example", Epoch.Add(5*time.Hour))
	noErr(t, "upsert the trace's id", err)
	equal(t, "followed to the merged contact", [3]string{up.ID, up.ExternalID, up.Email}, [3]string{into.ID, "u-9", "ann@third.example"})
}

func testContactErase(t *testing.T, s *store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "a")
	gone, err := s.UpsertContact(ctx, tn.ws.ID, "u-1", "Gone", "gone@x.example", Epoch)
	noErr(t, "contact", err)
	v, c := writer(t, s, tn, "gone", "", Epoch)
	_, err = s.SetVisitorIdentity(ctx, tn.ws.ID, v.ID, "Gone", "gone@x.example", gone.ID)
	noErr(t, "link", err)
	toTicket(t, s, tn.ws.ID, c, Epoch.Add(time.Minute))
	keptV, kept := writer(t, s, tn, "kept", "", Epoch)

	n, err := s.EraseContact(ctx, tn.ws.ID, gone.ID)
	noErr(t, "erase", err)
	equal(t, "conversations erased", n, 1)
	_, err = s.GetContact(ctx, tn.ws.ID, gone.ID)
	wantErr(t, err, store.ErrNotFound)
	_, err = s.GetVisitor(ctx, tn.ws.ID, v.ID)
	wantErr(t, err, store.ErrNotFound)
	_, err = s.GetConversation(ctx, tn.ws.ID, c.ID)
	wantErr(t, err, store.ErrNotFound)
	msgs, err := s.ListMessages(ctx, tn.ws.ID, c.ID, 0, 0, 10)
	if err == nil && len(msgs) > 0 {
		t.Fatalf("the erased chat's messages are still there: %+v", msgs)
	}
	tickets, err := s.ListTickets(ctx, tn.ws.ID, store.TicketFilter{Queue: store.QueueUnassigned, Limit: 10})
	noErr(t, "tickets", err)
	equal(t, "tickets erased", len(tickets), 0)
	_, err = s.GetConversation(ctx, tn.ws.ID, kept.ID)
	noErr(t, "another's chat is kept", err)
	_, err = s.GetVisitor(ctx, tn.ws.ID, keptV.ID)
	noErr(t, "another visitor is kept", err)
	_, err = s.EraseContact(ctx, tn.ws.ID, gone.ID)
	wantErr(t, err, store.ErrNotFound)
}

func testQuickResponses(t *testing.T, s *store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "a")
	other, err := s.CreateDepartment(ctx, tn.ws.ID, "Billing", Epoch)
	noErr(t, "department", err)
	mk := func(q store.QuickResponse) store.QuickResponse {
		t.Helper()
		q.WorkspaceID, q.Title, q.Body = tn.ws.ID, q.Shortcut, "Hi {{contact.name | there}}"
		out, err := s.CreateQuickResponse(ctx, q, Epoch)
		noErr(t, "create", err)
		return out
	}
	mine := mk(store.QuickResponse{Shortcut: "mine", OwnerAgentID: tn.agent.ID})
	mk(store.QuickResponse{Shortcut: "owners", OwnerAgentID: tn.owner.ID})
	shared := mk(store.QuickResponse{Shortcut: "shared"})
	mk(store.QuickResponse{Shortcut: "sales", DepartmentID: tn.dept.ID})
	mk(store.QuickResponse{Shortcut: "billing", DepartmentID: other.ID})
	_, err = s.CreateQuickResponse(ctx, store.QuickResponse{WorkspaceID: tn.ws.ID, Shortcut: "x", Title: "x", Body: "x", DepartmentID: store.NewID()}, Epoch)
	wantErr(t, err, store.ErrNotFound)

	shortcuts := func(agentID string) []string {
		t.Helper()
		list, err := s.ListQuickResponses(ctx, tn.ws.ID, agentID)
		noErr(t, "list", err)
		out := []string{}
		for _, q := range list {
			out = append(out, q.Shortcut)
		}
		return out
	}
	equal(t, "the agent (in no department)", shortcuts(tn.agent.ID), []string{"mine", "shared"})
	equal(t, "the owner (in Sales)", shortcuts(tn.owner.ID), []string{"owners", "sales", "shared"})
	equal(t, "the shared ones", shortcuts(""), []string{"billing", "sales", "shared"})

	noErr(t, "use", s.UseQuickResponse(ctx, tn.ws.ID, shared.ID))
	noErr(t, "use", s.UseQuickResponse(ctx, tn.ws.ID, shared.ID))
	mine.Title, mine.Shortcut, mine.Body = "Mine", "mine2", "Bye {{agent.name}}"
	upd, err := s.UpdateQuickResponse(ctx, mine, Epoch.Add(time.Minute))
	noErr(t, "update", err)
	equal(t, "updated", [3]string{upd.Title, upd.Shortcut, upd.Body}, [3]string{"Mine", "mine2", "Bye {{agent.name}}"})
	got, err := s.GetQuickResponse(ctx, tn.ws.ID, shared.ID)
	noErr(t, "get", err)
	equal(t, "uses", got.Uses, int64(2))
	noErr(t, "delete", s.DeleteQuickResponse(ctx, tn.ws.ID, mine.ID))
	wantErr(t, s.DeleteQuickResponse(ctx, tn.ws.ID, mine.ID), store.ErrNotFound)
}

func testContactUpsertRace(t *testing.T, s *store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "a")
	const n = 8
	ids := make(chan string, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			c, err := s.UpsertContact(ctx, tn.ws.ID, "u-race", "Ann", "", Epoch)
			if err != nil {
				t.Errorf("upsert: %v", err)
				return
			}
			ids <- c.ID
		})
	}
	wg.Wait()
	close(ids)
	seen := map[string]bool{}
	for id := range ids {
		seen[id] = true
	}
	equal(t, "contacts made", len(seen), 1)
}

func testClaimsAreNoUser(t *testing.T, s *store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "a")
	claims, err := s.ClaimContact(ctx, tn.ws.ID, "ann@x.example", "", Epoch)
	noErr(t, "claims", err)
	v1, c1 := writer(t, s, tn, "one", "", Epoch)
	v2, _ := writer(t, s, tn, "two", "", Epoch)
	for _, v := range []store.Visitor{v1, v2} {
		_, err := s.SetVisitorIdentity(ctx, tn.ws.ID, v.ID, "", "ann@x.example", claims.ID)
		noErr(t, "link", err)
	}
	toTicket(t, s, tn.ws.ID, c1, Epoch.Add(time.Minute))
	open, err := s.OpenTicketsOf(ctx, tn.ws.ID, v2.ID, claims.ID)
	noErr(t, "open tickets", err)
	equal(t, "another visitor who typed the same address has no ticket of the first", len(open), 0)
	open, err = s.OpenTicketsOf(ctx, tn.ws.ID, v1.ID, claims.ID)
	noErr(t, "open tickets", err)
	equal(t, "the visitor's own", len(open), 1)
}

func testClaimsRetention(t *testing.T, s *store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "a")
	// A visitor who typed an address and never chatted, and one who chatted.
	idle, err := s.CreateVisitor(ctx, tn.ws.ID, tn.site.ID, "token-idle", Epoch)
	noErr(t, "idle visitor", err)
	spam, err := s.ClaimContact(ctx, tn.ws.ID, "random@spam.example", "", Epoch)
	noErr(t, "claim", err)
	_, err = s.SetVisitorIdentity(ctx, tn.ws.ID, idle.ID, "", "random@spam.example", spam.ID)
	noErr(t, "link", err)
	talker, _ := writer(t, s, tn, "talker", "", Epoch)
	kept, err := s.ClaimContact(ctx, tn.ws.ID, "real@x.example", "", Epoch)
	noErr(t, "claim", err)
	_, err = s.SetVisitorIdentity(ctx, tn.ws.ID, talker.ID, "", "real@x.example", kept.ID)
	noErr(t, "link", err)
	byAgent, err := s.CreateContact(ctx, store.Contact{WorkspaceID: tn.ws.ID, Name: "Added by an agent"}, Epoch)
	noErr(t, "an agent's contact", err)
	equal(t, "claimed", [3]bool{spam.Claimed, kept.Claimed, byAgent.Claimed}, [3]bool{true, true, false})

	cutoff := Epoch.Add(24 * time.Hour)
	n, err := s.DeleteIdleVisitors(ctx, cutoff, 100)
	noErr(t, "idle visitors", err)
	equal(t, "idle visitors deleted (the one of claims too)", n, 1)
	n, err = s.DeleteOrphanClaims(ctx, cutoff, 100)
	noErr(t, "orphan claims", err)
	equal(t, "orphan claims deleted", n, 1)
	_, err = s.GetContact(ctx, tn.ws.ID, spam.ID)
	wantErr(t, err, store.ErrNotFound)
	for _, c := range []store.Contact{kept, byAgent} {
		_, err = s.GetContact(ctx, tn.ws.ID, c.ID)
		noErr(t, "kept "+c.Name, err)
	}
}

func testContactComments(t *testing.T, s *store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "a")
	ann, err := s.UpsertContact(ctx, tn.ws.ID, "u-1", "Ann", "", Epoch)
	noErr(t, "contact", err)
	note := func(c store.Conversation, id, body string, at time.Time) store.Message {
		res, err := s.AppendMessage(ctx, store.Message{WorkspaceID: tn.ws.ID, ConversationID: c.ID, ClientMsgID: id, Kind: store.KindComment,
			Private: true, AuthorType: store.AuthorAgent, AuthorID: tn.agent.ID, AuthorName: tn.agent.Name, Body: body}, at)
		noErr(t, "comment", err)
		return res.Message
	}
	revise := func(c store.Conversation, m store.Message, body string, deleted bool) {
		ev := store.Message{Kind: store.KindSystem, AuthorType: store.AuthorSystem, Body: "x", Meta: map[string]any{"event": store.EventCommentEdited}}
		_, _, err := s.ReviseComment(ctx, tn.ws.ID, c.ID, m.ID, tn.agent.ID, body, deleted, ev, Epoch.Add(time.Hour))
		noErr(t, "revise", err)
	}
	var convs []store.Conversation
	for _, name := range []string{"one", "two"} {
		v, c := writer(t, s, tn, name, "", Epoch)
		_, err := s.SetVisitorIdentity(ctx, tn.ws.ID, v.ID, "Ann", "", ann.ID)
		noErr(t, "link", err)
		convs = append(convs, c)
	}
	first := note(convs[0], "n1", "asked for a refund", Epoch.Add(time.Minute))
	second := note(convs[1], "n2", "gone", Epoch.Add(2*time.Minute))
	note(convs[1], "n3", "VIP: answer first", Epoch.Add(3*time.Minute))
	revise(convs[0], first, "refund sent", false)
	revise(convs[1], second, "", true)
	_, other := writer(t, s, tn, "someone else", "", Epoch)
	note(other, "n4", "not Ann's", Epoch.Add(4*time.Minute))

	rec, err := s.ContactHistory(ctx, tn.ws.ID, ann.ID, 10)
	noErr(t, "history", err)
	var bodies []string
	for _, m := range rec.Comments {
		bodies = append(bodies, m.Body)
	}
	equal(t, "the notes, newest first, as they are now", bodies, []string{"VIP: answer first", "refund sent"})
}
