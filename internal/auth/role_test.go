package auth

import (
	"slices"
	"testing"
)

func TestRoles(t *testing.T) {
	t.Parallel()
	// Rows: the actor. Columns: owner, admin, supervisor, agent.
	cases := []struct {
		role     Role
		atLeast  [4]bool
		canGrant [4]bool
		perms    []Permission
	}{
		{Owner, [4]bool{true, true, true, true}, [4]bool{true, true, true, true}, []Permission{ManageAnyConversation, ManageWorkspace, BlockVisitors}},
		{Admin, [4]bool{false, true, true, true}, [4]bool{false, true, true, true}, []Permission{ManageAnyConversation, ManageWorkspace, BlockVisitors}},
		{Supervisor, [4]bool{false, false, true, true}, [4]bool{false, false, false, false}, []Permission{ManageAnyConversation, BlockVisitors}},
		{Agent, [4]bool{false, false, false, true}, [4]bool{false, false, false, false}, []Permission{}},
		{"intern", [4]bool{false, false, false, false}, [4]bool{false, false, false, false}, []Permission{}},
	}
	for _, c := range cases {
		if c.role.Valid() != (c.role != "intern") {
			t.Errorf("%s.Valid() = %v", c.role, c.role.Valid())
		}
		if got := c.role.Permissions(); !slices.Equal(got, c.perms) {
			t.Errorf("%s.Permissions() = %v, want %v", c.role, got, c.perms)
		}
		agent := Actor{WorkspaceID: "w", AgentID: "a", Role: c.role}
		visitor := Actor{WorkspaceID: "w", VisitorID: "v", Role: c.role}
		for _, p := range Permissions {
			if agent.Can(p) != slices.Contains(c.perms, p) {
				t.Errorf("an agent with role %s: Can(%s) = %v", c.role, p, agent.Can(p))
			}
			if visitor.Can(p) {
				t.Errorf("a visitor holds %s", p)
			}
		}
		for i, other := range Roles {
			if got := c.role.AtLeast(other); got != c.atLeast[i] {
				t.Errorf("%s.AtLeast(%s) = %v, want %v", c.role, other, got, c.atLeast[i])
			}
			if got := c.role.CanGrant(other); got != c.canGrant[i] {
				t.Errorf("%s.CanGrant(%s) = %v, want %v", c.role, other, got, c.canGrant[i])
			}
		}
	}
	if Role("").Valid() || Role("Owner").Valid() {
		t.Error("roles are exact, lower-case strings")
	}
}
