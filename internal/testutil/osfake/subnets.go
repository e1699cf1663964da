package osfake

import (
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"time"
)

// Subnets, with Neutron's rules: allocation pools inside the CIDR, apart
// from each other and from the gateway (by default the first host address,
// with the pools covering the rest); at most maxDNS DNS servers; subnets of
// one network never overlap. Everything but the network, the CIDR and the
// IP version changes in place, and an update is checked as a whole.
//
// Neutron keeps the order of DNS servers but not of allocation pools: it
// returns pools in the order of their rows' random IDs, so a client that
// sent two gets them back reversed about half the time. The fake returns
// them highest first whatever the request's order, so a client that
// depends on its order fails here every time, not now and then on a cloud.

const maxDNS = 5

type ipRange struct{ start, end netip.Addr }

func (r ipRange) String() string { return r.start.String() + "-" + r.end.String() }

type subnet struct {
	seq                                 int
	id, name, networkID, project, descr string
	cidr                                netip.Prefix
	gateway                             netip.Addr // invalid: none
	pools                               []ipRange
	dns                                 []string
	enableDHCP                          bool
	created, updated                    time.Time
	revision                            int
	used                                map[netip.Addr]bool
}

func subnetView(sn *subnet) map[string]any {
	var gw any
	if sn.gateway.IsValid() {
		gw = sn.gateway.String()
	}
	version := 4
	if sn.cidr.Addr().Is6() {
		version = 6
	}
	pools := []any{}
	for _, p := range slices.SortedFunc(slices.Values(sn.pools), func(a, b ipRange) int { return b.start.Compare(a.start) }) {
		pools = append(pools, map[string]any{"start": p.start.String(), "end": p.end.String()})
	}
	dns := append([]string{}, sn.dns...)
	return map[string]any{
		"id": sn.id, "name": sn.name, "tenant_id": sn.project, "project_id": sn.project, "network_id": sn.networkID,
		"ip_version": version, "subnetpool_id": nil, "enable_dhcp": sn.enableDHCP, "ipv6_ra_mode": nil, "ipv6_address_mode": nil,
		"gateway_ip": gw, "cidr": sn.cidr.String(), "allocation_pools": pools,
		"host_routes": []any{}, "dns_nameservers": dns, "description": sn.descr, "service_types": []any{}, "tags": []string{},
		"created_at": stamp(sn.created), "updated_at": stamp(sn.updated), "revision_number": sn.revision,
	}
}

func (s *Server) subnetViews() []map[string]any {
	var out []map[string]any
	for _, sn := range sortedBySeq(s.subnets) {
		out = append(out, subnetView(sn))
	}
	return out
}

func neutronInvalid(format string, args ...any) *reply {
	return neutronErr(http.StatusBadRequest, "InvalidInput", "Invalid input for operation: "+fmt.Sprintf(format, args...))
}

func (s *Server) createSubnet(r *req) *reply {
	obj, bad := bodyOf(r, "subnet", "name", "description", "network_id", "cidr", "ip_version", "gateway_ip", "enable_dhcp",
		"allocation_pools", "dns_nameservers", "host_routes", "tenant_id", "project_id", "ipv6_ra_mode", "ipv6_address_mode",
		"subnetpool_id", "prefixlen", "service_types", "segment_id")
	if bad != nil {
		return bad
	}
	netID, _, bad := str(obj, "network_id")
	if bad != nil {
		return bad
	}
	if netID == "" {
		return badRequest("Failed to parse request. Required attribute 'network_id' not specified")
	}
	if _, ok := obj["ip_version"]; !ok {
		return badRequest("Failed to parse request. Required attribute 'ip_version' not specified")
	}
	ver, ok := obj["ip_version"].(float64)
	if !ok || ver != 4 && ver != 6 {
		return badRequest(fmt.Sprintf("Invalid input for ip_version. Reason: %v is not in [4, 6].", obj["ip_version"]))
	}
	cidrText, _, bad := str(obj, "cidr")
	if bad != nil {
		return bad
	}
	if cidrText == "" {
		return badRequest("Bad subnets request: a subnetpool must be specified in the absence of a cidr.")
	}
	pfx, err := netip.ParsePrefix(cidrText)
	if err != nil {
		return neutronInvalid("%s is not in a CIDR format.", cidrText)
	}
	pfx = pfx.Masked()
	if pfx.Addr().Is4() != (ver == 4) {
		return neutronInvalid("cidr '%s' does not match the ip_version '%d'.", cidrText, int(ver))
	}
	n := s.networks[netID]
	if n == nil {
		return netNotFound(netID)
	}
	for _, other := range s.subnets {
		if other.networkID == netID && other.cidr.Overlaps(pfx) {
			return neutronInvalid("Requested subnet with cidr: %s for network: %s overlaps with another subnet.", pfx, netID)
		}
	}
	now := s.now()
	sn := &subnet{seq: s.nextSeq(), id: newUUID(), networkID: netID, project: projectOf(r), cidr: pfx,
		gateway: pfx.Addr().Next(), enableDHCP: true, created: now, updated: now, used: map[netip.Addr]bool{}} // revision 0, as Neutron's
	if bad := sn.apply(obj, true); bad != nil {
		return bad
	}
	s.subnets[sn.id] = sn
	n.revision++
	return jsonReply(http.StatusCreated, map[string]any{"subnet": subnetView(sn)})
}

func subnetNotFound(id string) *reply {
	return neutronErr(http.StatusNotFound, "SubnetNotFound", fmt.Sprintf("Subnet %s could not be found.", id))
}

func (s *Server) updateSubnet(r *req, id string) *reply {
	sn := s.subnets[id]
	if sn == nil {
		return subnetNotFound(id)
	}
	obj, bad := bodyOf(r, "subnet", "name", "description", "gateway_ip", "enable_dhcp", "allocation_pools", "dns_nameservers",
		"host_routes", "service_types", "segment_id")
	if bad != nil {
		return bad
	}
	next := *sn
	if bad := next.apply(obj, false); bad != nil {
		return bad // nothing changed
	}
	next.updated, next.revision = s.now(), sn.revision+1
	*sn = next
	return jsonReply(http.StatusOK, map[string]any{"subnet": subnetView(sn)})
}

// apply sets the changeable attributes obj carries and checks the result.
// On create, pools not given cover the host addresses but the gateway.
func (sn *subnet) apply(obj map[string]any, creating bool) *reply {
	var bad *reply
	if v, ok, b := str(obj, "name"); b != nil {
		return b
	} else if ok {
		sn.name = v
	}
	if v, ok, b := str(obj, "description"); b != nil {
		return b
	} else if ok {
		sn.descr = v
	}
	if v, ok := obj["enable_dhcp"]; ok {
		b, isBool := v.(bool)
		if !isBool {
			return badRequest(fmt.Sprintf("Invalid input for enable_dhcp. Reason: '%v' cannot be converted to boolean.", v))
		}
		sn.enableDHCP = b
	}
	if gw, ok := obj["gateway_ip"]; ok {
		text, isStr := gw.(string)
		a, err := netip.ParseAddr(text)
		switch {
		case gw == nil:
			sn.gateway = netip.Addr{}
		case !isStr || err != nil:
			return badRequest(fmt.Sprintf("Invalid input for gateway_ip. Reason: '%v' is not a valid IP address.", gw))
		case !sn.cidr.Contains(a) || a == sn.cidr.Addr():
			return neutronInvalid("Gateway is not valid on subnet %v.", gw)
		default:
			sn.gateway = a
		}
	}
	if v, ok := obj["allocation_pools"]; ok && v != nil {
		if sn.pools, bad = parsePools(v); bad != nil {
			return bad
		}
	} else if creating {
		sn.pools = defaultPools(sn.cidr, sn.gateway)
	}
	if v, ok := obj["dns_nameservers"]; ok {
		if sn.dns, bad = parseDNS(v); bad != nil {
			return bad
		}
	}
	return sn.check()
}

func parsePools(v any) ([]ipRange, *reply) {
	list, ok := v.([]any)
	if !ok {
		return nil, badRequest(fmt.Sprintf("Invalid input for allocation_pools. Reason: Invalid data format for IP pool: '%v'.", v))
	}
	pools := []ipRange{}
	for _, e := range list {
		m, _ := e.(map[string]any)
		start, errS := netip.ParseAddr(fmt.Sprint(m["start"]))
		end, errE := netip.ParseAddr(fmt.Sprint(m["end"]))
		if m == nil || len(m) != 2 || errS != nil || errE != nil {
			return nil, badRequest(fmt.Sprintf("Invalid input for allocation_pools. Reason: Invalid data format for IP pool: '%v'.", e))
		}
		pools = append(pools, ipRange{start, end})
	}
	return pools, nil
}

func parseDNS(v any) ([]string, *reply) {
	list, ok := v.([]any)
	if !ok && v != nil {
		return nil, badRequest(fmt.Sprintf("Invalid input for dns_nameservers. Reason: '%v' is not a list.", v))
	}
	dns := []string{}
	for _, e := range list {
		text, _ := e.(string)
		if _, err := netip.ParseAddr(text); err != nil {
			return nil, badRequest(fmt.Sprintf("Invalid input for dns_nameservers. Reason: '%v' is not a valid nameserver.", e))
		}
		for _, d := range dns {
			if d == text {
				return nil, badRequest(fmt.Sprintf("Invalid input for dns_nameservers. Reason: Duplicate nameserver '%s'.", text))
			}
		}
		dns = append(dns, text)
	}
	return dns, nil
}

// check applies Neutron's rules on pools, gateway and DNS servers.
func (sn *subnet) check() *reply {
	lo, hi := hostRange(sn.cidr)
	for i, p := range sn.pools {
		switch {
		case p.start.Is4() != sn.cidr.Addr().Is4() || p.end.Is4() != sn.cidr.Addr().Is4() || p.end.Less(p.start):
			return neutronErr(http.StatusBadRequest, "InvalidAllocationPool", fmt.Sprintf("The allocation pool %s is not valid.", p))
		case p.start.Less(lo) || hi.Less(p.end):
			return neutronErr(http.StatusBadRequest, "OutOfBoundsAllocationPool",
				fmt.Sprintf("The allocation pool %s spans beyond the subnet cidr %s.", p, sn.cidr))
		case sn.gateway.IsValid() && !sn.gateway.Less(p.start) && !p.end.Less(sn.gateway):
			return neutronErr(http.StatusConflict, "GatewayConflictWithAllocationPools",
				fmt.Sprintf("Gateway ip %s conflicts with allocation pool %s", sn.gateway, p))
		}
		for _, q := range sn.pools[:i] {
			if !p.end.Less(q.start) && !q.end.Less(p.start) {
				return neutronErr(http.StatusBadRequest, "OverlappingAllocationPools",
					fmt.Sprintf("Found overlapping allocation pools: %s and %s for subnet %s.", q, p, sn.cidr))
			}
		}
	}
	if len(sn.dns) > maxDNS {
		return neutronErr(http.StatusBadRequest, "DNSNameServersExhausted", fmt.Sprintf("Unable to complete operation for %s. "+
			"The number of DNS nameservers exceeds the limit %d.", sn.id, maxDNS))
	}
	return nil
}

// hostRange is the addresses of p a port may take: all but the network
// address and, in IPv4, the broadcast address.
func hostRange(p netip.Prefix) (lo, hi netip.Addr) {
	lo, hi = p.Addr().Next(), lastAddr(p)
	if p.Addr().Is4() {
		hi = hi.Prev()
	}
	return lo, hi
}

// defaultPools covers the host range but the gateway.
func defaultPools(p netip.Prefix, gw netip.Addr) []ipRange {
	lo, hi := hostRange(p)
	switch {
	case !gw.IsValid() || gw.Less(lo) || hi.Less(gw):
		return []ipRange{{lo, hi}}
	case gw == lo:
		return []ipRange{{lo.Next(), hi}}
	case gw == hi:
		return []ipRange{{lo, hi.Prev()}}
	}
	return []ipRange{{lo, gw.Prev()}, {gw.Next(), hi}}
}

func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	bits := p.Bits()
	for i := range b {
		for j := 0; j < 8; j++ {
			if i*8+j >= bits {
				b[i] |= 0x80 >> j
			}
		}
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

func (s *Server) deleteSubnet(id string) *reply {
	sn := s.subnets[id]
	if sn == nil {
		return subnetNotFound(id)
	}
	for _, sv := range s.servers {
		for _, p := range sv.ports {
			if p.subnet == id {
				return neutronErr(http.StatusConflict, "SubnetInUse", fmt.Sprintf("Unable to complete operation on subnet %s: "+
					"One or more ports have an IP allocation from this subnet.", id))
			}
		}
	}
	delete(s.subnets, id)
	return emptyReply(http.StatusNoContent)
}

// allocateIn takes the next free address of a subnet's pools.
func (s *Server) allocateIn(sn *subnet) (string, netip.Addr) {
	for _, p := range sn.pools {
		for a := p.start; a.IsValid() && a.Compare(p.end) <= 0; a = a.Next() {
			if !sn.used[a] {
				sn.used[a] = true
				return sn.id, a
			}
		}
	}
	return "", netip.Addr{}
}

func (s *Server) release(subnetID string, a netip.Addr) {
	if sn := s.subnets[subnetID]; sn != nil {
		delete(sn.used, a)
	}
}
