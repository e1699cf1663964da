package loadtest

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"slices"
)

// ESC (seed 004) answers writes at once with a transaction ID, the store
// written, and reports the outcome to the Callback URL (the run's
// receiver). Requests alternate XML and JSON; users authenticate with
// HTTP basic.

const netconfNS = "urn:ietf:params:xml:ns:netconf:base:1.0"

// escFormat picks a request's format: XML (ESC's default) or JSON.
func escFormat(c *client, r req) req {
	r.surface = surfaceESC
	if c.rng.IntN(2) == 0 {
		r.contentType, r.accept = "application/json", "application/json"
	} else {
		r.contentType, r.accept = "application/xml", "application/xml"
	}
	if r.method != "GET" && c.callback != "" {
		r.headers = append(r.headers, "Callback", c.callback)
	}
	return r
}

// escDecode decodes an ESC answer in the format asked for.
func escDecode(c *client, r req, resp response, v any) bool {
	var err error
	if r.accept == "application/json" {
		err = json.Unmarshal(resp.body, v)
	} else {
		err = xml.Unmarshal(resp.body, v)
	}
	if err != nil {
		c.rec.violate("%s %s as %s: %d with a body that does not decode: %v: %.300s", r.method, r.path, c.u.name, resp.code, err, resp.body)
		return false
	}
	return true
}

// escTenants are ESC's tenants: administrators create, change and delete
// them. The fields are name and description.
type escTenants struct{}

type escTenant struct {
	XMLName     xml.Name `xml:"tenant" json:"-"`
	Xmlns       string   `xml:"xmlns,attr,omitempty" json:"-"`
	Name        string   `xml:"name,omitempty" json:"name,omitempty"`
	Description string   `xml:"description,omitempty" json:"description,omitempty"`
}

func (t escTenant) fields() map[string]string {
	return map[string]string{"name": t.Name, "description": t.Description}
}

// encode renders v in r's format.
func encode(r req, v any) string {
	if r.contentType == "application/json" {
		return mustJSON(v)
	}
	b, err := xml.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func (escTenants) surface() string       { return surfaceESC }
func (escTenants) writable(u *user) bool { return u.admin }
func (escTenants) v1(o *object) string   { return "/v1.0/admin/tenants/" + o.id }
func (escTenants) item(o *object) string { return "/v0/tenants/" + o.id }

func (k escTenants) create(c *client) {
	id := c.nextID("et")
	in := escTenant{Xmlns: netconfNS, Name: "tenant " + id, Description: word(c)}
	r := escFormat(c, req{method: "POST", path: "/v0/tenants/" + id})
	r.body = encode(r, in)
	o := &object{kind: k, id: id, tenant: id, name: in.Name}
	if c.settle(r, o, c.do(r), in.fields(), 200) || o.unknown {
		c.objs = append(c.objs, o)
	}
}

func (k escTenants) change(c *client, o *object) bool {
	in := escTenant{Xmlns: netconfNS, Name: o.name + " " + word(c), Description: word(c)}
	r := escFormat(c, req{method: "PUT", path: k.item(o)})
	r.body = encode(r, in)
	c.settle(r, o, c.do(r), in.fields(), 200)
	return true
}

func (k escTenants) remove(c *client, o *object) {
	r := escFormat(c, req{method: "DELETE", path: k.item(o)})
	c.settle(r, o, c.do(r), nil, 200)
}

func (k escTenants) read(c *client, o *object) {
	r := escFormat(c, req{method: "GET", path: k.item(o)})
	got, found := k.get(c, r)
	c.checkRead(r, o, found, got)
}

func (k escTenants) observe(c *client, o *object) (map[string]string, bool) {
	return k.get(c, escFormat(c, req{method: "GET", path: k.item(o)}))
}

func (k escTenants) get(c *client, r req) (map[string]string, bool) {
	resp := c.do(r)
	var t escTenant
	if resp.code != 200 || !escDecode(c, r, resp, &t) {
		return nil, false
	}
	return t.fields(), true
}

// list lists the tenants (a member: their own), or gets the caller's own.
func (k escTenants) list(c *client) {
	if c.rng.IntN(2) == 0 {
		c.do(escFormat(c, req{method: "GET", path: "/v0/tenants/" + c.u.tenant}))
		return
	}
	c.do(escFormat(c, req{method: "GET", path: "/v0/tenants"}))
}

// escNetworks are ESC's networks of a tenant, made without a CIDR, at one
// VIM connector or everywhere; never changed in place. The fields are the
// name and the VIM connector.
type escNetworks struct{}

type escNetwork struct {
	XMLName xml.Name    `xml:"network" json:"-"`
	Xmlns   string      `xml:"xmlns,attr,omitempty" json:"-"`
	Locator *escLocator `xml:"locator,omitempty" json:"locator,omitempty"`
	ID      string      `xml:"internal_network_id,omitempty" json:"internal_network_id,omitempty"`
	Name    string      `xml:"name,omitempty" json:"name,omitempty"`
}

type escLocator struct {
	VimID string `xml:"vim_id" json:"vim_id"`
}

func (n escNetwork) fields() map[string]string {
	f := map[string]string{"name": n.Name, "vim": ""}
	if n.Locator != nil {
		f["vim"] = n.Locator.VimID
	}
	return f
}

func (escNetworks) surface() string       { return surfaceESC }
func (escNetworks) writable(*user) bool   { return true }
func (escNetworks) v1(o *object) string   { return "/v1.0/tenant/networks/" + o.id }
func (escNetworks) item(o *object) string { return fmt.Sprintf("/v0/%s/networks/%s", o.tenant, o.id) }

func (k escNetworks) create(c *client) {
	id := c.nextID("en")
	tenant, _ := tenantOf(c)
	in := escNetwork{Xmlns: netconfNS, Name: "net " + id}
	if c.rng.IntN(2) == 0 {
		in.Locator = &escLocator{VimID: fmt.Sprintf("loc-%d", 1+c.rng.IntN(2))}
	}
	r := escFormat(c, req{method: "POST", path: fmt.Sprintf("/v0/%s/networks/%s", tenant, id)})
	r.body = encode(r, in)
	o := &object{kind: k, id: id, tenant: tenant}
	if c.settle(r, o, c.do(r), in.fields(), 200) || o.unknown {
		c.objs = append(c.objs, o)
	}
}

func (escNetworks) change(*client, *object) bool { return false }

func (k escNetworks) remove(c *client, o *object) {
	r := escFormat(c, req{method: "DELETE", path: k.item(o)})
	c.settle(r, o, c.do(r), nil, 200)
}

func (k escNetworks) read(c *client, o *object) {
	r := escFormat(c, req{method: "GET", path: k.item(o)})
	got, found := k.get(c, r)
	c.checkRead(r, o, found, got)
}

func (k escNetworks) observe(c *client, o *object) (map[string]string, bool) {
	return k.get(c, escFormat(c, req{method: "GET", path: k.item(o)}))
}

func (k escNetworks) get(c *client, r req) (map[string]string, bool) {
	resp := c.do(r)
	var n escNetwork
	if resp.code != 200 || !escDecode(c, r, resp, &n) {
		return nil, false
	}
	return n.fields(), true
}

// list lists a tenant's networks: one of the client's live ones must be
// there.
func (k escNetworks) list(c *client) {
	o := c.pick(k)
	tenant := c.u.tenant
	if o != nil {
		tenant = o.tenant
	}
	r := escFormat(c, req{method: "GET", path: "/v0/" + tenant + "/networks"})
	resp := c.do(r)
	if resp.code != 200 || o == nil {
		return
	}
	var ids []string
	if r.accept == "application/json" {
		var body []escNetwork
		if !escDecode(c, r, resp, &body) {
			return
		}
		for _, n := range body {
			ids = append(ids, n.ID)
		}
	} else {
		var body struct {
			Networks []escNetwork `xml:"network"`
		}
		if !escDecode(c, r, resp, &body) {
			return
		}
		for _, n := range body.Networks {
			ids = append(ids, n.ID)
		}
	}
	if !slices.Contains(ids, o.id) {
		c.rec.violate("GET %s as %s: %s, existing, is not listed", r.path, c.u.name, o.id)
	}
}
