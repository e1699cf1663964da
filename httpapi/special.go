package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// act requests an action: {"action": {"target_kind", "target_id", "verb",
// "params"}}. It answers 202 Accepted with the action record; the outcome
// appears in its status.
func (h *Handler) act(info resource.KindInfo) handler {
	return func(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
		obj, err := h.wrapped(w, r, info)
		if err != nil {
			return err
		}
		raw, _ := json.Marshal(obj)
		var req resource.Action
		if err := dialect.Strict(raw, &req, "action"); err != nil {
			return err
		}
		tinfo, ok := h.reg.Info(req.TargetKind)
		if !ok {
			return resource.InvalidField("target_kind", "unknown kind %q", req.TargetKind)
		}
		if _, err := h.fetch(r, tinfo, req.TargetID); err != nil {
			return err
		}
		a, err := h.b.Act(r.Context(), resource.Ref{Kind: req.TargetKind, ID: req.TargetID}, req.Verb, req.Params)
		if err != nil {
			return err
		}
		w.Header().Set("Location", h.location(info, a.ID))
		h.one(w, http.StatusAccepted, info, a)
		return nil
	}
}

// setCredentials stores a credential, sealed: {"credential": {"username",
// "password", ...}}. The answer, like every rendering of a credential,
// holds no secret.
func (h *Handler) setCredentials(info resource.KindInfo) handler {
	return func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) error {
		obj, err := h.wrapped(w, r, info)
		if err != nil {
			return err
		}
		id, _, err := dialect.StringField(obj, "id")
		if err != nil {
			return err
		}
		if path := ps.ByName("id"); path != "" {
			if id != "" && id != path {
				return resource.InvalidField("id", "%q differs from the ID in the path (%s)", id, path)
			}
			id = path
		}
		if id == "" {
			return resource.InvalidField("id", "required")
		}
		raw, _ := json.Marshal(obj)
		var creds vim.Credentials
		if err := dialect.Strict(raw, &creds, "credential"); err != nil {
			return err
		}
		c, err := h.b.SetCredentials(r.Context(), id, creds)
		if err != nil {
			return err
		}
		code := http.StatusOK
		if c.Generation == 1 && c.Revision != 0 && r.Method == http.MethodPost {
			code = http.StatusCreated
			w.Header().Set("Location", h.location(info, c.ID))
		}
		h.one(w, code, info, c)
		return nil
	}
}
