package openstack

import (
	"context"
	"slices"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/imageimport"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// Images keep the spec's description in the property "description" (Glance
// has no such field) and, when data comes from a URL, the URL in
// "orca_url": an image created with it but not importing yet is a create
// that stopped half way, finished by the next Create.

func imageKind() *kind {
	return &kind{
		get:     getImage,
		all:     allImages,
		observe: observeImage,
		create:  createImage,
		update:  updateImage,
		delete:  deleteImage,
		partial: func(_ *vim.Object, v any) bool {
			img := v.(*images.Image)
			return img.Status == images.ImageStatusQueued && prop(img, "orca_url") != ""
		},
	}
}

func prop(img *images.Image, name string) string {
	s, _ := img.Properties[name].(string)
	return s
}

func imageName(i *images.Image) string { return i.Name }

func getImage(ctx context.Context, d *Driver, o *vim.Object) (any, error) {
	return asAny(find(ctx, o, "image", imageName,
		func(ctx context.Context, id string) (*images.Image, error) {
			return images.Get(ctx, d.image, id).Extract()
		},
		func(ctx context.Context) ([]images.Image, error) {
			return listAll(ctx, "images", images.List(d.image, images.ListOpts{Name: tag(o)}), images.ExtractImages)
		}))
}

func allImages(ctx context.Context, d *Driver) (map[string]any, error) {
	found, err := listAll(ctx, "images", images.List(d.image, images.ListOpts{}), images.ExtractImages)
	return byTag(found, imageName), err
}

func observeImage(d *Driver, o *vim.Object, v any) vim.Observation {
	img := v.(*images.Image)
	spec := o.Spec.(*resource.Image)
	obs := vim.Observation{Exists: true, ExternalID: img.ID, TaskStatus: string(img.Status),
		Output: map[string]any{"image_id": img.ID, "size": img.SizeBytes, "checksum": img.Checksum}}
	switch img.Status {
	case images.ImageStatusActive:
		obs.State = vim.StateReady
	case images.ImageStatusQueued: // a metadata-only image: complete as it is
		obs.State = vim.StateReady
	case images.ImageStatusKilled:
		obs.State, obs.Message = vim.StateError, "Glance killed the image (its data could not be stored)"
	case images.ImageStatusDeleted, images.ImageStatusPendingDelete:
		obs.State = vim.StateDeleting
	default: // saving, importing, uploading
		obs.State = vim.StateBuilding
	}
	for _, c := range []struct {
		field string
		same  bool
	}{
		{"description", prop(img, "description") == spec.Description},
		{"visibility", string(img.Visibility) == spec.Visibility || spec.Visibility == "" && img.Visibility == images.ImageVisibilityPublic},
		{"disk_format", img.DiskFormat == spec.DiskFormat},
		{"container_format", img.ContainerFormat == spec.ContainerFormat},
		{"min_disk", int64(img.MinDiskGigabytes) == spec.MinDisk},
		{"min_ram", int64(img.MinRAMMegabytes) == spec.MinRAM},
		{"protected", img.Protected == spec.Protected},
		{"url", prop(img, "orca_url") == spec.URL},
	} {
		if !c.same {
			obs.Drift = append(obs.Drift, c.field)
		}
	}
	return obs
}

func createImage(ctx context.Context, d *Driver, o *vim.Object, v any) (string, error) {
	spec := o.Spec.(*resource.Image)
	img, _ := v.(*images.Image)
	if img == nil {
		vis := images.ImageVisibility(orDefault(spec.Visibility, "public"))
		props := map[string]string{"description": spec.Description}
		if spec.URL != "" {
			props["orca_url"] = spec.URL
		}
		created, err := images.Create(ctx, d.image, images.CreateOpts{
			Name: tag(o), Visibility: &vis, DiskFormat: spec.DiskFormat, ContainerFormat: spec.ContainerFormat,
			MinDisk: int(spec.MinDisk), MinRAM: int(spec.MinRAM), Protected: &spec.Protected, Properties: props,
		}).Extract()
		if err != nil {
			return "", classify(ctx, err, "creating image")
		}
		img = created
	}
	if spec.URL != "" {
		// Glance fetches the data itself, asynchronously.
		err := imageimport.Create(ctx, d.image, img.ID, imageimport.CreateOpts{Name: imageimport.WebDownloadMethod, URI: spec.URL}).ExtractErr()
		if err != nil {
			return "", classify(ctx, err, "importing image data from its URL")
		}
	}
	return img.ID, nil
}

func updateImage(ctx context.Context, d *Driver, o *vim.Object, v any, drift []string) error {
	spec := o.Spec.(*resource.Image)
	img := v.(*images.Image)
	var ops images.UpdateOpts
	if slices.Contains(drift, "visibility") {
		ops = append(ops, images.UpdateVisibility{Visibility: images.ImageVisibility(spec.Visibility)})
	}
	if slices.Contains(drift, "min_disk") {
		ops = append(ops, images.ReplaceImageMinDisk{NewMinDisk: int(spec.MinDisk)})
	}
	if slices.Contains(drift, "min_ram") {
		ops = append(ops, images.ReplaceImageMinRam{NewMinRam: int(spec.MinRAM)})
	}
	if slices.Contains(drift, "protected") {
		ops = append(ops, images.ReplaceImageProtected{NewProtected: spec.Protected})
	}
	if slices.Contains(drift, "description") {
		op := images.AddOp
		if _, ok := img.Properties["description"]; ok {
			op = images.ReplaceOp
		}
		ops = append(ops, images.UpdateImageProperty{Op: op, Name: "description", Value: spec.Description})
	}
	if len(ops) == 0 {
		return nil
	}
	_, err := images.Update(ctx, d.image, img.ID, ops).Extract()
	return classify(ctx, err, "updating image")
}

// deleteImage deletes the image. Glance refuses a protected one (403).
func deleteImage(ctx context.Context, d *Driver, o *vim.Object, v any) error {
	err := images.Delete(ctx, d.image, v.(*images.Image).ID).ExtractErr()
	if gophercloud.ResponseCodeIs(err, 404) {
		return nil
	}
	return classify(ctx, err, "deleting image")
}
