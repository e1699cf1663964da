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

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v) // a failed write means the client left
}
