package app_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/querytel/livedesk/internal/app/apptest"
)

// get requests url as a browser would (asking for gzip and reading it
// decompressed), with header added.
func get(t *testing.T, method, url string, header http.Header) (*http.Response, string) {
	t.Helper()
	res, b := fetch(t, http.DefaultClient, method, url, header)
	return res, string(b)
}

func TestDeskIndexIsRevalidatedAndStrictlyConfined(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	res, body := get(t, http.MethodGet, s.URL+"/", nil)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `<div id="app">`) {
		t.Fatalf("GET / = %d %.200s", res.StatusCode, body)
	}
	if got := res.Header.Get("Cache-Control"); got != "no-cache" {
		t.Errorf("index Cache-Control = %q, want no-cache", got)
	}
	csp := res.Header.Get("Content-Security-Policy")
	host := strings.TrimPrefix(s.URL, "http://")
	for _, want := range []string{"script-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'",
		"connect-src 'self' ws://" + host + " wss://" + host} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("CSP %q allows inline code", csp)
	}
	if strings.Contains(body, "<script>") || regexp.MustCompile(`<script(?:\s+type="module")?>`).MatchString(body) {
		t.Error("index.html has an inline script, which the CSP would block")
	}

	// The index revalidates with its ETag.
	res, _ = get(t, http.MethodGet, s.URL+"/", http.Header{"If-None-Match": {res.Header.Get("ETag")}})
	if res.StatusCode != http.StatusNotModified {
		t.Errorf("revalidation = %d, want 304", res.StatusCode)
	}
}

func TestHashedAssetsAreImmutable(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	_, index := get(t, http.MethodGet, s.URL+"/", nil)
	assets := regexp.MustCompile(`/assets/[\w.-]+\.(?:js|css)`).FindAllString(index, -1)
	if len(assets) < 2 {
		t.Fatalf("index.html names %d assets, want the script and the stylesheet", len(assets))
	}
	for _, a := range assets {
		res, body := get(t, http.MethodGet, s.URL+a, nil)
		if res.StatusCode != http.StatusOK || body == "" {
			t.Fatalf("GET %s = %d", a, res.StatusCode)
		}
		if got := res.Header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
			t.Errorf("%s Cache-Control = %q", a, got)
		}
	}
	res, _ := get(t, http.MethodGet, s.URL+"/assets/missing-0000.js", nil)
	if res.StatusCode != http.StatusNotFound || res.Header.Get("Cache-Control") != "" {
		t.Errorf("missing asset: %d, Cache-Control %q; want 404 and not cached", res.StatusCode, res.Header.Get("Cache-Control"))
	}
}

// The loader runs on every page view of a customer's site: cached for five
// minutes, then revalidated (static_serve_test.go checks the 304).
func TestWidgetLoaderIsSmallAndCachedBriefly(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	res, body := get(t, http.MethodGet, s.URL+"/widget.js", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /widget.js = %d", res.StatusCode)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
		t.Errorf("Content-Type = %q", ct)
	}
	if got := res.Header.Get("Cache-Control"); got != "public, max-age=300" {
		t.Errorf("Cache-Control = %q, want public, max-age=300", got)
	}
	bundle := regexp.MustCompile(`assets/widget-[\w-]+\.js`).FindString(body)
	if bundle == "" {
		t.Fatal("the loader does not name the widget bundle")
	}
	if res, _ := get(t, http.MethodGet, s.URL+"/"+bundle, nil); res.StatusCode != http.StatusOK {
		t.Errorf("GET /%s = %d", bundle, res.StatusCode)
	}
}

func TestDemoPageEmbedsTheDemoSiteWidget(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ws, err := s.App.Store.FirstWorkspace(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	sites, err := s.App.Store.ListSites(t.Context(), ws.ID)
	if err != nil || len(sites) == 0 {
		t.Fatalf("sites: %v %v", sites, err)
	}
	res, body := get(t, http.MethodGet, s.URL+"/demo?page=pricing", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /demo = %d", res.StatusCode)
	}
	tag := `<script src="` + s.URL + `/widget.js" data-site="` + sites[0].WidgetKey + `" async></script>`
	if !strings.Contains(body, tag) {
		t.Errorf("demo page lacks %s", tag)
	}
	if !strings.Contains(body, "<title>Pricing") {
		t.Error("?page=pricing did not pick the pricing page")
	}
	if _, byPath := get(t, http.MethodGet, s.URL+"/demo/pricing", nil); !strings.Contains(byPath, "<title>Pricing") || !strings.Contains(byPath, `href="/demo/contact"`) {
		t.Error("/demo/pricing is not the pricing page, with links to the others by path")
	}
	csp := res.Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self' " + s.URL, "connect-src " + s.URL + " ws://", "style-src 'nonce-"} {
		if !strings.Contains(csp, want) {
			t.Errorf("demo CSP %q lacks %q", csp, want)
		}
	}
	if res, js := get(t, http.MethodGet, s.URL+"/demo.js", nil); res.StatusCode != http.StatusOK || !strings.Contains(js, "addContext") {
		t.Errorf("GET /demo.js = %d", res.StatusCode)
	}
}

func TestUnknownPathsAndMethods(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{http.MethodGet, "/nope", http.StatusNotFound},
		{http.MethodHead, "/", http.StatusOK},
		{http.MethodGet, "/api/v1/nope", http.StatusNotFound},
		{http.MethodDelete, "/nope", http.StatusMethodNotAllowed},
	} {
		res, body := get(t, tc.method, s.URL+tc.path, nil)
		if res.StatusCode != tc.status {
			t.Errorf("%s %s = %d, want %d (%.100s)", tc.method, tc.path, res.StatusCode, tc.status, body)
		}
	}
	if _, body := get(t, http.MethodGet, s.URL+"/api/v1/nope", nil); !strings.Contains(body, "route_not_found") {
		t.Error("an unknown API path is not the API's JSON 404")
	}
}
