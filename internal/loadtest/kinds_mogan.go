package loadtest

import "fmt"

const moganInstances = "/v1/instances"

// moganKind is seed 003's bare-metal instances on the tenant's fixtures:
// created with a server-chosen UUID, patched (JSON Patch) or powered,
// deleted. The fields are name, description and extra.role.
type moganKind struct{}

func (moganKind) surface() string       { return surfaceMogan }
func (moganKind) writable(*user) bool   { return true }
func (moganKind) v1(o *object) string   { return "/v1.0/tenant/baremetal_instances/" + o.id }
func (moganKind) item(o *object) string { return moganInstances + "/" + o.id }

type moganInstance struct {
	UUID        string            `json:"uuid"`
	Name        string            `json:"name"`
	Description string            `json:"description"`
	Extra       map[string]string `json:"extra"`
}

func (i moganInstance) fields() map[string]string {
	return map[string]string{"name": i.Name, "description": i.Description, "extra.role": i.Extra["role"]}
}

func (k moganKind) create(c *client) {
	t := c.u.tenant
	in := moganInstance{Name: "bm-" + c.nextID("bm"), Description: word(c), Extra: map[string]string{"role": word(c)}}
	body := map[string]any{"name": in.Name, "description": in.Description, "extra": in.Extra,
		"instance_type_uuid": fixtureID("fl", t), "image_uuid": fixtureID("img", t),
		"networks": []any{map[string]any{"net_id": fixtureID("net", t)}}}
	if c.rng.IntN(2) == 0 {
		body["availability_zone"] = fmt.Sprintf("loc-%d", 1+c.rng.IntN(2))
	}
	r := req{surface: surfaceMogan, method: "POST", path: moganInstances, body: mustJSON(body)}
	resp := c.do(r)
	var out moganInstance
	if resp.code == 201 && (!c.json(r, resp, &out) || out.UUID == "") {
		return
	}
	o := &object{kind: k, id: out.UUID, tenant: t, name: in.Name}
	if c.settle(r, o, resp, in.fields(), 201) {
		c.objs = append(c.objs, o)
	}
}

// change patches name and extra.role, or (one time in four) asks for a
// power change, which Mogan refuses (400, or 409 when two race) while
// another is in flight or from the wrong state: an expected refusal.
func (k moganKind) change(c *client, o *object) bool {
	if c.rng.IntN(4) == 0 {
		target := []string{"off", "on", "reboot"}[c.rng.IntN(3)]
		r := req{surface: surfaceMogan, method: "PUT", path: k.item(o) + "/states/power", body: mustJSON(map[string]any{"target": target}),
			expect: []int{400, 409}}
		c.settle(r, o, c.do(r), o.want, 202)
		return true
	}
	next := map[string]string{"name": o.name + "-" + word(c), "description": o.want["description"], "extra.role": word(c)}
	patch := []map[string]any{
		{"op": "replace", "path": "/name", "value": next["name"]},
		{"op": "add", "path": "/extra/role", "value": next["extra.role"]},
	}
	r := req{surface: surfaceMogan, method: "PATCH", path: k.item(o), body: mustJSON(patch), contentType: "application/json-patch+json"}
	c.settle(r, o, c.do(r), next, 200)
	return true
}

func (k moganKind) remove(c *client, o *object) {
	r := req{surface: surfaceMogan, method: "DELETE", path: k.item(o)}
	c.settle(r, o, c.do(r), nil, 204)
}

func (k moganKind) read(c *client, o *object) {
	if c.rng.IntN(4) == 0 {
		c.do(req{surface: surfaceMogan, method: "GET", path: k.item(o) + "/states"})
		return
	}
	r := req{surface: surfaceMogan, method: "GET", path: k.item(o)}
	got, found := k.get(c, r)
	c.checkRead(r, o, found, got)
}

func (k moganKind) observe(c *client, o *object) (map[string]string, bool) {
	return k.get(c, req{surface: surfaceMogan, method: "GET", path: k.item(o)})
}

func (k moganKind) get(c *client, r req) (map[string]string, bool) {
	resp := c.do(r)
	var i moganInstance
	if resp.code != 200 || !c.json(r, resp, &i) {
		return nil, false
	}
	return i.fields(), true
}

// list lists with field selection, in detail, or (the admin) across
// tenants.
func (k moganKind) list(c *client) {
	paths := []string{moganInstances + "?fields=uuid,name,status,power_state", moganInstances + "/detail"}
	if c.u.admin {
		paths = append(paths, moganInstances+"?all_tenants=true&fields=uuid,status")
	}
	c.do(req{surface: surfaceMogan, method: "GET", path: paths[c.rng.IntN(len(paths))]})
}
