//go:build integration

package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/orca-nfv/orca/internal/testutil/osenv"
	"github.com/orca-nfv/orca/internal/testutil/wait"
	"github.com/orca-nfv/orca/secret"
)

// TestIntegrationDemoOnOpenStack runs the demo with a location on the real
// OpenStack the OS_* variables name, logged in to with a Keystone token,
// and drives a network, an image, a flavor, a server in a Waldur server
// group and a Mogan bare-metal instance there and back.
//
// The image is imported by Glance from a URL this test serves. Glance
// refuses loopback URLs and ports other than 80 and 443, so the test
// serves on port 80 of the machine's first non-loopback IPv4 address, or
// uses ORCA_TEST_IMAGE_URL (raw data) when set.
func TestIntegrationDemoOnOpenStack(t *testing.T) {
	authURL := osenv.AuthURL(t)
	imageURL := os.Getenv("ORCA_TEST_IMAGE_URL")
	if imageURL == "" {
		imageURL = serveImage(t)
	}
	token, catalog := osenv.Login(t, authURL)
	// Glance fetches the image from a private address: allow it (with
	// loopback, where the cloud's endpoints are).
	src, perr := url.Parse(imageURL)
	if perr != nil {
		t.Fatal(perr)
	}
	allow := "127.0.0.0/8,::1/128," + src.Hostname() + "/32"
	d := start(t, []string{"-db", "memory", "-fake-locations", "0", "-keystone-url", authURL, "-fetch-allow", allow},
		map[string]string{"ORCA_SECRET_KEY": secret.GenerateKey(), "ORCA_ADMIN_PASSWORD": "unused-admin-pw"})
	defer func() {
		if err := d.stop(); err != nil {
			t.Errorf("demo: %v", err)
		}
	}()
	must := func(method, path, body string, want int) map[string]any {
		t.Helper()
		code, _, out := call(t, method, d.url+path, token, body)
		if code != want {
			t.Fatalf("%s %s = %d %v, want %d", method, path, code, out, want)
		}
		return out
	}
	phase := func(path, wrapper string) string {
		code, _, out := call(t, "GET", d.url+path, token, "")
		if code == http.StatusNotFound {
			return "gone"
		}
		o, _ := out[wrapper].(map[string]any)
		meta, _ := o["orca"].(map[string]any)
		st, _ := meta["status"].(map[string]any)
		p, _ := st["phase"].(string)
		if p == "Failed" {
			t.Fatalf("%s failed: %v", path, st)
		}
		return p
	}
	until := func(path, wrapper, want string) {
		t.Helper()
		wait.UntilWith(t, &wait.Options{Every: 500 * time.Millisecond, Bound: 5 * time.Minute}, path+" "+want,
			func() bool { return phase(path, wrapper) == want })
	}

	creds, _ := json.Marshal(map[string]any{"credential": osenv.Credentials()})
	must("PUT", "/v1.0/admin/credentials/os-creds", string(creds), 200)
	must("POST", "/v1.0/locations", fmt.Sprintf(`{"location": {"id": "os-1", "keystone_endpoint": %q, "region": %q, "credential_id": "os-creds"}}`,
		authURL, os.Getenv("OS_REGION_NAME")), 201)
	until("/v1.0/locations/os-1", "location", "Ready")

	run := fmt.Sprint(time.Now().Unix() % 100000)
	net, img, flv, vm := "e2e-net-"+run, "e2e-img-"+run, "e2e-flavor-"+run, "e2e-vm-"+run
	must("POST", "/v1.0/tenant/networks", fmt.Sprintf(`{"network": {"id": %q, "cidr": "10.199.0.0/24"}}`, net), 201)
	must("POST", "/v1.0/tenant/images", fmt.Sprintf(`{"image": {"id": %q, "url": %q, "disk_format": "raw", "container_format": "bare", "visibility": "private"}}`, img, imageURL), 201)
	must("POST", "/v1.0/tenant/flavors", fmt.Sprintf(`{"flavor": {"id": %q, "ram": 64, "vcpus": 1, "disk": 1}}`, flv), 201)
	// A Waldur server group at the location: a Nova server group.
	group := must("POST", "/api/openstack-server-groups/", fmt.Sprintf(`{"name": "e2e-group-%s", "policy": "anti-affinity", "service_settings": "os-1"}`, run), 201)
	groupID := group["uuid"].(string)
	var groupBackend string
	wait.UntilWith(t, &wait.Options{Every: 500 * time.Millisecond, Bound: 5 * time.Minute}, "the server group OK", func() bool {
		g := must("GET", "/api/openstack-server-groups/"+groupID+"/", "", 200)
		groupBackend, _ = g["backend_id"].(string)
		return g["state"] == "OK"
	})
	must("POST", "/v1.0/servers", fmt.Sprintf(`{"server": {"id": %q, "image_id": %q, "flavor_id": %q, "network_id": %q, "server_group_id": %q}}`,
		vm, img, flv, net, groupID), 201)
	until("/v1.0/tenant/networks/"+net, "network", "Ready")
	until("/v1.0/servers/"+vm, "server", "Ready")

	// The server is in Nova, ACTIVE, on the network orca made.
	locals := must("GET", "/v1.0/tenant/local_servers?server_id="+vm, "", 200)["local_servers"].([]any)
	if len(locals) != 1 {
		t.Fatalf("local servers %v", locals)
	}
	local := locals[0].(map[string]any)
	serverID, _ := local["output"].(map[string]any)["server_id"].(string)
	code, body := openstackGet(t, token, catalog["compute"]+"/servers/"+serverID)
	if code != http.StatusOK {
		t.Fatalf("Nova's server %s: %d %v", serverID, code, body)
	}
	nova := body["server"].(map[string]any)
	if nova["status"] != "ACTIVE" || !strings.HasPrefix(nova["name"].(string), "orca-") {
		t.Errorf("Nova's server: status %v, name %v", nova["status"], nova["name"])
	}
	addrs, _ := nova["addresses"].(map[string]any)
	if len(addrs) != 1 {
		t.Errorf("Nova's server is on networks %v, want orca's one", addrs)
	}

	// Nova has the group, with the server in it, and Waldur lists it.
	code, body = openstackGet(t, token, catalog["compute"]+"/os-server-groups/"+groupBackend)
	if code != http.StatusOK {
		t.Fatalf("Nova's server group %s: %d %v", groupBackend, code, body)
	}
	if members, _ := body["server_group"].(map[string]any)["members"].([]any); len(members) != 1 || members[0] != serverID {
		t.Errorf("Nova's server group members %v, want [%s]", members, serverID)
	}
	inst := must("GET", "/api/openstack-server-groups/"+groupID+"/?field=instances", "", 200)["instances"].([]any)
	if len(inst) != 1 || inst[0].(map[string]any)["backend_id"] != serverID {
		t.Errorf("Waldur's instances %v, want the server %s", inst, serverID)
	}

	// A Mogan bare-metal instance there (a Nova server behind the fake
	// virt driver), powered off and on through Nova.
	bm := must("POST", "/v1/instances", fmt.Sprintf(`{"name": "e2e-bm-%s", "instance_type_uuid": %q, "image_uuid": %q, "availability_zone": "os-1", "networks": [{"net_id": %q}]}`,
		run, flv, img, net), 201)["uuid"].(string)
	defer func() { // before the demo stops
		if t.Failed() {
			_, _, st := call(t, "GET", d.url+"/v1/instances/"+bm+"/states", token, "")
			_, _, copies := call(t, "GET", d.url+"/v1.0/tenant/local_baremetal_instances?baremetal_instance_id="+bm, token, "")
			t.Logf("the instance: %v; its copies: %v", st, copies)
		}
	}()
	mogan := func(status string) map[string]any {
		t.Helper()
		var st map[string]any
		wait.UntilWith(t, &wait.Options{Every: 500 * time.Millisecond, Bound: 5 * time.Minute}, "instance "+status, func() bool {
			st = must("GET", "/v1/instances/"+bm+"/states", "", 200)
			if st["status"] == "error" {
				t.Fatalf("the instance failed: %v", st)
			}
			return st["status"] == status
		})
		return st
	}
	mogan("active")
	must("PUT", "/v1/instances/"+bm+"/states/power", `{"target": "off"}`, 202)
	if st := mogan("stopped"); st["power_state"] != "power off" {
		t.Errorf("after power off: %v", st)
	}
	must("PUT", "/v1/instances/"+bm+"/states/power", `{"target": "on"}`, 202)
	if st := mogan("active"); st["power_state"] != "power on" {
		t.Errorf("after power on: %v", st)
	}
	must("DELETE", "/v1/instances/"+bm, "", 204)
	until("/v1.0/tenant/baremetal_instances/"+bm, "baremetal_instance", "gone")

	// Tear down: the server first (it holds a port on the network, and
	// is in the group).
	must("DELETE", "/v1.0/servers/"+vm, "", 204)
	until("/v1.0/servers/"+vm, "server", "gone")
	must("DELETE", "/api/openstack-server-groups/"+groupID+"/", "", 204)
	until("/v1.0/tenant/server_groups/"+groupID, "server_group", "gone")
	if code, _ := openstackGet(t, token, catalog["compute"]+"/os-server-groups/"+groupBackend); code != http.StatusNotFound {
		t.Errorf("Nova still has the server group: %d", code)
	}
	for _, r := range []struct{ path, wrapper string }{
		{"/v1.0/tenant/flavors/" + flv, "flavor"}, {"/v1.0/tenant/images/" + img, "image"}, {"/v1.0/tenant/networks/" + net, "network"},
	} {
		must("DELETE", r.path, "", 204)
		until(r.path, r.wrapper, "gone")
	}
	if code, _ := openstackGet(t, token, catalog["compute"]+"/servers/"+serverID); code != http.StatusNotFound {
		t.Errorf("Nova still has the server: %d", code)
	}
	must("DELETE", "/v1.0/locations/os-1", "", 204)
	until("/v1.0/locations/os-1", "location", "gone")
}

// openstackGet GETs an OpenStack API URL with the token.
func openstackGet(t *testing.T, token, url string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("X-Auth-Token", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// serveImage serves 1 KiB of raw zeros on port 80 of a non-loopback
// address, where Glance's web-download accepts it.
func serveImage(t *testing.T) string {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok || ipn.IP.To4() == nil || ipn.IP.IsLoopback() || ipn.IP.IsLinkLocalUnicast() {
			continue
		}
		ln, err := net.Listen("tcp", net.JoinHostPort(ipn.IP.String(), "80"))
		if err != nil {
			t.Skipf("cannot serve the test image on %s:80 (%v): set ORCA_TEST_IMAGE_URL", ipn.IP, err)
		}
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Write(make([]byte, 1024))
		})}
		go srv.Serve(ln)
		t.Cleanup(func() { srv.Close() })
		return "http://" + ipn.IP.String() + "/tiny.raw"
	}
	t.Skip("no non-loopback IPv4 address to serve the test image on: set ORCA_TEST_IMAGE_URL")
	return ""
}
