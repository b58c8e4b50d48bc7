package httpapi

import (
	"net/http"

	"github.com/querytel/livedesk/internal/auth"
)

func (a *API) listAudit(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	limit, err := queryInt(r, "limit")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.respond(w, r, http.StatusOK)(list(a.audit.List(r.Context(), p.Actor(), r.URL.Query().Get("before"), int(limit))))
}
