package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/app/apptest"
	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/config"
	"github.com/querytel/livedesk/internal/file"
	"github.com/querytel/livedesk/internal/site"
	"github.com/querytel/livedesk/internal/store"
	"github.com/querytel/livedesk/internal/workspace"
)

// pngOf is a w×h PNG.
func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewRGBA(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var pdf = []byte("%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")

// fileVisitor is a visitor of a site with its token and open conversation.
type fileVisitor struct {
	actor auth.Actor
	token string
	conv  store.Conversation
}

func newFileVisitor(t *testing.T, e *env, st store.Site) fileVisitor {
	t.Helper()
	v, token, err := e.srv.App.Visitors.Session(t.Context(), st, "", "127.0.0.1", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	a := auth.Actor{WorkspaceID: v.WorkspaceID, VisitorID: v.ID, SiteID: v.SiteID}
	c, err := e.srv.App.Chat.Start(t.Context(), a, "")
	if err != nil {
		t.Fatal(err)
	}
	return fileVisitor{actor: a, token: token, conv: c}
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

// code is the error code of a JSON error answer.
func (r reply) code() string {
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	json.Unmarshal(r.body, &e) //nolint:errcheck // "" when it is not one
	return e.Error.Code
}

func (r reply) message(t *testing.T) store.Message {
	t.Helper()
	return apptest.Decode[store.Message](t, r.body)
}

func send(t *testing.T, c *http.Client, method, u string, header http.Header, body io.Reader) reply {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{resp.StatusCode, resp.Header, data}
}

// widgetUpload uploads data as name to the visitor's conversation.
func (e *env) widgetUpload(t *testing.T, key string, v fileVisitor, convID, clientID, name string, data []byte) reply {
	t.Helper()
	q := url.Values{"key": {key}, "conversation_id": {convID}, "client_msg_id": {clientID}, "name": {name}}
	h := http.Header{"Authorization": {"Bearer " + v.token}, "Origin": {"https://shop.example"}}
	return send(t, e.as[""], "POST", e.srv.URL+"/widget/v1/files?"+q.Encode(), h, bytes.NewReader(data))
}

func (e *env) widgetDownload(t *testing.T, key, token, id string) reply {
	t.Helper()
	h := http.Header{"Authorization": {"Bearer " + token}, "Origin": {"https://shop.example"}}
	return send(t, e.as[""], "GET", e.srv.URL+"/widget/v1/files/"+id+"?key="+url.QueryEscape(key), h, nil)
}

func (e *env) deskUpload(t *testing.T, as, convID, clientID, name string, body io.Reader) reply {
	t.Helper()
	q := url.Values{"client_msg_id": {clientID}, "name": {name}}
	h := http.Header{"Origin": {e.srv.URL}, "Content-Type": {"application/octet-stream"}}
	return send(t, e.as[as], "POST", e.srv.URL+"/api/v1/conversations/"+convID+"/files?"+q.Encode(), h, body)
}

// files is what a conversation holds: its files and its last seq, which a
// refused upload must leave as they were.
func (e *env) files(t *testing.T, c store.Conversation) [2]int64 {
	t.Helper()
	n, err := e.srv.App.Store.CountFiles(t.Context(), c.WorkspaceID, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.srv.App.Store.GetConversation(t.Context(), c.WorkspaceID, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	return [2]int64{int64(n), got.LastSeq}
}

func (e *env) settings(t *testing.T, p workspace.SettingsPatch) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"settings": p})
	if st, b := e.srv.Do(t, e.as["owner"], "PATCH", "/api/v1/workspace", json.RawMessage(body)); st != 200 {
		t.Fatalf("settings: %d %s", st, b)
	}
}

func ptr[T any](v T) *T { return &v }

// TestFiles: a visitor and an agent exchange files; each side reads only
// what it may; content is served so that it cannot run.
func TestFiles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	key := e.site.WidgetKey
	ann := newFileVisitor(t, e, e.site)
	image := pngOf(t, 3, 2)

	up := e.widgetUpload(t, key, ann, ann.conv.ID, "f-1", "screen shot.png", image)
	if up.status != 201 || up.header.Get("Access-Control-Allow-Origin") != "https://shop.example" {
		t.Fatalf("upload: %d %s (CORS %q)", up.status, up.body, up.header.Get("Access-Control-Allow-Origin"))
	}
	m := up.message(t)
	meta, _ := m.Meta["file"].(map[string]any)
	if m.Kind != store.KindFile || m.Body != "screen shot.png" || m.AuthorType != store.AuthorVisitor || meta["type"] != "image/png" ||
		meta["size"] != float64(len(image)) || meta["width"] != float64(3) || meta["height"] != float64(2) {
		t.Fatalf("the file message: %+v", m)
	}
	id, _ := meta["id"].(string)

	// A retry (the answer was lost) stores nothing twice.
	again := e.widgetUpload(t, key, ann, ann.conv.ID, "f-1", "screen shot.png", image)
	if again.status != 200 || again.message(t).Seq != m.Seq || e.files(t, ann.conv)[0] != 1 {
		t.Fatalf("retry: %d %s; files %v", again.status, again.body, e.files(t, ann.conv))
	}

	// The visitor reads it back; so does any agent of the workspace.
	got := e.widgetDownload(t, key, ann.token, id)
	if got.status != 200 || !bytes.Equal(got.body, image) || got.header.Get("Content-Type") != "image/png" ||
		!strings.HasPrefix(got.header.Get("Content-Disposition"), "inline") || got.header.Get("X-Content-Type-Options") != "nosniff" ||
		!strings.Contains(got.header.Get("Content-Security-Policy"), "sandbox") {
		t.Fatalf("visitor download: %d %v", got.status, got.header)
	}
	desk := send(t, e.as["agent"], "GET", e.srv.URL+"/api/v1/files/"+id, nil, nil)
	if desk.status != 200 || !bytes.Equal(desk.body, image) {
		t.Fatalf("agent download: %d", desk.status)
	}
	ranged := send(t, e.as["agent"], "GET", e.srv.URL+"/api/v1/files/"+id, http.Header{"Range": {"bytes=1-3"}}, nil)
	if ranged.status != 206 || !bytes.Equal(ranged.body, image[1:4]) {
		t.Fatalf("a range: %d %q", ranged.status, ranged.body)
	}
	forced := send(t, e.as["agent"], "GET", e.srv.URL+"/api/v1/files/"+id+"?download=1", nil, nil)
	if cd := forced.header.Get("Content-Disposition"); cd != `attachment; filename="screen shot.png"` {
		t.Fatalf("?download=1: %q", cd)
	}

	// An agent answers with a PDF: the visitor gets it as an attachment.
	conv := ann.conv
	answer := e.deskUpload(t, "agent", conv.ID, "d-1", "invoice.pdf", bytes.NewReader(pdf))
	if answer.status != 201 || answer.message(t).AuthorType != store.AuthorAgent {
		t.Fatalf("agent upload: %d %s", answer.status, answer.body)
	}
	pdfID := answer.message(t).Meta["file"].(map[string]any)["id"].(string)
	doc := e.widgetDownload(t, key, ann.token, pdfID)
	if doc.status != 200 || doc.header.Get("Content-Type") != "application/pdf" ||
		doc.header.Get("Content-Disposition") != `attachment; filename=invoice.pdf` {
		t.Fatalf("pdf download: %d %v", doc.status, doc.header)
	}

	// Who may not see it gets the answer of an id that does not exist.
	bo := newFileVisitor(t, e, e.site)
	bSite := newFileVisitor(t, e, e.bSite)
	bOwner := e.srv.Login(t, e.bAgent, e.bPasswd)
	for name, r := range map[string]reply{
		"another visitor of the site":        e.widgetDownload(t, key, bo.token, id),
		"a guessed id":                       e.widgetDownload(t, key, ann.token, store.NewFileID()),
		"another workspace's agent":          send(t, bOwner, "GET", e.srv.URL+"/api/v1/files/"+id, nil, nil),
		"the owner, with another site's key": e.widgetDownload(t, e.bSite.WidgetKey, bSite.token, id),
		"an agent, a guessed id":             send(t, e.as["agent"], "GET", e.srv.URL+"/api/v1/files/"+store.NewFileID(), nil, nil),
		"an agent, an id of another shape":   send(t, e.as["agent"], "GET", e.srv.URL+"/api/v1/files/"+strings.Repeat("x", 100), nil, nil),
	} {
		if r.status != 404 || r.code() != "file_not_found" {
			t.Errorf("%s: %d %s; want 404 file_not_found", name, r.status, r.body)
		}
	}
	for name, r := range map[string]reply{
		"no token":                            send(t, e.as[""], "GET", e.srv.URL+"/widget/v1/files/"+id+"?key="+key, nil, nil),
		"the token of another site's visitor": e.widgetDownload(t, key, bSite.token, id),
		"no one signed in":                    send(t, e.as[""], "GET", e.srv.URL+"/api/v1/files/"+id, nil, nil),
	} {
		if r.status != 401 || r.code() != "unauthenticated" {
			t.Errorf("%s: %d %s; want 401 unauthenticated", name, r.status, r.body)
		}
	}
	if r := e.widgetDownload(t, "wk_nope", ann.token, id); r.status != 404 || r.code() != "unknown_widget_key" {
		t.Errorf("unknown key: %d %s", r.status, r.body)
	}
}

// TestFileRefusals: every refusal has its status and code and stores
// nothing.
func TestFileRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	key := e.site.WidgetKey
	ann := newFileVisitor(t, e, e.site)
	bo := newFileVisitor(t, e, e.site)
	e.settings(t, workspace.SettingsPatch{FileMaxMB: ptr(1), FilesPerConversation: ptr(2)})
	before := e.files(t, ann.conv)
	html := []byte("<!DOCTYPE html><html><script>alert(1)</script></html>")
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`)
	big := append(pngOf(t, 1, 1), make([]byte, 1<<20)...)

	for _, c := range []struct {
		name, conv, clientID, file string
		data                       []byte
		status                     int
		code                       string
	}{
		{"over the size limit", ann.conv.ID, "r-1", "big.png", big, 413, "file_too_large"},
		{"an executable", ann.conv.ID, "r-2", "setup.exe", []byte("MZ\x90\x00"), 415, "file_type_not_allowed"},
		{"an SVG", ann.conv.ID, "r-3", "logo.svg", svg, 415, "file_type_not_allowed"},
		{"an HTML page", ann.conv.ID, "r-4", "page.html", html, 415, "file_type_not_allowed"},
		{"HTML named .png", ann.conv.ID, "r-5", "cat.png", html, 415, "file_type_mismatch"},
		{"HTML named .txt", ann.conv.ID, "r-6", "notes.txt", html, 415, "file_type_mismatch"},
		{"an SVG named .txt", ann.conv.ID, "r-7", "notes.txt", svg, 415, "file_type_mismatch"},
		{"a zip, not allowed by default", ann.conv.ID, "r-8", "all.zip", []byte("PK\x03\x04rest"), 415, "file_type_not_allowed"},
		{"empty", ann.conv.ID, "r-9", "empty.pdf", nil, 400, "empty_file"},
		{"no name", ann.conv.ID, "r-10", "", pdf, 400, "invalid_file_name"},
		{"a control character in the name", ann.conv.ID, "r-11", "a\x07.pdf", pdf, 400, "invalid_file_name"},
		{"a bad client_msg_id", ann.conv.ID, "bad id!", "a.pdf", pdf, 400, "invalid_client_msg_id"},
		{"another visitor's conversation", bo.conv.ID, "r-12", "a.pdf", pdf, 404, "conversation_not_found"},
	} {
		r := e.widgetUpload(t, key, ann, c.conv, c.clientID, c.file, c.data)
		if r.status != c.status || r.code() != c.code {
			t.Errorf("%s: %d %s; want %d %s", c.name, r.status, r.body, c.status, c.code)
		}
		if now := e.files(t, ann.conv); now != before {
			t.Fatalf("%s stored something: %v, was %v", c.name, now, before)
		}
	}

	// Without a declared length (chunked), the size is counted as it
	// arrives, and what was written of it goes.
	r := e.deskUpload(t, "agent", ann.conv.ID, "r-13", "big.png", io.MultiReader(bytes.NewReader(big))) // no Content-Length
	if r.status != 413 || r.code() != "file_too_large" || e.files(t, ann.conv) != before {
		t.Fatalf("a chunked upload over the limit: %d %s; files %v", r.status, r.body, e.files(t, ann.conv))
	}

	// A conversation holds at most files_per_conversation files.
	for i := range 2 {
		if r := e.widgetUpload(t, key, ann, ann.conv.ID, fmt.Sprint("ok-", i), "a.pdf", pdf); r.status != 201 {
			t.Fatalf("upload %d: %d %s", i, r.status, r.body)
		}
	}
	full := e.files(t, ann.conv)
	if r := e.widgetUpload(t, key, ann, ann.conv.ID, "r-14", "a.pdf", pdf); r.status != 409 || r.code() != "too_many_files" || e.files(t, ann.conv) != full {
		t.Errorf("a third file: %d %s", r.status, r.body)
	}

	// A closed conversation takes none.
	if _, err := e.srv.App.Chat.CloseByVisitor(t.Context(), bo.actor, bo.conv.ID); err != nil {
		t.Fatal(err)
	}
	if r := e.widgetUpload(t, key, bo, bo.conv.ID, "r-15", "a.pdf", pdf); r.status != 409 || r.code() != "conversation_closed" {
		t.Errorf("closed: %d %s", r.status, r.body)
	}
	// Another workspace's agent does not reach the conversation.
	bOwner := e.srv.Login(t, e.bAgent, e.bPasswd)
	q := url.Values{"client_msg_id": {"r-16"}, "name": {"a.pdf"}}
	if r := send(t, bOwner, "POST", e.srv.URL+"/api/v1/conversations/"+ann.conv.ID+"/files?"+q.Encode(), http.Header{"Origin": {e.srv.URL}},
		bytes.NewReader(pdf)); r.status != 404 || r.code() != "conversation_not_found" {
		t.Errorf("B's agent: %d %s", r.status, r.body)
	}
	// Attachments off.
	e.settings(t, workspace.SettingsPatch{FileMaxMB: ptr(-1)})
	if r := e.deskUpload(t, "agent", ann.conv.ID, "r-17", "a.pdf", bytes.NewReader(pdf)); r.status != 403 || r.code() != "files_disabled" {
		t.Errorf("files off: %d %s", r.status, r.body)
	}
	if e.files(t, ann.conv) != full {
		t.Fatalf("refusals stored something: %v", e.files(t, ann.conv))
	}
}

// TestWidgetFileOrigins: the widget's file routes answer only an origin
// the site allows, preflight included, and only with the site's key.
func TestWidgetFileOrigins(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ann := newFileVisitor(t, e, e.site)
	origins := []string{"https://shop.example"}
	if _, err := e.srv.App.Sites.Update(t.Context(), auth.Actor{WorkspaceID: e.site.WorkspaceID, AgentID: e.ids["{owner}"], Role: auth.Owner},
		e.site.ID, site.Input{AllowedOrigins: &origins}); err != nil {
		t.Fatal(err)
	}
	u := e.srv.URL + "/widget/v1/files?key=" + e.site.WidgetKey
	pre := send(t, e.as[""], "OPTIONS", u, http.Header{"Origin": {"https://shop.example"}, "Access-Control-Request-Method": {"POST"}}, nil)
	if pre.status != 204 || pre.header.Get("Access-Control-Allow-Origin") != "https://shop.example" ||
		!strings.Contains(pre.header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Fatalf("preflight: %d %v", pre.status, pre.header)
	}
	if r := send(t, e.as[""], "OPTIONS", u, http.Header{"Origin": {"https://evil.example"}}, nil); r.status != 403 || r.code() != "origin_not_allowed" ||
		r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("a foreign preflight: %d %v", r.status, r.header)
	}
	q := url.Values{"key": {e.site.WidgetKey}, "conversation_id": {ann.conv.ID}, "client_msg_id": {"o-1"}, "name": {"a.pdf"}}
	r := send(t, e.as[""], "POST", e.srv.URL+"/widget/v1/files?"+q.Encode(),
		http.Header{"Origin": {"https://evil.example"}, "Authorization": {"Bearer " + ann.token}}, bytes.NewReader(pdf))
	if r.status != 403 || r.code() != "origin_not_allowed" || e.files(t, ann.conv)[0] != 0 {
		t.Fatalf("an upload from a foreign origin: %d %s", r.status, r.body)
	}
}

// TestWidgetUploadLimit: a client address uploads at most
// -limit-ip-uploads files a minute.
func TestWidgetUploadLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, apptest.Configure(func(c *config.Config) {
		c.Limits.PerIP = true
		c.Limits.IPUploads = config.Rate{N: 2, Per: time.Minute}
	}))
	ann := newFileVisitor(t, e, e.site)
	for i := range 3 {
		r := e.widgetUpload(t, e.site.WidgetKey, ann, ann.conv.ID, fmt.Sprint("l-", i), "a.pdf", pdf)
		want := 201
		if i == 2 {
			want = 429
		}
		if r.status != want {
			t.Fatalf("upload %d: %d %s; want %d", i, r.status, r.body, want)
		}
		if i == 2 && (r.code() != "rate_limited" || r.header.Get("Retry-After") == "") {
			t.Fatalf("the refusal: %s %v", r.body, r.header)
		}
	}
	if n := e.files(t, ann.conv)[0]; n != 2 {
		t.Fatalf("files stored: %d, want 2", n)
	}
}

// TestFileRetries: a retry waits for an upload still moving and takes over
// one that stopped; a body shorter than declared, or a client_msg_id of
// another message, stores nothing.
func TestFileRetries(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	key := e.site.WidgetKey
	ann := newFileVisitor(t, e, e.site)

	// The first upload of "u-1" is being received (its row is written,
	// not complete): the retry is told to wait, and nothing is stored twice.
	_, err := e.srv.App.Store.CreateFile(ctx, store.File{WorkspaceID: ann.conv.WorkspaceID, ConversationID: ann.conv.ID, ClientMsgID: "u-1",
		AuthorType: store.AuthorVisitor, AuthorID: ann.actor.VisitorID, Name: "a.pdf", ContentType: "application/pdf"}, e.srv.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if r := e.widgetUpload(t, key, ann, ann.conv.ID, "u-1", "a.pdf", pdf); r.status != 409 || r.code() != "upload_in_progress" {
		t.Fatalf("a retry while the first is received: %d %s", r.status, r.body)
	}
	// It stopped (no chunk for a while): the retry starts over and wins.
	e.srv.Clock.Advance(file.StallAfter + time.Second)
	r := e.widgetUpload(t, key, ann, ann.conv.ID, "u-1", "a.pdf", pdf)
	if r.status != 201 || e.files(t, ann.conv)[0] != 1 {
		t.Fatalf("a retry after the first stopped: %d %s; files %v", r.status, r.body, e.files(t, ann.conv))
	}

	before := e.files(t, ann.conv)
	_, _, err = e.srv.App.Files.Upload(ctx, ann.actor, file.Upload{ConversationID: ann.conv.ID, ClientMsgID: "u-2", Name: "a.pdf",
		Length: int64(len(pdf)) + 10, Body: bytes.NewReader(pdf)})
	if apperr.From(err).Code != "incomplete_body" || e.files(t, ann.conv) != before {
		t.Fatalf("a body shorter than its length: %v; files %v", err, e.files(t, ann.conv))
	}
	if _, _, err := e.srv.App.Chat.Send(ctx, ann.actor, ann.conv.ID, "u-3", "hello"); err != nil {
		t.Fatal(err)
	}
	before = e.files(t, ann.conv)
	if r := e.widgetUpload(t, key, ann, ann.conv.ID, "u-3", "a.pdf", pdf); r.status != 409 || r.code() != "client_msg_id_taken" || e.files(t, ann.conv) != before {
		t.Fatalf("the id of a text: %d %s; files %v", r.status, r.body, e.files(t, ann.conv))
	}
}
