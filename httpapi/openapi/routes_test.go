package openapi_test

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
)

// TestDocumentMatchesRoutes probes every documented path with every
// method, anonymously, against the real handler: a documented operation
// is routed (a token-protected one answers 401, an anonymous one neither
// 401 nor 404/405), and a method the document leaves out is not (404
// "no such path" or 405). So the document lists exactly the verbs the
// handler serves on its paths, and the security it states.
func TestDocumentMatchesRoutes(t *testing.T) {
	api := newAPI(t)
	s := fetchSpec(t, api)
	paths := make([]string, 0, len(s.Paths))
	for p := range s.Paths {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	probed := 0
	for _, path := range paths {
		concrete := strings.ReplaceAll(path, "{id}", "probe-id")
		for _, method := range []string{"GET", "POST", "PUT", "DELETE", "PATCH"} {
			o, documented := s.operation(t, path, method)
			r := api.Do(method, concrete, "", nil)
			msg, _ := errorOf(r.Object())
			routeMissing := r.Code == http.StatusMethodNotAllowed ||
				r.Code == http.StatusNotFound && strings.HasPrefix(msg, "no such path")
			anonymous := o.Security != nil && len(*o.Security) == 0
			switch {
			case documented && !anonymous && r.Code != http.StatusUnauthorized:
				t.Errorf("%s %s: documented with a token, answered %d %s, want 401", method, concrete, r.Code, r.Raw)
			case documented && anonymous && (routeMissing || r.Code == http.StatusUnauthorized || r.Code >= 500):
				t.Errorf("%s %s: documented as anonymous, answered %d %s", method, concrete, r.Code, r.Raw)
			case !documented && !routeMissing:
				t.Errorf("%s %s: not documented, answered %d %s, want 404 (no such path) or 405", method, concrete, r.Code, r.Raw)
			}
			probed++
		}
	}
	t.Logf("%d paths, %d requests", len(paths), probed)
}

// TestListParametersAccepted: on every collection, each documented query
// parameter, given a value of its documented type (each value of an
// enum: every sort_key), is accepted (200 with X-Total-Count), while a
// parameter the document does not list is 400.
func TestListParametersAccepted(t *testing.T) {
	api := newAPI(t)
	s := fetchSpec(t, api)
	admin := api.Token("admin")
	for path := range s.Paths {
		if !strings.HasPrefix(path, "/v1.0/") || strings.Contains(path, "{id}") {
			continue
		}
		o, ok := s.operation(t, path, "GET")
		if !ok {
			t.Errorf("GET %s: not documented", path)
			continue
		}
		names := map[string]bool{}
		for _, p := range o.Parameters {
			name, in, sch := p.Name, p.In, p.Schema
			if p.Ref != "" {
				v, err := s.pointer(p.Ref)
				if err != nil {
					t.Fatal(err)
				}
				m := v.(map[string]any)
				name, in = m["name"].(string), m["in"].(string)
				sch, _ = m["schema"].(map[string]any)
			}
			if in != "query" {
				continue
			}
			names[name] = true
			for _, v := range samples(sch) {
				q := url.Values{name: {v}}
				r := api.Do("GET", path+"?"+q.Encode(), admin, nil)
				if r.Code != http.StatusOK || r.Header.Get("X-Total-Count") == "" {
					t.Errorf("GET %s?%s: %d %s, want 200 with X-Total-Count", path, q.Encode(), r.Code, r.Raw)
				}
			}
		}
		for _, must := range []string{"limit", "offset", "sort_key", "sort_order", "id"} {
			if !names[must] {
				t.Errorf("GET %s: no %s parameter", path, must)
			}
		}
		r := api.Do("GET", path+"?no_such_field=1", admin, nil)
		if r.Code != http.StatusBadRequest {
			t.Errorf("GET %s?no_such_field=1: %d, want 400", path, r.Code)
		}
	}
}

// samples are values of a parameter's schema: every enum value, or one
// of its type.
func samples(sch map[string]any) []string {
	if enum, ok := sch["enum"].([]any); ok {
		var out []string
		for _, v := range enum {
			out = append(out, fmt.Sprint(v))
		}
		return out
	}
	switch sch["type"] {
	case "integer":
		return []string{"1"}
	case "number":
		return []string{"1.5"}
	case "boolean":
		return []string{"true"}
	}
	return []string{"x"}
}

// errorOf returns an error body's message and field.
func errorOf(body map[string]any) (msg, field string) {
	e, _ := body["error"].(map[string]any)
	msg, _ = e["message"].(string)
	field, _ = e["field"].(string)
	return msg, field
}
