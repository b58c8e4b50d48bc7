package auth

import (
	"slices"

	"github.com/querytel/livedesk/internal/store"
)

// Actor is who acts on a domain service: an agent (AgentID and Role set)
// or a visitor (VisitorID set), always within one workspace. It is the one
// shape of "who" that every domain method takes; transports build it from
// a session (Principal.Actor) or a widget's visitor token.
type Actor struct {
	WorkspaceID string
	AgentID     string
	VisitorID   string
	SiteID      string // a visitor's site (each visitor belongs to one)
	Name        string
	Role        Role   // an agent's role; empty for a visitor
	IP          string // the client's address, when a transport knows it (for the audit log)
}

// IsVisitor reports whether a visitor acts.
func (a Actor) IsVisitor() bool { return a.VisitorID != "" }

// Author is how what the actor writes is signed: its author type
// (store.AuthorVisitor or store.AuthorAgent) and id.
func (a Actor) Author() (authorType, id string) {
	if a.IsVisitor() {
		return store.AuthorVisitor, a.VisitorID
	}
	return store.AuthorAgent, a.AgentID
}

// Can reports whether the actor holds permission p. A visitor holds none.
func (a Actor) Can(p Permission) bool { return a.AgentID != "" && a.Role.Has(p) }

// Permission names something a role allows beyond the basics every agent
// has (answering, picking up unassigned chats, acting on its own chats).
// The names are part of the protocol: the desk receives the caller's list
// (welcome and GET /api/v1/me) and never re-derives it from the role.
type Permission string

// The permissions.
const (
	// ManageAnyConversation: act on any conversation, whoever holds it;
	// assign anyone; transfer beyond an agent's capacity.
	ManageAnyConversation Permission = "conversations.manage_any"
	// ManageWorkspace: sites, agents, departments and workspace settings.
	ManageWorkspace Permission = "workspace.manage"
	// BlockVisitors: block (and unblock) visitors, addresses and contacts.
	BlockVisitors Permission = "visitors.block"
)

// permissionFloor is the least powerful role holding each permission.
var permissionFloor = map[Permission]Role{
	ManageAnyConversation: Supervisor,
	ManageWorkspace:       Admin,
	BlockVisitors:         Supervisor,
}

// Permissions lists every permission, in a stable order.
var Permissions = []Permission{ManageAnyConversation, ManageWorkspace, BlockVisitors}

// Has reports whether role r holds permission p.
func (r Role) Has(p Permission) bool {
	floor, ok := permissionFloor[p]
	return ok && r.Valid() && r.AtLeast(floor)
}

// Permissions lists what r holds, in the order of Permissions; never nil.
func (r Role) Permissions() []Permission {
	out := []Permission{}
	for _, p := range Permissions {
		if r.Has(p) {
			out = append(out, p)
		}
	}
	return slices.Clip(out)
}
