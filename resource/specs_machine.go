package resource

import (
	"encoding/base64"
	"fmt"
	"maps"
	"net/netip"
	"path"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
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
	// FixedIPs is nil or parallel to NetworkIDs: each NIC's requested
	// address, "" for one the VIM picks.
	FixedIPs []string
	// UserData and ConfigFiles are the day-0 configuration (optional).
	UserData    string
	ConfigFiles []ConfigFile
	// AvailabilityZone is "", "zone" or "zone:host".
	AvailabilityZone string
	// VolumeIDs are the volumes to attach at boot, in disk order after
	// the root disk (optional).
	VolumeIDs []string
}

// Day-0 bounds, Nova's: user_data is at most 65535 bytes once base64
// encoded, and its default quotas allow 5 injected files of 10 KiB with
// paths of 255 bytes, so that every location can take what orca accepts.
const (
	MaxUserDataBase64    = 65535
	MaxConfigFiles       = 5
	MaxConfigFileLen     = 10240
	MaxConfigFilePathLen = 255
	MaxAvailabilityZone  = 255
)

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

// MaxNICs bounds a machine's NICs (a bare-metal instance's networks, a
// server's nics).
const MaxNICs = 16

// MaxServerVolumes bounds the volumes a server boots with: a VNF's disks,
// few enough that every hypervisor bus has a device name for each.
const MaxServerVolumes = 16

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
	b := Boot{
		Description: s.Description, ImageID: s.ImageID, FlavorID: s.FlavorID,
		NetworkIDs: []string{s.NetworkID}, PortTypes: []string{""},
		SecurityGroupID: s.SecurityGroupID, ServerGroupID: s.ServerGroupID,
		UserData: s.UserData, ConfigFiles: slices.Clone(s.ConfigFiles), AvailabilityZone: s.AvailabilityZone,
		VolumeIDs: slices.Clone(s.VolumeIDs),
	}
	if len(s.NICs) > 0 {
		b.NetworkIDs, b.PortTypes = nil, nil
		fixed := false
		for _, n := range s.NICs {
			b.NetworkIDs = append(b.NetworkIDs, n.NetworkID)
			b.PortTypes = append(b.PortTypes, "")
			b.FixedIPs = append(b.FixedIPs, n.FixedIP)
			fixed = fixed || n.FixedIP != ""
		}
		if !fixed {
			b.FixedIPs = nil // as a server without NICs: nothing to ask for
		}
	}
	return b
}

// nics checks a server's NICs: at most MaxNICs, each on a network, fixed
// IPs that are addresses and not named twice. A network may carry several
// NICs, as Nova allows.
func (p *problems) nics(field string, nics []NIC) {
	if len(nics) > MaxNICs {
		p.add(field, "%d NICs; at most %d", len(nics), MaxNICs)
	}
	seen := map[netip.Addr]int{}
	for i, n := range nics {
		f := fmt.Sprintf("%s[%d]", field, i)
		p.ref(f+".network_id", n.NetworkID, true)
		if n.FixedIP == "" {
			continue
		}
		a, err := netip.ParseAddr(n.FixedIP)
		switch {
		case err != nil || a.Zone() != "":
			p.add(f+".fixed_ip", "%q is not an IP address", n.FixedIP)
			continue
		case a.String() != n.FixedIP:
			p.add(f+".fixed_ip", "write %q as %q", n.FixedIP, a.String())
		case a.IsUnspecified() || a.IsMulticast() || a.IsLoopback():
			p.add(f+".fixed_ip", "%s cannot be a NIC's address", n.FixedIP)
		}
		if j, dup := seen[a]; dup {
			p.add(f+".fixed_ip", "%s is already the address of %s[%d]", n.FixedIP, field, j)
		}
		seen[a] = i
	}
}

// volumeIDs checks a server's volumes: at most MaxServerVolumes, each a
// reference, none twice (a volume attaches to one machine once).
func (p *problems) volumeIDs(field string, ids []string) {
	if len(ids) > MaxServerVolumes {
		p.add(field, "%d volumes; at most %d", len(ids), MaxServerVolumes)
	}
	seen := map[string]int{}
	for i, id := range ids {
		f := fmt.Sprintf("%s[%d]", field, i)
		p.ref(f, id, true)
		if j, dup := seen[id]; dup && id != "" {
			p.add(f, "volume %q is already %s[%d]", id, field, j)
		}
		seen[id] = i
	}
}

// userData bounds day-0 user data as Nova does (after base64).
func (p *problems) userData(field, v string) {
	switch {
	case base64.StdEncoding.EncodedLen(len(v)) > MaxUserDataBase64:
		p.add(field, "%d bytes; at most %d once base64 encoded (about 48 KiB)", len(v), MaxUserDataBase64)
	case !utf8.ValidString(v):
		p.add(field, "not valid UTF-8")
	}
}

// configFiles checks config-drive files: bounded, absolute clean paths,
// each path once.
func (p *problems) configFiles(field string, files []ConfigFile) {
	if len(files) > MaxConfigFiles {
		p.add(field, "%d files; at most %d", len(files), MaxConfigFiles)
	}
	seen := map[string]int{}
	for i, cf := range files {
		f := fmt.Sprintf("%s[%d]", field, i)
		switch {
		case cf.Path == "":
			p.add(f+".path", "required")
		case len(cf.Path) > MaxConfigFilePathLen:
			p.add(f+".path", "longer than %d bytes", MaxConfigFilePathLen)
		case !path.IsAbs(cf.Path) || path.Clean(cf.Path) != cf.Path || cf.Path == "/":
			p.add(f+".path", "%q is not an absolute, clean file path (like /day0-config)", cf.Path)
		default:
			p.text(f+".path", cf.Path, MaxConfigFilePathLen)
		}
		if j, dup := seen[cf.Path]; dup && cf.Path != "" {
			p.add(f+".path", "%q is already the path of %s[%d]", cf.Path, field, j)
		}
		seen[cf.Path] = i
		switch {
		case len(cf.Contents) > MaxConfigFileLen:
			p.add(f+".contents", "%d bytes; at most %d", len(cf.Contents), MaxConfigFileLen)
		case !utf8.ValidString(cf.Contents):
			p.add(f+".contents", "not valid UTF-8")
		}
	}
}

// availabilityZone checks Nova's "zone" or "zone:host" (an empty zone with
// a host, ":host", is Nova's "any zone, this host").
func (p *problems) availabilityZone(field, v string) {
	if v == "" {
		return
	}
	p.text(field, v, MaxAvailabilityZone)
	zone, host, hasHost := strings.Cut(v, ":")
	switch {
	case hasHost && host == "":
		p.add(field, "%q names no host after the colon", v)
	case hasHost && strings.Contains(host, ":"):
		p.add(field, "%q: give \"zone\" or \"zone:host\"", v)
	case !hasHost && strings.TrimSpace(zone) == "":
		p.add(field, "blank")
	}
}

var (
	_ MachineSpec = (*Server)(nil)
	_ MachineSpec = (*BaremetalInstance)(nil)
)
