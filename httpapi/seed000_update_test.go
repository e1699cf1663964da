package httpapi

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/internal/testutil/wait"
	"github.com/orca-nfv/orca/resource"
)

// wired is one POST or PUT of seed 000's wire.
type wired struct {
	path string
	body map[string]any
}

// TestSeed000UpdatesConverge sends the updates seed 000 allows (its
// Permission column is empty) that orca once refused, and follows each to
// the fake VIMs at both locations, which end up holding one object of the
// kind each: a field that can change in place changes on the same VIM
// object, one that cannot replaces it.
func TestSeed000UpdatesConverge(t *testing.T) {
	net := func(id string) wired {
		return wired{"/v1.0/tenant/networks", map[string]any{"network": map[string]any{"id": id}}}
	}
	tests := map[string]struct {
		setup   []wired
		kind    resource.Kind
		update  wired
		wrapper string // of the PUT's answer
		field   string
		want    any
		replace bool // the VIM object is replaced
	}{
		"network policy destination": {
			setup: []wired{net("na"), net("nb"), net("nc"),
				{"/v1.0/tenant/network_policies", map[string]any{"network_policy": map[string]any{
					"id": "pol", "source_network_id": "na", "dest_network_id": "nb"}}}},
			kind:    resource.KindNetworkPolicy,
			update:  wired{"/v1.0/tenant/network_policies/pol", map[string]any{"network_policy": map[string]any{"dest_network_id": "nc"}}},
			wrapper: "network_policy",
			field:   "dest_network_id",
			want:    "nc",
			replace: true,
		},
		"service instance template": {
			setup: []wired{
				{"/v1.0/tenant/images", map[string]any{"image": map[string]any{"id": "img", "disk_format": "raw", "container_format": "bare"}}},
				{"/v1.0/tenant/flavors", map[string]any{"flavor": map[string]any{"id": "fl", "ram": 64, "vcpus": 1}}},
				{"/v1.0/tenant/service_templates", map[string]any{"service_template": map[string]any{
					"id": "st1", "image_id": "img", "flavor_id": "fl", "service_mode": "in-network"}}},
				{"/v1.0/tenant/service_templates", map[string]any{"service_template": map[string]any{
					"id": "st2", "image_id": "img", "flavor_id": "fl", "service_mode": "transparent"}}},
				{"/v1.0/tenant/service_instances", map[string]any{"service_instance": map[string]any{
					"id": "si", "service_template_id": "st1"}}},
			},
			kind:    resource.KindServiceInstance,
			update:  wired{"/v1.0/tenant/service_instances/si", map[string]any{"service_instance": map[string]any{"service_template_id": "st2"}}},
			wrapper: "service_instances", // seed 000's irregular spelling
			field:   "service_template_id",
			want:    "st2",
			replace: true,
		},
		"security group contrail_id": {
			setup: []wired{{"/v1.0/tenant/security_groups", map[string]any{"security_group": map[string]any{
				"id": "sg", "contrail_id": 7}}}},
			kind:    resource.KindSecurityGroup,
			update:  wired{"/v1.0/tenant/security_groups/sg", map[string]any{"security_group": map[string]any{"contrail_id": 8}}},
			wrapper: "security_group",
			field:   "contrail_id",
			want:    float64(8),
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s := newServer(t, serverOptions{})
			alice := s.login("alice", "alice-pw")
			for _, w := range tc.setup {
				s.do("POST", w.path, alice, w.body).want(t, 201, "POST "+w.path)
			}
			vims := []*fake.VIM{s.f.VIM("loc-1"), s.f.VIM("loc-2")}
			before := make([]string, len(vims))
			wait.Until(t, "created at both locations", func() bool {
				for i, v := range vims {
					o, ok := onlyObject(v, tc.kind)
					if !ok {
						return false
					}
					before[i] = o.ExternalID
				}
				return true
			})

			r := s.do("PUT", tc.update.path, alice, tc.update.body).want(t, 200, "PUT "+tc.update.path)
			if got := r.obj(tc.wrapper)[tc.field]; !cmp.Equal(tc.want, got) {
				t.Errorf("PUT answer's %s = %v, want %v", tc.field, got, tc.want)
			}

			for i, v := range vims {
				var o fake.ObjectInfo
				wait.Until(t, "the update applied at "+[]string{"loc-1", "loc-2"}[i], func() bool {
					var ok bool
					o, ok = onlyObject(v, tc.kind)
					return ok && cmp.Equal(tc.want, o.Spec[tc.field])
				})
				if replaced := o.ExternalID != before[i]; replaced != tc.replace {
					t.Errorf("location %d: replaced = %v (external ID %s, was %s), want %v", i+1, replaced, o.ExternalID, before[i], tc.replace)
				}
			}
		})
	}
}

// onlyObject returns the fake VIM's one object of kind k (its tag is the
// local copy's ID, not the global one's).
func onlyObject(v *fake.VIM, k resource.Kind) (fake.ObjectInfo, bool) {
	objs := v.Objects(k)
	if len(objs) != 1 {
		return fake.ObjectInfo{}, false
	}
	return objs[0], true
}

// TestSeed000PoolRangeUpdates: an id pool's range changes (seed 000 lets
// it), and later allocations follow the new range.
func TestSeed000PoolRangeUpdates(t *testing.T) {
	s := newServer(t, serverOptions{})
	admin := s.login("admin", "admin-pw")
	s.do("POST", "/v1.0/admin/id_pools", admin, map[string]any{"id_pool": map[string]any{
		"id": "p", "name": "contrail_security_group_id", "start": 10, "end": 10}}).want(t, 201, "pool")
	s.do("POST", "/v1.0/tenant/security_groups", admin, map[string]any{"security_group": map[string]any{"id": "sg1"}}).want(t, 201, "sg1")
	r := s.do("PUT", "/v1.0/admin/id_pools/p", admin, map[string]any{"id_pool": map[string]any{"end": 11}}).want(t, 200, "widen the pool")
	if got := r.obj("id_pool")["end"]; got != float64(11) {
		t.Errorf("end = %v, want 11", got)
	}
	// The pool had one value left before: the second group gets the new one.
	sg := s.do("POST", "/v1.0/tenant/security_groups", admin, map[string]any{"security_group": map[string]any{"id": "sg2"}}).want(t, 201, "sg2")
	if got := sg.obj("security_group")["contrail_id"]; got != float64(11) {
		t.Errorf("second group's contrail_id = %v, want 11 (from the widened range)", got)
	}
}
