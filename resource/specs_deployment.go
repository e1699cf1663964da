package resource

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strings"
)

// Deployment is a VNF deployment (seed 004, ESC's deployments): groups of
// identical VMs, each group booted from one image and flavor with the same
// NICs and day-0 configuration, scaled between a minimum and a maximum,
// optionally kept together or apart, and recovered when a VM fails. The
// orchestrator expands it into servers and server groups labelled as its
// members, so each VM is a server like any other.
type Deployment struct {
	Description string `json:"description" orca:"mutable"`
	// Groups are the VM groups, by unique name. Adding, removing or
	// resizing a group updates the deployment in place.
	Groups []VMGroup `json:"vm_groups" orca:"mutable"`
	// Day0 is the day-0 configuration of the groups that have one. Like a
	// server's user data it is never rendered back.
	Day0 []GroupDay0 `json:"day0,omitempty" orca:"mutable,secret"`
	// Networks are made for the deployment and go with it; VM groups name
	// them by name (GroupNIC.Network).
	Networks []DeploymentNetwork `json:"networks,omitempty" orca:"mutable"`
	// Unmonitored lists VMs (their servers' IDs) of monitored groups left
	// alone: not watched, not recovered.
	Unmonitored []string `json:"unmonitored,omitempty" orca:"mutable"`
	// PlacementGroups place VM groups together or apart from each other:
	// the VMs of every group listed share one server group of the policy.
	PlacementGroups []PlacementGroup `json:"placement_groups,omitempty" orca:"mutable"`
	// Document is the request that described the deployment, in its
	// client's own form, kept for the API that took it (ESC's
	// /deployments/config); orca does not read it. It may hold day-0
	// data, so the generic API does not render it either.
	Document string `json:"document,omitempty" orca:"mutable,secret"`
}

// VMGroup is a set of identical VMs of a deployment.
type VMGroup struct {
	Name     string `json:"name"`
	ImageID  string `json:"image_id"`
	FlavorID string `json:"flavor_id"`
	// NICs are the group's interfaces in NIC order.
	NICs []GroupNIC `json:"nics"`
	// Count VMs run, MinCount ≤ Count ≤ MaxCount.
	Count    int64 `json:"count"`
	MinCount int64 `json:"min_count"`
	MaxCount int64 `json:"max_count"`
	// Policy places the group's VMs: "" (anywhere) or a server-group
	// policy (ServerGroupPolicies).
	Policy string `json:"policy,omitempty"`
	// AvailabilityZone pins the group: "zone" or "zone:host".
	AvailabilityZone string `json:"availability_zone,omitempty"`
	// Monitored groups have failed VMs recovered (redeployed) up to
	// RecoveryMax times each, RecoveryWaitSeconds after the failure.
	Monitored           bool  `json:"monitored"`
	RecoveryMax         int64 `json:"recovery_max"`
	RecoveryWaitSeconds int64 `json:"recovery_wait_seconds"`
	// Elastic groups grow and shrink by one VM between MinCount and
	// MaxCount when one of their ScaleRules holds for the mean of its
	// metric over the group's running VMs (the VIM must report metrics:
	// vim.MetricReader). orca then writes Count.
	Elastic    bool        `json:"elastic,omitempty"`
	ScaleRules []ScaleRule `json:"scale_rules,omitempty"`
	// BootSeconds is how long a VM may take to come up (informational:
	// the VIM's own state says when it is up).
	BootSeconds int64 `json:"boot_seconds"`
	// Volumes are the disks of each VM: every VM gets a volume of its
	// own per entry, attached at boot in this order (the first is the
	// first disk after the root).
	Volumes []GroupVolume `json:"volumes,omitempty"`
}

// GroupVolume is a disk of a group's VMs, one volume per VM.
type GroupVolume struct {
	// Name is unique within the group.
	Name string `json:"name"`
	// SizeGB, VolumeType and Bus are as a volume's (resource.Volume);
	// Bus "" is virtio.
	SizeGB     int64  `json:"size_gb"`
	VolumeType string `json:"volume_type,omitempty"`
	Bus        string `json:"bus,omitempty"`
}

// ScaleRule grows (scale_out) or shrinks (scale_in) an elastic group when
// the mean of Metric over its VMs compares to Threshold as Cond says (GT,
// GE, LT, LE).
type ScaleRule struct {
	Metric    string  `json:"metric"`
	Cond      string  `json:"cond"`
	Threshold float64 `json:"threshold"`
	Action    string  `json:"action"`
}

// Scale rule words.
const (
	ScaleOut = "scale_out"
	ScaleIn  = "scale_in"
)

// maxScaleRules bounds a group's rules.
const maxScaleRules = 8

// Holds reports whether the rule holds for a value.
func (r ScaleRule) Holds(v float64) bool {
	switch r.Cond {
	case "GT":
		return v > r.Threshold
	case "GE":
		return v >= r.Threshold
	case "LT":
		return v < r.Threshold
	case "LE":
		return v <= r.Threshold
	}
	return false
}

// DeploymentNetwork is a network a deployment makes for its VMs, with its
// subnets.
type DeploymentNetwork struct {
	Name    string             `json:"name"`
	Subnets []DeploymentSubnet `json:"subnets,omitempty"`
}

// DeploymentSubnet is a subnet of a deployment's network (as Subnet).
type DeploymentSubnet struct {
	Name       string `json:"name"`
	CIDR       string `json:"cidr"`
	GatewayIP  string `json:"gateway_ip,omitempty"`
	NoGateway  bool   `json:"no_gateway,omitempty"`
	EnableDHCP *bool  `json:"enable_dhcp,omitempty"`
}

// maxDeploymentNetworks bounds a deployment's own networks and each one's
// subnets.
const maxDeploymentNetworks = 16

// PlacementGroup is a server group policy over several VM groups (ESC's
// placement_group): a group in one has no policy of its own and is in no
// other.
type PlacementGroup struct {
	Name   string   `json:"name"`
	Policy string   `json:"policy"`
	Groups []string `json:"vm_groups"`
}

// GroupNIC is one interface of a group's VMs. IPs, when given, are fixed
// addresses handed out to the group's VMs in order (VM i gets IPs[i]), so
// the group cannot grow past them.
type GroupNIC struct {
	// NetworkID is an orca network; Network, instead, names one of the
	// deployment's own.
	NetworkID string   `json:"network_id,omitempty"`
	Network   string   `json:"network,omitempty"`
	IPs       []string `json:"ips,omitempty"`
}

// GroupDay0 is the day-0 configuration of every VM of the named group.
type GroupDay0 struct {
	Group    string       `json:"group"`
	UserData string       `json:"user_data,omitempty"`
	Files    []ConfigFile `json:"files,omitempty"`
}

// Bounds of a deployment.
const (
	MaxVMGroups = 32
	// MaxDeploymentVMs bounds the sum of the groups' MaxCount: a
	// deployment is a VNF, not a fleet, and what reports its progress
	// keeps a few entries per VM.
	MaxDeploymentVMs   = 64
	MaxVMsPerGroup     = MaxDeploymentVMs
	MaxVMGroupName     = 64
	MaxDocumentLen     = 512 << 10
	MaxRecoveries      = 100
	MaxDeploymentWait  = 7 * 24 * 3600 // seconds
	maxDeploymentIPs   = MaxVMsPerGroup
	maxDeploymentNotes = 4096
)

// MaxDeploymentVolumes bounds the volumes a deployment's VMs have in all,
// counted at the groups' MaxCount.
const MaxDeploymentVolumes = 128

func (s *Deployment) Validate() error {
	var p problems
	p.text("description", s.Description, maxDeploymentNotes)
	if len(s.Document) > MaxDocumentLen {
		p.add("document", "longer than %d bytes", MaxDocumentLen)
	}
	switch {
	case len(s.Groups) == 0:
		p.add("vm_groups", "a deployment needs at least one VM group")
	case len(s.Groups) > MaxVMGroups:
		p.add("vm_groups", "%d VM groups; at most %d", len(s.Groups), MaxVMGroups)
	}
	nets := map[string]bool{}
	if len(s.Networks) > maxDeploymentNetworks {
		p.add("networks", "%d networks; at most %d", len(s.Networks), maxDeploymentNetworks)
	}
	for i, n := range s.Networks {
		f := fmt.Sprintf("networks[%d]", i)
		if n.Name == "" || len(n.Name) > MaxVMGroupName || nets[n.Name] {
			p.add(f+".name", "a deployment's network needs a name of 1 to %d bytes, unique in it", MaxVMGroupName)
		}
		nets[n.Name] = true
		if len(n.Subnets) > maxDeploymentNetworks {
			p.add(f+".subnets", "%d subnets; at most %d", len(n.Subnets), maxDeploymentNetworks)
		}
		subs := map[string]bool{}
		for j, sub := range n.Subnets {
			sf := fmt.Sprintf("%s.subnets[%d]", f, j)
			if sub.Name == "" || len(sub.Name) > MaxVMGroupName || subs[sub.Name] {
				p.add(sf+".name", "a subnet needs a name of 1 to %d bytes, unique in its network", MaxVMGroupName)
			}
			subs[sub.Name] = true
			spec := Subnet{NetworkID: "x", CIDR: sub.CIDR, GatewayIP: sub.GatewayIP, NoGateway: sub.NoGateway, EnableDHCP: sub.EnableDHCP}
			if err := spec.Validate(); err != nil {
				var re *Error
				if errors.As(err, &re) {
					p.add(sf+"."+re.Field, "%v", re.Err)
				} else {
					p.add(sf, "%v", err)
				}
			}
		}
	}
	names := map[string]bool{}
	var vms, volumes int64
	for _, g := range s.Groups {
		vms += max(g.MaxCount, 0)
		// Clamped (each bound is checked per group too), so no product
		// overflows.
		volumes += min(max(g.MaxCount, 0), MaxVMsPerGroup+1) * int64(min(len(g.Volumes), MaxServerVolumes+1))
	}
	if vms > MaxDeploymentVMs {
		p.add("vm_groups", "%d VMs at most in all; at most %d", vms, MaxDeploymentVMs)
	}
	if volumes > MaxDeploymentVolumes {
		p.add("vm_groups", "%d volumes at most in all (each VM has its group's); at most %d", volumes, MaxDeploymentVolumes)
	}
	for i, g := range s.Groups {
		f := fmt.Sprintf("vm_groups[%d]", i)
		if names[g.Name] {
			p.add(f+".name", "VM group %q appears twice", g.Name)
		}
		names[g.Name] = true
		g.validate(&p, f)
		for j, n := range g.NICs {
			if n.Network != "" && !nets[n.Network] {
				p.add(fmt.Sprintf("%s.nics[%d].network", f, j), "the deployment has no network %q", n.Network)
			}
		}
	}
	if len(s.Unmonitored) > MaxDeploymentVMs {
		p.add("unmonitored", "%d VMs; at most %d", len(s.Unmonitored), MaxDeploymentVMs)
	}
	for _, id := range s.Unmonitored {
		p.ref("unmonitored", id, true)
	}
	placed := map[string]bool{}
	pgNames := map[string]bool{}
	if len(s.PlacementGroups) > MaxVMGroups {
		p.add("placement_groups", "%d placement groups; at most %d", len(s.PlacementGroups), MaxVMGroups)
	}
	for i, pg := range s.PlacementGroups {
		f := fmt.Sprintf("placement_groups[%d]", i)
		if pg.Name == "" || len(pg.Name) > MaxVMGroupName || pgNames[pg.Name] {
			p.add(f+".name", "a placement group needs a name of 1 to %d bytes, unique in the deployment", MaxVMGroupName)
		}
		pgNames[pg.Name] = true
		p.oneOf(f+".policy", pg.Policy, ServerGroupPolicies...)
		if len(pg.Groups) < 2 || len(pg.Groups) > MaxVMGroups {
			p.add(f+".vm_groups", "a placement group names 2 to %d VM groups", MaxVMGroups)
		}
		for _, name := range pg.Groups {
			switch {
			case !names[name]:
				p.add(f+".vm_groups", "no VM group is named %q", name)
			case placed[name]:
				p.add(f+".vm_groups", "VM group %q is in two placement groups", name)
			case s.group(name).Policy != "":
				p.add(f+".vm_groups", "VM group %q has a placement of its own", name)
			}
			placed[name] = true
		}
	}
	seen := map[string]bool{}
	for i, d := range s.Day0 {
		f := fmt.Sprintf("day0[%d]", i)
		switch {
		case !names[d.Group]:
			p.add(f+".group", "no VM group is named %q", d.Group)
		case seen[d.Group]:
			p.add(f+".group", "VM group %q has two day-0 entries", d.Group)
		}
		seen[d.Group] = true
		p.userData(f+".user_data", d.UserData)
		p.configFiles(f+".files", d.Files)
	}
	return p.err()
}

func (g *VMGroup) validate(p *problems, f string) {
	if g.Name == "" || len(g.Name) > MaxVMGroupName {
		p.add(f+".name", "a VM group's name has 1 to %d bytes", MaxVMGroupName)
	} else {
		p.text(f+".name", g.Name, MaxVMGroupName)
	}
	p.ref(f+".image_id", g.ImageID, true)
	p.ref(f+".flavor_id", g.FlavorID, true)
	switch {
	case len(g.NICs) == 0:
		p.add(f+".nics", "a VM group needs at least one interface")
	case len(g.NICs) > MaxNICs:
		p.add(f+".nics", "%d interfaces; at most %d", len(g.NICs), MaxNICs)
	}
	p.between(f+".min_count", g.MinCount, 0, MaxVMsPerGroup)
	p.between(f+".max_count", g.MaxCount, max(g.MinCount, 1), MaxVMsPerGroup)
	p.between(f+".count", g.Count, g.MinCount, max(g.MaxCount, g.MinCount))
	ips := map[netip.Addr]bool{}
	for j, n := range g.NICs {
		nf := fmt.Sprintf("%s.nics[%d]", f, j)
		if (n.NetworkID == "") == (n.Network == "") {
			p.add(nf, "give network_id (an orca network) or network (one of the deployment's), not both")
		} else if n.NetworkID != "" {
			p.ref(nf+".network_id", n.NetworkID, true)
		}
		switch {
		case len(n.IPs) > maxDeploymentIPs:
			p.add(nf+".ips", "%d addresses; at most %d", len(n.IPs), maxDeploymentIPs)
		case len(n.IPs) > 0 && int64(len(n.IPs)) < g.Count:
			p.add(nf+".ips", "%d VMs but %d addresses", g.Count, len(n.IPs))
		}
		for _, s := range n.IPs {
			a, err := netip.ParseAddr(s)
			switch {
			case err != nil:
				p.add(nf+".ips", "%q is not an IP address", s)
			case ips[a]:
				p.add(nf+".ips", "%s is given twice", a)
			}
			ips[a] = true
		}
	}
	if g.Policy != "" {
		p.oneOf(f+".policy", g.Policy, ServerGroupPolicies...)
	}
	p.availabilityZone(f+".availability_zone", g.AvailabilityZone)
	p.between(f+".recovery_max", g.RecoveryMax, 0, MaxRecoveries)
	p.between(f+".recovery_wait_seconds", g.RecoveryWaitSeconds, 0, MaxDeploymentWait)
	p.between(f+".boot_seconds", g.BootSeconds, 0, MaxDeploymentWait)
	if len(g.ScaleRules) > maxScaleRules {
		p.add(f+".scale_rules", "%d rules; at most %d", len(g.ScaleRules), maxScaleRules)
	}
	for j, r := range g.ScaleRules {
		rf := fmt.Sprintf("%s.scale_rules[%d]", f, j)
		if r.Metric == "" {
			p.add(rf+".metric", "required")
		}
		p.text(rf+".metric", r.Metric, MaxIDLen)
		p.oneOf(rf+".cond", r.Cond, "GT", "GE", "LT", "LE")
		p.oneOf(rf+".action", r.Action, ScaleOut, ScaleIn)
		if math.IsNaN(r.Threshold) || math.IsInf(r.Threshold, 0) {
			p.add(rf+".threshold", "must be a finite number")
		}
	}
	if len(g.Volumes) > MaxServerVolumes {
		p.add(f+".volumes", "%d volumes; at most %d", len(g.Volumes), MaxServerVolumes)
	}
	vols := map[string]bool{}
	for j, v := range g.Volumes {
		vf := fmt.Sprintf("%s.volumes[%d]", f, j)
		if v.Name == "" || len(v.Name) > MaxVMGroupName {
			p.add(vf+".name", "a volume's name has 1 to %d bytes", MaxVMGroupName)
		} else {
			p.text(vf+".name", v.Name, MaxVMGroupName)
		}
		if vols[v.Name] {
			p.add(vf+".name", "volume %q appears twice in the group", v.Name)
		}
		vols[v.Name] = true
		// As a volume's, which each VM's copy of it is.
		p.between(vf+".size_gb", v.SizeGB, 1, MaxVolumeGB)
		p.text(vf+".volume_type", v.VolumeType, MaxIDLen)
		if v.VolumeType != strings.TrimSpace(v.VolumeType) {
			p.add(vf+".volume_type", "%q has leading or trailing spaces", v.VolumeType)
		}
		if v.Bus != "" {
			p.oneOf(vf+".bus", v.Bus, VolumeBuses...)
		}
	}
}

func (s *Deployment) Dependencies() []Ref {
	var out []Ref
	for _, g := range s.Groups {
		out = append(out, Ref{KindImage, g.ImageID}, Ref{KindFlavor, g.FlavorID})
		for _, n := range g.NICs {
			if n.NetworkID != "" {
				out = append(out, Ref{KindNetwork, n.NetworkID})
			}
		}
	}
	slices.SortFunc(out, func(a, b Ref) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.ID, b.ID))
	})
	return slices.Compact(out)
}

func (s *Deployment) group(name string) VMGroup {
	for _, g := range s.Groups {
		if g.Name == name {
			return g
		}
	}
	return VMGroup{}
}

// PlacementOf is the placement group holding the named VM group, if any.
func (s *Deployment) PlacementOf(group string) (PlacementGroup, bool) {
	for _, pg := range s.PlacementGroups {
		if slices.Contains(pg.Groups, group) {
			return pg, true
		}
	}
	return PlacementGroup{}, false
}

// Day0Of is the day-0 configuration of the named group (zero if none).
func (s *Deployment) Day0Of(group string) GroupDay0 {
	for _, d := range s.Day0 {
		if d.Group == group {
			return d
		}
	}
	return GroupDay0{Group: group}
}
