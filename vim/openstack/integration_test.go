//go:build integration

package openstack

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"

	"github.com/orca-nfv/orca/internal/testutil/osenv"
	"github.com/orca-nfv/orca/internal/testutil/wait"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
	"github.com/orca-nfv/orca/vim/vimtest"
)

// envOptions configures the driver from the standard OS_* variables.
func envOptions(t *testing.T) *Options {
	return &Options{AuthURL: osenv.AuthURL(t), Region: os.Getenv("OS_REGION_NAME"), Interface: os.Getenv("OS_INTERFACE"),
		Credentials: osenv.Credentials()}
}

// integrationDriver logs in with the OS_* variables and finds the image
// servers boot from: the one named by ORCA_TEST_IMAGE (default "tiny", the
// one up.sh uploads).
func integrationDriver(t *testing.T) (*Driver, vim.Dep) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	d, err := New(ctx, envOptions(t))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	imageName := os.Getenv("ORCA_TEST_IMAGE")
	if imageName == "" {
		imageName = "tiny"
	}
	pages, err := images.List(d.image, images.ListOpts{Name: imageName}).AllPages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found, _ := images.ExtractImages(pages)
	if len(found) == 0 {
		t.Fatalf("no image named %q to boot servers from", imageName)
	}
	return d, vim.Dep{ExternalID: found[0].ID, Name: imageName}
}

// TestIntegrationConformance runs vimtest against a real OpenStack.
func TestIntegrationConformance(t *testing.T) {
	d, image := integrationDriver(t)
	vimtest.Run(t, func(t *testing.T) *vimtest.Harness {
		return &vimtest.Harness{
			Driver: d, PollInterval: 500 * time.Millisecond, Timeout: 3 * time.Minute,
			Existing: map[resource.Kind]vim.Dep{resource.KindImage: image},
		}
	})
}

// cloud makes objects on a real cloud for one test and deletes them when
// it ends, newest first.
type cloud struct {
	t      *testing.T
	d      *Driver
	image  vim.Dep
	suffix string
}

func newCloud(t *testing.T) *cloud {
	d, image := integrationDriver(t)
	return &cloud{t: t, d: d, image: image, suffix: fmt.Sprint(time.Now().UnixNano())}
}

// object is a desired object; its copy and global IDs are the same.
func (c *cloud) object(name string, k resource.Kind, spec resource.Spec, deps map[resource.Ref]vim.Dep) *vim.Object {
	id := "it-" + name + "-" + string(k) + "-" + c.suffix
	return &vim.Object{Ref: resource.Ref{Kind: "local_" + k, ID: id}, Kind: k, Global: resource.Ref{Kind: k, ID: id},
		Name: id, Spec: spec, Deps: deps}
}

// create makes o and returns it as a dependency.
func (c *cloud) create(o *vim.Object) vim.Dep {
	c.t.Helper()
	ext, err := c.d.Create(c.t.Context(), o)
	if err != nil {
		c.t.Fatalf("Create(%s): %v", o, err)
	}
	o.ExternalID = ext
	c.t.Cleanup(func() {
		wait.UntilWith(c.t, &wait.Options{Every: time.Second, Bound: 3 * time.Minute}, "deleting "+o.String(), func() bool {
			if c.d.Delete(context.Background(), o) != nil {
				return false
			}
			obs, err := c.d.Observe(context.Background(), o)
			return err == nil && !obs.Exists
		})
	})
	return vim.Dep{ExternalID: ext}
}

// until polls o's observation until cond holds.
func (c *cloud) until(o *vim.Object, what string, cond func(vim.Observation) bool) vim.Observation {
	c.t.Helper()
	var obs vim.Observation
	wait.UntilWith(c.t, &wait.Options{Every: time.Second, Bound: 3 * time.Minute}, o.String()+" "+what, func() bool {
		var err error
		obs, err = c.d.Observe(c.t.Context(), o)
		return err == nil && cond(obs)
	})
	return obs
}

// machine makes the network and flavor a machine of kind k needs and
// returns it, not yet created.
func (c *cloud) machine(name string, k resource.Kind) *vim.Object {
	c.t.Helper()
	net := c.object(name, resource.KindNetwork, &resource.Network{CIDR: "10.77.0.0/24"}, nil)
	flavor := c.object(name, resource.KindFlavor, &resource.Flavor{RAM: 64, VCPUs: 1, Disk: 1}, nil)
	deps := map[resource.Ref]vim.Dep{{Kind: resource.KindImage, ID: "img"}: c.image,
		net.Global: c.create(net), flavor.Global: c.create(flavor)}
	var spec resource.Spec = &resource.Server{ImageID: "img", NetworkID: net.Global.ID, FlavorID: flavor.Global.ID}
	if k == resource.KindBaremetalInstance {
		spec = &resource.BaremetalInstance{ImageID: "img", FlavorID: flavor.Global.ID,
			Networks: []resource.NetworkPort{{NetworkID: net.Global.ID}}}
	}
	return c.object(name, k, spec, deps)
}

func ready(obs vim.Observation) bool { return obs.State == vim.StateReady }

// TestIntegrationSnapshotKey: Nova copies createImage's metadata onto the
// image and Glance returns it, so Snapshot repeated with its key finds the
// image it made instead of making a second.
func TestIntegrationSnapshotKey(t *testing.T) {
	c := newCloud(t)
	d, ctx := c.d, t.Context()
	srv := c.machine("snap", resource.KindServer)
	c.create(srv)
	c.until(srv, "active", ready)

	name, key := "it-snap-"+c.suffix, "action-"+c.suffix+"@it"
	first, err := d.Snapshot(ctx, srv, name, key)
	if err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	t.Cleanup(func() { images.Delete(context.Background(), d.image, first) })
	again, err := d.Snapshot(ctx, srv, name, key)
	if err != nil || again != first {
		t.Errorf("Snapshot repeated with its key = %q, %v; want %q", again, err, first)
	}
	pages, err := images.List(d.image, images.ListOpts{Name: name}).AllPages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found, _ := images.ExtractImages(pages)
	if len(found) != 1 || found[0].Properties[snapshotKeyProperty] != key {
		t.Errorf("images named %s: %+v, want one carrying the key", name, found)
	}
}

// TestIntegrationPower: Nova stops, starts and reboots a machine of each
// kind, refuses a soft reboot while it is stopped (Conflict), and Observe
// reports the power each time.
func TestIntegrationPower(t *testing.T) {
	c := newCloud(t)
	for _, k := range []resource.Kind{resource.KindServer, resource.KindBaremetalInstance} {
		t.Run(string(k), func(t *testing.T) {
			c := &cloud{t: t, d: c.d, image: c.image, suffix: c.suffix}
			o := c.machine("power", k)
			c.create(o)
			c.until(o, "active", ready)
			steps := []struct {
				action vim.PowerAction
				code   resource.ErrorCode // 0: accepted
				power  vim.PowerState
				status string
			}{
				{vim.ActionPowerOff, 0, vim.PowerOff, "SHUTOFF"},
				{vim.ActionReboot, resource.Conflict, vim.PowerOff, "SHUTOFF"},
				{vim.ActionPowerOn, 0, vim.PowerOn, "ACTIVE"},
				{vim.ActionReboot, 0, vim.PowerOn, "ACTIVE"},
				{vim.ActionHardReboot, 0, vim.PowerOn, "ACTIVE"},
			}
			for _, st := range steps {
				err := c.d.Power(t.Context(), o, st.action)
				if st.code == 0 && err != nil || st.code != 0 && resource.CodeOf(err) != st.code {
					t.Fatalf("Power(%s) = %v, want code %v", st.action, err, st.code)
				}
				// A reboot passes through REBOOT/HARD_REBOOT (Building);
				// wait for it to settle, not for the first observation.
				obs := c.until(o, string(st.action)+" settled", func(obs vim.Observation) bool {
					return ready(obs) && obs.TaskStatus == st.status && obs.Power == st.power
				})
				if len(obs.Drift) != 0 {
					t.Errorf("after %s: drift %v", st.action, obs.Drift)
				}
			}
		})
	}
}
