package resource

// Field tags used below (read by Registry.Register):
//
//	orca:"mutable"     the field may change after creation
//	orca:"replace"     the field may change, but the VIM object is replaced
//	orca:"ref=KIND"    the field holds the ID of a resource of KIND
//	orca:"index"       stores index the field for equality filters
//	orca:"secret"      the HTTP layers never render the field
//
// Untagged fields are immutable: changing them is Invalid.

// Location is a site (seed 000: a datacenter) with the VIM endpoints that
// serve it. Its drivers are built from these endpoints by a driver factory.
type Location struct {
	Description string `json:"description" orca:"mutable"`
	// KeystoneEndpoint is the OpenStack identity URL of the site.
	KeystoneEndpoint string `json:"keystone_endpoint" orca:"mutable"`
	// ContrailEndpoint is the Contrail config API URL of the site.
	ContrailEndpoint string `json:"contrail_endpoint" orca:"mutable"`
	WebUI            string `json:"webui" orca:"mutable"`
	ContrailWebUI    string `json:"contrail_webui" orca:"mutable"`
	Region           string `json:"region" orca:"mutable"`
	Address          string `json:"address" orca:"mutable"`
	// CredentialID names the credential the location's drivers log in
	// with (an orca extension of seed 000's location).
	CredentialID string `json:"credential_id" orca:"ref=credential,mutable"`
}

func (s *Location) Validate() error {
	var p problems
	p.text("description", s.Description, MaxDescriptionLen)
	if s.KeystoneEndpoint == "" && s.ContrailEndpoint == "" {
		p.add("keystone_endpoint", "a location needs keystone_endpoint or contrail_endpoint")
	}
	p.endpoint("keystone_endpoint", s.KeystoneEndpoint, false)
	p.endpoint("contrail_endpoint", s.ContrailEndpoint, false)
	p.webURL("webui", s.WebUI, false)
	p.webURL("contrail_webui", s.ContrailWebUI, false)
	p.text("region", s.Region, MaxIDLen)
	p.text("address", s.Address, MaxIDLen)
	p.ref("credential_id", s.CredentialID, false)
	return p.err()
}

func (s *Location) Dependencies() []Ref { return refs(Ref{KindCredential, s.CredentialID}) }

// MaxSealedLen bounds a sealed credential.
const MaxSealedLen = 64 << 10

// Credential holds a location's VIM credentials, sealed (encrypted and
// authenticated) under a key that is never in the store. Only the
// orchestrator seals and opens it; nothing renders it.
type Credential struct {
	Sealed []byte `json:"sealed" orca:"mutable,secret"`
	// KeyID names the key that sealed it, to tell what a key rotation
	// has left to re-seal.
	KeyID string `json:"key_id" orca:"mutable"`
}

func (s *Credential) Validate() error {
	var p problems
	switch {
	case len(s.Sealed) == 0:
		p.add("sealed", "required")
	case len(s.Sealed) > MaxSealedLen:
		p.add("sealed", "longer than %d bytes", MaxSealedLen)
	}
	p.text("key_id", s.KeyID, MaxIDLen)
	return p.err()
}

func (s *Credential) Dependencies() []Ref { return nil }

// Tenant is a project that owns resources: the one registry that identity,
// the Trema API (seed 001) and the ESC API (seed 004) share. The tenant's ID
// is the value of other resources' tenant_id.
type Tenant struct {
	Description string `json:"description" orca:"mutable"`
}

func (s *Tenant) Validate() error {
	var p problems
	p.text("description", s.Description, MaxDescriptionLen)
	return p.err()
}

func (s *Tenant) Dependencies() []Ref { return nil }

// IDPool is a range of integers [start, end] from which unique identifiers
// (Contrail IDs, route targets) are allocated. Its range may change (seed
// 000 lets it): only later allocations follow it, and values already
// allocated stay recorded, so none is handed out twice.
type IDPool struct {
	Start    *int64 `json:"start" orca:"mutable"`
	End      *int64 `json:"end" orca:"mutable"`
	Assigned bool   `json:"assigned" orca:"mutable"`
}

func (s *IDPool) Validate() error {
	var p problems
	if s.Start == nil {
		p.add("start", "required")
	} else if *s.Start < 0 {
		p.add("start", "must not be negative")
	}
	if s.End == nil {
		p.add("end", "required")
	} else if s.Start != nil && *s.End < *s.Start {
		p.add("end", "%d is below start %d", *s.End, *s.Start)
	}
	return p.err()
}

func (s *IDPool) Dependencies() []Ref { return nil }

// MaxRouteTarget is the largest route-target number (32 bits, as in
// target:<2-byte ASN>:<number>).
const MaxRouteTarget = 1<<32 - 1

// RouteTargetAssociation links a route target to a network.
type RouteTargetAssociation struct {
	// NetworkID may change (seed 000 lets it): the route target is a part
	// of its network's VIM object, so the old network's copies drop it
	// and the new one's take it, both in place.
	NetworkID string `json:"network_id" orca:"ref=network,index,mutable"`
	// RouteTarget is the route-target number; 0 asks for one to be
	// allocated from an id pool. It may change (seed 000 lets it): the
	// network's copies then carry the new number, which Contrail takes in
	// place, and the pool's allocation moves with it.
	RouteTarget int64 `json:"route_target" orca:"mutable"`
}

func (s *RouteTargetAssociation) Validate() error {
	var p problems
	p.ref("network_id", s.NetworkID, true)
	p.between("route_target", s.RouteTarget, 0, MaxRouteTarget)
	return p.err()
}

func (s *RouteTargetAssociation) Dependencies() []Ref {
	return []Ref{{KindNetwork, s.NetworkID}}
}

// IDAllocation records that Value of an id pool is taken, and by whom. Its
// ID is "<pool ID>.<value>", so the store's unique IDs make a double
// allocation impossible. The orchestrator writes and removes allocations.
type IDAllocation struct {
	PoolID     string `json:"pool_id" orca:"ref=id_pool"`
	Value      int64  `json:"value"`
	HolderKind Kind   `json:"holder_kind"`
	HolderID   string `json:"holder_id" orca:"index"`
}

func (s *IDAllocation) Validate() error {
	var p problems
	p.ref("pool_id", s.PoolID, true)
	if err := checkKindName(s.HolderKind); err != nil {
		p.add("holder_kind", "%v", err)
	}
	p.ref("holder_id", s.HolderID, true)
	return p.err()
}

func (s *IDAllocation) Dependencies() []Ref { return refs(Ref{KindIDPool, s.PoolID}) }
