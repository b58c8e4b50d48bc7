package realtime

import (
	"bytes"
	"encoding/json"
	"hash/maphash"
	"log/slog"
	"slices"
	"sync"

	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/broadcast"
	"github.com/querytel/livedesk/internal/event"
	"github.com/querytel/livedesk/internal/store"
)

const shardCount = 64 // a power of two; plenty for 2–64 cores

// Hub indexes this node's connections and delivers bus events to them.
type Hub struct {
	seed    maphash.Seed
	shards  [shardCount]shard
	log     *slog.Logger
	metrics *metrics
	// forget drops this node's copy of a workspace's active broadcasts
	// (broadcast.Service.Forget); nil without broadcasts.
	forget func(workspaceID string)
}

// shard is one lock's worth of the index. A key's connections are a
// slice, not a set: most keys hold one connection (a visitor's one tab),
// and a map per key would cost an idle visitor ~200 bytes more.
type shard struct {
	mu       sync.RWMutex
	desks    map[string][]*conn // by workspace id
	visitors map[string][]*conn // by visitor id
}

func newHub(log *slog.Logger, m *metrics) *Hub {
	h := &Hub{seed: maphash.MakeSeed(), log: log, metrics: m}
	for i := range h.shards {
		h.shards[i].desks = map[string][]*conn{}
		h.shards[i].visitors = map[string][]*conn{}
	}
	return h
}

func (h *Hub) shard(key string) *shard {
	return &h.shards[maphash.String(h.seed, key)&(shardCount-1)]
}

// add puts c under key once.
func add(m map[string][]*conn, key string, c *conn) {
	set := m[key]
	if slices.Contains(set, c) {
		return
	}
	m[key] = append(set, c)
}

// remove takes c from under key, if there.
func remove(m map[string][]*conn, key string, c *conn) {
	set := m[key]
	i := slices.Index(set, c)
	if i < 0 {
		return
	}
	last := len(set) - 1
	set[i] = set[last]
	set[last] = nil
	if last == 0 {
		delete(m, key)
	} else {
		m[key] = set[:last]
	}
}

// register adds c to the index under its workspace (desk) or visitor
// (widget).
func (h *Hub) register(c *conn) { h.update(c, add) }

func (h *Hub) unregister(c *conn) { h.update(c, remove) }

// update applies op to the index entry c belongs to, under its shard's lock.
func (h *Hub) update(c *conn, op func(m map[string][]*conn, key string, c *conn)) {
	key, byVisitor := c.actor.WorkspaceID, c.actor.IsVisitor()
	if byVisitor {
		key = c.actor.VisitorID
	}
	s := h.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if byVisitor {
		op(s.visitors, key, c)
	} else {
		op(s.desks, key, c)
	}
}

// visitorConnected reports whether this node holds a socket of the visitor.
func (h *Hub) visitorConnected(visitorID string) bool {
	s := h.shard(visitorID)
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.visitors[visitorID]) > 0
}

// HandleBus is the bus handler: it decodes the envelope once and enqueues
// Desks lists, by workspace, the agents with a desk connected to this
// node (each once): the node's presence heartbeat (team.Heartbeat).
func (h *Hub) Desks() map[string][]string {
	out := map[string][]string{}
	var list []*conn
	for i := range h.shards {
		s := &h.shards[i]
		s.mu.RLock()
		for _, set := range s.desks {
			list = append(list, set...)
		}
		s.mu.RUnlock()
	}
	for _, c := range list {
		who := c.who()
		if who.AgentID != "" && !slices.Contains(out[who.WorkspaceID], who.AgentID) {
			out[who.WorkspaceID] = append(out[who.WorkspaceID], who.AgentID)
		}
	}
	return out
}

// the frame bytes on every matching connection without blocking.
func (h *Hub) HandleBus(topic string, data []byte) {
	env, err := event.Decode(data)
	if err != nil {
		h.log.Warn("realtime: bad bus event", "topic", topic, "err", err)
		return
	}
	h.deliver(env)
}

// scratch pools the recipient snapshots taken under the read lock.
var scratch = sync.Pool{New: func() any { s := make([]*conn, 0, 64); return &s }}

func (h *Hub) deliver(env event.Envelope) {
	frame := []byte(env.Frame)
	if env.Audience&event.Desk != 0 && bytes.HasPrefix(frame, agentFramePrefix) {
		h.agentChanged(env.Workspace, frame)
	}
	if env.Audience&event.Desk != 0 && bytes.HasPrefix(frame, blockFramePrefix) {
		h.blocked(env.Workspace, frame)
	}
	if env.Audience&event.Desk != 0 && bytes.HasPrefix(frame, broadcastFramePrefix) {
		h.broadcastChanged(env.Workspace, frame)
	}
	if env.Audience&event.Desk != 0 && env.Workspace != "" {
		if bytes.HasPrefix(frame, broadcastFramePrefix) {
			// A broadcast's text and audience are for those who manage them.
			h.fanoutDesks(env.Workspace, frame, func(a auth.Actor) bool { return a.Can(auth.ManageBroadcasts) })
		} else if env.Owner != "" {
			h.fanoutFollowers(env, frame)
		} else {
			h.fanout(h.shard(env.Workspace), env.Workspace, frame, true)
		}
	}
	if env.Audience&event.Visitor != 0 && env.Visitor != "" {
		h.fanout(h.shard(env.Visitor), env.Visitor, frame, false)
	}
	if env.Audience&event.Agent != 0 && env.Workspace != "" && env.Visitor != "" {
		h.fanoutDesks(env.Workspace, frame, func(a auth.Actor) bool { return a.AgentID == env.Visitor })
	}
}

// fanoutDesks delivers frame to the desks of a workspace whose agent
// passes to: one agent's (an inbox item), or those holding a permission.
// Such frames are rare, so going over the workspace's desks is cheap
// enough.
func (h *Hub) fanoutDesks(workspaceID string, frame []byte, to func(auth.Actor) bool) {
	s := h.shard(workspaceID)
	s.mu.RLock()
	list := slices.Clone(s.desks[workspaceID])
	s.mu.RUnlock()
	n := 0
	for _, c := range list {
		if to(c.who()) {
			c.enqueue(frame)
			n++
		}
	}
	h.metrics.delivered.Add(float64(n))
}

func (h *Hub) fanout(s *shard, key string, frame []byte, desks bool) {
	p := scratch.Get().(*[]*conn)
	list := (*p)[:0]
	s.mu.RLock()
	set := s.visitors[key]
	if desks {
		set = s.desks[key]
	}
	list = append(list, set...)
	s.mu.RUnlock()
	for _, c := range list {
		c.enqueue(frame)
	}
	h.metrics.delivered.Add(float64(len(list)))
	clear(list)
	*p = list[:0]
	scratch.Put(p)
}

// fanoutFollowers delivers an event of one assigned conversation to the
// workspace's desks that follow it (conn.follows): in a large workspace a
// desk that shows only its own chats is not sent every message of the
// others'.
func (h *Hub) fanoutFollowers(env event.Envelope, frame []byte) {
	p := scratch.Get().(*[]*conn)
	s := h.shard(env.Workspace)
	s.mu.RLock()
	list := append((*p)[:0], s.desks[env.Workspace]...)
	s.mu.RUnlock()
	n := 0
	for _, c := range list {
		if c.follows(env.Conversation, env.Owner) {
			c.enqueue(frame)
			n++
		}
	}
	h.metrics.delivered.Add(float64(n))
	clear(list)
	*p = list[:0]
	scratch.Put(p)
}

// agentFramePrefix starts the frames about an agent ("agent" and
// "agent.removed"): encoding/json writes a struct's fields in order, and
// Type comes first.
var agentFramePrefix = []byte(`{"type":"agent`)

// agentChanged applies an agent's new role (an "agent" frame) to its own
// open desks on this node, or closes them when the agent was removed, so
// the next command is judged by the role the agent has now. These frames
// are rare (an admin's change), so decoding them here costs nothing that
// matters.
func (h *Hub) agentChanged(workspaceID string, frame []byte) {
	var f struct {
		Type  string `json:"type"`
		Agent struct {
			ID       string   `json:"id"`
			Name     string   `json:"name"`
			Role     string   `json:"role"`
			Disabled bool     `json:"disabled"`
			Grants   []string `json:"grants"`
		} `json:"agent"`
		AgentID string `json:"agent_id"`
	}
	if json.Unmarshal(frame, &f) != nil {
		return
	}
	id := f.Agent.ID
	if f.Type == event.TypeAgentRemoved {
		id = f.AgentID
	}
	s := h.shard(workspaceID)
	s.mu.RLock()
	var mine []*conn
	for _, c := range s.desks[workspaceID] {
		if c.actor.AgentID == id {
			mine = append(mine, c)
		}
	}
	s.mu.RUnlock()
	for _, c := range mine {
		switch f.Type {
		case event.TypeAgent:
			if f.Agent.Disabled {
				c.closeWith(CloseUnauthorized, "account disabled")
				continue
			}
			if changed := c.setAgent(auth.Role(f.Agent.Role), auth.GrantsOf(store.Agent{Grants: f.Agent.Grants}), f.Agent.Name); changed {
				// The desk shows what its welcome's permissions allow: it
				// reconnects for the new ones. Commands already use them.
				c.closeWith(CloseRoleChanged, "role changed")
			}
		case event.TypeAgentRemoved:
			c.closeWith(CloseUnauthorized, "account removed")
		}
	}
}

// blockFramePrefix starts a "visitor.blocked" frame.
var blockFramePrefix = []byte(`{"type":"visitor.blocked"`)

// blocked closes the widget sockets on this node that a new block
// matches: the visitors it names, or every visitor of the workspace
// connected from its address. Blocks are rare; the scan over every shard
// for an address costs a lock per shard.
func (h *Hub) blocked(workspaceID string, frame []byte) {
	var f struct {
		VisitorIDs []string `json:"visitor_ids"`
		IP         string   `json:"ip"`
	}
	if json.Unmarshal(frame, &f) != nil {
		return
	}
	var hit []*conn
	for _, id := range f.VisitorIDs {
		s := h.shard(id)
		s.mu.RLock()
		hit = append(hit, s.visitors[id]...)
		s.mu.RUnlock()
	}
	if f.IP != "" {
		for i := range h.shards {
			s := &h.shards[i]
			s.mu.RLock()
			for _, set := range s.visitors {
				for _, c := range set {
					if c.ip == f.IP && c.actor.WorkspaceID == workspaceID {
						hit = append(hit, c)
					}
				}
			}
			s.mu.RUnlock()
		}
	}
	for _, c := range hit {
		c.closeWith(CloseBlocked, "blocked")
	}
}

// broadcastFramePrefix starts the frames about a broadcast ("broadcast"
// and "broadcast.removed").
var broadcastFramePrefix = []byte(`{"type":"broadcast`)

// broadcastChanged tells every widget of the workspace on this node that
// a broadcast changed, after forgetting this node's copy of the
// workspace's active broadcasts: live to those whose site and page it may
// be shown on now (they ask what to show, broadcasts.sync), withdrawn to
// the others (one that shows it takes it away, the rest ignore it). Broadcasts change rarely; the scan over every shard
// costs a lock per shard.
func (h *Hub) broadcastChanged(workspaceID string, frame []byte) {
	if h.forget != nil {
		h.forget(workspaceID)
	}
	var f struct {
		Type        string           `json:"type"`
		Broadcast   *store.Broadcast `json:"broadcast"`
		BroadcastID string           `json:"broadcast_id"`
	}
	if json.Unmarshal(frame, &f) != nil {
		return
	}
	if f.Broadcast != nil && f.Broadcast.Status == store.BroadcastDraft {
		return // never shown: no widget has anything to do
	}
	hint := broadcast.ChangedFrame{Type: broadcast.TypeChanged, BroadcastID: f.BroadcastID}
	if f.Broadcast != nil {
		hint.BroadcastID, hint.Live = f.Broadcast.ID, f.Broadcast.Status == store.BroadcastActive
	}
	if hint.BroadcastID == "" {
		return
	}
	live, err := json.Marshal(hint)
	if err != nil {
		return
	}
	hint.Live = false
	gone, err := json.Marshal(hint)
	if err != nil {
		return
	}
	var hit []*conn
	for i := range h.shards {
		s := &h.shards[i]
		s.mu.RLock()
		for _, set := range s.visitors {
			for _, c := range set {
				if c.actor.WorkspaceID == workspaceID {
					hit = append(hit, c)
				}
			}
		}
		s.mu.RUnlock()
	}
	for _, c := range hit {
		// A widget the broadcast no longer concerns (its rules changed)
		// is told it is withdrawn, and asks nothing.
		if f.Broadcast != nil && f.Broadcast.Status == store.BroadcastActive && broadcast.Concerns(f.Broadcast.Audience, c.actor.SiteID, c.onPage()) {
			c.enqueue(live)
		} else {
			c.enqueue(gone)
		}
	}
	h.metrics.delivered.Add(float64(len(hit)))
}
