//go:build integration

package openstack

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"

	"github.com/orca-nfv/orca/internal/testutil/osenv"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
	"github.com/orca-nfv/orca/vim/vimtest"
)

// envOptions configures the driver from the standard OS_* variables.
func envOptions(t *testing.T) *Options {
	return &Options{AuthURL: osenv.AuthURL(t), Region: os.Getenv("OS_REGION_NAME"), Interface: os.Getenv("OS_INTERFACE"),
		Credentials: osenv.Credentials()}
}

// TestIntegrationConformance runs vimtest against a real OpenStack. Servers
// boot from the cloud's image named by ORCA_TEST_IMAGE (default "tiny", the
// one up.sh uploads).
func TestIntegrationConformance(t *testing.T) {
	opts := envOptions(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	d, err := New(ctx, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer d.Close()
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
	image := vim.Dep{ExternalID: found[0].ID, Name: imageName}
	vimtest.Run(t, func(t *testing.T) *vimtest.Harness {
		return &vimtest.Harness{
			Driver: d, PollInterval: 500 * time.Millisecond, Timeout: 3 * time.Minute,
			Existing: map[resource.Kind]vim.Dep{resource.KindImage: image},
		}
	})
}
