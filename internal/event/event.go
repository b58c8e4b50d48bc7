// Package event defines what domains publish after a commit and clients
// receive: the server-to-client frames of the realtime protocol that carry
// state changes (messages, conversations, visitors, agents, typing), and
// the envelope that routes them across nodes.
//
// A frame is encoded once, by the publisher, and the same bytes reach every
// connection on every node. The envelope says who may receive it: the desk
// connections of the workspace, the widget connections of one visitor, or
// both. Publishing is best-effort (see package bus): a failure is logged and
// counted, never returned, because clients recover by seq.
package event

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/querytel/livedesk/internal/bus"
	"github.com/querytel/livedesk/internal/store"
)

// Audience says which connections receive an event.
type Audience uint8

// Audiences, combinable.
const (
	Desk    Audience = 1 << iota // every desk connection of the workspace
	Visitor                      // the widget connections of Envelope.Visitor
	// Agent is the desk connections of one agent of the workspace, whose
	// id travels in Envelope.Visitor (the envelope's addressee): what
	// is the agent's own, such as its inbox.
	Agent
	All = Desk | Visitor
)

// Frame types that carry events.
const (
	TypeMessage      = "message"
	TypeTyping       = "typing"
	TypeViewing      = "viewing"
	TypeSeen         = "seen"
	TypeReceipts     = "receipts"
	TypeConversation = "conversation"
	TypeVisitor      = "visitor"
	TypeVisitorLeft  = "visitor.left"
	TypeAgent        = "agent"
	TypeAgentRemoved = "agent.removed"
	TypeBlocked      = "visitor.blocked"
	TypeTicket       = "ticket"
	TypeInbox        = "inbox"
	TypeContact      = "contact"
	TypeBoard        = "board"
	TypePublicTicket = "ticket.status"
)

// Envelope routes one encoded frame.
type Envelope struct {
	Workspace string `json:"w"`
	Visitor   string `json:"v,omitempty"`
	// Conversation and Owner narrow a Desk audience. With Owner set, the
	// event belongs to Conversation, whose assignee is Owner, and a desk
	// that follows only its own chats (desk.watch "mine") receives it
	// only when it is its agent's or on its screen. Without Owner every
	// desk of the workspace receives it: an unassigned chat's events are
	// everyone's. A node that does not know these fields delivers to
	// every desk, which is more, never less.
	Conversation string          `json:"c,omitempty"`
	Owner        string          `json:"o,omitempty"`
	Audience     Audience        `json:"a"`
	Frame        json.RawMessage `json:"f,omitempty"`
}

// Route is where an event goes: an Envelope without its frame.
type Route struct {
	Workspace, Visitor  string
	Conversation, Owner string
	Audience            Audience
}

// Encode is an envelope as the bus carries it: the routing header as a
// small JSON object, a newline, then the frame's bytes as they are.
// Nesting the frame inside the header's JSON would make the encoder
// re-validate and the decoder re-parse every frame (both were in the
// send path's profile); a newline cannot occur in encoding/json's
// output, so the first one ends the header.
func Encode(r Route, frame []byte) ([]byte, error) {
	var head []byte
	if plain(r.Workspace) && plain(r.Visitor) && plain(r.Conversation) && plain(r.Owner) {
		head = appendHead(make([]byte, 0, 48+len(r.Workspace)+len(r.Visitor)+len(r.Conversation)+len(r.Owner)+len(frame)), r)
	} else {
		var err error
		env := Envelope{Workspace: r.Workspace, Visitor: r.Visitor, Conversation: r.Conversation, Owner: r.Owner, Audience: r.Audience}
		if head, err = json.Marshal(env); err != nil {
			return nil, fmt.Errorf("event: encode envelope: %w", err)
		}
	}
	return append(append(head, '\n'), frame...), nil
}

// Decode reads what Encode wrote. Env.Frame shares data's bytes. An
// envelope without a newline is the whole-JSON form that nodes before
// this encoding publish, so a cluster can be upgraded node by node.
func Decode(data []byte) (Envelope, error) {
	head, frame, split := bytes.Cut(data, []byte{'\n'})
	env, ok := parseHead(head)
	if !ok {
		if err := json.Unmarshal(head, &env); err != nil {
			return Envelope{}, fmt.Errorf("event: decode envelope: %w", err)
		}
	}
	if split {
		if len(frame) == 0 {
			return Envelope{}, errors.New("event: decode envelope: no frame")
		}
		env.Frame = frame
	}
	return env, nil
}

// The routing header is written and read by hand when its ids are plain
// (as every id the store makes is): encoding/json's reflection on the
// header was the larger part of a delivery's cost on the bus side. The
// bytes are exactly what json.Marshal writes for the same Envelope, so
// any JSON reader, an older node's included, reads them; a header in any
// other shape goes through encoding/json.

// plain reports whether s needs no escaping inside a JSON string, with
// encoding/json's HTML-safe escapes of <, > and & included.
func plain[T string | []byte](s T) bool {
	for i := range len(s) {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

func appendHead(b []byte, r Route) []byte {
	b = append(append(append(b, `{"w":"`...), r.Workspace...), '"')
	b = appendField(b, `,"v":"`, r.Visitor)
	b = appendField(b, `,"c":"`, r.Conversation)
	b = appendField(b, `,"o":"`, r.Owner)
	return append(strconv.AppendUint(append(b, `,"a":`...), uint64(r.Audience), 10), '}')
}

// appendField writes an omitempty string field.
func appendField(b []byte, key, v string) []byte {
	if v == "" {
		return b
	}
	return append(append(append(b, key...), v...), '"')
}

// parseHead reads a header in exactly appendHead's shape; ok is false for
// anything else.
func parseHead(b []byte) (env Envelope, ok bool) {
	if b, ok = cutString(b, `{"w":"`); !ok {
		return Envelope{}, false
	}
	if env.Workspace, b, ok = plainString(b); !ok {
		return Envelope{}, false
	}
	for _, f := range []struct {
		key string
		to  *string
	}{{`,"v":"`, &env.Visitor}, {`,"c":"`, &env.Conversation}, {`,"o":"`, &env.Owner}} {
		rest, found := cutString(b, f.key)
		if !found {
			continue
		}
		if *f.to, b, ok = plainString(rest); !ok || *f.to == "" {
			return Envelope{}, false
		}
	}
	if b, ok = cutString(b, `,"a":`); !ok || len(b) < 2 || b[len(b)-1] != '}' {
		return Envelope{}, false
	}
	digits := b[:len(b)-1]
	if len(digits) > 1 && digits[0] == '0' {
		return Envelope{}, false
	}
	a, err := strconv.ParseUint(string(digits), 10, 8)
	if err != nil {
		return Envelope{}, false
	}
	env.Audience = Audience(a)
	return env, true
}

func cutString(b []byte, prefix string) ([]byte, bool) {
	if !bytes.HasPrefix(b, []byte(prefix)) {
		return b, false
	}
	return b[len(prefix):], true
}

// plainString reads a string's plain characters up to its closing quote.
func plainString(b []byte) (string, []byte, bool) {
	end := bytes.IndexByte(b, '"')
	if end < 0 || !plain(b[:end]) {
		return "", b, false
	}
	return string(b[:end]), b[end+1:], true
}

// Topic is the bus topic of a workspace's events.
func Topic(workspaceID string) string { return "ws." + workspaceID }

// MessageFrame carries one persisted conversation event.
type MessageFrame struct {
	Type    string        `json:"type"` // "message"
	Message store.Message `json:"message"`
}

// TicketFrame is a ticket as it is now, to the desks (issue 12): made,
// merged into, accepted, reassigned, closed.
type TicketFrame struct {
	Type   string       `json:"type"` // "ticket"
	Ticket store.Ticket `json:"ticket"`
}

// PublicTicketFrame tells a ticket's requester (its visitor's widget)
// where the ticket stands: what store.PublicTicket holds, never more.
type PublicTicketFrame struct {
	Type   string             `json:"type"` // "ticket.status"
	Ticket store.PublicTicket `json:"ticket"`
}

// BoardFrame is a board as it is now, with its columns (issue 15): made,
// renamed, reordered, archived, or its columns changed.
type BoardFrame struct {
	Type  string      `json:"type"` // "board"
	Board store.Board `json:"board"`
}

// ContactFrame is a contact as it is now, to the desks (issue 14): made,
// edited by an agent, merged (the kept contact, and the trace with its
// merged_into), or erased (Erased, with only its id).
type ContactFrame struct {
	Type    string        `json:"type"` // "contact"
	Contact store.Contact `json:"contact"`
	Erased  bool          `json:"erased,omitempty"`
}

// ConversationFrame carries a conversation's new state (an upsert).
type ConversationFrame struct {
	Type         string             `json:"type"` // "conversation"
	Conversation store.Conversation `json:"conversation"`
}

// TypingFrame says someone started or stopped typing. It is never stored.
type TypingFrame struct {
	Type           string `json:"type"` // "typing"
	ConversationID string `json:"conversation_id"`
	AuthorType     string `json:"author_type"`
	AuthorID       string `json:"author_id"`
	AuthorName     string `json:"author_name,omitempty"`
	On             bool   `json:"on"`
}

// ViewingFrame says an agent has a conversation on screen, or no longer
// has (desks only; never stored). Two agents on one chat see each other.
type ViewingFrame struct {
	Type           string `json:"type"` // "viewing"
	ConversationID string `json:"conversation_id"`
	AgentID        string `json:"agent_id"`
	AgentName      string `json:"agent_name"`
	On             bool   `json:"on"`
}

// ReceiptsFrame carries a conversation's delivered and seen markers when
// a receipt moved one (to the desks and the visitor): what the
// "Delivered" and "Seen" states of each side's messages follow. A receipt
// comes for nearly every message, so it is this, not the whole
// conversation.
type ReceiptsFrame struct {
	Type                string `json:"type"` // "receipts"
	ConversationID      string `json:"conversation_id"`
	VisitorReadSeq      int64  `json:"visitor_read_seq"`
	AgentReadSeq        int64  `json:"agent_read_seq"`
	VisitorDeliveredSeq int64  `json:"visitor_delivered_seq"`
	AgentDeliveredSeq   int64  `json:"agent_delivered_seq"`
}

// SeenFrame says an agent has read a conversation up to Seq (desks only:
// the agent's other desks follow, so a second tab agrees).
type SeenFrame struct {
	Type           string `json:"type"` // "seen"
	ConversationID string `json:"conversation_id"`
	AgentID        string `json:"agent_id"`
	Seq            int64  `json:"seq"`
}

// VisitorView is a visitor as the desk sees it. Connected is whether a
// widget socket is open right now (ephemeral, per node); Online is
// presence, which outlives page navigations until its TTL.
type VisitorView struct {
	store.Visitor
	Connected bool `json:"connected"`
	// SameContext leaves "context" out of the JSON: the context is what the
	// desk received last for this visitor (a visitor's context may hold
	// 8 KiB, and most deltas are page changes and heartbeats).
	SameContext bool `json:"-"`
}

// MarshalJSON is the view's JSON, without "context" when SameContext.
func (v VisitorView) MarshalJSON() ([]byte, error) {
	type plain VisitorView // no MarshalJSON: no recursion
	if !v.SameContext {
		return json.Marshal(plain(v))
	}
	// A field of the outer struct hides the embedded one of the same name.
	return json.Marshal(struct {
		plain
		Context *struct{} `json:"context,omitempty"`
	}{plain: plain(v)})
}

// VisitorFrame carries a visitor's new state (an upsert) to the desk.
type VisitorFrame struct {
	Type    string      `json:"type"` // "visitor"
	Visitor VisitorView `json:"visitor"`
	New     bool        `json:"new,omitempty"` // it just came online
}

// VisitorLeftFrame says a visitor's presence expired.
type VisitorLeftFrame struct {
	Type      string `json:"type"` // "visitor.left"
	VisitorID string `json:"visitor_id"`
}

// AgentView is an agent as other agents see it.
type AgentView struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Role   string `json:"role"`
	Status string `json:"status"`
	// Away: every desk of the agent has been gone for the grace period;
	// it is offline in effect, whatever Status it chose.
	Away bool `json:"away"`
	// Disabled: the account is disabled (its desks are closed).
	Disabled        bool      `json:"disabled,omitempty"`
	StatusChangedAt time.Time `json:"status_changed_at"`
	DepartmentIDs   []string  `json:"department_ids"`
	// Grants are the permissions given to the agent beyond its role's.
	Grants []string `json:"grants"`
	// AvatarAt is when the agent's avatar last changed (its image is
	// GET /api/v1/agents/{id}/avatar); absent: initials.
	AvatarAt *time.Time `json:"avatar_at,omitempty"`
}

// ViewOfAgent is the public part of an agent.
func ViewOfAgent(a store.Agent) AgentView {
	return AgentView{ID: a.ID, Name: a.Name, Role: a.Role, Status: a.Status, Away: a.Away, Disabled: a.Disabled, StatusChangedAt: a.StatusChangedAt,
		DepartmentIDs: a.DepartmentIDs, Grants: a.Grants, AvatarAt: a.AvatarAt}
}

// AgentFrame carries an agent's status change.
type AgentFrame struct {
	Type  string    `json:"type"` // "agent"
	Agent AgentView `json:"agent"`
}

// AgentRemovedFrame tells desks an agent was deleted: it leaves their
// lists, and its own open desks are closed (4401).
type AgentRemovedFrame struct {
	Type    string `json:"type"` // "agent.removed"
	AgentID string `json:"agent_id"`
}

// Publisher encodes frames and publishes them on the bus.
type Publisher struct {
	bus    bus.Bus
	log    *slog.Logger
	failed atomic.Uint64
}

// NewPublisher returns a Publisher; a nil logger discards.
func NewPublisher(b bus.Bus, log *slog.Logger) *Publisher {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Publisher{bus: b, log: log}
}

// Publish sends frame to the audience. Failures are logged and counted:
// the database already holds the truth and clients resume by seq.
func (p *Publisher) Publish(ctx context.Context, workspaceID, visitorID string, aud Audience, frame any) {
	p.PublishTo(ctx, Route{Workspace: workspaceID, Visitor: visitorID, Audience: aud}, frame)
}

// PublishTo is Publish with the whole route, for the events of one
// conversation whose desks may be narrowed to its assignee's (Owner).
func (p *Publisher) PublishTo(ctx context.Context, r Route, frame any) {
	f, err := json.Marshal(frame)
	if err != nil {
		p.failed.Add(1)
		p.log.Error("event: encode frame", "err", err, "workspace_id", r.Workspace)
		return
	}
	env, err := Encode(r, f)
	if err != nil {
		p.failed.Add(1)
		p.log.Error("event: encode envelope", "err", err, "workspace_id", r.Workspace)
		return
	}
	if err := p.bus.Publish(context.WithoutCancel(ctx), Topic(r.Workspace), env); err != nil {
		p.failed.Add(1)
		p.log.Warn("event: publish", "err", err, "workspace_id", r.Workspace)
	}
}

// PublishAgent sends frame to the desks of one agent of the workspace
// (Agent audience), on every node.
func (p *Publisher) PublishAgent(ctx context.Context, workspaceID, agentID string, frame any) {
	p.Publish(ctx, workspaceID, agentID, Agent, frame)
}

// InboxFrame tells an agent's desks that items of its inbox were added or
// changed (each replaces the one with its id), with the unread count now.
type InboxFrame struct {
	Type   string            `json:"type"`
	Items  []store.InboxItem `json:"items"`
	Unread int               `json:"unread"`
}

// Failed counts events that could not be published.
func (p *Publisher) Failed() uint64 { return p.failed.Load() }

// BlockFrame tells desks of a new block; the realtime hub of every node
// also closes the widget sockets it matches (VisitorIDs, or every visitor
// of the workspace connected from IP) with 4405.
type BlockFrame struct {
	Type       string      `json:"type"` // "visitor.blocked"
	Block      store.Block `json:"block"`
	VisitorIDs []string    `json:"visitor_ids,omitempty"`
	IP         string      `json:"ip,omitempty"`
}
