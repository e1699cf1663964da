package resource

// Local kinds are the per-location copies of global resources (seed 000's
// local_*). The reconciler creates and writes them; tenants only read them.
// Their metadata carries the location (Resource.Location), the parent
// (Resource.Owner) and the realized state (Resource.Status: status, output,
// task_status); the spec holds only what the seed adds on top.

// LocalSpec is the spec of the local kinds that add nothing but a
// description: local heat instances, images, flavors, service templates,
// service instances, security groups, network policies and volumes.
type LocalSpec struct {
	Description string `json:"description" orca:"mutable"`
}

func (s *LocalSpec) Validate() error {
	var p problems
	p.text("description", s.Description, MaxDescriptionLen)
	return p.err()
}

func (s *LocalSpec) Dependencies() []Ref { return nil }

// LocalNetwork is a network at one location, with its share of the parent's
// address space.
type LocalNetwork struct {
	Description string `json:"description" orca:"mutable"`
	// CIDR is the location's sub-CIDR, carved from the parent network's
	// cidr when the parent sets local_prefix_len.
	CIDR string `json:"cidr" orca:"mutable"`
}

func (s *LocalNetwork) Validate() error {
	var p problems
	p.text("description", s.Description, MaxDescriptionLen)
	p.cidr("cidr", s.CIDR, false)
	return p.err()
}

func (s *LocalNetwork) Dependencies() []Ref { return nil }

// LocalServer is a machine at one location: the copy of a server or of a
// bare-metal instance.
type LocalServer struct {
	Description string `json:"description" orca:"mutable"`
	// InstanceID is the VIM's ID of the machine.
	InstanceID string `json:"instance_id" orca:"mutable"`
	// ConsoleURL links to the machine's console when the VIM offers one.
	ConsoleURL string `json:"console_url" orca:"mutable"`
}

func (s *LocalServer) Validate() error {
	var p problems
	p.text("description", s.Description, MaxDescriptionLen)
	p.text("instance_id", s.InstanceID, MaxIDLen)
	p.webURL("console_url", s.ConsoleURL, false)
	return p.err()
}

func (s *LocalServer) Dependencies() []Ref { return nil }
