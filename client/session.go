package client

import (
	"context"
	"errors"
	"math/rand/v2"
	"sort"
	"sync"
	"time"
)

// Session is a reconnecting client that holds every conversation's history
// exactly once and in seq order. It resumes from the last seq it holds,
// asks for any gap it sees and drops duplicates by (conversation, seq).
type Session struct {
	url  string
	opts Options

	mu      sync.Mutex
	conn    *Conn
	token   string
	history map[string][]Message // contiguous from seq 1
	pending map[string]map[int64]Message
	welcome Frame
	onEvent func(Frame)
	changed chan struct{} // closed and replaced whenever history grows
}

// NewSession prepares a session; call Connect to dial. onEvent, if set,
// sees every event frame (after the session has applied it).
func NewSession(url string, opts Options, onEvent func(Frame)) *Session {
	return &Session{url: url, opts: opts, token: opts.Token, history: map[string][]Message{},
		pending: map[string]map[int64]Message{}, onEvent: onEvent, changed: make(chan struct{})}
}

// Token is the visitor token to keep (widgets).
func (s *Session) Token() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.token
}

// Welcome is the latest welcome frame.
func (s *Session) Welcome() Frame {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.welcome
}

// Conn is the current connection (nil before Connect).
func (s *Session) Conn() *Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conn
}

// Connect dials once, resuming from what the session holds, and fills in
// anything missing for the conversations the welcome lists.
func (s *Session) Connect(ctx context.Context) error {
	s.mu.Lock()
	opts := s.opts
	opts.Token = s.token
	opts.Resume = map[string]int64{}
	for id, h := range s.history {
		opts.Resume[id] = int64(len(h))
	}
	s.mu.Unlock()
	c, err := Dial(ctx, s.url, opts)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.conn, s.welcome = c, c.Welcome
	if c.Welcome.Token != "" {
		s.token = c.Welcome.Token
	}
	s.mu.Unlock()
	go s.pump(c)
	for _, conv := range c.Welcome.Conversations {
		if err := s.Fill(ctx, conv.ID, conv.LastSeq); err != nil {
			return err
		}
	}
	return nil
}

// ConnectRetry connects with exponential backoff and full jitter (100 ms
// doubling to 5 s) until it succeeds or ctx ends.
func (s *Session) ConnectRetry(ctx context.Context) error {
	backoff := 100 * time.Millisecond
	for {
		err := s.Connect(ctx)
		if err == nil {
			return nil
		}
		var pe *Error
		if errors.As(err, &pe) && !pe.Retry {
			return err
		}
		wait := time.Duration(rand.Int64N(int64(backoff)))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

func (s *Session) pump(c *Conn) {
	for {
		f, err := c.Next(context.Background())
		if err != nil {
			return
		}
		if f.Type == "message" {
			if m, err := f.Msg(); err == nil {
				s.apply(m)
			}
		}
		if s.onEvent != nil {
			s.onEvent(f)
		}
	}
}

// apply adds m if it is the next seq, keeps it aside if it is ahead (a gap
// to fill), and drops it if already held.
func (s *Session) apply(m Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.history[m.ConversationID]
	switch {
	case m.Seq <= int64(len(h)):
		return // duplicate
	case m.Seq > int64(len(h))+1:
		p := s.pending[m.ConversationID]
		if p == nil {
			p = map[int64]Message{}
			s.pending[m.ConversationID] = p
		}
		p[m.Seq] = m
		return
	}
	h = append(h, m)
	p := s.pending[m.ConversationID]
	for {
		next, ok := p[int64(len(h))+1]
		if !ok {
			break
		}
		delete(p, next.Seq)
		h = append(h, next)
	}
	s.history[m.ConversationID] = h
	close(s.changed)
	s.changed = make(chan struct{})
}

// Fill asks for everything after the last held seq up to until (0: all),
// page by page, until the session holds it.
func (s *Session) Fill(ctx context.Context, conversationID string, until int64) error {
	for {
		s.mu.Lock()
		have := int64(len(s.history[conversationID]))
		c := s.conn
		s.mu.Unlock()
		if until > 0 && have >= until {
			return nil
		}
		if c == nil {
			return ErrClosed
		}
		ack, err := c.Do(ctx, "sync", map[string]any{"conversation_id": conversationID, "after_seq": have})
		if err != nil {
			return err
		}
		// The sync's message frames precede its ack on the wire; wait
		// until the pump has applied them.
		if err := s.waitFor(ctx, c, conversationID, have, ack); err != nil {
			return err
		}
		if !ack.More && (until == 0 || ack.LastSeq == nil || *ack.LastSeq >= until) {
			return nil
		}
	}
}

// waitFor waits until the pump has applied the frames a sync returned.
func (s *Session) waitFor(ctx context.Context, c *Conn, conversationID string, had int64, ack Frame) error {
	if ack.LastSeq == nil {
		return nil
	}
	target := *ack.LastSeq
	for {
		s.mu.Lock()
		have := int64(len(s.history[conversationID]))
		changed := s.changed
		s.mu.Unlock()
		if have >= target || (ack.More && have > had) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-c.Done():
			return ErrClosed
		case <-changed:
		}
	}
}

// Send sends a message with a client_msg_id the caller keeps for retries,
// and returns the stored message.
func (s *Session) Send(ctx context.Context, conversationID, clientMsgID, text string) (Message, error) {
	c := s.Conn()
	if c == nil {
		return Message{}, ErrClosed
	}
	ack, err := c.Do(ctx, "message.send", map[string]any{"conversation_id": conversationID, "client_msg_id": clientMsgID, "text": text})
	if err != nil {
		return Message{}, err
	}
	m, err := ack.Msg()
	if err == nil {
		s.apply(m)
	}
	return m, err
}

// History returns a copy of a conversation's held history.
func (s *Session) History(conversationID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.history[conversationID]...)
}

// Conversations lists the conversation ids the session holds history of.
func (s *Session) Conversations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.history))
	for id := range s.history {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Close closes the current connection.
func (s *Session) Close() {
	if c := s.Conn(); c != nil {
		c.Close() //nolint:errcheck
	}
}
