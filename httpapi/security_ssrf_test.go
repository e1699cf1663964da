package httpapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/internal/testutil/wait"
	"github.com/orca-nfv/orca/netguard"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
	"github.com/orca-nfv/orca/vim"
	"github.com/orca-nfv/orca/vim/drivers"
)

// victim is a server on loopback that must not be reached: what an
// attacker would aim orca at (a cloud's metadata service, an admin
// console). It counts the requests that reach it.
type victim struct {
	*httptest.Server
	hits atomic.Int64
}

func newVictim(t *testing.T) *victim {
	v := &victim{}
	v.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v.hits.Add(1)
		w.Write([]byte("hostname from the victim"))
	}))
	t.Cleanup(v.Close)
	return v
}

// byName is the victim's URL with a name that resolves to its loopback
// address, as a DNS name an attacker controls (or rebinds) would: only a
// check at connect time sees where it goes.
func (v *victim) byName(path string) string {
	u, _ := url.Parse(v.URL)
	return "http://localhost:" + u.Port() + path
}

// guardedServer is the surfaces with the demo's wiring but no private
// range allowed: callbacks delivered, day-0 files fetched and VIM
// endpoints dialled through one policy refusing loopback.
func guardedServer(t *testing.T) *secServer {
	refuse := &netguard.Policy{}
	hc, err := vim.NewHTTPClient(&vim.HTTPOptions{Guard: refuse})
	if err != nil {
		t.Fatal(err)
	}
	fakes := fake.NewFactory(nil)
	return newSecServer(t, &secOptions{policy: refuse, drivers: drivers.New(&drivers.Options{Fakes: fakes, HTTPClient: hc})})
}

// TestSSRFRefusedAtOnce: every URL a request gives the server to dial
// (ESC's Callback and Callback-ESC-Events, an image's src, a day-0 file, a
// file server, a VIM connector's endpoint) is refused with 400 when it
// names a loopback, private, link-local or metadata address in any
// spelling, and nothing is made or sent.
func TestSSRFRefusedAtOnce(t *testing.T) {
	s := guardedServer(t)
	v := newVictim(t)
	s.send(admin, byBasic, "POST", "/v0/tenants/t1", `<tenant><name>t1</name></tenant>`).Want(t, 200, "tenant t1")
	newESCEnv(t, s) // what the deployment names
	addresses := map[string]string{
		"loopback":          v.URL,
		"IPv6 loopback":     "http://[::1]:1/",
		"IPv4-mapped IPv6":  "http://[::ffff:127.0.0.1]:1/",
		"metadata":          "http://169.254.169.254/latest/meta-data/",
		"IPv6 metadata":     "http://[fd00:ec2::254]/",
		"private":           "http://10.0.0.1/",
		"unspecified":       "http://0.0.0.0:1/",
		"decimal loopback":  "http://2130706433/",
		"shortened address": "http://127.1/",
	}
	type use struct {
		method, path string
		body         func(u string) string
		headers      func(u string) []string
		field        string // the answer names it
		made         string // a path that must still be 404
	}
	uses := map[string]use{
		"callback": {"POST", "/v0/tenants/cb", func(string) string { return `<tenant><name>cb</name></tenant>` },
			func(u string) []string { return []string{"Callback", u} }, "Callback", "/v0/tenants/cb"},
		"events callback": {"POST", "/v0/tenants/ev", func(string) string { return `<tenant><name>ev</name></tenant>` },
			func(u string) []string { return []string{"Callback-ESC-Events", u} }, "Callback-ESC-Events", "/v0/tenants/ev"},
		"image src": {"POST", "/v0/images/img", func(u string) string { return `<image><name>img</name><src>` + u + `</src></image>` },
			nil, "src", "/v0/images/img"},
		"file server": {"POST", "/v0/fileserver/fs", func(u string) string { return `<file_server><base_url>` + u + `</base_url></file_server>` },
			nil, "base_url", "/v0/fileserver/fs"},
		"VIM endpoint": {"POST", "/v0/vims", func(u string) string { return vimConnectorAt("vim", u) },
			nil, "authUrl", "/v0/vims/vim"},
		"day-0 file": {"POST", "/v0/deployments/dep", func(u string) string { return day0Datamodel("dep", u) },
			nil, "config_data", "/v0/deployments/dep"},
	}
	cells := 0
	for uname, u := range uses {
		for aname, addr := range addresses {
			t.Run(uname+"/"+aname, func(t *testing.T) {
				var h []string
				if u.headers != nil {
					h = u.headers(addr)
				}
				r := s.send(admin, byBasic, u.method, u.path, u.body(addr), h...)
				cells++
				if r.Code != 400 || !strings.Contains(r.Raw, u.field) {
					t.Errorf("%d %.300s, want 400 naming %s", r.Code, r.Raw, u.field)
				}
				if r := s.send(admin, byBasic, "GET", u.made, nil); r.Code != 404 {
					t.Errorf("GET %s after the refusal: %d", u.made, r.Code)
				}
			})
		}
	}
	if n := v.hits.Load(); n != 0 {
		t.Errorf("the victim saw %d requests", n)
	}
	t.Logf("%d SSRF refusals checked", cells)
}

// TestSSRFRefusedAtDial: a name passes the check of a URL (names are
// judged where they resolve, when they are dialled), so a name that
// resolves to loopback reaches the dial, and is refused there: the
// callback is given up, the day-0 file not fetched, the VIM endpoint not
// logged in to (also one given through /v1.0, which checks no URL before
// dialling); the victim sees nothing. With loopback allowed, the same
// callback arrives: the test can see one that does.
func TestSSRFRefusedAtDial(t *testing.T) {
	s := guardedServer(t)
	v := newVictim(t)
	ctx := context.Background()
	s.send(admin, byBasic, "POST", "/v0/tenants/t1", `<tenant><name>t1</name></tenant>`, "Callback", v.byName("/cb?token=x")).
		Want(t, 200, "a callback to a name is accepted")
	newESCEnv(t, s) // what the deployment names
	wait.Until(t, "the callback given up", func() bool {
		page, err := s.O.List(ctx, store.Filter{Kind: resource.KindWebhook})
		if err != nil || len(page.Items) == 0 {
			return false
		}
		st := page.Items[0].Status
		if st.Phase == resource.PhaseFailed && !strings.Contains(st.Message, "refused: loopback") {
			t.Fatalf("the callback failed for another reason: %s", st.Message)
		}
		return st.Phase == resource.PhaseFailed
	})

	// A day-0 file at a name resolving to loopback.
	r := s.send(admin, byBasic, "POST", "/v0/deployments/dep", day0Datamodel("dep", v.byName("/day0.cfg")))
	if r.Code != 400 || !strings.Contains(r.Raw, "refused") {
		t.Errorf("a day-0 file at a loopback name: %d %.300s, want 400 saying it is refused", r.Code, r.Raw)
	}

	// VIM endpoints: ESC's connector at a name, seed 000's location at
	// the metadata address and at a name; each with a user to log in as.
	s.send(admin, byBasic, "POST", "/v0/vims", vimConnectorAt("vim", v.byName("/v3"))).Want(t, 200, "a connector at a name")
	s.send(admin, byBasic, "POST", "/v0/vims/vim/vim_users", vimUser("pw")).Want(t, 200, "its user")
	s.send(admin, byToken, "PUT", "/v1.0/admin/credentials/c", map[string]any{"credential": map[string]any{"username": "u", "password": "p", "project_name": "p"}}).
		Want(t, 200, "a credential")
	for id, endpoint := range map[string]string{"meta": "http://169.254.169.254/v3", "named": v.byName("/v3")} {
		s.send(admin, byToken, "POST", "/v1.0/locations", map[string]any{"location": map[string]any{"id": id, "keystone_endpoint": endpoint, "credential_id": "c"}}).
			Want(t, 201, "location "+id)
	}
	for id, why := range map[string]string{"vim": "refused: loopback", "named": "refused: loopback", "meta": "refused: link-local"} {
		wait.Until(t, id+" fails to open", func() bool {
			l, err := s.O.Get(ctx, resource.Ref{Kind: resource.KindLocation, ID: id})
			if err != nil || l.Status.Phase != resource.PhaseFailed {
				return false
			}
			if !strings.Contains(l.Status.Message, why) {
				t.Fatalf("location %s failed for another reason: %s", id, l.Status.Message)
			}
			return true
		})
	}
	if n := v.hits.Load(); n != 0 {
		t.Errorf("the victim saw %d requests", n)
	}

	// The control: loopback allowed, the same callback arrives.
	allowed := newSecServer(t, nil)
	allowed.send(admin, byBasic, "POST", "/v0/tenants/t1", `<tenant><name>t1</name></tenant>`, "Callback", v.byName("/cb")).Want(t, 200, "allowed")
	wait.Until(t, "the allowed callback", func() bool { return v.hits.Load() > 0 })
}

func vimConnectorAt(id, authURL string) string {
	return `<vim_connector><id>` + id + `</id><type>OPENSTACK</type><properties>
  <property><name>authUrl</name><value>` + authURL + `</value></property>
  <property><name>project</name><value>p</value></property>
  <property><name>projectDomain</name><value>Default</value></property>
</properties></vim_connector>`
}

// day0Datamodel is a deployment of t1 whose day-0 file is fetched from u.
func day0Datamodel(id, u string) string {
	return `<esc_datamodel xmlns="http://www.cisco.com/esc/esc"><tenants><tenant><name>t1</name><deployments><deployment>
  <name>` + id + `</name><locator><vim_id>loc-1</vim_id></locator>
  <vm_group><name>g</name><image>ASA</image><flavor>small</flavor>
    <interfaces><interface><nicid>0</nicid><network>MgtNetwork</network></interface></interfaces>
    <config_data><configuration><dst>day0.cfg</dst><file>` + u + `</file></configuration></config_data>
  </vm_group>
</deployment></deployments></tenant></tenants></esc_datamodel>`
}

// TestSSRFImageURL: an image's url is fetched by the VIM (Glance's
// web-download), where orca cannot guard the dial, so it is judged when
// written: a loopback, private, link-local or metadata address, or a name
// resolving to one, is refused with 403 naming url, and nothing is made; a
// public one is taken (and cannot be changed to one refused).
func TestSSRFImageURL(t *testing.T) {
	s := newSecServer(t, nil) // loopback allowed, as the demo's default
	refused := map[string]string{
		"metadata":          "http://169.254.169.254/latest/meta-data/",
		"private":           "http://10.0.0.1/cirros.img",
		"IPv6 unique local": "http://[fd00:ec2::254]/",
		"IPv4-mapped":       "http://[::ffff:169.254.169.254]/",
	}
	image := func(id, url string) map[string]any {
		return map[string]any{"image": map[string]any{"id": id, "disk_format": "qcow2", "container_format": "bare", "url": url}}
	}
	for name, u := range refused {
		t.Run(name, func(t *testing.T) {
			r := s.send(owner, byToken, "POST", "/v1.0/tenant/images", image("img", u))
			if r.Code != 403 || !strings.Contains(r.Raw, "url") {
				t.Errorf("create: %d %.300s, want 403 naming url", r.Code, r.Raw)
			}
			if r := s.send(admin, byToken, "GET", "/v1.0/tenant/images/img", nil); r.Code != 404 {
				t.Errorf("the refused image exists: %d", r.Code)
			}
		})
	}
	s.send(owner, byToken, "POST", "/v1.0/tenant/images", image("ok", "https://93.184.215.14/cirros.img")).Want(t, 201, "a public url")
	r := s.send(owner, byToken, "PUT", "/v1.0/tenant/images/ok", map[string]any{"image": map[string]any{"url": refused["metadata"]}})
	if r.Code != 400 && r.Code != 403 { // an image's url cannot change at all (400)
		t.Errorf("change to the metadata address: %d %.300s, want it refused", r.Code, r.Raw)
	}
	img, _ := s.send(owner, byToken, "GET", "/v1.0/tenant/images/ok", nil).Object()["image"].(map[string]any)
	if got := img["url"]; got != "https://93.184.215.14/cirros.img" {
		t.Errorf("url after the refused change: %v", got)
	}
}
