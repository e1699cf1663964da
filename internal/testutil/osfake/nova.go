package osfake

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Nova v2.1: microversions, routing and Nova's schema errors here;
// flavors in nova_flavors.go, servers in nova_servers.go (what they boot
// with in nova_boot.go, their actions, metadata and consoles in
// nova_actions.go, os-interface in nova_interfaces.go) and server groups
// in nova_groups.go.

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
