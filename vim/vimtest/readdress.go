package vimtest

import (
	"net/netip"
	"testing"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// testNetworkReaddress: a network's CIDR changes in place — the VIM replaces
// the network's own subnet under the same network — whether the new range
// overlaps the old one (the old subnet must go first) or not, and, on a
// driver that serves subnets (and so tells the network's own from the
// others), is removed. Update is idempotent: a repeat, as after a crash or
// a lost response, changes nothing and leaves one subnet (no drift).
func testNetworkReaddress(t *testing.T, s *suite) {
	if !vim.Serves(s.d, resource.KindNetwork) {
		t.Skip("the driver does not serve networks")
	}
	o := s.object(t, resource.KindNetwork)
	obs := s.realize(t, o)
	ext := obs.ExternalID
	steps := []string{"10.77.0.0/23", "10.76.0.0/24"}
	if vim.Serves(s.d, resource.KindSubnet) {
		steps = append(steps, "")
	}
	for _, cidr := range steps {
		name := cidr
		if name == "" {
			name = "none"
		}
		t.Run(name, func(t *testing.T) {
			o.Spec.(*resource.Network).CIDR = cidr
			if obs, err := s.d.Observe(t.Context(), o); err != nil || !hasDrift(obs, "cidr") {
				t.Fatalf("Observe after a new CIDR: drift %v, %v; want cidr", obs.Drift, err)
			}
			for range 2 {
				if err := s.d.Update(t.Context(), o); err != nil {
					t.Fatalf("Update to %s: %v", name, err)
				}
			}
			obs := s.waitFor(t, o, "readdressed", func(obs vim.Observation) bool { return obs.Exists && len(obs.Drift) == 0 })
			if obs.ExternalID != ext {
				t.Errorf("the network was replaced: external ID %s, was %s", obs.ExternalID, ext)
			}
			if got := outputCIDR(obs); got != cidr {
				t.Errorf("Output[cidr] = %q, want %q", got, cidr)
			}
			if n, ok := s.count(t, o); ok && n != 1 {
				t.Errorf("%d VIM objects carry the tag, want 1", n)
			}
		})
	}
}

// testNetworkReaddressInUse: a CIDR change is refused with Conflict while a
// machine holds an address of the network's subnet, and changes nothing.
func testNetworkReaddressInUse(t *testing.T, s *suite) {
	if !vim.Serves(s.d, resource.KindNetwork) {
		t.Skip("the driver does not serve networks")
	}
	k := s.machineKinds(t)[0]
	m := s.object(t, k)
	s.realize(t, m)
	id := m.Spec.(resource.MachineSpec).Boot().NetworkIDs[0]
	s.mu.Lock()
	netObj := s.deps[resource.Ref{Kind: resource.KindNetwork, ID: id}]
	s.mu.Unlock()
	if netObj == nil || netObj.Spec.(*resource.Network).CIDR == "" {
		t.Skip("the machine's network was not made by the suite with a CIDR")
	}
	changed := *netObj
	spec := *netObj.Spec.(*resource.Network)
	spec.CIDR = "10.75.0.0/24"
	changed.Spec = &spec
	err := s.d.Update(t.Context(), &changed)
	wantCode(t, "Update of the CIDR of a network in use", err, resource.Conflict)
	obs, err := s.d.Observe(t.Context(), netObj)
	if err != nil {
		t.Fatal(err)
	}
	if len(obs.Drift) != 0 {
		t.Errorf("the refused update changed the network: drift %v against its spec", obs.Drift)
	}
	if want := netObj.Spec.(*resource.Network).CIDR; outputCIDR(obs) != want {
		t.Errorf("Output[cidr] = %v, want the old %s", obs.Output["cidr"], want)
	}
}

// outputCIDR is the masked CIDR a network observation reports, or "".
func outputCIDR(obs vim.Observation) string {
	text, _ := obs.Output["cidr"].(string)
	p, err := netip.ParsePrefix(text)
	if err != nil {
		return text
	}
	return p.Masked().String()
}
