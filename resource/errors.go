package resource

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// ErrorCode classifies an error by what the caller should do about it. Every
// layer (store, drivers, reconciler, HTTP) speaks these codes, so decisions are
// taken by code, never by matching message text.
//
// The list is append-only: values are persisted in events and compared across
// versions.
type ErrorCode int

const (
	// Unknown is an unclassified failure. Callers treat it as retryable.
	Unknown ErrorCode = iota
	// NotFound: the named object does not exist.
	NotFound
	// Conflict: the request clashes with the current state (duplicate ID,
	// stale revision, still referenced, being deleted). Re-read and retry.
	Conflict
	// Invalid: the request itself is wrong; retrying it unchanged fails again.
	Invalid
	// Unavailable: a dependency is down, busy or timed out; retry later.
	Unavailable
	// Unauthorized: the caller's credentials are missing, wrong or expired.
	Unauthorized
	// Forbidden: the caller is known but not allowed, or a quota is exhausted.
	Forbidden
	// Unimplemented: the operation or kind is not supported here.
	Unimplemented
)

var codeNames = [...]string{
	Unknown:       "Unknown",
	NotFound:      "NotFound",
	Conflict:      "Conflict",
	Invalid:       "Invalid",
	Unavailable:   "Unavailable",
	Unauthorized:  "Unauthorized",
	Forbidden:     "Forbidden",
	Unimplemented: "Unimplemented",
}

func (c ErrorCode) String() string {
	if c >= 0 && int(c) < len(codeNames) {
		return codeNames[c]
	}
	return fmt.Sprintf("ErrorCode(%d)", int(c))
}

// Retryable reports whether an operation that failed with c may succeed if
// repeated unchanged.
func (c ErrorCode) Retryable() bool {
	switch c {
	case Unknown, Conflict, Unavailable:
		return true
	}
	return false
}

// sentinel is the comparable value behind the Err* variables. A *Error matches
// the sentinel of its code under errors.Is.
type sentinel ErrorCode

func (s sentinel) Error() string { return strings.ToLower(ErrorCode(s).String()) }

// Sentinels for errors.Is. Any *Error with the matching code satisfies
// errors.Is(err, ErrX), however deeply it is wrapped.
var (
	ErrNotFound      error = sentinel(NotFound)
	ErrConflict      error = sentinel(Conflict)
	ErrInvalid       error = sentinel(Invalid)
	ErrUnavailable   error = sentinel(Unavailable)
	ErrUnauthorized  error = sentinel(Unauthorized)
	ErrForbidden     error = sentinel(Forbidden)
	ErrUnimplemented error = sentinel(Unimplemented)
)

// Error is a classified error. Field names the offending input field (in its
// wire spelling) when the error is about one, so an HTTP layer can point at it.
type Error struct {
	Code  ErrorCode
	Field string
	Err   error
}

func (e *Error) Error() string {
	if e.Err == nil {
		return sentinel(e.Code).Error()
	}
	return e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrNotFound) true for every *Error with code NotFound.
func (e *Error) Is(target error) bool {
	s, ok := target.(sentinel)
	return ok && ErrorCode(s) == e.Code
}

// Errorf returns an *Error with the given code. The format supports %w, so the
// cause stays reachable with errors.Is and errors.As.
func Errorf(code ErrorCode, format string, args ...any) error {
	return &Error{Code: code, Err: fmt.Errorf(format, args...)}
}

// Wrap classifies err with code, keeping its message and chain. It returns nil
// for a nil err.
func Wrap(code ErrorCode, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Code: code, Err: err}
}

// InvalidField returns an Invalid error about one field; the message starts
// with the field name, as in "cidr: not a valid CIDR".
func InvalidField(field, format string, args ...any) error {
	return &Error{Code: Invalid, Field: field, Err: fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...))}
}

// CodeOf returns the code of the first *Error (or sentinel) in err's chain.
// Context expiry and cancellation are Unavailable: the work did not happen and
// may be retried. CodeOf(nil) and unclassified errors are Unknown, so check
// err != nil first.
func CodeOf(err error) ErrorCode {
	if err == nil {
		return Unknown
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	var s sentinel
	if errors.As(err, &s) {
		return ErrorCode(s)
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return Unavailable
	}
	return Unknown
}

// FieldOf returns the Field of the first *Error in err's chain, or "".
func FieldOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// problems collects every validation failure of one spec, so a caller learns
// all of them at once instead of fixing one per round trip.
type problems struct {
	first string
	msgs  []string
}

func (p *problems) add(field, format string, args ...any) {
	if len(p.msgs) == 0 {
		p.first = field
	}
	p.msgs = append(p.msgs, field+": "+fmt.Sprintf(format, args...))
}

// err returns nil when nothing was added, else one Invalid error naming the
// first field and listing every problem.
func (p *problems) err() error {
	if len(p.msgs) == 0 {
		return nil
	}
	return &Error{Code: Invalid, Field: p.first, Err: errors.New(strings.Join(p.msgs, "; "))}
}
