package contrailfake

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// list answers GET /<type>s with the reference's filters (§5): parent_id,
// parent_fq_name_str (+ parent_type), obj_uuids, back_ref_id, fq_names,
// filters, fields, detail and count. A filter that matches nothing gives an
// empty list. A detailed item holds the properties and refs; back-refs and
// children only when fields names them, the stricter reading of §5, so a
// client that needs back-refs must ask for them.
func (s *Server) list(w http.ResponseWriter, r *http.Request, typ string) {
	q := r.URL.Query()
	split := func(k string) []string {
		if !q.Has(k) {
			return nil
		}
		return strings.Split(q.Get(k), ",")
	}
	parents, uuids, backRefs, fqNames := split("parent_id"), split("obj_uuids"), split("back_ref_id"), split("fq_names")
	detail := strings.Contains(strings.ToLower(q.Get("detail")), "true")
	count := strings.Contains(strings.ToLower(q.Get("count")), "true")
	filters := map[string]any{}
	for _, kv := range split("filters") {
		k, v, _ := strings.Cut(kv, "==")
		var x any = v
		if json.Unmarshal([]byte(v), &x) != nil {
			x = v
		}
		filters[k] = x
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if q.Has("parent_fq_name_str") {
		pt := q.Get("parent_type")
		if pt == "" && len(types[typ].parents) > 0 {
			pt = types[typ].parents[0]
		}
		p := s.lookup(pt, strings.Split(q.Get("parent_fq_name_str"), ":"))
		if p == nil {
			parents = []string{""} // matches nothing
		} else {
			parents = append(parents, p.uuid)
		}
	}
	v := view{host: r.Host, props: detail, refs: detail, hrefs: !q.Has("exclude_hrefs"), fields: fieldList(q.Get("fields")), plain: !detail}
	var items []any
	for _, o := range s.sorted() {
		if o.typ != typ ||
			parents != nil && !slices.Contains(parents, o.parent) ||
			uuids != nil && !slices.Contains(uuids, o.uuid) ||
			fqNames != nil && !slices.Contains(fqNames, o.fqString()) ||
			backRefs != nil && !s.refersTo(o, backRefs) ||
			!matches(o, filters) {
			continue
		}
		item := s.render(o, v)
		if v.fields != nil && detail {
			// fields adds to a detailed item; it does not replace it.
			full := s.render(o, view{host: r.Host, props: true, refs: true, hrefs: v.hrefs})
			for k, x := range item {
				full[k] = x
			}
			item = full
		}
		if detail {
			items = append(items, map[string]any{typ: item})
		} else {
			items = append(items, item)
		}
	}
	if count {
		writeJSON(w, map[string]any{typ + "s": map[string]any{"count": len(items)}})
		return
	}
	if items == nil {
		items = []any{}
	}
	writeJSON(w, map[string]any{typ + "s": items})
}

func (s *Server) refersTo(o *object, uuids []string) bool {
	for _, refs := range o.refs {
		for _, r := range refs {
			if slices.Contains(uuids, r.uuid) {
				return true
			}
		}
	}
	return false
}

func matches(o *object, filters map[string]any) bool {
	for k, v := range filters {
		if canonical(o.props[k]) != canonical(v) {
			return false
		}
	}
	return true
}

// lookupType resolves a type name in the hyphen or underscore form.
func lookupType(t string) string {
	if types[hyphen(t)] == nil {
		return ""
	}
	return hyphen(t)
}

func (s *Server) fqnameToID(w http.ResponseWriter, r *http.Request) {
	body, aerr := readBody(r)
	if aerr != nil {
		aerr.write(w)
		return
	}
	typ := lookupType(asString(body["type"]))
	fq, ok := stringList(body["fq_name"])
	if typ == "" {
		errorf(404, "Resource type '%s' not found", asString(body["type"])).write(w)
		return
	}
	if !ok {
		errorf(400, "Bad Request, fq_name must be a list of strings").write(w)
		return
	}
	s.mu.Lock()
	o := s.lookup(typ, fq)
	s.mu.Unlock()
	if o == nil {
		errorf(404, "Name %s not found", pyList(fq)).write(w)
		return
	}
	writeJSON(w, map[string]any{"uuid": o.uuid})
}

func (s *Server) idToFqname(w http.ResponseWriter, r *http.Request) {
	body, aerr := readBody(r)
	if aerr != nil {
		aerr.write(w)
		return
	}
	id := asString(body["uuid"])
	s.mu.Lock()
	o := s.objs[id]
	s.mu.Unlock()
	if o == nil {
		errorf(404, "UUID %s not found", id).write(w)
		return
	}
	writeJSON(w, map[string]any{"fq_name": o.fq, "type": o.typ})
}

// refUpdate adds or removes one ref without rewriting the list (§6).
func (s *Server) refUpdate(w http.ResponseWriter, r *http.Request) {
	body, aerr := readBody(r)
	if aerr != nil {
		aerr.write(w)
		return
	}
	typ, id := lookupType(asString(body["type"])), asString(body["uuid"])
	refType := lookupType(asString(body["ref-type"]))
	op := strings.ToUpper(asString(body["operation"]))
	refUUID := asString(body["ref-uuid"])
	refFQ, hasFQ := stringList(body["ref-fq-name"])
	switch {
	case typ == "" || id == "" || refType == "":
		errorf(400, "Bad Request: type, uuid and ref-type are required").write(w)
		return
	case op != "ADD" && op != "DELETE":
		errorf(400, "Bad Request: operation must be ADD or DELETE, not %q", asString(body["operation"])).write(w)
		return
	case refUUID == "" && !hasFQ:
		errorf(400, "Bad Request: ref-uuid or ref-fq-name is required").write(w)
		return
	}
	field := underscore(refType) + "_refs"
	l, ok := types[typ].refs[field]
	if !ok {
		errorf(400, "Bad Request: %s has no %s", typ, field).write(w)
		return
	}
	if err := validate(l.attr, body["attr"], "attr"); err != nil {
		errorf(400, "Bad Request: %v", err).write(w)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.objs[id]
	if o == nil || o.typ != typ {
		errorf(404, "No %s object found for id %s", typ, id).write(w)
		return
	}
	t := s.objs[refUUID]
	if refUUID == "" {
		t = s.lookup(refType, refFQ)
	}
	if t == nil || t.typ != refType {
		errorf(404, "Unknown reference: %s %s %v", refType, refUUID, refFQ).write(w)
		return
	}
	refs := slices.DeleteFunc(slices.Clone(o.refs[field]), func(x ref) bool { return x.uuid == t.uuid && op == "DELETE" })
	if i := slices.IndexFunc(refs, func(x ref) bool { return x.uuid == t.uuid }); i >= 0 {
		refs[i].attr = clone(body["attr"]) // ADD of an existing ref replaces its attr
	} else if op == "ADD" {
		refs = append(refs, ref{uuid: t.uuid, attr: clone(body["attr"])})
	}
	o.refs[field] = refs
	perms := asMap(clone(o.props["id_perms"]))
	perms["last_modified"] = now()
	o.props["id_perms"] = perms
	writeJSON(w, map[string]any{"uuid": o.uuid})
}

// home answers GET / with the link list; it needs no token.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	base := "http://" + r.Host
	links := []any{map[string]any{"link": map[string]any{"href": base, "name": "root", "rel": "root"}}}
	for _, t := range typeNames() {
		links = append(links,
			map[string]any{"link": map[string]any{"href": base + "/" + t + "s", "name": t, "rel": "collection"}},
			map[string]any{"link": map[string]any{"href": base + "/" + t, "name": t, "rel": "resource-base"}})
	}
	for _, a := range []string{"fqname-to-id", "id-to-fqname", "ref-update"} {
		links = append(links, map[string]any{"link": map[string]any{"href": base + "/" + a, "name": a, "rel": "action"}})
	}
	writeJSON(w, map[string]any{"href": base, "links": links})
}
