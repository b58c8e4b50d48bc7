package httpapi

import (
	"net/http"

	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/broadcast"
	"github.com/querytel/livedesk/internal/store"
)

// --- broadcasts ---

func (a *API) listBroadcasts(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	q := r.URL.Query()
	items, err := a.casts.List(r.Context(), p.Actor(), q.Get("status"), q.Get("before_id"))
	a.respond(w, r, http.StatusOK)(pageOf(items, err, broadcast.MaxList, broadcast.MaxList, broadcast.MaxList,
		func(b broadcast.WithStats) string { return b.ID }))
}

func (a *API) createBroadcast(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in broadcast.Input
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.respond(w, r, http.StatusCreated)(a.casts.Create(r.Context(), p.Actor(), in))
}

func (a *API) getBroadcast(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.respond(w, r, http.StatusOK)(a.casts.Get(r.Context(), p.Actor(), r.PathValue("id")))
}

// updateBroadcast applies a PATCH: the fields it has replace the
// broadcast's, the others keep their value.
func (a *API) updateBroadcast(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.respond(w, r, http.StatusOK)(a.casts.Update(r.Context(), p.Actor(), r.PathValue("id"), func(in *broadcast.Input) error {
		return decode(w, r, in)
	}))
}

func (a *API) deleteBroadcast(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.noContent(w, r, a.casts.Delete(r.Context(), p.Actor(), r.PathValue("id")))
}

func (a *API) activateBroadcast(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.respond(w, r, http.StatusOK)(a.casts.Activate(r.Context(), p.Actor(), r.PathValue("id")))
}

func (a *API) pauseBroadcast(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.respond(w, r, http.StatusOK)(a.casts.Pause(r.Context(), p.Actor(), r.PathValue("id")))
}

func (a *API) endBroadcast(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.respond(w, r, http.StatusOK)(a.casts.End(r.Context(), p.Actor(), r.PathValue("id")))
}

func (a *API) estimateBroadcast(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in struct {
		Audience store.Audience `json:"audience"`
	}
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.respond(w, r, http.StatusOK)(a.casts.Estimate(r.Context(), p.Actor(), in.Audience))
}
