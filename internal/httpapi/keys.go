package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/querytel/livedesk/internal/apikey"
	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/ratelimit"
	"github.com/querytel/livedesk/internal/store"
)

// scope is a resource, read or write.
type scope struct{ resource, access string }

// need is what an API key needs for a route: every scope listed (none:
// any key).
type need []scope

var (
	readOf  = func(res ...string) need { return each(apikey.Read, res) }
	writeOf = func(res ...string) need { return each(apikey.Write, res) }
)

func each(access string, resources []string) need {
	out := make(need, len(resources))
	for i, r := range resources {
		out[i] = scope{r, access}
	}
	return out
}

// keyScopes are the routes a request with an API key may reach, with the
// scope each needs. Every other route is the desk's own (a test holds
// every route to one list or keyless): settings, agents, sites, keys
// themselves, an agent's inbox and status. A key acts with its maker's
// rights, so a route also refuses what that agent may not do.
var keyScopes = map[string]need{
	"GET /api/v1/me": nil, // any key: who it acts as, and its scopes

	"GET /api/v1/contacts":                        readOf("contacts"),
	"GET /api/v1/contacts/{id}":                   readOf("contacts"),
	"GET /api/v1/contacts/{id}/export":            readOf("contacts", "conversations", "messages"), // every message of its chats
	"POST /api/v1/contacts":                       writeOf("contacts"),
	"PUT /api/v1/contacts/external/{external_id}": writeOf("contacts"),
	"PATCH /api/v1/contacts/{id}":                 writeOf("contacts"),
	"DELETE /api/v1/contacts/{id}":                writeOf("contacts", "conversations", "tickets"), // erases its chats and tickets too
	"POST /api/v1/contacts/{id}/merge":            writeOf("contacts"),
	"GET /api/v1/conversations":                   readOf("conversations"),
	"GET /api/v1/conversations/{id}":              readOf("conversations"),
	"POST /api/v1/conversations/{id}/status":      writeOf("conversations"),
	"POST /api/v1/conversations/{id}/assign":      writeOf("conversations"),
	"POST /api/v1/conversations/{id}/transfer":    writeOf("conversations"),
	"POST /api/v1/conversations/{id}/flag":        writeOf("conversations"),
	"POST /api/v1/conversations/{id}/wrapup":      writeOf("conversations"),
	"GET /api/v1/conversations/{id}/messages":     readOf("messages"),
	"POST /api/v1/conversations/{id}/messages":    writeOf("messages"),
	"POST /api/v1/conversations/{id}/comments":    writeOf("messages"),
	// A WhatsApp conversation's window and templates (a system writing to
	// a customer after 24 hours sends a template).
	"GET /api/v1/conversations/{id}/whatsapp":           readOf("conversations"),
	"POST /api/v1/conversations/{id}/whatsapp/template": writeOf("messages"),
	"GET /api/v1/whatsapp/channels/{id}/templates":      readOf("messages"),

	"GET /api/v1/tickets":                    readOf("tickets"),
	"GET /api/v1/tickets/{id}":               readOf("tickets"),
	"GET /api/v1/tickets/{id}/conversations": readOf("tickets", "conversations"),
	"GET /api/v1/tickets/{id}/history":       readOf("tickets"),
	"GET /api/v1/tickets/{id}/watchers":      readOf("tickets"),
	"POST /api/v1/tickets":                   writeOf("tickets"),
	"PATCH /api/v1/tickets/{id}":             writeOf("tickets"),
	"POST /api/v1/tickets/{id}/assign":       writeOf("tickets"),
	"POST /api/v1/tickets/{id}/close":        writeOf("tickets"),
	"POST /api/v1/tickets/{id}/move":         writeOf("tickets"),
	"POST /api/v1/tickets/{id}/merge":        writeOf("tickets"),
	"POST /api/v1/tickets/{id}/links":        writeOf("tickets"),
	"POST /api/v1/conversations/{id}/ticket": writeOf("tickets"),

	"GET /api/v1/boards":                         readOf("boards"),
	"GET /api/v1/boards/{id}":                    readOf("boards"),
	"POST /api/v1/boards":                        writeOf("boards"),
	"POST /api/v1/boards/order":                  writeOf("boards"),
	"PATCH /api/v1/boards/{id}":                  writeOf("boards"),
	"POST /api/v1/boards/{id}/columns":           writeOf("boards"),
	"PATCH /api/v1/boards/{id}/columns/{column}": writeOf("boards"),
	"POST /api/v1/boards/{id}/columns/order":     writeOf("boards"),
	"GET /api/v1/analytics/conversations":        readOf("analytics"),
	"GET /api/v1/analytics/tickets":              readOf("analytics"),
	"GET /api/v1/analytics/contacts":             readOf("analytics"),
	"GET /api/v1/analytics/operators":            readOf("analytics"),
	"GET /api/v1/analytics/broadcasts":           readOf("analytics"),
	"GET /api/v1/ratings":                        readOf("analytics"),
	"GET /api/v1/broadcasts":                     readOf("broadcasts"),
	"GET /api/v1/broadcasts/{id}":                readOf("broadcasts"),
	"POST /api/v1/broadcasts":                    writeOf("broadcasts"),
	"POST /api/v1/broadcasts/estimate":           readOf("broadcasts"),
	"PATCH /api/v1/broadcasts/{id}":              writeOf("broadcasts"),
	"DELETE /api/v1/broadcasts/{id}":             writeOf("broadcasts"),
	"POST /api/v1/broadcasts/{id}/activate":      writeOf("broadcasts"),
	"POST /api/v1/broadcasts/{id}/pause":         writeOf("broadcasts"),
	"POST /api/v1/broadcasts/{id}/end":           writeOf("broadcasts"),
}

// keyless are the desk's own routes: a request with an API key gets
// 403 not_for_api_keys. With keyScopes they are every authenticated route
// (a test holds the two lists to routes.go), so a new route is a choice.
var keyless = []string{
	"POST /api/v1/auth/logout",
	"POST /api/v1/auth/password",
	"PUT /api/v1/me/avatar",
	"DELETE /api/v1/me/avatar",
	"GET /api/v1/agents/{id}/avatar",
	"GET /api/v1/workspace",
	"PATCH /api/v1/workspace",
	"POST /api/v1/workspaces",
	"GET /api/v1/workspace/mail",
	"PUT /api/v1/workspace/mail",
	"DELETE /api/v1/workspace/mail",
	"POST /api/v1/workspace/mail/test",
	"GET /api/v1/sites",
	"POST /api/v1/sites",
	"GET /api/v1/sites/{id}",
	"PATCH /api/v1/sites/{id}",
	"DELETE /api/v1/sites/{id}",
	"POST /api/v1/sites/{id}/rotate-key",
	"GET /api/v1/sites/{id}/identity-secret",
	"POST /api/v1/sites/{id}/identity-secret/rotate",
	"GET /api/v1/sites/{id}/refused-origins",
	"GET /api/v1/agents",
	"POST /api/v1/agents",
	"GET /api/v1/agents/{id}",
	"PATCH /api/v1/agents/{id}",
	"DELETE /api/v1/agents/{id}",
	"POST /api/v1/agents/{id}/password",
	"POST /api/v1/agents/{id}/disable",
	"POST /api/v1/agents/{id}/enable",
	"GET /api/v1/departments",
	"POST /api/v1/departments",
	"GET /api/v1/departments/{id}",
	"PATCH /api/v1/departments/{id}",
	"DELETE /api/v1/departments/{id}",
	"GET /api/v1/api-keys",
	"POST /api/v1/api-keys",
	"DELETE /api/v1/api-keys/{id}",
	// Webhook endpoints hold a signing secret and decide where the
	// workspace's data goes: the desk's admins set them.
	"GET /api/v1/webhooks",
	"POST /api/v1/webhooks",
	"PATCH /api/v1/webhooks/{id}",
	"DELETE /api/v1/webhooks/{id}",
	"POST /api/v1/webhooks/{id}/secret",
	"POST /api/v1/webhooks/{id}/ping",
	"GET /api/v1/webhooks/{id}/deliveries",
	"POST /api/v1/webhooks/{id}/deliveries/{event}/redeliver",
	// A WhatsApp number's credentials are the desk admins' to set; the
	// composer's template and window calls are the desk's.
	"GET /api/v1/whatsapp/channels",
	"POST /api/v1/whatsapp/channels",
	"GET /api/v1/whatsapp/channels/{id}",
	"PATCH /api/v1/whatsapp/channels/{id}",
	"DELETE /api/v1/whatsapp/channels/{id}",
	"POST /api/v1/whatsapp/channels/{id}/templates/sync",
	"GET /api/v1/blocks",
	"POST /api/v1/blocks",
	"DELETE /api/v1/blocks/{id}",
	"GET /api/v1/audit",
	"PATCH /api/v1/conversations/{id}/comments/{message}",
	"DELETE /api/v1/conversations/{id}/comments/{message}",
	"POST /api/v1/conversations/{id}/files",
	"GET /api/v1/files/{id}",
	"GET /api/v1/quick-responses",
	"POST /api/v1/quick-responses",
	"PATCH /api/v1/quick-responses/{id}",
	"DELETE /api/v1/quick-responses/{id}",
	"POST /api/v1/quick-responses/{id}/use",
	"GET /api/v1/inbox",
	"POST /api/v1/inbox/mark",
	"GET /api/v1/inbox/tagged",
	"POST /api/v1/tickets/accept",
	"POST /api/v1/tickets/{id}/accept",
	"POST /api/v1/tickets/{id}/start-chat",
	"PUT /api/v1/tickets/{id}/watchers/me",
	"DELETE /api/v1/tickets/{id}/watchers/me",
	"GET /api/v1/visitors",
	"GET /api/v1/visitors/{id}",
}

// Errors of requests with a key.
var (
	errKeyScope = apperr.New(apperr.Forbidden, "insufficient_scope", "this API key's scopes do not open this route")
	errKeyless  = apperr.New(apperr.Forbidden, "not_for_api_keys", "this route is the desk's own: API keys cannot use it")
	errKeyRate  = apperr.New(apperr.RateLimited, "rate_limited", "too many requests with this API key; wait as Retry-After says")
)

// Per-key request budget, on each node: 20 a second, bursts of 100.
const (
	keyEvery = 50 * time.Millisecond
	keyBurst = 100
)

// keyPolicy says the budget the draft's way: a quota of keyBurst
// requests that refills over keyBurst·keyEvery seconds.
var keyPolicy = strconv.Itoa(keyBurst) + ";w=" + strconv.Itoa(seconds(keyBurst*keyEvery))

// seconds rounds d up to whole seconds.
func seconds(d time.Duration) int { return int((d + time.Second - 1) / time.Second) }

func newKeyLimiter() *ratelimit.Keyed { return ratelimit.NewBounded(keyEvery, keyBurst, 100000) }

// bearer is the token of an "Authorization: Bearer …" header, or "".
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// admitKey checks a request with an API key against its route's scope and
// the key's request budget, setting the RateLimit headers (IETF
// draft-ietf-httpapi-ratelimit-headers) on every answer.
func (a *API) admitKey(w http.ResponseWriter, r *http.Request, k *store.APIKey) error {
	ok, left, next := a.keyLimit.Spend(k.ID, time.Now())
	h := w.Header()
	h.Set("RateLimit-Policy", keyPolicy)
	h.Set("RateLimit-Limit", strconv.Itoa(keyBurst))
	h.Set("RateLimit-Remaining", strconv.Itoa(left))
	// Reset: seconds until the whole burst is back.
	h.Set("RateLimit-Reset", strconv.Itoa(seconds(time.Duration(keyBurst-left)*keyEvery)))
	if !ok {
		h.Set("Retry-After", strconv.Itoa(max(1, seconds(next))))
		return errKeyRate
	}
	needs, open := keyScopes[r.Pattern]
	if !open {
		return errKeyless
	}
	for _, n := range needs {
		if !apikey.Allows(k.Scopes, n.resource, n.access) {
			return errKeyScope
		}
	}
	return nil
}

// idempotencyKeyMax bounds an Idempotency-Key header.
const idempotencyKeyMax = 255

// idempotent runs h once per Idempotency-Key of a POST: a retry with the
// same key and the same request gets the first answer again (with
// Idempotent-Replayed: true) and creates nothing twice; with another
// request it is refused. The first answer is kept unless it was a server
// fault (5xx), which a retry may fix.
func (a *API) idempotent(w http.ResponseWriter, r *http.Request, p auth.Principal, h func(http.ResponseWriter, *http.Request, auth.Principal)) {
	key := r.Header.Get("Idempotency-Key")
	if _, open := keyScopes[r.Pattern]; r.Method != http.MethodPost || key == "" || !open {
		// Only the public API's creates: the desk's own POSTs answer
		// secrets (a new key's token, a generated password) that must not
		// be kept.
		h(w, r, p)
		return
	}
	if len(key) > idempotencyKeyMax || strings.IndexFunc(key, func(c rune) bool { return c < 0x21 || c > 0x7e }) >= 0 {
		a.writeError(w, r, apperr.Invalidf("Idempotency-Key", "invalid_idempotency_key", "an Idempotency-Key is 1 to %d visible ASCII characters", idempotencyKeyMax))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		a.writeError(w, r, apperr.New(apperr.TooLarge, "body_too_large", "the body exceeds 1 MiB"))
		return
	}
	if err != nil {
		a.writeError(w, r, apperr.New(apperr.Invalid, "invalid_json", "the body could not be read"))
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	sum := sha256.Sum256([]byte(r.Method + " " + r.URL.RequestURI() + "\n" + string(body)))
	request := hex.EncodeToString(sum[:])
	owner := "agent:" + p.Agent.ID
	if p.Key != nil {
		owner = "key:" + p.Key.ID
	}
	ws := p.Agent.WorkspaceID
	first, found, err := a.idem.BeginIdempotent(r.Context(), ws, owner, key, request, time.Now())
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if found {
		switch {
		case first.Request != request:
			a.writeError(w, r, apperr.New(apperr.Invalid, "idempotency_key_reused", "this Idempotency-Key was used with another request"))
		case first.Status == 0:
			w.Header().Set("Retry-After", "1")
			a.writeError(w, r, apperr.New(apperr.Conflict, "idempotency_key_in_use", "a request with this Idempotency-Key is still running; retry in a moment"))
		default:
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(first.Status)
			w.Write([]byte(first.Body)) //nolint:errcheck
		}
		return
	}
	rec := &bodyRecorder{statusRecorder: statusRecorder{ResponseWriter: w}}
	done := false
	defer func() {
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		if !done || status >= 500 || rec.overflow {
			status = 0 // a panic, a fault or an answer too large to keep: the key is freed for a retry
		}
		// The client may have gone (the very case that leads to a retry):
		// what its request did is kept all the same.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 5*time.Second)
		defer cancel()
		if err := a.idem.EndIdempotent(ctx, ws, owner, key, status, rec.body.String()); err != nil {
			a.log.Warn("idempotency: keep the answer", "err", err, "request_id", requestID(r.Context()))
		}
	}()
	h(rec, r, p)
	done = true
}

// bodyRecorder keeps what a handler answers, up to maxBody, besides
// writing it (and its status, as statusRecorder does).
type bodyRecorder struct {
	statusRecorder
	body     bytes.Buffer
	overflow bool
}

func (b *bodyRecorder) Write(p []byte) (int, error) {
	if b.body.Len()+len(p) > maxBody {
		b.overflow = true
	} else {
		b.body.Write(p)
	}
	return b.statusRecorder.Write(p)
}

// --- API keys (the desk's own routes) ---

func (a *API) listKeys(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.respond(w, r, http.StatusOK)(list(a.keys.List(r.Context(), p.Actor())))
}

func (a *API) createKey(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in apikey.Input
	if err := decode(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.respond(w, r, http.StatusCreated)(a.keys.Create(r.Context(), p.Actor(), in))
}

func (a *API) revokeKey(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.noContent(w, r, a.keys.Revoke(r.Context(), p.Actor(), r.PathValue("id")))
}
