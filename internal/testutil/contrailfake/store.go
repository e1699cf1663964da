package contrailfake

import (
	"crypto/rand"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"
)

// object is one stored Contrail object. Refs hold only the target's uuid
// and attr: "to" is rendered from the target, so it is always current.
type object struct {
	typ        string
	uuid       string
	fq         []string
	parent     string // parent uuid; "" at config-root
	parentType string
	props      map[string]any
	refs       map[string][]ref
}

type ref struct {
	uuid string
	attr any
}

func (o *object) fqString() string { return strings.Join(o.fq, ":") }

// nameKey indexes objects by type and fq_name.
func nameKey(typ string, fq []string) string { return typ + "\x00" + strings.Join(fq, ":") }

// pyList renders an fq_name as the Python server prints it in messages.
func pyList(fq []string) string {
	q := make([]string, len(fq))
	for i, s := range fq {
		q[i] = "'" + s + "'"
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// canonicalUUID reports whether s is a lower-case dashed UUID.
func canonicalUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				return false
			}
		}
	}
	return true
}

func now() string { return time.Now().UTC().Format("2006-01-02T15:04:05.000000") }

// lookup finds an object by type and fq_name. Callers hold s.mu.
func (s *Server) lookup(typ string, fq []string) *object {
	return s.objs[s.names[nameKey(typ, fq)]]
}

// create stores a new object from a POST body. Callers hold s.mu. The
// checks run in the order the reference gives (§4).
func (s *Server) create(typ string, body map[string]any) (*object, *apiError) {
	def := types[typ]
	fq, ok := stringList(body["fq_name"])
	if !ok || len(fq) == 0 {
		return nil, errorf(400, "Bad Request, no fq_name in POST body")
	}
	if name := fq[len(fq)-1]; !def.colonName && strings.Contains(name, ":") || name == "" {
		return nil, errorf(400, "Bad Request, name has one of invalid chars {':'}")
	}
	if u := s.names[nameKey(typ, fq)]; u != "" {
		return nil, errorf(409, "%s already exists with uuid: %s", pyList(fq), u)
	}
	pt := asString(body["parent_type"])
	switch {
	case def.parents == nil:
		if pt != "" && pt != "config-root" {
			return nil, errorf(400, "Invalid parent type: %s", pt)
		}
		pt = ""
	case pt == "" && len(def.parents) == 1:
		pt = def.parents[0]
	case pt == "":
		return nil, errorf(400, "Missing parent type: %s", pyList(fq))
	case !slices.Contains(def.parents, pt):
		return nil, errorf(400, "Invalid parent type: %s", pt)
	}
	id := asString(body["uuid"])
	if id != "" {
		if !canonicalUUID(id) {
			return nil, errorf(400, "Invalid UUID format: %s", id)
		}
		if o := s.objs[id]; o != nil {
			return nil, errorf(409, "%s already exists with fq_name: %s", id, pyList(o.fq))
		}
	} else {
		id = newUUID()
	}
	o := &object{typ: typ, uuid: id, fq: fq, parentType: pt, props: map[string]any{}, refs: map[string][]ref{}}
	if err := s.applyProps(o, nil, body, "create"); err != nil {
		return nil, err
	}
	if pt != "" {
		p := s.lookup(pt, fq[:len(fq)-1])
		if p == nil {
			return nil, errorf(400, "Parent %s type %s does not exist", pyList(fq[:len(fq)-1]), pt)
		}
		o.parent = p.uuid
	}
	if err := s.applyRefs(o, body, true); err != nil {
		return nil, err
	}
	if def.check != nil {
		if err := def.check(s, o, nil); err != nil {
			return nil, err
		}
	}
	ts := now()
	perms := map[string]any{"enable": true, "description": nil, "user_visible": true, "creator": nil,
		"created": ts, "last_modified": ts,
		"permissions": map[string]any{"owner": "cloud-admin", "owner_access": 7, "group": "cloud-admin-group",
			"group_access": 7, "other_access": 7}}
	for _, k := range []string{"enable", "description", "user_visible"} {
		if v, ok := asMap(o.props["id_perms"])[k]; ok {
			perms[k] = v
		}
	}
	o.props["id_perms"] = perms
	if o.props["perms2"] == nil {
		o.props["perms2"] = map[string]any{"owner": "cloud-admin", "owner_access": 7, "global_access": 0, "share": []any{}}
	}
	if asString(o.props["display_name"]) == "" {
		o.props["display_name"] = fq[len(fq)-1]
	}
	s.objs[id] = o
	s.names[nameKey(typ, fq)] = id
	return o, nil
}

// update merges a PUT body into o at the top level: each property present
// replaces the stored value, and each *_refs list present replaces all refs
// of that type. Callers hold s.mu.
func (s *Server) update(o *object, body map[string]any) *apiError {
	if fq, ok := stringList(body["fq_name"]); ok && !slices.Equal(fq, o.fq) {
		return errorf(400, "Bad Request, fq_name cannot be updated")
	}
	if id := asString(body["uuid"]); id != "" && id != o.uuid {
		return errorf(400, "Bad Request, uuid cannot be updated")
	}
	if p, ok := body["perms2"]; ok && p != nil {
		if _, ok := asMap(p)["owner"]; !ok {
			return errorf(400, "Bad Request, perms2 in update needs an owner")
		}
	}
	next := &object{typ: o.typ, uuid: o.uuid, fq: o.fq, parent: o.parent, parentType: o.parentType,
		props: maps.Clone(o.props), refs: maps.Clone(o.refs)}
	if err := s.applyProps(next, o, body, "update"); err != nil {
		return err
	}
	if err := s.applyRefs(next, body, false); err != nil {
		return err
	}
	if def := types[o.typ]; def.check != nil {
		if err := def.check(s, next, o); err != nil {
			return err
		}
	}
	// Only enable and description of id_perms come from the client.
	perms := asMap(clone(o.props["id_perms"]))
	if in, ok := body["id_perms"]; ok {
		for _, k := range []string{"enable", "description"} {
			if v, ok := asMap(in)[k]; ok {
				perms[k] = v
			}
		}
	}
	perms["last_modified"] = now()
	next.props["id_perms"] = perms
	o.props, o.refs = next.props, next.refs
	return nil
}

// applyProps validates the properties in body and copies them into o.
// Unknown top-level keys are dropped, as the real server stores only
// schema fields.
func (s *Server) applyProps(o, old *object, body map[string]any, op string) *apiError {
	def := types[o.typ]
	for k, v := range body {
		st, ok := def.props[k]
		if !ok {
			if st, ok = commonProps[k]; !ok {
				continue
			}
		}
		if err := validate(st, v, k); err != nil {
			return errorf(400, "Bad property in %s: %v", op, err)
		}
		o.props[k] = clone(v)
	}
	return nil
}

// applyRefs resolves the *_refs lists in body. On create each ref needs
// "to"; on update "uuid" is enough.
func (s *Server) applyRefs(o *object, body map[string]any, create bool) *apiError {
	op := "update"
	if create {
		op = "create"
	}
	for field, l := range types[o.typ].refs {
		v, present := body[field]
		if !present {
			continue
		}
		if v == nil {
			v = []any{}
		}
		list, ok := v.([]any)
		if !ok {
			return errorf(400, "Bad reference in %s: %s is not a list", op, field)
		}
		refs := make([]ref, 0, len(list))
		for i, e := range list {
			m, ok := e.(map[string]any)
			if !ok {
				return errorf(400, "Bad reference in %s: %s[%d] is not an object", op, field, i)
			}
			if _, ok := m["attr"]; l.attr != "" && !ok {
				return errorf(400, "Bad reference in %s: %s[%d] has no attr", op, field, i)
			}
			if err := validate(l.attr, m["attr"], fmt.Sprintf("%s[%d].attr", field, i)); err != nil {
				return errorf(400, "Bad reference in %s: %v", op, err)
			}
			var t *object
			to, hasTo := stringList(m["to"])
			switch id := asString(m["uuid"]); {
			case !create && id != "":
				if t = s.objs[id]; t == nil || t.typ != l.target {
					return errorf(404, "Unknown reference in resource %s: %s %s", op, l.target, id)
				}
			case !hasTo:
				return errorf(400, "Bad reference in %s: %s[%d] has no \"to\"", op, field, i)
			default:
				if t = s.lookup(l.target, to); t == nil {
					return errorf(404, "Unknown reference in resource %s: Name %s not found", op, pyList(to))
				}
			}
			refs = slices.DeleteFunc(refs, func(r ref) bool { return r.uuid == t.uuid })
			refs = append(refs, ref{uuid: t.uuid, attr: clone(m["attr"])})
		}
		o.refs[field] = refs
	}
	return nil
}

// deleteObject removes o unless children or back-refs remain. Callers hold
// s.mu.
func (s *Server) deleteObject(o *object, host string) *apiError {
	var children, referrers []string
	for _, x := range s.sorted() {
		if x.parent == o.uuid {
			children = append(children, s.href(host, x))
		}
		for _, refs := range x.refs {
			if slices.ContainsFunc(refs, func(r ref) bool { return r.uuid == o.uuid }) {
				referrers = append(referrers, s.href(host, x))
				break
			}
		}
	}
	if len(children) > 0 {
		return errorf(409, "Delete when children still present: %v", children)
	}
	if len(referrers) > 0 {
		return errorf(409, "Delete when resource still referred: %v", referrers)
	}
	delete(s.objs, o.uuid)
	delete(s.names, nameKey(o.typ, o.fq))
	return nil
}

// sorted returns every object in fq_name order, for stable listings.
func (s *Server) sorted() []*object {
	out := make([]*object, 0, len(s.objs))
	for _, o := range s.objs {
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].typ != out[j].typ {
			return out[i].typ < out[j].typ
		}
		return out[i].fqString() < out[j].fqString()
	})
	return out
}

func (s *Server) href(host string, o *object) string {
	return "http://" + host + "/" + o.typ + "/" + o.uuid
}

// view selects what render includes.
type view struct {
	host            string
	props, refs     bool
	backRefs, child bool
	hrefs           bool
	fields          []string // only these (plus the basics) when not nil
	plain           bool     // a plain list entry: href, fq_name and uuid only
}

// render builds o's JSON form. Callers hold s.mu.
func (s *Server) render(o *object, v view) map[string]any {
	out := map[string]any{"uuid": o.uuid, "fq_name": slices.Clone(o.fq)}
	if v.hrefs {
		out["href"] = s.href(v.host, o)
	}
	if !v.plain {
		out["name"] = o.fq[len(o.fq)-1]
	}
	if o.parent != "" && !v.plain {
		out["parent_type"], out["parent_uuid"] = o.parentType, o.parent
		if v.hrefs {
			out["parent_href"] = s.href(v.host, s.objs[o.parent])
		}
	}
	want := func(f string, def bool) bool {
		if v.fields != nil {
			return slices.Contains(v.fields, f)
		}
		return def
	}
	for k, p := range o.props {
		if want(k, v.props) {
			out[k] = clone(p)
		}
	}
	for field := range types[o.typ].refs {
		if refs := o.refs[field]; len(refs) > 0 && want(field, v.refs) {
			list := make([]any, 0, len(refs))
			for _, r := range refs {
				list = append(list, s.link(v, s.objs[r.uuid], r.attr, true))
			}
			out[field] = list
		}
	}
	if v.fields == nil && !v.backRefs && !v.child {
		return out
	}
	for _, x := range s.sorted() {
		if x.parent == o.uuid {
			if f := underscore(x.typ) + "s"; want(f, v.child) {
				out[f] = append(asList(out[f]), s.link(v, x, nil, false))
			}
		}
		for _, refs := range x.refs {
			for _, r := range refs {
				if f := underscore(x.typ) + "_back_refs"; r.uuid == o.uuid && want(f, v.backRefs) {
					out[f] = append(asList(out[f]), s.link(v, x, r.attr, true))
				}
			}
		}
	}
	return out
}

// link renders a ref, back-ref or child entry pointing at t.
func (s *Server) link(v view, t *object, attr any, withAttr bool) map[string]any {
	m := map[string]any{"to": slices.Clone(t.fq), "uuid": t.uuid}
	if v.hrefs {
		m["href"] = s.href(v.host, t)
	}
	if withAttr {
		m["attr"] = clone(attr)
	}
	return m
}

func stringList(v any) ([]string, bool) {
	l, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, len(l))
	for i, e := range l {
		if out[i], ok = e.(string); !ok {
			return nil, false
		}
	}
	return out, true
}
