package fake_test

import (
	"context"
	"log/slog"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
	"github.com/orca-nfv/orca/store/memstore"
)

// TestCrashedServerFails: through the orchestrator, a VNF server reports
// its interfaces by orca network, and a crash in the VIM makes it Failed
// at the next look, with the VIM's message.
func TestCrashedServerFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		st := memstore.New(nil)
		f := fake.NewFactory(&fake.Options{BuildTime: 5 * time.Second})
		o := orca.New(st, &orca.Options{Drivers: f, Logger: slog.New(slog.DiscardHandler),
			PollInterval: time.Second, ResyncInterval: time.Minute})
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- o.Run(runCtx) }()
		t.Cleanup(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
			o.Close()
		})
		apply := func(k resource.Kind, id string, spec resource.Spec) resource.Ref {
			r := &resource.Resource{Ref: resource.Ref{Kind: k, ID: id}, Name: id, Spec: spec}
			if k != resource.KindLocation {
				r.Tenant = "t"
			}
			if _, err := o.Apply(ctx, r); err != nil {
				t.Fatalf("Apply(%s): %v", r.Ref, err)
			}
			return r.Ref
		}
		apply(resource.KindLocation, "loc", &resource.Location{KeystoneEndpoint: "fake://loc"})
		apply(resource.KindImage, "img", &resource.Image{DiskFormat: "qcow2", ContainerFormat: "bare"})
		apply(resource.KindFlavor, "fl", &resource.Flavor{RAM: 64, VCPUs: 1})
		apply(resource.KindNetwork, "mgmt", &resource.Network{CIDR: "18.0.0.0/24"})
		apply(resource.KindNetwork, "data", &resource.Network{CIDR: "10.5.0.0/24"})
		srv := apply(resource.KindServer, "vm", &resource.Server{ImageID: "img", FlavorID: "fl",
			NICs:     []resource.NIC{{NetworkID: "mgmt", FixedIP: "18.0.0.16"}, {NetworkID: "data"}},
			UserData: "#cloud-config\n", AvailabilityZone: "MY_CLUSTER1"})

		local := waitLocal(t, st, srv, resource.PhaseReady)
		type iface struct{ Network, IP string }
		var got []iface
		list, _ := local.Status.Output["interfaces"].([]any)
		for _, x := range list {
			i, _ := x.(map[string]any)
			n, _ := i["network_id"].(string)
			ip, _ := i["ip_address"].(string)
			got = append(got, iface{n, ip})
		}
		if diff := cmp.Diff([]iface{{"mgmt", "18.0.0.16"}, {"data", "10.5.0.2"}}, got); diff != "" {
			t.Errorf("interfaces (-want +got):\n%s", diff)
		}
		if local.Status.Output["availability_zone"] != "MY_CLUSTER1" || local.Status.Output["host"] == nil {
			t.Errorf("output %v, want the zone and a host", local.Status.Output)
		}

		if err := f.VIM("loc").Crash(local.ID, "hypervisor lost"); err != nil {
			t.Fatal(err)
		}
		failed := waitLocal(t, st, srv, resource.PhaseFailed)
		if failed.Status.Message != "the VIM reports an error: hypervisor lost" || failed.Status.TaskStatus != "ERROR" {
			t.Errorf("status after the crash: %+v", failed.Status)
		}
	})
}

// waitLocal advances fake time until the server's only copy reaches phase,
// for at most an hour of it.
func waitLocal(t *testing.T, st store.Store, srv resource.Ref, phase resource.Phase) *resource.Resource {
	t.Helper()
	for waited := time.Duration(0); waited < time.Hour; waited += time.Second {
		synctest.Wait()
		page, err := st.List(context.Background(), store.Filter{Kind: resource.KindLocalServer, Owner: &srv})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) == 1 && page.Items[0].Status.Phase == phase {
			return page.Items[0]
		}
		time.Sleep(time.Second)
	}
	t.Fatalf("%s's copy not %s within an hour of fake time", srv, phase)
	return nil
}
