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

// TestIntegrationSnapshotKey: Nova copies createImage's metadata onto the
// image and Glance returns it, so Snapshot repeated with its key finds the
// image it made instead of making a second.
func TestIntegrationSnapshotKey(t *testing.T) {
	d, image := integrationDriver(t)
	ctx := t.Context()
	suffix := fmt.Sprint(time.Now().UnixNano())
	object := func(k resource.Kind, spec resource.Spec, deps map[resource.Ref]vim.Dep) *vim.Object {
		id := "it-snap-" + string(k) + "-" + suffix
		return &vim.Object{Ref: resource.Ref{Kind: "local_" + k, ID: id}, Kind: k, Global: resource.Ref{Kind: k, ID: id},
			Name: id, Spec: spec, Deps: deps}
	}
	create := func(o *vim.Object) vim.Dep {
		t.Helper()
		ext, err := d.Create(ctx, o)
		if err != nil {
			t.Fatalf("Create(%s): %v", o, err)
		}
		o.ExternalID = ext
		t.Cleanup(func() {
			wait.UntilWith(t, &wait.Options{Every: time.Second, Bound: 3 * time.Minute}, "deleting "+o.String(), func() bool {
				return d.Delete(context.Background(), o) == nil
			})
		})
		return vim.Dep{ExternalID: ext}
	}
	net := object(resource.KindNetwork, &resource.Network{CIDR: "10.77.0.0/24"}, nil)
	flavor := object(resource.KindFlavor, &resource.Flavor{RAM: 64, VCPUs: 1, Disk: 1}, nil)
	deps := map[resource.Ref]vim.Dep{{Kind: resource.KindImage, ID: "img"}: image,
		net.Global: create(net), flavor.Global: create(flavor)}
	srv := object(resource.KindServer, &resource.Server{ImageID: "img", NetworkID: net.Global.ID, FlavorID: flavor.Global.ID}, deps)
	create(srv)
	wait.UntilWith(t, &wait.Options{Every: time.Second, Bound: 3 * time.Minute}, "the server active", func() bool {
		obs, err := d.Observe(ctx, srv)
		return err == nil && obs.State == vim.StateReady
	})

	name, key := "it-snap-"+suffix, "action-"+suffix+"@it"
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
