package whatsapp

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Cloud talks to the WhatsApp Cloud API (Meta's Graph API). BaseURL is
// the Graph API with its version, "https://graph.facebook.com/v24.0" by
// default (-whatsapp-api-url): tests and local development point it at a
// fake server.
type Cloud struct {
	BaseURL string
	HTTP    *http.Client
}

// DefaultAPIURL is the Graph API version Live Desk is written against.
const DefaultAPIURL = "https://graph.facebook.com/v24.0"

// Timeouts of the Graph API's calls: a JSON call, and a media upload or
// download (up to 100 MB).
const (
	CallTimeout  = 20 * time.Second
	MediaTimeout = 5 * time.Minute
)

// NewCloud returns a client of the Graph API at base. Each call bounds
// itself (CallTimeout, MediaTimeout); the transport bounds connecting
// and waiting for an answer's headers.
func NewCloud(base string) *Cloud {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ResponseHeaderTimeout = CallTimeout
	return &Cloud{BaseURL: strings.TrimSuffix(base, "/"), HTTP: &http.Client{
		Transport: tr,
		// A redirect from the Graph API is not expected; the bearer token
		// must not follow one elsewhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Number asks the Graph API for a phone number by its id: it answers a
// token with access to the number, and refuses any other.
func (c *Cloud) Number(ctx context.Context, token, phoneNumberID string) error {
	var ans struct {
		ID string `json:"id"`
	}
	return c.call(ctx, token, http.MethodGet, "/"+url.PathEscape(phoneNumberID)+"?fields=id,display_phone_number", nil, &ans)
}

// APIError is the Graph API's refusal: {"error": {"message", "type",
// "code", "error_subcode", "error_data": {"details"}, "fbtrace_id"}}, or
// a transport failure (Code 0).
type APIError struct {
	Status  int // HTTP status; 0 when no answer came
	Code    int
	Subcode int
	Message string
	Details string
}

func (e *APIError) Error() string {
	msg := e.Message
	if e.Details != "" {
		msg += ": " + e.Details
	}
	if e.Code != 0 {
		return fmt.Sprintf("whatsapp: %s (%d)", msg, e.Code)
	}
	return "whatsapp: " + msg
}

// Error codes the Cloud API documents that decide what the runner does.
const (
	CodeTokenInvalid   = 190    // the access token expired or was revoked: an admin must replace it
	CodeWindowClosed   = 131047 // re-engagement: more than 24 h since the customer's last message
	CodeRateLimited    = 130429 // throughput reached
	CodePairRateLimit  = 131056 // too many messages to one user
	CodeServiceFailure = 131000 // something went wrong at WhatsApp
	CodeUnavailable    = 131016 // service unavailable
	CodeTooManyCalls   = 80007  // business account rate limit
)

// Retryable reports whether the same request may succeed later: no
// answer, a 5xx or 429, or one of the codes WhatsApp documents as
// temporary. A 4xx otherwise is final for this message.
func (e *APIError) Retryable() bool {
	switch e.Code {
	case CodeRateLimited, CodePairRateLimit, CodeServiceFailure, CodeUnavailable, CodeTooManyCalls, 1, 2, 4:
		return true
	case CodeTokenInvalid:
		return true // held until the token is replaced, never dropped
	}
	return e.Status == 0 || e.Status >= 500 || e.Status == http.StatusTooManyRequests
}

// TokenInvalid reports whether the token itself was refused.
func (e *APIError) TokenInvalid() bool {
	return e.Code == CodeTokenInvalid || e.Status == http.StatusUnauthorized
}

// call sends one request with a JSON body (nil: none) and the bearer
// token, and decodes the answer into out.
func (c *Cloud) call(ctx context.Context, token, method, path string, body, out any) error {
	var (
		rd    io.Reader
		ctype string
	)
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("whatsapp: encode request: %w", err)
		}
		rd, ctype = bytes.NewReader(b), "application/json"
	}
	ctx, cancel := context.WithTimeout(ctx, CallTimeout)
	defer cancel()
	return c.do(ctx, token, method, path, rd, ctype, out)
}

// do sends one request with the bearer token and decodes the answer
// into out: the Graph API's error shape into an *APIError.
func (c *Cloud) do(ctx context.Context, token, method, path string, body io.Reader, ctype string, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, body)
	if err != nil {
		return fmt.Errorf("whatsapp: request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// The error names the URL, never the token (it is in a header).
		return &APIError{Message: "no answer from the Graph API: " + err.Error()}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return &APIError{Status: resp.StatusCode, Message: "reading the Graph API's answer: " + err.Error()}
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error struct {
				Message   string `json:"message"`
				Code      int    `json:"code"`
				Subcode   int    `json:"error_subcode"`
				ErrorData struct {
					Details string `json:"details"`
				} `json:"error_data"`
			} `json:"error"`
		}
		ae := &APIError{Status: resp.StatusCode, Message: http.StatusText(resp.StatusCode)}
		if json.Unmarshal(raw, &e) == nil && e.Error.Message != "" {
			ae.Code, ae.Subcode, ae.Message, ae.Details = e.Error.Code, e.Error.Subcode, e.Error.Message, e.Error.ErrorData.Details
		}
		return ae
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return &APIError{Status: resp.StatusCode, Message: "an answer that is not the documented JSON: " + err.Error()}
	}
	return nil
}

// sendAnswer is the messages endpoint's answer.
type sendAnswer struct {
	Messages []struct {
		ID string `json:"id"`
	} `json:"messages"`
}

func (c *Cloud) send(ctx context.Context, token, phoneNumberID string, msg map[string]any) (string, error) {
	msg["messaging_product"] = "whatsapp"
	msg["recipient_type"] = "individual"
	var ans sendAnswer
	if err := c.call(ctx, token, http.MethodPost, "/"+url.PathEscape(phoneNumberID)+"/messages", msg, &ans); err != nil {
		return "", err
	}
	if len(ans.Messages) == 0 || ans.Messages[0].ID == "" {
		return "", &APIError{Status: http.StatusOK, Message: "the Graph API accepted the message but gave no id"}
	}
	return ans.Messages[0].ID, nil
}

// SendText sends free text to a user (to: the phone or user id) and
// returns WhatsApp's message id. Links get a preview.
func (c *Cloud) SendText(ctx context.Context, token, phoneNumberID, to, body string) (string, error) {
	return c.send(ctx, token, phoneNumberID, map[string]any{
		"to": to, "type": "text", "text": map[string]any{"preview_url": true, "body": body},
	})
}

// SendTemplate sends an approved template with its body's variables.
// Positional templates take values in order; named ones name each.
func (c *Cloud) SendTemplate(ctx context.Context, token, phoneNumberID, to string, t Template, values map[string]string) (string, error) {
	tpl := map[string]any{"name": t.Name, "language": map[string]any{"code": t.Language}}
	if len(t.Params) > 0 {
		params := make([]map[string]any, 0, len(t.Params))
		for _, p := range t.Params {
			v := map[string]any{"type": "text", "text": values[p]}
			if t.ParameterFormat == FormatNamed {
				v["parameter_name"] = p
			}
			params = append(params, v)
		}
		tpl["components"] = []map[string]any{{"type": "body", "parameters": params}}
	}
	return c.send(ctx, token, phoneNumberID, map[string]any{"to": to, "type": "template", "template": tpl})
}

// UploadMedia uploads a file to the number's media store
// (POST /{phone-number-id}/media, multipart) and returns its media id,
// which a message then names. WhatsApp keeps it 30 days.
func (c *Cloud) UploadMedia(ctx context.Context, token, phoneNumberID, name, mime string, content io.Reader) (string, error) {
	body, w := io.Pipe()
	mw := multipart.NewWriter(w)
	go func() {
		err := mw.WriteField("messaging_product", "whatsapp")
		if err == nil {
			err = mw.WriteField("type", mime)
		}
		if err == nil {
			h := textproto.MIMEHeader{}
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, name))
			h.Set("Content-Type", mime)
			var part io.Writer
			if part, err = mw.CreatePart(h); err == nil {
				_, err = io.Copy(part, content)
			}
		}
		if err == nil {
			err = mw.Close()
		}
		w.CloseWithError(err)
	}()
	var ans struct {
		ID string `json:"id"`
	}
	ctx, cancel := context.WithTimeout(ctx, MediaTimeout)
	defer cancel()
	err := c.do(ctx, token, http.MethodPost, "/"+url.PathEscape(phoneNumberID)+"/media", body, mw.FormDataContentType(), &ans)
	body.Close() // ends the writer if the request stopped reading
	if err != nil {
		return "", err
	}
	if ans.ID == "" {
		return "", &APIError{Status: http.StatusOK, Message: "the Graph API took the media but gave no id"}
	}
	return ans.ID, nil
}

// SendMedia sends an uploaded file as kind ("image", "audio", "video" or
// "document"; a document keeps its file name).
func (c *Cloud) SendMedia(ctx context.Context, token, phoneNumberID, to, kind, mediaID, filename string) (string, error) {
	media := map[string]any{"id": mediaID}
	if kind == "document" && filename != "" {
		media["filename"] = filename
	}
	return c.send(ctx, token, phoneNumberID, map[string]any{"to": to, "type": kind, kind: media})
}

// mediaKind is how WhatsApp takes a file of this content type, and the
// largest it takes (its documented limits); any other type goes as a
// document.
func mediaKind(mime string) (kind string, max int64) {
	mime, _, _ = strings.Cut(mime, ";")
	switch strings.TrimSpace(strings.ToLower(mime)) {
	case "image/jpeg", "image/png":
		return "image", 5 << 20
	case "audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg":
		return "audio", 16 << 20
	case "video/mp4", "video/3gpp":
		return "video", 16 << 20
	}
	return "document", 100 << 20
}

// Template is a message template as the Graph API lists it, reduced to
// what Live Desk sends: the body's text and variables (a header, footer
// and buttons are shown, their variables are not filled).
type Template struct {
	ID              string
	Name            string
	Language        string
	Category        string
	Status          string
	ParameterFormat string
	Header, Body    string
	Footer          string
	Params          []string
	Examples        []string
	// Unsupported says why the desk cannot send it; "" when it can.
	Unsupported string
}

// Template parameter formats.
const (
	FormatPositional = "positional"
	FormatNamed      = "named"
)

// variable finds {{1}} or {{first_name}} in a template's text.
var variable = regexp.MustCompile(`\{\{\s*([A-Za-z0-9_]+)\s*\}\}`)

// Templates lists a business account's message templates, every page.
func (c *Cloud) Templates(ctx context.Context, token, businessAccountID string) ([]Template, error) {
	type component struct {
		Type    string `json:"type"`
		Format  string `json:"format"`
		Text    string `json:"text"`
		Buttons []struct {
			Type string `json:"type"`
			URL  string `json:"url"`
		} `json:"buttons"`
		Example struct {
			BodyText      [][]string `json:"body_text"`
			BodyTextNamed []struct {
				ParamName string `json:"param_name"`
				Example   string `json:"example"`
			} `json:"body_text_named_params"`
		} `json:"example"`
	}
	type page struct {
		Data []struct {
			ID              string      `json:"id"`
			Name            string      `json:"name"`
			Language        string      `json:"language"`
			Status          string      `json:"status"`
			Category        string      `json:"category"`
			ParameterFormat string      `json:"parameter_format"`
			Components      []component `json:"components"`
		} `json:"data"`
		Paging struct {
			Cursors struct {
				After string `json:"after"`
			} `json:"cursors"`
			Next string `json:"next"`
		} `json:"paging"`
	}
	var out []Template
	after := ""
	for range 50 { // 50 pages of 100: far more templates than an account may have
		q := url.Values{"limit": {"100"}, "fields": {"id,name,language,status,category,parameter_format,components"}}
		if after != "" {
			q.Set("after", after)
		}
		var p page
		if err := c.call(ctx, token, http.MethodGet, "/"+url.PathEscape(businessAccountID)+"/message_templates?"+q.Encode(), nil, &p); err != nil {
			return nil, err
		}
		for _, d := range p.Data {
			t := Template{ID: d.ID, Name: d.Name, Language: d.Language, Status: d.Status, Category: d.Category,
				ParameterFormat: strings.ToLower(d.ParameterFormat)}
			if t.ParameterFormat != FormatNamed {
				t.ParameterFormat = FormatPositional
			}
			for _, comp := range d.Components {
				switch strings.ToUpper(comp.Type) {
				case "HEADER":
					switch {
					case !strings.EqualFold(comp.Format, "TEXT") && comp.Format != "":
						t.Unsupported = "a " + strings.ToLower(comp.Format) + " header"
					case variable.MatchString(comp.Text):
						t.Unsupported = "a variable in its header"
					}
					t.Header = comp.Text
				case "BUTTONS":
					for _, b := range comp.Buttons {
						if variable.MatchString(b.URL) {
							t.Unsupported = "a variable in a button"
						}
					}
				case "BODY":
					t.Body = comp.Text
					for _, m := range variable.FindAllStringSubmatch(comp.Text, -1) {
						if !slices.Contains(t.Params, m[1]) {
							t.Params = append(t.Params, m[1])
						}
					}
					if t.ParameterFormat == FormatPositional {
						// {{1}}, {{2}} … are sent in their numbers' order,
						// whatever order the text has them in.
						slices.SortFunc(t.Params, func(a, b string) int { return cmp.Compare(atoi(a), atoi(b)) })
					}
					if len(comp.Example.BodyText) > 0 {
						t.Examples = comp.Example.BodyText[0]
					}
					for _, n := range comp.Example.BodyTextNamed {
						t.Examples = append(t.Examples, n.Example)
					}
				case "FOOTER":
					t.Footer = comp.Text
				}
			}
			out = append(out, t)
		}
		if p.Paging.Next == "" || p.Paging.Cursors.After == "" {
			return out, nil
		}
		after = p.Paging.Cursors.After
	}
	return out, errors.New("whatsapp: templates: more than 50 pages")
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 1 << 30 // a name among numbers sorts last
	}
	return n
}

// Render is a template's body with values in place of its variables:
// the text the conversation keeps of a template sent.
func Render(body string, values map[string]string) string {
	return variable.ReplaceAllStringFunc(body, func(m string) string {
		return values[variable.FindStringSubmatch(m)[1]]
	})
}
