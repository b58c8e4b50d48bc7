package app

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/querytel/livedesk/web"
)

// Cache policies. Vite names every file under assets/ by its content hash,
// so those never change; index.html and the widget loader keep their names
// and must be revalidated so a new release reaches browsers at once.
const (
	cacheImmutable  = "public, max-age=31536000, immutable"
	cacheRevalidate = "no-cache"
)

// uiRoutes serves the built desk and widget from the embedded web/dist,
// and the demo page.
func uiRoutes(mux *http.ServeMux, a *App) {
	dist := web.Dist()
	index := mustEntry(dist, "index.html")
	loader := mustEntry(dist, "widget.js")
	assets := http.FileServerFS(dist)

	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		deskHeaders(w, r)
		index.serve(w, r, "text/html; charset=utf-8")
	})
	mux.HandleFunc("GET /widget.js", func(w http.ResponseWriter, r *http.Request) {
		loader.serve(w, r, "text/javascript; charset=utf-8")
	})
	mux.HandleFunc("GET /assets/", func(w http.ResponseWriter, r *http.Request) {
		if st, err := fs.Stat(dist, strings.TrimPrefix(r.URL.Path, "/")); err == nil && !st.IsDir() {
			w.Header().Set("Cache-Control", cacheImmutable)
			assets.ServeHTTP(w, r)
			return
		}
		http.NotFound(w, r)
	})
	if a.Config.DemoEnabled() {
		demoRoutes(mux, a)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		http.NotFound(w, r)
	})
}

// entry is a file served under a fixed name, revalidated by its ETag.
type entry struct {
	body []byte
	etag string
}

func mustEntry(dist fs.FS, name string) entry {
	b, err := fs.ReadFile(dist, name)
	if err != nil {
		panic("app: web/dist lacks " + name + ": run make web") // embedded at build time
	}
	sum := sha256.Sum256(b)
	return entry{body: b, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
}

func (e entry) serve(w http.ResponseWriter, r *http.Request, contentType string) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Cache-Control", cacheRevalidate)
	h.Set("ETag", e.etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(e.body))
}

// deskHeaders sets the desk's strict Content-Security-Policy: code, styles
// and connections only from this origin (the socket included), no inline
// script, no plugins, no <base>, and no framing.
func deskHeaders(w http.ResponseWriter, r *http.Request) {
	connect := "'self'"
	if validHost(r.Host) {
		connect += " ws://" + r.Host + " wss://" + r.Host
	}
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"connect-src "+connect+"; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	h.Set("X-Frame-Options", "DENY")
}

// validHost accepts host[:port] made of the characters a host may hold, so
// a forged Host header cannot inject policy directives.
func validHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	for _, c := range h {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune(".-:[]", c)) {
			return false
		}
	}
	return true
}
