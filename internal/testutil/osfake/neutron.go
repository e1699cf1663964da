package osfake

import (
	"fmt"
	"maps"
	"net/http"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Neutron: networks, subnets, security groups and their rules. Ports exist
// only as servers' attachments: a network (and a security group) is in use
// while a server is attached to it.

type network struct {
	seq                            int
	id, name, description, project string
	adminUp, shared, portSecurity  bool
	created, updated               time.Time
	revision                       int
}

type secGroup struct {
	seq                            int
	id, name, description, project string
	created, updated               time.Time
	revision                       int
}

type secRule struct {
	seq                                   int
	id, group, direction, ethertype, proj string
	protocol                              *string
	min, max                              *int
	remotePrefix, remoteGroup, descr      *string
	created, updated                      time.Time
	stdAttr                               int
}

// network serves Neutron v2.0. Callers hold s.mu.
func (s *Server) network(r *req) *reply {
	p := r.path
	if len(p) == 0 || len(p) > 2 {
		return neutronErr(http.StatusNotFound, "HTTPNotFound", "The resource could not be found.")
	}
	id := ""
	if len(p) == 2 {
		id = p[1]
	}
	switch p[0] + "|" + r.Method + "|" + strconv.FormatBool(id != "") {
	case "networks|GET|false":
		return s.listNeutron(r, "networks", s.networkViews())
	case "networks|POST|false":
		return s.createNetwork(r)
	case "networks|GET|true":
		if n := s.networks[id]; n != nil {
			return jsonReply(http.StatusOK, map[string]any{"network": selectFields(r, s.networkView(n))})
		}
		return netNotFound(id)
	case "networks|PUT|true":
		return s.updateNetwork(r, id)
	case "networks|DELETE|true":
		return s.deleteNetwork(id)
	case "subnets|GET|false":
		return s.listNeutron(r, "subnets", s.subnetViews())
	case "subnets|POST|false":
		return s.createSubnet(r)
	case "subnets|GET|true":
		if sn := s.subnets[id]; sn != nil {
			return jsonReply(http.StatusOK, map[string]any{"subnet": selectFields(r, subnetView(sn))})
		}
		return subnetNotFound(id)
	case "subnets|PUT|true":
		return s.updateSubnet(r, id)
	case "subnets|DELETE|true":
		return s.deleteSubnet(id)
	case "security-groups|GET|false":
		return s.listNeutron(r, "security_groups", s.secGroupViews())
	case "security-groups|POST|false":
		return s.createSecGroup(r)
	case "security-groups|GET|true":
		if g := s.secgroups[id]; g != nil {
			return jsonReply(http.StatusOK, map[string]any{"security_group": selectFields(r, s.secGroupView(g))})
		}
		return sgNotFound(id)
	case "security-groups|PUT|true":
		return s.updateSecGroup(r, id)
	case "security-groups|DELETE|true":
		return s.deleteSecGroup(id)
	case "security-group-rules|GET|false":
		var views []map[string]any
		for _, rl := range sortedBySeq(s.rules) {
			views = append(views, ruleView(rl, false))
		}
		return s.listNeutron(r, "security_group_rules", views)
	case "security-group-rules|POST|false":
		return s.createRule(r)
	case "security-group-rules|GET|true":
		if rl := s.rules[id]; rl != nil {
			return jsonReply(http.StatusOK, map[string]any{"security_group_rule": selectFields(r, ruleView(rl, false))})
		}
		return ruleNotFound(id)
	case "security-group-rules|DELETE|true":
		if s.rules[id] == nil {
			return ruleNotFound(id)
		}
		delete(s.rules, id)
		return emptyReply(http.StatusNoContent)
	}
	if slices.Contains([]string{"networks", "subnets", "security-groups", "security-group-rules"}, p[0]) {
		return neutronErr(http.StatusMethodNotAllowed, "HTTPMethodNotAllowed", "The method is not allowed for the requested URL.")
	}
	return neutronErr(http.StatusNotFound, "HTTPNotFound", "The resource could not be found.")
}

func neutronErr(status int, typ, msg string) *reply { return errorReply(svcNetwork, status, msg, typ) }

func netNotFound(id string) *reply {
	return neutronErr(http.StatusNotFound, "NetworkNotFound", fmt.Sprintf("Network %s could not be found.", id))
}

func sgNotFound(id string) *reply {
	return neutronErr(http.StatusNotFound, "SecurityGroupNotFound", fmt.Sprintf("Security group %s does not exist", id))
}

func ruleNotFound(id string) *reply {
	return neutronErr(http.StatusNotFound, "SecurityGroupRuleNotFound", fmt.Sprintf("Security group rule %s does not exist", id))
}

func badRequest(msg string) *reply { return neutronErr(http.StatusBadRequest, "HTTPBadRequest", msg) }

// seqd is an object ordered by creation.
type seqd interface{ order() int }

func (n *network) order() int     { return n.seq }
func (n *subnet) order() int      { return n.seq }
func (n *secGroup) order() int    { return n.seq }
func (n *secRule) order() int     { return n.seq }
func (n *flavor) order() int      { return n.seq }
func (n *server) order() int      { return n.seq }
func (n *serverGroup) order() int { return n.seq }
func (n *image) order() int       { return n.seq }
func (n *stack) order() int       { return n.seq }

// sortedBySeq returns the map's values in creation order.
func sortedBySeq[T seqd](m map[string]T) []T {
	out := slices.Collect(maps.Values(m))
	sort.Slice(out, func(i, j int) bool { return out[i].order() < out[j].order() })
	return out
}

// listNeutron answers a list: Neutron filters on any attribute (a value
// given twice matches either) and refuses unknown ones, and "fields"
// selects attributes.
func (s *Server) listNeutron(r *req, key string, views []map[string]any) *reply {
	valid := neutronAttrs[key]
	var unknown []string
	for k := range r.query {
		if slices.Contains([]string{"fields", "limit", "marker", "sort_key", "sort_dir", "page_reverse"}, k) {
			continue
		}
		if !slices.Contains(valid, k) {
			unknown = append(unknown, "'"+k+"'")
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return badRequest("[" + strings.Join(unknown, ", ") + "] is invalid attribute for filtering")
	}
	out := []map[string]any{}
	for _, v := range views {
		if neutronMatches(v, r.query) {
			out = append(out, selectFields(r, v))
		}
	}
	return jsonReply(http.StatusOK, map[string]any{key: out})
}

// neutronAttrs are the attributes lists filter on.
var neutronAttrs = map[string][]string{
	"networks": {"id", "name", "tenant_id", "project_id", "admin_state_up", "mtu", "status", "subnets", "shared",
		"description", "port_security_enabled", "router:external", "revision_number", "tags", "tags-any", "not-tags", "not-tags-any",
		"provider:network_type", "provider:physical_network", "provider:segmentation_id"},
	"subnets": {"id", "name", "tenant_id", "project_id", "network_id", "ip_version", "subnetpool_id", "enable_dhcp",
		"gateway_ip", "cidr", "description", "revision_number", "ipv6_ra_mode", "ipv6_address_mode", "segment_id"},
	"security_groups": {"id", "name", "tenant_id", "project_id", "description", "stateful", "shared", "revision_number"},
	"security_group_rules": {"id", "tenant_id", "project_id", "security_group_id", "ethertype", "direction", "protocol",
		"port_range_min", "port_range_max", "remote_ip_prefix", "remote_group_id", "remote_address_group_id",
		"normalized_cidr", "description", "revision_number"},
}

func neutronMatches(v map[string]any, q map[string][]string) bool {
	for k, want := range q {
		if slices.Contains([]string{"fields", "limit", "marker", "sort_key", "sort_dir", "page_reverse"}, k) {
			continue
		}
		got, ok := v[k]
		if !ok {
			continue // tags filters and the like: every object has none
		}
		if !slices.ContainsFunc(want, func(w string) bool { return sameValue(got, w) }) {
			return false
		}
	}
	return true
}

func sameValue(got any, want string) bool {
	switch g := got.(type) {
	case nil:
		return want == "" || strings.EqualFold(want, "none")
	case string:
		return g == want
	case bool:
		b, err := strconv.ParseBool(want)
		return err == nil && b == g
	case int:
		return strconv.Itoa(g) == want
	case *int:
		return g != nil && strconv.Itoa(*g) == want
	case *string:
		return g != nil && *g == want || g == nil && want == ""
	case []string:
		return slices.Contains(g, want)
	}
	return fmt.Sprint(got) == want
}

// selectFields keeps the attributes "fields" names, if any.
func selectFields(r *req, v map[string]any) map[string]any {
	fields := r.query["fields"]
	if len(fields) == 0 {
		return v
	}
	out := map[string]any{}
	for _, f := range fields {
		if x, ok := v[f]; ok {
			out[f] = x
		}
	}
	return out
}

// bodyOf extracts the object of a Neutron create or update body, refusing
// attributes outside allowed.
func bodyOf(r *req, key string, allowed ...string) (map[string]any, *reply) {
	var b map[string]map[string]any
	if err := r.decode(&b); err != nil {
		return nil, badRequest("Malformed request body: " + err.Error())
	}
	obj, ok := b[key]
	if !ok || obj == nil {
		return nil, badRequest(fmt.Sprintf("Unable to find '%s' in request body", key))
	}
	var bad []string
	for k := range obj {
		if !slices.Contains(allowed, k) {
			bad = append(bad, k)
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return nil, badRequest(fmt.Sprintf("Unrecognized attribute(s) '%s'", strings.Join(bad, ", ")))
	}
	return obj, nil
}

func str(m map[string]any, k string) (string, bool, *reply) {
	v, ok := m[k]
	if !ok || v == nil {
		return "", false, nil
	}
	s, isStr := v.(string)
	if !isStr {
		return "", true, badRequest(fmt.Sprintf("Invalid input for %s. Reason: '%v' is not a valid string.", k, v))
	}
	return s, true, nil
}

// projectOf is the project a request acts for.
func projectOf(r *req) string {
	if r.tok != nil && r.tok.project != nil {
		return r.tok.project.ID
	}
	return ""
}

// countWhere counts the values of m in project p.
func countWhere[T any](m map[string]T, inProject func(T) bool) int {
	n := 0
	for _, v := range m {
		if inProject(v) {
			n++
		}
	}
	return n
}

func overQuota(resource string) *reply {
	return neutronErr(http.StatusConflict, "OverQuota", fmt.Sprintf("Quota exceeded for resources: ['%s'].", resource))
}

// ---- networks ----

func (s *Server) networkView(n *network) map[string]any {
	subs := []string{}
	for _, sn := range sortedBySeq(s.subnets) {
		if sn.networkID == n.id {
			subs = append(subs, sn.id)
		}
	}
	return map[string]any{
		"id": n.id, "name": n.name, "tenant_id": n.project, "project_id": n.project, "admin_state_up": n.adminUp,
		"mtu": 1450, "status": "ACTIVE", "subnets": subs, "shared": n.shared, "availability_zone_hints": []string{},
		"availability_zones": []string{"nova"}, "ipv4_address_scope": nil, "ipv6_address_scope": nil, "router:external": false,
		"description": n.description, "port_security_enabled": n.portSecurity, "tags": []string{},
		"created_at": stamp(n.created), "updated_at": stamp(n.updated), "revision_number": n.revision,
		"provider:network_type": "geneve", "provider:physical_network": nil, "provider:segmentation_id": 1000 + n.seq,
	}
}

func (s *Server) networkViews() []map[string]any {
	var out []map[string]any
	for _, n := range sortedBySeq(s.networks) {
		out = append(out, s.networkView(n))
	}
	return out
}

func (s *Server) createNetwork(r *req) *reply {
	obj, bad := bodyOf(r, "network", "name", "description", "admin_state_up", "shared", "port_security_enabled",
		"mtu", "tenant_id", "project_id", "availability_zone_hints", "router:external", "dns_domain",
		"provider:network_type", "provider:physical_network", "provider:segmentation_id", "qos_policy_id")
	if bad != nil {
		return bad
	}
	name, _, bad := str(obj, "name")
	if bad != nil {
		return bad
	}
	desc, _, bad := str(obj, "description")
	if bad != nil {
		return bad
	}
	proj := projectOf(r)
	if q := s.opts.Quota.Networks; q > 0 && countWhere(s.networks, func(n *network) bool { return n.project == proj }) >= q {
		return overQuota("network")
	}
	now := s.now()
	n := &network{seq: s.nextSeq(), id: newUUID(), name: name, description: desc, project: proj, adminUp: true,
		portSecurity: true, created: now, updated: now, revision: 1}
	if v, ok := obj["admin_state_up"].(bool); ok {
		n.adminUp = v
	}
	if v, ok := obj["shared"].(bool); ok {
		n.shared = v
	}
	s.networks[n.id] = n
	return jsonReply(http.StatusCreated, map[string]any{"network": s.networkView(n)})
}

func (s *Server) updateNetwork(r *req, id string) *reply {
	n := s.networks[id]
	if n == nil {
		return netNotFound(id)
	}
	obj, bad := bodyOf(r, "network", "name", "description", "admin_state_up", "shared", "port_security_enabled", "mtu", "dns_domain", "qos_policy_id")
	if bad != nil {
		return bad
	}
	if v, ok, bad := str(obj, "name"); bad != nil {
		return bad
	} else if ok {
		n.name = v
	}
	if v, ok, bad := str(obj, "description"); bad != nil {
		return bad
	} else if ok {
		n.description = v
	}
	if v, ok := obj["admin_state_up"].(bool); ok {
		n.adminUp = v
	}
	n.updated = s.now()
	n.revision += 2 // Neutron bumps it for the network and its segment
	return jsonReply(http.StatusOK, map[string]any{"network": s.networkView(n)})
}

// deleteNetwork deletes a network and its subnets; 409 while a server is
// attached to it.
func (s *Server) deleteNetwork(id string) *reply {
	if s.networks[id] == nil {
		return netNotFound(id)
	}
	var ports []string
	for _, sv := range sortedBySeq(s.servers) {
		for _, p := range sv.ports {
			if p.network == id {
				ports = append(ports, p.id)
			}
		}
	}
	if len(ports) > 0 {
		return neutronErr(http.StatusConflict, "NetworkInUse", fmt.Sprintf("Unable to complete operation on network %s. "+
			"There are one or more ports still in use on the network, id for these ports is: %s.", id, strings.Join(ports, ", ")))
	}
	for sid, sn := range s.subnets {
		if sn.networkID == id {
			delete(s.subnets, sid)
		}
	}
	delete(s.networks, id)
	return emptyReply(http.StatusNoContent)
}

// ---- security groups ----

// newSecGroup makes a group with Neutron's two default rules: egress to
// anywhere, IPv4 and IPv6. Callers hold s.mu.
func (s *Server) newSecGroup(project, name, desc string) *secGroup {
	now := s.now()
	g := &secGroup{seq: s.nextSeq(), id: newUUID(), name: name, description: desc, project: project, created: now, updated: now, revision: 1}
	s.secgroups[g.id] = g
	for _, et := range []string{"IPv6", "IPv4"} {
		rl := &secRule{seq: s.nextSeq(), id: newUUID(), group: g.id, direction: "egress", ethertype: et, proj: project, created: now, updated: now}
		rl.stdAttr = rl.seq
		s.rules[rl.id] = rl
	}
	if name == "default" {
		// The default group also lets its members talk to each other.
		for _, et := range []string{"IPv6", "IPv4"} {
			self, empty := g.id, ""
			rl := &secRule{seq: s.nextSeq(), id: newUUID(), group: g.id, direction: "ingress", ethertype: et, proj: project,
				remoteGroup: &self, descr: &empty, created: now, updated: now}
			rl.stdAttr = rl.seq
			s.rules[rl.id] = rl
		}
	}
	return g
}

func (s *Server) secGroupView(g *secGroup) map[string]any {
	rules := []any{}
	for _, rl := range sortedBySeq(s.rules) {
		if rl.group == g.id {
			rules = append(rules, ruleView(rl, true))
		}
	}
	return map[string]any{
		"id": g.id, "name": g.name, "stateful": true, "tenant_id": g.project, "project_id": g.project, "description": g.description,
		"shared": false, "security_group_rules": rules, "tags": []string{}, "created_at": stamp(g.created),
		"updated_at": stamp(g.updated), "revision_number": g.revision,
	}
}

func (s *Server) secGroupViews() []map[string]any {
	var out []map[string]any
	for _, g := range sortedBySeq(s.secgroups) {
		out = append(out, s.secGroupView(g))
	}
	return out
}

func ruleView(rl *secRule, embedded bool) map[string]any {
	var normalized any
	if rl.remotePrefix != nil {
		if p, err := netip.ParsePrefix(*rl.remotePrefix); err == nil {
			normalized = p.Masked().String()
		}
	}
	v := map[string]any{
		"id": rl.id, "tenant_id": rl.proj, "project_id": rl.proj, "security_group_id": rl.group, "ethertype": rl.ethertype,
		"direction": rl.direction, "protocol": rl.protocol, "port_range_min": rl.min, "port_range_max": rl.max,
		"remote_ip_prefix": rl.remotePrefix, "remote_address_group_id": nil, "normalized_cidr": normalized,
		"remote_group_id": rl.remoteGroup, "description": rl.descr, "created_at": stamp(rl.created),
		"updated_at": stamp(rl.updated), "revision_number": 0,
	}
	if embedded {
		v["standard_attr_id"] = rl.stdAttr
		v["tags"] = []string{}
	}
	return v
}

func (s *Server) createSecGroup(r *req) *reply {
	obj, bad := bodyOf(r, "security_group", "name", "description", "tenant_id", "project_id", "stateful")
	if bad != nil {
		return bad
	}
	name, _, bad := str(obj, "name")
	if bad != nil {
		return bad
	}
	desc, _, bad := str(obj, "description")
	if bad != nil {
		return bad
	}
	proj := projectOf(r)
	if name == "default" {
		return neutronErr(http.StatusConflict, "SecurityGroupDefaultAlreadyExists", "Default security group already exists.")
	}
	if q := s.opts.Quota.SecurityGroups; q > 0 && countWhere(s.secgroups, func(g *secGroup) bool { return g.project == proj }) >= q {
		return overQuota("security_group")
	}
	g := s.newSecGroup(proj, name, desc)
	return jsonReply(http.StatusCreated, map[string]any{"security_group": s.secGroupView(g)})
}

func (s *Server) updateSecGroup(r *req, id string) *reply {
	g := s.secgroups[id]
	if g == nil {
		return sgNotFound(id)
	}
	obj, bad := bodyOf(r, "security_group", "name", "description", "stateful")
	if bad != nil {
		return bad
	}
	if v, ok, bad := str(obj, "name"); bad != nil {
		return bad
	} else if ok {
		g.name = v
	}
	if v, ok, bad := str(obj, "description"); bad != nil {
		return bad
	} else if ok {
		g.description = v
	}
	g.updated = s.now()
	g.revision++
	return jsonReply(http.StatusOK, map[string]any{"security_group": s.secGroupView(g)})
}

// deleteSecGroup deletes a group, its rules and the rules of other groups
// naming it as their remote; 409 while a server uses it.
func (s *Server) deleteSecGroup(id string) *reply {
	if s.secgroups[id] == nil {
		return sgNotFound(id)
	}
	for _, sv := range s.servers {
		if slices.Contains(sv.secGroups, id) {
			return neutronErr(http.StatusConflict, "SecurityGroupInUse", fmt.Sprintf("Security Group %s in use.", id))
		}
	}
	for rid, rl := range s.rules {
		if rl.group == id || rl.remoteGroup != nil && *rl.remoteGroup == id {
			delete(s.rules, rid)
		}
	}
	delete(s.secgroups, id)
	return emptyReply(http.StatusNoContent)
}

// ruleProtocols are the protocol names Neutron accepts.
var ruleProtocols = []string{"ah", "dccp", "egp", "esp", "gre", "hopopt", "icmp", "igmp", "ip", "ipip", "ipv6-encap",
	"ipv6-frag", "ipv6-icmp", "icmpv6", "ipv6-nonxt", "ipv6-opts", "ipv6-route", "ospf", "pgm", "rsvp", "sctp", "tcp", "udp",
	"udplite", "vrrp"}

func (s *Server) createRule(r *req) *reply {
	obj, bad := bodyOf(r, "security_group_rule", "security_group_id", "direction", "ethertype", "protocol", "port_range_min",
		"port_range_max", "remote_ip_prefix", "remote_group_id", "remote_address_group_id", "description", "tenant_id", "project_id")
	if bad != nil {
		return bad
	}
	rl := &secRule{ethertype: "IPv4", proj: projectOf(r)}
	var err *reply
	if rl.group, _, err = str(obj, "security_group_id"); err != nil {
		return err
	}
	if rl.direction, _, err = str(obj, "direction"); err != nil {
		return err
	}
	if rl.direction != "ingress" && rl.direction != "egress" {
		return badRequest(fmt.Sprintf("Invalid input for direction. Reason: %s is not in valid_values.", orNone(rl.direction)))
	}
	if v, ok, err := str(obj, "ethertype"); err != nil {
		return err
	} else if ok {
		rl.ethertype = v
	}
	if rl.ethertype != "IPv4" && rl.ethertype != "IPv6" {
		return badRequest(fmt.Sprintf("Invalid input for ethertype. Reason: %s is not in valid_values.", rl.ethertype))
	}
	if v, ok, err := str(obj, "protocol"); err != nil {
		return err
	} else if ok {
		n, numErr := strconv.Atoi(v)
		if !slices.Contains(ruleProtocols, strings.ToLower(v)) && (numErr != nil || n < 0 || n > 255) {
			return neutronErr(http.StatusBadRequest, "SecurityGroupRuleInvalidProtocol", fmt.Sprintf("Security group rule protocol %s not supported. "+
				"Only protocol values [None, '%s'] and integer representations [0 to 255] are supported.", v, strings.Join(ruleProtocols, "', '")))
		}
		lv := strings.ToLower(v)
		rl.protocol = &lv
	}
	for _, f := range []struct {
		key string
		dst **int
	}{{"port_range_min", &rl.min}, {"port_range_max", &rl.max}} {
		switch v := obj[f.key].(type) {
		case nil:
		case float64:
			n := int(v)
			*f.dst = &n
		case string:
			n, e := strconv.Atoi(v)
			if e != nil {
				return badRequest(fmt.Sprintf("Invalid input for %s. Reason: '%s' is not an integer.", f.key, v))
			}
			*f.dst = &n
		default:
			return badRequest(fmt.Sprintf("Invalid input for %s. Reason: '%v' is not an integer.", f.key, v))
		}
	}
	if e := validatePorts(rl); e != nil {
		return e
	}
	if v, ok, err := str(obj, "remote_ip_prefix"); err != nil {
		return err
	} else if ok {
		p, e := netip.ParsePrefix(v)
		if e != nil {
			if a, e2 := netip.ParseAddr(v); e2 == nil {
				p = netip.PrefixFrom(a, a.BitLen())
				v = p.String()
			} else {
				return badRequest(fmt.Sprintf("Invalid input for remote_ip_prefix. Reason: '%s' is not a valid IP subnet.", v))
			}
		}
		if p.Addr().Is4() != (rl.ethertype == "IPv4") {
			return neutronErr(http.StatusBadRequest, "SecurityGroupRuleParameterConflict",
				fmt.Sprintf("Conflicting value ethertype %s for CIDR %s", rl.ethertype, v))
		}
		rl.remotePrefix = &v
	}
	if v, ok, err := str(obj, "remote_group_id"); err != nil {
		return err
	} else if ok {
		rl.remoteGroup = &v
	}
	if rl.remotePrefix != nil && rl.remoteGroup != nil || obj["remote_address_group_id"] != nil && (rl.remotePrefix != nil || rl.remoteGroup != nil) {
		return neutronErr(http.StatusBadRequest, "SecurityGroupMultipleRemoteEntites",
			"Only one of remote_ip_prefix or remote_group_id or remote_address_group_id may be provided.")
	}
	desc := ""
	if v, _, err := str(obj, "description"); err != nil {
		return err
	} else {
		desc = v
	}
	rl.descr = &desc
	if s.secgroups[rl.group] == nil {
		return sgNotFound(rl.group)
	}
	if rl.remoteGroup != nil && s.secgroups[*rl.remoteGroup] == nil {
		return sgNotFound(*rl.remoteGroup)
	}
	for _, other := range sortedBySeq(s.rules) {
		if sameRule(other, rl) {
			return neutronErr(http.StatusConflict, "SecurityGroupRuleExists",
				fmt.Sprintf("Security group rule already exists. Rule id is %s.", other.id))
		}
	}
	now := s.now()
	rl.seq, rl.id, rl.created, rl.updated = s.nextSeq(), newUUID(), now, now
	rl.stdAttr = rl.seq
	s.rules[rl.id] = rl
	if g := s.secgroups[rl.group]; g != nil {
		g.revision++
	}
	return jsonReply(http.StatusCreated, map[string]any{"security_group_rule": ruleView(rl, false)})
}

func orNone(s string) string {
	if s == "" {
		return "None"
	}
	return s
}

// validatePorts checks a rule's ports as Neutron does.
func validatePorts(rl *secRule) *reply {
	if rl.min == nil && rl.max == nil {
		return nil
	}
	if rl.protocol == nil {
		return neutronErr(http.StatusBadRequest, "SecurityGroupProtocolRequiredWithPorts", "Must also specify protocol if port range is given.")
	}
	switch *rl.protocol {
	case "tcp", "udp", "sctp", "udplite", "dccp", "6", "17", "132", "136", "33":
		for _, p := range []*int{rl.min, rl.max} {
			if p != nil && (*p <= 0 || *p > 65535) {
				return neutronErr(http.StatusBadRequest, "SecurityGroupInvalidPortValue", fmt.Sprintf("Invalid value for port %d", *p))
			}
		}
		if rl.min == nil || rl.max == nil || *rl.min > *rl.max {
			return neutronErr(http.StatusBadRequest, "SecurityGroupInvalidPortRange", "For TCP/UDP protocols, port_range_min must be <= port_range_max")
		}
	case "icmp", "icmpv6", "ipv6-icmp", "1", "58":
		for _, f := range []struct {
			name string
			v    *int
		}{{"port_range_min", rl.min}, {"port_range_max", rl.max}} {
			if f.v != nil && (*f.v < 0 || *f.v > 255) {
				return neutronErr(http.StatusBadRequest, "SecurityGroupInvalidIcmpValue",
					fmt.Sprintf("Invalid value for ICMP %s (%s): %d. It must be 0 to 255.", map[string]string{"port_range_min": "type", "port_range_max": "code"}[f.name], f.name, *f.v))
			}
		}
		if rl.min == nil && rl.max != nil {
			return neutronErr(http.StatusBadRequest, "SecurityGroupMissingIcmpType",
				fmt.Sprintf("ICMP code (port-range-max) %d is provided but ICMP type (port-range-min) is missing.", *rl.max))
		}
	}
	return nil
}

// sameRule is Neutron's duplicate test: every attribute but the ID and the
// description, prefixes compared as given.
func sameRule(a, b *secRule) bool {
	eqS := func(x, y *string) bool { return x == nil && y == nil || x != nil && y != nil && *x == *y }
	eqI := func(x, y *int) bool { return x == nil && y == nil || x != nil && y != nil && *x == *y }
	return a.group == b.group && a.direction == b.direction && a.ethertype == b.ethertype && eqS(a.protocol, b.protocol) &&
		eqI(a.min, b.min) && eqI(a.max, b.max) && eqS(a.remotePrefix, b.remotePrefix) && eqS(a.remoteGroup, b.remoteGroup)
}
