package trema_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/httpapi/trema"
	"github.com/orca-nfv/orca/internal/testutil/apitest"
	"github.com/orca-nfv/orca/internal/testutil/wait"
	"github.com/orca-nfv/orca/resource"
)

func newServer(t *testing.T) *apitest.Server {
	return apitest.New(t, apitest.Options{Mounts: []apitest.Mount{
		func(b dialect.Backend, kit *dialect.Kit) (http.Handler, []string, error) {
			return trema.New(b, kit), trema.Paths, nil
		},
	}})
}

func TestTenantLifecycle(t *testing.T) {
	s := newServer(t)
	admin := s.Token("admin")

	// Create with an id: 200 and the tenant, as the seed says.
	r := s.Do("POST", "/tenants", admin, map[string]any{"id": "t1", "description": "first"}).Want(t, 200, "create t1")
	if diff := cmp.Diff(map[string]any{"id": "t1", "description": "first"}, r.Object()); diff != "" {
		t.Errorf("create body (-want +got):\n%s", diff)
	}
	// Without an id one is assigned; without a description it is "".
	r = s.Do("POST", "/tenants", admin, map[string]any{}).Want(t, 200, "create without id")
	auto, _ := r.Object()["id"].(string)
	if resource.CheckID(auto) != nil || r.Object()["description"] != "" {
		t.Errorf("auto-assigned tenant %v", r.Object())
	}

	r = s.Do("GET", "/tenants", admin, nil).Want(t, 200, "list")
	want := []any{
		map[string]any{"id": "t1", "description": "first"},
		map[string]any{"id": auto, "description": ""},
	}
	if diff := cmp.Diff(want, r.Array(), sortByID); diff != "" {
		t.Errorf("list (-want +got):\n%s", diff)
	}

	// A network the tenant makes through /v1.0 is one of its slices.
	alice := s.Token("alice") // tenant t1
	s.Do("POST", "/v1.0/tenant/networks", alice, map[string]any{"network": map[string]any{
		"id": "slice1", "name": "slice1", "description": "a slice", "cidr": "10.20.0.0/24"}}).Want(t, 201, "network")
	r = s.Do("GET", "/tenants/t1", admin, nil).Want(t, 200, "show")
	wantShow := map[string]any{"id": "t1", "description": "first",
		"networks": []any{map[string]any{"id": "slice1", "description": "a slice"}}}
	if diff := cmp.Diff(wantShow, r.Object()); diff != "" {
		t.Errorf("show (-want +got):\n%s", diff)
	}
	// ... and the member sees their own tenant, the same way.
	if diff := cmp.Diff(wantShow, s.Do("GET", "/tenants/t1", alice, nil).Want(t, 200, "member show").Object()); diff != "" {
		t.Errorf("member show (-want +got):\n%s", diff)
	}

	// Update: 202, no body; the change shows in /v1.0 too.
	r = s.Do("PUT", "/tenants/t1", admin, map[string]any{"description": "renamed"}).Want(t, 202, "update")
	if r.Raw != "" {
		t.Errorf("update answered a body: %q", r.Raw)
	}
	if d := s.Do("GET", "/v1.0/admin/tenants/t1", admin, nil).Want(t, 200, "v1.0 tenant").Object()["tenant"].(map[string]any)["description"]; d != "renamed" {
		t.Errorf("/v1.0 sees description %v", d)
	}

	// Delete is refused while the tenant owns its network, naming it.
	r = s.Do("DELETE", "/tenants/t1", admin, nil).Want(t, 409, "delete with a network")
	if !strings.Contains(r.Raw, "network/slice1") || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain") {
		t.Errorf("refusal %q (%s), want it to name network/slice1 in text", r.Raw, r.Header.Get("Content-Type"))
	}
	s.Do("DELETE", "/v1.0/tenant/networks/slice1", alice, nil).Want(t, 204, "delete network")
	waitGone(t, s, "/v1.0/tenant/networks/slice1", alice)
	s.Do("DELETE", "/tenants/t1", admin, nil).Want(t, 202, "delete")
	s.Do("GET", "/tenants/t1", admin, nil).Want(t, 404, "deleted tenant")
}

var sortByID = cmp.Transformer("sortByID", func(in []any) []any {
	out := append([]any(nil), in...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j].(map[string]any)["id"].(string) < out[i].(map[string]any)["id"].(string) {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
})

func waitGone(t *testing.T, s *apitest.Server, path, token string) {
	t.Helper()
	wait.Until(t, path+" gone", func() bool { return s.Do("GET", path, token, nil).Code == 404 })
}

func TestErrorsAndPermissions(t *testing.T) {
	s := newServer(t)
	admin, alice, bob := s.Token("admin"), s.Token("alice"), s.Token("bob")
	s.Do("POST", "/tenants", admin, map[string]any{"id": "t1"}).Want(t, 200, "t1")
	s.Do("POST", "/tenants", admin, map[string]any{"id": "t2"}).Want(t, 200, "t2")
	s.Do("POST", "/v1.0/tenant/flavors", alice, map[string]any{"flavor": map[string]any{"id": "f1", "ram": 64, "vcpus": 1}}).Want(t, 201, "flavor")

	for name, tc := range map[string]struct {
		method, path, token string
		body                any
		headers             []string
		status              int
		says                string
	}{
		"no token":                 {"GET", "/tenants", "", nil, nil, 401, "credentials"},
		"duplicate id":             {"POST", "/tenants", admin, map[string]any{"id": "t1"}, nil, 422, "taken"},
		"id of another kind":       {"POST", "/tenants", admin, map[string]any{"id": "t2"}, nil, 422, "taken"},
		"id with a path char":      {"POST", "/tenants", admin, map[string]any{"id": "a/b"}, nil, 422, "id"},
		"empty id":                 {"POST", "/tenants", admin, map[string]any{"id": ""}, nil, 422, "id"},
		"wrong type":               {"POST", "/tenants", admin, map[string]any{"id": 5}, nil, 422, "id: must be a string"},
		"unknown field":            {"POST", "/tenants", admin, map[string]any{"name": "x"}, nil, 422, "name: unknown field"},
		"not JSON":                 {"POST", "/tenants", admin, "{id:", nil, 400, "not valid JSON"},
		"not an object":            {"POST", "/tenants", admin, `["t3"]`, nil, 422, "object"},
		"oversized":                {"POST", "/tenants", admin, `{"description":"` + strings.Repeat("x", 70<<10) + `"}`, nil, 413, "limit"},
		"wrong content type":       {"POST", "/tenants", admin, `id=t3`, []string{"Content-Type", "text/plain"}, 415, "Content-Type"},
		"overlong description":     {"PUT", "/tenants/t1", admin, map[string]any{"description": strings.Repeat("x", 5000)}, nil, 422, "description"},
		"update naming another id": {"PUT", "/tenants/t1", admin, map[string]any{"id": "t2"}, nil, 422, "id"},
		"update unknown":           {"PUT", "/tenants/nope", admin, map[string]any{"description": "x"}, nil, 404, "not found"},
		"delete unknown":           {"DELETE", "/tenants/nope", admin, nil, nil, 404, "not found"},
		"show unknown":             {"GET", "/tenants/nope", admin, nil, nil, 404, "not found"},
		"member creates":           {"POST", "/tenants", alice, map[string]any{"id": "t3"}, nil, 403, "administrators"},
		"member updates own":       {"PUT", "/tenants/t1", alice, map[string]any{"description": "x"}, nil, 403, "administrators"},
		"member deletes own":       {"DELETE", "/tenants/t1", alice, nil, nil, 403, "administrators"},
		"member reads another":     {"GET", "/tenants/t2", alice, nil, nil, 404, "not found"},
		"wrong method":             {"POST", "/tenants/t1", admin, map[string]any{}, nil, 405, "not allowed"},
		"unknown path":             {"GET", "/tenants/t1/networks", admin, nil, nil, 404, "no such path"},
		"bob reads t1":             {"GET", "/tenants/t1", bob, nil, nil, 404, "not found"},
	} {
		t.Run(name, func(t *testing.T) {
			r := s.Do(tc.method, tc.path, tc.token, tc.body, tc.headers...)
			if r.Code != tc.status || !strings.Contains(r.Raw, tc.says) {
				t.Errorf("%d %q, want %d saying %q", r.Code, r.Raw, tc.status, tc.says)
			}
			if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain") {
				t.Errorf("error Content-Type %q, want text/plain", r.Header.Get("Content-Type"))
			}
		})
	}

	// Nothing above changed anything.
	r := s.Do("GET", "/tenants", admin, nil).Want(t, 200, "list")
	want := []any{map[string]any{"id": "t1", "description": ""}, map[string]any{"id": "t2", "description": ""}}
	if diff := cmp.Diff(want, r.Array(), sortByID); diff != "" {
		t.Errorf("after the refusals (-want +got):\n%s", diff)
	}
	// A member lists only their own tenant.
	if diff := cmp.Diff([]any{map[string]any{"id": "t1", "description": ""}}, s.Do("GET", "/tenants", alice, nil).Array()); diff != "" {
		t.Errorf("member list (-want +got):\n%s", diff)
	}
	if allow := s.Do("PATCH", "/tenants/t1", admin, nil).Header.Get("Allow"); allow != "DELETE, GET, HEAD, PUT" {
		t.Errorf("Allow %q", allow)
	}
}
