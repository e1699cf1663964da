package contrail_test

import (
	"context"
	"log/slog"
	"maps"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/internal/testutil/contrailfake"
	"github.com/orca-nfv/orca/internal/testutil/wait"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store/memstore"
	"github.com/orca-nfv/orca/vim"
	"github.com/orca-nfv/orca/vim/contrail"
)

// adminObjects returns the fake's objects of typ in the admin project, by
// name.
func adminObjects(srv *contrailfake.Server, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, o := range srv.Objects(typ) {
		if fq := asList(o["fq_name"]); len(fq) == 3 && fq[1] == "admin" {
			out[o["name"].(string)] = o
		}
	}
	return out
}

// TestOrchestratorEndToEnd runs the orchestrator with this driver against
// the fake: two networks and a policy between them converge; a network
// deleted out of band is remade and the same policy linked to it; then
// their deletion removes everything in the order Contrail requires.
func TestOrchestratorEndToEnd(t *testing.T) {
	srv := contrailfake.New(nil)
	t.Cleanup(srv.Close)
	drivers := vim.FactoryFunc(func(_ context.Context, loc *resource.Resource, _ *vim.Credentials) ([]vim.Driver, error) {
		d, err := contrail.New(loc.Spec.(*resource.Location).ContrailEndpoint, nil)
		if err != nil {
			return nil, err
		}
		return []vim.Driver{d}, nil
	})
	st := memstore.New(nil)
	o := orca.New(st, &orca.Options{Drivers: drivers, PollInterval: 5 * time.Millisecond,
		RetryBase: 5 * time.Millisecond, RetryMax: 100 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- o.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		o.Close()
	})

	ref := func(k resource.Kind, id string) resource.Ref { return resource.Ref{Kind: k, ID: id} }
	apply := func(r *resource.Resource) {
		t.Helper()
		if _, err := o.Apply(context.Background(), r); err != nil {
			t.Fatalf("Apply(%s): %v", r.Ref, err)
		}
	}
	const tenant = "tenant-a"
	apply(&resource.Resource{Ref: ref(resource.KindLocation, "site-1"), Name: "site-1",
		Spec: &resource.Location{ContrailEndpoint: srv.URL()}})
	for _, n := range []string{"net-a", "net-b"} {
		apply(&resource.Resource{Ref: ref(resource.KindNetwork, n), Tenant: tenant, Name: n,
			Spec: &resource.Network{Description: n, CIDR: "10.10.0.0/16", LocalPrefixLen: 24}})
	}
	polRef := ref(resource.KindNetworkPolicy, "a-to-b")
	apply(&resource.Resource{Ref: polRef, Tenant: tenant, Name: "a-to-b", Spec: &resource.NetworkPolicy{
		Description: "web", SourceNetworkID: "net-a", DestNetworkID: "net-b",
		Entries: []resource.PolicyEntry{{Protocol: "tcp", DstPorts: &resource.PortRange{Start: 443, End: 443}}}}})

	phase := func(r resource.Ref) resource.Phase {
		cur, err := st.Get(context.Background(), r)
		if err != nil {
			return ""
		}
		return cur.Status.Phase
	}
	wait.Until(t, "the policy is ready", func() bool { return phase(polRef) == resource.PhaseReady })

	vns, pols := adminObjects(srv, "virtual-network"), adminObjects(srv, "network-policy")
	if len(vns) != 2 || len(pols) != 1 {
		t.Fatalf("the fake holds %d networks and %d policies, want 2 and 1", len(vns), len(pols))
	}
	var polName string
	for name := range pols {
		polName = name
	}
	parent := netip.MustParsePrefix("10.10.0.0/16")
	for name, vn := range vns {
		refs := asList(vn["network_policy_refs"])
		if len(refs) != 1 || asList(refs[0].(map[string]any)["to"])[2] != polName {
			t.Errorf("network %s: policy refs %v, want the policy %s", name, refs, polName)
		}
		subnet := asList(asList(vn["network_ipam_refs"])[0].(map[string]any)["attr"].(map[string]any)["ipam_subnets"])[0].(map[string]any)["subnet"].(map[string]any)
		if subnet["ip_prefix_len"] != float64(24) || !parent.Contains(netip.MustParseAddr(subnet["ip_prefix"].(string))) {
			t.Errorf("network %s: subnet %v, want a /24 of %s", name, subnet, parent)
		}
	}

	// net-a's VIM network is deleted out of band and orca makes a new one;
	// the policy stays the same object and is attached to the new network,
	// not replaced.
	polUUID := pols[polName]["uuid"]
	var oldA string
	for name, vn := range vns {
		if strings.Contains(vn["display_name"].(string)+name, "net-a") {
			oldA = vn["uuid"].(string)
		}
	}
	if oldA == "" {
		t.Fatalf("no network of net-a among %v", slices.Collect(maps.Keys(vns)))
	}
	req, _ := http.NewRequest("DELETE", srv.URL()+"/virtual-network/"+oldA, nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("deleting net-a's network out of band: %v %v", res, err)
	}
	res.Body.Close()
	o.Resync(context.Background())
	wait.Until(t, "net-a remade and the policy attached to it", func() bool {
		for _, vn := range adminObjects(srv, "virtual-network") {
			if refs := asList(vn["network_policy_refs"]); vn["uuid"] != oldA && len(refs) == 1 &&
				strings.Contains(vn["display_name"].(string), "net-a") {
				return phase(polRef) == resource.PhaseReady
			}
		}
		return false
	})
	if pols := adminObjects(srv, "network-policy"); len(pols) != 1 || pols[polName]["uuid"] != polUUID {
		t.Errorf("after net-a was remade the policies are %v, want the same one (%v)", pols, polUUID)
	}

	teardown := len(srv.Requests())
	if err := o.Delete(context.Background(), polRef, 0); err != nil {
		t.Fatalf("Delete(policy): %v", err)
	}
	// The networks can be deleted once the policy is gone from the store.
	for _, n := range []string{"net-a", "net-b"} {
		wait.Until(t, "deleting "+n, func() bool {
			err := o.Delete(context.Background(), ref(resource.KindNetwork, n), 0)
			return err == nil || resource.CodeOf(err) != resource.Conflict
		})
	}
	for _, r := range []resource.Ref{polRef, ref(resource.KindNetwork, "net-a"), ref(resource.KindNetwork, "net-b")} {
		wait.Until(t, r.String()+" gone", func() bool {
			_, err := st.Get(context.Background(), r)
			return resource.CodeOf(err) == resource.NotFound
		})
	}
	if vns, pols := adminObjects(srv, "virtual-network"), adminObjects(srv, "network-policy"); len(vns)+len(pols) != 0 {
		t.Errorf("the fake still holds networks %v and policies %v", slices.Collect(maps.Keys(vns)), slices.Collect(maps.Keys(pols)))
	}

	// The policy was taken off both networks, then deleted, before any
	// network: Contrail refuses (409) a policy still in use.
	var order []string
	refUpdates := 0
	for _, r := range srv.Requests()[teardown:] {
		if r.Path == "/ref-update" && len(order) == 0 {
			refUpdates++ // one detachment per network
		}
		if r.Method == "DELETE" {
			if r.Status != 200 {
				t.Errorf("DELETE %s answered %d", r.Path, r.Status)
			}
			order = append(order, strings.Split(r.Path, "/")[1])
		}
	}
	if !slices.Equal(order, []string{"network-policy", "virtual-network", "virtual-network"}) {
		t.Errorf("deletions in the order %v, want the policy first", order)
	}
	if refUpdates != 2 {
		t.Errorf("%d ref updates before the first deletion, want 2 (detach both networks)", refUpdates)
	}
}
