package ui_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/httpapi"
	"github.com/orca-nfv/orca/httpapi/surfaces"
	"github.com/orca-nfv/orca/httpapi/ui"
	"github.com/orca-nfv/orca/identity"
	"github.com/orca-nfv/orca/internal/testutil/wait"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store/memstore"
)

// TestMemberIsolation: a member sees their own tenant's pages and
// resources only; another tenant's answer 404, naming nothing of it. An
// administrator sees every tenant, and the VIM counters members do not.
func TestMemberIsolation(t *testing.T) {
	e := newEnv(t, nil)
	for _, tn := range []string{"t1", "t2"} {
		e.create(&resource.Resource{Ref: ref(resource.KindTenant, tn), Name: tn, Spec: &resource.Tenant{}})
	}
	e.create(&resource.Resource{Ref: ref(resource.KindNetwork, "alices-net"), Tenant: "t1", Name: "alices-net", Spec: &resource.Network{CIDR: "10.1.0.0/24"}})
	e.create(&resource.Resource{Ref: ref(resource.KindNetwork, "bobs-net"), Tenant: "t2", Name: "bobs-secret-net", Spec: &resource.Network{CIDR: "10.2.0.0/24"}})
	alice := e.browser().login("alice", "alice-pw")
	admin := e.browser().login("admin", "admin-pw")

	for name, c := range map[string]struct {
		b        *browser
		path     string
		want     int
		contains string
	}{
		"member, own matrix":              {alice, "/ui/tenants/t1", http.StatusOK, "alices-net"},
		"member, own resource":            {alice, "/ui/resources/network/alices-net", http.StatusOK, "alices-net"},
		"member, own deployments":         {alice, "/ui/tenants/t1/deployments", http.StatusOK, "No deployments in tenant t1"},
		"member, a shared location":       {alice, "/ui/resources/location/loc-1", http.StatusOK, "loc-1"},
		"member, other tenant's matrix":   {alice, "/ui/tenants/t2", http.StatusNotFound, ""},
		"member, other tenant's deploys":  {alice, "/ui/tenants/t2/deployments", http.StatusNotFound, ""},
		"member, other tenant's resource": {alice, "/ui/resources/network/bobs-net", http.StatusNotFound, ""},
		"member, other tenant's copies":   {alice, "/ui/resources/local_network/bobs-net", http.StatusNotFound, ""},
		"member, an admin kind":           {alice, "/ui/resources/tenant/t2", http.StatusNotFound, ""},
		"admin, any tenant's matrix":      {admin, "/ui/tenants/t2", http.StatusOK, "bobs-secret-net"},
		"admin, any tenant's resource":    {admin, "/ui/resources/network/bobs-net", http.StatusOK, "bobs-secret-net"},
	} {
		t.Run(name, func(t *testing.T) {
			p := c.b.get(c.path).want(t, c.want, c.path)
			if !strings.Contains(p.body, c.contains) {
				t.Errorf("the page lacks %q:\n%s", c.contains, p.body)
			}
			if c.b == alice && (strings.Contains(p.body, "bobs-secret-net") || strings.Contains(p.body, "10.2.0.0")) {
				t.Errorf("alice's page shows bob's network:\n%s", p.body)
			}
		})
	}

	overview := alice.get("/ui/").want(t, http.StatusOK, "alice's overview")
	if strings.Contains(overview.body, `data-tenant="t2"`) || strings.Contains(overview.body, "VIM calls") {
		t.Errorf("alice's overview lists another tenant or the VIM counters:\n%s", overview.body)
	}
	overview = admin.get("/ui/").want(t, http.StatusOK, "the administrator's overview")
	for _, want := range []string{`data-tenant="t1"`, `data-tenant="t2"`, `data-tenant="admin"`, "Latency (ms)", "VIM calls"} {
		if !strings.Contains(overview.body, want) {
			t.Errorf("the administrator's overview lacks %s", want)
		}
	}
}

// TestEscaping: whatever a user named shows as text, in every page that
// shows it, and the pages forbid scripts anyway.
func TestEscaping(t *testing.T) {
	e := newEnv(t, nil)
	const evil = `<script>alert(1)</script>`
	const evilAttr = `"><img src=x onerror=alert(2)>`
	e.create(&resource.Resource{Ref: ref(resource.KindNetwork, "evil"), Tenant: "t1", Name: evil,
		Labels: map[string]string{"note": "x"}, Spec: &resource.Network{CIDR: "10.3.0.0/24", Description: evilAttr}})
	b := e.browser().login("alice", "alice-pw")
	for _, path := range []string{"/ui/tenants/t1", "/ui/resources/network/evil"} {
		p := b.get(path).want(t, http.StatusOK, path)
		if strings.Contains(p.body, evil) || strings.Contains(p.body, "<img") {
			t.Errorf("%s shows markup a user wrote:\n%s", path, p.body)
		}
		if !strings.Contains(p.body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("%s does not show the name as text:\n%s", path, p.body)
		}
		if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("%s: Content-Security-Policy %q", path, csp)
		}
	}
	// A hostile path is escaped in the error page too.
	p := b.get("/ui/resources/network/%3Cscript%3Ealert(1)%3C%2Fscript%3E").want(t, http.StatusNotFound, "a hostile ID")
	if strings.Contains(p.body, evil) {
		t.Errorf("the error page shows markup from the path:\n%s", p.body)
	}
}

// TestDeploymentPages: a deployment's VM groups and VMs, with their
// phases, on the tenant's deployments page and the deployment's own; its
// day-0 data, which the registry marks secret, on neither.
func TestDeploymentPages(t *testing.T) {
	e := newEnv(t, nil)
	e.create(&resource.Resource{Ref: ref(resource.KindImage, "img"), Tenant: "t1", Spec: &resource.Image{DiskFormat: "qcow2", ContainerFormat: "bare"}})
	e.create(&resource.Resource{Ref: ref(resource.KindFlavor, "fl"), Tenant: "t1", Spec: &resource.Flavor{RAM: 64, VCPUs: 1}})
	e.create(&resource.Resource{Ref: ref(resource.KindNetwork, "mgmt"), Tenant: "t1", Spec: &resource.Network{CIDR: "10.9.0.0/24"}})
	const day0 = "#cloud-config\n# day0-marker-7f3a\n"
	e.create(&resource.Resource{Ref: ref(resource.KindDeployment, "web"), Tenant: "t1", Name: "web",
		Placement: &resource.Placement{Locations: []string{"loc-1"}},
		Spec: &resource.Deployment{
			Groups: []resource.VMGroup{
				{Name: "fw", ImageID: "img", FlavorID: "fl", Count: 2, MinCount: 1, MaxCount: 3, NICs: []resource.GroupNIC{{NetworkID: "mgmt"}}},
				{Name: "lb", ImageID: "img", FlavorID: "fl", Count: 1, MinCount: 1, MaxCount: 1, NICs: []resource.GroupNIC{{NetworkID: "mgmt"}}},
			},
			Day0: []resource.GroupDay0{{Group: "lb", UserData: day0}},
		}})
	waitReady(t, e, ref(resource.KindDeployment, "web"))
	b := e.browser().login("alice", "alice-pw")
	wantVMs := map[string]string{
		orca.DeploymentVMID("web", "fw", 0): "Ready", orca.DeploymentVMID("web", "fw", 1): "Ready", orca.DeploymentVMID("web", "lb", 0): "Ready",
	}
	for _, path := range []string{"/ui/tenants/t1/deployments", "/ui/resources/deployment/web"} {
		p := b.get(path).want(t, http.StatusOK, path)
		vms := map[string]string{}
		for _, m := range attrs(p.body, `data-vm="([^"]*)" data-phase="([^"]*)"`) {
			vms[m[1]] = m[2]
		}
		if len(vms) != len(wantVMs) {
			t.Errorf("%s shows VMs %v, want %v", path, vms, wantVMs)
		}
		for id, phase := range wantVMs {
			if vms[id] != phase {
				t.Errorf("%s: VM %s shows %q, want %s", path, id, vms[id], phase)
			}
		}
		for _, want := range []string{`data-group="fw"`, `data-group="lb"`, "2 / 2", "1 / 1", "2 (1–3)"} {
			if !strings.Contains(p.body, want) {
				t.Errorf("%s lacks %s", path, want)
			}
		}
		if strings.Contains(p.body, "day0-marker") {
			t.Errorf("%s shows the day-0 data", path)
		}
	}
}

func waitReady(t *testing.T, e *env, r resource.Ref) {
	t.Helper()
	wait.Until(t, r.String()+" Ready", func() bool {
		got, err := e.O.Get(t.Context(), r)
		return err == nil && got.Status.Phase == resource.PhaseReady
	})
}

// TestBadInput: what the pages cannot serve is a 4xx page saying why,
// never a 5xx, and a page of the pages, not the API's JSON.
func TestBadInput(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser().login("admin", "admin-pw")
	for name, c := range map[string]struct {
		method, path string
		want         int
	}{
		"unknown page":        {"GET", "/ui/nope", http.StatusNotFound},
		"unknown kind":        {"GET", "/ui/resources/nokind/x", http.StatusNotFound},
		"unknown resource":    {"GET", "/ui/resources/network/none", http.StatusNotFound},
		"invalid id":          {"GET", "/ui/resources/network/-bad", http.StatusNotFound},
		"invalid tenant":      {"GET", "/ui/tenants/%2F", http.StatusNotFound},
		"negative offset":     {"GET", "/ui/tenants/t1?kind=network&offset=-1", http.StatusBadRequest},
		"kind without copies": {"GET", "/ui/tenants/t1?kind=event", http.StatusBadRequest},
		"wrong method":        {"DELETE", "/ui/", http.StatusMethodNotAllowed},
		"unknown static file": {"GET", "/ui/static/nope.js", http.StatusNotFound},
	} {
		t.Run(name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), c.method, e.URL+c.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			p := b.do(req).want(t, c.want, c.path)
			if c.want != http.StatusNotFound || !strings.HasPrefix(c.path, "/ui/static/") {
				if ct := p.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") || !strings.Contains(p.body, `class="error"`) {
					t.Errorf("not an error page (%s):\n%s", ct, p.body)
				}
			}
		})
	}
}

// TestRefreshAndStatic: pages reload themselves unless paused, and the
// stylesheet is served.
func TestRefreshAndStatic(t *testing.T) {
	e := newEnv(t, &ui.Options{RefreshSeconds: 7})
	b := e.browser().login("alice", "alice-pw")
	p := b.get("/ui/tenants/t1").want(t, http.StatusOK, "the matrix")
	if !strings.Contains(p.body, `<meta http-equiv="refresh" content="7">`) || !strings.Contains(p.body, `href="/ui/tenants/t1?refresh=off"`) {
		t.Errorf("no refresh, or no link to pause it:\n%s", p.body)
	}
	p = b.get("/ui/tenants/t1?refresh=off").want(t, http.StatusOK, "the paused matrix")
	if strings.Contains(p.body, `http-equiv="refresh"`) || !strings.Contains(p.body, `href="/ui/tenants/t1">resume`) {
		t.Errorf("paused, the page still refreshes or cannot resume:\n%s", p.body)
	}
	css := b.get("/ui/static/style.css").want(t, http.StatusOK, "the stylesheet")
	if ct := css.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") || !strings.Contains(css.body, ".phase-failed") {
		t.Errorf("the stylesheet: %s %q", ct, css.body[:min(len(css.body), 80)])
	}
}

// TestMountedBySurfaces: the demo's handler (package surfaces) serves the
// pages at /ui/.
func TestMountedBySurfaces(t *testing.T) {
	o := orca.New(memstore.New(nil), &orca.Options{Logger: slog.New(slog.DiscardHandler)})
	t.Cleanup(func() { o.Close() })
	tokens := identity.NewTokens(time.Hour)
	h, err := httpapi.New(o, &httpapi.Options{Auth: tokens, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	surfaces.New(h, nil).ServeHTTP(rec, httptest.NewRequest("GET", "/ui/login", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `action="/ui/login"`) {
		t.Errorf("GET /ui/login through surfaces: %d\n%s", rec.Code, rec.Body)
	}
}
