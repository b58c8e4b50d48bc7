package auth

import (
	"os"
	"regexp"
	"slices"
	"testing"
)

// TestDeskKnowsEveryPermission: the desk's list (web/desk/permissions.ts)
// names exactly the server's permissions, and the Team screen
// (web/desk/admin/grantable.ts) offers to grant exactly the grantable
// ones: one list, kept by the server and mirrored by the desk.
func TestDeskKnowsEveryPermission(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("../../web/desk/permissions.ts")
	if err != nil {
		t.Fatal(err)
	}
	consts := map[string]string{} // constant name → permission
	for _, m := range regexp.MustCompile(`export const (\w+) = '([a-z_]+\.[a-z_]+)';`).FindAllStringSubmatch(string(src), -1) {
		consts[m[1]] = m[2]
	}
	var desk []string
	for _, p := range consts {
		desk = append(desk, p)
	}
	var server []string
	for _, p := range Permissions {
		server = append(server, string(p))
	}
	slices.Sort(desk)
	slices.Sort(server)
	if !slices.Equal(desk, server) {
		t.Errorf("the desk's permissions %v, the server's %v", desk, server)
	}
	offered, err := os.ReadFile("../../web/desk/admin/grantable.ts")
	if err != nil {
		t.Fatal(err)
	}
	var grantable []string
	for _, m := range regexp.MustCompile(`\{ permission: (\w+), label: '[^']+' \}`).FindAllStringSubmatch(string(offered), -1) {
		grantable = append(grantable, consts[m[1]])
	}
	var want []string
	for _, p := range Grantable {
		want = append(want, string(p))
	}
	if !slices.Equal(grantable, want) {
		t.Errorf("the desk offers to grant %v, the server grants %v (in its order)", grantable, want)
	}
}
