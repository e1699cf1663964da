package osfake

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// Nova flavors: list (public or not, minRam, minDisk), show, create with
// Nova's schema checks, description updates (2.55) and delete.

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
