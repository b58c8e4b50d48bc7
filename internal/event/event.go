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
	All     = Desk | Visitor
)

// Frame types that carry events.
const (
	TypeMessage      = "message"
	TypeTyping       = "typing"
	TypeConversation = "conversation"
	TypeVisitor      = "visitor"
	TypeVisitorLeft  = "visitor.left"
	TypeAgent        = "agent"
	TypeAgentRemoved = "agent.removed"
	TypeBlocked      = "visitor.blocked"
)

// Envelope routes one encoded frame.
type Envelope struct {
	Workspace string          `json:"w"`
	Visitor   string          `json:"v,omitempty"`
	Audience  Audience        `json:"a"`
	Frame     json.RawMessage `json:"f,omitempty"`
}

// Encode is an envelope as the bus carries it: the routing header as a
// small JSON object, a newline, then the frame's bytes as they are.
// Nesting the frame inside the header's JSON would make the encoder
// re-validate and the decoder re-parse every frame (both were in the
// send path's profile); a newline cannot occur in encoding/json's
// output, so the first one ends the header.
func Encode(workspaceID, visitorID string, aud Audience, frame []byte) ([]byte, error) {
	head, err := json.Marshal(Envelope{Workspace: workspaceID, Visitor: visitorID, Audience: aud})
	if err != nil {
		return nil, fmt.Errorf("event: encode envelope: %w", err)
	}
	out := make([]byte, 0, len(head)+1+len(frame))
	out = append(append(append(out, head...), '\n'), frame...)
	return out, nil
}

// Decode reads what Encode wrote. Env.Frame shares data's bytes. An
// envelope without a newline is the whole-JSON form that nodes before
// this encoding publish, so a cluster can be upgraded node by node.
func Decode(data []byte) (Envelope, error) {
	var env Envelope
	head, frame, split := bytes.Cut(data, []byte{'\n'})
	if err := json.Unmarshal(head, &env); err != nil {
		return Envelope{}, fmt.Errorf("event: decode envelope: %w", err)
	}
	if split {
		if len(frame) == 0 {
			return Envelope{}, errors.New("event: decode envelope: no frame")
		}
		env.Frame = frame
	}
	return env, nil
}

// Topic is the bus topic of a workspace's events.
func Topic(workspaceID string) string { return "ws." + workspaceID }

// MessageFrame carries one persisted conversation event.
type MessageFrame struct {
	Type    string        `json:"type"` // "message"
	Message store.Message `json:"message"`
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
	ID              string    `json:"id"`
	Name            string    `json:"name"`
	Role            string    `json:"role"`
	Status          string    `json:"status"`
	StatusChangedAt time.Time `json:"status_changed_at"`
	DepartmentIDs   []string  `json:"department_ids"`
}

// ViewOfAgent is the public part of an agent.
func ViewOfAgent(a store.Agent) AgentView {
	return AgentView{ID: a.ID, Name: a.Name, Role: a.Role, Status: a.Status, StatusChangedAt: a.StatusChangedAt, DepartmentIDs: a.DepartmentIDs}
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
	f, err := json.Marshal(frame)
	if err != nil {
		p.failed.Add(1)
		p.log.Error("event: encode frame", "err", err, "workspace_id", workspaceID)
		return
	}
	env, err := Encode(workspaceID, visitorID, aud, f)
	if err != nil {
		p.failed.Add(1)
		p.log.Error("event: encode envelope", "err", err, "workspace_id", workspaceID)
		return
	}
	if err := p.bus.Publish(context.WithoutCancel(ctx), Topic(workspaceID), env); err != nil {
		p.failed.Add(1)
		p.log.Warn("event: publish", "err", err, "workspace_id", workspaceID)
	}
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
