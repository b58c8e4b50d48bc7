package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/jsontext"
)

// errorBody is the one error shape of every API:
// {"error":{"code":"...","message":"...","field":"...","request_id":"..."}}.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Field     string `json:"field,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// statusOf maps an error kind to its HTTP status.
func statusOf(k apperr.Kind) int {
	switch k {
	case apperr.Invalid:
		return http.StatusBadRequest
	case apperr.Unauthorized:
		return http.StatusUnauthorized
	case apperr.Forbidden:
		return http.StatusForbidden
	case apperr.NotFound:
		return http.StatusNotFound
	case apperr.Conflict:
		return http.StatusConflict
	case apperr.RateLimited:
		return http.StatusTooManyRequests
	case apperr.Unavailable:
		return http.StatusServiceUnavailable
	case apperr.TooLarge:
		return http.StatusRequestEntityTooLarge
	case apperr.Unsupported:
		return http.StatusUnsupportedMediaType
	}
	return http.StatusInternalServerError
}

// writeJSON writes v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.Encode(v) //nolint:errcheck // the client went away; nothing to do
}

// writeError maps err to a status and JSON body. Internal errors are logged
// with the request id and sent without their cause.
func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e := apperr.From(err)
	status := statusOf(e.Kind)
	rid := requestID(r.Context())
	if status >= 500 {
		a.log.ErrorContext(r.Context(), "request failed", "err", err, "request_id", rid,
			"method", r.Method, "path", r.URL.Path)
	}
	if e.Code == "busy" {
		// Whole seconds, rounded up: the store's own estimate, else 1.
		w.Header().Set("Retry-After", strconv.Itoa(max(1, seconds(e.RetryAfter))))
	}
	if e.Kind == apperr.RateLimited && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", "12") // one sign-in token refills in 12 s (a limiter that knows better set its own)
	}
	writeJSON(w, status, errorBody{Error: errorDetail{Code: e.Code, Message: e.Message, Field: e.Field, RequestID: rid}})
}

// maxBody bounds every JSON request body.
const maxBody = 1 << 20

// decode reads a JSON body into v, rejecting unknown fields, trailing data
// and bodies over maxBody with a clear error.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return apperr.New(apperr.Unsupported, "unsupported_media_type", "send Content-Type: application/json")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return apperr.New(apperr.TooLarge, "body_too_large", fmt.Sprintf("the body exceeds %d bytes", maxBody))
	case err != nil:
		return apperr.New(apperr.Invalid, "invalid_json", "the body could not be read")
	case !jsontext.Valid(body):
		// Decoding would replace bad bytes and lone surrogates with U+FFFD
		// and store that; the text is refused instead, as documented.
		return apperr.New(apperr.Invalid, "invalid_text", "text must be valid UTF-8, without lone surrogate escapes")
	}
	if key, dup := jsontext.DuplicateKey(body); dup {
		return &apperr.Error{Kind: apperr.Invalid, Code: "invalid_json", Field: key, Message: "the key " + strconv.Quote(key) + " appears twice"}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.Is(err, io.EOF):
			return apperr.New(apperr.Invalid, "empty_body", "a JSON body is required")
		case errors.As(err, &syn):
			return apperr.New(apperr.Invalid, "invalid_json", fmt.Sprintf("malformed JSON at byte %d", syn.Offset))
		case errors.As(err, &typ):
			if typ.Field == "" {
				return apperr.New(apperr.Invalid, "invalid_type", "the body must be a JSON object")
			}
			return &apperr.Error{Kind: apperr.Invalid, Code: "invalid_type", Field: typ.Field,
				Message: fmt.Sprintf("%s must be %s, not %s", typ.Field, jsonKind(typ.Type), typ.Value)}
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return &apperr.Error{Kind: apperr.Invalid, Code: "unknown_field", Field: f, Message: "unknown field " + f}
		}
		return apperr.New(apperr.Invalid, "invalid_json", "malformed JSON")
	}
	if dec.More() {
		return apperr.New(apperr.Invalid, "invalid_json", "one JSON value expected")
	}
	return nil
}

// nullable is a body field that tells absent (Set false: no change) from
// null (Set, V nil: cleared) and a value. The value is decoded as
// strictly as the body (unknown fields refused).
type nullable[T any] struct {
	Set bool
	V   *T
}

func (n *nullable[T]) UnmarshalJSON(b []byte) error {
	n.Set = true
	if string(b) == "null" {
		n.V = nil
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	n.V = new(T)
	return dec.Decode(n.V)
}

// discardLogger is used when no logger is configured.
var discardLogger = slog.New(slog.DiscardHandler)

// jsonKind names a Go type as the JSON value it decodes from.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	if t == reflect.TypeFor[time.Time]() {
		return "an RFC 3339 time"
	}
	return "an object"
}
