package auth

import "testing"

func TestRoles(t *testing.T) {
	t.Parallel()
	// Rows: the actor. Columns: owner, admin, supervisor, agent.
	cases := []struct {
		role     Role
		atLeast  [4]bool
		canGrant [4]bool
		manages  bool
	}{
		{Owner, [4]bool{true, true, true, true}, [4]bool{true, true, true, true}, true},
		{Admin, [4]bool{false, true, true, true}, [4]bool{false, true, true, true}, true},
		{Supervisor, [4]bool{false, false, true, true}, [4]bool{false, false, false, false}, false},
		{Agent, [4]bool{false, false, false, true}, [4]bool{false, false, false, false}, false},
		{"intern", [4]bool{false, false, false, false}, [4]bool{false, false, false, false}, false},
	}
	for _, c := range cases {
		if c.role.Valid() != (c.role != "intern") {
			t.Errorf("%s.Valid() = %v", c.role, c.role.Valid())
		}
		if got := c.role.CanManageWorkspace(); got != c.manages {
			t.Errorf("%s.CanManageWorkspace() = %v, want %v", c.role, got, c.manages)
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
