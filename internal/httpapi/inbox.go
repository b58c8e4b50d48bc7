package httpapi

import (
	"net/http"

	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/store"
)

// --- comments: an agent's private notes in a conversation ---

type commentRequest struct {
	ClientMsgID string   `json:"client_msg_id"`
	Text        string   `json:"text"`
	Mentions    []string `json:"mentions"`
}

func (a *API) addComment(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in commentRequest
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	m, dup, err := a.chat.Comment(r.Context(), p.Actor(), r.PathValue("id"), in.ClientMsgID, in.Text, in.Mentions)
	status := http.StatusCreated
	if dup {
		status = http.StatusOK
	}
	a.respond(w, r, status)(m, err)
}

type commentEdit struct {
	Text string `json:"text"`
}

func (a *API) editComment(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in commentEdit
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.respond(w, r, http.StatusOK)(a.chat.ReviseComment(r.Context(), p.Actor(), r.PathValue("id"), r.PathValue("message"), in.Text, false))
}

func (a *API) deleteComment(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.respond(w, r, http.StatusOK)(a.chat.ReviseComment(r.Context(), p.Actor(), r.PathValue("id"), r.PathValue("message"), "", true))
}

// --- the inbox: the signed-in agent's own items ---

func (a *API) listInbox(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	n, err := queryInts(r, "before", "limit")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.respond(w, r, http.StatusOK)(a.inbox.List(r.Context(), p.Actor(),
		store.InboxQuery{Filter: r.URL.Query().Get("filter"), Before: n[0], Limit: int(n[1])}))
}

type inboxMark struct {
	IDs      []string `json:"ids"`
	Read     *bool    `json:"read"`
	Archived *bool    `json:"archived"`
}

func (a *API) markInbox(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in inboxMark
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.respond(w, r, http.StatusOK)(a.inbox.Mark(r.Context(), p.Actor(), in.IDs, store.InboxChange{Read: in.Read, Archived: in.Archived}))
}

func (a *API) taggedConversations(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.respond(w, r, http.StatusOK)(list(a.inbox.Tagged(r.Context(), p.Actor())))
}
