package webhook_test

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/querytel/livedesk/internal/store"
	"github.com/querytel/livedesk/internal/webhook"
)

// TestDeskKnowsEveryEvent: the desk's event list (web/desk/admin/
// webhooks.ts) is the server's, in its order, and its limits are the
// server's.
func TestDeskKnowsEveryEvent(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("../../web/desk/admin/webhooks.ts")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`export const WEBHOOK_EVENTS = \[([^\]]*)\] as const;`).FindSubmatch(src)
	if m == nil {
		t.Fatal("web/desk/admin/webhooks.ts has no WEBHOOK_EVENTS line")
	}
	var desk []string
	for _, q := range regexp.MustCompile(`'([a-z.]+)'`).FindAllSubmatch(m[1], -1) {
		desk = append(desk, string(q[1]))
	}
	if strings.Join(desk, " ") != strings.Join(store.WebhookEvents, " ") {
		t.Errorf("the desk's events %v, the server's %v", desk, store.WebhookEvents)
	}
}

func TestDeskKnowsTheLimits(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("../../web/desk/admin/webhooks.ts")
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]int{"WEBHOOKS_LIMIT": webhook.MaxEndpoints, "WEBHOOK_URL_LIMIT": webhook.MaxURL,
		"WEBHOOK_DESCRIPTION_LIMIT": webhook.MaxDescription} {
		m := regexp.MustCompile(`export const ` + name + ` = (\d+);`).FindSubmatch(src)
		if m == nil {
			t.Errorf("web/desk/admin/webhooks.ts has no %s", name)
			continue
		}
		if got, _ := strconv.Atoi(string(m[1])); got != want {
			t.Errorf("the desk's %s is %d, the server's %d", name, got, want)
		}
	}
}
