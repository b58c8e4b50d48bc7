package httpapi

import (
	"net/http"

	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/board"
	"github.com/querytel/livedesk/internal/chat"
)

// --- boards: views of the tickets by column (issue 15) ---

func (a *API) listBoards(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	all := r.URL.Query().Get("archived") == "true"
	a.respond(w, r, http.StatusOK)(list(a.boards.List(r.Context(), p.Actor(), all)))
}

func (a *API) createBoard(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in board.BoardInput
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.respond(w, r, http.StatusCreated)(a.boards.Create(r.Context(), p.Actor(), in))
}

func (a *API) getBoard(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.respond(w, r, http.StatusOK)(a.boards.Get(r.Context(), p.Actor(), r.PathValue("id")))
}

func (a *API) updateBoard(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in board.BoardPatch
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.respond(w, r, http.StatusOK)(a.boards.Update(r.Context(), p.Actor(), r.PathValue("id"), in))
}

type orderRequest struct {
	IDs []string `json:"ids"`
}

func (a *API) reorderBoards(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in orderRequest
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.respond(w, r, http.StatusOK)(list(a.boards.Reorder(r.Context(), p.Actor(), in.IDs)))
}

func (a *API) addColumn(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in board.ColumnInput
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.respond(w, r, http.StatusCreated)(a.boards.AddColumn(r.Context(), p.Actor(), r.PathValue("id"), in))
}

func (a *API) updateColumn(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in board.ColumnPatch
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.respond(w, r, http.StatusOK)(a.boards.UpdateColumn(r.Context(), p.Actor(), r.PathValue("id"), r.PathValue("column"), in))
}

func (a *API) reorderColumns(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in orderRequest
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.respond(w, r, http.StatusOK)(a.boards.ReorderColumns(r.Context(), p.Actor(), r.PathValue("id"), in.IDs))
}

type moveRequest struct {
	ColumnID string `json:"column_id"`
	BeforeID string `json:"before_id"`
}

func (a *API) moveTicket(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in moveRequest
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.respond(w, r, http.StatusOK)(a.chat.MoveTicket(r.Context(), p.Actor(), r.PathValue("id"), in.ColumnID, in.BeforeID))
}

func (a *API) ticketHistory(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.respond(w, r, http.StatusOK)(list(a.chat.TicketHistory(r.Context(), p.Actor(), r.PathValue("id"))))
}

type makeTicketRequest struct {
	Subject string `json:"subject"`
}

func (a *API) makeTicket(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in makeTicketRequest
	if r.ContentLength != 0 {
		if err := decode(w, r, &in); err != nil {
			a.writeError(w, r, err)
			return
		}
	}
	a.respond(w, r, http.StatusOK)(a.chat.MakeTicket(r.Context(), p.Actor(), r.PathValue("id"), in.Subject))
}

func (a *API) createTicket(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in chat.NewTicket
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.respond(w, r, http.StatusCreated)(a.chat.CreateTicket(r.Context(), p.Actor(), in))
}

func (a *API) updateTicket(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in chat.TicketPatch
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.respond(w, r, http.StatusOK)(a.chat.UpdateTicket(r.Context(), p.Actor(), r.PathValue("id"), in))
}

type mergeTicketRequest struct {
	FromID string `json:"from_id"`
}

func (a *API) mergeTicket(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in mergeTicketRequest
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.respond(w, r, http.StatusOK)(a.chat.MergeTicket(r.Context(), p.Actor(), r.PathValue("id"), in.FromID))
}

type linkRequest struct {
	ConversationID string `json:"conversation_id"`
}

func (a *API) linkConversation(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in linkRequest
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.respond(w, r, http.StatusOK)(a.chat.LinkConversation(r.Context(), p.Actor(), r.PathValue("id"), in.ConversationID))
}

func (a *API) ticketConversations(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.respond(w, r, http.StatusOK)(list(a.chat.TicketConversations(r.Context(), p.Actor(), r.PathValue("id"))))
}

func (a *API) ticketWatchers(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.respond(w, r, http.StatusOK)(list(a.chat.TicketWatchers(r.Context(), p.Actor(), r.PathValue("id"))))
}

func (a *API) watchTicket(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.respond(w, r, http.StatusOK)(list(a.chat.WatchTicket(r.Context(), p.Actor(), r.PathValue("id"), r.Method == http.MethodPut)))
}
