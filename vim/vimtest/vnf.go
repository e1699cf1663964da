package vimtest

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// Servers as VNF deployments boot them: several NICs, a fixed IP, day-0
// data and an availability zone, reported back as Output["interfaces"]
// ({network_id (orca's), ip_address, mac_address, port_id, subnet_id}, in
// NIC order) and "availability_zone".

// vnfFixedIP is the first NIC's address, inside the table's network CIDR
// (10.77.0.0/24); vnfSecondCIDR is the second network's.
const (
	vnfFixedIP    = "10.77.0.50"
	vnfSecondCIDR = "10.76.0.0/24"
	// vnfZone is Nova's default zone, which every OpenStack has.
	vnfZone = "nova"
)

// testVNFServer: a server on two networks, the first NIC at a fixed IP,
// with user data and a config file, in a zone, is ready without drift and
// reports each NIC; its day-0 data and fixed IP then drift when changed
// and cannot change in place.
func testVNFServer(t *testing.T, s *suite) {
	if !vim.Serves(s.d, resource.KindServer) || !vim.Serves(s.d, resource.KindNetwork) {
		t.Skip("the driver does not serve servers and networks")
	}
	o := s.object(t, resource.KindServer)
	second := s.object(t, resource.KindNetwork)
	second.Spec.(*resource.Network).CIDR = vnfSecondCIDR
	s.realize(t, second)
	o.Deps[resource.Ref{Kind: resource.KindNetwork, ID: second.Ref.ID}] = vim.Dep{ExternalID: second.ExternalID, Name: second.Name}
	spec := o.Spec.(*resource.Server)
	first := spec.NetworkID
	spec.NetworkID, spec.NICs = "", []resource.NIC{{NetworkID: first, FixedIP: vnfFixedIP}, {NetworkID: second.Ref.ID}}
	spec.UserData = "#cloud-config\nhostname: vimtest\n"
	spec.ConfigFiles = []resource.ConfigFile{{Path: "/day0-config", Contents: "hostname vimtest\n"}}
	spec.AvailabilityZone = vnfZone
	spec.Default()

	s.create(t, o)
	obs := s.waitFor(t, o, "ready with both interfaces", func(obs vim.Observation) bool {
		list, _ := obs.Output["interfaces"].([]any)
		return obs.Exists && obs.State == vim.StateReady && len(list) == 2
	})
	if len(obs.Drift) != 0 {
		t.Errorf("a fresh server drifts: %v", obs.Drift)
	}
	if got := obs.Output["availability_zone"]; got != vnfZone {
		t.Errorf("Output[availability_zone] = %v, want %s", got, vnfZone)
	}
	type iface struct{ Network, IP string }
	var got []iface
	for i, x := range obs.Output["interfaces"].([]any) {
		m, _ := x.(map[string]any)
		network, _ := m["network_id"].(string)
		ip, _ := m["ip_address"].(string)
		got = append(got, iface{network, ip})
		for _, k := range []string{"mac_address", "port_id", "subnet_id"} {
			if v, _ := m[k].(string); v == "" {
				t.Errorf("interface %d has no %s: %v", i, k, m)
			}
		}
	}
	// The second NIC's address is the VIM's choice, inside its network.
	if len(got) == 2 {
		if a, err := netip.ParseAddr(got[1].IP); err == nil && netip.MustParsePrefix(vnfSecondCIDR).Contains(a) {
			got[1].IP = vnfSecondCIDR
		}
	}
	want := []iface{{first, vnfFixedIP}, {second.Ref.ID, vnfSecondCIDR}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("interfaces (network, address) (-want +got):\n%s", diff)
	}

	changes := map[string]func(*resource.Server){
		"user_data":    func(s *resource.Server) { s.UserData += "# changed\n" },
		"config_files": func(s *resource.Server) { s.ConfigFiles[0].Contents = "changed\n" },
		"nics":         func(s *resource.Server) { s.NICs[0].FixedIP = "10.77.0.51" },
	}
	for field, change := range changes {
		changed := *o
		next := *spec
		next.NICs, next.ConfigFiles = slices.Clone(spec.NICs), slices.Clone(spec.ConfigFiles)
		change(&next)
		changed.Spec = &next
		obs, err := s.d.Observe(t.Context(), &changed)
		if err != nil {
			t.Fatalf("Observe with %s changed: %v", field, err)
		}
		if !hasDrift(obs, field) {
			t.Errorf("%s changed: drift %v, want it named", field, obs.Drift)
		}
		wantCode(t, "Update with "+field+" changed", s.d.Update(t.Context(), &changed), resource.Invalid)
	}
}
