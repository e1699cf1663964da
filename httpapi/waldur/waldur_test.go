package waldur_test

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/httpapi/waldur"
	"github.com/orca-nfv/orca/internal/testutil/apitest"
	"github.com/orca-nfv/orca/internal/testutil/wait"
	"github.com/orca-nfv/orca/resource"
)

const groups = "/api/openstack-server-groups/"

func newServer(t *testing.T) *apitest.Server {
	return apitest.New(t, apitest.Options{Mounts: []apitest.Mount{
		func(b dialect.Backend, kit *dialect.Kit) (http.Handler, []string, error) {
			return waldur.New(b, kit, nil), waldur.Paths, nil
		},
	}})
}

// create makes a group as user and returns its body.
func create(t *testing.T, s *apitest.Server, token string, body map[string]any) map[string]any {
	t.Helper()
	r := s.Do("POST", groups, token, body).Want(t, 201, "create "+fmt.Sprint(body["name"]))
	return r.Object()
}

// waitState waits for a group to reach a Waldur state.
func waitState(t *testing.T, s *apitest.Server, token, uuid, state string) map[string]any {
	t.Helper()
	var got map[string]any
	wait.Until(t, uuid+" "+state, func() bool {
		got = s.Do("GET", groups+uuid+"/", token, nil).Object()
		return got["state"] == state
	})
	return got
}

func TestServerGroupLifecycle(t *testing.T) {
	s := newServer(t)
	alice := s.Token("alice")
	g := create(t, s, alice, map[string]any{"name": "web", "description": "spread", "policy": "anti-affinity"})
	uuid := g["uuid"].(string)
	if g["state"] != "CREATION_SCHEDULED" && g["state"] != "CREATING" {
		t.Errorf("a new group is %v", g["state"])
	}
	for k, want := range map[string]any{
		"name": "web", "description": "spread", "policy": "anti-affinity", "resource_type": "OpenStack.ServerGroup",
		"display_name": "Name: web, Policy: anti-affinity", "customer_uuid": "t1", "project_uuid": "t1", "tenant_uuid": "t1",
		"url": s.URL + groups + uuid + "/", "tenant": s.URL + "/api/openstack-tenants/t1/", "error_message": "",
		"access_url": nil, "marketplace_resource_uuid": nil,
	} {
		if diff := cmp.Diff(want, g[k]); diff != "" {
			t.Errorf("%s (-want +got):\n%s", k, diff)
		}
	}
	if !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$`).MatchString(g["created"].(string)) {
		t.Errorf("created %v is not DRF's format", g["created"])
	}

	// It converges at both fake locations: OK, with a Nova-style backend
	// ID at each, the first standing for its service settings.
	g = waitState(t, s, alice, uuid, "OK")
	bs := g["backends"].([]any)
	if len(bs) != 2 {
		t.Fatalf("backends %v, want two locations", bs)
	}
	first := bs[0].(map[string]any)
	if first["service_settings_uuid"] != "loc-1" || first["backend_id"] == "" || first["state"] != "OK" ||
		g["backend_id"] != first["backend_id"] || g["service_settings_uuid"] != "loc-1" || g["service_name"] != "loc-1" ||
		g["service_settings_state"] != "OK" {
		t.Errorf("backends %v; backend_id %v at %v (%v)", bs, g["backend_id"], g["service_settings_uuid"], g["service_settings_state"])
	}

	// The same object through /v1.0.
	v1 := s.Do("GET", "/v1.0/tenant/server_groups/"+uuid, alice, nil).Want(t, 200, "v1.0").Object()["server_group"].(map[string]any)
	if v1["name"] != "web" || v1["policy"] != "anti-affinity" {
		t.Errorf("/v1.0 view %v", v1)
	}

	// A server that joins the group through /v1.0 is one of its instances.
	for _, c := range []struct{ path, body string }{
		{"/v1.0/tenant/images", `{"image":{"id":"img","disk_format":"qcow2","container_format":"bare"}}`},
		{"/v1.0/tenant/flavors", `{"flavor":{"id":"fl","ram":64,"vcpus":1}}`},
		{"/v1.0/tenant/networks", `{"network":{"id":"net","cidr":"10.30.0.0/24"}}`},
		{"/v1.0/servers", `{"server":{"id":"vm1","name":"vm1","image_id":"img","flavor_id":"fl","network_id":"net","server_group_id":"` + uuid + `"}}`},
	} {
		s.Do("POST", c.path, alice, c.body).Want(t, 201, c.path)
	}
	wait.Until(t, "vm1 listed with its backend ID", func() bool {
		inst, _ := s.Do("GET", groups+uuid+"/?field=instances", alice, nil).Object()["instances"].([]any)
		if len(inst) != 1 {
			return false
		}
		i := inst[0].(map[string]any)
		return i["uuid"] == "vm1" && i["name"] == "vm1" && i["backend_id"] != ""
	})

	// Field selection.
	r := s.Do("GET", groups+uuid+"/?field=uuid&field=state", alice, nil).Want(t, 200, "fields")
	if diff := cmp.Diff(map[string]any{"uuid": uuid, "state": "OK"}, r.Object()); diff != "" {
		t.Errorf("field selection (-want +got):\n%s", diff)
	}

	// Pull: 202, an action that reconciles.
	r = s.Do("POST", groups+uuid+"/pull/", alice, nil).Want(t, 202, "pull")
	if diff := cmp.Diff(map[string]any{"detail": "Pull operation was successfully scheduled."}, r.Object()); diff != "" {
		t.Errorf("pull (-want +got):\n%s", diff)
	}

	// Delete: refused while a server names it (409), then 204.
	if r := s.Do("DELETE", groups+uuid+"/", alice, nil); r.Code != 409 || !strings.Contains(r.Raw, "vm1") {
		t.Errorf("delete while vm1 is in it: %d %s", r.Code, r.Raw)
	}
	s.Do("DELETE", "/v1.0/servers/vm1", alice, nil).Want(t, 204, "delete vm1")
	wait.Until(t, "vm1 gone", func() bool { return s.Do("GET", "/v1.0/servers/vm1", alice, nil).Code == 404 })
	s.Do("DELETE", groups+uuid+"/", alice, nil).Want(t, 204, "delete")
	wait.Until(t, "group gone", func() bool { return s.Do("GET", groups+uuid+"/", alice, nil).Code == 404 })
	for _, loc := range []string{"loc-1", "loc-2"} {
		if n := len(s.Factory.VIM(loc).Objects("server_group")); n != 0 {
			t.Errorf("%s still has %d server groups", loc, n)
		}
	}
}

func TestStaffActions(t *testing.T) {
	s := newServer(t)
	admin, alice := s.Token("admin"), s.Token("alice")
	uuid := create(t, s, alice, map[string]any{"name": "g", "policy": "affinity"})["uuid"].(string)
	waitState(t, s, alice, uuid, "OK")

	for _, action := range []string{"set_erred", "set_ok", "unlink"} {
		r := s.Do("POST", groups+uuid+"/"+action+"/", alice, map[string]any{})
		if r.Code != 403 || r.Object()["detail"] != "You do not have permission to perform this action." {
			t.Errorf("member %s: %d %s", action, r.Code, r.Raw)
		}
	}

	r := s.Do("POST", groups+uuid+"/set_erred/", admin, map[string]any{"error_message": "hypervisor lost", "error_traceback": "Traceback: ..."}).
		Want(t, 200, "set_erred")
	if diff := cmp.Diff(map[string]any{"detail": "Resource has been marked as ERRED."}, r.Object()); diff != "" {
		t.Errorf("set_erred (-want +got):\n%s", diff)
	}
	g := s.Do("GET", groups+uuid+"/", alice, nil).Object()
	if g["state"] != "ERRED" || g["error_message"] != "hypervisor lost" || g["error_traceback"] != "Traceback: ..." {
		t.Errorf("after set_erred: %v %q %q", g["state"], g["error_message"], g["error_traceback"])
	}
	// ERRED filters.
	for _, state := range []string{"ERRED", "Erred", "erred"} {
		if n := len(s.Do("GET", groups+"?state="+state, alice, nil).Want(t, 200, "state filter").Array()); n != 1 {
			t.Errorf("?state=%s: %d groups", state, n)
		}
	}
	r = s.Do("POST", groups+uuid+"/set_ok/", admin, nil).Want(t, 200, "set_ok")
	if diff := cmp.Diff(map[string]any{"detail": "Resource has been marked as OK."}, r.Object()); diff != "" {
		t.Errorf("set_ok (-want +got):\n%s", diff)
	}
	g = s.Do("GET", groups+uuid+"/", alice, nil).Object()
	if g["state"] != "OK" || g["error_message"] != "" || g["error_traceback"] != "" {
		t.Errorf("after set_ok: %v %q %q", g["state"], g["error_message"], g["error_traceback"])
	}

	// Unlink forgets it at once and leaves the Nova groups in place.
	s.Do("POST", groups+uuid+"/unlink/", admin, nil).Want(t, 204, "unlink")
	s.Do("GET", groups+uuid+"/", admin, nil).Want(t, 404, "unlinked")
	for _, loc := range []string{"loc-1", "loc-2"} {
		if n := len(s.Factory.VIM(loc).Objects("server_group")); n != 1 {
			t.Errorf("%s has %d server groups after unlink, want the one left", loc, n)
		}
	}
}

func TestStateValidators(t *testing.T) {
	s := newServer(t)
	alice := s.Token("alice")
	// A location that never answers keeps a group placed there creating.
	s.Factory.VIM("loc-1").FailRate(fake.OpAny, 1, resource.Unavailable)
	uuid := create(t, s, alice, map[string]any{"name": "stuck", "service_settings": s.URL + "/api/service-settings/loc-1/"})["uuid"].(string)
	for _, path := range []string{groups + uuid + "/pull/", groups + uuid + "/"} {
		method := "POST"
		if !strings.HasSuffix(path, "pull/") {
			method = "DELETE"
		}
		r := s.Do(method, path, alice, nil)
		if r.Code != 409 || r.Object()["detail"] != "Valid states for operation: OK, ERRED." {
			t.Errorf("%s %s while creating: %d %s", method, path, r.Code, r.Raw)
		}
	}
	g := s.Do("GET", groups+uuid+"/", alice, nil).Object()
	if g["service_settings_uuid"] != "loc-1" || g["backend_id"] != "" {
		t.Errorf("a group placed at loc-1: %v %v", g["service_settings_uuid"], g["backend_id"])
	}
}

func TestListFiltersAndPaging(t *testing.T) {
	s := newServer(t)
	admin, alice, bob := s.Token("admin"), s.Token("alice"), s.Token("bob")
	var aliceIDs []string
	for i := range 12 {
		g := create(t, s, alice, map[string]any{"name": fmt.Sprintf("a-%02d", i), "policy": "soft-affinity"})
		aliceIDs = append(aliceIDs, g["uuid"].(string))
	}
	create(t, s, bob, map[string]any{"name": "b-00", "description": "Bob's", "policy": "soft-anti-affinity"})
	create(t, s, admin, map[string]any{"name": "c-00", "tenant": "t2"})

	// Default page size 10, Link and X-Result-Count.
	r := s.Do("GET", groups+"?field=name", alice, nil).Want(t, 200, "page 1")
	if n := len(r.Array()); n != 10 || r.Header.Get("X-Result-Count") != "12" {
		t.Errorf("page 1: %d items, X-Result-Count %q", n, r.Header.Get("X-Result-Count"))
	}
	base := s.URL + groups
	wantLink := `<` + base + `?field=name>; rel="first", <` + base + `?field=name&page=2>; rel="next", <` + base + `?field=name&page=2>; rel="last"`
	if got := r.Header.Get("Link"); got != wantLink {
		t.Errorf("Link\n got %s\nwant %s", got, wantLink)
	}
	r = s.Do("GET", groups+"?field=name&page=2", alice, nil).Want(t, 200, "page 2")
	if n := len(r.Array()); n != 2 {
		t.Errorf("page 2: %d items", n)
	}
	if got := r.Header.Get("Link"); !strings.Contains(got, `<`+base+`?field=name>; rel="prev"`) || strings.Contains(got, `rel="next"`) {
		t.Errorf("page 2 Link %s", got)
	}
	if n := len(s.Do("GET", groups+"?page=last&page_size=5", alice, nil).Want(t, 200, "last").Array()); n != 2 {
		t.Errorf("page=last of 5: %d items", n)
	}
	for _, page := range []string{"3", "0", "x"} {
		r := s.Do("GET", groups+"?page="+page, alice, nil)
		if r.Code != 404 || r.Object()["detail"] != "Not found." {
			t.Errorf("page=%s: %d %s", page, r.Code, r.Raw)
		}
	}
	if n := len(s.Do("GET", groups+"?page_size=1000", alice, nil).Want(t, 200, "big page").Array()); n != 12 {
		t.Errorf("page_size=1000: %d items", n)
	}

	names := func(r apitest.Response) []string {
		var out []string
		for _, v := range r.Array() {
			out = append(out, v.(map[string]any)["name"].(string))
		}
		return out
	}
	for name, tc := range map[string]struct {
		token, query string
		want         []string
	}{
		"a member sees their tenant":        {bob, "", []string{"b-00", "c-00"}},
		"name contains":                     {alice, "?name=A-1", []string{"a-10", "a-11"}},
		"name exact":                        {alice, "?name_exact=a-03", []string{"a-03"}},
		"description contains":              {admin, "?description=bob", []string{"b-00"}},
		"customer":                          {admin, "?customer=t2&o=name", []string{"b-00", "c-00"}},
		"tenant link":                       {admin, "?tenant=" + s.URL + "/api/openstack-tenants/t2/&o=-name", []string{"c-00", "b-00"}},
		"a bad tenant link matches nothing": {admin, "?tenant=" + s.URL + "/api/other/t2/", nil},
		"another tenant's customer":         {bob, "?customer_uuid=t1", nil},
		"uuid":                              {alice, "?uuid=" + aliceIDs[4], []string{"a-04"}},
		"external ip":                       {admin, "?external_ip=1.2.3.4", nil},
		"cannot manage":                     {admin, "?can_manage=false", nil},
		"order by name, descending":         {bob, "?o=-name", []string{"c-00", "b-00"}},
		"project name":                      {admin, "?project_name=T2&o=name", []string{"b-00", "c-00"}},
	} {
		t.Run(name, func(t *testing.T) {
			r := s.Do("GET", groups+tc.query, tc.token, nil).Want(t, 200, tc.query)
			got := names(r)
			if !strings.Contains(tc.query, "o=") {
				slices.Sort(got)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	s := newServer(t)
	admin, alice, bob := s.Token("admin"), s.Token("alice"), s.Token("bob")
	uuid := create(t, s, alice, map[string]any{"name": "taken"})["uuid"].(string)
	for name, tc := range map[string]struct {
		method, path, token string
		body                any
		headers             []string
		status              int
		want                map[string]any
	}{
		"no credentials":          {"GET", groups, "", nil, nil, 401, map[string]any{"detail": "Authentication credentials were not provided."}},
		"bad token":               {"GET", groups, "", nil, []string{"Authorization", "Token nope"}, 401, map[string]any{"detail": "Invalid token."}},
		"another's group":         {"GET", groups + uuid + "/", bob, nil, nil, 404, map[string]any{"detail": "Not found."}},
		"no such group":           {"GET", groups + "nope/", alice, nil, nil, 404, map[string]any{"detail": "Not found."}},
		"an id with a slash":      {"GET", groups + "a%2Fb/", alice, nil, nil, 404, map[string]any{"detail": "Not found."}},
		"update":                  {"PUT", groups + uuid + "/", alice, map[string]any{}, nil, 405, map[string]any{"detail": `Method "PUT" not allowed.`}},
		"name missing":            {"POST", groups, alice, map[string]any{"policy": "affinity"}, nil, 400, map[string]any{"name": []any{"This field is required."}}},
		"name blank":              {"POST", groups, alice, map[string]any{"name": " "}, nil, 400, map[string]any{"name": []any{"This field may not be blank."}}},
		"name too long":           {"POST", groups, alice, map[string]any{"name": strings.Repeat("n", 151)}, nil, 400, map[string]any{"name": []any{"Ensure this field has no more than 150 characters."}}},
		"bad policy":              {"POST", groups, alice, map[string]any{"name": "x", "policy": "spread"}, nil, 400, map[string]any{"policy": []any{`"spread" is not a valid choice.`}}},
		"wrong type":              {"POST", groups, alice, map[string]any{"name": 7}, nil, 400, map[string]any{"name": []any{"must be a string, not number"}}},
		"unknown field":           {"POST", groups, alice, map[string]any{"name": "x", "size": 3}, nil, 400, map[string]any{"size": []any{"unknown field"}}},
		"duplicate name":          {"POST", groups, alice, map[string]any{"name": "taken"}, nil, 400, map[string]any{"non_field_errors": []any{"Server group name should be unique."}}},
		"another tenant":          {"POST", groups, alice, map[string]any{"name": "x", "tenant": "t2"}, nil, 400, map[string]any{"tenant": []any{"Invalid hyperlink - Object does not exist."}}},
		"unknown location":        {"POST", groups, alice, map[string]any{"name": "x", "service_settings": "loc-9"}, nil, 400, map[string]any{"service_settings": []any{"Invalid hyperlink - Object does not exist."}}},
		"bad link":                {"POST", groups, alice, map[string]any{"name": "x", "tenant": "http://h/api/x/"}, nil, 400, map[string]any{"tenant": []any{"Invalid hyperlink - No URL match."}}},
		"not JSON":                {"POST", groups, alice, `{"name":`, nil, 400, map[string]any{"non_field_errors": []any{"the body is empty or cut short: a JSON object is required"}}},
		"unknown filter":          {"GET", groups + "?colour=red", alice, nil, nil, 400, map[string]any{"colour": []any{"Unknown filter."}}},
		"unknown field name":      {"GET", groups + "?field=size", alice, nil, nil, 400, map[string]any{"field": []any{"Select a valid choice. size is not one of the available choices."}}},
		"bad state":               {"GET", groups + "?state=SLEEPING", alice, nil, nil, 400, map[string]any{"state": []any{"Select a valid choice. SLEEPING is not one of the available choices."}}},
		"bad page size":           {"GET", groups + "?page_size=-1", alice, nil, nil, 400, map[string]any{"page_size": []any{"A valid positive integer is required."}}},
		"bad ordering":            {"GET", groups + "?o=size", alice, nil, nil, 400, map[string]any{"o": []any{"Select a valid choice. size is not one of the available choices."}}},
		"set_erred unknown field": {"POST", groups + uuid + "/set_erred/", admin, map[string]any{"message": "x"}, nil, 400, map[string]any{"message": []any{"unknown field"}}},
		"set_erred overlong": {"POST", groups + uuid + "/set_erred/", admin, map[string]any{"error_message": strings.Repeat("x", 5000)}, nil, 400,
			map[string]any{"error_message": []any{"longer than 4096 bytes"}}},
	} {
		t.Run(name, func(t *testing.T) {
			r := s.Do(tc.method, tc.path, tc.token, tc.body, tc.headers...)
			if r.Code != tc.status {
				t.Fatalf("%d %s, want %d", r.Code, r.Raw, tc.status)
			}
			if diff := cmp.Diff(tc.want, r.Object()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	// Nothing was created or changed by the refusals.
	if n := s.Do("GET", groups, admin, nil).Header.Get("X-Result-Count"); n != "1" {
		t.Errorf("%s groups after the refusals, want 1", n)
	}
	if st := s.Do("GET", groups+uuid+"/", alice, nil).Object()["error_message"]; st != "" {
		t.Errorf("error_message %q after a refused set_erred", st)
	}
	// The path without its trailing slash is the same.
	s.Do("GET", strings.TrimSuffix(groups, "/"), alice, nil).Want(t, 200, "no trailing slash")
	s.Do("GET", groups+uuid, alice, nil).Want(t, 200, "item without trailing slash")
}

// TestConcurrentCreatesKeepNamesUnique: creates racing with one name in
// one tenant: exactly one is made, the others answer Waldur's 400.
func TestConcurrentCreatesKeepNamesUnique(t *testing.T) {
	s := newServer(t)
	alice := s.Token("alice")
	const racers = 8
	codes := make(chan int, racers)
	var wg sync.WaitGroup
	for range racers {
		wg.Go(func() {
			codes <- s.Do("POST", groups, alice, map[string]any{"name": "racing"}).Code
		})
	}
	wg.Wait()
	close(codes)
	got := map[int]int{}
	for c := range codes {
		got[c]++
	}
	if diff := cmp.Diff(map[int]int{201: 1, 400: racers - 1}, got); diff != "" {
		t.Errorf("answers by status (-want +got):\n%s", diff)
	}
	if n := len(s.Do("GET", groups+"?name=racing", alice, nil).Array()); n != 1 {
		t.Errorf("%d groups named racing, want 1", n)
	}
}
