package resource

import (
	"fmt"
	"strconv"
)

// Network is a virtual network present at every target location. With
// LocalPrefixLen set, each location gets its own sub-CIDR of CIDR of that
// length; otherwise every location uses CIDR itself. Without a CIDR the
// network has no subnet of its own: its addresses come from Subnets naming
// it.
type Network struct {
	Description string `json:"description" orca:"mutable"`
	// ContrailID is the Contrail virtual-network ID; 0 asks for one to be
	// allocated from an id pool. Contrail (up to 3.2, the releases that
	// take it) cannot renumber a network, so a change replaces it.
	ContrailID int64 `json:"contrail_id" orca:"replace"`
	// CIDR and LocalPrefixLen may change: each location's prefix is
	// re-allocated from the new range and the VIM's subnet replaced in
	// place (Neutron cannot change a subnet's CIDR), while the network
	// itself, and its ID, stay. The orchestrator refuses the change while
	// machines sit on the network.
	CIDR           string `json:"cidr" orca:"mutable"`
	LocalPrefixLen int64  `json:"local_prefix_len" orca:"mutable"`
}

func (s *Network) Validate() error {
	var p problems
	p.text("description", s.Description, MaxDescriptionLen)
	p.between("contrail_id", s.ContrailID, 0, 1<<32-1)
	pfx, ok := p.cidr("cidr", s.CIDR, false)
	switch {
	case s.LocalPrefixLen == 0:
	case s.CIDR == "":
		p.add("local_prefix_len", "needs a cidr to carve the locations' CIDRs from")
	case !ok:
		p.between("local_prefix_len", s.LocalPrefixLen, 0, 128)
	default:
		// A subnet needs room for a gateway, DHCP and at least one host.
		max := int64(30)
		if pfx.Addr().Is6() {
			max = 126
		}
		p.between("local_prefix_len", s.LocalPrefixLen, int64(pfx.Bits()), max)
	}
	return p.err()
}

func (s *Network) Dependencies() []Ref { return nil }

// SecurityGroup is a set of rules (the security_group_rule resources whose
// parent it is) realized at every target location.
type SecurityGroup struct {
	Description string `json:"description" orca:"mutable"`
	// ContrailID is the Contrail security-group ID; 0 asks for one to be
	// allocated from an id pool. It may change (seed 000 lets it): no VIM
	// takes it from orca (Contrail sets its own), so only the pool's
	// allocation moves.
	ContrailID int64 `json:"contrail_id" orca:"mutable"`
}

func (s *SecurityGroup) Validate() error {
	var p problems
	p.text("description", s.Description, MaxDescriptionLen)
	p.between("contrail_id", s.ContrailID, 0, 1<<32-1)
	return p.err()
}

func (s *SecurityGroup) Dependencies() []Ref { return nil }

// SecurityGroupRule is one rule of its parent security group (the resource's
// Owner, security_group_id on the wire). Rules are realized as part of each
// local security group; changing a rule replaces it.
type SecurityGroupRule struct {
	Description string `json:"description" orca:"mutable"`
	// Direction is "ingress" or "egress".
	Direction string `json:"direction" orca:"replace"`
	// EtherType is "IPv4" (the default) or "IPv6".
	EtherType string `json:"ethertype" orca:"replace"`
	// Protocol is "any" (the default), a name (tcp, udp, icmp, icmpv6,
	// sctp) or an IP protocol number "0".."255".
	Protocol string `json:"protocol" orca:"replace"`
	// PortRangeMin and PortRangeMax bound the ports (tcp, udp, sctp:
	// 0..65535, both or neither) or give the ICMP type and code (0..255).
	PortRangeMin   *int64 `json:"port_range_min" orca:"replace"`
	PortRangeMax   *int64 `json:"port_range_max" orca:"replace"`
	RemoteGroupID  string `json:"remote_group_id" orca:"ref=security_group,replace"`
	RemoteIPPrefix string `json:"remote_ip_prefix" orca:"replace"`
}

func (s *SecurityGroupRule) Default() {
	if s.EtherType == "" {
		s.EtherType = "IPv4"
	}
	if s.Protocol == "" {
		s.Protocol = "any"
	}
}

func (s *SecurityGroupRule) Validate() error {
	var p problems
	p.text("description", s.Description, MaxDescriptionLen)
	p.oneOf("direction", s.Direction, "ingress", "egress")
	p.oneOf("ethertype", s.EtherType, "IPv4", "IPv6")
	switch portKind(s.Protocol) {
	case "":
		p.add("protocol", "%q is not any, tcp, udp, icmp, icmpv6, sctp or a number 0..255", s.Protocol)
	case "none":
		if s.PortRangeMin != nil || s.PortRangeMax != nil {
			p.add("port_range_min", "ports need protocol tcp, udp, sctp, icmp or icmpv6, not %q", s.Protocol)
		}
	case "icmp":
		if s.PortRangeMin != nil {
			p.between("port_range_min", *s.PortRangeMin, 0, 255)
		}
		if s.PortRangeMax != nil {
			p.between("port_range_max", *s.PortRangeMax, 0, 255)
		}
	case "ports":
		checkPortRange(&p, "port_range_min", "port_range_max", s.PortRangeMin, s.PortRangeMax)
	}
	p.ref("remote_group_id", s.RemoteGroupID, false)
	if pfx, ok := p.cidr("remote_ip_prefix", s.RemoteIPPrefix, false); ok {
		if pfx.Addr().Is6() != (s.EtherType == "IPv6") {
			p.add("remote_ip_prefix", "%q does not match ethertype %s", s.RemoteIPPrefix, s.EtherType)
		}
	}
	if s.RemoteGroupID != "" && s.RemoteIPPrefix != "" {
		p.add("remote_ip_prefix", "set remote_group_id or remote_ip_prefix, not both")
	}
	return p.err()
}

func (s *SecurityGroupRule) Dependencies() []Ref {
	return refs(Ref{KindSecurityGroup, s.RemoteGroupID})
}

// portKind says what a protocol's port fields mean: "ports" (a port range),
// "icmp" (type and code), "none" (no ports) or "" (not a protocol).
func portKind(proto string) string {
	switch proto {
	case "tcp", "udp", "sctp", "6", "17", "132":
		return "ports"
	case "icmp", "icmpv6", "icmp6", "1", "58":
		return "icmp"
	case "any":
		return "none"
	}
	if n, err := strconv.Atoi(proto); err == nil && n >= 0 && n <= 255 && strconv.Itoa(n) == proto {
		return "none"
	}
	return ""
}

func checkPortRange(p *problems, minField, maxField string, min, max *int64) {
	switch {
	case min == nil && max == nil:
	case min == nil:
		p.add(minField, "required when %s is set", maxField)
	case max == nil:
		p.add(maxField, "required when %s is set", minField)
	default:
		p.between(minField, *min, 0, 65535)
		p.between(maxField, *max, 0, 65535)
		if *min > *max {
			p.add(maxField, "%d is below %s %d", *max, minField, *min)
		}
	}
}

// NetworkPolicy allows traffic between two networks at every target
// location, as its entries say. Its networks may change (seed 000 lets
// them), but the policy is then replaced: Contrail's rules and attachments
// name them.
type NetworkPolicy struct {
	Description     string        `json:"description" orca:"mutable"`
	SourceNetworkID string        `json:"source_network_id" orca:"ref=network,replace"`
	DestNetworkID   string        `json:"dest_network_id" orca:"ref=network,replace"`
	Entries         []PolicyEntry `json:"entries" orca:"mutable"`
}

// PolicyEntry is one rule of a network policy, applied to traffic between
// the policy's source and destination networks.
type PolicyEntry struct {
	// Action is "pass" (the default) or "deny".
	Action string `json:"action"`
	// Direction is "<>" (both ways, the default) or ">" (source to
	// destination only).
	Direction string `json:"direction"`
	// Protocol is "any" (the default), tcp, udp, icmp, icmp6 or a
	// number "0".."255".
	Protocol string     `json:"protocol"`
	SrcPorts *PortRange `json:"src_ports,omitempty"`
	DstPorts *PortRange `json:"dst_ports,omitempty"`
}

// PortRange is an inclusive range of ports; absent means any port.
type PortRange struct {
	Start int64 `json:"start_port"`
	End   int64 `json:"end_port"`
}

// MaxPolicyEntries bounds a policy's entries.
const MaxPolicyEntries = 1024

func (s *NetworkPolicy) Default() {
	for i := range s.Entries {
		e := &s.Entries[i]
		if e.Action == "" {
			e.Action = "pass"
		}
		if e.Direction == "" {
			e.Direction = "<>"
		}
		if e.Protocol == "" {
			e.Protocol = "any"
		}
	}
}

func (s *NetworkPolicy) Validate() error {
	var p problems
	p.text("description", s.Description, MaxDescriptionLen)
	p.ref("source_network_id", s.SourceNetworkID, true)
	p.ref("dest_network_id", s.DestNetworkID, true)
	if s.SourceNetworkID != "" && s.SourceNetworkID == s.DestNetworkID {
		p.add("dest_network_id", "must differ from source_network_id")
	}
	if len(s.Entries) > MaxPolicyEntries {
		p.add("entries", "more than %d entries", MaxPolicyEntries)
	}
	for i, e := range s.Entries {
		f := fmt.Sprintf("entries[%d]", i)
		p.oneOf(f+".action", e.Action, "pass", "deny")
		p.oneOf(f+".direction", e.Direction, "<>", ">")
		if k := portKind(e.Protocol); k == "" || e.Protocol == "sctp" || e.Protocol == "icmpv6" {
			// Contrail spells ICMPv6 "icmp6" and has no sctp name.
			p.add(f+".protocol", "%q is not any, tcp, udp, icmp, icmp6 or a number 0..255", e.Protocol)
		}
		for _, r := range []struct {
			name string
			pr   *PortRange
		}{{f + ".src_ports", e.SrcPorts}, {f + ".dst_ports", e.DstPorts}} {
			if r.pr != nil {
				checkPortRange(&p, r.name+".start_port", r.name+".end_port", &r.pr.Start, &r.pr.End)
			}
		}
	}
	return p.err()
}

func (s *NetworkPolicy) Dependencies() []Ref {
	return refs(Ref{KindNetwork, s.SourceNetworkID}, Ref{KindNetwork, s.DestNetworkID})
}

// ServiceTemplate describes a service VM (firewall, NAT, ...) for Contrail
// service chaining.
//
// Contrail cannot rewrite a template in place, so a new image, mode or
// flavor replaces it; the orchestrator refuses that while service
// instances use the template (Contrail would refuse to delete it).
type ServiceTemplate struct {
	Description string `json:"description" orca:"mutable"`
	ImageID     string `json:"image_id" orca:"ref=image,replace"`
	// ServiceMode is "transparent", "in-network" or "in-network-nat".
	ServiceMode string `json:"service_mode" orca:"replace"`
	FlavorID    string `json:"flavor_id" orca:"ref=flavor,replace"`
}

func (s *ServiceTemplate) Validate() error {
	var p problems
	p.text("description", s.Description, MaxDescriptionLen)
	p.ref("image_id", s.ImageID, true)
	p.oneOf("service_mode", s.ServiceMode, "transparent", "in-network", "in-network-nat")
	p.ref("flavor_id", s.FlavorID, true)
	return p.err()
}

func (s *ServiceTemplate) Dependencies() []Ref {
	return refs(Ref{KindImage, s.ImageID}, Ref{KindFlavor, s.FlavorID})
}

// ServiceInstance is an instance of a service template at every target
// location. Its properties pass through to the VIM (Contrail's
// ServiceInstanceType: interface_list, scale_out, ha_mode, ...).
type ServiceInstance struct {
	Description               string         `json:"description" orca:"mutable"`
	ServiceInstanceProperties map[string]any `json:"service_instance_properties" orca:"mutable"`
	// ServiceTemplateID may change (seed 000 lets it); Contrail cannot
	// re-template an instance in place, so it is replaced.
	ServiceTemplateID string `json:"service_template_id" orca:"ref=service_template,replace"`
}

func (s *ServiceInstance) Validate() error {
	var p problems
	p.text("description", s.Description, MaxDescriptionLen)
	p.ref("service_template_id", s.ServiceTemplateID, true)
	return p.err()
}

func (s *ServiceInstance) Dependencies() []Ref {
	return refs(Ref{KindServiceTemplate, s.ServiceTemplateID})
}
