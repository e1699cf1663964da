package httpapi

import (
	"slices"
	"strings"
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

// TestSeed000NetworkReaddress: PUT of a network's cidr (seed 000 lets it
// change) is refused with 409 naming the server on it, changing nothing;
// once the server is gone it converges at both locations: each local
// network gets a prefix of the new range, each VIM's network (the same
// object) holds it, and no other.
func TestSeed000NetworkReaddress(t *testing.T) {
	s := newServer(t, serverOptions{})
	alice := s.login("alice", "alice-pw")
	s.do("POST", "/v1.0/tenant/networks", alice, map[string]any{"network": map[string]any{
		"id": "n1", "cidr": "10.0.0.0/16", "local_prefix_len": 24}}).want(t, 201, "network")
	s.do("POST", "/v1.0/tenant/images", alice, map[string]any{"image": map[string]any{"id": "img", "disk_format": "raw", "container_format": "bare"}}).want(t, 201, "image")
	s.do("POST", "/v1.0/tenant/flavors", alice, map[string]any{"flavor": map[string]any{"id": "fl", "ram": 64, "vcpus": 1}}).want(t, 201, "flavor")
	s.do("POST", "/v1.0/servers", alice, map[string]any{"server": map[string]any{"id": "vm", "image_id": "img", "flavor_id": "fl", "network_id": "n1"}}).want(t, 201, "server")
	vims := map[string]*fake.VIM{"loc-1": s.f.VIM("loc-1"), "loc-2": s.f.VIM("loc-2")}
	before := map[string]string{}
	wait.Until(t, "server at both locations", func() bool {
		for loc, v := range vims {
			n, okN := onlyObject(v, resource.KindNetwork)
			_, okS := onlyObject(v, resource.KindServer)
			if !okN || !okS {
				return false
			}
			before[loc] = n.ExternalID
		}
		return true
	})

	update := map[string]any{"network": map[string]any{"cidr": "10.9.0.0/16"}}
	r := s.do("PUT", "/v1.0/tenant/networks/n1", alice, update).want(t, 409, "readdress under a server")
	if msg, field := r.errMessage(); !strings.Contains(msg, `server "vm"`) || field != "cidr" {
		t.Errorf("409 says %q (field %q), want it to name the server and cidr", msg, field)
	}
	if got := s.do("GET", "/v1.0/tenant/networks/n1", alice, nil).obj("network")["cidr"]; got != "10.0.0.0/16" {
		t.Errorf("the refused PUT changed cidr to %v", got)
	}

	s.do("DELETE", "/v1.0/servers/vm", alice, nil).want(t, 204, "delete the server")
	wait.Until(t, "server gone", func() bool {
		return s.do("GET", "/v1.0/servers/vm", alice, nil).code == 404
	})
	r = s.do("PUT", "/v1.0/tenant/networks/n1", alice, update).want(t, 200, "readdress")
	if got := r.obj("network")["cidr"]; got != "10.9.0.0/16" {
		t.Errorf("PUT answer's cidr = %v", got)
	}
	var locals []any
	wait.Until(t, "local networks readdressed", func() bool {
		r := s.do("GET", "/v1.0/tenant/local_networks?network_id=n1&status=Ready&sort_key=location_id", alice, nil)
		locals, _ = r.body["local_networks"].([]any)
		if len(locals) != 2 {
			return false
		}
		for _, it := range locals {
			l := it.(map[string]any)
			o, ok := onlyObject(vims[l["location_id"].(string)], resource.KindNetwork)
			if !ok || o.Spec["cidr"] != l["cidr"] || !strings.HasPrefix(l["cidr"].(string), "10.9.") {
				return false
			}
		}
		return true
	})
	if a, b := locals[0].(map[string]any)["cidr"], locals[1].(map[string]any)["cidr"]; a == b {
		t.Errorf("both locations got %v", a)
	}
	for loc, v := range vims {
		if o, _ := onlyObject(v, resource.KindNetwork); o.ExternalID != before[loc] {
			t.Errorf("%s: the network was replaced (%s, was %s); only its subnet should be", loc, o.ExternalID, before[loc])
		}
	}
}

// TestSeed000RouteTargetChange: PUT of a route target association's
// route_target (seed 000 lets it change) moves the number and updates the
// network it belongs to in place at both locations, where the VIM keeps
// the same network object.
func TestSeed000RouteTargetChange(t *testing.T) {
	s := newServer(t, serverOptions{})
	admin := s.login("admin", "admin-pw")
	s.do("POST", "/v1.0/tenant/networks", admin, netBody("n1", "10.0.0.0/24")).want(t, 201, "network")
	s.do("POST", "/v1.0/admin/route_target_associations", admin, map[string]any{"route_target_association": map[string]any{
		"id": "rt", "network_id": "n1", "route_target": 100}}).want(t, 201, "route target")
	vims := map[string]*fake.VIM{"loc-1": s.f.VIM("loc-1"), "loc-2": s.f.VIM("loc-2")}
	before, updates := map[string]string{}, map[string]int{}
	wait.Until(t, "the network with its route target at both locations", func() bool {
		for loc, v := range vims {
			o, ok := onlyObject(v, resource.KindNetwork)
			if !ok || len(o.Parts) != 1 {
				return false
			}
			before[loc], updates[loc] = o.ExternalID, v.Calls(fake.OpUpdate)
		}
		return true
	})
	r := s.do("PUT", "/v1.0/admin/route_target_associations/rt", admin, map[string]any{"route_target_association": map[string]any{
		"route_target": 200}}).want(t, 200, "change the route target")
	if got := r.obj("route_target_association")["route_target"]; got != float64(200) {
		t.Errorf("PUT answer's route_target = %v", got)
	}
	for loc, v := range vims {
		wait.Until(t, "the network updated at "+loc, func() bool { return v.Calls(fake.OpUpdate) > updates[loc] })
		if o, ok := onlyObject(v, resource.KindNetwork); !ok || o.ExternalID != before[loc] || !slices.Equal(o.Parts, []string{"rt"}) {
			t.Errorf("%s: network %+v, want the same object %s holding rt", loc, o, before[loc])
		}
	}
	wait.Until(t, "the network ready at the new generation", func() bool {
		st := s.do("GET", "/v1.0/tenant/networks/n1", admin, nil).obj("network")[orcaKey].(map[string]any)["status"].(map[string]any)
		return st["phase"] == "Ready"
	})
}
