package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// errorBody is every error response: Keystone's shape, plus the offending
// field when there is one.
type errorBody struct {
	Error struct {
		Code    int    `json:"code"`
		Title   string `json:"title"`
		Message string `json:"message"`
		Field   string `json:"field,omitempty"`
	} `json:"error"`
}

// statusOf maps an error code to an HTTP status. A stale revision under
// If-Match is 412 rather than 409.
func statusOf(r *http.Request, err error) int {
	switch resource.CodeOf(err) {
	case resource.NotFound:
		return http.StatusNotFound
	case resource.Conflict:
		if r != nil && r.Header.Get("If-Match") != "" && errors.Is(err, store.ErrStale) {
			return http.StatusPreconditionFailed
		}
		return http.StatusConflict
	case resource.Invalid:
		return http.StatusBadRequest
	case resource.Unavailable:
		return http.StatusServiceUnavailable
	case resource.Unauthorized:
		return http.StatusUnauthorized
	case resource.Forbidden:
		return http.StatusForbidden
	case resource.Unimplemented:
		return http.StatusNotImplemented
	}
	return http.StatusInternalServerError
}

// writeError answers with err's status and a body saying what was wrong.
// Internal errors are logged and answered generically: their text may
// describe the server, not the request.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	var he *httpError
	if errors.As(err, &he) {
		writeStatusError(w, he.code, "", he.msg)
		return
	}
	code := statusOf(r, err)
	msg := err.Error()
	switch code {
	case http.StatusInternalServerError:
		log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		msg = "internal error"
	case http.StatusServiceUnavailable:
		w.Header().Set("Retry-After", "5")
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Keystone uri="/v3"`)
	}
	writeStatusError(w, code, resource.FieldOf(err), msg)
}

func writeStatusError(w http.ResponseWriter, code int, field, msg string) {
	var body errorBody
	body.Error.Code, body.Error.Title, body.Error.Message, body.Error.Field = code, http.StatusText(code), msg, field
	writeJSON(w, code, body)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v) // a failed write means the client left
}
