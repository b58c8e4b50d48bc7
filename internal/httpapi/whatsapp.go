package httpapi

import (
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/ratelimit"
	"github.com/querytel/livedesk/internal/whatsapp"
)

// --- WhatsApp channels (owners and admins; Settings → WhatsApp), the
// composer's templates and state (agents), and WhatsApp's own webhook ---

func (a *API) listWhatsApp(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.respond(w, r, http.StatusOK)(list(a.whatsapp.List(r.Context(), p.Actor())))
}

func (a *API) getWhatsApp(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	c, err := a.whatsapp.Get(r.Context(), p.Actor(), r.PathValue("id"))
	a.respond(w, r, http.StatusOK)(map[string]any{"channel": c}, err)
}

func (a *API) createWhatsApp(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in whatsapp.Input
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	c, token, err := a.whatsapp.Create(r.Context(), p.Actor(), in)
	a.respond(w, r, http.StatusCreated)(map[string]any{"channel": c, "verify_token": token}, err)
}

func (a *API) updateWhatsApp(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in whatsapp.Input
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	c, err := a.whatsapp.Update(r.Context(), p.Actor(), r.PathValue("id"), in)
	a.respond(w, r, http.StatusOK)(map[string]any{"channel": c}, err)
}

func (a *API) deleteWhatsApp(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.noContent(w, r, a.whatsapp.Delete(r.Context(), p.Actor(), r.PathValue("id")))
}

func (a *API) listWhatsAppTemplates(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.respond(w, r, http.StatusOK)(list(a.whatsapp.Templates(r.Context(), p.Actor(), r.PathValue("id"))))
}

func (a *API) syncWhatsAppTemplates(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.respond(w, r, http.StatusOK)(list(a.whatsapp.SyncTemplates(r.Context(), p.Actor(), r.PathValue("id"))))
}

func (a *API) whatsAppState(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	st, err := a.whatsapp.State(r.Context(), p.Actor(), r.PathValue("id"))
	a.respond(w, r, http.StatusOK)(map[string]any{"whatsapp": st}, err)
}

func (a *API) sendWhatsAppTemplate(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in struct {
		ClientMsgID string            `json:"client_msg_id"`
		TemplateID  string            `json:"template_id"`
		Params      map[string]string `json:"params"`
	}
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	m, dup, err := a.whatsapp.SendTemplate(r.Context(), p.Actor(), r.PathValue("id"), in.ClientMsgID, in.TemplateID, in.Params)
	status := http.StatusCreated
	if dup {
		status = http.StatusOK
	}
	a.respond(w, r, status)(map[string]any{"message": m, "duplicate": dup}, err)
}

// The WhatsApp webhook takes no session, so it has budgets of its own,
// far above what WhatsApp sends (it batches, and retries a 429 later):
// per client address, and per channel (a site id in the URL, known or
// not).
const (
	whatsAppPerAddressEvery = 10 * time.Millisecond // 100 a second
	whatsAppPerAddressBurst = 500
	whatsAppPerSiteEvery    = 2 * time.Millisecond // 500 a second
	whatsAppPerSiteBurst    = 2000
)

var errWhatsAppRate = apperr.New(apperr.RateLimited, "rate_limited", "too many webhook requests; send them again as Retry-After says")

func newWhatsAppLimits() [2]*ratelimit.Keyed {
	return [2]*ratelimit.Keyed{
		ratelimit.NewBounded(whatsAppPerAddressEvery, whatsAppPerAddressBurst, 100000),
		ratelimit.NewBounded(whatsAppPerSiteEvery, whatsAppPerSiteBurst, 100000),
	}
}

// admitWhatsApp spends a request of the caller's address and of the
// channel; refused, it answers 429 and reports false.
func (a *API) admitWhatsApp(w http.ResponseWriter, r *http.Request) bool {
	now := time.Now()
	site := r.PathValue("site")
	if len(site) > 64 {
		a.writeError(w, r, whatsapp.ErrChannelNotFound)
		return false
	}
	if !a.waLimit[0].Allow(a.clientIP(r), now) || !a.waLimit[1].Allow(site, now) {
		w.Header().Set("Retry-After", "1")
		a.writeError(w, r, errWhatsAppRate)
		return false
	}
	return true
}

// whatsAppVerify answers WhatsApp's verification handshake: the
// challenge as plain text.
func (a *API) whatsAppVerify(w http.ResponseWriter, r *http.Request) {
	if !a.admitWhatsApp(w, r) {
		return
	}
	q := r.URL.Query()
	challenge, err := a.whatsapp.Verify(r.Context(), r.PathValue("site"), q.Get("hub.mode"), q.Get("hub.verify_token"), q.Get("hub.challenge"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	io.WriteString(w, challenge) //nolint:errcheck // the client went away
}

// whatsAppWebhook takes WhatsApp's messages and delivery states. It
// answers 200 only once everything in the body is stored; WhatsApp
// retries anything else.
func (a *API) whatsAppWebhook(w http.ResponseWriter, r *http.Request) {
	if !a.admitWhatsApp(w, r) {
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, whatsapp.MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			a.writeError(w, r, apperr.New(apperr.TooLarge, "body_too_large", "a webhook body may have at most 1 MiB"))
			return
		}
		a.writeError(w, r, apperr.Invalidf("", "invalid_payload", "the body could not be read"))
		return
	}
	a.noContentOK(w, r, a.whatsapp.Receive(r.Context(), r.PathValue("site"), body, r.Header.Get("X-Hub-Signature-256")))
}

// noContentOK answers 200 with an empty JSON object, or the error.
func (a *API) noContentOK(w http.ResponseWriter, r *http.Request, err error) {
	a.respond(w, r, http.StatusOK)(struct{}{}, err)
}
