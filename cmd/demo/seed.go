package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/resource"
)

// exampleTenant owns the example data (-seed-example).
const exampleTenant = "demo"

// fakeOnly places a resource at the demo's fake locations, which
// ensureLocations labels kind=fake: the example data never goes to a real
// location added at run time.
func fakeOnly() *resource.Placement {
	return &resource.Placement{Selector: map[string]string{"kind": "fake"}}
}

// exampleData is what -seed-example creates, in an order where everything
// comes after what it refers to: the tenant demo; two networks, a security
// group with three rules, an image and a flavor at every fake location;
// and at each of locs (the fake locations), a server on the first network.
func exampleData(locs []string) []*resource.Resource {
	mk := func(k resource.Kind, id string, spec resource.Spec) *resource.Resource {
		return &resource.Resource{Ref: resource.Ref{Kind: k, ID: id}, Name: id, Tenant: exampleTenant, Spec: spec,
			Labels: map[string]string{"example": "true"}}
	}
	placed := func(r *resource.Resource) *resource.Resource { r.Placement = fakeOnly(); return r }
	port := func(p int64) *int64 { return &p }
	rule := func(id, proto string, p *int64) *resource.Resource {
		r := mk(resource.KindSecurityGroupRule, id, &resource.SecurityGroupRule{
			Direction: "ingress", EtherType: "IPv4", Protocol: proto, PortRangeMin: p, PortRangeMax: p, RemoteIPPrefix: "0.0.0.0/0"})
		r.Owner = &resource.Ref{Kind: resource.KindSecurityGroup, ID: "demo-web"}
		return r
	}
	tenant := mk(resource.KindTenant, exampleTenant, &resource.Tenant{Description: "the demo's example data (-seed-example)"})
	tenant.Tenant = ""
	out := []*resource.Resource{
		tenant,
		placed(mk(resource.KindNetwork, "demo-mgmt", &resource.Network{Description: "management, a /24 per location", CIDR: "10.20.0.0/16", LocalPrefixLen: 24})),
		placed(mk(resource.KindNetwork, "demo-data", &resource.Network{Description: "data plane, a /24 per location", CIDR: "10.21.0.0/16", LocalPrefixLen: 24})),
		placed(mk(resource.KindSecurityGroup, "demo-web", &resource.SecurityGroup{Description: "ssh, http and ping from anywhere"})),
		rule("demo-web-ssh", "tcp", port(22)),
		rule("demo-web-http", "tcp", port(80)),
		rule("demo-web-icmp", "icmp", nil),
		placed(mk(resource.KindImage, "demo-cirros", &resource.Image{Description: "a small test image", DiskFormat: "qcow2", ContainerFormat: "bare", Visibility: "private"})),
		placed(mk(resource.KindFlavor, "demo-small", &resource.Flavor{Description: "1 vCPU, 512 MB", RAM: 512, VCPUs: 1, Disk: 1})),
	}
	for _, loc := range locs {
		vm := mk(resource.KindServer, "demo-vm-"+loc, &resource.Server{Description: "a server at " + loc,
			ImageID: "demo-cirros", FlavorID: "demo-small", NetworkID: "demo-mgmt", SecurityGroupID: "demo-web"})
		vm.Placement = &resource.Placement{Locations: []string{loc}}
		out = append(out, vm)
	}
	return out
}

// createExampleData creates what of exampleData(locs) does not exist yet
// (by ID: what exists is left as it is, so restarts on the same store
// skip it). It returns the refs of the example resources that exist now
// and a line saying what it did; a resource that could not be created is
// named in the line, and the rest go on.
func createExampleData(ctx context.Context, o *orca.Orchestrator, locs []string) ([]resource.Ref, string) {
	var refs []resource.Ref
	var created, existed int
	var failed []string
	for _, r := range exampleData(locs) {
		_, err := o.Create(ctx, r)
		switch {
		case err == nil:
			created++
		case resource.CodeOf(err) == resource.Conflict:
			if _, gerr := o.Get(ctx, r.Ref); gerr != nil {
				failed = append(failed, fmt.Sprintf("%s: %v", r.ID, err)) // a conflict other than "exists"
				continue
			}
			existed++
		default:
			failed = append(failed, fmt.Sprintf("%s: %v", r.ID, err))
			continue
		}
		refs = append(refs, r.Ref)
	}
	line := fmt.Sprintf("example data in tenant %s: %d created, %d already there", exampleTenant, created, existed)
	if len(failed) > 0 {
		line += fmt.Sprintf(", %d not created (%s)", len(failed), strings.Join(failed, "; "))
	}
	return refs, line
}
