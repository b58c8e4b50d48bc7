package httpapi

import (
	"net/http"

	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/quick"
)

// --- quick responses ---

func (a *API) listQuick(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.respond(w, r, http.StatusOK)(list(a.quick.List(r.Context(), p.Actor())))
}

func (a *API) createQuick(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in quick.Input
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.respond(w, r, http.StatusCreated)(a.quick.Create(r.Context(), p.Actor(), in))
}

func (a *API) updateQuick(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in quick.Input
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.respond(w, r, http.StatusOK)(a.quick.Update(r.Context(), p.Actor(), r.PathValue("id"), in))
}

func (a *API) deleteQuick(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.noContent(w, r, a.quick.Delete(r.Context(), p.Actor(), r.PathValue("id")))
}

func (a *API) useQuick(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.noContent(w, r, a.quick.Use(r.Context(), p.Actor(), r.PathValue("id")))
}
