package mogan_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/httpapi/mogan"
	"github.com/orca-nfv/orca/internal/testutil/apitest"
	"github.com/orca-nfv/orca/internal/testutil/wait"
	"github.com/orca-nfv/orca/resource"
)

const instances = "/v1/instances"

func newServer(t *testing.T) *apitest.Server {
	return apitest.New(t, apitest.Options{Mounts: []apitest.Mount{
		func(b dialect.Backend, kit *dialect.Kit) (http.Handler, []string, error) {
			return mogan.New(b, kit, nil), mogan.Paths, nil
		},
	}})
}

// fixtures makes, as token's tenant, what an instance boots from: flavor
// fl, image img, networks net-a and net-b.
func fixtures(t *testing.T, s *apitest.Server, token, suffix string) {
	t.Helper()
	for _, c := range []struct{ path, body string }{
		{"/v1.0/tenant/images", `{"image":{"id":"img` + suffix + `","disk_format":"raw","container_format":"bare"}}`},
		{"/v1.0/tenant/flavors", `{"flavor":{"id":"fl` + suffix + `","ram":1024,"vcpus":2,"disk":10}}`},
		{"/v1.0/tenant/networks", `{"network":{"id":"net-a` + suffix + `","cidr":"10.40.0.0/24"}}`},
		{"/v1.0/tenant/networks", `{"network":{"id":"net-b` + suffix + `","cidr":"10.41.0.0/24"}}`},
	} {
		s.Do("POST", c.path, token, c.body).Want(t, 201, c.path)
	}
}

func createBody(suffix string) map[string]any {
	return map[string]any{
		"name": "bm1", "description": "a machine", "instance_type_uuid": "fl" + suffix, "image_uuid": "img" + suffix,
		"networks": []any{map[string]any{"net_id": "net-a" + suffix}, map[string]any{"net_id": "net-b" + suffix, "port_type": "10GE"}},
		"extra":    map[string]any{"role": "db"},
	}
}

func waitStatus(t *testing.T, s *apitest.Server, token, id, status string) map[string]any {
	t.Helper()
	var got map[string]any
	wait.Until(t, id+" "+status, func() bool {
		got = s.Do("GET", instances+"/"+id+"/states", token, nil).Object()
		return got["status"] == status
	})
	return got
}

// fault decodes Mogan's error body: error_message is a string of JSON.
func fault(t *testing.T, r apitest.Response) (code, msg string) {
	t.Helper()
	em, ok := r.Object()["error_message"].(string)
	if !ok {
		t.Fatalf("%d %s: no error_message string", r.Code, r.Raw)
	}
	var f struct {
		FaultCode   string  `json:"faultcode"`
		FaultString string  `json:"faultstring"`
		DebugInfo   *string `json:"debuginfo"`
	}
	if err := json.Unmarshal([]byte(em), &f); err != nil {
		t.Fatalf("error_message %q is not JSON: %v", em, err)
	}
	return f.FaultCode, f.FaultString
}

func TestInstanceLifecycle(t *testing.T) {
	s := newServer(t)
	alice := s.Token("alice")
	fixtures(t, s, alice, "")
	r := s.Do("POST", instances, alice, createBody("")).Want(t, 201, "create")
	inst := r.Object()
	id := inst["uuid"].(string)
	if r.Header.Get("Location") != s.URL+instances+"/"+id {
		t.Errorf("Location %q", r.Header.Get("Location"))
	}
	for k, want := range map[string]any{
		"name": "bm1", "description": "a machine", "instance_type_uuid": "fl", "image_uuid": "img", "status": "building",
		"project_id": "t1", "user_id": "alice", "extra": map[string]any{"role": "db"}, "availability_zone": nil,
		"links": []any{map[string]any{"href": s.URL + instances + "/" + id, "rel": "self"},
			map[string]any{"href": s.URL + "/instances/" + id, "rel": "bookmark"}},
	} {
		if diff := cmp.Diff(want, inst[k]); diff != "" {
			t.Errorf("%s (-want +got):\n%s", k, diff)
		}
	}

	st := waitStatus(t, s, alice, id, "active")
	if diff := cmp.Diff(map[string]any{"power_state": "power on", "target_power_state": nil, "status": "active", "locked": false}, st); diff != "" {
		t.Errorf("states (-want +got):\n%s", diff)
	}
	full := s.Do("GET", instances+"/"+id, alice, nil).Want(t, 200, "show").Object()
	info := full["network_info"].(map[string]any)
	var nets []string
	for mac, v := range info {
		nic := v.(map[string]any)
		if nic["mac_address"] != mac || len(nic["fixed_ips"].([]any)) != 1 {
			t.Errorf("NIC %s: %v", mac, nic)
		}
		nets = append(nets, nic["network"].(string))
	}
	slices.Sort(nets)
	if diff := cmp.Diff([]string{"net-a", "net-b"}, nets); diff != "" {
		t.Errorf("network_info networks (-want +got):\n%s", diff)
	}
	if full["launched_at"] == nil || full["power_state"] != "power on" {
		t.Errorf("launched_at %v, power_state %v", full["launched_at"], full["power_state"])
	}

	// The list shows the default fields and links; fields= selects.
	list := s.Do("GET", instances, alice, nil).Want(t, 200, "list").Object()["instances"].([]any)
	if len(list) != 1 {
		t.Fatalf("list %v", list)
	}
	var keys []string
	for k := range list[0].(map[string]any) {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if diff := cmp.Diff([]string{"description", "links", "name", "power_state", "status", "uuid"}, keys); diff != "" {
		t.Errorf("list fields (-want +got):\n%s", diff)
	}
	one := s.Do("GET", instances+"/"+id+"?fields=uuid,status", alice, nil).Want(t, 200, "fields").Object()
	if len(one) != 3 || one["status"] != "active" || one["links"] == nil {
		t.Errorf("fields=uuid,status: %v", one)
	}
	detail := s.Do("GET", instances+"/detail", alice, nil).Want(t, 200, "detail").Object()["instances"].([]any)
	if len(detail) != 1 || detail[0].(map[string]any)["network_info"] == nil {
		t.Errorf("detail %v", detail)
	}

	// The same object through /v1.0, realized at both fake locations.
	v1 := s.Do("GET", "/v1.0/tenant/baremetal_instances/"+id, alice, nil).Want(t, 200, "v1.0").Object()["baremetal_instance"].(map[string]any)
	if v1["name"] != "bm1" || v1["flavor_id"] != "fl" {
		t.Errorf("/v1.0 view %v", v1)
	}
	for _, loc := range []string{"loc-1", "loc-2"} {
		if n := len(s.Factory.VIM(loc).Objects(resource.KindBaremetalInstance)); n != 1 {
			t.Errorf("%s has %d machines", loc, n)
		}
	}

	s.Do("DELETE", instances+"/"+id, alice, nil).Want(t, 204, "delete")
	wait.Until(t, "deleted", func() bool { return s.Do("GET", instances+"/"+id, alice, nil).Code == 404 })
}

func TestPowerStates(t *testing.T) {
	s := newServer(t)
	alice := s.Token("alice")
	fixtures(t, s, alice, "")
	body := createBody("")
	body["availability_zone"] = "loc-1"
	id := s.Do("POST", instances, alice, body).Want(t, 201, "create").Object()["uuid"].(string)
	waitStatus(t, s, alice, id, "active")
	vim := s.Factory.VIM("loc-1")

	power := func(target string) apitest.Response {
		return s.Do("PUT", instances+"/"+id+"/states/power", alice, map[string]any{"target": target})
	}
	// Power on an active instance: no transition.
	r := power("on")
	if _, msg := fault(t, r); r.Code != 400 || msg != "Can not transition from state 'active' on event 'start' (no defined transition)" {
		t.Errorf("power on while active: %d %q", r.Code, msg)
	}

	// A power-off the VIM is slow to carry out stays in flight.
	vim.FailRate(fake.OpPower, 1, resource.Unavailable)
	r = power("off").Want(t, 202, "off")
	if r.Header.Get("Location") != s.URL+instances+"/"+id+"/states" || r.Raw != "" {
		t.Errorf("202: Location %q, body %q", r.Header.Get("Location"), r.Raw)
	}
	st := s.Do("GET", instances+"/"+id+"/states", alice, nil).Object()
	if diff := cmp.Diff(map[string]any{"power_state": "power on", "target_power_state": "power off", "status": "powering-off", "locked": false}, st); diff != "" {
		t.Errorf("in flight (-want +got):\n%s", diff)
	}
	// A second request while one is in flight.
	for _, target := range []string{"off", "reboot", "on"} {
		r := power(target)
		code, msg := fault(t, r)
		if r.Code != 400 || code != "Client" || !strings.HasPrefix(msg, "Can not transition from state 'powering-off'") {
			t.Errorf("%s while powering off: %d %s %q", target, r.Code, code, msg)
		}
	}
	vim.FailRate(fake.OpPower, 0, resource.Unavailable)
	st = waitStatus(t, s, alice, id, "stopped")
	if st["power_state"] != "power off" || st["target_power_state"] != nil {
		t.Errorf("after power off: %v", st)
	}
	if objs := vim.Objects(resource.KindBaremetalInstance); len(objs) != 1 || objs[0].Power != "off" {
		t.Errorf("the VIM's machine: %+v", objs)
	}
	r = power("reboot")
	if _, msg := fault(t, r); r.Code != 400 || !strings.Contains(msg, "'stopped' on event 'reboot'") {
		t.Errorf("reboot while stopped: %d %q", r.Code, msg)
	}
	power("on").Want(t, 202, "on")
	waitStatus(t, s, alice, id, "active")
	power("soft_reboot").Want(t, 202, "soft reboot")
	waitStatus(t, s, alice, id, "active")

	for name, tc := range map[string]struct {
		body any
		want string
	}{
		"unknown target": {map[string]any{"target": "hibernate"}, "The Parameter value: hibernate for power action of instance " + id + " is invalid."},
		"no target":      {map[string]any{}, "Invalid input for field/attribute target. Mandatory field missing."},
		"wrong type":     {map[string]any{"target": true}, "target: must be a string, not bool"},
		"unknown field":  {map[string]any{"target": "on", "force": true}, "force: unknown field"},
	} {
		r := s.Do("PUT", instances+"/"+id+"/states/power", alice, tc.body)
		if _, msg := fault(t, r); r.Code != 400 || msg != tc.want {
			t.Errorf("%s: %d %q, want 400 %q", name, r.Code, msg, tc.want)
		}
	}
	// Only loc-1 has it: the zone placed it there.
	if n := len(s.Factory.VIM("loc-2").Objects(resource.KindBaremetalInstance)); n != 0 {
		t.Errorf("loc-2 has %d machines", n)
	}
	if az := s.Do("GET", instances+"/"+id, alice, nil).Object()["availability_zone"]; az != "loc-1" {
		t.Errorf("availability_zone %v", az)
	}
}

func TestPatch(t *testing.T) {
	s := newServer(t)
	alice := s.Token("alice")
	fixtures(t, s, alice, "")
	id := s.Do("POST", instances, alice, createBody("")).Want(t, 201, "create").Object()["uuid"].(string)
	path := instances + "/" + id

	r := s.Do("PATCH", path, alice, `[{"op":"replace","path":"/extra/role","value":"web"},{"op":"add","path":"/extra/k2","value":"v2"},`+
		`{"op":"test","path":"/name","value":"bm1"},{"op":"replace","path":"/name","value":"bm2"},{"op":"remove","path":"/description"}]`,
		"Content-Type", "application/json-patch+json").Want(t, 200, "patch")
	got := r.Object()
	if diff := cmp.Diff(map[string]any{"role": "web", "k2": "v2"}, got["extra"]); diff != "" {
		t.Errorf("extra (-want +got):\n%s", diff)
	}
	if got["name"] != "bm2" || got["description"] != "" || got["updated_at"] == nil {
		t.Errorf("after the patch: name %v, description %v, updated_at %v", got["name"], got["description"], got["updated_at"])
	}
	s.Do("PATCH", path, alice, `[{"op":"remove","path":"/extra"}]`).Want(t, 200, "remove extra")

	for name, tc := range map[string]struct{ patch, want string }{
		"an internal attribute": {`[{"op":"replace","path":"/uuid","value":"x"}]`, "'/uuid' is an internal attribute and can not be updated"},
		"the image":             {`[{"op":"replace","path":"/image_uuid","value":"x"}]`, "'/image_uuid' is an internal attribute and can not be updated"},
		"a mandatory attribute": {`[{"op":"remove","path":"/name"}]`, "'/name' is a mandatory attribute and can not be removed"},
		"a new root attribute":  {`[{"op":"add","path":"/colour","value":"red"}]`, "Adding a new attribute (/colour) to the root of the resource is not allowed"},
		"an unsupported op":     {`[{"op":"move","from":"/name","path":"/description"}]`, "Invalid input for field/attribute op. Value: 'move'. Value should be one of: add, replace, remove, test"},
		"an unknown op":         {`[{"op":"merge","path":"/name","value":"x"}]`, `operation 0: unknown op "merge" (add, remove, replace, move, copy or test)`},
		"a failed test":         {`[{"op":"replace","path":"/name","value":"x"},{"op":"test","path":"/name","value":"y"}]`, "Couldn't apply patch. Reason: operation 1 (test /name): test failed: the value differs"},
		"a missing extra key":   {`[{"op":"remove","path":"/extra/nope"}]`, "Couldn't apply patch. Reason: operation 0 (remove /extra/nope): /extra/nope does not exist"},
		"a non-string value":    {`[{"op":"add","path":"/extra/n","value":5}]`, "Couldn't apply patch. Reason: name and description must be strings, extra an object of strings"},
		"an empty name":         {`[{"op":"replace","path":"/name","value":" "}]`, "Couldn't apply patch. Reason: the name must not be empty"},
		"not a patch":           {`{"op":"replace"}`, "a JSON Patch must be an array of operation objects (RFC 6902)"},
		"no value":              {`[{"op":"add","path":"/extra/x"}]`, `operation 0: "add" needs a "value"`},
		"a bad pointer":         {`[{"op":"add","path":"extra","value":{}}]`, `operation 0: path: "extra" is not a JSON Pointer: it must be empty or start with /`},
		"an overlong value":     {`[{"op":"add","path":"/extra/k","value":"` + strings.Repeat("v", 300) + `"}]`, "extra.k: longer than 255 bytes"},
		"a reserved key":        {`[{"op":"add","path":"/extra/orca_id","value":"v"}]`, `extra: key "orca_id": keys starting with "orca_" are reserved`},
	} {
		r := s.Do("PATCH", path, alice, tc.patch)
		if _, msg := fault(t, r); r.Code != 400 || msg != tc.want {
			t.Errorf("%s: %d %q\n want 400 %q", name, r.Code, msg, tc.want)
		}
	}
	got = s.Do("GET", path, alice, nil).Object()
	if got["name"] != "bm2" || len(got["extra"].(map[string]any)) != 0 {
		t.Errorf("a refused patch changed the instance: %v %v", got["name"], got["extra"])
	}
	r = s.Do("PATCH", instances+"/nope", alice, `[]`)
	if _, msg := fault(t, r); r.Code != 404 || msg != "Instance nope could not be found." {
		t.Errorf("patch of a missing instance: %d %q", r.Code, msg)
	}
}

func TestPermissionsAndLocks(t *testing.T) {
	s := newServer(t)
	admin, alice, bob := s.Token("admin"), s.Token("alice"), s.Token("bob")
	fixtures(t, s, alice, "")
	fixtures(t, s, bob, "-b")
	id := s.Do("POST", instances, alice, createBody("")).Want(t, 201, "alice's").Object()["uuid"].(string)
	s.Do("POST", instances, bob, createBody("-b")).Want(t, 201, "bob's")

	if r := s.Do("GET", instances+"/"+id, bob, nil); r.Code != 404 {
		t.Errorf("bob reads alice's: %d", r.Code)
	}
	if n := len(s.Do("GET", instances, bob, nil).Object()["instances"].([]any)); n != 1 {
		t.Errorf("bob lists %d", n)
	}
	r := s.Do("GET", instances+"?all_tenants=true", alice, nil)
	if _, msg := fault(t, r); r.Code != 403 || !strings.Contains(msg, "all_tenants") {
		t.Errorf("a member's all_tenants: %d %q", r.Code, msg)
	}
	if n := len(s.Do("GET", instances+"/detail?all_tenants=1", admin, nil).Want(t, 200, "admin all").Object()["instances"].([]any)); n != 2 {
		t.Errorf("admin all_tenants lists %d", n)
	}
	if n := len(s.Do("GET", instances, admin, nil).Object()["instances"].([]any)); n != 0 {
		t.Errorf("admin without all_tenants lists %d of other projects'", n)
	}
	// Alice's network is not bob's to name: for him it does not exist.
	body := createBody("-b")
	body["networks"] = []any{map[string]any{"net_id": "net-a"}}
	if r := s.Do("POST", instances, bob, body); r.Code != 400 || !strings.Contains(r.Raw, "Network net-a could not be found") {
		t.Errorf("bob naming alice's network: %d %s", r.Code, r.Raw)
	}

	waitStatus(t, s, alice, id, "active")
	lock := func(token string, target bool) apitest.Response {
		return s.Do("PUT", instances+"/"+id+"/states/lock", token, map[string]any{"target": target})
	}
	lock(alice, true).Want(t, 202, "lock")
	if st := s.Do("GET", instances+"/"+id+"/states", alice, nil).Object(); st["locked"] != true {
		t.Errorf("states after lock: %v", st)
	}
	for _, r := range []apitest.Response{
		s.Do("PUT", instances+"/"+id+"/states/power", alice, map[string]any{"target": "off"}),
		s.Do("DELETE", instances+"/"+id, alice, nil),
	} {
		if _, msg := fault(t, r); r.Code != 400 || msg != "Instance "+id+" is locked" {
			t.Errorf("a locked instance: %d %q", r.Code, msg)
		}
	}
	// An administrator is not stopped by a lock, and an administrator's
	// lock stays until an administrator lifts it.
	s.Do("PUT", instances+"/"+id+"/states/power", admin, map[string]any{"target": "off"}).Want(t, 202, "admin powers off")
	lock(admin, true).Want(t, 202, "admin lock")
	if r := lock(alice, false); r.Code != 403 {
		t.Errorf("alice unlocking the admin's lock: %d %s", r.Code, r.Raw)
	}
	lock(admin, false).Want(t, 202, "admin unlock")
	waitStatus(t, s, alice, id, "stopped")
	s.Do("DELETE", instances+"/"+id, alice, nil).Want(t, 204, "delete unlocked")
}

func TestErrors(t *testing.T) {
	s := newServer(t)
	alice := s.Token("alice")
	fixtures(t, s, alice, "")
	without := func(key string) map[string]any {
		b := createBody("")
		delete(b, key)
		return b
	}
	with := func(key string, v any) map[string]any {
		b := createBody("")
		b[key] = v
		return b
	}
	for name, tc := range map[string]struct {
		method, path string
		body         any
		headers      []string
		status       int
		want         string
	}{
		"no name":           {"POST", instances, without("name"), nil, 400, "Invalid create body: 'name' is a required property"},
		"no networks":       {"POST", instances, without("networks"), nil, 400, "Invalid create body: 'networks' is a required property"},
		"no flavor":         {"POST", instances, without("instance_type_uuid"), nil, 400, "Invalid create body: 'instance_type_uuid' is a required property"},
		"unknown flavor":    {"POST", instances, with("instance_type_uuid", "nope"), nil, 400, "InstanceType nope could not be found"},
		"unknown image":     {"POST", instances, with("image_uuid", "nope"), nil, 400, "Requested image nope could not be found"},
		"unknown network":   {"POST", instances, with("networks", []any{map[string]any{"net_id": "nope"}}), nil, 400, "Network nope could not be found"},
		"no net_id":         {"POST", instances, with("networks", []any{map[string]any{"port_type": "x"}}), nil, 400, "Invalid create body: 'networks[0].net_id' is a required property"},
		"empty networks":    {"POST", instances, with("networks", []any{}), nil, 400, "networks: required: at least one network"},
		"unknown zone":      {"POST", instances, with("availability_zone", "mars"), nil, 400, "The requested availability zone is not available"},
		"unknown property":  {"POST", instances, with("min_count", 2), nil, 400, "min_count: unknown field"},
		"extra not strings": {"POST", instances, with("extra", map[string]any{"n": 1}), nil, 400, "extra: must be a string, not number"},
		"not JSON":          {"POST", instances, "{", nil, 400, "the body is empty or cut short: a JSON object is required"},
		"not acceptable":    {"GET", instances, nil, []string{"Accept", "application/xml"}, 406, "Request not acceptable: this API answers application/json only."},
		"wrong method":      {"PUT", instances, map[string]any{}, nil, 405, `method "PUT" is not allowed here (see the Allow header)`},
		"unknown field name": {"GET", instances + "?fields=uuid,colour", nil, nil, 400, "fields: unknown field(s) colour; known: " + strings.Join([]string{"uuid", "name", "description", "status", "power_state", "project_id", "user_id",
			"availability_zone", "instance_type_uuid", "image_uuid", "network_info", "launched_at", "created_at", "updated_at", "extra", "links"}, ", ")},
		"bad all_tenants":   {"GET", instances + "?all_tenants=maybe", nil, nil, 400, `all_tenants: "maybe" is not a boolean (true or false)`},
		"unknown parameter": {"GET", instances + "?limit=3", nil, nil, 400, "limit: Unknown parameter limit."},
		"fields on detail":  {"GET", instances + "/detail?fields=uuid", nil, nil, 400, "fields: Unknown parameter fields."},
		"missing instance":  {"GET", instances + "/nope", nil, nil, 404, "Instance nope could not be found."},
		"no token":          {"GET", instances, nil, []string{"X-Auth-Token", ""}, 401, "authentication credentials were not provided"},
	} {
		t.Run(name, func(t *testing.T) {
			token := alice
			if tc.status == 401 {
				token = ""
			}
			r := s.Do(tc.method, tc.path, token, tc.body, tc.headers...)
			code, msg := fault(t, r)
			if r.Code != tc.status || msg != tc.want || code != "Client" {
				t.Errorf("%d %s %q\n want %d Client %q", r.Code, code, msg, tc.status, tc.want)
			}
		})
	}
	if n := len(s.Do("GET", instances, alice, nil).Object()["instances"].([]any)); n != 0 {
		t.Errorf("%d instances after the refusals", n)
	}
}

// TestPowerTaskInTheVIM: once orca's action is done the VIM may still be
// carrying the change out (Nova's task_state): the instance shows it,
// refuses another change, and settles when the VIM is done.
func TestPowerTaskInTheVIM(t *testing.T) {
	factory := fake.NewFactory(&fake.Options{BuildTime: 5 * time.Millisecond, PowerTime: time.Hour})
	s := apitest.New(t, apitest.Options{Factory: factory, Mounts: []apitest.Mount{
		func(b dialect.Backend, kit *dialect.Kit) (http.Handler, []string, error) {
			return mogan.New(b, kit, nil), mogan.Paths, nil
		},
	}})
	alice := s.Token("alice")
	fixtures(t, s, alice, "")
	body := createBody("")
	body["availability_zone"] = "loc-1"
	id := s.Do("POST", instances, alice, body).Want(t, 201, "create").Object()["uuid"].(string)
	waitStatus(t, s, alice, id, "active")
	s.Do("PUT", instances+"/"+id+"/states/power", alice, map[string]any{"target": "reboot"}).Want(t, 202, "reboot")
	wait.Until(t, "the reboot action done", func() bool {
		acts := s.Do("GET", "/v1.0/actions?target_id="+id, alice, nil).Object()["actions"].([]any)
		return len(acts) == 1 && acts[0].(map[string]any)["orca"].(map[string]any)["status"].(map[string]any)["phase"] == "Ready"
	})
	st := waitStatus(t, s, alice, id, "rebooting")
	if st["target_power_state"] != "rebooting" || st["power_state"] != "power on" {
		t.Errorf("while the VIM reboots: %v", st)
	}
	r := s.Do("PUT", instances+"/"+id+"/states/power", alice, map[string]any{"target": "off"})
	if _, msg := fault(t, r); r.Code != 400 || msg != "Can not transition from state 'rebooting' on event 'stop' (no defined transition)" {
		t.Errorf("off while rebooting: %d %q", r.Code, msg)
	}
	factory.VIM("loc-1").Step() // the VIM finishes
	if st := waitStatus(t, s, alice, id, "active"); st["target_power_state"] != nil {
		t.Errorf("after the reboot: %v", st)
	}
}
