package httpapi_test

import (
	"strings"
	"testing"

	"github.com/querytel/livedesk/internal/app/apptest"
)

// TestUnmatchedRoutes: a known path with the wrong method is a JSON 405
// with Allow; an unknown API or widget path is a JSON 404, never the UI.
func TestUnmatchedRoutes(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	c := s.Admin(t)
	for _, tc := range []struct {
		method, path string
		status       int
		code, allow  string
	}{
		{"PUT", "/api/v1/sites", 405, "method_not_allowed", "GET, POST"},
		{"POST", "/api/v1/me", 405, "method_not_allowed", "GET"},
		{"GET", "/api/v1/nope", 404, "route_not_found", ""},
		{"GET", "/widget/v1/nope", 404, "route_not_found", ""},
	} {
		req := s.NewRequest(t, tc.method, tc.path, nil)
		status, body := s.Send(t, c, req)
		if status != tc.status || !strings.Contains(string(body), `"code":"`+tc.code+`"`) {
			t.Errorf("%s %s: %d %s, want %d %s", tc.method, tc.path, status, body, tc.status, tc.code)
		}
		if tc.allow != "" {
			resp, err := c.Do(s.NewRequest(t, tc.method, tc.path, nil))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got := resp.Header.Get("Allow"); got != tc.allow {
				t.Errorf("%s %s: Allow %q, want %q", tc.method, tc.path, got, tc.allow)
			}
		}
	}
}
