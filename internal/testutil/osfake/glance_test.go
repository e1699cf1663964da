package osfake

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
)

const jsonPatch = "application/openstack-images-v2.1-json-patch"

// htmlDetail extracts the message of Glance's HTML error page.
func htmlDetail(body []byte) string {
	s := string(body)
	i := strings.Index(s, "</h1>")
	j := strings.Index(s, "<br /><br />")
	if i < 0 || j < i {
		return ""
	}
	return strings.TrimSpace(s[i+5 : j])
}

func TestImageCreate(t *testing.T) {
	srv, c := newFake(t, nil)
	r := c.do(http.MethodPost, "/image/v2/images", map[string]any{"name": "i", "disk_format": "qcow2", "container_format": "bare",
		"visibility": "private", "min_disk": 1, "protected": false, "description": "d", "orca_url": "http://x"})
	if r.status != http.StatusCreated {
		t.Fatalf("create = %d %s", r.status, r.body)
	}
	b := r.json(t)
	got := map[string]any{"status": b["status"], "visibility": b["visibility"], "description": b["description"], "orca_url": b["orca_url"],
		"size": b["size"], "checksum": b["checksum"], "min_disk": b["min_disk"], "self": b["self"] == "/v2/images/"+str2(b, "id"),
		"location": r.header.Get("Location") == srv.URL()+"/image/v2/images/"+str2(b, "id"),
		"methods":  r.header.Get("OpenStack-Image-Import-Methods")}
	want := map[string]any{"status": "queued", "visibility": "private", "description": "d", "orca_url": "http://x", "size": nil,
		"checksum": nil, "min_disk": float64(1), "self": true, "location": true, "methods": "glance-direct,web-download,copy-image"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if v := str2(c.must(http.StatusCreated, http.MethodPost, "/image/v2/images", map[string]any{"name": "j"}), "visibility"); v != "shared" {
		t.Errorf("default visibility %q, want shared", v)
	}
	const schema = "Provided object does not match schema &#x27;image&#x27;: "
	tests := map[string]struct {
		body   map[string]any
		status int
		detail string
	}{
		"read-only status":  {map[string]any{"name": "x", "status": "active"}, 403, "Attribute &#x27;status&#x27; is read-only."},
		"non-string prop":   {map[string]any{"name": "x", "foo": 5}, 400, schema + "5 is not of type &#x27;string&#x27;"},
		"bad disk format":   {map[string]any{"name": "x", "disk_format": "nope"}, 400, schema + "&#x27;nope&#x27; is not one of [None, &#x27;ami&#x27;"},
		"bad visibility":    {map[string]any{"name": "x", "visibility": "secret"}, 400, schema + "&#x27;secret&#x27; is not one of [None, &#x27;community&#x27;"},
		"min_disk negative": {map[string]any{"name": "x", "min_disk": -1}, 400, schema + "-1 is less than the minimum of 0"},
	}
	for name, tc := range tests {
		r := c.do(http.MethodPost, "/image/v2/images", tc.body)
		if r.status != tc.status || !strings.HasPrefix(htmlDetail(r.body), tc.detail) || r.header.Get("Content-Type") != "text/html; charset=UTF-8" {
			t.Errorf("%s = %d %q (%s), want %d %q", name, r.status, htmlDetail(r.body), r.header.Get("Content-Type"), tc.status, tc.detail)
		}
	}
	r = c.do(http.MethodGet, "/image/v2/images/00000000-0000-0000-0000-000000000000", nil)
	if r.status != 404 || htmlDetail(r.body) != "No image found with ID 00000000-0000-0000-0000-000000000000" {
		t.Errorf("unknown image = %d %s", r.status, r.body)
	}
}

func TestImagePatch(t *testing.T) {
	srv, c := newFake(t, nil)
	id := str2(c.must(http.StatusCreated, http.MethodPost, "/image/v2/images",
		map[string]any{"name": "i", "disk_format": "qcow2", "container_format": "bare", "description": "d1"}), "id")
	active := imageID(t, srv, "cirros")
	patch := func(img, ops string, ctype ...string) response {
		ct := jsonPatch
		if len(ctype) > 0 {
			ct = ctype[0]
		}
		return c.do(http.MethodPatch, "/image/v2/images/"+img, ops, "Content-Type", ct)
	}
	type result struct {
		Status int
		Detail string
		Value  any
	}
	steps := []struct {
		name, image, ops, field string
		ctype                   []string
		want                    result
	}{
		{"replace a property", id, `[{"op": "replace", "path": "/description", "value": "d2"}]`, "description", nil, result{200, "", "d2"}},
		{"add an existing property replaces it", id, `[{"op": "add", "path": "/description", "value": "d3"}]`, "description", nil, result{200, "", "d3"}},
		{"replace a missing property", id, `[{"op": "replace", "path": "/nothere", "value": "x"}]`, "", nil,
			result{409, "Property nothere does not exist.", nil}},
		{"remove a missing property", id, `[{"op": "remove", "path": "/nothere"}]`, "", nil, result{409, "Property nothere does not exist.", nil}},
		{"read-only", id, `[{"op": "replace", "path": "/status", "value": "active"}]`, "", nil, result{403, "Attribute &#x27;status&#x27; is read-only.", nil}},
		{"disk_format of a queued image", id, `[{"op": "replace", "path": "/disk_format", "value": "raw"}]`, "disk_format", nil, result{200, "", "raw"}},
		{"disk_format of an active image", active, `[{"op": "replace", "path": "/disk_format", "value": "raw"}]`, "", nil,
			result{403, "Attribute disk_format can be only replaced for a queued image.", nil}},
		{"core attributes", id, `[{"op": "replace", "path": "/min_disk", "value": 2}, {"op": "replace", "path": "/visibility", "value": "public"}]`,
			"min_disk", nil, result{200, "", float64(2)}},
		{"unknown op", id, `[{"op": "frob", "path": "/min_disk", "value": 1}]`, "", nil,
			result{400, "Unable to find `op` in JSON Schema change. It must be one of the following: add, remove, replace.", nil}},
		{"plain JSON", id, `[{"op": "replace", "path": "/min_disk", "value": 3}]`, "", []string{"application/json"},
			result{415, "The request media type application/json is not supported by this server.", nil}},
		{"remove a property", id, `[{"op": "remove", "path": "/description"}]`, "description", nil, result{200, "", nil}},
	}
	for _, st := range steps {
		r := patch(st.image, st.ops, st.ctype...)
		got := result{Status: r.status}
		if r.status == 200 {
			got.Value = r.json(t)[st.field]
		} else {
			got.Detail = htmlDetail(r.body)
		}
		if diff := cmp.Diff(st.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", st.name, diff)
		}
	}
}

func TestImageImportAndDelete(t *testing.T) {
	srv, c := newFake(t, nil)
	id := str2(c.must(http.StatusCreated, http.MethodPost, "/image/v2/images",
		map[string]any{"name": "i", "disk_format": "qcow2", "container_format": "bare", "protected": true}), "id")
	imp := func(body string) response { return c.do(http.MethodPost, "/image/v2/images/"+id+"/import", body) }
	status := func() string {
		return str2(c.must(http.StatusOK, http.MethodGet, "/image/v2/images/"+id, nil), "status")
	}
	tests := []struct {
		name   string
		body   string
		code   int
		detail string
	}{
		{"unknown method", `{"method": {"name": "nope"}}`, 400, "Unknown import method name &#x27;nope&#x27;."},
		{"no uri", `{"method": {"name": "web-download"}}`, 400, "URI for web-download does not pass filtering: None"},
		{"ftp", `{"method": {"name": "web-download", "uri": "ftp://example.com/x"}}`, 400, "URI for web-download does not pass filtering: ftp://example.com/x"},
		{"web-download", `{"method": {"name": "web-download", "uri": "https://example.com/x.img"}}`, 202, ""},
	}
	for _, tc := range tests {
		r := imp(tc.body)
		if r.status != tc.code || htmlDetail(r.body) != tc.detail {
			t.Errorf("%s = %d %q, want %d %q", tc.name, r.status, htmlDetail(r.body), tc.code, tc.detail)
		}
	}
	var states []string
	states = append(states, status())
	srv.Step()
	states = append(states, status())
	if diff := cmp.Diff([]string{"importing", "active"}, states); diff != "" {
		t.Errorf("import states (-want +got):\n%s", diff)
	}
	img := c.must(http.StatusOK, http.MethodGet, "/image/v2/images/"+id, nil)
	if img["size"] == nil || img["checksum"] == nil || img["os_hash_algo"] != "sha512" {
		t.Errorf("an imported image has no size or checksum: %v", img)
	}
	r := imp(`{"method": {"name": "web-download", "uri": "https://example.com/x.img"}}`)
	if r.status != 409 || htmlDetail(r.body) != "Image with status active cannot be target for import" {
		t.Errorf("import of an active image = %d %s", r.status, r.body)
	}
	r = c.do(http.MethodDelete, "/image/v2/images/"+id, nil)
	if r.status != 403 || htmlDetail(r.body) != "Image "+id+" is protected and cannot be deleted." {
		t.Errorf("delete of a protected image = %d %s", r.status, r.body)
	}
	c.do(http.MethodPatch, "/image/v2/images/"+id, `[{"op": "replace", "path": "/protected", "value": false}]`, "Content-Type", jsonPatch)
	c.must(http.StatusNoContent, http.MethodDelete, "/image/v2/images/"+id, nil)
	if r := c.do(http.MethodDelete, "/image/v2/images/"+id, nil); r.status != 404 {
		t.Errorf("second delete = %d", r.status)
	}

	// Data upload makes a queued image active at once.
	up := str2(c.must(http.StatusCreated, http.MethodPost, "/image/v2/images", map[string]any{"name": "u", "disk_format": "raw", "container_format": "bare"}), "id")
	c.must(http.StatusNoContent, http.MethodPut, "/image/v2/images/"+up+"/file", "0123456789", "Content-Type", "application/octet-stream")
	if got := c.must(http.StatusOK, http.MethodGet, "/image/v2/images/"+up, nil); got["status"] != "active" || got["size"] != float64(10) {
		t.Errorf("uploaded image = %v", got)
	}
}

// TestImagePages: 25 a page, newest first, with "next" while pages are
// full; gophercloud follows it.
func TestImagePages(t *testing.T) {
	srv, c := newFake(t, &Options{Images: []SeedImage{}})
	for i := range 30 {
		c.must(http.StatusCreated, http.MethodPost, "/image/v2/images", map[string]any{"name": fmt.Sprintf("img-%02d", i)})
	}
	first := c.must(http.StatusOK, http.MethodGet, "/image/v2/images", nil)
	page := get(first, "images").([]any)
	if len(page) != 25 || str2(page[0], "name") != "img-29" || str2(first, "first") != "/v2/images" || str2(first, "schema") != "/v2/schemas/images" {
		t.Fatalf("first page: %d images, first %s, links %v %v", len(page), str2(page[0], "name"), first["first"], first["schema"])
	}
	next := str2(first, "next")
	if next != "/v2/images?marker="+str2(page[24], "id") {
		t.Fatalf("next = %q", next)
	}
	second := c.must(http.StatusOK, http.MethodGet, "/image"+next, nil)
	if n := len(get(second, "images").([]any)); n != 5 || second["next"] != nil {
		t.Errorf("second page: %d images, next %v", n, second["next"])
	}
	filtered := c.must(http.StatusOK, http.MethodGet, "/image/v2/images?name=img-07", nil)
	if n := len(get(filtered, "images").([]any)); n != 1 || str2(filtered, "first") != "/v2/images?name=img-07" {
		t.Errorf("by name: %d images, first %v", n, filtered["first"])
	}

	provider, err := openstack.AuthenticatedClient(t.Context(), gophercloud.AuthOptions{IdentityEndpoint: srv.AuthURL(),
		Username: "admin", Password: "secret", DomainName: "Default", TenantName: "demo"})
	if err != nil {
		t.Fatal(err)
	}
	ic, err := openstack.NewImageV2(provider, gophercloud.EndpointOpts{})
	if err != nil {
		t.Fatal(err)
	}
	pages, err := images.List(ic, nil).AllPages(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	all, err := images.ExtractImages(pages)
	if err != nil || len(all) != 30 {
		t.Errorf("gophercloud listed %d images (%v), want 30", len(all), err)
	}
}
