// Package block keeps visitors out of a workspace's widgets: an agent with
// the visitors.block permission blocks one visitor (a browser), every
// visitor from an address, or every visitor linked to a contact. A block
// closes the matching open sockets at once, on every node (an event the
// realtime hub acts on), and refuses their next hello. A Service is
// stateless and safe for concurrent use.
package block

import (
	"context"
	"errors"
	"net"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/event"
	"github.com/querytel/livedesk/internal/store"
)

// Store is what block needs from the database.
type Store interface {
	CreateBlock(ctx context.Context, b store.Block, now time.Time) (store.Block, error)
	ListBlocks(ctx context.Context, workspaceID string) ([]store.Block, error)
	GetBlock(ctx context.Context, workspaceID, id string) (store.Block, error)
	DeleteBlock(ctx context.Context, workspaceID, id string) error
	Blocked(ctx context.Context, workspaceID, visitorID, ip, contactID string) (bool, error)
	GetVisitor(ctx context.Context, workspaceID, id string) (store.Visitor, error)
	GetContact(ctx context.Context, workspaceID, id string) (store.Contact, error)
	VisitorsOfContact(ctx context.Context, workspaceID, contactID string) ([]string, error)
}

// Service manages blocks.
type Service struct {
	store Store
	clock clock.Clock
	pub   *event.Publisher
	audit Recorder
}

// Recorder keeps the audit log of security-relevant actions (package
// audit); nil records nothing.
type Recorder interface {
	Record(ctx context.Context, actor auth.Actor, action, targetType, targetID string, detail map[string]any)
}

// New returns a Service.
func New(st Store, clk clock.Clock, pub *event.Publisher, rec Recorder) *Service {
	return &Service{store: st, clock: clk, pub: pub, audit: rec}
}

// Errors.
var (
	ErrBlocked = apperr.New(apperr.Forbidden, "blocked", "this visitor may not use the chat of this site")
)

// MaxReason bounds a block's reason.
const MaxReason = 500

// Input names what to block: Kind and either Value (a visitor id, an
// address or a contact id) or VisitorID, whose own id, address or contact
// is then taken, so the desk can say "block this visitor's address"
// without knowing it.
type Input struct {
	Kind      string `json:"kind"`
	Value     string `json:"value"`
	VisitorID string `json:"visitor_id"`
	Reason    string `json:"reason"`
}

// Create stores a block and closes the sockets it matches.
func (s *Service) Create(ctx context.Context, actor auth.Actor, in Input) (store.Block, error) {
	if !actor.Can(auth.BlockVisitors) {
		return store.Block{}, apperr.ErrForbidden
	}
	in.Reason = strings.TrimSpace(in.Reason)
	if !utf8.ValidString(in.Reason) || utf8.RuneCountInString(in.Reason) > MaxReason {
		return store.Block{}, apperr.Invalidf("reason", "invalid_reason", "a reason may have at most %d characters", MaxReason)
	}
	value, err := s.resolve(ctx, actor.WorkspaceID, in)
	if err != nil {
		return store.Block{}, err
	}
	b, err := s.store.CreateBlock(ctx, store.Block{WorkspaceID: actor.WorkspaceID, Kind: in.Kind, Value: value,
		Reason: in.Reason, CreatedBy: actor.AgentID}, s.clock.Now())
	if errors.Is(err, store.ErrConflict) {
		return store.Block{}, apperr.New(apperr.Conflict, "already_blocked", "this is blocked already")
	}
	if err != nil {
		return store.Block{}, err
	}
	if s.audit != nil {
		s.audit.Record(ctx, actor, "block_created", "block", b.ID, map[string]any{"kind": b.Kind, "value": b.Value, "reason": b.Reason})
	}
	f := event.BlockFrame{Type: event.TypeBlocked, Block: b}
	switch b.Kind {
	case store.BlockVisitor:
		f.VisitorIDs = []string{b.Value}
	case store.BlockIP:
		f.IP = b.Value
	case store.BlockContact:
		if f.VisitorIDs, err = s.store.VisitorsOfContact(ctx, actor.WorkspaceID, b.Value); err != nil {
			return b, err // stored: their next hello is refused all the same
		}
	}
	s.pub.Publish(ctx, actor.WorkspaceID, "", event.Desk, f)
	return b, nil
}

// resolve checks what in names and returns the value to store.
func (s *Service) resolve(ctx context.Context, workspaceID string, in Input) (string, error) {
	if (in.Value == "") == (in.VisitorID == "") {
		return "", apperr.Invalidf("value", "invalid_block", "give exactly one of value and visitor_id")
	}
	var v store.Visitor
	if in.VisitorID != "" {
		var err error
		if v, err = s.store.GetVisitor(ctx, workspaceID, in.VisitorID); errors.Is(err, store.ErrNotFound) {
			return "", apperr.Invalidf("visitor_id", "unknown_visitor", "no such visitor")
		} else if err != nil {
			return "", err
		}
	}
	switch in.Kind {
	case store.BlockVisitor:
		if in.VisitorID != "" {
			return v.ID, nil
		}
		if _, err := s.store.GetVisitor(ctx, workspaceID, in.Value); err != nil {
			return "", apperr.Invalidf("value", "unknown_visitor", "no such visitor")
		}
		return in.Value, nil
	case store.BlockIP:
		ip := in.Value
		if in.VisitorID != "" {
			ip = v.IP
		}
		parsed := net.ParseIP(ip)
		if parsed == nil {
			return "", apperr.Invalidf("value", "invalid_ip", "not an IP address (or the visitor's address is not known)")
		}
		return parsed.String(), nil
	case store.BlockContact:
		id := in.Value
		if in.VisitorID != "" {
			id = v.ContactID
		}
		if id == "" {
			return "", apperr.Invalidf("visitor_id", "no_contact", "the visitor is not linked to a contact")
		}
		c, err := s.store.GetContact(ctx, workspaceID, id)
		if err != nil {
			return "", apperr.Invalidf("value", "unknown_contact", "no such contact")
		}
		if c.ExternalID == "" {
			// A contact of claims is whoever typed an address: blocking it
			// would block the address's owner too.
			return "", apperr.Invalidf("value", "contact_not_verified", "only a contact the site vouched for can be blocked: block the visitor or its address")
		}
		return id, nil
	}
	return "", apperr.Invalidf("kind", "invalid_kind", "kind must be visitor, ip or contact")
}

// List lists the workspace's blocks.
func (s *Service) List(ctx context.Context, actor auth.Actor) ([]store.Block, error) {
	if !actor.Can(auth.BlockVisitors) {
		return nil, apperr.ErrForbidden
	}
	return s.store.ListBlocks(ctx, actor.WorkspaceID)
}

// Delete lifts a block.
func (s *Service) Delete(ctx context.Context, actor auth.Actor, id string) error {
	if !actor.Can(auth.BlockVisitors) {
		return apperr.ErrForbidden
	}
	b, err := s.store.GetBlock(ctx, actor.WorkspaceID, id)
	if err != nil {
		return err
	}
	if err := s.store.DeleteBlock(ctx, actor.WorkspaceID, id); err != nil {
		return err
	}
	if s.audit != nil {
		s.audit.Record(ctx, actor, "block_deleted", "block", id, map[string]any{"kind": b.Kind, "value": b.Value})
	}
	return nil
}

// CheckAddress refuses an address that a block of the workspace matches,
// before anything is made for it (no visitor row for a blocked address).
func (s *Service) CheckAddress(ctx context.Context, workspaceID, ip string) error {
	blocked, err := s.store.Blocked(ctx, workspaceID, "", ip, "")
	if err != nil {
		return err
	}
	if blocked {
		return ErrBlocked
	}
	return nil
}

// Check refuses a visitor that a block matches (by itself, the address it
// connects from, or its contact), with ErrBlocked.
func (s *Service) Check(ctx context.Context, v store.Visitor, ip string) error {
	blocked, err := s.store.Blocked(ctx, v.WorkspaceID, v.ID, ip, v.ContactID)
	if err != nil {
		return err
	}
	if blocked {
		return ErrBlocked
	}
	return nil
}
