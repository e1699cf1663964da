package openstack

import (
	"context"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/remoteconsoles"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// server finds a machine's Nova server for a one-shot operation.
func (d *Driver) server(ctx context.Context, o *vim.Object) (*osServer, error) {
	if _, ok := o.Spec.(resource.MachineSpec); !ok {
		return nil, resource.Errorf(resource.Invalid, "%s is not a machine", o)
	}
	if _, err := d.kind(o.Kind); err != nil {
		return nil, err
	}
	v, err := getServer(ctx, d, o)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, resource.Errorf(resource.NotFound, "%s not found", o)
	}
	return v.(*osServer), nil
}

// Power starts, stops or reboots a machine. Nova answers 409 (Conflict) when
// the server's state does not allow it.
func (d *Driver) Power(ctx context.Context, o *vim.Object, action vim.PowerAction) error {
	if !action.Valid() {
		return resource.Errorf(resource.Invalid, "unknown power action %q", action)
	}
	s, err := d.server(ctx, o)
	if err != nil {
		return err
	}
	switch action {
	case vim.ActionPowerOn:
		err = servers.Start(ctx, d.compute, s.ID).ExtractErr()
	case vim.ActionPowerOff, vim.ActionSoftOff:
		// Nova's stop asks the guest first and then cuts the power.
		err = servers.Stop(ctx, d.compute, s.ID).ExtractErr()
	case vim.ActionReboot:
		err = servers.Reboot(ctx, d.compute, s.ID, servers.RebootOpts{Type: servers.SoftReboot}).ExtractErr()
	case vim.ActionHardReboot:
		err = servers.Reboot(ctx, d.compute, s.ID, servers.RebootOpts{Type: servers.HardReboot}).ExtractErr()
	}
	return classify(ctx, err, "power "+string(action))
}

// snapshotKeyProperty is the image property that records a snapshot's key;
// Nova copies createImage's metadata onto the image.
const snapshotKeyProperty = "orca_snapshot_key"

// Snapshot images the server's disk; the image may still be saving. An
// image of that name already carrying key is returned instead.
func (d *Driver) Snapshot(ctx context.Context, o *vim.Object, imageName, key string) (string, error) {
	s, err := d.server(ctx, o)
	if err != nil {
		return "", err
	}
	meta := map[string]string{"orca_snapshot_of": o.Ref.ID}
	if key != "" {
		made, err := listAll(ctx, "images", images.List(d.image, images.ListOpts{Name: imageName}), images.ExtractImages)
		if err != nil {
			return "", err
		}
		for _, img := range made {
			if img.Properties[snapshotKeyProperty] == key {
				return img.ID, nil
			}
		}
		meta[snapshotKeyProperty] = key
	}
	id, err := servers.CreateImage(ctx, d.compute, s.ID, servers.CreateImageOpts{Name: imageName, Metadata: meta}).ExtractImageID()
	return id, classify(ctx, err, "snapshot")
}

// ConsoleURL returns a noVNC console URL.
func (d *Driver) ConsoleURL(ctx context.Context, o *vim.Object) (string, error) {
	s, err := d.server(ctx, o)
	if err != nil {
		return "", err
	}
	c, err := remoteconsoles.Create(ctx, d.compute, s.ID, remoteconsoles.CreateOpts{
		Protocol: remoteconsoles.ConsoleProtocolVNC, Type: remoteconsoles.ConsoleTypeNoVNC}).Extract()
	if err != nil {
		return "", classify(ctx, err, "console")
	}
	return c.URL, nil
}
