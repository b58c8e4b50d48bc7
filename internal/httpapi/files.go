package httpapi

import (
	"errors"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/file"
	"github.com/querytel/livedesk/internal/guard"
	"github.com/querytel/livedesk/internal/site"
	"github.com/querytel/livedesk/internal/store"
)

// Files go up and down over plain HTTP, not the socket: a large body would
// hold a socket's writer, and HTTP gives progress, ranges and caching. The
// desk sends its session cookie; the widget, cross-origin, sends its
// visitor token as a bearer token, with the site's widget key in the URL.

// transferTime bounds one file's upload or download: longer than a JSON
// request's (the server's read timeout), for a large file on a slow line.
const transferTime = 10 * time.Minute

// uploadFile stores the body as a file of conversation id and posts its
// message (POST /api/v1/conversations/{id}/files).
func (a *API) uploadFile(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	// A full disk refuses agents' files too (messages still go: they are small).
	if err := a.guard.Writable(); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.upload(w, r, p.Actor(), r.PathValue("id"))
}

// downloadFile serves one of the workspace's files (GET /api/v1/files/{id}).
func (a *API) downloadFile(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.download(w, r, p.Actor())
}

// widgetUpload is the visitor's upload (POST /widget/v1/files).
func (a *API) widgetUpload(w http.ResponseWriter, r *http.Request) {
	actor, ok := a.widgetVisitor(w, r)
	if !ok {
		return
	}
	if err := a.guard.Allow(guard.Upload, actor.IP, actor.SiteID); err != nil {
		w.Header().Set("Retry-After", "10")
		a.writeError(w, r, err)
		return
	}
	a.upload(w, r, actor, r.URL.Query().Get("conversation_id"))
}

// widgetDownload is the visitor's download (GET /widget/v1/files/{id}).
func (a *API) widgetDownload(w http.ResponseWriter, r *http.Request) {
	if actor, ok := a.widgetVisitor(w, r); ok {
		a.download(w, r, actor)
	}
}

// widgetPreflight answers a browser's CORS preflight for the widget's file
// routes: only from an origin the site allows.
func (a *API) widgetPreflight(w http.ResponseWriter, r *http.Request) {
	if _, ok := a.widgetSite(w, r); !ok {
		return
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Methods", "GET, POST")
	h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
	h.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
}

// widgetSite finds the site named by ?key= and, for a browser's request,
// allows its origin (CORS) when the site does; it writes the refusal and
// returns false otherwise.
func (a *API) widgetSite(w http.ResponseWriter, r *http.Request) (store.Site, bool) {
	st, err := a.sites.ByWidgetKey(r.Context(), r.URL.Query().Get("key"))
	if errors.Is(err, store.ErrNotFound) {
		err = apperr.New(apperr.NotFound, "unknown_widget_key", "no site has this widget key")
	}
	if err != nil {
		a.writeError(w, r, err)
		return store.Site{}, false
	}
	w.Header().Add("Vary", "Origin")
	if origin := r.Header.Get("Origin"); origin != "" {
		if !site.OriginAllowed(st, origin) {
			a.sites.OriginRefused(st.ID, origin)
			a.writeError(w, r, apperr.New(apperr.Forbidden, "origin_not_allowed", "this origin may not use the site's widget"))
			return store.Site{}, false
		}
		w.Header().Set("Access-Control-Allow-Origin", origin)
		w.Header().Set("Access-Control-Expose-Headers", "Content-Disposition, Content-Length, X-Request-Id")
	}
	return st, true
}

// widgetVisitor authenticates a widget's request: the site's key, an
// allowed origin, the bearer token of one of the site's visitors, not
// blocked.
func (a *API) widgetVisitor(w http.ResponseWriter, r *http.Request) (auth.Actor, bool) {
	st, ok := a.widgetSite(w, r)
	if !ok {
		return auth.Actor{}, false
	}
	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	v, err := a.visitors.ByToken(r.Context(), st, token)
	ip := a.clientIP(r)
	if err == nil && a.blocks != nil {
		err = a.blocks.Check(r.Context(), v, ip)
	}
	if err != nil {
		a.writeError(w, r, err)
		return auth.Actor{}, false
	}
	return auth.Actor{WorkspaceID: v.WorkspaceID, VisitorID: v.ID, SiteID: v.SiteID, Name: v.Name, IP: ip}, true
}

// upload stores r's body as a file message of conversationID by actor.
// The file's name and client_msg_id come in the query, its bytes as the
// whole body (no multipart: it streams, and a browser's upload progress
// follows it).
func (a *API) upload(w http.ResponseWriter, r *http.Request, actor auth.Actor, conversationID string) {
	// The answer is written after the whole body is read: both deadlines
	// move, or a slow upload would be stored and its answer lost.
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Now().Add(transferTime))  //nolint:errcheck // HTTP/1 and 2 support it
	rc.SetWriteDeadline(time.Now().Add(transferTime)) //nolint:errcheck
	q := r.URL.Query()
	m, dup, err := a.files.Upload(r.Context(), actor, file.Upload{ConversationID: conversationID, ClientMsgID: q.Get("client_msg_id"),
		Name: q.Get("name"), Length: r.ContentLength, Body: r.Body})
	status := http.StatusCreated
	if dup {
		status = http.StatusOK
	}
	if err != nil && apperr.From(err).Kind == apperr.TooLarge {
		// What is left of a refused body is not read: the connection goes.
		w.Header().Set("Connection", "close")
	}
	a.respond(w, r, status)(m, err)
}

// download serves a file actor may see. Only raster images are shown
// inline; everything else is an attachment, and the sandbox policy keeps
// any content from running even if a browser were to render it.
func (a *API) download(w http.ResponseWriter, r *http.Request, actor auth.Actor) {
	f, content, err := a.files.Open(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	http.NewResponseController(w).SetWriteDeadline(time.Now().Add(transferTime)) //nolint:errcheck // HTTP/1 and 2 support it
	h := w.Header()
	h.Set("Content-Type", f.ContentType)
	disposition := "attachment"
	if file.Inline(f.ContentType) && r.URL.Query().Get("download") == "" {
		disposition = "inline"
	}
	cd := mime.FormatMediaType(disposition, map[string]string{"filename": f.Name})
	if cd == "" {
		cd = "attachment" // a name the header cannot carry: the browser picks one
	}
	h.Set("Content-Disposition", cd)
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	// A file never changes under its id; only its holders may fetch it.
	h.Set("Cache-Control", "private, max-age=31536000, immutable")
	h.Set("ETag", strconv.Quote(f.ID))
	if strings.Contains(r.Header.Get("Range"), ",") {
		// One range at a time: many small ranges would each read a whole
		// chunk from the database. The whole file is served instead.
		r.Header.Del("Range")
	}
	http.ServeContent(w, r, "", f.CreatedAt, content)
}
