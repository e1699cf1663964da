package httpapi_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/orca-nfv/orca/internal/testutil/apitest"
	"github.com/orca-nfv/orca/internal/testutil/wait"
	"github.com/orca-nfv/orca/resource"
)

// The seed dialects' targets: Trema's tenants, Waldur's server groups,
// Mogan's bare-metal instances. Every resource is made in t1 (alice's);
// the seed 000 base set gives the flavor, image and network they use.

// arrayListed reports whether a bare JSON array answer holds an object
// whose field is id.
func arrayListed(field string) func(r apitest.Response, id string) bool {
	return func(r apitest.Response, id string) bool {
		for _, e := range r.Array() {
			if o, ok := e.(map[string]any); ok && o[field] == id {
				return true
			}
		}
		return false
	}
}

// createOrFail makes r in the store through the orchestrator.
func createOrFail(t *testing.T, s *secServer, r *resource.Resource) string {
	t.Helper()
	if _, err := s.O.Create(context.Background(), r); err != nil {
		t.Fatalf("creating %s: %v", r.Ref, err)
	}
	return r.ID
}

// waitReady waits until ref is Ready for its current generation.
func waitReady(t *testing.T, s *secServer, ref resource.Ref) {
	t.Helper()
	wait.Until(t, ref.String()+" ready", func() bool {
		r, err := s.O.Get(context.Background(), ref)
		return err == nil && r.Status.Phase == resource.PhaseReady && r.Status.ObservedGeneration >= r.Generation
	})
}

func tremaTargets() []target {
	var n atomic.Int64
	item := func(id string) string { return "/tenants/" + id }
	return []target{{
		surface: "trema", kind: "tenant",
		// t1 itself, alice's; a new tenant for each delete.
		make: func(t *testing.T, s *secServer) string {
			if n.Add(1) == 1 {
				return "t1"
			}
			id := fmt.Sprintf("trema-%d", n.Load())
			return createOrFail(t, s, &resource.Resource{Ref: resource.Ref{Kind: resource.KindTenant, ID: id}, Name: id,
				Spec: &resource.Tenant{Description: "private description of " + id}})
		},
		ref:    func(id string) resource.Ref { return resource.Ref{Kind: resource.KindTenant, ID: id} },
		hidden: func(id string) string { return "private description of " + id },
		verbs: []verb{
			{name: "read", want: expect{200, 200, 404, 401}, send: func(s *secServer, a actor, id string) apitest.Response {
				return s.send(a, byToken, "GET", item(id), nil)
			}},
			{name: "list", want: expect{200, 200, 200, 401}, listed: arrayListed("id"), send: func(s *secServer, a actor, id string) apitest.Response {
				return s.send(a, byToken, "GET", "/tenants", nil)
			}},
			{name: "update", write: true, want: expect{202, 403, 403, 401}, send: func(s *secServer, a actor, id string) apitest.Response {
				return s.send(a, byToken, "PUT", item(id), map[string]any{"description": "changed by " + a.String()})
			}},
			{name: "delete", write: true, consumes: true, want: expect{202, 403, 403, 401}, send: func(s *secServer, a actor, id string) apitest.Response {
				return s.send(a, byToken, "DELETE", item(id), nil)
			}},
		},
	}}
}

func waldurTargets(d *seed000) []target {
	const groups = "/api/openstack-server-groups/"
	item := func(id string) string { return groups + id + "/" }
	post := func(action string, body any) func(s *secServer, a actor, id string) apitest.Response {
		return func(s *secServer, a actor, id string) apitest.Response {
			return s.send(a, byToken, "POST", item(id)+action+"/", body)
		}
	}
	return []target{{
		surface: "waldur", kind: "server group",
		make: func(t *testing.T, s *secServer) string {
			id := createOrFail(t, s, &resource.Resource{Ref: resource.Ref{Kind: resource.KindServerGroup, ID: fmt.Sprintf("wsg-%d", d.n.Add(1))},
				Tenant: "t1", Placement: &resource.Placement{Locations: []string{"loc-1", "loc-2"}},
				Spec: &resource.ServerGroup{Policy: "anti-affinity", Description: "a group"}})
			waitReady(t, s, resource.Ref{Kind: resource.KindServerGroup, ID: id})
			// Named after it is made, so that the name is in no
			// event's message either.
			r, _ := s.O.Get(context.Background(), resource.Ref{Kind: resource.KindServerGroup, ID: id})
			r.Name = "private name of " + id
			if _, err := s.O.Update(context.Background(), r); err != nil {
				t.Fatal(err)
			}
			waitReady(t, s, r.Ref)
			return id
		},
		ref:    func(id string) resource.Ref { return resource.Ref{Kind: resource.KindServerGroup, ID: id} },
		hidden: func(id string) string { return "private name of " + id },
		verbs: []verb{
			{name: "read", want: expect{200, 200, 404, 401}, send: func(s *secServer, a actor, id string) apitest.Response {
				return s.send(a, byToken, "GET", item(id), nil)
			}},
			{name: "read (Token scheme)", want: expect{200, 200, 404, 401}, send: func(s *secServer, a actor, id string) apitest.Response {
				if a == anonymous {
					return s.send(a, byToken, "GET", item(id), nil)
				}
				return s.Do("GET", item(id), "", nil, "Authorization", "Token "+s.Token(a.user()))
			}},
			{name: "list", want: expect{200, 200, 200, 401}, listed: arrayListed("uuid"), send: func(s *secServer, a actor, id string) apitest.Response {
				return s.send(a, byToken, "GET", groups+"?page_size=300", nil)
			}},
			{name: "delete", write: true, consumes: true, want: expect{204, 204, 404, 401}, send: func(s *secServer, a actor, id string) apitest.Response {
				return s.send(a, byToken, "DELETE", item(id), nil)
			}},
			{name: "pull", write: true, want: expect{202, 202, 404, 401}, send: post("pull", nil)},
			{name: "set_erred", write: true, consumes: true, want: expect{200, 403, 403, 401}, send: post("set_erred", map[string]any{"error_message": "by hand"})},
			{name: "set_ok", write: true, consumes: true, want: expect{200, 403, 403, 401}, send: post("set_ok", map[string]any{})},
			{name: "unlink", write: true, consumes: true, want: expect{204, 403, 403, 401}, send: post("unlink", nil)},
		},
	}}
}

func moganTargets(d *seed000) []target {
	const instances = "/v1/instances"
	item := func(id string) string { return instances + "/" + id }
	get := func(path func(string) string) func(s *secServer, a actor, id string) apitest.Response {
		return func(s *secServer, a actor, id string) apitest.Response {
			return s.send(a, byToken, "GET", path(id), nil)
		}
	}
	return []target{{
		surface: "mogan", kind: "instance",
		make: func(t *testing.T, s *secServer) string {
			id := fmt.Sprintf("bm-%d", d.n.Add(1))
			createOrFail(t, s, &resource.Resource{Ref: resource.Ref{Kind: resource.KindBaremetalInstance, ID: id}, Tenant: "t1",
				Name: "private name of " + id, Placement: &resource.Placement{Locations: []string{"loc-1"}},
				Spec: &resource.BaremetalInstance{FlavorID: d.samples[resource.KindFlavor].ID, ImageID: d.samples[resource.KindImage].ID,
					Networks: []resource.NetworkPort{{NetworkID: d.samples[resource.KindNetwork].ID}}}})
			wait.Until(t, id+" active", func() bool {
				r := s.Do("GET", item(id)+"/states", s.Token("admin"), nil)
				return r.Code == 200 && r.Object()["status"] == "active" && r.Object()["power_state"] == "power on"
			})
			return id
		},
		ref:    func(id string) resource.Ref { return resource.Ref{Kind: resource.KindBaremetalInstance, ID: id} },
		hidden: func(id string) string { return "private name of " + id },
		verbs: []verb{
			{name: "read", want: expect{200, 200, 404, 401}, send: get(item)},
			{name: "states", want: expect{200, 200, 404, 401}, send: get(func(id string) string { return item(id) + "/states" })},
			{name: "list", want: expect{200, 200, 200, 401}, listed: listedBy("instances", "uuid"), ownListOnly: true, send: get(func(string) string { return instances })},
			{name: "list detail", want: expect{200, 200, 200, 401}, listed: listedBy("instances", "uuid"), ownListOnly: true, send: get(func(string) string { return instances + "/detail" })},
			{name: "list all tenants", want: expect{200, 403, 403, 401}, listed: listedBy("instances", "uuid"),
				send: get(func(string) string { return instances + "/detail?all_tenants=1" })},
			{name: "update (JSON Patch)", write: true, want: expect{200, 200, 404, 401}, send: func(s *secServer, a actor, id string) apitest.Response {
				return s.send(a, byToken, "PATCH", item(id), `[{"op":"replace","path":"/description","value":"changed by `+a.String()+`"}]`,
					"Content-Type", "application/json-patch+json")
			}},
			{name: "power off", write: true, consumes: true, want: expect{202, 202, 404, 401}, send: func(s *secServer, a actor, id string) apitest.Response {
				return s.send(a, byToken, "PUT", item(id)+"/states/power", map[string]any{"target": "off"})
			}},
			{name: "lock", write: true, consumes: true, want: expect{202, 202, 404, 401}, send: func(s *secServer, a actor, id string) apitest.Response {
				return s.send(a, byToken, "PUT", item(id)+"/states/lock", map[string]any{"target": true})
			}},
			{name: "delete", write: true, consumes: true, want: expect{204, 204, 404, 401}, send: func(s *secServer, a actor, id string) apitest.Response {
				return s.send(a, byToken, "DELETE", item(id), nil)
			}},
		},
	}}
}
