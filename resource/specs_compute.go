package resource

import (
	"math"
	"strings"
)

// Image is a Glance image replicated to every target location.
type Image struct {
	Description string `json:"description" orca:"mutable"`
	// URL is where the image data is fetched from, when given.
	URL string `json:"url"`
	// Visibility is "public" (the default) or "private".
	Visibility      string `json:"visibility" orca:"mutable"`
	DiskFormat      string `json:"disk_format"`
	ContainerFormat string `json:"container_format"`
	// MinDisk is the disk space in GB needed to boot the image.
	MinDisk int64 `json:"min_disk" orca:"mutable"`
	// MinRAM is the RAM in MB needed to boot the image.
	MinRAM int64 `json:"min_ram" orca:"mutable"`
	// Protected images cannot be deleted.
	Protected bool `json:"protected" orca:"mutable"`
}

// Glance's accepted formats.
var (
	diskFormats      = []string{"ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop"}
	containerFormats = []string{"ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed"}
)

func (s *Image) Default() {
	if s.Visibility == "" {
		s.Visibility = "public"
	}
}

func (s *Image) Validate() error {
	var p problems
	p.text("description", s.Description, MaxDescriptionLen)
	p.webURL("url", s.URL, false)
	p.oneOf("visibility", s.Visibility, "public", "private")
	p.oneOf("disk_format", s.DiskFormat, diskFormats...)
	p.oneOf("container_format", s.ContainerFormat, containerFormats...)
	p.between("min_disk", s.MinDisk, 0, math.MaxInt32)
	p.between("min_ram", s.MinRAM, 0, math.MaxInt32)
	return p.err()
}

func (s *Image) Dependencies() []Ref { return nil }

// SharedWithAllTenants: public images may be booted by every tenant.
func (s *Image) SharedWithAllTenants() bool { return s.Visibility == "public" }

// Flavor is a Nova flavor. Nova flavors cannot be changed in place, so a
// change of size replaces the flavor.
type Flavor struct {
	Description string `json:"description" orca:"mutable"`
	// RAM in MB.
	RAM int64 `json:"ram" orca:"replace"`
	// VCPUs is the number of virtual CPUs.
	VCPUs int64 `json:"vcpus" orca:"replace"`
	// Disk is the root disk size in GB.
	Disk int64 `json:"disk" orca:"replace"`
	// Swap is the swap disk size (GB, as the seed says).
	Swap int64 `json:"swap" orca:"replace"`
	// Ephemeral is the ephemeral disk size in GB.
	Ephemeral int64 `json:"ephemeral" orca:"replace"`
}

func (s *Flavor) Validate() error {
	var p problems
	p.text("description", s.Description, MaxDescriptionLen)
	p.between("ram", s.RAM, 1, math.MaxInt32)
	p.between("vcpus", s.VCPUs, 1, math.MaxInt32)
	p.between("disk", s.Disk, 0, math.MaxInt32)
	p.between("swap", s.Swap, 0, math.MaxInt32)
	p.between("ephemeral", s.Ephemeral, 0, math.MaxInt32)
	return p.err()
}

func (s *Flavor) Dependencies() []Ref { return nil }

// SharedWithAllTenants: flavors are sizes, public as in Nova's default, so
// one created by an administrator serves every tenant.
func (s *Flavor) SharedWithAllTenants() bool { return true }

// Server is a Nova server booted at every target location from the image and
// flavor, attached to the network (seed 000 marks it experimental), or to
// each network of NICs, in order.
type Server struct {
	Description string `json:"description" orca:"mutable"`
	ImageID     string `json:"image_id" orca:"ref=image,replace"`
	// NetworkID is the primary NIC's network. With NICs it is
	// NICs[0].NetworkID (Default fills it in), so seed 000's wire keeps
	// showing it.
	NetworkID string `json:"network_id" orca:"ref=network,replace"`
	// NICs, when set, lists 1 to MaxNICs NICs in order, the first being
	// the primary one. A change replaces the server (Nova could attach
	// and detach interfaces, but a VNF sees its NICs only at boot).
	NICs            []NIC  `json:"nics,omitempty" orca:"replace"`
	SecurityGroupID string `json:"security_group_id" orca:"ref=security_group,mutable"`
	FlavorID        string `json:"flavor_id" orca:"ref=flavor,replace"`
	// ServerGroupID optionally places the server in a server group (seed
	// 002 lists a group's servers by it). Nova cannot move a server
	// between groups, so a change replaces it.
	ServerGroupID string `json:"server_group_id" orca:"ref=server_group,replace,index"`
	// UserData is the day-0 configuration handed to the machine (Nova's
	// user_data, read by cloud-init or the VNF). It often holds
	// credentials, so it is never rendered back, as Nova never shows it
	// to users. It only acts at boot: a change replaces the server.
	UserData string `json:"user_data,omitempty" orca:"replace,secret"`
	// ConfigFiles are files put on the machine's config drive at boot
	// (ESC's config_data); secret and replaced as UserData.
	ConfigFiles []ConfigFile `json:"config_files,omitempty" orca:"replace,secret"`
	// AvailabilityZone places the server: Nova's "zone", or "zone:host"
	// for one host of it. Empty lets the VIM choose.
	AvailabilityZone string `json:"availability_zone,omitempty" orca:"replace"`
	// VolumeIDs are orca volumes attached at boot, in order: the first is
	// the machine's first disk after its root disk. At most
	// MaxServerVolumes, none twice, each in the server's tenant. A change
	// replaces the server, as one of its NICs does: the VIM attaches them
	// in the boot request itself, and a VNF sees its disks at boot.
	VolumeIDs []string `json:"volume_ids,omitempty" orca:"replace"`
}

// NIC is one network interface of a server.
type NIC struct {
	// NetworkID is the orca network the NIC is on.
	NetworkID string `json:"network_id"`
	// FixedIP, when set, is the NIC's address on that network.
	FixedIP string `json:"fixed_ip,omitempty"`
}

// ConfigFile is a file of a machine's config drive.
type ConfigFile struct {
	// Path is absolute and clean ("/day0-config").
	Path     string `json:"path"`
	Contents string `json:"contents"`
}

// Default fills NetworkID from the first NIC.
func (s *Server) Default() {
	if s.NetworkID == "" && len(s.NICs) > 0 {
		s.NetworkID = s.NICs[0].NetworkID
	}
}

func (s *Server) Validate() error {
	var p problems
	p.text("description", s.Description, MaxDescriptionLen)
	p.ref("image_id", s.ImageID, true)
	switch {
	case len(s.NICs) == 0:
		p.ref("network_id", s.NetworkID, true)
	case s.NetworkID != "" && s.NetworkID != s.NICs[0].NetworkID:
		p.add("network_id", "%q is not the first NIC's network %q; leave it out with nics", s.NetworkID, s.NICs[0].NetworkID)
	}
	p.nics("nics", s.NICs)
	p.ref("security_group_id", s.SecurityGroupID, false)
	p.ref("flavor_id", s.FlavorID, true)
	p.ref("server_group_id", s.ServerGroupID, false)
	p.userData("user_data", s.UserData)
	p.configFiles("config_files", s.ConfigFiles)
	p.availabilityZone("availability_zone", s.AvailabilityZone)
	p.volumeIDs("volume_ids", s.VolumeIDs)
	return p.err()
}

func (s *Server) Dependencies() []Ref {
	out := refs(
		Ref{KindImage, s.ImageID},
		Ref{KindNetwork, s.NetworkID},
		Ref{KindSecurityGroup, s.SecurityGroupID},
		Ref{KindFlavor, s.FlavorID},
		Ref{KindServerGroup, s.ServerGroupID},
	)
	for _, n := range s.NICs {
		out = append(out, refs(Ref{KindNetwork, n.NetworkID})...)
	}
	for _, v := range s.VolumeIDs {
		out = append(out, refs(Ref{KindVolume, v})...)
	}
	return out
}

// MaxTemplateLen is Heat's default max_template_size.
const MaxTemplateLen = 512 << 10

// HeatTemplate is a Heat orchestration template (HOT YAML or JSON). It is an
// input of heat instances and has no per-location copy.
type HeatTemplate struct {
	Description string `json:"description" orca:"mutable"`
	Template    string `json:"template" orca:"mutable"`
}

func (s *HeatTemplate) Validate() error {
	var p problems
	p.text("description", s.Description, MaxDescriptionLen)
	switch {
	case strings.TrimSpace(s.Template) == "":
		p.add("template", "required")
	case len(s.Template) > MaxTemplateLen:
		p.add("template", "longer than %d bytes", MaxTemplateLen)
	case !strings.Contains(s.Template, "heat_template_version") && !strings.Contains(s.Template, "AWSTemplateFormatVersion"):
		// Heat refuses a template without its version key; say so now
		// rather than after a round trip to every location.
		p.add("template", "not a Heat template: heat_template_version is missing")
	}
	return p.err()
}

func (s *HeatTemplate) Dependencies() []Ref { return nil }

// HeatInstance is a Heat stack created from a template at every target
// location. Changing the template or parameters updates the stacks.
type HeatInstance struct {
	Description    string         `json:"description" orca:"mutable"`
	HeatTemplateID string         `json:"heat_template_id" orca:"ref=heat_template,mutable"`
	Parameters     map[string]any `json:"parameters" orca:"mutable"`
}

func (s *HeatInstance) Validate() error {
	var p problems
	p.text("description", s.Description, MaxDescriptionLen)
	p.ref("heat_template_id", s.HeatTemplateID, true)
	for k := range s.Parameters {
		if k == "" || len(k) > MaxIDLen {
			p.add("parameters", "parameter names must have 1 to %d characters", MaxIDLen)
			break
		}
	}
	return p.err()
}

func (s *HeatInstance) Dependencies() []Ref {
	return refs(Ref{KindHeatTemplate, s.HeatTemplateID})
}

// refs returns the given references without those whose ID is empty
// (optional references that are not set).
func refs(rs ...Ref) []Ref {
	out := rs[:0]
	for _, r := range rs {
		if r.ID != "" {
			out = append(out, r)
		}
	}
	return out
}

// ServerGroupPolicies are Nova's server group policies (seed 002).
var ServerGroupPolicies = []string{"affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity"}

// ServerGroup places servers on the same or on different hosts at every
// target location (seed 002, Waldur's OpenStack server groups). A policy
// cannot change in place.
type ServerGroup struct {
	Description string `json:"description" orca:"mutable"`
	// Policy is affinity, anti-affinity, soft-affinity or
	// soft-anti-affinity.
	Policy string `json:"policy" orca:"replace"`
}

func (s *ServerGroup) Validate() error {
	var p problems
	p.text("description", s.Description, MaxDescriptionLen)
	p.oneOf("policy", s.Policy, ServerGroupPolicies...)
	return p.err()
}

func (s *ServerGroup) Dependencies() []Ref { return nil }
