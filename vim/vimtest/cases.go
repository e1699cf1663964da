package vimtest

import (
	"fmt"
	"reflect"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// kindCase is how the suite builds and changes objects of one kind.
type kindCase struct {
	kind resource.Kind
	// needs lists the kinds of the dependencies, made first.
	needs []resource.Kind
	// dep, when set, changes the spec of each dependency before it is
	// made (a subnet's network has no CIDR of its own).
	dep func(resource.Spec)
	// spec builds a valid spec naming the dependencies' IDs.
	spec  func(ids map[resource.Kind][]string) resource.Spec
	parts func(owner string) []vim.Part
	// immutable changes a field that cannot change in place and returns
	// its name; nil when the kind has none the suite can change.
	immutable func(resource.Spec) string
	// unheld: the kind has no mutable field a VIM must hold (Nova keeps
	// no description of a server group; the orchestrator does), so the
	// suite does not expect drift from changing one.
	unheld bool
	// mutable changes a mutable field other than the description and
	// returns its name; nil when there is none worth a second round.
	mutable func(resource.Spec) string
}

func i64(v int64) *int64 { return &v }

// cases, in dependency order.
var cases = []kindCase{
	{
		kind: resource.KindHeatTemplate,
		spec: func(map[resource.Kind][]string) resource.Spec {
			// One parameter, echoed as an output, so that parameters and
			// outputs both cross the wire.
			return &resource.HeatTemplate{Template: "heat_template_version: 2018-08-31\n" +
				"parameters:\n  greeting: {type: string, default: hi}\n" +
				"resources: {}\n" +
				"outputs:\n  greeting: {value: {get_param: greeting}}\n"}
		},
	},
	{
		kind: resource.KindImage,
		spec: func(map[resource.Kind][]string) resource.Spec {
			return &resource.Image{Description: "vimtest image", DiskFormat: "qcow2", ContainerFormat: "bare", Visibility: "private", MinDisk: 1}
		},
		immutable: func(s resource.Spec) string { s.(*resource.Image).DiskFormat = "raw"; return "disk_format" },
	},
	{
		kind: resource.KindFlavor,
		spec: func(map[resource.Kind][]string) resource.Spec {
			return &resource.Flavor{Description: "vimtest flavor", RAM: 64, VCPUs: 1, Disk: 1}
		},
		immutable: func(s resource.Spec) string { s.(*resource.Flavor).RAM = 128; return "ram" },
	},
	{
		kind: resource.KindNetwork,
		spec: func(map[resource.Kind][]string) resource.Spec {
			return &resource.Network{Description: "vimtest network", CIDR: "10.77.0.0/24"}
		},
		mutable: func(s resource.Spec) string { s.(*resource.Network).CIDR = "10.78.0.0/24"; return "cidr" },
	},
	{
		// On a network without a CIDR of its own, as ESC makes them.
		kind:  resource.KindSubnet,
		needs: []resource.Kind{resource.KindNetwork},
		dep: func(s resource.Spec) {
			if n, ok := s.(*resource.Network); ok {
				n.CIDR = ""
			}
		},
		spec: func(ids map[resource.Kind][]string) resource.Spec {
			return &resource.Subnet{Description: "vimtest subnet", NetworkID: ids[resource.KindNetwork][0], CIDR: "10.79.0.0/24",
				AllocationPools: []resource.AllocationPool{{Start: "10.79.0.10", End: "10.79.0.200"}}, DNSNameservers: []string{"10.79.0.2"}}
		},
		immutable: func(s resource.Spec) string { s.(*resource.Subnet).CIDR = "10.80.0.0/24"; return "cidr" },
		// Every field Neutron changes in place, at once; one is named.
		mutable: func(s resource.Spec) string {
			sn := s.(*resource.Subnet)
			off := false
			sn.GatewayIP, sn.EnableDHCP, sn.DNSNameservers = "10.79.0.254", &off, []string{"10.79.0.3", "10.79.0.4"}
			sn.AllocationPools = []resource.AllocationPool{{Start: "10.79.0.20", End: "10.79.0.99"}, {Start: "10.79.0.150", End: "10.79.0.160"}}
			return "allocation_pools"
		},
	},
	{
		kind: resource.KindSecurityGroup,
		spec: func(map[resource.Kind][]string) resource.Spec {
			return &resource.SecurityGroup{Description: "vimtest group"}
		},
		parts: func(owner string) []vim.Part {
			return []vim.Part{
				{Ref: resource.Ref{Kind: resource.KindSecurityGroupRule, ID: owner + "-ssh"}, Spec: &resource.SecurityGroupRule{
					Direction: "ingress", EtherType: "IPv4", Protocol: "tcp", PortRangeMin: i64(22), PortRangeMax: i64(22), RemoteIPPrefix: "10.0.0.0/8"}},
				{Ref: resource.Ref{Kind: resource.KindSecurityGroupRule, ID: owner + "-out"}, Spec: &resource.SecurityGroupRule{
					Direction: "egress", EtherType: "IPv4", Protocol: "any"}},
			}
		},
	},
	{
		kind:  resource.KindNetworkPolicy,
		needs: []resource.Kind{resource.KindNetwork, resource.KindNetwork},
		spec: func(ids map[resource.Kind][]string) resource.Spec {
			return &resource.NetworkPolicy{
				Description: "vimtest policy", SourceNetworkID: ids[resource.KindNetwork][0], DestNetworkID: ids[resource.KindNetwork][1],
				Entries: []resource.PolicyEntry{{Action: "pass", Direction: "<>", Protocol: "any"}},
			}
		},
	},
	{
		kind: resource.KindServerGroup,
		spec: func(map[resource.Kind][]string) resource.Spec {
			return &resource.ServerGroup{Description: "vimtest group", Policy: "anti-affinity"}
		},
		unheld:    true,
		immutable: func(s resource.Spec) string { s.(*resource.ServerGroup).Policy = "affinity"; return "policy" },
	},
	{
		// In a server group, so that every driver proves membership
		// (ServerGroupMembers).
		kind: resource.KindServer,
		needs: []resource.Kind{resource.KindImage, resource.KindFlavor, resource.KindNetwork, resource.KindSecurityGroup,
			resource.KindServerGroup},
		spec: func(ids map[resource.Kind][]string) resource.Spec {
			return &resource.Server{
				Description: "vimtest server", ImageID: ids[resource.KindImage][0], FlavorID: ids[resource.KindFlavor][0],
				NetworkID: ids[resource.KindNetwork][0], SecurityGroupID: ids[resource.KindSecurityGroup][0],
				ServerGroupID: ids[resource.KindServerGroup][0],
			}
		},
		immutable: func(s resource.Spec) string { s.(*resource.Server).ImageID = "another-image"; return "image_id" },
	},
	{
		// Two networks: NICs follow the spec's order.
		kind:  resource.KindBaremetalInstance,
		needs: []resource.Kind{resource.KindImage, resource.KindFlavor, resource.KindNetwork, resource.KindNetwork},
		spec: func(ids map[resource.Kind][]string) resource.Spec {
			return &resource.BaremetalInstance{
				Description: "vimtest bare metal", ImageID: ids[resource.KindImage][0], FlavorID: ids[resource.KindFlavor][0],
				Networks: []resource.NetworkPort{{NetworkID: ids[resource.KindNetwork][1]}, {NetworkID: ids[resource.KindNetwork][0]}},
				Extra:    map[string]string{"vimtest": "yes", "rack": "r1"}, UserID: "vimtest-user",
			}
		},
		immutable: func(s resource.Spec) string {
			s.(*resource.BaremetalInstance).ImageID = "another-image"
			return "image_id"
		},
		// One key changed, one removed, one added.
		mutable: func(s resource.Spec) string {
			s.(*resource.BaremetalInstance).Extra = map[string]string{"vimtest": "changed", "row": "7"}
			return "extra"
		},
	},
	{
		kind:  resource.KindHeatInstance,
		needs: []resource.Kind{resource.KindHeatTemplate},
		spec: func(ids map[resource.Kind][]string) resource.Spec {
			return &resource.HeatInstance{Description: "vimtest stack", HeatTemplateID: ids[resource.KindHeatTemplate][0], Parameters: map[string]any{"greeting": "hello"}}
		},
	},
	{
		kind:  resource.KindServiceTemplate,
		needs: []resource.Kind{resource.KindImage, resource.KindFlavor},
		spec: func(ids map[resource.Kind][]string) resource.Spec {
			return &resource.ServiceTemplate{Description: "vimtest template", ImageID: ids[resource.KindImage][0], FlavorID: ids[resource.KindFlavor][0], ServiceMode: "in-network"}
		},
		immutable: func(s resource.Spec) string {
			s.(*resource.ServiceTemplate).ServiceMode = "transparent"
			return "service_mode"
		},
	},
	{
		kind:  resource.KindServiceInstance,
		needs: []resource.Kind{resource.KindServiceTemplate},
		spec: func(ids map[resource.Kind][]string) resource.Spec {
			return &resource.ServiceInstance{Description: "vimtest instance", ServiceTemplateID: ids[resource.KindServiceTemplate][0],
				ServiceInstanceProperties: map[string]any{"ha_mode": "active-standby"}}
		},
		immutable: func(s resource.Spec) string {
			s.(*resource.ServiceInstance).ServiceTemplateID = "another-template"
			return "service_template_id"
		},
	},
	{
		// Made from an image, so that drivers resolve its reference; of
		// the cloud's default type, which every VIM has.
		kind:  resource.KindVolume,
		needs: []resource.Kind{resource.KindImage},
		spec: func(ids map[resource.Kind][]string) resource.Spec {
			return &resource.Volume{Description: "vimtest volume", SizeGB: 1, ImageID: ids[resource.KindImage][0], Bus: "virtio"}
		},
		immutable: func(s resource.Spec) string {
			s.(*resource.Volume).VolumeType = "vimtest-other-type"
			return "volume_type"
		},
		// Volumes grow in place.
		mutable: func(s resource.Spec) string { s.(*resource.Volume).SizeGB = 2; return "size_gb" },
	},
}

func caseOf(k resource.Kind) kindCase {
	for _, c := range cases {
		if c.kind == k {
			return c
		}
	}
	panic("vimtest: no case for kind " + string(k))
}

// setDescription changes the description, a mutable field of every kind in
// the table (each spec is a pointer to a struct with a Description).
func setDescription(s resource.Spec, d string) {
	f := reflect.ValueOf(s).Elem().FieldByName("Description")
	if !f.IsValid() || f.Kind() != reflect.String {
		panic(fmt.Sprintf("vimtest: no description on %T", s))
	}
	f.SetString(d)
}
