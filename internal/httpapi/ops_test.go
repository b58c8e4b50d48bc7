package httpapi_test

import (
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/querytel/livedesk/internal/app/apptest"
)

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	c := s.Client(t)
	for path, want := range map[string]string{"/healthz": `{"status":"ok"}`, "/readyz": `{"status":"ready"}`} {
		resp, body := fetch(t, c, s.NewRequest(t, "GET", path, nil))
		if resp.StatusCode != 200 || strings.TrimSpace(string(body)) != want {
			t.Errorf("GET %s: %d %s, want 200 %s", path, resp.StatusCode, body, want)
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("GET %s: Content-Type %q", path, ct)
		}
		if resp.Header.Get("X-Request-Id") == "" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: headers %v lack a request id or nosniff", path, resp.Header)
		}
	}
	// A caller's request id is echoed, so logs on both sides line up.
	req := s.NewRequest(t, "GET", "/healthz", nil)
	req.Header.Set("X-Request-Id", "trace-123")
	if resp, _ := fetch(t, c, req); resp.Header.Get("X-Request-Id") != "trace-123" {
		t.Errorf("X-Request-Id %q, want the caller's", resp.Header.Get("X-Request-Id"))
	}
}

// fetch sends req and returns the response with its body read.
func fetch(t *testing.T, c *http.Client, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// TestReadyzWithoutDatabase: /readyz reports a lost database with 503,
// while /healthz (the process is up) stays 200.
func TestReadyzWithoutDatabase(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	c := s.Client(t)
	if err := s.App.Store.Close(); err != nil {
		t.Fatal(err)
	}
	status, body := s.Do(t, c, "GET", "/readyz", nil)
	if e := apptest.Decode[apptest.Error](t, body); status != http.StatusServiceUnavailable || e.Error.Code != "database_unavailable" {
		t.Fatalf("/readyz without a database: %d %s, want 503 database_unavailable", status, body)
	}
	if status, _ := s.Do(t, c, "GET", "/healthz", nil); status != 200 {
		t.Fatalf("/healthz without a database: %d, want 200", status)
	}
	// An internal error carries a request id but not its cause.
	status, body = s.Do(t, c, "POST", "/api/v1/auth/login", map[string]string{"email": s.AdminEmail, "password": s.AdminPassword})
	e := apptest.Decode[apptest.Error](t, body)
	if status != 500 || e.Error.Code != "internal" || e.Error.RequestID == "" || strings.Contains(string(body), "closed") {
		t.Fatalf("login without a database: %d %s, want 500 internal with a request id and no cause", status, body)
	}
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	c := s.Client(t)
	s.Do(t, c, "GET", "/healthz", nil)
	s.Do(t, c, "GET", "/api/v1/me", nil)
	s.Do(t, c, "GET", "/api/v1/nope", nil)
	resp, body := fetch(t, c, s.NewRequest(t, "GET", "/metrics", nil))
	if status := resp.StatusCode; status != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("/metrics: %d %s", status, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{
		"# TYPE livedesk_http_requests_total counter",
		`livedesk_http_requests_total{route="GET /healthz",status="200"} 1`,
		`livedesk_http_requests_total{route="GET /api/v1/me",status="401"} 1`,
		`livedesk_http_requests_total{route="/api/",status="404"} 1`,
		"livedesk_http_request_seconds_bucket",
		"go_goroutines",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// TestCrossOriginRequestsRefused: a state-changing request a browser marks
// as cross-site, or that comes from a foreign Origin, is refused with 403
// and changes nothing, even with a valid session cookie.
func TestCrossOriginRequestsRefused(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	owner := s.Admin(t)
	before := s.Snapshot(t)
	cases := []struct {
		name, method, path string
		header             map[string]string
	}{
		{"cross-site fetch", "POST", "/api/v1/sites", map[string]string{"Sec-Fetch-Site": "cross-site"}},
		{"same-site but other origin", "POST", "/api/v1/sites", map[string]string{"Sec-Fetch-Site": "same-site"}},
		{"foreign Origin (older browser)", "POST", "/api/v1/sites", map[string]string{"Origin": "https://evil.example"}},
		{"cross-site delete", "DELETE", "/api/v1/sites/x", map[string]string{"Sec-Fetch-Site": "cross-site"}},
		{"cross-site workspace change", "PATCH", "/api/v1/workspace", map[string]string{"Sec-Fetch-Site": "cross-site"}},
		{"cross-site login (login CSRF)", "POST", "/api/v1/auth/login", map[string]string{"Sec-Fetch-Site": "cross-site"}},
	}
	for _, c := range cases {
		req := s.NewRequest(t, c.method, c.path, map[string]any{"name": "Evil"})
		for k, v := range c.header {
			req.Header.Set(k, v)
		}
		status, body := s.Send(t, owner, req)
		if e := apptest.Decode[apptest.Error](t, body); status != http.StatusForbidden || e.Error.Code != "cross_origin_request" {
			t.Errorf("%s: %d %s, want 403 cross_origin_request", c.name, status, body)
		}
	}
	if after := s.Snapshot(t); !reflect.DeepEqual(before, after) {
		t.Fatalf("a refused cross-origin request changed the workspace")
	}

	// Same-origin requests, as the desk sends them, pass.
	for name, h := range map[string][2]string{
		"Sec-Fetch-Site same-origin": {"Sec-Fetch-Site", "same-origin"},
		"Origin of this server":      {"Origin", s.URL},
	} {
		req := s.NewRequest(t, "POST", "/api/v1/sites", map[string]any{"name": name})
		req.Header.Set(h[0], h[1])
		if status, body := s.Send(t, owner, req); status != http.StatusCreated {
			t.Errorf("%s: %d %s, want 201", name, status, body)
		}
	}
	// Safe methods are never refused: a cross-site GET may read nothing
	// without the cookie anyway (SameSite=Lax), and links must work.
	req := s.NewRequest(t, "GET", "/api/v1/sites", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if status, _ := s.Send(t, owner, req); status != 200 {
		t.Errorf("cross-site GET: %d, want 200", status)
	}
}
