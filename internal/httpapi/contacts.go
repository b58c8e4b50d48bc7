package httpapi

import (
	"net/http"

	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/contact"
)

// --- contacts: the customer record ---

func (a *API) listContacts(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	n, err := queryInts(r, "limit")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	a.respond(w, r, http.StatusOK)(a.contacts.List(r.Context(), p.Actor(), q.Get("q"), q.Get("sort"), q.Get("after"), int(n[0])))
}

func (a *API) createContact(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in contact.Input
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.respond(w, r, http.StatusCreated)(a.contacts.Create(r.Context(), p.Actor(), in))
}

func (a *API) upsertContact(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in contact.Input
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	c, created, err := a.contacts.Upsert(r.Context(), p.Actor(), r.PathValue("external_id"), in)
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	a.respond(w, r, status)(c, err)
}

func (a *API) getContact(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.respond(w, r, http.StatusOK)(a.contacts.Get(r.Context(), p.Actor(), r.PathValue("id")))
}

func (a *API) updateContact(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in contact.Input
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.respond(w, r, http.StatusOK)(a.contacts.Update(r.Context(), p.Actor(), r.PathValue("id"), in))
}

type mergeRequest struct {
	FromID string `json:"from_id"`
}

func (a *API) mergeContact(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in mergeRequest
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.respond(w, r, http.StatusOK)(a.contacts.Merge(r.Context(), p.Actor(), r.PathValue("id"), in.FromID))
}

func (a *API) exportContact(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	out, err := a.contacts.Export(r.Context(), p.Actor(), r.PathValue("id"))
	if err == nil {
		w.Header().Set("Content-Disposition", `attachment; filename="contact-`+out.Contact.ID+`.json"`)
	}
	a.respond(w, r, http.StatusOK)(out, err)
}

type erased struct {
	Conversations int `json:"conversations"`
}

func (a *API) eraseContact(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	n, err := a.contacts.Erase(r.Context(), p.Actor(), r.PathValue("id"))
	a.respond(w, r, http.StatusOK)(erased{Conversations: n}, err)
}
