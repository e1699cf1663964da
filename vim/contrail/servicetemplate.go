package contrail

import (
	"context"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// A service template is a service-template in the domain (Contrail shares
// templates with every project of it). Its image and flavor are not
// Contrail objects: svc-monitor launches version-1 templates from Nova by
// name, so the properties carry the names of the image and flavor
// dependencies.
var serviceTemplateKind = &kindImpl{
	typ: "service-template", parent: "domain",
	build: buildServiceTemplate,
}

func buildServiceTemplate(_ context.Context, o *vim.Object, _ *resolver) (*desired, error) {
	spec, ok := o.Spec.(*resource.ServiceTemplate)
	if !ok {
		return nil, specError(o, &resource.ServiceTemplate{})
	}
	want := &desired{description: spec.Description}
	image := depName(o, want, resource.KindImage, spec.ImageID, "image_id")
	flavor := depName(o, want, resource.KindFlavor, spec.FlavorID, "flavor_id")
	want.props = map[string]any{"service_template_properties": map[string]any{
		"version": 1, "service_mode": spec.ServiceMode, "image_name": image, "flavor": flavor}}
	// Contrail could rewrite these, but orca replaces the template when
	// they change, so Update refuses them (no put).
	prop := func(c *cobject) (mode, image, flavor string) {
		if p := c.ServiceTemplateProperties; p != nil {
			return p.ServiceMode, p.ImageName, p.Flavor
		}
		return "", "", ""
	}
	want.checks = []check{
		{field: "service_mode", differs: func(c *cobject) bool { m, _, _ := prop(c); return m != spec.ServiceMode }},
		{field: "image_id", differs: func(c *cobject) bool { _, i, _ := prop(c); return image == "" || i != image }},
		{field: "flavor_id", differs: func(c *cobject) bool { _, _, f := prop(c); return flavor == "" || f != flavor }},
	}
	return want, nil
}

// depName is the name of a dependency that has no Contrail object (an
// image, a flavor), or "" after recording the problem when o.Deps lacks it.
func depName(o *vim.Object, want *desired, k resource.Kind, id, field string) string {
	dp, ok := o.Deps[resource.Ref{Kind: k, ID: id}]
	if !ok {
		want.unresolve(resource.InvalidField(field, "%s %q is not resolved at this location", k, id))
		return ""
	}
	return or(dp.Name, id)
}
