package realtime

import (
	"encoding/json"

	"github.com/coder/websocket"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/event"
	"github.com/querytel/livedesk/internal/store"
)

// Subprotocol is the versioned WebSocket subprotocol. A client must offer
// it; a future incompatible protocol gets a new name.
const Subprotocol = "livedesk.v1"

// ProtocolVersion is sent in the welcome frame.
const ProtocolVersion = 1

// Close codes. 4000–4099: the client should reconnect (with backoff) and
// resume. 4400–4499: reconnecting the same way will fail again.
const (
	CloseGoingAway     websocket.StatusCode = 4000 // server shutting down
	CloseSlowConsumer  websocket.StatusCode = 4008 // the send queue overflowed
	CloseHelloTimeout  websocket.StatusCode = 4009 // no hello in time
	ClosePingTimeout   websocket.StatusCode = 4010 // no pong in time
	CloseBadFrames     websocket.StatusCode = 4400 // too many invalid frames
	CloseUnauthorized  websocket.StatusCode = 4401 // no session, or it expired or was revoked
	CloseOriginRefused websocket.StatusCode = 4403 // the site does not allow this origin
	CloseUnknownKey    websocket.StatusCode = 4404 // no site has this widget key
	CloseBadProtocol   websocket.StatusCode = 4426 // subprotocol not offered
)

// Inbound is any client frame. Fields unused by a type are ignored, and so
// are unknown fields (a newer client may send more).
type Inbound struct {
	Type string `json:"type"`
	ID   string `json:"id"`

	Token  string           `json:"token,omitempty"`
	Resume map[string]int64 `json:"resume,omitempty"`

	ConversationID string `json:"conversation_id,omitempty"`
	VisitorID      string `json:"visitor_id,omitempty"`
	DepartmentID   string `json:"department_id,omitempty"`
	ClientMsgID    string `json:"client_msg_id,omitempty"`
	Text           string `json:"text,omitempty"`
	On             *bool  `json:"on,omitempty"`

	AfterSeq int64 `json:"after_seq,omitempty"`
	UntilSeq int64 `json:"until_seq,omitempty"`
	Limit    int   `json:"limit,omitempty"`

	URL      string `json:"url,omitempty"`
	Title    string `json:"title,omitempty"`
	Referrer string `json:"referrer,omitempty"`

	Data map[string]any `json:"data,omitempty"`

	ExternalID string `json:"external_id,omitempty"`
	Name       string `json:"name,omitempty"`
	Email      string `json:"email,omitempty"`
	Hash       string `json:"hash,omitempty"`

	Status      string   `json:"status,omitempty"`
	SnoozeUntil string   `json:"snooze_until,omitempty"` // RFC 3339
	AgentID     string   `json:"agent_id,omitempty"`
	Note        string   `json:"note,omitempty"`
	Notes       string   `json:"notes,omitempty"`
	Tags        []string `json:"tags,omitempty"`
	Flagged     *bool    `json:"flagged,omitempty"`
	ClosedBy    string   `json:"closed_by_agent_id,omitempty"`
	AssigneeID  string   `json:"assignee_id,omitempty"`
}

// Client frame types.
const (
	TypeHello         = "hello"
	TypePing          = "ping"
	TypeHeartbeat     = "heartbeat"
	TypeStart         = "conversation.start"
	TypeSend          = "message.send"
	TypeTyping        = "typing"
	TypeSync          = "sync"
	TypeContextSet    = "context.set"
	TypeIdentify      = "identify"
	TypeAgentStatus   = "agent.status"
	TypeVisitorGet    = "visitor.get"
	TypeConversations = "conversations.list"
	TypeStatus        = "conversation.status"
	TypeAssign        = "conversation.assign"
	TypeTransfer      = "conversation.transfer"
	TypeFlag          = "conversation.flag"
	TypeWrapup        = "conversation.wrapup"
	TypeClose         = "conversation.close"
)

// Server-only frame types (event frame types live in package event).
const (
	TypeWelcome = "welcome"
	TypeAck     = "ack"
	TypeError   = "error"
	TypePong    = "pong"
	TypeSnap    = "snapshot"
)

// MaxIDLen bounds a command id.
const MaxIDLen = 64

// ErrorFrame reports a failed command (ID set) or a connection-level
// problem (ID empty).
type ErrorFrame struct {
	Type    string `json:"type"` // "error"
	ID      string `json:"id,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	// Retry says the same command may succeed later unchanged.
	Retry bool `json:"retry,omitempty"`
}

func errorFrame(id string, err error) ErrorFrame {
	e := apperr.From(err)
	return ErrorFrame{Type: TypeError, ID: id, Code: e.Code, Message: e.Message, Field: e.Field,
		Retry: e.Kind == apperr.Internal || e.Kind == apperr.Unavailable || e.Kind == apperr.RateLimited}
}

// AckFrame answers a command. Which fields are set depends on the command.
type AckFrame struct {
	Type           string               `json:"type"` // "ack"
	ID             string               `json:"id"`
	ConversationID string               `json:"conversation_id,omitempty"`
	Seq            int64                `json:"seq,omitempty"`
	Duplicate      bool                 `json:"duplicate,omitempty"`
	Message        *store.Message       `json:"message,omitempty"`
	Conversation   *store.Conversation  `json:"conversation,omitempty"`
	LastSeq        *int64               `json:"last_seq,omitempty"`
	More           bool                 `json:"more,omitempty"`
	Visitor        *store.Visitor       `json:"visitor,omitempty"`
	Pages          []store.PageView     `json:"pages,omitempty"`
	Context        map[string]any       `json:"context,omitempty"`
	Verified       *bool                `json:"verified,omitempty"`
	Agent          *event.AgentView     `json:"agent,omitempty"`
	Conversations  []store.Conversation `json:"conversations,omitempty"`
}

// WelcomeFrame answers hello.
type WelcomeFrame struct {
	Type          string               `json:"type"` // "welcome"
	ID            string               `json:"id"`
	Protocol      int                  `json:"protocol"`
	ConnID        string               `json:"conn_id"`
	Role          string               `json:"role"` // "visitor" or "agent"
	HeartbeatMS   int                  `json:"heartbeat_ms,omitempty"`
	ServerTime    int64                `json:"server_time"`
	Token         string               `json:"token,omitempty"`
	Visitor       *store.Visitor       `json:"visitor,omitempty"`
	Site          *SiteView            `json:"site,omitempty"`
	Agent         *event.AgentView     `json:"agent,omitempty"`
	Conversations []store.Conversation `json:"conversations"`
}

// SiteView is what a widget learns about its site.
type SiteView struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// SnapshotFrame is the desk's initial state after welcome; live deltas
// follow it.
type SnapshotFrame struct {
	Type     string              `json:"type"` // "snapshot"
	Visitors []event.VisitorView `json:"visitors"`
	Agents   []event.AgentView   `json:"agents"`
}

// PongFrame answers ping.
type PongFrame struct {
	Type       string `json:"type"` // "pong"
	ID         string `json:"id"`
	ServerTime int64  `json:"server_time"`
}

func encode(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		// Every frame type is plain data; failing to encode one is a bug.
		panic(err)
	}
	return b
}
