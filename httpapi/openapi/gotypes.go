package openapi

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/orca-nfv/orca/resource"
)

// goField is one JSON field of a Go struct, as encoding/json sees it.
type goField struct {
	name string
	typ  reflect.Type
	// omitted says the field may be absent from the JSON (omitempty,
	// omitzero).
	omitted bool
}

// jsonFields lists a struct type's JSON fields in declaration order,
// flattening untagged embedded structs as encoding/json does.
func jsonFields(t reflect.Type) []goField {
	var out []goField
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		ft := sf.Type
		if sf.Anonymous && name == "" {
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				out = append(out, jsonFields(ft)...)
				continue
			}
		}
		if !sf.IsExported() || tag == "-" {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		omitted := false
		for _, o := range strings.Split(opts, ",") {
			omitted = omitted || o == "omitempty" || o == "omitzero"
		}
		out = append(out, goField{name: name, typ: sf.Type, omitted: omitted})
	}
	return out
}

// mode says which direction a schema describes: what the API answers
// (every field that is always present is required) or what it accepts
// (decoded strictly: unknown fields are refused).
type mode int

const (
	answer mode = iota
	accept
)

var (
	timeType  = reflect.TypeFor[time.Time]()
	rawType   = reflect.TypeFor[json.RawMessage]()
	kindType  = reflect.TypeFor[resource.Kind]()
	phaseType = reflect.TypeFor[resource.Phase]()
)

// phases lists resource.Phase's values, for enums.
func phases() []any {
	return []any{resource.PhasePending, resource.PhaseProvisioning, resource.PhaseReady,
		resource.PhaseUpdating, resource.PhaseDeleting, resource.PhaseFailed}
}

// goSchema describes the JSON encoding/json makes of a Go type. kinds
// are the registered kinds (the enum of resource.Kind values); seen guards
// against recursive types.
func goSchema(t reflect.Type, m mode, kinds []any, seen []reflect.Type) *schema {
	switch t {
	case timeType:
		return &schema{Type: "string", Format: "date-time"}
	case rawType:
		return &schema{}
	case kindType:
		return &schema{Type: "string", Enum: kinds}
	case phaseType:
		return &schema{Type: "string", Enum: phases()}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return nullable(goSchema(t.Elem(), m, kinds, seen))
	case reflect.String:
		return &schema{Type: "string"}
	case reflect.Bool:
		return &schema{Type: "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return &schema{Type: "integer"}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return &schema{Type: "integer", Minimum: ptr(int64(0))}
	case reflect.Float32, reflect.Float64:
		return &schema{Type: "number"}
	case reflect.Interface:
		return &schema{}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return &schema{Type: []string{"string", "null"}, Format: "byte", Description: "base64"}
		}
		return nullable(&schema{Type: "array", Items: goSchema(t.Elem(), m, kinds, seen)})
	case reflect.Array:
		return &schema{Type: "array", Items: goSchema(t.Elem(), m, kinds, seen)}
	case reflect.Map:
		s := &schema{Type: "object"}
		if t.Elem().Kind() != reflect.Interface {
			s.AdditionalProperties = goSchema(t.Elem(), m, kinds, seen)
		}
		return nullable(s)
	case reflect.Struct:
		if slices.Contains(seen, t) {
			return &schema{Description: "a " + t.Name() + ", as above"}
		}
		seen = append(seen, t)
		s := &schema{Type: "object", Properties: map[string]*schema{}}
		for _, f := range jsonFields(t) {
			s.Properties[f.name] = goSchema(f.typ, m, kinds, seen)
			if m == answer && !f.omitted {
				s.Required = append(s.Required, f.name)
			}
		}
		if m == accept {
			s.AdditionalProperties = false
		}
		return s
	}
	// Channels and functions do not marshal; no spec holds one.
	return &schema{}
}
