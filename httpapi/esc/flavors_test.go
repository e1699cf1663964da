package esc_test

import (
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// xmlFlavor is the flavor element as a client reads it.
type xmlFlavor struct {
	XMLName          xml.Name `xml:"flavor"`
	EphemeralDiskMB  int64    `xml:"ephemeral_disk_mb"`
	EventType        string   `xml:"event_type"`
	ExternalFlavorID string   `xml:"external_flavor_id"`
	Name             string   `xml:"name"`
	InternalFlavorID string   `xml:"internal_flavor_id"`
	MemoryMB         int64    `xml:"memory_mb"`
	RootDiskMB       int64    `xml:"root_disk_mb"`
	SwapDiskMB       int64    `xml:"swap_disk_mb"`
	VCPUs            int64    `xml:"vcpus"`
}

func TestFlavorTransactions(t *testing.T) {
	s := newServer(t)
	rc := newReceiver(t)
	cb := []string{"Callback", rc.srv.URL}

	// The seed's example, and its callback's words.
	tx := startTx(t, s, "admin", "POST", "/v0/flavors/my_flavor_id", `<?xml version="1.0"?>
<flavor xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">
    <name>lightVMFlavor</name>
    <vcpus>2</vcpus>
    <memory_mb>2048</memory_mb>
</flavor>`, cb...)
	got := rc.txCallback(t, tx)
	if got.Code != "200" || got.Message != "Flavor creation completed successfully created" {
		t.Errorf("callback %+v", got)
	}
	var fl xmlFlavor
	if err := xml.Unmarshal([]byte(got.Body), &fl); err != nil {
		t.Fatalf("callback body %q: %v", got.Body, err)
	}
	if fl.ExternalFlavorID == "" {
		t.Errorf("no external_flavor_id in %s", got.Body)
	}
	want := xmlFlavor{XMLName: xml.Name{Space: "urn:ietf:params:xml:ns:netconf:base:1.0", Local: "flavor"},
		EventType: "CREATE_FLAVOR", ExternalFlavorID: fl.ExternalFlavorID, Name: "lightVMFlavor", InternalFlavorID: "my_flavor_id",
		MemoryMB: 2048, VCPUs: 2}
	if diff := cmp.Diff(want, fl); diff != "" {
		t.Errorf("callback body (-want +got):\n%s", diff)
	}
	if !strings.Contains(got.Body, "<ephemeral_disk_mb>0</ephemeral_disk_mb>") {
		t.Errorf("the callback does not say ephemeral_disk_mb 0, as the seed's does: %s", got.Body)
	}

	// GET in JSON; the list; orca's flavor.
	r := as(s, "admin", "GET", "/v0/flavors/my_flavor_id", "", "Accept", "application/json").Want(t, 200, "get")
	if o := r.Object(); o["vcpus"] != 2.0 || o["memory_mb"] != 2048.0 || o["internal_flavor_id"] != "my_flavor_id" {
		t.Errorf("GET %s", r.Raw)
	}
	if r := as(s, "admin", "GET", "/v0/flavors", "").Want(t, 200, "list"); !strings.Contains(r.Raw, "<internal_flavor_id>my_flavor_id</internal_flavor_id>") ||
		!strings.HasPrefix(r.Raw, `<?xml version="1.0" encoding="UTF-8"?><flavors xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">`) {
		t.Errorf("XML list %s", r.Raw)
	}
	orcaFl := s.Do("GET", "/v1.0/tenant/flavors/my_flavor_id", s.Token("admin"), nil).Want(t, 200, "/v1.0").Object()["flavor"].(map[string]any)
	if orcaFl["ram"] != 2048.0 || orcaFl["vcpus"] != 2.0 {
		t.Errorf("/v1.0 flavor %v", orcaFl)
	}

	tx = startTx(t, s, "admin", "DELETE", "/v0/flavors/my_flavor_id", "", cb...)
	if got := rc.txCallback(t, tx); got.Code != "200" || got.Message != "Flavor successfully deleted" || !strings.Contains(got.Body, "DELETE_FLAVOR") {
		t.Errorf("delete callback %+v", got)
	}
	as(s, "admin", "GET", "/v0/flavors/my_flavor_id", "").Want(t, 404, "deleted")
}

// TestFlavorDisks: ESC's MB become orca's GB, rounded up, and are answered
// back as orca holds them.
func TestFlavorDisks(t *testing.T) {
	s := newServer(t)
	for name, tc := range map[string]struct {
		mb, wantGB int64
	}{
		"none":          {0, 0},
		"one MB":        {1, 1},
		"one GB":        {1024, 1},
		"one MB more":   {1025, 2},
		"a round 20 GB": {20480, 20},
	} {
		t.Run(name, func(t *testing.T) {
			id := "fl-" + strings.ReplaceAll(name, " ", "-")
			body, _ := json.Marshal(map[string]any{"vcpus": 1, "memory_mb": 64, "root_disk_mb": tc.mb, "ephemeral_disk_mb": tc.mb, "swap_disk_mb": tc.mb})
			startTx(t, s, "admin", "POST", "/v0/flavors/"+id, string(body), "Content-Type", "application/json")
			orcaFl := s.Do("GET", "/v1.0/tenant/flavors/"+id, s.Token("admin"), nil).Want(t, 200, "/v1.0").Object()["flavor"].(map[string]any)
			wantGB := float64(tc.wantGB)
			if diff := cmp.Diff(map[string]any{"disk": wantGB, "ephemeral": wantGB, "swap": wantGB},
				map[string]any{"disk": orcaFl["disk"], "ephemeral": orcaFl["ephemeral"], "swap": orcaFl["swap"]}); diff != "" {
				t.Errorf("orca's flavor (-want +got):\n%s", diff)
			}
			o := as(s, "admin", "GET", "/v0/flavors/"+id, "", "Accept", "application/json").Want(t, 200, "get").Object()
			wantMB := float64(tc.wantGB * 1024)
			if diff := cmp.Diff(map[string]any{"root_disk_mb": wantMB, "ephemeral_disk_mb": wantMB, "swap_disk_mb": wantMB},
				map[string]any{"root_disk_mb": o["root_disk_mb"], "ephemeral_disk_mb": o["ephemeral_disk_mb"], "swap_disk_mb": o["swap_disk_mb"]}); diff != "" {
				t.Errorf("ESC's flavor (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFlavorRefusals(t *testing.T) {
	s := newServer(t)
	as(s, "admin", "POST", "/v0/tenants/taken", `<tenant/>`).Want(t, 200, "tenant")
	fl := func(inner string) string { return `<flavor>` + inner + `</flavor>` }
	size := `<vcpus>1</vcpus><memory_mb>64</memory_mb>`
	jsonCT := []string{"Content-Type", "application/json"}
	refuse(t, s, map[string]refusal{
		"an ID too long":          {"admin", "POST", "/v0/flavors/" + strings.Repeat("f", 73), fl(size), nil, 400, "longer than 72"},
		"a slash-free bad ID":     {"admin", "POST", "/v0/flavors/-f", fl(size), nil, 400, "RFC 3986"},
		"an ID of another kind":   {"admin", "POST", "/v0/flavors/taken", fl(size), nil, 409, "Conflicting Request"},
		"a member creates":        {"alice", "POST", "/v0/flavors/f1", fl(size), nil, 403, "administrators"},
		"a member deletes":        {"alice", "DELETE", "/v0/flavors/f1", "", nil, 403, "administrators"},
		"no vcpus":                {"admin", "POST", "/v0/flavors/f1", fl(`<memory_mb>64</memory_mb>`), nil, 400, "vcpus: required"},
		"no memory":               {"admin", "POST", "/v0/flavors/f1", fl(`<vcpus>1</vcpus>`), nil, 400, "memory_mb: required"},
		"zero vcpus":              {"admin", "POST", "/v0/flavors/f1", fl(`<vcpus>0</vcpus><memory_mb>64</memory_mb>`), nil, 400, "vcpus"},
		"negative memory":         {"admin", "POST", "/v0/flavors/f1", fl(`<vcpus>1</vcpus><memory_mb>-64</memory_mb>`), nil, 400, "memory_mb"},
		"a negative root disk":    {"admin", "POST", "/v0/flavors/f1", fl(size + `<root_disk_mb>-1</root_disk_mb>`), nil, 400, "root_disk_mb"},
		"a huge swap":             {"admin", "POST", "/v0/flavors/f1", `{"vcpus":1,"memory_mb":64,"swap_disk_mb":9999999999}`, jsonCT, 400, "swap_disk_mb"},
		"vcpus in words":          {"admin", "POST", "/v0/flavors/f1", fl(`<vcpus>two</vcpus><memory_mb>64</memory_mb>`), nil, 400, "not valid"},
		"vcpus as a JSON string":  {"admin", "POST", "/v0/flavors/f1", `{"vcpus":"1","memory_mb":64}`, jsonCT, 400, "vcpus"},
		"an external ID":          {"admin", "POST", "/v0/flavors/f1", fl(size + `<external_flavor_id>x</external_flavor_id>`), nil, 400, "external_flavor_id"},
		"another internal ID":     {"admin", "POST", "/v0/flavors/f1", fl(size + `<internal_flavor_id>f2</internal_flavor_id>`), nil, 400, "internal_flavor_id"},
		"extra specs":             {"admin", "POST", "/v0/flavors/f1", fl(size + `<properties/>`), nil, 400, "unknown element"},
		"malformed XML":           {"admin", "POST", "/v0/flavors/f1", `<flavor><vcpus>1</flavor>`, nil, 400, "well-formed"},
		"an unknown JSON field":   {"admin", "POST", "/v0/flavors/f1", `{"vcpus":1,"memory_mb":64,"gpus":1}`, jsonCT, 400, "gpus"},
		"an unknown flavor":       {"admin", "GET", "/v0/flavors/nope", "", nil, 404, "not found"},
		"deleting an unknown one": {"admin", "DELETE", "/v0/flavors/nope", "", nil, 404, "not found"},
	})
	if n := orcaCount(t, s, "flavors"); n != 0 {
		t.Errorf("refused requests made %d flavors", n)
	}
}
