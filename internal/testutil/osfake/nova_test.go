package osfake

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// serverState summarizes what the driver reads of a server.
type serverState struct {
	Status, VMState string
	Task            any
	Power           float64
	Addresses       int
}

func (c *client) serverState(id string) serverState {
	c.t.Helper()
	s := get(c.nova(http.StatusOK, http.MethodGet, "/servers/"+id, nil), "server")
	addrs := 0
	for _, list := range get(s, "addresses").(map[string]any) {
		addrs += len(list.([]any))
	}
	return serverState{str2(s, "status"), str2(s, "OS-EXT-STS:vm_state"), get(s, "OS-EXT-STS:task_state"),
		get(s, "OS-EXT-STS:power_state").(float64), addrs}
}

// TestServerLifecycle drives a server through build, power actions,
// snapshot and deletion, Step by Step.
func TestServerLifecycle(t *testing.T) {
	srv, c := newFake(t, nil)
	net := c.network("n", "10.1.0.0/24")
	id := c.boot("s", net, map[string]any{"metadata": map[string]any{"orca_id": "x"}})
	action := func(body string) (int, string) {
		r := c.do(http.MethodPost, "/compute/v2.1/servers/"+id+"/action", body, "OpenStack-API-Version", "compute 2.64")
		msg := ""
		if r.status >= 400 {
			msg = str2(r.json(t), "conflictingRequest", "message") + str2(r.json(t), "badRequest", "message")
		}
		return r.status, msg
	}
	type step struct {
		name    string
		do      func() (int, string)
		status  int
		msg     string
		after   serverState // after the request
		stepped serverState // after a Step
	}
	none := func() (int, string) { return 0, "" }
	building := serverState{"BUILD", "building", "scheduling", 0, 0}
	active := serverState{"ACTIVE", "active", nil, 1, 1}
	steps := []step{
		{"boot", none, 0, "", building, active},
		{"stop", func() (int, string) { return action(`{"os-stop": null}`) }, 202, "",
			serverState{"ACTIVE", "active", "powering-off", 1, 1}, serverState{"SHUTOFF", "stopped", nil, 4, 1}},
		{"stop again", func() (int, string) { return action(`{"os-stop": null}`) }, 409,
			"Cannot 'stop' instance " + id + " while it is in vm_state stopped", serverState{"SHUTOFF", "stopped", nil, 4, 1}, serverState{"SHUTOFF", "stopped", nil, 4, 1}},
		{"soft reboot when stopped", func() (int, string) { return action(`{"reboot": {"type": "SOFT"}}`) }, 409,
			"Cannot 'reboot' instance " + id + " while it is in vm_state stopped", serverState{"SHUTOFF", "stopped", nil, 4, 1}, serverState{"SHUTOFF", "stopped", nil, 4, 1}},
		{"start", func() (int, string) { return action(`{"os-start": null}`) }, 202, "",
			serverState{"SHUTOFF", "stopped", "powering-on", 4, 1}, active},
		{"start when active", func() (int, string) { return action(`{"os-start": null}`) }, 409,
			"Cannot 'start' instance " + id + " while it is in vm_state active", active, active},
		{"hard reboot", func() (int, string) { return action(`{"reboot": {"type": "HARD"}}`) }, 202, "",
			serverState{"HARD_REBOOT", "active", "reboot_started_hard", 1, 1}, active},
		{"bad reboot type", func() (int, string) { return action(`{"reboot": {"type": "GENTLE"}}`) }, 400,
			"Invalid input for field/attribute type. Value: GENTLE. 'GENTLE' is not one of ['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft']", active, active},
		{"unknown action", func() (int, string) { return action(`{"levitate": null}`) }, 400, "There is no such action: levitate", active, active},
		{"delete", func() (int, string) {
			r := c.do(http.MethodDelete, "/compute/v2.1/servers/"+id, nil)
			return r.status, ""
		}, 204, "", serverState{"ACTIVE", "active", "deleting", 1, 1}, serverState{}},
	}
	for _, st := range steps {
		status, msg := st.do()
		if status != st.status || msg != st.msg {
			t.Errorf("%s = %d %q, want %d %q", st.name, status, msg, st.status, st.msg)
		}
		if diff := cmp.Diff(st.after, c.serverState(id)); diff != "" {
			t.Errorf("%s: server after the request (-want +got):\n%s", st.name, diff)
		}
		srv.Step()
		if st.stepped == (serverState{}) {
			r := c.do(http.MethodGet, "/compute/v2.1/servers/"+id, nil)
			if r.status != http.StatusNotFound || str2(r.json(t), "itemNotFound", "message") != "Instance "+id+" could not be found." {
				t.Errorf("%s: after Step = %d %s, want 404", st.name, r.status, r.body)
			}
			continue
		}
		if diff := cmp.Diff(st.stepped, c.serverState(id)); diff != "" {
			t.Errorf("%s: server after Step (-want +got):\n%s", st.name, diff)
		}
	}
}

func TestServerView(t *testing.T) {
	srv, c := newFake(t, nil)
	net := c.network("n", "10.1.0.0/24")
	id := c.boot("s", net, nil)
	s := get(c.nova(http.StatusOK, http.MethodGet, "/servers/"+id, nil), "server")
	if _, ok := s.(map[string]any)["security_groups"]; ok {
		t.Error("a building server lists security groups (Nova shows them once networked)")
	}
	srv.Step()
	s = get(c.nova(http.StatusOK, http.MethodGet, "/servers/"+id, nil), "server")
	got := map[string]any{
		"addr":   get(s, "addresses", "n", 0, "addr"),
		"groups": get(s, "security_groups"),
		"flavor": get(s, "flavor", "original_name"),
		"image":  get(s, "image", "id") == imageID(t, srv, "cirros"),
	}
	want := map[string]any{"addr": "10.1.0.2", "groups": []any{map[string]any{"name": "default"}}, "flavor": "m1.tiny", "image": true}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	old := c.must(http.StatusOK, http.MethodGet, "/compute/v2.1/servers/"+id, nil) // microversion 2.1
	if get(old, "server", "flavor", "id") != "1" {
		t.Errorf("at 2.1 the flavor is a reference: %v", get(old, "server", "flavor"))
	}
}

func TestServerMetadataAndGroups(t *testing.T) {
	srv, c := newFake(t, nil)
	net := c.network("n", "10.1.0.0/24")
	g := str2(c.must(http.StatusCreated, http.MethodPost, "/network/v2.0/security-groups",
		map[string]any{"security_group": map[string]any{"name": "web"}}), "security_group", "id")
	id := c.boot("s", net, map[string]any{"metadata": map[string]any{"a": "1"}})
	srv.Step()
	md := c.nova(http.StatusOK, http.MethodPost, "/servers/"+id+"/metadata", map[string]any{"metadata": map[string]any{"b": "2"}})
	if diff := cmp.Diff(map[string]any{"metadata": map[string]any{"a": "1", "b": "2"}}, md); diff != "" {
		t.Errorf("POST metadata merges (-want +got):\n%s", diff)
	}
	md = c.nova(http.StatusOK, http.MethodPut, "/servers/"+id+"/metadata", map[string]any{"metadata": map[string]any{"c": "3"}})
	if diff := cmp.Diff(map[string]any{"metadata": map[string]any{"c": "3"}}, md); diff != "" {
		t.Errorf("PUT metadata replaces (-want +got):\n%s", diff)
	}
	act := func(action, group string) (int, string) {
		r := c.do(http.MethodPost, "/compute/v2.1/servers/"+id+"/action", map[string]any{action: map[string]any{"name": group}},
			"OpenStack-API-Version", "compute 2.64")
		if r.status == http.StatusAccepted {
			return r.status, ""
		}
		b := r.json(t)
		return r.status, str2(b, "itemNotFound", "message") + str2(b, "badRequest", "message")
	}
	type res struct {
		Status int
		Msg    string
	}
	steps := []struct {
		action, group string
		want          res
	}{
		{"addSecurityGroup", g, res{202, ""}},
		{"addSecurityGroup", g, res{400, "Invalid input for security_groups. Reason: Duplicate items in the list: '" + g + "'.\nNeutron server returns request_ids: ['req-"}},
		{"removeSecurityGroup", g, res{202, ""}},
		{"removeSecurityGroup", g, res{404, "Security group " + g + " not associated with the instance " + id}},
		{"addSecurityGroup", "00000000-0000-0000-0000-000000000000", res{404, "Security group 00000000-0000-0000-0000-000000000000 is not found for project " + c.project}},
	}
	for i, st := range steps {
		s, m := act(st.action, st.group)
		if strings.HasSuffix(st.want.Msg, "['req-") {
			m = m[:strings.Index(m, "['req-")+6]
		}
		if diff := cmp.Diff(st.want, res{s, m}); diff != "" {
			t.Errorf("step %d %s (-want +got):\n%s", i, st.action, diff)
		}
	}
}

func TestServerCreateRefusals(t *testing.T) {
	srv, c := newFake(t, &Options{Quota: Quota{Instances: 1}})
	net := c.network("n", "10.1.0.0/24")
	bare := str2(c.must(http.StatusCreated, http.MethodPost, "/network/v2.0/networks", map[string]any{"network": map[string]any{"name": "bare"}}), "network", "id")
	queued := str2(c.must(http.StatusCreated, http.MethodPost, "/image/v2/images",
		map[string]any{"name": "q", "disk_format": "qcow2", "container_format": "bare"}), "id")
	cirros := imageID(t, srv, "cirros")
	none := "00000000-0000-0000-0000-000000000000"
	server := func(kv ...any) map[string]any {
		s := map[string]any{"name": "x", "imageRef": cirros, "flavorRef": "1", "networks": []any{map[string]any{"uuid": net}}}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(s, kv[i].(string))
			} else {
				s[kv[i].(string)] = kv[i+1]
			}
		}
		return map[string]any{"server": s}
	}
	tests := []struct {
		name   string
		body   map[string]any
		status int
		msg    string
	}{
		{"no networks at 2.64", server("networks", nil), 400, "Invalid input for field/attribute server. " +
			"Value: {'flavorRef': '1', 'imageRef': '" + cirros + "', 'name': 'x'}. 'networks' is a required property"},
		{"metadata not a string", server("metadata", map[string]any{"a": 5}), 400, "Invalid input for field/attribute a. Value: 5. 5 is not of type 'string'"},
		{"queued image", server("imageRef", queued), 400, "Image " + queued + " is not active."},
		{"unknown image", server("imageRef", none), 400, "Can not find requested image"},
		{"unknown flavor", server("flavorRef", "nope"), 400, "Flavor nope could not be found."},
		{"unknown network", server("networks", []any{map[string]any{"uuid": none}}), 400, "Network " + none + " could not be found."},
		{"network without subnet", server("networks", []any{map[string]any{"uuid": bare}}), 400, "Network " + bare + " requires a subnet in order to boot instances on."},
		{"unknown security group", server("security_groups", []any{map[string]any{"name": none}}), 400, "Unable to find security_group with name or id '" + none + "'"},
		{"networks auto: the one network with a subnet", server("networks", "auto"), 202, ""},
		{"over quota", server(), 403, "Quota exceeded for instances: Requested 1, but already used 1 of 1 instances"},
	}
	for _, tc := range tests {
		r := c.do(http.MethodPost, "/compute/v2.1/servers", tc.body, "X-OpenStack-Nova-API-Version", "2.64")
		msg := ""
		if r.status >= 400 {
			for _, v := range r.json(t) {
				msg = str2(v, "message")
			}
		}
		if r.status != tc.status || msg != tc.msg {
			t.Errorf("%s = %d %q, want %d %q", tc.name, r.status, msg, tc.status, tc.msg)
		}
	}
	// The group hint must name a group.
	body := server()
	body["os:scheduler_hints"] = map[string]any{"group": none}
	r := c.do(http.MethodPost, "/compute/v2.1/servers", body, "X-OpenStack-Nova-API-Version", "2.64")
	if r.status != http.StatusBadRequest || str2(r.json(t), "badRequest", "message") != "Instance group "+none+" could not be found." {
		t.Errorf("unknown group hint = %d %s", r.status, r.body)
	}
}

func TestComputeQuotaMessage(t *testing.T) {
	_, c := newFake(t, &Options{Quota: Quota{Instances: 1, Cores: 1}})
	net := c.network("n", "10.1.0.0/24")
	c.boot("a", net, nil)
	r := c.do(http.MethodPost, "/compute/v2.1/servers", map[string]any{"server": map[string]any{"name": "b", "flavorRef": "1",
		"imageRef": imageID(t, c.srv, "cirros"), "networks": []any{map[string]any{"uuid": net}}}}, "X-OpenStack-Nova-API-Version", "2.64")
	want := "Quota exceeded for cores, instances: Requested 1, 1, but already used 1, 1 of 1, 1 cores, instances"
	if r.status != http.StatusForbidden || str2(r.json(t), "forbidden", "message") != want {
		t.Errorf("= %d %s, want 403 %q", r.status, r.body, want)
	}
}

func TestServerListByName(t *testing.T) {
	_, c := newFake(t, nil)
	net := c.network("n", "10.1.0.0/24")
	for _, n := range []string{"orca-a", "orca-ab", "other"} {
		c.boot(n, net, nil)
	}
	names := func(query string) []string {
		var out []string
		for _, s := range get(c.nova(http.StatusOK, http.MethodGet, "/servers/detail"+query, nil), "servers").([]any) {
			out = append(out, str2(s, "name"))
		}
		return out
	}
	tests := map[string]struct {
		query string
		want  []string
	}{
		"all, newest first": {"", []string{"other", "orca-ab", "orca-a"}},
		"regex search":      {"?name=orca-a", []string{"orca-ab", "orca-a"}},
		"anchored":          {"?name=" + url.QueryEscape("^orca-a$"), []string{"orca-a"}},
	}
	for name, tc := range tests {
		if diff := cmp.Diff(tc.want, names(tc.query)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}
}

func TestMicroversions(t *testing.T) {
	srv, c := newFake(t, nil)
	tests := map[string]struct {
		header  []string
		status  int
		version string
	}{
		"default":           {nil, 200, "2.1"},
		"legacy header":     {[]string{"X-OpenStack-Nova-API-Version", "2.64"}, 200, "2.64"},
		"new header":        {[]string{"OpenStack-API-Version", "compute 2.55"}, 200, "2.55"},
		"new header wins":   {[]string{"OpenStack-API-Version", "compute 2.60", "X-OpenStack-Nova-API-Version", "2.10"}, 200, "2.60"},
		"latest":            {[]string{"OpenStack-API-Version", "compute latest"}, 200, "2.93"},
		"too new":           {[]string{"X-OpenStack-Nova-API-Version", "2.999"}, 406, "2.1"},
		"not a version":     {[]string{"X-OpenStack-Nova-API-Version", "two"}, 400, "2.1"},
		"another service's": {[]string{"OpenStack-API-Version", "volume 3.50"}, 200, "2.1"},
	}
	for name, tc := range tests {
		r := c.do(http.MethodGet, "/compute/v2.1/flavors", nil, tc.header...)
		got := []string{fmt.Sprint(r.status), r.header.Get("X-OpenStack-Nova-API-Version"), r.header.Get("OpenStack-API-Version")}
		want := []string{fmt.Sprint(tc.status), tc.version, "compute " + tc.version}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}
	r := c.do(http.MethodGet, "/compute/v2.1/flavors", nil, "X-OpenStack-Nova-API-Version", "2.999")
	if msg := str2(r.json(t), "computeFault", "message"); msg != "Version 2.999 is not supported by the API. Minimum is 2.1 and maximum is 2.93." {
		t.Errorf("406 message %q", msg)
	}

	// createImage: the image ID in the body from 2.45, in Location before.
	net := c.network("n", "10.1.0.0/24")
	id := c.boot("s", net, nil)
	srv.Step()
	for _, mv := range []string{"2.44", "2.45"} {
		r := c.do(http.MethodPost, "/compute/v2.1/servers/"+id+"/action", `{"createImage": {"name": "snap-`+mv+`"}}`, "X-OpenStack-Nova-API-Version", mv)
		if r.status != http.StatusAccepted {
			t.Fatalf("createImage at %s = %d %s", mv, r.status, r.body)
		}
		if mv == "2.44" && (!strings.Contains(r.header.Get("Location"), "/image/v2/images/") || len(r.body) != 0) {
			t.Errorf("createImage at 2.44: Location %q, body %s", r.header.Get("Location"), r.body)
		}
		if mv == "2.45" && (r.header.Get("Location") != "" || str2(r.json(t), "image_id") == "" || r.header.Get("Content-Type") != "application/json") {
			t.Errorf("createImage at 2.45: Location %q, body %s, %s", r.header.Get("Location"), r.body, r.header.Get("Content-Type"))
		}
	}
	// Snapshots go queued, saving, active.
	var states []string
	for range 3 {
		for _, o := range srv.Objects(KindImage) {
			if o.Name == "snap-2.45" {
				states = append(states, o.Status)
			}
		}
		srv.Step()
	}
	if diff := cmp.Diff([]string{"queued", "saving", "active"}, states); diff != "" {
		t.Errorf("snapshot states (-want +got):\n%s", diff)
	}
}

func TestFlavors(t *testing.T) {
	_, c := newFake(t, nil)
	body := map[string]any{"flavor": map[string]any{"name": "f", "ram": 64, "vcpus": 1, "disk": 1, "description": "d1",
		"os-flavor-access:is_public": true, "OS-FLV-EXT-DATA:ephemeral": 0}}
	f := c.nova(http.StatusOK, http.MethodPost, "/flavors", body)
	id := str2(f, "flavor", "id")
	got := map[string]any{"swap": get(f, "flavor", "swap"), "description": get(f, "flavor", "description"), "extra_specs": get(f, "flavor", "extra_specs")}
	if diff := cmp.Diff(map[string]any{"swap": "", "description": "d1", "extra_specs": map[string]any{}}, got); diff != "" {
		t.Errorf("created flavor (-want +got):\n%s", diff)
	}
	tests := []struct {
		name     string
		method   string
		path     string
		body     any
		mv       string
		status   int
		key, msg string
	}{
		{"duplicate name", "POST", "/flavors", body, "2.64", 409, "conflictingRequest", "Flavor with name f already exists."},
		{"description before 2.55", "POST", "/flavors", map[string]any{"flavor": map[string]any{"name": "g", "ram": 64, "vcpus": 1, "disk": 1, "description": "d"}}, "2.1",
			400, "badRequest", "Invalid input for field/attribute flavor. Value: {'description': 'd', 'disk': 1, 'name': 'g', 'ram': 64, 'vcpus': 1}. " +
				"Additional properties are not allowed ('description' was unexpected)"},
		{"update before 2.55", "PUT", "/flavors/" + id, map[string]any{"flavor": map[string]any{"description": "d2"}}, "2.1",
			404, "itemNotFound", "The resource could not be found."},
		{"update without description", "PUT", "/flavors/" + id, map[string]any{"flavor": map[string]any{}}, "2.64",
			400, "badRequest", "Invalid input for field/attribute flavor. Value: {}. 'description' is a required property"},
		{"update", "PUT", "/flavors/" + id, map[string]any{"flavor": map[string]any{"description": "d2"}}, "2.64", 200, "", ""},
		{"delete", "DELETE", "/flavors/" + id, nil, "2.64", 202, "", ""},
		{"get deleted", "GET", "/flavors/" + id, nil, "2.64", 404, "itemNotFound", "Flavor " + id + " could not be found."},
	}
	for _, tc := range tests {
		r := c.do(tc.method, "/compute/v2.1"+tc.path, tc.body, "X-OpenStack-Nova-API-Version", tc.mv)
		msg := ""
		if tc.key != "" {
			msg = str2(r.json(t), tc.key, "message")
		}
		if r.status != tc.status || msg != tc.msg {
			t.Errorf("%s = %d %s, want %d %q", tc.name, r.status, r.body, tc.status, tc.msg)
		}
	}
	list := c.nova(http.StatusOK, http.MethodGet, "/flavors/detail?is_public=None", nil)
	if n := len(get(list, "flavors").([]any)); n != 1 {
		t.Errorf("%d flavors listed, want m1.tiny alone", n)
	}
}

func TestServerGroups(t *testing.T) {
	srv, c := newFake(t, nil)
	g := c.nova(http.StatusOK, http.MethodPost, "/os-server-groups", map[string]any{"server_group": map[string]any{"name": "g", "policy": "anti-affinity"}})
	id := str2(g, "server_group", "id")
	got := map[string]any{"policy": get(g, "server_group", "policy"), "rules": get(g, "server_group", "rules"), "members": get(g, "server_group", "members")}
	if diff := cmp.Diff(map[string]any{"policy": "anti-affinity", "rules": map[string]any{}, "members": []any{}}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	old := c.must(http.StatusOK, http.MethodGet, "/compute/v2.1/os-server-groups/"+id, nil)
	if diff := cmp.Diff([]any{"anti-affinity"}, get(old, "server_group", "policies")); diff != "" {
		t.Errorf("policies at 2.1 (-want +got):\n%s", diff)
	}
	r := c.do(http.MethodPost, "/compute/v2.1/os-server-groups", map[string]any{"server_group": map[string]any{"name": "h", "policy": "sideways"}},
		"X-OpenStack-Nova-API-Version", "2.64")
	want := "Invalid input for field/attribute policy. Value: sideways. 'sideways' is not one of ['anti-affinity', 'affinity', 'soft-anti-affinity', 'soft-affinity']"
	if got := str2(r.json(t), "badRequest", "message"); r.status != 400 || got != want {
		t.Errorf("bad policy = %d %q", r.status, got)
	}
	net := c.network("n", "10.1.0.0/24")
	body := map[string]any{"server": map[string]any{"name": "s", "flavorRef": "1", "imageRef": imageID(t, srv, "cirros"),
		"networks": []any{map[string]any{"uuid": net}}}, "os:scheduler_hints": map[string]any{"group": id}}
	s := str2(c.nova(http.StatusAccepted, http.MethodPost, "/servers", body), "server", "id")
	if m := get(c.nova(http.StatusOK, http.MethodGet, "/os-server-groups/"+id, nil), "server_group", "members"); !cmp.Equal(m, []any{s}) {
		t.Errorf("members = %v, want the server", m)
	}
	c.nova(http.StatusNoContent, http.MethodDelete, "/os-server-groups/"+id, nil)
	r = c.do(http.MethodGet, "/compute/v2.1/os-server-groups/"+id, nil)
	if r.status != 404 || str2(r.json(t), "itemNotFound", "message") != "Instance group "+id+" could not be found." {
		t.Errorf("deleted group = %d %s", r.status, r.body)
	}
}

func TestRemoteConsole(t *testing.T) {
	srv, c := newFake(t, nil)
	id := c.boot("s", c.network("n", "10.1.0.0/24"), nil)
	body := map[string]any{"remote_console": map[string]any{"protocol": "vnc", "type": "novnc"}}
	r := c.do(http.MethodPost, "/compute/v2.1/servers/"+id+"/remote-consoles", body, "X-OpenStack-Nova-API-Version", "2.64")
	if r.status != http.StatusConflict {
		t.Errorf("console of a building server = %d", r.status)
	}
	srv.Step()
	got := c.nova(http.StatusOK, http.MethodPost, "/servers/"+id+"/remote-consoles", body)
	if u := str2(got, "remote_console", "url"); !strings.HasPrefix(u, srv.URL()+"/novnc/vnc_auto.html?path=%3Ftoken%3D") {
		t.Errorf("console URL %q", u)
	}
}
