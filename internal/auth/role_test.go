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
		{Owner, [4]bool{true, true, true, true}, [4]bool{true, true, true, true}, Permissions},
		{Admin, [4]bool{false, true, true, true}, [4]bool{false, true, true, true}, Permissions},
		{Supervisor, [4]bool{false, false, true, true}, [4]bool{false, false, false, false}, []Permission{ManageAnyConversation, BlockVisitors, ViewAnalytics}},
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

// TestGrants: an agent holds its role's permissions and the grantable ones
// given to it, never a role-only one, whatever is stored; a visitor holds
// none.
func TestGrants(t *testing.T) {
	t.Parallel()
	agent := Actor{WorkspaceID: "w", AgentID: "a", Role: Agent, Grants: []Permission{ManageBroadcasts, ManageWorkspace, "made.up"}}
	want := []Permission{ManageBroadcasts}
	if got := agent.Permissions(); !slices.Equal(got, want) {
		t.Fatalf("an agent granted broadcasts (and, in a forged row, workspace.manage) holds %v, want %v", got, want)
	}
	super := Actor{WorkspaceID: "w", AgentID: "s", Role: Supervisor, Grants: []Permission{ManageBoards}}
	if got := super.Permissions(); !slices.Equal(got, []Permission{ManageAnyConversation, BlockVisitors, ViewAnalytics, ManageBoards}) {
		t.Fatalf("a supervisor granted boards holds %v", got)
	}
	if (Actor{WorkspaceID: "w", VisitorID: "v", Grants: Grantable}).Can(ManageBroadcasts) {
		t.Fatal("a visitor holds a grant")
	}
	got, bad, ok := ParseGrants([]string{"boards.manage", "analytics.view", "boards.manage"})
	if !ok || bad != "" || !slices.Equal(got, []Permission{ViewAnalytics, ManageBoards}) {
		t.Fatalf("ParseGrants = %v %q %v, want them once, in the list's order", got, bad, ok)
	}
	for _, refused := range []string{"workspace.manage", "conversations.manage_any", "visitors.block", "", "Boards.Manage"} {
		if _, bad, ok := ParseGrants([]string{"analytics.view", refused}); ok || bad != refused {
			t.Errorf("ParseGrants accepted %q (bad %q)", refused, bad)
		}
	}
	if got, _, ok := ParseGrants(nil); !ok || got == nil || len(got) != 0 {
		t.Fatalf("no grants: %v %v, want an empty list", got, ok)
	}
}
