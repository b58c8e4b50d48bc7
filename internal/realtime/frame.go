package realtime

import (
	"encoding/json"
	"github.com/querytel/livedesk/internal/broadcast"

	"github.com/coder/websocket"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/event"
	"github.com/querytel/livedesk/internal/file"
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
	CloseGoingAway       websocket.StatusCode = 4000 // server shutting down
	CloseSlowConsumer    websocket.StatusCode = 4008 // the send queue overflowed
	CloseHelloTimeout    websocket.StatusCode = 4009 // no hello in time
	ClosePingTimeout     websocket.StatusCode = 4010 // no pong in time
	CloseRoleChanged     websocket.StatusCode = 4011 // the agent's role changed: reconnect for the new permissions
	CloseVisitorReplaced websocket.StatusCode = 4012 // identify named another person: reconnect with the token of the ack
	CloseResync          websocket.StatusCode = 4013 // this node may have missed events: reconnect and resume
	CloseTryLater        websocket.StatusCode = 4029 // hello refused by a limit (rate_limited, storage_low)
	CloseBadFrames       websocket.StatusCode = 4400 // too many invalid frames
	CloseUnauthorized    websocket.StatusCode = 4401 // no session, or it expired or was revoked
	CloseOriginRefused   websocket.StatusCode = 4403 // the site does not allow this origin
	CloseBlocked         websocket.StatusCode = 4405 // the visitor, its address or its contact is blocked
	CloseUnknownKey      websocket.StatusCode = 4404 // no site has this widget key
	CloseBadProtocol     websocket.StatusCode = 4426 // subprotocol not offered
)

// envelope is what every client frame carries: its type and the
// client's id for it, echoed in the reply. The rest of the frame is the
// command's request, decoded into that command's own type (see
// commands.go); fields a request does not name are ignored, so a newer
// client may send more.
type envelope struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// HelloRequest opens a connection (both roles).
type HelloRequest struct {
	Token  string           `json:"token,omitempty"`  // a widget's visitor token
	Resume map[string]int64 `json:"resume,omitempty"` // conversation id → last seq held
	// Identify (widget) applies a verified identity before the welcome is
	// built, so a browser shared by two people never receives the first
	// one's conversations in the second one's welcome.
	Identify *IdentifyRequest `json:"identify,omitempty"`
}

// HeartbeatRequest reports the page a visitor is on.
type HeartbeatRequest struct {
	URL      string `json:"url"`
	Title    string `json:"title,omitempty"`
	Referrer string `json:"referrer,omitempty"`
}

// StartRequest starts (or returns) the visitor's open conversation.
type StartRequest struct {
	DepartmentID string `json:"department_id,omitempty"`
	// BroadcastID starts the conversation as a reply to a chat message
	// broadcast the visitor was shown: it opens with the broadcast's text.
	BroadcastID string `json:"broadcast_id,omitempty"`
}

// BroadcastsRequest asks what the widget's page view shows now.
type BroadcastsRequest = broadcast.Where

// BroadcastEventRequest reports what the visitor did with a broadcast.
type BroadcastEventRequest struct {
	BroadcastID string `json:"broadcast_id"`
	Event       string `json:"event"` // shown, dismissed or clicked
}

// SendRequest stores a message (both roles).
type SendRequest struct {
	ConversationID string `json:"conversation_id"`
	ClientMsgID    string `json:"client_msg_id"`
	Text           string `json:"text"`
}

// CommentRequest is comment.send: an agent's private comment, with the
// agents it mentions (ids, or "supervisors": every supervisor online).
type CommentRequest struct {
	ConversationID string   `json:"conversation_id"`
	ClientMsgID    string   `json:"client_msg_id"`
	Text           string   `json:"text"`
	Mentions       []string `json:"mentions"`
}

// CommentEditRequest is comment.edit: the comment's new text.
type CommentEditRequest struct {
	ConversationID string `json:"conversation_id"`
	MessageID      string `json:"message_id"`
	Text           string `json:"text"`
}

// CommentDeleteRequest is comment.delete.
type CommentDeleteRequest struct {
	ConversationID string `json:"conversation_id"`
	MessageID      string `json:"message_id"`
}

// TypingRequest says the sender is typing, or stopped (both roles).
type TypingRequest struct {
	ConversationID string `json:"conversation_id"`
	On             *bool  `json:"on"`
}

// ViewRequest says the agent has a conversation on screen, or left it
// (desk). A desk has at most one: viewing another leaves the first.
type ViewRequest struct {
	ConversationID string `json:"conversation_id"`
	On             *bool  `json:"on"`
}

// WatchRequest says which conversations' events a desk follows: "all"
// (the default) or "mine", its agent's own chats, the unassigned ones and
// the one on its screen (conversation.view). Conversation changes,
// visitors and agents go to every desk either way.
type WatchRequest struct {
	Scope string `json:"scope"`
}

// Watch scopes.
const (
	WatchAll  = "all"
	WatchMine = "mine"
)

// InviteRequest starts a chat with a browsing visitor (desk): the agent
// takes it and its first message goes to the visitor.
type InviteRequest struct {
	VisitorID   string `json:"visitor_id"`
	ClientMsgID string `json:"client_msg_id"`
	Text        string `json:"text"`
}

// SeenRequest says a side has had a conversation on screen, or received
// it (conversation.delivered), up to seq.
type SeenRequest struct {
	ConversationID string `json:"conversation_id"`
	Seq            int64  `json:"seq"`
}

// SyncRequest asks for a conversation's events in (after_seq, until_seq]
// (both roles).
type SyncRequest struct {
	ConversationID string `json:"conversation_id"`
	AfterSeq       int64  `json:"after_seq,omitempty"`
	UntilSeq       int64  `json:"until_seq,omitempty"`
	Limit          int    `json:"limit,omitempty"`
}

// ContextSetRequest merges host-page data into the visitor's context.
type ContextSetRequest struct {
	Data map[string]any `json:"data"`
}

// IdentifyRequest says who the visitor is, verified by an HMAC hash.
type IdentifyRequest struct {
	ExternalID string `json:"external_id,omitempty"`
	Name       string `json:"name,omitempty"`
	Email      string `json:"email,omitempty"`
	Hash       string `json:"hash,omitempty"`
}

// ConversationRequest names one conversation (conversation.close).
type ConversationRequest struct {
	ConversationID string `json:"conversation_id"`
}

// RateRequest is the visitor's rating of its chat once it ended.
type RateRequest struct {
	ConversationID string `json:"conversation_id"`
	Rating         string `json:"rating"`
	Comment        string `json:"comment,omitempty"`
}

// VisitorListRequest lists the visitor's own conversations.
type VisitorListRequest struct{}

// DeskListRequest lists the workspace's conversations with filters.
type DeskListRequest struct {
	Status     string `json:"status,omitempty"`
	AssigneeID string `json:"assignee_id,omitempty"`
	ClosedBy   string `json:"closed_by_agent_id,omitempty"`
	BeforeID   string `json:"before_id,omitempty"`
	Query      string `json:"q,omitempty"`
	Limit      int    `json:"limit,omitempty"`
}

// AgentStatusRequest sets the agent's availability.
type AgentStatusRequest struct {
	Status string `json:"status"`
}

// VisitorGetRequest reads a visitor with its pages.
type VisitorGetRequest struct {
	VisitorID string `json:"visitor_id"`
}

// StatusRequest moves a conversation to another status.
type StatusRequest struct {
	ConversationID string `json:"conversation_id"`
	Status         string `json:"status"`
	SnoozeUntil    string `json:"snooze_until,omitempty"` // RFC 3339
}

// AssignRequest gives a conversation to an agent (self when empty).
type AssignRequest struct {
	ConversationID string `json:"conversation_id"`
	AgentID        string `json:"agent_id,omitempty"`
}

// TransferRequest hands a conversation to an agent or a department.
type TransferRequest struct {
	ConversationID string `json:"conversation_id"`
	AgentID        string `json:"agent_id,omitempty"`
	DepartmentID   string `json:"department_id,omitempty"`
	Note           string `json:"note,omitempty"`
}

// FlagRequest flags a conversation for follow-up, or clears the flag.
type FlagRequest struct {
	ConversationID string `json:"conversation_id"`
	Flagged        *bool  `json:"flagged"`
}

// WrapupRequest records a closed conversation's notes and tags.
type WrapupRequest struct {
	ConversationID string   `json:"conversation_id"`
	Notes          string   `json:"notes,omitempty"`
	Tags           []string `json:"tags,omitempty"`
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
	TypeRate          = "conversation.rate"
	TypeView          = "conversation.view"
	TypeSeenCmd       = "conversation.seen"
	TypeDeliveredCmd  = "conversation.delivered"
	TypeInvite        = "conversation.invite"
	TypeComment       = "comment.send"
	TypeCommentEdit   = "comment.edit"
	TypeCommentDelete = "comment.delete"
	TypeBroadcasts    = "broadcasts.sync"
	TypeBroadcastEvt  = "broadcast.event"
	TypeWatch         = "desk.watch"
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

// Resume bounds: how many conversations a hello's resume may name. Each
// costs the server a read, so a hello naming hundreds of made-up ids is
// refused whole (too_many_resume) instead of costing hundreds of reads. A
// widget holds the welcome's 20 and the few it started since; a desk the
// welcome's 600 and those that arrived live.
const (
	MaxResumeVisitor = 50
	MaxResumeDesk    = 2000
)

func checkResume(resume map[string]int64, max int) error {
	if len(resume) > max {
		return apperr.Invalidf("resume", "too_many_resume", "resume may name at most %d conversations", max)
	}
	return nil
}

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
	// RetryAfterMs, with busy and rate_limited, is how long to wait
	// before sending it again, as the server judges its load: clients
	// wait at least that long (with jitter), so that under overload
	// their retries do not become the load.
	RetryAfterMs int64 `json:"retry_after_ms,omitempty"`
}

func errorFrame(id string, err error) ErrorFrame {
	e := apperr.From(err)
	return ErrorFrame{Type: TypeError, ID: id, Code: e.Code, Message: e.Message, Field: e.Field,
		Retry:        e.Kind == apperr.Internal || e.Kind == apperr.Unavailable || e.Kind == apperr.RateLimited,
		RetryAfterMs: e.RetryAfter.Milliseconds()}
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
	Token          string               `json:"token,omitempty"` // identify: a new visitor's token (then close 4012)
	Agent          *event.AgentView     `json:"agent,omitempty"`
	Conversations  []store.Conversation `json:"conversations,omitempty"`
	// Broadcasts (broadcasts.sync) is what the page view shows now.
	Broadcasts []broadcast.View `json:"broadcasts,omitempty"`
}

// WelcomeFrame answers hello.
type WelcomeFrame struct {
	Type        string           `json:"type"` // "welcome"
	ID          string           `json:"id"`
	Protocol    int              `json:"protocol"`
	ConnID      string           `json:"conn_id"`
	Role        string           `json:"role"` // "visitor" or "agent"
	HeartbeatMS int              `json:"heartbeat_ms,omitempty"`
	ServerTime  int64            `json:"server_time"`
	Token       string           `json:"token,omitempty"`
	Visitor     *store.Visitor   `json:"visitor,omitempty"`
	Site        *SiteView        `json:"site,omitempty"`
	Agent       *event.AgentView `json:"agent,omitempty"`
	// Permissions are what the agent may do beyond the basics (desk only):
	// the desk shows what they allow and never re-derives them from the
	// role.
	Permissions   []auth.Permission    `json:"permissions,omitempty"`
	Conversations []store.Conversation `json:"conversations"`
	// Seen is how far this agent has read each listed conversation (desk
	// only; conversations never read are absent).
	Seen map[string]int64 `json:"seen,omitempty"`
	// Inbox is the agent's unread count and newest item's seq, and Tagged
	// the conversations (not closed) it was mentioned in (desk only).
	Inbox  *InboxState `json:"inbox,omitempty"`
	Tagged []string    `json:"tagged,omitempty"`
	// Tickets are the tickets the visitor follows (widget only): public
	// ones of its own, newest first.
	Tickets []store.PublicTicket `json:"tickets,omitempty"`
	// Files is what the workspace accepts as attachments (both sides):
	// clients check a file before sending it; the server checks again.
	Files *file.Policy `json:"files,omitempty"`
}

// InboxState is an agent's inbox as its desk's welcome tells it.
type InboxState struct {
	Unread int   `json:"unread"`
	Seq    int64 `json:"seq"`
}

// SiteView is what a widget learns about its site.
type SiteView struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Look is how the widget shows itself: colour, greeting, and agents'
	// names or a team name (display only: frames keep author names).
	Look store.SiteLook `json:"look"`
	// Closed: the site was out of hours when the widget said hello; with
	// AskContact the widget asks for a name and e-mail before the first
	// message (business_hours.ask_contact).
	Closed     bool `json:"closed,omitempty"`
	AskContact bool `json:"ask_contact,omitempty"`
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
