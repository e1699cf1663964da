package openapi_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/httpapi"
	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/httpapi/openapi"
	"github.com/orca-nfv/orca/httpapi/surfaces"
	"github.com/orca-nfv/orca/internal/testutil/apitest"
	"github.com/orca-nfv/orca/resource"
)

// TestServed: the document is served to anyone as JSON, the same bytes
// every time; it is OpenAPI 3.1.0 with the X-Auth-Token scheme; other
// methods are 405 with Allow.
func TestServed(t *testing.T) {
	api := newAPI(t)
	first := api.Do("GET", openapi.Path, "", nil).Want(t, http.StatusOK, "anonymous GET")
	if ct := first.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	second := api.Do("GET", openapi.Path, api.Token("alice"), nil).Want(t, http.StatusOK, "GET with a token")
	if first.Raw != second.Raw {
		t.Error("the document changed between two requests")
	}
	head := api.Do("HEAD", openapi.Path, "", nil).Want(t, http.StatusOK, "HEAD")
	if head.Raw != "" {
		t.Errorf("HEAD answered a body of %d bytes", len(head.Raw))
	}
	post := api.Do("POST", openapi.Path, "", "{}").Want(t, http.StatusMethodNotAllowed, "POST")
	if allow := post.Header.Get("Allow"); allow != "GET, HEAD" {
		t.Errorf("Allow %q, want GET, HEAD", allow)
	}

	s := fetchSpec(t, api)
	if s.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q, want 3.1.0", s.OpenAPI)
	}
	scheme, err := s.pointer("#/components/securitySchemes/token")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"type": "apiKey", "in": "header", "name": "X-Auth-Token"}
	got := map[string]any{}
	for k := range want {
		got[k] = scheme.(map[string]any)[k]
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("security scheme (-want +got):\n%s", diff)
	}
	t.Logf("document: %d bytes, %d paths, %d schemas", len(first.Raw), len(s.Paths), len(s.tree["components"].(map[string]any)["schemas"].(map[string]any)))
}

// TestMountedBySurfaces: package surfaces, which the demo serves,
// answers /openapi.json anonymously with the document of its registry.
func TestMountedBySurfaces(t *testing.T) {
	p := apitest.NewInProcess(t, func(b dialect.Backend, kit *dialect.Kit) (http.Handler, []string, error) {
		h, err := httpapi.New(b, &httpapi.Options{Auth: kit.Authenticator(), Metrics: kit.Metrics(), Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			return nil, nil, err
		}
		return surfaces.New(h, nil), []string{"/"}, nil
	})
	rec := p.Serve("GET", openapi.Path, "", "", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s through surfaces: %d %s", openapi.Path, rec.Code, rec.Body)
	}
	want, err := openapi.Document(p.O.Registry(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Body.String() != string(want) {
		t.Error("surfaces serves another document than openapi.Document of its registry")
	}
}

// TestEveryKindHasItsPaths: every registered kind has its collection and
// item paths at its seed path and every alias, each with GET; and a
// sample of kinds has exactly the verbs httpapi gives it.
func TestEveryKindHasItsPaths(t *testing.T) {
	api := newAPI(t)
	s := fetchSpec(t, api)
	reg := api.O.Registry()
	if len(reg.Kinds()) < len(resource.BuiltinKinds()) {
		t.Fatalf("the registry holds %d kinds, fewer than the %d built in", len(reg.Kinds()), len(resource.BuiltinKinds()))
	}
	for _, k := range reg.Kinds() {
		info, _ := reg.Info(k)
		for _, p := range append([]string{info.Path}, info.PathAliases...) {
			for _, path := range []string{p, p + "/{id}"} {
				if _, ok := s.operation(t, path, "GET"); !ok {
					t.Errorf("kind %s: no GET %s", k, path)
				}
			}
		}
	}

	verbs := func(path string) []string {
		var out []string
		for m := range s.Paths[path] {
			if m != "parameters" {
				out = append(out, strings.ToUpper(m))
			}
		}
		sort.Strings(out)
		return out
	}
	type want struct{ collection, item []string }
	writable := want{[]string{"GET", "POST"}, []string{"DELETE", "GET", "PUT"}}
	readOnly := want{[]string{"GET"}, []string{"GET"}}
	for name, tc := range map[string]struct {
		path string
		want want
	}{
		"network":                   {"/v1.0/tenant/networks", writable},
		"server at its seed path":   {"/v1.0/servers", writable},
		"server at its alias":       {"/v1.0/tenant/servers", writable},
		"location":                  {"/v1.0/locations", writable},
		"id pool":                   {"/v1.0/admin/id_pools", writable},
		"per-location copy":         {"/v1.0/tenant/local_networks", writable}, // routed, always 403
		"irregular local path":      {"/v1.0/tenant/local_service_instance", writable},
		"credential":                {"/v1.0/admin/credentials", writable},
		"action":                    {"/v1.0/actions", want{[]string{"GET", "POST"}, []string{"GET"}}},
		"event":                     {"/v1.0/events", readOnly},
		"webhook":                   {"/v1.0/webhooks", readOnly},
		"watch":                     {"/v1.0/watches", readOnly},
		"id allocation":             {"/v1.0/admin/id_allocations", readOnly},
		"route target associations": {"/v1.0/admin/route_target_associations", writable},
	} {
		t.Run(name, func(t *testing.T) {
			got := want{verbs(tc.path), verbs(tc.path + "/{id}")}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("verbs (-want +got):\n%s", diff)
			}
		})
	}
	if _, ok := s.operation(t, "/v3/auth/tokens", "POST"); !ok {
		t.Error("no POST /v3/auth/tokens (login)")
	}
}

// TestReferencesResolve: every $ref in the document names something the
// document holds, and operation IDs are unique.
func TestReferencesResolve(t *testing.T) {
	s := fetchSpec(t, newAPI(t))
	refs := 0
	var walk func(at string, v any)
	walk = func(at string, v any) {
		switch x := v.(type) {
		case map[string]any:
			if r, ok := x["$ref"].(string); ok {
				refs++
				if _, err := s.pointer(r); err != nil {
					t.Errorf("%s: %v", at, err)
				}
			}
			for k, e := range x {
				walk(at+"/"+k, e)
			}
		case []any:
			for _, e := range x {
				walk(at+"[]", e)
			}
		}
	}
	walk("#", s.tree)
	if refs < 100 {
		t.Errorf("only %d references: the walk missed the document", refs)
	}
	var ids []string
	for path := range s.Paths {
		for method := range s.Paths[path] {
			if method == "parameters" {
				continue
			}
			o, _ := s.operation(t, path, method)
			if o.OperationID == "" {
				t.Errorf("%s %s has no operationId", method, path)
			}
			ids = append(ids, o.OperationID)
		}
	}
	sort.Strings(ids)
	if dup := slices.Compact(slices.Clone(ids)); len(dup) != len(ids) {
		t.Errorf("%d operation IDs, %d distinct", len(ids), len(dup))
	}
}

// TestItemPathsDeclareTheirParameter: a templated path declares {id} as a
// path parameter, as OpenAPI requires.
func TestItemPathsDeclareTheirParameter(t *testing.T) {
	s := fetchSpec(t, newAPI(t))
	for path, item := range s.Paths {
		if !strings.Contains(path, "{id}") {
			continue
		}
		var params []struct {
			Ref string `json:"$ref"`
		}
		if err := json.Unmarshal(item["parameters"], &params); err != nil || len(params) == 0 {
			t.Errorf("%s: no path parameters", path)
			continue
		}
		p, err := s.pointer(params[0].Ref)
		if err != nil {
			t.Fatal(err)
		}
		if pm := p.(map[string]any); pm["in"] != "path" || pm["name"] != "id" || pm["required"] != true {
			t.Errorf("%s: parameter %v, want the required path parameter id", path, pm)
		}
	}
}
