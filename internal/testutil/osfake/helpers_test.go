package osfake

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// client talks to a fake with a token for admin on project demo.
type client struct {
	t       *testing.T
	srv     *Server
	hc      *http.Client
	token   string
	project string
}

// response is one answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body.
func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v: %s", err, r.body)
	}
	return m
}

func newFake(t *testing.T, opts *Options) (*Server, *client) {
	t.Helper()
	srv := New(opts)
	t.Cleanup(srv.Close)
	c := &client{t: t, srv: srv, hc: srv.Client()}
	c.login("admin", "secret", "demo")
	return srv, c
}

// login takes a token for user on project.
func (c *client) login(user, password, project string) response {
	c.t.Helper()
	r := c.do(http.MethodPost, "/identity/v3/auth/tokens", passwordAuth(user, password, project))
	if r.status == http.StatusCreated {
		c.token = r.header.Get("X-Subject-Token")
		c.project = r.json(c.t)["token"].(map[string]any)["project"].(map[string]any)["id"].(string)
	}
	return r
}

func passwordAuth(user, password, project string) map[string]any {
	a := map[string]any{"auth": map[string]any{
		"identity": map[string]any{"methods": []string{"password"}, "password": map[string]any{
			"user": map[string]any{"name": user, "domain": map[string]any{"name": "Default"}, "password": password}}},
	}}
	if project != "" {
		a["auth"].(map[string]any)["scope"] = map[string]any{"project": map[string]any{"name": project, "domain": map[string]any{"name": "Default"}}}
	}
	return a
}

// do sends a request with the token; body is JSON-encoded unless it is a
// string or []byte. hdr are header name/value pairs.
func (c *client) do(method, path string, body any, hdr ...string) response {
	c.t.Helper()
	var rd io.Reader
	ctype := "application/json"
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(c.t.Context(), method, c.srv.URL()+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", ctype)
	}
	if c.token != "" {
		req.Header.Set("X-Auth-Token", c.token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: raw}
}

// must sends a request and fails the test unless it answers want.
func (c *client) must(want int, method, path string, body any, hdr ...string) map[string]any {
	c.t.Helper()
	r := c.do(method, path, body, hdr...)
	if r.status != want {
		c.t.Fatalf("%s %s = %d, want %d: %s", method, path, r.status, want, r.body)
	}
	if len(bytes.TrimSpace(r.body)) == 0 || r.header.Get("Content-Type") != "" && !strings.Contains(r.header.Get("Content-Type"), "json") {
		return nil
	}
	return r.json(c.t)
}

// nova is a request to Nova at microversion 2.64.
func (c *client) nova(want int, method, path string, body any) map[string]any {
	c.t.Helper()
	return c.must(want, method, "/compute/v2.1"+path, body, "OpenStack-API-Version", "compute 2.64")
}

func (c *client) heatPath(rest string) string { return "/heat-api/v1/" + c.project + rest }

// get walks a decoded JSON value by keys and indexes.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func str2(v any, path ...any) string {
	s, _ := get(v, path...).(string)
	return s
}

// network makes a network with a subnet and returns its ID.
func (c *client) network(name, cidr string) string {
	c.t.Helper()
	n := c.must(http.StatusCreated, http.MethodPost, "/network/v2.0/networks", map[string]any{"network": map[string]any{"name": name}})
	id := str2(n, "network", "id")
	c.must(http.StatusCreated, http.MethodPost, "/network/v2.0/subnets", map[string]any{"subnet": map[string]any{
		"name": name, "network_id": id, "cidr": cidr, "ip_version": 4}})
	return id
}

// imageID returns the ID of the fake's image named name.
func imageID(t *testing.T, srv *Server, name string) string {
	t.Helper()
	for _, o := range srv.Objects(KindImage) {
		if o.Name == name {
			return o.ID
		}
	}
	t.Fatalf("no image %q", name)
	return ""
}

// boot creates a server from cirros and m1.tiny on network and returns
// its ID.
func (c *client) boot(name, network string, extra map[string]any) string {
	c.t.Helper()
	s := map[string]any{"name": name, "imageRef": imageID(c.t, c.srv, "cirros"), "flavorRef": "1",
		"networks": []any{map[string]any{"uuid": network}}}
	for k, v := range extra {
		s[k] = v
	}
	return str2(c.nova(http.StatusAccepted, http.MethodPost, "/servers", map[string]any{"server": s}), "server", "id")
}
