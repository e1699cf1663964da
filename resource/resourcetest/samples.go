// Package resourcetest provides valid sample resources of every built-in kind
// for tests: the resource package's own, the store conformance suite and the
// reconciler's. It is imported by tests only.
package resourcetest

import (
	"time"

	"github.com/orca-nfv/orca/resource"
)

// Samples returns one valid resource of every built-in kind (two networks, so
// a policy can join them), ordered so that every resource comes after those
// it refers to. Every spec field is set to a non-zero value, so a round trip
// that drops a field shows. IDs are prefix + "-" + a short kind name, so
// several sets can share a store.
func Samples(prefix, tenant string) []*resource.Resource {
	id := func(s string) string { return prefix + "-" + s }
	i64 := func(v int64) *int64 { return &v }
	loc := id("loc")
	mk := func(k resource.Kind, short string, spec resource.Spec) *resource.Resource {
		return &resource.Resource{
			Ref:    resource.Ref{Kind: k, ID: id(short)},
			Tenant: tenant,
			Name:   short + " sample",
			Spec:   spec,
		}
	}
	localOf := func(k resource.Kind, short string, parent *resource.Resource, spec resource.Spec) *resource.Resource {
		r := mk(k, short, spec)
		r.Location = loc
		r.Owner = &resource.Ref{Kind: parent.Kind, ID: parent.ID}
		r.Status = resource.Status{
			Phase:              resource.PhaseReady,
			ExternalID:         "ext-" + short,
			TaskStatus:         "ACTIVE",
			Output:             map[string]any{"address": "10.0.0.5", "ports": []any{float64(22), float64(80)}},
			ObservedGeneration: 1,
		}
		return r
	}

	cred := mk(resource.KindCredential, "cred", &resource.Credential{Sealed: []byte{1, 2, 3, 4}, KeyID: "0a1b2c3d"})
	cred.Tenant = ""
	location := mk(resource.KindLocation, "loc", &resource.Location{
		Description:      "a site",
		KeystoneEndpoint: "https://keystone.example.net:5000/v3",
		ContrailEndpoint: "http://contrail.example.net:8082",
		WebUI:            "https://horizon.example.net",
		ContrailWebUI:    "https://contrail-ui.example.net:8143",
		Region:           "RegionOne",
		Address:          "1 Main St",
		CredentialID:     cred.ID,
	})
	location.Tenant = "admin"
	location.Labels = map[string]string{"tier": "edge", "example.com/zone": "west"}

	tenantRes := mk(resource.KindTenant, "tenant", &resource.Tenant{Description: "a tenant"})
	tenantRes.Tenant = ""
	setting := mk(resource.KindSetting, "setting", &resource.Setting{
		Values: map[string]string{"LOG/LEVEL": "DEBUG"}, Secrets: map[string]string{"admin": "pbkdf2-sha256$1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"},
		CredentialID: cred.ID,
	})
	setting.Tenant = ""
	pool := mk(resource.KindIDPool, "pool", &resource.IDPool{Start: i64(100), End: i64(199), Assigned: true})
	pool.Tenant = ""

	tmpl := mk(resource.KindHeatTemplate, "tmpl", &resource.HeatTemplate{
		Description: "a template",
		Template:    "heat_template_version: 2018-08-31\nresources: {}\n",
	})
	stack := mk(resource.KindHeatInstance, "stack", &resource.HeatInstance{
		Description:    "a stack",
		HeatTemplateID: tmpl.ID,
		Parameters:     map[string]any{"flavor": "m1.small", "count": float64(2), "tags": []any{"a", "b"}},
	})
	image := mk(resource.KindImage, "image", &resource.Image{
		Description: "an image", URL: "https://images.example.net/cirros.qcow2",
		Visibility: "private", DiskFormat: "qcow2", ContainerFormat: "bare",
		MinDisk: 1, MinRAM: 64, Protected: true,
	})
	image.Placement = &resource.Placement{Locations: []string{loc}, Selector: map[string]string{"tier": "edge"}}
	volume := mk(resource.KindVolume, "volume", &resource.Volume{
		Description: "a boot disk", SizeGB: 20, VolumeType: "ssd", ImageID: image.ID, Bus: "scsi",
	})
	flavor := mk(resource.KindFlavor, "flavor", &resource.Flavor{
		Description: "a flavor", RAM: 512, VCPUs: 1, Disk: 10, Swap: 1, Ephemeral: 2,
	})
	svcTmpl := mk(resource.KindServiceTemplate, "svctmpl", &resource.ServiceTemplate{
		Description: "a firewall", ImageID: image.ID, ServiceMode: "in-network", FlavorID: flavor.ID,
	})
	svc := mk(resource.KindServiceInstance, "svc", &resource.ServiceInstance{
		Description:               "a firewall instance",
		ServiceInstanceProperties: map[string]any{"ha_mode": "active-standby"},
		ServiceTemplateID:         svcTmpl.ID,
	})
	sg := mk(resource.KindSecurityGroup, "sg", &resource.SecurityGroup{Description: "web", ContrailID: 8000001})
	rule := mk(resource.KindSecurityGroupRule, "rule", &resource.SecurityGroupRule{
		Description: "ssh", Direction: "ingress", EtherType: "IPv4", Protocol: "tcp",
		PortRangeMin: i64(22), PortRangeMax: i64(22), RemoteGroupID: sg.ID,
	})
	rule.Owner = &resource.Ref{Kind: resource.KindSecurityGroup, ID: sg.ID}
	left := mk(resource.KindNetwork, "net-left", &resource.Network{
		Description: "left", ContrailID: 5, CIDR: "10.10.0.0/16", LocalPrefixLen: 24,
	})
	right := mk(resource.KindNetwork, "net-right", &resource.Network{
		Description: "right", ContrailID: 6, CIDR: "fd00:10::/48", LocalPrefixLen: 64,
	})
	off := false
	subnet := mk(resource.KindSubnet, "subnet", &resource.Subnet{
		Description: "left's second subnet", NetworkID: left.ID, CIDR: "10.20.0.0/24", GatewayIP: "10.20.0.254",
		EnableDHCP: &off, AllocationPools: []resource.AllocationPool{{Start: "10.20.0.10", End: "10.20.0.99"}},
		DNSNameservers: []string{"10.20.0.2", "2001:db8::53"},
	})
	policy := mk(resource.KindNetworkPolicy, "policy", &resource.NetworkPolicy{
		Description: "left to right", SourceNetworkID: left.ID, DestNetworkID: right.ID,
		Entries: []resource.PolicyEntry{{
			Action: "pass", Direction: ">", Protocol: "tcp",
			SrcPorts: &resource.PortRange{Start: 1024, End: 65535},
			DstPorts: &resource.PortRange{Start: 443, End: 443},
		}},
	})
	group := mk(resource.KindServerGroup, "group", &resource.ServerGroup{Description: "spread", Policy: "soft-anti-affinity"})
	server := mk(resource.KindServer, "server", &resource.Server{
		Description: "a server", ImageID: image.ID, NetworkID: left.ID, SecurityGroupID: sg.ID, FlavorID: flavor.ID,
		ServerGroupID: group.ID, VolumeIDs: []string{volume.ID},
	})
	metal := mk(resource.KindBaremetalInstance, "metal", &resource.BaremetalInstance{
		Description: "a bare-metal machine", FlavorID: flavor.ID, ImageID: image.ID,
		Networks: []resource.NetworkPort{{NetworkID: left.ID}, {NetworkID: right.ID, PortType: "direct"}},
		Extra:    map[string]string{"rack": "r7", "owner:team": "nfv"}, UserID: "user-1",
	})
	deployment := mk(resource.KindDeployment, "dep", &resource.Deployment{
		Description: "a VNF",
		Groups: []resource.VMGroup{{
			Name: "ASA-1", ImageID: image.ID, FlavorID: flavor.ID, Count: 2, MinCount: 1, MaxCount: 3,
			NICs:   []resource.GroupNIC{{NetworkID: left.ID, IPs: []string{"10.10.0.16", "10.10.0.17"}}, {NetworkID: right.ID}},
			Policy: "anti-affinity", AvailabilityZone: "nova:host-1", Monitored: true, RecoveryMax: 3, RecoveryWaitSeconds: 10, BootSeconds: 300,
			Volumes: []resource.GroupVolume{{Name: "MY_DATASTORE1", SizeGB: 2, VolumeType: "ssd", Bus: "virtio"}},
		}},
		Day0:     []resource.GroupDay0{{Group: "ASA-1", UserData: "#cloud-config\n", Files: []resource.ConfigFile{{Path: "/day0-config", Contents: "hostname asa"}}}},
		Document: "<esc_datamodel/>",
	})
	event := mk(resource.KindEvent, "event", &resource.Event{
		SubjectKind: resource.KindLocalNetwork, SubjectID: id("lnet"), Location: loc,
		From: resource.PhaseProvisioning, To: resource.PhaseReady, Message: "ready",
	})
	event.Name = ""
	action := mk(resource.KindAction, "action", &resource.Action{
		TargetKind: resource.KindServer, TargetID: id("server"), Verb: resource.VerbPower,
		Params: map[string]string{"target": "off"},
	})
	action.Name = ""
	hook := mk(resource.KindWebhook, "hook", &resource.Webhook{
		URL: "https://nfvo.example.net/esc/callback", ContentType: "application/xml",
		Headers: map[string]string{"ESC-Status-Code": "200", "ESC-Status-Message": "Tenant successfully created"},
		Body:    "<tenant/>", Stream: "deployment/dep-1", Seq: 17,
	})
	hook.Name = ""
	watch := mk(resource.KindWatch, "watch", &resource.Watch{
		TargetKind: resource.KindNetwork, TargetID: left.ID, Purpose: "esc",
		Params: map[string]string{"callback": "https://nfvo.example.net/cb", "transaction": "t-1"},
		State:  map[string]string{"reported": "VM_DEPLOYED"},
	})
	watch.Name = ""
	rt := mk(resource.KindRouteTargetAssociation, "rt", &resource.RouteTargetAssociation{NetworkID: left.ID, RouteTarget: 8000100})
	rt.Tenant = ""
	alloc := mk(resource.KindIDAllocation, "pool.150", &resource.IDAllocation{
		PoolID: pool.ID, Value: 150, HolderKind: resource.KindNetwork, HolderID: left.ID})
	alloc.Tenant = ""
	lease := mk(resource.KindLease, "loc.loc-1", &resource.Lease{
		Holder: "replica-a", Epoch: 3, TTLMillis: 15000, RenewedAt: time.Date(2026, 12, 6, 4, 0, 0, 0, time.UTC)})
	lease.Name, lease.Tenant = "", ""

	return []*resource.Resource{
		cred, location, tenantRes, setting, pool,
		tmpl, stack,
		localOf(resource.KindLocalHeatInstance, "lstack", stack, &resource.LocalSpec{Description: "a stack at loc"}),
		image,
		localOf(resource.KindLocalImage, "limage", image, &resource.LocalSpec{Description: "image at loc"}),
		volume,
		localOf(resource.KindLocalVolume, "lvolume", volume, &resource.LocalSpec{Description: "volume at loc"}),
		flavor,
		localOf(resource.KindLocalFlavor, "lflavor", flavor, &resource.LocalSpec{Description: "flavor at loc"}),
		svcTmpl,
		localOf(resource.KindLocalServiceTemplate, "lsvctmpl", svcTmpl, &resource.LocalSpec{Description: "template at loc"}),
		svc,
		localOf(resource.KindLocalServiceInstance, "lsvc", svc, &resource.LocalSpec{Description: "instance at loc"}),
		sg, rule,
		localOf(resource.KindLocalSecurityGroup, "lsg", sg, &resource.LocalSpec{Description: "sg at loc"}),
		left, right,
		localOf(resource.KindLocalNetwork, "lnet", left, &resource.LocalNetwork{Description: "left at loc", CIDR: "10.10.3.0/24"}),
		subnet,
		localOf(resource.KindLocalSubnet, "lsubnet", subnet, &resource.LocalSpec{Description: "subnet at loc"}),
		policy,
		localOf(resource.KindLocalNetworkPolicy, "lpolicy", policy, &resource.LocalSpec{Description: "policy at loc"}),
		group,
		localOf(resource.KindLocalServerGroup, "lgroup", group, &resource.LocalSpec{Description: "spread at loc"}),
		server, deployment,
		localOf(resource.KindLocalServer, "lserver", server, &resource.LocalServer{
			Description: "server at loc", InstanceID: "3f1c-nova", ConsoleURL: "https://nova.example.net/vnc?token=x",
		}),
		metal,
		localOf(resource.KindLocalBaremetalInstance, "lmetal", metal, &resource.LocalServer{
			Description: "metal at loc", InstanceID: "9a2e-nova", ConsoleURL: "https://nova.example.net/vnc?token=y",
		}),
		rt, event, action, hook, watch, alloc, lease,
	}
}
