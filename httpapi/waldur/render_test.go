package waldur

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orca-nfv/orca/resource"
)

// oracle is a group's rendering as a map, marshalled by encoding/json: the
// bytes groupView.append must write.
func oracle(v *groupView, fields []string) []byte {
	g := v.g
	m := map[string]any{
		"url": v.base + collection + g.ID + "/", "uuid": g.ID, "name": g.Name,
		"description": v.spec.Description, "policy": v.spec.Policy,
		"display_name": "Name: " + g.Name + ", Policy: " + v.spec.Policy, "state": v.state,
		"error_message": v.errMsg, "error_traceback": v.errTrace, "resource_type": "OpenStack.ServerGroup",
		"created": timestamp(g.CreatedAt), "modified": timestamp(g.UpdatedAt),
		"backend_id": v.primary.ID, "backends": v.backends, "access_url": nil,
		"customer": v.base + "/api/customers/" + g.Tenant + "/", "customer_uuid": g.Tenant,
		"customer_name": v.tenantName, "customer_native_name": "", "customer_abbreviation": "",
		"project": v.base + "/api/projects/" + g.Tenant + "/", "project_uuid": g.Tenant, "project_name": v.tenantName,
		"tenant": v.base + "/api/openstack-tenants/" + g.Tenant + "/", "tenant_uuid": g.Tenant, "tenant_name": v.tenantName,
		"service_settings": nil, "service_settings_uuid": nil, "service_name": nil,
		"service_settings_state": nil, "service_settings_error_message": nil,
		"is_usage_based": false, "is_limit_based": false,
	}
	for _, f := range marketplaceFields {
		m[f] = nil
	}
	if v.primary.Location != "" {
		m["service_settings"] = v.base + "/api/service-settings/" + v.primary.Location + "/"
		m["service_settings_uuid"] = v.primary.Location
		if v.loc != nil {
			m["service_name"], m["service_settings_state"], m["service_settings_error_message"] = v.loc.name, v.loc.state, v.loc.errMsg
		}
	}
	if v.instances != nil {
		inst := []map[string]any{}
		for _, s := range v.instances {
			inst = append(inst, map[string]any{"backend_id": s.backendID, "name": s.name, "uuid": s.uuid})
		}
		m["instances"] = inst
	}
	var out any = m
	if fields != nil {
		sel := map[string]any{}
		for _, f := range fields {
			sel[f] = m[f]
		}
		out = sel
	}
	b, _ := json.Marshal(out)
	return b
}

func TestMembersAreTheFields(t *testing.T) {
	var names []string
	for _, m := range members {
		names = append(names, m.name)
	}
	if !slices.IsSorted(names) {
		t.Errorf("members are not sorted: %v", names)
	}
	want := slices.Clone(fieldNames)
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Errorf("members %v, fields %v", names, want)
	}
}

// TestAppendIsMarshal checks the rendering byte for byte against
// encoding/json, with text that must be escaped and every optional part.
func TestAppendIsMarshal(t *testing.T) {
	texts := []string{"", "web", `a"b\c`, "<script>", "a>b", "&amp;", "tab\tnl\n\x01", "é日本", "\u2028\u2029", "bad\xffutf8", "\xe2\x80"}
	created := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)
	var n int
	for i, text := range texts {
		g := &resource.Resource{Ref: resource.Ref{Kind: resource.KindServerGroup, ID: "g-" + text}, Tenant: "t" + text,
			Name: text, CreatedAt: created, UpdatedAt: created.Add(time.Duration(i) * time.Hour)}
		views := []*groupView{
			{g: g, spec: &resource.ServerGroup{}, base: "http://h", backends: []backend{}, state: stateCreationScheduled, tenantName: text},
			{g: g, spec: &resource.ServerGroup{Description: text, Policy: "anti-affinity"}, base: "https://" + text,
				backends: []backend{{Location: "l1", ID: text, Phase: stateOK}, {Location: text, ID: "x", Phase: stateErred}},
				primary:  backend{Location: "l1", ID: text},
				state:    stateErred, errMsg: text, errTrace: "trace " + text, tenantName: "name",
				loc:       &location{name: text, state: stateOK, errMsg: text},
				instances: []instance{{backendID: text, name: "a", uuid: "u1"}, {name: text, uuid: "u2"}}},
			{g: g, spec: &resource.ServerGroup{Policy: text}, base: "", backends: []backend{}, primary: backend{Location: "gone"},
				state: stateOK, instances: []instance{}},
		}
		for _, v := range views {
			for _, fields := range [][]string{nil, {"name"}, {"uuid", "instances", "access_url"}, {"service_name", "backends", "customer_name"}} {
				if fields == nil && v.instances == nil {
					continue // every field includes the instances
				}
				if slices.Contains(fields, "instances") && v.instances == nil {
					continue
				}
				got, want := v.append(nil, fields), oracle(v, fields)
				if !bytes.Equal(got, want) {
					t.Errorf("fields %v:\n got %s\nwant %s", fields, got, want)
				}
				n++
			}
		}
	}
	if n < 30 {
		t.Errorf("only %d renderings compared", n)
	}
	if !strings.Contains(string(views0(t)), `"instances":[]`) {
		t.Errorf("an empty group's instances are not []")
	}
}

func views0(t *testing.T) []byte {
	t.Helper()
	v := &groupView{g: &resource.Resource{}, spec: &resource.ServerGroup{}, backends: []backend{}, instances: []instance{}}
	return v.append(nil, nil)
}
