package httpapi

import (
	"net/http"

	"github.com/querytel/livedesk/internal/audit"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/store"
)

func (a *API) listAudit(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	limit, err := queryInt(r, "limit")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	items, err := a.audit.List(r.Context(), p.Actor(), r.URL.Query().Get("before"), int(limit))
	a.respond(w, r, http.StatusOK)(pageOf(items, err, int(limit), audit.DefaultPage, audit.MaxPage, func(e store.AuditEntry) string { return e.ID }))
}
