package app

import (
	"net/http"
	"strings"

	"github.com/querytel/livedesk/web"
)

// uiRoutes serves the built desk and widget from the embedded web/dist,
// precompressed (static.go), and the demo page.
func uiRoutes(mux *http.ServeMux, a *App) {
	assets, err := loadAssets(web.Dist())
	if err != nil {
		panic("app: read the embedded web/dist: " + err.Error()) // embedded at build time
	}
	index, loader := mustAsset(assets, "index.html"), mustAsset(assets, "widget.js")

	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		deskHeaders(w, r)
		index.serve(w, r)
	})
	mux.HandleFunc("GET /widget.js", loader.serve)
	mux.HandleFunc("GET /assets/", func(w http.ResponseWriter, r *http.Request) {
		if f, ok := assets[strings.TrimPrefix(r.URL.Path, "/")]; ok {
			f.serve(w, r)
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

func mustAsset(assets map[string]*asset, name string) *asset {
	f, ok := assets[name]
	if !ok {
		panic("app: web/dist lacks " + name + ": run make web") // embedded at build time
	}
	return f
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
