package mogan

import (
	"maps"
	"net/http"
	"slices"

	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/resource"
)

// An instance is written member by member, without reflection, in the
// order encoding/json writes a map's keys (sorted): the same bytes as
// marshalling the map of its fields, at a fraction of the cost.

// instView is what an instance's rendering shows.
type instView struct {
	inst *resource.Resource
	spec *resource.BaremetalInstance
	st   state
	base string
}

// members write each field of an instance, sorted by name as encoding/json
// writes a map's keys: the same bytes as marshalling the map of the
// fields, without reflection (TestAppendIsMarshal).
var members = []struct {
	name  string
	write func(b []byte, v *instView) []byte
}{
	{"availability_zone", func(b []byte, v *instView) []byte {
		z, ok := zone(v.inst).(string)
		return dialect.AppendNullable(b, z, ok)
	}},
	{"created_at", func(b []byte, v *instView) []byte { return dialect.AppendString(b, timestamp(v.inst.CreatedAt)) }},
	{"description", func(b []byte, v *instView) []byte { return dialect.AppendString(b, v.spec.Description) }},
	{"extra", func(b []byte, v *instView) []byte {
		keys := slices.Sorted(maps.Keys(v.spec.Extra))
		b = append(b, '{')
		for _, k := range keys {
			b = dialect.AppendKey(b, k)
			b = dialect.AppendString(b, v.spec.Extra[k])
		}
		return append(b, '}')
	}},
	{"image_uuid", func(b []byte, v *instView) []byte { return dialect.AppendString(b, v.spec.ImageID) }},
	{"instance_type_uuid", func(b []byte, v *instView) []byte { return dialect.AppendString(b, v.spec.FlavorID) }},
	{"launched_at", func(b []byte, v *instView) []byte {
		c := v.st.local
		if c == nil || c.Status.ExternalID == "" || c.Status.Phase != resource.PhaseReady {
			return append(b, "null"...)
		}
		return dialect.AppendString(b, timestamp(c.CreatedAt))
	}},
	{"links", func(b []byte, v *instView) []byte {
		b = append(b, `[{"href":`...)
		b = dialect.AppendString(b, v.base, collection, "/", v.inst.ID)
		b = append(b, `,"rel":"self"},{"href":`...)
		b = dialect.AppendString(b, v.base, "/instances/", v.inst.ID)
		return append(b, `,"rel":"bookmark"}]`...)
	}},
	{"name", func(b []byte, v *instView) []byte { return dialect.AppendString(b, v.inst.Name) }},
	{"network_info", func(b []byte, v *instView) []byte {
		if info := networkInfo(v.spec, v.st.local); len(info) > 0 {
			return dialect.AppendJSON(b, info)
		}
		return append(b, "{}"...)
	}},
	{"power_state", func(b []byte, v *instView) []byte {
		p, ok := v.st.power.(string)
		return dialect.AppendNullable(b, p, ok)
	}},
	{"project_id", func(b []byte, v *instView) []byte { return dialect.AppendString(b, v.inst.Tenant) }},
	{"status", func(b []byte, v *instView) []byte { return dialect.AppendString(b, v.st.status) }},
	{"updated_at", func(b []byte, v *instView) []byte {
		inst := v.inst
		changed := inst.Generation > 1 || !inst.UpdatedAt.Equal(inst.CreatedAt)
		return dialect.AppendNullable(b, timestamp(inst.UpdatedAt), changed)
	}},
	{"user_id", func(b []byte, v *instView) []byte { return dialect.AppendString(b, v.spec.UserID) }},
	{"uuid", func(b []byte, v *instView) []byte { return dialect.AppendString(b, v.inst.ID) }},
}

// networkInfo is the NICs the VIM reports for the instance's copy, by MAC
// address.
func networkInfo(spec *resource.BaremetalInstance, c *resource.Resource) map[string]any {
	info := map[string]any{}
	if c == nil {
		return info
	}
	nics, _ := c.Status.Output["nics"].([]any)
	for i, n := range nics {
		nic, _ := n.(map[string]any)
		mac, _ := nic["mac_address"].(string)
		network := nic["network_id"]
		if i < len(spec.Networks) {
			network = spec.Networks[i].NetworkID // NICs come in the spec's order
		}
		ips, _ := nic["fixed_ips"].([]any)
		if ips == nil {
			ips = []any{}
		}
		info[mac] = map[string]any{"network": network, "mac_address": mac, "fixed_ips": ips}
	}
	return info
}

// appendView appends an instance's rendering with the given fields (nil:
// every one; links always, as in Mogan).
func (a *api) appendView(b []byte, r *http.Request, inst *resource.Resource, st state, fields []string) []byte {
	v := &instView{inst: inst, spec: inst.Spec.(*resource.BaremetalInstance), st: st, base: a.base(r)}
	b = append(b, '{')
	for _, m := range members {
		if fields != nil && m.name != "links" && !slices.Contains(fields, m.name) {
			continue
		}
		b = dialect.AppendKey(b, m.name)
		b = m.write(b, v)
	}
	return append(b, '}')
}
