package openapi

import (
	"reflect"
	"slices"
	"strings"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// Component names of a kind's schemas. Kind names are snake_case
// without dots, so these never collide with another kind's, nor with the
// shared "orca.*" components.
func answerName(k resource.Kind) string  { return string(k) }
func inputName(k resource.Kind) string   { return string(k) + ".input" }
func oneName(k resource.Kind) string     { return string(k) + ".one" }
func listName(k resource.Kind) string    { return string(k) + ".list" }
func requestName(k resource.Kind) string { return string(k) + ".request" }

// specType is the struct type of a kind's spec.
func specType(info resource.KindInfo) reflect.Type {
	t := reflect.TypeOf(info.New())
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// specField describes one top-level spec field: its Go type's schema and
// what the registry knows of it (the kind it refers to, its mutability).
func (g *gen) specField(f resource.Field, goFields map[string]goField, m mode) *schema {
	var s *schema
	if gf, ok := goFields[f.Name]; ok {
		s = goSchema(gf.typ, m, g.kinds, nil)
	} else {
		s = fieldTypeSchema(f.Type) // registered kinds always have a Go field
	}
	s.XMutability = f.Mutability.String()
	if f.Ref != "" {
		s.XRef = string(f.Ref)
		s.Description = "the ID of " + article(string(f.Ref))
	}
	return s
}

// fieldTypeSchema is the registry's own word for a field's JSON type.
func fieldTypeSchema(t resource.FieldType) *schema {
	switch t {
	case resource.FieldString:
		return &schema{Type: "string"}
	case resource.FieldInt:
		return &schema{Type: "integer"}
	case resource.FieldFloat:
		return &schema{Type: "number"}
	case resource.FieldBool:
		return &schema{Type: "boolean"}
	}
	return &schema{}
}

func goFieldMap(t reflect.Type) map[string]goField {
	out := map[string]goField{}
	for _, f := range jsonFields(t) {
		out[f.name] = f
	}
	return out
}

// addKindSchemas adds a kind's component schemas: the wire object it
// answers with, what it accepts, and their wrappers.
func (g *gen) addKindSchemas(info resource.KindInfo) {
	sc := g.doc.Components.Schemas
	sc[answerName(info.Kind)] = g.answerSchema(info)
	sc[oneName(info.Kind)] = &schema{Type: "object", Required: []string{info.Singular},
		Properties: map[string]*schema{info.Singular: schemaRef(answerName(info.Kind))}}
	sc[listName(info.Kind)] = &schema{Type: "object", Required: []string{info.Plural},
		Properties: map[string]*schema{info.Plural: {Type: "array", Items: schemaRef(answerName(info.Kind))}}}
	in := g.inputSchema(info)
	if in == nil {
		return
	}
	sc[inputName(info.Kind)] = in
	// The body wraps one object under the singular name or an alias.
	wrap := &schema{Type: "object", Properties: map[string]*schema{}, AdditionalProperties: false,
		MinProperties: ptr(1), MaxProperties: ptr(1)}
	for _, name := range append([]string{info.Singular}, info.SingularAliases...) {
		wrap.Properties[name] = schemaRef(inputName(info.Kind))
	}
	if len(info.SingularAliases) > 0 {
		wrap.Description = "one object, wrapped under " + info.Singular + " (or an alias)"
	}
	sc[requestName(info.Kind)] = wrap
}

// answerSchema is the wire object the API renders for a resource (see
// httpapi's render): metadata, the spec's fields but its secrets, the
// parent's ID, the per-location state, and "orca".
func (g *gen) answerSchema(info resource.KindInfo) *schema {
	s := &schema{Type: "object", Properties: map[string]*schema{}}
	add := func(name string, fs *schema, required bool) {
		s.Properties[name] = fs
		if required {
			s.Required = append(s.Required, name)
		}
	}
	add("id", &schema{Type: "string"}, true)
	if !info.NoName {
		add("name", &schema{Type: "string"}, true)
	}
	if !info.NoTenant {
		add("tenant_id", &schema{Type: "string", Description: "the owning tenant (\"\" for none)"}, true)
	}
	goFields := goFieldMap(specType(info))
	for _, f := range info.Fields {
		if f.Secret || f.Name == orcaKey {
			continue // never rendered; the wire's own "orca" wins
		}
		add(f.Name, g.specField(f, goFields, answer), !goFields[f.Name].omitted)
	}
	if info.ParentField != "" {
		add(info.ParentField, &schema{Type: "string", Description: "the ID of the parent " + string(info.Parent), XRef: string(info.Parent)}, true)
	}
	if info.Located {
		add("location_id", &schema{Type: "string", Description: "the location of this copy", XRef: string(resource.KindLocation)}, true)
		add("status", &schema{Type: "string", Enum: phases(), Description: "the copy's phase"}, true)
		add("task_status", &schema{Type: "string", Description: "the VIM's own progress word"}, true)
		add("output", &schema{Type: "object", Description: "values the VIM returned"}, true)
	}
	add(orcaKey, schemaRef("orca.meta"), true)
	s.Description = g.kindDescription(info)
	return s
}

const orcaKey = "orca"

// inputSchema is what a write accepts inside its wrapper, or nil for
// kinds that take no body (read-only records, per-location copies).
func (g *gen) inputSchema(info resource.KindInfo) *schema {
	switch {
	case info.Kind == resource.KindCredential:
		// Credentials are given in the clear and sealed at once: the body
		// is the VIM credentials, none of which is ever shown again.
		s := goSchema(reflect.TypeFor[vim.Credentials](), accept, g.kinds, nil)
		for _, p := range s.Properties {
			p.WriteOnly = true
		}
		s.Properties["id"] = &schema{Type: "string", Description: "required on POST; on PUT, the path's"}
		s.Description = "VIM credentials, sealed when stored and never returned"
		return s
	case info.Kind == resource.KindAction:
		// An action request is the action spec itself, nothing more.
		s := goSchema(specType(info), accept, g.kinds, nil)
		if v, ok := s.Properties["verb"]; ok {
			for _, verb := range resource.Verbs() {
				v.Enum = append(v.Enum, verb)
			}
		}
		return s
	case readOnlyKind(info) || info.Located:
		return nil
	}
	s := &schema{Type: "object", Properties: map[string]*schema{}, AdditionalProperties: false}
	s.Properties["id"] = &schema{Type: "string", Description: "a new resource's ID (default: a random UUID); on PUT, the path's if given"}
	if !info.NoName {
		s.Properties["name"] = &schema{Type: "string"}
	}
	if !info.NoTenant {
		s.Properties["tenant_id"] = &schema{Type: "string",
			Description: "administrators may name any tenant (default: their own); members only their own; it cannot change"}
	}
	if info.ParentField != "" {
		s.Properties[info.ParentField] = &schema{Type: "string", XRef: string(info.Parent),
			Description: "the ID of the parent " + string(info.Parent) + "; required on create, cannot change"}
	}
	goFields := goFieldMap(specType(info))
	for _, f := range info.Fields {
		fs := g.specField(f, goFields, accept)
		if f.Secret {
			fs.WriteOnly = true
		}
		s.Properties[f.Name] = fs
	}
	meta := "orca.input"
	if info.Local == "" && !info.Composite {
		meta = "orca.input.labels" // not placed at locations
	}
	s.Properties[orcaKey] = schemaRef(meta)
	s.Description = "unknown fields are refused; on PUT, absent fields keep their value"
	return s
}

// readOnlyKind reports kinds only orca writes and /v1.0 only lists and
// shows (httpapi's routeKind).
func readOnlyKind(info resource.KindInfo) bool { return info.ReadOnly }

func (g *gen) kindDescription(info resource.KindInfo) string {
	d := "A " + string(info.Kind) + " as the API renders it."
	if info.Located {
		d += " A per-location copy of " + article(string(info.Parent)) + ", written by orca only."
	}
	return d
}

// article puts "a" or "an" before a kind's name.
func article(kind string) string {
	if strings.ContainsRune("aeiou", rune(kind[0])) {
		return "an " + kind
	}
	return "a " + kind
}

// listParameters are a collection's query parameters (httpapi's filter):
// paging, sorting, and equality on metadata and on every scalar field
// that is not secret. Each is given at most once.
func (g *gen) listParameters(info resource.KindInfo) []*parameter {
	ps := []*parameter{{Ref: ref("parameters", "limit")}, {Ref: ref("parameters", "offset")},
		{Ref: ref("parameters", "sort_order")}, {Ref: ref("parameters", "filter_id")}}
	sortKeys := []any{"id"}
	taken := map[string]bool{"limit": true, "offset": true, "sort_order": true, "sort_key": true, "id": true}
	filter := func(name string, s *schema, desc string) {
		if taken[name] {
			return
		}
		taken[name] = true
		ps = append(ps, &parameter{Name: name, In: "query", Schema: s, Description: desc})
	}
	if !info.NoName {
		filter("name", &schema{Type: "string"}, "only resources of this name")
		sortKeys = append(sortKeys, "name")
	}
	if !info.NoTenant {
		filter("tenant_id", &schema{Type: "string"}, "only this tenant's (members see nothing of another's)")
		sortKeys = append(sortKeys, "tenant_id")
	}
	if info.Located {
		filter("location_id", &schema{Type: "string"}, "only the copies at this location")
		filter("status", &schema{Type: "string", Enum: phases()}, "only the copies in this phase")
		sortKeys = append(sortKeys, "location_id")
	}
	if info.ParentField != "" {
		filter(info.ParentField, &schema{Type: "string"}, "only those of this "+string(info.Parent))
	}
	sortKeys = append(sortKeys, "created_at", "updated_at", "revision")
	for _, f := range info.Fields {
		if f.Secret || !f.Type.Scalar() {
			continue
		}
		filter(f.Name, fieldTypeSchema(f.Type), "equality on the field")
		if !slices.Contains(sortKeys, any(f.Name)) {
			sortKeys = append(sortKeys, f.Name)
		}
	}
	sortKey := &parameter{Name: "sort_key", In: "query", Description: "the key to sort by (default id; ties broken by id)",
		Schema: &schema{Type: "string", Enum: sortKeys}}
	return append(ps, sortKey)
}
