package load

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/querytel/livedesk/client"
)

// subprotocol is the protocol version spoken (docs/protocol.md).
const subprotocol = "livedesk.v1"

// Welcome is the part of the welcome frame the scenarios use.
type Welcome struct {
	Type          string `json:"type"`
	Token         string `json:"token"`
	ConnID        string `json:"conn_id"`
	Conversations []struct {
		ID      string `json:"id"`
		LastSeq int64  `json:"last_seq"`
	} `json:"conversations"`
	Code string `json:"code"` // set when the server answered hello with an error
}

// FrameFunc sees every server frame that does not answer a Do. It runs on
// the connection's reader goroutine; line is valid only during the call.
type FrameFunc func(line []byte)

// Conn is one lean protocol connection.
type Conn struct {
	ws      *websocket.Conn
	Welcome Welcome
	onFrame FrameFunc

	bytesIn  atomic.Int64 // WebSocket message bytes read since the welcome
	next     atomic.Uint64
	mu       sync.Mutex
	pending  map[string]chan []byte
	npending atomic.Int32
	err      error
	done     chan struct{}
}

// DialOptions configure Dial.
type DialOptions struct {
	Client *http.Client // from a Dialer
	Header http.Header  // a desk's Cookie and Origin
	Token  string       // a visitor token to resume
	Resume map[string]int64
}

// Dial opens wsURL (ws://127.x/...), says hello and reads the welcome.
// Frames after the welcome (the desk's snapshot, resume replays) go to
// onFrame, which may be nil.
func Dial(ctx context.Context, wsURL string, o DialOptions, onFrame FrameFunc) (*Conn, error) {
	if _, err := CheckLoopback(strings.Replace(wsURL, "ws://", "http://", 1)); err != nil {
		return nil, err
	}
	ws, _, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{
		Subprotocols: []string{subprotocol}, HTTPHeader: o.Header, HTTPClient: o.Client,
	})
	if err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	ws.SetReadLimit(16 << 20)
	if onFrame == nil {
		onFrame = func([]byte) {}
	}
	c := &Conn{ws: ws, onFrame: onFrame, pending: map[string]chan []byte{}, done: make(chan struct{})}
	data, err := client.Hello(ctx, ws, o.Token, o.Resume)
	if err != nil {
		ws.CloseNow() //nolint:errcheck
		return nil, err
	}
	first, rest, _ := bytes.Cut(data, []byte{'\n'})
	if err := json.Unmarshal(first, &c.Welcome); err != nil || c.Welcome.Type != "welcome" {
		ws.CloseNow() //nolint:errcheck
		return nil, fmt.Errorf("welcome: got %.200s", first)
	}
	eachLine(rest, onFrame)
	go c.readLoop()
	return c, nil
}

// eachLine calls fn with each frame of one WebSocket message.
func eachLine(data []byte, fn FrameFunc) {
	client.EachFrame(data, func(line []byte) error { fn(line); return nil }) //nolint:errcheck // fn never fails
}

func (c *Conn) readLoop() {
	var err error
	for {
		var data []byte
		_, data, err = c.ws.Read(context.Background())
		if err != nil {
			break
		}
		c.bytesIn.Add(int64(len(data)))
		eachLine(data, func(line []byte) {
			if c.npending.Load() > 0 && (Type(line) == "ack" || Type(line) == "error") {
				id := Str(line, "id")
				c.mu.Lock()
				ch, ok := c.pending[id]
				delete(c.pending, id)
				c.mu.Unlock()
				if ok {
					c.npending.Add(-1)
					ch <- bytes.Clone(line)
					return
				}
			}
			c.onFrame(line)
		})
	}
	c.mu.Lock()
	c.err = err
	client.CloseWaiters(c.pending)
	c.mu.Unlock()
	close(c.done)
}

// BytesIn is how many bytes of WebSocket messages the connection has
// read since its welcome.
func (c *Conn) BytesIn() int64 { return c.bytesIn.Load() }

// Done is closed when the connection has ended.
func (c *Conn) Done() <-chan struct{} { return c.done }

// CloseStatus is the close code the server sent (after Done), or -1.
func (c *Conn) CloseStatus() websocket.StatusCode {
	c.mu.Lock()
	defer c.mu.Unlock()
	return websocket.CloseStatus(c.err)
}

// Write sends one frame as is.
func (c *Conn) Write(ctx context.Context, frame []byte) error {
	return c.ws.Write(ctx, websocket.MessageText, frame)
}

// ErrorFrame is an error frame answering a Do.
type ErrorFrame struct{ Code string }

func (e *ErrorFrame) Error() string { return "server error " + e.Code }

// errClosed is returned by Do on a connection that ended.
var errClosed = errors.New("connection closed")

// Do sends a command built from fields and waits for its answer (the raw
// ack line). An error frame comes back as *ErrorFrame.
func (c *Conn) Do(ctx context.Context, typ string, fields map[string]any) ([]byte, error) {
	id := "q" + strconv.FormatUint(c.next.Add(1), 10)
	cmd := map[string]any{"type": typ, "id": id}
	for k, v := range fields {
		cmd[k] = v
	}
	b, err := json.Marshal(cmd)
	if err != nil {
		return nil, err
	}
	ch := make(chan []byte, 1)
	c.mu.Lock()
	c.pending[id] = ch
	c.mu.Unlock()
	c.npending.Add(1)
	drop := func() {
		c.mu.Lock()
		if _, ok := c.pending[id]; ok {
			delete(c.pending, id)
			c.npending.Add(-1)
		}
		c.mu.Unlock()
	}
	if err := c.Write(ctx, b); err != nil {
		drop()
		return nil, err
	}
	select {
	case line, ok := <-ch:
		if !ok {
			return nil, errClosed
		}
		if Type(line) == "error" {
			return line, &ErrorFrame{Code: Str(line, "code")}
		}
		return line, nil
	case <-c.done:
		drop()
		return nil, errClosed
	case <-ctx.Done():
		drop()
		return nil, ctx.Err()
	}
}

// Retryable reports whether err is a server's answer that asks the client
// to send the same command again later: busy (the store's admission) or
// rate_limited.
func Retryable(err error) bool {
	var ef *ErrorFrame
	return errors.As(err, &ef) && (ef.Code == "busy" || ef.Code == "rate_limited")
}

// DoRetrying is Do that sends the command again, the same fields (so a
// message keeps its client_msg_id), while the server answers it with a
// retryable error, after an exponential backoff with full jitter (100 ms
// doubling to 3.2 s), as the desk and the widget do. It gives up when ctx
// ends. retries counts the answers that asked it to retry.
func (c *Conn) DoRetrying(ctx context.Context, typ string, fields map[string]any, retries *atomic.Int64) ([]byte, error) {
	for attempt := 0; ; attempt++ {
		line, err := c.Do(ctx, typ, fields)
		if !Retryable(err) {
			return line, err
		}
		if retries != nil {
			retries.Add(1)
		}
		t := time.NewTimer(RetryDelay(attempt))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		}
	}
}

// RetryDelay is the wait before sending a command again after its
// attempt'th retryable answer (from 0): exponential backoff with full
// jitter, 100 ms doubling to 3.2 s, as the desk and the widget wait.
func RetryDelay(attempt int) time.Duration {
	ceiling := 100 * time.Millisecond << min(attempt, 5)
	return time.Duration(rand.Int64N(int64(ceiling))) + time.Millisecond
}

// ServerRetryDelay is the wait before sending again a command refused
// with the error frame line: what the server asked for (retry_after_ms)
// plus up to half again at random, as web/shared/session.ts does, or
// RetryDelay(attempt) if that is longer.
func ServerRetryDelay(line []byte, attempt int) time.Duration {
	d := RetryDelay(attempt)
	if ms := Int(line, "retry_after_ms"); ms > 0 {
		asked := time.Duration(ms) * time.Millisecond
		d = max(d, asked+time.Duration(rand.Int64N(int64(asked)/2+1)))
	}
	return d
}

// Kill drops the socket without a close handshake, as a network cut does.
func (c *Conn) Kill() { c.ws.CloseNow() } //nolint:errcheck

// Close closes the socket normally.
func (c *Conn) Close() { c.ws.Close(websocket.StatusNormalClosure, "") } //nolint:errcheck

// Type is a server frame's type. The server writes "type" first in every
// frame, so a prefix check suffices.
func Type(line []byte) string {
	const p = `{"type":"`
	if !bytes.HasPrefix(line, []byte(p)) {
		return ""
	}
	rest := line[len(p):]
	if i := bytes.IndexByte(rest, '"'); i >= 0 {
		return string(rest[:i])
	}
	return ""
}

// StrBytes returns the first string value of key in line, unescaped only
// as far as the harness needs (its own ids never hold escapes).
func StrBytes(line []byte, key string) []byte {
	var pat [80]byte
	p := append(append(append(pat[:0], '"'), key...), `":"`...)
	i := bytes.Index(line, p)
	if i < 0 {
		return nil
	}
	rest := line[i+len(p):]
	if j := bytes.IndexByte(rest, '"'); j >= 0 {
		return rest[:j]
	}
	return nil
}

// Str is StrBytes as a string.
func Str(line []byte, key string) string { return string(StrBytes(line, key)) }

// Int returns the first integer value of key in line, or -1.
func Int(line []byte, key string) int64 {
	var pat [80]byte
	p := append(append(append(pat[:0], '"'), key...), `":`...)
	i := bytes.Index(line, p)
	if i < 0 {
		return -1
	}
	var n int64
	found := false
	for _, ch := range line[i+len(p):] {
		if ch < '0' || ch > '9' {
			break
		}
		n, found = n*10+int64(ch-'0'), true
	}
	if !found {
		return -1
	}
	return n
}

// sendFrame appends a message.send frame to buf without reflection.
func sendFrame(buf []byte, id, conversationID, clientMsgID, text string) []byte {
	buf = append(buf, `{"type":"message.send","id":"`...)
	buf = append(buf, id...)
	buf = append(buf, `","conversation_id":"`...)
	buf = append(buf, conversationID...)
	buf = append(buf, `","client_msg_id":"`...)
	buf = append(buf, clientMsgID...)
	buf = append(buf, `","text":"`...)
	buf = append(buf, text...) // harness texts need no escaping
	return append(buf, `"}`...)
}
