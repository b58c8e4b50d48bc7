package app_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/querytel/livedesk/internal/app/apptest"
	"github.com/querytel/livedesk/web"
)

// rawClient sends Accept-Encoding only when a test sets it and hands back
// the bytes as sent: http.DefaultClient would ask for gzip itself and
// decompress the body on the quiet.
func rawClient(t *testing.T) *http.Client {
	tr := &http.Transport{DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

func fetch(t *testing.T, c *http.Client, method, url string, header http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, b
}

// TestAssetsArePrecompressed requests the desk index, the widget loader,
// the widget bundle and a stylesheet in every encoding, by GET and HEAD,
// and revalidates each.
func TestAssetsArePrecompressed(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	c := rawClient(t)
	dist := web.Dist()
	read := func(name string) []byte {
		b, err := fs.ReadFile(dist, name)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	loader, index := read("widget.js"), read("index.html")
	bundle := regexp.MustCompile(`assets/widget-[\w-]+\.js`).Find(loader)
	css := regexp.MustCompile(`assets/desk-[\w-]+\.css`).Find(index)
	if bundle == nil || css == nil {
		t.Fatalf("dist names no widget bundle (%q) or desk stylesheet (%q)", bundle, css)
	}
	const (
		js   = "text/javascript; charset=utf-8"
		html = "text/html; charset=utf-8"
	)
	files := []struct{ url, name, contentType, cache string }{
		{"/", "index.html", html, "no-cache"},
		{"/widget.js", "widget.js", js, "public, max-age=300"},
		{"/" + string(bundle), string(bundle), js, "public, max-age=31536000, immutable"},
		{"/" + string(css), string(css), "text/css; charset=utf-8", "public, max-age=31536000, immutable"},
	}
	encodings := []struct {
		accept []string // nil: no Accept-Encoding header at all
		want   string   // the Content-Encoding expected; "" is identity
	}{
		{[]string{"br"}, "br"},
		{[]string{"gzip"}, "gzip"},
		{[]string{"gzip, deflate, br, zstd"}, "br"},
		{[]string{"gzip;q=0, br;q=0"}, ""},
		{[]string{"*"}, "br"},
		{[]string{"identity"}, ""},
		{[]string{"deflate", "gzip"}, "gzip"}, // two header lines count as one list
		{nil, ""},
	}
	for _, f := range files {
		plain := read(f.name)
		etags := map[string]string{} // coding → ETag
		for _, e := range encodings {
			h := http.Header{}
			if e.accept != nil {
				h["Accept-Encoding"] = e.accept
			}
			what := f.url + " with Accept-Encoding " + strings.Join(e.accept, "; ")
			res, body := fetch(t, c, http.MethodGet, s.URL+f.url, h.Clone())
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET %s = %d", what, res.StatusCode)
			}
			checkHeaders(t, "GET "+what, res, f.contentType, f.cache, e.want)
			if cl := res.Header.Get("Content-Length"); cl != strconv.Itoa(len(body)) {
				t.Errorf("GET %s: Content-Length %q for a %d B body", what, cl, len(body))
			}
			switch e.want {
			case "gzip":
				zr, err := gzip.NewReader(bytes.NewReader(body))
				if err != nil {
					t.Fatalf("GET %s: %v", what, err)
				}
				if got, err := io.ReadAll(zr); err != nil || !bytes.Equal(got, plain) {
					t.Errorf("GET %s: the body does not gunzip to %s (%v)", what, f.name, err)
				}
			case "br": // no brotli decoder in the standard library: compare with the build's file
				if !bytes.Equal(body, read(f.name+".br")) {
					t.Errorf("GET %s: the body is not %s.br", what, f.name)
				}
			default:
				if !bytes.Equal(body, plain) {
					t.Errorf("GET %s: the body is not %s", what, f.name)
				}
			}
			if e.want != "" && len(body) >= len(plain) {
				t.Errorf("GET %s: %d B encoded for %d B plain", what, len(body), len(plain))
			}
			etag := res.Header.Get("ETag")
			if prev, ok := etags[e.want]; ok && prev != etag {
				t.Errorf("GET %s: ETag %s, and %s for the same encoding before", what, etag, prev)
			}
			etags[e.want] = etag

			// HEAD: the same headers, no body.
			head, hbody := fetch(t, c, http.MethodHead, s.URL+f.url, h.Clone())
			if head.StatusCode != http.StatusOK || len(hbody) != 0 {
				t.Errorf("HEAD %s = %d with %d B", what, head.StatusCode, len(hbody))
			}
			checkHeaders(t, "HEAD "+what, head, f.contentType, f.cache, e.want)
			if cl := head.Header.Get("Content-Length"); cl != strconv.Itoa(len(body)) || head.Header.Get("ETag") != etag {
				t.Errorf("HEAD %s: Content-Length %q, ETag %s; GET sent %d B, %s", what, cl, head.Header.Get("ETag"), len(body), etag)
			}

			// Revalidation: 304 without a body, still varying by encoding.
			for _, m := range []string{http.MethodGet, http.MethodHead} {
				rh := h.Clone()
				rh.Set("If-None-Match", etag)
				res, body := fetch(t, c, m, s.URL+f.url, rh)
				if res.StatusCode != http.StatusNotModified || len(body) != 0 {
					t.Errorf("%s %s If-None-Match %s = %d with %d B, want 304 and none", m, what, etag, res.StatusCode, len(body))
				}
				if res.Header.Get("ETag") != etag || !varies(res) || res.Header.Get("Cache-Control") != f.cache {
					t.Errorf("%s %s 304: ETag %s, Vary %q, Cache-Control %q", m, what, res.Header.Get("ETag"),
						res.Header.Values("Vary"), res.Header.Get("Cache-Control"))
				}
				if ce := res.Header.Get("Content-Encoding"); ce != "" {
					t.Errorf("%s %s 304: Content-Encoding %q", m, what, ce)
				}
			}
		}
		if len(etags) != 3 || etags["br"] == etags["gzip"] || etags["br"] == etags[""] || etags["gzip"] == etags[""] {
			t.Errorf("%s: ETags by encoding %v, want three different ones", f.url, etags)
		}
		// Another encoding's ETag does not revalidate this one.
		res, body := fetch(t, c, http.MethodGet, s.URL+f.url, http.Header{"Accept-Encoding": {"br"}, "If-None-Match": {etags["gzip"]}})
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Encoding") != "br" || len(body) == 0 {
			t.Errorf("%s: br request with the gzip ETag = %d %q, want 200 br", f.url, res.StatusCode, res.Header.Get("Content-Encoding"))
		}
	}

	// The desk keeps its policy in every encoding.
	res, _ := fetch(t, c, http.MethodGet, s.URL+"/", http.Header{"Accept-Encoding": {"br"}})
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") ||
		res.Header.Get("X-Frame-Options") != "DENY" || res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("brotli index: CSP %q, X-Frame-Options %q, nosniff %q", csp,
			res.Header.Get("X-Frame-Options"), res.Header.Get("X-Content-Type-Options"))
	}

	// The build's .gz and .br files are not assets of their own.
	for _, u := range []string{"/" + string(bundle) + ".br", "/" + string(bundle) + ".gz", "/" + string(css) + ".gz",
		"/widget.js.br", "/widget.js.gz", "/index.html.gz"} {
		if res, _ := fetch(t, c, http.MethodGet, s.URL+u, http.Header{"Accept-Encoding": {"gzip, br"}}); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", u, res.StatusCode)
		}
	}
}

func checkHeaders(t *testing.T, what string, res *http.Response, contentType, cache, encoding string) {
	t.Helper()
	if ce := res.Header.Get("Content-Encoding"); ce != encoding {
		t.Errorf("%s: Content-Encoding %q, want %q", what, ce, encoding)
	}
	if ct := res.Header.Get("Content-Type"); ct != contentType {
		t.Errorf("%s: Content-Type %q, want %q", what, ct, contentType)
	}
	if cc := res.Header.Get("Cache-Control"); cc != cache {
		t.Errorf("%s: Cache-Control %q, want %q", what, cc, cache)
	}
	if !varies(res) {
		t.Errorf("%s: Vary %q lacks Accept-Encoding", what, res.Header.Values("Vary"))
	}
	if !regexp.MustCompile(`^"[0-9a-f]{16}(-br|-gzip)?"$`).MatchString(res.Header.Get("ETag")) {
		t.Errorf("%s: ETag %q is not a strong content-hash tag", what, res.Header.Get("ETag"))
	}
}

func varies(res *http.Response) bool {
	for _, v := range res.Header.Values("Vary") {
		for _, f := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), "Accept-Encoding") {
				return true
			}
		}
	}
	return false
}
