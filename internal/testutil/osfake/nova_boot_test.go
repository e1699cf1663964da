package osfake

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestServerBootOptions: fixed IPs, user data, config drive, personality
// (before 2.57) and the zone are taken, shown where Nova shows them, and
// the server's ports are listed by os-interface.
func TestServerBootOptions(t *testing.T) {
	srv, c := newFake(t, nil)
	a, b := c.network("a", "10.1.0.0/24"), c.network("b", "10.2.0.0/24")
	body := map[string]any{"server": map[string]any{"name": "vnf", "imageRef": imageID(t, srv, "cirros"), "flavorRef": "1",
		"networks": []any{map[string]any{"uuid": a, "fixed_ip": "10.1.0.16"}, map[string]any{"uuid": b}},
		// "abcd" is valid base64 itself: what arrives is what was encoded.
		"user_data":    base64.StdEncoding.EncodeToString([]byte("abcd")),
		"config_drive": true, "availability_zone": "nova:compute2",
		"personality": []any{map[string]any{"path": "/day0-config", "contents": base64.StdEncoding.EncodeToString([]byte("hostname vnf"))}}}}
	id := str2(c.must(http.StatusAccepted, http.MethodPost, "/compute/v2.1/servers", body, "OpenStack-API-Version", "compute 2.56"), "server", "id")
	srv.Step()

	s := get(c.nova(http.StatusOK, http.MethodGet, "/servers/"+id, nil), "server")
	got := map[string]any{}
	for _, k := range []string{"OS-EXT-AZ:availability_zone", "OS-EXT-SRV-ATTR:host", "config_drive", "status"} {
		got[k] = get(s, k)
	}
	got["a"], got["b"] = get(s, "addresses", "a", 0, "addr"), get(s, "addresses", "b", 0, "addr")
	want := map[string]any{"OS-EXT-AZ:availability_zone": "nova", "OS-EXT-SRV-ATTR:host": "compute2", "config_drive": "True",
		"status": "ACTIVE", "a": "10.1.0.16", "b": "10.2.0.2"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("server view (-want +got):\n%s", diff)
	}
	boot, ok := srv.Boot(id)
	wantBoot := ServerBoot{UserData: []byte("abcd"), Files: []InjectedFile{{Path: "/day0-config", Contents: []byte("hostname vnf")}},
		ConfigDrive: true, Zone: "nova", Host: "compute2"}
	if diff := cmp.Diff(wantBoot, boot); !ok || diff != "" {
		t.Errorf("Boot(%s) (-want +got):\n%s", id, diff)
	}

	ifaces := get(c.nova(http.StatusOK, http.MethodGet, "/servers/"+id+"/os-interface", nil), "interfaceAttachments").([]any)
	var nets, ips []string
	for i, x := range ifaces {
		nets = append(nets, str2(x, "net_id"))
		ips = append(ips, str2(x, "fixed_ips", 0, "ip_address"))
		if str2(x, "port_id") == "" || str2(x, "fixed_ips", 0, "subnet_id") == "" || str2(x, "port_state") != "ACTIVE" {
			t.Errorf("interface %d: %v", i, x)
		}
		if mac := str2(s, "addresses", []string{"a", "b"}[i], 0, "OS-EXT-IPS-MAC:mac_addr"); str2(x, "mac_addr") != mac {
			t.Errorf("interface %d: MAC %q, the server shows %q", i, str2(x, "mac_addr"), mac)
		}
	}
	if diff := cmp.Diff([]string{a, b, "10.1.0.16", "10.2.0.2"}, append(nets, ips...)); diff != "" {
		t.Errorf("interfaces' networks and addresses (-want +got):\n%s", diff)
	}
}

// TestServerBootRefusals: Nova's answers to day-0 and NIC requests it
// refuses at once.
func TestServerBootRefusals(t *testing.T) {
	srv, c := newFake(t, nil)
	net := c.network("a", "10.1.0.0/24")
	held := c.boot("holder", net, map[string]any{"networks": []any{map[string]any{"uuid": net, "fixed_ip": "10.1.0.9"}}})
	server := func(extra map[string]any) map[string]any {
		s := map[string]any{"name": "s", "imageRef": imageID(t, srv, "cirros"), "flavorRef": "1",
			"networks": []any{map[string]any{"uuid": net}}}
		for k, v := range extra {
			s[k] = v
		}
		return map[string]any{"server": s}
	}
	files := func(n, size int) []any {
		var out []any
		for range n {
			out = append(out, map[string]any{"path": "/f", "contents": base64.StdEncoding.EncodeToString(make([]byte, size))})
		}
		return out
	}
	tests := map[string]struct {
		version    string
		extra      map[string]any
		wantStatus int
		wantMsg    string
	}{
		"fixed ip in use": {"2.64", map[string]any{"networks": []any{map[string]any{"uuid": net, "fixed_ip": "10.1.0.9"}}},
			400, "Fixed IP address 10.1.0.9 is already in use on instance " + held + "."},
		"fixed ip not an address": {"2.64", map[string]any{"networks": []any{map[string]any{"uuid": net, "fixed_ip": "10.1.0.300"}}},
			400, "Invalid input for field/attribute fixed_ip. Value: 10.1.0.300. '10.1.0.300' is not valid under any of the given schemas"},
		"user data not base64": {"2.64", map[string]any{"user_data": "#cloud-config"},
			400, "Invalid input for field/attribute user_data. Value: #cloud-config. '#cloud-config' is not a 'base64'"},
		"user data too long": {"2.64", map[string]any{"user_data": strings.Repeat("A", 65536)},
			400, "is too long"},
		"personality after 2.56": {"2.57", map[string]any{"personality": files(1, 1)},
			400, "Additional properties are not allowed ('personality' was unexpected)"},
		"six files":         {"2.56", map[string]any{"personality": files(6, 1)}, 403, "Personality file limit exceeded"},
		"file too long":     {"2.56", map[string]any{"personality": files(1, 10241)}, 403, "Personality file content exceeds maximum 10240"},
		"unknown zone":      {"2.64", map[string]any{"availability_zone": "MY_CLUSTER1"}, 400, "The requested availability zone is not available"},
		"config drive word": {"2.64", map[string]any{"config_drive": "maybe"}, 400, "is not of type 'boolean', 'string', 'null'"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			before := len(srv.Objects(KindServer))
			r := c.do(http.MethodPost, "/compute/v2.1/servers", server(tc.extra), "OpenStack-API-Version", "compute "+tc.version)
			var msg string
			for _, v := range r.json(t) {
				msg, _ = get(v, "message").(string)
			}
			if r.status != tc.wantStatus || !strings.Contains(msg, tc.wantMsg) {
				t.Errorf("= %d %q, want %d with %q", r.status, msg, tc.wantStatus, tc.wantMsg)
			}
			if n := len(srv.Objects(KindServer)); n != before {
				t.Errorf("%d servers after a refusal, want %d", n, before)
			}
		})
	}
}

// TestServerBootFailures: what Nova accepts and then fails to build ends
// in ERROR with a fault.
func TestServerBootFailures(t *testing.T) {
	srv, c := newFake(t, nil)
	net := c.network("a", "10.1.0.0/24")
	tests := map[string]struct {
		extra     map[string]any
		wantFault string
	}{
		"fixed ip outside the network": {map[string]any{"networks": []any{map[string]any{"uuid": net, "fixed_ip": "10.9.0.5"}}},
			"IP address 10.9.0.5 is not a valid IP for any of the subnets on the specified network."},
		"unknown host": {map[string]any{"availability_zone": "nova:compute9"}, "No valid host was found. "},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			id := c.boot("s", net, tc.extra)
			srv.Step()
			s := get(c.nova(http.StatusOK, http.MethodGet, "/servers/"+id, nil), "server")
			if st, fault := str2(s, "status"), str2(s, "fault", "message"); st != "ERROR" || !strings.HasSuffix(fault, tc.wantFault) {
				t.Errorf("status %s, fault %q; want ERROR ending %q", st, fault, tc.wantFault)
			}
		})
	}
}
