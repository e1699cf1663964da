package openstack

import (
	"context"
	"slices"
	"strings"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/blockstorage/v3/volumes"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// A server's volumes are attached by its create request, as
// block_device_mapping_v2 entries after the image's root disk (boot_index
// -1, on the volume's bus, never deleted with the server), not by
// os-volume_attachments calls after it. The create is then the one call
// that makes the server with its disks: a Create repeated after a lost
// response or a crash adopts a server that has them, where attaching
// afterwards would leave a window in which a server exists without them
// and a crashed driver forgets to attach; and the VNF finds its disks from
// its first boot, in order.
//
// The server records the volumes' IDs, in order, in orca_volumes; drift of
// volume_ids is that record differing from the wanted volumes, or the set
// Nova reports attached (os-extended-volumes:volumes_attached) differing
// from them (a volume detached or attached behind orca's back).
//
// A volume another server holds makes Nova refuse the boot (400). When
// Cinder then shows one of the wanted volumes not available, the refusal
// is retryable (Unavailable), as a held fixed IP is: the holder may be a
// server on its way out (one a replacement or redeployment deletes, or a
// volume moved between two servers in one change).

// attachedVolume is an entry of a server's volumes_attached.
type attachedVolume struct {
	ID string `json:"id"`
}

// volumeIDs resolves b's volumes at this location, in order. A volume
// without a copy here is NotFound, or Unimplemented when the location has
// no Cinder to make one.
func (d *Driver) volumeIDs(o *vim.Object, b resource.Boot) ([]string, error) {
	var out []string
	for _, id := range b.VolumeIDs {
		ext := o.Deps[resource.Ref{Kind: resource.KindVolume, ID: id}].ExternalID
		switch {
		case ext == "" && d.volume == nil:
			return nil, resource.Errorf(resource.Unimplemented,
				"%s: this OpenStack location has no block-storage (Cinder v3) service, so it has no volume %s to attach", o, id)
		case ext == "":
			return nil, resource.Errorf(resource.NotFound, "%s: volume %s has no copy at this location", o, id)
		}
		out = append(out, ext)
	}
	return out, nil
}

// blockDevices maps the image as the root disk, then each volume.
func blockDevices(o *vim.Object, image string, b resource.Boot, vols []string) []servers.BlockDevice {
	if len(vols) == 0 {
		return nil
	}
	out := []servers.BlockDevice{{SourceType: servers.SourceImage, DestinationType: servers.DestinationLocal, UUID: image,
		BootIndex: 0, DeleteOnTermination: true}}
	for i, ext := range vols {
		bd := servers.BlockDevice{SourceType: servers.SourceVolume, DestinationType: servers.DestinationVolume, UUID: ext,
			BootIndex: -1}
		if spec, ok := o.Deps[resource.Ref{Kind: resource.KindVolume, ID: b.VolumeIDs[i]}].Spec.(*resource.Volume); ok {
			bd.DiskBus = spec.Bus
		}
		out = append(out, bd)
	}
	return out
}

// volumesValue records a server's volumes in one metadata value: their
// IDs in order, or a digest when that does not fit Nova's 255 bytes (16
// volumes do not).
func volumesValue(vols []string) string {
	v := strings.Join(vols, ",")
	if len(v) > 255 {
		return digest([]byte(v))
	}
	return v
}

// sameVolumes reports whether s has the wanted volumes: recorded in this
// order, and attached.
func sameVolumes(s *osServer, want []string) bool {
	if s.Metadata["orca_volumes"] != volumesValue(want) || len(s.VolumesAttached) != len(want) {
		return false
	}
	for _, a := range s.VolumesAttached {
		if !slices.Contains(want, a.ID) {
			return false
		}
	}
	return true
}

// volumesOutput lists the volumes Nova reports attached, in its order:
// the orca volume each was asked for by ("" for one orca did not ask
// for) and its Cinder ID.
func volumesOutput(s *osServer, b resource.Boot, want []string) []any {
	out := make([]any, 0, len(s.VolumesAttached))
	for _, a := range s.VolumesAttached {
		id := ""
		if i := slices.Index(want, a.ID); i >= 0 && i < len(b.VolumeIDs) {
			id = b.VolumeIDs[i]
		}
		out = append(out, map[string]any{"volume_id": id, "external_id": a.ID})
	}
	return out
}

// volumesHeld makes Nova's refusal of a boot retryable when one of its
// volumes is not available in Cinder (held by another server, or being
// attached or detached), saying which. Any other error, and a refusal
// when every volume is available, is returned as it is.
func (d *Driver) volumesHeld(ctx context.Context, vols []string, err error) error {
	if resource.CodeOf(err) != resource.Invalid || d.volume == nil {
		return err
	}
	for _, ext := range vols {
		vol, gerr := volumes.Get(ctx, d.volume, ext).Extract()
		if gerr != nil {
			if gophercloud.ResponseCodeIs(gerr, 404) {
				continue
			}
			return err // Nova's answer says more than a failed look
		}
		if vol.Status == "available" {
			continue
		}
		var holders []string
		for _, a := range vol.Attachments {
			holders = append(holders, a.ServerID)
		}
		held := ""
		if len(holders) > 0 {
			held = " (attached to server " + strings.Join(holders, ", ") + ")"
		}
		return resource.Errorf(resource.Unavailable, "%v; volume %s is %s%s, which may be on its way out",
			err, ext, vol.Status, held)
	}
	return err
}

// volumeAttachments is a volume's "attachments" output: the servers
// holding it, as Cinder shows them ({server_id, device}).
func volumeAttachments(vol *volumes.Volume) []any {
	out := make([]any, 0, len(vol.Attachments))
	for _, a := range vol.Attachments {
		out = append(out, map[string]any{"server_id": a.ServerID, "device": a.Device})
	}
	return out
}
