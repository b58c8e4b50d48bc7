package httpapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/site"
	"github.com/querytel/livedesk/internal/store"
	"github.com/querytel/livedesk/internal/team"
	"github.com/querytel/livedesk/internal/workspace"
)

func (a *API) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (a *API) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := a.db.Ping(ctx); err != nil {
		a.log.Warn("not ready", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, errorBody{Error: errorDetail{
			Code: "database_unavailable", Message: "the database does not answer", RequestID: requestID(r.Context())}})
		return
	}
	if a.diskLow != nil && a.diskLow() {
		// Not ready, so a balancer sends new visitors elsewhere; the server
		// still serves, and refuses new widget data (guard.ErrStorageLow).
		a.log.Warn("not ready: the data directory is short of space")
		writeJSON(w, http.StatusServiceUnavailable, errorBody{Error: errorDetail{
			Code: "storage_low", Message: "the data directory is short of free space", RequestID: requestID(r.Context())}})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// --- auth ---

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

func (a *API) login(w http.ResponseWriter, r *http.Request) {
	var in loginRequest
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	token, agent, err := a.auth.Login(r.Context(), in.Email, in.Password, a.clientIP(r), r.UserAgent())
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: a.secure || r.TLS != nil,
		SameSite: http.SameSiteLaxMode, MaxAge: int(auth.SessionTTL / time.Second),
	})
	writeJSON(w, http.StatusOK, map[string]any{"agent": agent})
}

func (a *API) logout(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if err := a.auth.Logout(r.Context(), p); err != nil {
		a.writeError(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", HttpOnly: true,
		Secure: a.secure || r.TLS != nil, SameSite: http.SameSiteLaxMode, MaxAge: -1})
	w.WriteHeader(http.StatusNoContent)
}

type passwordRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

func (a *API) changePassword(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in passwordRequest
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	if err := a.auth.ChangePassword(r.Context(), p, in.CurrentPassword, in.NewPassword, a.clientIP(r)); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) me(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	ws, err := a.workspaces.Get(r.Context(), p.Actor())
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	me := map[string]any{"agent": p.Agent, "workspace": ws, "permissions": p.Actor().Permissions()}
	if p.Key != nil {
		me["api_key"] = p.Key // a key: which one, and its scopes
	}
	writeJSON(w, http.StatusOK, me)
}

// --- workspace ---

func (a *API) getWorkspace(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.respond(w, r, http.StatusOK)(a.workspaces.Get(r.Context(), p.Actor()))
}

func (a *API) createWorkspace(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in workspace.NewWorkspace
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.respond(w, r, http.StatusCreated)(a.tenants.Create(r.Context(), p.Actor(), in))
}

func (a *API) updateWorkspace(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in workspace.Input
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.respond(w, r, http.StatusOK)(a.workspaces.Update(r.Context(), p.Actor(), in))
}

// respond returns a function that writes a domain call's result or error,
// so a handler can pass a domain call's two results straight to it.
func (a *API) respond(w http.ResponseWriter, r *http.Request, status int) func(any, error) {
	return func(v any, err error) {
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		writeJSON(w, status, v)
	}
}

// noContent writes 204 or the error.
func (a *API) noContent(w http.ResponseWriter, r *http.Request, err error) {
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// --- sites ---

func (a *API) listSites(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.respond(w, r, http.StatusOK)(list(a.sites.List(r.Context(), p.Actor())))
}

func (a *API) createSite(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in site.Input
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.respond(w, r, http.StatusCreated)(a.sites.Create(r.Context(), p.Actor(), in))
}

func (a *API) getSite(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.respond(w, r, http.StatusOK)(a.sites.Get(r.Context(), p.Actor(), r.PathValue("id")))
}

func (a *API) updateSite(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in site.Input
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.respond(w, r, http.StatusOK)(a.sites.Update(r.Context(), p.Actor(), r.PathValue("id"), in))
}

func (a *API) deleteSite(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.noContent(w, r, a.sites.Delete(r.Context(), p.Actor(), r.PathValue("id")))
}

func (a *API) rotateSiteKey(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.respond(w, r, http.StatusOK)(a.sites.RotateKey(r.Context(), p.Actor(), r.PathValue("id")))
}

func (a *API) siteSecret(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	secret, err := a.sites.RevealSecret(r.Context(), p.Actor(), r.PathValue("id"))
	a.respond(w, r, http.StatusOK)(map[string]string{"identity_secret": secret}, err)
}

func (a *API) rotateSiteSecret(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	secret, err := a.sites.RotateIdentitySecret(r.Context(), p.Actor(), r.PathValue("id"))
	a.respond(w, r, http.StatusOK)(map[string]string{"identity_secret": secret}, err)
}

func (a *API) refusedOrigins(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.respond(w, r, http.StatusOK)(list(a.sites.RefusedOrigins(r.Context(), p.Actor(), r.PathValue("id"))))
}

// --- agents ---

// agentView is an agent as REST answers it: with the permissions it holds
// by role and grant, so the Team screen shows which a role already gives
// without deriving them itself.
type agentView struct {
	store.Agent
	Permissions []auth.Permission `json:"permissions"`
}

func viewOf(ag store.Agent) agentView {
	return agentView{Agent: ag, Permissions: auth.Actor{WorkspaceID: ag.WorkspaceID, AgentID: ag.ID, Role: auth.Role(ag.Role), Grants: auth.GrantsOf(ag)}.Permissions()}
}

func viewed(ag store.Agent, err error) (agentView, error) { return viewOf(ag), err }

func (a *API) listAgents(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	agents, err := a.team.ListAgents(r.Context(), p.Actor())
	views := make([]agentView, len(agents))
	for i, ag := range agents {
		views[i] = viewOf(ag)
	}
	a.respond(w, r, http.StatusOK)(list(views, err))
}

type createdAgent struct {
	Agent agentView `json:"agent"`
	// Password is set only when the server generated it; shown once.
	Password string `json:"password,omitempty"`
}

func (a *API) createAgent(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in team.AgentInput
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	ag, pw, err := a.team.CreateAgent(r.Context(), p.Actor(), in)
	a.respond(w, r, http.StatusCreated)(createdAgent{Agent: viewOf(ag), Password: pw}, err)
}

func (a *API) getAgent(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.respond(w, r, http.StatusOK)(viewed(a.team.GetAgent(r.Context(), p.Actor(), r.PathValue("id"))))
}

func (a *API) updateAgent(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in team.AgentInput
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.respond(w, r, http.StatusOK)(viewed(a.team.UpdateAgent(r.Context(), p.Actor(), r.PathValue("id"), in)))
}

func (a *API) deleteAgent(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.noContent(w, r, a.team.DeleteAgent(r.Context(), p.Actor(), r.PathValue("id")))
}

func (a *API) disableAgent(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.respond(w, r, http.StatusOK)(viewed(a.team.SetDisabled(r.Context(), p.Actor(), r.PathValue("id"), true)))
}

func (a *API) enableAgent(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.respond(w, r, http.StatusOK)(viewed(a.team.SetDisabled(r.Context(), p.Actor(), r.PathValue("id"), false)))
}

type resetPasswordRequest struct {
	Password string `json:"password"`
}

func (a *API) resetPassword(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in resetPasswordRequest
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	pw, err := a.team.ResetPassword(r.Context(), p.Actor(), r.PathValue("id"), in.Password)
	if err == nil && pw == "" {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	a.respond(w, r, http.StatusOK)(map[string]string{"password": pw}, err)
}

// --- departments ---

type departmentRequest struct {
	Name string `json:"name"`
}

func (a *API) listDepartments(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.respond(w, r, http.StatusOK)(list(a.team.ListDepartments(r.Context(), p.Actor())))
}

func (a *API) createDepartment(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in departmentRequest
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.respond(w, r, http.StatusCreated)(a.team.CreateDepartment(r.Context(), p.Actor(), in.Name))
}

func (a *API) getDepartment(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.respond(w, r, http.StatusOK)(a.team.GetDepartment(r.Context(), p.Actor(), r.PathValue("id")))
}

// departmentPatch is PATCH /departments/{id}: a new name, and business
// hours of its own (an object) or none (null: it follows its sites).
type departmentPatch struct {
	Name          *string                       `json:"name"`
	BusinessHours nullable[store.BusinessHours] `json:"business_hours"`
}

func (a *API) updateDepartment(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in departmentPatch
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	change := team.DepartmentInput{Name: in.Name}
	if in.BusinessHours.Set {
		change.Hours = &in.BusinessHours.V
	}
	a.respond(w, r, http.StatusOK)(a.team.UpdateDepartment(r.Context(), p.Actor(), r.PathValue("id"), change))
}

func (a *API) deleteDepartment(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.noContent(w, r, a.team.DeleteDepartment(r.Context(), p.Actor(), r.PathValue("id")))
}

// listBody wraps lists as {"items":[...]} so they can grow paging fields.
type listBody[T any] struct {
	Items []T `json:"items"`
}

func list[T any](items []T, err error) (listBody[T], error) {
	return listBody[T]{Items: items}, err
}

// idPage is a page of a list paged by the id of the previous page's last
// item (the request's before_id, or before): NextBefore is that cursor
// for the next page, present only when the page was full (more may
// follow).
type idPage[T any] struct {
	Items      []T    `json:"items"`
	NextBefore string `json:"next_before,omitempty"`
}

// pageOf makes an idPage of items read with a limit (0 or out of range:
// dflt, at most most), each item's cursor being id(item).
func pageOf[T any](items []T, err error, limit, dflt, most int, id func(T) string) (idPage[T], error) {
	if limit <= 0 || limit > most {
		limit = dflt
	}
	p := idPage[T]{Items: items}
	if n := len(items); n > 0 && n >= limit {
		p.NextBefore = id(items[n-1])
	}
	return p, err
}

// setAvatar takes the signed-in agent's avatar: the image as the body
// (PUT /api/v1/me/avatar).
func (a *API) setAvatar(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, team.MaxAvatar))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		a.writeError(w, r, team.ErrAvatarTooBig)
		return
	case err != nil:
		a.writeError(w, r, apperr.Invalidf("", "invalid_avatar", "the image could not be read"))
		return
	case len(data) == 0:
		a.writeError(w, r, team.ErrAvatarType)
		return
	}
	ag, err := a.team.SetAvatar(r.Context(), p.Actor(), data)
	a.respond(w, r, http.StatusOK)(map[string]any{"agent": ag}, err)
}

// deleteAvatar removes the signed-in agent's avatar: initials again.
func (a *API) deleteAvatar(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	ag, err := a.team.SetAvatar(r.Context(), p.Actor(), nil)
	a.respond(w, r, http.StatusOK)(map[string]any{"agent": ag}, err)
}

// avatar serves an agent's avatar to the agents of its workspace. Its URL
// carries the agent's avatar_at, so it may be cached for long.
func (a *API) avatar(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	typ, data, err := a.team.Avatar(r.Context(), p.Actor(), r.PathValue("id"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", typ)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Header().Set("Cache-Control", "private, max-age=31536000, immutable")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'none'")
	w.Write(data) //nolint:errcheck // the client went away
}
