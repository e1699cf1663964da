package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/internal/testutil/apitest"
	"github.com/orca-nfv/orca/internal/testutil/wait"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// The ESC (seed 004) targets. ESC sees only what it made, so every
// resource is made through it: the tenant's (networks, subnets, volumes,
// deployments) by alice, the administrators' (images, flavors, VIM
// connectors and users, file servers, configuration, hosts) by admin.
// ESC answers writes at once (200) and reports outcomes to the Callback
// URL, a receiver of the test's on loopback.

type escEnv struct {
	n, tenants atomic.Int64
	callback   string
}

// newESCEnv makes the deployments' image, flavor and networks (by name,
// in t1) and a callback receiver.
func newESCEnv(t *testing.T, s *secServer) *escEnv {
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(rc.Close)
	both := &resource.Placement{Locations: []string{"loc-1", "loc-2"}}
	for _, r := range []*resource.Resource{
		{Ref: resource.Ref{Kind: resource.KindImage, ID: "esc-img"}, Tenant: "t1", Name: "ASA",
			Spec: &resource.Image{DiskFormat: "qcow2", ContainerFormat: "bare", Visibility: "private"}},
		{Ref: resource.Ref{Kind: resource.KindFlavor, ID: "esc-fl"}, Tenant: "t1", Name: "small", Spec: &resource.Flavor{RAM: 512, VCPUs: 1}},
		{Ref: resource.Ref{Kind: resource.KindNetwork, ID: "esc-mgt"}, Tenant: "t1", Name: "MgtNetwork", Spec: &resource.Network{CIDR: "18.0.0.0/24"}},
	} {
		r.Placement = both
		createOrFail(t, s, r)
	}
	return &escEnv{callback: rc.URL}
}

// next is a new ID with a prefix.
func (e *escEnv) next(prefix string) string { return fmt.Sprintf("%s%d", prefix, e.n.Add(1)) }

// escOK sends an ESC write that must be accepted.
func escOK(t *testing.T, s *secServer, a actor, method, path, body string) {
	t.Helper()
	s.send(a, byBasic, method, path, body).Want(t, 200, method+" "+path)
}

// jsonListed reports whether a JSON answer holds id as a string value.
func jsonListed(r apitest.Response, id string) bool { return strings.Contains(r.Raw, `"`+id+`"`) }

// escVerb is a request as a Callback-bearing JSON client.
func escVerb(method string, path func(id string) string, body func(a actor, id string) string) func(s *secServer, a actor, id string) apitest.Response {
	return func(s *secServer, a actor, id string) apitest.Response {
		b := ""
		if body != nil {
			b = body(a, id)
		}
		return s.send(a, byBasic, method, path(id), b, "Accept", "application/json")
	}
}

func escDatamodel(id, description string) string {
	return `<esc_datamodel xmlns="http://www.cisco.com/esc/esc"><tenants><tenant><name>t1</name><deployments><deployment>
  <name>` + id + `</name><description>` + description + `</description>
  <locator><vim_id>loc-1</vim_id></locator>
  <vm_group><name>g</name><image>ASA</image><flavor>small</flavor>
    <interfaces><interface><nicid>0</nicid><network>MgtNetwork</network></interface></interfaces>
    <config_data><configuration><dst>--user-data</dst><data>private day-0 of ` + id + `</data></configuration></config_data>
  </vm_group>
</deployment></deployments></tenant></tenants></esc_datamodel>`
}

func (e *escEnv) targets() []target {
	ref := func(k resource.Kind) func(string) resource.Ref {
		return func(id string) resource.Ref { return resource.Ref{Kind: k, ID: id} }
	}
	hidden := func(id string) string { return "private name of " + id }
	none := func(string) string { return "" }
	withCallback := func(method string, path func(string) string, body func(actor, string) string) func(s *secServer, a actor, id string) apitest.Response {
		return func(s *secServer, a actor, id string) apitest.Response {
			return s.send(a, byBasic, method, path(id), body(a, id), "Accept", "application/json", "Callback", e.callback)
		}
	}
	tenantPath := func(kind string) func(string) string {
		return func(id string) string { return "/v0/t1/" + kind + "/" + id }
	}
	read := func(path func(string) string, want expect) verb {
		return verb{name: "read", want: want, send: escVerb("GET", path, nil)}
	}
	list := func(path func(string) string, want expect) verb {
		return verb{name: "list", want: want, listed: jsonListed, send: escVerb("GET", path, nil)}
	}
	fixed := func(path string) func(string) string { return func(string) string { return path } }
	del := func(path func(string) string, want expect) verb {
		return verb{name: "delete", write: true, consumes: true, want: want, send: escVerb("DELETE", path, nil)}
	}
	tenantWants, adminWants := expect{200, 200, 404, 401}, expect{200, 403, 403, 401}

	deployment := func(id string) string { return "/v0/deployments/" + id }
	return []target{
		// VIM connectors first: a connector is deleted only while nothing
		// is placed there, and ESC's volumes, images and flavors go to
		// every connector.
		{
			surface: "esc", kind: "VIM connector", adminOwned: true, ref: ref(resource.KindLocation), hidden: none,
			make: func(t *testing.T, s *secServer) string {
				id := e.next("escvim")
				escOK(t, s, admin, "POST", "/v0/vims", vimConnector(id, "first"))
				return id
			},
			verbs: []verb{
				read(func(id string) string { return "/v0/vims/" + id }, adminWants),
				list(fixed("/v0/vims"), adminWants),
				{name: "update", write: true, want: adminWants, send: escVerb("PUT", func(id string) string { return "/v0/vims/" + id },
					func(a actor, id string) string { return vimConnector(id, a.String()) })},
				{name: "check status", want: adminWants, send: escVerb("PUT", func(id string) string { return "/v0/vims/" + id + "/check_status" }, nil)},
				del(func(id string) string { return "/v0/vims/" + id }, adminWants),
			},
		},
		{
			// A VIM user is its connector's credential: what a refused
			// write would change is the connector's credential_id.
			surface: "esc", kind: "VIM user", adminOwned: true, ref: ref(resource.KindLocation), hidden: none,
			make: func(t *testing.T, s *secServer) string {
				id := e.next("escuservim")
				escOK(t, s, admin, "POST", "/v0/vims", vimConnector(id, "first"))
				escOK(t, s, admin, "POST", "/v0/vims/"+id+"/vim_users", vimUser("first-password-of-"+id))
				return id
			},
			verbs: []verb{
				read(func(id string) string { return "/v0/vims/" + id + "/vim_users/escadmin" }, adminWants),
				list(func(id string) string { return "/v0/vims/" + id + "/vim_users" }, adminWants),
				{name: "update", write: true, want: adminWants, send: escVerb("PUT", func(id string) string { return "/v0/vims/" + id + "/vim_users/escadmin" },
					func(a actor, id string) string { return vimUser("by-" + a.String()) })},
				del(func(id string) string { return "/v0/vims/" + id + "/vim_users/escadmin" }, adminWants),
			},
		},
		{
			surface: "esc", kind: "tenant", ref: ref(resource.KindTenant),
			hidden: func(id string) string { return "private description of " + id },
			make: func(t *testing.T, s *secServer) string {
				if e.tenants.Add(1) == 1 {
					return "t1"
				}
				id := e.next("esct")
				escOK(t, s, admin, "POST", "/v0/tenants/"+id, `<tenant><name>`+id+`</name><description>private description of `+id+`</description></tenant>`)
				return id
			},
			verbs: []verb{
				read(func(id string) string { return "/v0/tenants/" + id }, tenantWants),
				list(fixed("/v0/tenants"), expect{200, 200, 200, 401}),
				{name: "update", write: true, want: adminWants, send: escVerb("PUT", func(id string) string { return "/v0/tenants/" + id },
					func(a actor, id string) string {
						return `<tenant><name>` + id + `</name><description>changed by ` + a.String() + `</description></tenant>`
					})},
				del(func(id string) string { return "/v0/tenants/" + id }, adminWants),
			},
		},
		{
			surface: "esc", kind: "network", ref: ref(resource.KindNetwork), hidden: hidden,
			make: func(t *testing.T, s *secServer) string {
				id := e.next("escnet")
				escOK(t, s, owner, "POST", tenantPath("networks")(id), `<network><name>private name of `+id+`</name><locator><vim_id>loc-1</vim_id></locator></network>`)
				return id
			},
			verbs: []verb{
				read(tenantPath("networks"), tenantWants),
				list(fixed("/v0/t1/networks"), tenantWants),
				del(tenantPath("networks"), tenantWants),
			},
		},
		{
			surface: "esc", kind: "subnet", ref: ref(resource.KindSubnet), hidden: hidden,
			make: func(t *testing.T, s *secServer) string {
				net, id := e.next("escsubnet-net"), e.next("escsub")
				escOK(t, s, owner, "POST", tenantPath("networks")(net), `<network><name>`+net+`</name><locator><vim_id>loc-1</vim_id></locator></network>`)
				escOK(t, s, owner, "POST", tenantPath("subnets")(id), `<subnet><name>private name of `+id+`</name><internal_network_id>`+net+
					`</internal_network_id><cidr>10.70.0.0/24</cidr></subnet>`)
				return id
			},
			verbs: []verb{
				read(tenantPath("subnets"), tenantWants),
				list(fixed("/v0/t1/subnets"), tenantWants),
				del(tenantPath("subnets"), tenantWants),
			},
		},
		{
			surface: "esc", kind: "volume", ref: ref(resource.KindVolume), hidden: hidden,
			make: func(t *testing.T, s *secServer) string {
				id := e.next("escvol")
				escOK(t, s, owner, "POST", tenantPath("volumes")(id), `<volume><name>private name of `+id+`</name><size>1</size><sizeunit>GiB</sizeunit><volid>1</volid></volume>`)
				return id
			},
			verbs: []verb{
				read(tenantPath("volumes"), tenantWants),
				list(fixed("/v0/t1/volumes"), tenantWants),
				del(tenantPath("volumes"), tenantWants),
			},
		},
		{
			surface: "esc", kind: "deployment", ref: ref(resource.KindDeployment), state: deploymentActions,
			hidden: func(id string) string { return "private day-0 of " + id },
			make: func(t *testing.T, s *secServer) string {
				id := e.next("dep")
				escOK(t, s, owner, "POST", deployment(id), escDatamodel(id, "a deployment"))
				wait.Until(t, id+"'s VM running", func() bool {
					page, err := s.O.List(context.Background(), store.Filter{Kind: resource.KindServer, Labels: map[string]string{orca.LabelDeployment: id}})
					return err == nil && len(page.Items) == 1 && page.Items[0].Status.Phase == resource.PhaseReady
				})
				return id
			},
			verbs: []verb{
				read(deployment, tenantWants),
				list(fixed("/v0/deployments"), expect{200, 200, 200, 401}),
				{name: "config", want: tenantWants, send: escVerb("GET", func(id string) string { return "/v0/deployments/config/" + id }, nil)},
				{name: "update", write: true, want: tenantWants, send: withCallback("PUT", deployment,
					func(a actor, id string) string { return escDatamodel(id, "changed by "+a.String()) })},
				{name: "service stop", write: true, consumes: true, want: tenantWants, send: withCallback("POST",
					func(id string) string { return "/v0/t1/deployments/service/" + id },
					func(actor, string) string {
						return `<service_operation><operation>stop</operation></service_operation>`
					})},
				{name: "VM stop", write: true, consumes: true, want: tenantWants, send: withCallback("POST",
					func(id string) string { return "/v0/t1/deployments/vm/" + id + "_g_0" },
					func(actor, string) string { return `<vm_operation><operation>stop</operation></vm_operation>` })},
				del(deployment, tenantWants),
			},
		},
		{
			surface: "esc", kind: "image", adminOwned: true, ref: ref(resource.KindImage), hidden: none,
			make: func(t *testing.T, s *secServer) string {
				id := e.next("escimg")
				escOK(t, s, admin, "POST", "/v0/images/"+id, `<image><name>`+id+`</name><src>http://127.0.0.1:9/`+id+`.qcow2</src></image>`)
				return id
			},
			verbs: []verb{
				read(func(id string) string { return "/v0/images/" + id }, expect{200, 404, 404, 401}),
				list(fixed("/v0/images"), expect{200, 200, 200, 401}),
				del(func(id string) string { return "/v0/images/" + id }, adminWants),
			},
		},
		{
			surface: "esc", kind: "flavor", adminOwned: true, ref: ref(resource.KindFlavor), hidden: none,
			make: func(t *testing.T, s *secServer) string {
				id := e.next("escfl")
				escOK(t, s, admin, "POST", "/v0/flavors/"+id, `<flavor><name>`+id+`</name><vcpus>1</vcpus><memory_mb>512</memory_mb><root_disk_mb>1024</root_disk_mb></flavor>`)
				return id
			},
			verbs: []verb{
				read(func(id string) string { return "/v0/flavors/" + id }, expect{200, 404, 404, 401}),
				list(fixed("/v0/flavors"), expect{200, 200, 200, 401}),
				del(func(id string) string { return "/v0/flavors/" + id }, adminWants),
			},
		},
		{
			surface: "esc", kind: "file server", adminOwned: true, hidden: none,
			ref: func(id string) resource.Ref {
				return resource.Ref{Kind: resource.KindSetting, ID: "esc:fileserver:" + id}
			},
			make: func(t *testing.T, s *secServer) string {
				id := e.next("escfs")
				escOK(t, s, admin, "POST", "/v0/fileserver/"+id, `<file_server><base_url>https://files.example.com/`+id+`</base_url>`+
					`<file_server_user>fetcher</file_server_user><file_server_password>fs-password-of-`+id+`</file_server_password></file_server>`)
				return id
			},
			verbs: []verb{
				read(func(id string) string { return "/v0/fileserver/" + id }, adminWants),
				list(fixed("/v0/fileserver"), adminWants),
				{name: "update", write: true, want: adminWants, send: escVerb("PUT", func(id string) string { return "/v0/fileserver/" + id },
					func(a actor, id string) string {
						return `<file_server><base_url>https://files.example.com/` + a.String() + `</base_url></file_server>`
					})},
				del(func(id string) string { return "/v0/fileserver/" + id }, adminWants),
			},
		},
		{
			surface: "esc", kind: "configuration", adminOwned: true, hidden: none,
			ref: func(string) resource.Ref { return resource.Ref{Kind: resource.KindSetting, ID: "esc:config"} },
			make: func(t *testing.T, s *secServer) string {
				escOK(t, s, admin, "PUT", "/v0/config/default/VM_RECOVERY_RETRIES_MAX/2", "")
				return "VM_RECOVERY_RETRIES_MAX"
			},
			verbs: []verb{
				{name: "read", want: expect{200, 200, 200, 401}, send: escVerb("GET", func(id string) string { return "/v0/config/default/" + id }, nil)},
				{name: "set", write: true, want: adminWants, send: func(s *secServer, a actor, id string) apitest.Response {
					return s.send(a, byBasic, "PUT", fmt.Sprintf("/v0/config/default/%s/%d", id, 3+int(a)), "", "Accept", "application/json")
				}},
			},
		},
		{
			surface: "esc", kind: "host", adminOwned: true, hidden: none,
			ref: func(id string) resource.Ref { return resource.Ref{Kind: resource.KindSetting, ID: "esc:host:" + id} },
			make: func(t *testing.T, s *secServer) string {
				id := e.next("host")
				escOK(t, s, admin, "POST", "/v0/hosts/"+id+"/disable", "")
				return id
			},
			verbs: []verb{
				{name: "read", want: expect{200, 200, 200, 401}, send: escVerb("GET", func(id string) string { return "/v0/hosts/" + id + "/status" }, nil)},
				{name: "enable", write: true, consumes: true, want: adminWants, send: escVerb("POST", func(id string) string { return "/v0/hosts/" + id + "/enable" }, nil)},
			},
		},
	}
}

func vimConnector(id, project string) string {
	return `<vim_connector><id>` + id + `</id><type>OPENSTACK</type><properties>
  <property><name>authUrl</name><value>http://127.0.0.1:9/v3</value></property>
  <property><name>project</name><value>` + project + `</value></property>
  <property><name>projectDomain</name><value>Default</value></property>
</properties></vim_connector>`
}

func vimUser(password string) string {
	return `<user><id>escadmin</id><credentials><properties>
  <property><name>os_password</name><encrypted_value>` + password + `</encrypted_value></property>
  <property><name>userDomain</name><value>Default</value></property>
</properties></credentials></user>`
}

// deploymentActions lists the actions requested on a deployment's VMs,
// which its service and VM operations are. (Not the VMs themselves: an
// accepted update of the deployment may still be changing them.)
func deploymentActions(s *secServer, id string) string {
	ctx := context.Background()
	page, err := s.O.List(ctx, store.Filter{Kind: resource.KindServer, Labels: map[string]string{orca.LabelDeployment: id}})
	if err != nil {
		s.t.Fatal(err)
	}
	var out []string
	for _, vm := range page.Items {
		actions, err := s.O.List(ctx, store.Filter{Kind: resource.KindAction, Fields: map[string]string{"target_id": vm.ID}})
		if err != nil {
			s.t.Fatal(err)
		}
		for _, a := range actions.Items {
			out = append(out, vm.ID+": "+a.ID)
		}
	}
	slices.Sort(out)
	return strings.Join(out, "\n")
}
