package team_test

import (
	"os"
	"regexp"
	"strconv"
	"testing"

	"github.com/querytel/livedesk/internal/team"
)

// TestDeskKnowsTheLimits: the desk's forms check what the server checks.
func TestDeskKnowsTheLimits(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("../../web/desk/admin/api.ts")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`export const CHATS_PER_AGENT_LIMIT = (\d+);`).FindSubmatch(src)
	if m == nil {
		t.Fatal("web/desk/admin/api.ts has no CHATS_PER_AGENT_LIMIT")
	}
	if got, _ := strconv.Atoi(string(m[1])); got != team.MaxChatsLimit {
		t.Fatalf("the desk's CHATS_PER_AGENT_LIMIT is %d, the server's %d", got, team.MaxChatsLimit)
	}
}
