package httpapi

import (
	"slices"
	"testing"

	"github.com/querytel/livedesk/internal/apikey"
)

// TestEveryRouteDecidesAboutKeys: every authenticated route of routes.go
// is either open to API keys (keyScopes, with a valid scope) or the
// desk's own (keyless), and neither list names a route that is gone.
func TestEveryRouteDecidesAboutKeys(t *testing.T) {
	t.Parallel()
	var authed []string
	for _, r := range codeRoutes(t) {
		if _, open := keyScopes[r]; open || slices.Contains(keyless, r) {
			authed = append(authed, r)
			continue
		}
		switch r {
		case "GET /healthz", "GET /readyz", "GET /metrics", "POST /api/v1/auth/login", "GET /widget/v1/ws", "GET /api/v1/ws",
			"POST /widget/v1/files", "OPTIONS /widget/v1/files", "GET /widget/v1/files/{id}", "OPTIONS /widget/v1/files/{id}",
			"GET /api/v1/whatsapp/webhook/{site}", "POST /api/v1/whatsapp/webhook/{site}":
			continue // no session: neither a key nor an agent
		}
		t.Errorf("%s is neither in keyScopes nor in keyless (keys.go): decide whether API keys may use it", r)
	}
	for r, needs := range keyScopes {
		if !slices.Contains(authed, r) {
			t.Errorf("keyScopes names %s, which routes.go does not serve", r)
		}
		for _, sc := range needs {
			if !apikey.ValidScope(sc.resource + ":" + sc.access) {
				t.Errorf("%s needs %s:%s, which is no scope", r, sc.resource, sc.access)
			}
		}
		if slices.Contains(keyless, r) {
			t.Errorf("%s is both open to keys and keyless", r)
		}
	}
	for _, r := range keyless {
		if !slices.Contains(authed, r) {
			t.Errorf("keyless names %s, which routes.go does not serve", r)
		}
	}
}
