package openapi_test

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/httpapi/openapi"
	"github.com/orca-nfv/orca/internal/testutil/apitest"
	"github.com/orca-nfv/orca/store/memstore"
)

// newAPI is the seed 000 API with its login, over a memstore and a
// running orchestrator with fake locations loc-1 and loc-2
// (apitest.New), and the document at /openapi.json.
func newAPI(t *testing.T) *apitest.Server {
	t.Helper()
	mount := func(b dialect.Backend, kit *dialect.Kit) (http.Handler, []string, error) {
		return openapi.New(b.Registry(), &openapi.Options{Kit: kit}), []string{openapi.Path}, nil
	}
	return apitest.New(t, apitest.Options{Store: memstore.New(nil), Mounts: []apitest.Mount{mount}})
}

// spec is the served document, read generically: a small struct for
// what the tests walk, and the whole tree for $ref resolution and
// validation.
type spec struct {
	OpenAPI string `json:"openapi"`
	Paths   map[string]map[string]json.RawMessage
	tree    map[string]any
}

// op is the part of an operation the tests read.
type op struct {
	OperationID string            `json:"operationId"`
	Security    *[]map[string]any `json:"security"`
	Parameters  []struct {
		Ref    string         `json:"$ref"`
		Name   string         `json:"name"`
		In     string         `json:"in"`
		Schema map[string]any `json:"schema"`
	} `json:"parameters"`
}

// fetchSpec gets and parses the served document, anonymously.
func fetchSpec(t *testing.T, api *apitest.Server) *spec {
	t.Helper()
	r := api.Do("GET", openapi.Path, "", nil).Want(t, http.StatusOK, "GET "+openapi.Path)
	var s spec
	if err := json.Unmarshal([]byte(r.Raw), &s); err != nil {
		t.Fatalf("the document is not JSON: %v", err)
	}
	if err := json.Unmarshal([]byte(r.Raw), &s.tree); err != nil {
		t.Fatal(err)
	}
	return &s
}

// operation decodes the operation of a path and method, if documented.
func (s *spec) operation(t *testing.T, path, method string) (op, bool) {
	t.Helper()
	raw, ok := s.Paths[path][strings.ToLower(method)]
	if !ok {
		return op{}, false
	}
	var o op
	if err := json.Unmarshal(raw, &o); err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return o, true
}

// pointer resolves a local JSON pointer ("#/components/schemas/x").
func (s *spec) pointer(ref string) (any, error) {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, fmt.Errorf("%q is not a local reference", ref)
	}
	var cur any = s.tree
	for _, seg := range strings.Split(rest, "/") {
		seg = strings.ReplaceAll(strings.ReplaceAll(seg, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%q: %q is not inside an object", ref, seg)
		}
		if cur, ok = m[seg]; !ok {
			return nil, fmt.Errorf("%q: no %q", ref, seg)
		}
	}
	return cur, nil
}

// schema returns a component schema.
func (s *spec) schema(t *testing.T, name string) map[string]any {
	t.Helper()
	v, err := s.pointer("#/components/schemas/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return v.(map[string]any)
}

// validate checks v against a schema of the document, for the subset of
// JSON Schema the document uses ($ref, allOf, anyOf, type, enum, properties,
// required, additionalProperties, items, min/maxProperties, date-time).
// With undocumented set, an object key its schema's properties do not
// name is an error too (unless additionalProperties admits it): every
// field the API answers with must be documented.
func (s *spec) validate(sch any, v any, at string, undocumented bool) []string {
	m, ok := sch.(map[string]any)
	if !ok {
		return []string{at + ": schema is not an object"}
	}
	if r, ok := m["$ref"].(string); ok {
		target, err := s.pointer(r)
		if err != nil {
			return []string{at + ": " + err.Error()}
		}
		return s.validate(target, v, at, undocumented)
	}
	var errs []string
	for _, sub := range asList(m["allOf"]) {
		errs = append(errs, s.validate(sub, v, at, undocumented)...)
	}
	if anyOf := asList(m["anyOf"]); len(anyOf) > 0 && !slices.ContainsFunc(anyOf, func(sub any) bool {
		return len(s.validate(sub, v, at, undocumented)) == 0
	}) {
		errs = append(errs, fmt.Sprintf("%s: %v matches none of anyOf", at, v))
	}
	if typ, ok := m["type"]; ok && !slices.Contains(asStrings(typ), jsonTypeOf(v)) &&
		!(jsonTypeOf(v) == "integer" && slices.Contains(asStrings(typ), "number")) {
		return append(errs, fmt.Sprintf("%s: a JSON %s, want %v", at, jsonTypeOf(v), typ))
	}
	if enum, ok := m["enum"].([]any); ok && !slices.Contains(enum, v) {
		errs = append(errs, fmt.Sprintf("%s: %v is not one of %v", at, v, enum))
	}
	if m["format"] == "date-time" {
		if str, ok := v.(string); ok {
			if _, err := time.Parse(time.RFC3339Nano, str); err != nil {
				errs = append(errs, fmt.Sprintf("%s: %q is not a date-time", at, str))
			}
		}
	}
	switch val := v.(type) {
	case map[string]any:
		for _, r := range asStrings(m["required"]) {
			if _, ok := val[r]; !ok {
				errs = append(errs, fmt.Sprintf("%s: required %q is absent", at, r))
			}
		}
		if n, ok := m["minProperties"].(float64); ok && float64(len(val)) < n {
			errs = append(errs, fmt.Sprintf("%s: fewer than %v keys", at, n))
		}
		if n, ok := m["maxProperties"].(float64); ok && float64(len(val)) > n {
			errs = append(errs, fmt.Sprintf("%s: more than %v keys", at, n))
		}
		props, _ := m["properties"].(map[string]any)
		keys := make([]string, 0, len(val))
		for k := range val {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if ps, ok := props[k]; ok {
				errs = append(errs, s.validate(ps, val[k], at+"."+k, undocumented)...)
				continue
			}
			switch ap := m["additionalProperties"].(type) {
			case bool:
				if !ap {
					errs = append(errs, fmt.Sprintf("%s: key %q is not allowed", at, k))
				}
			case map[string]any:
				errs = append(errs, s.validate(ap, val[k], at+"."+k, undocumented)...)
			default:
				if undocumented && props != nil {
					errs = append(errs, fmt.Sprintf("%s: key %q is not documented", at, k))
				}
			}
		}
	case []any:
		if items, ok := m["items"]; ok {
			for i, it := range val {
				errs = append(errs, s.validate(items, it, fmt.Sprintf("%s[%d]", at, i), undocumented)...)
			}
		}
	}
	return errs
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func asStrings(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func jsonTypeOf(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case float64:
		if x == math.Trunc(x) {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// keys returns an object's keys, sorted.
func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
