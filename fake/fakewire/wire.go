package fakewire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// wireObject is a vim.Object on the wire. Specs travel as their JSON and
// are decoded by the kind that names them: the object's by Kind, a
// dependency's and a part's by their Ref's kind. Deps is a list because
// JSON objects cannot be keyed by a Ref.
type wireObject struct {
	Ref        resource.Ref    `json:"ref"`
	Kind       resource.Kind   `json:"kind"`
	Global     resource.Ref    `json:"global"`
	Tenant     string          `json:"tenant,omitempty"`
	Name       string          `json:"name,omitempty"`
	ExternalID string          `json:"external_id,omitempty"`
	Spec       json.RawMessage `json:"spec"`
	Deps       []wireDep       `json:"deps,omitempty"`
	Parts      []wirePart      `json:"parts,omitempty"`
}

type wireDep struct {
	Ref        resource.Ref    `json:"ref"`
	ExternalID string          `json:"external_id,omitempty"`
	Name       string          `json:"name,omitempty"`
	Spec       json.RawMessage `json:"spec,omitempty"`
}

type wirePart struct {
	Ref  resource.Ref    `json:"ref"`
	Spec json.RawMessage `json:"spec"`
}

// specJSON encodes a spec; nil stays null, so the receiver sees none.
func specJSON(s resource.Spec) (json.RawMessage, error) {
	if s == nil {
		return json.RawMessage("null"), nil
	}
	raw, err := json.Marshal(s)
	if err != nil {
		return nil, resource.Errorf(resource.Invalid, "fakewire: spec: %v", err)
	}
	return raw, nil
}

// decodeSpec decodes a spec of kind k; null or absent is a nil spec.
func decodeSpec(reg *resource.Registry, k resource.Kind, raw json.RawMessage) (resource.Spec, error) {
	if len(bytes.TrimSpace(raw)) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil, nil
	}
	return reg.DecodeSpec(k, raw, nil)
}

func encodeObject(o *vim.Object) (*wireObject, error) {
	w := &wireObject{Ref: o.Ref, Kind: o.Kind, Global: o.Global, Tenant: o.Tenant, Name: o.Name, ExternalID: o.ExternalID}
	var err error
	if w.Spec, err = specJSON(o.Spec); err != nil {
		return nil, err
	}
	for ref, d := range o.Deps {
		wd := wireDep{Ref: ref, ExternalID: d.ExternalID, Name: d.Name}
		if d.Spec != nil {
			if wd.Spec, err = specJSON(d.Spec); err != nil {
				return nil, err
			}
		}
		w.Deps = append(w.Deps, wd)
	}
	// A stable order keeps requests comparable in logs and tests.
	slices.SortFunc(w.Deps, func(a, b wireDep) int { return compareRefs(a.Ref, b.Ref) })
	for _, p := range o.Parts {
		raw, err := specJSON(p.Spec)
		if err != nil {
			return nil, err
		}
		w.Parts = append(w.Parts, wirePart{Ref: p.Ref, Spec: raw})
	}
	return w, nil
}

func compareRefs(a, b resource.Ref) int {
	if a.Kind != b.Kind {
		if a.Kind < b.Kind {
			return -1
		}
		return 1
	}
	switch {
	case a.ID < b.ID:
		return -1
	case a.ID > b.ID:
		return 1
	}
	return 0
}

// decodeObject rebuilds a vim.Object. A spec of a kind the registry does
// not know is Unimplemented, as a VIM answers for a kind it does not serve.
func decodeObject(reg *resource.Registry, w *wireObject) (*vim.Object, error) {
	if w == nil {
		return nil, resource.InvalidField("object", "required")
	}
	o := &vim.Object{Ref: w.Ref, Kind: w.Kind, Global: w.Global, Tenant: w.Tenant, Name: w.Name, ExternalID: w.ExternalID}
	if _, known := reg.Info(w.Kind); !known {
		return nil, vim.Unsupported(w.Kind)
	}
	var err error
	if o.Spec, err = decodeSpec(reg, w.Kind, w.Spec); err != nil {
		return nil, fieldError("spec", err)
	}
	if len(w.Deps) > 0 {
		o.Deps = make(map[resource.Ref]vim.Dep, len(w.Deps))
	}
	for i, d := range w.Deps {
		spec, err := decodeSpec(reg, d.Ref.Kind, d.Spec)
		if err != nil {
			return nil, fieldError(fmt.Sprintf("deps[%d].spec", i), err)
		}
		o.Deps[d.Ref] = vim.Dep{ExternalID: d.ExternalID, Name: d.Name, Spec: spec}
	}
	for i, p := range w.Parts {
		spec, err := decodeSpec(reg, p.Ref.Kind, p.Spec)
		if err != nil {
			return nil, fieldError(fmt.Sprintf("parts[%d].spec", i), err)
		}
		o.Parts = append(o.Parts, vim.Part{Ref: p.Ref, Spec: spec})
	}
	return o, nil
}

// fieldError names where in the request a decoding error is.
func fieldError(where string, err error) error {
	return &resource.Error{Code: resource.CodeOf(err), Field: where, Err: fmt.Errorf("%s: %w", where, err)}
}

// wireError is an error on the wire: its code by name, so that codes
// appended later stay readable by older clients as Unknown.
type wireError struct {
	Code    string `json:"code"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

type errorBody struct {
	Error wireError `json:"error"`
}

// codeStatus is the HTTP status of each code, as orca's API answers.
var codeStatus = map[resource.ErrorCode]int{
	resource.NotFound: http.StatusNotFound, resource.Conflict: http.StatusConflict,
	resource.Invalid: http.StatusBadRequest, resource.Unavailable: http.StatusServiceUnavailable,
	resource.Unauthorized: http.StatusUnauthorized, resource.Forbidden: http.StatusForbidden,
	resource.Unimplemented: http.StatusNotImplemented, resource.Unknown: http.StatusInternalServerError,
}

// codeByName inverts ErrorCode.String.
func codeByName(name string) (resource.ErrorCode, bool) {
	for c := range codeStatus {
		if c.String() == name {
			return c, true
		}
	}
	return resource.Unknown, false
}

// codeOfStatus classifies a response without a readable error body.
func codeOfStatus(status int) resource.ErrorCode {
	for c, s := range codeStatus {
		if s == status && c != resource.Unknown {
			return c
		}
	}
	if status >= 500 {
		return resource.Unavailable // a proxy's 502, an overloaded server
	}
	return resource.Unknown
}

// Request and response bodies of the operations.

type objectRequest struct {
	Object *wireObject `json:"object"`
}

type observeAllRequest struct {
	Kind    resource.Kind `json:"kind"`
	Objects []*wireObject `json:"objects"`
}

type observeAllResponse struct {
	Observations []vim.Observation `json:"observations"`
}

type createResponse struct {
	ExternalID string `json:"external_id"`
}

type powerRequest struct {
	Object *wireObject     `json:"object"`
	Action vim.PowerAction `json:"action"`
}

type snapshotRequest struct {
	Object    *wireObject `json:"object"`
	ImageName string      `json:"image_name"`
	Key       string      `json:"key"`
}

type snapshotResponse struct {
	ImageID string `json:"image_id"`
}

type consoleResponse struct {
	URL string `json:"url"`
}

type hostsResponse struct {
	Hosts []vim.Host `json:"hosts"`
}

type setHostRequest struct {
	Host    string `json:"host"`
	Enabled bool   `json:"enabled"`
}

type metricRequest struct {
	Object *wireObject `json:"object"`
	Name   string      `json:"name"`
}

type metricResponse struct {
	Value float64 `json:"value"`
}

type kindsResponse struct {
	Kinds []resource.Kind `json:"kinds"`
}

type locationsResponse struct {
	Locations []string `json:"locations"`
}

type objectsResponse struct {
	Objects []Object `json:"objects"`
}

type callsResponse struct {
	Calls map[string]int `json:"calls"`
}

// Object is one VIM object as the inspection endpoint reports it: what
// fake.ObjectInfo holds, and the global resource it was created for.
type Object struct {
	Kind       resource.Kind  `json:"kind"`
	OrcaID     string         `json:"orca_id"` // the tag: the per-location copy's ID
	ExternalID string         `json:"external_id"`
	Name       string         `json:"name,omitempty"`
	Tenant     string         `json:"tenant,omitempty"`
	State      vim.State      `json:"state"`
	Message    string         `json:"message,omitempty"`
	Power      vim.PowerState `json:"power,omitempty"`
	Host       string         `json:"host,omitempty"`
	Spec       map[string]any `json:"spec,omitempty"`
	Parts      []string       `json:"parts,omitempty"`
	// Global is the resource the tag was first created for; zero for
	// objects no Create made (snapshots).
	Global resource.Ref `json:"global"`
}
