package loadtest

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
)

// The demo's users for a load: the built-in admin, who sets up and reads
// back, and one user per client (the rate limit is per user): every
// fourth an administrator, the others members of t1, t2 and t1 again, so
// that two members share a tenant.
const adminPassword = "load-admin-pw"

// clientUser is client i's user.
func clientUser(i int) *user {
	u := &user{name: fmt.Sprintf("load%02d", i), tenant: []string{"admin", "t1", "t2", "t1"}[i%4], admin: i%4 == 0}
	u.password = u.name + "-pw"
	return u
}

// tenants are the tenants that get fixtures: the admin's and the members'.
var tenants = []string{"admin", "t1", "t2"}

// DemoArgs are the demo flags a load of n clients expects, keeping its
// files in dir (which must exist): a SQLite store, the users above, two
// fake locations whose VIMs take a moment per call and a second to build,
// and a quick password hash (logins are not what is measured).
func DemoArgs(dir string, n int) ([]string, error) {
	var list []map[string]any
	for i := range n {
		u := clientUser(i)
		role := "member"
		if u.admin {
			role = "admin"
		}
		list = append(list, map[string]any{"name": u.name, "password": u.password, "tenant_id": u.tenant, "roles": []string{role}})
	}
	users := filepath.Join(dir, "users.json")
	if err := os.WriteFile(users, []byte(mustJSON(list)), 0o600); err != nil {
		return nil, err
	}
	return []string{"-db", filepath.Join(dir, "data", "orca.db"), "-users", users, "-admin-password", adminPassword,
		"-fake-locations", "2", "-fake-latency", "2ms", "-fake-build-time", "1s", "-poll-interval", "250ms",
		"-pbkdf2-iterations", "1000"}, nil
}

// DemoEnv is the environment a load's demo runs with: its generated
// secret key in dir, not in the user's configuration.
func DemoEnv(dir string) []string {
	return []string{"XDG_CONFIG_HOME=" + filepath.Join(dir, "config"), "ORCA_SECRET_KEY="}
}

// login gets a token for each user through /v3/auth/tokens.
func login(c *client, u *user) error {
	body := map[string]any{"auth": map[string]any{"identity": map[string]any{"methods": []string{"password"},
		"password": map[string]any{"user": map[string]any{"name": u.name, "password": u.password}}}}}
	resp := c.do(req{surface: surfaceV1, method: "POST", path: "/v3/auth/tokens", body: mustJSON(body)})
	if resp.code != 201 || resp.header.Get("X-Subject-Token") == "" {
		return fmt.Errorf("login as %s: %d %s %v", u.name, resp.code, resp.body, resp.err)
	}
	u.token = resp.header.Get("X-Subject-Token")
	return nil
}

// fixtureID names a tenant's image, flavor or network that servers and
// bare-metal instances boot from.
func fixtureID(what, tenant string) string { return "ld-" + what + "-" + tenant }

// fixtures makes, as the admin client c, what the machines of tenant
// boot from: an image, a flavor and a /16 network.
func fixtures(c *client, tenant string, n int) error {
	for _, f := range []struct{ path, body string }{
		{"/v1.0/tenant/images", mustJSON(map[string]any{"image": map[string]any{"id": fixtureID("img", tenant), "tenant_id": tenant,
			"disk_format": "qcow2", "container_format": "bare"}})},
		{"/v1.0/tenant/flavors", mustJSON(map[string]any{"flavor": map[string]any{"id": fixtureID("fl", tenant), "tenant_id": tenant,
			"ram": 512, "vcpus": 1, "disk": 1}})},
		{"/v1.0/tenant/networks", mustJSON(map[string]any{"network": map[string]any{"id": fixtureID("net", tenant), "tenant_id": tenant,
			"cidr": fmt.Sprintf("10.%d.0.0/16", 100+n)}})},
	} {
		if resp := c.do(req{surface: surfaceV1, method: "POST", path: f.path, body: f.body}); resp.code != 201 {
			return fmt.Errorf("fixture %s of %s: %d %s %v", f.path, tenant, resp.code, resp.body, resp.err)
		}
	}
	return nil
}

// background creates n networks and servers as the admin client c, to
// converge while the load runs; they join the objects read back at the
// end.
func background(c *client, n int) {
	for i := range n {
		if i%2 == 0 {
			v1Networks.create(c)
		} else {
			v1Servers.create(c)
		}
	}
}

// convergence counts the local copies (networks and servers at every
// location) and those Ready.
func convergence(c *client) (ready, total int) {
	for _, p := range []string{"/v1.0/tenant/local_networks", "/v1.0/local_servers", "/v1.0/tenant/local_baremetal_instances"} {
		for _, q := range []string{"?limit=1", "?limit=1&status=Ready"} {
			resp := c.do(req{surface: surfaceV1, method: "GET", path: p + q})
			n, _ := strconv.Atoi(resp.header.Get("X-Total-Count"))
			if q == "?limit=1" {
				total += n
			} else {
				ready += n
			}
		}
	}
	return ready, total
}

// receiver counts the callbacks ESC sends.
type receiver struct {
	srv  *http.Server
	url  string
	seen atomic.Int64
}

func startReceiver() (*receiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	rc := &receiver{url: "http://" + ln.Addr().String() + "/"}
	rc.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc.seen.Add(1)
		w.WriteHeader(http.StatusOK)
	})}
	go rc.srv.Serve(ln)
	return rc, nil
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

var words = []string{"amber", "birch", "cedar", "delta", "ember", "fjord", "grove", "harbor", "iris", "juniper",
	"kestrel", "lumen", "maple", "nimbus", "onyx", "pine", "quartz", "raven", "sable", "tundra"}

func word(c *client) string { return words[c.rng.IntN(len(words))] }
