package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/store"
)

func testPageViewsKept(t *testing.T, s *store.Store) {
	ctx := t.Context()
	a := newTenant(t, s, "a")
	v, err := s.CreateVisitor(ctx, a.ws.ID, a.site.ID, "keep-pages", Epoch)
	noErr(t, "visitor", err)
	for i := range 8 {
		at := Epoch.Add(time.Duration(i) * time.Minute)
		_, err := s.TouchVisitor(ctx, a.ws.ID, v.ID, store.PageView{URL: fmt.Sprintf("https://a.example/%d", i), Title: "P"}, at, at.Add(time.Hour), 3)
		noErr(t, "touch", err)
	}
	pages, err := s.ListPageViews(ctx, a.ws.ID, v.ID, 100)
	noErr(t, "pages", err)
	var urls []string
	for _, p := range pages {
		urls = append(urls, p.URL)
	}
	equal(t, "the page views kept (newest first)", urls, []string{"https://a.example/7", "https://a.example/6", "https://a.example/5"})
	got, err := s.GetVisitor(ctx, a.ws.ID, v.ID)
	noErr(t, "visitor", err)
	equal(t, "pages seen still counts every page", got.PagesSeen, 8)
}

func testDeleteIdleVisitors(t *testing.T, s *store.Store) {
	ctx := t.Context()
	a := newTenant(t, s, "a")
	b := newTenant(t, s, "b")
	mk := func(tn tenant, name string, seen time.Time) store.Visitor {
		v, err := s.CreateVisitor(ctx, tn.ws.ID, tn.site.ID, "idle-"+name, seen)
		noErr(t, "visitor", err)
		return v
	}
	old, recent := Epoch, Epoch.Add(40*24*time.Hour)
	idleA, idleB := mk(a, "a", old), mk(b, "b", old)
	fresh := mk(a, "fresh", recent)
	chatted := mk(a, "chatted", old)
	_, _, err := s.StartConversation(ctx, a.ws.ID, chatted.ID, "", old)
	noErr(t, "start", err)
	known := mk(a, "known", old)
	c, err := s.UpsertContact(ctx, a.ws.ID, "ext-1", "Known", "", old)
	noErr(t, "contact", err)
	_, err = s.SetVisitorIdentity(ctx, a.ws.ID, known.ID, "Known", "", c.ID)
	noErr(t, "identify", err)
	_, err = s.TouchVisitor(ctx, a.ws.ID, idleA.ID, store.PageView{URL: "https://a.example/"}, old, old.Add(time.Minute), 0)
	noErr(t, "touch", err)
	// ... and one that is online (its presence has not expired yet).
	online := mk(a, "online", old)
	_, err = s.TouchVisitor(ctx, a.ws.ID, online.ID, store.PageView{URL: "https://a.example/"}, old, recent.Add(time.Hour), 0)
	noErr(t, "touch", err)
	_, err = s.ExpirePresence(ctx, old.Add(time.Hour), 100) // idleA goes offline
	noErr(t, "expire", err)

	cutoff := Epoch.Add(30 * 24 * time.Hour)
	n, err := s.DeleteIdleVisitors(ctx, cutoff, 1) // in batches
	noErr(t, "delete", err)
	equal(t, "first batch", n, 1)
	n, err = s.DeleteIdleVisitors(ctx, cutoff, 100)
	noErr(t, "delete", err)
	equal(t, "second batch", n, 1)
	for _, gone := range []store.Visitor{idleA, idleB} {
		_, err := s.GetVisitor(ctx, gone.WorkspaceID, gone.ID)
		wantErr(t, err, store.ErrNotFound)
	}
	pages, err := s.ListPageViews(ctx, a.ws.ID, idleA.ID, 10)
	noErr(t, "pages", err)
	equal(t, "a deleted visitor's page views", len(pages), 0)
	for _, kept := range []store.Visitor{fresh, chatted, known, online} {
		_, err := s.GetVisitor(ctx, a.ws.ID, kept.ID)
		noErr(t, "kept visitor", err)
	}
	n, err = s.DeleteIdleVisitors(ctx, cutoff, 100)
	noErr(t, "delete again", err)
	equal(t, "a second sweep", n, 0)
}

func testVisitorIP(t *testing.T, s *store.Store) {
	ctx := t.Context()
	a := newTenant(t, s, "a")
	v, err := s.CreateVisitor(ctx, a.ws.ID, a.site.ID, "ip", Epoch)
	noErr(t, "visitor", err)
	equal(t, "a new visitor's address", v.IP, "")
	noErr(t, "set", s.SetVisitorIP(ctx, a.ws.ID, v.ID, "203.0.113.5"))
	noErr(t, "set again", s.SetVisitorIP(ctx, a.ws.ID, v.ID, "203.0.113.5"))
	got, err := s.GetVisitor(ctx, a.ws.ID, v.ID)
	noErr(t, "get", err)
	equal(t, "the address", got.IP, "203.0.113.5")
}

func testBlocks(t *testing.T, s *store.Store) {
	ctx := t.Context()
	a := newTenant(t, s, "a")
	v, err := s.CreateVisitor(ctx, a.ws.ID, a.site.ID, "blocked", Epoch)
	noErr(t, "visitor", err)
	blocked := func(visitorID, ip, contactID string) bool {
		t.Helper()
		ok, err := s.Blocked(ctx, a.ws.ID, visitorID, ip, contactID)
		noErr(t, "blocked", err)
		return ok
	}
	equal(t, "nothing blocked yet", blocked(v.ID, "203.0.113.1", ""), false)
	byIP, err := s.CreateBlock(ctx, store.Block{WorkspaceID: a.ws.ID, Kind: store.BlockIP, Value: "203.0.113.1", Reason: "spam", CreatedBy: a.owner.ID}, Epoch)
	noErr(t, "block ip", err)
	_, err = s.CreateBlock(ctx, store.Block{WorkspaceID: a.ws.ID, Kind: store.BlockIP, Value: "203.0.113.1"}, Epoch)
	wantErr(t, err, store.ErrConflict)
	equal(t, "by address", blocked("someone-else", "203.0.113.1", ""), true)
	equal(t, "another address", blocked(v.ID, "203.0.113.2", ""), false)
	equal(t, "empty fields match nothing", blocked("", "", ""), false)
	_, err = s.CreateBlock(ctx, store.Block{WorkspaceID: a.ws.ID, Kind: store.BlockVisitor, Value: v.ID}, Epoch.Add(time.Second))
	noErr(t, "block visitor", err)
	equal(t, "by visitor", blocked(v.ID, "", ""), true)
	c, err := s.UpsertContact(ctx, a.ws.ID, "ext-b", "B", "", Epoch)
	noErr(t, "contact", err)
	_, err = s.CreateBlock(ctx, store.Block{WorkspaceID: a.ws.ID, Kind: store.BlockContact, Value: c.ID}, Epoch.Add(2*time.Second))
	noErr(t, "block contact", err)
	equal(t, "by contact", blocked("x", "", c.ID), true)
	list, err := s.ListBlocks(ctx, a.ws.ID)
	noErr(t, "list", err)
	equal(t, "blocks, newest first", []string{list[0].Kind, list[1].Kind, list[2].Kind}, []string{"contact", "visitor", "ip"})
	got, err := s.GetBlock(ctx, a.ws.ID, byIP.ID)
	noErr(t, "get", err)
	equal(t, "a block read back", got, byIP)
	noErr(t, "delete", s.DeleteBlock(ctx, a.ws.ID, byIP.ID))
	equal(t, "lifted", blocked("someone-else", "203.0.113.1", ""), false)
	wantErr(t, s.DeleteBlock(ctx, a.ws.ID, byIP.ID), store.ErrNotFound)
	_, err = s.SetVisitorIdentity(ctx, a.ws.ID, v.ID, "", "", c.ID)
	noErr(t, "link", err)
	ids, err := s.VisitorsOfContact(ctx, a.ws.ID, c.ID)
	noErr(t, "visitors of contact", err)
	equal(t, "the contact's visitors", ids, []string{v.ID})
}

func testAudit(t *testing.T, s *store.Store) {
	ctx := t.Context()
	a := newTenant(t, s, "a")
	var ids []string
	for i := range 5 {
		e, err := s.AppendAudit(ctx, store.AuditEntry{WorkspaceID: a.ws.ID, ActorID: a.owner.ID, ActorName: "Owner", Action: "sign_in",
			TargetType: "agent", TargetID: a.owner.ID, IP: "192.0.2.1", Detail: map[string]any{"n": float64(i)}}, Epoch.Add(time.Duration(i)*time.Second))
		noErr(t, "append", err)
		ids = append(ids, e.ID)
	}
	page, err := s.ListAudit(ctx, a.ws.ID, "", 2)
	noErr(t, "list", err)
	equal(t, "the newest two", []string{page[0].ID, page[1].ID}, []string{ids[4], ids[3]})
	equal(t, "detail read back", page[0].Detail["n"], any(float64(4)))
	page, err = s.ListAudit(ctx, a.ws.ID, page[1].ID, 10)
	noErr(t, "next page", err)
	equal(t, "the rest, newest first", len(page), 3)
	equal(t, "the oldest last", page[2].ID, ids[0])
	n, err := s.DeleteAuditBefore(ctx, Epoch.Add(2*time.Second), 100)
	noErr(t, "delete", err)
	equal(t, "entries older than the cutoff", n, 2)
}
