package httpapi

import (
	"net/http"

	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/block"
)

func (a *API) listBlocks(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.respond(w, r, http.StatusOK)(list(a.blocks.List(r.Context(), p.Actor())))
}

func (a *API) createBlock(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in block.Input
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.respond(w, r, http.StatusCreated)(a.blocks.Create(r.Context(), p.Actor(), in))
}

func (a *API) deleteBlock(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.noContent(w, r, a.blocks.Delete(r.Context(), p.Actor(), r.PathValue("id")))
}
