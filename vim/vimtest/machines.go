package vimtest

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// Machines (kinds whose spec is a resource.MachineSpec) report what the HTTP
// layers render: their NICs, and the server groups they are in.

// machineKinds returns the served kinds of the table whose specs boot
// machines.
func (s *suite) machineKinds(t *testing.T) []resource.Kind {
	reg := resource.NewBuiltinRegistry()
	var out []resource.Kind
	for _, k := range s.kinds(t) {
		if spec, err := reg.NewSpec(k); err == nil {
			if _, ok := spec.(resource.MachineSpec); ok {
				out = append(out, k)
			}
		}
	}
	if len(out) == 0 {
		t.Skip("the driver serves no machine kind")
	}
	return out
}

// testMachineNICs: a ready machine's Output["nics"] has one NIC per network
// of its Boot, in order, each naming the network's external ID with a MAC.
func testMachineNICs(t *testing.T, s *suite) {
	for _, k := range s.machineKinds(t) {
		t.Run(string(k), func(t *testing.T) {
			o := s.object(t, k)
			obs := s.realize(t, o)
			var want []string
			for _, id := range o.Spec.(resource.MachineSpec).Boot().NetworkIDs {
				want = append(want, o.Deps[resource.Ref{Kind: resource.KindNetwork, ID: id}].ExternalID)
			}
			nics, ok := obs.Output["nics"].([]any)
			if !ok {
				t.Fatalf("Output[nics] = %#v, want a list", obs.Output["nics"])
			}
			var got []string
			for _, n := range nics {
				nic, _ := n.(map[string]any)
				id, _ := nic["network_id"].(string)
				got = append(got, id)
				if mac, _ := nic["mac_address"].(string); mac == "" {
					t.Errorf("NIC %v has no MAC address", nic)
				}
				if _, ok := nic["fixed_ips"].([]any); !ok {
					t.Errorf("NIC %v: fixed_ips is not a list", nic)
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("NIC networks (-want +got):\n%s", diff)
			}
		})
	}
}

// testServerGroupMembers: a ready machine in a server group is among the
// group's Output["members"] (by external ID), and is not once it is gone.
func testServerGroupMembers(t *testing.T, s *suite) {
	if !vim.Serves(s.d, resource.KindServerGroup) {
		t.Skip("the driver does not serve server groups")
	}
	tested := false
	for _, k := range s.machineKinds(t) {
		if !slices.Contains(caseOf(k).needs, resource.KindServerGroup) {
			continue
		}
		tested = true
		t.Run(string(k), func(t *testing.T) {
			o := s.object(t, k)
			ref := resource.Ref{Kind: resource.KindServerGroup, ID: o.Spec.(resource.MachineSpec).Boot().ServerGroupID}
			s.mu.Lock()
			group := s.deps[ref]
			s.mu.Unlock()
			if group == nil {
				t.Fatalf("the suite made no server group %s", ref.ID)
			}
			ext := s.realize(t, o).ExternalID
			obs, err := s.d.Observe(t.Context(), group)
			if err != nil {
				t.Fatal(err)
			}
			if got := members(t, obs); !slices.Contains(got, ext) {
				t.Errorf("group members %v do not include the machine %s", got, ext)
			}
			if err := s.d.Delete(t.Context(), o); err != nil {
				t.Fatal(err)
			}
			s.waitFor(t, o, "gone", func(obs vim.Observation) bool { return !obs.Exists })
			s.waitFor(t, group, "without the deleted member", func(obs vim.Observation) bool {
				return !slices.Contains(members(t, obs), ext)
			})
		})
	}
	if !tested {
		t.Skip("no machine case joins a server group")
	}
}

// members reads Output["members"], a list of external IDs.
func members(t *testing.T, obs vim.Observation) []string {
	t.Helper()
	var out []string
	switch m := obs.Output["members"].(type) {
	case []string:
		out = m
	case []any:
		for _, x := range m {
			id, _ := x.(string)
			out = append(out, id)
		}
	default:
		t.Fatalf("Output[members] = %#v, want a list of external IDs", obs.Output["members"])
	}
	return out
}
