package mogan

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/resource"
)

// oracle is an instance's rendering as a map, marshalled by encoding/json:
// the bytes appendView must write.
func oracle(base string, inst *resource.Resource, st state, fields []string) []byte {
	spec := inst.Spec.(*resource.BaremetalInstance)
	all := map[string]any{
		"uuid": inst.ID, "name": inst.Name, "description": spec.Description, "status": st.status,
		"power_state": st.power, "project_id": inst.Tenant, "user_id": spec.UserID,
		"availability_zone": zone(inst), "instance_type_uuid": spec.FlavorID, "image_uuid": spec.ImageID,
		"created_at": timestamp(inst.CreatedAt), "updated_at": nil, "launched_at": nil, "extra": spec.Extra,
	}
	if spec.Extra == nil {
		all["extra"] = map[string]string{}
	}
	if inst.Generation > 1 || !inst.UpdatedAt.Equal(inst.CreatedAt) {
		all["updated_at"] = timestamp(inst.UpdatedAt)
	}
	if c := st.local; c != nil && c.Status.ExternalID != "" && c.Status.Phase == resource.PhaseReady {
		all["launched_at"] = timestamp(c.CreatedAt)
	}
	all["network_info"] = networkInfo(spec, st.local)
	if fields == nil {
		fields = allFields
	}
	out := map[string]any{}
	for _, f := range fields {
		out[f] = all[f]
	}
	out["links"] = []map[string]string{
		{"href": base + collection + "/" + inst.ID, "rel": "self"},
		{"href": base + "/instances/" + inst.ID, "rel": "bookmark"},
	}
	b, _ := json.Marshal(out)
	return b
}

func TestMembersAreTheFields(t *testing.T) {
	var names []string
	for _, m := range members {
		names = append(names, m.name)
	}
	want := slices.Sorted(slices.Values(allFields))
	if !slices.Equal(names, want) {
		t.Errorf("members %v, want the fields sorted: %v", names, want)
	}
}

// TestAppendIsMarshal checks the rendering byte for byte against
// encoding/json, with text that must be escaped and every optional part.
func TestAppendIsMarshal(t *testing.T) {
	texts := []string{"", "bm", `a"b\c`, "<x>", "a&b", "tab\t\x01", "é日本", "\u2028", "bad\xff"}
	created := time.Date(2024, 5, 6, 7, 8, 9, 123456000, time.UTC)
	a := &api{}
	var n int
	for i, text := range texts {
		copyReady := &resource.Resource{CreatedAt: created.Add(time.Minute), Status: resource.Status{Phase: resource.PhaseReady, ExternalID: "vm-" + text,
			Output: map[string]any{"power_state": "on", orca.TaskStateKey: "", "nics": []any{
				map[string]any{"mac_address": "aa:" + text, "network_id": "vim-net", "fixed_ips": []any{map[string]any{"ip_address": "10.0.0.2"}}},
				map[string]any{"mac_address": "bb", "network_id": text},
			}}}}
		insts := []*resource.Resource{
			{Ref: resource.Ref{Kind: resource.KindBaremetalInstance, ID: "i-" + text}, Tenant: text, Name: text, Generation: 1,
				CreatedAt: created, UpdatedAt: created, Spec: &resource.BaremetalInstance{}},
			{Ref: resource.Ref{Kind: resource.KindBaremetalInstance, ID: "i2"}, Tenant: "t", Name: "n", Generation: 3,
				CreatedAt: created, UpdatedAt: created.Add(time.Duration(i) * time.Second),
				Placement: &resource.Placement{Locations: []string{"loc-" + text}},
				Spec: &resource.BaremetalInstance{Description: text, FlavorID: text, ImageID: "img", UserID: text,
					Extra: map[string]string{"z": text, "a<": "1", text: "k"}, Networks: []resource.NetworkPort{{NetworkID: "net-" + text}}}},
			{Ref: resource.Ref{Kind: resource.KindBaremetalInstance, ID: "i3"}, Generation: 1, CreatedAt: created, UpdatedAt: created,
				Placement: &resource.Placement{Selector: map[string]string{zoneLabel: text}}, Spec: &resource.BaremetalInstance{Extra: map[string]string{}}},
		}
		states := []state{{status: statusBuilding}, {status: statusActive, power: powerOn, local: copyReady},
			{status: statusPoweringOff, power: powerOff, target: powerOff, local: &resource.Resource{Status: resource.Status{Phase: resource.PhaseProvisioning}}}}
		for _, inst := range insts {
			for _, st := range states {
				for _, fields := range [][]string{nil, listFields, {"extra"}, {"network_info", "launched_at", "availability_zone"}} {
					r := httptest.NewRequest("GET", "http://h"+"/v1/instances", nil)
					got, want := a.appendView(nil, r, inst, st, fields), oracle("http://h", inst, st, fields)
					if !bytes.Equal(got, want) {
						t.Errorf("fields %v:\n got %s\nwant %s", fields, got, want)
					}
					n++
				}
			}
		}
	}
	if n < 100 {
		t.Errorf("only %d renderings compared", n)
	}
}
