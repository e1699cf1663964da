package dialect

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/orca-nfv/orca/resource"
)

// Problem is an error as a surface answers it.
type Problem struct {
	// Status is the HTTP status.
	Status int
	// Code is the error's resource code (Unknown for problems that are
	// only HTTP's, such as 413).
	Code resource.ErrorCode
	// Field names the offending input field, when there is one.
	Field string
	// Message says what was wrong, safe to show: an internal error's is
	// "internal error", its details only logged.
	Message string
	// Header holds headers the answer must carry (Retry-After).
	Header http.Header
}

// Render writes a Problem in a dialect's error shape.
type Render func(w http.ResponseWriter, r *http.Request, p *Problem)

// Statuses maps resource error codes to HTTP statuses.
type Statuses map[resource.ErrorCode]int

// DefaultStatuses is DESIGN.md's table: NotFound 404, Conflict 409,
// Invalid 400, Unavailable 503, Unauthorized 401, Forbidden 403,
// Unimplemented 501; anything else 500.
func DefaultStatuses() Statuses {
	return Statuses{
		resource.NotFound:      http.StatusNotFound,
		resource.Conflict:      http.StatusConflict,
		resource.Invalid:       http.StatusBadRequest,
		resource.Unavailable:   http.StatusServiceUnavailable,
		resource.Unauthorized:  http.StatusUnauthorized,
		resource.Forbidden:     http.StatusForbidden,
		resource.Unimplemented: http.StatusNotImplemented,
	}
}

// With returns a copy of s with the given code mapped to status: a
// dialect's amendment (Trema answers Invalid with 422).
func (s Statuses) With(code resource.ErrorCode, status int) Statuses {
	out := make(Statuses, len(s)+1)
	for k, v := range s {
		out[k] = v
	}
	out[code] = status
	return out
}

// statusError is an error that carries its own HTTP status: one that is
// the protocol's rather than the resource's (413, 415, 406, 405, 429).
type statusError struct {
	status int
	code   resource.ErrorCode
	msg    string
	header http.Header
}

func (e *statusError) Error() string { return e.msg }

// Status returns an error answered with the given HTTP status and message.
// Its resource code is Invalid for 4xx statuses and Unknown otherwise.
func Status(status int, format string, args ...any) error {
	code := resource.Unknown
	if status >= 400 && status < 500 {
		code = resource.Invalid
	}
	return &statusError{status: status, code: code, msg: fmt.Sprintf(format, args...)}
}

// TooManyRequests is 429 with Retry-After in whole seconds (at least 1).
func TooManyRequests(retryAfterSeconds int, msg string) error {
	h := http.Header{}
	h.Set("Retry-After", strconv.Itoa(max(retryAfterSeconds, 1)))
	return &statusError{status: http.StatusTooManyRequests, code: resource.Invalid, msg: msg, header: h}
}

// ProblemOf classifies err for an answer, by its resource code through
// statuses (nil means DefaultStatuses). Internal errors (500) are logged
// with the request and answered generically: their text may describe the
// server, not the request.
func (k *Kit) ProblemOf(r *http.Request, err error, statuses Statuses) *Problem {
	var se *statusError
	if errors.As(err, &se) {
		p := &Problem{Status: se.status, Code: se.code, Message: se.msg, Header: http.Header{}}
		for name, v := range se.header {
			p.Header[name] = v
		}
		return p
	}
	if statuses == nil {
		statuses = DefaultStatuses()
	}
	code := resource.CodeOf(err)
	p := &Problem{Code: code, Field: resource.FieldOf(err), Message: err.Error(), Header: http.Header{}}
	status, ok := statuses[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	p.Status = status
	switch {
	case status >= 500 && code != resource.Unavailable && code != resource.Unimplemented:
		k.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		p.Message, p.Field = "internal error", ""
	case status == http.StatusServiceUnavailable:
		p.Header.Set("Retry-After", "5")
	}
	return p
}
