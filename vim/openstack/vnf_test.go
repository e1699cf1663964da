package openstack

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/attachinterfaces"

	"github.com/orca-nfv/orca/internal/testutil/osfake"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// vnf describes a server on two new networks, the first NIC at a fixed IP,
// with day-0 data and a zone.
func (f *fixture) vnf() *vim.Object {
	f.t.Helper()
	o := f.server()
	bRef, bDep := f.network("10.21.0.0/24")
	o.Deps[bRef] = bDep
	s := o.Spec.(*resource.Server)
	// "abcd" is valid base64 itself, which gophercloud would send as is.
	s.NICs, s.NetworkID = []resource.NIC{{NetworkID: s.NetworkID, FixedIP: "10.20.0.16"}, {NetworkID: bRef.ID}}, ""
	s.UserData, s.AvailabilityZone = "abcd", "nova:compute2"
	s.ConfigFiles = []resource.ConfigFile{{Path: "/day0-config", Contents: "hostname vnf\n"}}
	s.Default()
	return o
}

// subnetOf returns the ID of the fake's subnet of network.
func (f *fixture) subnetOf(network string) string {
	for _, sn := range f.srv.Objects(osfake.KindSubnet) {
		if sn.View["network_id"] == network {
			return sn.ID
		}
	}
	f.t.Fatalf("no subnet on network %s", network)
	return ""
}

// TestServerDay0OnNova: fixed IPs, user data (as given), config files
// (personality, on the config drive) and the zone reach Nova, and the
// server's interfaces, host and zone come back.
func TestServerDay0OnNova(t *testing.T) {
	f := newFixture(t, nil)
	o := f.vnf()
	ext, err := f.d.Create(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	o.ExternalID = ext
	obs := f.ready(o)
	if len(obs.Drift) != 0 {
		t.Errorf("a fresh server drifts: %v", obs.Drift)
	}
	boot, _ := f.srv.Boot(ext)
	want := osfake.ServerBoot{UserData: []byte("abcd"), ConfigDrive: true, Zone: "nova", Host: "compute2",
		Files: []osfake.InjectedFile{{Path: "/day0-config", Contents: []byte("hostname vnf\n")}}}
	if diff := cmp.Diff(want, boot); diff != "" {
		t.Errorf("what Nova got (-want +got):\n%s", diff)
	}
	s := o.Spec.(*resource.Server)
	netA, netB := o.Deps[resource.Ref{Kind: resource.KindNetwork, ID: s.NICs[0].NetworkID}].ExternalID,
		o.Deps[resource.Ref{Kind: resource.KindNetwork, ID: s.NICs[1].NetworkID}].ExternalID
	ifaces, _ := obs.Output["interfaces"].([]any)
	var ports []string
	for _, x := range ifaces {
		m := x.(map[string]any)
		ports = append(ports, m["port_id"].(string))
		delete(m, "port_id")
		delete(m, "mac_address")
	}
	wantIfaces := []any{
		map[string]any{"network_id": s.NICs[0].NetworkID, "ip_address": "10.20.0.16", "subnet_id": f.subnetOf(netA)},
		map[string]any{"network_id": s.NICs[1].NetworkID, "ip_address": "10.21.0.2", "subnet_id": f.subnetOf(netB)},
	}
	if diff := cmp.Diff(wantIfaces, ifaces); diff != "" {
		t.Errorf("interfaces without ports and MACs (-want +got):\n%s", diff)
	}
	if len(ports) != 2 || ports[0] == "" || ports[0] == ports[1] {
		t.Errorf("ports %q, want two distinct ones", ports)
	}
	got := []any{obs.Output["host"], obs.Output["availability_zone"], obs.Output["host_id"] != nil}
	if diff := cmp.Diff([]any{"compute2", "nova", true}, got); diff != "" {
		t.Errorf("host, zone, has host_id (-want +got):\n%s", diff)
	}
}

// TestServerPortsReadOnce: a server's ports cost one os-interface call
// when it gets its addresses; observing it again, alone or in bulk, costs
// none.
func TestServerPortsReadOnce(t *testing.T) {
	f := newFixture(t, nil)
	o := f.vnf()
	ext, err := f.d.Create(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	o.ExternalID = ext
	f.ready(o)
	calls := func() int { return f.srv.Count(osfake.Match{Path: "/compute/v2.1/servers/" + ext + "/os-interface"}) }
	if n := calls(); n != 1 {
		t.Fatalf("%d os-interface calls to make the server ready, want 1", n)
	}
	for range 2 {
		if _, err := f.d.Observe(t.Context(), o); err != nil {
			t.Fatal(err)
		}
	}
	obs, err := f.d.ObserveAll(t.Context(), resource.KindServer, []*vim.Object{o})
	if err != nil {
		t.Fatal(err)
	}
	if ifaces, _ := obs[0].Output["interfaces"].([]any); len(ifaces) != 2 || ifaces[0].(map[string]any)["port_id"] == "" {
		t.Errorf("bulk interfaces %v, want two with ports", obs[0].Output["interfaces"])
	}
	if n := calls(); n != 1 {
		t.Errorf("%d os-interface calls after observing again, want still 1", n)
	}
}

// TestServerPortsForbidden: where policy forbids os-interface, interfaces
// come from the addresses, without ports or subnets, and the call is not
// repeated.
func TestServerPortsForbidden(t *testing.T) {
	f := newFixture(t, nil)
	o := f.vnf()
	ext, err := f.d.Create(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	o.ExternalID = ext
	match := osfake.Match{Path: "/compute/v2.1/servers/" + ext + "/os-interface"}
	f.srv.Fail(match, http.StatusForbidden, 1)
	f.ready(o)
	obs := f.ready(o) // again: from what was learnt
	s := o.Spec.(*resource.Server)
	var got []any
	for _, x := range obs.Output["interfaces"].([]any) {
		m := x.(map[string]any)
		got = append(got, []any{m["network_id"], m["ip_address"], m["port_id"], m["subnet_id"], m["mac_address"] != ""})
	}
	want := []any{
		[]any{s.NICs[0].NetworkID, "10.20.0.16", "", "", true},
		[]any{s.NICs[1].NetworkID, "10.21.0.2", "", "", true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("interfaces (-want +got):\n%s", diff)
	}
	if n := f.srv.Count(match); n != 1 {
		t.Errorf("%d os-interface calls, want 1", n)
	}
}

// TestInterfacesMatchNICs: ports are matched to the NICs asked for, fixed
// IPs first, so two NICs on one network each get their own.
func TestInterfacesMatchNICs(t *testing.T) {
	addr := func(mac, ip string) map[string]any {
		return map[string]any{"addr": ip, "OS-EXT-IPS:type": "fixed", "OS-EXT-IPS-MAC:mac_addr": mac}
	}
	srv := &osServer{ID: "s1", Addresses: map[string]any{
		"net-a": []any{addr("fa:16:3e:00:00:01", "10.0.0.5"), addr("fa:16:3e:00:00:02", "10.0.0.9")},
		"net-b": []any{addr("fa:16:3e:00:00:03", "10.1.0.7")},
	}}
	port := func(id, net, mac, ip, subnet string) attachinterfaces.Interface {
		return attachinterfaces.Interface{PortID: id, NetID: net, MACAddr: mac,
			FixedIPs: []attachinterfaces.FixedIP{{IPAddress: ip, SubnetID: subnet}}}
	}
	ports := []attachinterfaces.Interface{
		port("p1", "A", "fa:16:3e:00:00:01", "10.0.0.5", "sa"),
		port("p2", "A", "fa:16:3e:00:00:02", "10.0.0.9", "sa"),
		port("p3", "B", "fa:16:3e:00:00:03", "10.1.0.7", "sb"),
	}
	iface := func(net, ip, mac, port, subnet string) map[string]any {
		return map[string]any{"network_id": net, "ip_address": ip, "mac_address": mac, "port_id": port, "subnet_id": subnet}
	}
	tests := map[string]struct {
		networks []string // external IDs, in NIC order
		boot     resource.Boot
		want     []any
	}{
		"a fixed ip on the second nic of a network": {
			networks: []string{"A", "A", "B"},
			boot:     resource.Boot{NetworkIDs: []string{"a", "a", "b"}, FixedIPs: []string{"", "10.0.0.5", ""}},
			want: []any{iface("a", "10.0.0.9", "fa:16:3e:00:00:02", "p2", "sa"), iface("a", "10.0.0.5", "fa:16:3e:00:00:01", "p1", "sa"),
				iface("b", "10.1.0.7", "fa:16:3e:00:00:03", "p3", "sb")},
		},
		"a nic without a port, a port not asked for": {
			networks: []string{"B", "C"},
			boot:     resource.Boot{NetworkIDs: []string{"b", "c"}},
			want:     []any{iface("b", "10.1.0.7", "fa:16:3e:00:00:03", "p3", "sb")},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			d := &Driver{}
			d.ports.put(srv.ID, serverPorts{key: addressKey(srv), known: true, ports: ports})
			got := d.interfaces(srv, machineRefs{networks: tc.networks}, tc.boot)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("interfaces (-want +got):\n%s", diff)
			}
		})
	}
}
