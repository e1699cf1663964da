package fake_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// Servers as VNF deployments boot them: several NICs, fixed IPs, day-0
// data and an availability zone.

// vnfServer returns a server object of id on a network with the fake's
// default CIDR (10.0.0.0/24, id-net) and on second, whose spec it takes.
func vnfServer(t *testing.T, v *fake.VIM, id string, second resource.Spec, nics []resource.NIC) *vim.Object {
	t.Helper()
	o := server(t, v, id)
	n2 := network(id + "-net2")
	n2.Spec = second
	o.Deps[resource.Ref{Kind: resource.KindNetwork, ID: n2.Ref.ID}] = vim.Dep{ExternalID: mustCreate(t, v, n2)}
	s := o.Spec.(*resource.Server)
	s.NetworkID, s.NICs = "", nics
	s.UserData = "#cloud-config\n"
	s.ConfigFiles = []resource.ConfigFile{{Path: "/day0-config", Contents: "hostname vnf\n"}}
	s.Default()
	return o
}

// interfaces reads Output["interfaces"] without the fields invented per
// run (MACs and ports), which it checks are there.
func interfaces(t *testing.T, obs vim.Observation) []map[string]any {
	t.Helper()
	list, ok := obs.Output["interfaces"].([]any)
	if !ok {
		t.Fatalf("Output[interfaces] = %#v, want a list", obs.Output["interfaces"])
	}
	var out []map[string]any
	for _, x := range list {
		i := x.(map[string]any)
		if mac, _ := i["mac_address"].(string); !strings.HasPrefix(mac, "fa:16:3e:") {
			t.Errorf("interface %v: MAC %q", i, mac)
		}
		if port, _ := i["port_id"].(string); port == "" {
			t.Errorf("interface %v has no port", i)
		}
		out = append(out, map[string]any{"network_id": i["network_id"], "ip_address": i["ip_address"], "subnet_id": i["subnet_id"]})
	}
	return out
}

func TestMachineAddresses(t *testing.T) {
	const shared = "100.64.0.0/10" // where the fake invents addresses
	subnetOf := func(v *fake.VIM, id string) string {
		for _, o := range v.Objects(resource.KindNetwork) {
			if o.OrcaID == id {
				return o.ExternalID + "-subnet"
			}
		}
		return ""
	}
	tests := map[string]struct {
		second resource.Spec
		nics   []resource.NIC
		// want builds the expected interfaces; subnet gives the subnet
		// of a network's own CIDR.
		want func(subnet func(string) string) []map[string]any
	}{
		"fixed and free": {
			second: &resource.Network{CIDR: "192.168.7.0/24"},
			nics:   []resource.NIC{{NetworkID: "s-net", FixedIP: "10.0.0.2"}, {NetworkID: "s-net2"}, {NetworkID: "s-net"}},
			want: func(subnet func(string) string) []map[string]any {
				return []map[string]any{
					{"network_id": "s-net", "ip_address": "10.0.0.2", "subnet_id": subnet("s-net")},
					{"network_id": "s-net2", "ip_address": "192.168.7.2", "subnet_id": subnet("s-net2")},
					// .1 is the gateway, .2 taken by the first NIC.
					{"network_id": "s-net", "ip_address": "10.0.0.3", "subnet_id": subnet("s-net")},
				}
			},
		},
		"network without a cidr": {
			second: &resource.Network{},
			nics:   []resource.NIC{{NetworkID: "s-net2"}},
			want: func(func(string) string) []map[string]any {
				return []map[string]any{{"network_id": "s-net2", "ip_address": shared, "subnet_id": ""}}
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			v := fake.New(&fake.Options{Manual: true})
			o := vnfServer(t, v, "s", tc.second, tc.nics)
			mustCreate(t, v, o)
			v.Step()
			obs := observe(t, v, o)
			if obs.State != vim.StateReady {
				t.Fatalf("observation %+v, want Ready", obs)
			}
			got := interfaces(t, obs)
			for _, i := range got {
				if a, err := netip.ParseAddr(i["ip_address"].(string)); err == nil && netip.MustParsePrefix(shared).Contains(a) {
					i["ip_address"] = shared // invented
				}
			}
			if diff := cmp.Diff(tc.want(func(id string) string { return subnetOf(v, id) }), got); diff != "" {
				t.Errorf("interfaces (-want +got):\n%s", diff)
			}
			info := v.Objects(resource.KindServer)[0]
			if len(info.NICs) != len(tc.nics) || info.Spec["user_data"] != "#cloud-config\n" || info.Zone != "nova" {
				t.Errorf("inspected server: %+v", info)
			}
		})
	}
}

// TestMachineAddressesFromSubnets: a network without a CIDR of its own
// hands out addresses from its subnets' allocation pools.
func TestMachineAddressesFromSubnets(t *testing.T) {
	v := fake.New(nil)
	o := vnfServer(t, v, "s", &resource.Network{}, []resource.NIC{{NetworkID: "s-net2"}, {NetworkID: "s-net2"}})
	netExt := o.Deps[resource.Ref{Kind: resource.KindNetwork, ID: "s-net2"}].ExternalID
	sn := &vim.Object{Ref: resource.Ref{Kind: resource.KindLocalSubnet, ID: "sn"}, Kind: resource.KindSubnet, Name: "sn",
		Spec: &resource.Subnet{NetworkID: "s-net2", CIDR: "172.16.0.0/24",
			AllocationPools: []resource.AllocationPool{{Start: "172.16.0.100", End: "172.16.0.200"}}},
		Deps: map[resource.Ref]vim.Dep{{Kind: resource.KindNetwork, ID: "s-net2"}: {ExternalID: netExt}}}
	snExt := mustCreate(t, v, sn)
	mustCreate(t, v, o)
	want := []map[string]any{
		{"network_id": "s-net2", "ip_address": "172.16.0.100", "subnet_id": snExt},
		{"network_id": "s-net2", "ip_address": "172.16.0.101", "subnet_id": snExt},
	}
	if diff := cmp.Diff(want, interfaces(t, observe(t, v, o))); diff != "" {
		t.Errorf("interfaces (-want +got):\n%s", diff)
	}
}

func TestMachineFixedIPRefused(t *testing.T) {
	v := fake.New(nil)
	a := vnfServer(t, v, "a", &resource.Network{CIDR: "192.168.7.0/24"}, []resource.NIC{{NetworkID: "a-net", FixedIP: "10.0.0.9"}})
	mustCreate(t, v, a)
	b := vnfServer(t, v, "b", &resource.Network{CIDR: "192.168.8.0/24"}, []resource.NIC{{NetworkID: "a-net", FixedIP: "10.0.0.9"}})
	b.Deps[resource.Ref{Kind: resource.KindNetwork, ID: "a-net"}] = a.Deps[resource.Ref{Kind: resource.KindNetwork, ID: "a-net"}]
	_, err := v.Create(t.Context(), b)
	if resource.CodeOf(err) != resource.Unavailable || resource.FieldOf(err) != "nics" || !strings.Contains(err.Error(), "in use on a") {
		t.Errorf("a second server on a's fixed IP: %v, want Unavailable (the holder may be going) naming nics and a", err)
	}
	if n := len(v.Objects(resource.KindServer)); n != 1 {
		t.Errorf("%d servers after a refused create, want 1", n)
	}
	// An address outside the network: the VIM accepts the server, and
	// its build fails.
	c := vnfServer(t, v, "c", &resource.Network{CIDR: "192.168.9.0/24"}, []resource.NIC{{NetworkID: "c-net2", FixedIP: "10.0.0.10"}})
	mustCreate(t, v, c)
	if obs := observe(t, v, c); obs.State != vim.StateError || !strings.Contains(obs.Message, "not a valid IP for any of the subnets") {
		t.Errorf("a fixed IP outside the network: %+v, want Error", obs)
	}
}

func TestMachineZones(t *testing.T) {
	tests := map[string]struct {
		zone              string
		wantHost          string
		wantZone, wantErr string
	}{
		"none":         {wantHost: "host-1", wantZone: "nova"},
		"zone":         {zone: "MY_CLUSTER1", wantHost: "host-1", wantZone: "MY_CLUSTER1"},
		"zone:host":    {zone: "MY_CLUSTER1:host-2", wantHost: "host-2", wantZone: "MY_CLUSTER1"},
		"disabled":     {zone: "z:host-3", wantHost: "host-3", wantZone: "z"},
		"unknown host": {zone: "z:nope", wantZone: "z", wantErr: `no compute host "nope"`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			v := fake.New(&fake.Options{Hosts: []string{"host-1", "host-2", "host-3"}})
			if err := v.SetHostEnabled(t.Context(), "host-3", false); err != nil {
				t.Fatal(err)
			}
			o := server(t, v, "s")
			o.Spec.(*resource.Server).AvailabilityZone = tc.zone
			mustCreate(t, v, o)
			obs := observe(t, v, o)
			got := []any{obs.Output["host"], obs.Output["availability_zone"], obs.Message}
			want := []any{tc.wantHost, tc.wantZone, ""}
			if tc.wantHost == "" {
				want[0] = nil
				if !strings.Contains(obs.Message, tc.wantErr) || obs.State != vim.StateError {
					t.Errorf("observation %+v, want Error saying %q", obs, tc.wantErr)
				}
				want[2] = obs.Message
			} else if obs.Output["host_id"] == "" || obs.Output["host_id"] == nil {
				t.Errorf("no host_id in %v", obs.Output)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("host, zone, message (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCrash(t *testing.T) {
	v := fake.New(nil)
	o := server(t, v, "s")
	mustCreate(t, v, o)
	if obs := observe(t, v, o); obs.State != vim.StateReady || obs.Power != vim.PowerOn {
		t.Fatalf("before the crash: %+v", obs)
	}
	if err := v.Crash("s", ""); err != nil {
		t.Fatal(err)
	}
	obs := observe(t, v, o)
	got := []any{obs.State, obs.Power, obs.TaskStatus, obs.Message}
	if diff := cmp.Diff([]any{vim.StateError, vim.PowerOff, "ERROR", "the machine died"}, got); diff != "" {
		t.Errorf("state, power, task status, message after the crash (-want +got):\n%s", diff)
	}
	// Delete still gets rid of it.
	if err := v.Delete(t.Context(), o); err != nil {
		t.Fatal(err)
	}
	if obs := observe(t, v, o); obs.Exists {
		t.Errorf("after Delete: %+v", obs)
	}
	if err := v.Crash("s-net", ""); resource.CodeOf(err) != resource.Invalid {
		t.Errorf("Crash(network) = %v, want Invalid", err)
	}
	if err := v.Crash("nope", ""); resource.CodeOf(err) != resource.NotFound {
		t.Errorf("Crash(unknown) = %v, want NotFound", err)
	}
}
