package fake_test

import (
	"context"
	"fmt"

	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// An embedder's test creates a fake VIM, asks it for a network, and drives
// the network from Building to Ready with Step.
func Example() {
	ctx := context.Background()
	v := fake.New(&fake.Options{Name: "site-a", Manual: true})
	defer v.Close()

	net := &vim.Object{
		Ref:  resource.Ref{Kind: resource.KindLocalNetwork, ID: "net-1-at-site-a"},
		Kind: resource.KindNetwork, Tenant: "demo", Name: "net-1",
		Spec: &resource.Network{CIDR: "10.1.0.0/24"},
	}
	id, err := v.Create(ctx, net)
	if err != nil {
		fmt.Println("create:", err)
		return
	}
	obs, _ := v.Observe(ctx, net)
	fmt.Println(id, obs.State, obs.TaskStatus)

	v.Step() // the VIM finishes building
	obs, _ = v.Observe(ctx, net)
	fmt.Println(obs.State, obs.TaskStatus)

	// A repeated Create (after a crash, say) adopts the same network.
	again, _ := v.Create(ctx, net)
	fmt.Println(again == id, len(v.Objects(resource.KindNetwork)))
	// Output:
	// site-a-network-000001 Building BUILD
	// Ready ACTIVE
	// true 1
}
