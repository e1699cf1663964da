package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/identity"
	"github.com/orca-nfv/orca/internal/testutil/wait"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

func netBody(id, cidr string) map[string]any {
	return map[string]any{"network": map[string]any{"id": id, "name": id, "cidr": cidr}}
}

func TestLogin(t *testing.T) {
	s := newServer(t, serverOptions{})
	tok := s.login("alice", "alice-pw")
	r := s.do("GET", "/v3/auth/tokens", tok, nil, "X-Subject-Token", tok).want(t, 200, "validate own token")
	tk := r.obj("token")
	if tk["project"].(map[string]any)["id"] != "t1" || !strings.HasSuffix(tk["expires_at"].(string), "Z") {
		t.Errorf("token body %v", tk)
	}
	if _, err := time.Parse(keystoneTime, tk["expires_at"].(string)); err != nil {
		t.Errorf("expires_at %v: %v", tk["expires_at"], err)
	}
	bad := []struct {
		name string
		body any
		code int
	}{
		{"wrong password", map[string]any{"auth": map[string]any{"identity": map[string]any{"methods": []string{"password"},
			"password": map[string]any{"user": map[string]any{"name": "alice", "password": "nope"}}}}}, 401},
		{"unknown user", map[string]any{"auth": map[string]any{"identity": map[string]any{"methods": []string{"password"},
			"password": map[string]any{"user": map[string]any{"name": "mallory", "password": "x"}}}}}, 401},
		{"wrong project", map[string]any{"auth": map[string]any{"identity": map[string]any{"methods": []string{"password"},
			"password": map[string]any{"user": map[string]any{"name": "alice", "password": "alice-pw"}}},
			"scope": map[string]any{"project": map[string]any{"name": "t2"}}}}, 401},
		{"token method", map[string]any{"auth": map[string]any{"identity": map[string]any{"methods": []string{"token"}}}}, 400},
		{"no password", map[string]any{"auth": map[string]any{"identity": map[string]any{"methods": []string{"password"},
			"password": map[string]any{"user": map[string]any{"name": "alice"}}}}}, 400},
		{"unknown field", map[string]any{"auth": map[string]any{"identiti": map[string]any{}}}, 400},
		{"long name", map[string]any{"auth": map[string]any{"identity": map[string]any{"methods": []string{"password"},
			"password": map[string]any{"user": map[string]any{"name": strings.Repeat("a", 256), "password": "x"}}}}}, 400},
		{"long password", map[string]any{"auth": map[string]any{"identity": map[string]any{"methods": []string{"password"},
			"password": map[string]any{"user": map[string]any{"name": "alice", "password": strings.Repeat("p", 4097)}}}}}, 400},
		{"not json", `{"auth":`, 400},
		{"empty", ``, 400},
	}
	for _, tc := range bad {
		r := s.do("POST", "/v3/auth/tokens", "", tc.body)
		if msg, _ := r.errMessage(); r.code != tc.code || msg == "" || r.header.Get("X-Subject-Token") != "" {
			t.Errorf("%s: %d %s, want %d with a message and no token", tc.name, r.code, r.raw, tc.code)
		}
	}
	// Logout ends the token.
	s.do("DELETE", "/v3/auth/tokens", tok, nil, "X-Subject-Token", tok).want(t, 204, "revoke")
	s.do("GET", "/v1.0/tenant/networks", tok, nil).want(t, 401, "after logout")
}

// TestLoginThrottle: failed logins slow the next ones for that user at that
// address, with 429 and Retry-After, without checking the password; other
// users and addresses are not slowed, and the burst is not spent by
// successes.
func TestLoginThrottle(t *testing.T) {
	s := newServer(t, serverOptions{throttle: identity.NewThrottle(&identity.ThrottleOptions{Burst: 3, Base: time.Hour})})
	for range 5 {
		s.login("bob", "bob-pw")
	}
	guess := func(user, password string) response {
		return s.do("POST", "/v3/auth/tokens", "", map[string]any{"auth": map[string]any{"identity": map[string]any{
			"methods": []string{"password"}, "password": map[string]any{"user": map[string]any{"name": user, "password": password}}}}})
	}
	for i := range 3 {
		guess("alice", fmt.Sprint("guess-", i)).want(t, 401, "a wrong password within the burst")
	}
	r := guess("alice", "alice-pw")
	if msg, _ := r.errMessage(); r.code != 429 || r.header.Get("Retry-After") != "3600" || !strings.Contains(msg, "too many failed logins") ||
		r.header.Get("X-Subject-Token") != "" {
		t.Errorf("after the burst: %d Retry-After %q %s, want 429 without a token", r.code, r.header.Get("Retry-After"), r.raw)
	}
	s.login("bob", "bob-pw")

	req := httptest.NewRequest("POST", "/v3/auth/tokens", strings.NewReader(
		`{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"alice","password":"alice-pw"}}}}}`))
	req.Header.Set("Content-Type", "application/json")
	req.RemoteAddr = "192.0.2.9:40000"
	w := httptest.NewRecorder()
	s.h.ServeHTTP(w, req)
	if w.Code != 201 {
		t.Errorf("alice from another address: %d %s", w.Code, w.Body)
	}
}

func TestTenancyMatrix(t *testing.T) {
	s := newServer(t, serverOptions{})
	admin, alice, bob := s.login("admin", "admin-pw"), s.login("alice", "alice-pw"), s.login("bob", "bob-pw")
	s.do("POST", "/v1.0/tenant/networks", alice, netBody("alice-net", "10.1.0.0/24")).want(t, 201, "alice creates")
	s.do("POST", "/v1.0/tenant/networks", bob, netBody("bob-net", "10.2.0.0/24")).want(t, 201, "bob creates")
	wait.Until(t, "events recorded", func() bool {
		r := s.do("GET", "/v1.0/events?subject_id=alice-net", admin, nil)
		return r.code == 200 && r.header.Get("X-Total-Count") != "0"
	})

	tests := []struct {
		name   string
		token  string
		method string
		path   string
		body   any
		code   int
	}{
		{"anonymous list", "", "GET", "/v1.0/tenant/networks", nil, 401},
		{"bad token", "not-a-token", "GET", "/v1.0/tenant/networks", nil, 401},
		{"alice reads hers", alice, "GET", "/v1.0/tenant/networks/alice-net", nil, 200},
		{"bob reads alice's", bob, "GET", "/v1.0/tenant/networks/alice-net", nil, 404},
		{"bob updates alice's", bob, "PUT", "/v1.0/tenant/networks/alice-net", map[string]any{"network": map[string]any{"description": "x"}}, 404},
		{"bob deletes alice's", bob, "DELETE", "/v1.0/tenant/networks/alice-net", nil, 404},
		{"admin reads alice's", admin, "GET", "/v1.0/tenant/networks/alice-net", nil, 200},
		{"bob creates in t1", bob, "POST", "/v1.0/tenant/networks", map[string]any{"network": map[string]any{"tenant_id": "t1", "cidr": "10.3.0.0/24"}}, 403},
		{"admin creates in t1", admin, "POST", "/v1.0/tenant/networks", map[string]any{"network": map[string]any{"id": "by-admin", "tenant_id": "t1", "cidr": "10.3.0.0/24"}}, 201},
		{"bob names alice's network", bob, "POST", "/v1.0/servers", map[string]any{"server": map[string]any{"image_id": "x", "flavor_id": "y", "network_id": "alice-net"}}, 400},
		{"alice reads locations", alice, "GET", "/v1.0/locations", nil, 200},
		{"alice creates a location", alice, "POST", "/v1.0/locations", map[string]any{"location": map[string]any{"keystone_endpoint": "fake://x"}}, 403},
		{"alice reads id pools", alice, "GET", "/v1.0/admin/id_pools", nil, 403},
		{"admin reads id pools", admin, "GET", "/v1.0/admin/id_pools", nil, 200},
		{"bob reads alice's events", bob, "GET", "/v1.0/events?subject_id=alice-net", nil, 200},
		{"bob acts on alice's", bob, "POST", "/v1.0/actions", map[string]any{"action": map[string]any{"target_kind": "network", "target_id": "alice-net", "verb": "pull"}}, 404},
		{"alice acts on hers", alice, "POST", "/v1.0/actions", map[string]any{"action": map[string]any{"target_kind": "network", "target_id": "alice-net", "verb": "pull"}}, 202},
		{"alice writes a local", alice, "PUT", "/v1.0/tenant/local_networks/x", map[string]any{"local_network": map[string]any{}}, 403},
		{"admin writes a local", admin, "POST", "/v1.0/tenant/local_networks", map[string]any{"local_network": map[string]any{}}, 403},
		{"alice reads debug vars", alice, "GET", "/debug/vars", nil, 403},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := s.do(tc.method, tc.path, tc.token, tc.body)
			if r.code != tc.code {
				t.Fatalf("%d %s, want %d", r.code, r.raw, tc.code)
			}
			if r.code >= 400 {
				if msg, _ := r.errMessage(); msg == "" {
					t.Errorf("error without a message: %s", r.raw)
				}
			}
		})
	}

	// Lists are scoped: members see their tenant, admins everyone.
	count := func(tok, query string) string {
		return s.do("GET", "/v1.0/tenant/networks"+query, tok, nil).want(t, 200, "list").header.Get("X-Total-Count")
	}
	if got := count(alice, ""); got != "2" { // alice-net and by-admin
		t.Errorf("alice sees %s networks, want 2", got)
	}
	if got := count(bob, "?tenant_id=t1"); got != "0" {
		t.Errorf("bob asking for t1 sees %s networks, want 0", got)
	}
	if got := count(admin, ""); got != "3" {
		t.Errorf("admin sees %s networks, want 3", got)
	}
	if got := count(admin, "?tenant_id=t2"); got != "1" {
		t.Errorf("admin filtering t2 sees %s, want 1", got)
	}
	if items := s.do("GET", "/v1.0/events?subject_id=alice-net", bob, nil).body["events"].([]any); len(items) != 0 {
		t.Errorf("bob sees alice's events: %v", items)
	}
}

func TestBadInputChangesNothing(t *testing.T) {
	s := newServer(t, serverOptions{})
	alice := s.login("alice", "alice-pw")
	s.do("POST", "/v1.0/tenant/networks", alice, netBody("n1", "10.0.0.0/24")).want(t, 201, "seed network")
	s.do("POST", "/v1.0/tenant/images", alice, map[string]any{"image": map[string]any{"id": "img", "disk_format": "raw", "container_format": "bare"}}).
		want(t, 201, "seed image")
	big := `{"network": {"description": "` + strings.Repeat("x", 70<<10) + `"}}`
	tests := []struct {
		name        string
		method      string
		path        string
		body        any
		contentType string
		code        int
		field       string
	}{
		{"malformed json", "POST", "/v1.0/tenant/networks", `{"network": {"cidr": `, "", 400, ""},
		{"trailing data", "POST", "/v1.0/tenant/networks", `{"network": {"cidr": "10.9.0.0/24"}} {}`, "", 400, ""},
		{"array body", "POST", "/v1.0/tenant/networks", `[1,2]`, "", 400, ""},
		{"empty body", "POST", "/v1.0/tenant/networks", ``, "", 400, ""},
		{"no wrapper", "POST", "/v1.0/tenant/networks", map[string]any{"cidr": "10.9.0.0/24"}, "", 400, ""},
		{"two wrappers", "POST", "/v1.0/tenant/networks", map[string]any{"network": map[string]any{}, "x": 1}, "", 400, ""},
		{"wrapper not an object", "POST", "/v1.0/tenant/networks", map[string]any{"network": "10.9.0.0/24"}, "", 400, ""},
		{"wrong type", "POST", "/v1.0/tenant/networks", map[string]any{"network": map[string]any{"cidr": 10}}, "", 400, "cidr"},
		{"wrong meta type", "POST", "/v1.0/tenant/networks", map[string]any{"network": map[string]any{"name": 5, "cidr": "10.9.0.0/24"}}, "", 400, "name"},
		{"unknown field", "POST", "/v1.0/tenant/networks", map[string]any{"network": map[string]any{"cidr": "10.9.0.0/24", "mtu": 9000}}, "", 400, "mtu"},
		{"missing required", "POST", "/v1.0/tenant/flavors", map[string]any{"flavor": map[string]any{"name": "x"}}, "", 400, "ram"},
		{"invalid cidr", "POST", "/v1.0/tenant/networks", map[string]any{"network": map[string]any{"cidr": "10.9.0.0/33"}}, "", 400, "cidr"},
		{"bad enum", "POST", "/v1.0/tenant/images", map[string]any{"image": map[string]any{"disk_format": "zip", "container_format": "bare"}}, "", 400, "disk_format"},
		{"bad port range", "POST", "/v1.0/tenant/security_group_rules", map[string]any{"security_group_rule": map[string]any{
			"security_group_id": "sg", "direction": "ingress", "protocol": "tcp", "port_range_min": 90, "port_range_max": 80}}, "", 400, "port_range_max"},
		{"rule without group", "POST", "/v1.0/tenant/security_group_rules", map[string]any{"security_group_rule": map[string]any{"direction": "ingress"}}, "", 400, "security_group_id"},
		{"unknown reference", "POST", "/v1.0/servers", map[string]any{"server": map[string]any{"image_id": "nope", "flavor_id": "nope", "network_id": "n1"}}, "", 400, "flavor_id"},
		{"bad id", "POST", "/v1.0/tenant/networks", map[string]any{"network": map[string]any{"id": "a/b", "cidr": "10.9.0.0/24"}}, "", 400, "id"},
		{"duplicate id", "POST", "/v1.0/tenant/networks", netBody("n1", "10.9.0.0/24"), "", 409, "id"},
		{"too big", "POST", "/v1.0/tenant/networks", big, "", 413, ""},
		{"wrong content type", "POST", "/v1.0/tenant/networks", `cidr=10.9.0.0/24`, "application/x-www-form-urlencoded", 415, ""},
		{"id mismatch", "PUT", "/v1.0/tenant/networks/n1", map[string]any{"network": map[string]any{"id": "n2"}}, "", 400, "id"},
		{"immutable change", "PUT", "/v1.0/tenant/images/img", map[string]any{"image": map[string]any{"disk_format": "qcow2"}}, "", 400, "disk_format"},
		{"tenant change", "PUT", "/v1.0/tenant/networks/n1", map[string]any{"network": map[string]any{"tenant_id": "t2"}}, "", 403, "tenant_id"},
		{"update of nothing", "PUT", "/v1.0/tenant/networks/nope", map[string]any{"network": map[string]any{}}, "", 404, ""},
		{"unknown filter", "GET", "/v1.0/tenant/networks?mtu=1", nil, "", 400, "mtu"},
		{"bad limit", "GET", "/v1.0/tenant/networks?limit=-1", nil, "", 400, "limit"},
		{"limit too large", "GET", "/v1.0/tenant/networks?limit=100000", nil, "", 400, "limit"},
		{"bad sort order", "GET", "/v1.0/tenant/networks?sort_order=up", nil, "", 400, "sort_order"},
		{"bad sort key", "GET", "/v1.0/tenant/networks?sort_key=mtu", nil, "", 400, "sort_key"},
		{"bad filter value", "GET", "/v1.0/tenant/networks?local_prefix_len=big", nil, "", 400, "local_prefix_len"},
		{"repeated filter", "GET", "/v1.0/tenant/networks?name=a&name=b", nil, "", 400, "name"},
		{"bad action verb", "POST", "/v1.0/actions", map[string]any{"action": map[string]any{"target_kind": "network", "target_id": "n1", "verb": "explode"}}, "", 400, "verb"},
		{"action on a network", "POST", "/v1.0/actions", map[string]any{"action": map[string]any{"target_kind": "network", "target_id": "n1", "verb": "reboot"}}, "", 400, "verb"},
		{"bad If-Match", "PUT", "/v1.0/tenant/networks/n1", map[string]any{"network": map[string]any{}}, "", 400, ""},
	}
	before := s.total(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var headers []string
			if tc.contentType != "" {
				headers = append(headers, "Content-Type", tc.contentType)
			}
			if tc.name == "bad If-Match" {
				headers = append(headers, "If-Match", `W/"3"`)
			}
			r := s.do(tc.method, tc.path, alice, tc.body, headers...)
			msg, field := r.errMessage()
			if r.code != tc.code || msg == "" || field != tc.field {
				t.Fatalf("%d %s, want %d naming %q", r.code, r.raw, tc.code, tc.field)
			}
			if r.header.Get("Content-Type") != "application/json; charset=utf-8" {
				t.Errorf("error content type %q", r.header.Get("Content-Type"))
			}
		})
	}
	if after := s.total(t); after != before {
		t.Errorf("bad requests changed the store: %d resources, were %d", after, before)
	}
	n := s.do("GET", "/v1.0/tenant/networks/n1", alice, nil).obj("network")
	if n["cidr"] != "10.0.0.0/24" {
		t.Errorf("n1 changed: %v", n)
	}
}

// total counts the user-visible resources (events and copies excluded: the
// orchestrator writes those on its own).
func (s *server) total(t *testing.T) int {
	n := 0
	for _, k := range s.h.reg.Kinds() {
		if info, _ := s.h.reg.Info(k); writable(info) {
			page, err := s.s.List(context.Background(), store.Filter{Kind: k})
			if err != nil {
				t.Fatal(err)
			}
			n += page.Total
		}
	}
	return n
}

func TestIfMatchAndReferencedDelete(t *testing.T) {
	s := newServer(t, serverOptions{})
	alice := s.login("alice", "alice-pw")
	r := s.do("POST", "/v1.0/tenant/networks", alice, netBody("n1", "10.0.0.0/24")).want(t, 201, "create")
	first := r.header.Get("ETag")
	revision := func() any {
		return s.do("GET", "/v1.0/tenant/networks/n1", alice, nil).obj("network")[orcaKey].(map[string]any)["revision"]
	}
	created := revision()
	// The orchestrator records its progress on the network; that is not a
	// change the ETag reports, so the caller's If-Match still holds.
	wait.Until(t, "status written", func() bool { return revision() != created })
	if got := s.do("GET", "/v1.0/tenant/networks/n1", alice, nil).header.Get("ETag"); got != first {
		t.Fatalf("status writes changed the ETag from %s to %s", first, got)
	}
	r = s.do("PUT", "/v1.0/tenant/networks/n1", alice, map[string]any{"network": map[string]any{"description": "a"}}, "If-Match", first).
		want(t, 200, "update at the current revision")
	second := r.header.Get("ETag")
	if second == first {
		t.Fatal("the ETag did not change")
	}
	r = s.do("PUT", "/v1.0/tenant/networks/n1", alice, map[string]any{"network": map[string]any{"description": "b"}}, "If-Match", first)
	if r.code != http.StatusPreconditionFailed {
		t.Fatalf("stale If-Match on PUT: %d %s", r.code, r.raw)
	}
	s.do("DELETE", "/v1.0/tenant/networks/n1", alice, nil, "If-Match", first).want(t, 412, "stale If-Match on DELETE")
	if got := s.do("GET", "/v1.0/tenant/networks/n1", alice, nil).obj("network"); got["description"] != "a" {
		t.Errorf("a refused update changed the network: %v", got)
	}

	// 409 names what still refers to it.
	s.do("POST", "/v1.0/tenant/images", alice, map[string]any{"image": map[string]any{"id": "img", "disk_format": "raw", "container_format": "bare"}}).want(t, 201, "image")
	s.do("POST", "/v1.0/tenant/flavors", alice, map[string]any{"flavor": map[string]any{"id": "fl", "ram": 64, "vcpus": 1}}).want(t, 201, "flavor")
	s.do("POST", "/v1.0/servers", alice, map[string]any{"server": map[string]any{"id": "vm", "image_id": "img", "flavor_id": "fl", "network_id": "n1"}}).want(t, 201, "server")
	r = s.do("DELETE", "/v1.0/tenant/networks/n1", alice, nil).want(t, 409, "referenced delete")
	if msg, _ := r.errMessage(); !strings.Contains(msg, `server "vm"`) {
		t.Errorf("409 does not name the referrer: %q", msg)
	}
}

func TestLocalViewsConverge(t *testing.T) {
	s := newServer(t, serverOptions{})
	alice := s.login("alice", "alice-pw")
	s.do("POST", "/v1.0/tenant/networks", alice, map[string]any{"network": map[string]any{"id": "n1", "cidr": "10.0.0.0/16", "local_prefix_len": 24}}).want(t, 201, "network")
	s.do("POST", "/v1.0/tenant/images", alice, map[string]any{"image": map[string]any{"id": "img", "disk_format": "raw", "container_format": "bare"}}).want(t, 201, "image")
	s.do("POST", "/v1.0/tenant/flavors", alice, map[string]any{"flavor": map[string]any{"id": "fl", "ram": 64, "vcpus": 1}}).want(t, 201, "flavor")
	s.do("POST", "/v1.0/servers", alice, map[string]any{"server": map[string]any{"id": "vm", "image_id": "img", "flavor_id": "fl", "network_id": "n1"}}).want(t, 201, "server")

	var servers []any
	wait.Until(t, "local servers ready at both locations", func() bool {
		r := s.do("GET", "/v1.0/local_servers?server_id=vm&status=Ready", alice, nil)
		servers, _ = r.body["local_servers"].([]any)
		return len(servers) == 2
	})
	for _, it := range servers {
		ls := it.(map[string]any)
		if ls["task_status"] != "ACTIVE" || ls["instance_id"] == "" || !strings.HasPrefix(ls["console_url"].(string), "https://console.") ||
			ls["server_id"] != "vm" || ls["output"] == nil {
			t.Errorf("local server %v", ls)
		}
	}
	nets := s.do("GET", "/v1.0/tenant/local_networks?network_id=n1&sort_key=location_id", alice, nil).body["local_networks"].([]any)
	if len(nets) != 2 || nets[0].(map[string]any)["location_id"] != "loc-1" || nets[0].(map[string]any)["cidr"] == nets[1].(map[string]any)["cidr"] {
		t.Errorf("local networks %v", nets)
	}
	// The server aggregates its copies asynchronously.
	wait.Until(t, "server ready", func() bool {
		st := s.do("GET", "/v1.0/servers/vm", alice, nil).obj("server")[orcaKey].(map[string]any)["status"].(map[string]any)
		return st["phase"] == "Ready" && st["message"] == "ready at 2 location(s)"
	})
	// An action on it, followed through its record.
	r := s.do("POST", "/v1.0/actions", alice, map[string]any{"action": map[string]any{"target_kind": "server", "target_id": "vm", "verb": "power", "params": map[string]any{"target": "off"}}}).
		want(t, 202, "power off")
	loc := r.header.Get("Location")
	wait.Until(t, "power action done", func() bool {
		a := s.do("GET", loc, alice, nil).obj("action")
		return a != nil && a["orca"].(map[string]any)["status"].(map[string]any)["phase"] == "Ready"
	})
}

func TestRoutingDetails(t *testing.T) {
	s := newServer(t, serverOptions{})
	alice := s.login("alice", "alice-pw")
	r := s.do("POST", "/v1.0/tenant/networks/x", alice, map[string]any{})
	if r.code != 405 || !strings.Contains(r.header.Get("Allow"), "PUT") {
		t.Errorf("wrong method: %d, Allow %q", r.code, r.header.Get("Allow"))
	}
	s.do("GET", "/v1.0/tenant/networks/", alice, nil).want(t, 200, "trailing slash")
	s.do("POST", "/v1.0/tenant/networks/", alice, netBody("n1", "10.0.0.0/24")).want(t, 201, "trailing slash on POST")
	if r := s.do("GET", "/v1.0/tenant/nothing", alice, nil); r.code != 404 || r.body["error"] == nil {
		t.Errorf("unknown path: %d %s", r.code, r.raw)
	}
}

func TestMountedUnderAPrefix(t *testing.T) {
	s := newServer(t, serverOptions{baseURL: "/orca/", wrap: func(h http.Handler) http.Handler {
		mux := http.NewServeMux()
		mux.Handle("/orca/", http.StripPrefix("/orca", h))
		return mux
	}})
	r := s.do("POST", "/orca/v3/auth/tokens", "", map[string]any{"auth": map[string]any{"identity": map[string]any{
		"methods": []string{"password"}, "password": map[string]any{"user": map[string]any{"name": "alice", "password": "alice-pw"}}}}}).
		want(t, 201, "login under the prefix")
	tok := r.header.Get("X-Subject-Token")
	r = s.do("POST", "/orca/v1.0/tenant/networks", tok, netBody("n1", "10.0.0.0/24")).want(t, 201, "create under the prefix")
	if loc := r.header.Get("Location"); loc != "/orca/v1.0/tenant/networks/n1" {
		t.Errorf("Location %q", loc)
	}
	s.do("GET", r.header.Get("Location"), tok, nil).want(t, 200, "follow Location")
}

func TestHealthAndDebugVars(t *testing.T) {
	s := newServer(t, serverOptions{})
	admin, alice := s.login("admin", "admin-pw"), s.login("alice", "alice-pw")
	r := s.do("GET", "/healthz", "", nil).want(t, 200, "healthz")
	if r.body["status"] != "ok" || r.body["orchestrator"] != nil {
		t.Errorf("anonymous healthz %v", r.body)
	}
	wait.Until(t, "locations ready", func() bool {
		h, _ := s.do("GET", "/healthz", admin, nil).body["orchestrator"].(map[string]any)
		locs, _ := h["locations"].([]any)
		return len(locs) == 2 && locs[0].(map[string]any)["phase"] == "Ready"
	})
	if r := s.do("GET", "/healthz", alice, nil); r.body["orchestrator"] != nil {
		t.Errorf("a member sees orchestrator details: %v", r.body)
	}
	v := s.do("GET", "/debug/vars", admin, nil).want(t, 200, "debug vars")
	if httpVars, _ := v.body["http"].(map[string]any); httpVars["requests"].(float64) < 3 {
		t.Errorf("http counters %v", v.body["http"])
	}
	if _, ok := v.body["orchestrator"].(map[string]any)["reconciles"]; !ok || strings.Contains(v.raw, "cmdline") {
		t.Errorf("debug vars %s", v.raw)
	}
	s.do("GET", "/debug/vars", "", nil).want(t, 401, "anonymous debug vars")
}

func TestCredentialsNeverRendered(t *testing.T) {
	s := newServer(t, serverOptions{})
	admin := s.login("admin", "admin-pw")
	r := s.do("PUT", "/v1.0/admin/credentials/site-a-creds", admin, map[string]any{"credential": map[string]any{
		"username": "orca", "password": "super-secret-pw", "project_name": "admin"}}).want(t, 200, "set credentials")
	got := s.do("GET", "/v1.0/admin/credentials/site-a-creds", admin, nil).want(t, 200, "get").raw
	list := s.do("GET", "/v1.0/admin/credentials", admin, nil).want(t, 200, "list").raw
	for _, out := range []string{r.raw, got, list} {
		if strings.Contains(out, "super-secret") || strings.Contains(out, "sealed") || strings.Contains(out, "password") {
			t.Errorf("a credential leaks: %s", out)
		}
	}
	s.do("PUT", "/v1.0/admin/credentials/site-a-creds", admin, map[string]any{"credential": map[string]any{"pasword": "typo"}}).want(t, 400, "unknown credential field")
	s.do("POST", "/v1.0/locations", admin, map[string]any{"location": map[string]any{"id": "site-a", "keystone_endpoint": "fake://site-a", "credential_id": "site-a-creds"}}).
		want(t, 201, "location with credentials")
	wait.Until(t, "site-a ready", func() bool {
		l := s.do("GET", "/v1.0/locations/site-a", admin, nil).obj("location")
		return l[orcaKey].(map[string]any)["status"].(map[string]any)["phase"] == "Ready"
	})
	s.do("DELETE", "/v1.0/admin/credentials/site-a-creds", admin, nil).want(t, 409, "delete credentials in use")
}

// panicky is a Backend whose List panics.
type panicky struct{ Backend }

func (panicky) List(context.Context, store.Filter) (*store.Page, error) { panic("boom") }

func TestPanicsAre500(t *testing.T) {
	s := newServer(t, serverOptions{})
	tokens := identity.NewTokens(time.Hour)
	h, err := New(panicky{s.o}, &Options{Auth: tokens, Logger: s.h.log})
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := tokens.Issue(&identity.Principal{UserID: "a", TenantID: "t1", Roles: []string{identity.RoleMember}})
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/v1.0/tenant/networks", nil)
	req.Header.Set("X-Auth-Token", tok)
	h.ServeHTTP(rec, req)
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), "internal error") || strings.Contains(rec.Body.String(), "boom") {
		t.Errorf("panic: %d %s", rec.Code, rec.Body)
	}
	if _, err := New(s.o, &Options{}); err == nil {
		t.Error("New without an authenticator succeeded")
	}
}

func TestRestartKeepsResources(t *testing.T) {
	s := newServer(t, serverOptions{})
	alice := s.login("alice", "alice-pw")
	s.do("POST", "/v1.0/tenant/networks", alice, netBody("n1", "10.0.0.0/24")).want(t, 201, "create")
	wait.Until(t, "ready", func() bool {
		return s.do("GET", "/v1.0/tenant/networks/n1", alice, nil).obj("network")[orcaKey].(map[string]any)["status"].(map[string]any)["phase"] == "Ready"
	})
	s.stop()

	again := newServer(t, serverOptions{dbPath: s.dbPath, factory: s.f})
	again.do("GET", "/v1.0/tenant/networks/n1", alice, nil).want(t, 401, "an old token after a restart")
	alice = again.login("alice", "alice-pw")
	n := again.do("GET", "/v1.0/tenant/networks/n1", alice, nil).want(t, 200, "after restart").obj("network")
	if n["cidr"] != "10.0.0.0/24" {
		t.Errorf("after restart: %v", n)
	}
	if c := again.do("GET", "/v1.0/tenant/local_networks?network_id=n1", alice, nil).header.Get("X-Total-Count"); c != "2" {
		t.Errorf("%s local networks after restart, want 2", c)
	}
	for _, loc := range []string{"loc-1", "loc-2"} {
		if objs := again.f.VIM(loc).Objects(resource.KindNetwork); len(objs) != 1 {
			t.Errorf("%s holds %d networks after restart", loc, len(objs))
		}
	}
}

// TestPlacementOverHTTP: orca.placement restricts a resource to some
// locations; an update without it keeps it, and "placement": null puts the
// resource at every location again.
func TestPlacementOverHTTP(t *testing.T) {
	s := newServer(t, serverOptions{})
	alice := s.login("alice", "alice-pw")
	placedAt := func(want ...string) {
		t.Helper()
		wait.Until(t, fmt.Sprint("copies exactly at ", want), func() bool {
			r := s.do("GET", "/v1.0/tenant/local_networks?network_id=n1&sort_key=location_id", alice, nil)
			var got []string
			for _, it := range r.body["local_networks"].([]any) {
				got = append(got, it.(map[string]any)["location_id"].(string))
			}
			return cmp.Equal(want, got)
		})
	}
	only := func(loc string) map[string]any {
		return map[string]any{"placement": map[string]any{"locations": []string{loc}}}
	}
	s.do("POST", "/v1.0/tenant/networks", alice, map[string]any{"network": map[string]any{"id": "n1", "cidr": "10.0.0.0/24",
		"orca": only("loc-1")}}).want(t, 201, "network at loc-1")
	placedAt("loc-1")

	s.do("PUT", "/v1.0/tenant/networks/n1", alice, map[string]any{"network": map[string]any{"orca": only("loc-2")}}).want(t, 200, "move to loc-2")
	placedAt("loc-2")

	r := s.do("PUT", "/v1.0/tenant/networks/n1", alice, map[string]any{"network": map[string]any{"name": "renamed"}}).want(t, 200, "rename")
	want := map[string]any{"locations": []any{"loc-2"}}
	if diff := cmp.Diff(want, r.obj("network")["orca"].(map[string]any)["placement"]); diff != "" {
		t.Errorf("an update without placement changed it (-want +got):\n%s", diff)
	}

	r = s.do("PUT", "/v1.0/tenant/networks/n1", alice, map[string]any{"network": map[string]any{"orca": map[string]any{"placement": nil}}}).
		want(t, 200, "clear the placement")
	if p, ok := r.obj("network")["orca"].(map[string]any)["placement"]; ok {
		t.Errorf("placement after clearing: %v", p)
	}
	placedAt("loc-1", "loc-2")
}
