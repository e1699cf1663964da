package httpapi

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/resource"
)

// The wire form of a resource is seed 000's flat object: id, name,
// tenant_id, the spec's fields, and for per-location kinds location_id,
// status, output, task_status and the parent's ID field. What orca adds
// (revision, labels, placement, the status of global resources) is under
// the one key "orca", so seed clients can ignore it.
const orcaKey = "orca"

// orcaMeta is the "orca" object. On input only labels and placement are
// read; the rest is read-only and ignored, so a fetched object can be sent
// back as it is.
type orcaMeta struct {
	Revision   int64               `json:"revision,omitempty"`
	Generation int64               `json:"generation,omitempty"`
	Deleting   bool                `json:"deleting,omitempty"`
	Labels     map[string]string   `json:"labels,omitempty"`
	Placement  *resource.Placement `json:"placement,omitempty"`
	Status     *orcaStatus         `json:"status,omitempty"`
	CreatedAt  *time.Time          `json:"created_at,omitempty"`
	UpdatedAt  *time.Time          `json:"updated_at,omitempty"`
}

type orcaStatus struct {
	Phase              resource.Phase `json:"phase"`
	Message            string         `json:"message,omitempty"`
	ObservedGeneration int64          `json:"observed_generation,omitempty"`
	Output             map[string]any `json:"output,omitempty"`
}

// render returns r's wire object, as JSON.
//
// Most kinds take a fast path: the spec's own JSON, spliced between the
// metadata, which is appended field by field (wirejson.go), with no map and
// no reflection in between (a list renders a hundred of these). A kind with
// secret fields, or with a field named like a key the wire adds, goes
// through a map, where the wire's keys win and secrets are dropped.
func (h *Handler) render(r *resource.Resource) []byte {
	wk := h.wireKind(r.Kind)
	info := &wk.info
	if !wk.plain {
		out, _ := json.Marshal(h.renderMap(r, *info))
		return out
	}
	spec, err := json.Marshal(r.Spec)
	if err != nil || len(spec) < 2 || spec[0] != '{' {
		spec = []byte("{}")
	}
	b := make([]byte, 0, len(spec)+384)
	b = append(b, `{"id":`...)
	b = dialect.AppendString(b, r.ID)
	if !info.NoName {
		b = append(b, `,"name":`...)
		b = dialect.AppendString(b, r.Name)
	}
	if !info.NoTenant {
		b = append(b, `,"tenant_id":`...)
		b = dialect.AppendString(b, r.Tenant)
	}
	if inner := spec[1 : len(spec)-1]; len(inner) > 0 {
		b = append(b, ',')
		b = append(b, inner...)
	}
	if info.ParentField != "" && r.Owner != nil {
		b = append(b, ',')
		b = dialect.AppendString(b, info.ParentField)
		b = append(b, ':')
		b = dialect.AppendString(b, r.Owner.ID)
	}
	if info.Located {
		b = append(b, `,"location_id":`...)
		b = dialect.AppendString(b, r.Location)
		b = append(b, `,"status":`...)
		b = dialect.AppendString(b, string(r.Status.Phase))
		b = append(b, `,"task_status":`...)
		b = dialect.AppendString(b, r.Status.TaskStatus)
		b = append(b, `,"output":`...)
		if len(r.Status.Output) == 0 {
			b = append(b, "{}"...)
		} else {
			b = appendJSON(b, r.Status.Output)
		}
	}
	b = append(b, `,"`+orcaKey+`":`...)
	b = appendMeta(b, r, info)
	return append(b, '}')
}

// appendJSON appends v's JSON; values here always marshal.
func appendJSON(b []byte, v any) []byte {
	out, _ := json.Marshal(v)
	return append(b, out...)
}

// wireKeys are the keys the wire adds next to a spec's fields.
var wireKeys = []string{"id", "name", "tenant_id", "location_id", "status", "task_status", "output", orcaKey}

// wireKind is what rendering needs of a kind, looked up once: the
// registry's Info copies its slices at every call.
type wireKind struct {
	info resource.KindInfo
	// plain: the spec JSON can be spliced into the wire object as it
	// is: no secret field to drop, no field a wire key would shadow.
	plain bool
}

func (h *Handler) wireKind(k resource.Kind) *wireKind {
	if v, ok := h.kinds.Load(k); ok {
		return v.(*wireKind)
	}
	info, _ := h.reg.Info(k)
	wk := &wireKind{info: info, plain: true}
	for _, f := range info.Fields {
		if f.Secret || slices.Contains(wireKeys, f.Name) || f.Name == info.ParentField {
			wk.plain = false
		}
	}
	h.kinds.Store(k, wk)
	return wk
}

func (h *Handler) meta(r *resource.Resource, info resource.KindInfo) orcaMeta {
	meta := orcaMeta{Revision: r.Revision, Generation: r.Generation, Deleting: r.Deleting,
		Labels: r.Labels, Placement: r.Placement, CreatedAt: &r.CreatedAt, UpdatedAt: &r.UpdatedAt}
	if info.Located {
		meta.Status = &orcaStatus{Phase: r.Status.Phase, Message: r.Status.Message, ObservedGeneration: r.Status.ObservedGeneration}
	} else {
		meta.Status = &orcaStatus{Phase: r.Status.Phase, Message: r.Status.Message,
			ObservedGeneration: r.Status.ObservedGeneration, Output: r.Status.Output}
	}
	return meta
}

// renderMap is the wire object as a map: the wire's keys win over spec
// fields of the same name, and secret fields are left out.
func (h *Handler) renderMap(r *resource.Resource, info resource.KindInfo) map[string]any {
	out := map[string]any{"id": r.ID}
	if !info.NoName {
		out["name"] = r.Name
	}
	if !info.NoTenant {
		out["tenant_id"] = r.Tenant
	}
	if raw, err := json.Marshal(r.Spec); err == nil {
		var fields map[string]any
		json.Unmarshal(raw, &fields) // the store's own JSON
		for _, f := range info.Fields {
			if v, ok := fields[f.Name]; ok && !f.Secret {
				out[f.Name] = v
			}
		}
	}
	if info.ParentField != "" && r.Owner != nil {
		out[info.ParentField] = r.Owner.ID
	}
	if info.Located {
		out["location_id"] = r.Location
		out["status"] = string(r.Status.Phase)
		out["task_status"] = r.Status.TaskStatus
		output := r.Status.Output
		if output == nil {
			output = map[string]any{}
		}
		out["output"] = output
	}
	out[orcaKey] = h.meta(r, info)
	return out
}

// body reads a request body as a JSON object, enforcing the content type
// and the size limit.
func (h *Handler) body(w http.ResponseWriter, r *http.Request) (map[string]json.RawMessage, error) {
	data, err := h.kit.ReadBody(w, r)
	if err != nil {
		return nil, err
	}
	return dialect.DecodeObject(data, "body")
}

// unwrap takes the one wrapped object out of a body: {"network": {...}}.
func unwrap(body map[string]json.RawMessage, names ...string) (map[string]json.RawMessage, error) {
	if len(body) != 1 {
		return nil, resource.Errorf(resource.Invalid, "the body must be a single object wrapped as {%q: {...}}", names[0])
	}
	for k, v := range body {
		if !slices.Contains(names, k) {
			return nil, resource.Errorf(resource.Invalid, "the body must be wrapped as {%q: {...}}, not %q", names[0], k)
		}
		return dialect.DecodeObject(v, names[0])
	}
	return nil, nil
}

// input is a decoded request object.
type input struct {
	id, name, tenant, parent  string
	hasName, hasTenant, hasID bool
	meta                      *orcaMeta
	// clearPlacement: the orca object says "placement": null, which on an
	// update means every location again (an absent one keeps it).
	clearPlacement bool
	spec           map[string]json.RawMessage // fields not consumed as metadata
}

// parseInput splits a wire object into metadata and spec fields.
func parseInput(obj map[string]json.RawMessage, info resource.KindInfo) (*input, error) {
	in := &input{}
	var err error
	if in.id, in.hasID, err = dialect.StringField(obj, "id"); err != nil {
		return nil, err
	}
	if !info.NoName {
		if in.name, in.hasName, err = dialect.StringField(obj, "name"); err != nil {
			return nil, err
		}
	}
	if !info.NoTenant {
		if in.tenant, in.hasTenant, err = dialect.StringField(obj, "tenant_id"); err != nil {
			return nil, err
		}
	}
	if info.ParentField != "" {
		if in.parent, _, err = dialect.StringField(obj, info.ParentField); err != nil {
			return nil, err
		}
	}
	if raw, ok := obj[orcaKey]; ok {
		delete(obj, orcaKey)
		in.meta = &orcaMeta{}
		if string(raw) != "null" {
			if err := json.Unmarshal(raw, in.meta); err != nil {
				return nil, resource.InvalidField(orcaKey, "not a valid orca object: %v", err)
			}
			var fields map[string]json.RawMessage
			json.Unmarshal(raw, &fields) // an object: decoded just above
			in.clearPlacement = string(fields["placement"]) == "null"
		}
	}
	in.spec = obj
	return in, nil
}

// specFrom decodes spec fields strictly (unknown fields are errors). base,
// when given, is the current spec: fields absent from the request keep
// their value, as seed 000's updates are partial.
func (h *Handler) specFrom(kind resource.Kind, fields map[string]json.RawMessage, base resource.Spec) (resource.Spec, error) {
	merged := map[string]json.RawMessage{}
	if base != nil {
		raw, err := json.Marshal(base)
		if err != nil {
			return nil, resource.Wrap(resource.Unknown, err)
		}
		if err := json.Unmarshal(raw, &merged); err != nil {
			return nil, resource.Wrap(resource.Unknown, err)
		}
	}
	maps.Copy(merged, fields)
	raw, err := json.Marshal(merged)
	if err != nil {
		return nil, resource.Wrap(resource.Invalid, err)
	}
	return h.reg.DecodeSpec(kind, raw, &resource.DecodeOptions{Strict: true})
}

// jsonString marshals v to a string (for tests and seeds).
func jsonString(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}
