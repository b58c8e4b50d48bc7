package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/chat"
	"github.com/querytel/livedesk/internal/store"
)

// queryInt reads an optional integer query parameter.
func queryInt(r *http.Request, name string) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, apperr.Invalidf(name, "invalid_"+name, "%s must be a non-negative integer", name)
	}
	return n, nil
}

// queryInts reads optional integer query parameters, in order; the first
// bad one is the error.
func queryInts(r *http.Request, names ...string) ([]int64, error) {
	out := make([]int64, len(names))
	for i, name := range names {
		n, err := queryInt(r, name)
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}

func (a *API) listConversations(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	limit, err := queryInt(r, "limit")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	f := store.ConversationFilter{Statuses: q["status"], VisitorID: q.Get("visitor_id"), AssigneeID: q.Get("assignee_id"),
		ClosedByAgentID: q.Get("closed_by_agent_id"), Query: q.Get("q"), Limit: int(limit)}
	items, err := a.chat.ListPage(r.Context(), p.Actor(), f, q.Get("before_id"))
	a.respond(w, r, http.StatusOK)(pageOf(items, err, int(limit), chat.MaxConversationPage, chat.MaxConversationPage,
		func(c store.Conversation) string { return c.ID }))
}

func (a *API) getConversation(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.respond(w, r, http.StatusOK)(a.chat.Get(r.Context(), p.Actor(), r.PathValue("id")))
}

type messagesBody struct {
	Items   []store.Message `json:"items"`
	LastSeq int64           `json:"last_seq"`
	More    bool            `json:"more"`
}

func (a *API) listMessages(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	n, err := queryInts(r, "after_seq", "until_seq", "limit")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	page, err := a.chat.History(r.Context(), p.Actor(), r.PathValue("id"), n[0], n[1], int(n[2]))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, messagesBody{Items: page.Messages, LastSeq: page.LastSeq(), More: page.More})
}

type sendRequest struct {
	ClientMsgID string `json:"client_msg_id"`
	Text        string `json:"text"`
	// As is "agent" (the default: the caller, or a key's maker) or
	// "system".
	As string `json:"as"`
}

// sendMessage stores an agent's message: 201 the first time, 200 with the
// original message on a retry with the same client_msg_id.
func (a *API) sendMessage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in sendRequest
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	var (
		m   store.Message
		dup bool
		err error
	)
	switch in.As {
	case "", store.AuthorAgent:
		m, dup, err = a.chat.Send(r.Context(), p.Actor(), r.PathValue("id"), in.ClientMsgID, in.Text)
	case store.AuthorSystem:
		m, dup, err = a.chat.SendAsSystem(r.Context(), p.Actor(), r.PathValue("id"), in.ClientMsgID, in.Text)
	default:
		err = apperr.Invalidf("as", "invalid_author", `as is "agent" or "system"`)
	}
	status := http.StatusCreated
	if dup {
		status = http.StatusOK
	}
	a.respond(w, r, status)(m, err)
}

func (a *API) listVisitors(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.respond(w, r, http.StatusOK)(list(a.visitors.Online(r.Context(), p.Agent.WorkspaceID)))
}

type visitorBody struct {
	Visitor store.Visitor    `json:"visitor"`
	Pages   []store.PageView `json:"pages"`
}

func (a *API) getVisitor(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	v, pages, err := a.visitors.Get(r.Context(), p.Agent.WorkspaceID, r.PathValue("id"))
	a.respond(w, r, http.StatusOK)(visitorBody{Visitor: v, Pages: pages}, err)
}

type statusRequest struct {
	Status      string `json:"status"`
	SnoozeUntil string `json:"snooze_until"` // RFC 3339
}

func (a *API) setStatus(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in statusRequest
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	var until time.Time
	if in.SnoozeUntil != "" {
		var err error
		if until, err = time.Parse(time.RFC3339, in.SnoozeUntil); err != nil {
			a.writeError(w, r, apperr.Invalidf("snooze_until", "invalid_snooze_until", "snooze_until must be an RFC 3339 time"))
			return
		}
	}
	a.respond(w, r, http.StatusOK)(a.chat.SetStatus(r.Context(), p.Actor(), r.PathValue("id"), in.Status, until))
}

type assignRequest struct {
	AgentID string `json:"agent_id"`
}

func (a *API) assign(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in assignRequest
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	if p.Key != nil && in.AgentID == "" {
		// "Yourself" is the key's maker, who is not at the desk: a key names the agent.
		a.writeError(w, r, apperr.Invalidf("agent_id", "required", "with an API key, agent_id names the agent to assign"))
		return
	}
	a.respond(w, r, http.StatusOK)(a.chat.Assign(r.Context(), p.Actor(), r.PathValue("id"), in.AgentID))
}

type transferRequest struct {
	AgentID      string `json:"agent_id"`
	DepartmentID string `json:"department_id"`
	Note         string `json:"note"`
}

func (a *API) transfer(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in transferRequest
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.respond(w, r, http.StatusOK)(a.chat.Transfer(r.Context(), p.Actor(), r.PathValue("id"),
		chat.TransferTarget{AgentID: in.AgentID, DepartmentID: in.DepartmentID, Note: in.Note}))
}

type flagRequest struct {
	Flagged *bool `json:"flagged"`
}

func (a *API) flag(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in flagRequest
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	if in.Flagged == nil {
		a.writeError(w, r, apperr.Invalidf("flagged", "required", "flagged is required"))
		return
	}
	a.respond(w, r, http.StatusOK)(a.chat.SetFlag(r.Context(), p.Actor(), r.PathValue("id"), *in.Flagged))
}

type wrapupRequest struct {
	Notes string   `json:"notes"`
	Tags  []string `json:"tags"`
}

func (a *API) wrapup(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in wrapupRequest
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.respond(w, r, http.StatusOK)(a.chat.Wrapup(r.Context(), p.Actor(), r.PathValue("id"), in.Notes, in.Tags))
}
