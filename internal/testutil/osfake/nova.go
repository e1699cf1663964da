package osfake

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Nova v2.1: flavors, servers (with their actions and metadata), server
// groups and remote consoles.

// microversion is a compute API version, 2.x.
type microversion struct{ major, minor int }

func (m microversion) String() string     { return fmt.Sprintf("%d.%d", m.major, m.minor) }
func (m microversion) atLeast(n int) bool { return m.major > 2 || m.major == 2 && m.minor >= n }

// maxMicroversion is what the fake announces, like a 2024 Nova; behaviour
// changes are modelled at 2.45 (createImage's body), 2.47 (embedded
// flavors), 2.55 (flavor descriptions), 2.61 (flavor extra_specs) and 2.64
// (a server group's single policy).
var maxMicroversion = microversion{2, 93}

// parseMicroversion reads OpenStack-API-Version ("compute 2.64") or the
// older X-OpenStack-Nova-API-Version; default 2.1.
func parseMicroversion(h http.Header) (microversion, *reply) {
	v := ""
	for _, val := range h.Values("OpenStack-API-Version") {
		for _, part := range strings.Split(val, ",") {
			if f := strings.Fields(part); len(f) == 2 && strings.EqualFold(f[0], "compute") {
				v = f[1]
			}
		}
	}
	if v == "" {
		v = h.Get("X-OpenStack-Nova-API-Version")
	}
	if v == "" {
		return microversion{2, 1}, nil
	}
	if strings.EqualFold(v, "latest") {
		return maxMicroversion, nil
	}
	maj, min, ok := strings.Cut(v, ".")
	a, errA := strconv.Atoi(maj)
	b, errB := strconv.Atoi(min)
	if !ok || errA != nil || errB != nil {
		return microversion{}, errorReply(svcCompute, http.StatusBadRequest,
			fmt.Sprintf("API Version String %s is of invalid format. Must be of format MajorNum.MinorNum.", v), "")
	}
	mv := microversion{a, b}
	if mv.major != 2 || mv.minor < 1 || mv.minor > maxMicroversion.minor {
		return microversion{}, errorReply(svcCompute, http.StatusNotAcceptable,
			fmt.Sprintf("Version %s is not supported by the API. Minimum is 2.1 and maximum is %s.", v, maxMicroversion), "")
	}
	return mv, nil
}

// novaHeaders adds the version headers Nova puts on every answer.
func (s *Server) novaHeaders(rep *reply, mv microversion) *reply {
	rep.set("OpenStack-API-Version", "compute "+mv.String())
	rep.set("X-OpenStack-Nova-API-Version", mv.String())
	rep.header.Add("Vary", "OpenStack-API-Version")
	rep.header.Add("Vary", "X-OpenStack-Nova-API-Version")
	rid := "req-" + newUUID()
	rep.set("X-OpenStack-Request-Id", rid)
	rep.set("X-Compute-Request-Id", rid)
	return rep
}

func novaErr(status int, format string, args ...any) *reply {
	return errorReply(svcCompute, status, fmt.Sprintf(format, args...), "")
}

// compute serves Nova. Callers hold s.mu.
func (s *Server) compute(r *req) *reply {
	mv, bad := parseMicroversion(r.Header)
	if bad != nil {
		return s.novaHeaders(bad, microversion{2, 1})
	}
	r.mv = mv
	return s.novaHeaders(s.computeRoute(r), mv)
}

func (s *Server) computeRoute(r *req) *reply {
	p := r.path
	m := r.Method
	switch {
	case len(p) == 1 && p[0] == "flavors" && m == http.MethodGet:
		return s.listFlavors(r, false)
	case len(p) == 2 && p[0] == "flavors" && p[1] == "detail" && m == http.MethodGet:
		return s.listFlavors(r, true)
	case len(p) == 1 && p[0] == "flavors" && m == http.MethodPost:
		return s.createFlavor(r)
	case len(p) == 2 && p[0] == "flavors":
		f := s.flavors[p[1]]
		switch m {
		case http.MethodGet:
			if f == nil {
				return novaErr(http.StatusNotFound, "Flavor %s could not be found.", p[1])
			}
			return jsonReply(http.StatusOK, map[string]any{"flavor": s.flavorView(f, r.mv, true)})
		case http.MethodPut:
			return s.updateFlavor(r, p[1])
		case http.MethodDelete:
			if f == nil {
				return novaErr(http.StatusNotFound, "Flavor %s could not be found.", p[1])
			}
			delete(s.flavors, p[1])
			return emptyReply(http.StatusAccepted)
		}
	case len(p) == 1 && p[0] == "servers" && m == http.MethodGet:
		return s.listServers(r, false)
	case len(p) == 2 && p[0] == "servers" && p[1] == "detail" && m == http.MethodGet:
		return s.listServers(r, true)
	case len(p) == 1 && p[0] == "servers" && m == http.MethodPost:
		return s.createServer(r)
	case len(p) >= 2 && p[0] == "servers":
		sv := s.servers[p[1]]
		if sv == nil || sv.project != projectOf(r) {
			if len(p) == 3 && p[2] == "action" {
				// Actions look the server up through its cell first.
				return novaErr(http.StatusNotFound, "Instance %s has no mapping to a cell.", p[1])
			}
			return novaErr(http.StatusNotFound, "Instance %s could not be found.", p[1])
		}
		switch {
		case len(p) == 2 && m == http.MethodGet:
			return jsonReply(http.StatusOK, map[string]any{"server": s.serverView(sv, r.mv)})
		case len(p) == 2 && m == http.MethodDelete:
			return s.deleteServer(sv)
		case len(p) == 3 && p[2] == "action" && m == http.MethodPost:
			return s.serverAction(r, sv)
		case len(p) == 3 && p[2] == "metadata":
			return s.serverMetadata(r, sv)
		case len(p) == 4 && p[2] == "metadata":
			return s.serverMetadatum(r, sv, p[3])
		case len(p) == 3 && p[2] == "remote-consoles" && m == http.MethodPost:
			return s.remoteConsole(r, sv)
		case len(p) == 3 && p[2] == "os-interface" && m == http.MethodGet:
			return s.interfaceAttachments(sv)
		}
	case len(p) == 1 && p[0] == "os-server-groups" && m == http.MethodGet:
		out := []any{}
		for _, g := range sortedBySeq(s.sgroups) {
			if g.project == projectOf(r) {
				out = append(out, serverGroupView(g, r.mv))
			}
		}
		return jsonReply(http.StatusOK, map[string]any{"server_groups": out})
	case len(p) == 1 && p[0] == "os-server-groups" && m == http.MethodPost:
		return s.createServerGroup(r)
	case len(p) == 2 && p[0] == "os-server-groups":
		g := s.sgroups[p[1]]
		if g == nil || g.project != projectOf(r) {
			return novaErr(http.StatusNotFound, "Instance group %s could not be found.", p[1])
		}
		switch m {
		case http.MethodGet:
			return jsonReply(http.StatusOK, map[string]any{"server_group": serverGroupView(g, r.mv)})
		case http.MethodDelete:
			delete(s.sgroups, g.id)
			return emptyReply(http.StatusNoContent)
		}
	default:
		return novaErr(http.StatusNotFound, "The resource could not be found.")
	}
	return novaErr(http.StatusMethodNotAllowed, "The method is not allowed for the requested URL.")
}

// schemaErr is Nova's JSON-schema complaint about a request body, for
// the value at field (the last key of its path; "" at the root, where Nova
// gives the reason alone). Nova formats the value with Python's str(): a
// string bare, anything else as its repr.
func (r *req) schemaErr(field string, value any, reason string) *reply {
	if field == "" {
		return novaErr(http.StatusBadRequest, "%s", reason)
	}
	shown, ok := value.(string)
	if !ok {
		shown = pyReprIn(value, r.body)
	}
	return novaErr(http.StatusBadRequest, "Invalid input for field/attribute %s. Value: %s. %s", field, shown, reason)
}

// pyRepr renders a decoded JSON value the way Python prints it (map keys
// sorted, where Python keeps the request's order).
func pyRepr(v any) string { return pyReprIn(v, nil) }

// pyReprIn is pyRepr with map keys in the order they first appear in raw
// (the request body), as Python keeps a decoded request's order.
func pyReprIn(v any, raw []byte) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case string:
		return "'" + strings.ReplaceAll(x, "'", `\'`) + "'"
	case float64:
		if x == float64(int64(x)) {
			return strconv.FormatInt(int64(x), 10)
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = pyReprIn(e, raw)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			a, b := bytes.Index(raw, []byte(strconv.Quote(keys[i]))), bytes.Index(raw, []byte(strconv.Quote(keys[j])))
			if a != b {
				return a < b
			}
			return keys[i] < keys[j]
		})
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = pyRepr(k) + ": " + pyReprIn(x[k], raw)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}

// novaBody decodes {"key": {...}} with the inner object's keys checked
// against allowed.
func novaBody(r *req, key string, allowed []string, required ...string) (map[string]any, *reply) {
	var b map[string]any
	if err := r.decode(&b); err != nil {
		return nil, novaErr(http.StatusBadRequest, "Malformed request body")
	}
	raw, ok := b[key]
	if !ok {
		return nil, r.schemaErr("", b, fmt.Sprintf("'%s' is a required property", key))
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return nil, r.schemaErr(key, raw, fmt.Sprintf("%s is not of type 'object'", pyRepr(raw)))
	}
	for _, k := range required {
		if _, ok := obj[k]; !ok {
			return nil, r.schemaErr(key, obj, fmt.Sprintf("'%s' is a required property", k))
		}
	}
	var extra []string
	for k := range obj {
		if !slices.Contains(allowed, k) {
			extra = append(extra, "'"+k+"'")
		}
	}
	if len(extra) > 0 {
		sort.Slice(extra, func(i, j int) bool {
			return bytes.Index(r.body, []byte(extra[i][1:len(extra[i])-1])) < bytes.Index(r.body, []byte(extra[j][1:len(extra[j])-1]))
		})
		verb := "was"
		if len(extra) > 1 {
			verb = "were"
		}
		return nil, r.schemaErr(key, obj, fmt.Sprintf("Additional properties are not allowed (%s %s unexpected)", strings.Join(extra, ", "), verb))
	}
	return obj, nil
}

func intField(r *req, obj map[string]any, key string, min int) (int, bool, *reply) {
	v, ok := obj[key]
	if !ok || v == nil {
		return 0, false, nil
	}
	var n int
	switch x := v.(type) {
	case float64:
		if x != float64(int(x)) {
			return 0, true, r.schemaErr(key, v, fmt.Sprintf("%s is not of type 'integer', 'string'", pyRepr(v)))
		}
		n = int(x)
	case string:
		i, err := strconv.Atoi(x)
		if err != nil {
			return 0, true, r.schemaErr(key, v, fmt.Sprintf("%s does not match '^[0-9]+$'", pyRepr(v)))
		}
		n = i
	default:
		return 0, true, r.schemaErr(key, v, fmt.Sprintf("%s is not of type 'integer', 'string'", pyRepr(v)))
	}
	if n < min {
		return 0, true, r.schemaErr(key, v, fmt.Sprintf("%d is less than the minimum of %d", n, min))
	}
	return n, true, nil
}

// ---- flavors ----

type flavor struct {
	seq                               int
	id, name                          string
	description                       *string
	ram, vcpus, disk, swap, ephemeral int
	rxtx                              float64
	public                            bool
}

func (s *Server) seedFlavor(sf SeedFlavor) {
	if sf.ID == "" {
		sf.ID = newUUID()
	}
	s.flavors[sf.ID] = &flavor{seq: s.nextSeq(), id: sf.ID, name: sf.Name, ram: sf.RAM, vcpus: sf.VCPUs, disk: sf.Disk, rxtx: 1, public: true}
}

func (s *Server) flavorLinks(id string) []any {
	return []any{
		map[string]any{"rel": "self", "href": s.url + prefixCompute + "/v2.1/flavors/" + id},
		map[string]any{"rel": "bookmark", "href": s.url + prefixCompute + "/flavors/" + id},
	}
}

func (s *Server) flavorView(f *flavor, mv microversion, detail bool) map[string]any {
	v := map[string]any{"id": f.id, "name": f.name, "links": s.flavorLinks(f.id)}
	if mv.atLeast(55) {
		v["description"] = f.description
	}
	if !detail {
		return v
	}
	var swap any = f.swap
	if f.swap == 0 {
		swap = "" // Nova's quirk
	}
	v["ram"], v["disk"], v["swap"], v["vcpus"] = f.ram, f.disk, swap, f.vcpus
	v["OS-FLV-EXT-DATA:ephemeral"], v["OS-FLV-DISABLED:disabled"] = f.ephemeral, false
	v["os-flavor-access:is_public"], v["rxtx_factor"] = f.public, f.rxtx
	if mv.atLeast(61) {
		v["extra_specs"] = map[string]string{}
	}
	return v
}

func (s *Server) listFlavors(r *req, detail bool) *reply {
	pub := r.q("is_public")
	out := []any{}
	fl := sortedBySeq(s.flavors)
	sort.SliceStable(fl, func(i, j int) bool { return fl[i].id < fl[j].id }) // Nova sorts by flavorid
	for _, f := range fl {
		switch strings.ToLower(pub) {
		case "", "true", "t", "yes", "1":
			if !f.public {
				continue
			}
		case "false", "f", "no", "0":
			if f.public {
				continue
			}
		}
		if n, err := strconv.Atoi(r.q("minRam")); err == nil && f.ram < n {
			continue
		}
		if n, err := strconv.Atoi(r.q("minDisk")); err == nil && f.disk < n {
			continue
		}
		out = append(out, s.flavorView(f, r.mv, detail))
	}
	return jsonReply(http.StatusOK, map[string]any{"flavors": out})
}

func (s *Server) createFlavor(r *req) *reply {
	allowed := []string{"name", "id", "ram", "vcpus", "disk", "OS-FLV-EXT-DATA:ephemeral", "swap", "rxtx_factor", "os-flavor-access:is_public"}
	if r.mv.atLeast(55) {
		allowed = append(allowed, "description")
	}
	obj, bad := novaBody(r, "flavor", allowed, "name", "ram", "vcpus", "disk")
	if bad != nil {
		return bad
	}
	name, ok := obj["name"].(string)
	if !ok || strings.TrimSpace(name) == "" || len(name) > 255 {
		return r.schemaErr("name", obj["name"], fmt.Sprintf("%s is not a valid flavor name", pyRepr(obj["name"])))
	}
	f := &flavor{name: name, rxtx: 1, public: true}
	for _, fld := range []struct {
		key string
		dst *int
		min int
	}{{"ram", &f.ram, 1}, {"vcpus", &f.vcpus, 1}, {"disk", &f.disk, 0}, {"swap", &f.swap, 0}, {"OS-FLV-EXT-DATA:ephemeral", &f.ephemeral, 0}} {
		if fld.key == "swap" && obj["swap"] == "" {
			continue
		}
		n, _, bad := intField(r, obj, fld.key, fld.min)
		if bad != nil {
			return bad
		}
		*fld.dst = n
	}
	if v, ok := obj["os-flavor-access:is_public"].(bool); ok {
		f.public = v
	}
	if v, ok := obj["rxtx_factor"].(float64); ok {
		f.rxtx = v
	}
	if v, ok := obj["description"]; ok && v != nil {
		d, isStr := v.(string)
		if !isStr || len(d) > 65535 {
			return r.schemaErr("description", v, fmt.Sprintf("%s is not of type 'string', 'null'", pyRepr(v)))
		}
		f.description = &d
	}
	f.id = newUUID()
	if v, ok := obj["id"]; ok && v != nil {
		f.id = fmt.Sprint(v)
		if x, isNum := v.(float64); isNum {
			f.id = strconv.Itoa(int(x))
		}
	}
	for _, other := range s.flavors {
		if other.name == f.name {
			return novaErr(http.StatusConflict, "Flavor with name %s already exists.", f.name)
		}
		if other.id == f.id {
			return novaErr(http.StatusConflict, "Flavor with ID %s already exists.", f.id)
		}
	}
	f.seq = s.nextSeq()
	s.flavors[f.id] = f
	return jsonReply(http.StatusOK, map[string]any{"flavor": s.flavorView(f, r.mv, true)})
}

func (s *Server) updateFlavor(r *req, id string) *reply {
	if !r.mv.atLeast(55) {
		return novaErr(http.StatusNotFound, "The resource could not be found.")
	}
	obj, bad := novaBody(r, "flavor", []string{"description"}, "description")
	if bad != nil {
		return bad
	}
	f := s.flavors[id]
	if f == nil {
		return novaErr(http.StatusNotFound, "Flavor %s could not be found.", id)
	}
	switch d := obj["description"].(type) {
	case nil:
		f.description = nil
	case string:
		f.description = &d
	default:
		return r.schemaErr("description", d, fmt.Sprintf("%s is not of type 'string', 'null'", pyRepr(d)))
	}
	return jsonReply(http.StatusOK, map[string]any{"flavor": s.flavorView(f, r.mv, true)})
}

// ---- servers ----

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
	host                    string // the compute host, once scheduled
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
		"OS-EXT-STS:power_state": sv.power, "os-extended-volumes:volumes_attached": []any{},
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

// busy is Nova's 409 for an action the server's state does not allow.
func busy(sv *server, action string) *reply {
	if sv.task != nil {
		return novaErr(http.StatusConflict, "Cannot '%s' instance %s while it is in task_state %s", action, sv.id, *sv.task)
	}
	return novaErr(http.StatusConflict, "Cannot '%s' instance %s while it is in vm_state %s", action, sv.id, sv.vmState)
}

func (s *Server) serverAction(r *req, sv *server) *reply {
	var body map[string]any
	if err := r.decode(&body); err != nil || len(body) != 1 {
		return novaErr(http.StatusBadRequest, "Malformed request body")
	}
	var action string
	var arg any
	for k, v := range body {
		action, arg = k, v
	}
	now := s.now()
	switch action {
	case "os-start":
		if sv.task != nil || sv.vmState != "stopped" {
			return busy(sv, "start")
		}
		sv.task, sv.next, sv.updated = ptr("powering-on"), "active", now
	case "os-stop":
		if sv.task != nil || sv.vmState != "active" && sv.vmState != "error" && sv.vmState != "rescued" {
			return busy(sv, "stop")
		}
		sv.task, sv.next, sv.updated = ptr("powering-off"), "shutoff", now
	case "reboot":
		m, _ := arg.(map[string]any)
		typ, _ := m["type"].(string)
		switch strings.ToUpper(typ) {
		case "SOFT":
			if sv.task != nil || sv.vmState != "active" {
				return busy(sv, "reboot")
			}
			sv.status, sv.task = "REBOOT", ptr("reboot_started")
		case "HARD":
			if sv.task != nil && *sv.task != "reboot_started" || !slices.Contains([]string{"active", "stopped", "error", "paused", "suspended"}, sv.vmState) {
				return busy(sv, "reboot")
			}
			sv.status, sv.task = "HARD_REBOOT", ptr("reboot_started_hard")
		default:
			return r.schemaErr("type", m["type"], fmt.Sprintf("%s is not one of ['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft']", pyRepr(m["type"])))
		}
		sv.next, sv.updated = "active", now
	case "createImage":
		m, _ := arg.(map[string]any)
		name, ok := m["name"].(string)
		if !ok || strings.TrimSpace(name) == "" {
			return r.schemaErr("createImage", arg, "'name' is a required property")
		}
		if sv.task != nil || !slices.Contains([]string{"active", "stopped", "paused", "suspended"}, sv.vmState) {
			return busy(sv, "createImage")
		}
		props := map[string]string{"image_type": "snapshot", "instance_uuid": sv.id, "base_image_ref": sv.imageID,
			"owner_project_name": s.projectName(sv.project), "owner_user_name": r.tok.user.Name}
		if md, ok := m["metadata"]; ok {
			extra, bad := metadataOf(r, md)
			if bad != nil {
				return bad
			}
			for k, v := range extra {
				props[k] = v
			}
		}
		img := s.snapshotImage(sv, name, props)
		if r.mv.atLeast(45) {
			return jsonReply(http.StatusAccepted, map[string]any{"image_id": img.id})
		}
		return emptyReply(http.StatusAccepted).set("Location", s.url+prefixImage+"/v2/images/"+img.id)
	case "addSecurityGroup", "removeSecurityGroup":
		m, _ := arg.(map[string]any)
		n, _ := m["name"].(string)
		g := s.findSecGroup(sv.project, n)
		if g == nil {
			return novaErr(http.StatusNotFound, "Security group %s is not found for project %s", n, sv.project)
		}
		has := slices.Contains(sv.secGroups, g.id)
		if action == "addSecurityGroup" {
			if has {
				return novaErr(http.StatusBadRequest, "Invalid input for security_groups. Reason: Duplicate items in the list: '%s'.\n"+
					"Neutron server returns request_ids: ['req-%s']", g.id, newUUID())
			}
			sv.secGroups = append(sv.secGroups, g.id)
		} else {
			if !has {
				return novaErr(http.StatusNotFound, "Security group %s not associated with the instance %s", n, sv.id)
			}
			sv.secGroups = slices.DeleteFunc(sv.secGroups, func(x string) bool { return x == g.id })
		}
	default:
		return novaErr(http.StatusBadRequest, "There is no such action: %s", action)
	}
	return emptyReply(http.StatusAccepted)
}

func (s *Server) projectName(id string) string {
	if p := s.projectByID(id); p != nil {
		return p.Name
	}
	return ""
}

func (s *Server) serverMetadata(r *req, sv *server) *reply {
	switch r.Method {
	case http.MethodGet:
	case http.MethodPost, http.MethodPut:
		var b map[string]any
		if err := r.decode(&b); err != nil {
			return novaErr(http.StatusBadRequest, "Malformed request body")
		}
		raw, ok := b["metadata"]
		if !ok {
			return r.schemaErr("", b, "'metadata' is a required property")
		}
		m, bad := metadataOf(r, raw)
		if bad != nil {
			return bad
		}
		if bad := metadataBusy(sv, "update metadata"); bad != nil {
			return bad
		}
		if r.Method == http.MethodPut {
			sv.metadata = map[string]string{}
		}
		for k, v := range m {
			sv.metadata[k] = v
		}
		sv.updated = s.now()
	default:
		return novaErr(http.StatusMethodNotAllowed, "The method is not allowed for the requested URL.")
	}
	return jsonReply(http.StatusOK, map[string]any{"metadata": sv.metadata})
}

// metadataBusy is Nova's state check on metadata writes (vm_state first,
// then task_state, as check_instance_state does), nil when allowed.
func metadataBusy(sv *server, action string) *reply {
	if !slices.Contains([]string{"active", "paused", "suspended", "stopped"}, sv.vmState) {
		return novaErr(http.StatusConflict, "Cannot '%s' instance %s while it is in vm_state %s", action, sv.id, sv.vmState)
	}
	if sv.task != nil {
		return novaErr(http.StatusConflict, "Cannot '%s' instance %s while it is in task_state %s", action, sv.id, *sv.task)
	}
	return nil
}

// serverMetadatum serves one metadata item: GET and DELETE.
func (s *Server) serverMetadatum(r *req, sv *server, key string) *reply {
	v, ok := sv.metadata[key]
	switch r.Method {
	case http.MethodGet:
		if !ok {
			return novaErr(http.StatusNotFound, "Metadata item was not found")
		}
		return jsonReply(http.StatusOK, map[string]any{"meta": map[string]string{key: v}})
	case http.MethodDelete:
		if !ok {
			return novaErr(http.StatusNotFound, "Metadata item was not found")
		}
		if bad := metadataBusy(sv, "delete metadata"); bad != nil {
			return bad
		}
		delete(sv.metadata, key)
		sv.updated = s.now()
		return emptyReply(http.StatusNoContent)
	}
	return novaErr(http.StatusMethodNotAllowed, "The method is not allowed for the requested URL.")
}

func (s *Server) remoteConsole(r *req, sv *server) *reply {
	var b struct {
		RC *struct {
			Protocol string `json:"protocol"`
			Type     string `json:"type"`
		} `json:"remote_console"`
	}
	if err := r.decode(&b); err != nil || b.RC == nil {
		return novaErr(http.StatusBadRequest, "Invalid input for field/attribute remote_console.")
	}
	types := []string{"novnc", "xvpvnc", "rdp-html5", "spice-html5", "serial", "webmks"}
	if !slices.Contains(types, b.RC.Type) {
		return r.schemaErr("type", b.RC.Type, fmt.Sprintf("%s is not one of ['%s']", pyRepr(b.RC.Type), strings.Join(types, "', '")))
	}
	valid := map[string][]string{"vnc": {"novnc", "xvpvnc"}, "spice": {"spice-html5"}, "rdp": {"rdp-html5"}, "serial": {"serial"}, "mks": {"webmks"}}
	if !slices.Contains(valid[b.RC.Protocol], b.RC.Type) {
		return novaErr(http.StatusBadRequest, "Unsupported protocol %s and type %s combination.", b.RC.Protocol, b.RC.Type) // chosen
	}
	if sv.vmState != "active" || sv.task != nil {
		return novaErr(http.StatusConflict, "Instance %s is not ready", sv.id) // chosen
	}
	u := s.url + "/novnc/vnc_auto.html?path=" + url.QueryEscape("?token="+newUUID())
	return jsonReply(http.StatusOK, map[string]any{"remote_console": map[string]any{"protocol": b.RC.Protocol, "type": b.RC.Type, "url": u}})
}

// ---- server groups ----

type serverGroup struct {
	seq                             int
	id, name, policy, project, user string
	members                         []string
}

func serverGroupView(g *serverGroup, mv microversion) map[string]any {
	members := append([]string{}, g.members...)
	if mv.atLeast(64) {
		return map[string]any{"id": g.id, "name": g.name, "policy": g.policy, "rules": map[string]any{}, "members": members,
			"project_id": g.project, "user_id": g.user}
	}
	v := map[string]any{"id": g.id, "name": g.name, "policies": []string{g.policy}, "metadata": map[string]any{}, "members": members}
	if mv.atLeast(13) {
		v["project_id"], v["user_id"] = g.project, g.user
	}
	return v
}

var serverGroupPolicies = []string{"anti-affinity", "affinity", "soft-anti-affinity", "soft-affinity"}

func (s *Server) createServerGroup(r *req) *reply {
	var obj map[string]any
	var bad *reply
	policy := ""
	if r.mv.atLeast(64) {
		if obj, bad = novaBody(r, "server_group", []string{"name", "policy", "rules"}, "name", "policy"); bad != nil {
			return bad
		}
		policy, _ = obj["policy"].(string)
		if !slices.Contains(serverGroupPolicies, policy) {
			return r.schemaErr("policy", obj["policy"], fmt.Sprintf("%s is not one of ['%s']", pyRepr(obj["policy"]), strings.Join(serverGroupPolicies, "', '")))
		}
	} else {
		if obj, bad = novaBody(r, "server_group", []string{"name", "policies"}, "name", "policies"); bad != nil {
			return bad
		}
		ps, _ := obj["policies"].([]any)
		if len(ps) != 1 {
			return r.schemaErr("policies", obj["policies"], fmt.Sprintf("%s is too long", pyRepr(obj["policies"])))
		}
		policy, _ = ps[0].(string)
		if !slices.Contains(serverGroupPolicies[:2], policy) {
			return r.schemaErr("policies", obj["policies"], fmt.Sprintf("%s is not one of ['anti-affinity', 'affinity']", pyRepr(ps[0])))
		}
	}
	name, ok := obj["name"].(string)
	if !ok || name == "" || len(name) > 255 {
		return r.schemaErr("name", obj["name"], fmt.Sprintf("%s is not a valid name", pyRepr(obj["name"])))
	}
	g := &serverGroup{seq: s.nextSeq(), id: newUUID(), name: name, policy: policy, project: projectOf(r), user: r.tok.user.ID, members: []string{}}
	s.sgroups[g.id] = g
	return jsonReply(http.StatusOK, map[string]any{"server_group": serverGroupView(g, r.mv)})
}

// ---- servers: fixed IPs, day-0 data, zones and interfaces ----

// computeHosts are the fake's compute hosts, all in zone "nova" (the
// loopback cloud's is compute1). Servers go round robin, or to the host
// "zone:host" forces.
var computeHosts = []string{"compute1", "compute2"}

// defaultZone is Nova's default availability zone, the fake's only one.
const defaultZone = "nova"

// bootOptions are what a server was created with besides its resources.
type bootOptions struct {
	userData    []byte
	files       []InjectedFile
	configDrive bool
	zone, host  string // zone is defaultZone unless asked; host "" unless forced
}

// InjectedFile is a personality file a server was created with.
type InjectedFile struct {
	Path     string
	Contents []byte
}

// Nova's schema and default quotas for day-0 data.
const (
	maxUserData        = 65535 // base64 characters
	maxInjectedFiles   = 5
	maxInjectedFileLen = 10240
	maxInjectedPathLen = 255
)

// bootOptionsOf reads user_data, config_drive, personality (before 2.57;
// novaBody refuses it after) and availability_zone as Nova does.
func bootOptionsOf(r *req, obj map[string]any) (bootOptions, *reply) {
	b := bootOptions{zone: defaultZone}
	if v, ok := obj["user_data"]; ok && v != nil {
		text, isStr := v.(string)
		if !isStr {
			return b, r.schemaErr("user_data", v, fmt.Sprintf("%s is not of type 'string', 'null'", pyRepr(v)))
		}
		if len(text) > maxUserData {
			return b, r.schemaErr("user_data", v, fmt.Sprintf("%s is too long", pyRepr(v)))
		}
		data, err := base64.StdEncoding.DecodeString(text)
		if err != nil {
			return b, r.schemaErr("user_data", v, fmt.Sprintf("%s is not a 'base64'", pyRepr(v)))
		}
		b.userData = data
	}
	switch v := obj["config_drive"].(type) {
	case nil:
	case bool:
		b.configDrive = v
	case string:
		switch strings.ToLower(v) {
		case "true", "1", "yes", "on", "y", "t":
			b.configDrive = true
		case "false", "0", "no", "off", "n", "f", "":
		default:
			return b, r.schemaErr("config_drive", v, fmt.Sprintf("%s is not of type 'boolean', 'string', 'null'", pyRepr(v)))
		}
	default:
		return b, r.schemaErr("config_drive", v, fmt.Sprintf("%s is not of type 'boolean', 'string', 'null'", pyRepr(v)))
	}
	if v, ok := obj["personality"]; ok {
		list, isList := v.([]any)
		if !isList {
			return b, r.schemaErr("personality", v, fmt.Sprintf("%s is not of type 'array'", pyRepr(v)))
		}
		if len(list) > maxInjectedFiles {
			return b, novaErr(http.StatusForbidden, "Personality file limit exceeded")
		}
		for _, e := range list {
			m, _ := e.(map[string]any)
			path, okP := m["path"].(string)
			contents, okC := m["contents"].(string)
			if !okP || !okC {
				return b, r.schemaErr("personality", e, fmt.Sprintf("%s is not valid under any of the given schemas", pyRepr(e)))
			}
			data, err := base64.StdEncoding.DecodeString(contents)
			if err != nil {
				return b, r.schemaErr("contents", contents, fmt.Sprintf("%s is not a 'base64'", pyRepr(contents)))
			}
			switch {
			case len(path) > maxInjectedPathLen:
				return b, novaErr(http.StatusForbidden, "Personality file path exceeds maximum %d", maxInjectedPathLen)
			case len(data) > maxInjectedFileLen:
				return b, novaErr(http.StatusForbidden, "Personality file content exceeds maximum %d", maxInjectedFileLen)
			}
			b.files = append(b.files, InjectedFile{Path: path, Contents: data})
		}
	}
	if v, ok := obj["availability_zone"]; ok && v != nil {
		az, isStr := v.(string)
		if !isStr {
			return b, r.schemaErr("availability_zone", v, fmt.Sprintf("%s is not of type 'string'", pyRepr(v)))
		}
		zone, host, _ := strings.Cut(az, ":")
		host, _, _ = strings.Cut(host, ":") // zone:host:node
		if zone != "" && zone != defaultZone {
			return b, novaErr(http.StatusBadRequest, "The requested availability zone is not available")
		}
		b.host = host
	}
	return b, nil
}

// fixedIP reads a requested network's fixed_ip: the zero Addr when none,
// 400 when it is not an address or another port on the network holds it.
func (s *Server) fixedIP(r *req, network string, m map[string]any) (netip.Addr, *reply) {
	v, ok := m["fixed_ip"]
	if !ok {
		return netip.Addr{}, nil
	}
	text, _ := v.(string)
	a, err := netip.ParseAddr(text)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, r.schemaErr("fixed_ip", v, fmt.Sprintf("%s is not valid under any of the given schemas", pyRepr(v)))
	}
	for _, sv := range sortedBySeq(s.servers) {
		for _, p := range sv.ports {
			for _, ip := range p.ips {
				if p.network == network && ip.addr == a {
					return netip.Addr{}, novaErr(http.StatusBadRequest, "Fixed IP address %s is already in use on instance %s.", a, sv.id)
				}
			}
		}
	}
	return a, nil
}

// takeFixedIP gives port p the address a from the network's subnet that
// holds it. Without one the build fails, as Neutron refuses the port when
// the compute host asks for it (the fault's wording is chosen).
func (s *Server) takeFixedIP(sv *server, p *port, a netip.Addr) {
	for _, sn := range sortedBySeq(s.subnets) {
		if sn.networkID == p.network && sn.cidr.Contains(a) {
			sn.used[a] = true
			p.ips, p.subnet = []portIP{{sn.id, a}}, sn.id
			return
		}
	}
	if sv.next != "error" {
		sv.next, sv.fault = "error", fmt.Sprintf("Build of instance %s aborted: IP address %s is not a valid IP "+
			"for any of the subnets on the specified network.", sv.id, a)
	}
}

// interfaceAttachments is os-interface: the server's ports, from Neutron.
func (s *Server) interfaceAttachments(sv *server) *reply {
	state := "ACTIVE"
	if sv.status == "BUILD" {
		state = "DOWN"
	}
	out := []any{}
	for _, p := range sv.ports {
		ips := []any{}
		for _, ip := range p.ips {
			ips = append(ips, map[string]any{"subnet_id": ip.subnet, "ip_address": ip.addr.String()})
		}
		out = append(out, map[string]any{"port_state": state, "fixed_ips": ips, "port_id": p.id, "net_id": p.network, "mac_addr": p.mac})
	}
	return jsonReply(http.StatusOK, map[string]any{"interfaceAttachments": out})
}

// ServerBoot is what a server was booted with that its view does not show.
type ServerBoot struct {
	UserData    []byte
	Files       []InjectedFile
	ConfigDrive bool
	// Zone and Host are those asked for (Zone "nova" when none was).
	Zone, Host string
}

// Boot returns what server id was booted with, and whether it exists.
func (s *Server) Boot(id string) (ServerBoot, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sv := s.servers[id]
	if sv == nil {
		return ServerBoot{}, false
	}
	b := sv.boot
	out := ServerBoot{UserData: slices.Clone(b.userData), ConfigDrive: b.configDrive, Zone: b.zone, Host: b.host}
	for _, f := range b.files {
		out.Files = append(out.Files, InjectedFile{Path: f.Path, Contents: slices.Clone(f.Contents)})
	}
	return out, true
}
