package whatsapp_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// fakeCloud is the WhatsApp Cloud API as these tests need it: the
// messages endpoint (recording each request, answering with scripted
// failures first), a business account's templates in two pages, and
// media. It follows the shapes Meta documents.
type fakeCloud struct {
	*httptest.Server
	token string

	mu      sync.Mutex
	sent    []sentRequest
	failing []fakeAnswer // answered to the next sends, in order
	n       int
	media   []uploaded
	flaky   int // media lookups of "flaky" answered 500 before one is served
}

type uploaded struct {
	Type, Name string
	Data       []byte
}

func (f *fakeCloud) uploads() []uploaded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]uploaded(nil), f.media...)
}

type sentRequest struct {
	PhoneNumberID string
	Body          map[string]any
}

type fakeAnswer struct {
	status int
	body   string
}

// pngBytes is a 1x1 PNG: what the fake serves as an image.
var pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")

func newFakeCloud(t *testing.T, token string) *fakeCloud {
	f := &fakeCloud{token: token}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeCloud) fail(status int, body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failing = append(f.failing, fakeAnswer{status, body})
}

func (f *fakeCloud) takeFlaky() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.flaky > 0 {
		f.flaky--
		return true
	}
	return false
}

func (f *fakeCloud) requests() []sentRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]sentRequest(nil), f.sent...)
}

func (f *fakeCloud) serve(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+f.token {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":{"message":"Error validating access token","type":"OAuthException","code":190,"fbtrace_id":"x"}}`)
		return
	}
	path := strings.Trim(r.URL.Path, "/")
	parts := strings.Split(path, "/")
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == http.MethodPost && len(parts) == 2 && parts[1] == "messages":
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		if len(f.failing) > 0 {
			a := f.failing[0]
			f.failing = f.failing[1:]
			w.WriteHeader(a.status)
			io.WriteString(w, a.body)
			return
		}
		f.sent = append(f.sent, sentRequest{PhoneNumberID: parts[0], Body: body})
		f.n++
		fmt.Fprintf(w, `{"messaging_product":"whatsapp","contacts":[{"input":%q,"wa_id":%q}],"messages":[{"id":"wamid.out.%d"}]}`,
			body["to"], body["to"], f.n)
	case r.Method == http.MethodPost && len(parts) == 2 && parts[1] == "media":
		if err := r.ParseMultipartForm(1 << 20); err != nil || r.FormValue("messaging_product") != "whatsapp" {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":{"message":"(#100) Invalid parameter","type":"OAuthException","code":100}}`)
			return
		}
		fh := r.MultipartForm.File["file"]
		if len(fh) != 1 {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		fd, _ := fh[0].Open()
		data, _ := io.ReadAll(fd)
		f.mu.Lock()
		defer f.mu.Unlock()
		f.media = append(f.media, uploaded{Type: r.FormValue("type"), Name: fh[0].Filename, Data: data})
		fmt.Fprintf(w, `{"id":"media.%d"}`, len(f.media))
	case r.Method == http.MethodGet && len(parts) == 2 && parts[1] == "message_templates":
		if r.URL.Query().Get("after") == "" {
			fmt.Fprintf(w, `{"data":[{"name":"order_update","parameter_format":"POSITIONAL","components":[
				{"type":"HEADER","format":"TEXT","text":"Your order"},
				{"type":"BODY","text":"Hello {{1}}, your order {{2}} has shipped.","example":{"body_text":[["Maya","#1042"]]}},
				{"type":"FOOTER","text":"Reply STOP to opt out"}],
				"language":"en_US","status":"APPROVED","category":"UTILITY","id":"1001"}],
				"paging":{"cursors":{"before":"b1","after":"c1"},"next":"%s/next"}}`, f.URL)
			return
		}
		io.WriteString(w, `{"data":[{"name":"follow_up","parameter_format":"NAMED","components":[
			{"type":"BODY","text":"Hi {{first_name}}, is there anything else we can do?","example":{"body_text_named_params":[{"param_name":"first_name","example":"Maya"}]}}],
			"language":"en","status":"APPROVED","category":"UTILITY","id":"1002"},
			{"name":"promo","components":[{"type":"BODY","text":"Sale!"}],"language":"en","status":"PENDING","category":"MARKETING","id":"1003"},
			{"name":"shipping_notice","components":[{"type":"HEADER","format":"TEXT","text":"Order {{1}}"},{"type":"BODY","text":"It ships {{2}} and {{1}}."}],
			 "language":"en","status":"APPROVED","category":"UTILITY","id":"1004"}],
			"paging":{"cursors":{"before":"b2","after":"c2"}}}`)
	case r.Method == http.MethodGet && len(parts) == 1 && parts[0] == "gone":
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"error":{"message":"(#100) Invalid parameter","type":"OAuthException","code":100,"fbtrace_id":"x"}}`)
	case r.Method == http.MethodGet && len(parts) == 1 && parts[0] == "flaky" && f.takeFlaky():
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, `{"error":{"message":"An unexpected error has occurred.","type":"OAuthException","code":2,"fbtrace_id":"x"}}`)
	case r.Method == http.MethodGet && len(parts) == 1:
		fmt.Fprintf(w, `{"messaging_product":"whatsapp","url":"%s/download/%s","mime_type":"image/png","sha256":"x","file_size":"%d","id":%q}`,
			f.URL, parts[0], len(pngBytes), parts[0])
	case r.Method == http.MethodGet && len(parts) == 2 && parts[0] == "download":
		w.Header().Set("Content-Type", "image/png")
		w.Write(pngBytes)
	default:
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"error":{"message":"Unknown path","type":"GraphMethodException","code":100}}`)
	}
}
