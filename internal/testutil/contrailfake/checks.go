package contrailfake

import (
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The type-specific checks of the real server's resource hooks (the
// reference's §10), as far as a driver can run into them. Each gets the
// object as it would be stored (after the merge, on update) and the stored
// one (nil on create), and may fill in server-set fields.

func checkVirtualNetwork(s *Server, o, old *object) *apiError {
	id := o.props["virtual_network_network_id"]
	switch {
	case old == nil && id != nil && !s.opts.AllowNetworkID:
		return errorf(403, "Cannot set the virtual network ID, it's allocated by the server")
	case old == nil && id != nil:
		n, ok := asInt(id)
		if !ok || n <= 0 || s.networkIDUsed(n) {
			return errorf(400, "Cannot set the virtual network ID %v: invalid or in use", id)
		}
	case old == nil:
		s.nextVNID++
		for s.networkIDUsed(s.nextVNID) {
			s.nextVNID++
		}
		o.props["virtual_network_network_id"] = s.nextVNID
	case canonical(id) != canonical(old.props["virtual_network_network_id"]):
		return errorf(403, "Cannot update the virtual network ID, it's allocated by the server")
	}
	for _, f := range []string{"route_target_list", "import_route_target_list", "export_route_target_list"} {
		for _, rt := range asList(asMap(o.props[f])["route_target"]) {
			if err := s.checkRouteTarget(asString(rt)); err != nil {
				return err
			}
		}
	}
	// Subnets live on the refs to IPAMs: normalise them (copies, so a
	// refused update leaves the stored refs alone) and look for overlaps.
	var seen []netip.Prefix
	refs := make([]ref, 0, len(o.refs["network_ipam_refs"]))
	for _, r := range o.refs["network_ipam_refs"] {
		attr := asMap(clone(r.attr))
		for _, sn := range asList(asMap(attr)["ipam_subnets"]) {
			p, err := normaliseSubnet(asMap(sn))
			if err != nil {
				return err
			}
			for _, q := range seen {
				if p.Overlaps(q) {
					return errorf(400, "Overlapping addresses: [%s, %s]", p, q)
				}
			}
			seen = append(seen, p)
		}
		refs = append(refs, ref{uuid: r.uuid, attr: attr})
	}
	if len(refs) > 0 {
		o.refs["network_ipam_refs"] = refs
	}
	return nil
}

func (s *Server) networkIDUsed(n int64) bool {
	for _, x := range s.objs {
		if m, ok := asInt(x.props["virtual_network_network_id"]); ok && x.typ == "virtual-network" && m == n {
			return true
		}
	}
	return false
}

// normaliseSubnet checks an IpamSubnetType, sets ip_prefix to the network
// address and fills in what the server picks: gateway, DNS address, DHCP and
// the subnet uuid.
func normaliseSubnet(sn map[string]any) (netip.Prefix, *apiError) {
	sub := asMap(sn["subnet"])
	addr, err := netip.ParseAddr(asString(sub["ip_prefix"]))
	n, ok := asInt(sub["ip_prefix_len"])
	if err != nil || !ok || n < 0 || int(n) > addr.BitLen() {
		return netip.Prefix{}, errorf(400, "Invalid subnet: %v/%v", sub["ip_prefix"], sub["ip_prefix_len"])
	}
	p := netip.PrefixFrom(addr, int(n)).Masked()
	sub["ip_prefix"] = p.Addr().String()
	first := p.Addr().Next()
	last := lastAddr(p).Prev()
	if gw := asString(sn["default_gateway"]); gw != "" {
		a, err := netip.ParseAddr(gw)
		if err != nil || !p.Contains(a) {
			return netip.Prefix{}, errorf(400, "Invalid default gateway %s for subnet %s", gw, p)
		}
	} else if b, _ := sn["addr_from_start"].(bool); b {
		sn["default_gateway"] = first.String()
	} else {
		sn["default_gateway"] = last.String()
	}
	if _, ok := sn["dns_server_address"]; !ok {
		gw, _ := netip.ParseAddr(asString(sn["default_gateway"]))
		dns := gw.Prev()
		if gw == first {
			dns = gw.Next()
		}
		sn["dns_server_address"] = dns.String()
	}
	if _, ok := sn["enable_dhcp"]; !ok {
		sn["enable_dhcp"] = true
	}
	if asString(sn["subnet_uuid"]) == "" {
		sn["subnet_uuid"] = newUUID()
	}
	return p, nil
}

// lastAddr is the last address of p.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// checkRouteTarget applies the format and the reserved-range rule to one
// route_target_list entry.
func (s *Server) checkRouteTarget(rt string) *apiError {
	asn, n, err := parseRouteTarget(rt)
	if err != nil {
		return err
	}
	// The server assigns target:<global ASN>:8000000 and up (2-byte ASN;
	// 8000..32768 for a 4-byte one) to routing instances itself.
	if asn == strconv.FormatInt(s.opts.GlobalASN, 10) {
		lo, hi := int64(8000000), int64(1<<32)
		if s.opts.GlobalASN > 0xffff {
			lo, hi = 8000, 32768
		}
		if n >= lo && n < hi {
			return errorf(400, "Configured route target must use ASN that is different from global ASN or route target value must be less than %d: %s", lo, rt)
		}
	}
	return nil
}

func parseRouteTarget(rt string) (asn string, n int64, err *apiError) {
	parts := strings.Split(rt, ":")
	bad := errorf(400, "Route target must be of the format 'target:<asn>:<number>' or 'target:<ip>:<number>': %s", rt)
	if len(parts) != 3 || parts[0] != "target" {
		return "", 0, bad
	}
	if _, e := strconv.ParseUint(parts[1], 10, 32); e != nil {
		if a, e := netip.ParseAddr(parts[1]); e != nil || !a.Is4() {
			return "", 0, bad
		}
	}
	n, e := strconv.ParseInt(parts[2], 10, 64)
	if e != nil || n < 0 {
		return "", 0, bad
	}
	return parts[1], n, nil
}

func checkRouteTargetObject(s *Server, o, old *object) *apiError {
	if len(o.fq) != 1 {
		return errorf(400, "Invalid fq-name for route-target: %s", pyList(o.fq))
	}
	_, _, err := parseRouteTarget(o.fq[0])
	return err
}

func checkNetworkPolicy(s *Server, o, old *object) *apiError {
	return checkRules(o, "network_policy_entries", false)
}

func checkSecurityGroup(s *Server, o, old *object) *apiError {
	id := o.props["security_group_id"]
	switch {
	case old == nil && id != nil:
		return errorf(403, "Cannot set the security group ID, it's allocated by the server")
	case old == nil:
		s.nextSGID++
		o.props["security_group_id"] = s.nextSGID
	case canonical(id) != canonical(old.props["security_group_id"]):
		return errorf(403, "Cannot update the security group ID, it's allocated by the server")
	}
	return checkRules(o, "security_group_entries", true)
}

// checkRules validates a PolicyEntriesType: directions, protocols, ports,
// addresses, the action list of network policies and the "local" side of
// security-group rules; it gives rules without one a rule_uuid and refuses
// identical rules (409).
func checkRules(o *object, field string, sg bool) *apiError {
	entries, ok := o.props[field]
	if !ok || entries == nil {
		return nil
	}
	entries = clone(entries)
	seen := map[string]string{}
	for _, r := range asList(asMap(entries)["policy_rule"]) {
		rule := asMap(r)
		if err := checkRule(rule, sg); err != nil {
			return err
		}
		if asString(rule["rule_uuid"]) == "" {
			rule["rule_uuid"] = newUUID()
		}
		key := withoutKeys(rule, "rule_uuid", "created", "last_modified")
		if u, dup := seen[key]; dup {
			return errorf(409, "Rule already exists : %s", u)
		}
		seen[key] = asString(rule["rule_uuid"])
	}
	o.props[field] = entries
	return nil
}

// withoutKeys is the canonical JSON of m without the given keys.
func withoutKeys(m map[string]any, drop ...string) string {
	c := make(map[string]any, len(m))
	for k, v := range m {
		if !slices.Contains(drop, k) {
			c[k] = v
		}
	}
	return canonical(c)
}

var validProtocols = []string{"any", "tcp", "udp", "icmp", "icmp6"}

func checkRule(rule map[string]any, sg bool) *apiError {
	dir := asString(rule["direction"])
	if dir != ">" && (sg || dir != "<>") {
		return errorf(400, "Rule with invalid direction : %q", dir)
	}
	proto := asString(rule["protocol"])
	if n, err := strconv.Atoi(proto); err == nil {
		if n < 0 || n > 255 || strconv.Itoa(n) != proto {
			return errorf(400, "Rule with invalid protocol : %s", proto)
		}
	} else if !slices.Contains(validProtocols, proto) {
		return errorf(400, "Rule with invalid protocol : %s", proto)
	}
	eth := asString(rule["ethertype"])
	if eth != "" && eth != "IPv4" && eth != "IPv6" {
		return errorf(400, "Rule with invalid ethertype : %s", eth)
	}
	if !sg && rule["action_list"] == nil {
		return errorf(400, "Check Policy Rules failed: action_list is required")
	}
	for _, f := range []string{"src_ports", "dst_ports"} {
		for _, p := range asList(rule[f]) {
			lo, ok1 := asInt(asMap(p)["start_port"])
			hi, ok2 := asInt(asMap(p)["end_port"])
			if !ok1 || !ok2 || lo < -1 || hi > 65535 || lo > hi {
				return errorf(400, "Rule with invalid port range : %v", p)
			}
		}
	}
	local := false
	for _, f := range []string{"src_addresses", "dst_addresses"} {
		for _, a := range asList(rule[f]) {
			addr := asMap(a)
			if sgName := asString(addr["security_group"]); sgName != "" {
				if !sg {
					return errorf(400, "Config Error: Policy Rule refering to Security Group is not allowed")
				}
				local = local || sgName == "local"
			}
			subnets := asList(addr["subnet_list"])
			if addr["subnet"] != nil {
				subnets = append(subnets, addr["subnet"])
			}
			for _, sn := range subnets {
				a, err := netip.ParseAddr(asString(asMap(sn)["ip_prefix"]))
				if err != nil {
					return errorf(400, "Rule with invalid subnet : %v", sn)
				}
				if eth != "" && a.Is6() != (eth == "IPv6") {
					return errorf(400, "Rule subnet %v doesn't match ethertype %s", sn, eth)
				}
			}
		}
	}
	if sg && !local {
		return errorf(400, "At least one of source or destination addresses must be 'local'")
	}
	return nil
}

// Enumerations of vnc_cfg.xsd the generated server code enforces.
var (
	serviceModes     = []string{"transparent", "in-network", "in-network-nat"}
	serviceTypes     = []string{"firewall", "analyzer", "source-nat", "loadbalancer"}
	virtualizations  = []string{"virtual-machine", "network-namespace", "vrouter-instance", "physical-device"}
	interfaceTypeRe  = regexp.MustCompile(`^(management|left|right|other[0-9]*)$`)
	serviceHAModes   = []string{"active-active", "active-standby"}
	versionsAccepted = []int64{1, 2}
)

func errEnum(field string, v any) *apiError {
	return errorf(400, "Bad property: %s has invalid value %v", field, v)
}

func enumOK(v any, allowed []string) bool { return v == nil || slices.Contains(allowed, asString(v)) }

func checkServiceTemplate(s *Server, o, old *object) *apiError {
	p := asMap(o.props["service_template_properties"])
	for f, allowed := range map[string][]string{"service_mode": serviceModes, "service_type": serviceTypes,
		"service_virtualization_type": virtualizations} {
		if !enumOK(p[f], allowed) {
			return errEnum(f, p[f])
		}
	}
	if v, ok := p["version"]; ok && v != nil {
		if n, ok := asInt(v); !ok || !slices.Contains(versionsAccepted, n) {
			return errEnum("version", v)
		}
	}
	for _, it := range asList(p["interface_type"]) {
		if t := asString(asMap(it)["service_interface_type"]); !interfaceTypeRe.MatchString(t) {
			return errEnum("service_interface_type", t)
		}
	}
	if old == nil {
		// Templates are shared with the whole domain.
		perms := asMap(clone(o.props["perms2"]))
		if perms == nil {
			perms = map[string]any{"owner": "cloud-admin", "owner_access": 7, "global_access": 0}
		}
		perms["share"] = append(asList(perms["share"]), map[string]any{"tenant": "domain:" + o.parent, "tenant_access": 5})
		o.props["perms2"] = perms
	}
	return nil
}

func checkServiceInstance(s *Server, o, old *object) *apiError {
	if len(o.refs["service_template_refs"]) == 0 {
		return errorf(400, "Bad Request, a service-instance needs service_template_refs")
	}
	p := asMap(o.props["service_instance_properties"])
	if !enumOK(p["ha_mode"], serviceHAModes) {
		return errEnum("ha_mode", p["ha_mode"])
	}
	return nil
}
