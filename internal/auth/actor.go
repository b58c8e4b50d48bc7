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
	Role        Role // an agent's role; empty for a visitor
	// Grants are the permissions given to this agent beyond its role's
	// (Grantable ones only); a visitor has none.
	Grants []Permission
	IP     string // the client's address, when a transport knows it (for the audit log)
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

// Can reports whether the actor holds permission p, by its role or by a
// grant. A visitor holds none.
func (a Actor) Can(p Permission) bool {
	return a.AgentID != "" && (a.Role.Has(p) || (slices.Contains(Grantable, p) && slices.Contains(a.Grants, p)))
}

// Permissions lists what the actor holds, by role or grant, in the order
// of Permissions; never nil. It is what the desk is told.
func (a Actor) Permissions() []Permission {
	out := []Permission{}
	for _, p := range Permissions {
		if a.Can(p) {
			out = append(out, p)
		}
	}
	return slices.Clip(out)
}

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
	// ViewAnalytics: the analytics of the whole team and every agent's
	// ratings (an agent without it reads its own ratings only).
	ViewAnalytics Permission = "analytics.view"
	// ManageBroadcasts: write, schedule, pause and end broadcasts, and
	// read their analytics.
	ManageBroadcasts Permission = "broadcasts.manage"
	// ManageQuickResponses: the quick responses shared with the workspace
	// or a department (every agent keeps its own).
	ManageQuickResponses Permission = "quick_responses.manage"
	// ManageContacts: export and erase contacts (data-protection requests).
	ManageContacts Permission = "contacts.manage"
	// ManageBoards: create boards, their columns and their order.
	ManageBoards Permission = "boards.manage"
)

// permissionFloor is the least powerful role holding each permission.
var permissionFloor = map[Permission]Role{
	ManageAnyConversation: Supervisor,
	ManageWorkspace:       Admin,
	BlockVisitors:         Supervisor,
	ViewAnalytics:         Supervisor,
	ManageBroadcasts:      Admin,
	ManageQuickResponses:  Admin,
	ManageContacts:        Admin,
	ManageBoards:          Admin,
}

// Permissions lists every permission, in a stable order.
var Permissions = []Permission{ManageAnyConversation, ManageWorkspace, BlockVisitors,
	ViewAnalytics, ManageBroadcasts, ManageQuickResponses, ManageContacts, ManageBoards}

// Grantable lists the permissions owners and admins may give an agent
// whose role lacks them. The others follow the role alone: acting on
// anyone's chats, blocking and running the workspace are what roles are.
var Grantable = []Permission{ViewAnalytics, ManageBroadcasts, ManageQuickResponses, ManageContacts, ManageBoards}

// ParseGrants reads a list of permission names as given to an agent: each
// must be grantable; duplicates are dropped and the order made that of
// Permissions. ok is false, with the first bad name, otherwise.
func ParseGrants(names []string) (grants []Permission, bad string, ok bool) {
	for _, n := range names {
		if !slices.Contains(Grantable, Permission(n)) {
			return nil, n, false
		}
	}
	grants = []Permission{}
	for _, p := range Permissions {
		if slices.Contains(names, string(p)) {
			grants = append(grants, p)
		}
	}
	return grants, "", true
}

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
