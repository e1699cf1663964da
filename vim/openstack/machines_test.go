package openstack

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"

	"github.com/orca-nfv/orca/internal/testutil/osfake"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// serverView returns the fake's view of the server with ID id.
func (f *fixture) serverView(id string) map[string]any {
	f.t.Helper()
	for _, s := range f.srv.Objects(osfake.KindServer) {
		if s.ID == id {
			return s.View
		}
	}
	f.t.Fatalf("no server %s", id)
	return nil
}

// TestBaremetalOnNova: a bare-metal instance is a Nova server with a NIC
// per network in the spec's order, its extra as user metadata, and the
// machine operations of a server.
func TestBaremetalOnNova(t *testing.T) {
	f := newFixture(t, nil)
	aRef, aDep := f.network("10.61.0.0/24")
	bRef, bDep := f.network("10.62.0.0/24")
	deps := map[resource.Ref]vim.Dep{
		{Kind: resource.KindImage, ID: "img"}: seededImage(t, f.srv), {Kind: resource.KindFlavor, ID: "tiny"}: {ExternalID: "1"},
		aRef: aDep, bRef: bDep,
	}
	o := f.object(resource.KindBaremetalInstance, &resource.BaremetalInstance{ImageID: "img", FlavorID: "tiny",
		Networks: []resource.NetworkPort{{NetworkID: bRef.ID, PortType: "direct"}, {NetworkID: aRef.ID}},
		Extra:    map[string]string{"rack": "r7"}}, deps)
	ext, err := f.d.Create(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	o.ExternalID = ext
	obs := f.ready(o)
	if obs.Power != vim.PowerOn || len(obs.Drift) != 0 {
		t.Fatalf("a ready bare-metal instance: %+v", obs)
	}
	view := f.serverView(ext)
	meta := view["metadata"].(map[string]string)
	got := map[string]string{"rack": meta["rack"], "orca_networks": meta["orca_networks"], "orca_network": meta["orca_network"]}
	want := map[string]string{"rack": "r7", "orca_networks": bDep.ExternalID + "=direct," + aDep.ExternalID, "orca_network": bDep.ExternalID}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("metadata (-want +got):\n%s", diff)
	}
	own := 0
	for k := range meta {
		if strings.HasPrefix(k, resource.MetadataReserved) {
			own++
		}
	}
	if own > resource.ReservedMetadataItems {
		t.Errorf("orca writes %d metadata keys of its own; Nova's quota keeps room for %d", own, resource.ReservedMetadataItems)
	}
	mac := func(net string) any {
		return view["addresses"].(map[string]any)["orca-"+net].([]any)[0].(map[string]any)["OS-EXT-IPS-MAC:mac_addr"]
	}
	wantNICs := []any{
		map[string]any{"network_id": bDep.ExternalID, "mac_address": mac(bRef.ID), "fixed_ips": []any{map[string]any{"ip_address": "10.62.0.2"}}},
		map[string]any{"network_id": aDep.ExternalID, "mac_address": mac(aRef.ID), "fixed_ips": []any{map[string]any{"ip_address": "10.61.0.2"}}},
	}
	if diff := cmp.Diff(wantNICs, obs.Output["nics"]); diff != "" {
		t.Errorf("nics (-want +got):\n%s", diff)
	}
	if err := f.d.Power(t.Context(), o, vim.ActionPowerOff); err != nil {
		t.Fatalf("Power off: %v", err)
	}
	f.srv.Step()
	if obs := f.ready(o); obs.Power != vim.PowerOff || obs.TaskStatus != "SHUTOFF" {
		t.Errorf("after power off: %+v", obs)
	}
	if _, err := f.d.ConsoleURL(t.Context(), o); resource.CodeOf(err) != resource.Conflict {
		t.Errorf("console of a stopped machine = %v, want Nova's Conflict", err)
	}
}

// TestServerInGroup: the server group is a scheduler hint; Nova lists the
// server among the group's members, and lets the group go with it.
func TestServerInGroup(t *testing.T) {
	f := newFixture(t, nil)
	g := f.object(resource.KindServerGroup, &resource.ServerGroup{Policy: "anti-affinity"}, nil)
	gext, err := f.d.Create(t.Context(), g)
	if err != nil {
		t.Fatal(err)
	}
	g.ExternalID = gext
	o := f.server()
	o.Spec.(*resource.Server).ServerGroupID = "grp"
	o.Deps[resource.Ref{Kind: resource.KindServerGroup, ID: "grp"}] = vim.Dep{ExternalID: gext}
	ext, err := f.d.Create(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	o.ExternalID = ext
	if obs := f.ready(o); len(obs.Drift) != 0 {
		t.Errorf("drift of a server in a group: %v", obs.Drift)
	}
	if diff := cmp.Diff([]any{ext}, f.ready(g).Output["members"]); diff != "" {
		t.Errorf("group members (-want +got):\n%s", diff)
	}
	// Moving it to no group would need a new server.
	o.Spec.(*resource.Server).ServerGroupID = ""
	if obs := f.ready(o); !cmp.Equal(obs.Drift, []string{"server_group_id"}) {
		t.Errorf("drift after leaving the group: %v, want [server_group_id]", obs.Drift)
	}
	if err := f.d.Update(t.Context(), o); resource.CodeOf(err) != resource.Invalid {
		t.Errorf("Update out of the group = %v, want Invalid (replace)", err)
	}
	if err := f.d.Delete(t.Context(), g); err != nil {
		t.Errorf("deleting a group with a member = %v, want nil, as Nova", err)
	}
}

// TestServerMadeBeforeOrcaNetworks: a server recorded with orca_network
// alone (before orca_networks and orca_server_group) is not drifting.
func TestServerMadeBeforeOrcaNetworks(t *testing.T) {
	f := newFixture(t, nil)
	o := f.server()
	ext, err := f.d.Create(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	o.ExternalID = ext
	f.ready(o)
	for _, k := range []string{"orca_networks", "orca_server_group"} {
		if err := servers.DeleteMetadatum(t.Context(), f.d.compute, ext, k).ExtractErr(); err != nil {
			t.Fatal(err)
		}
	}
	if obs := f.ready(o); len(obs.Drift) != 0 {
		t.Errorf("drift of an older server: %v", obs.Drift)
	}
	o.Spec.(*resource.Server).NetworkID = "elsewhere"
	o.Deps[resource.Ref{Kind: resource.KindNetwork, ID: "elsewhere"}] = vim.Dep{ExternalID: "another"}
	if obs := f.ready(o); !cmp.Equal(obs.Drift, []string{"network_id"}) {
		t.Errorf("drift of an older server on another network: %v", obs.Drift)
	}
}

func TestNetworksValue(t *testing.T) {
	uuid := "0f6c2b8e-3a41-4c1e-9d2a-5b7e8f901234"
	var sixteen []string
	for range 16 {
		sixteen = append(sixteen, uuid)
	}
	tests := map[string]struct {
		networks, portTypes []string
		want                string
	}{
		"one":        {[]string{"a"}, []string{""}, "a"},
		"in order":   {[]string{"b", "a"}, []string{"", ""}, "b,a"},
		"port types": {[]string{"b", "a"}, []string{"direct", ""}, "b=direct,a"},
		"too long":   {sixteen, make([]string, 16), "sha256:"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := networksValue(tc.networks, tc.portTypes)
			if len(got) > 255 || !strings.HasPrefix(got, tc.want) || !strings.HasPrefix(tc.want, "sha256:") && got != tc.want {
				t.Errorf("networksValue = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestNICs: Nova's addresses become NICs in the wanted order, names mapped
// back to IDs where the driver knows them and kept where it does not.
func TestNICs(t *testing.T) {
	d := &Driver{}
	d.netNames.put("id-a", "orca-a")
	d.netNames.put("id-b", "orca-b")
	addr := func(ip, mac, typ string) any {
		return map[string]any{"addr": ip, "version": 4.0, "OS-EXT-IPS:type": typ, "OS-EXT-IPS-MAC:mac_addr": mac}
	}
	nic := func(net, mac string, ips ...string) any {
		fixed := []any{}
		for _, ip := range ips {
			fixed = append(fixed, map[string]any{"ip_address": ip})
		}
		return map[string]any{"network_id": net, "mac_address": mac, "fixed_ips": fixed}
	}
	tests := map[string]struct {
		addresses map[string]any
		want      []string
		nics      []any
	}{
		"wanted order": {
			addresses: map[string]any{"orca-a": []any{addr("10.0.0.2", "m1", "fixed")}, "orca-b": []any{addr("10.1.0.2", "m2", "fixed")}},
			want:      []string{"id-b", "id-a"},
			nics:      []any{nic("id-b", "m2", "10.1.0.2"), nic("id-a", "m1", "10.0.0.2")},
		},
		"floating left out": {
			addresses: map[string]any{"orca-a": []any{addr("10.0.0.2", "m1", "fixed"), addr("172.24.4.9", "m1", "floating")}},
			want:      []string{"id-a"},
			nics:      []any{nic("id-a", "m1", "10.0.0.2")},
		},
		"two addresses, one port": {
			addresses: map[string]any{"orca-a": []any{addr("10.0.0.2", "m1", "fixed"), addr("fd00::2", "m1", "fixed")}},
			want:      []string{"id-a"},
			nics:      []any{nic("id-a", "m1", "10.0.0.2", "fd00::2")},
		},
		"unknown network kept by name, last": {
			addresses: map[string]any{"public": []any{addr("172.24.4.5", "m9", "fixed")}, "orca-a": []any{addr("10.0.0.2", "m1", "fixed")}},
			want:      []string{"id-a"},
			nics:      []any{nic("id-a", "m1", "10.0.0.2"), nic("public", "m9", "172.24.4.5")},
		},
		"a name not wanted is not mapped": {
			addresses: map[string]any{"orca-b": []any{addr("10.1.0.2", "m2", "fixed")}},
			want:      []string{"id-a"},
			nics:      []any{nic("orca-b", "m2", "10.1.0.2")},
		},
		"no addresses yet": {want: []string{"id-a"}, nics: []any{}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := d.nics(&osServer{Addresses: tc.addresses}, tc.want)
			if diff := cmp.Diff(tc.nics, got); diff != "" {
				t.Errorf("nics (-want +got):\n%s", diff)
			}
		})
	}
}
