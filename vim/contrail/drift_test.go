package contrail_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/internal/testutil/contrailfake"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// TestOutOfBandDrift changes objects behind the driver's back, as an
// operator would in Contrail, and checks the drift Observe reports and
// what Update does about it: repair in place, or refuse (Invalid, naming
// the field) what cannot change in place.
func TestOutOfBandDrift(t *testing.T) {
	tests := map[string]struct {
		kind    resource.Kind
		body    string // the out-of-band PUT
		drift   []string
		refused string // the field Update refuses, "" when it repairs
	}{
		"network description": {kind: resource.KindNetwork,
			body:  `{"virtual-network": {"id_perms": {"enable": true, "description": "edited"}}}`,
			drift: []string{"description"}},
		"network route targets": {kind: resource.KindNetwork,
			body:  `{"virtual-network": {"route_target_list": {"route_target": ["target:64512:1", "target:64512:9"]}}}`,
			drift: []string{vim.PartsField}},
		"network subnet": {kind: resource.KindNetwork,
			body: `{"virtual-network": {"network_ipam_refs": [{"to": ["default-domain","default-project","default-network-ipam"],
			  "attr": {"ipam_subnets": [{"subnet": {"ip_prefix": "10.9.0.0", "ip_prefix_len": 16}}]}}]}}`,
			drift: []string{"cidr"}},
		"policy entries": {kind: resource.KindNetworkPolicy,
			body: `{"network-policy": {"network_policy_entries": {"policy_rule": [{"direction": ">", "protocol": "any",
			  "src_addresses": [{"virtual_network": "any"}], "dst_addresses": [{"virtual_network": "any"}],
			  "action_list": {"simple_action": "pass"}}]}}}`,
			drift: []string{"entries"}},
		"policy rule with an extra action": {kind: resource.KindNetworkPolicy,
			body: `{"network-policy": {"network_policy_entries": {"policy_rule": [{"direction": "<>", "protocol": "any", "ethertype": "IPv4",
			  "src_addresses": [{"virtual_network": "default-domain:admin:net-a"}], "src_ports": [{"start_port": -1, "end_port": -1}],
			  "dst_addresses": [{"virtual_network": "default-domain:admin:net-b"}], "dst_ports": [{"start_port": -1, "end_port": -1}],
			  "action_list": {"simple_action": "pass", "log": true}}]}}}`,
			drift: []string{"entries"}},
		"policy annotations": {kind: resource.KindNetworkPolicy,
			body:  `{"network-policy": {"annotations": {"key_value_pair": []}}}`,
			drift: []string{"source_network_id", "dest_network_id"}, refused: "source_network_id"},
		"security group rules": {kind: resource.KindSecurityGroup,
			body:  `{"security-group": {"security_group_entries": {"policy_rule": []}}}`,
			drift: []string{vim.PartsField}},
		"service template mode": {kind: resource.KindServiceTemplate,
			body:  `{"service-template": {"service_template_properties": {"service_mode": "transparent", "image_name": "vsrx", "flavor": "m1.medium"}}}`,
			drift: []string{"service_mode"}, refused: "service_mode"},
		"service template image": {kind: resource.KindServiceTemplate,
			body:  `{"service-template": {"service_template_properties": {"service_mode": "in-network", "image_name": "other", "flavor": "m1.medium"}}}`,
			drift: []string{"image_id"}, refused: "image_id"},
		"service instance properties": {kind: resource.KindServiceInstance,
			body:  `{"service-instance": {"service_instance_properties": {"ha_mode": "active-standby"}}}`,
			drift: []string{"service_instance_properties"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, nil)
			o := objectsOfKind[tc.kind](e)
			e.create(o)
			e.put(contrailTypes[tc.kind], o.ExternalID, tc.body)
			if diff := cmp.Diff(tc.drift, e.observe(o).Drift); diff != "" {
				t.Errorf("drift (-want +got):\n%s", diff)
			}
			err := e.d.Update(context.Background(), o)
			if tc.refused != "" {
				if resource.CodeOf(err) != resource.Invalid || resource.FieldOf(err) != tc.refused {
					t.Errorf("Update = %v, want Invalid %s", err, tc.refused)
				}
				return
			}
			if err != nil {
				t.Fatalf("Update: %v", err)
			}
			if obs := e.observe(o); len(obs.Drift) != 0 {
				t.Errorf("drift after Update: %v", obs.Drift)
			}
		})
	}
}

// TestDeleteWhileReferred checks that Contrail's 409 for an object still
// referred to is Conflict, and that the object stays until its user goes.
func TestDeleteWhileReferred(t *testing.T) {
	e := newEnv(t, nil)
	tmpl := template("st-1")
	e.create(tmpl)
	si := instance("si-1", tmpl, nil)
	e.create(si)
	err := e.d.Delete(context.Background(), tmpl)
	if resource.CodeOf(err) != resource.Conflict {
		t.Fatalf("Delete of a template an instance uses = %v, want Conflict", err)
	}
	if obs := e.observe(tmpl); !obs.Exists {
		t.Fatal("the template went despite the conflict")
	}
	for _, o := range []*vim.Object{si, tmpl} {
		if err := e.d.Delete(context.Background(), o); err != nil {
			t.Fatalf("Delete(%s): %v", o, err)
		}
	}
	if n := e.srv.Count("service-template") + e.srv.Count("service-instance"); n != 0 {
		t.Errorf("%d objects left", n)
	}
}

// TestObserveFindsTheObjectByName checks Observe when the recorded uuid is
// stale or the server answers 404 for it.
func TestObserveFindsTheObjectByName(t *testing.T) {
	e := newEnv(t, nil)
	o := network("net-1", "10.0.0.0/24")
	old := e.create(o)

	// The name still maps to the uuid the server says is not found: that
	// is no proof of absence.
	e.srv.Inject(contrailfake.Fault{Method: "GET", Path: "/virtual-network/", Status: 404})
	if _, err := e.d.Observe(context.Background(), o); resource.CodeOf(err) != resource.NotFound {
		t.Errorf("Observe answered 404 for a named object = %v, want NotFound", err)
	}

	// Deleted and made again out of band: the name finds the new one.
	req, _ := http.NewRequest("DELETE", e.srv.URL()+"/virtual-network/"+old, nil)
	req.Header.Set("X-Auth-Token", e.srv.IssueToken())
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("out-of-band DELETE: %v %v", res, err)
	}
	res.Body.Close()
	fresh := *o
	fresh.ExternalID = ""
	id := e.create(&fresh)
	if obs := e.observe(o); !obs.Exists || obs.ExternalID != id || id == old {
		t.Errorf("Observe with the stale uuid %s = %+v, want the new object %s", old, obs, id)
	}
	if err := e.d.Delete(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	for _, ext := range []string{old, id, ""} {
		gone := *o
		gone.ExternalID = ext
		if obs := e.observe(&gone); obs.Exists {
			t.Errorf("Observe after Delete (recorded uuid %q) = %+v", ext, obs)
		}
	}
}

func TestObservationOutput(t *testing.T) {
	e := newEnv(t, nil)
	o := network("net-1", "10.0.0.0/24")
	id := e.create(o)
	want := vim.Observation{Exists: true, ExternalID: id, State: vim.StateReady, TaskStatus: "ACTIVE",
		Output: map[string]any{"uuid": id, "fq_name": "default-domain:admin:net-1", "virtual_network_network_id": int64(4),
			"cidr": "10.0.0.0/24"}}
	if diff := cmp.Diff(want, e.observe(o)); diff != "" {
		t.Errorf("observation (-want +got):\n%s", diff)
	}
}
