package chat

import (
	"context"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/store"
)

// History page sizes: one rule for every transport (REST, the socket's
// sync and the resume replay).
const (
	// DefaultHistoryPage is a page's size when the caller names none.
	DefaultHistoryPage = 200
	// MaxHistoryPage bounds a page. A socket sends a page as one frame per
	// event into the connection's send queue (1,024 frames), so a page must
	// stay well under it.
	MaxHistoryPage = 200
)

// Page is one page of a conversation's history, in seq order.
type Page struct {
	Messages     []store.Message
	Conversation store.Conversation // as the actor may see it
	// More says events remain after the last one in the range asked for:
	// ask again from the last seq received.
	More bool
}

// LastSeq is the conversation's last seq as known when the page was read
// (never below the page's own last event).
func (p Page) LastSeq() int64 {
	last := p.Conversation.LastSeq
	if n := len(p.Messages); n > 0 && p.Messages[n-1].Seq > last {
		last = p.Messages[n-1].Seq
	}
	return last
}

// History returns a page of a conversation's events after afterSeq (and
// up to untilSeq when > 0), at most limit (DefaultHistoryPage when 0,
// never more than MaxHistoryPage). A visitor's page shows private events
// as hidden stubs, so its seqs stay gap-free.
func (s *Service) History(ctx context.Context, a auth.Actor, conversationID string, afterSeq, untilSeq int64, limit int) (Page, error) {
	if afterSeq < 0 || untilSeq < 0 {
		return Page{}, apperr.Invalidf("after_seq", "invalid_seq", "seq values must not be negative")
	}
	if limit < 0 {
		return Page{}, apperr.Invalidf("limit", "invalid_limit", "limit must not be negative")
	}
	c, err := s.conversation(ctx, a, conversationID)
	if err != nil {
		return Page{}, err
	}
	return s.HistoryOf(ctx, a, c, afterSeq, untilSeq, limit)
}

// HistoryOf is History for a conversation a already holds as read through
// this service (from List, say), so without reading it again: a widget's
// resume replays the conversations of its welcome list this way. The
// conversation must still be a's: another workspace's or another
// visitor's is ErrConversationNotFound.
func (s *Service) HistoryOf(ctx context.Context, a auth.Actor, c store.Conversation, afterSeq, untilSeq int64, limit int) (Page, error) {
	if c.WorkspaceID != a.WorkspaceID || (a.IsVisitor() && c.VisitorID != a.VisitorID) {
		return Page{}, ErrConversationNotFound
	}
	if limit <= 0 {
		limit = DefaultHistoryPage
	}
	limit = min(limit, MaxHistoryPage)
	msgs, err := s.store.ListMessages(ctx, a.WorkspaceID, c.ID, afterSeq, untilSeq, limit)
	if err != nil {
		return Page{}, err
	}
	if a.IsVisitor() {
		c = visitorView(c)
		for i := range msgs {
			msgs[i] = visitorMessage(msgs[i])
		}
	}
	p := Page{Messages: msgs, Conversation: c}
	if n := len(msgs); n == limit {
		bound := p.LastSeq()
		if untilSeq > 0 && untilSeq < bound {
			bound = untilSeq
		}
		p.More = msgs[n-1].Seq < bound
	}
	return p, nil
}
