// Package client is a Go client for Live Desk's realtime protocol
// (docs/protocol.md) as widgets and desks speak it. Tests, the load
// generator in bench/ and the chaos tests use it; it needs nothing from the
// server's internals.
//
// Conn is one WebSocket connection: it says hello, matches acks to
// commands by id and queues every other frame as an event. Session sits on
// top: it reconnects, resumes by seq, fills gaps and drops duplicates, so
// its History is exactly the server's.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// Subprotocol is the protocol version this client speaks.
const Subprotocol = "livedesk.v1"

// Message is a persisted conversation event.
type Message struct {
	ID             string    `json:"id"`
	ConversationID string    `json:"conversation_id"`
	Seq            int64     `json:"seq"`
	ClientMsgID    string    `json:"client_msg_id"`
	Kind           string    `json:"kind"`
	AuthorType     string    `json:"author_type"`
	AuthorID       string    `json:"author_id,omitempty"`
	AuthorName     string    `json:"author_name,omitempty"`
	Body           string    `json:"body"`
	CreatedAt      time.Time `json:"created_at"`
	// Private events and comments are for agents; Meta is an event's
	// structured data.
	Private bool           `json:"private,omitempty"`
	Meta    map[string]any `json:"meta,omitempty"`
}

// Conversation is a conversation's state.
type Conversation struct {
	ID          string         `json:"id"`
	SiteID      string         `json:"site_id"`
	VisitorID   string         `json:"visitor_id"`
	AssigneeID  string         `json:"assignee_id,omitempty"`
	Status      string         `json:"status"`
	LastSeq     int64          `json:"last_seq"`
	LastMessage string         `json:"last_message"`
	Context     map[string]any `json:"context"`
}

// Frame is any server frame; which fields are set depends on Type.
type Frame struct {
	Type           string          `json:"type"`
	ID             string          `json:"id,omitempty"`
	Code           string          `json:"code,omitempty"`
	Message        json.RawMessage `json:"message,omitempty"` // an error's text, or a message event's message
	Field          string          `json:"field,omitempty"`
	Retry          bool            `json:"retry,omitempty"`
	RetryAfterMs   int64           `json:"retry_after_ms,omitempty"`
	ConversationID string          `json:"conversation_id,omitempty"`
	Seq            int64           `json:"seq,omitempty"`
	LastSeq        *int64          `json:"last_seq,omitempty"`
	More           bool            `json:"more,omitempty"`
	Duplicate      bool            `json:"duplicate,omitempty"`
	Token          string          `json:"token,omitempty"`
	ConnID         string          `json:"conn_id,omitempty"`
	Role           string          `json:"role,omitempty"`
	Conversation   *Conversation   `json:"conversation,omitempty"`
	Conversations  []Conversation  `json:"conversations,omitempty"`
	On             bool            `json:"on,omitempty"`
	AuthorType     string          `json:"author_type,omitempty"`
	AuthorID       string          `json:"author_id,omitempty"`
	VisitorID      string          `json:"visitor_id,omitempty"`
	Visitor        json.RawMessage `json:"visitor,omitempty"`
	Visitors       json.RawMessage `json:"visitors,omitempty"`
	Agent          json.RawMessage `json:"agent,omitempty"`
	Agents         json.RawMessage `json:"agents,omitempty"`
	Raw            []byte          `json:"-"`
}

// Msg decodes a message event's or ack's message.
func (f Frame) Msg() (Message, error) {
	var m Message
	err := json.Unmarshal(f.Message, &m)
	return m, err
}

// Error is an error frame answering a command.
type Error struct {
	Code    string
	Message string
	Field   string
	Retry   bool
	// RetryAfter, with busy and rate_limited, is how long the server asks
	// the client to wait before sending the command again.
	RetryAfter time.Duration
}

func (e *Error) Error() string { return "livedesk: " + e.Code + ": " + e.Message }

// ErrClosed is returned for commands on a closed connection.
var ErrClosed = errors.New("livedesk: connection closed")

// Options configure Dial.
type Options struct {
	// Header is sent with the upgrade (a desk's Cookie, an Origin).
	Header http.Header
	// HTTPClient dials; nil uses http.DefaultClient.
	HTTPClient *http.Client
	// Token resumes a visitor session (widgets).
	Token string
	// Resume maps conversation id to the last seq held.
	Resume map[string]int64
}

// Conn is one protocol connection.
type Conn struct {
	ws      *websocket.Conn
	Welcome Frame

	next    atomic.Uint64
	mu      sync.Mutex
	pending map[string]chan Frame
	queue   []Frame // events not yet taken
	ready   chan struct{}
	closed  bool
	err     error
	done    chan struct{}
}

// Dial connects to url (ws:// or wss://, e.g. ws://host/widget/v1/ws?key=K
// or ws://host/api/v1/ws), says hello and waits for the welcome.
func Dial(ctx context.Context, url string, opts Options) (*Conn, error) {
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{
		Subprotocols: []string{Subprotocol}, HTTPHeader: opts.Header, HTTPClient: opts.HTTPClient,
	})
	if err != nil {
		return nil, fmt.Errorf("livedesk: dial: %w", err)
	}
	ws.SetReadLimit(16 << 20)
	c := &Conn{ws: ws, pending: map[string]chan Frame{}, ready: make(chan struct{}, 1), done: make(chan struct{})}
	data, err := Hello(ctx, ws, opts.Token, opts.Resume)
	if err != nil {
		ws.CloseNow()
		return nil, err
	}
	frames, err := split(data)
	if err != nil || len(frames) == 0 {
		ws.CloseNow()
		return nil, fmt.Errorf("livedesk: welcome: %v", err)
	}
	if frames[0].Type == "error" {
		ws.CloseNow()
		var msg string
		json.Unmarshal(frames[0].Message, &msg) //nolint:errcheck
		return nil, &Error{Code: frames[0].Code, Message: msg}
	}
	if frames[0].Type != "welcome" {
		ws.CloseNow()
		return nil, fmt.Errorf("livedesk: expected welcome, got %q", frames[0].Type)
	}
	c.Welcome = frames[0]
	c.queue = append(c.queue, frames[1:]...)
	go c.readLoop()
	return c, nil
}

// Hello sends the hello frame on a freshly dialed socket and returns the
// server's first message (the welcome, possibly followed by more frames,
// or an error frame). The load generator in bench/ uses it too.
func Hello(ctx context.Context, ws *websocket.Conn, token string, resume map[string]int64) ([]byte, error) {
	hello := map[string]any{"type": "hello", "id": "hello"}
	if token != "" {
		hello["token"] = token
	}
	if len(resume) > 0 {
		hello["resume"] = resume
	}
	b, err := json.Marshal(hello)
	if err != nil {
		return nil, fmt.Errorf("livedesk: hello: %w", err)
	}
	if err := ws.Write(ctx, websocket.MessageText, b); err != nil {
		return nil, fmt.Errorf("livedesk: hello: %w", err)
	}
	_, data, err := ws.Read(ctx)
	if err != nil {
		return nil, fmt.Errorf("livedesk: welcome: %w", err)
	}
	return data, nil
}

// EachFrame calls fn with each frame of one WebSocket message from the
// server (one or more frames separated by newlines; blank lines are
// skipped) and stops at fn's first error. line aliases data. The load
// generator in bench/ reads frames through it too.
func EachFrame(data []byte, fn func(line []byte) error) error {
	for len(data) > 0 {
		line, rest, _ := bytes.Cut(data, []byte{'\n'})
		data = rest
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if err := fn(line); err != nil {
			return err
		}
	}
	return nil
}

// CloseWaiters closes and forgets every channel in pending, so that each
// command still waiting for its answer learns the connection ended. The
// caller holds the lock guarding pending.
func CloseWaiters[T any](pending map[string]chan T) {
	for id, ch := range pending {
		close(ch)
		delete(pending, id)
	}
}

// split decodes one WebSocket message into frames.
func split(data []byte) ([]Frame, error) {
	var out []Frame
	err := EachFrame(data, func(line []byte) error {
		var f Frame
		if err := json.Unmarshal(line, &f); err != nil {
			return fmt.Errorf("livedesk: bad frame: %w", err)
		}
		f.Raw = append([]byte(nil), line...)
		out = append(out, f)
		return nil
	})
	return out, err
}

func (c *Conn) readLoop() {
	var err error
	for {
		var data []byte
		_, data, err = c.ws.Read(context.Background())
		if err != nil {
			break
		}
		frames, ferr := split(data)
		if ferr != nil {
			err = ferr
			break
		}
		c.mu.Lock()
		for _, f := range frames {
			if (f.Type == "ack" || f.Type == "error" || f.Type == "pong") && f.ID != "" {
				if ch, ok := c.pending[f.ID]; ok {
					delete(c.pending, f.ID)
					ch <- f
					continue
				}
			}
			c.queue = append(c.queue, f)
		}
		c.mu.Unlock()
		select {
		case c.ready <- struct{}{}:
		default:
		}
	}
	c.mu.Lock()
	c.closed, c.err = true, err
	CloseWaiters(c.pending)
	c.mu.Unlock()
	close(c.done)
}

// Done is closed when the connection ends.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err is why the connection ended (after Done).
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// CloseStatus is the close code the server sent, or -1.
func (c *Conn) CloseStatus() websocket.StatusCode { return websocket.CloseStatus(c.Err()) }

// Next returns the next event frame, waiting until one arrives, the
// connection ends (ErrClosed) or ctx ends.
func (c *Conn) Next(ctx context.Context) (Frame, error) {
	for {
		c.mu.Lock()
		if len(c.queue) > 0 {
			f := c.queue[0]
			c.queue[0] = Frame{}
			c.queue = c.queue[1:]
			c.mu.Unlock()
			return f, nil
		}
		closed := c.closed
		c.mu.Unlock()
		if closed {
			return Frame{}, ErrClosed
		}
		select {
		case <-c.ready:
		case <-c.done:
		case <-ctx.Done():
			return Frame{}, ctx.Err()
		}
	}
}

// Do sends a command and waits for its ack; an error frame comes back as
// *Error. fields must not set "id".
func (c *Conn) Do(ctx context.Context, typ string, fields map[string]any) (Frame, error) {
	id := strconv.FormatUint(c.next.Add(1), 10)
	cmd := make(map[string]any, len(fields)+2)
	for k, v := range fields {
		cmd[k] = v
	}
	cmd["type"], cmd["id"] = typ, id
	b, err := json.Marshal(cmd)
	if err != nil {
		return Frame{}, fmt.Errorf("livedesk: encode %s: %w", typ, err)
	}
	ch := make(chan Frame, 1)
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return Frame{}, ErrClosed
	}
	c.pending[id] = ch
	c.mu.Unlock()
	if err := c.ws.Write(ctx, websocket.MessageText, b); err != nil {
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
		return Frame{}, fmt.Errorf("livedesk: send %s: %w", typ, err)
	}
	select {
	case f, ok := <-ch:
		if !ok {
			return Frame{}, ErrClosed
		}
		if f.Type == "error" {
			var msg string
			json.Unmarshal(f.Message, &msg) //nolint:errcheck
			return f, &Error{Code: f.Code, Message: msg, Field: f.Field, Retry: f.Retry, RetryAfter: time.Duration(f.RetryAfterMs) * time.Millisecond}
		}
		return f, nil
	case <-ctx.Done():
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
		return Frame{}, ctx.Err()
	}
}

// WriteRaw sends bytes as one text frame, unchecked (for tests of the
// server's input handling).
func (c *Conn) WriteRaw(ctx context.Context, b []byte) error {
	return c.ws.Write(ctx, websocket.MessageText, b)
}

// Close closes the connection normally.
func (c *Conn) Close() error { return c.ws.Close(websocket.StatusNormalClosure, "") }

// Kill drops the connection without a close handshake, as a network cut
// would.
func (c *Conn) Kill() { c.ws.CloseNow() } //nolint:errcheck
