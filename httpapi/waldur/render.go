package waldur

import (
	"slices"

	"github.com/orca-nfv/orca/httpapi/dialect"
)

// A group is written member by member, without reflection, in the order
// encoding/json writes a map's keys (sorted): the same bytes as marshalling
// the map of every field, at a fraction of the cost.

// members write each field of a group, sorted by name; fieldNames are
// theirs (TestMembersAreTheFields).
var members = []struct {
	name  string
	write func(b []byte, v *groupView) []byte
}{
	{"access_url", null},
	{"backend_id", func(b []byte, v *groupView) []byte { return dialect.AppendString(b, v.primary.ID) }},
	{"backends", func(b []byte, v *groupView) []byte {
		return appendArray(b, v.backends, func(b []byte, e backend) []byte {
			// A struct: its fields in declaration order.
			return appendStrings(b, "service_settings_uuid", e.Location, "backend_id", e.ID, "state", e.Phase)
		})
	}},
	{"created", func(b []byte, v *groupView) []byte { return dialect.AppendString(b, timestamp(v.g.CreatedAt)) }},
	{"customer", func(b []byte, v *groupView) []byte {
		return dialect.AppendString(b, v.base, "/api/customers/", v.g.Tenant, "/")
	}},
	{"customer_abbreviation", empty},
	{"customer_name", tenantName},
	{"customer_native_name", empty},
	{"customer_uuid", tenantID},
	{"description", func(b []byte, v *groupView) []byte { return dialect.AppendString(b, v.spec.Description) }},
	{"display_name", func(b []byte, v *groupView) []byte {
		return dialect.AppendString(b, "Name: ", v.g.Name, ", Policy: ", v.spec.Policy)
	}},
	{"error_message", func(b []byte, v *groupView) []byte { return dialect.AppendString(b, v.errMsg) }},
	{"error_traceback", func(b []byte, v *groupView) []byte { return dialect.AppendString(b, v.errTrace) }},
	{"instances", func(b []byte, v *groupView) []byte {
		return appendArray(b, v.instances, func(b []byte, s instance) []byte {
			return appendStrings(b, "backend_id", s.backendID, "name", s.name, "uuid", s.uuid)
		})
	}},
	{"is_limit_based", no},
	{"is_usage_based", no},
	// orca has no marketplace
	{"marketplace_category_name", null},
	{"marketplace_category_uuid", null},
	{"marketplace_offering_name", null},
	{"marketplace_offering_plugin_options", null},
	{"marketplace_offering_type", null},
	{"marketplace_offering_uuid", null},
	{"marketplace_plan_uuid", null},
	{"marketplace_resource_state", null},
	{"marketplace_resource_uuid", null},
	{"modified", func(b []byte, v *groupView) []byte { return dialect.AppendString(b, timestamp(v.g.UpdatedAt)) }},
	{"name", func(b []byte, v *groupView) []byte { return dialect.AppendString(b, v.g.Name) }},
	{"policy", func(b []byte, v *groupView) []byte { return dialect.AppendString(b, v.spec.Policy) }},
	{"project", func(b []byte, v *groupView) []byte {
		return dialect.AppendString(b, v.base, "/api/projects/", v.g.Tenant, "/")
	}},
	{"project_name", tenantName},
	{"project_uuid", tenantID},
	{"resource_type", func(b []byte, _ *groupView) []byte { return dialect.AppendString(b, "OpenStack.ServerGroup") }},
	{"service_name", func(b []byte, v *groupView) []byte {
		if v.loc == nil {
			return null(b, v)
		}
		return dialect.AppendString(b, v.loc.name)
	}},
	{"service_settings", func(b []byte, v *groupView) []byte {
		if v.primary.Location == "" {
			return null(b, v)
		}
		return dialect.AppendString(b, v.base, "/api/service-settings/", v.primary.Location, "/")
	}},
	{"service_settings_error_message", func(b []byte, v *groupView) []byte {
		if v.loc == nil {
			return null(b, v)
		}
		return dialect.AppendString(b, v.loc.errMsg)
	}},
	{"service_settings_state", func(b []byte, v *groupView) []byte {
		if v.loc == nil {
			return null(b, v)
		}
		return dialect.AppendString(b, v.loc.state)
	}},
	{"service_settings_uuid", func(b []byte, v *groupView) []byte {
		if v.primary.Location == "" {
			return null(b, v)
		}
		return dialect.AppendString(b, v.primary.Location)
	}},
	{"state", func(b []byte, v *groupView) []byte { return dialect.AppendString(b, v.state) }},
	{"tenant", func(b []byte, v *groupView) []byte {
		return dialect.AppendString(b, v.base, "/api/openstack-tenants/", v.g.Tenant, "/")
	}},
	{"tenant_name", tenantName},
	{"tenant_uuid", tenantID},
	{"url", func(b []byte, v *groupView) []byte {
		return dialect.AppendString(b, v.base, collection, v.g.ID, "/")
	}},
	{"uuid", func(b []byte, v *groupView) []byte { return dialect.AppendString(b, v.g.ID) }},
}

func null(b []byte, _ *groupView) []byte       { return append(b, "null"...) }
func empty(b []byte, _ *groupView) []byte      { return append(b, `""`...) }
func no(b []byte, _ *groupView) []byte         { return append(b, "false"...) }
func tenantName(b []byte, v *groupView) []byte { return dialect.AppendString(b, v.tenantName) }
func tenantID(b []byte, v *groupView) []byte   { return dialect.AppendString(b, v.g.Tenant) }

// append appends the group's JSON object: the fields selected (nil: every
// one).
func (v *groupView) append(b []byte, fields []string) []byte {
	b = append(b, '{')
	for _, m := range members {
		if fields != nil && !slices.Contains(fields, m.name) {
			continue
		}
		b = dialect.AppendKey(b, m.name)
		b = m.write(b, v)
	}
	return append(b, '}')
}

// appendArray appends items as a JSON array, each written by each.
func appendArray[T any](b []byte, items []T, each func([]byte, T) []byte) []byte {
	b = append(b, '[')
	for i, it := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = each(b, it)
	}
	return append(b, ']')
}

// appendStrings appends an object of string members, given as key, value
// pairs in the order encoding/json writes them.
func appendStrings(b []byte, kv ...string) []byte {
	b = append(b, '{')
	for i := 0; i+1 < len(kv); i += 2 {
		b = dialect.AppendKey(b, kv[i])
		b = dialect.AppendString(b, kv[i+1])
	}
	return append(b, '}')
}
