package contrail

import (
	"context"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// A service instance is a service-instance in the project with a ref to
// its template; its properties (Contrail's ServiceInstanceType) pass
// through as given. svc-monitor launches its VMs later, on its own; the
// config object is what the driver reports.
var serviceInstanceKind = &kindImpl{
	typ: "service-instance", parent: "project",
	build: buildServiceInstance,
	needs: func(o *vim.Object) map[string][]string {
		spec, ok := o.Spec.(*resource.ServiceInstance)
		if !ok {
			return nil
		}
		return map[string][]string{"service-template": {depUUID(o, resource.KindServiceTemplate, spec.ServiceTemplateID)}}
	},
}

func buildServiceInstance(ctx context.Context, o *vim.Object, r *resolver) (*desired, error) {
	spec, ok := o.Spec.(*resource.ServiceInstance)
	if !ok {
		return nil, specError(o, &resource.ServiceInstance{})
	}
	want := &desired{description: spec.Description, props: map[string]any{}}
	uuid, fq, problem, err := r.dep(ctx, o, resource.KindServiceTemplate, spec.ServiceTemplateID, "service-template", "service_template_id")
	if err != nil {
		return nil, err
	}
	if problem != nil {
		want.unresolve(problem)
	} else {
		want.props["service_template_refs"] = []any{map[string]any{"to": fq, "attr": nil}}
	}
	props := spec.ServiceInstanceProperties
	if props == nil {
		props = map[string]any{}
	}
	want.props["service_instance_properties"] = props
	wantProps := canonical(props)
	want.checks = []check{
		{field: "service_template_id", differs: func(c *cobject) bool {
			return problem != nil || len(c.ServiceTemplateRefs) != 1 || c.ServiceTemplateRefs[0].UUID != uuid
		}},
		{field: "service_instance_properties", put: map[string]any{"service_instance_properties": props},
			differs: func(c *cobject) bool { return canonical(c.ServiceInstanceProperties) != wantProps }},
	}
	return want, nil
}
