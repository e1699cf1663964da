package openstack

import (
	"net/http"
	"slices"
	"testing"

	"github.com/orca-nfv/orca/internal/testutil/osfake"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// TestReaddressInterrupted: a CIDR change stopped at any step — the old
// subnet's deletion refused or its answer lost, the new one's creation
// refused or its answer lost — is finished by the next Update, which
// leaves exactly one subnet, the new one, on the same network.
func TestReaddressInterrupted(t *testing.T) {
	tests := map[string]func(srv *osfake.Server){
		"delete refused": func(srv *osfake.Server) {
			srv.Fail(osfake.Match{Method: "DELETE", Path: "/network/v2.0/subnets"}, http.StatusServiceUnavailable, 1)
		},
		"delete answer lost": func(srv *osfake.Server) {
			srv.LoseResponse(osfake.Match{Method: "DELETE", Path: "/network/v2.0/subnets"}, 1)
		},
		"create refused": func(srv *osfake.Server) {
			srv.Fail(osfake.Match{Method: "POST", Path: "/network/v2.0/subnets"}, http.StatusServiceUnavailable, 1)
		},
		"create answer lost": func(srv *osfake.Server) {
			srv.LoseResponse(osfake.Match{Method: "POST", Path: "/network/v2.0/subnets"}, 1)
		},
	}
	for name, fault := range tests {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, nil)
			o := f.object(resource.KindNetwork, &resource.Network{Description: "n", CIDR: "10.50.0.0/24"}, nil)
			ext, err := f.d.Create(t.Context(), o)
			if err != nil {
				t.Fatal(err)
			}
			o.ExternalID = ext
			f.ready(o)

			o.Spec.(*resource.Network).CIDR = "10.50.0.0/23" // overlaps: the old one goes first
			fault(f.srv)
			if err := f.d.Update(t.Context(), o); resource.CodeOf(err) != resource.Unavailable {
				t.Fatalf("interrupted Update = %v, want Unavailable", err)
			}
			if f.srv.PendingFaults() != 0 {
				t.Fatal("the fault was never reached")
			}
			if obs, err := f.d.Observe(t.Context(), o); err != nil || !obs.Exists {
				t.Fatalf("Observe mid-replacement = %+v, %v; the network must still exist", obs, err)
			}
			if err := f.d.Update(t.Context(), o); err != nil {
				t.Fatalf("resumed Update: %v", err)
			}
			obs, err := f.d.Observe(t.Context(), o)
			if err != nil || len(obs.Drift) != 0 || obs.ExternalID != ext {
				t.Fatalf("after the resumed Update: %+v, %v; want no drift on network %s", obs, err, ext)
			}
			var cidrs []string
			for _, sn := range f.srv.Objects(osfake.KindSubnet) {
				if sn.Name == tag(o) {
					cidrs = append(cidrs, sn.View["cidr"].(string))
				}
			}
			if !slices.Equal(cidrs, []string{"10.50.0.0/23"}) {
				t.Errorf("the network's subnets: %v, want only 10.50.0.0/23", cidrs)
			}
		})
	}
}

// TestReaddressRefusedInUse: Neutron refuses to delete a subnet whose
// addresses a server's port holds; the driver says Conflict and the
// network keeps its subnet.
func TestReaddressRefusedInUse(t *testing.T) {
	f := newFixture(t, nil)
	srv := f.server()
	ext, err := f.d.Create(t.Context(), srv)
	if err != nil {
		t.Fatal(err)
	}
	srv.ExternalID = ext
	f.ready(srv)
	var netObj *vim.Object
	for ref, dep := range srv.Deps {
		if ref.Kind == resource.KindNetwork {
			netObj = f.object(resource.KindNetwork, &resource.Network{CIDR: "10.20.0.0/24"}, nil) // as f.server made it
			netObj.Ref.ID, netObj.ExternalID = ref.ID, dep.ExternalID
		}
	}
	if netObj == nil {
		t.Fatal("the fixture's server has no network")
	}
	if obs, err := f.d.Observe(t.Context(), netObj); err != nil || !obs.Exists || len(obs.Drift) != 0 {
		t.Fatalf("the server's network: %+v, %v", obs, err)
	}
	before := len(f.srv.Objects(osfake.KindSubnet))
	netObj.Spec = &resource.Network{CIDR: "10.51.0.0/24"}
	if err := f.d.Update(t.Context(), netObj); resource.CodeOf(err) != resource.Conflict {
		t.Fatalf("Update of a network in use = %v, want Conflict", err)
	}
	if after := len(f.srv.Objects(osfake.KindSubnet)); after != before {
		t.Errorf("%d subnets after the refused Update, %d before", after, before)
	}
}

// TestNetworkCreateObserveReadsNothingBack: a network made through
// CreateObserve is observed from Neutron's own answers to its creation
// (the lookup by tag, the network, the subnet): no read back, and the
// observation is what Observe reports.
func TestNetworkCreateObserveReadsNothingBack(t *testing.T) {
	f := newFixture(t, nil)
	o := f.object(resource.KindNetwork, &resource.Network{Description: "n", CIDR: "10.52.0.0/24"}, nil)
	before := len(f.srv.Requests())
	obs, err := f.d.CreateObserve(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	var calls []string
	for _, r := range f.srv.Requests()[before:] {
		calls = append(calls, r.Method+" "+r.Path)
	}
	if len(calls) != 3 {
		t.Errorf("CreateObserve made %d requests, want 3 (look up the tag, create the network, create the subnet): %v", len(calls), calls)
	}
	o.ExternalID = obs.ExternalID
	again, err := f.d.Observe(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	if obs.ExternalID != again.ExternalID || obs.State != again.State || obs.Output["cidr"] != again.Output["cidr"] || len(obs.Drift) != 0 {
		t.Errorf("CreateObserve = %+v; Observe = %+v", obs, again)
	}
}
