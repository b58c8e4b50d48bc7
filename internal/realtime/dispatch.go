package realtime

import (
	"context"
	"encoding/json"
	"reflect"
	"strconv"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/jsontext"
	"github.com/querytel/livedesk/internal/ratelimit"
)

// command is one client command of a role: its name, the type its request
// decodes into, and its handler. The tables in widget.go and desk.go list
// every command a role may send; anything else is unknown_type.
type command struct {
	name    string
	request reflect.Type // for the protocol contract check
	run     func(s *Server, ctx context.Context, c *conn, id string, frame []byte)
}

// commandTable indexes a role's commands by name.
type commandTable map[string]command

func newTable(cmds ...command) commandTable {
	t := make(commandTable, len(cmds))
	for _, cmd := range cmds {
		if _, dup := t[cmd.name]; dup {
			panic("realtime: command " + cmd.name + " listed twice")
		}
		t[cmd.name] = cmd
	}
	return t
}

// on makes a command whose handler takes the decoded request and returns
// the ack's fields or an error; run sends the one or the other.
func on[R any](name string, h func(s *Server, ctx context.Context, c *conn, r *R) (AckFrame, error)) command {
	return command{name: name, request: reflect.TypeFor[R](), run: func(s *Server, ctx context.Context, c *conn, id string, frame []byte) {
		var r R
		if err := json.Unmarshal(frame, &r); err != nil {
			c.send(ErrorFrame{Type: TypeError, ID: id, Code: "invalid_frame", Message: "a field has the wrong type"})
			return
		}
		ack, err := h(s, ctx, c, &r)
		s.reply(c, id, ack, err)
		if c.afterReply != 0 {
			c.closeWith(c.afterReply, c.afterReplyNote)
		}
	}}
}

// frame decodes and handles one client frame after hello, on a worker:
// frames are handled in order, one at a time.
func (s *Server) frame(c *conn, typ websocket.MessageType, data []byte) {
	if c.afterReply != 0 || c.isClosing() {
		// A close is decided (a block, another person's identify, a
		// resync): nothing more runs as this client, even if frames it
		// sent before it knew are still arriving.
		return
	}
	env, err := decodeFrame(typ, data)
	if err != nil {
		fe, _ := err.(frameError) // decodeFrame returns no other error
		c.send(ErrorFrame{Type: TypeError, ID: fe.id, Code: fe.code, Message: fe.msg, Field: fe.field})
		if c.bad++; c.bad >= 20 {
			c.closeWith(CloseBadFrames, "too many invalid frames")
		}
		return
	}
	cmd, known := c.commands[env.Type]
	if !c.limiter.Allow() {
		c.send(ErrorFrame{Type: TypeError, ID: env.ID, Code: "rate_limited", Message: "slow down", Retry: true,
			RetryAfterMs: nextToken(c.limiter).Milliseconds()})
		return
	}
	s.metrics.frameIn(env.Type, known || env.Type == TypePing || env.Type == TypeHello)
	switch {
	case env.Type == TypePing:
		c.send(PongFrame{Type: TypePong, ID: env.ID, ServerTime: s.clock.Now().UnixMilli()})
	case env.Type == TypeHello:
		c.send(ErrorFrame{Type: TypeError, ID: env.ID, Code: "already_authenticated", Message: "hello was already accepted"})
	case !known:
		s.reply(c, env.ID, AckFrame{}, apperr.New(apperr.Invalid, "unknown_type", "unknown frame type "+env.Type))
	default:
		cmd.run(s, c.ctx, c, env.ID, data)
	}
}

// nextToken is how long until l has a token again, at least 100 ms (a
// client told less would come back within one round trip).
func nextToken(l *rate.Limiter) time.Duration {
	return max(ratelimit.UntilToken(l, time.Now()), 100*time.Millisecond)
}

// reply sends the ack, or the error frame for err.
func (s *Server) reply(c *conn, id string, ack AckFrame, err error) {
	if err != nil {
		e := apperr.From(err)
		if e.Kind == apperr.Internal {
			s.log.Error("realtime: command failed", "err", err, "conn_id", c.id, "workspace_id", c.actor.WorkspaceID)
		}
		c.send(errorFrame(id, err))
		return
	}
	ack.Type, ack.ID = TypeAck, id
	c.send(ack)
}

// frameError is a client frame that could not be decoded or lacks an id.
type frameError struct{ id, code, msg, field string }

func (e frameError) Error() string { return e.code + ": " + e.msg }

// decodeFrame decodes one client frame's envelope; every error is a
// frameError (answered, not fatal).
func decodeFrame(typ websocket.MessageType, data []byte) (envelope, error) {
	if typ != websocket.MessageText {
		return envelope{}, frameError{code: "invalid_frame", msg: "frames are JSON text"}
	}
	return decodeEnvelope(data)
}

// decodeEnvelope parses one client frame's envelope and checks it, and
// that the frame's text is valid: JSON decoding would silently turn
// invalid UTF-8 and lone surrogate escapes into U+FFFD, and keep the last
// of two equal keys, so both are refused here, before any field is read.
// (Trailing data after the object is refused by json.Unmarshal itself.)
func decodeEnvelope(data []byte) (envelope, error) {
	var env envelope
	if err := json.Unmarshal(data, &env); err != nil {
		return envelope{}, frameError{code: "invalid_frame", msg: "a frame is one JSON object"}
	}
	if env.Type == "" {
		return envelope{}, frameError{id: env.ID, code: "invalid_frame", msg: "type is required"}
	}
	if env.ID == "" || len(env.ID) > MaxIDLen {
		return envelope{}, frameError{code: "invalid_frame", msg: "id is required (1 to 64 characters)"}
	}
	if !jsontext.Valid(data) {
		return envelope{}, frameError{id: env.ID, code: "invalid_text", msg: "text must be valid UTF-8, without lone surrogate escapes"}
	}
	if key, dup := jsontext.DuplicateKey(data); dup {
		return envelope{}, frameError{id: env.ID, code: "invalid_frame", msg: "the key " + strconv.Quote(key) + " appears twice"}
	}
	return env, nil
}
