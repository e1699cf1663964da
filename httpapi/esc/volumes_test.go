package esc_test

import (
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/internal/testutil/apitest"
)

// xmlVolume is the volume element as a client reads it.
type xmlVolume struct {
	XMLName          xml.Name `xml:"volume"`
	ExternalVolumeID string   `xml:"external_volume_id"`
	Size             string   `xml:"size"`
	SizeUnit         string   `xml:"sizeunit"`
	Bus              string   `xml:"bus"`
	Type             string   `xml:"type"`
	Name             string   `xml:"name"`
	ExternalTenantID string   `xml:"external_tenant_id"`
	InternalTenantID string   `xml:"internal_tenant_id"`
	InternalVolumeID string   `xml:"internal_volume_id"`
	VolID            int64    `xml:"volid"`
	EventType        string   `xml:"event_type"`
	Image            string   `xml:"image"`
}

// volumeServer has the tenants t1 (alice's) and t2 (bob's) in ESC.
func volumeServer(t *testing.T) *apitest.Server {
	s := newServer(t)
	for _, ten := range []string{"t1", "t2"} {
		as(s, "admin", "POST", "/v0/tenants/"+ten, `<tenant/>`).Want(t, 200, "tenant "+ten)
	}
	return s
}

func TestVolumeTransactions(t *testing.T) {
	s := volumeServer(t)
	rc := newReceiver(t)
	cb := []string{"Callback", rc.srv.URL}

	// A member makes a volume in their tenant, in XML; 512 MiB is 1 GiB.
	tx := startTx(t, s, "alice", "POST", "/v0/t1/volumes/data", `<volume xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">
    <name>data</name><size>512</size><sizeunit>MiB</sizeunit><bus>scsi</bus><volid>1</volid>
</volume>`, cb...)
	got := rc.txCallback(t, tx)
	if got.Code != "200" || got.Message != "Volume successfully created" {
		t.Errorf("callback %+v", got)
	}
	var vol xmlVolume
	if err := xml.Unmarshal([]byte(got.Body), &vol); err != nil {
		t.Fatalf("callback body %q: %v", got.Body, err)
	}
	if vol.ExternalVolumeID == "" {
		t.Errorf("no external_volume_id in %s", got.Body)
	}
	want := xmlVolume{XMLName: xml.Name{Space: "urn:ietf:params:xml:ns:netconf:base:1.0", Local: "volume"},
		ExternalVolumeID: vol.ExternalVolumeID, Size: "1", SizeUnit: "GiB", Bus: "scsi", Name: "data",
		ExternalTenantID: "t1", InternalTenantID: "t1", InternalVolumeID: "data", VolID: 1, EventType: "CREATE_VOLUME"}
	if diff := cmp.Diff(want, vol); diff != "" {
		t.Errorf("callback body (-want +got):\n%s", diff)
	}
	var again xmlVolume
	if err := xml.Unmarshal([]byte(as(s, "alice", "GET", "/v0/t1/volumes/data", "").Want(t, 200, "get").Raw), &again); err != nil {
		t.Fatal(err)
	}
	want.EventType = ""
	if diff := cmp.Diff(want, again); diff != "" {
		t.Errorf("GET (-want +got):\n%s", diff)
	}

	// In JSON, from an ESC image (the administrator's, public: every
	// tenant's to use).
	startTx(t, s, "admin", "POST", "/v0/images/vimg", `<image><src>http://files.example.com/v.qcow2</src></image>`)
	tx = startTx(t, s, "alice", "POST", "/v0/t1/volumes/boot", `{"size": 2, "sizeunit": "GB", "type": "ssd", "image": "vimg"}`,
		append(cb, "Content-Type", "application/json", "Accept", "application/json")...)
	got = rc.txCallback(t, tx)
	var body map[string]any
	if err := json.Unmarshal([]byte(got.Body), &body); err != nil || got.Code != "200" {
		t.Fatalf("callback %+v: %v", got, err)
	}
	delete(body, "external_volume_id")
	wantJSON := map[string]any{"size": "2", "sizeunit": "GiB", "bus": "virtio", "type": "ssd", "image": "vimg", "name": "boot",
		"internal_volume_id": "boot", "internal_tenant_id": "t1", "external_tenant_id": "t1", "event_type": "CREATE_VOLUME"}
	if diff := cmp.Diff(wantJSON, body); diff != "" {
		t.Errorf("JSON callback (-want +got):\n%s", diff)
	}
	orcaVol := s.Do("GET", "/v1.0/tenant/volumes/boot", s.Token("alice"), nil).Want(t, 200, "/v1.0").Object()["volume"].(map[string]any)
	if orcaVol["image_id"] != "vimg" || orcaVol["size_gb"] != 2.0 || orcaVol["volume_type"] != "ssd" {
		t.Errorf("/v1.0 volume %v", orcaVol)
	}

	// The tenant's list; other tenants see neither.
	var list []map[string]any
	r := as(s, "alice", "GET", "/v0/t1/volumes", "", "Accept", "application/json").Want(t, 200, "list")
	if err := json.Unmarshal([]byte(r.Raw), &list); err != nil || len(list) != 2 {
		t.Errorf("list %s (%v)", r.Raw, err)
	}
	bob := []string{"X-Auth-Token", s.Token("bob")}
	as(s, "bob", "GET", "/v0/t1/volumes", "", bob...).Want(t, 404, "another tenant's list")
	as(s, "bob", "GET", "/v0/t1/volumes/data", "", bob...).Want(t, 404, "another tenant's volume")
	as(s, "admin", "GET", "/v0/t2/volumes/data", "").Want(t, 404, "a volume under the wrong tenant")
	if r := as(s, "admin", "GET", "/v0/t2/volumes", "").Want(t, 200, "t2's list"); strings.Contains(r.Raw, "<volume>") {
		t.Errorf("t2's list: %s", r.Raw)
	}

	// The image a volume is made from is not deleted under it.
	if r := as(s, "admin", "DELETE", "/v0/images/vimg", ""); r.Code != 409 || !strings.Contains(r.Raw, "referenced by volume &#34;boot&#34;") {
		t.Errorf("deleting an image a volume uses: %d %s", r.Code, r.Raw)
	}

	tx = startTx(t, s, "alice", "DELETE", "/v0/t1/volumes/data", "", cb...)
	if got := rc.txCallback(t, tx); got.Code != "200" || got.Message != "Volume successfully deleted" || !strings.Contains(got.Body, "DELETE_VOLUME") {
		t.Errorf("delete callback %+v", got)
	}
	as(s, "alice", "GET", "/v0/t1/volumes/data", "").Want(t, 404, "deleted")
}

// TestVolumeSizes: every unit converts to whole GiB, rounded up.
func TestVolumeSizes(t *testing.T) {
	s := volumeServer(t)
	for name, tc := range map[string]struct {
		size, unit string
		wantGiB    float64
	}{
		"GiB by default":   {"3", "", 3},
		"GiB":              {"3", "GiB", 3},
		"1024 MiB":         {"1024", "MiB", 1},
		"1025 MiB":         {"1025", "MiB", 2},
		"one KiB":          {"1", "KiB", 1},
		"one TiB":          {"1", "TiB", 1024},
		"decimal GB":       {"5", "GB", 5}, // 4.66 GiB
		"decimal MB":       {"1074", "MB", 2},
		"one KB":           {"1", "KB", 1},
		"one TB":           {"1", "TB", 932}, // 931.3 GiB
		"the largest":      {"64", "TiB", 65536},
		"a leading zero":   {"02", "GiB", 2},
		"the largest MiBs": {"67108864", "MiB", 65536},
	} {
		t.Run(name, func(t *testing.T) {
			id := "v-" + strings.ReplaceAll(name, " ", "-")
			unit := ""
			if tc.unit != "" {
				unit = "<sizeunit>" + tc.unit + "</sizeunit>"
			}
			startTx(t, s, "admin", "POST", "/v0/t1/volumes/"+id, "<volume><size>"+tc.size+"</size>"+unit+"</volume>")
			v := s.Do("GET", "/v1.0/tenant/volumes/"+id, s.Token("admin"), nil).Want(t, 200, "/v1.0").Object()["volume"].(map[string]any)
			if v["size_gb"] != tc.wantGiB {
				t.Errorf("size_gb %v, want %v", v["size_gb"], tc.wantGiB)
			}
		})
	}
}

func TestVolumeRefusals(t *testing.T) {
	s := volumeServer(t)
	startTx(t, s, "alice", "POST", "/v0/t1/volumes/taken", `<volume><size>1</size></volume>`)
	vol := func(inner string) string { return `<volume>` + inner + `</volume>` }
	one := `<size>1</size>`
	jsonCT := []string{"Content-Type", "application/json"}
	refuse(t, s, map[string]refusal{
		"an ID too long":           {"alice", "POST", "/v0/t1/volumes/" + strings.Repeat("v", 73), vol(one), nil, 400, "longer than 72"},
		"a bad ID":                 {"alice", "POST", "/v0/t1/volumes/v~1", vol(one), nil, 400, "RFC 3986"},
		"a duplicate ID":           {"alice", "POST", "/v0/t1/volumes/taken", vol(one), nil, 409, "Conflicting Request"},
		"another member's tenant":  {"alice", "POST", "/v0/t2/volumes/v1", vol(one), nil, 404, "not found"},
		"an unknown tenant":        {"admin", "POST", "/v0/nope/volumes/v1", vol(one), nil, 404, "not found"},
		"no size":                  {"alice", "POST", "/v0/t1/volumes/v1", vol(`<name>x</name>`), nil, 400, "size: required"},
		"a negative size":          {"alice", "POST", "/v0/t1/volumes/v1", vol(`<size>-1</size>`), nil, 400, "size"},
		"a zero size":              {"alice", "POST", "/v0/t1/volumes/v1", vol(`<size>0</size>`), nil, 400, "1 or more"},
		"a fractional size":        {"alice", "POST", "/v0/t1/volumes/v1", vol(`<size>1.5</size>`), nil, 400, "whole number"},
		"a negative JSON size":     {"alice", "POST", "/v0/t1/volumes/v1", `{"size": -3}`, jsonCT, 400, "size"},
		"a size as a JSON object":  {"alice", "POST", "/v0/t1/volumes/v1", `{"size": {}}`, jsonCT, 400, "size"},
		"too large":                {"alice", "POST", "/v0/t1/volumes/v1", vol(`<size>65</size><sizeunit>TiB</sizeunit>`), nil, 400, "more than 65536 GiB"},
		"far too large":            {"alice", "POST", "/v0/t1/volumes/v1", vol(`<size>9223372036854775807</size><sizeunit>TB</sizeunit>`), nil, 400, "more than"},
		"an unknown unit":          {"alice", "POST", "/v0/t1/volumes/v1", vol(one + `<sizeunit>furlong</sizeunit>`), nil, 400, "sizeunit"},
		"a unit in the wrong case": {"alice", "POST", "/v0/t1/volumes/v1", vol(one + `<sizeunit>gib</sizeunit>`), nil, 400, "sizeunit"},
		"an unknown bus":           {"alice", "POST", "/v0/t1/volumes/v1", vol(one + `<bus>usb</bus>`), nil, 400, "bus"},
		"a missing image":          {"alice", "POST", "/v0/t1/volumes/v1", vol(one + `<image>nope</image>`), nil, 400, "<field>image</field>"},
		"out of band":              {"alice", "POST", "/v0/t1/volumes/v1", vol(one + `<outOfBand>true</outOfBand>`), nil, 400, "outOfBand"},
		"an external ID":           {"alice", "POST", "/v0/t1/volumes/v1", vol(one + `<external_volume_id>x</external_volume_id>`), nil, 400, "adopt"},
		"a format":                 {"alice", "POST", "/v0/t1/volumes/v1", vol(one + `<format>qcow2</format>`), nil, 400, "format"},
		"a storage location":       {"alice", "POST", "/v0/t1/volumes/v1", vol(one + `<storageLocation>ds1</storageLocation>`), nil, 400, "storageLocation"},
		"a boot index":             {"alice", "POST", "/v0/t1/volumes/v1", vol(one + `<bootIndex>0</bootIndex>`), nil, 400, "bootIndex"},
		"a negative volid":         {"alice", "POST", "/v0/t1/volumes/v1", vol(one + `<volid>-1</volid>`), nil, 400, "volid"},
		"a type with spaces":       {"alice", "POST", "/v0/t1/volumes/v1", vol(one + `<type> ssd</type>`), nil, 400, "type"},
		"another tenant in body":   {"alice", "POST", "/v0/t1/volumes/v1", vol(one + `<internal_tenant_id>t2</internal_tenant_id>`), nil, 400, "internal_tenant_id"},
		"another internal ID":      {"alice", "POST", "/v0/t1/volumes/v1", vol(one + `<internal_volume_id>v2</internal_volume_id>`), nil, 400, "internal_volume_id"},
		"malformed XML":            {"alice", "POST", "/v0/t1/volumes/v1", `<volume><size>1</volume>`, nil, 400, "well-formed"},
		"malformed JSON":           {"alice", "POST", "/v0/t1/volumes/v1", `{"size": 1,}`, jsonCT, 400, "JSON"},
		"an unknown volume":        {"alice", "GET", "/v0/t1/volumes/nope", "", nil, 404, "not found"},
		"another tenant's delete":  {"bob", "DELETE", "/v0/t1/volumes/taken", "", nil, 404, "not found"},
		"a PUT":                    {"alice", "PUT", "/v0/t1/volumes/taken", vol(one), nil, 405, "not allowed"},
	})
	if n := orcaCount(t, s, "volumes"); n != 1 {
		t.Errorf("%d volumes, want only the first", n)
	}
}
