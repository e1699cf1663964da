package resource

import (
	"fmt"
	"net/netip"
)

// Subnet bounds: Neutron keeps at most 5 DNS servers per subnet by default;
// 64 pools is far beyond any real layout.
const (
	MaxAllocationPools = 64
	MaxDNSNameservers  = 5
)

// Subnet is an IP subnet of a network, realized wherever the network is (a
// Neutron subnet). A network made without a cidr of its own gets its
// addresses from its subnets (ESC makes the network first, then subnets on
// it); a network with a cidr may take further, non-overlapping ones.
type Subnet struct {
	Description string `json:"description" orca:"mutable"`
	NetworkID   string `json:"network_id" orca:"ref=network,replace"`
	// CIDR is the subnet's prefix; its family is the subnet's IP version.
	CIDR string `json:"cidr" orca:"replace"`
	// GatewayIP is the gateway's address inside CIDR; "" lets the VIM
	// take the first host address, unless NoGateway says there is none.
	GatewayIP string `json:"gateway_ip" orca:"mutable"`
	NoGateway bool   `json:"no_gateway" orca:"mutable"`
	// EnableDHCP defaults to true, as in Neutron.
	EnableDHCP *bool `json:"enable_dhcp" orca:"mutable"`
	// AllocationPools bound the addresses the VIM hands out; none means
	// the whole CIDR but the gateway.
	AllocationPools []AllocationPool `json:"allocation_pools" orca:"mutable"`
	DNSNameservers  []string         `json:"dns_nameservers" orca:"mutable"`
}

// AllocationPool is an inclusive range of addresses of a subnet.
type AllocationPool struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

func (s *Subnet) Default() {
	if s.EnableDHCP == nil {
		on := true
		s.EnableDHCP = &on
	}
}

// DHCP reports whether DHCP is on (the default when unset).
func (s *Subnet) DHCP() bool { return s.EnableDHCP == nil || *s.EnableDHCP }

// Gateway is the gateway address the subnet has or will get: GatewayIP,
// the first host address when that is "", or the zero Addr with NoGateway
// (or an invalid CIDR).
func (s *Subnet) Gateway() netip.Addr {
	if s.NoGateway {
		return netip.Addr{}
	}
	if s.GatewayIP != "" {
		a, _ := netip.ParseAddr(s.GatewayIP)
		return a
	}
	pfx, err := netip.ParsePrefix(s.CIDR)
	if err != nil {
		return netip.Addr{}
	}
	return pfx.Masked().Addr().Next()
}

func (s *Subnet) Validate() error {
	var p problems
	p.text("description", s.Description, MaxDescriptionLen)
	p.ref("network_id", s.NetworkID, true)
	pfx, ok := p.cidr("cidr", s.CIDR, true)
	if ok {
		// Room for a gateway, DHCP and at least one host, as a network's
		// local_prefix_len.
		max := 30
		if pfx.Addr().Is6() {
			max = 126
		}
		if pfx.Bits() > max {
			p.add("cidr", "%s is too small: a subnet is at most a /%d", s.CIDR, max)
			ok = false
		}
	}
	switch {
	case s.NoGateway && s.GatewayIP != "":
		p.add("gateway_ip", "set gateway_ip or no_gateway, not both")
	case s.GatewayIP != "" && ok:
		if gw, err := netip.ParseAddr(s.GatewayIP); err != nil || gw.Zone() != "" {
			p.add("gateway_ip", "%q is not an IP address", s.GatewayIP)
		} else if !hostOf(pfx, gw) {
			p.add("gateway_ip", "%s is not a host address of %s", s.GatewayIP, s.CIDR)
		}
	}
	if ok {
		s.checkPools(&p, pfx)
	} else if len(s.AllocationPools) > MaxAllocationPools {
		p.add("allocation_pools", "more than %d pools", MaxAllocationPools)
	}
	if len(s.DNSNameservers) > MaxDNSNameservers {
		p.add("dns_nameservers", "more than %d servers", MaxDNSNameservers)
	}
	seen := map[netip.Addr]bool{}
	for i, ns := range s.DNSNameservers {
		f := fmt.Sprintf("dns_nameservers[%d]", i)
		a, err := netip.ParseAddr(ns)
		switch {
		case err != nil || a.Zone() != "":
			p.add(f, "%q is not an IP address", ns)
		case seen[a]:
			p.add(f, "%s is listed twice", ns)
		}
		seen[a] = true
	}
	return p.err()
}

// checkPools checks that each pool lies inside pfx, in order, apart from
// the others and from the gateway, as Neutron requires.
func (s *Subnet) checkPools(p *problems, pfx netip.Prefix) {
	if len(s.AllocationPools) > MaxAllocationPools {
		p.add("allocation_pools", "more than %d pools", MaxAllocationPools)
		return
	}
	gw := s.Gateway()
	type span struct {
		i          int
		start, end netip.Addr
	}
	var good []span
	for i, pool := range s.AllocationPools {
		f := fmt.Sprintf("allocation_pools[%d]", i)
		start, errS := netip.ParseAddr(pool.Start)
		end, errE := netip.ParseAddr(pool.End)
		switch {
		case errS != nil || start.Zone() != "":
			p.add(f+".start", "%q is not an IP address", pool.Start)
			continue
		case errE != nil || end.Zone() != "":
			p.add(f+".end", "%q is not an IP address", pool.End)
			continue
		case !hostOf(pfx, start):
			p.add(f+".start", "%s is not a host address of %s", pool.Start, s.CIDR)
			continue
		case !hostOf(pfx, end):
			p.add(f+".end", "%s is not a host address of %s", pool.End, s.CIDR)
			continue
		case end.Less(start):
			p.add(f+".end", "%s is below start %s", pool.End, pool.Start)
			continue
		case gw.IsValid() && !gw.Less(start) && !end.Less(gw):
			p.add(f, "%s-%s holds the gateway %s; leave it out, or set gateway_ip or no_gateway", pool.Start, pool.End, gw)
			continue
		}
		for _, o := range good {
			if !end.Less(o.start) && !o.end.Less(start) {
				p.add(f, "%s-%s overlaps allocation_pools[%d]", pool.Start, pool.End, o.i)
				break
			}
		}
		good = append(good, span{i, start, end})
	}
}

// hostOf reports whether a is an address of pfx that a host may take: not
// the network address nor, in IPv4, the broadcast address.
func hostOf(pfx netip.Prefix, a netip.Addr) bool {
	if !pfx.Contains(a) || a == pfx.Addr() {
		return false
	}
	if a.Is4() {
		b := a.As4()
		bc := pfx.Addr().As4()
		for i := pfx.Bits(); i < 32; i++ {
			bc[i/8] |= 0x80 >> (i % 8)
		}
		return b != bc
	}
	return true
}

func (s *Subnet) Dependencies() []Ref { return refs(Ref{KindNetwork, s.NetworkID}) }
