package auth

import "slices"

// Role is an agent's role in its workspace, from most to least powerful.
type Role string

// The roles.
const (
	Owner      Role = "owner"
	Admin      Role = "admin"
	Supervisor Role = "supervisor"
	Agent      Role = "agent"
)

// Roles lists every role, most powerful first.
var Roles = []Role{Owner, Admin, Supervisor, Agent}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// rank is smaller for more powerful roles.
func (r Role) rank() int {
	i := slices.Index(Roles, r)
	if i < 0 {
		return len(Roles)
	}
	return i
}

// AtLeast reports whether r is as powerful as other or more.
func (r Role) AtLeast(other Role) bool { return r.rank() <= other.rank() }

// CanGrant reports whether r may give (or take away) role other: owners
// grant anything, admins anything below owner.
func (r Role) CanGrant(other Role) bool {
	switch r {
	case Owner:
		return true
	case Admin:
		return other != Owner
	}
	return false
}
