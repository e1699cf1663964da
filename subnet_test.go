package orca_test

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/resource"
)

// TestSubnetOnBareNetwork: a network without a CIDR and a subnet on it
// reach Ready at every location, each copy on its own location's network;
// the network cannot go before its subnet.
func TestSubnetOnBareNetwork(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 2, fake: fake.Options{BuildTime: pollInterval}})
		net := e.apply(network("bare", "", 0))
		sub := e.apply(&resource.Resource{Ref: ref(resource.KindSubnet, "sub"), Tenant: tenant, Name: "sub",
			Spec: &resource.Subnet{NetworkID: "bare", CIDR: "10.5.0.0/24"}})
		e.waitPhase(sub.Ref, resource.PhaseReady)
		e.waitPhase(net.Ref, resource.PhaseReady)
		for _, loc := range []string{"loc-1", "loc-2"} {
			nets, subs := e.vimObjects(loc, resource.KindNetwork), e.vimObjects(loc, resource.KindSubnet)
			if len(nets) != 1 || len(subs) != 1 {
				t.Fatalf("%s: %d networks and %d subnets, want 1 each", loc, len(nets), len(subs))
			}
			if cidr, ok := nets[0].Spec["cidr"]; ok && cidr != "" {
				t.Errorf("%s: the network has cidr %v, want none", loc, cidr)
			}
			if subs[0].Spec["cidr"] != "10.5.0.0/24" || subs[0].OrcaID != e.locals(sub.Ref)[loc].ID {
				t.Errorf("%s: subnet %+v", loc, subs[0])
			}
		}
		if err := e.o.Delete(context.Background(), net.Ref, 0); resource.CodeOf(err) != resource.Conflict || !strings.Contains(err.Error(), "sub") {
			t.Errorf("Delete of the network under its subnet = %v, want Conflict naming it", err)
		}
		if err := e.o.Delete(context.Background(), sub.Ref, 0); err != nil {
			t.Fatal(err)
		}
		e.waitGone(sub.Ref)
		if err := e.o.Delete(context.Background(), net.Ref, 0); err != nil {
			t.Fatal(err)
		}
		e.waitGone(net.Ref)
		for _, loc := range []string{"loc-1", "loc-2"} {
			if n := len(e.vimObjects(loc, resource.KindNetwork)) + len(e.vimObjects(loc, resource.KindSubnet)); n != 0 {
				t.Errorf("%s: %d objects left", loc, n)
			}
		}
	})
}

// TestSubnetWhereNoDriverServes: at a location whose drivers make networks
// but no subnets (a Contrail site), the subnet's copy fails and says why.
func TestSubnetWhereNoDriverServes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var kinds []resource.Kind
		for _, k := range fake.DefaultKinds() {
			if k != resource.KindSubnet {
				kinds = append(kinds, k)
			}
		}
		e := newEnv(t, envOptions{locations: 1, fake: fake.Options{Kinds: kinds}})
		e.apply(network("bare", "", 0))
		sub := e.apply(&resource.Resource{Ref: ref(resource.KindSubnet, "sub"), Tenant: tenant,
			Spec: &resource.Subnet{NetworkID: "bare", CIDR: "10.5.0.0/24"}})
		got := e.waitPhase(sub.Ref, resource.PhaseFailed)
		if !strings.Contains(got.Status.Message, "no driver for subnet") {
			t.Errorf("message %q, want it to say no driver serves subnets", got.Status.Message)
		}
	})
}
