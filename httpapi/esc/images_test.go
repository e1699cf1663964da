package esc_test

import (
	"encoding/json"
	"encoding/xml"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/internal/testutil/apitest"
	"github.com/orca-nfv/orca/internal/testutil/wait"
	"github.com/orca-nfv/orca/resource"
)

// xmlImage is the image element as a client reads it.
type xmlImage struct {
	XMLName          xml.Name `xml:"image"`
	DiskBus          string   `xml:"disk_bus"`
	E1000Net         bool     `xml:"e1000_net"`
	VirtioNet        bool     `xml:"virtio_net"`
	EventType        string   `xml:"event_type"`
	ExternalImageID  string   `xml:"external_image_id"`
	ExternalTenantID string   `xml:"external_tenant_id"`
	ImageIsEnabled   bool     `xml:"imageisenabled"`
	Name             string   `xml:"name"`
	InternalImageID  string   `xml:"internal_image_id"`
	InternalTenantID string   `xml:"internal_tenant_id"`
	Visibility       string   `xml:"visibility"`
	Src              string   `xml:"src"`
	DiskFormat       string   `xml:"disk_format"`
	ContainerFormat  string   `xml:"container_format"`
	Properties       []string `xml:"properties>property>name"`
}

// The seed's example 2, with a file server a test may name.
const seedImage = `<?xml version="1.0"?>
<image xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">
    <name>uLinuxImg</name>
    <src>http://files.example.com/share/images/myULinux.qcow2</src>
    <disk_bus>virtio</disk_bus>
    <properties>
        <property>
            <name>os_secure_boot</name>
            <value>enabled</value>
        </property>
        <property>
            <name>hw_rng_model</name>
            <value>virtio</value>
        </property>
    </properties>
</image>`

// txCallback waits for the callback of a transaction.
func (rc *receiver) txCallback(t *testing.T, tx string) callback {
	t.Helper()
	var got callback
	wait.Until(t, "the callback of "+tx, func() bool {
		i := slices.IndexFunc(rc.callbacks(), func(c callback) bool { return c.Transaction == tx })
		if i >= 0 {
			got = rc.callbacks()[i]
		}
		return i >= 0
	})
	return got
}

// startTx sends a write and returns its transaction ID.
func startTx(t *testing.T, s *apitest.Server, user, method, path, body string, headers ...string) string {
	t.Helper()
	r := as(s, user, method, path, body, headers...).Want(t, 200, method+" "+path)
	tx := r.Header.Get("ESC_TRANSACTION_ID")
	if tx == "" {
		t.Fatalf("%s %s: no ESC_TRANSACTION_ID", method, path)
	}
	return tx
}

func TestImageTransactions(t *testing.T) {
	s := newServer(t)
	rc := newReceiver(t)
	cb := []string{"Callback", rc.srv.URL}

	// The seed's example: XML, answered at once, reported when the image
	// is at every location.
	tx := startTx(t, s, "admin", "POST", "/v0/images/my_image_id", seedImage, cb...)
	got := rc.txCallback(t, tx)
	if got.Code != "200" || got.Message != "Image successfully created" || !strings.HasPrefix(got.ContentType, "application/xml") {
		t.Errorf("callback %+v", got)
	}
	var img xmlImage
	if err := xml.Unmarshal([]byte(got.Body), &img); err != nil {
		t.Fatalf("callback body %q: %v", got.Body, err)
	}
	if img.ExternalImageID == "" {
		t.Errorf("no external_image_id in %s", got.Body)
	}
	want := xmlImage{XMLName: xml.Name{Space: "urn:ietf:params:xml:ns:netconf:base:1.0", Local: "image"},
		DiskBus: "virtio", EventType: "CREATE_IMAGE", ExternalImageID: img.ExternalImageID, ExternalTenantID: "admin",
		ImageIsEnabled: true, Name: "uLinuxImg", InternalImageID: "my_image_id", InternalTenantID: "admin", Visibility: "public",
		Src: "http://files.example.com/share/images/myULinux.qcow2", DiskFormat: "qcow2", ContainerFormat: "bare",
		Properties: []string{"hw_rng_model", "os_secure_boot"}}
	if diff := cmp.Diff(want, img); diff != "" {
		t.Errorf("callback body (-want +got):\n%s", diff)
	}

	// GETs answer the same image; orca has it with its url and labels.
	var again xmlImage
	if err := xml.Unmarshal([]byte(as(s, "admin", "GET", "/ESCManager/v0/images/my_image_id", "").Want(t, 200, "get").Raw), &again); err != nil {
		t.Fatal(err)
	}
	want.EventType = ""
	if diff := cmp.Diff(want, again); diff != "" {
		t.Errorf("GET (-want +got):\n%s", diff)
	}
	orcaImg := s.Do("GET", "/v1.0/tenant/images/my_image_id", s.Token("admin"), nil).Want(t, 200, "/v1.0 image").Object()["image"].(map[string]any)
	if orcaImg["url"] != want.Src {
		t.Errorf("/v1.0 image %v", orcaImg)
	}
	var list []map[string]any
	r := as(s, "admin", "GET", "/v0/images", "", "Accept", "application/json").Want(t, 200, "list")
	if err := json.Unmarshal([]byte(r.Raw), &list); err != nil || len(list) != 1 || list[0]["internal_image_id"] != "my_image_id" {
		t.Errorf("JSON list %s (%v)", r.Raw, err)
	}

	// An image not made through ESC is not ESC's to see.
	s.Do("POST", "/v1.0/tenant/images", s.Token("admin"), map[string]any{"image": map[string]any{
		"id": "orca-only", "disk_format": "raw", "container_format": "bare"}}).Want(t, 201, "orca image")
	as(s, "admin", "GET", "/v0/images/orca-only", "").Want(t, 404, "an image ESC did not create")
	if r := as(s, "admin", "GET", "/v0/images", ""); strings.Contains(r.Raw, "orca-only") {
		t.Errorf("the list shows an image ESC did not create: %s", r.Raw)
	}

	// A member sees no administrator's image through ESC.
	as(s, "alice", "GET", "/v0/images/my_image_id", "").Want(t, 404, "a member's GET")
	if r := as(s, "alice", "GET", "/v0/images", "").Want(t, 200, "a member's list"); strings.Contains(r.Raw, "my_image_id") {
		t.Errorf("a member's list: %s", r.Raw)
	}

	// Deleted, with its callback; then gone.
	tx = startTx(t, s, "admin", "DELETE", "/v0/images/my_image_id", "", cb...)
	got = rc.txCallback(t, tx)
	if got.Code != "200" || got.Message != "Image successfully deleted" || !strings.Contains(got.Body, "<event_type>DELETE_IMAGE</event_type>") ||
		!strings.Contains(got.Body, "<internal_image_id>my_image_id</internal_image_id>") {
		t.Errorf("delete callback %+v", got)
	}
	as(s, "admin", "GET", "/v0/images/my_image_id", "").Want(t, 404, "deleted")
}

func TestImageJSON(t *testing.T) {
	s := newServer(t)
	rc := newReceiver(t)
	tx := startTx(t, s, "admin", "POST", "/v0/images/img-json", `{"name": "j", "src": "https://files.example.com/j.raw",
		"disk_format": "raw", "visibility": "private", "e1000_net": true,
		"properties": {"property": [{"name": "hw_vif_model", "value": "e1000"}]}}`,
		"Content-Type", "application/json", "Accept", "application/json", "Callback", rc.srv.URL)
	got := rc.txCallback(t, tx)
	var body map[string]any
	if err := json.Unmarshal([]byte(got.Body), &body); err != nil || got.ContentType != "application/json" {
		t.Fatalf("callback %+v: %v", got, err)
	}
	delete(body, "external_image_id")
	want := map[string]any{"name": "j", "src": "https://files.example.com/j.raw", "disk_format": "raw", "container_format": "bare",
		"visibility": "private", "e1000_net": true, "virtio_net": false, "imageisenabled": true, "event_type": "CREATE_IMAGE",
		"internal_image_id": "img-json", "internal_tenant_id": "admin", "external_tenant_id": "admin",
		"properties": map[string]any{"property": []any{map[string]any{"name": "hw_vif_model", "value": "e1000"}}}}
	if diff := cmp.Diff(want, body); diff != "" || got.Message != "Image successfully created" {
		t.Errorf("callback %q (-want +got):\n%s", got.Message, diff)
	}
}

// TestImageFailure: an image a location refuses is reported with 500 and
// the VIM's reason.
func TestImageFailure(t *testing.T) {
	s := newServer(t)
	rc := newReceiver(t)
	s.Factory.VIM("loc-1").FailNext(fake.OpCreate, 1, resource.Invalid)
	tx := startTx(t, s, "admin", "POST", "/v0/images/bad-img", `<image><src>http://files.example.com/x.qcow2</src></image>`,
		"Callback", rc.srv.URL)
	got := rc.txCallback(t, tx)
	if got.Code != "500" || !strings.Contains(got.Message, "injected") || !strings.Contains(got.Body, "CREATE_IMAGE") {
		t.Errorf("callback %+v", got)
	}
}

// TestInUse: an image or flavor a server boots from is not deleted (409,
// naming the server), and is once the server is gone.
func TestInUse(t *testing.T) {
	s := newServer(t)
	rc := newReceiver(t)
	cb := []string{"Callback", rc.srv.URL}
	startTx(t, s, "admin", "POST", "/v0/images/img", `<image><src>http://files.example.com/x.qcow2</src></image>`, cb...)
	startTx(t, s, "admin", "POST", "/v0/flavors/fl", `<flavor><vcpus>1</vcpus><memory_mb>512</memory_mb></flavor>`, cb...)
	// A member boots the administrator's image and flavor: ESC's are
	// every tenant's.
	alice := s.Token("alice")
	s.Do("POST", "/v1.0/tenant/networks", alice, map[string]any{"network": map[string]any{"id": "n1", "cidr": "10.61.0.0/24"}}).Want(t, 201, "network")
	s.Do("POST", "/v1.0/servers", alice, map[string]any{"server": map[string]any{
		"id": "vm", "image_id": "img", "flavor_id": "fl", "network_id": "n1"}}).Want(t, 201, "server")
	for _, path := range []string{"/v0/images/img", "/v0/flavors/fl"} {
		r := as(s, "admin", "DELETE", path, "", cb...)
		if r.Code != 409 || r.Header.Get("ESC-Status-Code") != "409" || !strings.Contains(r.Raw, "referenced by server &#34;vm&#34;") {
			t.Errorf("DELETE %s in use: %d %s", path, r.Code, r.Raw)
		}
	}
	s.Do("DELETE", "/v1.0/servers/vm", alice, nil).Want(t, 204, "delete server")
	wait.Until(t, "server gone", func() bool { return s.Do("GET", "/v1.0/servers/vm", alice, nil).Code == 404 })
	for _, path := range []string{"/v0/images/img", "/v0/flavors/fl"} {
		if got := rc.txCallback(t, startTx(t, s, "admin", "DELETE", path, "", cb...)); got.Code != "200" {
			t.Errorf("DELETE %s: callback %+v", path, got)
		}
	}
}

// refusal is a request that must be refused, saying why.
type refusal struct {
	user, method, path, body string
	headers                  []string
	status                   int
	says                     string
}

// refuse sends each request and checks its refusal; none may send a
// callback.
func refuse(t *testing.T, s *apitest.Server, cases map[string]refusal) {
	t.Helper()
	rc := newReceiver(t)
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			h := append([]string{"Callback", rc.srv.URL}, tc.headers...)
			if tc.user == "bob" { // as knows no password of bob's
				h = append(h, "X-Auth-Token", s.Token("bob"))
			}
			r := as(s, tc.user, tc.method, tc.path, tc.body, h...)
			if r.Code != tc.status || !strings.Contains(r.Raw, tc.says) || r.Header.Get("ESC-Status-Code") != strconv.Itoa(tc.status) {
				t.Errorf("%d %s (ESC-Status-Code %q), want %d saying %q", r.Code, r.Raw, r.Header.Get("ESC-Status-Code"), tc.status, tc.says)
			}
		})
	}
	if n := len(rc.callbacks()); n != 0 {
		t.Errorf("%d callbacks for refused requests", n)
	}
}

// orcaCount is how many resources of a kind orca has.
func orcaCount(t *testing.T, s *apitest.Server, plural string) int {
	t.Helper()
	items, _ := s.Do("GET", "/v1.0/tenant/"+plural, s.Token("admin"), nil).Want(t, 200, plural).Object()[plural].([]any)
	return len(items)
}

func TestImageRefusals(t *testing.T) {
	s := newServer(t)
	as(s, "admin", "POST", "/v0/tenants/taken", `<tenant/>`).Want(t, 200, "tenant")
	img := func(inner string) string { return `<image>` + inner + `</image>` }
	src := `<src>http://files.example.com/x.qcow2</src>`
	jsonCT := []string{"Content-Type", "application/json"}
	refuse(t, s, map[string]refusal{
		"an ID too long":           {"admin", "POST", "/v0/images/" + strings.Repeat("a", 73), img(src), nil, 400, "longer than 72"},
		"a tilde":                  {"admin", "POST", "/v0/images/a~b", img(src), nil, 400, "RFC 3986"},
		"an ID of another kind":    {"admin", "POST", "/v0/images/taken", img(src), nil, 409, "Conflicting Request"},
		"a member creates":         {"alice", "POST", "/v0/images/i1", img(src), nil, 403, "administrators"},
		"a member deletes":         {"alice", "DELETE", "/v0/images/i1", "", nil, 403, "administrators"},
		"no src":                   {"admin", "POST", "/v0/images/i1", img(`<name>x</name>`), nil, 400, "<field>src</field>"},
		"src at cloud metadata":    {"admin", "POST", "/v0/images/i1", img(`<src>http://169.254.169.254/latest</src>`), nil, 400, "<field>src</field>"},
		"src at a private host":    {"admin", "POST", "/v0/images/i1", img(`<src>http://10.0.0.1/x</src>`), nil, 400, "refused"},
		"src at loopback in JSON":  {"admin", "POST", "/v0/images/i1", `{"src": "http://127.0.0.1/x"}`, append(jsonCT, "Accept", "application/json"), 400, `"field":"src"`},
		"src not http":             {"admin", "POST", "/v0/images/i1", img(`<src>file:///etc/passwd</src>`), nil, 400, "scheme"},
		"an unknown disk bus":      {"admin", "POST", "/v0/images/i1", img(src + `<disk_bus>floppy</disk_bus>`), nil, 400, "disk_bus"},
		"an unknown visibility":    {"admin", "POST", "/v0/images/i1", img(src + `<visibility>shared</visibility>`), nil, 400, "visibility"},
		"an unknown disk format":   {"admin", "POST", "/v0/images/i1", img(src + `<disk_format>floppy</disk_format>`), nil, 400, "disk_format"},
		"a property name with :":   {"admin", "POST", "/v0/images/i1", img(src + `<properties><property><name>hw:x</name><value>1</value></property></properties>`), nil, 400, "property name"},
		"a property twice":         {"admin", "POST", "/v0/images/i1", img(src + `<properties><property><name>a</name><value>1</value></property><property><name>a</name><value>2</value></property></properties>`), nil, 400, "twice"},
		"a property without value": {"admin", "POST", "/v0/images/i1", img(src + `<properties><property><name>a</name></property></properties>`), nil, 400, "value of property"},
		"an external ID":           {"admin", "POST", "/v0/images/i1", img(src + `<external_image_id>x</external_image_id>`), nil, 400, "external_image_id"},
		"another internal ID":      {"admin", "POST", "/v0/images/i1", img(src + `<internal_image_id>i2</internal_image_id>`), nil, 400, "internal_image_id"},
		"another tenant":           {"admin", "POST", "/v0/images/i1", img(src + `<internal_tenant_id>t1</internal_tenant_id>`), nil, 400, "internal_tenant_id"},
		"a disabled image":         {"admin", "POST", "/v0/images/i1", img(src + `<imageisenabled>false</imageisenabled>`), nil, 400, "imageisenabled"},
		"an unknown element":       {"admin", "POST", "/v0/images/i1", img(src + `<colour>red</colour>`), nil, 400, "unknown element &lt;colour&gt;"},
		"malformed XML":            {"admin", "POST", "/v0/images/i1", `<image><src>x</image>`, nil, 400, "well-formed"},
		"malformed JSON":           {"admin", "POST", "/v0/images/i1", `{"src": `, jsonCT, 400, "JSON"},
		"an empty body":            {"admin", "POST", "/v0/images/i1", ``, nil, 400, "empty"},
		"an unknown image":         {"admin", "GET", "/v0/images/nope", "", nil, 404, "not found"},
		"deleting an unknown one":  {"admin", "DELETE", "/v0/images/nope", "", nil, 404, "not found"},
	})
	if n := orcaCount(t, s, "images"); n != 0 {
		t.Errorf("refused requests made %d images", n)
	}
}
