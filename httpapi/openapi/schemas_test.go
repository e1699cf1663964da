package openapi_test

import (
	"encoding/json"
	"net/http"
	"path"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/internal/testutil/wait"
)

// check validates v against a component schema and reports every
// mismatch; answers must document every key they hold.
func (s *spec) check(t *testing.T, what, name string, v any, answer bool) {
	t.Helper()
	for _, e := range s.validate(map[string]any{"$ref": "#/components/schemas/" + name}, v, what, answer) {
		t.Error(e)
	}
}

// roundTrip makes v generic JSON, as a client would hold it.
func roundTrip(t *testing.T, v any) any {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	json.Unmarshal(raw, &out)
	return out
}

// TestWritesMatchTheSchemas: bodies valid by the documented request
// schemas are accepted, and the answers (with their ETag, Location and
// wrappers) are valid by the documented answer schemas; a field the
// schema refuses is refused by the API too (400 naming it).
func TestWritesMatchTheSchemas(t *testing.T) {
	api := newAPI(t)
	s := fetchSpec(t, api)
	admin := api.Token("admin")
	for _, w := range []struct {
		kind, path string
		body       map[string]any
	}{
		{"network", "/v1.0/tenant/networks", map[string]any{"network": map[string]any{"id": "net-1", "name": "net-1", "cidr": "10.0.0.0/16", "local_prefix_len": 24}}},
		{"image", "/v1.0/tenant/images", map[string]any{"image": map[string]any{"id": "cirros", "name": "cirros", "disk_format": "qcow2", "container_format": "bare"}}},
		{"flavor", "/v1.0/tenant/flavors", map[string]any{"flavor": map[string]any{"id": "small", "name": "small", "ram": 512, "vcpus": 1, "disk": 1}}},
		{"server", "/v1.0/servers", map[string]any{"server": map[string]any{"id": "vm-1", "name": "vm-1", "image_id": "cirros", "flavor_id": "small",
			"network_id": "net-1", "user_data": "#cloud-config", "orca": map[string]any{"labels": map[string]any{"app": "web"}}}}},
		{"action", "/v1.0/actions", map[string]any{"action": map[string]any{"target_kind": "server", "target_id": "vm-1", "verb": "reboot", "params": map[string]any{"type": "hard"}}}},
	} {
		s.check(t, "request "+w.kind, w.kind+".request", roundTrip(t, w.body), false)
		r := api.Do("POST", w.path, admin, w.body)
		if r.Code != http.StatusCreated && r.Code != http.StatusAccepted {
			t.Fatalf("POST %s: %d %s", w.path, r.Code, r.Raw)
		}
		s.check(t, "answer "+w.kind, w.kind+".one", r.Body, true)
		if r.Header.Get("ETag") == "" || r.Header.Get("Location") == "" {
			t.Errorf("POST %s: ETag %q, Location %q; both are documented", w.path, r.Header.Get("ETag"), r.Header.Get("Location"))
		}
	}

	etag := api.Do("GET", "/v1.0/tenant/networks/net-1", admin, nil).Want(t, http.StatusOK, "GET net-1").Header.Get("ETag")
	update := map[string]any{"network": map[string]any{"description": "edge", "orca": map[string]any{"placement": nil}}}
	s.check(t, "update network", "network.request", roundTrip(t, update), false)
	r := api.Do("PUT", "/v1.0/tenant/networks/net-1", admin, update, "If-Match", etag).Want(t, http.StatusOK, "PUT with If-Match")
	s.check(t, "updated network", "network.one", r.Body, true)
	r = api.Do("PUT", "/v1.0/tenant/networks/net-1", admin, update, "If-Match", etag).Want(t, http.StatusPreconditionFailed, "PUT with a stale If-Match")
	s.check(t, "412", "orca.error", r.Body, true)

	unknown := map[string]any{"network": map[string]any{"id": "net-2", "colour": "red"}}
	if errs := s.validate(s.schema(t, "network.request"), roundTrip(t, unknown), "body", false); len(errs) == 0 {
		t.Error("the network request schema admits an unknown field")
	}
	r = api.Do("POST", "/v1.0/tenant/networks", admin, unknown).Want(t, http.StatusBadRequest, "an unknown field")
	if _, field := errorOf(r.Object()); field != "colour" {
		t.Errorf("the 400 names field %q, want colour", field)
	}
	s.check(t, "400", "orca.error", r.Body, true)

	// Secrets are accepted, never answered.
	input := s.schema(t, "server.input")["properties"].(map[string]any)
	answer := s.schema(t, "server")["properties"].(map[string]any)
	for _, secret := range []string{"user_data", "config_files"} {
		if p, ok := input[secret].(map[string]any); !ok || p["writeOnly"] != true {
			t.Errorf("server.input.%s: %v, want a writeOnly property", secret, input[secret])
		}
		if _, ok := answer[secret]; ok {
			t.Errorf("the server answer documents its secret %s", secret)
		}
	}
}

// TestAnswersMatchTheSchemas: what real GETs answer (network, server,
// their per-location copies, locations, events, errors, a token) is valid
// by the documented schemas, and the network's and the server's keys are
// exactly their schemas' required fields: the schema lists the fields a
// GET returns, no more, no fewer.
func TestAnswersMatchTheSchemas(t *testing.T) {
	api := newAPI(t)
	s := fetchSpec(t, api)
	admin := api.Token("admin")
	for p, body := range map[string]any{
		"/v1.0/tenant/networks": map[string]any{"network": map[string]any{"id": "net-1", "name": "net-1", "cidr": "10.0.0.0/16", "local_prefix_len": 24}},
		"/v1.0/tenant/images":   map[string]any{"image": map[string]any{"id": "cirros", "name": "cirros", "disk_format": "qcow2", "container_format": "bare"}},
		"/v1.0/tenant/flavors":  map[string]any{"flavor": map[string]any{"id": "small", "name": "small", "ram": 512, "vcpus": 1, "disk": 1}},
	} {
		api.Do("POST", p, admin, body).Want(t, http.StatusCreated, "POST "+p)
	}
	api.Do("POST", "/v1.0/servers", admin, map[string]any{"server": map[string]any{"id": "vm-1", "name": "vm-1",
		"image_id": "cirros", "flavor_id": "small", "network_id": "net-1"}}).Want(t, http.StatusCreated, "POST server")
	count := func(p string) int {
		r := api.Do("GET", p, admin, nil)
		l, _ := r.Object()[pluralOf(p)].([]any)
		return len(l)
	}
	wait.Until(t, "both local networks, a local server and an event of net-1", func() bool {
		return count("/v1.0/tenant/local_networks?network_id=net-1") == 2 && count("/v1.0/local_servers?server_id=vm-1") > 0 &&
			count("/v1.0/events?subject_id=net-1") > 0
	})

	for name, tc := range map[string]struct {
		path, token, schema string
		code                int
		exact               string // the wrapper whose object's keys must be the schema's required fields
	}{
		"network":             {"/v1.0/tenant/networks/net-1", admin, "network.one", http.StatusOK, "network"},
		"server":              {"/v1.0/servers/vm-1", admin, "server.one", http.StatusOK, "server"},
		"servers at an alias": {"/v1.0/tenant/servers", admin, "server.list", http.StatusOK, ""},
		"local networks":      {"/v1.0/tenant/local_networks?network_id=net-1", admin, "local_network.list", http.StatusOK, ""},
		"local servers":       {"/v1.0/local_servers?server_id=vm-1", admin, "local_server.list", http.StatusOK, ""},
		"locations":           {"/v1.0/locations", api.Token("alice"), "location.list", http.StatusOK, ""},
		"events":              {"/v1.0/events?subject_id=net-1&sort_order=desc", admin, "event.list", http.StatusOK, ""},
		"not found":           {"/v1.0/tenant/networks/nope", admin, "orca.error", http.StatusNotFound, ""},
		"no token":            {"/v1.0/tenant/networks", "", "orca.error", http.StatusUnauthorized, ""},
		"members' admin kind": {"/v1.0/admin/id_pools", api.Token("alice"), "orca.error", http.StatusForbidden, ""},
		"bad query":           {"/v1.0/tenant/networks?limit=-1", admin, "orca.error", http.StatusBadRequest, ""},
	} {
		t.Run(name, func(t *testing.T) {
			r := api.Do("GET", tc.path, tc.token, nil).Want(t, tc.code, "GET "+tc.path)
			s.check(t, name, tc.schema, r.Body, true)
			if p := pluralOf(tc.path); tc.code == http.StatusOK && r.Object()[p] != nil && len(asList(r.Object()[p])) == 0 {
				t.Errorf("GET %s: an empty list proves nothing", tc.path)
			}
			if tc.exact == "" {
				return
			}
			obj, _ := r.Object()[tc.exact].(map[string]any)
			required := asStrings(s.schema(t, tc.exact)["required"])
			sort.Strings(required)
			if diff := cmp.Diff(required, keys(obj)); diff != "" {
				t.Errorf("the keys of a real %s are not the schema's required fields (-schema +GET):\n%s", tc.exact, diff)
			}
		})
	}

	login := map[string]any{"auth": map[string]any{"identity": map[string]any{"methods": []string{"password"},
		"password": map[string]any{"user": map[string]any{"name": "alice", "password": "alice-pw", "domain": map[string]any{"name": "Default"}}}}}}
	s.check(t, "login request", "auth.request", roundTrip(t, login), false)
	r := api.Do("POST", "/v3/auth/tokens", "", login).Want(t, http.StatusCreated, "login")
	s.check(t, "login answer", "auth.token", r.Body, true)
	if r.Header.Get("X-Subject-Token") == "" {
		t.Error("login answered no X-Subject-Token")
	}
}

// pluralOf is a list path's wrapper: its last segment, before a query.
func pluralOf(p string) string {
	p, _, _ = strings.Cut(p, "?")
	return path.Base(p)
}
