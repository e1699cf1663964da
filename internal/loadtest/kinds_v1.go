package loadtest

import (
	"fmt"
	"slices"
)

// v1Kind is a kind of seed 000 (/v1.0) with wrapped bodies: networks, and
// servers on the tenant's fixtures (fixtures.go). Its fields are the name
// and the description (networks) or the name (servers).
type v1Kind struct {
	singular, path string
	// body returns a new object's fields for c, beyond id and name.
	body func(c *client, tenant string) map[string]any
	// tracked are the fields compared, beyond name.
	tracked []string
}

var (
	v1Networks = &v1Kind{singular: "network", path: "/v1.0/tenant/networks", tracked: []string{"description"},
		body: func(c *client, _ string) map[string]any {
			return map[string]any{"description": word(c), "cidr": fmt.Sprintf("10.%d.%d.0/24", c.rng.IntN(256), c.rng.IntN(256))}
		}}
	v1Servers = &v1Kind{singular: "server", path: "/v1.0/servers",
		body: func(c *client, tenant string) map[string]any {
			return map[string]any{"image_id": fixtureID("img", tenant), "flavor_id": fixtureID("fl", tenant), "network_id": fixtureID("net", tenant)}
		}}
)

func (k *v1Kind) surface() string       { return surfaceV1 }
func (k *v1Kind) writable(*user) bool   { return true }
func (k *v1Kind) v1(o *object) string   { return k.path + "/" + o.id }
func (k *v1Kind) item(o *object) string { return k.path + "/" + o.id }

// tenantOf picks the tenant a new object goes to: a member's own; the
// admin's, or now and then a member tenant (the admin names it).
func tenantOf(c *client) (tenant string, named bool) {
	if !c.u.admin || c.rng.IntN(3) > 0 {
		return c.u.tenant, false
	}
	return []string{"t1", "t2"}[c.rng.IntN(2)], true
}

func (k *v1Kind) create(c *client) {
	id := c.nextID(k.singular[:3])
	tenant, named := tenantOf(c)
	fields := k.body(c, tenant)
	fields["id"], fields["name"] = id, "n-"+id
	if named {
		fields["tenant_id"] = tenant
	}
	r := req{surface: surfaceV1, method: "POST", path: k.path, body: mustJSON(map[string]any{k.singular: fields})}
	resp := c.do(r)
	o := &object{kind: k, id: id, tenant: tenant}
	if c.settle(r, o, resp, k.fields(fields), 201) || o.unknown {
		c.objs = append(c.objs, o)
	}
}

// fields are the tracked fields of a body.
func (k *v1Kind) fields(body map[string]any) map[string]string {
	out := map[string]string{"name": str(body["name"])}
	for _, f := range k.tracked {
		out[f] = str(body[f])
	}
	return out
}

// change renames the object (and redescribes a network), half the time
// conditionally on the ETag just read: the client is the object's only
// writer, so the condition holds unless the server loses track.
func (k *v1Kind) change(c *client, o *object) bool {
	next := map[string]any{"name": "n-" + o.id + "-" + word(c)} // unique, as the list by name needs
	for _, f := range k.tracked {
		next[f] = word(c)
	}
	r := req{surface: surfaceV1, method: "PUT", path: k.item(o), body: mustJSON(map[string]any{k.singular: next})}
	if c.rng.IntN(2) == 0 {
		etag, ok := c.etag(k.item(o))
		if !ok {
			return true
		}
		r.headers = []string{"If-Match", etag}
	}
	c.settle(r, o, c.do(r), k.fields(next), 200)
	return true
}

// etag reads the object's ETag; false when the read fails.
func (c *client) etag(path string) (string, bool) {
	resp := c.do(req{surface: surfaceV1, method: "GET", path: path})
	if resp.code != 200 || resp.header.Get("ETag") == "" {
		return "", false
	}
	return resp.header.Get("ETag"), true
}

func (k *v1Kind) remove(c *client, o *object) {
	r := req{surface: surfaceV1, method: "DELETE", path: k.item(o)}
	c.settle(r, o, c.do(r), nil, 204)
}

func (k *v1Kind) read(c *client, o *object) {
	r := req{surface: surfaceV1, method: "GET", path: k.item(o)}
	fields, found := k.get(c, r)
	c.checkRead(r, o, found, fields)
}

func (k *v1Kind) observe(c *client, o *object) (map[string]string, bool) {
	return k.get(c, req{surface: surfaceV1, method: "GET", path: k.item(o)})
}

func (k *v1Kind) get(c *client, r req) (map[string]string, bool) {
	resp := c.do(r)
	var body map[string]map[string]any
	if resp.code != 200 || !c.json(r, resp, &body) {
		return nil, false
	}
	return k.fields(body[k.singular]), true
}

// list lists the kind: by the name of one of the client's objects (which
// must be in the answer while it exists), sorted and paged, or the local
// copies of one object that are Ready.
func (k *v1Kind) list(c *client) {
	o := c.pick(k)
	var r req
	switch n := c.rng.IntN(3); {
	case n == 0 && o != nil:
		r = req{surface: surfaceV1, method: "GET", path: k.path + "?name=" + o.want["name"]}
		resp := c.do(r)
		var body map[string][]map[string]any
		if resp.code != 200 || !c.json(r, resp, &body) {
			return
		}
		ids := []string{}
		for _, it := range body[k.singular+"s"] {
			ids = append(ids, str(it["id"]))
		}
		if !o.unknown && o.want != nil && !slices.Contains(ids, o.id) {
			c.rec.violate("GET %s as %s: %s, existing, is not listed (got %v)", r.path, c.u.name, o.id, ids)
		}
		return
	case n == 1 && o != nil:
		r = req{surface: surfaceV1, method: "GET", path: fmt.Sprintf("%s?%s_id=%s&status=Ready", localPath(k), k.singular, o.id)}
	default:
		r = req{surface: surfaceV1, method: "GET", path: fmt.Sprintf("%s?sort_key=name&sort_order=desc&limit=20&offset=%d", k.path, c.rng.IntN(50))}
	}
	c.do(r)
}

func localPath(k *v1Kind) string {
	if k == v1Servers {
		return "/v1.0/local_servers"
	}
	return "/v1.0/tenant/local_networks"
}
