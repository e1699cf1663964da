package vimtest

import (
	"testing"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// testNetworkWithoutCIDR: a network made without a CIDR (its addresses come
// from subnets made later) is a whole object: ready, adopted, not drifting,
// updated in place and deleted like any other. The subnet case of the kind
// table puts subnets on such networks.
func testNetworkWithoutCIDR(t *testing.T, s *suite) {
	if !vim.Serves(s.d, resource.KindNetwork) {
		t.Skip("the driver does not serve networks")
	}
	o := s.object(t, resource.KindNetwork)
	o.Spec.(*resource.Network).CIDR = ""
	obs := s.realize(t, o)
	if len(obs.Drift) != 0 {
		t.Errorf("a fresh network without a CIDR drifts: %v", obs.Drift)
	}
	blind := *o
	blind.ExternalID = ""
	if ext, err := s.d.Create(t.Context(), &blind); err != nil || ext != o.ExternalID {
		t.Fatalf("Create again = %q, %v; want the adopted %q", ext, err, o.ExternalID)
	}
	if n, ok := s.count(t, o); ok && n != 1 {
		t.Errorf("%d VIM objects carry the tag, want 1", n)
	}
	setDescription(o.Spec, "no CIDR, changed")
	if err := s.d.Update(t.Context(), o); err != nil {
		t.Fatalf("Update: %v", err)
	}
	s.waitFor(t, o, "updated", func(obs vim.Observation) bool { return obs.Exists && len(obs.Drift) == 0 })
	if err := s.d.Delete(t.Context(), o); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	s.waitFor(t, o, "gone", func(obs vim.Observation) bool { return !obs.Exists })
}
