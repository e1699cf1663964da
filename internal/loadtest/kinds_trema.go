package loadtest

import "slices"

// tremaTenants are seed 001's tenants (/tenants): administrators create,
// describe and delete them; members read their own. The field is the
// description.
type tremaTenants struct{}

func (tremaTenants) surface() string       { return surfaceTrema }
func (tremaTenants) writable(u *user) bool { return u.admin }
func (tremaTenants) v1(o *object) string   { return "/v1.0/admin/tenants/" + o.id }
func (tremaTenants) item(o *object) string { return "/tenants/" + o.id }
func (tremaTenants) fields(d string) map[string]string {
	return map[string]string{"description": d}
}

func (k tremaTenants) create(c *client) {
	id, d := c.nextID("tt"), word(c)
	r := req{surface: surfaceTrema, method: "POST", path: "/tenants", body: mustJSON(map[string]any{"id": id, "description": d})}
	o := &object{kind: k, id: id, tenant: id}
	if c.settle(r, o, c.do(r), k.fields(d), 200) || o.unknown {
		c.objs = append(c.objs, o)
	}
}

func (k tremaTenants) change(c *client, o *object) bool {
	d := word(c)
	r := req{surface: surfaceTrema, method: "PUT", path: k.item(o), body: mustJSON(map[string]any{"description": d})}
	c.settle(r, o, c.do(r), k.fields(d), 202)
	return true
}

func (k tremaTenants) remove(c *client, o *object) {
	r := req{surface: surfaceTrema, method: "DELETE", path: k.item(o)}
	c.settle(r, o, c.do(r), nil, 202)
}

func (k tremaTenants) read(c *client, o *object) {
	r := req{surface: surfaceTrema, method: "GET", path: k.item(o)}
	got, found := k.get(c, r)
	c.checkRead(r, o, found, got)
}

func (k tremaTenants) observe(c *client, o *object) (map[string]string, bool) {
	return k.get(c, req{surface: surfaceTrema, method: "GET", path: k.item(o)})
}

func (k tremaTenants) get(c *client, r req) (map[string]string, bool) {
	resp := c.do(r)
	var body struct {
		Description string `json:"description"`
	}
	if resp.code != 200 || !c.json(r, resp, &body) {
		return nil, false
	}
	return k.fields(body.Description), true
}

// list lists the tenants: the admin's must hold one of its live tenants;
// a member's is their own tenant only, and another tenant is not found.
func (k tremaTenants) list(c *client) {
	r := req{surface: surfaceTrema, method: "GET", path: "/tenants"}
	resp := c.do(r)
	var body []struct {
		ID string `json:"id"`
	}
	if resp.code != 200 || !c.json(r, resp, &body) {
		return
	}
	var ids []string
	for _, t := range body {
		ids = append(ids, t.ID)
	}
	if !c.u.admin {
		if !slices.Equal(ids, []string{c.u.tenant}) {
			c.rec.violate("GET /tenants as %s (of %s): %v", c.u.name, c.u.tenant, ids)
		}
		other := map[string]string{"t1": "t2", "t2": "t1"}[c.u.tenant]
		r = req{surface: surfaceTrema, method: "GET", path: "/tenants/" + other}
		if resp := c.do(r); resp.code != 404 {
			c.rec.violate("GET %s as %s (of %s): %d, want 404", r.path, c.u.name, c.u.tenant, resp.code)
		}
		return
	}
	if o := c.pick(k); o != nil && !slices.Contains(ids, o.id) {
		c.rec.violate("GET /tenants as %s: %s, existing, is not listed", c.u.name, o.id)
	}
}
