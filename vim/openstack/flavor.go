package openstack

import (
	"context"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/flavors"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// Flavors are public Nova flavors. Seed 000 gives swap in GB; Nova counts
// it in MB.

func flavorKind() *kind {
	return &kind{get: getFlavor, all: allFlavors, observe: observeFlavor, create: createFlavor, update: updateFlavor, delete: deleteFlavor}
}

func flavorName(f *flavors.Flavor) string { return f.Name }

func getFlavor(ctx context.Context, d *Driver, o *vim.Object) (any, error) {
	return asAny(find(ctx, o, "flavor", flavorName,
		func(ctx context.Context, id string) (*flavors.Flavor, error) {
			return flavors.Get(ctx, d.compute, id).Extract()
		},
		func(ctx context.Context) ([]flavors.Flavor, error) { return listFlavors(ctx, d) })) // Nova cannot filter flavors by name
}

func listFlavors(ctx context.Context, d *Driver) ([]flavors.Flavor, error) {
	return listAll(ctx, "flavors", flavors.ListDetail(d.compute, flavors.ListOpts{AccessType: flavors.AllAccess}), flavors.ExtractFlavors)
}

func allFlavors(ctx context.Context, d *Driver) (map[string]any, error) {
	found, err := listFlavors(ctx, d)
	return byTag(found, flavorName), err
}

func observeFlavor(d *Driver, o *vim.Object, v any) vim.Observation {
	f := v.(*flavors.Flavor)
	spec := o.Spec.(*resource.Flavor)
	obs := vim.Observation{Exists: true, ExternalID: f.ID, State: vim.StateReady, TaskStatus: "ACTIVE",
		Output: map[string]any{"flavor_id": f.ID}}
	for _, c := range []struct {
		field string
		same  bool
	}{
		{"description", f.Description == spec.Description},
		{"ram", int64(f.RAM) == spec.RAM},
		{"vcpus", int64(f.VCPUs) == spec.VCPUs},
		{"disk", int64(f.Disk) == spec.Disk},
		{"swap", int64(f.Swap) == spec.Swap*1024},
		{"ephemeral", int64(f.Ephemeral) == spec.Ephemeral},
	} {
		if !c.same {
			obs.Drift = append(obs.Drift, c.field)
		}
	}
	return obs
}

// flavorOpts builds the create body itself: gophercloud's CreateOpts has
// no description (Nova 2.55).
type flavorOpts struct {
	name string
	spec *resource.Flavor
}

func (f flavorOpts) ToFlavorCreateMap() (map[string]any, error) {
	s := f.spec
	m := map[string]any{"name": f.name, "ram": s.RAM, "vcpus": s.VCPUs, "disk": s.Disk,
		"os-flavor-access:is_public": true, "OS-FLV-EXT-DATA:ephemeral": s.Ephemeral}
	if s.Swap > 0 {
		m["swap"] = s.Swap * 1024
	}
	if s.Description != "" {
		m["description"] = s.Description
	}
	return map[string]any{"flavor": m}, nil
}

func createFlavor(ctx context.Context, d *Driver, o *vim.Object, _ any) (string, error) {
	f, err := flavors.Create(ctx, d.compute, flavorOpts{tag(o), o.Spec.(*resource.Flavor)}).Extract()
	if err != nil {
		return "", classify(ctx, err, "creating flavor")
	}
	return f.ID, nil
}

func updateFlavor(ctx context.Context, d *Driver, o *vim.Object, v any, _ []string) error {
	_, err := flavors.Update(ctx, d.compute, v.(*flavors.Flavor).ID, flavorUpdate(o.Spec.(*resource.Flavor).Description)).Extract()
	return classify(ctx, err, "updating flavor")
}

// flavorUpdate always sends the description: gophercloud's UpdateOpts
// omits an empty one, and Nova refuses the empty body that leaves (400),
// so a description could not be cleared.
type flavorUpdate string

func (f flavorUpdate) ToFlavorUpdateMap() (map[string]any, error) {
	return map[string]any{"flavor": map[string]any{"description": string(f)}}, nil
}

func deleteFlavor(ctx context.Context, d *Driver, o *vim.Object, v any) error {
	err := flavors.Delete(ctx, d.compute, v.(*flavors.Flavor).ID).ExtractErr()
	if gophercloud.ResponseCodeIs(err, 404) {
		return nil
	}
	return classify(ctx, err, "deleting flavor")
}
