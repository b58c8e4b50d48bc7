package app

import (
	"net/http"

	"github.com/querytel/livedesk/web"
)

// uiRoutes serves the built desk and widget from the embedded web/dist.
func uiRoutes(mux *http.ServeMux, a *App) {
	files := http.FileServerFS(web.Dist())
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	}))
}
