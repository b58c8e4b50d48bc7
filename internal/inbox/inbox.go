// Package inbox keeps each agent's inbox: the items that need its
// attention (a mention in a comment, a chat or ticket handed to it by
// someone else, a reply on its ticket). An item is stored before it is
// announced, each happening is one item however often it is retried
// (its dedupe key), and it reaches only the agent's own desks, on every
// node (event.Agent). A desk that reconnects reads its inbox again, so
// nothing announced while it was away is lost, and it keeps items by id,
// so nothing is doubled.
package inbox

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/event"
	"github.com/querytel/livedesk/internal/store"
)

// Store is what the inbox needs from the database.
type Store interface {
	AddInboxItem(ctx context.Context, it store.InboxItem, renew bool, now time.Time) (store.InboxItem, bool, error)
	ListInbox(ctx context.Context, workspaceID, agentID string, q store.InboxQuery) ([]store.InboxItem, error)
	InboxState(ctx context.Context, workspaceID, agentID string) (int, int64, error)
	MarkInbox(ctx context.Context, workspaceID, agentID string, ids []string, change store.InboxChange, now time.Time) ([]store.InboxItem, error)
	TaggedConversations(ctx context.Context, workspaceID, agentID string) ([]string, error)
}

// Service adds, lists and marks inbox items. It is safe for concurrent
// use.
type Service struct {
	store Store
	clock clock.Clock
	pub   *event.Publisher
}

// New returns a Service.
func New(st Store, clk clock.Clock, pub *event.Publisher) *Service {
	return &Service{store: st, clock: clk, pub: pub}
}

// SummaryLen bounds an item's summary (a comment's first characters).
const SummaryLen = 200

// Summary is text cut to SummaryLen characters on one line.
func Summary(text string) string {
	text = strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(text) <= SummaryLen {
		return text
	}
	r := []rune(text)
	return string(r[:SummaryLen-1]) + "…"
}

// Add gives an agent an item and announces it to the agent's desks. A
// retry of the same happening (same Dedupe) adds nothing and announces
// nothing; with renew it brings the item back as new (see
// store.AddInboxItem).
func (s *Service) Add(ctx context.Context, it store.InboxItem, renew bool) (store.InboxItem, error) {
	out, added, err := s.store.AddInboxItem(ctx, it, renew, s.clock.Now())
	if err != nil {
		return store.InboxItem{}, fmt.Errorf("inbox: add %s for %s: %w", it.Kind, it.AgentID, err)
	}
	if added {
		s.announce(ctx, it.WorkspaceID, it.AgentID, []store.InboxItem{out})
	}
	return out, nil
}

// announce tells an agent's desks of changed items and its unread count.
func (s *Service) announce(ctx context.Context, workspaceID, agentID string, items []store.InboxItem) {
	if s.pub == nil || len(items) == 0 {
		return
	}
	unread, _, err := s.store.InboxState(ctx, workspaceID, agentID)
	if err != nil {
		return // the desks read their inbox again when they reconnect
	}
	s.pub.PublishAgent(ctx, workspaceID, agentID, event.InboxFrame{Type: event.TypeInbox, Items: items, Unread: unread})
}

// MaxPage bounds a page of the inbox.
const MaxPage = 100

// Page is a page of an agent's inbox, newest first.
type Page struct {
	Items  []store.InboxItem `json:"items"`
	Unread int               `json:"unread"`
	// Before asks for the next page (older items); 0 when there is none.
	Before int64 `json:"next_before,omitempty"`
}

// List reads a page of the acting agent's own inbox.
func (s *Service) List(ctx context.Context, a auth.Actor, q store.InboxQuery) (Page, error) {
	if a.AgentID == "" {
		return Page{}, errForbidden
	}
	switch q.Filter {
	case "", store.InboxAll, store.InboxUnread, store.InboxArchived:
	default:
		return Page{}, apperr.Invalidf("filter", "invalid_filter", "filter must be all, unread or archived")
	}
	if q.Limit <= 0 || q.Limit > MaxPage {
		q.Limit = MaxPage
	}
	items, err := s.store.ListInbox(ctx, a.WorkspaceID, a.AgentID, store.InboxQuery{Filter: q.Filter, Before: q.Before, Limit: q.Limit + 1})
	if err != nil {
		return Page{}, err
	}
	unread, _, err := s.store.InboxState(ctx, a.WorkspaceID, a.AgentID)
	if err != nil {
		return Page{}, err
	}
	p := Page{Items: items, Unread: unread}
	if len(items) > q.Limit {
		p.Items = items[:q.Limit]
		p.Before = p.Items[q.Limit-1].Seq
	}
	return p, nil
}

// State is an agent's unread count and the seq of its newest item (the
// desk's welcome).
func (s *Service) State(ctx context.Context, a auth.Actor) (unread int, seq int64, err error) {
	return s.store.InboxState(ctx, a.WorkspaceID, a.AgentID)
}

// Tagged lists the conversations, not closed, that the agent was
// mentioned in.
func (s *Service) Tagged(ctx context.Context, a auth.Actor) ([]string, error) {
	if a.AgentID == "" {
		return nil, errForbidden
	}
	return s.store.TaggedConversations(ctx, a.WorkspaceID, a.AgentID)
}

// MaxMark bounds the items one Mark changes.
const MaxMark = 200

// Mark marks the acting agent's items read or unread, archived or not,
// and tells its other desks. Ids that are not its items are ignored.
func (s *Service) Mark(ctx context.Context, a auth.Actor, ids []string, change store.InboxChange) (Page, error) {
	if a.AgentID == "" {
		return Page{}, errForbidden
	}
	switch {
	case len(ids) == 0:
		return Page{}, apperr.Invalidf("ids", "required", "ids is required")
	case len(ids) > MaxMark:
		return Page{}, apperr.Invalidf("ids", "too_many", "at most %d ids at once", MaxMark)
	case change.Read == nil && change.Archived == nil:
		return Page{}, apperr.Invalidf("read", "required", "give read, archived or both")
	}
	items, err := s.store.MarkInbox(ctx, a.WorkspaceID, a.AgentID, ids, change, s.clock.Now())
	if err != nil {
		return Page{}, err
	}
	s.announce(ctx, a.WorkspaceID, a.AgentID, items)
	unread, _, err := s.store.InboxState(ctx, a.WorkspaceID, a.AgentID)
	return Page{Items: items, Unread: unread}, err
}

var errForbidden = apperr.New(apperr.Forbidden, "forbidden", "only an agent has an inbox")
