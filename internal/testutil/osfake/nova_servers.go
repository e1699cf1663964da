package osfake

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Nova servers: create with Nova's checks, the view (addresses once
// built), list, delete, and the state machine Step drives. What a boot
// carries besides its resources is in nova_boot.go, actions in
// nova_actions.go.

type portIP struct {
	subnet string
	addr   netip.Addr
}

type port struct {
	id, network, mac string
	subnet           string // the first fixed IP's, for SubnetInUse
	ips              []portIP
}

type server struct {
	seq                     int
	id, name, project, user string
	status, vmState         string
	task                    *string
	power                   int
	imageID                 string
	flv                     flavor
	metadata                map[string]string
	ports                   []port
	secGroups               []string // IDs
	group                   string
	created, updated        time.Time
	launched                *time.Time
	hostID, fault           string
	next                    string // the state Step moves it to
	boot                    bootOptions
	host                    string         // the compute host, once scheduled
	volumes                 []serverVolume // attached at boot (nova_volumes.go)
}

func ptr[T any](v T) *T { return &v }

// used sums what the project's servers hold. Callers hold s.mu.
func (s *Server) used(project string) (instances, cores, ram int) {
	for _, sv := range s.servers {
		if sv.project == project {
			instances++
			cores += sv.flv.vcpus
			ram += sv.flv.ram
		}
	}
	return
}

// findSecGroup finds a group of the project by ID or name.
func (s *Server) findSecGroup(project, nameOrID string) *secGroup {
	if g := s.secgroups[nameOrID]; g != nil && g.project == project {
		return g
	}
	for _, g := range sortedBySeq(s.secgroups) {
		if g.project == project && g.name == nameOrID {
			return g
		}
	}
	return nil
}

func (s *Server) createServer(r *req) *reply {
	var top map[string]any
	if err := r.decode(&top); err != nil {
		return novaErr(http.StatusBadRequest, "Malformed request body")
	}
	allowed := []string{"name", "imageRef", "flavorRef", "networks", "metadata", "security_groups", "adminPass",
		"key_name", "user_data", "availability_zone", "config_drive", "min_count", "max_count", "return_reservation_id",
		"OS-DCF:diskConfig", "accessIPv4", "accessIPv6", "personality", "block_device_mapping_v2", "description", "tags",
		"trusted_image_certificates", "hostname", "host", "hypervisor_hostname"}
	if r.mv.atLeast(57) {
		// 2.57 removed personality files: user_data carries day-0 data.
		allowed = slices.DeleteFunc(allowed, func(k string) bool { return k == "personality" })
	}
	obj, bad := novaBody(r, "server", allowed, "name", "flavorRef")
	if bad != nil {
		return bad
	}
	for k := range top {
		if k != "server" && k != "os:scheduler_hints" && k != "OS-SCH-HNT:scheduler_hints" {
			return r.schemaErr("", top, fmt.Sprintf("Additional properties are not allowed ('%s' was unexpected)", k))
		}
	}
	if r.mv.atLeast(37) {
		if _, ok := obj["networks"]; !ok {
			return r.schemaErr("server", obj, "'networks' is a required property")
		}
	}
	name, ok := obj["name"].(string)
	if !ok || strings.TrimSpace(name) == "" {
		return r.schemaErr("name", obj["name"], fmt.Sprintf("%s is not a valid server name", pyRepr(obj["name"])))
	}
	proj := projectOf(r)
	// Flavor, image, networks, groups: Nova's checks and messages.
	flvRef, _ := obj["flavorRef"].(string)
	f := s.flavors[lastSegment(flvRef)]
	if f == nil {
		return novaErr(http.StatusBadRequest, "Flavor %s could not be found.", flvRef)
	}
	imgRef, _ := obj["imageRef"].(string)
	if imgRef == "" {
		return novaErr(http.StatusBadRequest, "Block Device Mapping is Invalid: Boot sequence for the instance and image/block device mapping combination is not valid.")
	}
	img := s.images[lastSegment(imgRef)]
	if img == nil {
		return novaErr(http.StatusBadRequest, "Can not find requested image")
	}
	if img.status != "active" {
		return novaErr(http.StatusBadRequest, "Image %s is not active.", img.id)
	}
	if img.minDisk > f.disk && f.disk > 0 {
		return novaErr(http.StatusBadRequest, "Flavor's disk is too small for requested image. Flavor disk is %d bytes, image is %d bytes.", f.disk<<30, img.minDisk<<30)
	}
	var nets []string
	var fixed []netip.Addr // parallel to nets; invalid: none asked for
	switch n := obj["networks"].(type) {
	case nil:
	case string:
		if n != "none" && n != "auto" {
			return r.schemaErr("networks", n, fmt.Sprintf("%s is not one of ['none', 'auto']", pyRepr(n)))
		}
		if n == "auto" {
			// The one network the project may use, as Nova picks it
			// (there is no auto-allocated topology here).
			var usable []string
			for _, nw := range sortedBySeq(s.networks) {
				if nw.project != proj && !nw.shared {
					continue
				}
				for _, sn := range s.subnets {
					if sn.networkID == nw.id {
						usable = append(usable, nw.id)
						break
					}
				}
			}
			switch len(usable) {
			case 0:
				return novaErr(http.StatusBadRequest, "Unable to automatically allocate a network for project %s", proj)
			case 1:
				nets = usable
			default:
				return novaErr(http.StatusConflict, "Multiple possible networks found, use a Network ID to be more specific.")
			}
		}
	case []any:
		for _, e := range n {
			m, _ := e.(map[string]any)
			if pid, ok := m["port"].(string); ok {
				return novaErr(http.StatusBadRequest, "Port %s could not be found.", pid)
			}
			id, _ := m["uuid"].(string)
			if _, err := netipParseUUID(id); err != nil {
				return r.schemaErr("uuid", m["uuid"], fmt.Sprintf("%s is not a 'uuid'", pyRepr(m["uuid"])))
			}
			if s.networks[id] == nil {
				return novaErr(http.StatusBadRequest, "Network %s could not be found.", id)
			}
			hasSubnet := false
			for _, sn := range s.subnets {
				hasSubnet = hasSubnet || sn.networkID == id
			}
			if !hasSubnet {
				return novaErr(http.StatusBadRequest, "Network %s requires a subnet in order to boot instances on.", id)
			}
			a, bad := s.fixedIP(r, id, m)
			if bad != nil {
				return bad
			}
			nets, fixed = append(nets, id), append(fixed, a)
		}
	default:
		return r.schemaErr("networks", n, fmt.Sprintf("%s is not of type 'array'", pyRepr(n)))
	}
	var groupNames []any
	var groups []string
	switch sg := obj["security_groups"].(type) {
	case nil:
		groupNames = []any{map[string]any{"name": "default"}}
	case []any:
		groupNames = sg
	default:
		return r.schemaErr("security_groups", sg, fmt.Sprintf("%s is not of type 'array'", pyRepr(sg)))
	}
	for _, e := range groupNames {
		m, _ := e.(map[string]any)
		n, _ := m["name"].(string)
		g := s.findSecGroup(proj, n)
		if g == nil {
			return novaErr(http.StatusBadRequest, "Unable to find security_group with name or id '%s'", n)
		}
		if !slices.Contains(groups, g.id) {
			groups = append(groups, g.id)
		}
	}
	meta := map[string]string{}
	if md, ok := obj["metadata"]; ok {
		m, bad := metadataOf(r, md)
		if bad != nil {
			return bad
		}
		meta = m
	}
	group := ""
	for _, k := range []string{"os:scheduler_hints", "OS-SCH-HNT:scheduler_hints"} {
		if h, ok := top[k].(map[string]any); ok {
			if gid, ok := h["group"].(string); ok {
				g := s.sgroups[gid]
				if g == nil {
					return novaErr(http.StatusBadRequest, "Instance group %s could not be found.", gid)
				}
				group = g.id
			}
		}
	}
	boot, bad := bootOptionsOf(r, obj)
	if bad != nil {
		return bad
	}
	vols, bad := s.blockDevices(r, obj, imgRef != "", proj)
	if bad != nil {
		return bad
	}
	if bad := s.checkComputeQuota(proj, f); bad != nil {
		return bad
	}
	now := s.now()
	sv := &server{seq: s.nextSeq(), id: newUUID(), name: name, project: proj, user: r.tok.user.ID, status: "BUILD",
		vmState: "building", task: ptr("scheduling"), imageID: img.id, flv: *f, metadata: meta, secGroups: groups,
		group: group, created: now, updated: now, next: "active", boot: boot}
	if boot.host != "" && !slices.Contains(computeHosts, boot.host) {
		sv.next, sv.fault = "error", "No valid host was found. "
	}
	for i, n := range nets {
		p := port{id: newUUID(), network: n, mac: macOf(sv.id, len(sv.ports))}
		if i < len(fixed) && fixed[i].IsValid() {
			s.takeFixedIP(sv, &p, fixed[i])
			sv.ports = append(sv.ports, p)
			continue
		}
		for _, sn := range sortedBySeq(s.subnets) {
			if sn.networkID == n {
				if _, a := s.allocateIn(sn); a.IsValid() {
					p.ips = append(p.ips, portIP{sn.id, a})
				}
			}
		}
		if len(p.ips) > 0 {
			p.subnet = p.ips[0].subnet
		}
		sv.ports = append(sv.ports, p)
	}
	s.servers[sv.id] = sv
	s.reserveVolumes(sv, vols)
	if group != "" {
		s.sgroups[group].members = append(s.sgroups[group].members, sv.id)
	}
	links := []any{
		map[string]any{"rel": "self", "href": s.url + prefixCompute + "/v2.1/servers/" + sv.id},
		map[string]any{"rel": "bookmark", "href": s.url + prefixCompute + "/servers/" + sv.id},
	}
	body := map[string]any{"id": sv.id, "links": links, "OS-DCF:diskConfig": "MANUAL", "security_groups": groupNames,
		"adminPass": newTokenID()[7:19]}
	return jsonReply(http.StatusAccepted, map[string]any{"server": body}).set("Location", s.url+prefixCompute+"/v2.1/servers/"+sv.id)
}

func netipParseUUID(s string) (string, error) {
	if len(s) != 36 || strings.Count(s, "-") != 4 {
		return "", fmt.Errorf("not a uuid")
	}
	if _, err := hex.DecodeString(strings.ReplaceAll(s, "-", "")); err != nil {
		return "", err
	}
	return s, nil
}

func lastSegment(ref string) string {
	if u, err := url.Parse(ref); err == nil && u.Scheme != "" {
		return ref[strings.LastIndex(ref, "/")+1:]
	}
	return ref
}

func macOf(id string, i int) string {
	h := sha256.Sum256([]byte(id + strconv.Itoa(i)))
	return fmt.Sprintf("fa:16:3e:%02x:%02x:%02x", h[0], h[1], h[2])
}

// metadataOf checks server metadata as Nova does: strings of at most 255
// characters, keys not empty.
func metadataOf(r *req, v any) (map[string]string, *reply) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, r.schemaErr("metadata", v, fmt.Sprintf("%s is not of type 'object'", pyRepr(v)))
	}
	out := map[string]string{}
	for k, x := range m {
		sv, isStr := x.(string)
		switch {
		case !isStr:
			return nil, r.schemaErr(k, x, fmt.Sprintf("%s is not of type 'string'", pyRepr(x)))
		case k == "" || len(k) > 255:
			return nil, r.schemaErr("metadata", m, fmt.Sprintf("Additional properties are not allowed (%s was unexpected)", pyRepr(k)))
		case len(sv) > 255:
			return nil, r.schemaErr(k, x, fmt.Sprintf("%s is too long", pyRepr(sv)))
		}
		out[k] = sv
	}
	if len(out) > 128 {
		return nil, novaErr(http.StatusForbidden, "Quota exceeded for metadata_items: Requested %d, but already used 0 of 128 metadata_items", len(out))
	}
	return out, nil
}

// checkComputeQuota is Nova's instances/cores/ram check and message.
func (s *Server) checkComputeQuota(project string, f *flavor) *reply {
	q := s.opts.Quota
	inst, cores, ram := s.used(project)
	type res struct {
		name               string
		req, used, allowed int
	}
	var overs []res
	for _, c := range []res{{"cores", f.vcpus, cores, q.Cores}, {"instances", 1, inst, q.Instances}, {"ram", f.ram, ram, q.RAM}} {
		if c.allowed > 0 && c.used+c.req > c.allowed {
			overs = append(overs, c)
		}
	}
	if len(overs) == 0 {
		return nil
	}
	join := func(get func(res) string) string {
		var parts []string
		for _, o := range overs {
			parts = append(parts, get(o))
		}
		return strings.Join(parts, ", ")
	}
	names := join(func(o res) string { return o.name })
	return novaErr(http.StatusForbidden, "Quota exceeded for %s: Requested %s, but already used %s of %s %s", names,
		join(func(o res) string { return strconv.Itoa(o.req) }), join(func(o res) string { return strconv.Itoa(o.used) }),
		join(func(o res) string { return strconv.Itoa(o.allowed) }), names)
}

func (s *Server) serverView(sv *server, mv microversion) map[string]any {
	links := []any{
		map[string]any{"rel": "self", "href": s.url + prefixCompute + "/v2.1/servers/" + sv.id},
		map[string]any{"rel": "bookmark", "href": s.url + prefixCompute + "/servers/" + sv.id},
	}
	addresses := map[string]any{}
	building := sv.status == "BUILD"
	if !building {
		for _, p := range sv.ports {
			var list []any
			for _, ip := range p.ips {
				v := 4
				if ip.addr.Is6() {
					v = 6
				}
				list = append(list, map[string]any{"version": v, "addr": ip.addr.String(), "OS-EXT-IPS:type": "fixed", "OS-EXT-IPS-MAC:mac_addr": p.mac})
			}
			if n := s.networks[p.network]; n != nil && list != nil {
				addresses[n.name] = list
			}
		}
	}
	var flv any
	if mv.atLeast(47) {
		flv = map[string]any{"vcpus": sv.flv.vcpus, "ram": sv.flv.ram, "disk": sv.flv.disk, "ephemeral": sv.flv.ephemeral,
			"swap": sv.flv.swap, "original_name": sv.flv.name, "extra_specs": map[string]string{}}
	} else {
		flv = map[string]any{"id": sv.flv.id, "links": []any{map[string]any{"rel": "bookmark", "href": s.url + prefixCompute + "/flavors/" + sv.flv.id}}}
	}
	var launched any
	if sv.launched != nil {
		launched = sv.launched.UTC().Format("2006-01-02T15:04:05.000000")
	}
	az := sv.boot.zone
	if building {
		az = ""
	}
	configDrive := ""
	if sv.boot.configDrive {
		configDrive = "True"
	}
	var host any
	if sv.host != "" {
		host = sv.host
	}
	v := map[string]any{
		"id": sv.id, "name": sv.name, "status": sv.status, "tenant_id": sv.project, "user_id": sv.user, "metadata": sv.metadata,
		"hostId": sv.hostID, "flavor": flv, "created": stamp(sv.created), "updated": stamp(sv.updated), "addresses": addresses,
		"image":      map[string]any{"id": sv.imageID, "links": []any{map[string]any{"rel": "bookmark", "href": s.url + prefixCompute + "/images/" + sv.imageID}}},
		"accessIPv4": "", "accessIPv6": "", "links": links, "OS-DCF:diskConfig": "MANUAL", "progress": 0,
		"OS-EXT-AZ:availability_zone": az, "config_drive": configDrive, "key_name": nil,
		// Shown to administrators; the fake has no policy, so to all.
		"OS-EXT-SRV-ATTR:host": host, "OS-EXT-SRV-ATTR:hypervisor_hostname": host, "OS-SRV-USG:launched_at": launched,
		"OS-SRV-USG:terminated_at": nil, "OS-EXT-STS:task_state": sv.task, "OS-EXT-STS:vm_state": sv.vmState,
		"OS-EXT-STS:power_state": sv.power, "os-extended-volumes:volumes_attached": volumesAttached(sv, mv),
	}
	if !building {
		var sgs []any
		for _, gid := range sv.secGroups {
			if g := s.secgroups[gid]; g != nil {
				sgs = append(sgs, map[string]any{"name": g.name})
			}
		}
		if sgs != nil {
			v["security_groups"] = sgs
		}
	}
	if mv.atLeast(9) {
		v["locked"] = false
	}
	if mv.atLeast(16) {
		v["host_status"] = ""
		if !building {
			v["host_status"] = "UP"
		}
	}
	if mv.atLeast(19) {
		v["description"] = nil
	}
	if mv.atLeast(26) {
		v["tags"] = []string{}
	}
	if mv.atLeast(63) {
		v["trusted_image_certificates"] = nil
	}
	if sv.status == "ERROR" && sv.fault != "" {
		v["fault"] = map[string]any{"code": 500, "created": stamp(sv.updated), "message": sv.fault}
	}
	return v
}

func (s *Server) listServers(r *req, detail bool) *reply {
	var re *regexp.Regexp
	if n := r.q("name"); n != "" {
		var err error
		if re, err = regexp.Compile(n); err != nil {
			return novaErr(http.StatusBadRequest, "Invalid regular expression %s", n)
		}
	}
	all := sortedBySeq(s.servers)
	slices.Reverse(all) // newest first, as Nova sorts by created_at desc
	out := []any{}
	for _, sv := range all {
		if sv.project != projectOf(r) || re != nil && !re.MatchString(sv.name) {
			continue
		}
		if st := r.q("status"); st != "" && !strings.EqualFold(st, sv.status) {
			continue
		}
		if detail {
			out = append(out, s.serverView(sv, r.mv))
		} else {
			out = append(out, map[string]any{"id": sv.id, "name": sv.name, "links": s.serverView(sv, r.mv)["links"]})
		}
	}
	return jsonReply(http.StatusOK, map[string]any{"servers": out})
}

func (s *Server) deleteServer(sv *server) *reply {
	sv.task, sv.next, sv.updated = ptr("deleting"), "deleted", s.now()
	return emptyReply(http.StatusNoContent)
}

// stepServers moves servers on one state. Callers hold s.mu.
func (s *Server) stepServers() {
	now := s.now()
	for _, sv := range sortedBySeq(s.servers) {
		switch sv.next {
		case "":
			continue
		case "deleted":
			for _, p := range sv.ports {
				for _, ip := range p.ips {
					s.release(ip.subnet, ip.addr)
				}
			}
			if g := s.sgroups[sv.group]; g != nil {
				g.members = slices.DeleteFunc(g.members, func(m string) bool { return m == sv.id })
			}
			s.releaseVolumes(sv)
			delete(s.servers, sv.id)
			continue
		case "active":
			sv.status, sv.vmState, sv.power = "ACTIVE", "active", 1
			if sv.launched == nil {
				sv.launched = &now
				sv.host = sv.boot.host
				if sv.host == "" {
					sv.host = computeHosts[sv.seq%len(computeHosts)]
				}
				h := sha256.Sum224([]byte(sv.project + sv.host))
				sv.hostID = hex.EncodeToString(h[:])
			}
			s.attachVolumes(sv)
		case "shutoff":
			sv.status, sv.vmState, sv.power = "SHUTOFF", "stopped", 4
		case "error":
			sv.status, sv.vmState, sv.power = "ERROR", "error", 0
		}
		sv.task, sv.next, sv.updated = nil, "", now
	}
}

// BreakServer puts a server in ERROR with a fault message, as a failed
// build does ("No valid host was found.").
func (s *Server) BreakServer(id, message string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sv := s.servers[id]
	if sv == nil {
		return fmt.Errorf("osfake: no server %s", id)
	}
	sv.status, sv.vmState, sv.task, sv.next, sv.fault, sv.updated = "ERROR", "error", nil, "", message, s.now()
	return nil
}
