package esc_test

import (
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/httpapi/esc"
	"github.com/orca-nfv/orca/internal/testutil/apitest"
	"github.com/orca-nfv/orca/internal/testutil/wait"
	"github.com/orca-nfv/orca/netguard"
)

// callback is one request the receiver got.
type callback struct {
	Transaction, Code, Message, ContentType string
	Body                                    string
	Path                                    string // where it was sent
}

// receiver is an ESC client's callback endpoint.
type receiver struct {
	mu   sync.Mutex
	got  []callback
	fail int // answer 503 to this many first
	srv  *httptest.Server
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		if rc.fail > 0 {
			rc.fail--
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		rc.got = append(rc.got, callback{r.Header.Get("ESC_TRANSACTION_ID"), r.Header.Get("ESC-Status-Code"),
			r.Header.Get("ESC-Status-Message"), r.Header.Get("Content-Type"), string(body), r.URL.Path})
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) callbacks() []callback {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]callback(nil), rc.got...)
}

// reset forgets the callbacks received so far.
func (rc *receiver) reset() {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.got = nil
}

// wait returns the callbacks once there are n.
func (rc *receiver) wait(t *testing.T, n int) []callback {
	t.Helper()
	wait.Until(t, "callbacks", func() bool { return len(rc.callbacks()) >= n })
	return rc.callbacks()
}

func newServer(t *testing.T) *apitest.Server {
	policy := &netguard.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	return apitest.New(t, apitest.Options{Deliver: policy.Deliverer(nil), Mounts: []apitest.Mount{
		func(b dialect.Backend, kit *dialect.Kit) (http.Handler, []string, error) {
			return esc.New(b, kit, &esc.Options{Callbacks: policy}), esc.Paths, nil
		},
	}})
}

func basic(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

// as sends a request with basic credentials; headers alternate name and
// value.
func as(s *apitest.Server, user, method, path string, body string, headers ...string) apitest.Response {
	pw := map[string]string{"admin": "admin-pw", "alice": "alice-pw"}[user]
	h := append([]string{"Authorization", basic(user, pw), "Content-Type", "application/xml"}, headers...)
	var b any
	if body != "" {
		b = body
	}
	return s.Do(method, path, "", b, h...)
}

// xmlTenant is the tenant element as a client reads it.
type xmlTenant struct {
	XMLName          xml.Name `xml:"tenant"`
	InternalTenantID string   `xml:"internal_tenant_id"`
	ExternalTenantID string   `xml:"external_tenant_id"`
	Name             string   `xml:"name"`
	Enabled          bool     `xml:"enabled"`
	ManagedResource  bool     `xml:"managed_resource"`
	EventType        string   `xml:"event_type"`
}

func TestTenantTransactions(t *testing.T) {
	s := newServer(t)
	rc := newReceiver(t)
	cb := []string{"Callback", rc.srv.URL + "/esc"}

	// The seed's own example: XML, answered at once, reported by callback.
	r := as(s, "admin", "POST", "/v0/tenants/tentest", `<tenant xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">
    <name>example-tenant</name>
    <managed_resource>true</managed_resource>
</tenant>`, cb...).Want(t, 200, "create")
	tx := r.Header.Get("ESC_TRANSACTION_ID")
	if tx == "" || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/xml") {
		t.Fatalf("answer: transaction %q, type %q", tx, r.Header.Get("Content-Type"))
	}
	got := rc.wait(t, 1)[0]
	if got.Transaction != tx || got.Code != "200" || got.Message != "Tenant successfully created" {
		t.Errorf("callback %+v, want transaction %s", got, tx)
	}
	var ten xmlTenant
	if err := xml.Unmarshal([]byte(got.Body), &ten); err != nil {
		t.Fatalf("callback body %q: %v", got.Body, err)
	}
	want := xmlTenant{XMLName: xml.Name{Space: "urn:ietf:params:xml:ns:netconf:base:1.0", Local: "tenant"},
		InternalTenantID: "tentest", ExternalTenantID: "tentest", Name: "example-tenant", Enabled: true, ManagedResource: true, EventType: "CREATE_TENANT"}
	if diff := cmp.Diff(want, ten); diff != "" {
		t.Errorf("callback body (-want +got):\n%s", diff)
	}

	// The same tenant through /v1.0, and through ESC's GETs.
	s.Do("GET", "/v1.0/admin/tenants/tentest", s.Token("admin"), nil).Want(t, 200, "/v1.0 tenant")
	if err := xml.Unmarshal([]byte(as(s, "admin", "GET", "/v0/tenants/tentest", "").Want(t, 200, "get").Raw), &ten); err != nil || ten.Name != "example-tenant" {
		t.Errorf("GET: %+v, %v", ten, err)
	}
	r = as(s, "admin", "GET", "/ESCManager/v0/tenants", "", "Accept", "application/json").Want(t, 200, "list JSON")
	var list []map[string]any
	if err := json.Unmarshal([]byte(r.Raw), &list); err != nil || len(list) < 1 {
		t.Fatalf("JSON list %q: %v", r.Raw, err)
	}

	// JSON both ways; the callback comes in JSON too.
	as(s, "admin", "PUT", "/v0/tenants/tentest", `{"name": "renamed", "enabled": false}`,
		append(cb, "Content-Type", "application/json", "Accept", "application/json")...).Want(t, 200, "update")
	got = rc.wait(t, 2)[1]
	var upd map[string]any
	if err := json.Unmarshal([]byte(got.Body), &upd); err != nil || upd["name"] != "renamed" || upd["enabled"] != false ||
		got.Message != "Tenant successfully updated" || got.ContentType != "application/json" {
		t.Errorf("update callback %+v (%v)", got, err)
	}

	// A tenant that owns a network is not deleted; once it owns none, it
	// is, and the callback says so.
	s.Do("POST", "/v1.0/tenant/networks", s.Token("admin"), map[string]any{"network": map[string]any{
		"id": "tnet", "cidr": "10.60.0.0/24", "tenant_id": "tentest"}}).Want(t, 201, "network")
	r = as(s, "admin", "DELETE", "/v0/tenants/tentest", "", cb...)
	if r.Code != 409 || r.Header.Get("ESC-Status-Code") != "409" || !strings.Contains(r.Raw, "network/tnet") {
		t.Errorf("delete of a tenant with a network: %d %s", r.Code, r.Raw)
	}
	s.Do("DELETE", "/v1.0/tenant/networks/tnet", s.Token("admin"), nil).Want(t, 204, "delete network")
	wait.Until(t, "network gone", func() bool { return s.Do("GET", "/v1.0/tenant/networks/tnet", s.Token("admin"), nil).Code == 404 })
	as(s, "admin", "DELETE", "/v0/tenants/tentest", "", cb...).Want(t, 200, "delete")
	if got := rc.wait(t, 3)[2]; got.Message != "Tenant successfully deleted" || !strings.Contains(got.Body, "DELETE_TENANT") {
		t.Errorf("delete callback %+v", got)
	}
	as(s, "admin", "GET", "/v0/tenants/tentest", "").Want(t, 404, "deleted")
}

// TestCallbacksAreRetried: a receiver that is down at first still gets the
// callback, once.
func TestCallbacksAreRetried(t *testing.T) {
	s := newServer(t)
	rc := newReceiver(t)
	rc.fail = 2
	as(s, "admin", "POST", "/v0/tenants/t-retry", `<tenant><name>r</name></tenant>`, "Callback", rc.srv.URL).Want(t, 200, "create")
	got := rc.wait(t, 1)
	wait.Until(t, "no webhook left", func() bool {
		return len(s.Do("GET", "/v1.0/webhooks", s.Token("admin"), nil).Object()["webhooks"].([]any)) == 0
	})
	if len(rc.callbacks()) != 1 || got[0].Code != "200" {
		t.Errorf("callbacks %+v, want one", rc.callbacks())
	}
}

func TestErrors(t *testing.T) {
	s := newServer(t)
	rc := newReceiver(t)
	as(s, "admin", "POST", "/v0/tenants/taken", `<tenant><name>x</name></tenant>`).Want(t, 200, "create")
	for name, tc := range map[string]struct {
		user, method, path, body string
		headers                  []string
		status                   int
		says                     string
	}{
		"no credentials":          {"", "GET", "/v0/tenants", "", nil, 401, "credentials"},
		"an ID too long":          {"admin", "POST", "/v0/tenants/" + strings.Repeat("a", 73), "<tenant/>", nil, 400, "longer than 72"},
		"a tilde":                 {"admin", "POST", "/v0/tenants/a~b", "<tenant/>", nil, 400, "RFC 3986"},
		"a word of the paths":     {"admin", "POST", "/v0/tenants/deployments", "<tenant/>", nil, 400, "word of this API"},
		"a duplicate ID":          {"admin", "POST", "/v0/tenants/taken", "<tenant/>", nil, 409, "in use"},
		"a DTD":                   {"admin", "POST", "/v0/tenants/t2", `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><tenant><name>&e;</name></tenant>`, nil, 400, "directives"},
		"an unknown element":      {"admin", "POST", "/v0/tenants/t2", `<tenant><colour>red</colour></tenant>`, nil, 400, "unknown element &lt;colour&gt;"},
		"malformed XML":           {"admin", "POST", "/v0/tenants/t2", `<tenant><name>x</tenant>`, nil, 400, "well-formed"},
		"two roots":               {"admin", "POST", "/v0/tenants/t2", `<tenant/><tenant/>`, nil, 400, "more than one root"},
		"a long name":             {"admin", "POST", "/v0/tenants/t2", `<tenant><name>` + strings.Repeat("n", 65) + `</name></tenant>`, nil, 400, "1 to 64"},
		"an unknown JSON field":   {"admin", "POST", "/v0/tenants/t2", `{"colour": "red"}`, []string{"Content-Type", "application/json"}, 400, "colour"},
		"a refused callback":      {"admin", "POST", "/v0/tenants/t2", `<tenant/>`, []string{"Callback", "http://10.0.0.1/cb"}, 400, "refused"},
		"a callback with no host": {"admin", "POST", "/v0/tenants/t2", `<tenant/>`, []string{"Callback", "not a url"}, 400, "Callback"},
		"a body in text":          {"admin", "POST", "/v0/tenants/t2", `name=x`, []string{"Content-Type", "text/plain"}, 415, "Content-Type"},
		"an answer in text":       {"admin", "GET", "/v0/tenants", "", []string{"Accept", "text/plain"}, 406, "answers"},
		"a member creates":        {"alice", "POST", "/v0/tenants/t2", `<tenant/>`, nil, 403, "administrators"},
		"a member reads another":  {"alice", "GET", "/v0/tenants/taken", "", nil, 404, "not found"},
		"an unknown tenant":       {"admin", "GET", "/v0/tenants/nope", "", nil, 404, "not found"},
	} {
		t.Run(name, func(t *testing.T) {
			h := append([]string{"Callback", rc.srv.URL}, tc.headers...)
			var r apitest.Response
			if tc.user == "" {
				r = s.Do(tc.method, tc.path, "", nil)
			} else {
				r = as(s, tc.user, tc.method, tc.path, tc.body, h...)
			}
			if r.Code != tc.status || !strings.Contains(r.Raw, tc.says) || r.Header.Get("ESC-Status-Code") == "" {
				t.Errorf("%d %s (ESC-Status-Code %q), want %d saying %q", r.Code, r.Raw, r.Header.Get("ESC-Status-Code"), tc.status, tc.says)
			}
			if tc.status == 401 && r.Header.Get("WWW-Authenticate") != `Basic realm="ESC"` {
				t.Errorf("401 challenge %q", r.Header.Get("WWW-Authenticate"))
			}
		})
	}
	// Nothing above made a tenant, and the refusals sent no callback.
	r := as(s, "admin", "GET", "/v0/tenants", "", "Accept", "application/json")
	var list []map[string]any
	json.Unmarshal([]byte(r.Raw), &list)
	for _, ten := range list {
		if ten["internal_tenant_id"] == "t2" {
			t.Errorf("a refused request created t2")
		}
	}
	if n := len(rc.callbacks()); n != 0 {
		t.Errorf("%d callbacks for refused requests", n)
	}
}
