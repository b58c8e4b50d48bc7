package whatsapp_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/querytel/livedesk/internal/app/apptest"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/config"
	"github.com/querytel/livedesk/internal/offhours"
	"github.com/querytel/livedesk/internal/store"
	"github.com/querytel/livedesk/internal/whatsapp"
)

const (
	token     = "EAAG-test-access-token-0123456789"
	appSecret = "app-secret-0123456789abcdef"
	numberID  = "1234567890"
	customer  = "15551234567"
)

// rig is a server with one connected WhatsApp number, talking to a fake
// Cloud API.
type rig struct {
	srv    *apptest.Server
	cloud  *fakeCloud
	owner  *http.Client
	site   string
	verify string
	n      int
}

func setup(t *testing.T, opts ...apptest.Option) *rig {
	t.Helper()
	cloud := newFakeCloud(t, token)
	srv := apptest.New(t, append(opts, apptest.Configure(func(c *config.Config) { c.WhatsAppAPIURL = cloud.URL }))...)
	r := &rig{srv: srv, cloud: cloud, owner: srv.Admin(t)}
	code, raw := srv.Do(t, r.owner, "POST", "/api/v1/whatsapp/channels", map[string]any{"name": "Support on WhatsApp",
		"phone_number_id": numberID, "business_account_id": "5550001", "display_phone_number": "+1 555 0100",
		"access_token": token, "app_secret": appSecret})
	if code != http.StatusCreated {
		t.Fatalf("connect: %d %s", code, raw)
	}
	var made struct {
		Channel struct {
			ID         string `json:"id"`
			WebhookURL string `json:"webhook_url"`
			Status     string `json:"status"`
		} `json:"channel"`
		VerifyToken string `json:"verify_token"`
	}
	if err := json.Unmarshal(raw, &made); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{token, appSecret} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Fatalf("the answer shows a secret: %s", raw)
		}
	}
	if made.Channel.Status != "connected" || made.Channel.WebhookURL != srv.URL+"/api/v1/whatsapp/webhook/"+made.Channel.ID || made.VerifyToken == "" {
		t.Fatalf("channel: %s", raw)
	}
	r.site, r.verify = made.Channel.ID, made.VerifyToken
	return r
}

// post sends a webhook body signed with sig ("" signs it right).
func (r *rig) post(t *testing.T, body []byte, sig string) (int, []byte) {
	t.Helper()
	if sig == "" {
		sig = whatsapp.Signature(appSecret, body)
	}
	req, err := http.NewRequest("POST", r.srv.URL+"/api/v1/whatsapp/webhook/"+r.site, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Hub-Signature-256", sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// envelope wraps messages and statuses as the Cloud API's webhook does.
func envelope(messages, statuses []map[string]any) []byte {
	value := map[string]any{"messaging_product": "whatsapp",
		"metadata": map[string]any{"display_phone_number": "15550100", "phone_number_id": numberID}}
	if messages != nil {
		value["contacts"] = []any{map[string]any{"profile": map[string]any{"name": "Maya Lopez"}, "wa_id": customer}}
		value["messages"] = messages
	}
	if statuses != nil {
		value["statuses"] = statuses
	}
	b, _ := json.Marshal(map[string]any{"object": "whatsapp_business_account", "entry": []any{map[string]any{"id": "5550001",
		"changes": []any{map[string]any{"field": "messages", "value": value}}}}})
	return b
}

// text is a customer's text message, sent at the server's now.
func (r *rig) text(body string) map[string]any {
	r.n++
	return map[string]any{"from": customer, "id": fmt.Sprintf("wamid.in.%d", r.n), "timestamp": fmt.Sprint(r.srv.Clock.Now().Unix()),
		"type": "text", "text": map[string]any{"body": body}}
}

// say posts a customer's text and fails unless it is taken.
func (r *rig) say(t *testing.T, body string) {
	t.Helper()
	if code, raw := r.post(t, envelope([]map[string]any{r.text(body)}, nil), ""); code != http.StatusOK {
		t.Fatalf("webhook: %d %s", code, raw)
	}
}

// conversation is the number's one open conversation.
func (r *rig) conversation(t *testing.T) store.Conversation {
	t.Helper()
	code, raw := r.srv.Do(t, r.owner, "GET", "/api/v1/conversations?site_id="+r.site, nil)
	if code != http.StatusOK {
		t.Fatalf("conversations: %d %s", code, raw)
	}
	list := apptest.Decode[struct {
		Items []store.Conversation `json:"items"`
	}](t, raw)
	var mine []store.Conversation
	for _, c := range list.Items {
		if c.SiteID == r.site {
			mine = append(mine, c)
		}
	}
	if len(mine) != 1 {
		t.Fatalf("%d conversations of the number: %s", len(mine), raw)
	}
	return mine[0]
}

func (r *rig) messages(t *testing.T, conv string) []store.Message {
	t.Helper()
	code, raw := r.srv.Do(t, r.owner, "GET", "/api/v1/conversations/"+conv+"/messages", nil)
	if code != http.StatusOK {
		t.Fatalf("messages: %d %s", code, raw)
	}
	return apptest.Decode[struct {
		Items []store.Message `json:"items"`
	}](t, raw).Items
}

// pass runs the outbound runner once, as its loop would.
func (r *rig) pass(t *testing.T) {
	t.Helper()
	for {
		n, err := r.srv.App.WhatsApp.Pass(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

// texts are the bodies of the free-text messages the fake received.
func (r *rig) texts() []string {
	var out []string
	for _, s := range r.cloud.requests() {
		if s.Body["type"] == "text" {
			out = append(out, s.Body["text"].(map[string]any)["body"].(string))
		}
	}
	return out
}

func (r *rig) reply(t *testing.T, conv, id, text string) (int, []byte) {
	t.Helper()
	return r.srv.Do(t, r.owner, "POST", "/api/v1/conversations/"+conv+"/messages", map[string]any{"client_msg_id": id, "text": text})
}

func (r *rig) state(t *testing.T, conv string) whatsapp.State {
	t.Helper()
	code, raw := r.srv.Do(t, r.owner, "GET", "/api/v1/conversations/"+conv+"/whatsapp", nil)
	if code != http.StatusOK {
		t.Fatalf("state: %d %s", code, raw)
	}
	return apptest.Decode[struct {
		WhatsApp whatsapp.State `json:"whatsapp"`
	}](t, raw).WhatsApp
}

func errCode(t *testing.T, raw []byte) string {
	t.Helper()
	return apptest.Decode[struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}](t, raw).Error.Code
}

// TestWebhookHandshakeAndSignature: WhatsApp's verification GET gets its
// challenge back only with the channel's verify token; a POST whose
// signature does not match the app secret is refused and stores
// nothing; a signed one is stored as the customer's message, from a
// contact found by the phone number.
func TestWebhookHandshakeAndSignature(t *testing.T) {
	eachDatabase(t, testWebhookHandshakeAndSignature)
}

func testWebhookHandshakeAndSignature(t *testing.T, opts ...apptest.Option) {
	r := setup(t, opts...)
	get := func(site, token string) (int, string) {
		q := url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {token}, "hub.challenge": {"1158201444"}}
		resp, err := http.Get(r.srv.URL + "/api/v1/whatsapp/webhook/" + site + "?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get(r.site, r.verify); code != http.StatusOK || body != "1158201444" {
		t.Fatalf("handshake: %d %q", code, body)
	}
	if code, _ := get(r.site, r.verify+"x"); code != http.StatusForbidden {
		t.Fatalf("a wrong verify token: %d", code)
	}
	if code, _ := get("no-such-site", r.verify); code != http.StatusNotFound {
		t.Fatalf("an unknown channel: %d", code)
	}

	body := envelope([]map[string]any{r.text("hello from WhatsApp")}, nil)
	for name, sig := range map[string]string{
		"none":            "none",
		"another secret":  whatsapp.Signature("another-secret-0123456789", body),
		"another body":    whatsapp.Signature(appSecret, append(bytes.Clone(body), ' ')),
		"the hex, no tag": strings.TrimPrefix(whatsapp.Signature(appSecret, body), "sha256="),
	} {
		if code, raw := r.post(t, body, sig); code != http.StatusUnauthorized || errCode(t, raw) != "bad_signature" {
			t.Fatalf("%s: %d %s", name, code, raw)
		}
	}
	if code, raw := r.srv.Do(t, r.owner, "GET", "/api/v1/conversations?site_id="+r.site, nil); code != http.StatusOK || strings.Contains(string(raw), r.site) {
		t.Fatalf("a refused webhook stored something: %s", raw)
	}
	if code, raw := r.post(t, []byte(`{"object":"page"}`), ""); code != http.StatusBadRequest || errCode(t, raw) != "invalid_payload" {
		t.Fatalf("another object: %d %s", code, raw)
	}

	if code, raw := r.post(t, body, ""); code != http.StatusOK {
		t.Fatalf("signed: %d %s", code, raw)
	}
	c := r.conversation(t)
	ms := r.messages(t, c.ID)
	if len(ms) != 1 || ms[0].Body != "hello from WhatsApp" || ms[0].AuthorType != store.AuthorVisitor {
		t.Fatalf("messages: %+v", ms)
	}
	code, raw := r.srv.Do(t, r.owner, "GET", "/api/v1/contacts?q=Maya", nil)
	if code != http.StatusOK || !strings.Contains(string(raw), `"phone":"+15551234567"`) || c.ContactID == "" {
		t.Fatalf("the contact by phone: %d %s (conversation's contact %q)", code, raw, c.ContactID)
	}
}

// TestWebhookRetriedIsStoredOnce: WhatsApp sends the same webhook again
// (it retries until it gets a 200, for days): its message is stored
// once, in one conversation of one contact.
func TestWebhookRetriedIsStoredOnce(t *testing.T) { eachDatabase(t, testWebhookRetriedIsStoredOnce) }

func testWebhookRetriedIsStoredOnce(t *testing.T, opts ...apptest.Option) {
	r := setup(t, opts...)
	body := envelope([]map[string]any{r.text("where is my order?"), r.text("it was due Monday")}, nil)
	for range 3 {
		if code, raw := r.post(t, body, ""); code != http.StatusOK {
			t.Fatalf("webhook: %d %s", code, raw)
		}
	}
	c := r.conversation(t)
	var bodies []string
	for _, m := range r.messages(t, c.ID) {
		bodies = append(bodies, m.Body)
	}
	if !slices.Equal(bodies, []string{"where is my order?", "it was due Monday"}) {
		t.Fatalf("messages: %q", bodies)
	}
	_, raw := r.srv.Do(t, r.owner, "GET", "/api/v1/contacts?q=Maya", nil)
	if n := strings.Count(string(raw), `"phone":"+15551234567"`); n != 1 {
		t.Fatalf("%d contacts: %s", n, raw)
	}
	// Retried once more after the chat was closed: still not stored (it
	// would start a new chat), since the wamid is known.
	if code, raw := r.srv.Do(t, r.owner, "POST", "/api/v1/conversations/"+c.ID+"/status", map[string]any{"status": "closed"}); code != http.StatusOK {
		t.Fatalf("close: %d %s", code, raw)
	}
	if code, raw := r.post(t, body, ""); code != http.StatusOK {
		t.Fatalf("webhook: %d %s", code, raw)
	}
	_, raw = r.srv.Do(t, r.owner, "GET", "/api/v1/conversations?site_id="+r.site, nil)
	if n := strings.Count(string(raw), `"site_id":"`+r.site+`"`); n != 1 {
		t.Fatalf("%d conversations after a retry: %s", n, raw)
	}
}

// TestWindowAndTemplates: an agent's free text goes out within 24 hours
// of the customer's last message (at 23:59) and is refused after it (at
// 24:01) with whatsapp_window_closed, storing nothing; then an approved
// template, synced from the account, goes out with its variables.
func TestWindowAndTemplates(t *testing.T) { eachDatabase(t, testWindowAndTemplates) }

func testWindowAndTemplates(t *testing.T, opts ...apptest.Option) {
	r := setup(t, opts...)
	r.say(t, "hi, my parcel never came")
	c := r.conversation(t)
	last := r.srv.Clock.Now()
	if st := r.state(t, c.ID); st.WindowExpires == nil || !st.WindowExpires.Equal(last.Add(24*time.Hour).Truncate(time.Second)) || st.To != "+"+customer || !st.Connected {
		t.Fatalf("state: %+v", st)
	}

	r.srv.Clock.Advance(23*time.Hour + 59*time.Minute)
	if code, raw := r.reply(t, c.ID, "agent-1", "Sorry about that, checking now."); code != http.StatusCreated {
		t.Fatalf("at 23:59: %d %s", code, raw)
	}
	r.pass(t)
	if got := r.texts(); !slices.Equal(got, []string{"Sorry about that, checking now."}) {
		t.Fatalf("sent: %q", got)
	}
	if req := r.cloud.requests()[0]; req.PhoneNumberID != numberID || req.Body["to"] != customer || req.Body["messaging_product"] != "whatsapp" ||
		req.Body["recipient_type"] != "individual" {
		t.Fatalf("request: %+v", req)
	}

	r.srv.Clock.Advance(2 * time.Minute)
	before := len(r.messages(t, c.ID))
	code, raw := r.reply(t, c.ID, "agent-2", "Are you still there?")
	if code != http.StatusConflict || errCode(t, raw) != "whatsapp_window_closed" {
		t.Fatalf("at 24:01: %d %s", code, raw)
	}
	if after := len(r.messages(t, c.ID)); after != before {
		t.Fatalf("a refused message was stored: %d → %d", before, after)
	}
	// The retry of a message stored in time is still that message.
	if code, raw := r.reply(t, c.ID, "agent-1", "Sorry about that, checking now."); code != http.StatusOK {
		t.Fatalf("a retry after the window closed: %d %s", code, raw)
	}

	// Templates: synced (two pages), listed, sent.
	code, raw = r.srv.Do(t, r.owner, "POST", "/api/v1/whatsapp/channels/"+r.site+"/templates/sync", nil)
	if code != http.StatusOK {
		t.Fatalf("sync: %d %s", code, raw)
	}
	ts := apptest.Decode[struct {
		Items []store.WhatsAppTemplate `json:"items"`
	}](t, raw).Items
	if len(ts) != 4 || ts[0].Name != "follow_up" || ts[1].Name != "order_update" || !slices.Equal(ts[1].Params, []string{"1", "2"}) ||
		ts[1].Header != "Your order" || ts[0].ParameterFormat != "named" || !slices.Equal(ts[0].Params, []string{"first_name"}) ||
		ts[1].Unsupported != "" || ts[3].Unsupported != "a variable in its header" || !slices.Equal(ts[3].Params, []string{"1", "2"}) {
		t.Fatalf("templates: %s", raw)
	}
	send := func(id string, params map[string]string) (int, []byte) {
		return r.srv.Do(t, r.owner, "POST", "/api/v1/conversations/"+c.ID+"/whatsapp/template",
			map[string]any{"client_msg_id": "tpl-" + id + fmt.Sprint(len(params)), "template_id": id, "params": params})
	}
	for _, tc := range []struct {
		id     string
		params map[string]string
		status int
		code   string
	}{
		{"1001", map[string]string{"1": "Maya"}, 400, "missing_param"},
		{"1001", map[string]string{"1": "Maya", "2": "a\nb"}, 400, "invalid_param"},
		{"1001", map[string]string{"1": "Maya", "2": "#1042", "3": "x"}, 400, "unknown_param"},
		{"1003", map[string]string{}, 409, "template_not_approved"},
		{"1004", map[string]string{"1": "#1042", "2": "today"}, 409, "template_unsupported"},
		{"9999", map[string]string{}, 404, "template_not_found"},
	} {
		if code, raw := send(tc.id, tc.params); code != tc.status || errCode(t, raw) != tc.code {
			t.Fatalf("%s %v: %d %s", tc.id, tc.params, code, raw)
		}
	}
	code, raw = send("1001", map[string]string{"1": "Maya", "2": "#1042"})
	if code != http.StatusCreated {
		t.Fatalf("template: %d %s", code, raw)
	}
	m := apptest.Decode[struct {
		Message store.Message `json:"message"`
	}](t, raw).Message
	if m.Body != "Your order\n\nHello Maya, your order #1042 has shipped." {
		t.Fatalf("the conversation shows %q", m.Body)
	}
	if code, raw := send("1002", map[string]string{"first_name": "Maya"}); code != http.StatusCreated {
		t.Fatalf("named template: %d %s", code, raw)
	}
	r.pass(t)
	reqs := r.cloud.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests", len(reqs))
	}
	want := []string{
		`{"language":{"code":"en_US"},"name":"order_update","components":[{"parameters":[{"text":"Maya","type":"text"},{"text":"#1042","type":"text"}],"type":"body"}]}`,
		`{"language":{"code":"en"},"name":"follow_up","components":[{"parameters":[{"parameter_name":"first_name","text":"Maya","type":"text"}],"type":"body"}]}`,
	}
	for i, w := range want {
		var wantTpl, gotTpl any
		json.Unmarshal([]byte(w), &wantTpl)
		b, _ := json.Marshal(reqs[i+1].Body["template"])
		json.Unmarshal(b, &gotTpl)
		if reqs[i+1].Body["type"] != "template" || fmt.Sprint(gotTpl) != fmt.Sprint(wantTpl) {
			t.Fatalf("template request %d: %s", i, b)
		}
	}
	// A customer's new message opens the window again.
	r.say(t, "thanks!")
	if code, raw := r.reply(t, c.ID, "agent-3", "You're welcome."); code != http.StatusCreated {
		t.Fatalf("after the customer wrote again: %d %s", code, raw)
	}
}

// TestAgentFiles: an agent's files go to the customer as WhatsApp takes
// them: an image as an image, a PDF as a document with its name, each
// uploaded to the number's media first; after the window a file is
// refused like text.
func TestAgentFiles(t *testing.T) { eachDatabase(t, testAgentFiles) }

func testAgentFiles(t *testing.T, opts ...apptest.Option) {
	r := setup(t, opts...)
	r.say(t, "can you send the invoice?")
	c := r.conversation(t)
	pdf := []byte("%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n")
	upload := func(id, name string, data []byte) (int, []byte) {
		req := r.srv.NewRequest(t, "POST", "/api/v1/conversations/"+c.ID+"/files?client_msg_id="+id+"&name="+url.QueryEscape(name), nil)
		req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(data)), int64(len(data))
		return r.srv.Send(t, r.owner, req)
	}
	if code, raw := upload("f1", "photo.png", pngBytes); code != http.StatusCreated {
		t.Fatalf("image: %d %s", code, raw)
	}
	if code, raw := upload("f2", "invoice 1042.pdf", pdf); code != http.StatusCreated {
		t.Fatalf("pdf: %d %s", code, raw)
	}
	r.pass(t)
	up := r.cloud.uploads()
	if len(up) != 2 || up[0].Type != "image/png" || !bytes.Equal(up[0].Data, pngBytes) || up[1].Type != "application/pdf" ||
		up[1].Name != "invoice 1042.pdf" || !bytes.Equal(up[1].Data, pdf) {
		t.Fatalf("uploads: %+v", up)
	}
	reqs := r.cloud.requests()
	if len(reqs) != 2 || reqs[0].Body["type"] != "image" || fmt.Sprint(reqs[0].Body["image"]) != "map[id:media.1]" ||
		reqs[1].Body["type"] != "document" || fmt.Sprint(reqs[1].Body["document"]) != "map[filename:invoice 1042.pdf id:media.2]" {
		t.Fatalf("sent: %+v", reqs)
	}
	r.srv.Clock.Advance(24*time.Hour + time.Minute)
	if code, raw := upload("f3", "late.png", pngBytes); code != http.StatusConflict || errCode(t, raw) != "whatsapp_window_closed" {
		t.Fatalf("a file after the window: %d %s", code, raw)
	}
}

// TestDeliveryStates: the states WhatsApp reports move the message's
// state and the conversation's customer markers (what the desk's ticks
// show), never backwards; a failure shows WhatsApp's reason.
func TestDeliveryStates(t *testing.T) { eachDatabase(t, testDeliveryStates) }

func testDeliveryStates(t *testing.T, opts ...apptest.Option) {
	r := setup(t, opts...)
	r.say(t, "hello")
	c := r.conversation(t)
	for i, text := range []string{"Hi Maya!", "How can I help?"} {
		if code, raw := r.reply(t, c.ID, fmt.Sprint("a", i), text); code != http.StatusCreated {
			t.Fatalf("reply: %d %s", code, raw)
		}
	}
	if st := r.state(t, c.ID); len(st.Statuses) != 2 || st.Statuses[0].Status != "queued" {
		t.Fatalf("before sending: %+v", st.Statuses)
	}
	r.pass(t)
	st := r.state(t, c.ID)
	if len(st.Statuses) != 2 || st.Statuses[0].Status != "sent" || st.Statuses[1].Status != "sent" {
		t.Fatalf("after sending: %+v", st.Statuses)
	}
	first, second := st.Statuses[0].Seq, st.Statuses[1].Seq
	status := func(id, s string, errs ...map[string]any) map[string]any {
		m := map[string]any{"id": id, "status": s, "timestamp": fmt.Sprint(r.srv.Clock.Now().Unix()), "recipient_id": customer}
		if id == "wamid.someone-elses" {
			m["timestamp"] = fmt.Sprint(r.srv.Clock.Now().Add(-10 * time.Minute).Unix()) // old: let go
		}
		if errs != nil {
			m["errors"] = errs
		}
		return m
	}
	// Read comes before delivered (webhooks arrive out of order).
	body := envelope(nil, []map[string]any{status("wamid.out.1", "read"), status("wamid.out.1", "delivered"),
		status("wamid.out.2", "failed", map[string]any{"code": 131026, "title": "Message undeliverable",
			"message": "Message undeliverable", "error_data": map[string]any{"details": "the number is not on WhatsApp"}}),
		status("wamid.someone-elses", "delivered")})
	if code, raw := r.post(t, body, ""); code != http.StatusOK {
		t.Fatalf("statuses: %d %s", code, raw)
	}
	st = r.state(t, c.ID)
	if st.Statuses[0].Status != "read" || st.Statuses[1].Status != "failed" || st.Statuses[1].ErrorCode != 131026 ||
		st.Statuses[1].Error != "Message undeliverable: the number is not on WhatsApp" {
		t.Fatalf("states: %+v", st.Statuses)
	}
	got := r.conversation(t)
	if got.VisitorReadSeq != first || got.VisitorDeliveredSeq != first {
		t.Fatalf("markers: read %d delivered %d, want %d (second %d)", got.VisitorReadSeq, got.VisitorDeliveredSeq, first, second)
	}

	// A state that comes before its message's id is stored (the runner
	// stores it a moment after the Graph API gave it) is asked for again,
	// not lost.
	early := envelope(nil, []map[string]any{status("wamid.out.3", "delivered")})
	if code, raw := r.post(t, early, ""); code != http.StatusServiceUnavailable || errCode(t, raw) != "status_before_message" {
		t.Fatalf("an early status: %d %s", code, raw)
	}
	r.reply(t, c.ID, "a3", "Anything else?")
	r.pass(t)
	if code, raw := r.post(t, early, ""); code != http.StatusOK {
		t.Fatalf("the early status again: %d %s", code, raw)
	}
	if st := r.state(t, c.ID); st.Statuses[2].Status != "delivered" || r.conversation(t).VisitorDeliveredSeq != st.Statuses[2].Seq {
		t.Fatalf("after the early status: %+v", st.Statuses)
	}
}

// TestOutboundRetries: a 500 from the Graph API leaves the message
// queued and it goes out, once, on the retry after the backoff; a final
// refusal marks it failed with the reason and the next one still goes.
// A refused token marks the channel for its admins.
func TestOutboundRetries(t *testing.T) { eachDatabase(t, testOutboundRetries) }

func testOutboundRetries(t *testing.T, opts ...apptest.Option) {
	r := setup(t, opts...)
	r.say(t, "hello")
	c := r.conversation(t)
	r.cloud.fail(500, `{"error":{"message":"An unknown error occurred","type":"OAuthException","code":1,"fbtrace_id":"x"}}`)
	r.reply(t, c.ID, "r1", "First answer")
	r.pass(t)
	if len(r.texts()) != 0 || r.state(t, c.ID).Statuses[0].Status != "queued" {
		t.Fatalf("after a 500: %q", r.texts())
	}
	r.srv.Clock.Advance(5 * time.Second)
	r.pass(t)
	if len(r.texts()) != 0 {
		t.Fatalf("retried before the backoff: %q", r.texts())
	}
	r.srv.Clock.Advance(5 * time.Second)
	r.pass(t)
	r.pass(t)
	if got := r.texts(); !slices.Equal(got, []string{"First answer"}) {
		t.Fatalf("after the backoff: %q", got)
	}

	r.cloud.fail(400, `{"error":{"message":"(#131026) Message undeliverable","type":"OAuthException","code":131026,"fbtrace_id":"x"}}`)
	r.reply(t, c.ID, "r2", "Second answer")
	r.reply(t, c.ID, "r3", "Third answer")
	r.pass(t)
	st := r.state(t, c.ID)
	if got := r.texts(); !slices.Equal(got, []string{"First answer", "Third answer"}) || st.Statuses[1].Status != "failed" ||
		st.Statuses[1].ErrorCode != 131026 {
		t.Fatalf("after a final refusal: %q %+v", got, st.Statuses)
	}

	expired := `{"error":{"message":"Error validating access token: Session has expired","type":"OAuthException","code":190,"fbtrace_id":"x"}}`
	r.cloud.fail(401, expired)
	r.reply(t, c.ID, "r4", "Fourth answer")
	r.pass(t)
	// Still refused a day later: held, not given up (the message is not
	// at fault).
	r.srv.Clock.Advance(25 * time.Hour)
	r.cloud.fail(401, expired)
	r.pass(t)
	if st := r.state(t, c.ID); st.Statuses[len(st.Statuses)-1].Status != "queued" {
		t.Fatalf("a day of a refused token: %+v", st.Statuses)
	}
	_, raw := r.srv.Do(t, r.owner, "GET", "/api/v1/whatsapp/channels", nil)
	if !strings.Contains(string(raw), `"status":"token_invalid"`) || !strings.Contains(string(raw), "Session has expired") {
		t.Fatalf("a refused token: %s", raw)
	}
	// A new token clears it, and what was held goes out.
	if code, raw := r.srv.Do(t, r.owner, "PATCH", "/api/v1/whatsapp/channels/"+r.site, map[string]any{"access_token": token}); code != http.StatusOK ||
		!strings.Contains(string(raw), `"status":"connected"`) {
		t.Fatalf("new token: %d %s", code, raw)
	}
	r.srv.Clock.Advance(whatsapp.TokenRetry)
	r.pass(t)
	if got := r.texts(); got[len(got)-1] != "Fourth answer" {
		t.Fatalf("held message: %q", got)
	}
}

// TestOutOfHoursOverWhatsApp: with the number's site closed, the
// customer gets the out-of-hours flow over WhatsApp: the closed message
// and the question, YES, their message, //end and the thanks; the chat
// becomes a ticket.
func TestOutOfHoursOverWhatsApp(t *testing.T) { eachDatabase(t, testOutOfHoursOverWhatsApp) }

func testOutOfHoursOverWhatsApp(t *testing.T, opts ...apptest.Option) {
	r := setup(t, opts...)
	// storetest.Epoch is a Friday: open only on Mondays, the site is closed.
	code, raw := r.srv.Do(t, r.owner, "PATCH", "/api/v1/sites/"+r.site, map[string]any{"business_hours": map[string]any{
		"time_zone": "UTC", "days": []any{map[string]any{"weekday": 1, "open": "09:00", "close": "10:00"}}}})
	if code != http.StatusOK {
		t.Fatalf("hours: %d %s", code, raw)
	}
	d := offhours.DefaultTexts
	steps := []struct {
		say  string
		sent []string
	}{
		{"hi, anyone there?", []string{d.Closed, d.Question}},
		{"yes", []string{d.Accepted}},
		{"My order #1042 never arrived.", nil},
		{"//end", []string{d.Thanks}},
	}
	var want []string
	for _, s := range steps {
		r.say(t, s.say)
		r.pass(t)
		want = append(want, s.sent...)
		if got := r.texts(); !slices.Equal(got, want) {
			t.Fatalf("after %q WhatsApp got %q, want %q", s.say, got, want)
		}
	}
	if c := r.conversation(t); c.TicketID == "" {
		t.Fatalf("no ticket: %+v", c)
	}
}

// TestChannelSettings: only owners and admins connect numbers; bad input
// gets its field's error; a number is connected once; agents still read
// its templates for the composer.
func TestChannelSettings(t *testing.T) { eachDatabase(t, testChannelSettings) }

func testChannelSettings(t *testing.T, opts ...apptest.Option) {
	r := setup(t, opts...)
	email, pw := r.srv.AddAgent(t, "supervisor", "sup@example.com")
	sup := r.srv.Login(t, email, pw)
	ok := map[string]any{"name": "Sales", "phone_number_id": "222", "business_account_id": "333", "display_phone_number": "+44 20 7946 0000",
		"access_token": token, "app_secret": appSecret}
	if code, _ := r.srv.Do(t, sup, "POST", "/api/v1/whatsapp/channels", ok); code != http.StatusForbidden {
		t.Fatalf("a supervisor connected a number: %d", code)
	}
	if code, _ := r.srv.Do(t, sup, "GET", "/api/v1/whatsapp/channels", nil); code != http.StatusForbidden {
		t.Fatalf("a supervisor listed the channels: %d", code)
	}
	if code, raw := r.srv.Do(t, sup, "GET", "/api/v1/whatsapp/channels/"+r.site+"/templates", nil); code != http.StatusOK {
		t.Fatalf("a supervisor's templates: %d %s", code, raw)
	}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for a, b := range ok {
			m[a] = b
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	for _, tc := range []struct {
		body  map[string]any
		code  string
		field string
	}{
		{with("name", nil), "required", "name"},
		{with("phone_number_id", "12ab"), "invalid_phone_number_id", "phone_number_id"},
		{with("business_account_id", nil), "invalid_business_account_id", "business_account_id"},
		{with("display_phone_number", "call us"), "invalid_display_phone_number", "display_phone_number"},
		{with("access_token", "short"), "invalid_access_token", "access_token"},
		{with("app_secret", "has spaces in it, so no"), "invalid_app_secret", "app_secret"},
		{with("verify_token", "1234"), "invalid_verify_token", "verify_token"},
	} {
		code, raw := r.srv.Do(t, r.owner, "POST", "/api/v1/whatsapp/channels", tc.body)
		e := apptest.Decode[struct {
			Error struct{ Code, Field string } `json:"error"`
		}](t, raw)
		if code != http.StatusBadRequest || e.Error.Code != tc.code || e.Error.Field != tc.field {
			t.Fatalf("%v: %d %s", tc.body, code, raw)
		}
	}
	if code, raw := r.srv.Do(t, r.owner, "POST", "/api/v1/whatsapp/channels", with("phone_number_id", numberID)); code != http.StatusConflict ||
		errCode(t, raw) != "phone_number_taken" {
		t.Fatalf("the same number twice: %d %s", code, raw)
	}
	if code, raw := r.srv.Do(t, r.owner, "PATCH", "/api/v1/whatsapp/channels/"+r.site, map[string]any{"phone_number_id": "999"}); code != http.StatusBadRequest ||
		errCode(t, raw) != "immutable" {
		t.Fatalf("a new phone number id: %d %s", code, raw)
	}
	// The site is a WhatsApp site, listed with the others.
	_, raw := r.srv.Do(t, r.owner, "GET", "/api/v1/sites/"+r.site, nil)
	if !strings.Contains(string(raw), `"channel":"whatsapp"`) {
		t.Fatalf("site: %s", raw)
	}
	// Disconnected: the site and its history stay; the webhook is gone.
	if code, _ := r.srv.Do(t, r.owner, "DELETE", "/api/v1/whatsapp/channels/"+r.site, nil); code != http.StatusNoContent {
		t.Fatalf("disconnect: %d", code)
	}
	if code, _ := r.post(t, envelope([]map[string]any{r.text("hi")}, nil), ""); code != http.StatusNotFound {
		t.Fatalf("webhook of a disconnected number: %d", code)
	}
	if code, _ := r.srv.Do(t, r.owner, "GET", "/api/v1/sites/"+r.site, nil); code != http.StatusOK {
		t.Fatalf("the site went with the channel: %d", code)
	}
}

// eachDatabase runs test on SQLite and, when LIVEDESK_TEST_POSTGRES_URL is
// set (always in CI), on PostgreSQL.
func eachDatabase(t *testing.T, test func(t *testing.T, opts ...apptest.Option)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		test(t)
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		test(t, apptest.Postgres())
	})
}

// TestTwoNodesSendEachMessageOnce: two nodes on one PostgreSQL database
// run their runners at once over the same conversations; every message
// goes out once, in order (claims are leased).
func TestTwoNodesSendEachMessageOnce(t *testing.T) {
	t.Parallel()
	cloud := newFakeCloud(t, token)
	nodes := apptest.Cluster(t, 2, apptest.Postgres(), apptest.Configure(func(c *config.Config) { c.WhatsAppAPIURL = cloud.URL }))
	r := &rig{srv: nodes[0], cloud: cloud, owner: nodes[0].Admin(t)}
	code, raw := r.srv.Do(t, r.owner, "POST", "/api/v1/whatsapp/channels", map[string]any{"name": "Two nodes",
		"phone_number_id": numberID, "business_account_id": "5550001", "display_phone_number": "+1 555 0100",
		"access_token": token, "app_secret": appSecret})
	if code != http.StatusCreated {
		t.Fatalf("connect: %d %s", code, raw)
	}
	r.site = apptest.Decode[struct {
		Channel struct{ ID string } `json:"channel"`
	}](t, raw).Channel.ID
	r.say(t, "hello")
	c := r.conversation(t)
	var want []string
	for i := range 30 {
		text := fmt.Sprintf("answer %02d", i)
		want = append(want, text)
		if code, raw := r.reply(t, c.ID, fmt.Sprintf("n%02d", i), text); code != http.StatusCreated {
			t.Fatalf("reply: %d %s", code, raw)
		}
	}
	done := make(chan error, len(nodes))
	for _, n := range nodes {
		go func() {
			idle := 0
			for range 200 {
				k, err := n.App.WhatsApp.Pass(t.Context())
				if err != nil {
					done <- err
					return
				}
				if idle = map[bool]int{true: idle + 1, false: 0}[k == 0]; idle == 3 {
					break
				}
			}
			done <- nil
		}()
	}
	for range nodes {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if got := r.texts(); !slices.Equal(got, want) {
		t.Fatalf("WhatsApp got %d messages %q, want each of %d once, in order", len(got), got, len(want))
	}
}

// me is the signed-in owner as the services see it.
func (r *rig) me(t *testing.T) auth.Actor {
	t.Helper()
	_, raw := r.srv.Do(t, r.owner, "GET", "/api/v1/me", nil)
	me := apptest.Decode[struct {
		Agent struct{ ID, Role string } `json:"agent"`
	}](t, raw).Agent
	return auth.Actor{WorkspaceID: r.srv.WorkspaceID(t), AgentID: me.ID, Name: "Owner", Role: auth.Role(me.Role)}
}

// TestInviteAWhatsAppCustomer: an agent opens a new chat with a customer
// whose last chat was closed: within the window it goes out (the new
// chat gets its queue); past it, it is refused before any chat is made.
func TestInviteAWhatsAppCustomer(t *testing.T) { eachDatabase(t, testInviteAWhatsAppCustomer) }

func testInviteAWhatsAppCustomer(t *testing.T, opts ...apptest.Option) {
	r := setup(t, opts...)
	r.say(t, "thanks, that's all")
	c := r.conversation(t)
	if code, raw := r.srv.Do(t, r.owner, "POST", "/api/v1/conversations/"+c.ID+"/status", map[string]any{"status": "closed"}); code != http.StatusOK {
		t.Fatalf("close: %d %s", code, raw)
	}
	nc, _, _, err := r.srv.App.Chat.Invite(t.Context(), r.me(t), c.VisitorID, "inv-1", "One more thing: your refund went out.")
	if err != nil || nc.ID == c.ID {
		t.Fatalf("invite: %+v %v", nc, err)
	}
	r.pass(t)
	if got := r.texts(); !slices.Equal(got, []string{"One more thing: your refund went out."}) {
		t.Fatalf("sent: %q", got)
	}
	if code, raw := r.srv.Do(t, r.owner, "POST", "/api/v1/conversations/"+nc.ID+"/status", map[string]any{"status": "closed"}); code != http.StatusOK {
		t.Fatalf("close: %d %s", code, raw)
	}
	r.srv.Clock.Advance(25 * time.Hour)
	if _, _, _, err := r.srv.App.Chat.Invite(t.Context(), r.me(t), c.VisitorID, "inv-2", "Hello again"); !errors.Is(err, whatsapp.ErrWindowClosed) {
		t.Fatalf("invite past the window: %v", err)
	}
	_, raw := r.srv.Do(t, r.owner, "GET", "/api/v1/conversations?site_id="+r.site+"&status=open", nil)
	if strings.Contains(string(raw), `"status":"open"`) {
		t.Fatalf("a refused invite opened a chat: %s", raw)
	}
}

// TestInboundMedia: a customer's photo is stored as their file, its
// caption as their message; a file WhatsApp no longer serves is said in
// words; a failure that may pass is answered 500, so WhatsApp sends the
// webhook again, and the retry stores it.
func TestInboundMedia(t *testing.T) { eachDatabase(t, testInboundMedia) }

func testInboundMedia(t *testing.T, opts ...apptest.Option) {
	r := setup(t, opts...)
	image := func(id, mediaID, caption string) map[string]any {
		return map[string]any{"from": customer, "id": id, "timestamp": fmt.Sprint(r.srv.Clock.Now().Unix()), "type": "image",
			"image": map[string]any{"id": mediaID, "mime_type": "image/png", "sha256": "x", "caption": caption}}
	}
	if code, raw := r.post(t, envelope([]map[string]any{image("wamid.img.1", "m1", "the broken zipper")}, nil), ""); code != http.StatusOK {
		t.Fatalf("image: %d %s", code, raw)
	}
	if code, raw := r.post(t, envelope([]map[string]any{image("wamid.img.2", "gone", "")}, nil), ""); code != http.StatusOK {
		t.Fatalf("gone: %d %s", code, raw)
	}
	r.cloud.mu.Lock()
	r.cloud.flaky = 1
	r.cloud.mu.Unlock()
	flaky := envelope([]map[string]any{image("wamid.img.3", "flaky", "")}, nil)
	if code, _ := r.post(t, flaky, ""); code != http.StatusInternalServerError {
		t.Fatalf("a media lookup that failed for now: %d, want 500 (sent again)", code)
	}
	if code, raw := r.post(t, flaky, ""); code != http.StatusOK {
		t.Fatalf("sent again: %d %s", code, raw)
	}
	var got []string
	for _, m := range r.messages(t, r.conversation(t).ID) {
		got = append(got, m.Kind+":"+m.Body)
	}
	want := []string{"file:image.png", "text:the broken zipper", "text:[Image sent on WhatsApp, not shown here]", "file:image.png"}
	if !slices.Equal(got, want) {
		t.Fatalf("messages %q, want %q", got, want)
	}
}

// TestOneCustomerOneChat: a customer first seen by phone, later also
// with WhatsApp's user id, stays one customer in one chat.
func TestOneCustomerOneChat(t *testing.T) {
	t.Parallel()
	r := setup(t)
	r.say(t, "hi")
	m := r.text("me again")
	m["user_id"] = "US.13491208655302741918"
	if code, raw := r.post(t, envelope([]map[string]any{m}, nil), ""); code != http.StatusOK {
		t.Fatalf("webhook: %d %s", code, raw)
	}
	if ms := r.messages(t, r.conversation(t).ID); len(ms) != 2 {
		t.Fatalf("%d messages in the one chat", len(ms))
	}
}

// TestSystemNoticeOpensNoWindow: WhatsApp's own notice (a number change)
// is shown, but is not the customer writing: the window stays closed.
func TestSystemNoticeOpensNoWindow(t *testing.T) {
	t.Parallel()
	r := setup(t)
	r.say(t, "hi")
	c := r.conversation(t)
	r.srv.Clock.Advance(25 * time.Hour)
	notice := map[string]any{"from": customer, "id": "wamid.sys.1", "timestamp": fmt.Sprint(r.srv.Clock.Now().Unix()), "type": "system",
		"system": map[string]any{"body": "User A changed from 15551234567 to 15559876543", "type": "user_changed_number"}}
	if code, raw := r.post(t, envelope([]map[string]any{notice}, nil), ""); code != http.StatusOK {
		t.Fatalf("notice: %d %s", code, raw)
	}
	if code, raw := r.reply(t, c.ID, "x1", "hello?"); code != http.StatusConflict || errCode(t, raw) != "whatsapp_window_closed" {
		t.Fatalf("after a system notice: %d %s", code, raw)
	}
}

// TestConnectNeedsTheNumber: a token that does not reach the number is
// refused, so no workspace can claim another's number.
func TestConnectNeedsTheNumber(t *testing.T) {
	t.Parallel()
	r := setup(t)
	code, raw := r.srv.Do(t, r.owner, "POST", "/api/v1/whatsapp/channels", map[string]any{"name": "Not ours", "phone_number_id": "777",
		"business_account_id": "1", "display_phone_number": "+1 555 0199", "access_token": "EAAG-someone-elses-token-000", "app_secret": appSecret})
	if code != http.StatusBadRequest || errCode(t, raw) != "whatsapp_credentials_refused" {
		t.Fatalf("connect with a token that has no access: %d %s", code, raw)
	}
}
