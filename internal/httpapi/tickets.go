package httpapi

import (
	"net/http"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/chat"
	"github.com/querytel/livedesk/internal/mail"
	"github.com/querytel/livedesk/internal/store"
)

// ticketsBody is a page of a queue with how many unassigned tickets the
// agent may see (the desk shows "accept 3, 5, 10" only when that many
// exist).
type ticketsBody struct {
	Items      []store.Ticket `json:"items"`
	Unassigned int            `json:"unassigned"`
	// NextBefore is the next page's before_id, when the page was full.
	NextBefore string `json:"next_before,omitempty"`
}

func (a *API) listTickets(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	limit, err := queryInt(r, "limit")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	queue := q.Get("queue")
	if queue == "" {
		queue = store.QueueUnassigned
	}
	flag := func(name string) (bool, error) {
		switch q.Get(name) {
		case "", "false", "0":
			return false, nil
		case "true", "1":
			return true, nil
		}
		return false, apperr.Invalidf(name, "invalid_"+name, "%s must be true or false", name)
	}
	mine, err := flag("closed_by_me")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	archived, err := flag("archived")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	items, n, err := a.chat.Tickets(r.Context(), p.Actor(), chat.TicketQuery{Queue: queue, ClosedByMe: mine, Archived: archived,
		Query: q.Get("q"), BeforeID: q.Get("before_id"), Limit: int(limit)})
	if items == nil {
		items = []store.Ticket{}
	}
	page, err := pageOf(items, err, int(limit), chat.DefaultTicketPage, chat.MaxTicketPage, func(t store.Ticket) string { return t.ID })
	a.respond(w, r, http.StatusOK)(ticketsBody{Items: page.Items, Unassigned: n, NextBefore: page.NextBefore}, err)
}

func (a *API) getTicket(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.respond(w, r, http.StatusOK)(a.chat.Ticket(r.Context(), p.Actor(), r.PathValue("id")))
}

func (a *API) acceptTicket(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.respond(w, r, http.StatusOK)(a.chat.AcceptTicket(r.Context(), p.Actor(), r.PathValue("id")))
}

type quickAcceptRequest struct {
	Count int `json:"count"`
}

func (a *API) quickAccept(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in quickAcceptRequest
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.respond(w, r, http.StatusOK)(list(a.chat.QuickAccept(r.Context(), p.Actor(), in.Count)))
}

func (a *API) assignTicket(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in assignRequest
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.respond(w, r, http.StatusOK)(a.chat.AssignTicket(r.Context(), p.Actor(), r.PathValue("id"), in.AgentID))
}

func (a *API) closeTicket(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.respond(w, r, http.StatusOK)(a.chat.CloseTicket(r.Context(), p.Actor(), r.PathValue("id")))
}

func (a *API) startTicketChat(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.respond(w, r, http.StatusOK)(a.chat.StartTicketChat(r.Context(), p.Actor(), r.PathValue("id")))
}

func (a *API) getMail(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.respond(w, r, http.StatusOK)(a.mail.Get(r.Context(), p.Actor()))
}

func (a *API) setMail(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in mail.Input
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.respond(w, r, http.StatusOK)(a.mail.Set(r.Context(), p.Actor(), in))
}

func (a *API) deleteMail(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if err := a.mail.Delete(r.Context(), p.Actor()); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type testMailRequest struct {
	To string `json:"to"`
}

func (a *API) testMail(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in testMailRequest
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	if err := a.mail.Test(r.Context(), p.Actor(), in.To); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
