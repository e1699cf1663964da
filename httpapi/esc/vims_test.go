package esc_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/httpapi/esc"
	"github.com/orca-nfv/orca/internal/testutil/apitest"
	"github.com/orca-nfv/orca/internal/testutil/osfake"
	"github.com/orca-nfv/orca/internal/testutil/wait"
	"github.com/orca-nfv/orca/netguard"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/secret"
	"github.com/orca-nfv/orca/store"
	"github.com/orca-nfv/orca/vim/drivers"
)

// vimSecret is the VIM user's password: no answer, callback, log line or
// stored record may hold it in clear.
const vimSecret = "Vim-S3cret-4f9c2"

// logBuffer collects everything logged.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// vimEnv is an ESC server whose locations may be OpenStack clouds, with a
// key to seal credentials, a debug log kept, and every answer recorded.
type vimEnv struct {
	*apitest.Server
	cloud *osfake.Server
	log   *logBuffer
	rc    *receiver
	mu    sync.Mutex
	seen  []string // every answer's headers and body
}

func newVIMEnv(t *testing.T) *vimEnv {
	t.Helper()
	key, err := secret.New(bytes.Repeat([]byte{7}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	cloud := osfake.New(&osfake.Options{Users: []osfake.User{{Name: "escadmin", Password: vimSecret}}})
	t.Cleanup(cloud.Close)
	fakes := fake.NewFactory(&fake.Options{BuildTime: 5 * time.Millisecond})
	loopback := &netguard.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	lb := &logBuffer{}
	s := apitest.New(t, apitest.Options{
		Factory: fakes, Drivers: drivers.New(&drivers.Options{Fakes: fakes}), Keyring: key,
		Logger:  slog.New(slog.NewTextHandler(lb, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Deliver: loopback.Deliverer(nil),
		Mounts: []apitest.Mount{func(b dialect.Backend, kit *dialect.Kit) (http.Handler, []string, error) {
			return esc.New(b, kit, &esc.Options{Callbacks: loopback, Fetches: loopback}), esc.Paths, nil
		}},
	})
	return &vimEnv{Server: s, cloud: cloud, log: lb, rc: newReceiver(t)}
}

// do sends a request as user with basic credentials, the receiver as
// Callback, and the body's format (XML unless it starts with "{");
// headers alternate name and value.
func (e *vimEnv) do(user, method, path, body string, headers ...string) apitest.Response {
	ct := "application/xml"
	if strings.HasPrefix(body, "{") {
		ct = "application/json"
	}
	h := append([]string{"Callback", e.rc.srv.URL, "Content-Type", ct}, headers...)
	r := as(e.Server, user, method, path, body, h...)
	e.mu.Lock()
	e.seen = append(e.seen, fmt.Sprint(r.Header), r.Raw)
	e.mu.Unlock()
	return r
}

// noSecretAnywhere fails if the password is in an answer, a callback, the
// log or a stored record (a credential's sealed bytes included).
func (e *vimEnv) noSecretAnywhere(t *testing.T) {
	t.Helper()
	e.mu.Lock()
	answers := strings.Join(e.seen, "\n")
	e.mu.Unlock()
	if strings.Contains(answers, vimSecret) {
		t.Errorf("an answer holds the VIM password")
	}
	for _, cb := range e.rc.callbacks() {
		if strings.Contains(cb.Body+cb.Message, vimSecret) {
			t.Errorf("a callback holds the VIM password: %s", cb.Message)
		}
	}
	if strings.Contains(e.log.String(), vimSecret) {
		t.Errorf("the log holds the VIM password")
	}
	if !strings.Contains(e.log.String(), "location opened") {
		t.Errorf("the log captured nothing: the check above proves nothing")
	}
	page, err := e.Store.List(t.Context(), store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range page.Items {
		data, _ := json.Marshal(r)
		if bytes.Contains(data, []byte(vimSecret)) {
			t.Errorf("stored %s holds the VIM password", r.Ref)
		}
		if c, ok := r.Spec.(*resource.Credential); ok && bytes.Contains(c.Sealed, []byte(vimSecret)) {
			t.Errorf("credential %s holds the VIM password in clear", r.ID)
		}
	}
}

// location reads a location from the orchestrator.
func (e *vimEnv) location(t *testing.T, id string) *resource.Resource {
	t.Helper()
	l, err := e.O.Get(t.Context(), resource.Ref{Kind: resource.KindLocation, ID: id})
	if err != nil {
		t.Fatalf("location %s: %v", id, err)
	}
	return l
}

// credentials lists the stored credentials' IDs.
func (e *vimEnv) credentials(t *testing.T) []string {
	t.Helper()
	page, err := e.O.List(t.Context(), store.Filter{Kind: resource.KindCredential})
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{}
	for _, c := range page.Items {
		ids = append(ids, c.ID)
	}
	return ids
}

// xmlVIM and xmlUser are the bodies as an XML client reads them.
type xmlProperty struct {
	Name  string  `xml:"name"`
	Value *string `xml:"value"`
}

type xmlVIM struct {
	ID            string        `xml:"id"`
	Type          string        `xml:"type"`
	Properties    []xmlProperty `xml:"properties>property"`
	EventType     string        `xml:"event_type"`
	Status        string        `xml:"status"`
	StatusMessage string        `xml:"status_message"`
}

type xmlUser struct {
	XMLName    xml.Name
	ID         string        `xml:"id"`
	VimID      string        `xml:"vim_id"`
	Properties []xmlProperty `xml:"credentials>properties>property"`
	EventType  string        `xml:"event_type"`
}

type xmlUsers struct {
	Users []xmlUser `xml:"user"`
}

type xmlDefault struct {
	ID string `xml:"defaultVimConnectorId"`
}

func props(ps []xmlProperty) map[string]string {
	out := map[string]string{}
	for _, p := range ps {
		out[p.Name] = "<none>"
		if p.Value != nil {
			out[p.Name] = *p.Value
		}
	}
	return out
}

func decodeXML[T any](t *testing.T, raw string) T {
	t.Helper()
	var v T
	if err := xml.Unmarshal([]byte(raw), &v); err != nil {
		t.Fatalf("%q: %v", raw, err)
	}
	return v
}

// wantCallback waits for the nth callback (1-based) and checks its
// transaction, status and message.
func (e *vimEnv) wantCallback(t *testing.T, n int, tx, code, message string) callback {
	t.Helper()
	got := e.rc.wait(t, n)[n-1]
	if got.Transaction != tx || got.Code != code || got.Message != message {
		t.Fatalf("callback %d: %+v, want transaction %s, %s %q", n, got, tx, code, message)
	}
	return got
}

func connectorXML(id, authURL string) string {
	return `<?xml version="1.0"?>
<vim_connector xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">
  <id>` + id + `</id>
  <type>OPENSTACK</type>
  <properties>
    <property><name>authUrl</name><value>` + authURL + `</value></property>
    <property><name>project</name><value>demo</value></property>
    <property><name>projectDomain</name><value>Default</value></property>
    <property><name>region</name><value>RegionOne</value></property>
  </properties>
</vim_connector>`
}

func userXML(id, password string) string {
	return `<user xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">
  <id>` + id + `</id>
  <credentials><properties>
    <property><name>os_password</name><encrypted_value>` + password + `</encrypted_value></property>
    <property><name>userDomain</name><value>Default</value></property>
  </properties></credentials>
</user>`
}

// TestVIMConnectorAndUser walks a connector's life in XML against the
// loopback OpenStack: created, logged in by its user, refused a wrong
// password, made the default, kept while it holds a network, and removed
// with its credentials; the password never shows.
func TestVIMConnectorAndUser(t *testing.T) {
	e := newVIMEnv(t)
	tx := func(r apitest.Response) string { return r.Header.Get("ESC_TRANSACTION_ID") }

	r := e.do("admin", "POST", "/v0/vims", connectorXML("os1", e.cloud.AuthURL())).Want(t, 200, "create connector")
	e.wantCallback(t, 1, tx(r), "200", "VIM Connector successfully created")
	got := decodeXML[xmlVIM](t, e.do("admin", "GET", "/v0/vims/os1", "").Want(t, 200, "get").Raw)
	wantProps := map[string]string{"authUrl": e.cloud.AuthURL(), "project": "demo", "projectDomain": "Default", "region": "RegionOne"}
	if diff := cmp.Diff(wantProps, props(got.Properties)); diff != "" || got.Type != "OPENSTACK" || got.Status != "CONNECTION_FAILED" {
		t.Errorf("connector without a user: %+v (-want +got properties):\n%s", got, diff)
	}
	if spec := e.location(t, "os1").Spec.(*resource.Location); spec.KeystoneEndpoint != e.cloud.AuthURL() || spec.Region != "RegionOne" {
		t.Errorf("location spec %+v", spec)
	}

	// The user logs it in: the location becomes Ready.
	r = e.do("admin", "POST", "/v0/vims/os1/vim_users", userXML("escadmin", vimSecret)).Want(t, 200, "create user")
	cb := e.wantCallback(t, 2, tx(r), "200", "VIM User successfully created")
	if u := decodeXML[xmlUser](t, cb.Body); u.ID != "escadmin" || u.VimID != "os1" || u.EventType != "CREATE_VIM_USER" {
		t.Errorf("user callback %+v", u)
	}
	if l := e.location(t, "os1"); l.Status.Phase != resource.PhaseReady {
		t.Errorf("location after the user: %s %q", l.Status.Phase, l.Status.Message)
	}
	if ids := e.credentials(t); len(ids) != 1 {
		t.Errorf("credentials %v, want one", ids)
	}
	u := decodeXML[xmlUser](t, e.do("admin", "GET", "/v0/vims/os1/vim_users/escadmin", "").Want(t, 200, "get user").Raw)
	if diff := cmp.Diff(map[string]string{"password": "<none>", "userDomain": "Default"}, props(u.Properties)); diff != "" || u.XMLName.Local != "user" {
		t.Errorf("user as read (-want +got):\n%s", diff)
	}
	list := decodeXML[xmlUsers](t, e.do("admin", "GET", "/v0/vims/os1/vim_users", "").Want(t, 200, "list users").Raw)
	if len(list.Users) != 1 || list.Users[0].ID != "escadmin" {
		t.Errorf("users %+v", list.Users)
	}
	st := decodeXML[xmlVIM](t, e.do("admin", "PUT", "/v0/vims/os1/check_status", "").Want(t, 200, "check status").Raw)
	if st.ID != "os1" || st.Status != "CONNECTION_SUCCESSFUL" {
		t.Errorf("check_status %+v", st)
	}
	if n := len(e.rc.callbacks()); n != 2 {
		t.Errorf("check_status sent a callback (%d in all)", n)
	}
	r = e.do("admin", "POST", "/v0/vims/os1/vim_users", userXML("other", vimSecret))
	if r.Code != 409 || !strings.Contains(r.Raw, "one VIM user per VIM connector") {
		t.Errorf("second user: %d %s", r.Code, r.Raw)
	}

	// A wrong password fails the login, and says so; the right one again
	// logs in. The credentials replaced are gone.
	r = e.do("admin", "PUT", "/v0/vims/os1/vim_users/escadmin", userXML("escadmin", "wrong-password")).Want(t, 200, "bad password")
	cb = e.rc.wait(t, 3)[2]
	if cb.Transaction != tx(r) || cb.Code != "500" || !strings.Contains(cb.Message, "VIM User escadmin cannot connect to VIM Connector os1") {
		t.Errorf("bad password callback %+v", cb)
	}
	if l := e.location(t, "os1"); l.Status.Phase != resource.PhaseFailed {
		t.Errorf("location with a bad password: %s", l.Status.Phase)
	}
	r = e.do("admin", "PUT", "/v0/vims/os1/vim_users/escadmin", userXML("escadmin", vimSecret)).Want(t, 200, "good password")
	e.wantCallback(t, 4, tx(r), "200", "VIM User successfully updated")
	if ids := e.credentials(t); len(ids) != 1 || ids[0] != e.location(t, "os1").Spec.(*resource.Location).CredentialID {
		t.Errorf("credentials %v, want only the location's", ids)
	}

	// The default connector.
	e.do("admin", "GET", "/v0/vims/default_vim_connector", "").Want(t, 404, "no default yet")
	r = e.do("admin", "POST", "/v0/vims/default_vim_connector", `<default_vim_connector><defaultVimConnectorId>os1</defaultVimConnectorId></default_vim_connector>`).Want(t, 200, "set default")
	e.wantCallback(t, 5, tx(r), "200", "Default VIM Connector successfully created")
	if def := decodeXML[xmlDefault](t, e.do("admin", "GET", "/v0/vims/default_vim_connector", "").Want(t, 200, "get default").Raw); def.ID != "os1" {
		t.Errorf("default %q, want os1", def.ID)
	}

	// A connector holding a network is kept; without it, it goes.
	e.Do("POST", "/v1.0/tenant/networks", e.Token("admin"), map[string]any{"network": map[string]any{
		"id": "vnet", "cidr": "10.62.0.0/24", "tenant_id": "admin", "orca": map[string]any{"placement": map[string]any{"locations": []string{"os1"}}}}}).Want(t, 201, "network")
	wait.Until(t, "network placed at os1", func() bool {
		page, err := e.O.List(t.Context(), store.Filter{Location: "os1"})
		return err == nil && page.Total > 0
	})
	r = e.do("admin", "DELETE", "/v0/vims/os1", "")
	if r.Code != 409 || !strings.Contains(r.Raw, "network/vnet") {
		t.Errorf("delete of a connector holding a network: %d %s", r.Code, r.Raw)
	}
	e.Do("DELETE", "/v1.0/tenant/networks/vnet", e.Token("admin"), nil).Want(t, 204, "delete network")
	wait.Until(t, "network gone", func() bool { return e.Do("GET", "/v1.0/tenant/networks/vnet", e.Token("admin"), nil).Code == 404 })

	r = e.do("admin", "DELETE", "/v0/vims/os1/vim_users/escadmin", "").Want(t, 200, "delete user")
	e.wantCallback(t, 6, tx(r), "200", "VIM User successfully deleted")
	if ids := e.credentials(t); len(ids) != 0 {
		t.Errorf("credentials left after the user: %v", ids)
	}
	e.do("admin", "GET", "/v0/vims/os1/vim_users/escadmin", "").Want(t, 404, "deleted user")
	r = e.do("admin", "DELETE", "/v0/vims/os1", "").Want(t, 200, "delete connector")
	cb = e.wantCallback(t, 7, tx(r), "200", "VIM Connector successfully deleted")
	if v := decodeXML[xmlVIM](t, cb.Body); v.ID != "os1" || v.EventType != "DELETE_VIM_CONNECTOR" {
		t.Errorf("delete callback %+v", v)
	}
	e.do("admin", "GET", "/v0/vims/os1", "").Want(t, 404, "deleted connector")
	if r := e.do("admin", "GET", "/v0/vims/default_vim_connector", ""); r.Code != 404 {
		t.Errorf("default after its deletion: %d %s", r.Code, r.Raw)
	}
	e.noSecretAnywhere(t)
}

// TestVIMsJSON: the same API in JSON, with ESC's os_* property names.
func TestVIMsJSON(t *testing.T) {
	e := newVIMEnv(t)
	j := []string{"Accept", "application/json"}
	r := e.do("admin", "POST", "/v0/vims", `{"id": "osj", "type": "OPENSTACK", "properties": {"property": [
		{"name": "os_auth_url", "value": "`+e.cloud.AuthURL()+`"}, {"name": "os_project_name", "value": "demo"},
		{"name": "os_project_domain_name", "value": "Default"}, {"name": "os_identity_api_version", "value": "3"}]}}`, j...).Want(t, 200, "create")
	cb := e.rc.wait(t, 1)[0]
	var v map[string]any
	if err := json.Unmarshal([]byte(cb.Body), &v); err != nil || cb.ContentType != "application/json" || v["event_type"] != "CREATE_VIM_CONNECTOR" || cb.Code != "200" {
		t.Fatalf("JSON callback %+v (%v)", cb, err)
	}
	if r.Object()["id"] != "osj" {
		t.Errorf("answer %s", r.Raw)
	}
	r = e.do("admin", "POST", "/v0/vims/osj/vim_users", `{"id": "escadmin", "vim_id": "osj", "credentials": {"properties": {"property": [
		{"name": "password", "value": "`+vimSecret+`"}]}}}`, j...).Want(t, 200, "user")
	if cb := e.rc.wait(t, 2)[1]; cb.Code != "200" || cb.Message != "VIM User successfully created" {
		t.Fatalf("user callback %+v", cb)
	}
	u := e.do("admin", "GET", "/v0/vims/osj/vim_users/escadmin", "", j...).Want(t, 200, "get user").Object()
	want := map[string]any{"id": "escadmin", "vim_id": "osj", "credentials": map[string]any{
		"properties": map[string]any{"property": []any{map[string]any{"name": "password"}}}}}
	if diff := cmp.Diff(want, u); diff != "" {
		t.Errorf("user (-want +got):\n%s", diff)
	}
	list := e.do("admin", "GET", "/v0/vims", "", j...).Want(t, 200, "list").Array()
	ids := map[string]any{}
	for _, it := range list {
		m := it.(map[string]any)
		ids[m["id"].(string)] = m["type"]
	}
	if diff := cmp.Diff(map[string]any{"loc-1": "FAKE", "loc-2": "FAKE", "osj": "OPENSTACK"}, ids); diff != "" {
		t.Errorf("connectors (-want +got):\n%s", diff)
	}
	st := e.do("admin", "PUT", "/v0/vims/osj/check_status", "", j...).Want(t, 200, "status").Object()
	if st["status"] != "CONNECTION_SUCCESSFUL" {
		t.Errorf("status %v", st)
	}
	// A change of the project is refused while it is sealed with the user.
	r = e.do("admin", "PUT", "/v0/vims/osj", `{"properties": {"property": [{"name": "project", "value": "other"}]}}`, j...)
	if r.Code != 409 || !strings.Contains(r.Raw, "sealed") {
		t.Errorf("project change under a user: %d %s", r.Code, r.Raw)
	}
	// Other changes are made and reported once the drivers reopen.
	r = e.do("admin", "PUT", "/v0/vims/osj", `{"id": "osj", "type": "OPENSTACK", "properties": {"property": [{"name": "region", "value": "RegionOne"}]}}`, j...).Want(t, 200, "update")
	if cb := e.rc.wait(t, 3)[2]; cb.Code != "200" || cb.Message != "VIM Connector successfully updated" {
		t.Errorf("update callback %+v", cb)
	}
	if got := e.location(t, "osj").Spec.(*resource.Location).Region; got != "RegionOne" {
		t.Errorf("region %q", got)
	}
	e.do("admin", "POST", "/v0/vims/default_vim_connector", `{"defaultVimConnectorId": "osj"}`, j...).Want(t, 200, "default")
	if d := e.do("admin", "GET", "/v0/vims/default_vim_connector", "", j...).Object(); d["defaultVimConnectorId"] != "osj" {
		t.Errorf("default %v", d)
	}
	e.noSecretAnywhere(t)
}

// TestDefaultVIMConcurrentSwitches: switches racing each other leave
// exactly one connector marked default, the one GET names. A switch that
// keeps losing the race for its record is refused (409), saying so.
func TestDefaultVIMConcurrentSwitches(t *testing.T) {
	e := newVIMEnv(t)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() { // plain requests: apitest's helpers may call t.Fatal
			defer wg.Done()
			body := fmt.Sprintf(`{"defaultVimConnectorId": "loc-%d"}`, i%2+1)
			req, err := http.NewRequestWithContext(t.Context(), "POST", e.URL+"/v0/vims/default_vim_connector", strings.NewReader(body))
			if err != nil {
				t.Error(err)
				return
			}
			req.Header.Set("Authorization", basic("admin", "admin-pw"))
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			msg, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 && (resp.StatusCode != 409 || !strings.Contains(string(msg), "concurrent requests: retry")) {
				t.Errorf("switch %d: %d %s", i, resp.StatusCode, msg)
			}
		}()
	}
	wg.Wait()
	var marked []string
	for _, id := range []string{"loc-1", "loc-2"} {
		if _, ok := e.location(t, id).Labels["esc/default"]; ok {
			marked = append(marked, id)
		}
	}
	r := as(e.Server, "admin", "GET", "/v0/vims/default_vim_connector", "", "Accept", "application/json").Want(t, 200, "default")
	if len(marked) != 1 || r.Object()["defaultVimConnectorId"] != marked[0] {
		t.Errorf("marked %v, default %s", marked, r.Raw)
	}
}

func TestVIMErrors(t *testing.T) {
	e := newVIMEnv(t)
	// loc-1 (a fake VIM) gets a user; a tenant takes an ID.
	e.do("admin", "POST", "/v0/vims/loc-1/vim_users", userXML("u1", vimSecret)).Want(t, 200, "user of loc-1")
	e.rc.wait(t, 1)
	as(e.Server, "admin", "POST", "/v0/tenants/taken", `<tenant><name>x</name></tenant>`).Want(t, 200, "tenant")
	good := connectorXML("new1", e.cloud.AuthURL())
	before, err := e.Store.List(t.Context(), store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		user, method, path, body string
		status                   int
		says                     string
	}{
		"a member lists":             {"alice", "GET", "/v0/vims", "", 403, "administrators"},
		"a member reads the default": {"alice", "GET", "/v0/vims/default_vim_connector", "", 403, "administrators"},
		"a member creates":           {"alice", "POST", "/v0/vims", good, 403, "administrators"},
		"a member reads users":       {"alice", "GET", "/v0/vims/loc-1/vim_users", "", 403, "administrators"},
		"a member checks a status":   {"alice", "PUT", "/v0/vims/loc-1/check_status", "", 403, "administrators"},
		"a member deletes a user":    {"alice", "DELETE", "/v0/vims/loc-1/vim_users/u1", "", 403, "administrators"},
		"an unknown type":            {"admin", "POST", "/v0/vims", strings.Replace(good, "OPENSTACK", "VMWARE_VSPHERE", 1), 400, "unknown VIM type"},
		"no type":                    {"admin", "POST", "/v0/vims", strings.Replace(good, "<type>OPENSTACK</type>", "", 1), 400, "unknown VIM type"},
		"a bad ID":                   {"admin", "POST", "/v0/vims", connectorXML("a~b", e.cloud.AuthURL()), 400, "RFC 3986"},
		"no ID":                      {"admin", "POST", "/v0/vims", connectorXML("", e.cloud.AuthURL()), 400, "required"},
		"a word of the paths":        {"admin", "POST", "/v0/vims", connectorXML("default_vim_connector", e.cloud.AuthURL()), 400, "word of this API"},
		"an ID in use":               {"admin", "POST", "/v0/vims", connectorXML("taken", e.cloud.AuthURL()), 409, "in use"},
		"a private endpoint":         {"admin", "POST", "/v0/vims", connectorXML("new1", "http://10.1.2.3:5000/v3"), 400, "authUrl"},
		"a metadata endpoint":        {"admin", "POST", "/v0/vims", connectorXML("new1", "http://169.254.169.254/v3"), 400, "authUrl"},
		"an endpoint with a user":    {"admin", "POST", "/v0/vims", connectorXML("new1", "http://u:p@127.0.0.1/v3"), 400, "user info"},
		"no endpoint":                {"admin", "POST", "/v0/vims", `<vim_connector><id>new1</id><type>OPENSTACK</type></vim_connector>`, 400, "authUrl"},
		"an unknown property":        {"admin", "POST", "/v0/vims", strings.Replace(good, "<name>region</name>", "<name>colour</name>", 1), 400, "unknown property"},
		"a property twice":           {"admin", "POST", "/v0/vims", strings.Replace(good, "<name>region</name>", "<name>os_project_name</name>", 1), 400, "given twice"},
		"a property without value":   {"admin", "POST", "/v0/vims", strings.Replace(good, "<value>RegionOne</value>", "", 1), 400, "no value"},
		"identity v2":                {"admin", "POST", "/v0/vims", strings.Replace(good, "<name>region</name><value>RegionOne", "<name>os_identity_api_version</name><value>2", 1), 400, "Keystone v3"},
		"a wrong root":               {"admin", "POST", "/v0/vims", `<tenant><id>new1</id></tenant>`, 400, "vim_connector"},
		"an unknown connector":       {"admin", "GET", "/v0/vims/nope", "", 404, "not found"},
		"users of an unknown one":    {"admin", "GET", "/v0/vims/nope/vim_users", "", 404, "not found"},
		"an unknown user":            {"admin", "GET", "/v0/vims/loc-1/vim_users/nobody", "", 404, "not found"},
		"status of an unknown one":   {"admin", "PUT", "/v0/vims/nope/check_status", "", 404, "not found"},
		"a second user":              {"admin", "POST", "/v0/vims/loc-1/vim_users", userXML("u2", vimSecret), 409, "one VIM user per VIM connector"},
		"a user without password":    {"admin", "POST", "/v0/vims/loc-2/vim_users", `<user><id>u3</id></user>`, 400, "password"},
		"a user of another vim":      {"admin", "POST", "/v0/vims/loc-2/vim_users", `<user><id>u3</id><vim_id>loc-1</vim_id></user>`, 400, "vim_id"},
		"a user with a bad ID":       {"admin", "POST", "/v0/vims/loc-2/vim_users", userXML("a b", vimSecret), 400, "RFC 3986"},
		"an update without password": {"admin", "PUT", "/v0/vims/loc-1/vim_users/u1", `<user><id>u1</id></user>`, 400, "password"},
		"both value kinds": {"admin", "POST", "/v0/vims/loc-2/vim_users",
			`<user><id>u3</id><credentials><properties><property><name>password</name><value>` + vimSecret + `</value><encrypted_value>` + vimSecret + `</encrypted_value></property></properties></credentials></user>`, 400, "both"},
		"a FAKE connector changed": {"admin", "PUT", "/v0/vims/loc-2", `<vim_connector><properties><property><name>region</name><value>r</value></property></properties></vim_connector>`, 400, "OPENSTACK"},
		"an unknown default":       {"admin", "POST", "/v0/vims/default_vim_connector", `<default_vim_connector><defaultVimConnectorId>nope</defaultVimConnectorId></default_vim_connector>`, 400, "not found"},
		"no default named":         {"admin", "POST", "/v0/vims/default_vim_connector", `<default_vim_connector/>`, 400, "required"},
	} {
		t.Run(name, func(t *testing.T) {
			r := e.do(tc.user, tc.method, tc.path, tc.body)
			if r.Code != tc.status || !strings.Contains(r.Raw, tc.says) || r.Header.Get("ESC-Status-Code") == "" {
				t.Errorf("%d %s, want %d saying %q", r.Code, r.Raw, tc.status, tc.says)
			}
		})
	}
	// Nothing above changed anything or sent a callback.
	after, err := e.Store.List(t.Context(), store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	keys := func(p *store.Page) map[string]string {
		out := map[string]string{}
		for _, r := range p.Items {
			if r.Kind == resource.KindLocation || r.Kind == resource.KindCredential || r.Kind == resource.KindTenant {
				spec, _ := json.Marshal(r.Spec)
				labels, _ := json.Marshal(r.Labels)
				out[r.Ref.String()] = string(spec) + string(labels)
			}
		}
		return out
	}
	if diff := cmp.Diff(keys(before), keys(after)); diff != "" {
		t.Errorf("refused requests changed the store (-before +after):\n%s", diff)
	}
	if n := len(e.rc.callbacks()); n != 1 {
		t.Errorf("%d callbacks, want only the setup's", n)
	}
	e.noSecretAnywhere(t)
}
