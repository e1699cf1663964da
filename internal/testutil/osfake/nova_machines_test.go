package osfake

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestServerOnTwoNetworks: one NIC per requested network, each with its
// own MAC and an address from its network's subnet, keyed by network name.
func TestServerOnTwoNetworks(t *testing.T) {
	srv, c := newFake(t, nil)
	a, b := c.network("a", "10.1.0.0/24"), c.network("b", "10.2.0.0/24")
	id := c.boot("s", b, map[string]any{"networks": []any{map[string]any{"uuid": b}, map[string]any{"uuid": a}}})
	srv.Step()
	s := get(c.nova(http.StatusOK, http.MethodGet, "/servers/"+id, nil), "server")
	got := map[string]any{"a": get(s, "addresses", "a", 0, "addr"), "b": get(s, "addresses", "b", 0, "addr")}
	if diff := cmp.Diff(map[string]any{"a": "10.1.0.2", "b": "10.2.0.2"}, got); diff != "" {
		t.Errorf("addresses (-want +got):\n%s", diff)
	}
	macA, macB := str2(s, "addresses", "a", 0, "OS-EXT-IPS-MAC:mac_addr"), str2(s, "addresses", "b", 0, "OS-EXT-IPS-MAC:mac_addr")
	if macA == "" || macA == macB {
		t.Errorf("MACs %q and %q, want two distinct ones", macA, macB)
	}
}

// TestServerGroupMembership: the group hint makes the server a member at
// once (Nova records it when it accepts the server), until the server is
// gone; a group that does not exist is refused.
func TestServerGroupMembership(t *testing.T) {
	srv, c := newFake(t, nil)
	net := c.network("n", "10.1.0.0/24")
	gid := str2(c.nova(http.StatusOK, http.MethodPost, "/os-server-groups",
		map[string]any{"server_group": map[string]any{"name": "g", "policy": "soft-anti-affinity"}}), "server_group", "id")
	members := func() any {
		return get(c.nova(http.StatusOK, http.MethodGet, "/os-server-groups/"+gid, nil), "server_group", "members")
	}
	hint := func(group string) map[string]any {
		return map[string]any{"server": map[string]any{"name": "s", "flavorRef": "1", "imageRef": imageID(t, srv, "cirros"),
			"networks": []any{map[string]any{"uuid": net}}}, "os:scheduler_hints": map[string]any{"group": group}}
	}
	first := str2(c.nova(http.StatusAccepted, http.MethodPost, "/servers", hint(gid)), "server", "id")
	second := str2(c.nova(http.StatusAccepted, http.MethodPost, "/servers", hint(gid)), "server", "id")
	c.boot("outside", net, nil)
	if diff := cmp.Diff([]any{first, second}, members()); diff != "" {
		t.Errorf("members while building (-want +got):\n%s", diff)
	}
	srv.Step()
	c.nova(http.StatusNoContent, http.MethodDelete, "/servers/"+first, nil)
	if diff := cmp.Diff([]any{first, second}, members()); diff != "" {
		t.Errorf("members while one is being deleted (-want +got):\n%s", diff)
	}
	srv.Step()
	if diff := cmp.Diff([]any{second}, members()); diff != "" {
		t.Errorf("members once one is gone (-want +got):\n%s", diff)
	}
	missing := "8d5a2f1e-0000-4000-8000-000000000000"
	r := c.do(http.MethodPost, "/compute/v2.1/servers", hint(missing), "OpenStack-API-Version", "compute 2.64")
	if msg := str2(r.json(t), "badRequest", "message"); r.status != 400 || msg != "Instance group "+missing+" could not be found." {
		t.Errorf("a hint naming no group = %d %q", r.status, msg)
	}
}

// TestServerMetadataItems: one item is read and deleted by key; writes
// need a server at rest, with the message a real Nova gives a building one.
func TestServerMetadataItems(t *testing.T) {
	srv, c := newFake(t, nil)
	id := c.boot("s", c.network("n", "10.1.0.0/24"), map[string]any{"metadata": map[string]any{"a": "1", "b": "2"}})
	status := func(method, path string, body any) (int, string) {
		r := c.do(method, "/compute/v2.1/servers/"+id+path, body, "OpenStack-API-Version", "compute 2.64")
		if r.status >= 400 {
			b := r.json(t)
			return r.status, str2(b, "itemNotFound", "message") + str2(b, "conflictingRequest", "message")
		}
		return r.status, ""
	}
	type res struct {
		Status int
		Msg    string
	}
	steps := []struct {
		name         string
		method, path string
		body         any
		want         res
		step         bool // Step the fake after the request
	}{
		{"delete while building", http.MethodDelete, "/metadata/a", nil,
			res{409, "Cannot 'delete metadata' instance " + id + " while it is in vm_state building"}, false},
		{"update while building", http.MethodPost, "/metadata", map[string]any{"metadata": map[string]any{"c": "3"}},
			res{409, "Cannot 'update metadata' instance " + id + " while it is in vm_state building"}, true},
		{"read an item", http.MethodGet, "/metadata/a", nil, res{200, ""}, false},
		{"delete an item", http.MethodDelete, "/metadata/a", nil, res{204, ""}, false},
		{"read it again", http.MethodGet, "/metadata/a", nil, res{404, "Metadata item was not found"}, false},
		{"delete it again", http.MethodDelete, "/metadata/a", nil, res{404, "Metadata item was not found"}, false},
		{"stop", http.MethodPost, "/action", map[string]any{"os-stop": nil}, res{202, ""}, false},
		{"delete while stopping", http.MethodDelete, "/metadata/b", nil,
			res{409, "Cannot 'delete metadata' instance " + id + " while it is in task_state powering-off"}, true},
	}
	for _, st := range steps {
		s, m := status(st.method, st.path, st.body)
		if diff := cmp.Diff(st.want, res{s, m}); diff != "" {
			t.Errorf("%s (-want +got):\n%s", st.name, diff)
		}
		if st.step {
			srv.Step()
		}
	}
	if diff := cmp.Diff(map[string]any{"meta": map[string]any{"b": "2"}}, c.nova(http.StatusOK, http.MethodGet, "/servers/"+id+"/metadata/b", nil)); diff != "" {
		t.Errorf("GET of an item (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]any{"metadata": map[string]any{"b": "2"}}, c.nova(http.StatusOK, http.MethodGet, "/servers/"+id+"/metadata", nil)); diff != "" {
		t.Errorf("metadata after the deletion (-want +got):\n%s", diff)
	}
}
