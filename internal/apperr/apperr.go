// Package apperr holds the errors that domains return to their callers: a
// kind the transport maps to an HTTP status or a protocol error frame, a
// stable machine-readable code, the offending field, and a message safe to
// show to the client. Domains know nothing about HTTP; httpapi and realtime
// each map a Kind in exactly one place.
package apperr

import (
	"errors"
	"fmt"
	"time"

	"github.com/querytel/livedesk/internal/store"
)

// Kind classifies an error for the transports.
type Kind int

// The kinds, each with its HTTP status in httpapi.
const (
	Internal     Kind = iota // 500: a bug or an outage; the cause is logged, never sent
	Invalid                  // 400: the input is wrong; nothing changed
	Unauthorized             // 401: not signed in, or bad credentials
	Forbidden                // 403: signed in, but not allowed
	NotFound                 // 404: no such thing in the caller's scope
	Conflict                 // 409: a unique value is taken, or the state forbids it
	RateLimited              // 429: slow down
	Unavailable              // 503: try again later
	TooLarge                 // 413: the body is too large
	Unsupported              // 415: the body is not JSON
)

// Error is a domain error with a stable code.
type Error struct {
	Kind    Kind
	Code    string // stable, snake_case: "invalid_email", "not_found"
	Field   string // the input field at fault, if any
	Message string // safe to show to the client
	Err     error  // the cause, for logs and errors.Is; never sent
	// RetryAfter is how long the client should wait before trying again
	// (busy, rate limited), as the server judges its own load; 0: the
	// client's own backoff.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	msg := e.Code
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Invalidf reports bad input in one field.
func Invalidf(field, code, format string, args ...any) *Error {
	return &Error{Kind: Invalid, Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrForbidden is every service's answer to an actor whose role does not
// allow what it asked (one error, one code, one wording).
var ErrForbidden = New(Forbidden, "forbidden", "your role does not allow this")

// New builds an error of any kind.
func New(kind Kind, code, message string) *Error {
	return &Error{Kind: kind, Code: code, Message: message}
}

// From classifies any error: an *Error as itself, the store's sentinels as
// NotFound and Conflict, anything else as Internal.
func From(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return &Error{Kind: NotFound, Code: "not_found", Message: "not found", Err: err}
	case errors.Is(err, store.ErrConflict):
		return &Error{Kind: Conflict, Code: "conflict", Message: "already exists", Err: err}
	}
	return &Error{Kind: Internal, Code: "internal", Message: "internal error", Err: err}
}

// Is reports whether err classifies as kind.
func Is(err error, kind Kind) bool { return err != nil && From(err).Kind == kind }
