package resource

// The built-in kinds: every kind of seed 000, server groups (seed 002) and
// bare-metal instances (seed 003), their per-location counterparts, and the
// shared tenant registry.
const (
	KindLocation               Kind = "location"
	KindTenant                 Kind = "tenant"
	KindHeatTemplate           Kind = "heat_template"
	KindHeatInstance           Kind = "heat_instance"
	KindLocalHeatInstance      Kind = "local_heat_instance"
	KindImage                  Kind = "image"
	KindLocalImage             Kind = "local_image"
	KindFlavor                 Kind = "flavor"
	KindLocalFlavor            Kind = "local_flavor"
	KindServiceTemplate        Kind = "service_template"
	KindLocalServiceTemplate   Kind = "local_service_template"
	KindServiceInstance        Kind = "service_instance"
	KindLocalServiceInstance   Kind = "local_service_instance"
	KindSecurityGroup          Kind = "security_group"
	KindSecurityGroupRule      Kind = "security_group_rule"
	KindLocalSecurityGroup     Kind = "local_security_group"
	KindNetwork                Kind = "network"
	KindLocalNetwork           Kind = "local_network"
	KindNetworkPolicy          Kind = "network_policy"
	KindLocalNetworkPolicy     Kind = "local_network_policy"
	KindServer                 Kind = "server"
	KindLocalServer            Kind = "local_server"
	KindIDPool                 Kind = "id_pool"
	KindRouteTargetAssociation Kind = "route_target_association"
	KindEvent                  Kind = "event"
	KindCredential             Kind = "credential"
	KindAction                 Kind = "action"
	KindWebhook                Kind = "webhook"
	KindWatch                  Kind = "watch"
	KindSetting                Kind = "setting"
	KindIDAllocation           Kind = "id_allocation"
	KindLease                  Kind = "lease"
	KindServerGroup            Kind = "server_group"
	KindLocalServerGroup       Kind = "local_server_group"
	KindBaremetalInstance      Kind = "baremetal_instance"
	KindLocalBaremetalInstance Kind = "local_baremetal_instance"
	KindVolume                 Kind = "volume"
	KindLocalVolume            Kind = "local_volume"
	KindSubnet                 Kind = "subnet"
	KindLocalSubnet            Kind = "local_subnet"
	KindDeployment             Kind = "deployment"
)

// global describes a tenant-scoped global kind served under /v1.0/tenant.
func global(k, local Kind, plural string, newSpec func() Spec) KindInfo {
	return KindInfo{
		Kind: k, Singular: string(k), Plural: plural,
		Path: "/v1.0/tenant/" + plural, Scope: ScopeTenant,
		Local: local, New: newSpec,
	}
}

// local describes the per-location counterpart of parent, whose ID it carries
// in parentField.
func local(k, parent Kind, parentField, plural string, newSpec func() Spec) KindInfo {
	return KindInfo{
		Kind: k, Singular: string(k), Plural: plural,
		Path: "/v1.0/tenant/" + plural, Scope: ScopeTenant,
		Parent: parent, ParentField: parentField, Located: true, New: newSpec,
	}
}

func newLocalSpec() Spec { return new(LocalSpec) }

// BuiltinKinds returns the descriptions of the built-in kinds, with paths and
// wrapper names as seed 000 spells them. Irregular spellings are kept
// (service instances are wrapped as "service_instances" even when single;
// local service instances live at /v1.0/tenant/local_service_instance;
// servers at /v1.0/servers) and the regular spellings are accepted as
// aliases.
func BuiltinKinds() []KindInfo {
	kinds := []KindInfo{
		{
			Kind: KindLocation, Singular: "location", Plural: "locations",
			Path: "/v1.0/locations", Scope: ScopeShared,
			New: func() Spec { return new(Location) },
		},
		{
			// Actions, like events, carry their target's tenant.
			Kind: KindAction, Singular: "action", Plural: "actions",
			Path: "/v1.0/actions", Scope: ScopeAdmin, NoName: true,
			New: func() Spec { return new(Action) },
		},
		{
			// Watches, like actions, carry their subject's tenant.
			Kind: KindWatch, Singular: "watch", Plural: "watches",
			Path: "/v1.0/watches", Scope: ScopeAdmin, NoName: true,
			ReadOnly: true,
			New:      func() Spec { return new(Watch) },
		},
		{
			// Webhooks, like actions, carry their subject's tenant.
			Kind: KindWebhook, Singular: "webhook", Plural: "webhooks",
			Path: "/v1.0/webhooks", Scope: ScopeAdmin, NoName: true,
			ReadOnly: true,
			New:      func() Spec { return new(Webhook) },
		},
		{
			Kind: KindCredential, Singular: "credential", Plural: "credentials",
			Path: "/v1.0/admin/credentials", Scope: ScopeAdmin, NoTenant: true,
			New: func() Spec { return new(Credential) },
		},
		{
			Kind: KindTenant, Singular: "tenant", Plural: "tenants",
			Path: "/v1.0/admin/tenants", Scope: ScopeAdmin, NoTenant: true,
			New: func() Spec { return new(Tenant) },
		},
		{
			// A server's own configuration (ESC's), realized nowhere.
			Kind: KindSetting, Singular: "setting", Plural: "settings",
			Path: "/v1.0/admin/settings", Scope: ScopeAdmin, NoTenant: true,
			New: func() Spec { return new(Setting) },
		},
		{
			Kind: KindIDPool, Singular: "id_pool", Plural: "id_pools",
			Path: "/v1.0/admin/id_pools", Scope: ScopeAdmin, NoTenant: true,
			New: func() Spec { return new(IDPool) },
		},
		{
			Kind: KindIDAllocation, Singular: "id_allocation", Plural: "id_allocations",
			Path: "/v1.0/admin/id_allocations", Scope: ScopeAdmin, NoName: true, NoTenant: true,
			ReadOnly: true,
			New:      func() Spec { return new(IDAllocation) },
		},
		{
			// Replicas' claims on the reconciler's work (orca's lease.go).
			Kind: KindLease, Singular: "lease", Plural: "leases",
			Path: "/v1.0/admin/leases", Scope: ScopeAdmin, NoName: true, NoTenant: true, ReadOnly: true,
			New: func() Spec { return new(Lease) },
		},
		{
			Kind: KindRouteTargetAssociation, Singular: "route_target_association", Plural: "route_target_associations",
			Path: "/v1.0/admin/route_target_associations", Scope: ScopeAdmin, NoName: true, NoTenant: true,
			New: func() Spec { return new(RouteTargetAssociation) },
		},
		{
			Kind: KindHeatTemplate, Singular: "heat_template", Plural: "heat_templates",
			Path: "/v1.0/tenant/heat_templates", Scope: ScopeTenant,
			New: func() Spec { return new(HeatTemplate) },
		},
		{
			// Events are written by the orchestrator; their tenant is
			// their subject's, so tenants can read their own.
			Kind: KindEvent, Singular: "event", Plural: "events",
			Path: "/v1.0/events", Scope: ScopeAdmin, NoName: true,
			ReadOnly: true,
			New:      func() Spec { return new(Event) },
		},
		global(KindHeatInstance, KindLocalHeatInstance, "heat_instances", func() Spec { return new(HeatInstance) }),
		local(KindLocalHeatInstance, KindHeatInstance, "heat_instance_id", "local_heat_instances", newLocalSpec),
		global(KindImage, KindLocalImage, "images", func() Spec { return new(Image) }),
		local(KindLocalImage, KindImage, "image_id", "local_images", newLocalSpec),
		global(KindFlavor, KindLocalFlavor, "flavors", func() Spec { return new(Flavor) }),
		local(KindLocalFlavor, KindFlavor, "flavor_id", "local_flavors", newLocalSpec),
		global(KindServiceTemplate, KindLocalServiceTemplate, "service_templates", func() Spec { return new(ServiceTemplate) }),
		local(KindLocalServiceTemplate, KindServiceTemplate, "service_template_id", "local_service_templates", newLocalSpec),
		global(KindSecurityGroup, KindLocalSecurityGroup, "security_groups", func() Spec { return new(SecurityGroup) }),
		local(KindLocalSecurityGroup, KindSecurityGroup, "security_group_id", "local_security_groups", newLocalSpec),
		{
			// Rules have no local kind: they are realized inside each
			// local security group.
			Kind: KindSecurityGroupRule, Singular: "security_group_rule", Plural: "security_group_rules",
			Path: "/v1.0/tenant/security_group_rules", Scope: ScopeTenant,
			Parent: KindSecurityGroup, ParentField: "security_group_id",
			New: func() Spec { return new(SecurityGroupRule) },
		},
		global(KindServerGroup, KindLocalServerGroup, "server_groups", func() Spec { return new(ServerGroup) }),
		local(KindLocalServerGroup, KindServerGroup, "server_group_id", "local_server_groups", newLocalSpec),
		global(KindNetwork, KindLocalNetwork, "networks", func() Spec { return new(Network) }),
		local(KindLocalNetwork, KindNetwork, "network_id", "local_networks", func() Spec { return new(LocalNetwork) }),
		global(KindNetworkPolicy, KindLocalNetworkPolicy, "network_policies", func() Spec { return new(NetworkPolicy) }),
		local(KindLocalNetworkPolicy, KindNetworkPolicy, "network_policy_id", "local_network_policies", newLocalSpec),
		global(KindBaremetalInstance, KindLocalBaremetalInstance, "baremetal_instances", func() Spec { return new(BaremetalInstance) }),
		// A bare-metal copy records its machine as a server copy does.
		local(KindLocalBaremetalInstance, KindBaremetalInstance, "baremetal_instance_id", "local_baremetal_instances", func() Spec { return new(LocalServer) }),
		global(KindVolume, KindLocalVolume, "volumes", func() Spec { return new(Volume) }),
		local(KindLocalVolume, KindVolume, "volume_id", "local_volumes", newLocalSpec),
		global(KindSubnet, KindLocalSubnet, "subnets", func() Spec { return new(Subnet) }),
		local(KindLocalSubnet, KindSubnet, "subnet_id", "local_subnets", newLocalSpec),
	}

	si := global(KindServiceInstance, KindLocalServiceInstance, "service_instances", func() Spec { return new(ServiceInstance) })
	si.Singular, si.SingularAliases = "service_instances", []string{"service_instance"}
	lsi := local(KindLocalServiceInstance, KindServiceInstance, "service_instance_id", "local_service_instance", newLocalSpec)
	lsi.PluralAliases = []string{"local_service_instances"}
	lsi.PathAliases = []string{"/v1.0/tenant/local_service_instances"}

	srv := global(KindServer, KindLocalServer, "servers", func() Spec { return new(Server) })
	srv.Path, srv.PathAliases = "/v1.0/servers", []string{"/v1.0/tenant/servers"}
	lsrv := local(KindLocalServer, KindServer, "server_id", "local_servers", func() Spec { return new(LocalServer) })
	lsrv.Path, lsrv.PathAliases = "/v1.0/local_servers", []string{"/v1.0/tenant/local_servers"}

	// A deployment has no copies of its own: it owns servers and server
	// groups, which have theirs.
	dep := KindInfo{
		Kind: KindDeployment, Singular: "deployment", Plural: "deployments",
		Path: "/v1.0/tenant/deployments", Scope: ScopeTenant, Composite: true, New: func() Spec { return new(Deployment) },
	}

	return append(kinds, si, lsi, srv, lsrv, dep)
}

// NewBuiltinRegistry returns a registry holding BuiltinKinds. Register
// further kinds on it to extend orca.
func NewBuiltinRegistry() *Registry {
	r := NewRegistry()
	for _, k := range BuiltinKinds() {
		if err := r.Register(k); err != nil {
			// The table above is fixed; a test registers it.
			panic("resource: built-in kinds: " + err.Error())
		}
	}
	return r
}
