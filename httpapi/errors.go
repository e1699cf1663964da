package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/orca-nfv/orca/httpapi/dialect"
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

// answer writes err: by its resource code (dialect.DefaultStatuses), except
// that a stale revision under If-Match is 412 rather than 409.
func (h *Handler) answer(w http.ResponseWriter, r *http.Request, err error) {
	if r.Header.Get("If-Match") != "" && errors.Is(err, store.ErrStale) {
		err = dialect.Status(http.StatusPreconditionFailed, "%s", err.Error())
	}
	h.kit.Answer(w, r, renderProblem, nil, err)
}

// renderProblem writes a problem as Keystone does, with a challenge on 401.
func renderProblem(w http.ResponseWriter, _ *http.Request, p *dialect.Problem) {
	if p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Keystone uri="/v3"`)
	}
	writeStatusError(w, p.Status, p.Field, p.Message)
}

func writeStatusError(w http.ResponseWriter, code int, field, msg string) {
	var body errorBody
	body.Error.Code, body.Error.Title, body.Error.Message, body.Error.Field = code, http.StatusText(code), msg, field
	writeJSON(w, code, body)
}

// writeWrapped writes {"key": item} or, for a list, {"key": [items]}, from
// items already rendered as JSON.
func writeWrapped(w http.ResponseWriter, code int, key string, list bool, items ...[]byte) {
	n := len(key) + 8
	for _, it := range items {
		n += len(it) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, '{')
	b = appendJSON(b, key)
	b = append(b, ':')
	if list {
		b = append(b, '[')
	}
	for i, it := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, it...)
	}
	if list {
		b = append(b, ']')
	}
	b = append(b, '}', '\n')
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	w.Write(b) // a failed write means the client left
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v) // a failed write means the client left
}
