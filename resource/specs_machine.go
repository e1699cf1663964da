package resource

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// MachineSpec is implemented by kinds that boot a machine in a VIM (servers,
// bare-metal instances). Power, reboot, snapshot, console and recover apply
// to them, and drivers realize them all through Boot.
type MachineSpec interface {
	Spec
	Boot() Boot
}

// Boot is what a VIM needs to start a machine. IDs are orca IDs, resolved
// per location through vim.Object.Deps.
type Boot struct {
	Description       string
	ImageID, FlavorID string
	// NetworkIDs has at least one network, in NIC order (the first is the
	// primary NIC).
	NetworkIDs []string
	// PortTypes is parallel to NetworkIDs; "" is a normal port. It is
	// informational for VIMs that cannot honour it.
	PortTypes       []string
	SecurityGroupID string // optional
	ServerGroupID   string // optional
	// Metadata is user metadata to carry (bare-metal "extra"); its keys
	// never start with MetadataReserved.
	Metadata map[string]string
}

// MetadataReserved prefixes the metadata keys orca itself writes on a VIM's
// machines; user metadata may not use it.
const MetadataReserved = "orca_"

// Nova's metadata limits (its API schema and default metadata_items quota)
// bound the user metadata of every machine, so that any location can hold
// it. The quota counts orca's own keys too: ReservedMetadataItems of it are
// kept for them.
const (
	MaxMetadataItems      = 128
	MaxMetadataLen        = 255
	ReservedMetadataItems = 16
	MaxUserMetadataItems  = MaxMetadataItems - ReservedMetadataItems
)

// MaxNICs bounds a bare-metal instance's networks.
const MaxNICs = 16

// metadataKey is the key pattern Nova's API schema accepts.
var metadataKey = regexp.MustCompile(`^[a-zA-Z0-9-_:. ]{1,255}$`)

// BaremetalInstance is a bare-metal machine (seed 003, Mogan's instances)
// booted at every target location from the image and flavor, with one NIC
// per network. On OpenStack it is a Nova server (Ironic behind Nova's
// bare-metal flavors).
type BaremetalInstance struct {
	Description string `json:"description" orca:"mutable"`
	// FlavorID is Mogan's instance_type_uuid.
	FlavorID string `json:"flavor_id" orca:"ref=flavor,replace"`
	// ImageID is Mogan's image_uuid.
	ImageID string `json:"image_id" orca:"ref=image,replace"`
	// Networks has 1 to MaxNICs entries, no network twice, in NIC order.
	Networks []NetworkPort `json:"networks" orca:"replace"`
	// Extra is Mogan's extra: user metadata carried on the machine.
	Extra map[string]string `json:"extra" orca:"mutable"`
	// UserID is who asked for the instance.
	UserID string `json:"user_id"`
}

// NetworkPort is one NIC of a bare-metal instance.
type NetworkPort struct {
	NetworkID string `json:"network_id"`
	// PortType is Mogan's port_type ("" = normal).
	PortType string `json:"port_type,omitempty"`
}

func (s *BaremetalInstance) Validate() error {
	var p problems
	p.text("description", s.Description, MaxDescriptionLen)
	p.ref("flavor_id", s.FlavorID, true)
	p.ref("image_id", s.ImageID, true)
	switch n := len(s.Networks); {
	case n == 0:
		p.add("networks", "required: at least one network")
	case n > MaxNICs:
		p.add("networks", "%d networks; at most %d", n, MaxNICs)
	}
	seen := map[string]bool{}
	for i, n := range s.Networks {
		field := fmt.Sprintf("networks[%d]", i)
		p.ref(field+".network_id", n.NetworkID, true)
		if seen[n.NetworkID] && n.NetworkID != "" {
			p.add(field+".network_id", "network %q is named twice", n.NetworkID)
		}
		seen[n.NetworkID] = true
		p.text(field+".port_type", n.PortType, MaxIDLen)
	}
	p.metadata("extra", s.Extra)
	p.text("user_id", s.UserID, MaxIDLen)
	return p.err()
}

// metadata checks user metadata against Nova's limits and orca's reserved
// prefix.
func (p *problems) metadata(field string, m map[string]string) {
	if len(m) > MaxUserMetadataItems {
		p.add(field, "%d keys; at most %d", len(m), MaxUserMetadataItems)
	}
	for _, k := range slices.Sorted(maps.Keys(m)) { // sorted: one message for one input
		switch {
		case !metadataKey.MatchString(k):
			p.add(field, "key %q must be 1 to %d characters from [a-zA-Z0-9-_:. ]", k, MaxMetadataLen)
		case strings.HasPrefix(k, MetadataReserved):
			p.add(field, "key %q: keys starting with %q are reserved", k, MetadataReserved)
		}
		p.text(field+"."+k, m[k], MaxMetadataLen)
	}
}

func (s *BaremetalInstance) Dependencies() []Ref {
	out := refs(Ref{KindFlavor, s.FlavorID}, Ref{KindImage, s.ImageID})
	for _, n := range s.Networks {
		out = append(out, refs(Ref{KindNetwork, n.NetworkID})...)
	}
	return out
}

func (s *BaremetalInstance) Boot() Boot {
	b := Boot{Description: s.Description, ImageID: s.ImageID, FlavorID: s.FlavorID, Metadata: maps.Clone(s.Extra)}
	for _, n := range s.Networks {
		b.NetworkIDs = append(b.NetworkIDs, n.NetworkID)
		b.PortTypes = append(b.PortTypes, n.PortType)
	}
	return b
}

func (s *Server) Boot() Boot {
	return Boot{
		Description: s.Description, ImageID: s.ImageID, FlavorID: s.FlavorID,
		NetworkIDs: []string{s.NetworkID}, PortTypes: []string{""},
		SecurityGroupID: s.SecurityGroupID, ServerGroupID: s.ServerGroupID,
	}
}

var (
	_ MachineSpec = (*Server)(nil)
	_ MachineSpec = (*BaremetalInstance)(nil)
)
