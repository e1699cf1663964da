package contrail_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/orca-nfv/orca/internal/testutil/contrailfake"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
	"github.com/orca-nfv/orca/vim/contrail"
)

// objectsOfKind builds, for each kind, an object whose dependencies exist.
var objectsOfKind = map[resource.Kind]func(e *env) *vim.Object{
	resource.KindNetwork: func(*env) *vim.Object { return network("net-1", "10.0.0.0/24", 9) },
	resource.KindNetworkPolicy: func(e *env) *vim.Object {
		a, b := network("net-a", "10.1.0.0/24"), network("net-b", "10.2.0.0/24")
		e.create(a)
		e.create(b)
		return policyBetween("pol-1", a, b, resource.PolicyEntry{Action: "pass", Direction: "<>", Protocol: "any"})
	},
	resource.KindSecurityGroup: func(*env) *vim.Object {
		return &vim.Object{Ref: resource.Ref{Kind: resource.KindLocalSecurityGroup, ID: "sg-1"}, Kind: resource.KindSecurityGroup,
			Spec: &resource.SecurityGroup{Description: "sg"}, Parts: []vim.Part{{Spec: &resource.SecurityGroupRule{Direction: "egress", Protocol: "any"}}}}
	},
	resource.KindServiceTemplate: func(*env) *vim.Object { return template("st-1") },
	resource.KindServiceInstance: func(e *env) *vim.Object {
		tmpl := template("st-1")
		e.create(tmpl)
		return instance("si-1", tmpl, map[string]any{"ha_mode": "active-active"})
	},
}

// tagged counts the fake's objects named by o's tag.
func (e *env) tagged(o *vim.Object) int {
	n := 0
	for _, obj := range e.srv.Objects(contrailTypes[o.Kind]) {
		if obj["name"] == o.Ref.ID {
			n++
		}
	}
	return n
}

// TestAdoptionAfterALostResponse makes the server commit a create and
// then lose the answer (an error, or a hang until the client gives up):
// the repeated Create adopts the object, and completes it (a policy gets
// attached), instead of making a second one.
func TestAdoptionAfterALostResponse(t *testing.T) {
	for kind, build := range objectsOfKind {
		for _, lose := range []string{"error", "hang"} {
			t.Run(string(kind)+"/"+lose, func(t *testing.T) {
				e := newEnv(t, nil)
				o := build(e)
				f := contrailfake.Fault{Method: "POST", Path: "/" + contrailTypes[kind] + "s", AfterCommit: true, Status: 502}
				ctx := context.Background()
				if lose == "hang" {
					f.Hang = true
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, 50*time.Millisecond)
					defer cancel()
				}
				e.srv.Inject(f)
				_, err := e.d.Create(ctx, o)
				if resource.CodeOf(err) != resource.Unavailable {
					t.Fatalf("Create whose answer was lost = %v, want Unavailable", err)
				}
				if lose == "hang" && !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("the hung Create's error does not wrap the deadline: %v", err)
				}
				if n := e.tagged(o); n != 1 {
					t.Fatalf("%d objects after the lost create, want 1 (it committed)", n)
				}
				id, err := e.d.Create(context.Background(), o)
				if err != nil {
					t.Fatalf("repeated Create: %v", err)
				}
				if n := e.tagged(o); n != 1 {
					t.Errorf("%d objects after the repeated create, want 1", n)
				}
				o.ExternalID = id
				obs := e.observe(o)
				if !obs.Exists || obs.ExternalID != id || len(obs.Drift) != 0 {
					t.Errorf("the adopted object: %+v", obs)
				}
			})
		}
	}
}

// TestConflictOtherThanTheName checks that a 409 for a name still free is
// reported, not taken for an object to adopt.
func TestConflictOtherThanTheName(t *testing.T) {
	e := newEnv(t, nil)
	o := network("net-1", "10.0.0.0/24")
	e.srv.Inject(contrailfake.Fault{Method: "POST", Path: "/virtual-networks", Status: 409})
	if _, err := e.d.Create(context.Background(), o); resource.CodeOf(err) != resource.Conflict {
		t.Fatalf("Create answered 409 = %v, want Conflict", err)
	}
	if n := e.tagged(o); n != 0 {
		t.Errorf("%d objects, want none", n)
	}
}

func TestContrailNetworkID(t *testing.T) {
	o := network("net-1", "10.0.0.0/24")
	o.Spec.(*resource.Network).ContrailID = 77

	// By default the ID is Contrail's own (releases after 3.2 refuse a
	// client-set one), and orca's is not drift.
	e := newEnv(t, nil)
	e.create(o)
	if got := e.get("virtual-network", "net-1")["virtual_network_network_id"]; got == float64(77) || got == nil {
		t.Errorf("virtual_network_network_id = %v, want one Contrail chose", got)
	}
	if obs := e.observe(o); len(obs.Drift) != 0 {
		t.Errorf("drift with Contrail's own network ID: %v", obs.Drift)
	}

	setIDs := func(o *contrail.Options) { o.SetNetworkIDs = true }
	e = newEnv(t, nil, setIDs)
	if _, err := e.d.Create(context.Background(), o); resource.CodeOf(err) != resource.Forbidden {
		t.Errorf("Create setting contrail_id on a current release = %v, want Forbidden", err)
	}

	e = newEnv(t, &contrailfake.Options{AllowNetworkID: true}, setIDs)
	e.create(o)
	if got := e.get("virtual-network", "net-1")["virtual_network_network_id"]; got != float64(77) {
		t.Errorf("virtual_network_network_id = %v, want 77", got)
	}
	obs := e.observe(o)
	if len(obs.Drift) != 0 || obs.Output["virtual_network_network_id"] != int64(77) {
		t.Errorf("observation: %+v", obs)
	}
	o.Spec.(*resource.Network).ContrailID = 78
	if obs := e.observe(o); len(obs.Drift) != 1 || obs.Drift[0] != "contrail_id" {
		t.Errorf("drift against another contrail_id: %v", obs.Drift)
	}
	if err := e.d.Update(context.Background(), o); resource.FieldOf(err) != "contrail_id" || resource.CodeOf(err) != resource.Invalid {
		t.Errorf("Update changing contrail_id = %v, want Invalid contrail_id", err)
	}
}

// TestSystemRouteTargetRefused: Contrail keeps route targets from 8000000
// up for itself; the driver says so before sending anything.
func TestSystemRouteTargetRefused(t *testing.T) {
	e := newEnv(t, nil)
	before := len(e.srv.Requests())
	_, err := e.d.Create(context.Background(), network("net-1", "10.0.0.0/24", 8_000_000))
	if resource.CodeOf(err) != resource.Invalid || resource.FieldOf(err) != "route_target" || !strings.Contains(err.Error(), "below 8000000") {
		t.Errorf("Create with route target 8000000: %v, want Invalid on route_target", err)
	}
	if n := len(e.srv.Requests()) - before; n != 0 {
		t.Errorf("%d requests were sent", n)
	}
	e.create(network("net-2", "10.0.1.0/24", 7_999_999))
}
