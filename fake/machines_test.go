package fake_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// metal makes a ready image, flavor and two networks and returns a
// bare-metal instance object on both networks, in that order.
func metal(t *testing.T, v *fake.VIM, id string) *vim.Object {
	t.Helper()
	s := server(t, v, id) // image, flavor and the first network
	second := network(id + "-net2")
	second.Spec = &resource.Network{CIDR: "192.168.7.0/24"}
	s.Deps[resource.Ref{Kind: resource.KindNetwork, ID: second.Ref.ID}] = vim.Dep{ExternalID: mustCreate(t, v, second)}
	return &vim.Object{
		Ref: resource.Ref{Kind: resource.KindLocalBaremetalInstance, ID: id}, Kind: resource.KindBaremetalInstance, Name: id,
		Spec: &resource.BaremetalInstance{ImageID: id + "-img", FlavorID: id + "-fl",
			Networks: []resource.NetworkPort{{NetworkID: second.Ref.ID, PortType: "direct"}, {NetworkID: id + "-net"}},
			Extra:    map[string]string{"rack": "r1"}},
		Deps: s.Deps,
	}
}

// nicNetworks returns the network of each NIC an observation reports, and
// checks the rest of each NIC's shape.
func nicNetworks(t *testing.T, obs vim.Observation) []string {
	t.Helper()
	nics, ok := obs.Output["nics"].([]any)
	if !ok {
		t.Fatalf("output nics = %#v, want a list", obs.Output["nics"])
	}
	var nets []string
	for _, x := range nics {
		n := x.(map[string]any)
		nets = append(nets, n["network_id"].(string))
		if mac, _ := n["mac_address"].(string); !strings.HasPrefix(mac, "fa:16:3e:") || len(mac) != 17 {
			t.Errorf("NIC MAC %q", mac)
		}
		if ips, _ := n["fixed_ips"].([]any); len(ips) != 1 || ips[0].(map[string]any)["ip_address"] == "" {
			t.Errorf("NIC fixed IPs %#v", n["fixed_ips"])
		}
	}
	return nets
}

// TestMachines: servers and bare-metal instances are both machines, with
// power, a console, snapshots and NICs in Boot's order.
func TestMachines(t *testing.T) {
	tests := map[string]struct {
		build    func(t *testing.T, v *fake.VIM) *vim.Object
		networks []string // the orca IDs of the networks, in NIC order
	}{
		"server":             {build: func(t *testing.T, v *fake.VIM) *vim.Object { return server(t, v, "m") }, networks: []string{"m-net"}},
		"baremetal_instance": {build: func(t *testing.T, v *fake.VIM) *vim.Object { return metal(t, v, "m") }, networks: []string{"m-net2", "m-net"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			v := fake.New(&fake.Options{Manual: true})
			o := tc.build(t, v)
			ext := mustCreate(t, v, o)
			if obs := observe(t, v, o); obs.State != vim.StateBuilding || obs.Power != "" {
				t.Fatalf("a building machine: %+v", obs)
			}
			v.Step()
			obs := observe(t, v, o)
			if obs.State != vim.StateReady || obs.Power != vim.PowerOn || obs.Output["host"] == nil {
				t.Fatalf("a ready machine: %+v", obs)
			}
			var want []string
			for _, id := range tc.networks {
				want = append(want, o.Deps[resource.Ref{Kind: resource.KindNetwork, ID: id}].ExternalID)
			}
			if diff := cmp.Diff(want, nicNetworks(t, obs)); diff != "" {
				t.Errorf("NIC networks (-want +got):\n%s", diff)
			}
			if err := v.Power(t.Context(), o, vim.ActionPowerOff); err != nil {
				t.Fatal(err)
			}
			if obs := observe(t, v, o); obs.Power != vim.PowerOff || obs.TaskStatus != "SHUTOFF" {
				t.Errorf("after power off: %+v", obs)
			}
			if _, err := v.Snapshot(t.Context(), o, "snap", "k"); err != nil {
				t.Errorf("Snapshot: %v", err)
			}
			if u, err := v.ConsoleURL(t.Context(), o); err != nil || !strings.Contains(u, ext) {
				t.Errorf("ConsoleURL = %q, %v", u, err)
			}
		})
	}
}

// TestMachineNeedsEveryNetwork: every network of a machine must exist.
func TestMachineNeedsEveryNetwork(t *testing.T) {
	v := fake.New(nil)
	o := metal(t, v, "m")
	if err := v.Vanish("m-net2"); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Create(t.Context(), o); resource.CodeOf(err) != resource.NotFound || !strings.Contains(err.Error(), "m-net2") {
		t.Errorf("Create with its second network gone = %v, want NotFound naming it", err)
	}
}

func TestMachineNoValidHost(t *testing.T) {
	v := fake.New(&fake.Options{Hosts: []string{"h1"}})
	if err := v.SetHostEnabled(t.Context(), "h1", false); err != nil {
		t.Fatal(err)
	}
	o := metal(t, v, "m")
	mustCreate(t, v, o)
	if obs := observe(t, v, o); obs.State != vim.StateError || !strings.Contains(obs.Message, "No valid host") {
		t.Errorf("bare metal with no host: %+v", obs)
	}
}

// TestServerGroupMembers: a group lists the machines created in it until
// they are gone, and can be deleted with members, as in Nova.
func TestServerGroupMembers(t *testing.T) {
	v := fake.New(&fake.Options{Manual: true})
	group := &vim.Object{Ref: resource.Ref{Kind: resource.KindLocalServerGroup, ID: "g"}, Kind: resource.KindServerGroup,
		Spec: &resource.ServerGroup{Policy: "anti-affinity"}}
	groupExt := mustCreate(t, v, group)
	v.Step()
	members := func() []any {
		t.Helper()
		m, ok := observe(t, v, group).Output["members"].([]any)
		if !ok {
			t.Fatalf("members = %#v, want a list", observe(t, v, group).Output["members"])
		}
		return m
	}
	if got := members(); len(got) != 0 {
		t.Errorf("an empty group's members: %v", got)
	}
	inGroup := func(id string) *vim.Object {
		s := server(t, v, id)
		s.Spec.(*resource.Server).ServerGroupID = "g"
		s.Deps[resource.Ref{Kind: resource.KindServerGroup, ID: "g"}] = vim.Dep{ExternalID: groupExt}
		return s
	}
	a, b, outside := inGroup("a"), inGroup("b"), server(t, v, "c")
	for _, s := range []*vim.Object{a, b, outside} {
		mustCreate(t, v, s)
	}
	// Members from creation on, as Nova records them when it accepts the
	// server.
	if diff := cmp.Diff([]any{a.ExternalID, b.ExternalID}, members()); diff != "" {
		t.Errorf("members (-want +got):\n%s", diff)
	}
	if err := v.Delete(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	if got := members(); len(got) != 2 {
		t.Errorf("a member being deleted is still one: %v", got)
	}
	v.Step()
	if diff := cmp.Diff([]any{b.ExternalID}, members()); diff != "" {
		t.Errorf("members after a deletion (-want +got):\n%s", diff)
	}
	missing := inGroup("d")
	missing.Deps[resource.Ref{Kind: resource.KindServerGroup, ID: "g"}] = vim.Dep{ExternalID: "nope"}
	if _, err := v.Create(t.Context(), missing); resource.CodeOf(err) != resource.NotFound {
		t.Errorf("a server in a missing group = %v, want NotFound", err)
	}
	if err := v.Delete(t.Context(), group); err != nil {
		t.Errorf("deleting a group with a member = %v, want nil (Nova allows it)", err)
	}
}
