package openstack

import (
	"context"
	"slices"
	"strings"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/blockstorage/v3/volumes"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// Volumes are Cinder volumes (block storage v3, base microversion). Besides
// the name tag, a volume records in its metadata its copy's orca ID
// (orca_id), its bus (orca_bus, which Cinder has no field for) and the
// image it was made from (orca_image).
//
// Drift is judged on the description, the size and a named volume type.
// The image and the bus are not compared: a volume's source image is
// history once it is made, and a replacement, which drift of an immutable
// field leads to, would destroy the volume's data.
//
// Cinder grows a volume in place (os-extend) but never shrinks it, and acts
// on a volume only in some statuses: Update and Delete check the status
// first and answer Conflict while Cinder is busy with the volume, where
// Cinder itself would answer 400, which reads as a refusal for good.

func volumeKind() *kind {
	return &kind{get: getVolume, all: allVolumes, observe: observeVolume,
		create: createVolume, update: updateVolume, delete: deleteVolume}
}

func volumeName(v *volumes.Volume) string { return v.Name }

func getVolume(ctx context.Context, d *Driver, o *vim.Object) (any, error) {
	return asAny(find(ctx, o, "volume", volumeName,
		func(ctx context.Context, id string) (*volumes.Volume, error) {
			return volumes.Get(ctx, d.volume, id).Extract()
		},
		func(ctx context.Context) ([]volumes.Volume, error) {
			// Cinder's name filter is an exact match.
			return listAll(ctx, "volumes", volumes.List(d.volume, volumes.ListOpts{Name: tag(o)}), volumes.ExtractVolumes)
		}))
}

func allVolumes(ctx context.Context, d *Driver) (map[string]any, error) {
	found, err := listAll(ctx, "volumes", volumes.List(d.volume, volumes.ListOpts{}), volumes.ExtractVolumes)
	return byTag(found, volumeName), err
}

// volumeState maps Cinder's statuses. A usable volume that Cinder is
// working on (extending, attaching, backing up) is Ready and busy.
func volumeState(status string) (state vim.State, busy string) {
	switch status {
	case "available", "in-use":
		return vim.StateReady, ""
	case "creating", "downloading":
		return vim.StateBuilding, ""
	case "deleting":
		return vim.StateDeleting, ""
	case "error", "error_deleting", "error_extending", "error_restoring", "error_managing", "error_backing-up":
		return vim.StateError, ""
	case "extending", "attaching", "detaching", "reserved", "retyping", "maintenance", "backing-up",
		"restoring-backup", "uploading", "awaiting-transfer":
		return vim.StateReady, status
	}
	return vim.StateBuilding, "" // unknown: look again rather than act
}

func observeVolume(d *Driver, o *vim.Object, v any) vim.Observation {
	vol := v.(*volumes.Volume)
	spec := o.Spec.(*resource.Volume)
	obs := vim.Observation{Exists: true, ExternalID: vol.ID, TaskStatus: vol.Status,
		Output: map[string]any{"volume_id": vol.ID, "size_gb": int64(vol.Size), "volume_type": vol.VolumeType,
			"bootable": vol.Bootable == "true", "bus": vol.Metadata["orca_bus"], "attachments": volumeAttachments(vol)}}
	obs.State, obs.Busy = volumeState(vol.Status)
	if obs.State == vim.StateError {
		obs.Message = "Cinder reports the volume " + vol.Status
	}
	// Cinder stores descriptions stripped.
	if vol.Description != strings.TrimSpace(spec.Description) {
		obs.Drift = append(obs.Drift, "description")
	}
	// While an extend is under way the size is the old one; asking again
	// would be refused.
	if int64(vol.Size) != spec.SizeGB && vol.Status != "extending" {
		obs.Drift = append(obs.Drift, "size_gb")
	}
	if spec.VolumeType != "" && vol.VolumeType != spec.VolumeType {
		obs.Drift = append(obs.Drift, "volume_type")
	}
	return obs
}

func createVolume(ctx context.Context, d *Driver, o *vim.Object, _ any) (string, error) {
	spec := o.Spec.(*resource.Volume)
	meta := map[string]string{"orca_id": o.Ref.ID, "orca_bus": orDefault(spec.Bus, "virtio")}
	image := ""
	if spec.ImageID != "" {
		image = o.Deps[resource.Ref{Kind: resource.KindImage, ID: spec.ImageID}].ExternalID
		if image == "" {
			return "", resource.Errorf(resource.NotFound, "%s: image %s has no copy at this location", o, spec.ImageID)
		}
		meta["orca_image"] = image
	}
	vol, err := volumes.Create(ctx, d.volume, volumes.CreateOpts{
		Name: tag(o), Size: int(spec.SizeGB), Description: spec.Description, VolumeType: spec.VolumeType,
		ImageID: image, Metadata: meta,
	}, nil).Extract()
	if err != nil {
		return "", classify(ctx, err, "creating volume")
	}
	return vol.ID, nil
}

func updateVolume(ctx context.Context, d *Driver, o *vim.Object, v any, drift []string) error {
	spec := o.Spec.(*resource.Volume)
	vol := v.(*volumes.Volume)
	grow := slices.Contains(drift, "size_gb")
	if grow {
		// Refused before anything changes, so the update is all or none.
		switch {
		case spec.SizeGB < int64(vol.Size):
			return resource.InvalidField("size_gb", "%s has %d GiB; Cinder cannot shrink it to %d GiB: make a new volume instead",
				o, vol.Size, spec.SizeGB)
		case vol.Status != "available":
			return resource.Errorf(resource.Conflict, "%s is %s; Cinder extends only an available volume", o, vol.Status)
		}
	}
	if slices.Contains(drift, "description") {
		descr := spec.Description
		if _, err := volumes.Update(ctx, d.volume, vol.ID, volumes.UpdateOpts{Description: &descr}).Extract(); err != nil {
			return classify(ctx, err, "updating volume")
		}
	}
	if grow {
		err := volumes.ExtendSize(ctx, d.volume, vol.ID, volumes.ExtendSizeOpts{NewSize: int(spec.SizeGB)}).ExtractErr()
		return classify(ctx, err, "extending volume")
	}
	return nil
}

// deleteVolume deletes the volume once Cinder allows it: gone or going is
// done; busy, or attached, is a Conflict to try again.
func deleteVolume(ctx context.Context, d *Driver, o *vim.Object, v any) error {
	vol := v.(*volumes.Volume)
	switch state, busy := volumeState(vol.Status); {
	case state == vim.StateDeleting:
		return nil
	case vol.Status == "in-use":
		return resource.Errorf(resource.Conflict, "%s is attached to a machine; Cinder deletes only a detached volume", o)
	case state == vim.StateBuilding || busy != "":
		return resource.Errorf(resource.Conflict, "%s is %s; Cinder deletes it once that ends", o, vol.Status)
	}
	err := volumes.Delete(ctx, d.volume, vol.ID, nil).ExtractErr()
	switch {
	case gophercloud.ResponseCodeIs(err, 404):
		return nil
	case gophercloud.ResponseCodeIs(err, 400):
		// The status changed under us: Cinder's refusal is about the
		// volume's state, not the request.
		return resource.Errorf(resource.Conflict, "deleting volume: %v", classify(ctx, err, "Cinder refused"))
	}
	return classify(ctx, err, "deleting volume")
}
