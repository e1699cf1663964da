package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/julienschmidt/httprouter"

	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/identity"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// routeKind registers a kind's collection and item routes, with its access
// policy: admin kinds for administrators; shared kinds (locations) read by
// everyone, written by administrators; tenant kinds for their tenant.
func (h *Handler) routeKind(k resource.Kind) {
	info, _ := h.reg.Info(k)
	read, write := h.authed, h.authed
	switch {
	case info.Scope == resource.ScopeAdmin && !dialect.SubjectTenanted(k):
		read, write = h.admin, h.admin
	case info.Scope == resource.ScopeShared:
		write = h.admin
	}
	for _, p := range append([]string{info.Path}, info.PathAliases...) {
		item := p + "/:id"
		h.router.GET(p, read(h.list(info)))
		h.router.GET(item, read(h.show(info)))
		switch {
		case k == resource.KindCredential:
			h.router.POST(p, write(h.setCredentials(info)))
			h.router.PUT(item, write(h.setCredentials(info)))
			h.router.DELETE(item, write(h.remove(info)))
		case k == resource.KindAction:
			h.router.POST(p, write(h.act(info)))
		case info.ReadOnly:
			// read-only records
		case info.Located:
			// Seed 000 documents writes here; they exist, but orca
			// alone writes per-location copies.
			managed := write(h.managed(info))
			h.router.POST(p, managed)
			h.router.PUT(item, managed)
			h.router.DELETE(item, managed)
		default:
			h.router.POST(p, write(h.create(info)))
			h.router.PUT(item, write(h.update(info)))
			h.router.DELETE(item, write(h.remove(info)))
		}
	}
}

func notFound(info resource.KindInfo, id string) error {
	return resource.Errorf(resource.NotFound, "%s %q not found", info.Kind, id)
}

// fetch gets the resource named in the path, as the caller may see it.
func (h *Handler) fetch(r *http.Request, info resource.KindInfo, id string) (*resource.Resource, error) {
	res, err := h.b.Get(r.Context(), resource.Ref{Kind: info.Kind, ID: id})
	if err != nil {
		return nil, err
	}
	if !dialect.Visible(principal(r), info, res) {
		return nil, notFound(info, id)
	}
	return res, nil
}

// etag is a resource's generation, which only the caller's writes change:
// the revision also moves whenever the orchestrator records progress, and
// an ETag that did would fail If-Match at random while a resource
// converges.
func etag(generation int64) string { return `"` + strconv.FormatInt(generation, 10) + `"` }

// ifMatch returns the generation an If-Match header demands, 0 without one
// (or with "*").
func ifMatch(r *http.Request) (int64, error) {
	v := strings.TrimSpace(r.Header.Get("If-Match"))
	if v == "" || v == "*" {
		return 0, nil
	}
	if strings.HasPrefix(v, "W/") {
		return 0, resource.Errorf(resource.Invalid, "If-Match needs a strong ETag, not %s", v)
	}
	rev, err := strconv.ParseInt(strings.Trim(v, `"`), 10, 64)
	if err != nil || rev <= 0 {
		return 0, resource.Errorf(resource.Invalid, "If-Match %s is not an ETag this API issued", v)
	}
	return rev, nil
}

func (h *Handler) one(w http.ResponseWriter, code int, info resource.KindInfo, r *resource.Resource) {
	w.Header().Set("ETag", etag(r.Generation))
	writeWrapped(w, code, info.Singular, false, h.renderCached(r))
}

func (h *Handler) location(info resource.KindInfo, id string) string {
	return h.opts.BaseURL + info.Path + "/" + id
}

func (h *Handler) list(info resource.KindInfo) handler {
	return func(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
		f, empty, err := h.filter(r, info)
		if err != nil {
			return err
		}
		var items [][]byte
		total := 0
		if !empty {
			var held map[resource.Ref][]byte // what the cache answered for
			if h.renders != nil {
				f.Known = func(ref resource.Ref, rev int64) bool {
					b, ok := h.renders.get(ref, rev)
					if ok {
						if held == nil {
							held = map[resource.Ref][]byte{}
						}
						held[ref] = b // kept: the cache may evict it meanwhile
					}
					return ok
				}
			}
			page, err := h.b.List(r.Context(), f)
			if err != nil {
				return err
			}
			for i, it := range page.Items {
				if it == nil {
					items = append(items, held[page.Keys[i].Ref])
					continue
				}
				items = append(items, h.renderCached(it))
			}
			total = page.Total
		}
		w.Header().Set("X-Total-Count", strconv.Itoa(total))
		writeWrapped(w, http.StatusOK, info.Plural, true, items...)
		return nil
	}
}

// filter turns query parameters into a store filter: sort_key, sort_order,
// limit, offset, and equality on any field of the wire form. empty reports a
// filter that can match nothing the caller may see (another tenant).
func (h *Handler) filter(r *http.Request, info resource.KindInfo) (f store.Filter, empty bool, err error) {
	p := principal(r)
	f = store.Filter{Kind: info.Kind, Limit: h.opts.MaxPageSize}
	f.Tenant = dialect.ListTenant(p, info)
	for name, values := range r.URL.Query() {
		if len(values) != 1 {
			return f, false, resource.InvalidField(name, "give the parameter once")
		}
		v := values[0]
		switch {
		case name == "sort_key":
			f.Sort = v
		case name == "sort_order":
			switch v {
			case "asc":
			case "desc":
				f.Desc = true
			default:
				return f, false, resource.InvalidField(name, "%q is not asc or desc", v)
			}
		case name == "limit" || name == "offset":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return f, false, resource.InvalidField(name, "%q is not a non-negative integer", v)
			}
			if name == "offset" {
				f.Offset = n
			} else if n > h.opts.MaxPageSize {
				return f, false, resource.InvalidField(name, "at most %d", h.opts.MaxPageSize)
			} else if n > 0 {
				f.Limit = n
			}
		case name == "id":
			f.ID = v
		case name == "name" && !info.NoName:
			f.Name = v
		case name == "tenant_id" && !info.NoTenant:
			if f.Tenant != "" && v != f.Tenant {
				empty = true // members see their own tenant only
			}
			f.Tenant = v
		case name == "location_id" && info.Located:
			f.Location = v
		case name == "status" && info.Located:
			f.Phase = resource.Phase(v)
		case name == info.ParentField && info.ParentField != "":
			f.Owner = &resource.Ref{Kind: info.Parent, ID: v}
		default:
			fld, ok := h.reg.Field(info.Kind, name)
			if !ok || fld.Secret {
				return f, false, resource.InvalidField(name, "%s has no field %q to filter on", info.Plural, name)
			}
			if f.Fields == nil {
				f.Fields = map[string]string{}
			}
			f.Fields[name] = v
		}
	}
	return f, empty, nil
}

func (h *Handler) show(info resource.KindInfo) handler {
	return func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) error {
		res, err := h.fetch(r, info, ps.ByName("id"))
		if err != nil {
			return err
		}
		h.one(w, http.StatusOK, info, res)
		return nil
	}
}

// decodeWrapped reads and unwraps a request object and splits it.
func (h *Handler) decodeWrapped(w http.ResponseWriter, r *http.Request, info resource.KindInfo) (*input, error) {
	obj, err := h.wrapped(w, r, info)
	if err != nil {
		return nil, err
	}
	return parseInput(obj, info)
}

// wrapped reads a body {"<singular>": {...}} and returns the inner object.
func (h *Handler) wrapped(w http.ResponseWriter, r *http.Request, info resource.KindInfo) (map[string]json.RawMessage, error) {
	body, err := h.body(w, r)
	if err != nil {
		return nil, err
	}
	return unwrap(body, append([]string{info.Singular}, info.SingularAliases...)...)
}

// tenantFor decides the tenant of a new resource: a member's own (naming
// another is refused), or what an administrator names (default: their own).
func tenantFor(p *identity.Principal, info resource.KindInfo, in *input) (string, error) {
	if in.hasTenant && in.tenant == "" {
		// An explicit empty tenant_id is a request to name none.
		return dialect.OwnerTenant(p, info, "", "tenant_id")
	}
	return dialect.OwnerTenant(p, info, in.tenant, "tenant_id")
}

func (h *Handler) create(info resource.KindInfo) handler {
	return func(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
		in, err := h.decodeWrapped(w, r, info)
		if err != nil {
			return err
		}
		tenant, err := tenantFor(principal(r), info, in)
		if err != nil {
			return err
		}
		spec, err := h.specFrom(info.Kind, in.spec, nil)
		if err != nil {
			return err
		}
		res := &resource.Resource{Ref: resource.Ref{Kind: info.Kind, ID: in.id}, Tenant: tenant, Name: in.name, Spec: spec}
		if info.ParentField != "" {
			if in.parent == "" {
				return resource.InvalidField(info.ParentField, "required")
			}
			res.Owner = &resource.Ref{Kind: info.Parent, ID: in.parent}
		}
		if in.meta != nil {
			res.Labels, res.Placement = in.meta.Labels, in.meta.Placement
		}
		out, err := h.b.Create(r.Context(), res)
		if err != nil {
			return err
		}
		w.Header().Set("Location", h.location(info, out.ID))
		h.one(w, http.StatusCreated, info, out)
		return nil
	}
}

func (h *Handler) update(info resource.KindInfo) handler {
	return func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) error {
		id := ps.ByName("id")
		gen, err := ifMatch(r)
		if err != nil {
			return err
		}
		cur, err := h.fetch(r, info, id)
		if err != nil {
			return err
		}
		in, err := h.decodeWrapped(w, r, info)
		if err != nil {
			return err
		}
		p := principal(r)
		switch {
		case in.hasID && in.id != id:
			err = resource.InvalidField("id", "%q differs from the ID in the path (%s)", in.id, id)
		case in.hasTenant && !p.IsAdmin() && in.tenant != p.TenantID:
			err = &resource.Error{Code: resource.Forbidden, Field: "tenant_id", Err: fmt.Errorf("tenant_id: members cannot name another tenant")}
		case in.hasTenant && in.tenant != cur.Tenant:
			err = resource.InvalidField("tenant_id", "cannot be changed")
		case in.parent != "" && (cur.Owner == nil || in.parent != cur.Owner.ID):
			err = resource.InvalidField(info.ParentField, "cannot be changed")
		}
		if err != nil {
			return err
		}
		next := *cur
		if next.Spec, err = h.specFrom(info.Kind, in.spec, cur.Spec); err != nil {
			return err
		}
		if in.hasName {
			next.Name = in.name
		}
		if in.meta != nil {
			if in.meta.Labels != nil {
				next.Labels = in.meta.Labels
			}
			if in.meta.Placement != nil || in.clearPlacement {
				next.Placement = in.meta.Placement
			}
		}
		var out *resource.Resource
		err = h.ifGeneration(r, cur, gen, func(rev int64) (err error) {
			next.Revision = rev // 0: whatever is stored
			out, err = h.b.Update(r.Context(), &next)
			return err
		})
		if err != nil {
			return err
		}
		h.one(w, http.StatusOK, info, out)
		return nil
	}
}

func (h *Handler) remove(info resource.KindInfo) handler {
	return func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) error {
		gen, err := ifMatch(r)
		if err != nil {
			return err
		}
		cur, err := h.fetch(r, info, ps.ByName("id"))
		if err != nil {
			return err
		}
		if err := h.ifGeneration(r, cur, gen, func(rev int64) error { return h.b.Delete(r.Context(), cur.Ref, rev) }); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

func (h *Handler) managed(info resource.KindInfo) handler {
	return func(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
		return resource.Errorf(resource.Forbidden,
			"%s resources are read-only: orca writes them as it realizes their %s", info.Kind, info.Parent)
	}
}

// ifGeneration runs write, passing the revision to write at, when gen is
// cur's generation (any when gen is 0). A write lost to the orchestrator's
// own status write, which leaves the generation alone, is retried on a
// fresh read; a write lost to another caller's change is stale (412).
func (h *Handler) ifGeneration(r *http.Request, cur *resource.Resource, gen int64, write func(rev int64) error) error {
	if gen == 0 {
		return write(0)
	}
	for attempt := 0; ; attempt++ {
		if cur.Generation != gen {
			return resource.Errorf(resource.Conflict, "%s %q was changed: If-Match %s is stale, the current ETag is %s: %w",
				cur.Kind, cur.ID, etag(gen), etag(cur.Generation), store.ErrStale)
		}
		err := write(cur.Revision)
		if !errors.Is(err, store.ErrStale) || attempt == 4 {
			return err
		}
		if cur, err = h.b.Get(r.Context(), cur.Ref); err != nil {
			return err
		}
	}
}
