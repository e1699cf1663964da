package loadtest

import (
	"fmt"
	"slices"
)

const waldurGroups = "/api/openstack-server-groups/"

// waldurKind is seed 002's server groups: created with a server-chosen
// UUID, pulled (an action), deleted; never changed in place. The fields
// are name, description and policy. Half the requests authenticate with
// "Authorization: Token".
type waldurKind struct{}

func (waldurKind) surface() string       { return surfaceWaldur }
func (waldurKind) writable(*user) bool   { return true }
func (waldurKind) v1(o *object) string   { return "/v1.0/tenant/server_groups/" + o.id }
func (waldurKind) item(o *object) string { return waldurGroups + o.id + "/" }

// auth sends the token in Waldur's own header half the time.
func (waldurKind) auth(c *client, r req) req {
	if c.rng.IntN(2) == 0 {
		r.headers = append(r.headers, "Authorization", "Token "+c.u.token, "X-Auth-Token", "")
	}
	return r
}

type waldurGroup struct {
	UUID        string `json:"uuid"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Policy      string `json:"policy"`
}

func (g waldurGroup) fields() map[string]string {
	return map[string]string{"name": g.Name, "description": g.Description, "policy": g.Policy}
}

func (k waldurKind) create(c *client) {
	in := waldurGroup{Name: "g-" + c.nextID("sg"), Description: word(c), Policy: []string{"affinity", "anti-affinity"}[c.rng.IntN(2)]}
	body := map[string]any{"name": in.Name, "description": in.Description, "policy": in.Policy}
	if c.rng.IntN(3) == 0 {
		body["service_settings"] = "loc-1"
	}
	r := k.auth(c, req{surface: surfaceWaldur, method: "POST", path: waldurGroups, body: mustJSON(body)})
	resp := c.do(r)
	var out waldurGroup
	if resp.code == 201 && (!c.json(r, resp, &out) || out.UUID == "") {
		return // a violation recorded
	}
	o := &object{kind: k, id: out.UUID, tenant: c.u.tenant}
	if c.settle(r, o, resp, in.fields(), 201) {
		c.objs = append(c.objs, o)
	}
}

// waldurBusy are the refusals of a pull or a delete while the group is
// being created or updated: Waldur allows them in states OK and ERRED only.
var waldurBusy = []int{409}

// change pulls the group: an action, which changes none of its fields.
func (k waldurKind) change(c *client, o *object) bool {
	r := k.auth(c, req{surface: surfaceWaldur, method: "POST", path: k.item(o) + "pull/", expect: waldurBusy})
	c.settle(r, o, c.do(r), o.want, 202)
	return true
}

func (k waldurKind) remove(c *client, o *object) {
	r := k.auth(c, req{surface: surfaceWaldur, method: "DELETE", path: k.item(o), expect: waldurBusy})
	c.settle(r, o, c.do(r), nil, 204)
}

func (k waldurKind) read(c *client, o *object) {
	r := k.auth(c, req{surface: surfaceWaldur, method: "GET", path: k.item(o)})
	got, found := k.get(c, r)
	c.checkRead(r, o, found, got)
}

func (k waldurKind) observe(c *client, o *object) (map[string]string, bool) {
	return k.get(c, req{surface: surfaceWaldur, method: "GET", path: k.item(o)})
}

func (k waldurKind) get(c *client, r req) (map[string]string, bool) {
	resp := c.do(r)
	var g waldurGroup
	if resp.code != 200 || !c.json(r, resp, &g) {
		return nil, false
	}
	return g.fields(), true
}

// list filters by the name of one of the client's groups (which must be
// listed while it exists), selecting fields; or pages through the groups
// that are OK, ordered by name.
func (k waldurKind) list(c *client) {
	o := c.pick(k)
	if o == nil || c.rng.IntN(2) == 0 {
		c.do(k.auth(c, req{surface: surfaceWaldur, method: "GET",
			path: fmt.Sprintf("%s?state=OK&o=-name&page=%d&page_size=5", waldurGroups, 1+c.rng.IntN(3))}))
		return
	}
	r := k.auth(c, req{surface: surfaceWaldur, method: "GET", path: waldurGroups + "?field=uuid&field=name&name=" + o.want["name"]})
	resp := c.do(r)
	var body []waldurGroup
	if resp.code != 200 || !c.json(r, resp, &body) {
		return
	}
	var ids []string
	for _, g := range body {
		ids = append(ids, g.UUID)
	}
	if !slices.Contains(ids, o.id) {
		c.rec.violate("GET %s as %s: %s, existing, is not listed (got %v)", r.path, c.u.name, o.id, ids)
	}
}
