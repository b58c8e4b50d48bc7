package httpapi

import (
	"net/http"
	"strconv"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/store"
	"github.com/querytel/livedesk/internal/webhook"
)

// --- webhooks (owners and admins; the desk's Settings → Webhooks) ---

func (a *API) listWebhooks(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.respond(w, r, http.StatusOK)(list(a.hooks.List(r.Context(), p.Actor())))
}

func (a *API) createWebhook(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in webhook.Input
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.respond(w, r, http.StatusCreated)(a.hooks.Create(r.Context(), p.Actor(), in))
}

func (a *API) updateWebhook(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in webhook.Input
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.respond(w, r, http.StatusOK)(a.hooks.Update(r.Context(), p.Actor(), r.PathValue("id"), in))
}

func (a *API) deleteWebhook(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.noContent(w, r, a.hooks.Delete(r.Context(), p.Actor(), r.PathValue("id")))
}

func (a *API) rotateWebhookSecret(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	secret, err := a.hooks.RotateSecret(r.Context(), p.Actor(), r.PathValue("id"))
	a.respond(w, r, http.StatusOK)(map[string]string{"secret": secret}, err)
}

func (a *API) pingWebhook(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.respond(w, r, http.StatusOK)(a.hooks.Ping(r.Context(), p.Actor(), r.PathValue("id")))
}

// deliveryPage is a page of an endpoint's deliveries; NextBefore, when
// set, is the cursor of the next (older) page.
type deliveryPage struct {
	Items      []store.WebhookDelivery `json:"items"`
	NextBefore string                  `json:"next_before,omitempty"`
}

var errDeliveryCursor = apperr.Invalidf("before", "invalid_cursor", "before is the next_before of a previous page")

func (a *API) listWebhookDeliveries(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if !p.Actor().Can(auth.ManageWorkspace) {
		a.writeError(w, r, apperr.ErrForbidden) // before judging the query: it is not theirs to ask
		return
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	var before int64
	if c := r.URL.Query().Get("before"); c != "" {
		if before, err = strconv.ParseInt(c, 10, 64); err != nil || before <= 0 {
			a.writeError(w, r, errDeliveryCursor)
			return
		}
	}
	size := int(limit)
	if size <= 0 || size > webhook.MaxPage {
		size = webhook.MaxPage
	}
	items, err := a.hooks.Deliveries(r.Context(), p.Actor(), r.PathValue("id"), before, size)
	page := deliveryPage{Items: items}
	if n := len(items); n == size {
		page.NextBefore = strconv.FormatInt(items[n-1].Pos, 10)
	}
	a.respond(w, r, http.StatusOK)(page, err)
}

func (a *API) redeliverWebhook(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.respond(w, r, http.StatusAccepted)(a.hooks.Redeliver(r.Context(), p.Actor(), r.PathValue("id"), r.PathValue("event")))
}
